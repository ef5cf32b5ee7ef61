// The filesystems of the iomap-era variants (6.6, 6.18): their FsType on top of the iomap
// engine (impl/iomap/direct_io.cpp).
#pragma once
#include "impl/vfs.hpp"

namespace dc::kern {

FsType* ext4_iomap_fs_type();  // impl/iomap/ext4_file.cpp
FsType* xfs_iomap_fs_type();   // impl/iomap/xfs_file.cpp

// What the iomap-era filesystems keep from the 3.x port (superblock setup, buffered
// writeback, eviction, inode setup: not re-ported for 6.x) is forwarded to the 3.x FsType
// `Base()`.
template <FsType* (*Base)()>
class LegacyWritebackFs : public FsType {
 public:
  int fill_super(super_block* sb) override { return Base()->fill_super(sb); }
  void put_super(super_block* sb) override { Base()->put_super(sb); }
  int writepage_map(inode* in, std::uint64_t lblk, std::uint64_t* pblk) override {
    return Base()->writepage_map(in, lblk, pblk);
  }
  void writepage_end_io(inode* in, std::uint64_t lblk) override { Base()->writepage_end_io(in, lblk); }
  void evict_inode(inode* in) override { Base()->evict_inode(in); }
  void init_inode(inode* in) override { Base()->init_inode(in); }

 protected:
  static FsType* base() { return Base(); }
};

}  // namespace dc::kern
