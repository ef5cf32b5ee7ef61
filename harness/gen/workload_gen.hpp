// rapidcheck generators for workloads and machine configurations. Used by the property
// suites (which shrink with them) and by `diocheck fuzz` (which draws from them with a
// seed: the same seed gives the same workload in any process).
#pragma once
#include <cstdint>
#include <vector>

#include <rapidcheck.h>

#include "model/config.hpp"
#include "model/workload.hpp"

namespace dc::gen {

struct GenOptions {
  int max_tasks = 3;
  int max_ops = 4;             // per task, before the trailing io_getevents
  std::uint32_t max_blocks = 8;  // file span the ops touch, in fs blocks
  bool misaligned = true;      // occasionally not sector aligned (-EINVAL paths)
  bool sub_block = true;       // sector-aligned but not block-aligned I/O
  bool buffered = true;        // buffered reads/writes mixed in
  bool truncate = true;
  bool crash = false;          // one task may end with a power cut
  bool faults = true;          // injected bio errors and allocation failures
  std::vector<model::Kernel> kernels{model::Kernel::V3_12_fixed};
  std::vector<model::Fs> filesystems{model::Fs::Ext4, model::Fs::Xfs};
};

rc::Gen<model::Workload> workload(const GenOptions& o);
rc::Gen<model::Config> config(const GenOptions& o);

// Gives every op a unique id in task order (ids identify writes in the data model).
void number_ops(model::Workload& w);

// Draw one value outside of a property, deterministically from a seed.
template <class T>
T sample(const rc::Gen<T>& g, std::uint64_t seed, int size = 50) {
  return g(rc::Random(seed), size).value();
}

}  // namespace dc::gen
