// Interleaving coverage beyond the campaign (docs/coverage.md): `explore` measures its space
// the same way, and the coverage-guided strategy keeps well-formed inputs and gives the same
// campaign whatever the number of jobs.
#include <algorithm>

#include <gtest/gtest.h>

#include "harness/gen/direct_gen.hpp"
#include "harness/run/campaign.hpp"
#include "harness/run/coverage_guided.hpp"
#include "harness/run/explore.hpp"
#include "harness/run/input_mutator.hpp"
#include "harness/run/runner.hpp"
#include "harness/run/schedule_genome.hpp"

namespace dc::harness {
namespace {

using model::OpKind;

// The generator's shape: ids 0.. in task order; a task's AIOs reaped by one io_getevents
// after them; a power cut only last, in at most one task; files in range; no empty task.
void expect_well_formed(const model::Workload& w) {
  std::uint32_t id = 0, crashes = 0;
  ASSERT_FALSE(w.tasks.empty());
  for (const auto& t : w.tasks) {
    ASSERT_FALSE(t.ops.empty());
    std::uint32_t aio = 0, reaped = 0;
    for (std::size_t k = 0; k < t.ops.size(); ++k) {
      const model::Op& op = t.ops[k];
      EXPECT_EQ(op.id, id++);
      EXPECT_LT(op.file, w.files);
      if (op.kind == OpKind::AioWrite || op.kind == OpKind::AioRead) {
        EXPECT_EQ(reaped, 0u) << "an AIO after the io_getevents";
        ++aio;
      }
      if (op.kind == OpKind::GetEvents) reaped += op.nr;
      if (op.kind == OpKind::Crash) {
        EXPECT_EQ(k + 1, t.ops.size()) << "a power cut that does not end its task";
        ++crashes;
      }
    }
    EXPECT_EQ(aio, reaped);
  }
  EXPECT_LE(crashes, 1u);
}

TEST(InputMutator, KeepsWorkloadsWellFormed) {
  gen::GenOptions g = campaign_gen();
  g.files = 2;
  std::size_t stacked = 0;
  for (std::uint64_t s = 0; s < 200; ++s) {
    model::Workload w = gen::draw_workload(g, s, 50);
    model::Config c = gen::draw_config(g, s, 50);
    const model::Workload donor = gen::draw_workload(g, s + 1000, 50);
    const model::Kernel k = c.kernel;
    const model::Fs fs = c.fs;
    sched::Rng rng(s);
    for (int m = 0; m < 40; ++m) {
      mutate_input(w, c, donor, g, rng);
      expect_well_formed(w);
      if (HasFatalFailure() || HasFailure()) return;
      EXPECT_EQ(c.kernel, k);
      EXPECT_EQ(c.fs, fs);
      EXPECT_LE(c.faults.size(), 2u);  // stacks at most two (the generator draws one)
      stacked += c.faults.size() == 2;
      EXPECT_TRUE(c.fs == model::Fs::Ext4 || !c.dioread_nolock);
    }
  }
  EXPECT_GT(stacked, 0u);
}

// With closes, reopens and eviction (--lifecycle), reorders, moves and splices keep every
// task's close/open sequence possible, as the corpus format requires: a campaign must be able
// to write and load what it ran (found by a guided --files 2 --lifecycle campaign).
TEST(InputMutator, KeepsClosesAndOpensPossible) {
  gen::GenOptions g = campaign_gen();
  g.files = 2;
  g.lifecycle = true;
  std::size_t lifecycle_ops = 0;
  for (std::uint64_t s = 0; s < 200; ++s) {
    model::Workload w = gen::draw_workload(g, s, 50);
    model::Config c = gen::draw_config(g, s, 50);
    const model::Workload donor = gen::draw_workload(g, s + 1000, 50);
    sched::Rng rng(s);
    for (int m = 0; m < 40; ++m) {
      mutate_input(w, c, donor, g, rng);
      ASSERT_EQ(model::lifecycle_error(w), "") << "seed " << s << ", mutation " << m;
    }
    for (const auto& t : w.tasks)
      for (const auto& op : t.ops) lifecycle_ops += op.kind == OpKind::Close || op.kind == OpKind::Open;
  }
  EXPECT_GT(lifecycle_ops, 0u);
}

TEST(InputMutator, MutatesSomething) {
  const gen::GenOptions g = campaign_gen();
  int changed = 0;
  for (std::uint64_t s = 0; s < 100; ++s) {
    model::Workload w = gen::draw_workload(g, s, 50);
    model::Config c = gen::draw_config(g, s, 50);
    const model::Workload w0 = w;
    const model::Config c0 = c;
    sched::Rng rng(s);
    mutate_input(w, c, w0, g, rng);
    changed += !(w == w0 && c == c0);
  }
  EXPECT_GT(changed, 70);  // some mutations find nothing to change (e.g. no op to delete)
}

TEST(GenomeStrategy, SameGenomeAndSeedSameSchedule) {
  model::Workload w = gen::draw_workload(campaign_gen(), 7, 50);
  const model::Config c = gen::draw_config(campaign_gen(), 7, 50);
  sched::Rng rng(3);
  ScheduleGenome g = fresh_genome(rng);
  g.noise = 0;
  g.change_points = {2, 9};
  GenomeStrategy a, b;
  a.set_genome(&g);
  b.set_genome(&g);
  Runner r1, r2;
  const Execution x = r1.run(w, c, a, 11);
  EXPECT_EQ(x.trace_hash, r2.run(w, c, b, 11).trace_hash);
  // Genomes are what the search varies: most changes give another schedule somewhere.
  int differ = 0;
  for (std::uint64_t s = 0; s < 50; ++s) {
    ScheduleGenome m = g;
    sched::Rng mr(s);
    mutate_genome(m, mr);
    b.set_genome(&m);
    differ += r2.run(w, c, b, 11).schedule != x.schedule;
  }
  EXPECT_GT(differ, 5);
}

CampaignOptions guided_campaign(int jobs) {
  CampaignOptions o;
  o.kernels = {model::Kernel::V3_12, model::Kernel::V3_12_fixed};
  o.strategy = "guided";
  o.seed = 5;
  o.executions = 3 * CoverageGuide::kEpoch + 17;  // three merges and a partial epoch
  o.jobs = jobs;
  return o;
}

TEST(CoverageGuided, SameCampaignWhateverTheJobs) {
  const CampaignResult one = run_campaign(guided_campaign(1));
  const CampaignResult three = run_campaign(guided_campaign(3));
  EXPECT_EQ(one.executions, three.executions);
  EXPECT_EQ(one.coverage.pairs, three.coverage.pairs);
  EXPECT_EQ(one.coverage.cell_cases, three.coverage.cell_cases);
  ASSERT_EQ(one.findings.size(), three.findings.size());
  for (std::size_t i = 0; i < one.findings.size(); ++i) {
    EXPECT_EQ(one.findings[i].property, three.findings[i].property);
    EXPECT_EQ(one.findings[i].execution, three.findings[i].execution);
    EXPECT_EQ(one.findings[i].reproducer.trace_hash, three.findings[i].reproducer.trace_hash);
  }
  EXPECT_TRUE(one.self_check.mismatches.empty());
}

TEST(CoverageGuided, ReplaysItsFindings) {
  const CampaignResult r = run_campaign(guided_campaign(2));
  Runner runner;
  for (const Finding& f : r.findings) {
    const Execution x = runner.replay(f.reproducer.workload, f.reproducer.config, f.reproducer.schedule);
    EXPECT_EQ(x.verdict.property, f.property);
    EXPECT_EQ(x.trace_hash, f.reproducer.trace_hash);
  }
}

TEST(CoverageGuided, KeepsInputsThatReachNewCoverage) {
  const CampaignOptions o = guided_campaign(1);
  CoverageGuide guide(o);
  Runner runner;
  PairRecorder recorder;
  runner.set_observer(&recorder);
  GenomeStrategy strategy;
  std::uint64_t mutated = 0;
  for (std::uint64_t n = 0; n < 2 * CoverageGuide::kEpoch; ++n) {
    std::optional<GuidedInput> in = guide.plan(n, n);
    ASSERT_TRUE(in);
    mutated += in->mutated;
    strategy.set_genome(&in->genome);
    recorder.begin();
    const Execution x = runner.run(in->plan.workload, in->plan.config, strategy, in->plan.strategy_seed);
    guide.report(n, std::move(*in), recorder.pairs(), completion_cases(x.trace, in->plan.workload, in->plan.kernel));
    if (n + 1 == CoverageGuide::kEpoch) {
      EXPECT_EQ(mutated, 0u);  // nothing kept before the first merge
      EXPECT_GT(guide.kept(), 0u);
      EXPECT_LT(guide.kept(), CoverageGuide::kEpoch);  // not every input reached something new
    }
  }
  EXPECT_GT(mutated, CoverageGuide::kEpoch / 2);  // about 3 in 4 once a corpus exists
}

TEST(ExploreCoverage, MeasuresTheExploredSpace) {
  model::Config c;
  c.kernel = model::Kernel::V3_12_fixed;
  ExploreOptions o;
  o.dfs.reduction = sched::Reduction::None;
  o.dfs.preemption_bound = 1;
  const ExploreResult r = explore(scenario("S4"), c, o);
  ASSERT_TRUE(r.exhausted);
  EXPECT_GT(r.coverage.pairs, 0u);
  ASSERT_EQ(r.coverage.cell_cases.size(), 1u);
  EXPECT_TRUE(r.coverage.cell_cases[0].contains("ctx:worker") || r.coverage.cell_cases[0].contains("ctx:irq"));
  ASSERT_FALSE(r.coverage.curve.empty());
  EXPECT_EQ(r.coverage.curve.back().executions, r.executions);
  EXPECT_EQ(r.coverage.curve.back().pairs, r.coverage.pairs);
}

}  // namespace
}  // namespace dc::harness
