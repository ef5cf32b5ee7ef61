// check_observable on hand-built user-level histories (the shape of host-kernel traces).
#include <algorithm>

#include <gtest/gtest.h>

#include "model/test/trace_builder.hpp"

namespace dc::model::test {
namespace {

constexpr std::uint32_t W(std::uint32_t op) { return op + 1; }  // write id of op

// Task 0 writes 1024 bytes at 0, then task 0 reads them back.
TEST(Observable, SequentialWriteThenReadPasses) {
  const Workload w = workload({{mk(OpKind::PWrite, 0, 0, 1024), mk(OpKind::PRead, 1, 0, 1024)}}, 4096);
  TraceBuilder b;
  b.begin(w.tasks[0].ops[0]);
  b.end(0, 1024);
  b.begin(w.tasks[0].ops[1]);
  b.read_data(1, 0, 1024, {W(0), W(0)});
  b.end(1, 1024);
  EXPECT_TRUE(check_observable(w, b.t).empty());
}

TEST(Observable, StaleReadAfterCompletedWriteIsFlagged) {
  Workload w = workload({{mk(OpKind::PWrite, 0, 0, 1024), mk(OpKind::PRead, 1, 0, 1024)}}, 4096);
  w.written = {{0, 4096}};
  TraceBuilder b;
  b.begin(w.tasks[0].ops[0]);
  b.end(0, 1024);
  b.begin(w.tasks[0].ops[1]);
  const std::size_t rd = b.read_data(1, 0, 1024, {W(0), kInitialData});
  b.end(1, 1024);
  const auto v = check_observable(w, b.t);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].property, "read-sees-allowed-write");
  EXPECT_EQ(v[0].event, rd);
  EXPECT_NE(v[0].expected.find("data-of-op-0"), std::string::npos);
  EXPECT_NE(v[0].actual.find("initial-data"), std::string::npos);
}

// A write overlapping the read in real time may or may not be seen, per sector.
TEST(Observable, ConcurrentWriteMayOrMayNotBeSeenPerSector) {
  Workload w = workload({{mk(OpKind::PWrite, 0, 0, 1024)}, {mk(OpKind::PRead, 1, 0, 1024)}}, 4096);
  w.written = {{0, 4096}};
  for (auto ids : {std::vector<std::uint32_t>{kInitialData, kInitialData},
                   std::vector<std::uint32_t>{W(0), kInitialData},
                   std::vector<std::uint32_t>{kInitialData, W(0)}, std::vector<std::uint32_t>{W(0), W(0)}}) {
    TraceBuilder b;
    b.as(0).begin(w.tasks[0].ops[0]);
    b.as(1).begin(w.tasks[1].ops[0]);
    b.read_data(1, 0, 1024, ids);
    b.end(1, 1024);
    b.as(0).end(0, 1024);
    EXPECT_TRUE(check_observable(w, b.t).empty());
  }
}

TEST(Observable, ForeignDataIsNeverAllowed) {
  const Workload w = workload({{mk(OpKind::PRead, 0, 0, 512)}}, 4096);
  TraceBuilder b;
  b.begin(w.tasks[0].ops[0]);
  const std::size_t rd = b.read_data(0, 0, 512, {kForeign});
  b.end(0, 512);
  const auto v = check_observable(w, b.t);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].property, "read-no-foreign");
  EXPECT_EQ(v[0].event, rd);
}

// Several files: each file is judged on its own writes and size; another file's data (or
// file 0's initial data in file 1) is foreign.
TEST(Observable, AnotherFilesDataIsForeignAndEachFileHasItsOwnSize) {
  Op rd1 = mk(OpKind::PRead, 1, 0, 512);
  rd1.file = 1;
  Workload w = workload({{mk(OpKind::PWrite, 0, 0, 512), rd1}}, 4096);
  w.written = {{0, 4096}};
  w.files = 2;
  for (const std::uint32_t seen : {W(0), kInitialData}) {
    TraceBuilder b;
    b.begin(w.tasks[0].ops[0]);
    b.end(0, 512);
    b.begin(w.tasks[0].ops[1]);
    const std::size_t rd = b.read_data(1, 0, 512, {seen});
    b.end(1, 512);
    const auto v = check_observable(w, b.t);
    // file 1 is empty: the read should have returned 0 bytes, and what it returned is foreign
    EXPECT_EQ(props(v), (std::vector<std::string>{"read-no-foreign", "op-result"})) << seen;
    EXPECT_EQ(v.at(0).event, rd);
  }
  TraceBuilder ok;  // file 1 is empty: the read returns nothing
  ok.begin(w.tasks[0].ops[0]);
  ok.end(0, 512);
  ok.begin(w.tasks[0].ops[1]);
  ok.read_data(1, 0, 0, {});
  ok.end(1, 0);
  EXPECT_TRUE(check_observable(w, ok.t).empty());
}

