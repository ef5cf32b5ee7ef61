// Test fixture: runs a small multi-actor program under the scheduler with the kernel
// layer (trace, slab, faults) installed, and returns what happened.
#pragma once
#include <functional>

#include "harness/sched/recorder.hpp"
#include "harness/sched/scheduler.hpp"
#include "impl/kernel/execution.hpp"

namespace dc::test {

struct RunResult {
  sched::Outcome outcome;
  sched::Schedule schedule;
  model::Trace trace;
  std::uint64_t hash = 0;
  std::size_t findings = 0;
};

// `setup` spawns the actors (it runs in the main context before any actor runs).
// `wq_concurrency` caps the workers of the workqueues the program allocates.
inline RunResult run_program(sched::Scheduler& s, sched::Strategy& strategy, std::uint64_t seed,
                             const std::function<void(sched::Scheduler&)>& setup,
                             bool leaks = true, int wq_concurrency = 1) {
  RunResult r;
  sched::Recorder rec(strategy);
  model::Config c;
  c.wq_concurrency = wq_concurrency;
  kern::Execution kctx(c, &r.trace);
  s.begin(rec, seed);
  setup(s);
  r.outcome = s.finish();
  kctx.end(leaks && r.outcome.ok());
  r.schedule = rec.schedule();
  r.hash = model::trace_hash(r.trace);
  r.findings = kctx.tracer().findings();
  return r;
}

}  // namespace dc::test
