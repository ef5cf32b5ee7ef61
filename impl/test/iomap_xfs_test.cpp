// XFS on the iomap engine (6.6, 6.18): the race table of iomap-spec §6.6 with scripted
// schedules. Who runs iomap_dio_complete and ->end_io (xfs_dio_write_end_io), in which
// context; the order of conversion, in-core i_size, on-disk size and the user-visible
// completion; O_DSYNC through IOMAP_DIO_NEED_SYNC or FUA write-through; the unaligned
// OVERWRITE_ONLY retry; the EOF-zeroing drain; random workloads judged by the model.
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

model::Config cfg(Kernel k) { return engine_config(k, model::Fs::Xfs); }

// 4 blocks inside EOF: block 0 written, block 1 preallocated (unwritten), 2..3 holes.
model::Workload four_blocks(std::vector<std::vector<model::Op>> tasks) {
  model::Workload w = workload(4 * kB, std::move(tasks));
  w.written = {{0, kB}};
  w.preallocated = {{kB, kB}};
  return w;
}

class IomapXfsRaceTable : public ::testing::TestWithParam<Kernel> {};

// X1: an aligned AIO overwrite of written blocks inside EOF takes IOLOCK_SHARED, needs no
// ->end_io work, and still completes in the dio/<sb> worker: 6.6 and 6.18 set
// IOMAP_DIO_INLINE_COMP for reads only (inline completion of pure overwrites is 6.19,
// eca9dc20891d). Reads are the inline case: X7.
TEST_P(IomapXfsRaceTable, X1_AioOverwriteCompletesInTheWorkerWithNothingToDo) {
  const auto w = four_blocks({{op(OpKind::AioWrite, 1, 0, kB), op(OpKind::GetEvents, 2)}});
  const auto c = cfg(GetParam());
  const RunOut r = run_scripted(w, c, task_first);
  check_case(r, {"kworker/dio/", 0, 1, "kworker/dio/", 0, true}, 1);
  EXPECT_EQ(r.count(EvKind::ConvertStart), 0u) << r.dump();
  EXPECT_EQ(r.count(EvKind::SizeUpdate), 0u) << r.dump();
  EXPECT_EQ(r.count(EvKind::DiskSizeUpdate), 0u) << r.dump();
  expect_judged_clean(w, c, r);
}

// X7 / B2: an AIO read completes inline in the interrupt (no ->end_io for reads).
TEST_P(IomapXfsRaceTable, X7_AioReadCompletesInTheInterrupt) {
  const auto w = four_blocks({{op(OpKind::AioRead, 1, 0, kB), op(OpKind::GetEvents, 2)}});
  const auto c = cfg(GetParam());
  const RunOut r = run_scripted(w, c, task_first);
  check_case(r, {"irq", 1, 1, "irq", 1, true}, 1);
  expect_judged_clean(w, c, r);
}

// B1: all bios done before the submitter's drop: the submitter completes (inline, in its
// own context) and the AIO core posts the result.
TEST_P(IomapXfsRaceTable, B1_AsyncOverwriteCompletedByTheSubmitter) {
  const auto w = four_blocks({{op(OpKind::AioWrite, 1, 0, kB), op(OpKind::GetEvents, 2)}});
  const auto c = cfg(GetParam());
  const RunOut r = run_scripted(w, c, irq_first);
  check_case(r, {"task0", 0, 0, "task0", 0, false}, 1);
  expect_judged_clean(w, c, r);
}

