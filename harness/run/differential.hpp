// Differential mode: the same sequential workload (one task, operations in order) on the
// engine variant closest to the host kernel and on the host kernel must give the same
// user-visible results: bytes
// returned, short reads at EOF, zeros in holes and unwritten ranges, sizes after extending
// writes and truncates, error codes for misaligned I/O.
#pragma once
#include <string>
#include <vector>

#include "model/config.hpp"
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

// The engine variant whose code is closest to a running kernel, from its release string
// (`uname -r`, e.g. "6.18.44-fc-v1272"): 6.13 and later -> 6.18, 5.5 (ext4 on iomap) to
// 6.12 -> 6.6, older -> 3.12-fixed. False if the string does not start with "X.Y".
bool closest_variant(const std::string& release, model::Kernel& out);
// The filesystem to compare with: the host's when the port has it, else ext4.
model::Fs closest_fs(const std::string& fs_type);

// Per-op outcomes of a trace, indexed by op id.
std::vector<OpOutcome> outcomes(const model::Workload& w, const model::Trace& t);
std::vector<Difference> compare(const model::Workload& w, const model::Trace& engine, const model::Trace& host);

}  // namespace dc::harness
