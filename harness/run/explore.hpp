// Bounded exhaustive exploration of one workload: every schedule (within a preemption or
// delay bound, or up to partial-order equivalence), each judged by the model. Says whether
// the space was exhausted, so "all properties hold for every interleaving with at most k
// preemptions" is a statement the tool can make.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/run/corpus.hpp"
#include "harness/run/coverage.hpp"
#include "harness/run/phases.hpp"
#include "harness/sched/dfs.hpp"

namespace dc::harness {

struct ExploreOptions {
  sched::DfsOptions dfs;
  std::uint64_t max_executions = 0;  // 0 = no limit
  double seconds = 0;                // 0 = no limit
  std::string frontier;              // resume from a saved frontier ("" = from the start)
  bool stop_at_first = false;
  // A failing schedule is a finding only if this says so (unset: every one); mutant
  // campaigns drop the failures the unmutated engine shares.
  std::function<bool(const Case&)> counts;
};

struct ExploreResult {
  std::uint64_t executions = 0;  // schedules run
  std::uint64_t pruned = 0;      // of which sleep-set blocked (redundant, not judged)
  bool exhausted = false;        // the whole (bounded / reduced) space was explored
  double seconds = 0;
  sched::DfsEstimate estimate;
  std::string frontier;          // where to resume if not exhausted
  std::string error;             // the search stopped early (e.g. too many actors)
  std::vector<Case> findings;    // first failing schedule per property
  std::vector<std::uint64_t> found_at;  // per finding: the execution (1-based) that hit it
  PhaseTimes phases;             // run / check / record time of the executions
  // Interleaving coverage of the judged (not pruned) executions, the same measure as a
  // campaign's (docs/coverage.md): one cell, the workload's (kernel, fs).
  CoverageSummary coverage;
};

struct ExploreProgress {
  std::uint64_t executions;
  double elapsed;
  sched::DfsEstimate estimate;
};

ExploreResult explore(const model::Workload& w, const model::Config& c, const ExploreOptions& o,
                      const std::function<void(const ExploreProgress&)>& progress = {});

// The standard scenarios: S1..S4 of the exploration issue, S5 (a power cut) and S6 (size with data).
std::vector<std::string> scenario_names();
// Throws std::invalid_argument for an unknown name.
model::Workload scenario(const std::string& name);

}  // namespace dc::harness
