#include "harness/render/format.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "harness/run/mutant_catalogue.hpp"

namespace dc::harness::render_detail {

using model::EvKind;

Family family_of(EvKind k) {
  switch (k) {
    case EvKind::OpBegin: case EvKind::OpEnd: case EvKind::AioReaped: case EvKind::ReadData:
      return Family::User;
    case EvKind::DioSubmit: case EvKind::DioIsAsync: case EvKind::DioQueued:
    case EvKind::DeferSet: case EvKind::DropRefcount: case EvKind::DioComplete:
    case EvKind::EndIo: case EvKind::DioFree:
      return Family::Dio;
    case EvKind::BioSubmit: case EvKind::BioEnd:
      return Family::Bio;
    case EvKind::WorkQueued: case EvKind::WorkStart: case EvKind::WorkDone:
    case EvKind::WqAlloc: case EvKind::WqPublish: case EvKind::WqDestroy:
      return Family::Work;
    case EvKind::InodeDioInc: case EvKind::InodeDioDone: case EvKind::InodeDioWaitBegin:
    case EvKind::InodeDioWaitEnd: case EvKind::SizeUpdate: case EvKind::DiskSizeUpdate:
    case EvKind::SyncStart: case EvKind::SyncDone: case EvKind::Truncate:
      return Family::Inode;
    case EvKind::ExtentMap: case EvKind::ConvertStart: case EvKind::ConvertDone:
      return Family::Extent;
    case EvKind::AioComplete: case EvKind::KiocbFree: case EvKind::UringPunt: case EvKind::UringTaskWork:
      return Family::Aio;
    case EvKind::IoEndAlloc: case EvKind::IoEndGet: case EvKind::IoEndPut:
    case EvKind::IoEndFree: case EvKind::IoEndUnwritten:
      return Family::IoEnd;
    case EvKind::DevWrite: case EvKind::DevFlush: case EvKind::JournalCommit: case EvKind::Crash:
      return Family::Dev;
    case EvKind::Lock: case EvKind::Unlock: case EvKind::AtomicOp: case EvKind::Sleep:
      return Family::Prim;
    default:
      return Family::Finding;  // MightSleep, UseAfterFree, ... and kinds added later
  }
}

const char* to_string(Family f) {
  switch (f) {
    case Family::User: return "user";
    case Family::Dio: return "dio";
    case Family::Bio: return "bio";
    case Family::Work: return "workqueue";
    case Family::Inode: return "inode";
    case Family::Extent: return "extent";
    case Family::Aio: return "aio";
    case Family::IoEnd: return "io_end";
    case Family::Dev: return "device";
    case Family::Prim: return "primitive";
    case Family::Finding: return "finding";
  }
  return "?";
}

std::string_view payload_doc(EvKind k) {
  static constexpr std::string_view kDocs[] = {
#define DC_X(name, doc) doc,
      DC_EVENT_KINDS(DC_X)
#undef DC_X
  };
  const auto i = static_cast<std::size_t>(k);
  return i < std::size(kDocs) ? kDocs[i] : std::string_view{};
}

std::string short_code(EvKind k) {
  std::string out;
  for (char ch : model::to_string(k))
    if (ch >= 'A' && ch <= 'Z') out += ch;
  return out.empty() ? std::string(model::to_string(k).substr(0, 2)) : out;
}

std::string errno_str(std::int64_t v) {
  if (v >= 0) return fmt::format("{}", v);
  struct E { std::int64_t n; const char* name; };
  static constexpr E kErr[] = {{1, "EPERM"},   {2, "ENOENT"},  {4, "EINTR"},   {5, "EIO"},
                               {9, "EBADF"},   {11, "EAGAIN"}, {12, "ENOMEM"}, {14, "EFAULT"},
                               {16, "EBUSY"},  {22, "EINVAL"}, {27, "EFBIG"},  {28, "ENOSPC"},
                               {30, "EROFS"},  {61, "ENODATA"}, {95, "EOPNOTSUPP"},
                               {117, "EUCLEAN"}, {529, "EIOCBQUEUED"}};
  for (const E& e : kErr)
    if (-v == e.n) return std::string("-") + e.name;
  return fmt::format("{}", v);
}

std::string obj_label(EvKind k, model::ObjId obj, model::Fs fs) {
  if (obj == 0) return {};
  const char* what = "obj";
  switch (family_of(k)) {
    case Family::Dio: what = "dio"; break;
    case Family::Bio: what = "bio"; break;
    case Family::Aio: what = "kiocb"; break;
    case Family::IoEnd: what = fs == model::Fs::Xfs ? "ioend" : "io_end"; break;
    case Family::Work:
      what = (k == EvKind::WqAlloc || k == EvKind::WqPublish || k == EvKind::WqDestroy) ? "wq" : "work";
      break;
    case Family::Inode: what = "inode"; break;
    case Family::Prim:
      what = k == EvKind::AtomicOp ? "atomic" : k == EvKind::Sleep ? "wait" : "lock";
      break;
    default: break;
  }
  return fmt::format("{}{}", what, obj);
}

Ops::Ops(const model::Workload& w) {
  for (const auto& t : w.tasks)
    for (const auto& op : t.ops) by_id.emplace(op.id, &op);
}

const model::Op* Ops::find(std::uint32_t id) const {
  auto it = by_id.find(id);
  return it == by_id.end() ? nullptr : it->second;
}

std::string describe_op(const model::Op& op) {
  using model::OpKind;
  std::string s = fmt::format("op{} {}", op.id, model::to_string(op.kind));
  if (op.file != 0) s += fmt::format(" @file{}", op.file);  // no mark: file 0
  switch (op.kind) {
    case OpKind::GetEvents:
    case OpKind::UringWait: s += fmt::format(" nr={}", op.nr); break;
    case OpKind::Truncate: s += fmt::format(" to {}", op.len); break;
    case OpKind::Fsync: if (op.dsync) s += " (fdatasync)"; break;
    case OpKind::Close: case OpKind::Open: case OpKind::Evict: case OpKind::Unmount: case OpKind::Crash: break;
    default:
      s += fmt::format(" {}+{}", op.offset, op.len);
      if (op.dsync) s += " dsync";
      if (op.keep_size) s += " keep_size";
      break;
  }
  return s;
}

std::string describe_fault(const model::Fault& f) {
  if (f.kind == model::Fault::Kind::BioError) return fmt::format("bio-error nth={}", f.nth);
  return fmt::format("alloc-fail {} nth={}", f.site, f.nth);
}

std::string describe_faults(const model::Config& c) {
  if (c.faults.empty()) return "none";
  std::string s;
  for (const auto& f : c.faults) s += (s.empty() ? "" : ", ") + describe_fault(f);
  return s;
}

std::string describe_mutants(const model::Config& c) { return harness::describe_mutants(c.mutants); }

std::string describe_config(const model::Config& c) {
  return fmt::format("kernel {}  fs {}  wq_concurrency {}  dioread_nolock {}{}",
                     model::to_string(c.kernel), model::to_string(c.fs), c.wq_concurrency,
                     c.dioread_nolock ? "on" : "off", c.iomap_caller_comp ? "  iomap_caller_comp on" : "");
}

namespace {
std::string ranges_str(const std::vector<model::Range>& rs) {
  if (rs.empty()) return "none";
  std::string s;
  for (const auto& r : rs) s += fmt::format("{}{}+{}", s.empty() ? "" : " ", r.offset, r.len);
  return s;
}
}  // namespace

std::string describe_file(const model::Workload& w) {
  std::string flags;
  if (w.o_dsync) flags += " O_DSYNC";
  if (w.o_sync) flags += " O_SYNC";
  if (w.inode_sync) flags += " IS_SYNC";
  const std::string files =
      w.files > 1 ? fmt::format("  files {} (file 0 as described, the others empty; ops marked @fileN act on file N)", w.files)
                  : "";
  const char* shared = w.shared_files ? "  shared open files (one struct file per file, a reference per task)" : "";
  return fmt::format("sector {}  block {}  initial_size {}  written {}  preallocated {}  flags{}{}{}",
                     w.sector_size, w.block_size, w.initial_size, ranges_str(w.written),
                     ranges_str(w.preallocated), flags.empty() ? " none" : flags, files, shared);
}

std::string note_of(const model::Trace& t, const model::Event& e) {
  if (e.note == 0 || e.note > t.notes.size()) return {};
  return t.notes[e.note - 1];
}

std::string data_str(const model::Trace& t, const model::Event& e) {
  if (e.ndata == 0) return {};
  auto name = [](std::uint32_t id) -> std::string {
    if (id == model::kInitialData) return "init";
    if (id == model::kZero) return "zero";
    if (id == model::kForeign) return "FOREIGN";
    if (model::is_stale(id)) return id == model::kStale ? "STALE(init)" : fmt::format("STALE(op{})", (id & ~model::kStale) - 1);
    return fmt::format("op{}", id - 1);
  };
  std::string s;
  const std::size_t end = std::min<std::size_t>(std::size_t{e.data} + e.ndata, t.data.size());
  for (std::size_t i = e.data; i < end;) {
    std::size_t j = i;
    while (j < end && t.data[j] == t.data[i]) ++j;
    s += fmt::format("{}{}{}", s.empty() ? "" : " ", name(t.data[i]),
                     j - i > 1 ? fmt::format("x{}", j - i) : std::string{});
    i = j;
  }
  return s;
}

std::string summarize(const TraceView& v, const Ops& ops, const model::Event& e) {
  const std::string kind(model::to_string(e.kind));
  const std::string obj = obj_label(e.kind, e.obj, v.config.fs);
  auto with_obj = [&](std::string s) { return obj.empty() ? s : s + " " + obj; };
  auto opname = [&]() { return e.op == model::kNoOp ? std::string("op?") : fmt::format("op{}", e.op); };
  switch (e.kind) {
    case EvKind::OpBegin: {
      const model::Op* op = ops.find(e.op);
      if (op) return kind + " " + describe_op(*op);
      return fmt::format("{} {} {}", kind, opname(),
                         model::to_string(static_cast<model::OpKind>(e.a)));
    }
    case EvKind::OpEnd: return fmt::format("{} {} ret={}", kind, opname(), errno_str(e.a));
    case EvKind::AioReaped: return fmt::format("{} {} res={}", kind, opname(), errno_str(e.a));
    case EvKind::ReadData:
      return fmt::format("{} {} {}+{} [{}]", kind, opname(), e.a, e.b, data_str(v.trace, e));
    case EvKind::DioSubmit:
      return with_obj(fmt::format("{} {} {}+{}", kind, e.c ? "W" : "R", e.a, e.b));
    case EvKind::DioIsAsync: return with_obj(fmt::format("{} {}", kind, e.a ? "async" : "sync"));
    case EvKind::BioSubmit:
      return fmt::format("{} s{}+{} {} dio{}", kind, e.a, e.b, obj, e.c);
    case EvKind::BioEnd:
      return fmt::format("{} {} {} dio{}", kind, e.a == 0 ? "ok" : errno_str(e.a), obj, e.c);
    case EvKind::DropRefcount:
      return fmt::format("{} ref={} dio{}", kind, e.a, e.c);
    case EvKind::DioComplete:
      return with_obj(fmt::format("{} ret={} {}", kind, errno_str(e.a), e.b ? "async" : "sync"));
    case EvKind::EndIo: return with_obj(fmt::format("{} {}+{}", kind, e.a, e.b));
    case EvKind::WorkQueued: case EvKind::WorkStart: case EvKind::WorkDone:
      return fmt::format("{} {} wq{}", kind, obj, e.a);
    case EvKind::InodeDioInc: case EvKind::InodeDioDone:
      return fmt::format("{} i_dio_count={}", kind, e.a);
    case EvKind::SizeUpdate: case EvKind::DiskSizeUpdate: case EvKind::Truncate:
      return fmt::format("{} {}->{}", kind, e.a, e.b);
    case EvKind::SyncStart: return fmt::format("{} {}..{}", kind, e.a, e.b);
    case EvKind::SyncDone: return fmt::format("{} err={}", kind, errno_str(e.a));
    case EvKind::ExtentMap: {
      const char* st = e.c == 0 ? "hole" : e.c == 1 ? "unwritten" : e.c == 2 ? "written" : "?";
      return fmt::format("{} blk{}+{} {}", kind, e.a, e.b, st);
    }
    case EvKind::ConvertStart: return with_obj(fmt::format("{} {}+{}", kind, e.a, e.b));
    case EvKind::ConvertDone:
      return with_obj(e.c == 0 ? fmt::format("{} {}+{}", kind, e.a, e.b)
                               : fmt::format("{} {}+{} err={}", kind, e.a, e.b, errno_str(e.c)));
    case EvKind::AioComplete: {
      // an io_uring op's completion is its CQE landing in the CQ ring
      const model::Op* op = ops.find(e.op);
      const std::string k = op && model::is_uring(op->kind) ? kind + " (CQE)" : kind;
      return with_obj(e.b == 0 ? fmt::format("{} res={}", k, errno_str(e.a))
                               : fmt::format("{} res={} res2={}", k, errno_str(e.a), e.b));
    }
    case EvKind::UringPunt:
      return with_obj(e.a < 0 ? fmt::format("{} {} -> io-wq", kind, errno_str(e.a))
                              : fmt::format("{} short {} (done {}) -> io-wq", kind, e.a, e.b));
    case EvKind::UringTaskWork: return with_obj(fmt::format("{} res={}", kind, errno_str(e.a)));
    case EvKind::IoEndGet: case EvKind::IoEndPut:
      return with_obj(fmt::format("{} count={}", kind, e.a));
    case EvKind::IoEndUnwritten: return with_obj(fmt::format("{} {}", kind, e.a ? "set" : "clear"));
    case EvKind::WqAlloc: return with_obj(fmt::format("{} max_active={}", kind, e.a));
    case EvKind::DevWrite:
      return fmt::format("{} s{}+{} {}", kind, e.a, e.b,
                         e.c == 0 ? std::string("init") : fmt::format("op{}", e.c - 1));
    case EvKind::JournalCommit: return fmt::format("{} tid={}", kind, e.a);
    case EvKind::AtomicOp: return with_obj(fmt::format("{} ={}", kind, e.a));
    case EvKind::MightSleep: case EvKind::UseAfterFree: case EvKind::DoubleFree:
    case EvKind::Leak: case EvKind::KernelBug: case EvKind::KernelWarn: {
      std::string s = with_obj(kind);
      const std::string n = note_of(v.trace, e);
      return n.empty() ? s : s + ": " + n;
    }
    default: return with_obj(kind);
  }
}

std::vector<std::pair<std::string, std::string>> detail(const TraceView& v, const Ops& ops,
                                                        std::size_t index) {
  const model::Event& e = v.trace.events[index];
  std::vector<std::pair<std::string, std::string>> d;
  d.emplace_back("event", fmt::format("{}", index));
  d.emplace_back("kind", std::string(model::to_string(e.kind)));
  d.emplace_back("actor", fmt::format("{} (id {})", actor_name(v, e.actor), e.actor));
  d.emplace_back("context", e.ctx == 1 ? "interrupt" : "process");
  d.emplace_back("summary", summarize(v, ops, e));
  if (e.obj) d.emplace_back("object", obj_label(e.kind, e.obj, v.config.fs));
  if (e.op != model::kNoOp) {
    const model::Op* op = ops.find(e.op);
    d.emplace_back("op", op ? describe_op(*op) : fmt::format("op{}", e.op));
  }
  d.emplace_back("payload", fmt::format("a={} b={} c={}", e.a, e.b, e.c));
  const std::string_view doc = payload_doc(e.kind);
  if (!doc.empty()) d.emplace_back("payload doc", std::string(doc));
  const std::string data = data_str(v.trace, e);
  if (!data.empty()) d.emplace_back("data", data);
  const std::string note = note_of(v.trace, e);
  if (!note.empty()) d.emplace_back("note", note);
  return d;
}

std::size_t actor_count(const TraceView& v) {
  std::size_t n = std::max(v.actor_names.size(), v.actor_ctx.size());
  for (const auto& e : v.trace.events) n = std::max<std::size_t>(n, std::size_t{e.actor} + 1);
  return n;
}

std::string actor_name(const TraceView& v, std::size_t actor) {
  if (actor < v.actor_names.size() && !v.actor_names[actor].empty()) return v.actor_names[actor];
  return fmt::format("actor{}", actor);
}

bool actor_irq(const TraceView& v, std::size_t actor) {
  if (actor < v.actor_ctx.size()) return v.actor_ctx[actor] == sched::Ctx::Interrupt;
  for (const auto& e : v.trace.events)  // unknown actor: judge by what it did
    if (e.actor == actor) return e.ctx == 1;
  return false;
}

bool violation_in_trace(const TraceView& v) {
  return !v.property.empty() && v.event < v.trace.events.size();
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string url_path(std::string_view s) {
  std::string out;
  for (char ch : s) {
    const auto u = static_cast<unsigned char>(ch);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' ||
        u == '_' || u == '.' || u == '~' || u == '/')
      out += ch;
    else
      out += fmt::format("%{:02X}", u);
  }
  return out;
}

std::string script_safe(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  for (char ch : json) {
    if (ch == '<') out += "\\u003c";
    else out += ch;
  }
  return out;
}

std::size_t display_width(std::string_view s) {
  std::size_t w = 0;
  for (char ch : s)
    if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) ++w;
  return w;
}

std::string fit(std::string_view s, std::size_t w) {
  if (display_width(s) <= w) return std::string(s);
  if (w == 0) return {};
  std::string out;
  std::size_t cols = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool lead = (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
    if (lead) {
      if (cols + 1 >= w) break;
      ++cols;
    }
    out += s[i];
  }
  return out + "~";
}

}  // namespace dc::harness::render_detail
