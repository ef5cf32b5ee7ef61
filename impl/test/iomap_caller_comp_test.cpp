// IOMAP_DIO_CALLER_COMP (Config::iomap_caller_comp, off by default) on 6.6 / 6.18, ext4 and
// XFS: the completion of a pure overwrite is handed to the issuing task's task_work (io_uring,
// 099ada2c8726) instead of the dio/<sb> worker; and the bug that made io_uring stop setting
// IOCB_DIO_CALLER_COMP (838b35bb6a89): an issuer that sleeps in inode_dio_wait never runs the
// task_work that would drop i_dio_count, so it waits for itself forever.
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "impl/test/iomap_fixture.hpp"

namespace dc::test {
namespace {

using model::EvKind;
using model::Kernel;
using model::OpKind;
using namespace iomap;  // NOLINT: the shared helpers of the iomap-era tests

using Param = std::tuple<Kernel, model::Fs>;

class IomapCallerComp : public ::testing::TestWithParam<Param> {
 protected:
  model::Config cfg(bool caller_comp) const {
    model::Config c;
    c.kernel = std::get<0>(GetParam());
    c.fs = std::get<1>(GetParam());
    c.wq_concurrency = 1;
    c.iomap_caller_comp = caller_comp;
    return c;
  }
};

// Block 0 written, block 1 preallocated, file size 4 blocks.
model::Workload two_blocks(std::vector<model::Op> ops) {
  model::Workload w = workload(4 * kB, {std::move(ops)});
  w.written = {{0, 4 * kB}};
  w.preallocated = {{kB, kB}};
  return w;
}

// A pure overwrite: the bio completion queues the completion on the issuer, which runs it
// while it waits in io_getevents (io_cqring_wait runs task_work): no worker, no IRQ completion.
TEST_P(IomapCallerComp, OverwriteCompletesInTheIssuersTaskWork) {
  const auto w = two_blocks({op(OpKind::AioWrite, 1, 0, kB), op(OpKind::GetEvents, 2)});
  const auto c = cfg(true);
  const RunOut r = run_scripted(w, c, task_first);
  check_case(r, {"task0", 0, 1, "task0", 0, true}, 1);
  const std::size_t handed = r.first_op(EvKind::DioCallerComp, 1);
  ASSERT_NE(handed, npos) << r.dump();
  EXPECT_TRUE(r.by(handed, "irq")) << r.dump();
  EXPECT_LT(handed, r.first_op(EvKind::DioComplete, 1));
  EXPECT_EQ(r.count(EvKind::WorkQueued), 0u) << r.dump();
  expect_judged_clean(w, c, r);
}

// The same workload without the option: the worker completes it (every release).
TEST_P(IomapCallerComp, OffByDefaultTheWorkerCompletes) {
  const auto w = two_blocks({op(OpKind::AioWrite, 1, 0, kB), op(OpKind::GetEvents, 2)});
  const auto c = cfg(false);
  const RunOut r = run_scripted(w, c, task_first);
  check_case(r, {"kworker/dio/", 0, 1, "kworker/dio/", 0, true}, 1);
  EXPECT_EQ(r.count(EvKind::DioCallerComp), 0u);
  expect_judged_clean(w, c, r);
}

// A write into unwritten extents needs zeroing/conversion: iomap clears CALLER_COMP and the
// completion still goes to the worker.
TEST_P(IomapCallerComp, UnwrittenTargetStillGoesToTheWorker) {
  const auto w = two_blocks({op(OpKind::AioWrite, 1, kB, kB), op(OpKind::GetEvents, 2)});
  const auto c = cfg(true);
  const RunOut r = run_scripted(w, c, task_first);
  check_case(r, {"kworker/dio/", 0, 1, "kworker/dio/", 0, true}, 1);
  EXPECT_EQ(r.count(EvKind::DioCallerComp), 0u);
  expect_judged_clean(w, c, r);
}

// 838b35bb6a89: the issuer's AIO overwrite is in flight, then the same task truncates the
// file down. ftruncate waits in inode_dio_wait for i_dio_count, which only the issuer's own
// task_work would drop: with CALLER_COMP every actor ends blocked (a deadlock); without it
// the worker completes the write and the truncate proceeds.
TEST_P(IomapCallerComp, IssuerInInodeDioWaitDeadlocksOnItself) {
  const auto w = two_blocks({op(OpKind::AioWrite, 1, 0, kB), op(OpKind::Truncate, 2, 0, 2 * kB),
                             op(OpKind::GetEvents, 3)});
  const RunOut bad = run_scripted(w, cfg(true), task_first);
  ASSERT_EQ(bad.outcome.kind, sched::Outcome::Kind::Deadlock) << bad.outcome.detail << "\n" << bad.dump();
  EXPECT_NE(bad.outcome.detail.find("task0"), npos) << bad.outcome.detail;
  EXPECT_NE(bad.outcome.detail.find("inode_dio_wait"), npos) << bad.outcome.detail;
  EXPECT_NE(bad.first_op(EvKind::DioCallerComp, 1), npos) << bad.dump();
  EXPECT_EQ(bad.first_op(EvKind::DioComplete, 1), npos) << "nobody may complete it\n" << bad.dump();

  const auto good_cfg = cfg(false);
  const RunOut good = run_scripted(w, good_cfg, task_first);
  expect_judged_clean(w, good_cfg, good);
}

// Random workloads and schedules with the option on: everything the model checks holds; the
// only failure is the deadlock above (an issuer asleep in inode_dio_wait with its own
// completion pending), and both it and completions in the issuer occur.
TEST_P(IomapCallerComp, RandomWorkloadsHoldButForTheSelfDeadlock) {
  gen::GenOptions g;
  g.kernels = {std::get<0>(GetParam())};
  g.filesystems = {std::get<1>(GetParam())};
  g.faults = false;
  std::size_t deadlocks = 0, issuer_completions = 0;
  for (std::uint64_t seed = 1; seed <= 150; ++seed) {
    const model::Workload w = gen::sample(gen::workload(g), seed);
    model::Config c = cfg(true);
    sched::RandomStrategy rnd;
    const RunOut r = run(w, c, rnd, seed);
    ASSERT_NE(r.outcome.kind, sched::Outcome::Kind::Bug) << "seed " << seed << ": " << r.outcome.detail;
    ASSERT_NE(r.outcome.kind, sched::Outcome::Kind::StepLimit) << "seed " << seed;
    if (r.outcome.kind == sched::Outcome::Kind::Deadlock) {
      ASSERT_NE(r.outcome.detail.find("inode_dio_wait"), npos) << "seed " << seed << ": " << r.outcome.detail;
      ASSERT_NE(r.count(EvKind::DioCallerComp), 0u) << "seed " << seed << ": " << r.outcome.detail;
      ++deadlocks;
      continue;
    }
    const auto v = model::check(w, c, r.trace);
    ASSERT_TRUE(v.empty()) << "seed " << seed << ":\n" << describe(v) << r.dump();
    issuer_completions += r.count(EvKind::DioCallerComp);
  }
  EXPECT_GT(deadlocks, 0u);
  EXPECT_GT(issuer_completions, 0u);
}

INSTANTIATE_TEST_SUITE_P(Iomap, IomapCallerComp,
                         ::testing::Combine(::testing::Values(Kernel::V6_6, Kernel::V6_18),
                                            ::testing::Values(model::Fs::Ext4, model::Fs::Xfs)),
                         [](const ::testing::TestParamInfo<Param>& i) {
                           return std::string(std::get<0>(i.param) == Kernel::V6_6 ? "v6_6" : "v6_18") + "_" +
                                  model::to_string(std::get<1>(i.param));
                         });

}  // namespace
}  // namespace dc::test
