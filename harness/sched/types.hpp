// Vocabulary shared by the scheduler, the strategies and the kernel primitives.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace dc::sched {

using ActorId = std::uint16_t;
inline constexpr ActorId kNoActor = 0xffff;

// Execution context of an actor, as the kernel sees it.
enum class Ctx : std::uint8_t { Process, Interrupt };

// What the actor is about to do at a scheduling point. Strategies that reason about
// dependence (sleep sets, DPOR) use it; the others ignore it.
enum class Access : std::uint8_t { Read, Write, None };

// Where in the engine an access is made: the function and line of the kernel code that
// called the primitive (std::source_location of the call). `fn` points to static storage, so
// a Site is a key for the life of the process; names are for reports (site_name()).
struct Site {
  const char* fn = nullptr;
  std::uint32_t line = 0;
  friend bool operator==(const Site&, const Site&) = default;
};

struct PendingOp {
  const void* obj = nullptr;  // the object the next step touches (lock, atomic, dio, ...)
  Access access = Access::None;
};

// Sees every access of an execution in the order the steps ran (interleaving coverage).
// A scheduling point's access is reported when its step runs, not when it is announced.
class AccessObserver {
 public:
  virtual ~AccessObserver() = default;
  virtual void on_access(ActorId actor, const void* obj, Access a, Site site) = 0;
};

// One question the scheduler asks a strategy: which of these runnable actors runs next.
struct PickRequest {
  std::span<const ActorId> runnable;  // ascending actor ids, never empty, size >= 2
  ActorId current;                    // the actor that reached the point, or kNoActor
  bool current_runnable;              // true at a preemption point, false when it blocked/ended
  std::span<const PendingOp> pending; // indexed by actor id: each actor's next step
  std::uint64_t step;                 // index of this decision within the execution
};

// One record of the per-execution step log, kept only for strategies that ask for it
// (Strategy::step_log(); dfs/DPOR). A Step is one executed step of `actor` whose scheduling
// point announced (obj, access); it is logged when the step starts, forced steps included.
// Wake, Enable, Spawn and Access records that follow a Step belong to it: Wake = the step
// called wake(obj) (an access to obj), Enable = that wake made `actor` runnable, Spawn = the
// step created `actor`, Access = the step also touched (obj, access) without a scheduling
// point of its own (Scheduler::access). Records before the first Step come from the main
// context (setup).
struct StepRecord {
  enum class Kind : std::uint8_t { Step, Wake, Enable, Spawn, Access };
  Kind kind = Kind::Step;
  Access access = Access::None;
  ActorId actor = kNoActor;
  const void* obj = nullptr;
};
using StepLog = std::vector<StepRecord>;

}  // namespace dc::sched
