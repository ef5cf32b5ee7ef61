// ASan + fibers (docs/sanitizers.md). In an ASan build these check that the fiber-switch
// annotations and the stack pool keep ASan exact: exceptions thrown on fiber stacks leave
// no false reports behind, and real stack overflows inside actors are still caught.
// In other builds they run as plain tests (the death test is ASan-only).
#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include "harness/sched/asan.hpp"
#include "harness/sched/random.hpp"
#include "harness/test/small_program.hpp"
#include "impl/kernel/mutex.hpp"

namespace dc::test {
namespace {

using sched::Ctx;

// Uses a fresh stack array at some depth: lands on stack memory that unwound frames used.
__attribute__((noinline)) int deep(int depth, int seed) {
  volatile char buf[512];
  std::memset(const_cast<char*>(buf), seed, sizeof buf);
  if (depth == 0) return buf[seed % 512];
  return deep(depth - 1, seed + 1) + buf[depth % 512];
}

__attribute__((noinline)) void throw_deep(int depth) {
  volatile char buf[256];
  buf[0] = static_cast<char>(depth);
  if (depth == 0) throw std::runtime_error("inner");
  throw_deep(depth - 1);
  buf[1] = buf[0];
}

TEST(Sanitizer, ExceptionsInsideActorsLeaveNoFalseReports) {
  sched::Scheduler s;
  sched::RandomStrategy random;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    int sum = 0;
    const RunResult r = run_program(s, random, seed, [&](sched::Scheduler& sc) {
      for (int t = 0; t < 3; ++t)
        sc.spawn("t" + std::to_string(t), Ctx::Process, [&sum, t] {
          for (int i = 0; i < 3; ++i) {
            try {
              throw_deep(8 + t);
            } catch (const std::runtime_error&) {
            }
            kern::sched_point(&sum);
            sum += deep(12, t + i) != 0;  // reuses the stack the exception unwound
          }
        });
    });
    ASSERT_TRUE(r.outcome.ok()) << r.outcome.detail;
  }
}

TEST(Sanitizer, UnwindingAbandonedActorsLeavesNoFalseReports) {
  // Deadlocks unwind blocked actors with sched::Unwind; the stacks are then reused.
  sched::Scheduler s;
  sched::RandomStrategy random;
  int deadlocks = 0;
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    kern::mutex a, b;
    const RunResult r = run_program(s, random, seed, [&](sched::Scheduler& sc) {
      kern::mutex_init(&a);
      kern::mutex_init(&b);
      sc.spawn("ab", Ctx::Process, [&] {
        deep(6, 1);
        kern::mutex_lock(&a);
        kern::mutex_lock(&b);
        kern::mutex_unlock(&b);
        kern::mutex_unlock(&a);
      });
      sc.spawn("ba", Ctx::Process, [&] {
        kern::mutex_lock(&b);
        deep(10, 2);
        kern::mutex_lock(&a);
        kern::mutex_unlock(&a);
        kern::mutex_unlock(&b);
      });
      sc.spawn("other", Ctx::Process, [&] { deep(20, 3); });
    });
    deadlocks += r.outcome.kind == sched::Outcome::Kind::Deadlock;
  }
  EXPECT_GT(deadlocks, 0);
}

volatile int g_index = 16;  // opaque to the compiler: one past the end of buf

__attribute__((noinline)) int overflow_stack_array() {
  char buf[16] = {};
  char* volatile p = buf;
  p[g_index] = 1;
  return buf[3];
}

TEST(SanitizerDeathTest, StackOverflowInsideAnActorIsReported) {
  if (!sched::asan::kEnabled) GTEST_SKIP() << "not an ASan build";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        sched::Scheduler s;
        sched::RandomStrategy random;
        run_program(s, random, 1, [](sched::Scheduler& sc) {
          sc.spawn("t", Ctx::Process, [] {
            kern::sched_point(nullptr);
            overflow_stack_array();
          });
        });
      },
      "stack-buffer-overflow");
}

}  // namespace
}  // namespace dc::test
