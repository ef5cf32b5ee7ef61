// Several files on one filesystem (issue 14, point 4): freed blocks are allocated again once
// the transaction that freed them has committed, and their old content is stale data
// (model::stale_of) the model counts as foreign. Scripted schedules, every 3.x variant on both
// filesystems.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "impl/test/engine_fixture.hpp"
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

std::string describe(const std::vector<model::Violation>& v) {
  std::string s;
  for (const auto& x : v) s += x.property + " @" + std::to_string(x.event) + ": " + x.actual + "\n";
  return s;
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
  const std::size_t rd = r.first_op(EvKind::ReadData, 5);
  ASSERT_NE(rd, std::string::npos) << r.dump();
  const std::uint32_t seen = r.trace.data[r.ev(rd).data];
  EXPECT_EQ(seen, k == Kernel::V3_12_fixed ? model::kZero : model::kForeign) << r.dump();
}

INSTANTIATE_TEST_SUITE_P(Files, BlockReuse, all_3x_variants_and_fs(), variant_and_fs_name);

}  // namespace
}  // namespace dc::test
