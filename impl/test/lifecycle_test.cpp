// The open-file lifecycle (issue 14, point 4): a struct file shared between tasks, a close
// while AIO on it is in flight (the kiocb's reference keeps the file until aio_complete frees
// it, and that last fput runs in delayed_fput, not in the completing IRQ or worker), and inode
// eviction by reclaim (an inode whose completion work is still queued is in use and stays; an
// unused one is evicted and the next open reads it back from disk). Scripted schedules, every
// 3.x variant on both filesystems.
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

RunOut run_with(const model::Workload& w, const model::Config& c, std::vector<std::string> order) {
  Scripted st;
  st.policy = [order](const model::Trace&) { return order; };
  return run(w, c, st);
}

const std::vector<std::string> kTasksFirst{"task", "irq", "kworker", "delayed"};
const std::vector<std::string> kCompletionsFirst{"irq", "kworker", "delayed", "task"};

model::Op get_events(std::uint32_t id, std::uint32_t nr) {
  model::Op g = op(OpKind::GetEvents, id);
  g.nr = nr;
  return g;
}

std::int64_t result_of(const RunOut& r, std::uint32_t id) {
  const std::size_t i = r.first_op(EvKind::OpEnd, id);
  EXPECT_NE(i, std::string::npos) << r.dump();
  return i == std::string::npos ? -999 : r.ev(i).a;
}

bool spawned(const RunOut& r, const std::string& prefix) {
  return std::any_of(r.names.begin(), r.names.end(), [&](const std::string& n) { return n.rfind(prefix, 0) == 0; });
}

// Kernel-layer findings (use after free, leaks, BUG/WARN) and the model's verdict must be
// clean on 3.12-fixed; on the faithful variants only the kernel layer is asserted (their
// model violations are findings of their own, recorded in corpus/findings).
void expect_clean(const RunOut& r, const model::Workload& w, const model::Config& c) {
  ASSERT_TRUE(r.outcome.ok()) << r.outcome.detail << "\n" << r.dump();
  EXPECT_EQ(r.findings, 0u) << r.dump();
  EXPECT_EQ(r.live_after, 0u) << r.dump();
  const auto v = model::check(w, c, r.trace);
  if (c.kernel == Kernel::V3_12_fixed) {
    EXPECT_TRUE(v.empty()) << describe(v) << r.dump();
  }
  for (const auto& x : v) EXPECT_NE(x.property.rfind("kernel-", 0), 0u) << describe(v);
}

class Lifecycle : public ::testing::TestWithParam<VariantAndFs> {};

// Two tasks share the O_DIRECT file. Task 0 submits an AIO write into an unwritten block (a
// conversion at completion, so it is deferred) and closes; task 1 closes too, while the write
// is in flight. The tasks' closes drop only their references: the kiocb still holds one, so
// the file is released by the completion's fput, which (in IRQ or a kworker) hands __fput to
// delayed_fput. The completion then used a live file and inode throughout.
TEST_P(Lifecycle, SharedFileClosedByEveryTaskWhileAioIsInFlightIsReleasedByTheCompletion) {
  const auto [k, fs] = GetParam();
  model::Workload w;
  w.shared_files = true;
  model::Task a, b;
  a.ops = {op(OpKind::Fallocate, 1, 0, kB), op(OpKind::AioWrite, 2, 0, kB), op(OpKind::Close, 3), get_events(4, 1)};
  b.ops = {op(OpKind::Close, 5)};
  w.tasks = {a, b};
  const model::Config c = engine_config(k, fs);
  const RunOut r = run_with(w, c, kTasksFirst);
  expect_clean(r, w, c);
  const std::size_t closed = r.first_op(EvKind::OpEnd, 5);
  const std::size_t done = r.first_op(EvKind::AioComplete, 2);
  ASSERT_NE(closed, std::string::npos) << r.dump();
  ASSERT_NE(done, std::string::npos) << r.dump();
  EXPECT_LT(closed, done) << "both closes ran while the write was in flight\n" << r.dump();
  EXPECT_TRUE(spawned(r, "delayed_fput")) << "the completion's fput was the last one\n" << r.dump();
  EXPECT_EQ(result_of(r, 3), 0);
  EXPECT_EQ(result_of(r, 5), 0);
}