// The old data of a freed and reallocated block (stale_of) is foreign even when it is the
// data of a write that covered the very same sector and was allowed there before a truncate.
TEST(Observable, StaleDataOfAReallocatedBlockIsForeign) {
  const Workload w = workload({{mk(OpKind::PWrite, 0, 0, 512), mk(OpKind::PRead, 1, 0, 512)}}, 4096);
  for (const std::uint32_t seen : {W(0), stale_of(W(0)), stale_of(kInitialData)}) {
    TraceBuilder b;
    b.begin(w.tasks[0].ops[0]);
    b.end(0, 512);
    b.begin(w.tasks[0].ops[1]);
    const std::size_t rd = b.read_data(1, 0, 512, {seen});
    b.end(1, 512);
    const auto v = check_observable(w, b.t);
    if (seen == W(0)) {
      EXPECT_TRUE(v.empty());
      continue;
    }
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].property, "read-no-foreign");
    EXPECT_EQ(v[0].event, rd);
  }
}

// Two writes that both completed before the read: if they were sequential only the second
// is allowed; if they overlapped each other either may be the last.
TEST(Observable, NewestCompletedWriteWinsUnlessWritesOverlapped) {
  const Workload w = workload({{mk(OpKind::PWrite, 0, 0, 512)}, {mk(OpKind::PWrite, 1, 0, 512)},
                               {mk(OpKind::PRead, 2, 0, 512)}}, 512);
  {
    TraceBuilder b;  // sequential: 0 then 1
    b.as(0).begin(w.tasks[0].ops[0]);
    b.end(0, 512);
    b.as(1).begin(w.tasks[1].ops[0]);
    b.end(1, 512);
    b.as(2).begin(w.tasks[2].ops[0]);
    const std::size_t rd = b.read_data(2, 0, 512, {W(0)});
    b.end(2, 512);
    const auto v = check_observable(w, b.t);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].event, rd);
  }
  {
    TraceBuilder b;  // overlapping writes
    b.as(0).begin(w.tasks[0].ops[0]);
    b.as(1).begin(w.tasks[1].ops[0]);
    b.as(0).end(0, 512);
    b.as(1).end(1, 512);
    b.as(2).begin(w.tasks[2].ops[0]);
    b.read_data(2, 0, 512, {W(0)});
    b.end(2, 512);
    EXPECT_TRUE(check_observable(w, b.t).empty());
  }
}

TEST(Observable, TruncateShrinkThenGrowReadsZeros) {
  Workload w = workload({{mk(OpKind::Truncate, 0, 0, 512), mk(OpKind::Truncate, 1, 0, 2048),
                          mk(OpKind::PRead, 2, 0, 2048)}}, 2048);
  w.written = {{0, 2048}};
  for (bool bad : {false, true}) {
    TraceBuilder b;
    b.begin(w.tasks[0].ops[0]);
    b.end(0, 0);
    b.begin(w.tasks[0].ops[1]);
    b.end(1, 0);
    b.begin(w.tasks[0].ops[2]);
    const std::size_t rd =
        b.read_data(2, 0, 2048, {kInitialData, kZero, bad ? kInitialData : kZero, kZero});
    b.end(2, 2048);
    const auto v = check_observable(w, b.t);
    if (!bad) {
      EXPECT_TRUE(v.empty());
    } else {
      ASSERT_EQ(v.size(), 1u);
      EXPECT_EQ(v[0].property, "read-sees-allowed-write");
      EXPECT_EQ(v[0].event, rd);
    }
  }
}

