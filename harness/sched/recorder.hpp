// Wraps any strategy and records its decisions as a Schedule (for corpus files, replay and
// the determinism check). Recording is a wrapper so no strategy has to know about it.
#pragma once
#include <utility>

#include "harness/sched/schedule.hpp"
#include "harness/sched/strategy.hpp"

namespace dc::sched {

class Recorder final : public Strategy {
 public:
  explicit Recorder(Strategy& inner) : inner_(&inner) {}
  void begin(std::uint64_t seed) override {
    schedule_.seed = seed;
    schedule_.decisions.clear();
    inner_->begin(seed);
  }
  ActorId pick(const PickRequest& req) override {
    const ActorId a = inner_->pick(req);
    schedule_.decisions.push_back({Decision::Kind::Pick, a});
    return a;
  }
  std::uint64_t draw(std::uint64_t bound) override {
    const std::uint64_t v = inner_->draw(bound);
    schedule_.decisions.push_back({Decision::Kind::Draw, static_cast<std::uint32_t>(v)});
    return v;
  }
  bool end() override { return inner_->end(); }
  StepLog* step_log() override { return inner_->step_log(); }

  const Schedule& schedule() const { return schedule_; }
  // Recording into a buffer handed in (and taken back after the run) reuses its storage
  // across executions.
  void reuse(Schedule&& buffer) { schedule_ = std::move(buffer); }
  Schedule take() { return std::move(schedule_); }
  Strategy& inner() { return *inner_; }

 private:
  Strategy* inner_;
  Schedule schedule_;
};

}  // namespace dc::sched