// X2: an aligned AIO into a hole inside EOF: xfs_direct_write_iomap_begin allocates an
// unwritten extent (F_NEW); the conversion runs in the worker, after the submitter dropped
// the IOLOCK.
TEST_P(IomapXfsRaceTable, X2_AioIntoAHoleConvertsInTheWorker) {
  const auto w = four_blocks({{op(OpKind::AioWrite, 1, 2 * kB, kB), op(OpKind::GetEvents, 2),
                               op(OpKind::PRead, 3, 2 * kB, kB)}});
  const auto c = cfg(GetParam());
  const RunOut r = run_scripted(w, c, task_first);
  check_case(r, {"kworker/dio/", 0, 1, "kworker/dio/", 0, true}, 1);
  const std::size_t alloc = r.first(EvKind::ExtentMap, [](const model::Event& e) {
    return e.a == 2 && e.c == static_cast<std::int64_t>(model::ExtentState::Unwritten);
  });
  ASSERT_NE(alloc, npos) << r.dump();
  EXPECT_TRUE(r.by(alloc, "task0"));
  const std::size_t conv = r.first_op(EvKind::ConvertStart, 1);
  ASSERT_NE(conv, npos) << r.dump();
  EXPECT_TRUE(r.by(conv, "kworker/dio/"));
  // the submitter had returned -EIOCBQUEUED (and dropped the IOLOCK) before the conversion
  EXPECT_LT(r.first_op(EvKind::DioQueued, 1), conv) << r.dump();
  EXPECT_EQ(r.count(EvKind::SizeUpdate), 0u) << r.dump();
  expect_judged_clean(w, c, r);
}

// X3: an aligned *extending* AIO is not waited for (no FORCE_WAIT on the aligned path):
// the submitter returns -EIOCBQUEUED under IOLOCK_SHARED and the worker converts, raises
// i_size inside the conversion transaction (after the extent is written, ee70daaba82d), logs
// the on-disk size, and only then posts the completion.
TEST_P(IomapXfsRaceTable, X3_ExtendingAioMovesTheSizeAfterTheConversionInTheWorker) {
  auto w = workload(kB, {{op(OpKind::AioWrite, 1, kB, kB), op(OpKind::GetEvents, 2), op(OpKind::PRead, 3, kB, kB)}});
  w.written = {{0, kB}};
  const auto c = cfg(GetParam());
  const RunOut r = run_scripted(w, c, task_first);
  check_case(r, {"kworker/dio/", 0, 1, "kworker/dio/", 0, true}, 1);
  const std::size_t conv = r.first_op(EvKind::ConvertStart, 1);
  const std::size_t written = r.first(EvKind::ExtentMap, [](const model::Event& e) {
    return e.a == 1 && e.c == static_cast<std::int64_t>(model::ExtentState::Written);
  });
  const std::size_t isize = r.first(EvKind::SizeUpdate, [](const model::Event& e) { return e.b == 2 * kB; });
  const std::size_t dsize = r.first(EvKind::DiskSizeUpdate, [](const model::Event& e) { return e.b == 2 * kB; });
  const std::size_t done = r.first_op(EvKind::ConvertDone, 1);
  const std::size_t aio = r.first_op(EvKind::AioComplete, 1);
  ASSERT_NE(conv, npos) << r.dump();
  ASSERT_NE(isize, npos) << r.dump();
  ASSERT_NE(dsize, npos) << r.dump();
  EXPECT_TRUE(r.by(isize, "kworker/dio/")) << r.dump();
  EXPECT_TRUE(r.by(dsize, "kworker/dio/")) << r.dump();
  EXPECT_LT(conv, written);
  EXPECT_LT(written, isize);
  EXPECT_LT(isize, dsize);
  EXPECT_LT(dsize, done);
  EXPECT_LT(done, aio);
  expect_judged_clean(w, c, r);
}

