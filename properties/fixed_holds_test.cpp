// On 3.12-fixed every property must hold: each family is a rapidcheck property over
// generated workloads, configurations and schedules (ext4 and XFS). A failure here is a bug
// in the port or the model, to be fixed at its root. Scale with RC_PARAMS or DIOCHECK_LONG.
#include <filesystem>
#include <string>
#include <system_error>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "harness/gen/workload_gen.hpp"
#include "harness/sched/rng.hpp"
#include "properties/support.hpp"

namespace dc::props {
namespace {

// Every failing case is also written as a corpus file, for `diocheck show/shrink/replay`
// (rapidcheck's own RC_PARAMS line names only the generator choices): into
// $DIOCHECK_PROPS_CORPUS, or props-failures/ in the working directory.
[[noreturn]] void fail(const model::Workload& w, const model::Config& c, const harness::Execution& x) {
  const char* env = std::getenv("DIOCHECK_PROPS_CORPUS");
  const std::filesystem::path dir = env && *env ? env : "props-failures";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string file = (dir / fmt::format("props-{:016x}.json", x.trace_hash)).string();
  harness::save_case(harness::case_of(w, c, "portfolio", x), file);
  RC_FAIL(describe(c, x) + "\ncorpus case: " + file);
}

void holds(Family family, bool crash) {
  gen::GenOptions g;
  g.crash = crash;
  const auto w = *gen::workload(g);
  const auto c = *gen::config(g);
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  thread_local harness::Runner runner;
  thread_local auto strategy = harness::make_strategy("portfolio");
  // Several schedules per workload: interleavings are where the bugs are.
  for (int i = 0; i < 4 * long_factor(); ++i) {
    const harness::Execution x = runner.run(w, c, *strategy, sched::mix_seed(seed, i));
    for (const auto& v : x.violations)
      if (family_of(v.property) == family) fail(w, c, x);
    if (family == Family::Liveness && x.verdict.failed() && family_of(x.verdict.property) == Family::Liveness)
      fail(w, c, x);
  }
}

RC_GTEST_PROP(Observable, HoldsOn312Fixed, ()) { holds(Family::Observable, false); }
RC_GTEST_PROP(Completion, HoldsOn312Fixed, ()) { holds(Family::Completion, false); }
RC_GTEST_PROP(DioCount, HoldsOn312Fixed, ()) { holds(Family::DioCount, false); }
RC_GTEST_PROP(Conversion, HoldsOn312Fixed, ()) { holds(Family::Conversion, false); }
RC_GTEST_PROP(Context, HoldsOn312Fixed, ()) { holds(Family::Context, false); }
RC_GTEST_PROP(Workqueue, HoldsOn312Fixed, ()) { holds(Family::Workqueue, false); }
RC_GTEST_PROP(IoEnd, HoldsOn312Fixed, ()) { holds(Family::IoEnd, false); }
RC_GTEST_PROP(Durability, HoldsOn312Fixed, ()) { holds(Family::Durability, true); }
RC_GTEST_PROP(Liveness, HoldsOn312Fixed, ()) { holds(Family::Liveness, false); }

}  // namespace
}  // namespace dc::props
