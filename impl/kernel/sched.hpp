// The bridge from kernel-style code to the deterministic scheduler: the current actor, its
// context, scheduling points, and the checks every primitive shares (might_sleep, BUG).
#pragma once
#include <cstdint>
#include <source_location>
#include <string>

#include "harness/sched/scheduler.hpp"
#include "impl/kernel/ktrace.hpp"

namespace dc::kern {

using sched::Access;
using sched::ActorId;
using sched::Ctx;
// The call site of a primitive, for interleaving coverage: every primitive takes it as a
// defaulted last parameter, so the site is the kernel function that called it.
#if defined(__cpp_lib_source_location)
using Loc = std::source_location;
#else
// clang 14 (the `fuzz` preset) lacks the builtin libstdc++'s <source_location> needs; its
// __builtin_FUNCTION / __builtin_LINE give the same site (the bare function name, which
// harness::site_name reduces GCC's signatures to anyway).
struct Loc {
  const char* fn;
  std::uint_least32_t ln;
  static constexpr Loc current(const char* f = __builtin_FUNCTION(), std::uint_least32_t l = __builtin_LINE()) noexcept {
    return {f, l};
  }
  constexpr const char* function_name() const noexcept { return fn; }
  constexpr std::uint_least32_t line() const noexcept { return ln; }
};
#endif
inline sched::Site site_of(const Loc& l) { return {l.function_name(), l.line()}; }

inline sched::Scheduler& scheduler() { return sched::Scheduler::current(); }
inline ActorId current_actor() { return scheduler().self(); }
// Outside any actor (boot: Machine::start builds the machine from the main context) the
// code runs as process context.
inline bool in_interrupt() {
  return scheduler().self() != sched::kNoActor && scheduler().ctx() == Ctx::Interrupt;
}

// A scheduling point before a step that touches `obj`.
inline void sched_point(const void* obj, Access a = Access::Write, Loc loc = Loc::current()) {
  scheduler().point(obj, a, site_of(loc));
}

// The current step also touches `obj` (no scheduling point of its own): recorded for the
// dependence analysis of dfs/DPOR, free for the other strategies. Use it for every shared
// field the engine reads or writes between two points that the point does not announce.
inline void kaccess(const void* obj, Access a, Loc loc = Loc::current()) {
  sched::Scheduler::note_access(obj, a, site_of(loc));
}

// A plain load or store of shared inode, superblock or mapping state that the kernel does
// without a lock (i_size, nrpages, XFS di_size, ext4 i_disksize tests): a scheduling point
// before it, so every strategy (not only DPOR) can put another actor's step right there; a
// recorded access when the machine is still booting outside any actor. impl/README.md lists
// the sites.
inline void unlocked_access(const void* obj, Access a, Loc loc = Loc::current()) {
  if (current_actor() == sched::kNoActor)
    kaccess(obj, a, loc);
  else
    sched_point(obj, a, loc);
}

// Every primitive that may sleep calls this first. In interrupt context it is a finding
// ("BUG: sleeping function called from invalid context"), reported and then carried on
// from, as the kernel does.
void might_sleep(const char* what);

// A kernel BUG()/BUG_ON(): reported as a finding, then the execution is abandoned.
[[noreturn]] void BUG(const std::string& what);
inline void BUG_ON(bool cond, const char* what) {
  if (cond) BUG(what);
}
// WARN_ON(): reported as a finding, execution continues.
void WARN(const std::string& what);
inline bool WARN_ON(bool cond, const char* what) {
  if (cond) WARN(what);
  return cond;
}

}  // namespace dc::kern
