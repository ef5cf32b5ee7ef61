// The one interface every search strategy implements (random, pct, dfs, replay, ...).
// The scheduler consults it only when there is a real choice (two or more runnable actors)
// and for bounded nondeterministic draws; forced moves are not decisions.
#pragma once
#include <cstdint>

#include "harness/sched/types.hpp"

namespace dc::sched {

class Strategy {
 public:
  virtual ~Strategy() = default;
  // A new execution starts; `seed` fully determines the strategy's random choices.
  virtual void begin(std::uint64_t seed) = 0;
  // Which runnable actor runs next. Must return a member of `req.runnable`.
  virtual ActorId pick(const PickRequest& req) = 0;
  // A nondeterministic value in [0, bound), bound >= 2.
  virtual std::uint64_t draw(std::uint64_t bound) = 0;
  // The execution ended (normally or not). Strategies that search across executions
  // (dfs) use it to prepare the next one; returns false when nothing is left to explore.
  virtual bool end() { return true; }
  // A strategy that needs every executed step (forced ones included) returns a log for the
  // scheduler to append to during the execution; it clears the log itself in begin().
  // nullptr (the default) keeps the scheduler's hot path free of logging.
  virtual StepLog* step_log() { return nullptr; }
};

}  // namespace dc::sched
