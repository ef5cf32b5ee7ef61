// ext4 on the iomap engine (6.6 / 6.18): fs/ext4/file.c (ext4_dio_write_iter and its checks,
// ext4_dio_write_end_io, ext4_handle_inode_extension, ext4_dio_read_iter, the buffered
// fallback), fs/ext4/inode.c (ext4_iomap_begin / ext4_iomap_alloc / ext4_set_iomap,
// ext4_setattr for ATTR_SIZE) and ext4_fallocate. Writeback, fsync and eviction are the
// port's ext4 ones (impl/fs/ext4.cpp), which have no version differences that matter here.
#include <algorithm>

#include "impl/fs/ext4.hpp"
#include "impl/fs/ext4_internal.hpp"
#include "impl/iomap/fs.hpp"
#include "impl/iomap/iomap.hpp"
#include "impl/kernel/execution.hpp"

namespace dc::kern {
namespace {

file_meta& meta_of(inode* in) { return *in->i_meta; }
loff_t i_disksize(inode* in) {
  kaccess(&meta_of(in).disksize, Access::Read);  // READ_ONCE(EXT4_I(inode)->i_disksize)
  return meta_of(in).disksize;
}

// ext4_inode_datasync_dirty: the running transaction holds changes of this inode (its
// metadata differs from the last committed one). Makes iomap mark the mapping F_DIRTY, so a
// datasync write is not completed by FUA alone.
bool ext4_inode_datasync_dirty(inode* in) { return journal_meta_dirty(*in->i_sb->s_disk, in->i_ino); }

// ext4_set_iomap
void ext4_set_iomap(inode* in, iomap* m, const ext4_map_blocks_t& map, loff_t offset, loff_t length) {
  const unsigned blkbits = in->i_blkbits;
  m->flags = 0;
  if (ext4_inode_datasync_dirty(in) || offset + length > i_size_read(in)) m->flags |= IOMAP_F_DIRTY;
  if (map.m_flags & EXT4_MAP_NEW) m->flags |= IOMAP_F_NEW;
  m->offset = static_cast<loff_t>(map.m_lblk) << blkbits;
  m->length = static_cast<loff_t>(map.m_len) << blkbits;
  m->addr_blk = map.m_pblk;
  if (map.m_flags & EXT4_MAP_UNWRITTEN)
    m->type = IOMAP_UNWRITTEN;
  else if (map.m_flags & EXT4_MAP_MAPPED)
    m->type = IOMAP_MAPPED;
  else
    m->type = IOMAP_HOLE;
}

void map_range(inode* in, loff_t offset, loff_t length, ext4_map_blocks_t* map) {
  const unsigned blkbits = in->i_blkbits;
  map->m_lblk = static_cast<std::uint64_t>(offset >> blkbits);
  const auto last = static_cast<std::uint64_t>((offset + length - 1) >> blkbits);
  map->m_len = last - map->m_lblk + 1;
}

// ext4_iomap_alloc: blocks at or past i_size are allocated written (and zeroed at the edges
// by iomap: F_NEW), blocks inside i_size unwritten (converted at ->end_io).
int ext4_iomap_alloc(inode* in, ext4_map_blocks_t* map) {
  journal_t* j = in->i_sb->s_journal;
  const unsigned blkbits = in->i_blkbits;
  jbd2_journal_start(j);
  const int flags = (static_cast<loff_t>(map->m_lblk) << blkbits) >= i_size_read(in)
                        ? EXT4_GET_BLOCKS_CREATE
                        : EXT4_GET_BLOCKS_IO_CREATE_EXT;
  const int r = ext4_map_blocks(in, map, flags);
  jbd2_journal_stop(j);
  return r < 0 ? r : (r == 0 ? -EIO : 0);
}

int ext4_iomap_begin(inode* in, loff_t offset, loff_t length, unsigned flags, iomap* m) {
  ext4_map_blocks_t map;
  map_range(in, offset, length, &map);
  if (flags & IOMAP_WRITE) {
    // An overwrite of written blocks inside i_size needs no transaction.
    bool mapped = false;
    if (offset + length <= i_size_read(in)) {
      const int r = ext4_map_blocks(in, &map, 0);
      mapped = r > 0 && (map.m_flags & EXT4_MAP_MAPPED);
    }
    if (!mapped) {
      map_range(in, offset, length, &map);
      const int r = ext4_iomap_alloc(in, &map);
      if (r < 0) return r;
    }
  } else {
    const int r = ext4_map_blocks(in, &map, 0);
    if (r < 0) return r;
  }
  ext4_set_iomap(in, m, map, offset, length);
  return 0;
}

// 6.6 only: a direct write that wrote nothing falls back to buffered I/O.
int ext4_iomap_end(inode*, loff_t, loff_t, ssize_t written, unsigned flags, iomap*) {
  if ((flags & IOMAP_DIRECT) && (flags & IOMAP_WRITE) && written == 0) return -ENOTBLK;
  return 0;
}

// ext4_iomap_overwrite_begin: shared i_rwsem, all blocks written: map without IOMAP_WRITE.
int ext4_iomap_overwrite_begin(inode* in, loff_t offset, loff_t length, unsigned flags, iomap* m) {
  const int r = ext4_iomap_begin(in, offset, length, flags & ~IOMAP_WRITE, m);
  WARN_ON(r == 0 && m->type != IOMAP_MAPPED, "ext4_iomap_overwrite_begin: not mapped");
  return r;
}

const iomap_ops ext4_iomap_ops_66{ext4_iomap_begin, ext4_iomap_end};
const iomap_ops ext4_iomap_ops_618{ext4_iomap_begin, nullptr};
const iomap_ops ext4_iomap_overwrite_ops_66{ext4_iomap_overwrite_begin, ext4_iomap_end};
const iomap_ops ext4_iomap_overwrite_ops_618{ext4_iomap_overwrite_begin, nullptr};
const iomap_ops* ext4_iomap_ops() {
  return variant_has(Fix::Ext4IomapEndNotblk) ? &ext4_iomap_ops_66 : &ext4_iomap_ops_618;
}
const iomap_ops* ext4_iomap_overwrite_ops() {
  return variant_has(Fix::Ext4IomapEndNotblk) ? &ext4_iomap_overwrite_ops_66 : &ext4_iomap_overwrite_ops_618;
}

// ext4_update_inode_size: raise i_size and i_disksize (never lowers them).
bool ext4_update_inode_size(inode* in, loff_t size) {
  bool changed = false;
  if (size > i_size_read(in)) {
    i_size_write(in, size);
    changed = true;
  }
  if (size > meta_of(in).disksize) {
    ext4_update_i_disksize(in, size);
    changed = true;
  }
  return changed;
}

// ext4_handle_inode_extension: i_rwsem held exclusive (the write was FORCE_WAIT).
ssize_t ext4_handle_inode_extension(inode* in, loff_t offset, ssize_t written, ssize_t count) {
  WARN_ON(in->i_rwsem.writer != current_actor(), "ext4_handle_inode_extension: i_rwsem not held for write");
  journal_t* j = in->i_sb->s_journal;
  jbd2_journal_start(j);
  ext4_update_inode_size(in, offset + written);
  (void)count;  // written == count: ext4_orphan_del in this handle (the orphan list is not modelled)
  jbd2_journal_stop(j);
  return written;
}

// ext4_inode_extension_cleanup (6.6.55+ / 6.18 form): a failed extending write gives back
// what it allocated past i_size and leaves the orphan list.
void ext4_inode_extension_cleanup(inode* in, bool need_trunc) {
  if (need_trunc) ext4_truncate_failed_write(in);
}

// Whether the extending write's sizes are ext4_dio_write_iter's business after iomap_dio_rw
// (6.6.0) rather than ->end_io's (91562895f803).
bool ext4_size_after_dio_rw() {
  return !variant_has(Fix::Ext4DioSizeInEndIo) || mutant_on(Mutant::Ext4SizeAfterDioSync);
}

ssize_t ext4_dio_write_end_io(kiocb* iocb, ssize_t size, int error, unsigned flags) {
  const loff_t pos = iocb->ki_pos;
  inode* in = iocb->ki_filp->f_inode;
  if (!error && size && (flags & IOMAP_DIO_UNWRITTEN)) error = ext4_convert_unwritten_extents(in, pos, size);
  if (error) return error;
  if (ext4_size_after_dio_rw()) {
    // 6.6.0 (and mutant ext4-size-after-dio-sync on later releases): only i_size here;
    // i_disksize moves in ext4_dio_write_iter after iomap_dio_rw returned, i.e. after
    // iomap_dio_complete's generic_write_sync.
    if (pos + size > i_size_read(in)) i_size_write(in, pos + size);
    return size;
  }
  // 6.6.3 91562895f803 (+ 6.6.8: also the i_size test): the size moves here, before iomap's
  // generic_write_sync, not after iomap_dio_rw returned.
  if (pos + size <= i_disksize(in) && pos + size <= i_size_read(in)) return size;
  return ext4_handle_inode_extension(in, pos, size, size);
}
const iomap_dio_ops ext4_dio_write_ops{ext4_dio_write_end_io};

// ext4_should_use_dio: ext4_dio_alignment is 1 ("use the iomap defaults") for a plain
// extent file, so DIO is always used and iomap_dio_bio_iter checks the alignment per bio.
bool ext4_should_use_dio(kiocb*, const user_buf&) { return true; }

bool ext4_overwrite_io(inode* in, loff_t pos, loff_t len, bool* unwritten) {
  if (pos + len > i_size_read(in)) return false;
  ext4_map_blocks_t map;
  map_range(in, pos, len, &map);
  const std::uint64_t blklen = map.m_len;
  const int err = ext4_map_blocks(in, &map, 0);
  if (err <= 0 || static_cast<std::uint64_t>(err) != blklen) return false;
  *unwritten = !(map.m_flags & EXT4_MAP_MAPPED);
  return true;
}

ssize_t ext4_buffered_write_iter(kiocb* iocb, const user_buf& buf) {
  inode* in = iocb->ki_filp->f_inode;
  if (iocb->ki_nowait) return -EOPNOTSUPP;  // no async buffered writes on ext4
  inode_lock(in);
  const ssize_t ret = generic_perform_write(in, buf, iocb->ki_pos);
  if (ret > 0) iocb->ki_pos += ret;
  inode_unlock(in);
  if (ret <= 0) return ret;
  const int err = generic_write_sync(iocb->ki_filp, iocb->ki_pos - ret, ret, iocb->ki_dsync);
  return err < 0 ? err : ret;
}

ssize_t ext4_dio_write_iter(kiocb* iocb, const user_buf& buf) {
  inode* in = iocb->ki_filp->f_inode;
  const loff_t bs = in->i_sb->s_blocksize;
  const loff_t offset = iocb->ki_pos;
  const loff_t count = buf.len;
  bool ilock_shared = offset + count <= i_size_read(in);  // unlocked quick check
  if (iocb->ki_nowait) {  // IOCB_NOWAIT (io_uring's first issue): never sleep on i_rwsem
    if (!(ilock_shared ? inode_trylock_shared(in) : inode_trylock(in))) return -EAGAIN;
  } else if (ilock_shared) {
    inode_lock_shared(in);
  } else {
    inode_lock(in);
  }
  auto unlock = [&] {
    if (ilock_shared)
      inode_unlock_shared(in);
    else
      inode_unlock(in);
  };
  if (!ext4_should_use_dio(iocb, buf)) {
    unlock();
    return ext4_buffered_write_iter(iocb, buf);
  }
  if (count == 0) {
    unlock();
    return 0;
  }
  // ext4_dio_write_checks
  bool extend = false, unwritten = false, overwrite = false;
  unsigned dio_flags = 0;
  for (;;) {
    const bool unaligned_io = ((offset | count) & (bs - 1)) != 0;
    extend = offset + count > i_size_read(in) || offset + count > i_disksize(in);
    unwritten = false;
    overwrite = ext4_overwrite_io(in, offset, count, &unwritten);
    if (ilock_shared && (extend || !overwrite || (unaligned_io && unwritten))) {
      if (iocb->ki_nowait) {
        unlock();
        return -EAGAIN;
      }
      inode_unlock_shared(in);  // not an upgrade: unlock, lock, restart
      ilock_shared = false;
      inode_lock(in);
      continue;
    }
    if (!ilock_shared && (unaligned_io || extend)) {
      if (iocb->ki_nowait) {  // would wait for other DIO (FORCE_WAIT, inode_dio_wait)
        unlock();
        return -EAGAIN;
      }
      if (unaligned_io && (!overwrite || unwritten)) inode_dio_wait(in);
      dio_flags = IOMAP_DIO_FORCE_WAIT;
    }
    break;
  }
  if (extend) {
    jbd2_journal_start(in->i_sb->s_journal);  // ext4_orphan_add
    jbd2_journal_stop(in->i_sb->s_journal);
  }
  const iomap_ops* ops = ilock_shared && !unwritten ? ext4_iomap_overwrite_ops() : ext4_iomap_ops();
  ssize_t ret = iomap_dio_rw(iocb, buf, true, ops, &ext4_dio_write_ops, dio_flags);
  if (ret == -ENOTBLK) ret = 0;
  if (extend && ret > 0 && ext4_size_after_dio_rw())
    ext4_handle_inode_extension(in, offset, ret, count);  // 6.6.0: after the sync
  if (extend) {
    WARN_ON(ret == -EIOCBQUEUED, "ext4_dio_write_iter: extending write queued");
    ext4_inode_extension_cleanup(in, ret < 0);
  }
  unlock();
  // A short (or refused) direct write: the rest through the page cache, then written back
  // and dropped so later direct reads see it. (After -EIOCBQUEUED the iocb may be gone.)
  if (ret >= 0 && ret < count) {
    user_buf rest = buf;
    rest.len = count - ret;
    const loff_t start = offset + ret;
    iocb->ki_pos = start;
    const ssize_t err = ext4_buffered_write_iter(iocb, rest);
    if (err < 0) return err;
    ret += err;
    if (filemap_write_and_wait_range(in, start, start + err - 1) == 0 && in->i_mapping.nrpages() > 0)
      invalidate_inode_pages2_range(in, start, start + err - 1);  // invalidate_mapping_pages
  }
  return ret;
}

ssize_t ext4_dio_read_iter(kiocb* iocb, const user_buf& buf) {
  inode* in = iocb->ki_filp->f_inode;
  if (iocb->ki_nowait) {
    if (!inode_trylock_shared(in)) return -EAGAIN;
  } else {
    inode_lock_shared(in);
  }
  if (!ext4_should_use_dio(iocb, buf)) {
    inode_unlock_shared(in);
    return generic_file_buffered_read(in, buf.read, iocb->ki_pos, buf.len);
  }
  const ssize_t ret = iomap_dio_rw(iocb, buf, false, ext4_iomap_ops(), nullptr, 0);
  inode_unlock_shared(in);
  return ret;
}

// The ext4 FsType of the iomap era: the DIO entry points above; the rest is the port's ext4.
class Ext4Iomap final : public LegacyWritebackFs<ext4_fs_type> {
 public:
  const char* name() const override { return "ext4"; }

