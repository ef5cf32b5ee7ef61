#include "harness/run/schedule_genome.hpp"

#include <algorithm>

namespace dc::harness {
namespace {

// Change points fall within the first kSteps decisions (PCT's step estimate of the
// campaigns, harness/run/strategy_factory.cpp); initial priorities lie above kInitialBase,
// lowered ones below it, later change points lower.
constexpr std::uint32_t kSteps = 300;
constexpr std::uint64_t kInitialBase = 1ULL << 32;
constexpr std::uint32_t kActors = 8;  // genome priorities written out; later actors: from the seed

std::uint32_t random_priority(sched::Rng& rng) { return static_cast<std::uint32_t>(rng.below(1ULL << 31)) + 1; }

}  // namespace

ScheduleGenome fresh_genome(sched::Rng& rng) {
  ScheduleGenome g;
  for (std::uint32_t a = 0; a < kActors; ++a) g.priorities.push_back(random_priority(rng));
  const auto kind = rng.below(3);
  if (kind == 0) {
    g.noise = 256;
  } else {
    for (std::uint64_t i = 0; i < kind; ++i) g.change_points.push_back(static_cast<std::uint32_t>(rng.below(kSteps)));
    std::sort(g.change_points.begin(), g.change_points.end());
  }
  return g;
}

void mutate_genome(ScheduleGenome& g, sched::Rng& rng) {
  auto& cp = g.change_points;
  switch (rng.below(6)) {
    case 0:  // one actor to a new priority
      if (!g.priorities.empty()) g.priorities[rng.below(g.priorities.size())] = random_priority(rng);
      break;
    case 1:  // two actors swap priorities
      if (g.priorities.size() >= 2)
        std::swap(g.priorities[rng.below(g.priorities.size())], g.priorities[rng.below(g.priorities.size())]);
      break;
    case 2:  // a new preemption site
      if (cp.size() < 8) cp.push_back(static_cast<std::uint32_t>(rng.below(kSteps)));
      break;
    case 3:  // one fewer
      if (!cp.empty()) cp.erase(cp.begin() + static_cast<std::ptrdiff_t>(rng.below(cp.size())));
      break;
    case 4:  // a preemption site a few decisions earlier or later
      if (!cp.empty()) {
        std::uint32_t& c = cp[rng.below(cp.size())];
        const auto d = static_cast<std::uint32_t>(rng.below(8)) + 1;
        c = rng.below(2) ? c + d : (c > d ? c - d : 0);
      }
      break;
    default: {
      static constexpr std::uint32_t kNoise[] = {0, 8, 32, 256};
      g.noise = kNoise[rng.below(4)];
      break;
    }
  }
  std::sort(cp.begin(), cp.end());
}

void GenomeStrategy::begin(std::uint64_t seed) {
  rng_.seed(seed);
  seed_ = seed;
  if (genome_) {
    active_ = genome_;
  } else {
    sched::Rng r(sched::mix_seed(seed, 0x67656e6f6d65ULL));
    fresh_ = fresh_genome(r);
    active_ = &fresh_;
  }
  priority_.clear();
  next_change_ = 0;
  steps_ = 0;
}

std::uint64_t GenomeStrategy::priority_of(sched::ActorId a) {
  if (priority_.size() <= a) priority_.resize(a + 1, 0);
  if (priority_[a] == 0)
    priority_[a] = kInitialBase + (a < active_->priorities.size() ? active_->priorities[a]
                                                                   : (sched::mix_seed(seed_, a) >> 33) + 1);
  return priority_[a];
}

sched::ActorId GenomeStrategy::pick(const sched::PickRequest& req) {
  const std::uint64_t step = steps_++;
  const auto& cp = active_->change_points;
  while (next_change_ < cp.size() && cp[next_change_] <= step) {
    if (req.current != sched::kNoActor) {
      priority_of(req.current);
      priority_[req.current] = cp.size() - next_change_;  // later change points go lower
    }
    ++next_change_;
  }
  if (active_->noise && rng_.below(256) < active_->noise) return req.runnable[rng_.below(req.runnable.size())];
  sched::ActorId best = req.runnable[0];
  std::uint64_t best_p = priority_of(best);
  for (std::size_t i = 1; i < req.runnable.size(); ++i) {
    const std::uint64_t p = priority_of(req.runnable[i]);
    if (p > best_p) best = req.runnable[i], best_p = p;
  }
  return best;
}

}  // namespace dc::harness
