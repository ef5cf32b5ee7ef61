#include "harness/sched/scheduler.hpp"

#include <boost/fiber/algo/algorithm.hpp>
#include <boost/fiber/algo/round_robin.hpp>
#include <boost/fiber/context.hpp>
#include <boost/fiber/operations.hpp>
#include <boost/fiber/scheduler.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

namespace dc::sched {

thread_local Scheduler* Scheduler::tl_current_ = nullptr;
thread_local Scheduler* Scheduler::tl_installed_ = nullptr;

const char* to_string(Outcome::Kind k) {
  switch (k) {
    case Outcome::Kind::Ok: return "ok";
    case Outcome::Kind::Deadlock: return "deadlock";
    case Outcome::Kind::StepLimit: return "step-limit";
    case Outcome::Kind::Bug: return "bug";
    case Outcome::Kind::Crash: return "crash";
  }
  return "?";
}

// The Boost.Fiber side: never chooses by itself. Actor contexts stay "ready" in Boost's
// eyes for their whole life (blocked ones included); which one runs is the Scheduler's
// business. The main and dispatcher contexts run only when no actor can.
class FiberAlgorithm final : public boost::fibers::algo::algorithm {
 public:
  explicit FiberAlgorithm(Scheduler& s) : s_(s) {}
  void awakened(boost::fibers::context* c) noexcept override {
    if (c->is_context(boost::fibers::type::main_context)) {
      main_ = c;
    } else if (c->is_context(boost::fibers::type::dispatcher_context)) {
      dispatcher_ = c;
    } else {
      s_.on_awakened(c);
    }
  }
  boost::fibers::context* pick_next() noexcept override {
    boost::fibers::context* c = s_.on_pick_next();
    if (!c) {
      c = main_ ? main_ : dispatcher_;
      (main_ ? main_ : dispatcher_) = nullptr;
    }
#ifdef DC_ASAN
    if (c) s_.asan_switching(c);
#endif
    return c;
  }
  bool has_ready_fibers() const noexcept override {
    return main_ != nullptr || dispatcher_ != nullptr || s_.live_ > 0;
  }
  // Single-threaded and timer-free: nothing can become ready while we sleep.
  void suspend_until(std::chrono::steady_clock::time_point const&) noexcept override {}
  void notify() noexcept override {}

