// `diocheck mutants`: the kill matrix. For every mutant and strategy (random, pct, and the
// preemption-bounded exhaustive search of the same workloads), campaigns from several seeds
// under a fixed budget: killed or not, by which property, executions and seconds to the
// first kill (median and worst), and the corpus file of the shrunk reproducer.
#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/cli/cli.hpp"
#include "harness/run/kill_matrix.hpp"
#include "harness/run/shrink.hpp"
#include "harness/run/strategy_factory.hpp"

namespace dc::cli {
namespace {

template <class T>
T median(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? T{} : v[v.size() / 2];
}

struct Mutants : Command {
  harness::KillOptions o;
  std::vector<std::string> mutants;  // names; each cell runs on its row's kernels and filesystems
  std::vector<std::string> kernels;  // narrows every row to these of its kernels
  std::string corpus_dir;
  bool json = false;
  double shrink_seconds = 20;
  int run() override {
    o.mutants = parse_mutant_names(mutants);
    o.kernels = kernels.empty() ? std::vector<model::Kernel>{} : parse_kernels(kernels);
    for (const auto& s : o.strategies)  // here, not in a worker thread
      if (s != "exhaustive") harness::make_strategy(s);
    auto cells = harness::run_kill_matrix(o, json ? std::function<void(const std::string&)>{}
                                                  : [](const std::string& s) { fmt::print(stderr, "{}\n", s); });
    nlohmann::json j = nlohmann::json::array();
    std::vector<std::string> files(cells.size());
    for (std::size_t i = 0; i < cells.size(); ++i) {
      auto& c = cells[i];
      if (!corpus_dir.empty() && c.reproducer) {
        harness::Case s = harness::shrink(*c.reproducer, {.searches_per_candidate = 200, .seconds = shrink_seconds});
        s.note = fmt::format("mutant {} killed by {} ({} strategy)", c.mutant, s.property, c.strategy);
        std::filesystem::create_directories(corpus_dir);
        files[i] = fmt::format("{}/mutant-{}{}-{}.json", corpus_dir, c.mutant, kernel_tag(), slug(c.strategy));
        harness::save_case(s, files[i]);
      }
      j.push_back({{"mutant", c.mutant}, {"strategy", c.strategy}, {"seeds", c.seeds}, {"killed", c.killed},
                   {"property", c.property}, {"median_executions", median(c.executions)},
                   {"worst_executions", c.executions.empty() ? 0 : *std::max_element(c.executions.begin(), c.executions.end())},
                   {"median_seconds", median(c.seconds)},
                   {"worst_seconds", c.seconds.empty() ? 0.0 : *std::max_element(c.seconds.begin(), c.seconds.end())},
                   {"preemption_bound", c.bounds.empty() ? -1 : c.bounds.front()}, {"corpus_file", files[i]}});
    }
    bool all = true;
    for (const auto& c : cells) all = all && c.killed > 0;
    if (json) {
      fmt::print("{}\n", j.dump(2));
    } else {
      fmt::print("{:<34} {:<10} {:>7} {:<36} {:>10} {:>10} {:>9} {:>9}  {}\n", "mutant", "strategy", "killed",
                 "by property", "med.exec", "worst.exec", "med.s", "worst.s", "reproducer");
      for (const auto& r : j)
        fmt::print("{:<34} {:<10} {:>7} {:<36} {:>10} {:>10} {:>9.3f} {:>9.3f}  {}\n", r["mutant"].get<std::string>(),
                   r["strategy"].get<std::string>(), fmt::format("{}/{}", r["killed"].get<int>(), r["seeds"].get<int>()),
                   r["killed"].get<int>() ? r["property"].get<std::string>() : "NOT FOUND",
                   r["median_executions"].get<std::uint64_t>(), r["worst_executions"].get<std::uint64_t>(),
                   r["median_seconds"].get<double>(), r["worst_seconds"].get<double>(), r["corpus_file"].get<std::string>());
    }
    return all ? kOk : kViolation;  // 1 = some mutant survived
  }

  // "-6.6+6.18" when --kernel narrowed the rows, so such reproducers do not replace those of
  // the rows' full kernel sets.
  std::string kernel_tag() const {
    std::string t;
    for (model::Kernel k : o.kernels) t += (t.empty() ? "-" : "+") + std::string(model::to_string(k));
    return t;
  }
};

}  // namespace

void add_mutants(CLI::App& app, std::unique_ptr<Command>& chosen) {
  auto cmd = std::make_shared<Mutants>();
  CLI::App* c = app.add_subcommand("mutants", "Kill matrix: can the checker find every catalogued real bug?");
  c->add_option("--mutant", cmd->mutants, "Only these mutants (default: all)")
      ->delimiter(',')
      ->check(CLI::IsMember(mutant_choices()));
  c->add_option("--kernel", cmd->kernels,
                "Run each mutant only on these of its kernels (default: all of them), e.g. 6.6,6.18")
      ->delimiter(',')
      ->check(CLI::IsMember(kernel_choices()));
  c->add_option("--strategy", cmd->o.strategies,
                "Strategies to compare (default: random,pct,guided,exhaustive; guided = coverage-guided, exhaustive = preemption-bounded DFS "
                "of the same workloads)")
      ->delimiter(',');
  c->add_option("--seeds", cmd->o.seeds, "Campaign seeds per cell (default 10)")->check(CLI::PositiveNumber);
  c->add_option("--jobs", cmd->o.jobs, "Seeds run in parallel (default 1)")->check(CLI::PositiveNumber);
  c->add_option("--per-workload", cmd->o.exhaustive.per_workload,
                "exhaustive: executions per workload, all preemption bounds together (default 50)");
  c->add_option("--max-bound", cmd->o.exhaustive.max_bound, "exhaustive: largest preemption bound k (default 2)");
  c->add_option("--budget", cmd->o.budget, "Executions per campaign (default 2000)")->check(CLI::PositiveNumber);
  c->add_option("--corpus", cmd->corpus_dir, "Write a shrunk reproducer per cell here");
  c->add_option("--shrink-time", cmd->shrink_seconds, "Seconds to shrink each reproducer");
  c->add_flag("--json", cmd->json, "Machine-readable table on stdout");
  c->add_flag("--untuned", [cmd](std::int64_t) { cmd->o.tuned = false; },
              "Search every mutant with the default generator (not its tuned settings)");
  c->callback([cmd, &chosen] { chosen = std::make_unique<Mutants>(*cmd); });
}

}  // namespace dc::cli
