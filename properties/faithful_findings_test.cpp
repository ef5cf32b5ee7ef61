// The checker must find the O_DSYNC AIO durability violation that motivated 02afc27
// ("direct-io: Handle O_(D)SYNC AIO") on the kernels before it (3.11 and 7b7a8665), on both
// filesystems, and must not report it on 3.12-fixed under the same search.
#include <gtest/gtest.h>

#include "harness/gen/workload_gen.hpp"
#include "harness/sched/rng.hpp"
#include "properties/support.hpp"

namespace dc::props {
namespace {

// O_DSYNC AIO writes, then a power cut: the smallest setting where the premature (or missing)
// sync of a queued AIO write shows.
model::Workload dsync_workload(std::uint64_t seed) {
  gen::GenOptions g;
  g.crash = true;
  g.misaligned = false;
  g.faults = false;
  g.buffered = false;
  g.truncate = false;
  model::Workload w = gen::sample(gen::workload(g), seed);
  w.o_dsync = true;
  w.initial_size = std::max<std::uint64_t>(w.initial_size, 8 * 4096);  // in-size writes stay async
  for (auto& t : w.tasks)
    if (t.ops.back().kind != model::OpKind::Crash) {
      model::Op crash;
      crash.kind = model::OpKind::Crash;
      t.ops.push_back(crash);
      break;
    }
  gen::number_ops(w);
  return w;
}

struct Search {
  std::uint64_t executions = 0;
  std::optional<harness::Execution> found;
};

Search search(model::Kernel k, model::Fs fs, std::uint64_t budget) {
  harness::Runner runner;
  auto strategy = harness::make_strategy("portfolio");
  Search s;
  model::Config c;
  c.kernel = k;
  c.fs = fs;
  for (std::uint64_t i = 0; i < budget; ++i) {
    const model::Workload w = dsync_workload(sched::mix_seed(0xd5, i));
    harness::Execution x = runner.run(w, c, *strategy, sched::mix_seed(0x5eed, i));
    ++s.executions;
    if (x.verdict.failed() && family_of(x.verdict.property) == Family::Durability) {
      s.found = std::move(x);
      break;
    }
  }
  return s;
}

class DsyncAio : public ::testing::TestWithParam<std::tuple<model::Kernel, model::Fs>> {};

TEST_P(DsyncAio, DurabilityViolationIsFoundBefore02afc27) {
  const auto [k, fs] = GetParam();
  const Search s = search(k, fs, 2000);
  ASSERT_TRUE(s.found.has_value()) << "no durability violation in " << s.executions << " executions";
  RecordProperty("executions_to_find", static_cast<int>(s.executions));
}

INSTANTIATE_TEST_SUITE_P(Pre02afc27, DsyncAio,
                         ::testing::Combine(::testing::Values(model::Kernel::V3_11, model::Kernel::V7b7a8665),
                                            ::testing::Values(model::Fs::Ext4, model::Fs::Xfs)),
                         [](const auto& param_info) {
                           return std::string(std::get<0>(param_info.param) == model::Kernel::V3_11 ? "v3_11" : "v7b7a8665") +
                                  "_" + model::to_string(std::get<1>(param_info.param));
                         });

TEST(DsyncAio, NoDurabilityViolationOn312Fixed) {
  for (model::Fs fs : {model::Fs::Ext4, model::Fs::Xfs}) {
    const Search s = search(model::Kernel::V3_12_fixed, fs, 500);
    EXPECT_FALSE(s.found.has_value()) << (s.found ? describe({}, *s.found) : "");
  }
}

}  // namespace
}  // namespace dc::props
