// Injected faults of one execution: "fail the n-th allocation from cache X", "the n-th bio
// completes with -EIO". Counted per execution, so a fault plan is deterministic.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/fault.hpp"

namespace dc::kern {

using model::Fault;

class FaultInjector {
 public:
  void reset(std::vector<Fault> plan) {
    plan_ = std::move(plan);
    counts_.clear();
    bios_ = 0;
    paused_ = false;
  }
  bool fail_alloc(const char* cache);
  // Setup (mount) is not part of the workload: while paused allocations neither count nor fail.
  void pause(bool paused) { paused_ = paused; }
  bool fail_bio();  // called once per bio completion, in completion order

  // The installed execution's injector (impl/kernel/execution.hpp); null outside one.
  static FaultInjector* current();

 private:
  std::vector<Fault> plan_;
  std::vector<std::pair<std::string, std::uint32_t>> counts_;
  std::uint32_t bios_ = 0;
  bool paused_ = false;
};

}  // namespace dc::kern
