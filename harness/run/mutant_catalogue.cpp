#include "harness/run/mutant_catalogue.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace dc::harness {
namespace {

using K = model::Kernel;
using F = model::Fs;
using M = model::Mutant;

// Generator hints, shared by mutants with the same minimal scenario.

// An AIO write into unwritten extents whose deferred completion races a shrinking truncate
// (inode_dio_wait under i_mutex).
void tilt_truncate_vs_completion(gen::GenOptions& g) {
  g.max_tasks = 2;
  g.max_ops = 3;
  g.max_blocks = 4;
  g.min_size_blocks = 4;
  g.truncate_weight = 5;
  g.fallocate_weight = 2;
  g.aio_read_weight = g.pread_weight = g.pwrite_weight = 1;
  g.faults = false;
  g.buffered = false;
}

// ext4 dioread_nolock overwrite AIO (drops i_mutex) and a buffered writer of the range.
void tilt_unlocked_overwrite_vs_buffered(gen::GenOptions& g) {
  g.max_tasks = 2;
  g.max_ops = 3;
  g.max_blocks = 4;
  g.min_size_blocks = 4;
  g.dioread_nolock_weight = 9;
  g.buffered_weight = 5;
  g.buffered_read_weight = 0;  // cached pages would rule out the unlocked overwrite
  g.preallocated = false;      // so would unwritten extents
  g.fallocate_weight = 0;
  g.aio_read_weight = g.pread_weight = 1;
  g.faults = false;
  g.truncate = false;
}

// Deferred AIO completions (unwritten extents) still running when the tasks end.
void tilt_completion_at_exit(gen::GenOptions& g) {
  g.min_size_blocks = 4;
  g.fallocate_weight = 2;
  g.faults = false;
  g.truncate = false;
}

// A failed data bio of a write into unwritten extents, then a read of the range.
void tilt_failed_write_then_read(gen::GenOptions& g) {
  g.bio_error_weight = 8;
  g.alloc_fail_weight = 0;
  g.min_size_blocks = 4;
  g.fallocate_weight = 2;
  g.pread_weight = 5;
}

// O_(D)SYNC direct writes into preallocated (unwritten) extents after a commit (so the inode
// is clean and FUA is allowed), then a power cut.
void tilt_dsync_into_unwritten(gen::GenOptions& g) {
  g.max_tasks = 2;
  g.min_size_blocks = 4;
  g.fallocate_weight = 3;
  g.fsync_weight = 3;
  g.dsync_weight = 5;
  g.fd_sync_weight = 3;
  g.crash = true;
  g.faults = false;
  g.truncate = false;
  g.buffered = false;
}

// O_(D)SYNC direct writes that extend the file, then a power cut.
void tilt_dsync_extending(gen::GenOptions& g) {
  g.max_tasks = 2;
  g.dsync_weight = 5;
  g.fd_sync_weight = 4;
  g.crash = true;
  g.faults = false;
  g.truncate = false;
  g.buffered = false;
}

// Extending AIO writes in flight while another write or a fallocate moves EOF (XFS).
void tilt_extending_aio_vs_eof(gen::GenOptions& g) {
  g.max_tasks = 2;
  g.max_ops = 3;
  g.max_blocks = 6;
  g.aio_write_weight = 8;
  g.pread_weight = 3;
  g.faults = false;
  g.truncate = false;
  g.buffered = false;
}

void tilt_fallocate_vs_extending_aio(gen::GenOptions& g) {
  tilt_extending_aio_vs_eof(g);
  g.fallocate_weight = 5;
}

const std::vector<K> kFixed{K::V3_12_fixed};
// The bug lived in code both engines have (the iomap engine is where it was fixed).
const std::vector<K> kFixedAndIomap{K::V3_12_fixed, K::V6_6, K::V6_18};
const std::vector<K> kIomap{K::V6_6, K::V6_18};
const std::vector<F> kXfs{F::Xfs};
const std::vector<F> kBoth{F::Ext4, F::Xfs};
const std::vector<F> kExt4{F::Ext4};

// Rows in enum order (checked in mutant_row).
const std::vector<MutantRow>& rows() {
  static const std::vector<MutantRow> c = {
      {M::AioCompleteBeforeConversion, "aio-complete-before-conversion",
       "AIO completion reported before the unwritten-extent conversion",
       "40e2e97316af, 5b3ff237bef4 (+ XFS counterpart, c859cdd1da00)", kFixed, kBoth,
       "direct_io.cpp:dio_complete calls aio_complete before ->end_io (async dios); the "
       "conversion (ext4 io_end put / XFS unwritten ioend) runs after userspace was told the "
       "write completed",
       {"INV-5 convert-before-complete", "read-sees-allowed-write", "INV-10 dsync-aio-durable"}, nullptr,
       {"random", 1, 500}, {"exhaustive", 1, 500}},
      {M::DsyncAioNotHonoured, "dsync-aio-not-honoured", "O_(D)SYNC not honoured for AIO direct writes",
       "02afc27faec9", kFixed, kBoth,
       "direct_io.cpp:dio_complete skips generic_write_sync for async writes; ext4 "
       "(ext4_file_dio_write) syncs at submission when the return is -EIOCBQUEUED, before the "
       "data and the conversion; XFS (xfs_file_aio_write) does not sync a queued write at all",
       {"INV-10 dsync-aio-durable", "crash-durability"}, nullptr, {"random", 1, 500}, {"exhaustive", 1, 500}},
      {M::DsyncDeferPredicate, "dsync-defer-predicate",
       "completion that must sleep runs in IRQ because the defer predicate missed the case",
       "'direct-io: Fix sleep in atomic due to sync AIO' (Kara 2018), 6dfa1b67e3b3", kFixed, kBoth,
       "direct_io.cpp:__blockdev_direct_IO decides deferral from the file's O_(D)SYNC/IS_SYNC "
       "only while dio_complete syncs on the per-I/O RWF_DSYNC flag too; XFS sibling "
       "(xfs.cpp:__xfs_get_blocks): a mapping past the on-disk EOF no longer defers, so the "
       "size transaction of xfs_end_io runs in the bio completion",
       {"INV-6 no-sleep-in-interrupt"}, nullptr, {"random", 1, 1000}, {"exhaustive", 1, 1000}},
      {M::InodeDioDoneBeforeConversion, "inode-dio-done-before-conversion",
       "inode_dio_done called before the deferred extent conversion", "266991b13890", kFixed, kBoth,
       "direct_io.cpp:dio_complete drops i_dio_count before calling ->end_io, so "
       "inode_dio_wait (truncate, XFS unaligned DIO) returns while the conversion is pending",
       {"INV-4 dio-wait-no-pending-conversion"}, tilt_truncate_vs_completion, {"random", 1, 1000},
       {"exhaustive", 2, 2000}},
      {M::DioCountDoubleDec, "dio-count-double-dec",
       "i_dio_count decremented twice (fs end_io and generic dio_complete)", "7b7a8665 (removal)", kFixed, kBoth,
       "the fs completion still calls inode_dio_done next to dio_complete's: ext4 in "
       "ext4_release_io_end (EXT4_IO_END_DIRECT style), XFS in xfs_end_io_direct_write",
       {"INV-3 dio-count-balance"}, nullptr, {"random", 1, 500}, {"exhaustive", 1, 500}},
      {M::TruncateDioWaitVsWorkerLock, "truncate-dio-wait-vs-worker-lock",
       "deadlock: truncate waits in inode_dio_wait under i_mutex, the completion worker needs i_mutex",
       "28a535f9a0df", kFixed, kExt4,
       "direct_io.cpp:dio_aio_complete_work runs dio_complete (conversion, then inode_dio_done) "
       "under i_mutex, taken by trylock and requeued on failure: livelock against a truncate "
       "that holds i_mutex in inode_dio_wait",
       {"step-limit", "deadlock"}, tilt_truncate_vs_completion, {"random", 1, 300}, {"exhaustive", 3, 500}},
      {M::InodeUafAfterAioComplete, "inode-uaf-after-aio-complete",
       "inode touched after aio_complete dropped the file reference", "091e26dfc156 (unverified)", kFixed, kBoth,
       "direct_io.cpp:dio_complete calls aio_complete (which drops the iocb's file reference) "
       "before inode_dio_done, which then touches an inode the last close may have evicted",
       {"kernel-use-after-free"}, tilt_completion_at_exit, {"pct", 1, 1000}, {"exhaustive", 6, 3000}},
      {M::IomapDioUafLastRef, "iomap-dio-uaf-last-ref", "submitter reads the dio after dropping its reference",
       "4ea899ead278", kFixedAndIomap, kBoth,
       "iomap/direct_io.cpp:__iomap_dio_rw (6.6, 6.18) reads dio->wait_for_completion after its "
       "decrement instead of a local copy; its 3.12-fixed twin, direct_io.cpp:__blockdev_direct_IO, "
       "reads dio->is_async again after drop_refcount returned nonzero; the last bio may have "
       "freed the dio",
       {"kernel-use-after-free"}, nullptr, {"random", 1, 2000}, {"exhaustive", 1000, 5000}},
      {M::EiocbqueuedDoubleComplete, "eiocbqueued-double-complete",
       "an error return clobbers -EIOCBQUEUED, so the iocb is completed twice", "65b8291c4000 (best guess)",
       kFixed, kExt4,
       "vfs.cpp:generic_file_direct_write turns a failed post-submission page-cache "
       "invalidation into -EIO, overwriting -EIOCBQUEUED while bios are in flight (reachable "
       "where a buffered writer can dirty the range during the DIO: ext4 dioread_nolock "
       "overwrite, which drops i_mutex)",
       {"INV-1 aio-complete-once", "kernel-use-after-free", "INV-12 eiocbqueued-discipline", "op-result",
        "aio-reaped-once"},
       tilt_unlocked_overwrite_vs_buffered, {"random", 1, 2000}, {"exhaustive", 1, 1000}},
      {M::EvictVsRunningWork, "evict-vs-running-work", "inode freed while its completion work item is still executing",
       "1ada47d9468f", kFixed, kBoth,
       "vfs.cpp:generic_shutdown_super frees s_dio_done_wq once no work is pending (trusting "
       "exit_aio's completion count) instead of draining it: a worker still inside its work "
       "item returns to a freed queue",
       {"kernel-use-after-free", "INV-8 shutdown-drains-queue"}, tilt_completion_at_exit, {"pct", 1, 1000},
       {"exhaustive", 6, 3000}},
      // One preemption inside a k = 1 space of ~15000 schedules even on its minimal workload,
      // far past the exhaustive column's per-workload cap: it survives that column
      // (docs/kill-matrix.txt).
      {M::DioDoneWqInitRace, "dio-done-wq-init-race", "racy one-time initialisation of s_dio_done_wq",
       "Biggers 2020 (not merged)", kFixedAndIomap, kBoth,
       "direct_io.cpp:sb_init_dio_done_wq (fs/super.c, called by __blockdev_direct_IO and by "
       "__iomap_dio_rw) does check-then-store instead of cmpxchg: both racers publish, the one "
       "overwritten destroys what it believes is its spare",
       {"INV-7 one-dio-workqueue"}, nullptr, {"random", 1, 2000}, {"exhaustive", 1, 2000, true}},
      // The failed write's blocks are converted and its size published: reads see it.
      {M::ConvertOnIoError, "convert-on-io-error", "unwritten extents converted although the data write failed",
       "187372a3b9fa", kFixed, kBoth,
       "direct_io.cpp:dio_complete hands ->end_io the full byte count even when a bio failed, "
       "so ext4/XFS convert the unwritten extents over data that never reached the disk",
       {"read-no-foreign", "crash-no-foreign", "read-sees-allowed-write", "op-result"}, tilt_failed_write_then_read,
       {"random", 1, 500}, {"exhaustive", 1, 500}},
      // The iomap era's own bugs (../shared/reference/iomap-spec.md section 9).
      {M::IomapFuaIntoUnwritten, "iomap-fua-into-unwritten",
       "O_DSYNC direct write into unwritten extents completed by FUA without the sync", "0929d8580071", kIomap, kBoth,
       "iomap/direct_io.cpp:iomap_dio_bio_iter allows REQ_FUA for an unwritten mapping (not only "
       "IOMAP_MAPPED): WRITE_THROUGH survives, NEED_SYNC is dropped, and the conversion ->end_io "
       "logs is never forced to disk",
       {"INV-10 dsync-aio-durable", "crash-durability"}, tilt_dsync_into_unwritten, {"random", 1, 2000},
       {"exhaustive", 1, 2000}},
      {M::Ext4SizeAfterDioSync, "ext4-size-after-dio-sync",
       "ext4 logs the new size of an extending O_SYNC direct write after iomap's sync", "91562895f803", kIomap,
       kExt4,
       "iomap/ext4_file.cpp: ext4_dio_write_end_io raises only i_size and ext4_dio_write_iter "
       "calls ext4_handle_inode_extension (i_disksize) after iomap_dio_rw returned, i.e. after "
       "iomap_dio_complete's generic_write_sync (6.6.0)",
       {"crash-durability", "INV-10 dsync-aio-durable"}, tilt_dsync_extending, {"random", 1, 2000},
       {"exhaustive", 1, 2000}},
      {M::XfsEofZeroingWithoutDrain, "xfs-eof-zeroing-without-drain",
       "XFS zeroes from EOF to a write past it without draining AIO that still moves EOF", "40c63fbc55a9", kIomap,
       kXfs,
       "iomap/xfs_file.cpp:xfs_file_write_zero_eof takes IOLOCK_EXCL and restarts the checks "
       "but skips inode_dio_wait: an extending AIO in flight raises EOF after (or inside) the "
       "zeroing",
       {"read-sees-allowed-write", "read-no-foreign", "read-size-with-data", "crash-no-foreign", "crash-durability",
        "op-result"},
       // 0/10 in the exhaustive column of the 6.x kill matrix (docs/kill-matrix.txt): survives it.
       tilt_extending_aio_vs_eof, {"random", 1, 2000}, {"exhaustive", 1, 2000, true}},
      {M::XfsFallocateSizeBeforeDioWait, "xfs-fallocate-size-before-dio-wait",
       "XFS fallocate samples i_size before waiting for AIO, then truncates the AIO's extension back",
       "249bd9087a52", kIomap, kXfs,
       "iomap/xfs_file.cpp:__xfs_file_fallocate reads i_size before inode_dio_wait: an extending "
       "AIO completing during the wait raises EOF past offset + len, and xfs_setattr_size to the "
       "stale new size cuts the written data off",
       {"read-size-with-data", "read-sees-allowed-write", "op-result", "crash-durability"},
       tilt_fallocate_vs_extending_aio, {"random", 1000, 1000}, {"exhaustive", 1, 2000}},
  };
  return c;
}

template <class T>
std::string join_names(const std::vector<T>& xs) {
  std::vector<std::string> out;
  for (T x : xs) out.emplace_back(model::to_string(x));
  return fmt::format("{}", fmt::join(out, ", "));
}

}  // namespace

