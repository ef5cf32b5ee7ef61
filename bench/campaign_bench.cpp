// Campaign throughput: executions per second of the default campaign (default generator
// settings, campaign seed 1, one job) per strategy and filesystem on 3.12-fixed, and of a
// bounded exploration (DPOR) of one campaign workload of the campaign's mean size, in the
// same process. Time is split into the phases of harness/run/phases.hpp (generate, run,
// check, record), per execution and as a share; ns/point divides an execution's time by its
// scheduling points, so campaign and explore compare per unit of engine work.
//
//   ./build/release/bench/campaign_bench [--executions N] [--explore N] [--seed S]
//
// A plain main, not Google Benchmark: one campaign is one measurement, and its phase split
// comes from the campaign itself (CampaignResult::phases), as `fuzz --json` reports it.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>

#include <time.h>

#include <fmt/format.h>

#include "harness/run/campaign.hpp"
#include "harness/run/explore.hpp"

namespace {

using namespace dc;

struct Args {
  std::uint64_t executions = 3000;  // per (strategy, fs)
  std::uint64_t explore = 3000;
  std::uint64_t seed = 1;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view k = argv[i];
    const std::uint64_t v = std::strtoull(argv[i + 1], nullptr, 10);
    if (k == "--executions") a.executions = v;
    else if (k == "--explore") a.explore = v;
    else if (k == "--seed") a.seed = v;
    else {
      std::fprintf(stderr, "usage: campaign_bench [--executions N] [--explore N] [--seed S]\n");
      std::exit(2);
    }
  }
  return a;
}

harness::CampaignOptions campaign(const Args& a, const std::string& strategy, model::Fs fs) {
  harness::CampaignOptions o;
  o.kernels = {model::Kernel::V3_12_fixed};
  o.filesystems = {fs};
  o.strategy = strategy;
  o.seed = a.seed;
  o.executions = a.executions;
  o.jobs = 1;
  return o;
}

// CPU seconds of this process: on a shared machine, executions per CPU second are what a
// quiet core would give (wall-clock figures drop with the load).
double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

std::size_t ops_of(const model::Workload& w) {
  std::size_t n = 0;
  for (const auto& t : w.tasks) n += t.ops.size();
  return n;
}

void header() {
  fmt::print("{:<10} {:<5} {:>7} {:>9} {:>9} {:>8} {:>8} | {:>9} {:>9} {:>9} {:>9}  (us/execution, share)\n",
             "strategy", "fs", "execs", "execs/s", "per cpu-s", "pts/exec", "ns/pt", "generate", "run", "check",
             "record");
}

void row(const std::string& name, const std::string& fs, std::uint64_t executions, double seconds, double cpu,
         const harness::PhaseTimes& p) {
  const double n = static_cast<double>(executions);
  const double per_exec = static_cast<double>(p.points) / n;
  const double total = p.total() > 0 ? p.total() : 1;
  auto cell = [&](double s) { return fmt::format("{:5.1f} {:2.0f}%", 1e6 * s / n, 100 * s / total); };
  fmt::print("{:<10} {:<5} {:>7} {:>9.0f} {:>9.0f} {:>8.1f} {:>8.1f} | {:>9} {:>9} {:>9} {:>9}\n", name, fs,
             executions, n / seconds, n / cpu, per_exec, 1e9 * seconds / static_cast<double>(p.points), cell(p.generate), cell(p.run),
             cell(p.check), cell(p.record));
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
  fmt::print("campaign_bench: 3.12-fixed, default generator, seed {}, 1 job; {} cores, load {}\n", a.seed,
             std::thread::hardware_concurrency(), loadavg());
  header();
  double ops_sum = 0;
  std::uint64_t ops_n = 0;
  for (const model::Fs fs : {model::Fs::Ext4, model::Fs::Xfs}) {
    for (const std::string strategy : {"random", "pct", "portfolio"}) {
      const double c0 = cpu_seconds();
      const harness::CampaignResult r = harness::run_campaign(campaign(a, strategy, fs));
      row(strategy, std::string(model::to_string(fs)), r.executions, r.seconds, cpu_seconds() - c0, r.phases);
      for (const auto& f : r.findings)
        fmt::print("  finding (unexpected on 3.12-fixed): {} at execution {}\n", f.property, f.execution);
    }
  }
  // The campaign's mean workload size (ops per workload, GetEvents included).
  const harness::CampaignOptions base = campaign(a, "random", model::Fs::Ext4);
  for (std::uint64_t i = 0; i < a.executions; ++i, ++ops_n)
    ops_sum += static_cast<double>(ops_of(harness::plan_execution(base, i).workload));
  const auto mean = static_cast<std::size_t>(std::lround(ops_sum / static_cast<double>(ops_n)));
  for (const model::Fs fs : {model::Fs::Ext4, model::Fs::Xfs}) {
    harness::CampaignOptions o = campaign(a, "random", fs);
    std::uint64_t i = 0;
    harness::ExecutionPlan p = harness::plan_execution(o, i);
    while (ops_of(p.workload) != mean || !p.config.faults.empty()) p = harness::plan_execution(o, ++i);
    // Explore (DPOR) that workload; restart the search if it is exhausted before the budget.
    harness::PhaseTimes phases;
    double seconds = 0;
    std::uint64_t executions = 0;
    const double c0 = cpu_seconds();
    while (executions < a.explore) {
      harness::ExploreOptions eo;
      eo.max_executions = a.explore - executions;
      const harness::ExploreResult r = harness::explore(p.workload, p.config, eo);
      if (r.executions == 0) break;
      executions += r.executions;
      seconds += r.seconds;
      phases += r.phases;
    }
    row(fmt::format("explore#{}", i), std::string(model::to_string(fs)), executions, seconds, cpu_seconds() - c0,
        phases);
  }
  fmt::print("(explore#i: DPOR over campaign execution i's workload, {} ops = the campaign mean, no faults)\n",
             mean);
  return 0;
}