// X3 without a conversion: EOF inside a written block; an aligned AIO over that block is a
// MAPPED overwrite that extends the file. xfs_dio_write_end_io raises i_size under
// i_flags_lock and logs the on-disk size (xfs_setfilesize), in the worker, before
// ki_complete: the size update alone forces the deferred completion.
TEST_P(IomapXfsRaceTable, X3_ExtendingOverwriteUpdatesTheSizeUnderIFlagsLock) {
  auto w = workload(kB + 512, {{op(OpKind::AioWrite, 1, kB, kB), op(OpKind::GetEvents, 2)}});
  w.written = {{0, 2 * kB}};
  const auto c = cfg(GetParam());
  const RunOut r = run_scripted(w, c, task_first);
  check_case(r, {"kworker/dio/", 0, 1, "kworker/dio/", 0, true}, 1);
  EXPECT_EQ(r.count(EvKind::ConvertStart), 0u) << r.dump();
  const std::size_t isize = r.first(EvKind::SizeUpdate, [](const model::Event& e) { return e.b == 2 * kB; });
  const std::size_t dsize = r.first(EvKind::DiskSizeUpdate, [](const model::Event& e) { return e.b == 2 * kB; });
  ASSERT_NE(isize, npos) << r.dump();
  ASSERT_NE(dsize, npos) << r.dump();
  EXPECT_TRUE(r.by(isize, "kworker/dio/")) << r.dump();
  EXPECT_LT(isize, dsize);
  EXPECT_LT(dsize, r.first_op(EvKind::AioComplete, 1));
  expect_judged_clean(w, c, r);
}

// A sync extending write: the submitter sleeps, the last bio wakes it, and it converts and
// moves both sizes before the write returns (A2).
TEST_P(IomapXfsRaceTable, SyncExtendingWriteMovesTheSizeBeforeReturning) {
  auto w = workload(kB, {{op(OpKind::PWrite, 1, kB, kB), op(OpKind::PRead, 2, 0, 2 * kB)}});
  w.written = {{0, kB}};
  const auto c = cfg(GetParam());
  const RunOut r = run_scripted(w, c, task_first);
  check_case(r, {"task0", 0, 0, "", 0, false}, 1);
  EXPECT_NE(r.first_op(EvKind::DioWake, 1), npos) << r.dump();
  const std::size_t dsize = r.first(EvKind::DiskSizeUpdate, [](const model::Event& e) { return e.b == 2 * kB; });
  ASSERT_NE(dsize, npos) << r.dump();
  EXPECT_TRUE(r.by(dsize, "task0"));
  EXPECT_LT(dsize, r.first_op(EvKind::OpEnd, 1));
  expect_judged_clean(w, c, r);
}

// O_DSYNC: an overwrite of written blocks with a clean log is REQ_FUA and skips
// generic_write_sync (WRITE_THROUGH survived); into unwritten blocks the conversion is
// metadata, so no FUA shortcut: NEED_SYNC, synced in the worker after the conversion.
TEST_P(IomapXfsRaceTable, DsyncOverwriteIsWriteThroughButUnwrittenIsSynced) {
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
  EXPECT_LT(sync, r.first_op(EvKind::AioComplete, 3));
  expect_judged_clean(w, c, r);
}

// O_DSYNC write spanning EOF over a written block: xfs_direct_write_iomap_begin marks it
// IOMAP_F_DIRTY (the completion logs a size), so it is not FUA: synced after the size.
TEST_P(IomapXfsRaceTable, DsyncExtendingOverwriteIsSyncedAfterTheSize) {
  auto w = workload(kB + 512, {{op(OpKind::AioWrite, 1, kB, kB), op(OpKind::GetEvents, 2)}});
  w.written = {{0, 2 * kB}};
  w.o_dsync = true;
  const auto c = cfg(GetParam());
  const RunOut r = run_scripted(w, c, task_first);
  ASSERT_TRUE(r.outcome.ok()) << r.dump();
  EXPECT_EQ(r.first_op(EvKind::WriteThrough, 1), npos) << r.dump();
  const std::size_t dsize = r.first(EvKind::DiskSizeUpdate, [](const model::Event& e) { return e.b == 2 * kB; });
  const std::size_t sync = r.first_op(EvKind::SyncStart, 1);
  ASSERT_NE(sync, npos) << r.dump();
  EXPECT_LT(dsize, sync);
  EXPECT_TRUE(r.by(sync, "kworker/dio/"));
  expect_judged_clean(w, c, r);
}

