#include "impl/kernel/fault.hpp"

#include "impl/kernel/sched.hpp"

namespace dc::kern {

// With a plan, which allocation (bio completion) is "the n-th" depends on the order of the
// steps that count: each count is an access of the injector for the dependence analysis.
bool FaultInjector::fail_alloc(const char* cache) {
  if (plan_.empty() || paused_) return false;
  kaccess(&counts_, Access::Write);
  std::uint32_t n = 0;
  for (auto& [site, count] : counts_)
    if (site == cache) n = ++count;
  if (n == 0) counts_.emplace_back(cache, n = 1);
  for (const Fault& f : plan_)
    if (f.kind == Fault::Kind::AllocFail && f.nth == n && f.site == cache) return true;
  return false;
}

bool FaultInjector::fail_bio() {
  if (plan_.empty()) return false;
  kaccess(&bios_, Access::Write);
  const std::uint32_t n = ++bios_;
  for (const Fault& f : plan_)
    if (f.kind == Fault::Kind::BioError && f.nth == n) return true;
  return false;
}

}  // namespace dc::kern
