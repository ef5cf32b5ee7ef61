// XFS port tests: the race table of engine-spec §3.6 on XFS for every kernel variant
// (scripted schedules), the unaligned-write inode_dio_wait, the 3.11 completion workqueues,
// the on-disk EOF update of an overwrite (§6.3), an I/O error, and random workloads x seeds
// on 3.12-fixed judged by the reference model.
#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness/gen/workload_gen.hpp"
#include "harness/sched/random.hpp"
#include "harness/sched/scheduler.hpp"
#include "impl/kernel/fault.hpp"
#include "impl/kernel/ktrace.hpp"
#include "impl/kernel/slab.hpp"
#include "impl/test/engine_fixture.hpp"
#include "impl/machine.hpp"
#include "model/checker.hpp"
#include "model/config.hpp"
#include "model/workload.hpp"

namespace dc::test {
namespace {

using model::EvKind;
using model::Kernel;
using model::OpKind;

constexpr std::uint64_t kB = 4096;

model::Config xfs_cfg(Kernel k) {
  model::Config c;
  c.kernel = k;
  c.fs = model::Fs::Xfs;
  c.wq_concurrency = 1;
  return c;
}

RunOut run_scripted(const model::Workload& w, const model::Config& c, Policy p) {
  Scripted st;
  st.policy = std::move(p);
  return run(w, c, st);
}


// 4 blocks: block 0 written (initial data), blocks 1..3 holes inside EOF.
model::Workload four_blocks(std::vector<std::vector<model::Op>> tasks) {
  model::Workload w;
  w.initial_size = 4 * kB;
  w.written = {{0, kB}};
  for (auto& ops : tasks) {
    model::Task t;
    t.ops = std::move(ops);
    w.tasks.push_back(std::move(t));
  }
  return w;
}

std::vector<std::string> task_first(const model::Trace&) { return {"task", "kworker", "delayed", "irq"}; }
std::vector<std::string> irq_first(const model::Trace&) { return {"irq", "kworker", "delayed", "task"}; }

std::vector<model::Violation> judge(const model::Workload& w, const model::Config& c, const RunOut& r) {
  std::vector<model::Violation> out;
  for (auto& v : model::check(w, c, r.trace)) out.push_back(std::move(v));
  return out;
}
std::string describe(const std::vector<model::Violation>& v) {
  std::string s;
  for (const auto& x : v)
    s += x.property + " @" + std::to_string(x.event) + ": expected " + x.expected + "; actual " + x.actual + "\n";
  return s;
}

void expect_clean(const RunOut& r) {
  ASSERT_TRUE(r.outcome.ok()) << r.outcome.detail << "\n" << r.dump();
  EXPECT_EQ(r.findings, 0u) << r.dump();
  EXPECT_EQ(r.live_after, 0u) << r.dump();
}

struct Expect {
  std::string completer;  // actor running dio_complete
  int ctx;
  int is_async;
  std::string aio_by;  // actor calling aio_complete ("" = none)
  int aio_ctx;
};

void check_case(const RunOut& r, const Expect& x, std::uint32_t opid) {
  expect_clean(r);
  const std::size_t dc = r.first_op(EvKind::DioComplete, opid);
  ASSERT_NE(dc, std::string::npos) << r.dump();
  EXPECT_TRUE(r.by(dc, x.completer)) << "dio_complete ran in " << r.actor(dc) << "\n" << r.dump();
  EXPECT_EQ(r.ev(dc).ctx, x.ctx) << r.dump();
  EXPECT_EQ(r.ev(dc).b, x.is_async) << r.dump();
  EXPECT_EQ(r.count(EvKind::DioComplete, [opid](const model::Event& e) { return e.op == opid; }), 1u);
  const std::size_t ac = r.first_op(EvKind::AioComplete, opid);
  if (x.aio_by.empty()) {
    EXPECT_EQ(ac, std::string::npos) << r.dump();
  } else {
    ASSERT_NE(ac, std::string::npos) << r.dump();
    EXPECT_TRUE(r.by(ac, x.aio_by)) << "aio_complete ran in " << r.actor(ac) << "\n" << r.dump();
    EXPECT_EQ(r.ev(ac).ctx, x.aio_ctx) << r.dump();
    EXPECT_EQ(r.count(EvKind::AioComplete, [opid](const model::Event& e) { return e.op == opid; }), 1u);
  }
  // one ioend per direct write, freed once
  EXPECT_EQ(r.count(EvKind::IoEndAlloc), r.count(EvKind::IoEndFree)) << r.dump();
}

class XfsRaceTable : public ::testing::TestWithParam<Kernel> {};

TEST_P(XfsRaceTable, CaseA_SyncDioCompletesAndConvertsInTheSubmitter) {
  const auto w = four_blocks({{op(OpKind::PWrite, 1, kB, kB), op(OpKind::PRead, 2, kB, kB)}});
  const RunOut r = run_scripted(w, xfs_cfg(GetParam()), task_first);
  check_case(r, {"task", 0, 0, "", 0}, 1);
  const std::size_t conv = r.first(EvKind::ConvertDone);
  ASSERT_NE(conv, std::string::npos) << r.dump();
  EXPECT_EQ(r.actor(conv), "task0");
  EXPECT_LT(conv, r.first_op(EvKind::OpEnd, 1));
  const std::size_t rd = r.first(EvKind::ReadData);
  ASSERT_NE(rd, std::string::npos);
  EXPECT_EQ(r.trace.data[r.ev(rd).data], 2u);  // write id of op 1
  EXPECT_TRUE(judge(w, xfs_cfg(GetParam()), r).empty()) << describe(judge(w, xfs_cfg(GetParam()), r));
}

TEST_P(XfsRaceTable, CaseB_ExtendingAioWriteCompletesInTheSubmitterAndMovesTheDiskSize) {
  const auto w = four_blocks({{op(OpKind::AioWrite, 1, 4 * kB, kB), op(OpKind::GetEvents, 2)}});
  const RunOut r = run_scripted(w, xfs_cfg(GetParam()), task_first);
  check_case(r, {"task", 0, 0, "task", 0}, 1);
  const std::size_t ia = r.first(EvKind::DioIsAsync);
  ASSERT_NE(ia, std::string::npos);
  EXPECT_EQ(r.ev(ia).a, 0);
  EXPECT_EQ(r.count(EvKind::DioQueued), 0u);
  // past EOF: a normal (written) extent, no conversion; xfs_setfilesize in the submitter.
  // 3.12-fixed (d531d91d6990): an unwritten extent, converted (with the size) in the submitter.
  EXPECT_EQ(r.count(EvKind::ConvertStart), GetParam() == Kernel::V3_12_fixed ? 1u : 0u) << r.dump();
  const std::size_t ds = r.first(EvKind::DiskSizeUpdate);
  ASSERT_NE(ds, std::string::npos) << r.dump();
  EXPECT_EQ(r.actor(ds), "task0");
  EXPECT_EQ(r.ev(ds).b, static_cast<std::int64_t>(5 * kB));
  EXPECT_LT(ds, r.first_op(EvKind::AioComplete, 1));
  const std::size_t reap = r.first(EvKind::AioReaped);
  ASSERT_NE(reap, std::string::npos);
  EXPECT_EQ(r.ev(reap).a, static_cast<std::int64_t>(kB));
  EXPECT_TRUE(judge(w, xfs_cfg(GetParam()), r).empty()) << describe(judge(w, xfs_cfg(GetParam()), r));
}

TEST_P(XfsRaceTable, CaseC1_UnwrittenAioConvertsInProcessContextBeforeCompletion) {
  const Kernel k = GetParam();
  const auto w = four_blocks({{op(OpKind::AioWrite, 1, kB, kB), op(OpKind::GetEvents, 2),
                               op(OpKind::PRead, 3, kB, kB)}});
  const RunOut r = run_scripted(w, xfs_cfg(k), task_first);
  if (k == Kernel::V3_11) {
    // 3.11: end_io in IRQ queues the ioend on m_unwritten_workqueue; the worker converts,
    // then xfs_destroy_ioend does inode_dio_done and aio_complete.
    check_case(r, {"irq", 1, 1, "kworker/xfs-conv/", 0}, 1);
    EXPECT_EQ(r.count(EvKind::DeferSet), 0u);
    const std::size_t q = r.first(EvKind::WorkQueued);
    ASSERT_NE(q, std::string::npos);
    EXPECT_EQ(r.ev(q).ctx, 1);
    const std::size_t done = r.first(EvKind::InodeDioDone, [](const model::Event& e) { return e.a == 0; });
    EXPECT_TRUE(r.by(done, "kworker/xfs-conv/")) << r.dump();
  } else {
    check_case(r, {"kworker/dio/", 0, 1, "kworker/dio/", 0}, 1);
    EXPECT_EQ(r.count(EvKind::DeferSet), 1u);
  }
  EXPECT_NE(r.first(EvKind::DioQueued), std::string::npos);
  const std::size_t conv = r.first(EvKind::ConvertDone);
  ASSERT_NE(conv, std::string::npos) << r.dump();
  EXPECT_EQ(r.ev(conv).ctx, 0);
  EXPECT_LT(conv, r.first_op(EvKind::InodeDioDone, 1)) << r.dump();
  EXPECT_LT(conv, r.first_op(EvKind::AioComplete, 1)) << r.dump();
  const std::size_t rd = r.first(EvKind::ReadData);
  ASSERT_NE(rd, std::string::npos);
  EXPECT_EQ(r.trace.data[r.ev(rd).data], 2u);
  EXPECT_TRUE(judge(w, xfs_cfg(k), r).empty()) << describe(judge(w, xfs_cfg(k), r));
}

TEST_P(XfsRaceTable, CaseC2_OverwriteAioCompletesInInterruptContext) {
  const auto w = four_blocks({{op(OpKind::AioWrite, 1, 0, kB), op(OpKind::GetEvents, 2)}});
  const RunOut r = run_scripted(w, xfs_cfg(GetParam()), task_first);
  check_case(r, {"irq", 1, 1, "irq", 1}, 1);
  EXPECT_EQ(r.count(EvKind::DeferSet), 0u);
  EXPECT_EQ(r.count(EvKind::ConvertStart), 0u);
  EXPECT_EQ(r.count(EvKind::DiskSizeUpdate), 0u);
  // the ioend is finished inline in IRQ
  const std::size_t fr = r.first(EvKind::IoEndFree);
  ASSERT_NE(fr, std::string::npos);
  EXPECT_EQ(r.ev(fr).ctx, 1);
  EXPECT_TRUE(judge(w, xfs_cfg(GetParam()), r).empty()) << describe(judge(w, xfs_cfg(GetParam()), r));
}

TEST_P(XfsRaceTable, CaseD_AllBiosBeforeTheDropCompleteInTheSubmitter) {
  const auto w = four_blocks({{op(OpKind::AioWrite, 1, kB, kB), op(OpKind::GetEvents, 2)}});
  const RunOut r = run_scripted(w, xfs_cfg(GetParam()), irq_first);
  check_case(r, {"task", 0, 0, "task", 0}, 1);
  EXPECT_EQ(r.first(EvKind::DioQueued), std::string::npos);  // -EIOCBQUEUED was decided but not returned ...
  const std::size_t end = r.first_op(EvKind::OpEnd, 1);
  ASSERT_NE(end, std::string::npos);
  EXPECT_EQ(r.ev(end).a, 1);  // ... yet the submitter returned a count: the AIO core completed
  const std::size_t conv = r.first(EvKind::ConvertDone);
  ASSERT_NE(conv, std::string::npos);
  EXPECT_EQ(r.actor(conv), "task0");
  EXPECT_LT(conv, r.first_op(EvKind::AioComplete, 1));
  EXPECT_TRUE(judge(w, xfs_cfg(GetParam()), r).empty()) << describe(judge(w, xfs_cfg(GetParam()), r));
}

// An unaligned (sub-block) write takes IOLOCK_EXCL and waits in inode_dio_wait until the
// queued AIO, including its conversion, has drained.
TEST_P(XfsRaceTable, UnalignedWriteWaitsForTheQueuedAio) {
  const Kernel k = GetParam();
  const auto w = four_blocks({{op(OpKind::AioWrite, 1, kB, kB), op(OpKind::GetEvents, 2)},
                              {op(OpKind::PWrite, 3, 2 * kB, 512)}});
  const RunOut r = run_scripted(w, xfs_cfg(k), [](const model::Trace&) {
    return std::vector<std::string>{"task0", "task1", "kworker", "irq"};
  });
  expect_clean(r);
  const std::size_t wb = r.first(EvKind::InodeDioWaitBegin);
  const std::size_t we = r.first(EvKind::InodeDioWaitEnd);
  const std::size_t conv = r.first_op(EvKind::ConvertDone, 1);
  ASSERT_NE(wb, std::string::npos) << r.dump();
  ASSERT_NE(we, std::string::npos) << r.dump();
  ASSERT_NE(conv, std::string::npos) << r.dump();
  EXPECT_EQ(r.actor(wb), "task1");
  EXPECT_EQ(r.actor(we), "task1");
  EXPECT_LT(wb, conv) << r.dump();  // it really waited ...
  EXPECT_LT(conv, we) << r.dump();  // ... until the conversion was done
  EXPECT_LT(r.first_op(EvKind::InodeDioDone, 1), we);
  EXPECT_LT(we, r.first_op(EvKind::DioSubmit, 3));  // and submitted only afterwards
  EXPECT_TRUE(judge(w, xfs_cfg(k), r).empty()) << describe(judge(w, xfs_cfg(k), r));
}

// A failed data bio of an AIO write into a hole: the result is -EIO everywhere. Before the
// fix XFS converts the extent anyway and a later read exposes the stale block (INV-14 /
// convert-on-io-error, a faithful finding); 3.12-fixed keeps it unwritten (reads zeros).
// xfs_file_aio_read checks alignment first and excuses only a read starting exactly at EOF.
TEST_P(XfsRaceTable, MisalignedDirectReadIsZeroOnlyExactlyAtEof) {
  const auto w = four_blocks({{op(OpKind::PRead, 1, 4 * kB, 100), op(OpKind::PRead, 2, 5 * kB, 100)}});
  const RunOut r = run_scripted(w, xfs_cfg(GetParam()), task_first);
  expect_clean(r);
  EXPECT_EQ(r.ev(r.first_op(EvKind::OpEnd, 1)).a, 0);
  EXPECT_EQ(r.ev(r.first_op(EvKind::OpEnd, 2)).a, -EINVAL);
  EXPECT_TRUE(judge(w, xfs_cfg(GetParam()), r).empty()) << describe(judge(w, xfs_cfg(GetParam()), r));
}

TEST_P(XfsRaceTable, IoErrorOnAnUnwrittenAioWrite) {
  const Kernel k = GetParam();
  const auto w = four_blocks({{op(OpKind::AioWrite, 1, kB, kB), op(OpKind::GetEvents, 2),
                               op(OpKind::PRead, 3, kB, kB)}});
  model::Config c = xfs_cfg(k);
  model::Fault f;
  f.kind = model::Fault::Kind::BioError;
  f.nth = 1;
  c.faults = {f};
  const RunOut r = run_scripted(w, c, task_first);
  expect_clean(r);
  const std::size_t reap = r.first(EvKind::AioReaped);
  ASSERT_NE(reap, std::string::npos) << r.dump();
  EXPECT_EQ(r.ev(reap).a, -EIO) << r.dump();
  const std::size_t rd = r.first(EvKind::ReadData);
  ASSERT_NE(rd, std::string::npos) << r.dump();
  const auto v = judge(w, c, r);
  if (k == Kernel::V3_12_fixed) {
    EXPECT_EQ(r.count(EvKind::ConvertStart), 0u) << r.dump();
    EXPECT_EQ(r.trace.data[r.ev(rd).data], model::kZero);
    EXPECT_TRUE(v.empty()) << describe(v);
  } else {
    EXPECT_NE(r.count(EvKind::ConvertStart), 0u) << r.dump();
    EXPECT_EQ(r.trace.data[r.ev(rd).data], model::kForeign);
    const bool foreign = std::any_of(v.begin(), v.end(), [](const model::Violation& x) {
      return x.property == "read-no-foreign";
    });
    EXPECT_TRUE(foreign) << describe(v);
  }
}

// §6.3: an AIO overwrite that ends past the on-disk size (because a concurrent extending
// write already raised i_size but has not logged di_size yet) needs xfs_setfilesize at
// completion. 3.11 queues it to m_data_workqueue; 7b7a8665 and 3.12 run the transaction in
// interrupt context (faithful INV-6 finding); on 3.12-fixed (d531d91d6990: unwritten past EOF,
// size moved with the conversion) the window never opens (6dfa1b67e3b3 would defer it).
TEST_P(XfsRaceTable, OverwritePastTheOnDiskSize) {
  const Kernel k = GetParam();
  model::Workload w;
  w.initial_size = 2 * kB;
  w.written = {{0, 2 * kB}};
  model::Task t0, t1;
  t0.ops = {op(OpKind::PWrite, 1, 2 * kB, 2 * kB)};
  t1.ops = {op(OpKind::AioWrite, 2, 3 * kB, kB), op(OpKind::GetEvents, 3)};
  w.tasks = {t0, t1};
  const RunOut r = run_scripted(w, xfs_cfg(k), [](const model::Trace& t) {
    const bool raised = std::any_of(t.events.begin(), t.events.end(), [](const model::Event& e) {
      return e.kind == EvKind::SizeUpdate && e.b == static_cast<std::int64_t>(4 * kB);
    });
    if (!raised) return std::vector<std::string>{"task0", "irq", "kworker"};
    return std::vector<std::string>{"task1", "irq", "kworker", "task0"};
  });
  ASSERT_TRUE(r.outcome.ok()) << r.outcome.detail << "\n" << r.dump();
  const std::size_t ia = r.first_op(EvKind::DioIsAsync, 2);
  ASSERT_NE(ia, std::string::npos) << r.dump();
  ASSERT_EQ(r.ev(ia).a, 1) << r.dump();  // within i_size: a real AIO
  if (k == Kernel::V3_12_fixed) {
    // d531d91d6990: the extending write allocates unwritten blocks and its conversion moves
    // i_size and the on-disk size in one transaction, so the window (i_size raised, di_size
    // not yet logged) never opens: the overwrite finds nothing past the on-disk size.
    const std::size_t conv = r.first(EvKind::DiskSizeUpdate, [](const model::Event& e) {
      return e.op == 1 && e.b == static_cast<std::int64_t>(4 * kB);
    });
    ASSERT_NE(conv, std::string::npos) << r.dump();
    EXPECT_LT(conv, r.first(EvKind::ConvertDone, [](const model::Event& e) { return e.op == 1; }));
    EXPECT_EQ(r.findings, 0u) << r.dump();
    const auto v = judge(w, xfs_cfg(k), r);
    EXPECT_TRUE(v.empty()) << describe(v);
    return;
  }
  const std::size_t ds = r.first(EvKind::DiskSizeUpdate, [](const model::Event& e) {
    return e.op == 2 && e.b == static_cast<std::int64_t>(4 * kB);
  });
  ASSERT_NE(ds, std::string::npos) << r.dump();
  const auto v = judge(w, xfs_cfg(k), r);
  if (k == Kernel::V3_11) {
    EXPECT_TRUE(r.by(ds, "kworker/xfs-data/")) << r.dump();
    EXPECT_EQ(r.findings, 0u) << r.dump();
    EXPECT_TRUE(v.empty()) << describe(v);
  } else if (k == Kernel::V3_12_fixed) {
    EXPECT_TRUE(r.by(ds, "kworker/dio/")) << r.dump();
    EXPECT_EQ(r.count(EvKind::DeferSet, [](const model::Event& e) { return e.op == 2; }), 1u);
    EXPECT_EQ(r.findings, 0u) << r.dump();
    EXPECT_TRUE(v.empty()) << describe(v);
  } else {
    EXPECT_EQ(r.ev(ds).ctx, 1) << r.dump();
    EXPECT_GT(r.count(EvKind::MightSleep, [](const model::Event& e) { return e.ctx == 1; }), 0u);
    const bool inv6 = std::any_of(v.begin(), v.end(), [](const model::Violation& x) {
      return x.property.rfind("INV-6", 0) == 0;
    });
    EXPECT_TRUE(inv6) << describe(v);
  }
}

INSTANTIATE_TEST_SUITE_P(Xfs, XfsRaceTable,
                         ::testing::Values(Kernel::V3_11, Kernel::V7b7a8665, Kernel::V3_12,
                                           Kernel::V3_12_fixed),
                         [](const auto& p) { return kernel_param_name(p.param); });

// Random workloads (harness/gen) x random schedules on 3.12-fixed: no BUG, use after free,
// leak or deadlock, and the reference model finds nothing.
TEST(XfsRandom, FixedKernelHoldsEverything) {
  gen::GenOptions g;
  g.filesystems = {model::Fs::Xfs};
  g.kernels = {Kernel::V3_12_fixed};
  int runs = 0;
  for (std::uint64_t seed = 1; seed <= 1000; ++seed) {
    model::Workload w = gen::sample(gen::workload(g), seed);
    model::Config c = gen::sample(gen::config(g), seed ^ 0x9e3779b97f4a7c15ull);
    c.fs = model::Fs::Xfs;
    c.kernel = Kernel::V3_12_fixed;
    for (std::uint64_t s = 0; s < 3; ++s) {
      sched::RandomStrategy rnd;
      const RunOut r = run(w, c, rnd, seed * 7 + s);
      ++runs;
      ASSERT_NE(r.outcome.kind, sched::Outcome::Kind::Deadlock) << "seed " << seed << ": " << r.outcome.detail;
      ASSERT_NE(r.outcome.kind, sched::Outcome::Kind::Bug) << "seed " << seed << ": " << r.outcome.detail << "\n" << r.dump();
      ASSERT_NE(r.outcome.kind, sched::Outcome::Kind::StepLimit) << "seed " << seed;
      const auto v = judge(w, c, r);
      ASSERT_TRUE(v.empty()) << "seed " << seed << "/" << s << " (o_dsync " << w.o_dsync << " o_sync "
                             << w.o_sync << " inode_sync " << w.inode_sync << " sector " << w.sector_size
                             << " size " << w.initial_size << "):\n" << describe(v) << r.dump();
      if (r.outcome.ok()) {
        EXPECT_EQ(r.findings, 0u) << "seed " << seed;
        EXPECT_EQ(r.live_after, 0u) << "seed " << seed;
      }
    }
  }
  EXPECT_EQ(runs, 3000);
}

}  // namespace
}  // namespace dc::test