TEST(Observable, PreallocatedRangeReadsZeros) {
  Workload w = workload({{mk(OpKind::PRead, 0, 0, 1024)}}, 4096);
  w.written = {{0, 4096}};
  w.preallocated = {{512, 512}};
  TraceBuilder ok;
  ok.begin(w.tasks[0].ops[0]);
  ok.read_data(0, 0, 1024, {kInitialData, kZero});
  ok.end(0, 1024);
  EXPECT_TRUE(check_observable(w, ok.t).empty());
  TraceBuilder bad;
  bad.begin(w.tasks[0].ops[0]);
  bad.read_data(0, 0, 1024, {kInitialData, kInitialData});
  bad.end(0, 1024);
  EXPECT_EQ(props(check_observable(w, bad.t)), std::vector<std::string>{"read-sees-allowed-write"});
}

TEST(Observable, ShortReadAtEofAndExtendingWrite) {
  const Workload w = workload({{mk(OpKind::PRead, 0, 0, 2048), mk(OpKind::PWrite, 1, 1024, 1024),
                                mk(OpKind::PRead, 2, 0, 2048)}}, 1024);
  TraceBuilder b;
  b.begin(w.tasks[0].ops[0]);
  b.read_data(0, 0, 1024, {kZero, kZero});
  b.end(0, 1024);  // clamped at EOF
  b.begin(w.tasks[0].ops[1]);
  b.end(1, 1024);
  b.begin(w.tasks[0].ops[2]);
  b.read_data(2, 0, 1024, {kZero, kZero});
  const std::size_t bad = b.end(2, 1024);  // must see the extension: 2048
  const auto v = check_observable(w, b.t);
  ASSERT_EQ(v.size(), 1u);  // the first, clamped read is fine
  EXPECT_EQ(v[0].property, "op-result");
  EXPECT_EQ(v[0].event, bad);
}

// An extending write moves i_size block by block (XFS per converted extent): a read it
// overlaps may stop at a block boundary inside it, a read after it may not.
TEST(Observable, ReadDuringAnExtendingWriteMayStopAtABlockBoundary) {
  // file of 1 block; task 0 writes blocks 1..3; task 1 reads blocks 1..2.
  const Workload w = workload({{mk(OpKind::PWrite, 0, 4096, 12288)}, {mk(OpKind::BufRead, 1, 4096, 8192)}}, 4096);
  auto run = [&](bool overlap, std::int64_t got) {
    TraceBuilder b;
    b.as(0).begin(w.tasks[0].ops[0]);
    if (!overlap) b.end(0, 12288);
    b.as(1).begin(w.tasks[1].ops[0]);
    b.read_data(1, 4096, got, std::vector<std::uint32_t>(static_cast<std::size_t>(got / 512), W(0)));
    b.end(1, got);
    if (overlap) b.as(0).end(0, 12288);
    return props(check_observable(w, b.t));
  };
  EXPECT_TRUE(run(true, 4096).empty());
  EXPECT_TRUE(run(true, 8192).empty());
  EXPECT_EQ(run(true, 2048), std::vector<std::string>{"op-result"});  // not a block boundary
  EXPECT_EQ(run(false, 4096), std::vector<std::string>{"op-result"});
}

// A truncate landing in the middle of a read cuts it at a block boundary between the new
// and the old size (the kernel checks i_size once per page).
TEST(Observable, ReadRacingATruncateMayStopAtABlockBoundary) {
  const Workload w = workload({{mk(OpKind::Truncate, 0, 0, 4096)}, {mk(OpKind::BufRead, 1, 0, 16384)}}, 16384);
  auto run = [&](bool overlap, std::int64_t got) {
    TraceBuilder b;
    b.as(0).begin(w.tasks[0].ops[0]);
    if (!overlap) b.end(0, 0);
    b.as(1).begin(w.tasks[1].ops[0]);
    b.read_data(1, 0, got, std::vector<std::uint32_t>(static_cast<std::size_t>(got / 512), kZero));
    b.end(1, got);
    if (overlap) b.as(0).end(0, 0);
    return props(check_observable(w, b.t));
  };
  EXPECT_TRUE(run(true, 12288).empty());
  EXPECT_EQ(run(true, 10240), std::vector<std::string>{"op-result"});
  EXPECT_EQ(run(false, 12288), std::vector<std::string>{"op-result"});
  EXPECT_TRUE(run(false, 4096).empty());
}

