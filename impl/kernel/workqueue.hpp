// Workqueues: alloc_workqueue / queue_work / flush_workqueue / destroy_workqueue.
// Each queue runs its items on N worker actors (process context). N is max_active, capped
// by the execution's configured concurrency (Execution::wq_concurrency) (max_active 0 = "default" = that cap). An idle
// worker takes *any* pending item (a recorded nondeterministic choice), so nothing relies on
// FIFO order between items. destroy_workqueue drains first: it waits for queued and running
// items, then retires the workers and frees the queue.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "impl/kernel/wait.hpp"

namespace dc::kern {

struct work_struct;
using work_func_t = void (*)(work_struct*);

struct work_struct {
  work_func_t func = nullptr;
  model::ObjId id = 0;
  bool pending = false;
};

inline void INIT_WORK(work_struct* w, work_func_t f) {
  w->func = f;
  w->pending = false;
  w->id = kobj_id();
}

enum : unsigned { WQ_UNBOUND = 1u << 1, WQ_MEM_RECLAIM = 1u << 3 };

struct workqueue_struct {
  std::string name;
  unsigned flags = 0;
  int workers = 1;
  int workers_alive = 0;
  int running = 0;
  bool draining = false;
  bool dying = false;
  std::vector<work_struct*> worklist;
  std::vector<ActorId> worker_ids;
  wait_queue_head_t more_work;  // workers sleep here
  wait_queue_head_t idle;       // flush / drain / destroy sleep here
  model::ObjId id = 0;
};

workqueue_struct* alloc_workqueue(const std::string& name, unsigned flags, int max_active);
bool queue_work(workqueue_struct* wq, work_struct* work);
void flush_workqueue(workqueue_struct* wq);
void destroy_workqueue(workqueue_struct* wq);
// True if the calling actor is a worker of wq (a worker must never drain its own queue).
bool current_is_worker_of(const workqueue_struct* wq);

}  // namespace dc::kern
