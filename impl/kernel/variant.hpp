// Kernel variants of the port, selected at run time from model::Config::{kernel, fs}.
// Every version-dependent branch of impl/ asks variant_has(Fix::...) (impl/kernel/
// execution.hpp) -- grep for it to see every difference between 3.11, 7b7a8665, 3.12 and
// 3.12-fixed, ext4 and XFS (see impl/README.md). The fix set is computed once per execution.
#pragma once
#include <cstdint>

#include "model/config.hpp"

namespace dc::kern {

enum class Fix {
  // 7b7a8665 "direct-io: Implement generic deferred AIO completions": s_dio_done_wq,
  // BH_Defer_Completion, 4-argument end_io, dio_complete owns inode_dio_done/aio_complete/free.
  GenericDeferredCompletion,
  // 3.12-style fs/aio.c: the kiocb is freed inside aio_complete (kiocb_free); 3.11 keeps
  // ki_users / ki_cancel. The parent of 7b7a8665 is [U] in the spec; we use 3.12 style there.
  AioKiocbFreeInComplete,
  // 02afc27 "direct-io: Handle O_(D)SYNC AIO": defer trigger at submission,
  // generic_write_sync in dio_complete, callers sync only on ret > 0.
  DsyncAio,
  // v3.12 sb_init_dio_done_wq decides the lost race from the cmpxchg return value
  // (7b7a8665 re-reads s_dio_done_wq).
  SbInitWqCmpxchgReturn,
  // 109811c20fb8 "ext4: simplify io_end handling for AIO DIO": io_end allocated in
  // get_block on the first unwritten mapping and handed over via b_private; the dio holds
  // the only reference; no inode->i_private; end_io always called (187372a3b9fa).
  Ext4IoEndViaBPrivate,
  // 74dae4278546 "ext4: fix crashes in dioread_nolock mode": no io_end for unlocked
  // (overwrite) DIO.
  Ext4NoIoEndForOverwrite,
  // 332391a9935d / 5e25c269e17d: invalidate the page cache after an async DIO write has
  // completed (completion deferred to the workqueue when the mapping has pages).
  InvalidateAfterDioComplete,
  // end_io receives the dio result (an error on failed data I/O) and ext4 does not convert
  // extents whose data write failed.
  NoConvertOnIoError,
  // ext4 serialises every block-unaligned DIO write against all DIO in flight:
  // 372a03e01853 "ext4: fix data corruption caused by unaligned direct AIO" (no i_size
  // exemption), 57a0da28ced8 "... overlapping unaligned and aligned IO" (wait after the
  // unaligned AIO is submitted too), and 378f32bab371 (iomap DIO write: any unaligned write,
  // sync or AIO, does inode_dio_wait under the exclusive lock and is waited for).
  Ext4UnalignedDioWait,
  // 914f82a32d02 "ext4: Refactor direct IO code" (v4.7): a DIO write that extends the file
  // takes the extent path (unwritten extents, converted at completion) unless every block it
  // touches lies wholly past i_size; only then are blocks allocated written up front. 3.12
  // allocated the block straddling EOF written before its data landed, exposing stale disk
  // contents to readers of the part inside i_size.
  Ext4UnwrittenForEofStraddlingDio,
  // 73fdad00b208 "ext4: update i_disksize if direct write past ondisk size" (4.17): a DIO
  // write ending past i_disksize (not only past i_size) takes the orphan path and moves
  // i_disksize. Before it, a delalloc buffered write that had raised i_size but not
  // i_disksize left an O_(D)SYNC direct write below i_size durable with a short on-disk size.
  Ext4DioUpdatesDisksize,
  // 378f32bab371 "ext4: introduce direct I/O write using iomap infrastructure" (v5.5): after a
  // direct write, ext4 moves i_size only for a write that was extending when it started
  // (ext4_handle_inode_extension under `extend`). Before it, an unlocked (dioread_nolock)
  // overwrite went back through generic_file_direct_write, which raised i_size to the
  // write's end after re-taking i_mutex: a truncate that ran meanwhile (waiting only for the
  // DIO itself) had freed the blocks, and the file was re-extended over holes where the
  // write's reported data had gone (property read-size-with-data).
  Ext4OverwriteDioKeepsSize,
  // 90e775b71ac4 "ext4: fix lost truncate due to race with writeback" (v3.16): ext4_setattr
  // moves i_disksize and i_size together under i_data_sem, and writeback raises i_disksize
  // (ext4_wb_update_i_disksize) under i_data_sem, clamped to i_size read there. Before it,
  // writeback between setattr's i_disksize store and truncate_setsize raised i_disksize
  // again from the old i_size; a commit could make that size durable over pages the
  // truncate then dropped (crash-durability of an O_DSYNC write racing the truncate).
  Ext4WbUpdateDisksize,

