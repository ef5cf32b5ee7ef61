#include "harness/run/kill_matrix.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

#include <fmt/format.h>

namespace dc::harness {

CampaignResult run_mutant_campaign(const CampaignOptions& c, const ExhaustiveOptions& e) {
  return c.strategy == "exhaustive" ? run_exhaustive_campaign(c, e) : run_campaign(c);
}

namespace {

// The row's kernels, narrowed to o.kernels when given.
std::vector<model::Kernel> row_kernels(const KillOptions& o, const MutantRow& m) {
  if (o.kernels.empty()) return m.kernels;
  std::vector<model::Kernel> out;
  for (model::Kernel k : m.kernels)
    if (std::find(o.kernels.begin(), o.kernels.end(), k) != o.kernels.end()) out.push_back(k);
  return out;
}

CampaignOptions seed_campaign(const KillOptions& o, const MutantRow& m, const std::string& strategy, int s) {
  CampaignOptions c;
  c.kernels = row_kernels(o, m);
  c.filesystems = m.filesystems;
  c.mutants = {m.id};
  c.strategy = strategy;
  c.seed = 1000 + static_cast<std::uint64_t>(s);
  c.executions = o.budget;
  c.gen = o.tuned ? mutant_gen_options(m.id) : o.gen;
  c.stop_at_first = true;
  c.only_mutant_caused = true;
  return c;
}

// Runs f(0..n-1) on `jobs` threads.
void parallel_for(int n, int jobs, const std::function<void(int)>& f) {
  std::atomic<int> next{0};
  auto worker = [&] {
    for (int i; (i = next.fetch_add(1)) < n;) f(i);
  };
  std::vector<std::thread> threads;
  for (int j = 1; j < jobs; ++j) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
}

}  // namespace

std::vector<KillCell> run_kill_matrix(const KillOptions& o, const std::function<void(const std::string&)>& log) {
  std::vector<KillCell> out;
  for (const MutantRow& m : mutant_catalogue()) {
    if (!o.mutants.empty() && !o.mutants.has(m.id)) continue;
    if (row_kernels(o, m).empty()) continue;
    for (const auto& strategy : o.strategies) {
      // Seeds in parallel, each campaign on one thread: executions to the kill do not depend
      // on the jobs, and seconds are one thread's time for every strategy.
      std::vector<CampaignResult> runs(static_cast<std::size_t>(o.seeds));
      parallel_for(o.seeds, o.jobs, [&](int s) { runs[static_cast<std::size_t>(s)] = run_mutant_campaign(seed_campaign(o, m, strategy, s), o.exhaustive); });
      KillCell cell{std::string(m.name), strategy, o.seeds, 0, {}, {}, {}, {}, {}};
      for (const CampaignResult& r : runs) {
        if (r.findings.empty()) continue;
        const Finding& f = r.findings.front();
        ++cell.killed;
        cell.executions.push_back(f.execution + 1);  // one thread: executions run in index order
        cell.seconds.push_back(f.seconds);
        cell.bounds.push_back(f.preemption_bound);
        if (!cell.reproducer) {
          cell.property = f.property;
          cell.reproducer = f.reproducer;
        }
      }
      const std::string k = cell.bounds.empty() || cell.bounds.front() < 0
                                ? ""
                                : fmt::format(" (preemption bound {}..{})", *std::min_element(cell.bounds.begin(), cell.bounds.end()),
                                              *std::max_element(cell.bounds.begin(), cell.bounds.end()));
      if (log) log(fmt::format("{} / {}: killed {}/{}{}", cell.mutant, cell.strategy, cell.killed, cell.seeds, k));
      out.push_back(std::move(cell));
    }
  }
  return out;
}

}  // namespace dc::harness
