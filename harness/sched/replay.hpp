// Follows a recorded Schedule decision by decision. The first time the run asks for
// something the schedule does not say (a pick of an actor that is not runnable, a draw where
// a pick was recorded, more decisions than recorded) it records a Divergence naming that
// step, then continues with the lowest runnable actor / zero so the run still ends.
#pragma once
#include <optional>
#include <string>

#include "harness/sched/schedule.hpp"
#include "harness/sched/strategy.hpp"

namespace dc::sched {

struct Divergence {
  std::uint64_t step;   // decision index
  std::string detail;
};

class ReplayStrategy final : public Strategy {
 public:
  explicit ReplayStrategy(Schedule s) : schedule_(std::move(s)) {}
  void begin(std::uint64_t) override { pos_ = 0; divergence_.reset(); }
  ActorId pick(const PickRequest& req) override;
  std::uint64_t draw(std::uint64_t bound) override;
  bool end() override;

  const std::optional<Divergence>& divergence() const { return divergence_; }
  const Schedule& schedule() const { return schedule_; }

 private:
  const Decision* next(Decision::Kind want);
  void diverge(std::string detail);

  Schedule schedule_;
  std::size_t pos_ = 0;
  std::optional<Divergence> divergence_;
};

}  // namespace dc::sched
