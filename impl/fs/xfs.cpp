// XFS regular files, direct I/O write path and completion. Kernel function names throughout;
// every variant difference, the XFS-only 3.12-fixed changes (Fix::Xfs...) included, goes
// through variant_has(Fix::...).
#include "impl/fs/xfs.hpp"
#include "impl/fs/xfs_internal.hpp"

#include <algorithm>
#include <climits>

#include <fmt/format.h>

#include "impl/aio.hpp"
#include "impl/direct_io.hpp"
#include "impl/kernel/execution.hpp"

namespace dc::kern {
namespace {

constexpr const char* kIoendCache = "ioend";
constexpr const char* kInodeCache = "xfs_inode";
constexpr const char* kMountCache = "xfs_mount";

enum : int { XFS_ATTR_NOLOCK = 1 };

file_meta& meta_of(inode* in) { return *in->i_meta; }
xfs_mount* XFS_M(super_block* sb) { return static_cast<xfs_mount*>(sb->s_fs_info); }
loff_t blocksize(const inode* in) { return in->i_sb->s_blocksize; }
bool XFS_FORCED_SHUTDOWN(const xfs_mount* mp) { return mp->m_shutdown; }

void set_extent(inode* in, std::uint64_t lblk, std::uint64_t n, ExtentState st) {
  for (std::uint64_t i = 0; i < n; ++i) meta_of(in).at(lblk + i).state = st;
  ktrace(model::EvKind::ExtentMap, in->id, static_cast<std::int64_t>(lblk),
         static_cast<std::int64_t>(n), static_cast<std::int64_t>(st));
}

}  // namespace

xfs_inode* XFS_I(inode* in) {
  kasan_check(in, "XFS_I");
  return static_cast<xfs_inode*>(in->i_private);
}
// ip->i_d.di_size: read without the ILOCK in places (xfs_ioend_is_append, the defer test of
// __xfs_get_blocks, xfs_setattr_size's flush range), so every load is a scheduling point.
loff_t di_size(xfs_inode* ip) {
  unlocked_access(&meta_of(VFS_I(ip)).disksize, Access::Read);
  return meta_of(VFS_I(ip)).disksize;
}

// ---- locks -------------------------------------------------------------------------------

namespace {
// 3.x: ip->i_iolock beside i_mutex; the iomap kernels: the IOLOCK is i_rwsem.
rw_semaphore* xfs_iolock(xfs_inode* ip) {
  return model::is_iomap_kernel(Execution::current().variant().kernel()) ? &VFS_I(ip)->i_rwsem : &ip->i_iolock;
}
}  // namespace

void xfs_ilock(xfs_inode* ip, unsigned flags) {
  kasan_check(ip, "xfs_ilock");
  if (flags & XFS_IOLOCK_EXCL)
    down_write(xfs_iolock(ip));
  else if (flags & XFS_IOLOCK_SHARED)
    down_read(xfs_iolock(ip));
  if (flags & XFS_ILOCK_EXCL)
    down_write(&ip->i_lock);
  else if (flags & XFS_ILOCK_SHARED)
    down_read(&ip->i_lock);
}

bool xfs_ilock_nowait(xfs_inode* ip, unsigned flags) {
  kasan_check(ip, "xfs_ilock_nowait");
  if (flags & XFS_IOLOCK_EXCL) return down_write_trylock(xfs_iolock(ip));
  if (flags & XFS_IOLOCK_SHARED) return down_read_trylock(xfs_iolock(ip));
  if (flags & XFS_ILOCK_EXCL) return down_write_trylock(&ip->i_lock);
  return down_read_trylock(&ip->i_lock);
}

void xfs_iunlock(xfs_inode* ip, unsigned flags) {
  if (flags & XFS_ILOCK_EXCL)
    up_write(&ip->i_lock);
  else if (flags & XFS_ILOCK_SHARED)
    up_read(&ip->i_lock);
  if (flags & XFS_IOLOCK_EXCL)
    up_write(xfs_iolock(ip));
  else if (flags & XFS_IOLOCK_SHARED)
    up_read(xfs_iolock(ip));
}

namespace {

// xfs_rw_ilock: the exclusive IOLOCK also takes i_mutex (first).
void xfs_rw_ilock(xfs_inode* ip, unsigned flags) {
  if (flags & XFS_IOLOCK_EXCL) mutex_lock(&VFS_I(ip)->i_mutex);
  xfs_ilock(ip, flags);
}
void xfs_rw_iunlock(xfs_inode* ip, unsigned flags) {
  xfs_iunlock(ip, flags);
  if (flags & XFS_IOLOCK_EXCL) mutex_unlock(&VFS_I(ip)->i_mutex);
}
void xfs_rw_ilock_demote(xfs_inode* ip) {
  downgrade_write(&ip->i_iolock);  // xfs_ilock_demote(ip, XFS_IOLOCK_EXCL)
  mutex_unlock(&VFS_I(ip)->i_mutex);
}

}  // namespace

// ---- transactions (the log is the substrate journal) ------------------------------------------

void xfs_trans_alloc(xfs_inode* ip) { jbd2_journal_start(VFS_I(ip)->i_sb->s_journal); }
void xfs_trans_commit(xfs_inode* ip) { jbd2_journal_stop(VFS_I(ip)->i_sb->s_journal); }

// ---- extents (xfs_bmapi_read / xfs_bmapi_write) -------------------------------------------------

// The extent at lblk, at most maxn blocks of one state (and physically contiguous).
xfs_bmbt_irec xfs_bmapi_read(inode* in, std::uint64_t lblk, std::uint64_t maxn) {
  const file_meta& m = meta_of(in);
  const extent first = m.get(lblk);
  std::uint64_t n = 1;
  while (n < maxn) {
    const extent& e = m.get(lblk + n);
    if (e.state != first.state) break;
    if (first.state != ExtentState::Hole && e.pblk != first.pblk + n) break;
    ++n;
  }
  return {lblk, first.pblk, n, first.state};
}

// xfs_iomap_write_direct: allocate the hole at `offset` (a run of at most `count` bytes).
// Inside EOF the new extent is unwritten (XFS_BMAPI_PREALLOC), past EOF it is a normal one
// (d531d91d6990: always unwritten). A racing allocation of the range is returned as it is.
int xfs_iomap_write_direct(xfs_inode* ip, loff_t offset, loff_t count, xfs_bmbt_irec* imap) {
  inode* in = VFS_I(ip);
  const loff_t bs = blocksize(in);
  const auto lblk = static_cast<std::uint64_t>(offset / bs);
  const auto maxn = std::max<std::uint64_t>(1, static_cast<std::uint64_t>((offset % bs + count + bs - 1) / bs));
  xfs_trans_alloc(ip);  // xfs_trans_reserve: may sleep
  xfs_ilock(ip, XFS_ILOCK_EXCL);
  const bool prealloc = offset < i_size_read(in) || variant_has(Fix::XfsAlwaysUnwrittenDio);
  xfs_bmbt_irec map = xfs_bmapi_read(in, lblk, maxn);
  if (map.br_state == ExtentState::Hole) {
    const std::uint64_t pblk = bdev_alloc_blocks(in->i_sb->s_bdev, map.br_blockcount);
    for (std::uint64_t i = 0; i < map.br_blockcount; ++i) meta_of(in).at(lblk + i).pblk = pblk + i;
    map.br_startblock = pblk;
    map.br_state = prealloc ? ExtentState::Unwritten : ExtentState::Written;
    set_extent(in, lblk, map.br_blockcount, map.br_state);
  }
  xfs_trans_commit(ip);
  xfs_iunlock(ip, XFS_ILOCK_EXCL);
  *imap = map;
  return 0;
}

// xfs_new_eof: the new on-disk size for an I/O ending at new_size, or 0 if it does not grow.
loff_t xfs_new_eof(xfs_inode* ip, loff_t new_size) {
  const loff_t isize = i_size_read(VFS_I(ip));
  if (new_size > isize) new_size = isize;
  return new_size > di_size(ip) ? new_size : 0;
}

void set_di_size(xfs_inode* ip, loff_t size) {
  inode* in = VFS_I(ip);
  kaccess(&meta_of(in).disksize, Access::Write);  // under the ILOCK (its point came before)
  ktrace(model::EvKind::DiskSizeUpdate, in->id, meta_of(in).disksize, size);
  meta_of(in).disksize = size;
}

// xfs_iomap_write_unwritten: one transaction per converted extent (process context only).
// update_isize: a direct write's completion (ee70daaba82d added the parameter; writeback
// completions never move the in-core size).
int xfs_iomap_write_unwritten(xfs_inode* ip, loff_t offset, loff_t count, bool update_isize) {
  inode* in = VFS_I(ip);
  kasan_check(in, "xfs_iomap_write_unwritten");
  ktrace(model::EvKind::ConvertStart, in->id, offset, count);
  const loff_t bs = blocksize(in);
  int err = 0;
  if (count > 0) {
    auto lblk = static_cast<std::uint64_t>(offset / bs);
    const auto end = static_cast<std::uint64_t>((offset + count + bs - 1) / bs);
    while (lblk < end) {
      xfs_trans_alloc(ip);
      xfs_ilock(ip, XFS_ILOCK_EXCL);
      const xfs_bmbt_irec map = xfs_bmapi_read(in, lblk, end - lblk);
      if (map.br_state == ExtentState::Unwritten)  // XFS_BMAPI_CONVERT
        set_extent(in, lblk, map.br_blockcount, ExtentState::Written);
      // The conversion transaction logs the new on-disk size (xfs_new_eof clamps it to the
      // in-core size) on every variant; ee70daaba82d also moves the in-core i_size here.
      loff_t isize = static_cast<loff_t>(lblk + map.br_blockcount) * bs;
      if (isize > offset + count) isize = offset + count;
      if (update_isize && variant_has(Fix::XfsSizeAfterConversion) && isize > i_size_read(in)) i_size_write(in, isize);
      if (const loff_t nsize = xfs_new_eof(ip, isize)) set_di_size(ip, nsize);
      xfs_trans_commit(ip);
      xfs_iunlock(ip, XFS_ILOCK_EXCL);
      lblk += map.br_blockcount;
    }
  }
  ktrace(model::EvKind::ConvertDone, in->id, offset, count, err);
  return err;
}

namespace {

// ---- block mapping ---------------------------------------------------------------------------

int __xfs_get_blocks(inode* in, std::uint64_t iblock, buffer_head* bh, int create, bool direct) {
  xfs_inode* ip = XFS_I(in);
  const loff_t bs = blocksize(in);
  const loff_t offset = static_cast<loff_t>(iblock) * bs;
  const auto size = static_cast<loff_t>(bh->b_size);
  if (!create && direct && offset >= i_size_read(in)) return 0;

  xfs_ilock(ip, XFS_ILOCK_SHARED);  // xfs_ilock_map_shared
  const auto maxn = std::max<std::uint64_t>(1, static_cast<std::uint64_t>((size + bs - 1) / bs));
  xfs_bmbt_irec imap = xfs_bmapi_read(in, iblock, maxn);
  bool is_new = false;
  if (create && imap.br_state == ExtentState::Hole) {
    // drop the ilock: the allocation transaction retakes it exclusively
    xfs_iunlock(ip, XFS_ILOCK_SHARED);
    const int error = xfs_iomap_write_direct(ip, offset, size, &imap);
    if (error) return error;
    is_new = true;
  } else {
    xfs_iunlock(ip, XFS_ILOCK_SHARED);
    if (imap.br_state == ExtentState::Hole) return 0;  // not found: unmapped
  }

  const bool unwritten = imap.br_state == ExtentState::Unwritten;
  // An unwritten extent read through DIO is a hole: no disk address.
  if (create || !unwritten) {
    buffer_set(bh, BH_Mapped);
    bh->b_blocknr = imap.br_startblock;
  }
  if (create && unwritten) {
    if (direct) {
      bh->b_private = in;  // tells end_io to convert
      if (variant_has(Fix::GenericDeferredCompletion)) set_buffer_defer_completion(bh);
    }
    buffer_set(bh, BH_Unwritten);
  }
  // 6dfa1b67e3b3: a mapping past the on-disk EOF needs a size transaction at completion.
  // Mutant dsync-defer-predicate (XFS sibling): the "needs a transaction at completion"
  // property is not fed into the defer decision.
  if (create && direct && !unwritten && variant_has(Fix::XfsDeferOnDiskSizeUpdate) &&
      !mutant_on(Mutant::DsyncDeferPredicate) &&
      offset + static_cast<loff_t>(imap.br_blockcount) * bs > di_size(ip))
    set_buffer_defer_completion(bh);
  // Blocks allocated here, unwritten blocks and blocks past EOF are zeroed around the I/O.
  if (create && (is_new || unwritten || offset >= i_size_read(in))) buffer_set(bh, BH_New);
  bh->b_size = imap.br_blockcount << in->i_blkbits;
  return 0;
}

int xfs_get_blocks_direct(inode* in, std::uint64_t iblock, buffer_head* bh, int create) {
  return __xfs_get_blocks(in, iblock, bh, create, true);
}

// ---- ioend -----------------------------------------------------------------------------------

void xfs_end_io_work(work_struct* w);

xfs_ioend* xfs_alloc_ioend(inode* in, unsigned type, std::uint32_t op) {
  // mempool_alloc(GFP_NOFS) never fails in the kernel; an injected "ioend" fault does here.
  auto* io = kzalloc<xfs_ioend>(kIoendCache, GFP_NOFS);
  if (!io) return nullptr;
  io->id = kobj_of(io);
  io->op = op;
  io->io_remaining.counter = 1;  // not yet visible to anyone else
  io->io_inode = in;
  io->io_type = type;
  io->io_work.owner = io;
  INIT_WORK(&io->io_work.work, xfs_end_io_work);
  ktrace(model::EvKind::IoEndAlloc, io->id, 0, 0, 0, op);
  return io;
}

void xfs_destroy_ioend(xfs_ioend* io) {
  kasan_check(io, "xfs_destroy_ioend");
  // (no buffer heads are attached for DIO)
  if (!variant_has(Fix::GenericDeferredCompletion) && io->io_iocb) {
    // 3.11: the ioend carries the DIO completion.
    inode_dio_done(io->io_inode);
    if (io->io_isasync)
      aio_complete(io->io_iocb, io->io_error ? io->io_error : io->io_result, 0);
  }
  ktrace(model::EvKind::IoEndFree, io->id, 0, 0, 0, io->op);
  kfree(io, kIoendCache);
}

bool xfs_ioend_is_append(xfs_ioend* io) {
  return io->io_offset + io->io_size > di_size(XFS_I(io->io_inode));
}

// xfs_setfilesize_trans_alloc + xfs_setfilesize: a transaction (may sleep) that moves the
// on-disk size up to the end of the I/O (never past i_size).
int xfs_setfilesize_trans_alloc(xfs_ioend* io) {
  xfs_trans_alloc(XFS_I(io->io_inode));
  return 0;
}
int xfs_setfilesize(xfs_ioend* io) {
  xfs_inode* ip = XFS_I(io->io_inode);
  xfs_ilock(ip, XFS_ILOCK_EXCL);
  const loff_t isize = xfs_new_eof(ip, io->io_offset + io->io_size);
  if (isize) set_di_size(ip, isize);
  xfs_iunlock(ip, XFS_ILOCK_EXCL);
  xfs_trans_commit(ip);
  return 0;
}

void clear_conv_pending(xfs_ioend* io) {
  if (!io->conv_pending) return;
  io->conv_pending = false;
  ktrace(model::EvKind::IoEndUnwritten, io->id, 0, 0, 0, io->op);
}

// xfs_end_io: the I/O completion work (3.11: a workqueue item or inline; 7b7a8665 on: always
// inline in whatever context end_io runs).
void xfs_end_io(xfs_ioend* io) {
  kasan_check(io, "xfs_end_io");
  xfs_inode* ip = XFS_I(io->io_inode);
  int error = 0;
  if (XFS_FORCED_SHUTDOWN(ip->i_mount)) {
    io->io_error = -EIO;
  } else if (!io->io_error && io->io_size > 0) {
    if (io->io_type == XFS_IO_UNWRITTEN) {
      error = xfs_iomap_write_unwritten(ip, io->io_offset, io->io_size, true);
    } else if (io->io_isdirect && xfs_ioend_is_append(io)) {
      // No append transaction could be reserved at submission for DIO: allocate it here.
      error = xfs_setfilesize_trans_alloc(io);
      if (!error) error = xfs_setfilesize(io);
    } else if (io->io_append_trans) {
      error = xfs_setfilesize(io);
    }
  }
  clear_conv_pending(io);
  if (error) io->io_error = error;
  xfs_destroy_ioend(io);
}

void xfs_end_io_work(work_struct* w) {
  xfs_ioend* io = reinterpret_cast<xfs_ioend_work*>(w)->owner;
  if (Tracer* t = Tracer::current()) t->set_op(current_actor(), io->op);
  xfs_end_io(io);
}

// 3.11 xfs_finish_ioend: at the last reference hand the work to a queue, or finish inline
// when there is nothing that may sleep.
void xfs_finish_ioend(xfs_ioend* io) {
  const int c = atomic_dec_return(&io->io_remaining);
  ktrace(model::EvKind::IoEndPut, io->id, c, 0, 0, io->op);
  if (c != 0) return;
  xfs_mount* mp = XFS_I(io->io_inode)->i_mount;
  if (io->io_type == XFS_IO_UNWRITTEN)
    queue_work(mp->m_unwritten_workqueue, &io->io_work.work);
  else if (io->io_append_trans || (io->io_isdirect && xfs_ioend_is_append(io)))
    queue_work(mp->m_data_workqueue, &io->io_work.work);
  else
    xfs_destroy_ioend(io);
}

void xfs_finish_ioend_sync(xfs_ioend* io) {
  const int c = atomic_dec_return(&io->io_remaining);
  ktrace(model::EvKind::IoEndPut, io->id, c, 0, 0, io->op);
  if (c == 0) xfs_end_io(io);
}

// end_io of the DIO write. 3.11 reads ret and is_async and owns inode_dio_done/aio_complete
// (through the ioend); from 7b7a8665 on it finishes inline, wherever dio_complete runs.
void xfs_end_io_direct_write(kiocb* iocb, loff_t offset, ssize_t size, void* private_, int ret,
                             bool is_async) {
  kasan_check(iocb, "xfs_end_io_direct_write: iocb->private");
  auto* io = static_cast<xfs_ioend*>(iocb->private_);
  kasan_check(io, "xfs_end_io_direct_write");
  inode* in = io->io_inode;
  xfs_inode* ip = XFS_I(in);
  const bool converts = private_ && size > 0;

  // Generic DIO raises i_size only after end_io, so raise it first here (the on-disk update
  // below must not go past it). ee70daaba82d leaves it to the conversion transaction.
  if (size > 0 && !(converts && variant_has(Fix::XfsSizeAfterConversion))) {
    if (variant_has(Fix::XfsLockedSizeUpdate)) {
      spin_lock(&ip->i_flags_lock);
      if (offset + size > i_size_read(in)) i_size_write(in, offset + size);
      spin_unlock(&ip->i_flags_lock);
    } else {
      const loff_t isize = i_size_read(in);
      sched_point(&in->i_size);  // unserialised test-and-set against other completions
      if (offset + size > isize) i_size_write(in, offset + size);
    }
  }

  // Mutant dio-count-double-dec: end_io still drops i_dio_count, as xfs_destroy_ioend did
  // before the seed moved inode_dio_done into dio_complete.
  if (variant_has(Fix::GenericDeferredCompletion) && mutant_on(Mutant::DioCountDoubleDec))
    inode_dio_done(in);
  // blockdev_direct_IO may still fail after end_io ran: guard the ioend against a double free.
  iocb->private_ = nullptr;
  io->io_offset = offset;
  io->io_size = size;
  if (size < 0) io->io_error = static_cast<int>(size);  // 3.12-fixed: the data write failed
  if (!variant_has(Fix::GenericDeferredCompletion)) {
    io->io_iocb = iocb;
    io->io_result = ret;
  }
  if (converts) {
    io->io_type = XFS_IO_UNWRITTEN;
    io->conv_pending = true;
    ktrace(model::EvKind::IoEndUnwritten, io->id, 1, 0, 0, io->op);
  }
  if (!variant_has(Fix::GenericDeferredCompletion) && is_async) {
    io->io_isasync = true;
    xfs_finish_ioend(io);
  } else {
    xfs_finish_ioend_sync(io);
  }
}

// ---- direct I/O ------------------------------------------------------------------------------

ssize_t xfs_vm_direct_IO(int rw, kiocb* iocb, const user_buf& buf, loff_t offset) {
  inode* in = iocb->ki_filp->f_inode;
  if (rw != WRITE)
    return __blockdev_direct_IO(READ, iocb, in, buf, offset, xfs_get_blocks_direct, nullptr, 0);

  xfs_ioend* io = xfs_alloc_ioend(in, XFS_IO_DIRECT, iocb->ki_op);
  if (!io) return -ENOMEM;
  iocb->private_ = io;
  if (offset + buf.len > di_size(XFS_I(in))) io->io_isdirect = true;
  const ssize_t ret = __blockdev_direct_IO(WRITE, iocb, in, buf, offset, xfs_get_blocks_direct,
                                           xfs_end_io_direct_write, 0);
  // The test of ret comes first: after -EIOCBQUEUED the iocb may be gone.
  if (ret != -EIOCBQUEUED && (kasan_check(iocb, "xfs_vm_direct_IO"), iocb->private_)) {
    // end_io never ran. The model counts io_remaining as the ioend's references: the one
    // held for end_io goes with the ioend (io_iocb is NULL: no second inode_dio_done).
    ktrace(model::EvKind::IoEndPut, io->id, 0, 0, 0, io->op);
    xfs_destroy_ioend(io);
  }
  return ret;
}

}  // namespace

// xfs_zero_eof: zero what lies between the old EOF and `offset` in allocated, written blocks
// (holes and unwritten extents read as zeros already). The port writes the zeros to the
// device cache (and any cached page) instead of dirtying page cache pages.
void xfs_zero_eof(xfs_inode* ip, loff_t offset, loff_t isize) {
  if (offset <= isize) return;
  inode* in = VFS_I(ip);
  block_device* bdev = in->i_sb->s_bdev;
  const loff_t bs = blocksize(in);
  const loff_t ss = bdev->sector_size;
  const loff_t zstart = (isize + ss - 1) / ss * ss;
  xfs_ilock(ip, XFS_ILOCK_SHARED);
  for (auto b = static_cast<std::uint64_t>(zstart / bs); static_cast<loff_t>(b) * bs < offset; ++b) {
    const extent e = meta_of(in).get(b);
    if (e.state != ExtentState::Written) continue;
    const loff_t blk = static_cast<loff_t>(b) * bs;
    const loff_t from = std::max(zstart, blk), to = std::min(offset, blk + bs);
    if (from >= to) continue;
    sched_point(bdev);
    bdev_touch(bdev, e.pblk, Access::Write);
    kaccess(&in->i_mapping, Access::Write);
    auto pg = in->i_mapping.pages.find(b);
    std::uint32_t n = 0;
    for (loff_t p = from; p < to; p += ss, ++n) {
      const auto i = static_cast<std::uint64_t>((p - blk) / ss);
      bdev->cache[e.pblk * bdev->spb + i] = model::kZero;
      if (pg != in->i_mapping.pages.end()) pg->second.sect[i] = model::kZero;
    }
    ktrace(model::EvKind::DevWrite, 0,
           static_cast<std::int64_t>(e.pblk * bdev->spb + static_cast<std::uint64_t>((from - blk) / ss)), n,
           model::kZero);
  }
  xfs_iunlock(ip, XFS_ILOCK_SHARED);
}

// block_truncate_page: zero the tail of the block that holds the new EOF
void xfs_truncate_page(xfs_inode* ip, loff_t newsize) {
  inode* in = VFS_I(ip);
  const loff_t bs = blocksize(in);
  block_device* bdev = in->i_sb->s_bdev;
  if (newsize % bs == 0) return;
  const auto b = static_cast<std::uint64_t>(newsize / bs);
  const extent e = meta_of(in).get(b);
  if (e.state != ExtentState::Written) return;
  const loff_t ss = bdev->sector_size;
  sched_point(bdev);
  bdev_touch(bdev, e.pblk, Access::Write);
  for (loff_t p = (newsize % bs + ss - 1) / ss; p < bs / ss; ++p)
    bdev->cache[e.pblk * bdev->spb + static_cast<std::uint64_t>(p)] = model::kZero;
}

// xfs_itruncate_extents: free every block past the new EOF
void xfs_itruncate_extents(xfs_inode* ip, loff_t newsize) {
  inode* in = VFS_I(ip);
  const loff_t bs = blocksize(in);
  file_meta& m = meta_of(in);
  const auto keep = static_cast<std::uint64_t>((newsize + bs - 1) / bs);
  if (keep >= m.blocks.size()) return;
  bool any = false;
  for (std::uint64_t b = keep; b < m.blocks.size(); ++b)
    if (m.blocks[b].state != ExtentState::Hole) {
      any = true;
      journal_free_blocks(in->i_sb->s_journal, m.blocks[b].pblk, 1);  // xfs_bmap_add_free
    }
  if (any) set_extent(in, keep, m.blocks.size() - keep, ExtentState::Hole);
  m.blocks.resize(keep);
}

void xfs_alloc_file_space(xfs_inode* ip, loff_t offset, loff_t len) {
  inode* in = VFS_I(ip);
  const loff_t bs = blocksize(in);
  auto lblk = static_cast<std::uint64_t>(offset / bs);
  const auto end = static_cast<std::uint64_t>((offset + len + bs - 1) / bs);
  while (lblk < end) {
    xfs_trans_alloc(ip);
    xfs_ilock(ip, XFS_ILOCK_EXCL);
    const xfs_bmbt_irec map = xfs_bmapi_read(in, lblk, end - lblk);
    if (map.br_state == ExtentState::Hole) {
      const std::uint64_t pblk = bdev_alloc_blocks(in->i_sb->s_bdev, map.br_blockcount);
      for (std::uint64_t i = 0; i < map.br_blockcount; ++i) meta_of(in).at(lblk + i).pblk = pblk + i;
      set_extent(in, lblk, map.br_blockcount, ExtentState::Unwritten);
    }
    xfs_trans_commit(ip);
    xfs_iunlock(ip, XFS_ILOCK_EXCL);
    lblk += map.br_blockcount;
  }
}

namespace {

// xfs_file_aio_write_checks: writes past EOF zero the gap first, under IOLOCK_EXCL.
int xfs_file_aio_write_checks(xfs_inode* ip, loff_t pos, unsigned* iolock) {
  inode* in = VFS_I(ip);
  for (;;) {
    if (pos <= i_size_read(in)) return 0;
    if (*iolock == XFS_IOLOCK_SHARED) {
      xfs_rw_iunlock(ip, *iolock);
      *iolock = XFS_IOLOCK_EXCL;
      xfs_rw_ilock(ip, *iolock);
      continue;  // restart: the size may have moved
    }
    xfs_zero_eof(ip, pos, i_size_read(in));
    return 0;
  }
}

// Drops the cached pages from `pos` on (whole pages: the sub-page zeroing of
// truncate_pagecache_range, fixed later by 834ffca6f7e3, is not modelled).
void xfs_drop_pagecache_from(inode* in, loff_t pos) {
  invalidate_inode_pages2_range(in, pos, LLONG_MAX);
}

ssize_t xfs_file_dio_aio_write(kiocb* iocb, const user_buf& buf, loff_t pos) {
  inode* in = iocb->ki_filp->f_inode;
  xfs_inode* ip = XFS_I(in);
  const loff_t count = buf.len;
  const loff_t smask = in->i_sb->s_bdev->sector_size - 1;
  const loff_t bmask = blocksize(in) - 1;
  if ((pos & smask) || (count & smask)) return -EINVAL;
  const bool unaligned_io = (pos & bmask) || ((pos + count) & bmask);

  // Exclusive only for unaligned I/O or cached pages to flush.
  unsigned iolock = (unaligned_io || in->i_mapping.nrpages()) ? XFS_IOLOCK_EXCL : XFS_IOLOCK_SHARED;
  xfs_rw_ilock(ip, iolock);
  // Pages may have appeared while we waited for the lock.
  if (in->i_mapping.nrpages() && iolock == XFS_IOLOCK_SHARED) {
    xfs_rw_iunlock(ip, iolock);
    iolock = XFS_IOLOCK_EXCL;
    xfs_rw_ilock(ip, iolock);
  }
  ssize_t ret = xfs_file_aio_write_checks(ip, pos, &iolock);
  if (ret == 0 && in->i_mapping.nrpages()) {
    ret = filemap_write_and_wait_range(in, pos, LLONG_MAX);
    if (ret == 0) xfs_drop_pagecache_from(in, pos);
  }
  if (ret == 0) {
    // Unaligned I/O waits for every other DIO (sub-block zeroing races); otherwise demote.
    if (unaligned_io) {
      inode_dio_wait(in);
    } else if (iolock == XFS_IOLOCK_EXCL) {
      xfs_rw_ilock_demote(ip);
      iolock = XFS_IOLOCK_SHARED;
    }
    ret = generic_file_direct_write(iocb, buf, pos, &iocb->ki_pos);
    // The queued unaligned AIO stays the only DIO in flight (the iocb may be gone).
    if (unaligned_io && ret == -EIOCBQUEUED && variant_has(Fix::XfsUnalignedDioWaitAfterSubmit))
      inode_dio_wait(in);
  }
  xfs_rw_iunlock(ip, iolock);
  // No fallback to buffered I/O on errors for XFS.
  return ret;
}

ssize_t xfs_file_buffered_aio_write(kiocb* iocb, const user_buf& buf, loff_t pos) {
  inode* in = iocb->ki_filp->f_inode;
  xfs_inode* ip = XFS_I(in);
  unsigned iolock = XFS_IOLOCK_EXCL;
  xfs_rw_ilock(ip, iolock);
  ssize_t ret = xfs_file_aio_write_checks(ip, pos, &iolock);
  if (ret == 0) {
    ret = generic_perform_write(in, buf, pos);
    if (ret > 0) iocb->ki_pos = pos + ret;
  }
  xfs_rw_iunlock(ip, iolock);
  return ret;
}

// xfs_setattr_size (IOLOCK_EXCL unless the caller holds it).
int xfs_setattr_size(xfs_inode* ip, loff_t newsize, int flags) {
  inode* in = VFS_I(ip);
  unsigned lock_flags = 0;
  if (!(flags & XFS_ATTR_NOLOCK)) lock_flags |= XFS_IOLOCK_EXCL;
  xfs_ilock(ip, lock_flags);
  const loff_t oldsize = i_size_read(in);
  ktrace(model::EvKind::Truncate, in->id, oldsize, newsize);
  if (newsize > oldsize) xfs_zero_eof(ip, newsize, oldsize);
  // Data between the on-disk and the new EOF must be on disk before the size is logged.
  if (oldsize != di_size(ip) && newsize > di_size(ip)) {
    const int err = filemap_write_and_wait_range(in, di_size(ip), newsize);
    if (err) {
      xfs_iunlock(ip, lock_flags);
      return err;
    }
  }
  inode_dio_wait(in);  // wait for all direct I/O, including its completions
  xfs_truncate_page(ip, newsize);  // block_truncate_page
  xfs_trans_alloc(ip);
  i_size_write(in, newsize);  // truncate_setsize
  truncate_pagecache(in, newsize);
  xfs_ilock(ip, XFS_ILOCK_EXCL);
  lock_flags |= XFS_ILOCK_EXCL;
  set_di_size(ip, newsize);
  if (newsize <= oldsize) xfs_itruncate_extents(ip, newsize);
  xfs_trans_commit(ip);
  xfs_iunlock(ip, lock_flags);
  return 0;
}

}  // namespace

// ---- the FsType --------------------------------------------------------------------------------

class Xfs final : public FsType {
 public:
  const char* name() const override { return "xfs"; }

