// The coverage-guided strategy (`--strategy guided`, docs/coverage.md): a campaign whose
// inputs (workload, config and schedule genome) are either fresh (the campaign's own
// execution plan, with a fresh genome) or a mutation of a kept input, and which keeps the
// inputs that reached new interleaving coverage (an access pair or completion case no earlier
// input reached).
//
// Deterministic whatever --jobs is: the executions are cut into epochs of kEpoch (by the
// shard's execution number n). The inputs of epoch e depend only on the campaign seed, n and
// the corpus as it stood at the end of epoch e-1; when the last execution of an epoch
// reports, the epoch's results are merged in execution order, and only then may epoch e+1
// start (the workers wait at that barrier). Corpora are per (kernel, fs) cell, since an
// execution's cell is fixed by its index.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "harness/run/campaign.hpp"
#include "harness/run/coverage.hpp"
#include "harness/run/schedule_genome.hpp"

namespace dc::harness {

struct GuidedInput {
  ExecutionPlan plan;
  ScheduleGenome genome;
  bool mutated = false;  // from a kept input (else fresh)
};

class CoverageGuide {
 public:
  static constexpr std::uint64_t kEpoch = 128;

  explicit CoverageGuide(const CampaignOptions& o);
  // The input of the shard's n-th execution (seed-space index i). Waits until the previous
  // epoch is merged; nullopt if the campaign was cancelled meanwhile.
  std::optional<GuidedInput> plan(std::uint64_t n, std::uint64_t i);
  // What execution n reached (its pairs and completion cases).
  void report(std::uint64_t n, GuidedInput input, const std::vector<SitePair>& pairs,
              const std::vector<std::string>& cases);
  // The campaign stops early (time, first finding): release every waiting worker.
  void cancel();
  std::size_t kept() const;  // inputs in the corpora

 private:
  struct Result {
    std::uint64_t n;
    GuidedInput input;
    std::vector<SitePair> pairs;
    std::vector<std::string> cases;
  };
  void merge(std::vector<Result> epoch);  // mu_ held

  const CampaignOptions& o_;
  std::size_t cells_;
  mutable std::mutex mu_;
  std::condition_variable merged_cv_;
  std::uint64_t merged_ = 0;  // epochs merged
  bool cancelled_ = false;
  std::map<std::uint64_t, std::vector<Result>> pending_;  // by epoch
  std::unordered_set<SitePair, SitePairHash> seen_pairs_;
  std::set<std::pair<std::size_t, std::string>> seen_cases_;  // (cell, case)
  std::vector<std::vector<GuidedInput>> corpus_;               // by cell
};

}  // namespace dc::harness
