// `diocheck explore`: bounded exhaustive search of one workload (a corpus file or a standard
// scenario): executions explored and pruned, the bound, whether the space was exhausted,
// findings.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/cli/cli.hpp"
#include "harness/run/explore.hpp"

namespace dc::cli {
namespace {

const std::map<std::string, sched::Reduction> kReductions{
    {"none", sched::Reduction::None}, {"sleep", sched::Reduction::SleepSets}, {"dpor", sched::Reduction::Dpor}};

std::map<std::string, model::Kernel> kernel_names() {
  std::map<std::string, model::Kernel> m;
  for (auto k : model::kEveryKernel) m[model::to_string(k)] = k;
  return m;
}
std::map<std::string, model::Fs> fs_names() {
  std::map<std::string, model::Fs> m;
  for (auto f : model::kAllFs) m[model::to_string(f)] = f;
  return m;
}

struct Explore : Command {
  std::string file, scenario, frontier_in, frontier_out, corpus_dir;
  model::Kernel kernel = model::Kernel::V3_12_fixed;
  model::Fs fs = model::Fs::Ext4;
  std::vector<std::string> mutants;
  sched::Reduction reduction = sched::Reduction::None;
  int preemption_bound = 2, delay_bound = -1, wq = 1;
  const CLI::Option* preemption_opt = nullptr;  // given on the command line?
  std::uint64_t executions = 0;
  double seconds = 0;
  bool json = false;

  int run() override {
    const harness::Case base = target();
    const harness::ExploreOptions o = options();
    harness::ExploreResult r = search(base, o);
    if (!frontier_out.empty() && !r.frontier.empty()) std::ofstream(frontier_out) << r.frontier;
    const std::vector<std::string> files = write_corpus(base, r);
    report(base, o, r, files);
    return r.findings.empty() ? kOk : kViolation;
  }

  // The workload and config to explore, mutants applied and checked against its variant.
  harness::Case target() const {
    harness::Case base;
    if (!file.empty()) {
      base = harness::load_case(file);
    } else {
      try {
        base.workload = harness::scenario(scenario);
      } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
      }
      base.config.kernel = kernel;
      base.config.fs = fs;
      base.config.wq_concurrency = wq;
    }
    for (model::Mutant m : parse_mutant_names(mutants).list()) base.config.mutants.add(m);
    refuse_inapplicable(base.config.mutants, base.config.kernel, base.config.fs);
    return base;
  }

  // Default: no reduction, at most 2 preemptions. Sound within the bound whatever the
  // engine's access annotations; DPOR is only as sound as those annotations
  // (docs/exploration.md), and a bounded reduced search is not sound at all.
  harness::ExploreOptions options() const {
    harness::ExploreOptions o;
    o.dfs.reduction = reduction;
    const bool bound_given = preemption_opt && preemption_opt->count() > 0;
    const bool reduced = reduction != sched::Reduction::None;
    o.dfs.preemption_bound = bound_given || (!reduced && delay_bound < 0) ? preemption_bound : -1;
    o.dfs.delay_bound = delay_bound;
    if ((o.dfs.preemption_bound >= 0 || delay_bound >= 0) && reduced)
      throw UsageError("preemption and delay bounds need --reduction none (bounded + reduced search is not sound)");
    o.max_executions = executions;
    o.seconds = seconds;
    if (!frontier_in.empty()) {
      std::ifstream in(frontier_in);
      if (!in) throw UsageError(fmt::format("{}: cannot open frontier file", frontier_in));
      std::stringstream ss;
      ss << in.rdbuf();
      o.frontier = ss.str();
    }
    return o;
  }

