// The XFS pieces the 3.x glue (impl/fs/xfs.cpp) and the iomap-era glue (impl/iomap/xfs_*.cpp)
// share: locks, transactions, extent lookup and allocation, unwritten conversion, the on-disk
// size (i_d.di_size, 6.x i_disk_size), EOF zeroing, truncation of the extent list.
#pragma once
#include <cstdint>

#include "impl/fs/xfs.hpp"

namespace dc::kern {

enum : unsigned {
  XFS_IOLOCK_EXCL = 1u,
  XFS_IOLOCK_SHARED = 2u,
  XFS_ILOCK_EXCL = 4u,
  XFS_ILOCK_SHARED = 8u,
};

xfs_inode* XFS_I(inode* in);
inline inode* VFS_I(xfs_inode* ip) { return ip->vfs; }

// ILOCK is ip->i_lock on every variant. The IOLOCK is ip->i_iolock on 3.x and the VFS
// inode's i_rwsem on the iomap kernels (4.x folded it in: "xfs: use i_rwsem as the IOLOCK").
void xfs_ilock(xfs_inode* ip, unsigned flags);
void xfs_iunlock(xfs_inode* ip, unsigned flags);
// xfs_ilock_nowait: one lock class at a time (IOLOCK or ILOCK), never sleeps.
bool xfs_ilock_nowait(xfs_inode* ip, unsigned flags);

// A transaction is a journal handle (xfs_trans_alloc may sleep); a log force is a commit.
void xfs_trans_alloc(xfs_inode* ip);
void xfs_trans_commit(xfs_inode* ip);

struct xfs_bmbt_irec {
  std::uint64_t br_startoff = 0;    // logical block
  std::uint64_t br_startblock = 0;  // physical block (undefined for a hole)
  std::uint64_t br_blockcount = 0;
  ExtentState br_state = ExtentState::Hole;
};
// The extent at lblk: at most maxn blocks of one state, physically contiguous.
xfs_bmbt_irec xfs_bmapi_read(inode* in, std::uint64_t lblk, std::uint64_t maxn);
// Allocates the hole at `offset` (a run of at most `count` bytes) in its own transaction.
int xfs_iomap_write_direct(xfs_inode* ip, loff_t offset, loff_t count, xfs_bmbt_irec* imap);
// One transaction per extent; update_isize: a direct write's completion (ee70daaba82d).
int xfs_iomap_write_unwritten(xfs_inode* ip, loff_t offset, loff_t count, bool update_isize);

// ip->i_d.di_size (6.x ip->i_disk_size): loads are unlocked_access points.
loff_t di_size(xfs_inode* ip);
void set_di_size(xfs_inode* ip, loff_t size);  // under the ILOCK, in a transaction
// The new on-disk size for an I/O ending at new_size (clamped to i_size), 0 if it does not grow.
loff_t xfs_new_eof(xfs_inode* ip, loff_t new_size);

// Zeroes [isize, offset) in written blocks (the port writes the device cache directly).
void xfs_zero_eof(xfs_inode* ip, loff_t offset, loff_t isize);
// block_truncate_page / xfs_truncate_page: zeroes the tail of the block holding newsize.
void xfs_truncate_page(xfs_inode* ip, loff_t newsize);
// xfs_itruncate_extents: frees every block past newsize (caller holds ILOCK, in a transaction).
void xfs_itruncate_extents(xfs_inode* ip, loff_t newsize);
// xfs_alloc_file_space (XFS_BMAPI_PREALLOC): unwritten extents over the holes of the range.
void xfs_alloc_file_space(xfs_inode* ip, loff_t offset, loff_t len);

}  // namespace dc::kern
