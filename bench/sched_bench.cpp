// Scheduler cost benchmarks (docs/performance.md has the method and the measured table).
//
//  BM_BareYield      K fibers x N boost::this_fiber::yield() under Boost's own round_robin:
//                    the cost of a bare fiber switch (every yield switches).
//  BM_SchedPoint     K actors x N kern::sched_point() under our Scheduler, random strategy:
//                    the cost of one scheduling point (a decision at every point; the
//                    current actor may continue, so not every point is a switch).
//  BM_W1_MutexCounter   3 fibers x 10 {mutex_lock; ++counter; mutex_unlock}, random strategy.
//  BM_W2_AtomicFetchAdd 2 fibers x 5 atomic_fetch_add, random strategy.
// W1 and W2 are compared with other model checkers: keep them exactly so.
//
// Every iteration is one complete execution (begin, spawn, run, finish) with its own seed,
// so per-execution costs (fiber creation, join, reclaim) are included in every figure.
// Rates are wall clock (UseRealTime). After the runs a summary compares each SchedPoint
// figure with the BareYield figure of the same shape.
#include <benchmark/benchmark.h>

#include <boost/fiber/algo/round_robin.hpp>
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/operations.hpp>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "harness/sched/random.hpp"
#include "harness/sched/rng.hpp"
#include "harness/sched/scheduler.hpp"
#include "harness/sched/stack_pool.hpp"
#include "impl/kernel/atomic.hpp"
#include "impl/kernel/execution.hpp"
#include "impl/kernel/mutex.hpp"

