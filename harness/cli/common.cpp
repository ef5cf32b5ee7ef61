#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/ranges.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/cli/cli.hpp"
#include "harness/run/mutant_catalogue.hpp"

namespace dc::cli {

std::vector<std::string> kernel_choices() {
  std::vector<std::string> out;
  for (auto k : model::kEveryKernel) out.emplace_back(model::to_string(k));
  out.emplace_back("all");
  return out;
}

std::vector<std::string> fs_choices() {
  std::vector<std::string> out;
  for (auto f : model::kAllFs) out.emplace_back(model::to_string(f));
  out.emplace_back("all");
  return out;
}

std::vector<model::Kernel> parse_kernels(const std::vector<std::string>& names) {
  std::vector<model::Kernel> out;
  for (const auto& n : names) {
    if (n == "all") return {std::begin(model::kAllKernels), std::end(model::kAllKernels)};
    model::Kernel k;
    if (!model::parse_kernel(n, k))
      throw UsageError(fmt::format("unknown kernel variant '{}' (known: {})", n, fmt::join(kernel_choices(), ", ")));
    out.push_back(k);
  }
  return out;
}

std::vector<model::Fs> parse_filesystems(const std::vector<std::string>& names) {
  std::vector<model::Fs> out;
  for (const auto& n : names) {
    if (n == "all") return {model::Fs::Ext4, model::Fs::Xfs};
    model::Fs f;
    if (!model::parse_fs(n, f)) throw UsageError(fmt::format("unknown filesystem '{}' (known: ext4, xfs, all)", n));
    out.push_back(f);
  }
  return out;
}

std::vector<std::string> mutant_choices() {
  std::vector<std::string> out;
  for (const auto& m : harness::mutant_catalogue()) out.emplace_back(m.name);
  return out;
}

model::MutantSet parse_mutant_names(const std::vector<std::string>& names) {
  try {
    return harness::parse_mutants(names);
  } catch (const harness::UnknownMutant& e) {
    throw UsageError(e.what());
  }
}

void refuse_inapplicable(model::MutantSet s, model::Kernel k, model::Fs fs) {
  if (const std::string why = harness::refusal(s, k, fs); !why.empty()) throw UsageError(why);
}

void narrow_to_mutants(model::MutantSet s, bool all_kernels, bool all_fs, std::vector<model::Kernel>& ks,
                       std::vector<model::Fs>& fss) {
  if (s.empty()) return;
  const auto ks0 = ks;
  const auto fss0 = fss;
  auto acts_on = [s](model::Kernel k, model::Fs f) { return harness::refusal(s, k, f).empty(); };
  if (all_kernels)
    std::erase_if(ks, [&](model::Kernel k) { return std::none_of(fss.begin(), fss.end(), [&](model::Fs f) { return acts_on(k, f); }); });
  if (all_fs)
    std::erase_if(fss, [&](model::Fs f) { return std::none_of(ks.begin(), ks.end(), [&](model::Kernel k) { return acts_on(k, f); }); });
  if (ks.empty() || fss.empty())  // nowhere left: refuse with the first pair asked for
    for (model::Kernel k : ks0)
      for (model::Fs f : fss0) refuse_inapplicable(s, k, f);
  for (model::Kernel k : ks)
    for (model::Fs f : fss) refuse_inapplicable(s, k, f);
}

std::string slug(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string corpus_path(const std::string& dir, const harness::Finding& f) {
  return fmt::format("{}/{}-{}-{}-{:08x}.json", dir, model::to_string(f.kernel), model::to_string(f.fs),
                     slug(f.property), static_cast<std::uint32_t>(f.reproducer.trace_hash));
}

void write_findings(harness::CampaignResult& r, const std::string& dir) {
  if (r.findings.empty()) return;
  std::filesystem::create_directories(dir);
  for (auto& f : r.findings) {
    f.corpus_file = corpus_path(dir, f);
    harness::save_case(f.reproducer, f.corpus_file);
  }
}

std::size_t mark_known(harness::CampaignResult& r, const std::string& dir) {
  if (dir.empty() || !std::filesystem::is_directory(dir)) return 0;
  std::set<std::string> keys;
  // the configuration switches that make a different kernel are part of the key, and so is the
  // io_uring front end: a finding through it is not hidden by an io_submit one
  auto uses_uring = [](const model::Workload& w) {
    for (const auto& t : w.tasks)
      for (const auto& op : t.ops)
        if (model::is_uring(op.kind)) return true;
    return false;
  };
  auto key = [&](const harness::Case& c, const std::string& p) {
    return fmt::format("{}|{}|{}|{}|{}|{}", model::to_string(c.config.kernel), model::to_string(c.config.fs),
                       fmt::join(harness::mutant_names(c.config.mutants), ","),
                       c.config.iomap_caller_comp ? "caller-comp" : "", uses_uring(c.workload) ? "io_uring" : "", p);
  };
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".json") {
      const harness::Case c = harness::load_case(e.path().string());
      keys.insert(key(c, c.property));
    }
  std::size_t n = 0;
  for (auto& f : r.findings)
    if (keys.count(key(f.reproducer, f.property))) {
      f.known = true;
      ++n;
    }
  return n;
}

void print_findings_table(const harness::CampaignResult& r, const std::vector<model::Kernel>& ks,
                          const std::vector<model::Fs>& fss) {
  std::vector<std::pair<model::Kernel, model::Fs>> cols;
  for (auto k : ks)
    for (auto f : fss) cols.emplace_back(k, f);
  std::map<std::string, std::map<std::pair<int, int>, std::size_t>> rows;  // property -> cell -> finding #
  for (std::size_t i = 0; i < r.findings.size(); ++i)
    rows[r.findings[i].property][{static_cast<int>(r.findings[i].kernel), static_cast<int>(r.findings[i].fs)}] = i + 1;
  std::size_t w0 = 24;
  for (const auto& [p, _] : rows) w0 = std::max(w0, p.size());
  fmt::print("{:<{}}", "property", w0);
  for (auto [k, f] : cols) fmt::print(" | {:>15}", fmt::format("{} {}", model::to_string(k), model::to_string(f)));
  fmt::print("\n{:<{}}", "executions", w0);
  for (auto [k, f] : cols) {
    std::uint64_t n = 0;
    for (const auto& c : r.cells)
      if (c.kernel == k && c.fs == f) n = c.executions;
    fmt::print(" | {:>15}", n);
  }
  fmt::print("\n{}\n", std::string(w0 + cols.size() * 18, '-'));
  if (rows.empty()) fmt::print("{:<{}}", "(every property)", w0);
  for (const auto& [p, cells] : rows) {
    fmt::print("{:<{}}", p, w0);
    for (auto [k, f] : cols) {
      auto it = cells.find({static_cast<int>(k), static_cast<int>(f)});
      fmt::print(" | {:>15}", it == cells.end() ? "holds" : fmt::format("VIOLATED [{}]", it->second));
    }
    fmt::print("\n");
  }
  if (rows.empty()) {
    for (std::size_t i = 0; i < cols.size(); ++i) fmt::print(" | {:>15}", "holds");
    fmt::print("\n");
  }
  for (std::size_t i = 0; i < r.findings.size(); ++i)
    fmt::print("[{}]{} {} {}: {} -> {}\n", i + 1, r.findings[i].known ? " (known)" : " NEW", model::to_string(r.findings[i].kernel),
               model::to_string(r.findings[i].fs), r.findings[i].property,
               r.findings[i].corpus_file.empty() ? "(not written)" : r.findings[i].corpus_file);
  fmt::print("{} executions in {:.1f} s ({:.0f}/s)\n", r.executions, r.seconds,
             r.seconds > 0 ? static_cast<double>(r.executions) / r.seconds : 0.0);
  // the exhaustive strategy measures neither (harness/run/exhaustive_campaign.hpp)
  if (r.coverage.saturation.pairs > 0) print_coverage(r.coverage);
  if (r.self_check.reruns > 0 || !r.self_check.mismatches.empty()) print_self_check(r);
}

void print_coverage(const harness::CoverageSummary& c) {
  const harness::Saturation& s = c.saturation;
  fmt::print("coverage: {} access pairs; Chao1 estimates {:.0f} reachable by this search ({:.0f}% reached); "
             "doubling the budget is expected to add about {} ({})\n",
             s.pairs, s.chao1, 100 * s.reached, s.new_if_doubled,
             s.new_if_doubled < 1 ? "saturated: more time of the same search is unlikely to cover more"
                                  : "still growing");
}

void print_self_check(const harness::CampaignResult& r) {
  const harness::SelfCheckResult& c = r.self_check;
  fmt::print("determinism self-check: {} executions re-run, {} mismatches\n", c.reruns, c.mismatches.size());
  for (const auto& m : c.mismatches)
    fmt::print(stderr,
               "CHECKER BUG: execution {} is not deterministic: trace hash {:016x} then {:016x}, first difference at "
               "event {}\n--- first run ---\n{}--- second run ---\n{}",
               m.execution, m.first_hash, m.second_hash, m.first_difference, m.first_trace, m.second_trace);
}

nlohmann::json coverage_json(const harness::CoverageSummary& c, const std::vector<harness::Cell>& cells) {
  nlohmann::json j = {{"pairs", c.pairs},
                      {"f1", c.saturation.f1},
                      {"f2", c.saturation.f2},
                      {"chao1", c.saturation.chao1},
                      {"reached", c.saturation.reached},
                      {"new_if_doubled", c.saturation.new_if_doubled}};
  j["curve"] = nlohmann::json::array();
  for (const auto& p : c.curve)
    j["curve"].push_back({{"executions", p.executions}, {"pairs", p.pairs}, {"findings", p.findings}});
  j["cells"] = nlohmann::json::array();
  for (std::size_t i = 0; i < cells.size() && i < c.cell_pairs.size(); ++i)
    j["cells"].push_back({{"kernel", model::to_string(cells[i].kernel)},
                          {"fs", model::to_string(cells[i].fs)},
                          {"pairs", c.cell_pairs[i]},
                          {"cases", c.cell_cases[i]}});
  j["top_pairs"] = nlohmann::json::array();
  for (const auto& [name, hits] : c.top_pairs) j["top_pairs"].push_back({{"pair", name}, {"executions", hits}});
  return j;
}

std::string findings_json(const harness::CampaignResult& r) {
  nlohmann::json j = {{"executions", r.executions}, {"seconds", r.seconds}};
  j["cells"] = nlohmann::json::array();
  for (const auto& c : r.cells)
    j["cells"].push_back({{"kernel", model::to_string(c.kernel)}, {"fs", model::to_string(c.fs)}, {"executions", c.executions}});
  // Where the time went: cumulative seconds per phase over all jobs (harness/run/phases.hpp).
  j["phases"] = {{"generate", r.phases.generate}, {"run", r.phases.run}, {"check", r.phases.check},
                 {"record", r.phases.record}, {"coverage", r.phases.coverage}, {"self_check", r.phases.self_check}};
  j["coverage"] = coverage_json(r.coverage, r.cells);
  j["self_check"] = {{"reruns", r.self_check.reruns}, {"mismatches", nlohmann::json::array()}};
  for (const auto& m : r.self_check.mismatches)
    j["self_check"]["mismatches"].push_back({{"execution", m.execution},
                                             {"first_hash", fmt::format("{:016x}", m.first_hash)},
                                             {"second_hash", fmt::format("{:016x}", m.second_hash)},
                                             {"first_difference", m.first_difference}});
  j["findings"] = nlohmann::json::array();
  for (const auto& f : r.findings)
    j["findings"].push_back({{"kernel", model::to_string(f.kernel)}, {"fs", model::to_string(f.fs)},
                             {"property", f.property}, {"execution", f.execution},
                             {"executions_before", f.executions_before}, {"seconds", f.seconds},
                             {"corpus_file", f.corpus_file}});
  return j.dump(2);
}

namespace {
std::string xml_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}
}  // namespace

