#include "harness/run/coverage_guided.hpp"

#include <algorithm>

#include "harness/run/input_mutator.hpp"
#include "harness/sched/rng.hpp"

namespace dc::harness {
namespace {

constexpr std::uint64_t kGuideTag = 0x6775696465ULL;  // "guide": its own split of the seed space
constexpr std::uint64_t kFreshIn = 4;                // one input in 4 is fresh, once a corpus exists
constexpr std::uint64_t kMaxStack = 4;               // mutations stacked on one kept input

}  // namespace

CoverageGuide::CoverageGuide(const CampaignOptions& o)
    : o_(o), cells_(o.kernels.size() * o.filesystems.size()), corpus_(cells_) {}

std::optional<GuidedInput> CoverageGuide::plan(std::uint64_t n, std::uint64_t i) {
  const std::uint64_t epoch = n / kEpoch;
  std::unique_lock<std::mutex> lock(mu_);
  merged_cv_.wait(lock, [&] { return cancelled_ || merged_ >= epoch; });
  if (cancelled_) return std::nullopt;
  // Epochs before this one are merged and no later one is, so the corpora are exactly those
  // of epoch - 1's end: reading them here is deterministic.
  const std::vector<GuidedInput>& kept = corpus_[i % cells_];  // plan_execution's cell of i
  sched::Rng rng(sched::mix_seed(o_.seed ^ kGuideTag, i));
  GuidedInput in;
  if (kept.empty() || rng.below(kFreshIn) == 0) {
    lock.unlock();
    in.plan = plan_execution(o_, i);
    in.genome = fresh_genome(rng);
    return in;
  }
  in = kept[rng.below(kept.size())];
  const GuidedInput& donor = kept[rng.below(kept.size())];
  in.mutated = true;
  for (std::uint64_t k = 0, stack = rng.below(kMaxStack) + 1; k < stack; ++k) {
    switch (rng.below(3)) {
      case 0: mutate_input(in.plan.workload, in.plan.config, donor.plan.workload, o_.gen, rng); break;
      case 1: mutate_genome(in.genome, rng); break;
      default: in.plan.strategy_seed = rng.next(); break;  // new draws and random picks
    }
  }
  in.plan.config.mutants = o_.mutants;
  return in;
}

void CoverageGuide::report(std::uint64_t n, GuidedInput input, const std::vector<SitePair>& pairs,
                           const std::vector<std::string>& cases) {
  const std::uint64_t epoch = n / kEpoch;
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Result>& results = pending_[epoch];
  results.push_back({n, std::move(input), pairs, cases});
  if (results.size() < kEpoch) return;
  std::vector<Result> done = std::move(results);
  pending_.erase(epoch);
  merge(std::move(done));
  ++merged_;
  merged_cv_.notify_all();
}

void CoverageGuide::merge(std::vector<Result> epoch) {
  std::sort(epoch.begin(), epoch.end(), [](const Result& a, const Result& b) { return a.n < b.n; });
  for (Result& r : epoch) {
    const std::size_t cell = (r.n * o_.shards + o_.shard) % cells_;
    bool fresh = false;
    for (const SitePair& p : r.pairs) fresh |= seen_pairs_.insert(p).second;
    for (const std::string& c : r.cases) fresh |= seen_cases_.emplace(cell, c).second;
    if (fresh) corpus_[cell].push_back(std::move(r.input));
  }
}

void CoverageGuide::cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  merged_cv_.notify_all();
}

std::size_t CoverageGuide::kept() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::size_t n = 0;
  for (const auto& c : corpus_) n += c.size();
  return n;
}

}  // namespace dc::harness
