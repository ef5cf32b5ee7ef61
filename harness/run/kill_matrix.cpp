#include "harness/run/kill_matrix.hpp"

#include <fmt/format.h>

#include "impl/mutants.hpp"

namespace dc::harness {

gen::GenOptions mutant_gen_options(std::string_view slug) {
  gen::GenOptions g;
  g.full_range = true;  // the whole op menu and file span (see GenOptions::full_range)
  // Outside the mutants, the full-range generator reaches findings of the faithful 3.12-fixed
  // engine that the control campaigns must not see: misaligned O_DIRECT reads at EOF (XFS
  // returns 0, the model expects -EINVAL) and sub-block DIO writes into blocks whose
  // conversion is pending (impl/README.md, "Modelling decisions"). Keep both out.
  g.misaligned = false;
  g.sub_block = false;
  if (slug == "inode-dio-done-before-conversion" || slug == "truncate-dio-wait-vs-worker-lock") {
    // an AIO write into unwritten extents whose deferred completion races a shrinking
    // truncate (inode_dio_wait under i_mutex)
    g.max_tasks = 2;
    g.max_ops = 3;
    g.max_blocks = 4;
    g.min_size_blocks = 4;
    g.truncate_weight = 5;
    g.fallocate_weight = 2;
    g.aio_read_weight = g.pread_weight = g.pwrite_weight = 1;
    g.faults = false;
    g.buffered = false;
  } else if (slug == "eiocbqueued-double-complete") {
    // ext4 dioread_nolock overwrite AIO (drops i_mutex) and a buffered writer of the range
    g.max_tasks = 2;
    g.max_ops = 3;
    g.max_blocks = 4;
    g.min_size_blocks = 4;
    g.dioread_nolock_weight = 9;
    g.buffered_weight = 5;
    g.buffered_read_weight = 0;  // cached pages would rule out the unlocked overwrite
    g.preallocated = false;      // so would unwritten extents
    g.fallocate_weight = 0;
    g.aio_read_weight = g.pread_weight = 1;
    g.faults = false;
    g.truncate = false;
  } else if (slug == "evict-vs-running-work" || slug == "inode-uaf-after-aio-complete") {
    // deferred AIO completions (unwritten extents) still running when the tasks end
    g.min_size_blocks = 4;
    g.fallocate_weight = 2;
    g.faults = false;
    g.truncate = false;
  } else if (slug == "convert-on-io-error") {
    // a failed data bio of a write into unwritten extents, then a read of the range
    g.bio_error_weight = 8;
    g.alloc_fail_weight = 0;
    g.min_size_blocks = 4;
    g.fallocate_weight = 2;
    g.pread_weight = 5;
  }
  return g;
}

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
        c.gen = o.tuned ? mutant_gen_options(m.slug) : o.gen;
        c.stop_at_first = true;
        c.only_mutant_caused = true;
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