  // xfs_fs_fill_super (xfs_init_mount_workqueues). The 3.11 DIO completion queues; the
  // 3.12 kernels still create them for buffered writeback, which this port does inline,
  // so they are created only where DIO uses them.
  int fill_super(super_block* sb) override {
    auto* mp = kzalloc<xfs_mount>(kMountCache, GFP_KERNEL);
    if (!mp) return -ENOMEM;
    mp->m_super = sb;
    sb->s_fs_info = mp;
    if (!variant_has(Fix::GenericDeferredCompletion)) {
      mp->m_data_workqueue = alloc_workqueue(fmt::format("xfs-data/{}", sb->s_id), WQ_MEM_RECLAIM, 0);
      mp->m_unwritten_workqueue =
          alloc_workqueue(fmt::format("xfs-conv/{}", sb->s_id), WQ_MEM_RECLAIM, 0);
      if (!mp->m_data_workqueue || !mp->m_unwritten_workqueue) {
        put_super(sb);
        return -ENOMEM;
      }
    }
    return 0;
  }

  // xfs_fs_put_super: xfs_destroy_mount_workqueues, log unmount.
  void put_super(super_block* sb) override {
    xfs_mount* mp = XFS_M(sb);
    if (!mp) return;
    for (workqueue_struct** wq : {&mp->m_data_workqueue, &mp->m_unwritten_workqueue}) {
      if (!*wq) continue;
      destroy_workqueue(*wq);  // drains first
      *wq = nullptr;
    }
    jbd2_journal_commit(sb->s_journal);
    sb->s_fs_info = nullptr;
    kfree(mp, kMountCache);
  }

