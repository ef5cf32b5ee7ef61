// struct mutex and rw_semaphore: sleeping locks (might_sleep in interrupt context).
#pragma once
#include "impl/kernel/sched.hpp"

namespace dc::kern {

struct mutex {
  ActorId owner = sched::kNoActor;
  model::ObjId id = 0;
};

inline void mutex_init(mutex* m) {
  m->owner = sched::kNoActor;
  m->id = kobj_id();
}

inline void mutex_lock(mutex* m, Loc loc = Loc::current()) {
  might_sleep("mutex_lock");
  sched_point(m, Access::Write, loc);
  while (m->owner != sched::kNoActor) {
    if (m->owner == current_actor()) BUG("mutex_lock: recursive locking");
    scheduler().block(m, "mutex");
  }
  m->owner = current_actor();
  ktrace(model::EvKind::Lock, m->id);
}

inline bool mutex_trylock(mutex* m, Loc loc = Loc::current()) {
  sched_point(m, Access::Write, loc);
  if (m->owner != sched::kNoActor) return false;
  m->owner = current_actor();
  ktrace(model::EvKind::Lock, m->id);
  return true;
}

inline void mutex_unlock(mutex* m, Loc loc = Loc::current()) {
  sched_point(m, Access::Write, loc);
  if (m->owner != current_actor()) BUG("mutex_unlock of a mutex not held");
  m->owner = sched::kNoActor;
  ktrace(model::EvKind::Unlock, m->id);
  scheduler().wake(m);
}

inline bool mutex_is_locked(const mutex* m) { return m->owner != sched::kNoActor; }

struct rw_semaphore {
  int readers = 0;
  ActorId writer = sched::kNoActor;
  model::ObjId id = 0;
};

inline void init_rwsem(rw_semaphore* s) {
  *s = {};
  s->id = kobj_id();
}

inline void down_read(rw_semaphore* s, Loc loc = Loc::current()) {
  might_sleep("down_read");
  sched_point(s, Access::Read, loc);
  while (s->writer != sched::kNoActor) scheduler().block(s, "rw_semaphore (read)");
  ++s->readers;
}

inline void up_read(rw_semaphore* s, Loc loc = Loc::current()) {
  sched_point(s, Access::Write, loc);
  if (s->readers <= 0) BUG("up_read without down_read");
  if (--s->readers == 0) scheduler().wake(s);
}

inline void down_write(rw_semaphore* s, Loc loc = Loc::current()) {
  might_sleep("down_write");
  sched_point(s, Access::Write, loc);
  while (s->writer != sched::kNoActor || s->readers > 0) scheduler().block(s, "rw_semaphore (write)");
  s->writer = current_actor();
}

inline void up_write(rw_semaphore* s, Loc loc = Loc::current()) {
  sched_point(s, Access::Write, loc);
  if (s->writer != current_actor()) BUG("up_write of a semaphore not held for write");
  s->writer = sched::kNoActor;
  scheduler().wake(s);
}

// The trylocks of IOCB_NOWAIT paths: never sleep.
inline bool down_read_trylock(rw_semaphore* s, Loc loc = Loc::current()) {
  sched_point(s, Access::Write, loc);
  if (s->writer != sched::kNoActor) return false;
  ++s->readers;
  return true;
}

inline bool down_write_trylock(rw_semaphore* s, Loc loc = Loc::current()) {
  sched_point(s, Access::Write, loc);
  if (s->writer != sched::kNoActor || s->readers > 0) return false;
  s->writer = current_actor();
  return true;
}

// XFS-style demotion of an exclusive lock to shared.
inline void downgrade_write(rw_semaphore* s, Loc loc = Loc::current()) {
  sched_point(s, Access::Write, loc);
  if (s->writer != current_actor()) BUG("downgrade_write of a semaphore not held for write");
  s->writer = sched::kNoActor;
  ++s->readers;
  scheduler().wake(s);
}

}  // namespace dc::kern