// O_SYNC (IOCB_SYNC) never takes the write-through shortcut, even over written blocks.
TEST_P(IomapXfsRaceTable, OsyncOverwriteIsAlwaysSynced) {
  auto w = four_blocks({{op(OpKind::AioWrite, 1, 0, kB), op(OpKind::GetEvents, 2)}});
  w.o_sync = true;
  const auto c = cfg(GetParam());
  const RunOut r = run_scripted(w, c, task_first);
  ASSERT_TRUE(r.outcome.ok()) << r.dump();
  EXPECT_EQ(r.first_op(EvKind::WriteThrough, 1), npos) << r.dump();
  EXPECT_NE(r.first_op(EvKind::SyncStart, 1), npos) << r.dump();
  expect_judged_clean(w, c, r);
}

// X4: a sub-block AIO inside EOF over a written block: IOLOCK_SHARED with
// IOMAP_DIO_OVERWRITE_ONLY, accepted as it is (no zeroing needed), queued.
TEST_P(IomapXfsRaceTable, X4_UnalignedOverwriteGoesSharedAndQueued) {
  const auto w = four_blocks({{op(OpKind::AioWrite, 1, 512, 1024), op(OpKind::GetEvents, 2)}});
  const auto c = cfg(GetParam());
  const RunOut r = run_scripted(w, c, task_first);
  check_case(r, {"kworker/dio/", 0, 1, "kworker/dio/", 0, true}, 1);
  EXPECT_EQ(r.count_op(EvKind::DioSubmit, 1), 1u) << r.dump();
  expect_judged_clean(w, c, r);
}

// X5: a sub-block AIO into an unwritten block: OVERWRITE_ONLY refuses it (-EAGAIN from
// xfs_direct_write_iomap_begin), xfs_file_dio_write_unaligned retries exclusive with
// FORCE_WAIT after inode_dio_wait: a second dio, completed by the submitter like a sync one.
TEST_P(IomapXfsRaceTable, X5_UnalignedIntoUnwrittenRetriesExclusiveAndWaits) {
  const auto w = four_blocks({{op(OpKind::AioWrite, 1, kB + 512, 1024), op(OpKind::GetEvents, 2),
                               op(OpKind::PRead, 3, kB, kB)}});
  const auto c = cfg(GetParam());
  const RunOut r = run_scripted(w, c, task_first);
  ASSERT_TRUE(r.outcome.ok()) << r.dump();
  EXPECT_EQ(r.count_op(EvKind::DioSubmit, 1), 2u) << r.dump();
  EXPECT_EQ(r.first_op(EvKind::DioQueued, 1), npos) << r.dump();
  const std::size_t wait = r.first_op(EvKind::InodeDioWaitBegin, 1);
  ASSERT_NE(wait, npos) << r.dump();
  const std::size_t conv = r.first_op(EvKind::ConvertStart, 1);
  ASSERT_NE(conv, npos) << r.dump();
  EXPECT_TRUE(r.by(conv, "task0"));
  const std::size_t ac = r.first_op(EvKind::AioComplete, 1);
  ASSERT_NE(ac, npos) << r.dump();
  EXPECT_TRUE(r.by(ac, "task0"));  // aio_rw_done: the submitter posts the result
  expect_judged_clean(w, c, r);
}

