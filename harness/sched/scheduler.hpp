// The deterministic scheduler: runs the actors of one execution as Boost fibers on the
// calling thread, one at a time, and asks a Strategy at every scheduling point which
// runnable actor continues. Nothing else ever chooses, so a seed (or a recorded decision
// list) determines the whole interleaving.
//
// Scheduling points: kernel primitives call point() *before* each visible step (lock,
// atomic op, queue_work, ...); code between two points is one atomic step. An actor that
// must wait calls block(obj) and stays unrunnable until some step calls wake(obj).
// Many executions run back to back on one Scheduler; each one is begin() .. spawn()* ..
// finish(). Actor i of every execution runs on the same long-lived fiber (slot i), which
// loops over bodies: creating, starting, terminating and reclaiming a Boost fiber per actor
// was a fifth of a small execution. Switches go straight to the chosen fiber's context;
// Boost's scheduler and our FiberAlgorithm only see the slots being created and torn down.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/fiber/fiber.hpp>

#include "harness/sched/actor_body.hpp"
#include "harness/sched/asan.hpp"
#include "harness/sched/outcome.hpp"
#include "harness/sched/stack_pool.hpp"
#include "harness/sched/strategy.hpp"
#include "harness/sched/types.hpp"

namespace dc::sched {

class FiberAlgorithm;

// Thrown inside actors to unwind them when the execution is being abandoned
// (deadlock, step limit, fatal finding). Actor bodies must let it pass.
struct Unwind {};

struct SchedulerOptions {
  std::uint64_t step_limit = 200'000;  // scheduling points per execution
  std::size_t stack_size = 128 * 1024;
  bool guard_pages = false;
};

struct ExecutionStats {
  std::uint64_t points = 0;     // scheduling points reached
  std::uint64_t decisions = 0;  // points with a real choice
  std::uint64_t switches = 0;   // decisions that ran a different actor
  std::uint64_t preemptions = 0;  // switches away from an actor that could have continued
  std::uint32_t actors = 0;
};

// Several may exist on one thread (each execution installs its own algorithm). Keep them on
// the stack or thread_local, never in a static:
// its destructor talks to the thread's Boost.Fiber scheduler, which is gone at static
// destruction time.
class Scheduler {
 public:
  explicit Scheduler(SchedulerOptions opts = {});
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // The scheduler of the execution running on this thread (valid inside actors).
  static Scheduler& current() { return *tl_current_; }
  static bool active() { return tl_current_ != nullptr && tl_current_->in_execution_; }

  // ---- lifecycle, from the thread's main context (or spawn() from an actor) ----
  void begin(Strategy& strategy, std::uint64_t seed);
  template <class Fn>
  ActorId spawn(std::string name, Ctx ctx, Fn&& body);
  // Runs every actor to its end (or abandons them on a fatal verdict) and reclaims them.
  Outcome finish();

  // ---- from inside actors ----
  void point(const void* obj, Access access, Site site = {});
  void block(const void* obj, const char* what);
  void wake(const void* obj);  // every actor blocked on obj becomes runnable
  // The running step also touches (obj, a), with no scheduling point of its own (a slab
  // check, a field read between two points). Only strategies that keep a step log (dfs)
  // see it; for the others it is one not-taken branch. Ignored outside actors.
  void access(const void* obj, Access a, Site site = {}) {
    if (cur_ == kNoActor) return;
    if (log_) log_->push_back({StepRecord::Kind::Access, a, cur_, obj});
    if (observer_) observer_->on_access(cur_, obj, a, site);
  }
  // access() on the execution running on this thread, if any (code shared with setup).
  static void note_access(const void* obj, Access a, Site site = {}) {
    if (Scheduler* s = tl_current_) s->access(obj, a, site);
  }
  // Every access of the following executions goes to `o` too (nullptr: none).
  void set_observer(AccessObserver* o) { observer_ = o; }
  std::uint64_t draw(std::uint64_t bound);
  // Ends the execution with a verdict: unwinds every actor (throws Unwind in the caller).
  [[noreturn]] void abandon(Outcome::Kind kind, std::string detail);
  // Abandon from outside any actor step (e.g. an observer decides mid-run); takes effect at
  // the next scheduling point of every actor.
  void request_abandon(Outcome::Kind kind, std::string detail);

  ActorId self() const { return cur_; }
  Ctx ctx() const { return actors_[cur_]->ctx; }
  Ctx ctx_of(ActorId id) const { return actors_[id]->ctx; }
  const std::string& name(ActorId id) const { return actors_[id]->name; }
  std::size_t actor_count() const { return count_; }
  bool abandoning() const { return aborting_; }
  const ExecutionStats& stats() const { return stats_; }
  const SchedulerOptions& options() const { return opts_; }
  const StackPool& stacks() const { return stacks_; }
  // Ends every slot's fiber and hands the thread back to Boost's round_robin (the
  // destructor, or the thread's exit for a Scheduler that was never destroyed).
  void end_slots();

