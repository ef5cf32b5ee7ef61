// Builds a strategy from its command-line name: random, pct[:depth], portfolio, guided.
// `portfolio` alternates strategies by execution index (random, pct:2, pct:3), so a campaign
// gets both uniform coverage and PCT's depth guarantees.
#pragma once
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/sched/strategy.hpp"

namespace dc::harness {

struct StrategyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::unique_ptr<sched::Strategy> make_strategy(const std::string& name);
std::vector<std::string> strategy_names();

// `guided`'s schedule genome for the next executions of `s` (no effect on other strategies).
struct ScheduleGenome;
void use_genome(sched::Strategy& s, const ScheduleGenome* g);

}  // namespace dc::harness