TEST(Observable, ReadMustCoverReportedExtendingWrite) {
  const Workload w = workload({{mk(OpKind::PWrite, 0, 1024, 1024), mk(OpKind::PRead, 1, 0, 2048)}}, 1024);
  TraceBuilder b;
  b.begin(w.tasks[0].ops[0]);
  b.end(0, 1024);
  b.begin(w.tasks[0].ops[1]);
  b.read_data(1, 0, 1024, {kZero, kZero});
  const std::size_t e = b.end(1, 1024);
  const auto v = check_observable(w, b.t);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].property, "op-result");
  EXPECT_EQ(v[0].event, e);
  EXPECT_EQ(v[0].expected, "one of [-12, 2048]");  // -ENOMEM is always possible for DIO
}

TEST(Observable, MisalignedDirectIoIsEinval) {
  const Workload w = workload({{mk(OpKind::PWrite, 0, 100, 512), mk(OpKind::BufWrite, 1, 100, 512)}}, 0);
  TraceBuilder good;
  good.begin(w.tasks[0].ops[0]);
  good.end(0, -22);
  good.begin(w.tasks[0].ops[1]);
  good.end(1, 512);
  EXPECT_TRUE(check_observable(w, good.t).empty());
  TraceBuilder bad;
  bad.begin(w.tasks[0].ops[0]);
  const std::size_t e = bad.end(0, 512);
  const auto v = check_observable(w, bad.t);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].property, "op-result");
  EXPECT_EQ(v[0].event, e);
}

// A sub-block buffered write racing a direct write to the same block may write the rest of
// the block back as it filled it (zeros over an unwritten extent): allowed only while the two
// overlap in time, and only until a later reported write supersedes it.
TEST(Observable, BufferedSubBlockWriteRacingDirectWriteMayZeroTheBlock) {
  // task 0: pwrite block 0 (8 sectors); task 1: buffered write of sector 7; task 2: read.
  const Workload w = workload({{mk(OpKind::PWrite, 0, 0, 4096)}, {mk(OpKind::BufWrite, 1, 3584, 512)},
                               {mk(OpKind::PRead, 2, 0, 4096)}}, 4096);
  std::vector<std::uint32_t> seen(8, W(0));
  seen[0] = kZero;
  seen[7] = W(1);
  auto run = [&](bool overlap) {
    TraceBuilder b;
    b.race(w.tasks[0].ops[0], 4096, w.tasks[1].ops[0], 512, overlap);
    b.as(2).begin(w.tasks[2].ops[0]);
    b.read_data(2, 0, 4096, seen);
    b.end(2, 4096);
    return props(check_observable(w, b.t));
  };
  EXPECT_TRUE(run(true).empty());
  EXPECT_EQ(run(false), std::vector<std::string>{"read-sees-allowed-write"});
}

// A misaligned direct write that failed -EINVAL did nothing on 3.12 (engine traces carry a
// Config); on a host kernel (iomap checks alignment per mapping) part of it may be written.
TEST(Observable, MisalignedDirectWriteFailingEinvalMayHaveWrittenOnlyOnTheHost) {
  const Workload w = workload({{mk(OpKind::PWrite, 0, 0, 4100), mk(OpKind::PRead, 1, 0, 512)}}, 4096);
  TraceBuilder b;
  b.begin(w.tasks[0].ops[0]);
  b.end(0, -22);
  b.begin(w.tasks[0].ops[1]);
  b.read_data(1, 0, 512, {W(0)});
  b.end(1, 512);
  EXPECT_TRUE(check_observable(w, b.t).empty());
  const auto v = props(check(w, Config{}, b.t));
  EXPECT_EQ(std::count(v.begin(), v.end(), "read-sees-allowed-write"), 1);
}

