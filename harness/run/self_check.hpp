// The determinism self-check, FoundationDB-style (docs/coverage.md): a campaign runs about one
// execution in a hundred, chosen by the campaign seed, a second time on a runner of its own and
// compares the trace hashes. Determinism is what makes a seed and a corpus file worth keeping,
// so a mismatch is a checker bug, reported with both traces.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "harness/run/corpus.hpp"
#include "model/event.hpp"

namespace dc::harness {

struct DeterminismMismatch {
  std::uint64_t execution = 0;        // index in the seed space
  std::uint64_t first_hash = 0, second_hash = 0;
  std::size_t first_difference = 0;   // index of the first event that differs
  std::string first_trace, second_trace;  // one line per event
  Case reproducer;                    // the first run's case
};

struct SelfCheckResult {
  std::uint64_t reruns = 0;
  std::vector<DeterminismMismatch> mismatches;
};

// Is execution i of a campaign with this seed re-run? About 1 in 100, by a seeded hash.
bool self_check_due(std::uint64_t campaign_seed, std::uint64_t i);

// The mismatch between two runs of the same execution (the traces differ).
DeterminismMismatch describe_mismatch(std::uint64_t execution, const model::Trace& first, std::uint64_t first_hash,
                                      const model::Trace& second, std::uint64_t second_hash);

// One line per event: "12 DevWrite actor=2 ctx=1 obj=0 op=3 a=8 b=8 c=1".
std::string trace_lines(const model::Trace& t);

}  // namespace dc::harness
