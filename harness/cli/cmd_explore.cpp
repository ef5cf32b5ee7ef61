// `diocheck explore`: bounded exhaustive search of one workload (a corpus file or a standard
// scenario): executions explored and pruned, the bound, whether the space was exhausted,
// findings.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/cli/cli.hpp"
#include "harness/run/explore.hpp"

namespace dc::cli {
namespace {

struct Explore : Command {
  std::string file, scenario, reduction = "none", frontier_in, frontier_out, corpus_dir;
  std::vector<std::string> kernels{"3.12-fixed"}, filesystems{"ext4"}, mutants;
  int preemption_bound = kDefaultBound, delay_bound = -1, wq = 1;
  // Default: no reduction, at most 2 preemptions. Sound within the bound whatever the
  // engine's access annotations; DPOR is only as sound as those annotations (docs/exploration.md).
  static constexpr int kDefaultBound = -2;
  std::uint64_t executions = 0;
  double seconds = 0;
  bool json = false;

  int run() override {
    if (file.empty() == scenario.empty()) throw UsageError("give either a corpus FILE or --scenario S1..S4");
    harness::Case base;
    if (!file.empty()) {
      base = load_checked(file);
    } else {
      try {
        base.workload = harness::scenario(scenario);
      } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
      }
      const auto ks = parse_kernels(kernels);
      const auto fss = parse_filesystems(filesystems);
      if (ks.size() != 1 || fss.size() != 1) throw UsageError("explore takes one --kernel and one --fs");
      base.config.kernel = ks[0];
      base.config.fs = fss[0];
      base.config.wq_concurrency = wq;
    }
    check_mutants(mutants);
    for (const auto& m : mutants) base.config.mutants.push_back(m);
    check_mutants(base.config.mutants);
    harness::ExploreOptions o;
    if (reduction == "none") o.dfs.reduction = sched::Reduction::None;
    else if (reduction == "sleep") o.dfs.reduction = sched::Reduction::SleepSets;
    else if (reduction == "dpor") o.dfs.reduction = sched::Reduction::Dpor;
    else throw UsageError(fmt::format("--reduction '{}': expected none, sleep or dpor", reduction));
    if (preemption_bound == kDefaultBound)
      preemption_bound = (o.dfs.reduction == sched::Reduction::None && delay_bound < 0) ? 2 : -1;
    o.dfs.preemption_bound = preemption_bound;
    o.dfs.delay_bound = delay_bound;
    if ((preemption_bound >= 0 || delay_bound >= 0) && o.dfs.reduction != sched::Reduction::None)
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
    harness::ExploreResult r;
    try {
      r = harness::explore(base.workload, base.config, o, json ? std::function<void(const harness::ExploreProgress&)>{}
                                                             : [](const harness::ExploreProgress& p) {
                                                                 fmt::print(stderr, "\r{} executions, {:.1f}s, ~{:.0f} total (eta {:.0f}s)   ",
                                                                            p.executions, p.elapsed, p.estimate.estimated_total,
                                                                            p.estimate.eta_seconds(p.elapsed));
                                                               });
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    if (!frontier_out.empty() && !r.frontier.empty()) std::ofstream(frontier_out) << r.frontier;
    std::vector<std::string> files;
    for (auto& f : r.findings) {
      if (corpus_dir.empty()) continue;
      std::filesystem::create_directories(corpus_dir);
      files.push_back(fmt::format("{}/explore-{}-{}-{}.json", corpus_dir, model::to_string(base.config.kernel),
                                  model::to_string(base.config.fs), slug(f.property)));
      harness::save_case(f, files.back());
    }
    const std::string bound = preemption_bound >= 0 ? fmt::format("preemptions <= {}", preemption_bound)
                              : delay_bound >= 0   ? fmt::format("delays <= {}", delay_bound)
                                                   : "unbounded";
    if (json) {
      nlohmann::json j = {{"executions", r.executions}, {"pruned", r.pruned}, {"exhausted", r.exhausted},
                          {"reduction", reduction}, {"bound", bound}, {"seconds", r.seconds}, {"error", r.error}};
      for (const auto& f : r.findings) j["findings"].push_back({{"property", f.property}, {"event", f.event}});
      j["corpus_files"] = files;
      fmt::print("{}\n", j.dump(2));
    } else {
      fmt::print("\n{} {} {}: {} executions explored, {} pruned (redundant), reduction {}, {}, {} in {:.2f}s\n",
                 file.empty() ? scenario : file, model::to_string(base.config.kernel), model::to_string(base.config.fs),
                 r.executions, r.pruned, reduction, bound,
                 r.exhausted ? "space exhausted" : (r.error.empty() ? "NOT exhausted (budget)" : "stopped: " + r.error),
                 r.seconds);
      for (std::size_t i = 0; i < r.findings.size(); ++i)
        fmt::print("finding: {} at event {}{}\n", r.findings[i].property, r.findings[i].event,
                   i < files.size() ? " -> " + files[i] : "");
      if (r.findings.empty()) fmt::print("no property violated in the explored space\n");
    }
    return r.findings.empty() ? kOk : kViolation;
  }
};

}  // namespace

void add_explore(CLI::App& app, std::unique_ptr<Command>& chosen) {
  auto cmd = std::make_shared<Explore>();
  CLI::App* c = app.add_subcommand("explore", "Bounded exhaustive search (DFS, DPOR) of one workload");
  c->add_option("file", cmd->file, "Corpus file whose workload and config to explore")->check(CLI::ExistingFile);
  c->add_option("--scenario", cmd->scenario, "A standard scenario: S1, S2, S3, S4");
  c->add_option("--kernel", cmd->kernels, "Kernel variant (with --scenario)");
  c->add_option("--fs", cmd->filesystems, "Filesystem (with --scenario)");
  c->add_option("--mutant", cmd->mutants, "Switch on mutants")->delimiter(',');
  c->add_option("--wq-concurrency", cmd->wq, "Workers per workqueue (with --scenario; default 1)");
  c->add_option("--reduction", cmd->reduction, "none | sleep | dpor (default none, with --preemption-bound 2)");
  c->add_option("--preemption-bound", cmd->preemption_bound, "At most k preemptions (with --reduction none; default 2, -1 = unbounded)");
  c->add_option("--delay-bound", cmd->delay_bound, "At most d delays (with --reduction none)");
  c->add_option("--executions", cmd->executions, "Stop after N executions");
  c->add_option("--time", cmd->seconds, "Stop after T seconds");
  c->add_option("--frontier-in", cmd->frontier_in, "Resume from a saved frontier");
  c->add_option("--frontier-out", cmd->frontier_out, "Save the frontier here when stopped by a budget");
  c->add_option("--corpus", cmd->corpus_dir, "Write findings here");
  c->add_flag("--json", cmd->json, "Machine-readable summary on stdout");
  c->callback([cmd, &chosen] { chosen = std::make_unique<Explore>(*cmd); });
}

}  // namespace dc::cli