std::string junit_xml(const harness::CampaignResult& r) {
  std::string cases;
  for (const auto& c : r.cells) {
    std::string failures;
    for (const auto& f : r.findings)
      if (f.kernel == c.kernel && f.fs == c.fs)
        failures += fmt::format("      <failure message=\"{}\">{}: {} (corpus file {})</failure>\n",
                                xml_escape(f.property), xml_escape(f.property), xml_escape(f.reproducer.note),
                                xml_escape(f.corpus_file));
    cases += fmt::format("    <testcase classname=\"diocheck.{}\" name=\"{}\" time=\"{:.3f}\">\n{}    </testcase>\n",
                         model::to_string(c.fs), model::to_string(c.kernel),
                         r.executions ? r.seconds * static_cast<double>(c.executions) / static_cast<double>(r.executions) : 0.0,
                         failures);
  }
  return fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"diocheck fuzz\" "
                     "tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n{}  </testsuite>\n</testsuites>\n",
                     r.cells.size(), r.findings.size(), r.seconds, cases);
}

void show_progress(const harness::Progress& p) {
  static auto last = std::chrono::steady_clock::now() - std::chrono::hours(1);
  const bool tty = ::isatty(STDERR_FILENO);
  const auto now = std::chrono::steady_clock::now();
  if (!tty && now - last < std::chrono::seconds(10)) return;
  last = now;
  const double rate = p.elapsed > 0 ? static_cast<double>(p.executions) / p.elapsed : 0;
  std::string bar;
  if (p.budget > 0) {
    const int filled = static_cast<int>(std::min(1.0, p.elapsed / p.budget) * 30);
    bar = fmt::format("[{}{}] ", std::string(filled, '#'), std::string(30 - filled, '.'));
  }
  const double left = p.budget > 0 ? std::max(0.0, p.budget - p.elapsed) : 0;
  fmt::print(stderr, "{}{}{} executions  {:.0f}/s  {} findings  {} pairs  {}{}", tty ? "\r" : "", bar, p.executions,
             rate, p.findings, p.pairs,
             p.budget > 0 ? fmt::format("{:.0f}s left", left) : fmt::format("{:.0f}s", p.elapsed), tty ? "   " : "\n");
}

}  // namespace dc::cli
