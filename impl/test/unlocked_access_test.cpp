// The unlocked loads and stores of shared inode state are scheduling points (issue 14,
// impl/README.md "Unlocked accesses"): every strategy can put another actor's step right before
// them. Checked on the window the issue names, truncate_setsize's i_size store: on XFS it comes
// right after inode_dio_wait (xfs_setattr_size), on ext4 3.x before it (ext4_setattr). Another
// task now runs between the truncate's previous step and the store, on both filesystems and
// every 3.x variant; on ext4 a (lockless) buffered read fits wholly in the window and sees the
// old size, on XFS the reader gets as far as the IOLOCK the truncate holds.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "impl/test/engine_fixture.hpp"

namespace dc::test {
namespace {

using model::EvKind;
using model::Kernel;
using model::OpKind;

constexpr std::uint64_t kB = 4096;

class UnlockedAccess : public ::testing::TestWithParam<VariantAndFs> {};

TEST_P(UnlockedAccess, AnotherTaskRunsRightBeforeTruncatesSizeStore) {
  const auto [k, fs] = GetParam();
  const model::Config c = engine_config(k, fs);
  model::Workload w;
  w.initial_size = 2 * kB;
  w.written = {{0, 2 * kB}};
  model::Task t0, t1;
  t0.ops = {op(OpKind::BufRead, 0, 0, 2 * kB)};
  t1.ops = {op(OpKind::Truncate, 1, 0, kB)};
  w.tasks = {t0, t1};
  Scripted st;
  // The truncate runs up to the step before its store (XFS: inode_dio_wait returned; ext4: its
  // i_disksize update); then the reader goes first.
  const EvKind before = fs == model::Fs::Xfs ? EvKind::InodeDioWaitEnd : EvKind::DiskSizeUpdate;
  st.policy = [before](const model::Trace& t) {
    const bool there = std::any_of(t.events.begin(), t.events.end(), [before](const model::Event& e) {
      return e.kind == before && e.op == 1;
    });
    if (!there) return std::vector<std::string>{"task1", "irq", "kworker"};
    return std::vector<std::string>{"task0", "irq", "kworker", "task1"};
  };
  const RunOut r = run(w, c, st);
  ASSERT_TRUE(r.outcome.ok()) << r.outcome.detail << "\n" << r.dump();
  const std::size_t stored = r.first(EvKind::SizeUpdate, [](const model::Event& e) { return e.op == 1; });
  ASSERT_NE(stored, std::string::npos) << r.dump();
  ASSERT_GT(stored, 0u);
  // The truncate's own step just before the store, and a step of the reader between the two.
  std::size_t prev = stored - 1;
  while (prev > 0 && !r.by(prev, "task1")) --prev;
  ASSERT_TRUE(r.by(prev, "task1")) << r.dump();
  bool reader_between = false;
  for (std::size_t i = prev + 1; i < stored; ++i) reader_between |= r.by(i, "task0");
  EXPECT_TRUE(reader_between) << r.dump();
  EXPECT_EQ(r.ev(prev).kind, before) << r.dump();
  if (fs == model::Fs::Ext4) {
    const std::size_t read = r.first_op(EvKind::ReadData, 0);
    ASSERT_NE(read, std::string::npos) << r.dump();
    EXPECT_LT(read, stored) << r.dump();
    EXPECT_EQ(r.ev(read).b, static_cast<std::int64_t>(2 * kB)) << r.dump();  // the old size
  }
}

INSTANTIATE_TEST_SUITE_P(AllVariants, UnlockedAccess, all_3x_variants_and_fs(), variant_and_fs_name);

}  // namespace
}  // namespace dc::test
