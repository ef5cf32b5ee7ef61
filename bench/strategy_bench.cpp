// Coverage-guided against random, PCT and the portfolio on the same budgets (docs/coverage.md):
// per strategy and faithful cell (3.11, 7b7a8665, 3.12 on ext4 and XFS), campaigns of N
// executions from several seeds on one thread each:
// - executions and seconds to the first finding (median over the seeds that found one);
// - distinct properties found (mean over seeds);
// - access pairs reached after N executions (median), and after N/10.
//
//   ./build/release/bench/strategy_bench [--executions N] [--seeds S] [--jobs J] [--strategies a,b,...]
//
// Seconds are one thread's wall time on whatever else the machine runs; executions do not
// depend on the load. A plain main: one campaign is one measurement.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "harness/run/campaign.hpp"

namespace {

using namespace dc;

struct Args {
  std::uint64_t executions = 3000;
  int seeds = 5, jobs = 1;
  std::vector<std::string> strategies{"random", "pct", "portfolio", "guided"};
};

[[noreturn]] void usage() {
  std::fprintf(stderr, "usage: strategy_bench [--executions N] [--seeds S] [--jobs J] [--strategies a,b,...]\n");
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) usage();
    const std::string_view k = argv[i];
    const std::string v = argv[i + 1];
    if (k == "--executions") a.executions = std::strtoull(v.c_str(), nullptr, 10);
    else if (k == "--seeds") a.seeds = std::atoi(v.c_str());
    else if (k == "--jobs") a.jobs = std::atoi(v.c_str());
    else if (k == "--strategies") {
      a.strategies.clear();
      for (std::size_t p = 0, q; p <= v.size(); p = q + 1) {
        q = v.find(',', p);
        if (q == std::string::npos) q = v.size();
        a.strategies.push_back(v.substr(p, q - p));
      }
    } else usage();
  }
  if (a.executions < 10 || a.seeds < 1 || a.jobs < 1) usage();
  return a;
}

struct Run {
  std::uint64_t first = 0;  // executions to the first finding (0: none)
  double seconds = 0;
  std::size_t properties = 0;
  std::uint64_t pairs = 0, pairs_tenth = 0;
};

Run measure(const std::string& strategy, model::Kernel k, model::Fs fs, std::uint64_t seed, std::uint64_t n) {
  harness::CampaignOptions o;
  o.kernels = {k};
  o.filesystems = {fs};
  o.strategy = strategy;
  o.seed = seed;
  o.executions = n;
  o.jobs = 1;  // executions run in index order: the first finding's index + 1 is the count to it
  const harness::CampaignResult r = harness::run_campaign(o);
  Run run;
  run.properties = r.findings.size();
  run.pairs = r.coverage.pairs;
  for (const auto& p : r.coverage.curve)
    if (p.executions <= n / 10) run.pairs_tenth = p.pairs;
  for (const auto& f : r.findings)
    if (!run.first || f.execution + 1 < run.first) {
      run.first = f.execution + 1;
      run.seconds = f.seconds;
    }
  return run;
}

template <class T>
T median(std::vector<T> v) {
  if (v.empty()) return T{};
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  const model::Kernel kernels[] = {model::Kernel::V3_11, model::Kernel::V7b7a8665, model::Kernel::V3_12};
  fmt::print("strategy_bench: {} executions per campaign, seeds 1..{}, one thread per campaign, {} jobs; load {}\n",
             a.executions, a.seeds, a.jobs, loadavg());
  fmt::print("{:<10} {:<9} {:<5} {:>6} {:>11} {:>9} {:>6} {:>11} {:>9}\n", "strategy", "kernel", "fs", "found",
             "med.execs", "med.s", "props", "pairs@N/10", "pairs@N");
  for (const std::string& s : a.strategies) {
    double pairs_sum = 0;
    for (const model::Kernel k : kernels)
      for (const model::Fs fs : model::kAllFs) {
        std::vector<Run> runs(static_cast<std::size_t>(a.seeds));
        std::atomic<int> next{0};
        auto worker = [&] {
          for (int i; (i = next.fetch_add(1)) < a.seeds;)
            runs[static_cast<std::size_t>(i)] = measure(s, k, fs, static_cast<std::uint64_t>(i) + 1, a.executions);
        };
        std::vector<std::thread> threads;
        for (int j = 1; j < a.jobs; ++j) threads.emplace_back(worker);
        worker();
        for (auto& t : threads) t.join();
        std::vector<std::uint64_t> first, pairs, tenth;
        std::vector<double> seconds;
        double props = 0;
        for (const Run& r : runs) {
          if (r.first) first.push_back(r.first), seconds.push_back(r.seconds);
          props += static_cast<double>(r.properties);
          pairs.push_back(r.pairs);
          tenth.push_back(r.pairs_tenth);
        }
        pairs_sum += static_cast<double>(median(pairs));
        fmt::print("{:<10} {:<9} {:<5} {:>6} {:>11} {:>9.3f} {:>6.1f} {:>11} {:>9}\n", s, model::to_string(k),
                   model::to_string(fs), fmt::format("{}/{}", first.size(), runs.size()), median(first),
                   median(seconds), props / static_cast<double>(runs.size()), median(tenth), median(pairs));
        std::fflush(stdout);
      }
    fmt::print("{:<10} sum of the cells' median pairs at N: {:.0f}\n", s, pairs_sum);
  }
}