 private:
  friend class FiberAlgorithm;
  enum class State : std::uint8_t { Ready, Blocked, Done };
  struct Actor {
    boost::fibers::fiber fiber;                 // the slot's fiber, kept across executions
    boost::fibers::context* fctx = nullptr;     // its Boost context, switched to directly
    ActorBody body;                             // this execution's body
    bool quit = false;                          // the slot's fiber returns (teardown)
    std::string name;
    Ctx ctx = Ctx::Process;
    State state = State::Ready;
    const void* blocked_on = nullptr;
    const char* wait_what = "";
    // The actor's fiber stack and ASan's saved fake stack (used by ASan builds only).
    const void* stack_lo = nullptr;
    std::size_t stack_size = 0;
    void* asan_fake = nullptr;
  };

  void start_slot(ActorId id);
  void slot_main(ActorId id);
  void actor_ended(ActorId id) noexcept;
  // Who runs after an actor ended (or when home starts the actors): kNoActor = home.
  ActorId next_after_end();
  ActorId first_live() const;
  // Switches from actor `from` (kNoActor: home) to actor `to` (kNoActor: home).
  void go(ActorId from, ActorId to) noexcept;
  void actor_failed(const char* what) noexcept;
  // The runnable actors (ascending ids) are kept in runnable_ as states change, so a
  // scheduling point does not rescan every actor; this returns their number.
  std::size_t collect_runnable();
  void mark_runnable(ActorId id);
  void unmark_runnable(ActorId id);
  ActorId choose(bool current_runnable);
  void switch_to(ActorId next);
  void resumed();
  [[noreturn]] void unwind();
  std::string describe_deadlock() const;
  // FiberAlgorithm hooks
  void on_awakened(boost::fibers::context* c) noexcept;
  boost::fibers::context* on_pick_next() noexcept;
  // ASan fiber annotations: asan_switching() runs on the old stack just before a switch
  // to `to`; asan_arrived() is the first thing every context does after a switch
  // (resumed(), slot_main(), finish()). No-ops unless built with -fsanitize=address.
#ifdef DC_ASAN
  void asan_switching(boost::fibers::context* to) noexcept;  // a switch Boost makes
  void asan_switching(Actor* from, Actor* to) noexcept;      // nullptr: home
  void asan_arrived() noexcept;
  Actor* actor_of(const boost::fibers::context* c) noexcept;
  const void* asan_main_lo_ = nullptr;  // the thread's own stack, as ASan reported it
  std::size_t asan_main_size_ = 0;
  void* asan_main_fake_ = nullptr;
  void** asan_dest_fake_ = nullptr;  // non-null while a switch is announced, not finished
  bool asan_from_main_ = false;
#else
  void asan_arrived() noexcept {}
#endif

  SchedulerOptions opts_;
  StackPool stacks_;
  Strategy* strategy_ = nullptr;
  std::vector<std::unique_ptr<Actor>> actors_;  // stable addresses; reused across executions
  std::size_t count_ = 0;
  std::size_t live_ = 0;
  std::size_t blocked_ = 0;          // actors in State::Blocked (wake() is a no-op at 0)
  std::vector<ActorId> runnable_;    // actors in State::Ready, ascending
  std::vector<PendingOp> pending_;
  StepLog* log_ = nullptr;  // the strategy's step log, or nullptr (then nothing is logged)
  AccessObserver* observer_ = nullptr;
  ActorId cur_ = kNoActor;
  ActorId registering_ = kNoActor;
  boost::fibers::context* home_ = nullptr;           // the context running begin/finish
  boost::fibers::context* teardown_next_ = nullptr;  // the slot the destructor joins
  bool in_execution_ = false;
  bool slots_ended_ = false;
  bool aborting_ = false;
  Outcome outcome_;
  ExecutionStats stats_;
  static thread_local Scheduler* tl_current_;
  static thread_local Scheduler* tl_installed_;  // whose FiberAlgorithm Boost is using
  void install();
};

template <class Fn>
ActorId Scheduler::spawn(std::string name, Ctx ctx, Fn&& body) {
  const auto id = static_cast<ActorId>(count_);
  if (count_ == actors_.size()) actors_.push_back(std::make_unique<Actor>());
  Actor& a = *actors_[count_++];
  a.name = std::move(name);
  a.ctx = ctx;
  a.state = State::Ready;
  a.blocked_on = nullptr;
  a.body.emplace(std::forward<Fn>(body));
  if (pending_.size() < count_) pending_.resize(count_);
  pending_[id] = {};
  runnable_.push_back(id);  // the highest id so far: stays ascending
  ++live_;
  ++stats_.actors;
  if (log_) log_->push_back({StepRecord::Kind::Spawn, Access::None, id, nullptr});
  if (!a.fctx) start_slot(id);
  return id;
}

}  // namespace dc::sched
