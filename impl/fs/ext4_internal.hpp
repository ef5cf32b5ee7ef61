// The ext4 pieces the 3.x glue (impl/fs/ext4.cpp) and the iomap-era glue
// (impl/iomap/ext4_file.cpp) share: block mapping, conversion, truncate, i_disksize.
#pragma once
#include <cstdint>

#include "impl/vfs.hpp"

namespace dc::kern {

// ext4_map_blocks flags
enum : int {
  EXT4_GET_BLOCKS_CREATE = 0x1,
  EXT4_GET_BLOCKS_UNINIT_EXT = 0x2,
  EXT4_GET_BLOCKS_PRE_IO = 0x8,
  EXT4_GET_BLOCKS_CONVERT = 0x10,
  EXT4_GET_BLOCKS_NO_LOCK = 0x100,
  EXT4_GET_BLOCKS_IO_CREATE_EXT =
      EXT4_GET_BLOCKS_PRE_IO | EXT4_GET_BLOCKS_UNINIT_EXT | EXT4_GET_BLOCKS_CREATE,
  EXT4_GET_BLOCKS_CREATE_UNINIT_EXT = EXT4_GET_BLOCKS_UNINIT_EXT | EXT4_GET_BLOCKS_CREATE,
};
// ext4_map_blocks result flags (same bit positions as the buffer_head states)
enum : unsigned {
  EXT4_MAP_MAPPED = 1u << BH_Mapped,
  EXT4_MAP_NEW = 1u << BH_New,
  EXT4_MAP_UNWRITTEN = 1u << BH_Unwritten,
};

struct ext4_map_blocks_t {
  std::uint64_t m_lblk = 0;
  std::uint64_t m_pblk = 0;
  std::uint64_t m_len = 0;
  unsigned m_flags = 0;
};

void set_extent(inode* in, std::uint64_t lblk, std::uint64_t n, ExtentState st);
// Returns the number of blocks mapped (> 0), 0 for an unmapped result, or -errno.
int ext4_map_blocks(inode* in, ext4_map_blocks_t* map, int flags);
// Journalled per chunk; emits ConvertStart/ConvertDone.
int ext4_convert_unwritten_extents(inode* in, loff_t offset, ssize_t len);
void ext4_truncate(inode* in, loff_t size);
void ext4_truncate_failed_write(inode* in);
void ext4_update_i_disksize(inode* in, loff_t size);
void ext4_alloc_file_blocks(inode* in, loff_t offset, loff_t len);

}  // namespace dc::kern
