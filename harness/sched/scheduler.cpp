#include "harness/sched/scheduler.hpp"

#include <boost/fiber/algo/algorithm.hpp>
#include <boost/fiber/algo/round_robin.hpp>
#include <boost/fiber/context.hpp>
#include <boost/fiber/operations.hpp>
#include <boost/fiber/scheduler.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <utility>

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

// The Boost.Fiber side: never chooses by itself. During executions the Scheduler switches
// between contexts directly and Boost's scheduler is not involved; it runs only when the
// destructor joins the slots' fibers (teardown_next_) and lets the dispatcher reclaim them.
// Slot contexts stay "ready" in Boost's eyes for their whole life; which one runs is the
// Scheduler's business.
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
    return main_ != nullptr || dispatcher_ != nullptr;
  }
  // Single-threaded and timer-free: nothing can become ready while we sleep.
  void suspend_until(std::chrono::steady_clock::time_point const&) noexcept override {}
  void notify() noexcept override {}

 private:
  Scheduler& s_;
  boost::fibers::context* main_ = nullptr;
  boost::fibers::context* dispatcher_ = nullptr;
};

// The schedulers alive on this thread. Slot fibers never end by themselves, and Boost's
// dispatcher will not let a thread exit while a fiber of it lives: a Scheduler that is
// leaked (a test's never-destroyed singleton) would hang the thread's exit. This registry is
// a thread_local built after Boost's (the Scheduler's constructor touches Boost first), so
// it is destroyed before Boost's and ends the slots of whatever Scheduler is still alive.
namespace {
struct LiveSchedulers {
  std::vector<Scheduler*> live;
  ~LiveSchedulers() {
    while (!live.empty()) {
      Scheduler* s = live.back();
      live.pop_back();
      s->end_slots();
    }
  }
};
LiveSchedulers& live_schedulers() {
  thread_local LiveSchedulers l;
  return l;
}
}  // namespace

Scheduler::Scheduler(SchedulerOptions opts)
    : opts_(opts), stacks_(opts.stack_size, opts.guard_pages) {
  install();
  live_schedulers().live.push_back(this);
}

// Several Schedulers may live on one thread (a shrinker measuring a case while its own
// runner exists); whichever runs an execution installs its algorithm first.
void Scheduler::install() {
  if (tl_installed_ == this) return;
  boost::fibers::context::active()->get_scheduler()->set_algo(new FiberAlgorithm(*this));
  tl_installed_ = this;
}

Scheduler::~Scheduler() {
  if (slots_ended_) return;  // the thread's exit ended them (LiveSchedulers)
  auto& l = live_schedulers().live;
  l.erase(std::remove(l.begin(), l.end(), this), l.end());
  end_slots();
}

void Scheduler::end_slots() {
  slots_ended_ = true;
  // End the slots' fibers: each returns from slot_main() when resumed with quit set.
  bool any = false;
  for (auto& a : actors_) {
    if (!a->fiber.joinable()) continue;
    install();
    a->quit = true;
    teardown_next_ = a->fctx;
    a->fiber.join();
    asan_arrived();
    any = true;
  }
  // Terminated fibers are reclaimed by the dispatcher, which runs only when main yields;
  // their stacks go back to stacks_, so this must happen before stacks_ is destroyed.
  if (any) {
    boost::this_fiber::yield();
    asan_arrived();
  }
  // Hand the thread's main and dispatcher contexts to a plain algorithm: Boost keeps
  // using the thread's fiber scheduler after we are gone (another Scheduler, thread exit).
  if (tl_installed_ == this) {
    boost::fibers::context::active()->get_scheduler()->set_algo(new boost::fibers::algo::round_robin());
    tl_installed_ = nullptr;
  }
  if (tl_current_ == this) tl_current_ = nullptr;
}

void Scheduler::start_slot(ActorId id) {
  Actor& a = *actors_[id];
  a.asan_fake = nullptr;
  registering_ = id;  // the new fiber's context reaches on_awakened() during construction
  a.fiber = boost::fibers::fiber(std::allocator_arg, PooledStack(stacks_),
                                 [this, id] { slot_main(id); });
  registering_ = kNoActor;
  a.stack_lo = static_cast<const char*>(stacks_.last().sp) - stacks_.last().size;
  a.stack_size = stacks_.last().size;
}

