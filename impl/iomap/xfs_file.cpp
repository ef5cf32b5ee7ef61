// XFS regular files on the iomap engine (6.6 / 6.18): fs/xfs/xfs_file.c. Direct writes
// (xfs_file_dio_write and its aligned / unaligned paths), xfs_file_write_checks with the EOF
// zeroing and its DIO drain, the completion xfs_dio_write_end_io, direct and buffered reads,
// buffered writes, fallocate; setattr, writeback, fsync and eviction are the substrate's.
// The IOLOCK is the VFS inode's i_rwsem here (impl/fs/xfs.cpp xfs_ilock).
#include "impl/iomap/fs.hpp"
#include "impl/iomap/xfs.hpp"
#include "impl/kernel/execution.hpp"

namespace dc::kern {
namespace {

bool xfs_is_shutdown(xfs_inode* ip) { return ip->i_mount->m_shutdown; }

// xfs_ilock_iocb: IOCB_NOWAIT takes the IOLOCK only if it is free.
int xfs_ilock_iocb(kiocb* iocb, unsigned lock_mode) {
  xfs_inode* ip = XFS_I(iocb->ki_filp->f_inode);
  if (iocb->ki_nowait) return xfs_ilock_nowait(ip, lock_mode) ? 0 : -EAGAIN;
  xfs_ilock(ip, lock_mode);
  return 0;
}

// xfs_ilock_demote(ip, XFS_IOLOCK_EXCL): atomic, no window for another writer.
void xfs_ilock_demote_iolock(xfs_inode* ip) { downgrade_write(&VFS_I(ip)->i_rwsem); }

// xfs_file_write_zero_eof (6.18; inline in xfs_file_write_checks on 6.6, same steps): zero
// from the old EOF to the write only once no DIO can still move EOF. IOLOCK_EXCL is only a
// submission barrier, so the first pass drains (40c63fbc55a9) and restarts the checks.
// Returns 1 when the caller must restart. 6.18 holds MMAPLOCK_EXCL around the zeroing,
// against page faults, which the model does not have.
int xfs_file_write_zero_eof(kiocb* iocb, unsigned* iolock, bool* drained_dio) {
  inode* in = iocb->ki_filp->f_inode;
  xfs_inode* ip = XFS_I(in);
  spin_lock(&ip->i_flags_lock);  // serialises against the end_io size update
  const loff_t isize = i_size_read(in);
  spin_unlock(&ip->i_flags_lock);
  if (iocb->ki_pos <= isize) return 0;
  if (iocb->ki_nowait) return -EAGAIN;  // zeroing and the drain block
  if (!*drained_dio) {
    if (*iolock == XFS_IOLOCK_SHARED) {
      xfs_iunlock(ip, *iolock);  // not an upgrade: unlock, lock, restart
      *iolock = XFS_IOLOCK_EXCL;
      xfs_ilock(ip, *iolock);
    }
    // Mutant xfs-eof-zeroing-without-drain (before 40c63fbc55a9): the restart under
    // IOLOCK_EXCL, but no drain: in-flight AIO still moves EOF under the zeroing.
    if (!mutant_on(Mutant::XfsEofZeroingWithoutDrain)) inode_dio_wait(in);  // AIO completions may still move EOF
    *drained_dio = true;
    return 1;
  }
  xfs_zero_eof(ip, iocb->ki_pos, isize);  // xfs_zero_range(ip, isize, pos - isize)
  return 0;
}

// xfs_file_write_checks: called and returns with the IOLOCK held as *iolock says.
ssize_t xfs_file_write_checks(kiocb* iocb, unsigned* iolock) {
  inode* in = iocb->ki_filp->f_inode;
  bool drained_dio = false;
  for (;;) {
    // (generic_write_checks, layouts, IS_NOSEC: nothing to do for the model's files)
    // Unlocked: completions only extend EOF and truncate is locked out (977ec4ddf0b7).
    if (iocb->ki_pos > i_size_read(in)) {
      const int error = xfs_file_write_zero_eof(iocb, iolock, &drained_dio);
      if (error == 1) continue;
      if (error) return error;
    }
    return 0;  // kiocb_modified
  }
}

// xfs_dio_write_end_io: in the submitter (sync or FORCE_WAIT) or the dio/<sb> worker, with
// no XFS lock held in the worker.
ssize_t xfs_dio_write_end_io(kiocb* iocb, ssize_t size, int error, unsigned flags) {
  inode* in = iocb->ki_filp->f_inode;
  xfs_inode* ip = XFS_I(in);
  const loff_t offset = iocb->ki_pos;
  if (xfs_is_shutdown(ip)) return -EIO;
  if (error) return error;  // no conversion over failed data
  if (!size) return 0;
  // (IOMAP_DIO_COW: xfs_reflink_end_cow, no reflink inodes here)
  // The conversion raises i_size extent by extent, after converting and before logging the
  // on-disk size: a racing direct read never finds unwritten blocks inside EOF.
  if (flags & IOMAP_DIO_UNWRITTEN) return xfs_iomap_write_unwritten(ip, offset, size, true);
  // Completions only extend EOF: an unlocked look first, then test and set under
  // i_flags_lock against other completions, then the on-disk size in a transaction.
  if (offset + size <= i_size_read(in)) return 0;
  spin_lock(&ip->i_flags_lock);
  if (offset + size > i_size_read(in)) {
    i_size_write(in, offset + size);
    spin_unlock(&ip->i_flags_lock);
    return xfs_setfilesize(ip, offset, size);
  }
  spin_unlock(&ip->i_flags_lock);
  return 0;
}
const iomap_dio_ops xfs_dio_write_ops{xfs_dio_write_end_io};

// Block-aligned direct writes: IOLOCK_SHARED for the I/O, even when extending, and no
// FORCE_WAIT: an extending AIO moves EOF in the worker without the IOLOCK.
ssize_t xfs_file_dio_write_aligned(xfs_inode* ip, kiocb* iocb, const user_buf& from) {
  unsigned iolock = XFS_IOLOCK_SHARED;
  // xfs_ilock_iocb_for_write (EXCL only while reflink remaps)
  if (xfs_ilock_iocb(iocb, iolock)) return -EAGAIN;
  ssize_t ret = xfs_file_write_checks(iocb, &iolock);
  if (ret == 0) {
    // exclusive only for the zeroing: back to shared for the I/O
    if (iolock == XFS_IOLOCK_EXCL) {
      xfs_ilock_demote_iolock(ip);
      iolock = XFS_IOLOCK_SHARED;
    }
    ret = iomap_dio_rw(iocb, from, true, &xfs_direct_write_iomap_ops, &xfs_dio_write_ops, 0);
  }
  xfs_iunlock(ip, iolock);
  return ret;
}

// Sub-block direct writes: optimistically shared with IOMAP_DIO_OVERWRITE_ONLY (no
// allocation, no sub-block zeroing); an extending write, or one iomap refused with -EAGAIN,
// goes exclusive with FORCE_WAIT after draining every other DIO, so its zeroing cannot race
// another write to the same block.
ssize_t xfs_file_dio_write_unaligned(xfs_inode* ip, kiocb* iocb, const user_buf& from) {
  inode* in = VFS_I(ip);
  const loff_t isize = i_size_read(in);  // sampled before locking
  const loff_t count = from.len;
  unsigned iolock = XFS_IOLOCK_SHARED;
  unsigned flags = IOMAP_DIO_OVERWRITE_ONLY;
  bool exclusive = iocb->ki_pos > isize || iocb->ki_pos + count >= isize;
  if (exclusive && iocb->ki_nowait) return -EAGAIN;  // extending: exclusive and waited for
  for (;;) {
    if (exclusive) {  // retry_exclusive
      iolock = XFS_IOLOCK_EXCL;
      flags = IOMAP_DIO_FORCE_WAIT;
    }
    if (xfs_ilock_iocb(iocb, iolock)) return -EAGAIN;
    ssize_t ret = xfs_file_write_checks(iocb, &iolock);
    if (ret == 0) {
      if (flags & IOMAP_DIO_FORCE_WAIT) inode_dio_wait(in);  // the only I/O in flight
      ret = iomap_dio_rw(iocb, from, true, &xfs_direct_write_iomap_ops, &xfs_dio_write_ops, flags);
      // a NOWAIT issue propagates the refusal (io_uring retries it blocking)
      if (ret == -EAGAIN && !iocb->ki_nowait) {
        WARN_ON(!(flags & IOMAP_DIO_OVERWRITE_ONLY), "xfs_file_dio_write_unaligned: -EAGAIN without OVERWRITE_ONLY");
        xfs_iunlock(ip, iolock);
        exclusive = true;
        continue;
      }
    }
    xfs_iunlock(ip, iolock);
    return ret;
  }
}

ssize_t xfs_file_dio_write(kiocb* iocb, const user_buf& from) {
  inode* in = iocb->ki_filp->f_inode;
  xfs_inode* ip = XFS_I(in);
  const loff_t count = from.len;
  const loff_t smask = in->i_sb->s_bdev->sector_size - 1;
  const loff_t bmask = in->i_sb->s_blocksize - 1;
  if ((iocb->ki_pos | count) & smask) return -EINVAL;  // the device's logical sector
  if ((iocb->ki_pos | count) & bmask) return xfs_file_dio_write_unaligned(ip, iocb, from);
  return xfs_file_dio_write_aligned(ip, iocb, from);
}

ssize_t xfs_file_buffered_write(kiocb* iocb, const user_buf& from) {
  inode* in = iocb->ki_filp->f_inode;
  xfs_inode* ip = XFS_I(in);
  unsigned iolock = XFS_IOLOCK_EXCL;
  xfs_ilock(ip, iolock);
  ssize_t ret = xfs_file_write_checks(iocb, &iolock);
  if (ret == 0) {
    ret = generic_perform_write(in, from, iocb->ki_pos);  // iomap_file_buffered_write
    if (ret > 0) iocb->ki_pos += ret;
  }
  xfs_iunlock(ip, iolock);
  if (ret > 0) {
    const int err = generic_write_sync(iocb->ki_filp, iocb->ki_pos - ret, ret, iocb->ki_dsync);
    if (err < 0) ret = err;
  }
  return ret;
}

ssize_t xfs_file_dio_read(kiocb* iocb, const user_buf& to) {
  xfs_inode* ip = XFS_I(iocb->ki_filp->f_inode);
  if (xfs_ilock_iocb(iocb, XFS_IOLOCK_SHARED)) return -EAGAIN;
  const ssize_t ret = iomap_dio_rw(iocb, to, false, &xfs_read_iomap_ops, nullptr, 0);
  xfs_iunlock(ip, XFS_IOLOCK_SHARED);
  return ret;
}

ssize_t xfs_file_buffered_read(kiocb* iocb, const user_buf& to) {
  inode* in = iocb->ki_filp->f_inode;
  xfs_inode* ip = XFS_I(in);
  xfs_ilock(ip, XFS_IOLOCK_SHARED);
  const ssize_t ret = generic_file_buffered_read(in, to.read, iocb->ki_pos, to.len);
  xfs_iunlock(ip, XFS_IOLOCK_SHARED);
  return ret;
}

// xfs_file_sync_writes: the file (or inode, or mount) wants synchronous writes.
bool xfs_file_sync_writes(const file* f) { return (f->f_flags & (O_DSYNC_ | O_SYNC_)) || IS_SYNC(f->f_inode); }

// The XFS FsType of the iomap era: the entry points above; the rest is the port's XFS.
class XfsIomap final : public LegacyWritebackFs<xfs_fs_type> {
 public:
  const char* name() const override { return "xfs"; }

