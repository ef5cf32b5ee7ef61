// Follows a prefix of a recorded schedule, then runs without preemption: the current actor
// continues while it can, otherwise the lowest runnable actor; draws take 0. The shrinker
// uses it to try "the same run, minus the preemptions from here on".
#pragma once
#include "harness/sched/schedule.hpp"
#include "harness/sched/strategy.hpp"

namespace dc::harness {

class GuidedStrategy final : public sched::Strategy {
 public:
  GuidedStrategy(const sched::Schedule& s, std::size_t prefix) : s_(&s), prefix_(prefix) {}
  void begin(std::uint64_t) override { pos_ = 0; }
  sched::ActorId pick(const sched::PickRequest& req) override {
    if (const auto* d = next(sched::Decision::Kind::Pick))
      for (sched::ActorId a : req.runnable)
        if (a == d->value) return a;
    return req.current_runnable ? req.current : req.runnable[0];
  }
  std::uint64_t draw(std::uint64_t bound) override {
    const auto* d = next(sched::Decision::Kind::Draw);
    return d && d->value < bound ? d->value : 0;
  }

 private:
  const sched::Decision* next(sched::Decision::Kind k) {
    const std::size_t i = pos_++;
    if (i >= prefix_ || i >= s_->decisions.size() || s_->decisions[i].kind != k) return nullptr;
    return &s_->decisions[i];
  }
  const sched::Schedule* s_;
  std::size_t prefix_;
  std::size_t pos_ = 0;
};

}  // namespace dc::harness
