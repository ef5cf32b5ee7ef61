// Probabilistic Concurrency Testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010).
// Every actor gets a random priority; the highest-priority runnable actor always runs; at
// d-1 randomly chosen decision steps the running actor drops below every initial priority.
// A bug of depth d is then found with probability at least 1/(n * k^(d-1)) per execution,
// n actors and k steps. k is not known in advance: `steps` estimates it. With `adaptive`,
// the estimate grows to the longest execution seen so far; that makes an execution depend
// on the ones before it, so campaigns (whose executions must be reproducible from their
// seed alone, whatever the job count) keep it off.
#pragma once
#include <vector>

#include "harness/sched/rng.hpp"
#include "harness/sched/strategy.hpp"

namespace dc::sched {

class PctStrategy final : public Strategy {
 public:
  explicit PctStrategy(unsigned depth, std::uint64_t steps = 64, bool adaptive = false)
      : depth_(depth < 1 ? 1 : depth), max_steps_(steps), adaptive_(adaptive) {}
  void begin(std::uint64_t seed) override;
  ActorId pick(const PickRequest& req) override;
  std::uint64_t draw(std::uint64_t bound) override { return rng_.below(bound); }
  bool end() override;

  unsigned depth() const { return depth_; }
  std::uint64_t step_estimate() const { return max_steps_; }

 private:
  std::uint64_t priority_of(ActorId a);

  unsigned depth_;
  std::uint64_t max_steps_;
  bool adaptive_;
  std::uint64_t steps_ = 0;
  Rng rng_;
  std::vector<std::uint64_t> priority_;      // by actor id; 0 = not yet assigned
  std::vector<std::uint64_t> change_points_;  // decision steps, ascending
  std::size_t next_change_ = 0;
};

}  // namespace dc::sched
