// The per-execution kernel state every run installs on its thread: tracepoints (the event
// stream), the tracked slab and the fault injector. Installed for the lifetime of this
// object; leaks are reported and memory released by end().
#pragma once
#include <vector>

#include "impl/kernel/fault.hpp"
#include "impl/kernel/ktrace.hpp"
#include "impl/kernel/slab.hpp"

namespace dc::kern {

class ExecutionContext {
 public:
  ExecutionContext(model::Trace* trace, std::vector<model::Fault> faults) : tracer_(trace) {
    faults_.reset(std::move(faults));
    Tracer::install(&tracer_);
    Slab::install(&slab_);
    FaultInjector::install(&faults_);
  }
  ~ExecutionContext() {
    Tracer::install(nullptr);
    Slab::install(nullptr);
    FaultInjector::install(nullptr);
  }
  ExecutionContext(const ExecutionContext&) = delete;
  ExecutionContext& operator=(const ExecutionContext&) = delete;

  // Reports objects still alive as leaks (when the run ended cleanly) and frees everything.
  void end(bool report_leaks) { slab_.end_execution(report_leaks); }
  Tracer& tracer() { return tracer_; }
  Slab& slab() { return slab_; }

 private:
  Tracer tracer_;
  Slab slab_;
  FaultInjector faults_;
};

}  // namespace dc::kern