  // xfs_file_aio_write
  ssize_t aio_write(kiocb* iocb, const user_buf& buf, loff_t pos) override {
    if (buf.len == 0) return 0;
    file* f = iocb->ki_filp;
    const bool dsync = iocb->ki_dsync;  // read now: after -EIOCBQUEUED the iocb may be gone
    ssize_t ret = (f->f_flags & O_DIRECT_) ? xfs_file_dio_aio_write(iocb, buf, pos)
                                           : xfs_file_buffered_aio_write(iocb, buf, pos);
    // Only a completed write syncs: a queued AIO gets no O_DSYNC sync here (before 02afc27
    // none at all).
    if (ret > 0) {
      const int err = generic_write_sync(f, pos, ret, dsync);
      if (err < 0) ret = err;
    }
    return ret;
  }

  // xfs_file_aio_read
  ssize_t aio_read(kiocb* iocb, const user_buf& buf, loff_t pos) override {
    file* f = iocb->ki_filp;
    inode* in = f->f_inode;
    xfs_inode* ip = XFS_I(in);
    const bool direct = f->f_flags & O_DIRECT_;
    if (direct) {
      const loff_t smask = in->i_sb->s_bdev->sector_size - 1;
      if ((pos | buf.len) & smask) return pos == i_size_read(in) ? 0 : -EINVAL;
    }
    if (buf.len == 0) return 0;
    xfs_rw_ilock(ip, XFS_IOLOCK_SHARED);
    if (direct && in->i_mapping.nrpages()) {
      xfs_rw_iunlock(ip, XFS_IOLOCK_SHARED);
      xfs_rw_ilock(ip, XFS_IOLOCK_EXCL);
      if (in->i_mapping.nrpages()) {
        const int err = filemap_write_and_wait_range(in, pos, LLONG_MAX);
        if (err) {
          xfs_rw_iunlock(ip, XFS_IOLOCK_EXCL);
          return err;
        }
        xfs_drop_pagecache_from(in, pos);
      }
      xfs_rw_ilock_demote(ip);
    }
    ssize_t ret;
    if (!direct) {
      ret = generic_file_buffered_read(in, buf.read, pos, buf.len);
    } else {
      // generic_file_aio_read, O_DIRECT
      ret = 0;
      if (pos < i_size_read(in)) {
        ret = filemap_write_and_wait_range(in, pos, pos + buf.len - 1);
        if (!ret) ret = xfs_vm_direct_IO(READ, iocb, buf, pos);
        if (ret > 0) {
          kasan_check(iocb, "generic_file_aio_read: *ppos");
          iocb->ki_pos = pos + ret;
        }
      }
    }
    xfs_rw_iunlock(ip, XFS_IOLOCK_SHARED);
    return ret;
  }