  // XFS only (3.12-fixed on XFS).
  // ee70daaba82d "xfs: update i_size after unwritten conversion in dio completion": the
  // conversion transaction also moves the in-core and on-disk size; end_io no longer raises
  // i_size before an unwritten conversion.
  XfsSizeAfterConversion,
  // 6dfa1b67e3b3 "xfs: handle DIO overwrite EOF update completion correctly": a mapping that
  // ends past the on-disk size needs a transaction at completion, so it defers completion.
  XfsDeferOnDiskSizeUpdate,
  // (same commit) the EOF test-and-set in completion is serialised (i_flags_lock); before
  // it two completions could move i_size backwards.
  XfsLockedSizeUpdate,
  // d531d91d6990 "xfs: always use unwritten extents for direct I/O writes": blocks a DIO
  // write allocates past EOF are unwritten too (converted at completion). Before it they were
  // normal extents: once another writer moved EOF past them, a read returned the stale
  // on-disk contents while the allocating write was still in flight.
  XfsAlwaysUnwrittenDio,
  // 2032a8a27b5c "xfs: serialize unaligned dio writes against all other dio writes": an
  // unaligned AIO write is waited for (inode_dio_wait) before IOLOCK_EXCL goes, so an
  // aligned write to the same block cannot be clobbered by its sub-block zeroing.
  XfsUnalignedDioWaitAfterSubmit,
  // a5949d3faedf "xfs: force writes to delalloc regions to unwritten" (v5.8): writeback
  // allocates a delalloc range as unwritten and converts it after the data write. Before it
  // the extent was allocated written in its own transaction, which any later log force (an
  // fsync or O_DSYNC write of another range) could make durable before the data: after a
  // crash the block inside the on-disk size read its stale contents (xfstests generic/042).
  XfsDelallocUnwritten,

  // ---- iomap era (impl/iomap/): differences between the 6.6 and 6.18 variants ----
  // ddb4873286e0 "iomap: always run error completions in user context", in 6.18.2 (and the
  // 6.6.y queue of Dec 2025, later than the 6.6 release we pin): a dio with an error never
  // completes inline, and async reads create s_dio_done_wq too.
  IomapErrorCompletionInTask,
  // 6.6 ext4_iomap_end: a direct write mapping that wrote 0 bytes returns -ENOTBLK (buffered
  // fallback); 6.18 has no ->iomap_end for ext4 DIO.
  Ext4IomapEndNotblk,
  // 91562895f803 "ext4: properly sync file size update after O_SYNC direct IO" (6.7, in
  // 6.6.3; with the 6.6.8 i_size test): ext4_dio_write_end_io moves i_size and i_disksize
  // (ext4_handle_inode_extension) before iomap_dio_complete's generic_write_sync. 6.6.0
  // moved only i_size there and i_disksize in ext4_dio_write_iter after iomap_dio_rw
  // returned, i.e. after the sync: an O_(D)SYNC extending write was reported with its size
  // not durable.
  Ext4DioSizeInEndIo,
  // "io_uring/rw: handle -EAGAIN retry at IO completion time" and "io_uring/rw: don't gate
  // retry on completion context" (Jens Axboe, Jan 2025, 6.14): a read/write that completes
  // with -EAGAIN from any context but an io-wq worker is marked REQ_F_REISSUE and, when the
  // submitter's task_work completes it, requeued to io-wq instead of posting a CQE. Before
  // (6.6), io_rw_should_reissue refused outside the submitter's own task context
  // (!same_thread_group || !in_task()), so an -EAGAIN completion in an interrupt or the dio
  // worker reached userspace in the CQE.
  IoUringReissueAtCompletion,
  Count_
};

// The fixes one (kernel, filesystem) pair carries.
class Variant {
 public:
  Variant(model::Kernel k, model::Fs fs);
  bool has(Fix f) const { return (fixes_ >> static_cast<unsigned>(f)) & 1u; }
  model::Kernel kernel() const { return kernel_; }
  model::Fs fs() const { return fs_; }

 private:
  model::Kernel kernel_;
  model::Fs fs_;
  std::uint32_t fixes_ = 0;
};
static_assert(static_cast<unsigned>(Fix::Count_) <= 32);

}  // namespace dc::kern
