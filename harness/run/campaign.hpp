// A campaign: many executions of generated workloads over a set of kernel variants and
// filesystems, on N threads, each with its own scheduler. Execution i is fully determined by
// (campaign seed, i): its (kernel, fs) pair, workload, config and strategy seed. So the same
// seeds give the same findings whatever the number of jobs, and `--shard K/N` runs the
// executions with i % N == K, a disjoint slice of the same seed space. The guided strategy's
// inputs also depend on its corpus at the end of the previous epoch, which is itself the same
// whatever the number of jobs (harness/run/coverage_guided.hpp).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "harness/gen/workload_gen.hpp"
#include "harness/run/coverage.hpp"
#include "harness/run/self_check.hpp"
#include "harness/run/corpus.hpp"
#include "harness/run/phases.hpp"

namespace dc::harness {

// What campaigns generate (seed mapping 2, docs/campaigns.md): the default menu, and about
// half the workloads end one task with a power cut, so that crash-durability and
// crash-no-foreign are judged in every campaign, not only in the property suites.
inline gen::GenOptions campaign_gen() {
  gen::GenOptions g;
  g.crash = true;
  return g;
}

struct CampaignOptions {
  std::vector<model::Kernel> kernels{std::begin(model::kAllKernels), std::end(model::kAllKernels)};
  std::vector<model::Fs> filesystems{model::Fs::Ext4, model::Fs::Xfs};
  model::MutantSet mutants;
  bool iomap_caller_comp = false;  // Config::iomap_caller_comp on the 6.x cells (not drawn)
  std::string strategy = "portfolio";
  std::uint64_t seed = 1;
  std::uint64_t executions = 0;  // 0 = no limit (then `seconds` must be set)
  double seconds = 0;            // 0 = no limit
  int jobs = 1;
  std::uint32_t shard = 0, shards = 1;
  gen::GenOptions gen = campaign_gen();
  bool stop_at_first = false;    // stop the campaign at its first finding
  // Mutant campaigns: a failure counts only if the same execution (workload, config, strategy
  // seed) without the mutants does not fail, so the engine's own findings are never taken
  // for a kill.
  bool only_mutant_caused = false;
};

// One finding per (kernel, fs, property): the one with the lowest execution index.
struct Finding {
  model::Kernel kernel;
  model::Fs fs;
  std::string property;
  std::uint64_t execution = 0;   // index in the seed space
  std::uint64_t executions_before = 0;  // executions of this (kernel, fs) run before it was hit
  double seconds = 0;            // campaign time when it was hit
  Case reproducer;
  std::string corpus_file;       // set once written
  bool known = false;            // already recorded in the corpus
  int preemption_bound = -1;     // exhaustive campaigns: the bound k it was found within
};

struct Cell {  // per (kernel, fs)
  model::Kernel kernel;
  model::Fs fs;
  std::uint64_t executions = 0;
};

struct Progress {
  std::uint64_t executions = 0;
  std::size_t findings = 0;
  double elapsed = 0, budget = 0;
  std::uint64_t pairs = 0;  // interleaving coverage so far (access pairs)
};

struct CampaignResult {
  std::uint64_t executions = 0;
  double seconds = 0;
  std::vector<Cell> cells;
  std::vector<Finding> findings;  // sorted by kernel, fs, property
  PhaseTimes phases;              // summed over the workers (so up to jobs x seconds)
  CoverageSummary coverage;       // what the campaign covered (docs/coverage.md)
  SelfCheckResult self_check;
};

CampaignResult run_campaign(const CampaignOptions& o,
                            const std::function<void(const Progress&)>& progress = {});

// Execution i of a campaign: its (kernel, fs) pair, workload, config (with the campaign's
// mutants) and strategy seed, all from (campaign seed, i). Other searches over the same
// workloads (the exhaustive column of the kill matrix) start from here.
struct ExecutionPlan {
  model::Kernel kernel;
  model::Fs fs;
  model::Workload workload;
  model::Config config;
  std::uint64_t strategy_seed;
};
ExecutionPlan plan_execution(const CampaignOptions& o, std::uint64_t i);

// A result with one empty cell per (kernel, fs) of `o`, and the index of a pair's cell.
CampaignResult empty_result(const CampaignOptions& o);
std::size_t cell_index(const CampaignResult& r, model::Kernel k, model::Fs fs);

}  // namespace dc::harness
