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
       "dio_complete calls aio_complete before ->end_io; the conversion runs after userspace "
       "was told the write completed"},
      {Mutant::DsyncAioNotHonoured, "dsync-aio-not-honoured",
       "O_(D)SYNC not honoured for AIO direct writes", "02afc27faec9", kFixed, kBoth,
       "dio_complete skips generic_write_sync for async writes; the caller syncs at submission "
       "when the return is -EIOCBQUEUED (before the data and conversion)"},
      {Mutant::DsyncDeferPredicate, "dsync-defer-predicate",
       "completion that must sleep runs in IRQ because the defer predicate missed the case",
       "'direct-io: Fix sleep in atomic due to sync AIO' (Kara 2018), 6dfa1b67e3b3", kFixed, kBoth,
       "the submission-time defer decision looks only at the file's O_DSYNC/IS_SYNC while "
       "dio_complete syncs on the per-I/O RWF_DSYNC flag too"},
      {Mutant::InodeDioDoneBeforeConversion, "inode-dio-done-before-conversion",
       "inode_dio_done called before the deferred extent conversion", "266991b13890", kFixed, kBoth,
       "dio_complete drops i_dio_count before calling ->end_io, so inode_dio_wait (truncate) "
       "returns while the conversion is still pending"},
      {Mutant::DioCountDoubleDec, "dio-count-double-dec",
       "i_dio_count decremented twice (fs end_io and generic dio_complete)", "7b7a8665 (removal)",
       kFixed, kBoth, "the fs end_io still calls inode_dio_done, as before the seed commit"},
      {Mutant::TruncateDioWaitVsWorkerLock, "truncate-dio-wait-vs-worker-lock",
       "deadlock: truncate waits in inode_dio_wait under i_mutex, the completion worker needs i_mutex",
       "28a535f9a0df", kFixed, {F::Ext4},
       "the deferred completion work takes i_mutex before dio_complete"},
      {Mutant::InodeUafAfterAioComplete, "inode-uaf-after-aio-complete",
       "inode touched after aio_complete dropped the file reference", "091e26dfc156 (unverified)",
       kFixed, kBoth, "dio_complete calls aio_complete before inode_dio_done"},
      {Mutant::IomapDioUafLastRef, "iomap-dio-uaf-last-ref",
       "submitter reads the dio after dropping its reference", "4ea899ead278", kFixed, kBoth,
       "after drop_refcount returns nonzero the submitter reads dio->is_async and dio->inode again"},
      {Mutant::EiocbqueuedDoubleComplete, "eiocbqueued-double-complete",
       "an error return clobbers -EIOCBQUEUED, so the iocb is completed twice",
       "65b8291c4000 (best guess)", kFixed, kBoth,
       "a post-submission page-cache invalidation failure overwrites -EIOCBQUEUED with -EIO while "
       "bios are in flight"},
      {Mutant::EvictVsRunningWork, "evict-vs-running-work",
       "inode freed while its completion work item is still executing", "1ada47d9468f", kFixed, kBoth,
       "teardown waits for i_dio_count instead of draining the workqueue, then frees"},
      {Mutant::DioDoneWqInitRace, "dio-done-wq-init-race",
       "racy one-time initialisation of s_dio_done_wq", "Biggers 2020 (not merged)", kFixed, kBoth,
       "check-then-store instead of cmpxchg: both racers publish, the loser destroys what it "
       "believes is its spare"},
      {Mutant::ConvertOnIoError, "convert-on-io-error",
       "unwritten extents converted although the data write failed", "187372a3b9fa", kFixed, kBoth,
       "end_io converts the full range even when a bio failed"},
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
