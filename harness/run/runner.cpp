#include "harness/run/runner.hpp"

#include "harness/sched/recorder.hpp"
#include "harness/sched/replay.hpp"
#include "impl/kernel/execution.hpp"
#include "impl/machine.hpp"

namespace dc::harness {

Verdict verdict_of(const sched::Outcome& o, const std::vector<model::Violation>& v,
                   std::size_t trace_len) {
  // End-of-run checks (balance, leaks, missing completions) only mean something when the
  // run ended normally; after a deadlock or step limit the scheduler's verdict comes first.
  const bool ended = o.kind == sched::Outcome::Kind::Ok || o.kind == sched::Outcome::Kind::Crash;
  for (const auto& x : v)
    if (ended || x.event < trace_len) return {x.property, x.event, x.expected, x.actual};
  switch (o.kind) {
    case sched::Outcome::Kind::Ok:
    case sched::Outcome::Kind::Crash: return {};
    case sched::Outcome::Kind::Deadlock: return {"deadlock", trace_len, "every task makes progress", o.detail};
    case sched::Outcome::Kind::StepLimit: return {"step-limit", trace_len, "the execution ends", o.detail};
    case sched::Outcome::Kind::Bug: return {"kernel-bug", trace_len, "no BUG", o.detail};
  }
  return {};
}

Execution Runner::run(const model::Workload& w, const model::Config& c, sched::Strategy& strategy,
                      std::uint64_t seed) {
  Execution x;
  run_into(x, w, c, strategy, seed);
  return x;
}

void Runner::run_into(Execution& x, const model::Workload& w, const model::Config& c, sched::Strategy& strategy,
                      std::uint64_t seed) {
  PhaseClock clock;
  x.outcome = {};
  x.stats = {};
  x.trace.clear();
  x.trace_hash = 0;
  x.violations.clear();
  x.verdict = {};
  x.divergence.reset();
  x.actor_names.clear();
  x.actor_ctx.clear();
  sched::Recorder rec(strategy);
  rec.reuse(std::move(x.schedule));
  {
    kern::Execution kctx(c, &x.trace);  // installed on this thread for the whole run
    {
      kern::Machine machine(w, c);
      sched_.begin(rec, seed);
      machine.start(sched_);
      x.outcome = sched_.finish();
    }
    // Leaks are only meaningful when the machine shut down cleanly.
    kctx.end(x.outcome.kind == sched::Outcome::Kind::Ok);
  }
  clock.lap(phases_.run);
  for (std::size_t i = 0; i < sched_.actor_count(); ++i) {
    x.actor_names.push_back(sched_.name(static_cast<sched::ActorId>(i)));
    x.actor_ctx.push_back(sched_.ctx_of(static_cast<sched::ActorId>(i)));
  }
  // Events from outside any actor (mount before the first actor runs, leak reports after
  // the last one ends) belong to a pseudo-actor "machine", so every event has a lane.
  const auto machine = static_cast<std::uint16_t>(x.actor_names.size());
  bool outside = false;
  for (auto& e : x.trace.events)
    if (e.actor == sched::kNoActor) e.actor = machine, outside = true;
  if (outside) {
    x.actor_names.push_back("machine");
    x.actor_ctx.push_back(sched::Ctx::Process);
  }
  x.schedule = rec.take();
  x.stats = sched_.stats();
  x.trace_hash = model::trace_hash(x.trace);
  clock.lap(phases_.record);
  x.violations = model::check(w, c, x.trace);
  x.verdict = verdict_of(x.outcome, x.violations, x.trace.events.size());
  clock.lap(phases_.check);
  ++phases_.executions;
  phases_.points += x.stats.points;
}

Case case_of(const model::Workload& w, const model::Config& c, const std::string& strategy, const Execution& x) {
  Case f;
  f.workload = w;
  f.config = c;
  f.strategy = strategy;
  f.schedule = x.schedule;
  f.property = x.verdict.property;
  f.event = x.verdict.event;
  f.trace_hash = x.trace_hash;
  f.note = verdict_note(x.verdict);
  return f;
}

std::string verdict_note(const Verdict& v) { return "expected: " + v.expected + "; actual: " + v.actual; }
bool is_verdict_note(const std::string& note) {
  return note.rfind("expected: ", 0) == 0 && note.find("; actual: ") != std::string::npos;
}

bool fails_without_mutants(Runner& r, const model::Workload& w, const model::Config& c, sched::Strategy& strategy,
                           std::uint64_t seed) {
  model::Config plain = c;
  plain.mutants.clear();
  return r.run(w, plain, strategy, seed).verdict.failed();
}

Execution Runner::replay(const model::Workload& w, const model::Config& c, const sched::Schedule& s) {
  sched::ReplayStrategy replay(s);
  Execution x = run(w, c, replay, s.seed);
  if (replay.divergence())
    x.divergence = "decision " + std::to_string(replay.divergence()->step) + ": " + replay.divergence()->detail;
  return x;
}

}  // namespace dc::harness
