// wait_queue_head_t / wait_event / wake_up, wait_on_bit / wake_up_bit, and struct completion.
// A sleeper re-tests its condition every time it is woken, as in the kernel.
#pragma once
#include <cstdint>

#include "impl/kernel/sched.hpp"

namespace dc::kern {

struct wait_queue_head_t {
  model::ObjId id = 0;
};

inline void init_waitqueue_head(wait_queue_head_t* q) { q->id = kobj_id(); }

// Sleeps until cond() holds. cond is evaluated as one step (after a scheduling point);
// callers that also change state in that step (a worker taking an item) pass Access::Write
// so partial-order reduction sees the step as a write.
template <class Cond>
void wait_event(wait_queue_head_t* q, Cond cond, const char* what = "wait_event",
                Access access = Access::Read, Loc loc = Loc::current()) {
  might_sleep(what);
  for (;;) {
    sched_point(q, access, loc);
    if (cond()) return;
    ktrace(model::EvKind::Sleep, q->id);
    scheduler().block(q, what);
  }
}

inline void wake_up(wait_queue_head_t* q) { scheduler().wake(q); }
inline void wake_up_all(wait_queue_head_t* q) { scheduler().wake(q); }

// Bit waits: keyed by (word, bit) like the kernel's hashed bit waitqueues.
inline const void* bit_key(const void* word, int bit) {
  return static_cast<const char*>(word) + bit;  // distinct key per bit; never dereferenced
}

template <class Cond>
void wait_on_bit_cond(const void* word, int bit, Cond still_set, const char* what, Loc loc = Loc::current()) {
  might_sleep(what);
  for (;;) {
    sched_point(word, Access::Read, loc);
    if (!still_set()) return;
    scheduler().block(bit_key(word, bit), what);
  }
}

inline void wake_up_bit(const void* word, int bit) { scheduler().wake(bit_key(word, bit)); }

struct completion {
  unsigned done = 0;
  wait_queue_head_t wait;
};

inline void init_completion(completion* c) {
  c->done = 0;
  init_waitqueue_head(&c->wait);
}

inline void wait_for_completion(completion* c, Loc loc = Loc::current()) {
  wait_event(&c->wait, [c] { return c->done > 0; }, "wait_for_completion", Access::Read, loc);
  --c->done;
}

inline void complete(completion* c, Loc loc = Loc::current()) {
  sched_point(&c->wait, Access::Write, loc);
  ++c->done;
  wake_up(&c->wait);
}

inline void complete_all(completion* c, Loc loc = Loc::current()) {
  sched_point(&c->wait, Access::Write, loc);
  c->done = 1u << 30;
  wake_up_all(&c->wait);
}

}  // namespace dc::kern
