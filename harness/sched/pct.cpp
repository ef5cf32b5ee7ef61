#include "harness/sched/pct.hpp"

#include <algorithm>

namespace dc::sched {

// Lowered priorities are 1 .. depth-1; initial ones lie far above them.
static constexpr std::uint64_t kInitialBase = 1ULL << 32;

void PctStrategy::begin(std::uint64_t seed) {
  rng_.seed(seed);
  priority_.clear();
  steps_ = 0;
  next_change_ = 0;
  change_points_.clear();
  for (unsigned i = 1; i < depth_; ++i) change_points_.push_back(rng_.below(max_steps_));
  std::sort(change_points_.begin(), change_points_.end());
}

std::uint64_t PctStrategy::priority_of(ActorId a) {
  if (priority_.size() <= a) priority_.resize(a + 1, 0);
  if (priority_[a] == 0) priority_[a] = kInitialBase + rng_.below(1ULL << 40);
  return priority_[a];
}

ActorId PctStrategy::pick(const PickRequest& req) {
  const std::uint64_t step = steps_++;
  while (next_change_ < change_points_.size() && change_points_[next_change_] <= step) {
    if (req.current != kNoActor) {
      priority_of(req.current);
      priority_[req.current] = depth_ - 1 - next_change_;  // later change points go lower
    }
    ++next_change_;
  }
  ActorId best = req.runnable[0];
  std::uint64_t best_p = priority_of(best);
  for (std::size_t i = 1; i < req.runnable.size(); ++i) {
    const std::uint64_t p = priority_of(req.runnable[i]);
    if (p > best_p) best = req.runnable[i], best_p = p;
  }
  return best;
}

bool PctStrategy::end() {
  if (adaptive_) max_steps_ = std::max(max_steps_, steps_);
  return true;
}

}  // namespace dc::sched
