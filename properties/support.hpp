// Shared helpers of the property suites: run a generated case, group violations by
// property family, scale budgets with DIOCHECK_LONG for CI fuzzing.
#pragma once
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "harness/run/corpus.hpp"
#include "harness/run/mutant_catalogue.hpp"
#include "harness/run/runner.hpp"
#include "harness/run/strategy_factory.hpp"
#include "harness/sched/schedule.hpp"

namespace dc::props {

// Property families: one suite each.
enum class Family { Observable, Completion, DioCount, Conversion, Context, Workqueue, IoEnd, Durability, Liveness };

inline Family family_of(const std::string& p) {
  auto starts = [&](const char* s) { return p.rfind(s, 0) == 0; };
  if (starts("INV-1 ") || starts("INV-2 ") || starts("INV-11") || starts("INV-12")) return Family::Completion;
  if (starts("INV-3 ") || starts("INV-4 ")) return Family::DioCount;
  if (starts("INV-5 ") || starts("INV-13")) return Family::Conversion;
  if (starts("INV-6 ") || starts("kernel-use") || starts("kernel-double") || starts("kernel-leak") || starts("kernel-warn"))
    return Family::Context;
  if (starts("INV-7 ") || starts("INV-8 ")) return Family::Workqueue;
  if (starts("INV-9 ")) return Family::IoEnd;
  if (starts("INV-10") || starts("crash-")) return Family::Durability;
  if (p == "deadlock" || p == "step-limit" || p == "kernel-bug") return Family::Liveness;
  return Family::Observable;
}

// DIOCHECK_LONG=N multiplies the budgets of the suites (CI fuzzing); default 1.
inline int long_factor() {
  const char* s = std::getenv("DIOCHECK_LONG");
  const int n = s ? std::atoi(s) : 1;
  return n < 1 ? 1 : n;
}

// A one-line reproduction hint for a failing execution.
inline std::string describe(const model::Config& c, const harness::Execution& x) {
  return fmt::format("{} {} mutants=[{}]: {} at event {}: expected {}; actual {}; schedule {}",
                     model::to_string(c.kernel), model::to_string(c.fs), fmt::join(harness::mutant_names(c.mutants), ","),
                     x.verdict.property, x.verdict.event, x.verdict.expected, x.verdict.actual,
                     sched::encode(x.schedule));
}

}  // namespace dc::props
