// The iomap-era engine (6.6, 6.18) on ext4: the race table of iomap-spec §3.6 / §5.5 with
// scripted schedules (who runs iomap_dio_complete, in which context, who delivers the
// result), the FUA write-through that skips the sync, the read-error completion context that
// differs between 6.6 and 6.18.y, the submitter's use-after-free mutant, and random
// workloads x schedules judged by the reference model.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "impl/test/iomap_fixture.hpp"

namespace dc::test {
namespace {

using model::EvKind;
using model::Kernel;
using model::OpKind;
using namespace iomap;  // NOLINT: the shared helpers of the iomap-era tests

model::Config cfg(Kernel k) {
  model::Config c;
  c.kernel = k;
  c.fs = model::Fs::Ext4;
  c.wq_concurrency = 1;
  return c;
}

// 4 blocks inside EOF: block 0 written, block 1 preallocated (unwritten), 2..3 holes.
model::Workload four_blocks(std::vector<std::vector<model::Op>> tasks) {
  model::Workload w;
  w.initial_size = 4 * kB;
  w.written = {{0, kB}};
  w.preallocated = {{kB, kB}};
  for (auto& ops : tasks) {
    model::Task t;
    t.ops = std::move(ops);
    w.tasks.push_back(std::move(t));
  }
  return w;
}

class IomapExt4RaceTable : public ::testing::TestWithParam<Kernel> {};

// E1 / A2: a sync write into a hole inside EOF; the submitter sleeps, the bio completion
// drops the last reference and wakes it; the submitter converts and completes.
TEST_P(IomapExt4RaceTable, E1_SyncWriteWokenByTheLastBio) {
  const auto w = four_blocks({{op(OpKind::PWrite, 1, 2 * kB, kB), op(OpKind::PRead, 2, 2 * kB, kB)}});
  const auto c = cfg(GetParam());
  const RunOut r = run_scripted(w, c, task_first);
  check_case(r, {"task0", 0, 0, "", 0, false}, 1);
  const std::size_t wake = r.first_op(EvKind::DioWake, 1);
  ASSERT_NE(wake, npos) << r.dump();
  EXPECT_TRUE(r.by(wake, "irq")) << r.dump();
  const std::size_t conv = r.first_op(EvKind::ConvertDone, 1);
  ASSERT_NE(conv, npos) << r.dump();
  EXPECT_EQ(r.actor(conv), "task0");
  EXPECT_LT(wake, conv);
  const std::size_t rd = r.first(EvKind::ReadData);
  ASSERT_NE(rd, npos);
  EXPECT_EQ(r.trace.data[r.ev(rd).data], model::write_id_of(w.tasks[0].ops[0]));
  expect_judged_clean(w, c, r);
}

// E1 / A1: the bio completes before the submitter's decrement: the submitter owns the last
// reference and never sleeps.
TEST_P(IomapExt4RaceTable, E1_SyncWriteBiosDoneBeforeTheDrop) {
  const auto w = four_blocks({{op(OpKind::PWrite, 1, 2 * kB, kB)}});
  const auto c = cfg(GetParam());
  const RunOut r = run_scripted(w, c, irq_first);
  check_case(r, {"task0", 0, 0, "", 0, false}, 1);
  EXPECT_EQ(r.count(EvKind::DioWake), 0u) << r.dump();
  const std::size_t zero = r.first(EvKind::DropRefcount, [](const model::Event& e) { return e.a == 0; });
  ASSERT_NE(zero, npos);
  EXPECT_EQ(r.actor(zero), "task0");
  expect_judged_clean(w, c, r);
}

// E2 / B4: an aligned AIO overwrite of written blocks (shared i_rwsem, overwrite ops). Every
// async write completes in the DIO worker on 6.6 / 6.18 (no inline write completion before
// 6.19), with nothing to convert.
TEST_P(IomapExt4RaceTable, E2_AioOverwriteCompletesInTheWorker) {
  const auto w = four_blocks({{op(OpKind::AioWrite, 1, 0, kB), op(OpKind::GetEvents, 2)}});
  const auto c = cfg(GetParam());
  const RunOut r = run_scripted(w, c, task_first);
  check_case(r, {"kworker/dio/", 0, 1, "kworker/dio/", 0, true}, 1);
  EXPECT_EQ(r.count(EvKind::ConvertStart), 0u) << r.dump();
  EXPECT_NE(r.first(EvKind::WqPublish), npos) << "the submitter created s_dio_done_wq";
  expect_judged_clean(w, c, r);
}

// E3 / B4: an AIO write into a preallocated (unwritten) block: converted in the worker,
// with no i_rwsem held, before the completion is posted.
TEST_P(IomapExt4RaceTable, E3_AioIntoUnwrittenConvertsInTheWorker) {
  const auto w = four_blocks({{op(OpKind::AioWrite, 1, kB, kB), op(OpKind::GetEvents, 2),
                               op(OpKind::PRead, 3, kB, kB)}});
  const auto c = cfg(GetParam());
  const RunOut r = run_scripted(w, c, task_first);
  check_case(r, {"kworker/dio/", 0, 1, "kworker/dio/", 0, true}, 1);
  const std::size_t conv = r.first_op(EvKind::ConvertDone, 1);
  ASSERT_NE(conv, npos) << r.dump();
  EXPECT_TRUE(r.by(conv, "kworker/dio/"));
  EXPECT_LT(conv, r.first_op(EvKind::InodeDioDone, 1));
  EXPECT_LT(conv, r.first_op(EvKind::AioComplete, 1));
  expect_judged_clean(w, c, r);
}

// E5: an extending AIO write is FORCE_WAIT under the exclusive i_rwsem: it never returns
// -EIOCBQUEUED; size and i_disksize move inside ->end_io in the submitter, and the AIO core
// posts the result.
TEST_P(IomapExt4RaceTable, E5_ExtendingAioIsWaitedForUnderTheExclusiveLock) {
  const auto w = four_blocks({{op(OpKind::AioWrite, 1, 4 * kB, kB), op(OpKind::GetEvents, 2)}});
  const auto c = cfg(GetParam());
  const RunOut r = run_scripted(w, c, task_first);
  check_case(r, {"task0", 0, 0, "task0", 0, false}, 1);
  const std::size_t ds = r.first(EvKind::DiskSizeUpdate);
  ASSERT_NE(ds, npos) << r.dump();
  EXPECT_EQ(r.actor(ds), "task0");
  EXPECT_EQ(r.ev(ds).b, static_cast<std::int64_t>(5 * kB));
  EXPECT_LT(ds, r.first_op(EvKind::AioComplete, 1));
  expect_judged_clean(w, c, r);
}

// E8 / B2: an AIO read completes inline in the interrupt: no ->end_io, nothing sleeps.
TEST_P(IomapExt4RaceTable, E8_AioReadCompletesInTheInterrupt) {
  const auto w = four_blocks({{op(OpKind::AioRead, 1, 0, kB), op(OpKind::GetEvents, 2)}});
  const auto c = cfg(GetParam());
  const RunOut r = run_scripted(w, c, task_first);
  check_case(r, {"irq", 1, 1, "irq", 1, true}, 1);
  expect_judged_clean(w, c, r);
}

// B1: every bio done before the submitter's drop: the submitter completes an async write and
// the AIO core (aio_rw_done) posts the result.
TEST_P(IomapExt4RaceTable, B1_AsyncWriteCompletedByTheSubmitter) {
  const auto w = four_blocks({{op(OpKind::AioWrite, 1, kB, kB), op(OpKind::GetEvents, 2)}});
  const auto c = cfg(GetParam());
  const RunOut r = run_scripted(w, c, irq_first);
  check_case(r, {"task0", 0, 0, "task0", 0, false}, 1);
  expect_judged_clean(w, c, r);
}

// FUA write-through: an O_DSYNC AIO overwrite of written blocks, inode clean in the journal,
// goes out REQ_FUA and skips generic_write_sync; into unwritten blocks it needs the sync.
TEST_P(IomapExt4RaceTable, DsyncOverwriteIsWriteThroughButUnwrittenIsSynced) {
  auto w = four_blocks({{op(OpKind::AioWrite, 1, 0, kB), op(OpKind::GetEvents, 2),
                         op(OpKind::AioWrite, 3, kB, kB), op(OpKind::GetEvents, 4)}});
  w.o_dsync = true;
  const auto c = cfg(GetParam());
  const RunOut r = run_scripted(w, c, task_first);
  ASSERT_TRUE(r.outcome.ok()) << r.dump();
  EXPECT_NE(r.first_op(EvKind::WriteThrough, 1), npos) << r.dump();
  EXPECT_EQ(r.first_op(EvKind::SyncStart, 1), npos) << r.dump();
  EXPECT_EQ(r.first_op(EvKind::WriteThrough, 3), npos) << r.dump();
  const std::size_t sync = r.first_op(EvKind::SyncStart, 3);
  ASSERT_NE(sync, npos) << r.dump();
  EXPECT_TRUE(r.by(sync, "kworker/dio/"));
  EXPECT_LT(r.first_op(EvKind::ConvertDone, 3), sync);
  expect_judged_clean(w, c, r);
}

// A failed bio of an AIO read: 6.6 (6.6.80) completes it in the interrupt like any read;
// 6.18.y (ddb4873286e0, 6.18.2) clears INLINE_COMP on error and punts it to the worker.
TEST_P(IomapExt4RaceTable, ReadErrorCompletionContext) {
  const Kernel k = GetParam();
  const auto w = four_blocks({{op(OpKind::AioRead, 1, 0, kB), op(OpKind::GetEvents, 2)}});
  model::Config c = cfg(k);
  model::Fault f;
  f.kind = model::Fault::Kind::BioError;
  f.nth = 1;
  c.faults = {f};
  const RunOut r = run_scripted(w, c, task_first);
  if (k == Kernel::V6_18)
    check_case(r, {"kworker/dio/", 0, 1, "kworker/dio/", 0, true}, 1);
  else
    check_case(r, {"irq", 1, 1, "irq", 1, true}, 1);
  const std::size_t reap = r.first(EvKind::AioReaped);
  ASSERT_NE(reap, npos) << r.dump();
  EXPECT_EQ(r.ev(reap).a, -EIO);
  expect_judged_clean(w, c, r);
}

// An I/O error on an AIO write into unwritten blocks: no conversion over failed data.
TEST_P(IomapExt4RaceTable, WriteErrorIsNotConverted) {
  const auto w = four_blocks({{op(OpKind::AioWrite, 1, kB, kB), op(OpKind::GetEvents, 2),
                               op(OpKind::PRead, 3, kB, kB)}});
  model::Config c = cfg(GetParam());
  model::Fault f;
  f.kind = model::Fault::Kind::BioError;
  f.nth = 1;
  c.faults = {f};
  const RunOut r = run_scripted(w, c, task_first);
  EXPECT_EQ(r.count(EvKind::ConvertStart), 0u) << r.dump();
  const std::size_t reap = r.first(EvKind::AioReaped);
  ASSERT_NE(reap, npos) << r.dump();
  EXPECT_EQ(r.ev(reap).a, -EIO);
  const std::size_t rd = r.first(EvKind::ReadData);
  ASSERT_NE(rd, npos);
  EXPECT_EQ(r.trace.data[r.ev(rd).data], model::kZero);
  expect_judged_clean(w, c, r);
}

// Mutant iomap-dio-uaf-last-ref (4ea899ead278) on the iomap engine: reading the dio after
// the submitter's decrement is a use after free once the worker completed it.
TEST_P(IomapExt4RaceTable, MutantUafLastRefIsCaught) {
  const auto w = four_blocks({{op(OpKind::AioWrite, 1, kB, kB), op(OpKind::GetEvents, 2)}});
  model::Config c = cfg(GetParam());
  c.mutants = {model::Mutant::IomapDioUafLastRef};
  // the submitter stops in the window after its decrement; bio and worker run first
  const RunOut r = run_scripted(w, c, [](const model::Trace& t) -> std::vector<std::string> {
    const bool dropped = std::any_of(t.events.begin(), t.events.end(), [](const model::Event& e) {
      return e.kind == EvKind::DropRefcount && e.a == 1;
    });
    if (dropped) return {"irq", "kworker", "task"};
    return {"task", "kworker", "irq"};
  });
  EXPECT_NE(r.count(EvKind::UseAfterFree), 0u) << r.dump();
}

INSTANTIATE_TEST_SUITE_P(Iomap, IomapExt4RaceTable, ::testing::Values(Kernel::V6_6, Kernel::V6_18),
                         [](const auto& p) { return kernel_param_name(p.param); });

// 6.6.0 against 6.6.80 (91562895f803, 6.6.3): an O_DSYNC extending direct write into a new
// block, then a power cut. 6.6.0 syncs in iomap_dio_complete before ext4_dio_write_iter moves
// i_disksize, so the reported write is past the durable EOF; 6.6 moves both sizes in
// ->end_io, before the sync.
TEST(Iomap660, ODsyncExtendingWriteSizeIsDurableOnlyWith91562895f803) {
  model::Workload w;
  w.initial_size = 3 * kB;
  w.written = {{0, 3 * kB}};
  model::Op wr = op(OpKind::PWrite, 1, 4 * kB, kB);
  wr.dsync = true;
  w.tasks.push_back(model::Task{{wr, op(OpKind::Crash, 2)}});
  for (const Kernel k : {Kernel::V6_6_0, Kernel::V6_6}) {
    const RunOut r = run_scripted(w, cfg(k), task_first);
    ASSERT_EQ(r.outcome.kind, sched::Outcome::Kind::Crash) << r.outcome.detail << r.dump();
    const std::size_t sync = r.first(EvKind::SyncStart), disk = r.first(EvKind::DiskSizeUpdate);
    ASSERT_NE(sync, npos) << r.dump();
    ASSERT_NE(disk, npos) << r.dump();
    const auto v = model::check(w, cfg(k), r.trace);
    if (k == Kernel::V6_6_0) {
      EXPECT_LT(sync, disk) << "6.6.0 moves i_disksize after the sync\n" << r.dump();
      ASSERT_EQ(v.size(), 1u) << describe(v) << r.dump();
      EXPECT_EQ(v[0].property, "crash-durability");
    } else {
      EXPECT_LT(disk, sync) << "6.6 moves i_disksize in ->end_io, before the sync\n" << r.dump();
      EXPECT_TRUE(v.empty()) << describe(v) << r.dump();
    }
  }
}

// The 6.6.0 variant is 6.6 without 91562895f803 and nothing else: on ext4 it runs exactly
// as 6.6 with the mutant that reverts that fix, and on XFS exactly as 6.6.
TEST(Iomap660, IsSixSixWithout91562895f803) {
  for (const model::Fs fs : {model::Fs::Ext4, model::Fs::Xfs}) {
    gen::GenOptions g;
    g.filesystems = {fs};
    g.kernels = {Kernel::V6_6};
    g.crash = true;
    for (std::uint64_t seed = 1; seed <= 60; ++seed) {
      const model::Workload w = gen::sample(gen::workload(g), seed);
      model::Config base = gen::sample(gen::config(g), seed ^ 0x9e3779b97f4a7c15ull);
      base.fs = fs;
      base.mutants.clear();
      model::Config old = base, reverted = base;
      old.kernel = Kernel::V6_6_0;
      reverted.kernel = Kernel::V6_6;
      if (fs == model::Fs::Ext4) reverted.mutants = {model::Mutant::Ext4SizeAfterDioSync};
      sched::RandomStrategy a, b;
      const RunOut ra = run(w, old, a, seed), rb = run(w, reverted, b, seed);
      EXPECT_EQ(model::trace_hash(ra.trace), model::trace_hash(rb.trace)) << "seed " << seed << "\n" << ra.dump();
    }
  }
}

// Random workloads (harness/gen) x random schedules on 6.6.0, 6.6 and 6.18 ext4: no BUG, use
// after free, leak or deadlock, and the reference model finds nothing but recorded findings.
class IomapExt4Random : public ::testing::TestWithParam<Kernel> {};
TEST_P(IomapExt4Random, HoldsEverything) { iomap::expect_random_holds(GetParam(), model::Fs::Ext4, 400); }
INSTANTIATE_TEST_SUITE_P(Iomap, IomapExt4Random, ::testing::Values(Kernel::V6_6_0, Kernel::V6_6, Kernel::V6_18),
                         [](const auto& p) { return kernel_param_name(p.param); });

}  // namespace
}  // namespace dc::test
