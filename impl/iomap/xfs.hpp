// XFS on the iomap engine (6.6 / 6.18): what the files of its port share. xfs_iomap.cpp
// (fs/xfs/xfs_iomap.c, xfs_setfilesize of xfs_aops.c), xfs_iops.cpp (xfs_setattr_size),
// xfs_file.cpp (fs/xfs/xfs_file.c and the FsType).
#pragma once
#include "impl/fs/xfs_internal.hpp"
#include "impl/iomap/iomap.hpp"

namespace dc::kern {

extern const iomap_ops xfs_direct_write_iomap_ops;
extern const iomap_ops xfs_read_iomap_ops;

// Logs the on-disk size of an I/O [offset, offset + size) that ended past it (a transaction).
int xfs_setfilesize(xfs_inode* ip, loff_t offset, ssize_t size);

// The 6.x xfs_setattr_size: IOLOCK (i_rwsem) held exclusive by the caller.
int xfs_setattr_size(xfs_inode* ip, loff_t newsize);

}  // namespace dc::kern