// Reclaim while the inode's completion work is queued: the kiocb's file reference keeps the
// inode in use, so Evict leaves it (0) and the reopened file is the same in-core inode.
TEST_P(Lifecycle, EvictLeavesAnInodeWhoseCompletionIsStillPending) {
  const auto [k, fs] = GetParam();
  model::Workload w;
  model::Task a;
  a.ops = {op(OpKind::Fallocate, 1, 0, kB), op(OpKind::AioWrite, 2, 0, kB), op(OpKind::Close, 3),
           op(OpKind::Evict, 4),      op(OpKind::Open, 5),           get_events(6, 1),
           op(OpKind::PRead, 7, 0, kB)};
  w.tasks = {a};
  const model::Config c = engine_config(k, fs);
  const RunOut r = run_with(w, c, kTasksFirst);
  expect_clean(r, w, c);
  EXPECT_LT(r.first_op(EvKind::OpEnd, 4), r.first_op(EvKind::AioComplete, 2)) << r.dump();
  EXPECT_EQ(result_of(r, 4), 0) << "an inode with AIO in flight was evicted\n" << r.dump();
  const std::size_t rd = r.first_op(EvKind::ReadData, 7);
  ASSERT_NE(rd, std::string::npos) << r.dump();
  EXPECT_EQ(r.trace.data[r.ev(rd).data], model::write_id_of(a.ops[1])) << r.dump();
}

// Once the completion is done and every file is closed, reclaim evicts the inode (1); the next
// open reads it back from disk: its size and the written data come back.
TEST_P(Lifecycle, EvictedInodeIsReadBackFromDisk) {
  const auto [k, fs] = GetParam();
  model::Workload w;
  model::Task a;
  a.ops = {op(OpKind::Fallocate, 1, 0, 2 * kB), op(OpKind::AioWrite, 2, 0, kB), get_events(3, 1),
           op(OpKind::PWrite, 4, kB, kB),       op(OpKind::Close, 5),           op(OpKind::Evict, 6),
           op(OpKind::Open, 7),                 op(OpKind::PRead, 8, 0, 2 * kB)};
  w.tasks = {a};
  const model::Config c = engine_config(k, fs);
  const RunOut r = run_with(w, c, kCompletionsFirst);
  expect_clean(r, w, c);
  EXPECT_EQ(result_of(r, 6), 1) << r.dump();
  EXPECT_EQ(result_of(r, 7), 0) << r.dump();
  const std::size_t rd = r.first_op(EvKind::ReadData, 8);
  ASSERT_NE(rd, std::string::npos) << r.dump();
  EXPECT_EQ(r.ev(rd).b, static_cast<std::int64_t>(2 * kB)) << "the on-disk size\n" << r.dump();
  const std::size_t spb = kB / w.sector_size;
  EXPECT_EQ(r.trace.data[r.ev(rd).data], model::write_id_of(a.ops[1])) << r.dump();
  EXPECT_EQ(r.trace.data[r.ev(rd).data + spb], model::write_id_of(a.ops[3])) << r.dump();
}

INSTANTIATE_TEST_SUITE_P(Lifecycle, Lifecycle, all_3x_variants_and_fs(), variant_and_fs_name);

// The window the lifecycle opens for a regression of this protection: with the catalogue
// mutant inode-uaf-after-aio-complete (aio_complete, and so the last fput, before
// inode_dio_done), a close while the AIO is in flight lets delayed_fput drop the last inode
// reference and reclaim evict the inode while the dio worker is still to run inode_dio_done:
// a use after free during the run, before umount. Without the mutant the same schedule is
// clean (the kiocb's reference outlives every use of the inode).
class LifecycleMutant : public ::testing::TestWithParam<model::Fs> {};

