#include "harness/run/exhaustive_campaign.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <tuple>

#include "harness/run/explore.hpp"
#include "harness/run/runner.hpp"
#include "harness/sched/replay.hpp"

namespace dc::harness {

CampaignResult run_exhaustive_campaign(const CampaignOptions& o, const ExhaustiveOptions& e) {
  CampaignResult result = empty_result(o);
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  const std::uint64_t limit = o.executions ? o.executions : ~0ULL;
  auto out_of_budget = [&] { return result.executions >= limit || (o.seconds > 0 && elapsed() >= o.seconds); };
  Runner control;
  std::map<std::tuple<int, int, std::string>, Finding> found;
  bool stop = false;
  for (std::uint64_t i = 0; !stop && !out_of_budget(); ++i) {
    const ExecutionPlan p = plan_execution(o, i);
    Cell& cell = result.cells[cell_index(result, p.kernel, p.fs)];
    std::uint64_t used = 0;  // on this workload
    for (int k = 0; k <= e.max_bound && used < e.per_workload && !stop && !out_of_budget(); ++k) {
      ExploreOptions x;
      x.dfs = {.reduction = sched::Reduction::None, .preemption_bound = k, .delay_bound = -1};
      x.max_executions = std::min(e.per_workload - used, limit - result.executions);
      if (o.seconds > 0) x.seconds = o.seconds - elapsed();
      x.stop_at_first = o.stop_at_first;
      if (o.only_mutant_caused)
        x.counts = [&](const Case& f) {
          sched::ReplayStrategy replay(f.schedule);
          return !fails_without_mutants(control, f.workload, f.config, replay, f.schedule.seed);
        };
      const ExploreResult r = explore(p.workload, p.config, x);
      for (std::size_t j = 0; j < r.findings.size(); ++j) {
        auto key = std::make_tuple(static_cast<int>(p.kernel), static_cast<int>(p.fs), r.findings[j].property);
        if (found.contains(key)) continue;  // workloads run in order: the first is the lowest
        const std::uint64_t before = result.executions + r.found_at[j] - 1;
        Finding f{p.kernel, p.fs, r.findings[j].property, before, cell.executions + r.found_at[j] - 1, elapsed(),
                  r.findings[j], {}};
        f.preemption_bound = k;
        found.emplace(key, std::move(f));
        stop = o.stop_at_first;
      }
      used += r.executions;
      result.executions += r.executions;
      cell.executions += r.executions;
      if (!r.exhausted) break;  // capped, stopped or failed (too many actors): next workload
    }
  }
  result.seconds = elapsed();
  for (auto& [key, f] : found) result.findings.push_back(std::move(f));
  return result;
}

}  // namespace dc::harness