  // ext4_file_write_iter
  ssize_t aio_write(kiocb* iocb, const user_buf& buf, loff_t pos) override {
    iocb->ki_pos = pos;
    if (iocb->ki_filp->f_flags & O_DIRECT_) return ext4_dio_write_iter(iocb, buf);
    return ext4_buffered_write_iter(iocb, buf);
  }

  // ext4_file_read_iter
  ssize_t aio_read(kiocb* iocb, const user_buf& buf, loff_t pos) override {
    iocb->ki_pos = pos;
    if (buf.len == 0) return 0;
    if (iocb->ki_filp->f_flags & O_DIRECT_) return ext4_dio_read_iter(iocb, buf);
    return generic_file_buffered_read(iocb->ki_filp->f_inode, buf.read, pos, buf.len);
  }

  ssize_t direct_IO(int, kiocb*, const user_buf&, loff_t) override {
    return -EINVAL;  // iomap filesystems have no ->direct_IO for this path
  }

  int fsync(file* f, loff_t start, loff_t end, int datasync) override {
    return base()->fsync(f, start, end, datasync);
  }

  // ext4_setattr(ATTR_SIZE), i_rwsem held: a shrink first waits for DIO in flight ("Blocks
  // are going to be removed from the inode"), then i_disksize and i_size move together in
  // one handle, then the page cache and the blocks go.
  int setattr_size(inode* in, loff_t size) override {
    const loff_t old = i_size_read(in);
    const bool shrink = size < old;
    ktrace(model::EvKind::Truncate, in->id, old, size);
    if (shrink) inode_dio_wait(in);
    journal_t* j = in->i_sb->s_journal;
    if (size != old) {
      jbd2_journal_start(j);
      down_write(&in->i_data_sem);
      ktrace(model::EvKind::DiskSizeUpdate, in->id, meta_of(in).disksize, size);
      meta_of(in).disksize = size;
      i_size_write(in, size);
      up_write(&in->i_data_sem);
      jbd2_journal_stop(j);
    }
    truncate_pagecache(in, size);
    if (size <= old) ext4_truncate(in, size);
    return 0;
  }

  // ext4_fallocate (mode 0 or KEEP_SIZE): i_rwsem, wait for DIO in flight, unwritten extents.
  long fallocate(file* f, bool keep_size, loff_t offset, loff_t len) override {
    inode* in = f->f_inode;
    if (len <= 0) return -EINVAL;
    journal_t* j = in->i_sb->s_journal;
    inode_lock(in);
    inode_dio_wait(in);  // newcomers block on i_rwsem
    ext4_alloc_file_blocks(in, offset, len);
    if (!keep_size && offset + len > i_size_read(in)) {
      jbd2_journal_start(j);
      ext4_update_inode_size(in, offset + len);
      jbd2_journal_stop(j);
    }
    inode_unlock(in);
    return 0;
  }

};

}  // namespace

FsType* ext4_iomap_fs_type() {
  static Ext4Iomap fs;
  return &fs;
}

}  // namespace dc::kern
