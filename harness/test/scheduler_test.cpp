#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>

#include "harness/sched/pct.hpp"
#include "harness/sched/random.hpp"
#include "harness/sched/replay.hpp"
#include "harness/test/small_program.hpp"
#include "impl/kernel/atomic.hpp"
#include "impl/kernel/mutex.hpp"

namespace dc::test {
namespace {

using sched::Ctx;

// Two actors, three steps each; the observed order of steps identifies the interleaving.
std::string interleave_once(sched::Scheduler& s, sched::Strategy& st, std::uint64_t seed) {
  std::string order;
  static int token;
  run_program(s, st, seed, [&](sched::Scheduler& sc) {
    for (char name : {'a', 'b'})
      sc.spawn(std::string(1, name), Ctx::Process, [&order, name] {
        for (int i = 0; i < 3; ++i) {
          kern::sched_point(&token);
          order += name;
        }
      });
  });
  return order;
}

TEST(Scheduler, RandomReachesEveryInterleavingOfTwoActors) {
  sched::Scheduler s;
  sched::RandomStrategy random;
  std::set<std::string> seen;
  for (std::uint64_t seed = 0; seed < 2000; ++seed) seen.insert(interleave_once(s, random, seed));
  EXPECT_EQ(seen.size(), 20u);  // C(6,3): the current actor may continue at every point
}

TEST(Scheduler, SameSeedSameScheduleAndTrace) {
  sched::Scheduler s;
  sched::RandomStrategy random;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    auto once = [&] {
      return run_program(s, random, seed, [](sched::Scheduler& sc) {
        static kern::atomic_t v;
        v.counter = 0;
        for (int t = 0; t < 3; ++t)
          sc.spawn("t" + std::to_string(t), Ctx::Process, [] {
            for (int i = 0; i < 4; ++i) kern::ktrace(model::EvKind::AtomicOp, 1, kern::atomic_inc_return(&v));
          });
      });
    };
    const RunResult a = once(), b = once();
    EXPECT_EQ(a.schedule, b.schedule);
    EXPECT_EQ(a.hash, b.hash);
    EXPECT_FALSE(a.schedule.decisions.empty());
  }
}

struct LostUpdate {
  int counter = 0;
  int token = 0;
  void spawn(sched::Scheduler& sc) {
    counter = 0;
    for (int t = 0; t < 2; ++t)
      sc.spawn("inc" + std::to_string(t), Ctx::Process, [this] {
        kern::sched_point(&token, sched::Access::Read);
        const int seen = counter;  // read ...
        kern::sched_point(&token);
        counter = seen + 1;        // ... then write: a classic lost update
      });
  }
};

TEST(Scheduler, ReplayReproducesTheTraceExactly) {
  sched::Scheduler s;
  sched::RandomStrategy random;
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    LostUpdate p;
    const RunResult rec = run_program(s, random, seed, [&](sched::Scheduler& sc) { p.spawn(sc); });
    const int recorded = p.counter;
    sched::ReplayStrategy replay(rec.schedule);
    const RunResult again = run_program(s, replay, 0, [&](sched::Scheduler& sc) { p.spawn(sc); });
    EXPECT_FALSE(replay.divergence().has_value());
    EXPECT_EQ(again.hash, rec.hash);
    EXPECT_EQ(again.schedule.decisions, rec.schedule.decisions);
    EXPECT_EQ(p.counter, recorded);
  }
}

TEST(Scheduler, EditedScheduleDivergesAtTheEditedStep) {
  sched::Scheduler s;
  sched::RandomStrategy random;
  LostUpdate p;
  const RunResult rec = run_program(s, random, 7, [&](sched::Scheduler& sc) { p.spawn(sc); });
  ASSERT_GE(rec.schedule.decisions.size(), 2u);
  sched::Schedule edited = rec.schedule;
  edited.decisions[1].value = 9;  // no actor 9 exists
  sched::ReplayStrategy replay(sched::decode(sched::encode(edited)));
  run_program(s, replay, 0, [&](sched::Scheduler& sc) { p.spawn(sc); });
  ASSERT_TRUE(replay.divergence().has_value());
  EXPECT_EQ(replay.divergence()->step, 1u);
  EXPECT_NE(replay.divergence()->detail.find("actor 9"), std::string::npos);

  sched::Schedule shorter = rec.schedule;
  shorter.decisions.pop_back();
  sched::ReplayStrategy replay2(shorter);
  run_program(s, replay2, 0, [&](sched::Scheduler& sc) { p.spawn(sc); });
  ASSERT_TRUE(replay2.divergence().has_value());
  EXPECT_EQ(replay2.divergence()->step, shorter.decisions.size());
}

