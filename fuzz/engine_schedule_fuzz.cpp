// libFuzzer target: fuzzer-fed schedules (docs/coverage.md). The input bytes decode into a
// workload, its config and every decision of the deterministic scheduler
// (harness/run/byte_input.hpp), so libFuzzer's coverage feedback (the engine port is
// instrumented like everything else in the `fuzz` preset) steers workloads and interleavings.
//
// What counts as a crash (abort):
// - default: any property violation on 3.12-fixed (ext4 or XFS, a bit of the input), the
//   variant on which every property must hold. The open 3.12-fixed cases of docs/triage/
//   are such violations: a crash here is a finding to triage, like a campaign's;
// - DIOCHECK_FUZZ_MUTANT=<name>: a violation with that catalogued mutant on (its row's first
//   kernel, its filesystems) that the same bytes do not give without it, i.e. a kill. Used
//   to show that the target finds what the kill matrix finds.
// DIOCHECK_FUZZ_COVERAGE=FILE: at exit, write the access-pair curve (executions, pairs), for
// the comparison with `diocheck fuzz --strategy guided` on equal executions.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <span>
#include <string>

#include "harness/run/byte_input.hpp"
#include "harness/run/coverage.hpp"
#include "harness/run/mutant_catalogue.hpp"
#include "harness/run/runner.hpp"
#include "harness/sched/schedule.hpp"

namespace {

using namespace dc;

struct Target {
  model::Kernel kernel = model::Kernel::V3_12_fixed;
  std::vector<model::Fs> fss{model::Fs::Ext4, model::Fs::Xfs};
  model::MutantSet mutants;
  std::string coverage_file;
  harness::Runner runner;
  harness::PairRecorder recorder;
  harness::CoverageMap coverage;
  std::uint64_t executions = 0;
  bool initialized = false;
};

// Never destroyed: the scheduler must not be torn down by exit handlers (its fibers' stack
// pool may already be gone), and libFuzzer exits from anywhere.
Target& target() {
  static Target* t = new Target;
  return *t;
}

void write_coverage() {
  Target& t = target();
  t.coverage.sample(~0ULL, 0);
  std::ofstream out(t.coverage_file);
  out << "# executions pairs\n";
  auto curve = t.coverage.curve();
  if (!curve.empty()) curve.back().executions = t.executions;
  for (const auto& p : curve) out << p.executions << ' ' << p.pairs << '\n';
}

[[noreturn]] void crash(const harness::ByteInput& in, const harness::Execution& x) {
  std::fprintf(stderr, "engine_schedule: %s / %s: %s violated at event %zu (schedule %s)\nexpected: %s\nactual: %s\n",
               model::to_string(in.config.kernel), model::to_string(in.config.fs), x.verdict.property.c_str(),
               x.verdict.event, sched::encode(x.schedule).c_str(), x.verdict.expected.c_str(),
               x.verdict.actual.c_str());
  std::abort();
}

// Idempotent: libFuzzer calls LLVMFuzzerInitialize, the replay build (replay_main.cpp) does not.
void init() {
  Target& t = target();
  if (t.initialized) return;
  t.initialized = true;
  if (const char* m = std::getenv("DIOCHECK_FUZZ_MUTANT"); m && *m) {
    const harness::MutantRow* row = harness::find_mutant(m);
    if (!row) {
      std::fprintf(stderr, "engine_schedule: unknown mutant '%s' (see `diocheck list`)\n", m);
      std::exit(2);
    }
    t.kernel = row->kernels.front();
    t.fss = row->filesystems;
    t.mutants = {row->id};
  }
  if (const char* f = std::getenv("DIOCHECK_FUZZ_COVERAGE"); f && *f) {
    t.coverage_file = f;
    t.runner.set_observer(&t.recorder);
    std::atexit(write_coverage);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  init();
  Target& t = target();
  harness::ByteInput in = harness::decode_byte_input(std::span(data, size), t.kernel, t.fss);
  in.config.mutants = t.mutants;
  harness::ByteStrategy strategy(in.decisions);
  t.recorder.begin();
  const harness::Execution x = t.runner.run(in.workload, in.config, strategy, 0);
  if (!t.coverage_file.empty()) {
    t.coverage.add(0, t.recorder.pairs(), harness::completion_cases(x.trace, in.workload, in.config.kernel));
    t.coverage.sample(++t.executions, 0);
  }
  if (!x.verdict.failed()) return 0;
  if (!t.mutants.empty()) {  // a kill only if the unmutated engine does not fail the same way
    model::Config plain = in.config;
    plain.mutants = {};
    harness::ByteStrategy again(in.decisions);
    if (t.runner.run(in.workload, plain, again, 0).verdict.failed()) return 0;
  }
  crash(in, x);
}
