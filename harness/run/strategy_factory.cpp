#include "harness/run/strategy_factory.hpp"

#include <charconv>

#include <fmt/format.h>

#include "harness/run/portfolio.hpp"
#include "harness/run/schedule_genome.hpp"
#include "harness/sched/pct.hpp"
#include "harness/sched/random.hpp"

namespace dc::harness {

// PCT's step estimate k: engine executions take a few hundred decisions (corpus schedules
// hold 100-500). Fixed, so that every execution depends on its seed alone.
constexpr std::uint64_t kPctSteps = 300;

std::vector<std::string> strategy_names() { return {"random", "pct", "pct:<depth>", "portfolio", "guided"}; }

void use_genome(sched::Strategy& s, const ScheduleGenome* g) {
  if (auto* genome = dynamic_cast<GenomeStrategy*>(&s)) genome->set_genome(g);
}

std::unique_ptr<sched::Strategy> make_strategy(const std::string& name) {
  if (name == "random") return std::make_unique<sched::RandomStrategy>();
  if (name == "pct") return std::make_unique<sched::PctStrategy>(3, kPctSteps);
  if (name.rfind("pct:", 0) == 0) {
    unsigned depth = 0;
    const char* b = name.data() + 4;
    auto [p, ec] = std::from_chars(b, name.data() + name.size(), depth);
    if (ec != std::errc() || p != name.data() + name.size() || depth < 1 || depth > 10)
      throw StrategyError(fmt::format("strategy '{}': PCT depth must be 1..10", name));
    return std::make_unique<sched::PctStrategy>(depth, kPctSteps);
  }
  if (name == "portfolio") {
    std::vector<std::unique_ptr<sched::Strategy>> m;
    m.push_back(std::make_unique<sched::RandomStrategy>());
    m.push_back(std::make_unique<sched::PctStrategy>(2, kPctSteps));
    m.push_back(std::make_unique<sched::PctStrategy>(3, kPctSteps));
    return std::make_unique<PortfolioStrategy>(std::move(m));
  }
  // A campaign gives it each execution's genome (coverage_guided.hpp); elsewhere it draws a
  // fresh genome from each seed.
  if (name == "guided") return std::make_unique<GenomeStrategy>();
  throw StrategyError(fmt::format("unknown strategy '{}' (known: random, pct, pct:<depth>, portfolio, guided)", name));
}

}  // namespace dc::harness
