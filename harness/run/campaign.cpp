#include "harness/run/campaign.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>

#include "harness/gen/direct_gen.hpp"
#include "harness/run/coverage_guided.hpp"
#include "harness/run/runner.hpp"
#include "harness/run/strategy_factory.hpp"
#include "harness/sched/rng.hpp"

namespace dc::harness {
using Clock = std::chrono::steady_clock;

ExecutionPlan plan_execution(const CampaignOptions& o, std::uint64_t i) {
  const std::size_t cells = o.kernels.size() * o.filesystems.size();
  ExecutionPlan p;
  p.kernel = o.kernels[(i % cells) / o.filesystems.size()];
  p.fs = o.filesystems[i % o.filesystems.size()];
  gen::GenOptions g = o.gen;
  g.kernels = {p.kernel};
  g.filesystems = {p.fs};
  const std::uint64_t s = sched::mix_seed(o.seed, i);
  const int size = g.full_range ? rc::kNominalSize : 50;
  // The direct generators draw what gen::sample(gen::workload(g), ...) would (same mapping).
  p.workload = gen::draw_workload(g, s, size);
  p.config = gen::draw_config(g, sched::mix_seed(s, 1), size);
  p.config.mutants = o.mutants;
  p.config.iomap_caller_comp = o.iomap_caller_comp && model::is_iomap_kernel(p.kernel);
  p.strategy_seed = sched::mix_seed(s, 2);
  return p;
}

std::size_t cell_index(const CampaignResult& r, model::Kernel k, model::Fs fs) {
  return static_cast<std::size_t>(std::find_if(r.cells.begin(), r.cells.end(),
                                               [&](const Cell& c) { return c.kernel == k && c.fs == fs; }) -
                                  r.cells.begin());
}

CampaignResult empty_result(const CampaignOptions& o) {
  CampaignResult r;
  for (auto k : o.kernels)
    for (auto f : o.filesystems) r.cells.push_back({k, f, 0});
  return r;
}

CampaignResult run_campaign(const CampaignOptions& o, const std::function<void(const Progress&)>& progress) {
  CampaignResult result = empty_result(o);
  const auto t0 = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
  std::atomic<std::uint64_t> next{0}, done{0};
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::map<std::tuple<int, int, std::string>, Finding> found;
  std::vector<std::uint64_t> cell_count(result.cells.size(), 0);
  const std::uint64_t limit = o.executions ? o.executions : ~0ULL;

  // Built here, on the calling thread, so a bad strategy name is a StrategyError for the
  // caller rather than an exception escaping a worker thread.
  std::vector<std::unique_ptr<sched::Strategy>> strategies, checkers;
  for (int j = 0; j < std::max(o.jobs, 1); ++j) {
    strategies.push_back(make_strategy(o.strategy));
    checkers.push_back(make_strategy(o.strategy));
  }
  CoverageMap coverage;
  // --strategy guided: inputs from a corpus that grows with coverage (coverage_guided.hpp).
  std::unique_ptr<CoverageGuide> guide = o.strategy == "guided" ? std::make_unique<CoverageGuide>(o) : nullptr;

  auto worker = [&](int job) {
    Runner runner;
    PairRecorder recorder;
    runner.set_observer(&recorder);
    sched::Strategy* const strategy = strategies[static_cast<std::size_t>(job)].get();
    PhaseTimes mine;  // generate and record here; run / check / record in the runner
    Execution x;      // its buffers are reused from one execution to the next
    // The determinism self-check runs on a runner, strategy and buffers of its own.
    Runner checker;
    Execution again;
    for (;;) {
      // A guided campaign's workers wait for each other at epoch ends: one that stops early
      // releases them.
      if (stop.load()) {
        if (guide) guide->cancel();
        break;
      }
      const std::uint64_t n = next.fetch_add(1);
      if (n >= limit) break;
      if (o.seconds > 0 && elapsed() >= o.seconds) {
        if (guide) guide->cancel();
        break;
      }
      const std::uint64_t i = n * o.shards + o.shard;  // this shard's slice of the seed space
      PhaseClock clock;
      std::optional<GuidedInput> in;
      if (guide && !(in = guide->plan(n, i))) break;
      const ExecutionPlan p = in ? in->plan : plan_execution(o, i);
      if (in) {
        use_genome(*strategy, &in->genome);
        use_genome(*checkers[static_cast<std::size_t>(job)], &in->genome);
      }
      clock.lap(mine.generate);
      recorder.begin();
      runner.run_into(x, p.workload, p.config, *strategy, p.strategy_seed);
      clock = PhaseClock();  // the runner timed the run itself
      const std::size_t cell = cell_index(result, p.kernel, p.fs);
      const std::vector<std::string> cases = completion_cases(x.trace, p.workload, p.kernel);
      coverage.add(cell, recorder.pairs(), cases);
      clock.lap(mine.coverage);
      const bool recheck = self_check_due(o.seed, i);
      if (recheck) {
        checker.run_into(again, p.workload, p.config, *checkers[static_cast<std::size_t>(job)], p.strategy_seed);
        clock.lap(mine.self_check);
      }
      if (o.only_mutant_caused && x.verdict.failed() &&
          fails_without_mutants(runner, p.workload, p.config, *strategy, p.strategy_seed))
        x.verdict = {};
      if (guide) guide->report(n, std::move(*in), recorder.pairs(), cases);
      std::lock_guard<std::mutex> lock(mu);
      if (recheck) {
        ++result.self_check.reruns;
        if (again.trace_hash != x.trace_hash) {
          result.self_check.mismatches.push_back(describe_mismatch(i, x.trace, x.trace_hash, again.trace, again.trace_hash));
          result.self_check.mismatches.back().reproducer = case_of(p.workload, p.config, o.strategy, x);
        }
      }
      const std::uint64_t before = cell_count[cell]++;
      ++done;
      if (x.verdict.failed()) {
        auto key = std::make_tuple(static_cast<int>(p.kernel), static_cast<int>(p.fs), x.verdict.property);
        auto it = found.find(key);
        if (it == found.end() || it->second.execution > i) {
          found[key] = Finding{p.kernel, p.fs, x.verdict.property, i, before, elapsed(),
                               case_of(p.workload, p.config, o.strategy, x), {}};
          clock.lap(mine.record);
        }
        if (o.stop_at_first) stop = true;
      }
      coverage.sample(done.load(), found.size());
      if (progress && done % 64 == 0) progress({done.load(), found.size(), elapsed(), o.seconds, coverage.pairs()});
    }
    mine += runner.phases();
    std::lock_guard<std::mutex> lock(mu);
    result.phases += mine;
  };
  std::vector<std::thread> threads;
  for (int j = 1; j < o.jobs; ++j) threads.emplace_back(worker, j);
  worker(0);
  for (auto& t : threads) t.join();
  result.executions = done.load();
  result.seconds = elapsed();
  for (std::size_t c = 0; c < result.cells.size(); ++c) result.cells[c].executions = cell_count[c];
  for (auto& [key, f] : found) result.findings.push_back(std::move(f));
  coverage.sample(~0ULL, result.findings.size());  // force the last point
  result.coverage = summarize(coverage, result.cells.size());
  result.coverage.curve.back().executions = result.executions;
  if (progress) progress({result.executions, result.findings.size(), result.seconds, o.seconds, result.coverage.pairs});
  return result;
}

}  // namespace dc::harness
