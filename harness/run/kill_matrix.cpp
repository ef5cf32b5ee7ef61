#include "harness/run/kill_matrix.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

#include <fmt/format.h>

#include "impl/mutants.hpp"

namespace dc::harness {

gen::GenOptions mutant_gen_options(std::string_view slug) {
  gen::GenOptions g;
  // No catalogue mechanism needs misaligned (-EINVAL) or sub-block I/O: leaving them out
  // spends the budget on the mechanisms.
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

CampaignResult run_mutant_campaign(const CampaignOptions& c, const ExhaustiveOptions& e) {
  return c.strategy == "exhaustive" ? run_exhaustive_campaign(c, e) : run_campaign(c);
}

namespace {

CampaignOptions seed_campaign(const KillOptions& o, const kern::MutantInfo& m, const std::string& strategy, int s) {
  CampaignOptions c;
  c.kernels = m.kernels;
  c.filesystems = m.filesystems;
  c.mutants = {std::string(m.slug)};
  c.strategy = strategy;
  c.seed = 1000 + static_cast<std::uint64_t>(s);
  c.executions = o.budget;
  c.gen = o.tuned ? mutant_gen_options(m.slug) : o.gen;
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
  for (const auto& m : kern::mutant_catalogue()) {
    if (!o.mutants.empty() && std::find(o.mutants.begin(), o.mutants.end(), m.slug) == o.mutants.end()) continue;
    for (const auto& strategy : o.strategies) {
      // Seeds in parallel, each campaign on one thread: executions to the kill do not depend
      // on the jobs, and seconds are one thread's time for every strategy.
      std::vector<CampaignResult> runs(static_cast<std::size_t>(o.seeds));
      parallel_for(o.seeds, o.jobs, [&](int s) { runs[static_cast<std::size_t>(s)] = run_mutant_campaign(seed_campaign(o, m, strategy, s), o.exhaustive); });
      KillCell cell{std::string(m.slug), strategy, o.seeds, 0, {}, {}, {}, {}, {}};
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