  ssize_t direct_IO(int rw, kiocb* iocb, const user_buf& buf, loff_t offset) override {
    return xfs_vm_direct_IO(rw, iocb, buf, offset);
  }

  // xfs_file_fsync: write back the range, then force the log (which flushes the device).
  int fsync(file* f, loff_t start, loff_t end, int datasync) override {
    inode* in = f->f_inode;
    kasan_check(in, "xfs_file_fsync");
    ktrace(model::EvKind::SyncStart, in->id, start, end, datasync);
    int ret = 0;
    if (XFS_FORCED_SHUTDOWN(XFS_I(in)->i_mount)) ret = -EIO;
    if (!ret) ret = filemap_write_and_wait_range(in, start, end);
    if (!ret) jbd2_journal_commit(in->i_sb->s_journal);  // xfs_log_force_lsn + barrier
    ktrace(model::EvKind::SyncDone, in->id, ret);
    return ret;
  }

  // xfs_vn_setattr(ATTR_SIZE); the VFS holds i_mutex
  int setattr_size(inode* in, loff_t size) override { return xfs_setattr_size(XFS_I(in), size, 0); }

  // xfs_file_fallocate (mode 0 or KEEP_SIZE): unwritten extents over the holes, then the size
  long fallocate(file* f, bool keep_size, loff_t offset, loff_t len) override {
    inode* in = f->f_inode;
    xfs_inode* ip = XFS_I(in);
    if (len <= 0) return -EINVAL;
    xfs_ilock(ip, XFS_IOLOCK_EXCL);
    const loff_t new_size = (!keep_size && offset + len > i_size_read(in)) ? offset + len : 0;
    xfs_alloc_file_space(ip, offset, len);  // XFS_BMAPI_PREALLOC
    int err = 0;
    if (new_size) err = xfs_setattr_size(ip, new_size, XFS_ATTR_NOLOCK);
    xfs_iunlock(ip, XFS_IOLOCK_EXCL);
    return err;
  }

