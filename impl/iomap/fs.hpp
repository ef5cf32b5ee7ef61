// The filesystems of the iomap-era variants (6.6, 6.18): their FsType on top of the iomap
// engine (impl/iomap/direct_io.cpp).
#pragma once
#include "impl/vfs.hpp"

namespace dc::kern {

FsType* ext4_iomap_fs_type();  // impl/iomap/ext4_file.cpp
FsType* xfs_iomap_fs_type();   // impl/iomap/xfs_file.cpp

}  // namespace dc::kern