  // xfs_file_write_iter: a direct write falls back to buffered I/O only on -ENOTBLK (the
  // page cache could not be invalidated; reflink COW, not modelled); no other fallback.
  ssize_t aio_write(kiocb* iocb, const user_buf& buf, loff_t pos) override {
    iocb->ki_pos = pos;
    if (buf.len == 0) return 0;
    if (xfs_is_shutdown(XFS_I(iocb->ki_filp->f_inode))) return -EIO;
    if (iocb->ki_filp->f_flags & O_DIRECT_) {
      const ssize_t ret = xfs_file_dio_write(iocb, buf);
      if (ret != -ENOTBLK) return ret;
    }
    return xfs_file_buffered_write(iocb, buf);
  }

  // xfs_file_read_iter
  ssize_t aio_read(kiocb* iocb, const user_buf& buf, loff_t pos) override {
    iocb->ki_pos = pos;
    if (xfs_is_shutdown(XFS_I(iocb->ki_filp->f_inode))) return -EIO;
    if (buf.len == 0) return 0;  // skip atime
    if (iocb->ki_filp->f_flags & O_DIRECT_) return xfs_file_dio_read(iocb, buf);
    return xfs_file_buffered_read(iocb, buf);
  }

  ssize_t direct_IO(int, kiocb*, const user_buf&, loff_t) override {
    return -EINVAL;  // iomap filesystems have no ->direct_IO for this path
  }