  // Writeback of one dirty page (xfs_vm_writepage): xfs_map_blocks maps the block; a delalloc
  // block (a hole here) is allocated by xfs_iomap_write_allocate in a transaction of its own.
  // Nothing else changes at submission: an unwritten block stays unwritten and the on-disk
  // size stays where it is until the data write has completed (writepage_end_io).
  int writepage_map(inode* in, std::uint64_t lblk, std::uint64_t* pblk) override {
    xfs_inode* ip = XFS_I(in);
    xfs_trans_alloc(ip);
    xfs_ilock(ip, XFS_ILOCK_EXCL);
    extent& e = meta_of(in).at(lblk);
    if (e.state == ExtentState::Hole) {
      e.pblk = bdev_alloc_blocks(in->i_sb->s_bdev, 1);
      set_extent(in, lblk, 1, variant_has(Fix::XfsDelallocUnwritten) ? ExtentState::Unwritten : ExtentState::Written);
    }
    *pblk = meta_of(in).get(lblk).pblk;
    if (meta_of(in).get(lblk).state == ExtentState::Unwritten) ip->i_wb_unwritten.insert(lblk);  // io_type
    xfs_iunlock(ip, XFS_ILOCK_EXCL);
    xfs_trans_commit(ip);
    return 0;
  }

