// io_uring as a front end on 6.6 / 6.18, ext4 and XFS (impl/io_uring.cpp): the inline issue
// with IOCB_NOWAIT, the -EAGAIN punt to the ring's io-wq worker ("iou-wrk-<task>"), which
// reissues blocking, and the CQE: posted inline for a result the issue returned, by the io-wq
// worker for a result it got, and otherwise by the submitter when it runs the task_work that
// io_complete_rw queued (never before).
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "impl/machine.hpp"
#include "impl/test/iomap_fixture.hpp"

namespace dc::test {
namespace {

using model::EvKind;
using model::Kernel;
using model::OpKind;
using namespace iomap;  // NOLINT: the shared helpers of the iomap-era tests

using Param = std::tuple<Kernel, model::Fs>;

class IomapUring : public ::testing::TestWithParam<Param> {
 protected:
  model::Config cfg() const { return engine_config(std::get<0>(GetParam()), std::get<1>(GetParam())); }
  bool xfs() const { return std::get<1>(GetParam()) == model::Fs::Xfs; }
};

// Blocks 0 and 2..3 written, block 1 preallocated (unwritten), size 4 blocks.
model::Workload file4(std::vector<model::Op> ops) {
  model::Workload w = workload(4 * kB, {std::move(ops)});
  w.written = {{0, 4 * kB}};
  w.preallocated = {{kB, kB}};
  return w;
}

std::size_t last_op(const RunOut& r, EvKind k, std::uint32_t op) {
  std::size_t at = npos;
  for (std::size_t i = 0; i < r.trace.events.size(); ++i)
    if (r.ev(i).kind == k && r.ev(i).op == op) at = i;
  return at;
}

std::size_t op_end(const RunOut& r, std::uint32_t op) { return r.first_op(EvKind::OpEnd, op); }

// A NOWAIT overwrite of written blocks inside EOF goes through inline (no punt) and returns
// -EIOCBQUEUED; the dio worker completes it and io_complete_rw queues task_work; the CQE is
// posted by the submitter when it runs that task_work (in io_cqring_wait), not by the worker.
TEST_P(IomapUring, NowaitOverwriteIssuesInlineAndPostsInTaskWork) {
  const auto w = file4({op(OpKind::UringWrite, 1, 0, kB), op(OpKind::UringWait, 2)});
  const auto c = cfg();
  const RunOut r = run_scripted(w, c, task_first);
  EXPECT_EQ(r.count(EvKind::UringPunt), 0u) << r.dump();
  const std::size_t sub = r.first_op(EvKind::DioSubmit, 1);
  ASSERT_NE(sub, npos) << r.dump();
  EXPECT_TRUE(r.by(sub, "task0")) << r.dump();
  EXPECT_NE(r.first_op(EvKind::DioQueued, 1), npos) << r.dump();
  const std::size_t dc = r.first_op(EvKind::DioComplete, 1);
  EXPECT_TRUE(r.by(dc, "kworker/dio/")) << r.dump();
  const std::size_t tw = r.first_op(EvKind::UringTaskWork, 1);
  ASSERT_NE(tw, npos) << r.dump();
  EXPECT_TRUE(r.by(tw, "kworker/dio/")) << r.dump();
  EXPECT_EQ(r.ev(tw).a, static_cast<std::int64_t>(kB));
  const std::size_t cqe = r.first_op(EvKind::AioComplete, 1);
  ASSERT_NE(cqe, npos) << r.dump();
  EXPECT_TRUE(r.by(cqe, "task0")) << "the CQE is posted by the submitter's task_work\n" << r.dump();
  EXPECT_LT(dc, tw);
  EXPECT_LT(tw, cqe);
  EXPECT_EQ(r.ev(cqe).a, static_cast<std::int64_t>(kB));
  EXPECT_EQ(r.count_op(EvKind::AioComplete, 1), 1u);
  EXPECT_EQ(r.count_op(EvKind::AioReaped, 1), 1u);
  expect_judged_clean(w, c, r);
}

// An extending write refuses NOWAIT (ext4: exclusive i_rwsem and FORCE_WAIT; XFS: the block
// past EOF must be allocated) and is reissued by io-wq without IOCB_NOWAIT. ext4 waits for it
// there (FORCE_WAIT), so io-wq posts the CQE itself; XFS's aligned extending write is async,
// so the worker's -EIOCBQUEUED leaves the CQE to the submitter's task_work.
TEST_P(IomapUring, ExtendingWriteIsPuntedAndReissuedInIoWq) {
  const auto w = file4({op(OpKind::UringWrite, 1, 4 * kB, kB), op(OpKind::UringWait, 2)});
  const auto c = cfg();
  // the io-wq worker's own drop before the bio's (else it completes inline, B1)
  const RunOut r = run_scripted(w, c, [](const model::Trace&) {
    return std::vector<std::string>{"task", "iou", "kworker", "delayed", "irq"};
  });
  const std::size_t punt = r.first_op(EvKind::UringPunt, 1);
  ASSERT_NE(punt, npos) << r.dump();
  EXPECT_TRUE(r.by(punt, "task0")) << r.dump();
  EXPECT_EQ(r.ev(punt).a, -11) << "-EAGAIN";
  const std::size_t sub = last_op(r, EvKind::DioSubmit, 1);
  ASSERT_NE(sub, npos) << r.dump();
  EXPECT_TRUE(r.by(sub, "iou-wrk-0")) << r.dump();
  EXPECT_LT(punt, sub);
  const std::size_t cqe = r.first_op(EvKind::AioComplete, 1);
  ASSERT_NE(cqe, npos) << r.dump();
  EXPECT_EQ(r.ev(cqe).a, static_cast<std::int64_t>(kB));
  EXPECT_TRUE(r.by(cqe, xfs() ? "task0" : "iou-wrk-0")) << r.dump();
  EXPECT_EQ(r.count_op(EvKind::AioComplete, 1), 1u);
  expect_judged_clean(w, c, r);
}

// A sub-block write into an unwritten block: ext4 needs the exclusive i_rwsem (unaligned and
// unwritten), XFS's IOMAP_DIO_OVERWRITE_ONLY refuses it; under NOWAIT both return -EAGAIN
// (XFS does not retry exclusively itself), io-wq redoes it exclusive + FORCE_WAIT and posts.
TEST_P(IomapUring, UnalignedIntoUnwrittenIsPuntedToIoWq) {
  const auto w = file4({op(OpKind::UringWrite, 1, kB, 512), op(OpKind::UringWait, 2)});
  const auto c = cfg();
  const RunOut r = run_scripted(w, c, task_first);
  const std::size_t punt = r.first_op(EvKind::UringPunt, 1);
  ASSERT_NE(punt, npos) << r.dump();
  EXPECT_EQ(r.ev(punt).a, -11);
  const std::size_t cqe = r.first_op(EvKind::AioComplete, 1);
  ASSERT_NE(cqe, npos) << r.dump();
  EXPECT_TRUE(r.by(cqe, "iou-wrk-0")) << r.dump();
  EXPECT_EQ(r.ev(cqe).a, 512);
  EXPECT_EQ(r.first_op(EvKind::UringTaskWork, 1), npos) << r.dump();
  expect_judged_clean(w, c, r);
}

// A read at EOF returns 0 from the inline issue: the CQE is posted during the submission
// (before io_uring_enter returns), with no task_work.
TEST_P(IomapUring, InlineResultPostsTheCqeBeforeEnterReturns) {
  const auto w = file4({op(OpKind::UringRead, 1, 4 * kB, kB), op(OpKind::UringWait, 2)});
  const auto c = cfg();
  const RunOut r = run_scripted(w, c, task_first);
  const std::size_t cqe = r.first_op(EvKind::AioComplete, 1);
  ASSERT_NE(cqe, npos) << r.dump();
  EXPECT_EQ(r.ev(cqe).a, 0);
  EXPECT_TRUE(r.by(cqe, "task0"));
  EXPECT_LT(cqe, op_end(r, 1));
  EXPECT_EQ(r.count(EvKind::UringTaskWork), 0u);
  EXPECT_EQ(r.count(EvKind::UringPunt), 0u);
  expect_judged_clean(w, c, r);
}

// The completion arrives while the submitter sleeps in a synchronous pread of another block:
// the task_work waits, and the CQE appears only after the pread returned (return to user
// space), never while the task sleeps elsewhere.
TEST_P(IomapUring, CqeOnlyWhenTheSubmitterRunsItsTaskWork) {
  const auto w = file4({op(OpKind::UringWrite, 1, 0, kB), op(OpKind::PRead, 2, 2 * kB, kB),
                        op(OpKind::UringWait, 3)});
  const auto c = cfg();
  // the submitter until the pread has its dio, then the interrupts and the worker first: the
  // write completes while the pread runs
  const RunOut r = run_scripted(w, c, [](const model::Trace& t) {
    for (const model::Event& e : t.events)
      if (e.kind == EvKind::DioSubmit && e.op == 2) return std::vector<std::string>{"irq", "kworker", "task"};
    return std::vector<std::string>{"task", "kworker", "irq"};
  });
  const std::size_t tw = r.first_op(EvKind::UringTaskWork, 1);
  const std::size_t cqe = r.first_op(EvKind::AioComplete, 1);
  ASSERT_NE(tw, npos) << r.dump();
  ASSERT_NE(cqe, npos) << r.dump();
  EXPECT_LT(tw, op_end(r, 2)) << "queued while the pread ran\n" << r.dump();
  EXPECT_GT(cqe, op_end(r, 2)) << "posted only at the return to user space\n" << r.dump();
  EXPECT_TRUE(r.by(cqe, "task0"));
  expect_judged_clean(w, c, r);
}

// Random io_uring workloads (gen --io-uring) x random schedules: every property holds, no
// leak, deadlock or BUG; the front end's paths all occur (punts, task_work, io-wq CQEs).
// XFS on 6.6 reaches one recorded finding (corpus/findings/6.6-xfs-*-uring.json): a NOWAIT
// read whose later mapping cannot take the ILOCK after earlier bios went out completes with
// -EAGAIN in interrupt or worker context, where 6.6's io_uring does not reissue it, so -EAGAIN
// reaches the CQE. 6.18 (6.14+) requeues such a completion to io-wq instead: never an -EAGAIN
// CQE there, and the requeue happens.
TEST_P(IomapUring, RandomWorkloadsHoldEverything) {
  gen::GenOptions g;
  g.kernels = {std::get<0>(GetParam())};
  g.filesystems = {std::get<1>(GetParam())};
  g.io_uring = true;
  // XFS: leave out what the recorded io_submit findings of 6.x XFS need (docs/findings.md:
  // an extending truncate racing an extending DIO, a buffered write's size update racing a
  // completion), so a failure here is about the front end
  if (xfs()) g.truncate = g.buffered = false;
  std::size_t punts = 0, task_work = 0, uring_ops = 0, eagain_reads = 0, requeued = 0;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    const model::Workload w = gen::sample(gen::workload(g), seed);
    model::Config c = gen::sample(gen::config(g), seed ^ 0x9e3779b97f4a7c15ull);
    c.mutants.clear();
    for (const auto& t : w.tasks)
      for (const auto& o : t.ops) uring_ops += model::is_uring(o.kind);
    for (std::uint64_t s = 0; s < 2; ++s) {
      sched::RandomStrategy rnd;
      const RunOut r = run(w, c, rnd, seed * 5 + s);
      ASSERT_NE(r.outcome.kind, sched::Outcome::Kind::Deadlock) << "seed " << seed << ": " << r.outcome.detail << "\n" << r.dump();
      ASSERT_NE(r.outcome.kind, sched::Outcome::Kind::Bug) << "seed " << seed << ": " << r.outcome.detail << "\n" << r.dump();
      ASSERT_NE(r.outcome.kind, sched::Outcome::Kind::StepLimit) << "seed " << seed;
      auto v = model::check(w, c, r.trace);
      const bool eagain = !v.empty() && v[0].actual.find("uring_read") != npos &&
                          (v[0].actual.find("returned -11") != npos || v[0].actual.find("-EAGAIN") != npos);
      if (xfs() && eagain && std::get<0>(GetParam()) == Kernel::V6_6) {
        ++eagain_reads;  // the recorded finding
        continue;
      }
      ASSERT_TRUE(v.empty()) << "seed " << seed << "/" << s << ":\n" << describe(v) << r.dump();
      if (r.outcome.ok()) {
        EXPECT_EQ(r.findings, 0u) << "seed " << seed;
        EXPECT_EQ(r.live_after, 0u) << "seed " << seed;
      }
      punts += r.count(EvKind::UringPunt);
      requeued += r.count(EvKind::UringPunt, [](const model::Event& e) { return e.c == 1; });
      task_work += r.count(EvKind::UringTaskWork);
    }
  }
  EXPECT_GT(uring_ops, 300u);
  EXPECT_GT(punts, 0u);
  EXPECT_GT(task_work, 0u);
  const bool v66 = std::get<0>(GetParam()) == Kernel::V6_6;
  if (!xfs()) {
    EXPECT_EQ(eagain_reads, 0u);
  } else if (v66) {
    EXPECT_GT(eagain_reads, 0u) << "6.6 reports the -EAGAIN completion";
  } else {
    EXPECT_GT(requeued, 0u) << "6.18 requeues the -EAGAIN completion";
  }
  if (v66) {
    EXPECT_EQ(requeued, 0u);
  }
}

// The same options draw no io_uring op on a 3.x kernel: io_uring is 6.x only.
TEST(IomapUringGen, NoUringOpsOn3x) {
  gen::GenOptions g;
  g.kernels = {Kernel::V3_12_fixed};
  g.io_uring = true;
  gen::GenOptions plain = g;
  plain.io_uring = false;
  for (std::uint64_t seed = 1; seed <= 50; ++seed)
    EXPECT_EQ(gen::sample(gen::workload(g), seed), gen::sample(gen::workload(plain), seed)) << seed;
}

// A workload with io_uring ops cannot run on 3.x: the Machine refuses it with a reason.
TEST(IomapUringGen, RefusedOn3x) {
  const auto w = file4({op(OpKind::UringWrite, 1, 0, kB), op(OpKind::UringWait, 2)});
  model::Config c = engine_config(Kernel::V3_12, model::Fs::Ext4);
  EXPECT_NE(model::kernel_error(w, c.kernel).find("io_uring does not exist on kernel 3.12"), std::string::npos);
  EXPECT_THROW(kern::Machine(w, c), std::invalid_argument);
  EXPECT_EQ(model::kernel_error(w, Kernel::V6_6), "");
}

INSTANTIATE_TEST_SUITE_P(Iomap, IomapUring,
                         ::testing::Combine(::testing::Values(Kernel::V6_6, Kernel::V6_18),
                                            ::testing::Values(model::Fs::Ext4, model::Fs::Xfs)),
                         [](const ::testing::TestParamInfo<Param>& i) {
                           return std::string(std::get<0>(i.param) == Kernel::V6_6 ? "v6_6" : "v6_18") + "_" +
                                  model::to_string(std::get<1>(i.param));
                         });

}  // namespace
}  // namespace dc::test
