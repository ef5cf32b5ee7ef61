// INV-7 (one dio workqueue per superblock; losers destroyed) and INV-8 (shutdown drains
// the queue; nothing is queued on or started from a destroyed queue).
#include <set>

#include <fmt/format.h>

#include "model/facts.hpp"

namespace dc::model::detail {
namespace {

struct Queue {
  std::size_t alloc = kNever, published = kNever, destroyed = kNever;
  bool dio = false;
};

}  // namespace

void check_workqueue(const Facts& f, Out& out) {
  const Trace& t = *f.t;
  auto add = [&](const char* p, std::size_t at, std::string exp, std::string act) {
    out.push_back({p, at, std::move(exp), std::move(act)});
  };
  std::map<ObjId, Queue> qs;
  std::map<ObjId, ObjId> pending, running;  // work item -> queue
  ObjId live_published = 0;
  std::size_t unmount = kNever;

  for (std::size_t k = 0; k < t.events.size(); ++k) {
    const Event& e = t.events[k];
    switch (e.kind) {
      case EvKind::OpBegin: {
        const OpFacts* o = f.op(e.op);
        if (o && o->op->kind == OpKind::Unmount && unmount == kNever) unmount = k;
        break;
      }
      case EvKind::SuperShutdown:  // the implicit unmount at the end of an execution too
        if (unmount == kNever) unmount = k;
        break;
      case EvKind::WqAlloc: {
        Queue& q = qs[e.obj];
        q.alloc = k;
        const OpFacts* o = f.op(e.op);
        q.dio = e.b == 1 || (o && o->is_direct() && is_write(o->op->kind));
        break;
      }
      case EvKind::WqPublish: {
        auto it = qs.find(e.obj);
        if (it == qs.end() || it->second.destroyed != kNever) {
          add(prop::kInv7, k, "publish a live, allocated queue",
              fmt::format("workqueue #{} published but not alive", e.obj));
          break;
        }
        it->second.dio = true;
        if (live_published != 0)
          add(prop::kInv7, k, "s_dio_done_wq changes NULL->W at most once",
              fmt::format("workqueue #{} published while #{} is published", e.obj, live_published));
        it->second.published = k;
        live_published = e.obj;
        break;
      }
      case EvKind::WqDestroy: {
        auto it = qs.find(e.obj);
        if (it == qs.end()) break;
        Queue& q = it->second;
        if (q.destroyed != kNever) {
          add(prop::kInv8, k, "a workqueue destroyed once",
              fmt::format("workqueue #{} destroyed again (first at event {})", e.obj, q.destroyed));
          break;
        }
        q.destroyed = k;
        if (live_published == e.obj) {
          live_published = 0;
          if (unmount == kNever || unmount > k)
            add(prop::kInv7, k, "the published dio workqueue lives until unmount",
                fmt::format("published workqueue #{} destroyed before unmount", e.obj));
        }
        for (const auto* m : {&pending, &running})
          for (const auto& [work, wq] : *m)
            if (wq == e.obj) {
              add(prop::kInv8, k, "destroy_workqueue after every item finished",
                  fmt::format("workqueue #{} destroyed with work #{} {}", e.obj, work,
                              m == &pending ? "pending" : "running"));
              goto next;
            }
      next:
        break;
      }
      case EvKind::WorkQueued:
      case EvKind::WorkStart: {
        const ObjId wq = static_cast<ObjId>(e.a);
        auto it = qs.find(wq);
        if (it != qs.end() && it->second.destroyed != kNever)
          add(prop::kInv8, k, "no work on a destroyed workqueue",
              fmt::format("{} of work #{} on workqueue #{} destroyed at event {}", to_string(e.kind),
                          e.obj, wq, it->second.destroyed));
        if (e.kind == EvKind::WorkQueued) {
          pending[e.obj] = wq;
        } else {
          pending.erase(e.obj);
          running[e.obj] = wq;
        }
        break;
      }
      case EvKind::WorkDone:
        running.erase(e.obj);
        break;
      default:
        break;
    }
  }
  if (!f.quiescent()) return;
  for (const auto& [id, q] : qs)
    if (q.dio && q.published == kNever && q.destroyed == kNever)
      add(prop::kInv7, f.n(), "every losing dio workqueue destroyed",
          fmt::format("dio workqueue #{} (allocated at event {}) neither published nor destroyed", id, q.alloc));
  for (const auto& [work, wq] : pending)
    add(prop::kInv8, f.n(), "every queued work item runs",
        fmt::format("work #{} on workqueue #{} never started", work, wq));
}

}  // namespace dc::model::detail
