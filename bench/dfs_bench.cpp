// Exhaustive search with the dfs strategy. W2 = 2 fibers x 5 kern::atomic_fetch_add on one
// atomic_t: every add is dependent on every other, so DPOR explores one execution per
// interleaving of the ten adds, C(10,5) = 252; without reduction the two start steps
// (spawn .. first scheduling point) interleave too, C(12,6) = 924. W3 = 3 fibers x 4 adds:
// 12!/(4!4!4!) = 34650 with DPOR. One benchmark iteration = one whole exhaustive search;
// counters: executions (and sleep-set blocked ones) per search, executions per second.
#include <benchmark/benchmark.h>

#include <string>

#include "harness/sched/dfs.hpp"
#include "harness/sched/scheduler.hpp"
#include "impl/kernel/atomic.hpp"

namespace {

using namespace dc;

void search(benchmark::State& state, sched::Reduction red, int fibers, int adds) {
  sched::Scheduler s;
  kern::atomic_t v;
  std::uint64_t executions = 0, redundant = 0, searches = 0;
  for (auto _ : state) {
    sched::DfsStrategy dfs({.reduction = red});
    do {
      s.begin(dfs, 0);
      v.counter = 0;
      for (int t = 0; t < fibers; ++t)
        s.spawn("w", sched::Ctx::Process, [&v, adds] {
          for (int i = 0; i < adds; ++i) benchmark::DoNotOptimize(kern::atomic_fetch_add(1, &v));
        });
      s.finish();
    } while (dfs.more());
    if (!dfs.error().empty()) state.SkipWithError(dfs.error().c_str());
    executions += dfs.executions();
    redundant += dfs.redundant();
    ++searches;
  }
  const auto n = static_cast<double>(searches);
  state.counters["executions"] = static_cast<double>(executions) / n;
  state.counters["redundant"] = static_cast<double>(redundant) / n;
  state.counters["exec/s"] = benchmark::Counter(static_cast<double>(executions), benchmark::Counter::kIsRate);
}

void BM_W2_Dpor(benchmark::State& st) { search(st, sched::Reduction::Dpor, 2, 5); }
void BM_W2_SleepSets(benchmark::State& st) { search(st, sched::Reduction::SleepSets, 2, 5); }
void BM_W2_None(benchmark::State& st) { search(st, sched::Reduction::None, 2, 5); }
void BM_W3_Dpor(benchmark::State& st) { search(st, sched::Reduction::Dpor, 3, 4); }

BENCHMARK(BM_W2_Dpor)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_W2_SleepSets)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_W2_None)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_W3_Dpor)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
