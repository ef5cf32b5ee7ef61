#include "harness/run/corpus.hpp"

#include <charconv>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/run/mutant_catalogue.hpp"

namespace dc::harness {
namespace {

using nlohmann::json;
// Case format versions (corpus.hpp): 1 and 2 name the trace hash version of expect.trace_hash;
// 3 adds several files (workload.files, a file per op) and keeps hash version 2; 4 adds shared
// open files (workload.shared_files) and the open / evict ops; 5 adds the io_uring ops
// (uring_write, uring_read, uring_wait with nr).
constexpr unsigned kOldestVersion = 1;
constexpr unsigned kVersion = 5;
constexpr unsigned kUringVersion = 5;      // first version with uring_write / uring_read / uring_wait
constexpr unsigned kFilesVersion = 3;      // first version with workload.files / op.file
constexpr unsigned kLifecycleVersion = 4;  // first version with shared_files, open, evict
int hash_version_of(unsigned version) { return version >= 2 ? 2 : 1; }
static_assert(model::kTraceHashVersion == 2, "a new trace hash version needs a new case format version");

struct Reader {
  const std::string& origin;
  [[noreturn]] void fail(const std::string& field, const std::string& why) const {
    throw CorpusError(fmt::format("{}: field '{}': {}", origin, field, why));
  }
  void only(const json& j, const std::string& where, std::set<std::string> allowed) const {
    if (!j.is_object()) fail(where, "expected an object");
    for (auto it = j.begin(); it != j.end(); ++it)
      if (!allowed.count(it.key())) fail(where.empty() ? it.key() : where + "." + it.key(), "unknown field");
  }
  const json& at(const json& j, const std::string& where, const std::string& key) const {
    auto it = j.find(key);
    if (it == j.end()) fail(where.empty() ? key : where + "." + key, "missing");
    return *it;
  }
  template <class T>
  T get(const json& j, const std::string& where, const std::string& key) const {
    const json& v = at(j, where, key);
    const std::string name = where.empty() ? key : where + "." + key;
    if constexpr (std::is_same_v<T, bool>) {
      if (!v.is_boolean()) fail(name, "expected true or false");
    } else if constexpr (std::is_integral_v<T>) {
      if (!v.is_number_unsigned()) fail(name, "expected a non-negative integer");
      if (v.get<std::uint64_t>() > std::numeric_limits<T>::max()) fail(name, "out of range");
    } else {
      if (!v.is_string()) fail(name, "expected a string");
    }
    return v.get<T>();
  }
  template <class T>
  T get_or(const json& j, const std::string& where, const std::string& key, T dflt) const {
    return j.contains(key) ? get<T>(j, where, key) : dflt;
  }
};

json ranges_to_json(const std::vector<model::Range>& rs) {
  json a = json::array();
  for (const auto& r : rs) a.push_back({r.offset, r.len});
  return a;
}

std::vector<model::Range> ranges_from_json(const Reader& rd, const json& j, const std::string& name) {
  if (!j.is_array()) rd.fail(name, "expected an array of [offset, len]");
  std::vector<model::Range> out;
  for (const json& r : j) {
    if (!r.is_array() || r.size() != 2 || !r[0].is_number_unsigned() || !r[1].is_number_unsigned())
      rd.fail(name, "expected [offset, len] pairs of non-negative integers");
    out.push_back({r[0].get<std::uint64_t>(), r[1].get<std::uint64_t>()});
  }
  return out;
}

bool parse_op_kind(const std::string& s, model::OpKind& out) {
  for (int k = 0; k <= static_cast<int>(model::OpKind::UringWait); ++k) {
    const auto kind = static_cast<model::OpKind>(k);
    if (s == model::to_string(kind)) return out = kind, true;
  }
  return false;
}

std::string hex(std::uint64_t v) { return fmt::format("{:x}", v); }

std::uint64_t parse_hex(const Reader& rd, const std::string& s, const std::string& field) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) rd.fail(field, "expected a hex number");
  return v;
}

}  // namespace