// A slot's fiber: runs one body per execution, and between executions waits, switched
// away, until it is given the next body or told to quit.
void Scheduler::slot_main(ActorId id) {
  Actor& a = *actors_[id];
  for (;;) {
    asan_arrived();
    if (a.quit) return;
    if (!aborting_) {
      try {
        a.body();
      } catch (const Unwind&) {
      } catch (const std::exception& e) {
        actor_failed(e.what());
      } catch (...) {
        actor_failed("unknown exception");
      }
    }
    a.body.reset();
    actor_ended(id);
    const ActorId next = next_after_end();
    go(id, next);
  }
}

void Scheduler::begin(Strategy& strategy, std::uint64_t seed) {
  install();
  strategy_ = &strategy;
  strategy_->begin(seed);
  log_ = strategy_->step_log();
  count_ = live_ = blocked_ = 0;
  runnable_.clear();
  cur_ = kNoActor;
  home_ = boost::fibers::context::active();
  aborting_ = false;
  outcome_ = {};
  stats_ = {};
  in_execution_ = true;
  tl_current_ = this;
}

Outcome Scheduler::finish() {
  // Home runs the actors and is switched back to when the last one has ended.
  if (live_ > 0) {
    go(kNoActor, next_after_end());
    asan_arrived();
  }
  in_execution_ = false;
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
  go(cur_, next);
  resumed();
}

void Scheduler::go(ActorId from, ActorId to) noexcept {
  cur_ = to;
  boost::fibers::context* target = to == kNoActor ? home_ : actors_[to]->fctx;
#ifdef DC_ASAN
  asan_switching(from == kNoActor ? nullptr : actors_[from].get(),
                 to == kNoActor ? nullptr : actors_[to].get());
#else
  (void)from;
#endif
  target->resume();
}

void Scheduler::resumed() {
  asan_arrived();
  if (aborting_) unwind();
}

#ifdef DC_ASAN
// Stacks change behind ASan's back; tell it. The dispatcher context (a Boost-owned stack of
// unknown bounds) only ever trades control with main here and runs no code that throws, so
// those two switches are left unannounced: ASan keeps believing it is on main.
Scheduler::Actor* Scheduler::actor_of(const boost::fibers::context* c) noexcept {
  for (auto& a : actors_)
    if (a->fctx == c) return a.get();
  return nullptr;
}

// Boost's own switches: the destructor joining slots, slots returning to main for good.
void Scheduler::asan_switching(boost::fibers::context* to) noexcept {
  using boost::fibers::type;
  boost::fibers::context* from = boost::fibers::context::active();
  if (from == to || from->is_context(type::dispatcher_context) ||
      to->is_context(type::dispatcher_context))
    return;
  Actor* to_actor = to->is_context(type::main_context) ? nullptr : actor_of(to);
  if (!to_actor && !to->is_context(type::main_context)) return;
  asan_switching(from->is_context(type::main_context) ? nullptr : actor_of(from), to_actor);
}

void Scheduler::asan_switching(Actor* from, Actor* to) noexcept {
  if (asan_dest_fake_) return;
  const void* lo;
  std::size_t size;
  void** dest_fake;
  if (!to) {
    if (!asan_main_lo_) return;  // not known before main's first switch away
    lo = asan_main_lo_;
    size = asan_main_size_;
    dest_fake = &asan_main_fake_;
  } else {
    lo = to->stack_lo;
    size = to->stack_size;
    dest_fake = &to->asan_fake;
  }
  asan_from_main_ = from == nullptr;
  // nullptr: a slot's fiber leaving for good (teardown), its fake stack may go.
  void** save = !from ? &asan_main_fake_ : from->quit ? nullptr : &from->asan_fake;
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
  // A slot's fiber being created; slots are never queued (the Scheduler resumes them).
  if (registering_ != kNoActor) actors_[registering_]->fctx = c;
}

boost::fibers::context* Scheduler::on_pick_next() noexcept {
  // Only the destructor's joins switch through Boost: to the slot being joined, then back.
  return std::exchange(teardown_next_, nullptr);
}

ActorId Scheduler::first_live() const {
  for (std::size_t i = 0; i < count_; ++i)
    if (actors_[i]->state != State::Done) return static_cast<ActorId>(i);
  return kNoActor;
}

ActorId Scheduler::next_after_end() {
  if (live_ == 0) return kNoActor;
  if (aborting_) return first_live();
  if (collect_runnable() > 0) {
    const ActorId was = cur_;
    cur_ = (was != kNoActor && actors_[was]->state == State::Done) ? was : kNoActor;
    return choose(false);
  }
  // Every live actor is blocked: deadlock. Unwind them one by one.
  aborting_ = true;
  outcome_.kind = Outcome::Kind::Deadlock;
  outcome_.detail = describe_deadlock();
  return first_live();
}

}  // namespace dc::sched
