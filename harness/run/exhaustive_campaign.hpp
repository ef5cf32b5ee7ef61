// A bounded exhaustive campaign: the workloads of a campaign (plan_execution, same seeds),
// each explored depth first with no reduction under a growing preemption bound (iterative
// context bounding: k = 0, then 1, ... up to max_bound). No reduction: bounds do not combine
// soundly with POR, and a preemption bound is sound within its bound whatever the access
// annotations (docs/exploration.md). The kill matrix's `exhaustive` column.
#pragma once
#include <cstdint>

#include "harness/run/campaign.hpp"

namespace dc::harness {

struct ExhaustiveOptions {
  // Executions per workload, all bounds together. Small on purpose: most generated workloads
  // have thousands of schedules even at k = 0 (every choice when an actor blocks, every
  // workqueue draw), and on the kill matrix more workloads beat deeper ones (50 killed as many or more
  // than 200 or 500 for every mutant; docs/kill-matrix.txt). The small workloads still
  // exhaust k = 0 and reach k = 1, 2 within the cap.
  std::uint64_t per_workload = 50;
  int max_bound = 2;  // the largest preemption bound k tried
};

// Runs workloads 0, 1, ... of `o` until `o.executions` (every schedule run counts, the
// re-runs of smaller bounds included) or `o.seconds`. Uses o.kernels, filesystems, mutants,
// seed, gen, stop_at_first and only_mutant_caused (a finding counts only if its schedule,
// replayed without the mutants, does not fail); o.strategy and o.jobs are ignored (one
// thread, so a finding's execution index is the number of schedules run before it).
// Findings are of strategy "dfs" and record the bound they were found within.
CampaignResult run_exhaustive_campaign(const CampaignOptions& o, const ExhaustiveOptions& e = {});

}  // namespace dc::harness