namespace {

using dc::sched::Ctx;

constexpr std::uint64_t kCampaignSeed = 0xd10c4ec;

// Events are dropped (no Trace attached) but object ids are handed out, as in a campaign
// that only checks verdicts.
struct KernelLayer {
  dc::kern::Execution execution{dc::model::Config{}};
};

// ---- bare Boost.Fiber switch -------------------------------------------------------------

void BM_BareYield(benchmark::State& state) {
  const auto actors = static_cast<int>(state.range(0));
  const auto steps = static_cast<int>(state.range(1));
  // Plain Boost scheduling on this thread (any Scheduler of an earlier benchmark is gone and
  // has already handed the thread back to a round_robin; installing one again is explicit).
  boost::fibers::use_scheduling_algorithm<boost::fibers::algo::round_robin>();
  // The same pooled, pre-faulted stacks our Scheduler uses: only the switch path differs.
  dc::sched::StackPool pool(dc::sched::SchedulerOptions{}.stack_size, false);
  std::vector<boost::fibers::fiber> fibers;
  fibers.reserve(static_cast<std::size_t>(actors));
  std::uint64_t yields = 0;
  for (auto _ : state) {
    for (int a = 0; a < actors; ++a)
      fibers.emplace_back(std::allocator_arg, dc::sched::PooledStack(pool), [steps, &yields] {
        for (int i = 0; i < steps; ++i) {
          boost::this_fiber::yield();
          ++yields;
        }
      });
    for (auto& f : fibers) f.join();
    fibers.clear();
    boost::this_fiber::yield();  // let the dispatcher reclaim the terminated fibers
  }
  if (yields != static_cast<std::uint64_t>(state.iterations()) * static_cast<std::uint64_t>(actors * steps))
    state.SkipWithError("yield count mismatch");
  state.SetItemsProcessed(static_cast<std::int64_t>(yields));
  state.counters["ns_per_point"] =
      benchmark::Counter(static_cast<double>(yields), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// ---- our Scheduler ------------------------------------------------------------------------

void BM_SchedPoint(benchmark::State& state) {
  const auto actors = static_cast<int>(state.range(0));
  const auto steps = static_cast<int>(state.range(1));
  KernelLayer kernel;
  dc::sched::Scheduler s;
  dc::sched::RandomStrategy random;
  static int token;
  std::uint64_t points = 0, switches = 0, exec = 0;
  for (auto _ : state) {
    s.begin(random, dc::sched::mix_seed(kCampaignSeed, exec++));
    for (int a = 0; a < actors; ++a)
      s.spawn("a", Ctx::Process, [steps] {
        for (int i = 0; i < steps; ++i) dc::kern::sched_point(&token);
      });
    const dc::sched::Outcome o = s.finish();
    if (!o.ok()) {
      state.SkipWithError("execution did not end ok");
      break;
    }
    points += s.stats().points;
    switches += s.stats().switches;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(points));
  state.counters["ns_per_point"] =
      benchmark::Counter(static_cast<double>(points), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["ns_per_switch"] =
      benchmark::Counter(static_cast<double>(switches), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["switch_share"] = static_cast<double>(switches) / static_cast<double>(points ? points : 1);
}

// Shape of the workload (independent of speed): points and switches per execution.
void PerExecution(benchmark::State& state, std::uint64_t exec, std::uint64_t points,
                  std::uint64_t switches) {
  const double n = static_cast<double>(exec ? exec : 1);
  state.counters["points"] = static_cast<double>(points) / n;
  state.counters["switches"] = static_cast<double>(switches) / n;
}

// Fixed cost of an execution: begin, spawn K actors that do nothing, finish.
void BM_EmptyExecution(benchmark::State& state) {
  const auto actors = static_cast<int>(state.range(0));
  KernelLayer kernel;
  dc::sched::Scheduler s;
  dc::sched::RandomStrategy random;
  std::uint64_t exec = 0;
  for (auto _ : state) {
    s.begin(random, dc::sched::mix_seed(kCampaignSeed, exec++));
    for (int a = 0; a < actors; ++a) s.spawn("a", Ctx::Process, [] {});
    if (!s.finish().ok()) {
      state.SkipWithError("execution did not end ok");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(exec));
}

// W1: 3 fibers x 10 {mutex_lock; ++counter; mutex_unlock} on one mutex-protected counter.
// BM_W1_Knobs runs the same workload with other SchedulerOptions (stack size, guard pages).
void RunW1(benchmark::State& state, dc::sched::SchedulerOptions opts) {
  KernelLayer kernel;
  dc::sched::Scheduler s(opts);
  dc::sched::RandomStrategy random;
  dc::kern::mutex m;
  int counter = 0;
  std::uint64_t exec = 0, points = 0, switches = 0;
  for (auto _ : state) {
    s.begin(random, dc::sched::mix_seed(kCampaignSeed, exec++));
    dc::kern::mutex_init(&m);
    counter = 0;
    for (int t = 0; t < 3; ++t)
      s.spawn("t", Ctx::Process, [&m, &counter] {
        for (int i = 0; i < 10; ++i) {
          dc::kern::mutex_lock(&m);
          ++counter;
          dc::kern::mutex_unlock(&m);
        }
      });
    const dc::sched::Outcome o = s.finish();
    if (!o.ok() || counter != 30) {
      state.SkipWithError("W1 execution went wrong");
      break;
    }
    points += s.stats().points;
    switches += s.stats().switches;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(exec));
  PerExecution(state, exec, points, switches);
}

void BM_W1_MutexCounter(benchmark::State& state) { RunW1(state, {}); }

void BM_W1_Knobs(benchmark::State& state) {
  dc::sched::SchedulerOptions opts;
  opts.stack_size = static_cast<std::size_t>(state.range(0)) * 1024;
  opts.guard_pages = state.range(1) != 0;
  RunW1(state, opts);
}

// W2: 2 fibers x 5 atomic_fetch_add on one atomic_t.
void BM_W2_AtomicFetchAdd(benchmark::State& state) {
  KernelLayer kernel;
  dc::sched::Scheduler s;
  dc::sched::RandomStrategy random;
  dc::kern::atomic_t v;
  std::uint64_t exec = 0, points = 0, switches = 0;
  for (auto _ : state) {
    s.begin(random, dc::sched::mix_seed(kCampaignSeed, exec++));
    v.counter = 0;
    for (int t = 0; t < 2; ++t)
      s.spawn("t", Ctx::Process, [&v] {
        for (int i = 0; i < 5; ++i) dc::kern::atomic_fetch_add(1, &v);
      });
    const dc::sched::Outcome o = s.finish();
    if (!o.ok() || v.counter != 10) {
      state.SkipWithError("W2 execution went wrong");
      break;
    }
    points += s.stats().points;
    switches += s.stats().switches;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(exec));
  PerExecution(state, exec, points, switches);
}

void PointShapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"actors", "steps"});
  for (int actors : {2, 4})
    for (int steps : {10, 1000}) b->Args({actors, steps});
}

BENCHMARK(BM_BareYield)->Apply(PointShapes)->UseRealTime();
BENCHMARK(BM_SchedPoint)->Apply(PointShapes)->UseRealTime();
BENCHMARK(BM_EmptyExecution)->ArgName("actors")->Arg(1)->Arg(3)->UseRealTime();
BENCHMARK(BM_W1_MutexCounter)->Iterations(10'000)->Repetitions(5)->UseRealTime();
BENCHMARK(BM_W2_AtomicFetchAdd)->Iterations(10'000)->Repetitions(5)->UseRealTime();
BENCHMARK(BM_W1_Knobs)
    ->ArgNames({"stack_kib", "guard"})
    ->Args({16, 0})->Args({128, 0})->Args({128, 1})->Args({1024, 0})->Args({1024, 1})
    ->Iterations(10'000)->Repetitions(3)->ReportAggregatesOnly(true)->UseRealTime();

// Console output as usual, plus a closing comparison of scheduler points with bare yields.
class SummaryReporter final : public benchmark::ConsoleReporter {
 public:
  explicit SummaryReporter(OutputOptions o) : ConsoleReporter(o) {}
  void ReportRuns(const std::vector<Run>& reports) override {
    ConsoleReporter::ReportRuns(reports);
    for (const Run& r : reports) {
      if (r.error_occurred) continue;
      const bool single = r.run_type == Run::RT_Iteration && r.repetitions <= 1;
      const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
      if (!single && !median) continue;
      const std::string name = r.run_name.function_name;
      const std::string shape = r.run_name.args;
      if (auto it = r.counters.find("ns_per_point"); it != r.counters.end())
        ns_per_point_[{name, shape}] = it->second.value;
      if (auto it = r.counters.find("ns_per_switch"); it != r.counters.end())
        ns_per_switch_[{name, shape}] = it->second.value;
      if (auto it = r.counters.find("items_per_second"); it != r.counters.end())
        rate_[{name, shape}] = it->second.value;
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::FILE* out = stdout;
    std::fflush(out);
    std::fprintf(out, "\nsummary (wall clock; median where repeated)\n");
    std::fprintf(out, "%-22s %14s %14s %16s %10s\n", "shape", "bare ns/yield", "ns/point",
                 "ns/switch", "point/bare");
    for (const auto& [key, bare] : ns_per_point_) {
      if (key.first != "BM_BareYield") continue;
      const auto ours = ns_per_point_.find({"BM_SchedPoint", key.second});
      if (ours == ns_per_point_.end()) continue;
      const auto sw = ns_per_switch_.find({"BM_SchedPoint", key.second});
      std::fprintf(out, "%-22s %14.1f %14.1f %16.1f %9.2fx\n", key.second.c_str(), bare * 1e9,
                   ours->second * 1e9, sw == ns_per_switch_.end() ? 0.0 : sw->second * 1e9,
                   ours->second / bare);
    }
    for (const auto& [key, rate] : rate_) {
      if (key.first.rfind("BM_W", 0) != 0) continue;
      const std::string label = key.first.substr(3) + (key.second.empty() ? "" : "/" + key.second);
      std::fprintf(out, "%-40s %10.0f executions/s\n", label.c_str(), rate);
    }
  }

 private:
  std::map<std::pair<std::string, std::string>, double> ns_per_point_, ns_per_switch_;
  std::map<std::pair<std::string, std::string>, double> rate_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  SummaryReporter reporter(::isatty(STDOUT_FILENO) ? benchmark::ConsoleReporter::OO_Defaults
                                                 : benchmark::ConsoleReporter::OO_Tabular);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
