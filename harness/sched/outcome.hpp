// How an execution ended, as far as the scheduler can tell. Property violations found by
// the model are reported separately; these are the verdicts only the scheduler can give.
#pragma once
#include <cstdint>
#include <string>

namespace dc::sched {

struct Outcome {
  enum class Kind : std::uint8_t {
    Ok,         // every actor ran to its end
    Deadlock,   // every live actor was blocked; detail names each one and what it waits on
    StepLimit,  // more scheduling points than allowed (livelock or runaway)
    Bug,        // an actor hit a fatal check (kernel BUG, use after free, ...); detail says which
    Crash,      // the workload crashed the machine on purpose (durability checks follow)
  };
  Kind kind = Kind::Ok;
  std::string detail;
  std::uint64_t step = 0;  // scheduling point at which it ended

  bool ok() const { return kind == Kind::Ok; }
};

const char* to_string(Outcome::Kind k);

}  // namespace dc::sched
