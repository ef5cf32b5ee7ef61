// XFS block mapping for the iomap engine (6.6 / 6.18): fs/xfs/xfs_iomap.c
// (xfs_direct_write_iomap_begin, xfs_read_iomap_begin, xfs_bmbt_to_iomap) and
// xfs_setfilesize (fs/xfs/xfs_aops.c). Extent lookup, allocation and the on-disk size are the
// port's XFS substrate (impl/fs/xfs.cpp). No reflink, DAX, atomic or zoned inodes: the
// COW, REQ_ATOMIC and zoned branches of these functions are not reachable here.
#include <algorithm>

#include "impl/iomap/xfs.hpp"
#include "impl/kernel/execution.hpp"

namespace dc::kern {
namespace {

bool xfs_is_shutdown(xfs_inode* ip) { return ip->i_mount->m_shutdown; }

// xfs_bmbt_to_iomap. F_DIRTY when the inode is pinned in the log with more than timestamp
// changes (xfs_ipincount && ili_fsync_fields): a datasync write then needs the log force,
// so iomap must not complete it by FUA alone.
void xfs_bmbt_to_iomap(xfs_inode* ip, iomap* m, const xfs_bmbt_irec& imap, unsigned iomap_flags) {
  inode* in = VFS_I(ip);
  const loff_t bs = in->i_sb->s_blocksize;
  switch (imap.br_state) {
    case ExtentState::Hole: m->type = IOMAP_HOLE; break;
    case ExtentState::Unwritten: m->type = IOMAP_UNWRITTEN; break;
    case ExtentState::Written: m->type = IOMAP_MAPPED; break;
  }
  m->addr_blk = imap.br_startblock;
  m->offset = static_cast<loff_t>(imap.br_startoff) * bs;
  m->length = static_cast<loff_t>(imap.br_blockcount) * bs;
  m->flags = iomap_flags;
  if (journal_meta_dirty(*in->i_sb->s_disk, in->i_ino)) m->flags |= IOMAP_F_DIRTY;
}

struct fsb_range {
  std::uint64_t offset_fsb, end_fsb;
};
fsb_range to_fsb(const inode* in, loff_t offset, loff_t length) {
  const loff_t bs = in->i_sb->s_blocksize;
  return {static_cast<std::uint64_t>(offset / bs), static_cast<std::uint64_t>((offset + length + bs - 1) / bs)};
}

bool imap_spans_range(const xfs_bmbt_irec& imap, std::uint64_t offset_fsb, std::uint64_t end_fsb) {
  return imap.br_startoff <= offset_fsb && imap.br_startoff + imap.br_blockcount >= end_fsb;
}

int xfs_direct_write_iomap_begin(inode* in, loff_t offset, loff_t length, unsigned flags, iomap* m) {
  xfs_inode* ip = XFS_I(in);
  const loff_t bs = in->i_sb->s_blocksize;
  if (xfs_is_shutdown(ip)) return -EIO;
  auto [offset_fsb, end_fsb] = to_fsb(in, offset, length);
  // A write spanning EOF may log a size update at completion: dirty for O_DSYNC (7684e2c4384d).
  unsigned iomap_flags = 0;
  if (offset + length > i_size_read(in)) iomap_flags |= IOMAP_F_DIRTY;

  // xfs_ilock_for_iomap (not a COW inode); IOMAP_NOWAIT only tries
  if (flags & IOMAP_NOWAIT) {
    if (!xfs_ilock_nowait(ip, XFS_ILOCK_SHARED)) return -EAGAIN;
  } else {
    xfs_ilock(ip, XFS_ILOCK_SHARED);
  }
  xfs_bmbt_irec imap = xfs_bmapi_read(in, offset_fsb, end_fsb - offset_fsb);
  if (imap.br_state != ExtentState::Hole) {  // !imap_needs_alloc
    // NOWAIT and OVERWRITE_ONLY need one mapping for the whole I/O, and OVERWRITE_ONLY
    // cannot convert an unwritten extent without sub-block zeroing (exclusive IOLOCK only).
    if ((flags & (IOMAP_NOWAIT | IOMAP_OVERWRITE_ONLY)) && !imap_spans_range(imap, offset_fsb, end_fsb)) {
      xfs_iunlock(ip, XFS_ILOCK_SHARED);
      return -EAGAIN;
    }
    if ((flags & IOMAP_OVERWRITE_ONLY) && imap.br_state != ExtentState::Written && ((offset | length) & (bs - 1))) {
      xfs_iunlock(ip, XFS_ILOCK_SHARED);
      return -EAGAIN;
    }
    xfs_iunlock(ip, XFS_ILOCK_SHARED);
    xfs_bmbt_to_iomap(ip, m, imap, iomap_flags);
    return 0;
  }
  // allocate_blocks
  if (flags & (IOMAP_NOWAIT | IOMAP_OVERWRITE_ONLY)) {
    xfs_iunlock(ip, XFS_ILOCK_SHARED);
    return -EAGAIN;
  }
  // Inside EOF only the hole is allocated; past it the whole (capped) range
  // (xfs_iomap_eof_align_last_fsb is a no-op without stripe units or extent size hints).
  length = std::min<loff_t>(length, 1024 * 4096);
  end_fsb = to_fsb(in, offset, length).end_fsb;
  if (offset + length <= i_size_read(in)) end_fsb = std::min(end_fsb, imap.br_startoff + imap.br_blockcount);
  xfs_iunlock(ip, XFS_ILOCK_SHARED);
  // xfs_iomap_write_direct: XFS_BMAPI_PREALLOC, an unwritten extent in its own transaction
  const loff_t start = static_cast<loff_t>(offset_fsb) * bs;
  const int error = xfs_iomap_write_direct(ip, start, static_cast<loff_t>(end_fsb) * bs - start, &imap);
  if (error) return error;
  xfs_bmbt_to_iomap(ip, m, imap, iomap_flags | IOMAP_F_NEW);
  return 0;
}

int xfs_read_iomap_begin(inode* in, loff_t offset, loff_t length, unsigned flags, iomap* m) {
  xfs_inode* ip = XFS_I(in);
  if (xfs_is_shutdown(ip)) return -EIO;
  const auto [offset_fsb, end_fsb] = to_fsb(in, offset, length);
  if (flags & IOMAP_NOWAIT) {  // xfs_ilock_for_iomap
    if (!xfs_ilock_nowait(ip, XFS_ILOCK_SHARED)) return -EAGAIN;
  } else {
    xfs_ilock(ip, XFS_ILOCK_SHARED);
  }
  const xfs_bmbt_irec imap = xfs_bmapi_read(in, offset_fsb, end_fsb - offset_fsb);
  xfs_iunlock(ip, XFS_ILOCK_SHARED);
  xfs_bmbt_to_iomap(ip, m, imap, 0);
  return 0;
}

}  // namespace

const iomap_ops xfs_direct_write_iomap_ops{xfs_direct_write_iomap_begin, nullptr};
const iomap_ops xfs_read_iomap_ops{xfs_read_iomap_begin, nullptr};

int xfs_setfilesize(xfs_inode* ip, loff_t offset, ssize_t size) {
  xfs_trans_alloc(ip);  // tr_fsyncts: may sleep
  xfs_ilock(ip, XFS_ILOCK_EXCL);
  if (const loff_t isize = xfs_new_eof(ip, offset + size)) set_di_size(ip, isize);
  xfs_iunlock(ip, XFS_ILOCK_EXCL);
  xfs_trans_commit(ip);  // (xfs_trans_cancel when the size did not grow: same here)
  return 0;
}

}  // namespace dc::kern
