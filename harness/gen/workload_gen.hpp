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
  // Weights of the op menu and of a few rare settings (defaults = the historical menu; the
  // mutant kill tests tilt them towards a scenario instead of hand-writing a schedule).
  unsigned aio_write_weight = 6, aio_read_weight = 3, pwrite_weight = 2, pread_weight = 3;
  unsigned fallocate_weight = 1, fsync_weight = 1, truncate_weight = 1;
  unsigned buffered_weight = 1, buffered_read_weight = 1;  // BufWrite, BufRead (if `buffered`)
  unsigned dsync_weight = 1;          // per-I/O RWF_DSYNC, against 5
  unsigned fd_sync_weight = 1;        // O_DSYNC, O_SYNC, IS_SYNC weigh 2w, w, w against 6
  unsigned bio_error_weight = 2, alloc_fail_weight = 1;  // against 8 fault-free configs
  unsigned dioread_nolock_weight = 1; // ext4 dioread_nolock, against 3
  std::uint32_t min_size_blocks = 0;  // initial i_size at least this many blocks
  // rc::gen::inRange scales with the rapidcheck size: at size s only the lowest s% of a
  // range is drawn. Campaigns sample at size 50 and the op / range containers are resized to
  // max_ops*10 / 10, so by default the tail of the op menu (fallocate, fsync, buffered,
  // truncate) is never drawn, nor upper offsets, nor preexisting ranges other than block 0.
  // full_range = true (the default) draws every element at rc::kNominalSize (whole menu,
  // whole span); false is the old size-scaled space (first session's campaigns).
  bool full_range = true;
  bool preallocated = true;           // unwritten extents (fallocated earlier) at start
  // Several files on the one filesystem (1..model::kMaxFiles). 1 = the one-file mapping,
  // unchanged; more: the one-file workload is drawn from the first half of the seed's split
  // and every op that acts on a file gets a file index from the second (assign_files).
  std::uint32_t files = 1;
  // Open-file lifecycle (issue 14): tasks may share their open files (Workload::shared_files),
  // a task closes a file (while AIO may be in flight), every task closes one and one evicts its
  // inode, and later ops open it again. Drawn like `files` (the bits of the seed's second half).
  bool lifecycle = false;
  // io_uring (issue 15, `fuzz --io-uring`): when every kernel of `kernels` is a 6.x one, each
  // task's io_submit ops become io_uring ops (uring_write / uring_read / uring_wait) with
  // probability 3/4, drawn like `files` (the bits of the seed's second half). Off: no change.
  bool io_uring = false;
  std::vector<model::Kernel> kernels{model::Kernel::V3_12_fixed};
  std::vector<model::Fs> filesystems{model::Fs::Ext4, model::Fs::Xfs};
};

rc::Gen<model::Workload> workload(const GenOptions& o);
rc::Gen<model::Config> config(const GenOptions& o);

// Gives every op a unique id in task order (ids identify writes in the data model).
void number_ops(model::Workload& w);

// Spreads the ops of a one-file workload over o.files files (sets w.files), each op that acts
// on a file drawing its index from `bits` (a splitmix64 stream): the same bits, the same files.
// Shared by workload() and draw_workload(), so the two mappings agree by construction.
void assign_files(model::Workload& w, const GenOptions& o, std::uint64_t bits);

// With o.lifecycle, adds the Close / Evict / Open ops and shared_files to a workload whose
// files are assigned, from its own splitmix64 stream of `bits`; renumbers the ops.
void add_lifecycle(model::Workload& w, const GenOptions& o, std::uint64_t bits);

// With o.io_uring on 6.x-only options, turns some tasks' AIO into io_uring (own splitmix64
// stream of `bits`). Shared by workload() and draw_workload().
void add_io_uring(model::Workload& w, const GenOptions& o, std::uint64_t bits);
// Does the seed's split carry bits for files / lifecycle / io_uring (the mapcat mappings)?
bool draws_bits(const GenOptions& o);

// Draw one value outside of a property, deterministically from a seed.
template <class T>
T sample(const rc::Gen<T>& g, std::uint64_t seed, int size = 50) {
  return g(rc::Random(seed), size).value();
}

}  // namespace dc::gen
