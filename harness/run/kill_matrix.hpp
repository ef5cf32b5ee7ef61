// The mutant kill matrix: for every catalogued mutant and strategy, campaigns from several
// seeds under a fixed budget; how often and how fast the checker kills the mutant.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/run/campaign.hpp"
#include "harness/run/exhaustive_campaign.hpp"
#include "harness/run/mutant_catalogue.hpp"

namespace dc::harness {

struct KillOptions {
  model::MutantSet mutants;             // empty = the whole catalogue
  // Empty = each row on all its kernels; else each row on those of its kernels listed here
  // (rows acting on none of them are left out): `diocheck mutants --kernel 6.6,6.18`.
  std::vector<model::Kernel> kernels;
  // `exhaustive`: bounded DFS of the same workloads (harness/run/exhaustive_campaign.hpp)
  std::vector<std::string> strategies{"random", "pct", "guided", "exhaustive"};
  int seeds = 10;
  std::uint64_t budget = 2000;          // executions per (mutant, strategy, seed)
  int jobs = 1;                         // seeds run in parallel
  ExhaustiveOptions exhaustive;         // the `exhaustive` strategy's per-workload cap and bound
  gen::GenOptions gen = campaign_gen();
  // Search each mutant with mutant_gen_options (the default menu tilted towards the
  // catalogue row's minimal scenario; never a hand-written workload or schedule) instead
  // of `gen`.
  bool tuned = true;
};

struct KillCell {
  std::string mutant, strategy;
  int seeds = 0, killed = 0;
  std::vector<std::uint64_t> executions;  // to first kill, per killing seed
  std::vector<double> seconds;
  std::string property;                   // property of the first kill (lowest seed)
  std::optional<Case> reproducer;         // first kill, for shrinking / the corpus
  std::vector<int> bounds;                // exhaustive: preemption bound k of each kill
};

// A mutant campaign with `c.strategy`: run_exhaustive_campaign for "exhaustive", else
// run_campaign. The kill matrix and the kill tests run their campaigns through here.
CampaignResult run_mutant_campaign(const CampaignOptions& c, const ExhaustiveOptions& e = {});

std::vector<KillCell> run_kill_matrix(const KillOptions& o, const std::function<void(const std::string&)>& log = {});

}  // namespace dc::harness
