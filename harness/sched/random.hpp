// Uniformly random choice at every decision (the baseline strategy).
#pragma once
#include "harness/sched/rng.hpp"
#include "harness/sched/strategy.hpp"

namespace dc::sched {

class RandomStrategy final : public Strategy {
 public:
  void begin(std::uint64_t seed) override { rng_.seed(seed); }
  ActorId pick(const PickRequest& req) override { return req.runnable[rng_.below(req.runnable.size())]; }
  std::uint64_t draw(std::uint64_t bound) override { return rng_.below(bound); }

 private:
  Rng rng_;
};

}  // namespace dc::sched