// EOF zeroing drains AIO first (40c63fbc55a9): a write starting past EOF while an extending
// AIO is in flight upgrades to IOLOCK_EXCL, waits in inode_dio_wait until that completion
// has moved EOF, restarts its checks, then zeroes from the new EOF.
TEST_P(IomapXfsRaceTable, EofZeroingDrainsInFlightAio) {
  auto w = workload(kB, {{op(OpKind::AioWrite, 1, kB, kB), op(OpKind::PWrite, 2, 3 * kB, kB),
                          op(OpKind::GetEvents, 3), op(OpKind::PRead, 4, 0, 4 * kB)}});
  w.written = {{0, kB}};
  const auto c = cfg(GetParam());
  const RunOut r = run_scripted(w, c, task_first);
  const std::size_t wb = r.first_op(EvKind::InodeDioWaitBegin, 2);
  const std::size_t we = r.first_op(EvKind::InodeDioWaitEnd, 2);
  const std::size_t dc = r.first_op(EvKind::DioComplete, 1);
  ASSERT_NE(wb, npos) << r.dump();
  ASSERT_NE(we, npos) << r.dump();
  EXPECT_LT(wb, dc) << r.dump();
  EXPECT_LT(dc, we) << r.dump();
  EXPECT_LT(we, r.first_op(EvKind::DioSubmit, 2)) << r.dump();
  expect_judged_clean(w, c, r);
}

// A failed bio of an AIO read: inline in the interrupt on 6.6 (6.6.80), in the worker on
// 6.18.y (ddb4873286e0, 6.18.2). A failed write is never converted.
TEST_P(IomapXfsRaceTable, ErrorCompletions) {
  const Kernel k = GetParam();
  {
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
    expect_judged_clean(w, c, r);
  }
  {
    const auto w = four_blocks({{op(OpKind::AioWrite, 1, kB, kB), op(OpKind::GetEvents, 2),
                                 op(OpKind::PRead, 3, kB, kB)}});
    model::Config c = cfg(k);
    model::Fault f;
    f.kind = model::Fault::Kind::BioError;
    f.nth = 1;
    c.faults = {f};
    const RunOut r = run_scripted(w, c, task_first);
    EXPECT_EQ(r.count(EvKind::ConvertStart), 0u) << r.dump();
    const std::size_t reap = r.first(EvKind::AioReaped);
    ASSERT_NE(reap, npos) << r.dump();
    EXPECT_EQ(r.ev(reap).a, -EIO);
    expect_judged_clean(w, c, r);
  }
}

// Truncate waits for an extending AIO before it samples the size (xfs_setattr_size:
// inode_dio_wait first), so the completion cannot move EOF past the truncate.
TEST_P(IomapXfsRaceTable, TruncateWaitsForExtendingAio) {
  auto w = workload(kB, {{op(OpKind::AioWrite, 1, kB, kB)}, {op(OpKind::Truncate, 2, 0, 512)}});
  w.written = {{0, kB}};
  w.tasks[0].ops.push_back(op(OpKind::GetEvents, 3));
  const auto c = cfg(GetParam());
  const RunOut r = run_scripted(w, c, task_first);
  const std::size_t we = r.first_op(EvKind::InodeDioWaitEnd, 2);
  ASSERT_NE(we, npos) << r.dump();
  const std::size_t tr = r.first(EvKind::SizeUpdate, [](const model::Event& e) { return e.b == 512; });
  ASSERT_NE(tr, npos) << r.dump();
  EXPECT_LT(r.first_op(EvKind::DioComplete, 1), we) << r.dump();
  EXPECT_LT(we, tr);
  expect_judged_clean(w, c, r);
}

INSTANTIATE_TEST_SUITE_P(Iomap, IomapXfsRaceTable, ::testing::Values(Kernel::V6_6, Kernel::V6_18),
                         [](const auto& p) { return kernel_param_name(p.param); });

class IomapXfsRandom : public ::testing::TestWithParam<Kernel> {};
TEST_P(IomapXfsRandom, HoldsEverything) { expect_random_holds(GetParam(), model::Fs::Xfs, 400); }
INSTANTIATE_TEST_SUITE_P(Iomap, IomapXfsRandom, ::testing::Values(Kernel::V6_6, Kernel::V6_18),
                         [](const auto& p) { return kernel_param_name(p.param); });

}  // namespace
}  // namespace dc::test
