// Where a campaign's time goes: cumulative wall-clock seconds per phase of its executions.
//   generate: drawing the execution's workload, config and strategy seed (campaigns only)
//   run:      booting the machine and running it under the scheduler (the engine)
//   check:    judging the trace with the reference model
//   record:   keeping what a report or replay needs (schedule, trace hash, actor names,
//             reproducers of failures)
//   coverage: merging the execution's interleaving coverage (its pairs are recorded during
//             the run, by the scheduler's access observer)
//   self_check: the determinism self-check's second runs (about 1 %)
// Timed with steady_clock around each phase (a few reads per execution): never part of a
// verdict or of anything recorded, so timing cannot change what a seed finds.
#pragma once
#include <chrono>
#include <cstdint>

namespace dc::harness {

struct PhaseTimes {
  double generate = 0, run = 0, check = 0, record = 0, coverage = 0, self_check = 0;
  std::uint64_t executions = 0;
  std::uint64_t points = 0;  // scheduling points reached, over all executions
  double total() const { return generate + run + check + record + coverage + self_check; }
  PhaseTimes& operator+=(const PhaseTimes& o) {
    generate += o.generate;
    run += o.run;
    check += o.check;
    record += o.record;
    coverage += o.coverage;
    self_check += o.self_check;
    executions += o.executions;
    points += o.points;
    return *this;
  }
};

// Adds the time since the last lap (or construction) to a phase.
class PhaseClock {
 public:
  PhaseClock() : last_(std::chrono::steady_clock::now()) {}
  void lap(double& phase) {
    const auto now = std::chrono::steady_clock::now();
    phase += std::chrono::duration<double>(now - last_).count();
    last_ = now;
  }

 private:
  std::chrono::steady_clock::time_point last_;
};

}  // namespace dc::harness
