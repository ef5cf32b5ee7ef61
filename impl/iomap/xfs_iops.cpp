// xfs_setattr_size of the iomap era (fs/xfs/xfs_iops.c, 6.6 / 6.18). Unlike 3.x it waits
// for direct I/O first, before it samples anything that an AIO completion may still move
// (i_size, i_disk_size), then zeroes, sets the in-core size, writes back what the new
// on-disk size will cover, and logs the size with the extent truncation.
#include "impl/iomap/xfs.hpp"
#include "impl/kernel/execution.hpp"

namespace dc::kern {

// Called with the IOLOCK (i_rwsem) held exclusive: do_truncate or fallocate (MMAPLOCK too,
// not modelled: there are no page faults).
int xfs_setattr_size(xfs_inode* ip, loff_t newsize) {
  inode* in = VFS_I(ip);
  WARN_ON(in->i_rwsem.writer != current_actor(), "xfs_setattr_size: IOLOCK not held exclusive");
  const loff_t oldsize = i_size_read(in);
  ktrace(model::EvKind::Truncate, in->id, oldsize, newsize);
  inode_dio_wait(in);  // wait for all direct I/O, including its completions
  // Zero what an extension exposes, or the rest of the new EOF block on a shrink. The port's
  // xfs_zero_eof writes the device cache, so there is no page to write back for it
  // (did_zeroing stays false).
  if (newsize > oldsize)
    xfs_zero_eof(ip, newsize, oldsize);
  else
    xfs_truncate_page(ip, newsize);
  i_size_write(in, newsize);  // truncate_setsize
  truncate_pagecache(in, newsize);
  // Data between the on-disk and the new EOF must be on disk before the size is logged.
  const loff_t disk_size = di_size(ip);
  if (newsize > disk_size && oldsize != disk_size) {
    const int err = filemap_write_and_wait_range(in, disk_size, newsize - 1);
    if (err) return err;
  }
  xfs_trans_alloc(ip);
  xfs_ilock(ip, XFS_ILOCK_EXCL);
  set_di_size(ip, newsize);
  if (newsize <= oldsize) xfs_itruncate_extents(ip, newsize);
  xfs_trans_commit(ip);
  xfs_iunlock(ip, XFS_ILOCK_EXCL);
  return 0;
}

}  // namespace dc::kern
