// The schedule half of a coverage-guided input (harness/run/coverage_guided.hpp): PCT's
// parameters written out, so that they can be mutated one at a time. Each actor has a
// priority; the highest-priority runnable actor runs; at each change point (a decision step)
// the running actor drops below every initial priority (a preemption site); with probability
// noise/256 a decision is instead uniformly random. noise 256 is the random strategy, noise 0
// with one or two change points is PCT depth 2 or 3. Draws and random picks come from the
// execution's strategy seed.
#pragma once
#include <cstdint>
#include <vector>

#include "harness/sched/rng.hpp"
#include "harness/sched/strategy.hpp"

namespace dc::harness {

struct ScheduleGenome {
  std::vector<std::uint32_t> priorities;     // by actor id; later actors: from the seed
  std::vector<std::uint32_t> change_points;  // decision steps, ascending
  std::uint32_t noise = 0;                   // 0..256: chance in 256 of a random pick
  friend bool operator==(const ScheduleGenome&, const ScheduleGenome&) = default;
};

// A fresh genome like the portfolio's members: random, PCT depth 2 or depth 3 (a third each).
ScheduleGenome fresh_genome(sched::Rng& rng);
// One schedule mutation: reseeding is the caller's (the strategy seed is not in the genome);
// here a priority is raised, lowered or swapped, a change point added, removed or moved, or
// the noise changed.
void mutate_genome(ScheduleGenome& g, sched::Rng& rng);

class GenomeStrategy final : public sched::Strategy {
 public:
  // The genome of the next executions (kept by the caller); none: a fresh one from each seed.
  void set_genome(const ScheduleGenome* g) { genome_ = g; }
  void begin(std::uint64_t seed) override;
  sched::ActorId pick(const sched::PickRequest& req) override;
  std::uint64_t draw(std::uint64_t bound) override { return rng_.below(bound); }

 private:
  std::uint64_t priority_of(sched::ActorId a);

  const ScheduleGenome* genome_ = nullptr;
  ScheduleGenome fresh_;
  const ScheduleGenome* active_ = nullptr;
  sched::Rng rng_;
  std::uint64_t seed_ = 0;
  std::vector<std::uint64_t> priority_;  // by actor id; 0 = not yet assigned
  std::size_t next_change_ = 0;
  std::uint64_t steps_ = 0;
};

}  // namespace dc::harness
