// Differential mode: the same sequential workload (one task, operations in order) on the
// 3.12-fixed engine and on the host kernel must give the same user-visible results: bytes
// returned, short reads at EOF, zeros in holes and unwritten ranges, sizes after extending
// writes and truncates, error codes for misaligned I/O.
#pragma once
#include <string>
#include <vector>

#include "model/event.hpp"
#include "model/workload.hpp"

namespace dc::harness {

struct OpOutcome {
  bool seen = false;
  std::int64_t result = 0;             // OpEnd (sync) or AioReaped (AIO)
  std::vector<std::uint32_t> data;     // ReadData, per sector
  friend bool operator==(const OpOutcome&, const OpOutcome&) = default;
};

struct Difference {
  std::uint32_t op;
  std::string what;  // one line: engine vs host
};

// Per-op outcomes of a trace, indexed by op id.
std::vector<OpOutcome> outcomes(const model::Workload& w, const model::Trace& t);
std::vector<Difference> compare(const model::Workload& w, const model::Trace& engine, const model::Trace& host);

}  // namespace dc::harness
