// Minimises a failing case: fewer tasks and operations, smaller ranges, fewer faults and
// flags, then fewer preemptions. Every accepted step still fails the same property; the
// schedule is re-found for each smaller workload (replay first, then fresh searches).
#pragma once
#include <cstdint>
#include <optional>

#include "harness/run/corpus.hpp"

namespace dc::harness {

struct ShrinkOptions {
  int searches_per_candidate = 300;  // executions tried to re-find a failing schedule
  double seconds = 60;               // overall budget
};

struct ShrinkStats {
  std::uint64_t executions = 0;
  int accepted = 0;
};

// A total order on case size: tasks, operations, bytes, faults, flags, preemptions, switches.
struct CaseSize {
  std::size_t tasks, ops;
  std::uint64_t bytes;
  std::size_t faults, flags;
  std::uint64_t preemptions, switches;
  auto operator<=>(const CaseSize&) const = default;
};
CaseSize size_of(const Case& c);

// Re-finds the recorded verdict of `c` on the current engine: its schedule first, then
// `searches` fresh schedules of the same workload. Returns the case with schedule, event and
// trace hash re-recorded (note kept), or nullopt if the property no longer fails. For a case
// that records no violation, the replayed run is taken as it is.
std::optional<Case> refresh(const Case& c, int searches = 2000);

// Throws CorpusError if `c` does not fail its recorded property to begin with.
Case shrink(const Case& c, const ShrinkOptions& o = {}, ShrinkStats* stats = nullptr);

}  // namespace dc::harness
