// Mutant kill tests: every catalogued real bug (harness/run/mutant_catalogue.*,
// ../shared/reference/bug-catalog.md), switched on alone, must be found by a small campaign
// over generated workloads -- the catalogue row's kernels and filesystems, its generator
// hints (harness::mutant_gen_options: the default menu tilted towards the row's scenario,
// never a hand-written schedule), and the row's seed and CI-sized budget -- and must be found
// through one of the row's kill properties. The same campaign without the mutant must find
// nothing (no false alarm), so the kill is the mutant's doing. Each mutant is tested twice:
// with its sampling strategy (random or pct) and with the kill matrix's bounded exhaustive
// column.
#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "harness/run/campaign.hpp"
#include "harness/run/kill_matrix.hpp"
#include "harness/run/mutant_catalogue.hpp"
#include "harness/sched/schedule.hpp"
#include "model/checker.hpp"

namespace dc::props {
namespace {

struct KillSpec {
  model::Mutant mutant;
  bool exhaustive;  // the row's exhaustive kill test, else its sampling one
  const harness::MutantRow& row() const { return harness::mutant_row(mutant); }
  const harness::KillBudget& budget() const { return exhaustive ? row().exhaustive : row().sampling; }
};

std::vector<KillSpec> specs(bool exhaustive) {
  std::vector<KillSpec> out;
  for (const auto& m : harness::mutant_catalogue()) out.push_back({m.id, exhaustive});
  return out;
}

harness::CampaignOptions campaign_for(const KillSpec& k, bool with_mutant) {
  const harness::MutantRow& m = k.row();
  harness::CampaignOptions c;
  c.kernels = m.kernels;
  c.filesystems = m.filesystems;
  if (with_mutant) c.mutants = {m.id};
  c.strategy = std::string(k.budget().strategy);
  c.seed = k.budget().seed;
  c.executions = k.budget().budget;
  c.gen = harness::mutant_gen_options(m.id);
  c.stop_at_first = true;
  return c;
}

std::string describe(const harness::Finding& f) {
  return fmt::format("{} {} {} at execution {}: {}; schedule {}", model::to_string(f.kernel), model::to_string(f.fs),
                     f.property, f.execution, f.reproducer.note, sched::encode(f.reproducer.schedule));
}

void PrintTo(const KillSpec& k, std::ostream* os) { *os << k.row().name << " (" << k.budget().strategy << ")"; }

class MutantKill : public ::testing::TestWithParam<KillSpec> {};

TEST_P(MutantKill, IsKilledAndTheFixedEngineIsNot) {
  const KillSpec& k = GetParam();
  const std::string name(k.row().name);
  // the control first, so a surviving mutant still proves its campaign raises no false alarm
  const harness::CampaignResult control = harness::run_mutant_campaign(campaign_for(k, false));
  EXPECT_EQ(control.executions, k.budget().budget);
  EXPECT_TRUE(control.findings.empty()) << "false alarm without the mutant: " << describe(control.findings.front());
  if (k.budget().survives) GTEST_SKIP() << name << " survives the " << k.budget().strategy << " strategy (docs/kill-matrix.txt)";

  const harness::CampaignResult killed = harness::run_mutant_campaign(campaign_for(k, true));
  ASSERT_FALSE(killed.findings.empty())
      << name << " survived " << killed.executions << " " << k.budget().strategy << " executions";
  const harness::Finding& f = killed.findings.front();
  const auto& allowed = k.row().kills;
  EXPECT_NE(std::find(allowed.begin(), allowed.end(), f.property), allowed.end())
      << name << " killed by an unexpected property: " << describe(f);
  RecordProperty("executions_to_kill", static_cast<int>(f.execution + 1));
  RecordProperty("property", f.property);
}

std::string test_name(const ::testing::TestParamInfo<KillSpec>& p) {
  std::string n(p.param.row().name);
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}
INSTANTIATE_TEST_SUITE_P(Catalogue, MutantKill, ::testing::ValuesIn(specs(false)), test_name);
INSTANTIATE_TEST_SUITE_P(Exhaustive, MutantKill, ::testing::ValuesIn(specs(true)), test_name);

// Every row is complete: a kill budget per column, kill properties the checker can report
// (a typo would make every kill "unexpected"), and it applies somewhere.
TEST(MutantCatalogue, EveryRowIsComplete) {
  std::vector<std::string> known{"deadlock", "step-limit"};  // the runner's own verdicts
  for (const auto& [id, doc] : model::properties()) known.push_back(id);
  for (const auto& m : harness::mutant_catalogue()) {
    EXPECT_EQ(&harness::mutant_row(m.id), &m) << m.name;
    EXPECT_EQ(harness::find_mutant(m.name), &m) << m.name;
    EXPECT_FALSE(m.kernels.empty() || m.filesystems.empty()) << m.name;
    EXPECT_GT(m.sampling.budget, 0u) << m.name;
    EXPECT_GT(m.exhaustive.budget, 0u) << m.name;
    EXPECT_EQ(m.exhaustive.strategy, "exhaustive") << m.name;
    EXPECT_FALSE(m.kills.empty()) << m.name;
    for (std::string_view p : m.kills)
      EXPECT_NE(std::find(known.begin(), known.end(), p), known.end()) << m.name << ": unknown property " << p;
  }
  EXPECT_EQ(harness::mutant_catalogue().size(), static_cast<std::size_t>(model::Mutant::Count_));
}

// Asked for where it cannot act, a mutant is refused with where it applies.
TEST(MutantCatalogue, RefusesAMutantWhereItCannotAct) {
  const model::MutantSet s{model::Mutant::TruncateDioWaitVsWorkerLock};
  EXPECT_EQ(harness::refusal(s, model::Kernel::V3_12_fixed, model::Fs::Ext4), "");
  const std::string xfs = harness::refusal(s, model::Kernel::V3_12_fixed, model::Fs::Xfs);
  EXPECT_NE(xfs.find("truncate-dio-wait-vs-worker-lock"), std::string::npos) << xfs;
  EXPECT_NE(xfs.find("fs ext4"), std::string::npos) << xfs;
  const std::string old = harness::refusal(s, model::Kernel::V3_11, model::Fs::Ext4);
  EXPECT_NE(old.find("kernel 3.12-fixed"), std::string::npos) << old;
}

}  // namespace
}  // namespace dc::props