// A zero-length direct write at a misaligned offset covers no sector: even where a failed
// misaligned write may have written a part (host histories), the sector holding its offset
// keeps its old contents (found by SequentialModel.CorruptedReadSectorIsCaught).
TEST(Observable, ZeroLengthMisalignedWriteCoversNoSector) {
  const Workload w = workload({{mk(OpKind::PWrite, 0, 612, 0), mk(OpKind::BufRead, 1, 512, 512)}}, 1024);
  TraceBuilder b;
  b.begin(w.tasks[0].ops[0]);
  b.end(0, -22);
  b.begin(w.tasks[0].ops[1]);
  b.read_data(1, 512, 512, {W(0)});
  b.end(1, 512);
  EXPECT_EQ(props(check_observable(w, b.t)), std::vector<std::string>{"read-sees-allowed-write"});
}

// On the ported kernels a zero-length write returns 0 whatever its alignment: 3.x
// __generic_file_aio_write (ext4) and xfs_file_aio_write return at count == 0 before
// do_blockdev_direct_IO checks alignment, 6.x ext4_generic_write_checks likewise (found by
// the coverage-guided strategy on 3.12-fixed, 6.6 and 6.18; docs/triage/README.md).
TEST(Observable, ZeroLengthDirectWriteReturnsZeroOnThePortedKernels) {
  auto op_result = [](std::uint64_t off, std::int64_t res, const Config* c) {
    const Workload w = workload({{mk(OpKind::PWrite, 0, off, 0)}}, 4096);
    TraceBuilder b;
    b.begin(w.tasks[0].ops[0]);
    b.end(0, res);
    const auto v = props(c ? check(w, *c, b.t) : check_observable(w, b.t));
    return std::count(v.begin(), v.end(), "op-result");
  };
  Config xfs;
  xfs.fs = Fs::Xfs;
  const Config ext4;
  EXPECT_EQ(op_result(2426, 0, &ext4), 0);
  EXPECT_EQ(op_result(2426, 0, &xfs), 0);
  EXPECT_EQ(op_result(2426, -22, &ext4), 1);
  Config v66;
  v66.kernel = Kernel::V6_6;
  EXPECT_EQ(op_result(2426, 0, &v66), 0);
  EXPECT_EQ(op_result(2426, -22, nullptr), 0);  // host histories: -EINVAL
  EXPECT_EQ(op_result(2426, 0, nullptr), 1);
}

// A zero-length direct read: 3.x ext4 returns 0 before any alignment check
// (generic_file_aio_read), 3.x XFS checks the alignment first (-EINVAL unless at EOF), iomap
// reads return 0 (found by the guided strategy on 3.12-fixed ext4, docs/triage/README.md).
TEST(Observable, ZeroLengthDirectReadFollowsEachKernel) {
  auto op_result = [](std::int64_t res, const Config& c) {
    const Workload w = workload({{mk(OpKind::PRead, 0, 2426, 0)}}, 8192);
    TraceBuilder b;
    b.begin(w.tasks[0].ops[0]);
    b.end(0, res);
    const auto v = props(check(w, c, b.t));
    return std::count(v.begin(), v.end(), "op-result");
  };
  const Config ext4;
  Config xfs;
  xfs.fs = Fs::Xfs;
  Config v618 = ext4;
  v618.kernel = Kernel::V6_18;
  EXPECT_EQ(op_result(0, ext4), 0);
  EXPECT_EQ(op_result(-22, ext4), 1);
  EXPECT_EQ(op_result(-22, xfs), 0);
  EXPECT_EQ(op_result(0, xfs), 1);
  EXPECT_EQ(op_result(0, v618), 0);
}

// A misaligned O_DIRECT read starting at EOF returns 0: XFS only at exactly i_size, ext4
// (and host histories, no Config) at or past it.
TEST(Observable, MisalignedDirectReadAtEofReturnsZero) {
  auto op_result = [](std::uint64_t off, const Config* c) {
    const Workload w = workload({{mk(OpKind::PRead, 0, off, 100)}}, 4096);
    TraceBuilder b;
    b.begin(w.tasks[0].ops[0]);
    b.end(0, 0);
    const auto v = props(c ? check(w, *c, b.t) : check_observable(w, b.t));
    return std::count(v.begin(), v.end(), "op-result");
  };
  Config xfs;
  xfs.fs = Fs::Xfs;
  const Config ext4;
  EXPECT_EQ(op_result(4096, &xfs), 0);
  EXPECT_EQ(op_result(8192, &xfs), 1);
  EXPECT_EQ(op_result(8192, &ext4), 0);
  EXPECT_EQ(op_result(8192, nullptr), 0);
  EXPECT_EQ(op_result(1024, &ext4), 1);  // inside the file: -EINVAL
}

