// Everything one execution owns, behind one scoped thread-local (as shuttle's
// ExecutionState): the tracepoints (event stream), the tracked slab, the fault injector, the
// workqueue limits, the kernel variant's fix set and the mutants switched on. The runner
// constructs one per execution, which installs it on the thread until it is destroyed; the
// engine asks Execution::current() and nothing else.
#pragma once
#include "impl/kernel/fault.hpp"
#include "impl/kernel/ktrace.hpp"
#include "impl/kernel/slab.hpp"
#include "impl/kernel/variant.hpp"
#include "model/config.hpp"

namespace dc::kern {

using model::Mutant;

class Execution {
 public:
  // `trace` may be null (benchmarks): events are dropped, object ids still handed out.
  explicit Execution(const model::Config& c, model::Trace* trace = nullptr);
  ~Execution();
  Execution(const Execution&) = delete;
  Execution& operator=(const Execution&) = delete;

  // The execution installed on this thread (there is always one while the engine runs).
  static Execution& current() { return *tl_current_; }
  static bool active() { return tl_current_ != nullptr; }

  // Reports objects still alive as leaks (when the run ended cleanly) and frees everything.
  void end(bool report_leaks) { slab_.end_execution(report_leaks); }

  Tracer& tracer() { return tracer_; }
  Slab& slab() { return slab_; }
  FaultInjector& faults() { return faults_; }
  const Variant& variant() const { return variant_; }
  model::MutantSet mutants() const { return mutants_; }
  // Workers per workqueue: max_active is capped by this (Config::wq_concurrency, at least 1).
  int wq_concurrency() const { return wq_concurrency_; }

 private:
  Tracer tracer_;
  Slab slab_;
  FaultInjector faults_;
  Variant variant_;
  model::MutantSet mutants_;
  int wq_concurrency_;
  Execution* outer_;  // restored on destruction
  static thread_local Execution* tl_current_;
};

// Every version difference of the engine: does this execution's variant carry the fix?
inline bool variant_has(Fix f) { return Execution::current().variant().has(f); }
// Every mutant site of the engine: is this deviation switched on?
inline bool mutant_on(model::Mutant m) { return Execution::current().mutants().has(m); }

}  // namespace dc::kern