TEST(Scheduler, RandomAndPctBothFindTheLostUpdate) {
  sched::Scheduler s;
  sched::RandomStrategy random;
  sched::PctStrategy pct(2);
  for (sched::Strategy* st : {static_cast<sched::Strategy*>(&random), static_cast<sched::Strategy*>(&pct)}) {
    int lost = 0;
    for (std::uint64_t seed = 0; seed < 200; ++seed) {
      LostUpdate p;
      run_program(s, *st, seed, [&](sched::Scheduler& sc) { p.spawn(sc); });
      lost += p.counter == 1;
    }
    EXPECT_GT(lost, 0);
    EXPECT_LT(lost, 200);
  }
}

TEST(Scheduler, DeadlockNamesEachActorAndWhatItWaitsOn) {
  sched::Scheduler s;
  sched::RandomStrategy random;
  bool seen = false;
  for (std::uint64_t seed = 0; seed < 200 && !seen; ++seed) {
    kern::mutex a, b;
    const RunResult r = run_program(s, random, seed, [&](sched::Scheduler& sc) {
      kern::mutex_init(&a);
      kern::mutex_init(&b);
      sc.spawn("ab", Ctx::Process, [&] { kern::mutex_lock(&a); kern::mutex_lock(&b); kern::mutex_unlock(&b); kern::mutex_unlock(&a); });
      sc.spawn("ba", Ctx::Process, [&] { kern::mutex_lock(&b); kern::mutex_lock(&a); kern::mutex_unlock(&a); kern::mutex_unlock(&b); });
    });
    if (r.outcome.kind == sched::Outcome::Kind::Deadlock) {
      seen = true;
      EXPECT_NE(r.outcome.detail.find("[ab waits on mutex]"), std::string::npos) << r.outcome.detail;
      EXPECT_NE(r.outcome.detail.find("[ba waits on mutex]"), std::string::npos) << r.outcome.detail;
    } else {
      EXPECT_TRUE(r.outcome.ok());
    }
  }
  EXPECT_TRUE(seen);
}

TEST(Scheduler, StepLimitTurnsLivelockIntoAVerdict) {
  sched::Scheduler s({.step_limit = 1000});
  sched::RandomStrategy random;
  int flag = 0;
  const RunResult r = run_program(s, random, 1, [&](sched::Scheduler& sc) {
    sc.spawn("spinner", Ctx::Process, [&] { while (kern::READ_ONCE(flag) == 0) {} });
  });
  EXPECT_EQ(r.outcome.kind, sched::Outcome::Kind::StepLimit);
}

TEST(Scheduler, ActorsSpawnedByActorsRunAndAreJoined) {
  sched::Scheduler s;
  sched::RandomStrategy random;
  int ran = 0;
  const RunResult r = run_program(s, random, 3, [&](sched::Scheduler& sc) {
    sc.spawn("parent", Ctx::Process, [&] {
      for (int i = 0; i < 3; ++i)
        kern::scheduler().spawn("irq" + std::to_string(i), Ctx::Interrupt, [&] { kern::sched_point(&ran); ++ran; });
    });
  });
  EXPECT_TRUE(r.outcome.ok());
  EXPECT_EQ(ran, 3);
}

TEST(Scheduler, TenThousandExecutionsKeepStacksAndActorsBounded) {
  sched::Scheduler s;
  sched::RandomStrategy random;
  kern::mutex m;
  for (std::uint64_t seed = 0; seed < 10'000; ++seed) {
    const RunResult r = run_program(s, random, seed, [&](sched::Scheduler& sc) {
      kern::mutex_init(&m);
      for (int t = 0; t < 3; ++t)
        sc.spawn("t", Ctx::Process, [&] { kern::mutex_lock(&m); kern::mutex_unlock(&m); });
    });
    ASSERT_TRUE(r.outcome.ok());
  }
  // Three actors at a time: three slots, each keeping its fiber and stack across all the
  // executions (nothing accumulates, nothing goes back to the pool while the slot lives).
  EXPECT_EQ(s.stacks().stacks_created(), 3u);
  EXPECT_EQ(s.stacks().stacks_free(), 0u);
}

// Slot fibers live as long as their Scheduler, and Boost will not let a thread exit while a
// fiber of it lives: a Scheduler that is never destroyed must not hang its thread's exit
// (a hang fails this test by ctest's timeout).
TEST(Scheduler, ANeverDestroyedSchedulerDoesNotHangItsThreadsExit) {
  bool ran = false;
  // Never destroyed on purpose; kept reachable so that LeakSanitizer does not count it.
  static sched::Scheduler* volatile never_destroyed = nullptr;  // volatile: the store stays
  std::thread t([&ran] {
    never_destroyed = new sched::Scheduler();
    sched::Scheduler* s = never_destroyed;
    sched::RandomStrategy random;
    static int token;
    ran = run_program(*s, random, 1, [](sched::Scheduler& sc) {
            for (int i = 0; i < 2; ++i) sc.spawn("t", Ctx::Process, [] { kern::sched_point(&token); });
          }).outcome.ok();
  });
  t.join();
  EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace dc::test