  harness::ExploreResult search(const harness::Case& base, const harness::ExploreOptions& o) const {
    auto progress = [](const harness::ExploreProgress& p) {
      fmt::print(stderr, "\r{} executions, {:.1f}s, ~{:.0f} total (eta {:.0f}s)   ", p.executions, p.elapsed,
                 p.estimate.estimated_total, p.estimate.eta_seconds(p.elapsed));
    };
    try {
      return harness::explore(base.workload, base.config, o,
                              json ? std::function<void(const harness::ExploreProgress&)>{} : progress);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }

  std::vector<std::string> write_corpus(const harness::Case& base, const harness::ExploreResult& r) const {
    std::vector<std::string> files;
    if (corpus_dir.empty()) return files;
    for (const auto& f : r.findings) {
      std::filesystem::create_directories(corpus_dir);
      files.push_back(fmt::format("{}/explore-{}-{}-{}.json", corpus_dir, model::to_string(base.config.kernel),
                                  model::to_string(base.config.fs), slug(f.property)));
      harness::save_case(f, files.back());
    }
    return files;
  }

  void report(const harness::Case& base, const harness::ExploreOptions& o, const harness::ExploreResult& r,
              const std::vector<std::string>& files) const {
    const std::string bound = o.dfs.preemption_bound >= 0 ? fmt::format("preemptions <= {}", o.dfs.preemption_bound)
                              : o.dfs.delay_bound >= 0    ? fmt::format("delays <= {}", o.dfs.delay_bound)
                                                          : "unbounded";
    const char* red = sched::to_string(o.dfs.reduction);
    if (json) {
      nlohmann::json j = {{"executions", r.executions}, {"pruned", r.pruned}, {"exhausted", r.exhausted},
                          {"reduction", red}, {"bound", bound}, {"seconds", r.seconds}, {"error", r.error}};
      for (const auto& f : r.findings) j["findings"].push_back({{"property", f.property}, {"event", f.event}});
      j["coverage"] = coverage_json(r.coverage, {{base.config.kernel, base.config.fs, r.executions - r.pruned}});
      j["corpus_files"] = files;
      fmt::print("{}\n", j.dump(2));
      return;
    }
    fmt::print("\n{} {} {}: {} executions explored, {} pruned (redundant), reduction {}, {}, {} in {:.2f}s\n",
               file.empty() ? scenario : file, model::to_string(base.config.kernel), model::to_string(base.config.fs),
               r.executions, r.pruned, red, bound,
               r.exhausted ? "space exhausted" : (r.error.empty() ? "NOT exhausted (budget)" : "stopped: " + r.error),
               r.seconds);
    for (std::size_t i = 0; i < r.findings.size(); ++i)
      fmt::print("finding: {} at event {}{}\n", r.findings[i].property, r.findings[i].event,
                 i < files.size() ? " -> " + files[i] : "");
    if (r.findings.empty()) fmt::print("no property violated in the explored space\n");
    print_coverage(r.coverage);
    std::string cases;
    for (const auto& [name, n] : r.coverage.cell_cases.at(0)) cases += fmt::format(" {} ({})", name, n);
    fmt::print("completion cases:{}\n", cases.empty() ? " none" : cases);
  }
};

}  // namespace

void add_explore(CLI::App& app, std::unique_ptr<Command>& chosen) {
  auto cmd = std::make_shared<Explore>();
  CLI::App* c = app.add_subcommand("explore", "Bounded exhaustive search (DFS, DPOR) of one workload");
  CLI::Option_group* what = c->add_option_group("workload", "What to explore: a corpus FILE or --scenario");
  CLI::Option* file = what->add_option("file", cmd->file, "Corpus file whose workload and config to explore")
                          ->check(CLI::ExistingFile);
  what->add_option("--scenario", cmd->scenario, "A standard scenario: S1, S2, S3, S4");
  what->require_option(1);
  c->add_option("--kernel", cmd->kernel, "Kernel variant (with --scenario; default 3.12-fixed)")
      ->transform(CLI::CheckedTransformer(kernel_names()))
      ->excludes(file);
  c->add_option("--fs", cmd->fs, "Filesystem (with --scenario; default ext4)")
      ->transform(CLI::CheckedTransformer(fs_names()))
      ->excludes(file);
  c->add_option("--mutant", cmd->mutants, "Switch on mutants")->delimiter(',')->check(CLI::IsMember(mutant_choices()));
  c->add_option("--wq-concurrency", cmd->wq, "Workers per workqueue (with --scenario; default 1)")
      ->check(CLI::Range(1, 16))
      ->excludes(file);
  c->add_option("--reduction", cmd->reduction, "none | sleep | dpor (default none, with --preemption-bound 2)")
      ->transform(CLI::CheckedTransformer(kReductions));
  cmd->preemption_opt = c->add_option("--preemption-bound", cmd->preemption_bound,
                                      "At most k preemptions (with --reduction none; default 2, -1 = unbounded)")
                            ->check(CLI::Range(-1, 1000));
  c->add_option("--delay-bound", cmd->delay_bound, "At most d delays (with --reduction none)")->check(CLI::Range(-1, 1000));
  c->add_option("--executions", cmd->executions, "Stop after N executions");
  c->add_option("--time", cmd->seconds, "Stop after T seconds")->check(CLI::NonNegativeNumber);
  c->add_option("--frontier-in", cmd->frontier_in, "Resume from a saved frontier");
  c->add_option("--frontier-out", cmd->frontier_out, "Save the frontier here when stopped by a budget");
  c->add_option("--corpus", cmd->corpus_dir, "Write findings here");
  c->add_flag("--json", cmd->json, "Machine-readable summary on stdout");
  c->callback([cmd, &chosen] { chosen = std::make_unique<Explore>(*cmd); });
}

}  // namespace dc::cli
