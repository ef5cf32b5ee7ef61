// One execution end to end: boot the simulated machine for (workload, config), run it under
// the deterministic scheduler with the given strategy and seed, judge the trace with the
// reference model, and return everything needed to report, store or replay it.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "harness/run/corpus.hpp"
#include "harness/run/phases.hpp"
#include "harness/sched/schedule.hpp"
#include "harness/sched/scheduler.hpp"
#include "model/checker.hpp"
#include "model/config.hpp"
#include "model/event.hpp"
#include "model/workload.hpp"

namespace dc::harness {

// The verdict of one execution: the first thing that went wrong, or nothing.
struct Verdict {
  std::string property;  // empty = every property holds
  std::size_t event = 0; // index in the trace where it broke
  std::string expected, actual;
  bool failed() const { return !property.empty(); }
  friend bool operator==(const Verdict&, const Verdict&) = default;
};

struct Execution {
  sched::Outcome outcome;
  sched::Schedule schedule;
  sched::ExecutionStats stats;
  model::Trace trace;
  std::uint64_t trace_hash = 0;
  std::vector<model::Violation> violations;
  Verdict verdict;
  std::optional<std::string> divergence;  // replay only: where the run left the schedule
  std::vector<std::string> actor_names;   // by actor id
  std::vector<sched::Ctx> actor_ctx;      // by actor id
};

class Runner {
 public:
  explicit Runner(sched::SchedulerOptions opts = {}) : sched_(opts) {}
  // Runs once with `strategy` (wrapped in a Recorder) from `seed`.
  Execution run(const model::Workload& w, const model::Config& c, sched::Strategy& strategy,
                std::uint64_t seed);
  // The same into `x`, whose buffers (trace, schedule, names) are reused: campaigns keep one
  // Execution per worker, so its vectors stop growing after the first executions.
  void run_into(Execution& x, const model::Workload& w, const model::Config& c, sched::Strategy& strategy,
                std::uint64_t seed);
  // Replays a recorded schedule; Execution::divergence says where the run left it.
  Execution replay(const model::Workload& w, const model::Config& c, const sched::Schedule& s);
  // Every access of the following executions also goes to `o` (interleaving coverage).
  void set_observer(sched::AccessObserver* o) { sched_.set_observer(o); }
  // Cumulative run / check / record time and points of every execution run so far.
  PhaseTimes& phases() { return phases_; }

 private:
  sched::Scheduler sched_;
  PhaseTimes phases_;
};

Verdict verdict_of(const sched::Outcome& o, const std::vector<model::Violation>& v,
                   std::size_t trace_len);

// The reproducer of a failing execution `x` of (w, c) found by `strategy`.
Case case_of(const model::Workload& w, const model::Config& c, const std::string& strategy, const Execution& x);
// The note a found case gets ("expected: ...; actual: ..."), and whether a note is one (the
// shrinker rewrites such a note for the smaller case; a note a person wrote is kept).
std::string verdict_note(const Verdict& v);
bool is_verdict_note(const std::string& note);

// Mutant campaigns count a failure only if it is the mutants' doing: true if the same run
// (workload, config minus its mutants, strategy from `seed`) fails on its own.
bool fails_without_mutants(Runner& r, const model::Workload& w, const model::Config& c, sched::Strategy& strategy,
                           std::uint64_t seed);

}  // namespace dc::harness
