// Tracepoints: how the port emits model events. One Tracer per execution is installed on
// the thread; with no Trace attached (benchmarks) events are dropped but object ids are
// still handed out, so ids never depend on whether tracing is on.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "harness/sched/scheduler.hpp"
#include "model/event.hpp"

namespace dc::kern {

class Tracer {
 public:
  explicit Tracer(model::Trace* trace) : trace_(trace) {}
  model::ObjId new_id() { return ++next_id_; }
  model::Trace* trace() const { return trace_; }
  // The workload operation an actor is working for (user tasks set it per operation).
  void set_op(sched::ActorId a, std::uint32_t op) {
    if (op_of_.size() <= a) op_of_.resize(a + 1, model::kNoOp);
    op_of_[a] = op;
  }
  std::uint32_t op_of(sched::ActorId a) const {
    return a < op_of_.size() ? op_of_[a] : model::kNoOp;
  }
  std::size_t emit(model::EvKind k, model::ObjId obj, std::int64_t a, std::int64_t b,
                   std::int64_t c, std::uint32_t op, std::span<const std::uint32_t> data = {},
                   std::string note = {});
  std::size_t findings() const { return findings_; }

  // The installed execution's tracer (impl/kernel/execution.hpp); null outside one.
  static Tracer* current();

 private:
  model::Trace* trace_;
  model::ObjId next_id_ = 0;
  std::vector<std::uint32_t> op_of_;
  std::size_t findings_ = 0;
};

inline model::ObjId kobj_id() { return Tracer::current() ? Tracer::current()->new_id() : 0; }

// Emit an event from the current actor. `op` defaults to the actor's current operation.
inline void ktrace(model::EvKind k, model::ObjId obj = 0, std::int64_t a = 0, std::int64_t b = 0,
                   std::int64_t c = 0, std::uint32_t op = model::kNoOp) {
  if (Tracer* t = Tracer::current(); t && t->trace()) t->emit(k, obj, a, b, c, op);
}

}  // namespace dc::kern

namespace dc::kern {
// A finding raised by the kernel layer, with a one-line explanation.
inline void ktrace_finding(model::EvKind k, model::ObjId obj, std::string note) {
  if (Tracer* t = Tracer::current()) t->emit(k, obj, 0, 0, 0, model::kNoOp, {}, std::move(note));
}
}  // namespace dc::kern
