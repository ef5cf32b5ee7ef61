// atomic_t and cmpxchg: each operation is one scheduling point and one indivisible step.
#pragma once
#include "impl/kernel/sched.hpp"

namespace dc::kern {

struct atomic_t {
  int counter = 0;
};

inline int atomic_read(const atomic_t* v, Loc loc = Loc::current()) {
  sched_point(v, Access::Read, loc);
  return v->counter;
}
inline void atomic_set(atomic_t* v, int i, Loc loc = Loc::current()) {
  sched_point(v, Access::Write, loc);
  v->counter = i;
}
inline int atomic_add_return(int i, atomic_t* v, Loc loc = Loc::current()) {
  sched_point(v, Access::Write, loc);
  return v->counter += i;
}
inline void atomic_inc(atomic_t* v, Loc loc = Loc::current()) { atomic_add_return(1, v, loc); }
inline void atomic_dec(atomic_t* v, Loc loc = Loc::current()) { atomic_add_return(-1, v, loc); }
inline int atomic_inc_return(atomic_t* v, Loc loc = Loc::current()) { return atomic_add_return(1, v, loc); }
inline int atomic_dec_return(atomic_t* v, Loc loc = Loc::current()) { return atomic_add_return(-1, v, loc); }
inline bool atomic_dec_and_test(atomic_t* v, Loc loc = Loc::current()) { return atomic_add_return(-1, v, loc) == 0; }
inline int atomic_fetch_add(int i, atomic_t* v, Loc loc = Loc::current()) { return atomic_add_return(i, v, loc) - i; }
inline int atomic_cmpxchg(atomic_t* v, int old, int nv, Loc loc = Loc::current()) {
  sched_point(v, Access::Write, loc);
  const int cur = v->counter;
  if (cur == old) v->counter = nv;
  return cur;
}

// cmpxchg on a pointer-sized location (the s_dio_done_wq publish).
template <class T>
T* cmpxchg(T** p, T* old, T* nv, Loc loc = Loc::current()) {
  sched_point(p, Access::Write, loc);
  T* cur = *p;
  if (cur == old) *p = nv;
  return cur;
}

// READ_ONCE / WRITE_ONCE of shared fields: a step of its own.
template <class T>
T READ_ONCE(const T& x, Loc loc = Loc::current()) {
  sched_point(&x, Access::Read, loc);
  return x;
}
template <class T>
void WRITE_ONCE(T& x, T v, Loc loc = Loc::current()) {
  sched_point(&x, Access::Write, loc);
  x = v;
}

}  // namespace dc::kern