TEST_P(LifecycleMutant, ReclaimAfterTheCompletionsFputFreesTheInodeUnderTheWorker) {
  model::Workload w;
  model::Task a;
  a.ops = {op(OpKind::Fallocate, 1, 0, kB), op(OpKind::AioWrite, 2, 0, kB), op(OpKind::Close, 3), get_events(4, 1),
           op(OpKind::Evict, 5)};
  w.tasks = {a};
  // Tasks first; once aio_complete has run, delayed_fput and the task before the worker.
  Scripted st;
  st.policy = [](const model::Trace& t) {
    const bool completed = std::any_of(t.events.begin(), t.events.end(),
                                       [](const model::Event& e) { return e.kind == EvKind::AioComplete; });
    return completed ? std::vector<std::string>{"delayed", "task", "irq", "kworker"} : kTasksFirst;
  };
  for (const bool mutant : {false, true}) {
    model::Config c = engine_config(Kernel::V3_12_fixed, GetParam());
    if (mutant) c.mutants = {model::Mutant::InodeUafAfterAioComplete};
    const RunOut r = run(w, c, st);
    EXPECT_EQ(result_of(r, 5), 1) << "reclaim evicted the closed, completed file's inode\n" << r.dump();
    const std::size_t uaf = r.first(EvKind::UseAfterFree);
    if (!mutant) {
      EXPECT_EQ(uaf, std::string::npos) << r.dump();
      expect_clean(r, w, c);
      continue;
    }
    ASSERT_NE(uaf, std::string::npos) << r.dump();
    EXPECT_TRUE(r.by(uaf, "kworker")) << r.dump();
    const std::size_t umount = r.first(EvKind::SuperShutdown);
    EXPECT_TRUE(umount == std::string::npos || uaf < umount) << "found during the run\n" << r.dump();
  }
}

INSTANTIATE_TEST_SUITE_P(Lifecycle, LifecycleMutant, ::testing::ValuesIn(model::kAllFs),
                         [](const ::testing::TestParamInfo<model::Fs>& p) { return model::to_string(p.param); });

// The model's rules for the new ops: an op on a file the task closed fails with -EBADF (and the
// engine says so), Evict reports 0 or 1, Close and Open 0.
TEST(LifecycleModel, OpsOnAClosedFileFailWithEbadfAndTheModelExpectsIt) {
  model::Workload w;
  model::Task a;
  a.ops = {op(OpKind::Close, 1), op(OpKind::PRead, 2, 0, kB), op(OpKind::AioWrite, 3, 0, kB), op(OpKind::Evict, 4)};
  w.tasks = {a};
  const model::Config c = engine_config(Kernel::V3_12_fixed, model::Fs::Ext4);
  const RunOut r = run_with(w, c, kTasksFirst);
  expect_clean(r, w, c);
  EXPECT_EQ(result_of(r, 2), -EBADF);
  EXPECT_EQ(result_of(r, 3), -EBADF);
  EXPECT_EQ(result_of(r, 4), 1) << "nothing holds the inode after the only close\n" << r.dump();
  // A result the rules do not allow is a violation.
  model::Trace t = r.trace;
  t.events[r.first_op(EvKind::OpEnd, 2)].a = 0;
  const auto v = model::check(w, c, t);
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(v[0].property, "op-result");
  t = r.trace;
  t.events[r.first_op(EvKind::OpEnd, 4)].a = 2;
  EXPECT_FALSE(model::check(w, c, t).empty());
}

TEST(LifecycleModel, ImpossibleCloseOpenSequencesAreRejected) {
  model::Workload w;
  model::Task a;
  a.ops = {op(OpKind::Open, 1)};
  w.tasks = {a};
  EXPECT_NE(model::lifecycle_error(w).find("still has open"), std::string::npos);
  w.tasks[0].ops = {op(OpKind::Close, 1), op(OpKind::Close, 2)};
  EXPECT_NE(model::lifecycle_error(w).find("already closed"), std::string::npos);
  w.tasks[0].ops = {op(OpKind::Close, 1), op(OpKind::Open, 2), op(OpKind::Close, 3)};
  EXPECT_EQ(model::lifecycle_error(w), "");
}

}  // namespace
}  // namespace dc::test
