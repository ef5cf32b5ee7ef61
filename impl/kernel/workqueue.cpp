#include "impl/kernel/workqueue.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "impl/kernel/execution.hpp"

namespace dc::kern {
namespace {

// The queue's own state (worklist, running, draining, dying, workers_alive) is one object for
// the dependence analysis: `wq`. Steps whose point is on a wait queue record it with kaccess.
bool worklist_test(const workqueue_struct* wq, bool (*cond)(const workqueue_struct*)) {
  kaccess(wq, Access::Read);
  return cond(wq);
}

void worker_thread(workqueue_struct* wq) {
  for (;;) {
    wait_event(&wq->more_work, [wq] {
      return worklist_test(wq, [](const workqueue_struct* q) { return !q->worklist.empty() || q->dying; });
    }, "worker idle", Access::Write);  // the same step takes the item
    if (wq->worklist.empty()) break;  // dying and nothing left
    // Any pending item may be taken next: no FIFO assumption.
    const auto pick = scheduler().draw(wq->worklist.size());
    work_struct* w = wq->worklist[pick];
    wq->worklist.erase(wq->worklist.begin() + static_cast<std::ptrdiff_t>(pick));
    kaccess(wq, Access::Write);
    kaccess(w, Access::Write);
    w->pending = false;
    ++wq->running;
    ktrace(model::EvKind::WorkStart, w->id, wq->id);
    const model::ObjId wid = w->id;
    w->func(w);  // may free the memory holding w
    kasan_check(wq, "worker_thread: back from the work function");
    ktrace(model::EvKind::WorkDone, wid, wq->id);
    sched_point(&wq->idle);
    kasan_check(wq, "worker_thread: pool bookkeeping after the work item");
    kaccess(wq, Access::Write);
    --wq->running;
    wake_up_all(&wq->idle);
  }
  sched_point(&wq->idle);
  kaccess(wq, Access::Write);
  --wq->workers_alive;
  wake_up_all(&wq->idle);
}

}  // namespace

workqueue_struct* alloc_workqueue(const std::string& name, unsigned flags, int max_active) {
  might_sleep("alloc_workqueue");
  auto* wq = kzalloc<workqueue_struct>("workqueue", GFP_KERNEL);
  if (!wq) return nullptr;
  wq->name = name;
  wq->flags = flags;
  wq->id = kobj_of(wq);
  init_waitqueue_head(&wq->more_work);
  init_waitqueue_head(&wq->idle);
  const int cap = Execution::current().wq_concurrency();
  wq->workers = max_active <= 0 ? cap : std::min(max_active, cap);
  ktrace(model::EvKind::WqAlloc, wq->id, wq->workers);
  for (int i = 0; i < wq->workers; ++i) {
    ++wq->workers_alive;
    wq->worker_ids.push_back(scheduler().spawn(fmt::format("kworker/{}:{}", name, i),
                                               Ctx::Process, [wq] { worker_thread(wq); }));
  }
  return wq;
}

bool queue_work(workqueue_struct* wq, work_struct* work) {
  if (!wq) BUG("queue_work on a NULL workqueue");
  sched_point(wq);
  kasan_check(wq, "queue_work");
  if (wq->dying || (wq->draining && !current_is_worker_of(wq)))
    WARN(fmt::format("queue_work on workqueue {} while it is being destroyed", wq->name));
  kaccess(work, Access::Write);
  if (work->pending) return false;
  work->pending = true;
  wq->worklist.push_back(work);
  ktrace(model::EvKind::WorkQueued, work->id, wq->id);
  wake_up(&wq->more_work);
  return true;
}

void flush_workqueue(workqueue_struct* wq) {
  if (current_is_worker_of(wq)) BUG("flush_workqueue from a worker of the same queue");
  wait_event(&wq->idle, [wq] {
    return worklist_test(wq, [](const workqueue_struct* q) { return q->worklist.empty() && q->running == 0; });
  }, "flush_workqueue");
}

void destroy_workqueue(workqueue_struct* wq) {
  might_sleep("destroy_workqueue");
  kasan_check(wq, "destroy_workqueue");
  sched_point(wq);
  wq->draining = true;  // drain_workqueue: only chained queueing allowed from here on
  flush_workqueue(wq);
  sched_point(wq);
  wq->dying = true;
  wake_up_all(&wq->more_work);
  wait_event(&wq->idle, [wq] {
    return worklist_test(wq, [](const workqueue_struct* q) { return q->workers_alive == 0; });
  }, "destroy_workqueue");
  ktrace(model::EvKind::WqDestroy, wq->id);
  kfree(wq, "workqueue");
}

bool current_is_worker_of(const workqueue_struct* wq) {
  const ActorId me = current_actor();
  return std::find(wq->worker_ids.begin(), wq->worker_ids.end(), me) != wq->worker_ids.end();
}

}  // namespace dc::kern
