#include "impl/kernel/ktrace.hpp"

namespace dc::kern {

namespace {
bool is_finding(model::EvKind k) {
  using K = model::EvKind;
  return k == K::MightSleep || k == K::UseAfterFree || k == K::DoubleFree || k == K::Leak ||
         k == K::KernelBug || k == K::KernelWarn;
}
}  // namespace

std::size_t Tracer::emit(model::EvKind k, model::ObjId obj, std::int64_t a, std::int64_t b,
                         std::int64_t c, std::uint32_t op, std::span<const std::uint32_t> data,
                         std::string note) {
  if (is_finding(k)) ++findings_;
  if (!trace_) return 0;
  const bool in_actor = sched::Scheduler::active() && sched::Scheduler::current().self() != sched::kNoActor;
  model::Event e{};
  e.kind = k;
  e.actor = in_actor ? sched::Scheduler::current().self() : sched::kNoActor;
  e.ctx = in_actor && sched::Scheduler::current().ctx() == sched::Ctx::Interrupt ? 1 : 0;
  e.obj = obj;
  e.op = op != model::kNoOp ? op : (in_actor ? op_of(e.actor) : model::kNoOp);
  e.a = a;
  e.b = b;
  e.c = c;
  if (!data.empty()) {
    e.data = static_cast<std::uint32_t>(trace_->data.size());
    e.ndata = static_cast<std::uint32_t>(data.size());
    trace_->data.insert(trace_->data.end(), data.begin(), data.end());
  }
  if (!note.empty()) {
    trace_->notes.push_back(std::move(note));
    e.note = static_cast<std::uint32_t>(trace_->notes.size());
  }
  trace_->events.push_back(e);
  return trace_->events.size() - 1;
}

}  // namespace dc::kern
