// Several files on one filesystem (issue 14, point 4): freed blocks are allocated again once
// the transaction that freed them has committed, and their old content is stale data
// (model::stale_of) the model counts as foreign. Scripted schedules, every 3.x variant on both
// filesystems.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "impl/test/engine_fixture.hpp"
#include "impl/test/violations.hpp"
#include "model/checker.hpp"

namespace dc::test {
namespace {

using model::EvKind;
using model::Kernel;
using model::OpKind;

constexpr std::uint64_t kB = 4096;

std::vector<std::string> task_first(const model::Trace&) { return {"task", "kworker", "delayed", "irq"}; }

RunOut run_task_first(const model::Workload& w, const model::Config& c) {
  Scripted st;
  st.policy = task_first;
  return run(w, c, st);
}

bool has(const std::vector<model::Violation>& v, const std::string& prop) {
  return std::any_of(v.begin(), v.end(), [&](const model::Violation& x) { return x.property == prop; });
}

// Four blocks inside EOF, no data. One task: a direct write fills block 3, a truncate to two
// blocks frees it, (an fsync commits the freeing transaction,) an AIO write into the hole at
// block 1 fails its bio, and a read of block 1 follows the reaped failure.
model::Workload truncate_then_failed_write(bool commit) {
  model::Workload w;
  w.initial_size = 4 * kB;
  model::Task t;
  t.ops = {op(OpKind::PWrite, 1, 3 * kB, kB), op(OpKind::Truncate, 2, 0, 2 * kB)};
  if (commit) t.ops.push_back(op(OpKind::Fsync, 3));
  t.ops.push_back(op(OpKind::AioWrite, 4, kB, kB));
  model::Op ge = op(OpKind::GetEvents, 5);
  ge.nr = 1;
  t.ops.push_back(ge);
  t.ops.push_back(op(OpKind::PRead, 6, kB, kB));
  w.tasks.push_back(t);
  return w;
}

model::Config failing_second_bio(Kernel k, model::Fs fs) {
  model::Config c = engine_config(k, fs);
  model::Fault f;
  f.kind = model::Fault::Kind::BioError;
  f.nth = 2;  // the AIO write's bio (the first is the pwrite's)
  c.faults = {f};
  return c;
}

// First sector of the first bio of op `id`.
std::int64_t bio_sector(const RunOut& r, std::uint32_t id) {
  const std::size_t i = r.first_op(EvKind::BioSubmit, id);
  EXPECT_NE(i, std::string::npos) << r.dump();
  return i == std::string::npos ? -1 : r.ev(i).a;
}

class BlockReuse : public ::testing::TestWithParam<VariantAndFs> {};

// The block truncate freed is allocated again only after the commit; a failed write into it
// that still converts (every faithful variant: convert-on-io-error) exposes the truncated
// write's data, which read-no-foreign flags. 3.12-fixed reads zeros.
TEST_P(BlockReuse, FreedBlockIsReusedAfterCommitAndItsOldDataIsForeign) {
  const auto [k, fs] = GetParam();
  const model::Workload w = truncate_then_failed_write(true);
  const model::Config c = failing_second_bio(k, fs);
  const RunOut r = run_task_first(w, c);
  ASSERT_TRUE(r.outcome.ok()) << r.outcome.detail << "\n" << r.dump();
  EXPECT_EQ(bio_sector(r, 4), bio_sector(r, 1)) << "block not reused\n" << r.dump();
  const std::size_t rd = r.first_op(EvKind::ReadData, 6);
  ASSERT_NE(rd, std::string::npos) << r.dump();
  const std::uint32_t seen = r.trace.data[r.ev(rd).data];
  const auto v = model::check(w, c, r.trace);
  if (k == Kernel::V3_12_fixed) {
    EXPECT_EQ(seen, model::kZero) << r.dump();
    EXPECT_TRUE(v.empty()) << describe(v);
  } else {
    EXPECT_EQ(seen, model::stale_of(model::write_id_of(w.tasks[0].ops[0]))) << r.dump();
    EXPECT_TRUE(has(v, "read-no-foreign")) << describe(v);
  }
}

// Without a commit the freed block is still busy: the write gets a never-used block.
TEST_P(BlockReuse, FreedBlockIsNotReusedBeforeTheFreeingTransactionCommits) {
  const auto [k, fs] = GetParam();
  const model::Workload w = truncate_then_failed_write(false);
  const RunOut r = run_task_first(w, failing_second_bio(k, fs));
  ASSERT_TRUE(r.outcome.ok()) << r.outcome.detail << "\n" << r.dump();
  EXPECT_GT(bio_sector(r, 4), bio_sector(r, 1)) << r.dump();
  const std::size_t rd = r.first_op(EvKind::ReadData, 6);
  ASSERT_NE(rd, std::string::npos) << r.dump();
  const std::uint32_t seen = r.trace.data[r.ev(rd).data];
  EXPECT_EQ(seen, k == Kernel::V3_12_fixed ? model::kZero : model::kForeign) << r.dump();
}

INSTANTIATE_TEST_SUITE_P(Files, BlockReuse, all_3x_variants_and_fs(), variant_and_fs_name);

// ---- several files on one superblock ------------------------------------------------------------

class SeveralFiles : public ::testing::TestWithParam<VariantAndFs> {};

model::Op on(model::Op o, std::uint32_t file) {
  o.file = file;
  return o;
}

// The truncated file's old data shows in the other file: file 0's block is freed by a
// truncate and committed, file 1's AIO write into a hole gets it and fails its bio; every
// faithful variant still converts, so file 1 reads file 0's data (read-no-foreign).
TEST_P(SeveralFiles, TruncatedFilesDataShowsInAnotherFileOnlyOnFaithfulVariants) {
  const auto [k, fs] = GetParam();
  model::Workload w;
  w.files = 2;
  model::Task t;
  model::Op ge = op(OpKind::GetEvents, 6);
  ge.nr = 1;
  t.ops = {op(OpKind::PWrite, 1, 0, kB), op(OpKind::Truncate, 2, 0, 0), op(OpKind::Fsync, 3),
           on(op(OpKind::Truncate, 4, 0, 2 * kB), 1), on(op(OpKind::AioWrite, 5, kB, kB), 1), ge,
           on(op(OpKind::PRead, 7, kB, kB), 1)};
  w.tasks.push_back(t);
  const model::Config c = failing_second_bio(k, fs);
  const RunOut r = run_task_first(w, c);
  ASSERT_TRUE(r.outcome.ok()) << r.outcome.detail << "\n" << r.dump();
  EXPECT_EQ(bio_sector(r, 5), bio_sector(r, 1)) << "file 0's block not reused by file 1\n" << r.dump();
  const std::size_t rd = r.first_op(EvKind::ReadData, 7);
  ASSERT_NE(rd, std::string::npos) << r.dump();
  const auto v = model::check(w, c, r.trace);
  if (k == Kernel::V3_12_fixed) {
    EXPECT_EQ(r.trace.data[r.ev(rd).data], model::kZero) << r.dump();
    EXPECT_TRUE(v.empty()) << describe(v);
  } else {
    EXPECT_EQ(r.trace.data[r.ev(rd).data], model::stale_of(model::write_id_of(w.tasks[0].ops[0]))) << r.dump();
    EXPECT_TRUE(has(v, "read-no-foreign")) << describe(v);
  }
}

// Completions of two inodes share the superblock's one s_dio_done_wq: AIO writes into
// fallocated (unwritten) blocks of two files need a conversion in process context, so both
// are deferred, to the same queue (one worker: the second file's completion waits behind the
// first's). Each file keeps its own size and data, and the model, judging each file apart,
// finds nothing.
TEST_P(SeveralFiles, DeferredCompletionsOfTwoInodesShareOneWorkqueue) {
  const auto [k, fs] = GetParam();
  model::Workload w;
  w.files = 2;
  model::Task a;
  model::Op ge = op(OpKind::GetEvents, 5);
  ge.nr = 2;
  a.ops = {op(OpKind::Fallocate, 1, 0, 2 * kB), on(op(OpKind::Fallocate, 2, 0, 3 * kB), 1),
           op(OpKind::AioWrite, 3, 0, kB), on(op(OpKind::AioWrite, 4, kB, kB), 1), ge,
           op(OpKind::PRead, 6, 0, 4 * kB), on(op(OpKind::PRead, 7, 0, 4 * kB), 1)};
  w.tasks = {a};
  const model::Config c = engine_config(k, fs);
  const RunOut r = run_task_first(w, c);
  ASSERT_TRUE(r.outcome.ok()) << r.outcome.detail << "\n" << r.dump();
  EXPECT_EQ(r.findings, 0u) << r.dump();
  EXPECT_EQ(r.live_after, 0u) << r.dump();
  EXPECT_EQ(r.count(EvKind::InodeFile), 2u) << r.dump();
  if (k != Kernel::V3_11) {  // 3.11: ext4's own queues / XFS's per-mount ones
    EXPECT_EQ(r.count(EvKind::WqPublish), 1u) << "one dio completion queue for both inodes\n" << r.dump();
    const std::size_t q1 = r.first_op(EvKind::WorkQueued, 3), q2 = r.first_op(EvKind::WorkQueued, 4);
    ASSERT_NE(q1, std::string::npos) << r.dump();
    ASSERT_NE(q2, std::string::npos) << r.dump();
    EXPECT_EQ(r.ev(q1).a, r.ev(q2).a) << r.dump();
  }
  const std::size_t r0 = r.first_op(EvKind::ReadData, 6), r1 = r.first_op(EvKind::ReadData, 7);
  ASSERT_NE(r0, std::string::npos) << r.dump();
  ASSERT_NE(r1, std::string::npos) << r.dump();
  EXPECT_EQ(r.ev(r0).b, static_cast<std::int64_t>(2 * kB)) << "file 0 has its own size\n" << r.dump();
  EXPECT_EQ(r.ev(r1).b, static_cast<std::int64_t>(3 * kB)) << r.dump();
  EXPECT_EQ(r.trace.data[r.ev(r1).data + 8], model::write_id_of(a.ops[3])) << r.dump();
  const auto v = model::check(w, c, r.trace);
  EXPECT_TRUE(v.empty()) << describe(v);
}

INSTANTIATE_TEST_SUITE_P(Files, SeveralFiles, all_3x_variants_and_fs(), variant_and_fs_name);

}  // namespace
}  // namespace dc::test