// A failed bio makes the result -EIO; the data may then be old or new, never anything else.
TEST(Observable, FailedBioGivesEioAndOldOrNewData) {
  Workload w = workload({{mk(OpKind::PWrite, 0, 0, 512), mk(OpKind::PRead, 1, 0, 512)}}, 512);
  w.written = {{0, 512}};
  for (std::uint32_t seen : {kInitialData, W(0), kZero}) {
    for (std::int64_t res : {std::int64_t{-5}, std::int64_t{512}}) {
      TraceBuilder b;
      b.begin(w.tasks[0].ops[0]);
      b.obj(EvKind::DioSubmit, 7, 0, 512, 1, 0);
      b.as(1, 1).obj(EvKind::BioEnd, 8, -5, 0, 7);
      const std::size_t e = b.as(0).end(0, res);
      b.begin(w.tasks[0].ops[1]);
      const std::size_t rd = b.read_data(1, 0, 512, {seen});
      b.end(1, 512);
      std::vector<std::pair<std::string, std::size_t>> got;
      for (const auto& v : check_observable(w, b.t)) got.emplace_back(v.property, v.event);
      std::vector<std::pair<std::string, std::size_t>> want;
      if (res != -5) want.emplace_back("op-result", e);
      // A write reported successful must be visible; a failed one may be old or new.
      if (seen == kZero || (res > 0 && seen != W(0))) want.emplace_back("read-sees-allowed-write", rd);
      EXPECT_EQ(got, want) << "seen=" << seen << " res=" << res;
    }
  }
}

// A submission error after a bio of the same dio failed is the result (3.x dio_complete takes
// do_direct_IO's error before dio->io_error: get_block's io_end allocation can fail after the
// first bios went out); a byte count is not (the guided strategy's two-fault case, docs/triage).
TEST(Observable, SubmissionErrorAfterAFailedBioIsTheResult) {
  const Workload w = workload({{mk(OpKind::PWrite, 0, 0, 8192)}}, 8192);
  auto op_result = [&](std::int64_t res) {
    TraceBuilder b;
    b.begin(w.tasks[0].ops[0]);
    b.obj(EvKind::DioSubmit, 7, 0, 8192, 1, 0);
    b.as(1, 1).obj(EvKind::BioEnd, 8, -5, 0, 7);
    b.as(0).end(0, res);
    const auto v = props(check_observable(w, b.t));
    return std::count(v.begin(), v.end(), "op-result");
  };
  EXPECT_EQ(op_result(-12), 0);
  EXPECT_EQ(op_result(-5), 0);
  EXPECT_EQ(op_result(8192), 1);
  EXPECT_EQ(op_result(-22), 1);
}

// Only the op's last dio gives its result: a first attempt that ended in -EAGAIN (a NOWAIT
// refusal set first, then its submitted bio failed) is reissued whole (io_uring 6.14+, XFS's
// exclusive retry), and the retry's byte count is the result (found by `fuzz --io-uring` on 6.18
// XFS, docs/findings.md).
TEST(Observable, OnlyTheLastDioOfARetriedOpGivesItsResult) {
  Workload w = workload({{mk(OpKind::PRead, 0, 0, 4096)}}, 4096);
  w.written = {{0, 4096}};
  auto op_result = [&](bool retry_fails, std::int64_t res) {
    TraceBuilder b;
    b.begin(w.tasks[0].ops[0]);
    b.obj(EvKind::DioSubmit, 7, 0, 4096, 0, 0);
    b.as(1, 1).obj(EvKind::BioEnd, 8, -5, 0, 7);
    b.as(0).obj(EvKind::DioSubmit, 9, 0, 4096, 0, 0);
    b.as(1, 1).obj(EvKind::BioEnd, 10, retry_fails ? -5 : 0, 0, 9);
    b.as(0);
    if (res > 0) b.read_data(0, 0, 4096, std::vector<std::uint32_t>(8, kInitialData));
    b.end(0, res);
    const auto v = props(check_observable(w, b.t));
    return std::count(v.begin(), v.end(), "op-result");
  };
  EXPECT_EQ(op_result(false, 4096), 0);
  EXPECT_EQ(op_result(false, -5), 1);
  EXPECT_EQ(op_result(true, -5), 0);
  EXPECT_EQ(op_result(true, 4096), 1);
}

