// Race analysis for source-DPOR (Abdulla, Aronis, Jonsson, Sagonas, POPL 2014), used by the
// dfs strategy after each execution. Input: the execution's events (one per executed step,
// forced ones included, built from the scheduler's StepLog). Output: every reversible race
// e_i < e_j with, for each, the set of initials of v = notdep(e_i).proc(e_j) — the actors
// that could start an execution which reverses the race from the state before e_i.
//
// Dependence: two steps of different actors are dependent when they touch the same object
// and at least one writes (Access::None touches nothing). A step's accesses are the one its
// scheduling point announced, its Access records (Scheduler::access) and, as writes, every
// object it called wake() on.
// Happens-before: program order, dependence in execution order, and "wake(obj) made this
// blocked actor runnable" / "this step spawned the actor" edges (vector clocks).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "harness/sched/obj_numbering.hpp"
#include "harness/sched/types.hpp"

namespace dc::sched {

using ActorMask = std::uint64_t;  // actor ids below 64
inline constexpr std::size_t kMaxMaskActors = 64;
inline constexpr ActorMask bit_of(ActorId a) { return ActorMask{1} << a; }

// One executed step: log[rec_begin, rec_end) are the Wake/Enable/Spawn records it made.
struct DporEvent {
  ActorId actor = kNoActor;
  Access access = Access::None;
  const void* obj = nullptr;
  std::uint32_t rec_begin = 0, rec_end = 0;
  std::int32_t node = -1;  // dfs pick node that chose this step, -1 for a forced step
  bool wide = false;       // touches more than its announced op (wake of another object,
                           // an Access record beyond (obj, access)), spawns, or draws
};

// What a Wake or Access record adds to its step's footprint (Access::None: nothing).
inline Access touched(const StepRecord& r) {
  if (r.kind == StepRecord::Kind::Wake) return Access::Write;
  if (r.kind == StepRecord::Kind::Access) return r.access;
  return Access::None;
}

// True if a step announcing `op` and the executed step `e` (with its records) conflict.
bool dependent(const PendingOp& op, const DporEvent& e, const StepLog& log);

struct DporRace {
  std::uint32_t i, j;   // event indices, i < j
  ActorMask initials;   // non-empty
};

class RaceAnalyzer {
 public:
  // Analyzes events[0, n) and returns the races whose earlier event was chosen at a pick
  // node (a race whose earlier event was forced cannot be reversed).
  const std::vector<DporRace>& analyze(const StepLog& log, std::span<const DporEvent> events);

 private:
  struct Slot {
    std::int32_t last_write = -1;
    std::int32_t reads = -1;  // head of the reads-since-last-write list in reads_
  };
  struct ReadLink {
    std::int32_t event, next;
  };
  Slot& slot(const void* key);
  void candidates(const void* obj, Access a, ActorId p);
  void apply(const void* obj, Access a, std::int32_t j);
  ActorMask initials(std::span<const DporEvent> ev, std::uint32_t i, std::uint32_t j);
  std::uint32_t* clock(std::size_t e) { return clk_.data() + e * actors_; }

  std::size_t actors_ = 0;
  std::vector<std::uint32_t> clk_;   // events x actors
  std::vector<std::uint32_t> tidx_;  // per event: its index within its actor, from 1
  std::vector<std::int32_t> last_;   // per actor: its latest event
  std::vector<std::uint32_t> inherit_;  // per actor: clock handed over by wake/spawn
  std::vector<std::uint8_t> has_inherit_;
  std::vector<std::uint32_t> pre_;
  std::vector<std::int32_t> cand_, racing_;
  std::vector<std::uint32_t> first_any_;
  std::vector<std::int32_t> first_v_;
  ObjNumbering objs_;
  std::vector<Slot> slots_;  // by object number
  std::vector<ReadLink> reads_;
  std::vector<DporRace> races_;
};

}  // namespace dc::sched