  // xfs_end_io for a writeback ioend, after its data bio: an XFS_IO_UNWRITTEN ioend converts
  // (xfs_iomap_write_unwritten, which also logs the new on-disk size); an append ioend logs
  // the size (xfs_setfilesize, its transaction reserved at submission). Only here does the
  // on-disk size come to cover the block, so no log force can make it cover unwritten data.
  void writepage_end_io(inode* in, std::uint64_t lblk) override {
    xfs_inode* ip = XFS_I(in);
    const loff_t bs = blocksize(in);
    const loff_t offset = static_cast<loff_t>(lblk) * bs;
    if (ip->i_wb_unwritten.erase(lblk)) {
      Tracer* t = Tracer::current();  // not attributed to a workload write (op = none)
      const std::uint32_t was = t ? t->op_of(current_actor()) : model::kNoOp;
      if (t) t->set_op(current_actor(), model::kNoOp);
      xfs_iomap_write_unwritten(ip, offset, bs, false);
      if (t) t->set_op(current_actor(), was);
      return;
    }
    if (offset + bs <= di_size(ip)) return;  // not xfs_ioend_is_append
    xfs_trans_alloc(ip);
    xfs_ilock(ip, XFS_ILOCK_EXCL);
    if (const loff_t isize = xfs_new_eof(ip, offset + bs)) set_di_size(ip, isize);
    xfs_iunlock(ip, XFS_ILOCK_EXCL);
    xfs_trans_commit(ip);
  }

  // xfs_iget: the XFS part of the in-core inode
  void init_inode(inode* in) override {
    auto* ip = kzalloc<xfs_inode>(kInodeCache, GFP_KERNEL);
    if (!ip) BUG("xfs_iget: cannot allocate the xfs_inode");
    ip->vfs = in;
    ip->i_mount = XFS_M(in->i_sb);
    init_rwsem(&ip->i_iolock);
    init_rwsem(&ip->i_lock);
    spin_lock_init(&ip->i_flags_lock);
    in->i_private = ip;
  }

  // xfs_fs_evict_inode: write back, drop the page cache, free the xfs_inode
  void evict_inode(inode* in) override {
    filemap_write_and_wait_range(in, 0, i_size_read(in) + blocksize(in));
    truncate_pagecache(in, 0);
    xfs_inode* ip = XFS_I(in);
    // i_private keeps pointing at the (quarantined) xfs_inode: a late access after eviction
    // is then a reported use after free (kasan_check in XFS_I / xfs_ilock), not a crash.
    kfree(ip, kInodeCache);
  }
};

FsType* xfs_fs_type() {
  static Xfs fs;
  return &fs;
}

}  // namespace dc::kern
