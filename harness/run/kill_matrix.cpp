#include "harness/run/kill_matrix.hpp"

#include <fmt/format.h>

#include "impl/mutants.hpp"

namespace dc::harness {

std::vector<KillCell> run_kill_matrix(const KillOptions& o, const std::function<void(const std::string&)>& log) {
  std::vector<KillCell> out;
  for (const auto& m : kern::mutant_catalogue()) {
    if (!o.mutants.empty() && std::find(o.mutants.begin(), o.mutants.end(), m.slug) == o.mutants.end()) continue;
    for (const auto& strategy : o.strategies) {
      KillCell cell{std::string(m.slug), strategy, o.seeds, 0, {}, {}, {}, {}};
      for (int s = 0; s < o.seeds; ++s) {
        CampaignOptions c;
        c.kernels = m.kernels;
        c.filesystems = m.filesystems;
        c.mutants = {std::string(m.slug)};
        c.strategy = strategy;
        c.seed = 1000 + static_cast<std::uint64_t>(s);
        c.executions = o.budget;
        c.jobs = o.jobs;
        c.gen = o.gen;
        c.stop_at_first = true;
        const CampaignResult r = run_campaign(c);
        if (r.findings.empty()) continue;
        const Finding& f = r.findings.front();
        ++cell.killed;
        cell.executions.push_back(f.execution + 1);  // one job, one shard: executions run in index order
        cell.seconds.push_back(f.seconds);
        if (!cell.reproducer) {
          cell.property = f.property;
          cell.reproducer = f.reproducer;
        }
      }
      if (log) log(fmt::format("{} / {}: killed {}/{}", cell.mutant, cell.strategy, cell.killed, cell.seeds));
      out.push_back(std::move(cell));
    }
  }
  return out;
}

}  // namespace dc::harness
