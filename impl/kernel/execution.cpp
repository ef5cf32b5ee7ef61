#include "impl/kernel/execution.hpp"

namespace dc::kern {

thread_local Execution* Execution::tl_current_ = nullptr;

Execution::Execution(const model::Config& c, model::Trace* trace)
    : tracer_(trace),
      variant_(c.kernel, c.fs),
      mutants_(c.mutants),
      wq_concurrency_(c.wq_concurrency < 1 ? 1 : c.wq_concurrency),
      outer_(tl_current_) {
  faults_.reset(c.faults);
  tl_current_ = this;
}

Execution::~Execution() { tl_current_ = outer_; }

// The kernel layer's accessors: the parts of the installed execution (none outside one).
Tracer* Tracer::current() { return Execution::active() ? &Execution::current().tracer() : nullptr; }
Slab* Slab::current() { return Execution::active() ? &Execution::current().slab() : nullptr; }
FaultInjector* FaultInjector::current() {
  return Execution::active() ? &Execution::current().faults() : nullptr;
}

}  // namespace dc::kern
