// Helpers of the iomap-era engine tests (iomap_test.cpp: ext4, iomap_xfs_test.cpp: XFS):
// scripted runs, the completion-context check of one op, the model's verdict, and the
// random workloads x schedules property suite.
#pragma once
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness/gen/workload_gen.hpp"
#include "harness/sched/random.hpp"
#include "impl/test/engine_fixture.hpp"
#include "model/checker.hpp"

namespace dc::test::iomap {

constexpr std::uint64_t kB = 4096;
constexpr std::size_t npos = std::string::npos;

inline RunOut run_scripted(const model::Workload& w, const model::Config& c, Policy p) {
  Scripted st;
  st.policy = std::move(p);
  return run(w, c, st);
}

inline model::Workload workload(std::uint64_t initial_size, std::vector<std::vector<model::Op>> tasks) {
  model::Workload w;
  w.initial_size = initial_size;
  for (auto& ops : tasks) {
    model::Task t;
    t.ops = std::move(ops);
    w.tasks.push_back(std::move(t));
  }
  return w;
}

inline std::vector<std::string> task_first(const model::Trace&) { return {"task", "kworker", "delayed", "irq"}; }
inline std::vector<std::string> irq_first(const model::Trace&) { return {"irq", "kworker", "delayed", "task"}; }

inline std::string describe(const std::vector<model::Violation>& v) {
  std::string s;
  for (const auto& x : v)
    s += x.property + " @" + std::to_string(x.event) + ": expected " + x.expected + "; actual " + x.actual + "\n";
  return s;
}

inline void expect_judged_clean(const model::Workload& w, const model::Config& c, const RunOut& r) {
  ASSERT_TRUE(r.outcome.ok()) << r.outcome.detail << "\n" << r.dump();
  EXPECT_EQ(r.findings, 0u) << r.dump();
  EXPECT_EQ(r.live_after, 0u) << r.dump();
  const auto v = model::check(w, c, r.trace);
  EXPECT_TRUE(v.empty()) << describe(v) << r.dump();
}

struct Expect {
  std::string completer;  // actor running iomap_dio_complete
  int ctx;
  int is_async;           // completed through ki_complete from the completion side
  std::string aio_by;     // actor calling aio_complete ("" = a sync op)
  int aio_ctx;
  bool queued;            // the submitter returned -EIOCBQUEUED
};

// Who ran iomap_dio_complete for op `opid` (its first dio), in which context, and who
// delivered the result.
inline void check_case(const RunOut& r, const Expect& x, std::uint32_t opid) {
  const std::size_t dc = r.first_op(model::EvKind::DioComplete, opid);
  ASSERT_NE(dc, npos) << r.dump();
  EXPECT_TRUE(r.by(dc, x.completer)) << "iomap_dio_complete ran in " << r.actor(dc) << "\n" << r.dump();
  EXPECT_EQ(r.ev(dc).ctx, x.ctx) << r.dump();
  EXPECT_EQ(r.ev(dc).b, x.is_async) << r.dump();
  EXPECT_EQ(r.count_op(model::EvKind::DioComplete, opid), 1u);
  EXPECT_EQ(r.first_op(model::EvKind::DioQueued, opid) != npos, x.queued) << r.dump();
  const std::size_t ac = r.first_op(model::EvKind::AioComplete, opid);
  if (x.aio_by.empty()) {
    EXPECT_EQ(ac, npos) << r.dump();
  } else {
    ASSERT_NE(ac, npos) << r.dump();
    EXPECT_TRUE(r.by(ac, x.aio_by)) << "aio_complete ran in " << r.actor(ac) << "\n" << r.dump();
    EXPECT_EQ(r.ev(ac).ctx, x.aio_ctx) << r.dump();
    EXPECT_LT(dc, ac);
  }
  // the 3.x io_end / ioend is gone
  EXPECT_EQ(r.count(model::EvKind::IoEndAlloc), 0u) << r.dump();
}

// Whether corpus/findings records `property` as a finding of this kernel and filesystem (the
// file name a recorded finding has: <kernel>-<fs>-<property>.json, docs/findings.md).
inline bool recorded_finding(model::Kernel k, model::Fs fs, const std::string& property) {
  const std::string name = std::string(model::to_string(k)) + "-" + model::to_string(fs) + "-" + property + ".json";
  return std::filesystem::exists(std::filesystem::path(DIOCHECK_CORPUS_DIR) / "findings" / name);
}

// Random workloads (harness/gen) x random schedules on one iomap kernel and filesystem: no
// BUG, use after free, leak or deadlock, and the reference model finds nothing beyond the
// findings recorded for this variant (the faithful 6.x ports have some: a schedule that
// reaches one is counted, not failed; any other property fails the test).
inline void expect_random_holds(model::Kernel k, model::Fs fs, std::uint64_t seeds) {
  gen::GenOptions g;
  g.filesystems = {fs};
  g.kernels = {k};
  std::uint64_t runs = 0, recorded = 0;
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    model::Workload w = gen::sample(gen::workload(g), seed);
    model::Config c = gen::sample(gen::config(g), seed ^ 0x9e3779b97f4a7c15ull);
    c.fs = fs;
    c.kernel = k;
    c.mutants.clear();
    for (std::uint64_t s = 0; s < 3; ++s) {
      sched::RandomStrategy rnd;
      const RunOut r = run(w, c, rnd, seed * 7 + s);
      ++runs;
      ASSERT_NE(r.outcome.kind, sched::Outcome::Kind::Deadlock) << "seed " << seed << ": " << r.outcome.detail << "\n" << r.dump();
      ASSERT_NE(r.outcome.kind, sched::Outcome::Kind::Bug) << "seed " << seed << ": " << r.outcome.detail << "\n" << r.dump();
      ASSERT_NE(r.outcome.kind, sched::Outcome::Kind::StepLimit) << "seed " << seed;
      const auto v = model::check(w, c, r.trace);
      bool all_recorded = !v.empty();
      for (const auto& x : v) all_recorded = all_recorded && recorded_finding(k, fs, x.property);
      recorded += all_recorded;
      ASSERT_TRUE(v.empty() || all_recorded) << "seed " << seed << "/" << s << " (o_dsync " << w.o_dsync << " o_sync "
                                             << w.o_sync << " sector " << w.sector_size << " size " << w.initial_size
                                             << "):\n" << describe(v) << r.dump();
      if (r.outcome.ok()) {
        EXPECT_EQ(r.findings, 0u) << "seed " << seed;
        EXPECT_EQ(r.live_after, 0u) << "seed " << seed;
      }
    }
  }
  EXPECT_EQ(runs, 3 * seeds);
  std::printf("%llu of %llu runs reached only recorded findings\n", static_cast<unsigned long long>(recorded),
              static_cast<unsigned long long>(runs));
}

}  // namespace dc::test::iomap
