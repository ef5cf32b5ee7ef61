// DPOR on the engine is only sound if every step's accesses are announced or recorded
// (kaccess, the slab, the workqueue; docs/exploration.md "On the engine"). These tests run
// small engine workloads both ways and compare what userspace could observe: DPOR must reach
// every outcome the unreduced search reaches (all of them where that search is exhaustible,
// those within 2 preemptions otherwise), and must find the mutant reproducers' bugs.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "harness/run/runner.hpp"
#include "harness/sched/dfs.hpp"
#include "impl/test/engine_fixture.hpp"

namespace dc::harness {
namespace {

using model::OpKind;
using test::op;

// What userspace sees, independent of interleaving-only details (object ids, event order
// across tasks): the verdict, every op's result, reaped events, read data, crash view.
std::string outcome(const Execution& x) {
  std::vector<std::string> seen;
  for (const model::Event& e : x.trace.events) {
    using K = model::EvKind;
    if (e.kind != K::OpEnd && e.kind != K::AioReaped && e.kind != K::ReadData && e.kind != K::Crash) continue;
    std::string s = fmt::format("{}:{}:{}:{}", static_cast<int>(e.kind), e.op, e.a, e.b);
    for (std::uint32_t i = 0; i < e.ndata; ++i) s += fmt::format(",{}", x.trace.data[e.data + i]);
    seen.push_back(std::move(s));
  }
  std::sort(seen.begin(), seen.end());
  return fmt::format("{} | {}", x.verdict.property, fmt::join(seen, " "));
}

struct Explored {
  std::set<std::string> outcomes;
  std::uint64_t executions = 0;
  bool exhausted = false;
};

Explored explore_all(const model::Workload& w, const model::Config& c, sched::DfsOptions o,
                     std::uint64_t limit = 200'000) {
  Explored r;
  sched::DfsStrategy dfs(o);
  Runner runner;
  do {
    const Execution x = runner.run(w, c, dfs, 0);
    ++r.executions;
    if (!dfs.last_redundant()) r.outcomes.insert(outcome(x));
  } while (dfs.more() && r.executions < limit);
  r.exhausted = !dfs.more() && dfs.error().empty();
  return r;
}

constexpr sched::DfsOptions kDpor{sched::Reduction::Dpor, -1, -1};
constexpr sched::DfsOptions kNone{sched::Reduction::None, -1, -1};
constexpr sched::DfsOptions kNone2{sched::Reduction::None, 2, -1};

model::Config config(model::Kernel k, model::Fs fs) {
  model::Config c;
  c.kernel = k;
  c.fs = fs;
  c.wq_concurrency = 1;
  return c;
}

model::Workload file(std::uint64_t size) {
  model::Workload w;
  w.initial_size = size;
  return w;
}

// Every outcome of the unreduced search, exhaustively: a direct write racing a truncate.
TEST(ExploreSoundness, DporReachesEveryOutcomeOfTheFullSearch) {
  model::Workload w = file(4 * 4096);
  w.preallocated = {{0, 4 * 4096}};
  w.tasks = {{{op(OpKind::PWrite, 0, 0, 4096)}}, {{op(OpKind::Truncate, 1, 0, 4096)}}};
  const auto c = config(model::Kernel::V3_12, model::Fs::Ext4);
  const Explored full = explore_all(w, c, kNone);
  const Explored dpor = explore_all(w, c, kDpor);
  ASSERT_TRUE(full.exhausted);
  ASSERT_TRUE(dpor.exhausted);
  EXPECT_LT(dpor.executions * 100, full.executions);
  EXPECT_EQ(dpor.outcomes, full.outcomes);
}

// Where the full search is out of reach: DPOR's outcomes include the 2-preemption ones.
class Bounded : public ::testing::TestWithParam<model::Fs> {};

TEST_P(Bounded, DporCoversTheTwoPreemptionSearch) {
  model::Workload w = file(4 * 4096);
  w.preallocated = {{0, 4 * 4096}};
  w.tasks = {{{op(OpKind::AioWrite, 0, 0, 4096), op(OpKind::GetEvents, 1, 0, 0)}}};
  model::Workload rw = file(4 * 4096);
  rw.written = {{0, 4 * 4096}};
  rw.tasks = {{{op(OpKind::PWrite, 0, 0, 4096)}}, {{op(OpKind::PRead, 1, 0, 4096)}}};
  for (const model::Workload& wl : {w, rw}) {
    const auto c = config(model::Kernel::V3_12, GetParam());
    const Explored bounded = explore_all(wl, c, kNone2);
    const Explored dpor = explore_all(wl, c, kDpor, 20'000);
    ASSERT_TRUE(bounded.exhausted);
    if (!dpor.exhausted) continue;  // XFS read vs write: too big for a unit test
    for (const std::string& o : bounded.outcomes) EXPECT_TRUE(dpor.outcomes.contains(o)) << o;
  }
}

INSTANTIATE_TEST_SUITE_P(Fs, Bounded, ::testing::Values(model::Fs::Ext4, model::Fs::Xfs));

// The annotation gap DPOR used to miss (corpus/mutants/mutant-inode-uaf-after-aio-complete-pct):
// the final fput frees the inode while the worker still has inode_dio_done to do.
TEST(ExploreSoundness, DporFindsTheInodeUseAfterFree) {
  model::Workload w = file(7 * 4096);
  w.tasks = {{{op(OpKind::AioWrite, 13, 0, 4096)}}};
  auto c = config(model::Kernel::V3_12_fixed, model::Fs::Xfs);
  c.mutants = {model::Mutant::InodeUafAfterAioComplete};
  const Explored dpor = explore_all(w, c, kDpor);
  ASSERT_TRUE(dpor.exhausted);
  EXPECT_TRUE(std::any_of(dpor.outcomes.begin(), dpor.outcomes.end(),
                          [](const std::string& o) { return o.starts_with("kernel-use-after-free |"); }));
}

}  // namespace
}  // namespace dc::harness
