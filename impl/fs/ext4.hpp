// Port of the ext4 extent-file direct-I/O glue (fs/ext4/{file,inode,page-io,indirect,
// extents,super}.c) for 3.11, 7b7a8665, 3.12 and 3.12-fixed.
#pragma once
#include "impl/vfs.hpp"

namespace dc::kern {

enum : unsigned { EXT4_IO_END_UNWRITTEN = 0x1u, EXT4_IO_END_DIRECT = 0x2u /* 3.11 */ };

struct ext4_io_end_t {
  struct inode* inode = nullptr;
  unsigned flag = 0;
  loff_t offset = 0;
  ssize_t size = 0;
  atomic_t count;
  kiocb* iocb = nullptr;  // 3.11 only
  ssize_t result = 0;     // 3.11 only
  bool on_list = false;   // 3.11: queued on i_unrsv_conversion_list
  model::ObjId id = 0;
};

// The ext4 FsType (one instance per process is enough: it has no state of its own).
FsType* ext4_fs_type();

}  // namespace dc::kern
