#include "impl/mutants.hpp"

namespace dc::kern {

thread_local std::uint32_t tl_mutant_mask = 0;

namespace {
using K = model::Kernel;
using F = model::Fs;
const std::vector<K> kFixed{K::V3_12_fixed};
const std::vector<F> kBoth{F::Ext4, F::Xfs};

const std::vector<MutantInfo>& catalogue() {
  static const std::vector<MutantInfo> c = {
      {Mutant::AioCompleteBeforeConversion, "aio-complete-before-conversion",
       "AIO completion reported before the unwritten-extent conversion",
       "40e2e97316af, 5b3ff237bef4 (+ XFS counterpart, c859cdd1da00)", kFixed, kBoth,
       "direct_io.cpp:dio_complete calls aio_complete before ->end_io (async dios); the "
       "conversion (ext4 io_end put / XFS unwritten ioend) runs after userspace was told the "
       "write completed"},
      {Mutant::DsyncAioNotHonoured, "dsync-aio-not-honoured",
       "O_(D)SYNC not honoured for AIO direct writes", "02afc27faec9", kFixed, kBoth,
       "direct_io.cpp:dio_complete skips generic_write_sync for async writes; ext4 "
       "(ext4_file_dio_write) syncs at submission when the return is -EIOCBQUEUED, before the "
       "data and the conversion; XFS (xfs_file_aio_write) does not sync a queued write at all"},
      {Mutant::DsyncDeferPredicate, "dsync-defer-predicate",
       "completion that must sleep runs in IRQ because the defer predicate missed the case",
       "'direct-io: Fix sleep in atomic due to sync AIO' (Kara 2018), 6dfa1b67e3b3", kFixed, kBoth,
       "direct_io.cpp:__blockdev_direct_IO decides deferral from the file's O_(D)SYNC/IS_SYNC "
       "only while dio_complete syncs on the per-I/O RWF_DSYNC flag too; XFS sibling "
       "(xfs.cpp:__xfs_get_blocks): a mapping past the on-disk EOF no longer defers, so the "
       "size transaction of xfs_end_io runs in the bio completion"},
      {Mutant::InodeDioDoneBeforeConversion, "inode-dio-done-before-conversion",
       "inode_dio_done called before the deferred extent conversion", "266991b13890", kFixed, kBoth,
       "direct_io.cpp:dio_complete drops i_dio_count before calling ->end_io, so "
       "inode_dio_wait (truncate, XFS unaligned DIO) returns while the conversion is pending"},
      {Mutant::DioCountDoubleDec, "dio-count-double-dec",
       "i_dio_count decremented twice (fs end_io and generic dio_complete)", "7b7a8665 (removal)",
       kFixed, kBoth,
       "the fs completion still calls inode_dio_done next to dio_complete's: ext4 in "
       "ext4_release_io_end (EXT4_IO_END_DIRECT style), XFS in xfs_end_io_direct_write"},
      {Mutant::TruncateDioWaitVsWorkerLock, "truncate-dio-wait-vs-worker-lock",
       "deadlock: truncate waits in inode_dio_wait under i_mutex, the completion worker needs i_mutex",
       "28a535f9a0df", kFixed, {F::Ext4},
       "direct_io.cpp:dio_aio_complete_work runs dio_complete (conversion, then inode_dio_done) "
       "under i_mutex, taken by trylock and requeued on failure: livelock against a truncate "
       "that holds i_mutex in inode_dio_wait"},
      {Mutant::InodeUafAfterAioComplete, "inode-uaf-after-aio-complete",
       "inode touched after aio_complete dropped the file reference", "091e26dfc156 (unverified)",
       kFixed, kBoth,
       "direct_io.cpp:dio_complete calls aio_complete (which drops the iocb's file reference) "
       "before inode_dio_done, which then touches an inode the last close may have evicted"},
      {Mutant::IomapDioUafLastRef, "iomap-dio-uaf-last-ref",
       "submitter reads the dio after dropping its reference", "4ea899ead278", kFixed, kBoth,
       "direct_io.cpp:__blockdev_direct_IO reads dio->is_async again after drop_refcount "
       "returned nonzero (to decide whether to wait); the last bio may have freed the dio"},
      {Mutant::EiocbqueuedDoubleComplete, "eiocbqueued-double-complete",
       "an error return clobbers -EIOCBQUEUED, so the iocb is completed twice",
       "65b8291c4000 (best guess)", kFixed, {F::Ext4},
       "vfs.cpp:generic_file_direct_write turns a failed post-submission page-cache "
       "invalidation into -EIO, overwriting -EIOCBQUEUED while bios are in flight (reachable "
       "where a buffered writer can dirty the range during the DIO: ext4 dioread_nolock "
       "overwrite, which drops i_mutex)"},
      {Mutant::EvictVsRunningWork, "evict-vs-running-work",
       "inode freed while its completion work item is still executing", "1ada47d9468f", kFixed, kBoth,
       "vfs.cpp:generic_shutdown_super frees s_dio_done_wq once no work is pending (trusting "
       "exit_aio's completion count) instead of draining it: a worker still inside its work "
       "item returns to a freed queue"},
      {Mutant::DioDoneWqInitRace, "dio-done-wq-init-race",
       "racy one-time initialisation of s_dio_done_wq", "Biggers 2020 (not merged)", kFixed, kBoth,
       "direct_io.cpp:sb_init_dio_done_wq does check-then-store instead of cmpxchg: both "
       "racers publish, the one overwritten destroys what it believes is its spare"},
      {Mutant::ConvertOnIoError, "convert-on-io-error",
       "unwritten extents converted although the data write failed", "187372a3b9fa", kFixed, kBoth,
       "direct_io.cpp:dio_complete hands ->end_io the full byte count even when a bio failed, "
       "so ext4/XFS convert the unwritten extents over data that never reached the disk"},
  };
  return c;
}
}  // namespace

std::span<const MutantInfo> mutant_catalogue() { return catalogue(); }

const MutantInfo* find_mutant(std::string_view slug) {
  for (const auto& m : catalogue())
    if (m.slug == slug) return &m;
  return nullptr;
}

void set_mutants(const std::vector<std::string>& slugs) {
  tl_mutant_mask = 0;
  for (const auto& s : slugs)
    if (const MutantInfo* m = find_mutant(s)) tl_mutant_mask |= 1u << static_cast<unsigned>(m->id);
}

}  // namespace dc::kern