std::string to_json(const Case& c) {
  json faults = json::array();
  for (const auto& f : c.config.faults) {
    if (f.kind == model::Fault::Kind::BioError)
      faults.push_back({{"kind", "bio-error"}, {"nth", f.nth}});
    else
      faults.push_back({{"kind", "alloc-fail"}, {"site", f.site}, {"nth", f.nth}});
  }
  json tasks = json::array();
  for (const auto& t : c.workload.tasks) {
    json ops = json::array();
    for (const auto& o : t.ops) {
      json op = {{"op", model::to_string(o.kind)}, {"id", o.id}, {"offset", o.offset}, {"len", o.len}};
      if (o.dsync) op["dsync"] = true;
      if (o.keep_size) op["keep_size"] = true;
      if (model::is_reap(o.kind)) op["nr"] = o.nr;
      if (o.file != 0) op["file"] = o.file;
      ops.push_back(op);
    }
    tasks.push_back(ops);
  }
  const auto& w = c.workload;
  json j = {
      {"format", "diocheck-case"},
      {"version", c.hash_version == 1 ? 1u : kVersion},
      {"kernel", model::to_string(c.config.kernel)},
      {"fs", model::to_string(c.config.fs)},
      {"mutants", mutant_names(c.config.mutants)},
      {"wq_concurrency", c.config.wq_concurrency},
      {"dioread_nolock", c.config.dioread_nolock},
      {"faults", faults},
      {"workload",
       {{"sector_size", w.sector_size},
        {"block_size", w.block_size},
        {"initial_size", w.initial_size},
        {"written", ranges_to_json(w.written)},
        {"preallocated", ranges_to_json(w.preallocated)},
        {"o_dsync", w.o_dsync},
        {"o_sync", w.o_sync},
        {"inode_sync", w.inode_sync},
        {"tasks", tasks}}},
      {"strategy", c.strategy},
      {"seed", hex(c.schedule.seed)},
      {"schedule", sched::encode(c.schedule)},
      {"expect", {{"property", c.property}, {"event", c.event}, {"trace_hash", hex(c.trace_hash)}}},
      {"note", c.note},
  };
  if (w.files != 1) j["workload"]["files"] = w.files;
  if (c.config.iomap_caller_comp) j["iomap_caller_comp"] = true;  // absent: off (every older file)
  if (w.shared_files) j["workload"]["shared_files"] = true;
  return j.dump(2) + "\n";
}