  int fsync(file* f, loff_t start, loff_t end, int datasync) override {
    return base()->fsync(f, start, end, datasync);
  }

  // xfs_vn_setattr_size: do_truncate holds i_rwsem (the IOLOCK) exclusive.
  int setattr_size(inode* in, loff_t size) override { return xfs_setattr_size(XFS_I(in), size); }

  // __xfs_file_fallocate (mode 0 or KEEP_SIZE): IOLOCK_EXCL, then inode_dio_wait *before*
  // sampling the size (249bd9087a52: AIO completions change it without any lock held here).
  long fallocate(file* f, bool keep_size, loff_t offset, loff_t len) override {
    inode* in = f->f_inode;
    xfs_inode* ip = XFS_I(in);
    if (len <= 0) return -EINVAL;
    xfs_ilock(ip, XFS_IOLOCK_EXCL);  // | XFS_MMAPLOCK_EXCL
    // Mutant xfs-fallocate-size-before-dio-wait (before 249bd9087a52): the size is sampled
    // first, so an AIO completion that extends EOF during the wait is truncated back.
    const bool early = mutant_on(Mutant::XfsFallocateSizeBeforeDioWait);
    const loff_t early_isize = early ? i_size_read(in) : 0;
    inode_dio_wait(in);
    const loff_t isize = early ? early_isize : i_size_read(in);
    const loff_t new_size = (!keep_size && offset + len > isize) ? offset + len : 0;  // xfs_falloc_newsize
    xfs_alloc_file_space(ip, offset, len);
    int err = 0;
    if (new_size) err = xfs_setattr_size(ip, new_size);  // xfs_falloc_setsize
    if (!err && xfs_file_sync_writes(f)) jbd2_journal_commit(in->i_sb->s_journal);  // xfs_log_force_inode
    xfs_iunlock(ip, XFS_IOLOCK_EXCL);
    return err;
  }

};

}  // namespace

FsType* xfs_iomap_fs_type() {
  static XfsIomap fs;
  return &fs;
}

}  // namespace dc::kern
