// Port of the XFS direct-I/O write path and its completion (fs/xfs/{xfs_file,xfs_aops,
// xfs_iomap,xfs_iops,xfs_super}.c) for 3.11, 7b7a8665, 3.12 and 3.12-fixed.
//
// Lock model: IOLOCK (i_iolock) and ILOCK (i_lock) are rw_semaphores; xfs_rw_ilock also takes
// i_mutex for IOLOCK_EXCL. The XFS log is the substrate's journal: a transaction is a
// jbd2 handle (xfs_trans_alloc may sleep), a log force is a journal commit. The on-disk
// inode size (i_d.di_size) is file_meta::disksize.
#pragma once

#include <set>

#include "impl/vfs.hpp"

namespace dc::kern {

enum xfs_io_type : unsigned { XFS_IO_DIRECT = 0, XFS_IO_DELALLOC, XFS_IO_UNWRITTEN, XFS_IO_OVERWRITE };

struct xfs_ioend;
struct xfs_ioend_work {
  work_struct work;  // first member: handed to m_unwritten_workqueue / m_data_workqueue
  xfs_ioend* owner = nullptr;
};

// xfs_ioend_t (xfs_aops.h); the 3.11 fields io_iocb/io_result/io_isasync are gone in 3.12.
struct xfs_ioend {
  unsigned io_type = XFS_IO_DIRECT;
  int io_error = 0;             // negative errno
  atomic_t io_remaining;        // 1 at allocation; for DIO only end_io decrements it
  bool io_isasync = false;      // 3.11
  bool io_isdirect = false;     // offset + size > di_size at submission
  struct inode* io_inode = nullptr;
  void* io_append_trans = nullptr;  // buffered writeback only: always NULL for DIO
  loff_t io_offset = 0;
  ssize_t io_size = 0;
  kiocb* io_iocb = nullptr;     // 3.11
  ssize_t io_result = 0;        // 3.11
  xfs_ioend_work io_work;
  // port: what the model was told (IoEndUnwritten 1 and not yet 0)
  bool conv_pending = false;
  model::ObjId id = 0;
  std::uint32_t op = model::kNoOp;
};

// struct xfs_mount: the per-superblock part (sb->s_fs_info).
struct xfs_mount {
  super_block* m_super = nullptr;
  workqueue_struct* m_data_workqueue = nullptr;       // "xfs-data/<fsname>"
  workqueue_struct* m_unwritten_workqueue = nullptr;  // "xfs-conv/<fsname>"
  bool m_shutdown = false;                            // XFS_FORCED_SHUTDOWN
};

// struct xfs_inode: the XFS part of the in-core inode (inode->i_private in this port).
struct xfs_inode {
  struct inode* vfs = nullptr;
  xfs_mount* i_mount = nullptr;
  rw_semaphore i_iolock;
  rw_semaphore i_lock;  // ILOCK (mrlock)
  spinlock_t i_flags_lock;
  // Blocks under writeback whose ioend is XFS_IO_UNWRITTEN (unwritten when mapped): their
  // completion converts. A block has one writeback at a time (PG_locked, PG_writeback).
  std::set<std::uint64_t> i_wb_unwritten;
};

// The XFS FsType (no state of its own).
FsType* xfs_fs_type();

}  // namespace dc::kern