std::span<const MutantRow> mutant_catalogue() { return rows(); }

const MutantRow& mutant_row(model::Mutant m) {
  static_assert(static_cast<unsigned>(M::Count_) == 16, "a new mutant needs its catalogue row");
  const MutantRow& r = rows().at(static_cast<std::size_t>(m));
  if (r.id != m) throw std::logic_error("mutant catalogue rows out of enum order");
  return r;
}

const MutantRow* find_mutant(std::string_view name) {
  for (const auto& m : rows())
    if (m.name == name) return &m;
  return nullptr;
}

std::string_view mutant_name(model::Mutant m) { return mutant_row(m).name; }

model::MutantSet parse_mutants(const std::vector<std::string>& names) {
  model::MutantSet s;
  for (const auto& n : names) {
    const MutantRow* m = find_mutant(n);
    if (!m) throw UnknownMutant(fmt::format("unknown mutant '{}' (see `diocheck list`)", n));
    s.add(m->id);
  }
  return s;
}

std::vector<std::string> mutant_names(model::MutantSet s) {
  std::vector<std::string> out;
  for (model::Mutant m : s.list()) out.emplace_back(mutant_name(m));
  return out;
}

std::string describe_mutants(model::MutantSet s) {
  return s.empty() ? "none" : fmt::format("{}", fmt::join(mutant_names(s), ", "));
}

bool applies(const MutantRow& m, model::Kernel k, model::Fs fs) {
  return std::find(m.kernels.begin(), m.kernels.end(), k) != m.kernels.end() &&
         std::find(m.filesystems.begin(), m.filesystems.end(), fs) != m.filesystems.end();
}

std::string refusal(model::MutantSet s, model::Kernel k, model::Fs fs) {
  for (model::Mutant id : s.list()) {
    const MutantRow& m = mutant_row(id);
    if (!applies(m, k, fs))
      return fmt::format("mutant '{}' cannot act on {} {}: it applies to kernel {} with fs {}", m.name,
                         model::to_string(k), model::to_string(fs), join_names(m.kernels), join_names(m.filesystems));
  }
  return {};
}

gen::GenOptions mutant_gen_options(model::Mutant m) {
  gen::GenOptions g;
  g.misaligned = false;
  g.sub_block = false;
  if (const auto tilt = mutant_row(m).tilt) tilt(g);
  return g;
}

}  // namespace dc::harness
