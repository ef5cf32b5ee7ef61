#include "impl/kernel/sched.hpp"

#include <fmt/format.h>

namespace dc::kern {

void might_sleep(const char* what) {
  if (in_interrupt())
    ktrace_finding(model::EvKind::MightSleep, 0,
                   fmt::format("{} called from interrupt context by {}", what,
                               scheduler().name(current_actor())));
}

void BUG(const std::string& what) {
  ktrace_finding(model::EvKind::KernelBug, 0, what);
  scheduler().abandon(sched::Outcome::Kind::Bug, "kernel BUG: " + what);
}

void WARN(const std::string& what) { ktrace_finding(model::EvKind::KernelWarn, 0, what); }

}  // namespace dc::kern