 private:
  Scheduler& s_;
  boost::fibers::context* main_ = nullptr;
  boost::fibers::context* dispatcher_ = nullptr;
};

Scheduler::Scheduler(SchedulerOptions opts)
    : opts_(opts), stacks_(opts.stack_size, opts.guard_pages) {
  install();
}

// Several Schedulers may live on one thread (a shrinker measuring a case while its own
// runner exists); whichever runs an execution installs its algorithm first.
void Scheduler::install() {
  if (tl_installed_ == this) return;
  boost::fibers::context::active()->get_scheduler()->set_algo(new FiberAlgorithm(*this));
  tl_installed_ = this;
}

Scheduler::~Scheduler() {
  // Hand the thread's main and dispatcher contexts to a plain algorithm: Boost keeps
  // using the thread's fiber scheduler after we are gone (another Scheduler, thread exit).
  if (tl_installed_ == this) {
    boost::fibers::context::active()->get_scheduler()->set_algo(new boost::fibers::algo::round_robin());
    tl_installed_ = nullptr;
  }
  if (tl_current_ == this) tl_current_ = nullptr;
}

void Scheduler::begin(Strategy& strategy, std::uint64_t seed) {
  install();
  strategy_ = &strategy;
  strategy_->begin(seed);
  log_ = strategy_->step_log();
  count_ = live_ = blocked_ = 0;
  runnable_.clear();
  cur_ = kNoActor;
  next_ = kNoActor;
  aborting_ = false;
  outcome_ = {};
  stats_ = {};
  in_execution_ = true;
  tl_current_ = this;
}

Outcome Scheduler::finish() {
  // Join by index: actors may spawn more actors while we wait.
  for (std::size_t i = 0; i < count_; ++i) {
    actors_[i]->fiber.join();
    asan_arrived();
  }
  in_execution_ = false;
  // Terminated fibers are reclaimed by the dispatcher, which runs only when main yields.
  boost::this_fiber::yield();
  asan_arrived();
  outcome_.step = stats_.points;
  strategy_->end();
  return std::move(outcome_);
}

std::size_t Scheduler::collect_runnable() {
#ifdef DIOCHECK_SANITIZE
  // Checked builds: the incremental set must equal a rescan of the states.
  std::size_t j = 0;
  for (std::size_t i = 0; i < count_; ++i)
    if (actors_[i]->state == State::Ready && (j >= runnable_.size() || runnable_[j++] != i))
      std::abort();
  if (j != runnable_.size()) std::abort();
#endif
  return runnable_.size();
}

void Scheduler::mark_runnable(ActorId id) {
  runnable_.insert(std::lower_bound(runnable_.begin(), runnable_.end(), id), id);
}

void Scheduler::unmark_runnable(ActorId id) {
  const auto it = std::lower_bound(runnable_.begin(), runnable_.end(), id);
  if (it != runnable_.end() && *it == id) runnable_.erase(it);
}

ActorId Scheduler::choose(bool current_runnable) {
  ActorId next;
  if (runnable_.size() == 1) {
    next = runnable_[0];
  } else {
    PickRequest req{runnable_, cur_, current_runnable, pending_, stats_.decisions};
    next = strategy_->pick(req);
    ++stats_.decisions;
    if (next != cur_) {
      ++stats_.switches;
      if (current_runnable) ++stats_.preemptions;
    }
  }
  if (log_) log_->push_back({StepRecord::Kind::Step, pending_[next].access, next, pending_[next].obj});
  return next;
}

void Scheduler::switch_to(ActorId next) {
  next_ = next;
  boost::this_fiber::yield();
  resumed();
}

void Scheduler::resumed() {
  asan_arrived();
  if (aborting_) unwind();
}

#ifdef DC_ASAN
// Boost switches stacks behind ASan's back; tell it. The dispatcher context (a Boost-owned
// stack of unknown bounds) only ever trades control with main here and runs no code that
// throws, so those two switches are left unannounced: ASan keeps believing it is on main.
Scheduler::Actor* Scheduler::actor_of(const boost::fibers::context* c) noexcept {
  for (std::size_t i = 0; i < count_; ++i)
    if (actors_[i]->fctx == c) return actors_[i].get();
  return nullptr;
}

void Scheduler::asan_switching(boost::fibers::context* to) noexcept {
  using boost::fibers::type;
  boost::fibers::context* from = boost::fibers::context::active();
  if (asan_dest_fake_ || from == to || from->is_context(type::dispatcher_context) ||
      to->is_context(type::dispatcher_context))
    return;
  const void* lo;
  std::size_t size;
  void** dest_fake;
  if (to->is_context(type::main_context)) {
    if (!asan_main_lo_) return;  // not known before main's first switch away
    lo = asan_main_lo_;
    size = asan_main_size_;
    dest_fake = &asan_main_fake_;
  } else {
    Actor* a = actor_of(to);
    if (!a) return;
    lo = a->stack_lo;
    size = a->stack_size;
    dest_fake = &a->asan_fake;
  }
  void** save;
  asan_from_main_ = from->is_context(type::main_context);
  if (asan_from_main_) {
    save = &asan_main_fake_;
  } else {
    Actor* a = actor_of(from);
    save = a && a->state != State::Done ? &a->asan_fake : nullptr;  // nullptr: leaving for good
  }
  asan_dest_fake_ = dest_fake;
  __sanitizer_start_switch_fiber(save, lo, size);
}

void Scheduler::asan_arrived() noexcept {
  if (!asan_dest_fake_) return;
  void* fake = *asan_dest_fake_;
  asan_dest_fake_ = nullptr;
  const void* old_lo = nullptr;
  std::size_t old_size = 0;
  __sanitizer_finish_switch_fiber(fake, &old_lo, &old_size);
  if (asan_from_main_ && !asan_main_lo_) {
    asan_main_lo_ = old_lo;
    asan_main_size_ = old_size;
  }
}
#endif

void Scheduler::unwind() { throw Unwind{}; }

void Scheduler::point(const void* obj, Access access, Site site) {
  if (aborting_) unwind();
  if (++stats_.points > opts_.step_limit)
    abandon(Outcome::Kind::StepLimit,
            fmt::format("no end after {} scheduling points (livelock?)", opts_.step_limit));
  pending_[cur_] = {obj, access};
  if (collect_runnable() == 1) {
    if (log_) log_->push_back({StepRecord::Kind::Step, access, cur_, obj});
  } else {
    const ActorId next = choose(true);
    if (next != cur_) switch_to(next);
  }
  if (observer_) observer_->on_access(cur_, obj, access, site);  // the step runs now
}

void Scheduler::block(const void* obj, const char* what) {
  if (aborting_) unwind();
  Actor& me = *actors_[cur_];
  me.state = State::Blocked;
  me.blocked_on = obj;
  me.wait_what = what;
  unmark_runnable(cur_);
  ++blocked_;
  if (collect_runnable() == 0) abandon(Outcome::Kind::Deadlock, describe_deadlock());
  switch_to(choose(false));
}

void Scheduler::wake(const void* obj) {
  if (log_) log_->push_back({StepRecord::Kind::Wake, Access::Write, cur_, obj});
  if (blocked_ == 0) return;
  for (std::size_t i = 0; i < count_; ++i) {
    Actor& a = *actors_[i];
    if (a.state == State::Blocked && a.blocked_on == obj) {
      a.state = State::Ready;
      a.blocked_on = nullptr;
      mark_runnable(static_cast<ActorId>(i));
      --blocked_;
      if (log_) log_->push_back({StepRecord::Kind::Enable, Access::None, static_cast<ActorId>(i), obj});
    }
  }
}

std::uint64_t Scheduler::draw(std::uint64_t bound) {
  if (bound <= 1) return 0;
  return strategy_->draw(bound);
}

void Scheduler::request_abandon(Outcome::Kind kind, std::string detail) {
  if (aborting_) return;
  aborting_ = true;
  outcome_.kind = kind;
  outcome_.detail = std::move(detail);
}

void Scheduler::abandon(Outcome::Kind kind, std::string detail) {
  request_abandon(kind, std::move(detail));
  unwind();
}

std::string Scheduler::describe_deadlock() const {
  std::string s = "every live actor is blocked:";
  for (std::size_t i = 0; i < count_; ++i) {
    const Actor& a = *actors_[i];
    if (a.state == State::Blocked) s += fmt::format(" [{} waits on {}]", a.name, a.wait_what);
  }
  return s;
}

void Scheduler::actor_failed(const char* what) noexcept {
  if (!aborting_) {
    aborting_ = true;
    outcome_.kind = Outcome::Kind::Bug;
    outcome_.detail = fmt::format("{}: {}", actors_[cur_]->name, what);
  }
}

void Scheduler::actor_ended(ActorId id) noexcept {
  Actor& a = *actors_[id];
  if (a.state == State::Blocked) --blocked_;  // unwound while blocked
  if (a.state == State::Ready) unmark_runnable(id);
  a.state = State::Done;
  --live_;
}

void Scheduler::on_awakened(boost::fibers::context* c) noexcept {
  if (registering_ != kNoActor) actors_[registering_]->fctx = c;
  // Otherwise an actor re-queued by yield: its state already says whether it may run.
}

boost::fibers::context* Scheduler::on_pick_next() noexcept {
  if (next_ != kNoActor) {
    cur_ = next_;
    next_ = kNoActor;
    return actors_[cur_]->fctx;
  }
  if (!in_execution_ || live_ == 0) {
    cur_ = kNoActor;
    return nullptr;
  }
  // The running actor ended, or main is waiting: choose among the runnable ones.
  ActorId next;
  if (aborting_) {
    next = kNoActor;
    for (std::size_t i = 0; i < count_ && next == kNoActor; ++i)
      if (actors_[i]->state != State::Done) next = static_cast<ActorId>(i);
  } else if (collect_runnable() > 0) {
    const ActorId was = cur_;
    cur_ = (was != kNoActor && actors_[was]->state == State::Done) ? was : kNoActor;
    next = choose(false);
  } else {
    // Every live actor is blocked: deadlock. Unwind them one by one.
    aborting_ = true;
    outcome_.kind = Outcome::Kind::Deadlock;
    outcome_.detail = describe_deadlock();
    next = kNoActor;
    for (std::size_t i = 0; i < count_ && next == kNoActor; ++i)
      if (actors_[i]->state != State::Done) next = static_cast<ActorId>(i);
  }
  cur_ = next;
  return actors_[next]->fctx;
}

}  // namespace dc::sched