Case case_from_json(const std::string& text, const std::string& origin) {
  Reader rd{origin};
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for a number too large
    throw CorpusError(fmt::format("{}: invalid JSON: {}", origin, e.what()));
  }
  rd.only(j, "", {"format", "version", "kernel", "fs", "mutants", "wq_concurrency", "dioread_nolock",
                  "iomap_caller_comp", "faults", "workload", "strategy", "seed", "schedule", "expect", "note"});
  if (rd.get<std::string>(j, "", "format") != "diocheck-case") rd.fail("format", "expected \"diocheck-case\"");
  const auto version = rd.get<unsigned>(j, "", "version");
  if (version < kOldestVersion || version > kVersion)
    rd.fail("version", fmt::format("version {} is not supported (this build reads versions {} to {})", version,
                                   kOldestVersion, kVersion));
  Case c;
  c.hash_version = hash_version_of(version);
  if (!model::parse_kernel(rd.get<std::string>(j, "", "kernel"), c.config.kernel))
    rd.fail("kernel", "unknown kernel variant (known: 3.11, 7b7a8665, 3.12, 3.12-fixed, 6.6, 6.18)");
  if (!model::parse_fs(rd.get<std::string>(j, "", "fs"), c.config.fs))
    rd.fail("fs", "unknown filesystem (known: ext4, xfs)");
  const json& mutants = rd.at(j, "", "mutants");
  if (!mutants.is_array()) rd.fail("mutants", "expected an array of mutant ids");
  std::vector<std::string> names;
  for (const json& m : mutants) {
    if (!m.is_string()) rd.fail("mutants", "expected an array of mutant ids");
    names.push_back(m.get<std::string>());
  }
  try {
    c.config.mutants = parse_mutants(names);
  } catch (const UnknownMutant& e) {
    rd.fail("mutants", e.what());
  }
  if (const std::string why = refusal(c.config.mutants, c.config.kernel, c.config.fs); !why.empty())
    rd.fail("mutants", why);
  c.config.wq_concurrency = static_cast<int>(rd.get<unsigned>(j, "", "wq_concurrency"));
  if (c.config.wq_concurrency < 1 || c.config.wq_concurrency > 16) rd.fail("wq_concurrency", "must be 1..16");
  c.config.dioread_nolock = rd.get<bool>(j, "", "dioread_nolock");
  if (j.contains("iomap_caller_comp")) {
    c.config.iomap_caller_comp = rd.get<bool>(j, "", "iomap_caller_comp");
    if (c.config.iomap_caller_comp && !model::is_iomap_kernel(c.config.kernel))
      rd.fail("iomap_caller_comp", "only the iomap-era kernels (6.6, 6.18) have IOMAP_DIO_CALLER_COMP");
  }
  const json& faults = rd.at(j, "", "faults");
  if (!faults.is_array()) rd.fail("faults", "expected an array");
  for (const json& f : faults) {
    rd.only(f, "faults[]", {"kind", "site", "nth"});
    model::Fault fault;
    const auto kind = rd.get<std::string>(f, "faults[]", "kind");
    if (kind == "bio-error") {
      fault.kind = model::Fault::Kind::BioError;
      if (f.contains("site")) rd.fail("faults[].site", "bio-error faults take no site");
    } else if (kind == "alloc-fail") {
      fault.kind = model::Fault::Kind::AllocFail;
      fault.site = rd.get<std::string>(f, "faults[]", "site");
      static const std::set<std::string> sites = {"dio", "io_end", "ioend", "workqueue", "kiocb"};
      if (!sites.count(fault.site)) rd.fail("faults[].site", "unknown allocation site (dio, io_end, ioend, workqueue, kiocb)");
    } else {
      rd.fail("faults[].kind", "expected \"bio-error\" or \"alloc-fail\"");
    }
    fault.nth = rd.get<std::uint32_t>(f, "faults[]", "nth");
    if (fault.nth == 0) rd.fail("faults[].nth", "counts from 1");
    c.config.faults.push_back(fault);
  }
  const json& w = rd.at(j, "", "workload");
  rd.only(w, "workload", {"sector_size", "block_size", "initial_size", "written", "preallocated",
                          "o_dsync", "o_sync", "inode_sync", "tasks", "files", "shared_files"});
  if (version < kLifecycleVersion && w.contains("shared_files"))
    rd.fail("workload.shared_files", fmt::format("needs case format version {} or later", kLifecycleVersion));
  if (version < kFilesVersion && w.contains("files"))
    rd.fail("workload.files", fmt::format("needs case format version {} or later", kFilesVersion));
  auto& wl = c.workload;
  wl.sector_size = rd.get<std::uint32_t>(w, "workload", "sector_size");
  wl.block_size = rd.get<std::uint32_t>(w, "workload", "block_size");
  if (wl.sector_size < 512 || (wl.sector_size & (wl.sector_size - 1)))
    rd.fail("workload.sector_size", "must be a power of two >= 512");
  if (wl.block_size < wl.sector_size || wl.block_size > 65536 || (wl.block_size & (wl.block_size - 1)))
    rd.fail("workload.block_size", "must be a power of two between sector_size and 65536");
  wl.initial_size = rd.get<std::uint64_t>(w, "workload", "initial_size");
  wl.written = ranges_from_json(rd, rd.at(w, "workload", "written"), "workload.written");
  wl.preallocated = ranges_from_json(rd, rd.at(w, "workload", "preallocated"), "workload.preallocated");
  wl.o_dsync = rd.get<bool>(w, "workload", "o_dsync");
  wl.o_sync = rd.get<bool>(w, "workload", "o_sync");
  wl.inode_sync = rd.get<bool>(w, "workload", "inode_sync");
  wl.files = rd.get_or<std::uint32_t>(w, "workload", "files", 1);
  wl.shared_files = rd.get_or<bool>(w, "workload", "shared_files", false);
  if (wl.files < 1 || wl.files > model::kMaxFiles)
    rd.fail("workload.files", fmt::format("must be 1..{}", model::kMaxFiles));
  const json& tasks = rd.at(w, "workload", "tasks");
  if (!tasks.is_array() || tasks.empty() || tasks.size() > 8)
    rd.fail("workload.tasks", "expected 1..8 tasks, each an array of operations");
  std::set<std::uint32_t> ids;
  for (const json& t : tasks) {
    if (!t.is_array()) rd.fail("workload.tasks", "each task is an array of operations");
    model::Task task;
    for (const json& o : t) {
      rd.only(o, "workload.tasks[].op", {"op", "id", "offset", "len", "dsync", "keep_size", "nr", "file"});
      model::Op op;
      const auto name = rd.get<std::string>(o, "workload.tasks[]", "op");
      if (!parse_op_kind(name, op.kind)) rd.fail("workload.tasks[].op", fmt::format("unknown operation '{}'", name));
      if (version < kLifecycleVersion && (op.kind == model::OpKind::Open || op.kind == model::OpKind::Evict))
        rd.fail("workload.tasks[].op", fmt::format("'{}' needs case format version {} or later", name, kLifecycleVersion));
      if (version < kUringVersion && model::is_uring(op.kind))
        rd.fail("workload.tasks[].op", fmt::format("'{}' needs case format version {} or later", name, kUringVersion));
      op.id = rd.get<std::uint32_t>(o, "workload.tasks[]", "id");
      if (op.id >= 1'000'000) rd.fail("workload.tasks[].id", "must be below 1000000");
      if (!ids.insert(op.id).second) rd.fail("workload.tasks[].id", fmt::format("duplicate operation id {}", op.id));
      op.offset = rd.get<std::uint64_t>(o, "workload.tasks[]", "offset");
      op.len = rd.get<std::uint64_t>(o, "workload.tasks[]", "len");
      if (op.offset > (1ULL << 40) || op.len > (1ULL << 24))
        rd.fail("workload.tasks[]", "offset or len too large for a simulated file");
      op.dsync = rd.get_or<bool>(o, "workload.tasks[]", "dsync", false);
      op.keep_size = rd.get_or<bool>(o, "workload.tasks[]", "keep_size", false);
      op.nr = rd.get_or<std::uint32_t>(o, "workload.tasks[]", "nr", 1);
      if (o.contains("nr") && !model::is_reap(op.kind))
        rd.fail("workload.tasks[].nr", "only io_getevents and uring_wait take nr");
      if (o.contains("file")) {
        if (version < kFilesVersion)
          rd.fail("workload.tasks[].file", fmt::format("needs case format version {} or later", kFilesVersion));
        if (!model::uses_file(op.kind))
          rd.fail("workload.tasks[].file", fmt::format("{} takes no file", model::to_string(op.kind)));
        op.file = rd.get<std::uint32_t>(o, "workload.tasks[]", "file");
        if (op.file >= wl.files)
          rd.fail("workload.tasks[].file",
                  fmt::format("op {}: file index {} is not below workload.files ({})", op.id, op.file, wl.files));
      }
      task.ops.push_back(op);
    }
    wl.tasks.push_back(std::move(task));
  }
  if (const std::string why = model::lifecycle_error(wl); !why.empty()) rd.fail("workload.tasks", why);
  if (const std::string why = model::kernel_error(wl, c.config.kernel); !why.empty()) rd.fail("workload.tasks", why);
  c.strategy = rd.get<std::string>(j, "", "strategy");
  const auto seed = parse_hex(rd, rd.get<std::string>(j, "", "seed"), "seed");
  try {
    c.schedule = sched::decode(rd.get<std::string>(j, "", "schedule"));
  } catch (const sched::ScheduleError& e) {
    rd.fail("schedule", e.what());
  }
  if (c.schedule.seed != seed) rd.fail("seed", "does not match the seed inside the schedule token");
  const json& e = rd.at(j, "", "expect");
  rd.only(e, "expect", {"property", "event", "trace_hash"});
  c.property = rd.get<std::string>(e, "expect", "property");
  c.event = rd.get<std::size_t>(e, "expect", "event");
  c.trace_hash = parse_hex(rd, rd.get<std::string>(e, "expect", "trace_hash"), "expect.trace_hash");
  c.note = rd.get<std::string>(j, "", "note");
  return c;
}

Case load_case(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw CorpusError(fmt::format("{}: cannot open file", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return case_from_json(ss.str(), path);
}

void save_case(const Case& c, const std::string& path) {
  std::ofstream out(path);
  if (!out) throw CorpusError(fmt::format("{}: cannot write file", path));
  out << to_json(c);
}

}  // namespace dc::harness
