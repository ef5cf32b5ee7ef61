// Port of the iomap direct-I/O engine (fs/iomap/direct-io.c, include/linux/iomap.h) of Linux
// 6.6 and 6.18, the kernels model::Kernel::V6_6 / V6_18 name (impl/README.md pins the
// releases). Filesystems plug in through iomap_ops (->iomap_begin/->iomap_end) and
// iomap_dio_ops (->end_io), as in the kernel.
#pragma once
#include <cstdint>

#include "impl/vfs.hpp"

namespace dc::kern {

// struct iomap: one mapping returned by ->iomap_begin.
enum iomap_type : unsigned { IOMAP_HOLE = 0, IOMAP_DELALLOC, IOMAP_MAPPED, IOMAP_UNWRITTEN };
enum : unsigned { IOMAP_F_NEW = 1u << 0, IOMAP_F_DIRTY = 1u << 1, IOMAP_F_SHARED = 1u << 2 };
struct iomap {
  std::uint64_t addr_blk = 0;  // first physical block (iomap->addr >> blkbits)
  loff_t offset = 0;           // file offset of the mapping (block aligned)
  loff_t length = 0;           // bytes
  unsigned type = IOMAP_HOLE;
  unsigned flags = 0;
};

// iomap_iter.flags passed to ->iomap_begin
enum : unsigned {
  IOMAP_WRITE = 1u << 0,
  IOMAP_DIRECT = 1u << 4,
  IOMAP_NOWAIT = 1u << 5,
  IOMAP_OVERWRITE_ONLY = 1u << 6,
};

struct iomap_ops {
  // Maps [pos, pos + length): fills *out (which may cover less) or returns -errno.
  int (*iomap_begin)(inode* in, loff_t pos, loff_t length, unsigned flags, iomap* out) = nullptr;
  // After the mapping was used: `written` bytes of it. NULL for most.
  int (*iomap_end)(inode* in, loff_t pos, loff_t length, ssize_t written, unsigned flags,
                   iomap* m) = nullptr;
};

// Flags iomap passes to ->end_io (the low bits of dio->flags).
enum : unsigned { IOMAP_DIO_UNWRITTEN = 1u << 0, IOMAP_DIO_COW = 1u << 1 };
struct iomap_dio_ops {
  // Returns the error, 0, or a positive count used as the result.
  ssize_t (*end_io)(kiocb* iocb, ssize_t size, int error, unsigned flags) = nullptr;
};

// Public dio_flags of iomap_dio_rw (kept apart from dio->flags, whose low bits they collide
// with).
enum : unsigned {
  IOMAP_DIO_FORCE_WAIT = 1u << 0,
  IOMAP_DIO_OVERWRITE_ONLY = 1u << 1,
};

// iomap_dio_rw: the whole call (submission, then iomap_dio_complete in the submitter when
// it owns the last reference). Returns bytes, -errno, -EIOCBQUEUED, or 0 (with -ENOTBLK
// turned into a wait: the caller falls back to buffered I/O for the rest).
ssize_t iomap_dio_rw(kiocb* iocb, const user_buf& buf, bool write, const iomap_ops* ops,
                     const iomap_dio_ops* dops, unsigned dio_flags);

}  // namespace dc::kern
