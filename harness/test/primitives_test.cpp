#include <gtest/gtest.h>

#include "harness/sched/random.hpp"
#include "harness/test/small_program.hpp"
#include "impl/kernel/mutex.hpp"
#include "impl/kernel/workqueue.hpp"

namespace dc::test {
namespace {

using sched::Ctx;

std::size_t count(const RunResult& r, model::EvKind k) {
  std::size_t n = 0;
  for (const auto& e : r.trace.events) n += e.kind == k;
  return n;
}

TEST(Primitives, MightSleepInInterruptContextIsReported) {
  sched::Scheduler s;
  sched::RandomStrategy random;
  kern::mutex m;
  const RunResult r = run_program(s, random, 1, [&](sched::Scheduler& sc) {
    kern::mutex_init(&m);
    sc.spawn("irq", Ctx::Interrupt, [&] { kern::mutex_lock(&m); kern::mutex_unlock(&m); });
    sc.spawn("task", Ctx::Process, [&] { kern::mutex_lock(&m); kern::mutex_unlock(&m); });
  });
  EXPECT_EQ(count(r, model::EvKind::MightSleep), 1u);
}

struct Obj {
  int x = 0;
};

TEST(Primitives, UseAfterFreeDoubleFreeAndLeakAreReported) {
  sched::Scheduler s;
  sched::RandomStrategy random;
  const RunResult r = run_program(s, random, 1, [&](sched::Scheduler& sc) {
    sc.spawn("t", Ctx::Process, [] {
      Obj* a = kern::kzalloc<Obj>("obj", kern::GFP_KERNEL);
      kern::kfree(a, "obj");
      kern::kasan_check(a, "read a->x");
      kern::kfree(a, "obj");
      kern::kzalloc<Obj>("leaky", kern::GFP_KERNEL);
    });
  });
  EXPECT_EQ(count(r, model::EvKind::UseAfterFree), 1u);
  EXPECT_EQ(count(r, model::EvKind::DoubleFree), 1u);
  EXPECT_EQ(count(r, model::EvKind::Leak), 1u);
}

struct Item {
  kern::work_struct work;
  int* done;
};

void count_work(kern::work_struct* w) {
  kern::sched_point(w);
  ++*reinterpret_cast<Item*>(w)->done;
}

TEST(Primitives, DestroyWorkqueueDrainsEveryQueuedItem) {
  sched::Scheduler s;
  sched::RandomStrategy random;
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    int done = 0;
    Item items[3];
    kern::completion queued;
    const RunResult r = run_program(s, random, seed, [&](sched::Scheduler& sc) {
      kern::init_completion(&queued);
      sc.spawn("owner", Ctx::Process, [&] {
        kern::workqueue_struct* wq = kern::alloc_workqueue("dio/test", kern::WQ_MEM_RECLAIM, 0);
        for (auto& it : items) {
          it.done = &done;
          kern::INIT_WORK(&it.work, count_work);
          kern::scheduler().spawn("irq", Ctx::Interrupt, [&it, &queued, wq] {
            kern::queue_work(wq, &it.work);
            kern::complete(&queued);
          });
        }
        for (int i = 0; i < 3; ++i) kern::wait_for_completion(&queued);
        kern::destroy_workqueue(wq);
        EXPECT_EQ(done, 3);  // the drain ran every item queued before it
      });
    }, true, static_cast<int>(1 + seed % 3));
    EXPECT_TRUE(r.outcome.ok()) << r.outcome.detail;
    EXPECT_EQ(r.findings, 0u);
    EXPECT_EQ(done, 3);
  }
}

TEST(Primitives, QueueWorkOnADestroyedQueueIsAUseAfterFree) {
  sched::Scheduler s;
  sched::RandomStrategy random;
  int done = 0;
  Item it;
  const RunResult r = run_program(s, random, 1, [&](sched::Scheduler& sc) {
    sc.spawn("owner", Ctx::Process, [&] {
      kern::workqueue_struct* wq = kern::alloc_workqueue("dio/test", 0, 1);
      kern::destroy_workqueue(wq);
      it.done = &done;
      kern::INIT_WORK(&it.work, count_work);
      kern::queue_work(wq, &it.work);
    });
  });
  EXPECT_EQ(count(r, model::EvKind::UseAfterFree), 1u);
  EXPECT_EQ(done, 0);
}

}  // namespace
}  // namespace dc::test