TEST(Observable, AioWriteVisibleOnlyOnceReaped) {
  Workload w = workload({{mk(OpKind::AioWrite, 0, 0, 512), mk(OpKind::PRead, 1, 0, 512),
                          mk(OpKind::GetEvents, 2), mk(OpKind::PRead, 3, 0, 512)}}, 512);
  w.written = {{0, 512}};
  TraceBuilder b;
  b.begin(w.tasks[0].ops[0]);
  b.end(0, 1);
  b.begin(w.tasks[0].ops[1]);
  b.read_data(1, 0, 512, {kInitialData});  // not reaped yet: old allowed
  b.end(1, 512);
  b.begin(w.tasks[0].ops[2]);
  b.reaped(0, 512);
  b.end(2, 1);
  b.begin(w.tasks[0].ops[3]);
  const std::size_t rd = b.read_data(3, 0, 512, {kInitialData});  // reaped: must see it
  b.end(3, 512);
  const auto v = check_observable(w, b.t);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].property, "read-sees-allowed-write");
  EXPECT_EQ(v[0].event, rd);
}

TEST(Observable, IocbReapedTwiceAndGetEventsCount) {
  const Workload w = workload({{mk(OpKind::AioWrite, 0, 0, 512), mk(OpKind::GetEvents, 1)}}, 0);
  TraceBuilder b;
  b.begin(w.tasks[0].ops[0]);
  b.end(0, 1);
  b.begin(w.tasks[0].ops[1]);
  b.reaped(0, 512);
  const std::size_t second = b.reaped(0, 512);
  const std::size_t ge = b.end(1, 1);
  const auto v = check_observable(w, b.t);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].property, "aio-reaped-once");
  EXPECT_EQ(v[0].event, second);
  EXPECT_EQ(v[1].property, "getevents-count");
  EXPECT_EQ(v[1].event, ge);
}

TEST(Observable, ReapedResultMustMatchModel) {
  const Workload w = workload({{mk(OpKind::AioRead, 0, 0, 1024), mk(OpKind::GetEvents, 1)}}, 512);
  TraceBuilder b;
  b.begin(w.tasks[0].ops[0]);
  b.end(0, 1);
  b.begin(w.tasks[0].ops[1]);
  b.read_data(0, 0, 1024, {kZero, kZero});
  const std::size_t r = b.reaped(0, 1024);  // file is 512 bytes: short read expected
  b.end(1, 1);
  const auto v = check_observable(w, b.t);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].property, "op-result");
  EXPECT_EQ(v[0].event, r);
  EXPECT_EQ(v[0].expected, "one of [-12, 512]");
}

}  // namespace
}  // namespace dc::model::test

namespace dc::model::test {
namespace {

// dio_warn_stale_pagecache (5a9d929d6e13): a direct write racing a buffered write of the same
// block fails its post-write invalidation and records -EIO in the mapping's wb_err; the
// O_DSYNC write's own sync then reports it. Host histories accept that -EIO only when such a
// collision happened before; a lone O_DSYNC direct write returning -EIO is still wrong.
TEST(Observable, StalePagecacheEioOnlyAfterADirectBufferedCollision) {
  Op dio = mk(OpKind::PWrite, 0, 0, 4096);
  dio.dsync = true;
  const Op buf = mk(OpKind::BufWrite, 1, 0, 4096);
  const Workload w = workload({{dio}, {buf}}, 4096);
  TraceBuilder b;
  b.as(0).begin(w.tasks[0].ops[0]);
  b.as(1).begin(w.tasks[1].ops[0]);
  b.as(1).end(1, 4096);
  b.as(0).end(0, -5);
  EXPECT_TRUE(check_observable(w, b.t).empty());

  const Workload alone = workload({{dio}}, 4096);
  TraceBuilder c;
  c.begin(alone.tasks[0].ops[0]);
  c.end(0, -5);
  const auto v = check_observable(alone, c.t);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].property, "op-result");
}

}  // namespace
}  // namespace dc::model::test
