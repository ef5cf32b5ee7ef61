// The standard scenarios S5 (a power cut) and S6 (size with data), exhausted at k <= 2
// preemptions on XFS and ext4: each finds its finding on the faithful 3.12 XFS and holds on
// 3.12-fixed and on ext4 (docs/findings.md, mechanisms 10 and 11).
#include <string>
#include <tuple>

#include <gtest/gtest.h>

#include "harness/run/explore.hpp"

namespace dc::props {
namespace {

struct Expect {
  const char* scenario;
  model::Kernel kernel;
  model::Fs fs;
  const char* property;  // "" = exhausted with no violation
};

class Scenario : public ::testing::TestWithParam<Expect> {};

TEST_P(Scenario, ExhaustedAtTwoPreemptions) {
  const Expect x = GetParam();
  model::Config c;
  c.kernel = x.kernel;
  c.fs = x.fs;
  c.wq_concurrency = 1;
  harness::ExploreOptions o;
  o.dfs.reduction = sched::Reduction::None;
  o.dfs.preemption_bound = 2;
  o.stop_at_first = true;
  const harness::ExploreResult r = harness::explore(harness::scenario(x.scenario), c, o);
  ASSERT_TRUE(r.error.empty()) << r.error;
  if (std::string(x.property).empty()) {
    EXPECT_TRUE(r.exhausted);
    EXPECT_TRUE(r.findings.empty()) << r.findings.front().property;
  } else {
    ASSERT_EQ(r.findings.size(), 1u);
    EXPECT_EQ(r.findings.front().property, x.property);
  }
}

using K = model::Kernel;
using F = model::Fs;
INSTANTIATE_TEST_SUITE_P(
    Standard, Scenario,
    ::testing::Values(Expect{"S5", K::V3_12, F::Xfs, "crash-no-foreign"}, Expect{"S5", K::V3_12_fixed, F::Xfs, ""},
                      Expect{"S5", K::V3_12, F::Ext4, ""}, Expect{"S5", K::V3_12_fixed, F::Ext4, ""},
                      Expect{"S6", K::V3_12, F::Xfs, "read-size-with-data"}, Expect{"S6", K::V3_12_fixed, F::Xfs, ""},
                      Expect{"S6", K::V3_12, F::Ext4, ""}, Expect{"S6", K::V3_12_fixed, F::Ext4, ""}),
    [](const auto& p) {
      std::string n = std::string(p.param.scenario) + "_" + model::to_string(p.param.fs) + "_" +
                      model::to_string(p.param.kernel);
      for (char& ch : n)
        if (ch == '.' || ch == '-') ch = '_';
      return n;
    });

}  // namespace
}  // namespace dc::props
