// spinlock_t. On one simulated CPU per actor, spinning is modelled as blocking until the
// holder releases; a spinlock held across a block is thus a detectable deadlock.
// irqsave variants behave the same: interrupt actors are separate fibers here, and the
// protocol only needs the mutual exclusion.
#pragma once
#include "impl/kernel/sched.hpp"

namespace dc::kern {

struct spinlock_t {
  ActorId owner = sched::kNoActor;
  model::ObjId id = 0;
};

inline void spin_lock_init(spinlock_t* l) {
  l->owner = sched::kNoActor;
  l->id = kobj_id();
}

inline void spin_lock(spinlock_t* l, Loc loc = Loc::current()) {
  sched_point(l, Access::Write, loc);
  while (l->owner != sched::kNoActor) {
    if (l->owner == current_actor()) BUG("spinlock recursion");
    scheduler().block(l, "spinlock");
  }
  l->owner = current_actor();
}

inline void spin_unlock(spinlock_t* l, Loc loc = Loc::current()) {
  sched_point(l, Access::Write, loc);
  if (l->owner != current_actor()) BUG("spin_unlock of a lock not held");
  l->owner = sched::kNoActor;
  scheduler().wake(l);
}

inline bool spin_trylock(spinlock_t* l, Loc loc = Loc::current()) {
  sched_point(l, Access::Write, loc);
  if (l->owner != sched::kNoActor) return false;
  l->owner = current_actor();
  return true;
}

using irqflags_t = unsigned long;
inline void spin_lock_irqsave(spinlock_t* l, irqflags_t& flags, Loc loc = Loc::current()) {
  flags = 0;
  spin_lock(l, loc);
}
inline void spin_unlock_irqrestore(spinlock_t* l, irqflags_t, Loc loc = Loc::current()) { spin_unlock(l, loc); }
inline void spin_lock_irq(spinlock_t* l, Loc loc = Loc::current()) { spin_lock(l, loc); }
inline void spin_unlock_irq(spinlock_t* l, Loc loc = Loc::current()) { spin_unlock(l, loc); }

}  // namespace dc::kern
