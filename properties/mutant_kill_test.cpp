// Mutant kill tests: every catalogued real bug (impl/mutants.*, ../shared/reference/
// bug-catalog.md), switched on alone, must be found by a small campaign over generated
// workloads -- the catalogue entry's kernels and filesystems, the generator settings of
// harness::mutant_gen_options (the default menu tilted towards the entry's scenario, never a
// hand-written schedule), a fixed seed and a CI-sized budget -- and must be found through
// one of the properties that describe that bug. The same campaign without the mutant must
// find nothing (no false alarm), so the kill is the mutant's doing.
#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "harness/run/campaign.hpp"
#include "harness/run/kill_matrix.hpp"
#include "harness/sched/schedule.hpp"
#include "impl/mutants.hpp"

namespace dc::props {
namespace {

struct KillSpec {
  const char* mutant;
  const char* strategy;               // the strategy that finds it within the budget
  std::uint64_t seed;
  std::uint64_t budget;               // executions
  std::vector<std::string> properties;  // what a kill of this bug may be reported as
};

// Budgets leave a wide margin over the executions the kill needs with this seed (see the
// kill matrix: `diocheck mutants`), but stay below where the control campaign would reach
// the faithful 3.12-fixed engine's own findings (truncate races, XFS read sizes; see
// harness::mutant_gen_options).
const std::vector<KillSpec>& specs() {
  static const std::vector<KillSpec> s = {
      {"aio-complete-before-conversion", "random", 1, 500,
       {"INV-5 convert-before-complete", "read-sees-allowed-write", "INV-10 dsync-aio-durable"}},
      {"dsync-aio-not-honoured", "random", 1, 500, {"INV-10 dsync-aio-durable", "crash-durability"}},
      {"dsync-defer-predicate", "random", 1, 1000, {"INV-6 no-sleep-in-interrupt"}},
      {"inode-dio-done-before-conversion", "random", 1, 1000, {"INV-4 dio-wait-no-pending-conversion"}},
      {"dio-count-double-dec", "random", 1, 500, {"INV-3 dio-count-balance"}},
      {"truncate-dio-wait-vs-worker-lock", "random", 1, 300, {"step-limit", "deadlock"}},
      {"inode-uaf-after-aio-complete", "pct", 1, 1000, {"kernel-use-after-free"}},
      {"iomap-dio-uaf-last-ref", "random", 1, 2000, {"kernel-use-after-free"}},
      {"eiocbqueued-double-complete", "random", 1, 2000,
       {"INV-1 aio-complete-once", "kernel-use-after-free", "INV-12 eiocbqueued-discipline", "op-result",
        "aio-reaped-once"}},
      {"evict-vs-running-work", "pct", 1, 1000, {"kernel-use-after-free", "INV-8 shutdown-drains-queue"}},
      {"dio-done-wq-init-race", "random", 1, 2000, {"INV-7 one-dio-workqueue"}},
      {"convert-on-io-error", "random", 1, 500, {"read-no-foreign", "crash-no-foreign", "read-sees-allowed-write"}},
  };
  return s;
}

harness::CampaignOptions campaign_for(const KillSpec& k, bool with_mutant) {
  const kern::MutantInfo* m = kern::find_mutant(k.mutant);
  harness::CampaignOptions c;
  c.kernels = m->kernels;
  c.filesystems = m->filesystems;
  if (with_mutant) c.mutants = {k.mutant};
  c.strategy = k.strategy;
  c.seed = k.seed;
  c.executions = k.budget;
  c.gen = harness::mutant_gen_options(k.mutant);
  c.stop_at_first = true;
  return c;
}

std::string describe(const harness::Finding& f) {
  return fmt::format("{} {} {} at execution {}: {}; schedule {}", model::to_string(f.kernel), model::to_string(f.fs),
                     f.property, f.execution, f.reproducer.note, sched::encode(f.reproducer.schedule));
}

void PrintTo(const KillSpec& k, std::ostream* os) { *os << k.mutant << " (" << k.strategy << ")"; }

class MutantKill : public ::testing::TestWithParam<KillSpec> {};

TEST_P(MutantKill, IsKilledAndTheFixedEngineIsNot) {
  const KillSpec& k = GetParam();
  ASSERT_NE(kern::find_mutant(k.mutant), nullptr) << k.mutant;
  const harness::CampaignResult killed = harness::run_campaign(campaign_for(k, true));
  ASSERT_FALSE(killed.findings.empty())
      << k.mutant << " survived " << killed.executions << " " << k.strategy << " executions";
  const harness::Finding& f = killed.findings.front();
  EXPECT_NE(std::find(k.properties.begin(), k.properties.end(), f.property), k.properties.end())
      << k.mutant << " killed by an unexpected property: " << describe(f);
  RecordProperty("executions_to_kill", static_cast<int>(f.execution + 1));
  RecordProperty("property", f.property);

  const harness::CampaignResult control = harness::run_campaign(campaign_for(k, false));
  EXPECT_EQ(control.executions, k.budget);
  EXPECT_TRUE(control.findings.empty()) << "false alarm without the mutant: " << describe(control.findings.front());
}

INSTANTIATE_TEST_SUITE_P(Catalogue, MutantKill, ::testing::ValuesIn(specs()), [](const auto& p) {
  std::string n = p.param.mutant;
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
});

// Every catalogue entry has a kill test (a new mutant without one fails here).
TEST(MutantKill, EveryCatalogueEntryHasATest) {
  for (const auto& m : kern::mutant_catalogue()) {
    const bool has = std::any_of(specs().begin(), specs().end(), [&](const KillSpec& k) { return k.mutant == m.slug; });
    EXPECT_TRUE(has) << m.slug << " has no kill test";
  }
  EXPECT_EQ(specs().size(), kern::mutant_catalogue().size());
}

}  // namespace
}  // namespace dc::props
