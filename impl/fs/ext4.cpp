// ext4 extent files, direct I/O. Kernel function names throughout; variant differences go
// through variant_has(Fix::...).
#include "impl/fs/ext4.hpp"
#include "impl/fs/ext4_internal.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "impl/aio.hpp"
#include "impl/direct_io.hpp"
#include "impl/kernel/execution.hpp"

namespace dc::kern {
namespace {

constexpr const char* kIoEndCache = "io_end";

file_meta& meta_of(inode* in) { return *in->i_meta; }

void ext4_set_inode_state(inode* in, unsigned bit) {
  sched_point(&in->ext4_state);
  in->ext4_state |= bit;
}
bool ext4_test_inode_state(inode* in, unsigned bit) {
  sched_point(&in->ext4_state, Access::Read);
  return in->ext4_state & bit;
}
void ext4_clear_inode_state(inode* in, unsigned bit) {
  sched_point(&in->ext4_state);
  in->ext4_state &= ~static_cast<unsigned long>(bit);
}

ext4_io_end_t* ext4_inode_aio(inode* in) { return static_cast<ext4_io_end_t*>(READ_ONCE(in->i_private)); }
void ext4_inode_aio_set(inode* in, ext4_io_end_t* io) { WRITE_ONCE<void*>(in->i_private, io); }

// ---- io_end ----------------------------------------------------------------------------------

void ext4_set_io_unwritten_flag(inode* in, ext4_io_end_t* io_end) {
  kasan_check(io_end, "ext4_set_io_unwritten_flag");
  if (!(io_end->flag & EXT4_IO_END_UNWRITTEN)) {
    io_end->flag |= EXT4_IO_END_UNWRITTEN;
    atomic_inc(&in->i_unwritten);
    ktrace(model::EvKind::IoEndUnwritten, io_end->id, 1);
  }
}

void ext4_clear_io_unwritten_flag(ext4_io_end_t* io_end) {
  inode* in = io_end->inode;
  if (io_end->flag & EXT4_IO_END_UNWRITTEN) {
    io_end->flag &= ~EXT4_IO_END_UNWRITTEN;
    ktrace(model::EvKind::IoEndUnwritten, io_end->id, 0);
    if (atomic_dec_and_test(&in->i_unwritten)) wake_up_all(&in->i_ioend_wq);
  }
}

ext4_io_end_t* ext4_init_io_end(inode* in, gfp_t gfp) {
  auto* io = kzalloc<ext4_io_end_t>(kIoEndCache, gfp);
  if (!io) return nullptr;
  io->id = kobj_of(io);
  atomic_inc(&in->i_ioend_count);
  io->inode = in;
  io->count.counter = 1;
  ktrace(model::EvKind::IoEndAlloc, io->id);
  return io;
}

ext4_io_end_t* ext4_get_io_end(ext4_io_end_t* io) {
  kasan_check(io, "ext4_get_io_end");
  const int c = atomic_inc_return(&io->count);
  ktrace(model::EvKind::IoEndGet, io->id, c);
  return io;
}

void ext4_release_io_end(ext4_io_end_t* io) {
  kasan_check(io, "ext4_release_io_end");
  inode* in = io->inode;
  BUG_ON(io->on_list, "ext4_release_io_end: io_end still on a list");
  BUG_ON(io->flag & EXT4_IO_END_UNWRITTEN, "ext4_release_io_end: UNWRITTEN still set");
  if (atomic_dec_and_test(&in->i_ioend_count)) wake_up_all(&in->i_ioend_wq);
  // Mutant dio-count-double-dec: the EXT4_IO_END_DIRECT-style decrement of the pre-seed
  // structure survives next to the one in dio_complete (every io_end here is a DIO's).
  if (variant_has(Fix::GenericDeferredCompletion) && mutant_on(Mutant::DioCountDoubleDec))
    inode_dio_done(in);
  if (!variant_has(Fix::GenericDeferredCompletion)) {
    // 3.11: the io_end carried the DIO completion.
    if (io->flag & EXT4_IO_END_DIRECT) inode_dio_done(in);
    if (io->iocb) aio_complete(io->iocb, io->result, 0);
  }
  ktrace(model::EvKind::IoEndFree, io->id);
  kfree(io, kIoEndCache);
}

int ext4_put_io_end(ext4_io_end_t* io) {
  kasan_check(io, "ext4_put_io_end");
  int err = 0;
  const int c = atomic_dec_return(&io->count);
  ktrace(model::EvKind::IoEndPut, io->id, c);
  if (c == 0) {
    if (io->flag & EXT4_IO_END_UNWRITTEN) {
      err = ext4_convert_unwritten_extents(io->inode, io->offset, io->size);
      ext4_clear_io_unwritten_flag(io);
    }
    ext4_release_io_end(io);
  }
  return err;
}

// ---- 3.11: the unreserved conversion workqueue -------------------------------------------------

void ext4_end_io(ext4_io_end_t* io) {
  const int ret = ext4_convert_unwritten_extents(io->inode, io->offset, io->size);
  if (ret < 0) WARN("ext4_end_io: failed to convert unwritten extents (potential data loss)");
  ext4_clear_io_unwritten_flag(io);
  ext4_release_io_end(io);
}

void ext4_end_io_unrsv_work(work_struct* w) {
  inode* in = reinterpret_cast<inode_work*>(w)->owner;
  kasan_check(in, "ext4_end_io_unrsv_work");
  // ext4_do_flush_completed_IO: splice the list under the lock, then convert each.
  irqflags_t fl;
  spin_lock_irqsave(&in->i_completed_io_lock, fl);
  std::vector<void*> todo;
  todo.swap(in->i_unrsv_conversion_list);
  spin_unlock_irqrestore(&in->i_completed_io_lock, fl);
  for (void* p : todo) {
    auto* io = static_cast<ext4_io_end_t*>(p);
    if (Tracer* t = Tracer::current(); t && io->iocb) t->set_op(current_actor(), io->iocb->ki_op);
    io->on_list = false;
    ext4_end_io(io);
  }
}

void ext4_add_complete_io(ext4_io_end_t* io) {
  inode* in = io->inode;
  irqflags_t fl;
  spin_lock_irqsave(&in->i_completed_io_lock, fl);
  workqueue_struct* wq = in->i_sb->unrsv_conversion_wq;
  if (in->i_unrsv_conversion_list.empty()) queue_work(wq, &in->i_unrsv_conversion_work.work);
  io->on_list = true;
  in->i_unrsv_conversion_list.push_back(io);
  spin_unlock_irqrestore(&in->i_completed_io_lock, fl);
}

void ext4_put_io_end_defer(ext4_io_end_t* io) {
  kasan_check(io, "ext4_put_io_end_defer");
  const int c = atomic_dec_return(&io->count);
  ktrace(model::EvKind::IoEndPut, io->id, c);
  if (c == 0) {
    if (!(io->flag & EXT4_IO_END_UNWRITTEN) || !io->size) {
      ext4_release_io_end(io);
      return;
    }
    ext4_add_complete_io(io);
  }
}

// ---- block mapping -----------------------------------------------------------------------------

void flag_pending_conversion(inode* in) {
  // ext4_ext_map_blocks, PRE_IO: mark the AIO io_end, or the inode for sync DIO.
  // (109811c20fb8 moved this into the get_block functions.)
  if (variant_has(Fix::Ext4IoEndViaBPrivate)) return;
  if (ext4_io_end_t* io = ext4_inode_aio(in))
    ext4_set_io_unwritten_flag(in, io);
  else
    ext4_set_inode_state(in, EXT4_STATE_DIO_UNWRITTEN);
}

}  // namespace

// Shared with the iomap-era ext4 (impl/iomap/ext4_file.cpp) through ext4_internal.hpp.
void set_extent(inode* in, std::uint64_t lblk, std::uint64_t n, ExtentState st) {
  for (std::uint64_t i = 0; i < n; ++i) meta_of(in).at(lblk + i).state = st;
  ktrace(model::EvKind::ExtentMap, in->id, static_cast<std::int64_t>(lblk),
         static_cast<std::int64_t>(n), static_cast<std::int64_t>(st));
}

// Returns the number of blocks mapped (> 0), 0 for an unmapped result, or -errno.
int ext4_map_blocks(inode* in, ext4_map_blocks_t* map, int flags) {
  const bool nolock = flags & EXT4_GET_BLOCKS_NO_LOCK;
  const bool create = flags & EXT4_GET_BLOCKS_CREATE;
  if (create && !nolock)
    down_write(&in->i_data_sem);
  else if (!nolock)
    down_read(&in->i_data_sem);
  file_meta& m = meta_of(in);
  const extent first = m.get(map->m_lblk);
  std::uint64_t n = 1;
  while (n < map->m_len) {
    const extent& e = m.get(map->m_lblk + n);
    if (e.state != first.state) break;
    if (first.state != ExtentState::Hole && e.pblk != first.pblk + n) break;
    ++n;
  }
  map->m_len = n;
  map->m_pblk = first.pblk;
  int ret = 0;
  switch (first.state) {
    case ExtentState::Written:
      map->m_flags = EXT4_MAP_MAPPED;
      ret = static_cast<int>(n);
      break;
    case ExtentState::Unwritten:
      if (!create) {
        map->m_flags = EXT4_MAP_UNWRITTEN;  // not mapped: a DIO read treats it as a hole
        ret = static_cast<int>(n);
      } else if (flags & EXT4_GET_BLOCKS_PRE_IO) {
        // split for the I/O, convert after it
        flag_pending_conversion(in);
        map->m_flags = EXT4_MAP_MAPPED | EXT4_MAP_NEW | EXT4_MAP_UNWRITTEN;
        ret = static_cast<int>(n);
      } else if (flags & EXT4_GET_BLOCKS_UNINIT_EXT) {
        map->m_flags = EXT4_MAP_MAPPED | EXT4_MAP_UNWRITTEN;  // fallocate: already there
        ret = static_cast<int>(n);
      } else {
        // ext4_ext_convert_to_initialized (plain create, CONVERT)
        set_extent(in, map->m_lblk, n, ExtentState::Written);
        map->m_flags = EXT4_MAP_MAPPED | ((flags & EXT4_GET_BLOCKS_CONVERT) ? 0u : EXT4_MAP_NEW);
        ret = static_cast<int>(n);
      }
      break;
    case ExtentState::Hole:
      if (!create) break;
      {
        const std::uint64_t pblk = bdev_alloc_blocks(in->i_sb->s_bdev, n);
        const bool uninit = flags & EXT4_GET_BLOCKS_UNINIT_EXT;
        for (std::uint64_t i = 0; i < n; ++i) m.at(map->m_lblk + i).pblk = pblk + i;
        set_extent(in, map->m_lblk, n, uninit ? ExtentState::Unwritten : ExtentState::Written);
        if (uninit && (flags & EXT4_GET_BLOCKS_PRE_IO)) flag_pending_conversion(in);
        map->m_pblk = pblk;
        map->m_flags = EXT4_MAP_MAPPED | EXT4_MAP_NEW | (uninit ? EXT4_MAP_UNWRITTEN : 0u);
        ret = static_cast<int>(n);
      }
      break;
  }
  if (create && !nolock)
    up_write(&in->i_data_sem);
  else if (!nolock)
    up_read(&in->i_data_sem);
  return ret;
}

int ext4_convert_unwritten_extents(inode* in, loff_t offset, ssize_t len) {
  kasan_check(in, "ext4_convert_unwritten_extents");
  ktrace(model::EvKind::ConvertStart, in->id, offset, len);
  const loff_t bs = in->i_sb->s_blocksize;
  int err = 0;
  if (len > 0) {
    std::uint64_t lblk = static_cast<std::uint64_t>(offset / bs);
    const auto last = static_cast<std::uint64_t>((offset + len - 1) / bs);
    while (lblk <= last) {
      jbd2_journal_start(in->i_sb->s_journal);
      ext4_map_blocks_t map;
      map.m_lblk = lblk;
      map.m_len = last - lblk + 1;
      const int r = ext4_map_blocks(in, &map, EXT4_GET_BLOCKS_CREATE | EXT4_GET_BLOCKS_CONVERT);
      jbd2_journal_stop(in->i_sb->s_journal);
      if (r <= 0) {
        err = r < 0 ? r : -EIO;
        break;
      }
      lblk += map.m_len;
    }
  }
  ktrace(model::EvKind::ConvertDone, in->id, offset, len, err);
  return err;
}

namespace {

// _ext4_get_block
int _ext4_get_block(inode* in, std::uint64_t iblock, buffer_head* bh, int flags) {
  ext4_map_blocks_t map;
  map.m_lblk = iblock;
  map.m_len = std::max<std::uint64_t>(1, bh->b_size >> in->i_blkbits);
  bool started = false;
  if (flags && !(flags & EXT4_GET_BLOCKS_NO_LOCK)) {
    jbd2_journal_start(in->i_sb->s_journal);  // DIO write: a handle per mapping call
    started = true;
  }
  int ret = ext4_map_blocks(in, &map, flags);
  if (ret > 0) {
    bh->b_blocknr = map.m_pblk;
    bh->b_state = map.m_flags;
    if (variant_has(Fix::GenericDeferredCompletion) && !variant_has(Fix::Ext4IoEndViaBPrivate)) {
      ext4_io_end_t* io_end = ext4_inode_aio(in);
      if (io_end) {
        kasan_check(io_end, "_ext4_get_block: io_end->flag");
        if (io_end->flag & EXT4_IO_END_UNWRITTEN) set_buffer_defer_completion(bh);
      }
    }
    bh->b_size = map.m_len << in->i_blkbits;
    ret = 0;
  }
  if (started) jbd2_journal_stop(in->i_sb->s_journal);
  return ret;
}

int ext4_get_block(inode* in, std::uint64_t iblock, buffer_head* bh, int create) {
  return _ext4_get_block(in, iblock, bh, create ? EXT4_GET_BLOCKS_CREATE : 0);
}

int ext4_get_block_write_nolock(inode* in, std::uint64_t iblock, buffer_head* bh, int) {
  return _ext4_get_block(in, iblock, bh, EXT4_GET_BLOCKS_NO_LOCK);
}

int ext4_get_block_write(inode* in, std::uint64_t iblock, buffer_head* bh, int) {
  return _ext4_get_block(in, iblock, bh, EXT4_GET_BLOCKS_IO_CREATE_EXT);
}

// 109811c20fb8 (3.12-fixed): the io_end is created on the first unwritten mapping and
// travels in b_private; the dio holds its only reference.
int ext4_dio_get_block_unwritten_async(inode* in, std::uint64_t iblock, buffer_head* bh, int) {
  int ret = _ext4_get_block(in, iblock, bh, EXT4_GET_BLOCKS_IO_CREATE_EXT);
  if (!ret && buffer_unwritten(bh)) {
    if (!bh->b_private) {
      ext4_io_end_t* io = ext4_init_io_end(in, GFP_KERNEL);
      if (!io) return -ENOMEM;
      bh->b_private = io;
      ext4_set_io_unwritten_flag(in, io);
    }
    set_buffer_defer_completion(bh);
  }
  return ret;
}

int ext4_dio_get_block_unwritten_sync(inode* in, std::uint64_t iblock, buffer_head* bh, int) {
  int ret = _ext4_get_block(in, iblock, bh, EXT4_GET_BLOCKS_IO_CREATE_EXT);
  if (!ret && buffer_unwritten(bh)) ext4_set_inode_state(in, EXT4_STATE_DIO_UNWRITTEN);
  return ret;
}

// ---- end_io ------------------------------------------------------------------------------------

void ext4_end_io_dio(kiocb* iocb, loff_t offset, ssize_t size, void* private_, int ret,
                     bool is_async) {
  if (variant_has(Fix::Ext4IoEndViaBPrivate)) {
    auto* io_end = static_cast<ext4_io_end_t*>(private_);
    if (!io_end) return;
    kasan_check(io_end, "ext4_end_io_dio");
    if (size <= 0) {  // the data write failed: do not convert (NoConvertOnIoError)
      ext4_clear_io_unwritten_flag(io_end);
      size = 0;
    }
    io_end->offset = offset;
    io_end->size = size;
    ext4_put_io_end(io_end);
    return;
  }
  kasan_check(iocb, "ext4_end_io_dio: iocb->private");
  auto* io_end = static_cast<ext4_io_end_t*>(iocb->private_);
  if (variant_has(Fix::GenericDeferredCompletion)) {
    if (!io_end) return;  // sync DIO: the generic code finishes
    iocb->private_ = nullptr;
    io_end->offset = offset;
    io_end->size = size;
    ext4_put_io_end(io_end);
    return;
  }
  // 3.11
  if (!io_end) {
    inode_dio_done(iocb->ki_filp->f_inode);
    if (is_async) aio_complete(iocb, ret, 0);
    return;
  }
  iocb->private_ = nullptr;
  io_end->offset = offset;
  io_end->size = size;
  if (is_async) {
    io_end->iocb = iocb;
    io_end->result = ret;
  }
  ext4_put_io_end_defer(io_end);
}

// ---- direct I/O entry points ------------------------------------------------------------------

bool ext4_should_dioread_nolock(const inode* in) { return in->i_sb->dioread_nolock; }

}  // namespace

// ext4_block_truncate_page (ext4_block_zero_page_range): zero the tail of the block holding
// the new EOF through the page cache. The page is found or created, so a page that a buffered
// read brought in after truncate_pagecache (3.12 buffered reads take no lock) is zeroed too; a
// hole or a delayed block is left alone. The port writes a written block's zeros straight to
// the device cache instead of dirtying the buffer for ordered-mode writeback.
namespace {
void ext4_block_truncate_page(inode* in, loff_t size) {
  const loff_t bs = in->i_sb->s_blocksize;
  if (size % bs == 0) return;
  block_device* bdev = in->i_sb->s_bdev;
  const auto lblk = static_cast<std::uint64_t>(size / bs);
  const extent e = meta_of(in).get(lblk);
  if (e.state == ExtentState::Hole) return;
  const loff_t ss = bdev->sector_size;
  const auto first = static_cast<std::size_t>((size % bs + ss - 1) / ss);
  if (auto it = in->i_mapping.pages.find(lblk); it != in->i_mapping.pages.end()) {
    kaccess(&in->i_mapping, Access::Write);
    for (std::size_t p = first; p < it->second.sect.size(); ++p) it->second.sect[p] = model::kZero;
  }
  if (e.state == ExtentState::Written)
    for (auto p = static_cast<loff_t>(first); p < bs / ss; ++p)
      bdev->cache[e.pblk * bdev->spb + static_cast<std::uint64_t>(p)] = model::kZero;
}
}  // namespace

// ext4_truncate: zero the tail of the last block, then free the blocks past the new size
void ext4_truncate(inode* in, loff_t size) {
  journal_t* j = in->i_sb->s_journal;
  const loff_t bs = in->i_sb->s_blocksize;
  jbd2_journal_start(j);
  ext4_block_truncate_page(in, size);
  down_write(&in->i_data_sem);
  file_meta& m = meta_of(in);
  const auto keep = static_cast<std::uint64_t>((size + bs - 1) / bs);
  if (keep < m.blocks.size()) {
    std::uint64_t n = 0;
    for (std::uint64_t b = keep; b < m.blocks.size(); ++b)
      if (m.blocks[b].state != ExtentState::Hole) {
        ++n;
        journal_free_blocks(j, m.blocks[b].pblk, 1);  // ext4_free_blocks
      }
    if (n) set_extent(in, keep, m.blocks.size() - keep, ExtentState::Hole);
    m.blocks.resize(keep);
  }
  // ext4_ext_truncate / ext4_ind_truncate: "we have to know where to truncate from in crash
  // case": i_disksize = i_size. setattr set it before truncate_setsize, but writeback of a
  // page still inside the old i_size may have raised it again since (issue 14: with a
  // commit from another inode's sync in between, the crash view exposed the raised size).
  if (m.disksize != size) {
    kaccess(&m.disksize, Access::Write);
    ktrace(model::EvKind::DiskSizeUpdate, in->id, m.disksize, size);
    m.disksize = size;
  }
  up_write(&in->i_data_sem);
  jbd2_journal_stop(j);
}

// ext4_truncate_failed_write: a write that failed after allocating blocks past EOF gives them
// back (they may hold stale data: the failed bio never wrote them).
void ext4_truncate_failed_write(inode* in) {
  truncate_pagecache(in, i_size_read(in));  // truncate_inode_pages(mapping, i_size)
  ext4_truncate(in, i_size_read(in));
}

namespace {

ssize_t ext4_ind_direct_IO(int rw, kiocb* iocb, inode* in, const user_buf& buf, loff_t offset) {
  bool orphan = false;
  journal_t* j = in->i_sb->s_journal;
  if (rw == WRITE && offset + buf.len > i_size_read(in)) {
    jbd2_journal_start(j);  // ext4_orphan_add
    orphan = true;
    jbd2_journal_stop(j);
  }
  ssize_t ret;
  bool locked = true;
  if (rw == READ && ext4_should_dioread_nolock(in)) {
    inode_dio_begin(in);
    if (READ_ONCE(in->dio_read_blocked)) {
      inode_dio_done(in);
    } else {
      locked = false;
      ret = __blockdev_direct_IO(rw, iocb, in, buf, offset, ext4_get_block, nullptr, 0);
      inode_dio_done(in);
    }
  }
  if (locked) {
    ret = __blockdev_direct_IO(rw, iocb, in, buf, offset, ext4_get_block, nullptr,
                               DIO_LOCKING | DIO_SKIP_HOLES);
    // Blocks the failed write allocated past EOF are written (ext4_get_block) but hold
    // whatever the disk had: trim them off again (i_mutex is held).
    if (rw == WRITE && ret < 0 && offset + buf.len > i_size_read(in)) ext4_truncate_failed_write(in);
  }
  if (orphan) {
    jbd2_journal_start(j);
    if (ret > 0) {
      const loff_t end = offset + ret;
      if (end > i_size_read(in)) {
        ktrace(model::EvKind::DiskSizeUpdate, in->id, meta_of(in).disksize, end);
        meta_of(in).disksize = end;
        i_size_write(in, end);
      }
    }
    jbd2_journal_stop(j);  // ext4_orphan_del
  }
  return ret;
}

// Does this DIO write go through the old (indirect-style) path, whose get_block allocates
// written blocks before their data is on the device?
bool ext4_dio_write_allocates_written(inode* in, const user_buf& buf, loff_t offset) {
  const loff_t size = i_size_read(in);
  if (offset + static_cast<loff_t>(buf.len) <= size) return false;
  if (!variant_has(Fix::Ext4UnwrittenForEofStraddlingDio)) return true;
  const loff_t bs = in->i_sb->s_blocksize;
  return offset / bs * bs >= size;  // every block wholly past EOF: nobody can read it yet
}

}  // namespace

// EXT4_I(inode)->i_disksize tested without i_data_sem (the extending-DIO test): writeback of
// another task may be moving it under its handle.
loff_t ext4_disksize_read(inode* in) {
  unlocked_access(&meta_of(in).disksize, Access::Read);
  return meta_of(in).disksize;
}

// ext4_alloc_file_blocks: fallocate's allocation, unwritten extents in one handle per mapping
// (a failed mapping stops it, as ENOSPC would).
void ext4_alloc_file_blocks(inode* in, loff_t offset, loff_t len) {
  const loff_t bs = in->i_sb->s_blocksize;
  journal_t* j = in->i_sb->s_journal;
  auto lblk = static_cast<std::uint64_t>(offset / bs);
  const auto last = static_cast<std::uint64_t>((offset + len - 1) / bs);
  while (lblk <= last) {
    jbd2_journal_start(j);
    ext4_map_blocks_t map;
    map.m_lblk = lblk;
    map.m_len = last - lblk + 1;
    const int r = ext4_map_blocks(in, &map, EXT4_GET_BLOCKS_CREATE_UNINIT_EXT);
    jbd2_journal_stop(j);
    if (r < 0) break;
    lblk += std::max<std::uint64_t>(1, map.m_len);
  }
}

// ext4_update_i_disksize: only ever grows the on-disk size.
void ext4_update_i_disksize(inode* in, loff_t size) {
  if (size <= meta_of(in).disksize) return;
  ktrace(model::EvKind::DiskSizeUpdate, in->id, meta_of(in).disksize, size);
  meta_of(in).disksize = size;
}

namespace {

// The orphan and size handling around an extending DIO write on the extent path (4.7's
// ext4_direct_IO_write; on 3.12 only ext4_ind_direct_IO extends). With 73fdad00b208 a write
// ending past i_disksize counts as extending too.
struct ext4_extending_dio {
  inode* in;
  bool extending;
  ext4_extending_dio(inode* i, loff_t end)
      : in(i),
        extending(end > i_size_read(i) || (variant_has(Fix::Ext4DioUpdatesDisksize) && end > ext4_disksize_read(i))) {
    if (!extending) return;
    jbd2_journal_start(in->i_sb->s_journal);  // ext4_orphan_add
    if (variant_has(Fix::Ext4DioUpdatesDisksize)) ext4_update_i_disksize(in, i_size_read(in));
    jbd2_journal_stop(in->i_sb->s_journal);
  }
  ssize_t finish(loff_t offset, ssize_t ret) {
    if (!extending) return ret;
    journal_t* j = in->i_sb->s_journal;
    jbd2_journal_start(j);
    if (ret > 0) {
      ext4_update_i_disksize(in, offset + ret);
      if (offset + ret > i_size_read(in)) i_size_write(in, offset + ret);
    }
    jbd2_journal_stop(j);  // ext4_orphan_del
    if (ret < 0) ext4_truncate_failed_write(in);
    return ret;
  }
};

ssize_t ext4_ext_direct_IO(int rw, kiocb* iocb, inode* in, const user_buf& buf, loff_t offset) {
  if (rw != WRITE || ext4_dio_write_allocates_written(in, buf, offset))
    return ext4_ind_direct_IO(rw, iocb, in, buf, offset);
  ext4_extending_dio extend(in, offset + static_cast<loff_t>(buf.len));

  BUG_ON(iocb->private_ == nullptr, "ext4_ext_direct_IO: iocb->private is NULL");
  inode_dio_begin(in);  // ext4's own reference: waiters also wait for the conversion
  const int overwrite = *static_cast<int*>(iocb->private_);
  if (overwrite) {
    down_read(&in->i_data_sem);
    mutex_unlock(&in->i_mutex);
  }
  ssize_t ret = 0;
  ext4_io_end_t* io_end = nullptr;
  get_block_t get_block;
  iocb->private_ = nullptr;

  if (variant_has(Fix::Ext4IoEndViaBPrivate)) {
    if (overwrite)
      get_block = ext4_get_block_write_nolock;
    else if (is_sync_kiocb(iocb))
      get_block = ext4_dio_get_block_unwritten_sync;
    else
      get_block = ext4_dio_get_block_unwritten_async;
    ret = __blockdev_direct_IO(rw, iocb, in, buf, offset, get_block, ext4_end_io_dio,
                               overwrite ? 0 : DIO_LOCKING);
  } else {
    ext4_inode_aio_set(in, nullptr);
    const bool want_io_end =
        !is_sync_kiocb(iocb) && !(overwrite && variant_has(Fix::Ext4NoIoEndForOverwrite));
    if (want_io_end) {
      io_end = ext4_init_io_end(in, GFP_NOFS);
      if (!io_end) {
        ret = -ENOMEM;
        goto retake_lock;
      }
      if (!variant_has(Fix::GenericDeferredCompletion)) io_end->flag |= EXT4_IO_END_DIRECT;
      iocb->private_ = ext4_get_io_end(io_end);  // one reference for the submitter, one for end_io
      ext4_inode_aio_set(in, io_end);
    }
    get_block = overwrite ? ext4_get_block_write_nolock : ext4_get_block_write;
    ret = __blockdev_direct_IO(rw, iocb, in, buf, offset, get_block, ext4_end_io_dio,
                               overwrite ? 0 : DIO_LOCKING);
    if (io_end) {
      ext4_inode_aio_set(in, nullptr);
      ext4_put_io_end(io_end);  // the submitter's reference
      // No I/O was submitted: end_io never ran, put its reference too. The test of ret
      // comes first: after -EIOCBQUEUED the iocb may be gone.
      if (ret <= 0 && ret != -EIOCBQUEUED && (kasan_check(iocb, "ext4_ext_direct_IO"), iocb->private_)) {
        WARN_ON(iocb->private_ != io_end, "ext4_ext_direct_IO: iocb->private != io_end");
        WARN_ON(io_end->flag & EXT4_IO_END_UNWRITTEN, "ext4_ext_direct_IO: unwritten io_end unused");
        if (!variant_has(Fix::GenericDeferredCompletion)) {
          WARN_ON(io_end->iocb != nullptr, "ext4_ext_direct_IO: io_end->iocb set");
          io_end->flag = 0;  // the generic code already did inode_dio_done
        }
        ext4_put_io_end(io_end);
        iocb->private_ = nullptr;
      }
    }
  }
  if (ret > 0 && !overwrite && ext4_test_inode_state(in, EXT4_STATE_DIO_UNWRITTEN)) {
    // sync DIO into unwritten extents: convert in the submitter
    const int err = ext4_convert_unwritten_extents(in, offset, ret);
    if (err < 0) ret = err;
    ext4_clear_inode_state(in, EXT4_STATE_DIO_UNWRITTEN);
  }
retake_lock:
  inode_dio_done(in);  // ext4's own reference
  if (overwrite) {
    up_read(&in->i_data_sem);
    mutex_lock(&in->i_mutex);
  }
  return extend.finish(offset, ret);
}

bool ext4_unaligned_aio(inode* in, loff_t pos, loff_t len) {
  if (pos >= i_size_read(in)) return false;
  const loff_t mask = in->i_sb->s_blocksize - 1;
  return ((pos | len) & mask) != 0;
}

ssize_t ext4_file_dio_write(kiocb* iocb, const user_buf& buf, loff_t pos) {
  file* f = iocb->ki_filp;
  inode* in = f->f_inode;
  const bool dsync = iocb->ki_dsync;  // read now: after -EIOCBQUEUED the iocb may be gone
  bool unaligned_aio = false;
  if (!is_sync_kiocb(iocb)) unaligned_aio = ext4_unaligned_aio(in, pos, buf.len);
  if (unaligned_aio) {
    mutex_lock(&in->i_aio_mutex);
    wait_event(&in->i_ioend_wq, [in] { return in->i_unwritten.counter == 0; },
               "ext4_unwritten_wait");
  }
  mutex_lock(&in->i_mutex);
  // Ext4UnalignedDioWait (3.12-fixed): a sub-block write may zero the rest of its block
  // (dio_zero_block on a new / unwritten block), so no other DIO may be in flight: neither
  // one before it (whose data or pending conversion the zeroing would clobber) ...
  const bool unaligned_dio = variant_has(Fix::Ext4UnalignedDioWait) &&
                             ((pos | buf.len) & (static_cast<loff_t>(in->i_sb->s_blocksize) - 1));
  if (unaligned_dio) inode_dio_wait(in);
  int overwrite = 0;
  iocb->private_ = &overwrite;
  if (ext4_should_dioread_nolock(in) && !unaligned_aio && in->i_mapping.nrpages() == 0 &&
      pos + buf.len <= i_size_read(in)) {
    const loff_t bs = in->i_sb->s_blocksize;
    down_read(&in->i_data_sem);
    bool all_written = true;
    for (loff_t b = pos / bs; b <= (pos + buf.len - 1) / bs; ++b)
      all_written &= meta_of(in).get(static_cast<std::uint64_t>(b)).state == ExtentState::Written;
    up_read(&in->i_data_sem);
    if (all_written && !((pos | buf.len) & (bs - 1))) overwrite = 1;
  }
  // An overwrite lies inside i_size when it starts; a truncate may overtake it while
  // i_mutex is dropped, and only the unfixed kernels then re-extend the file over the
  // freed blocks (generic_file_direct_write).
  if (overwrite && variant_has(Fix::Ext4OverwriteDioKeepsSize)) iocb->ki_keep_size = true;
  ssize_t ret = __generic_file_aio_write(iocb, buf, &iocb->ki_pos);
  // ... nor one after it: a queued unaligned AIO is waited for before i_mutex goes (the
  // iocb may be gone: only the inode is used).
  if (unaligned_dio && ret == -EIOCBQUEUED) inode_dio_wait(in);
  mutex_unlock(&in->i_mutex);
  // pre-02afc27 (and mutant dsync-aio-not-honoured): sync at submission, also on -EIOCBQUEUED
  const bool sync_on_queued = !variant_has(Fix::DsyncAio) || mutant_on(Mutant::DsyncAioNotHonoured);
  if (ret > 0 || (sync_on_queued && ret == -EIOCBQUEUED)) {
    const ssize_t err = generic_write_sync(f, pos, ret, dsync);
    if (err < 0 && ret > 0) ret = err;
  }
  if (unaligned_aio) mutex_unlock(&in->i_aio_mutex);
  return ret;
}

}  // namespace

// ---- the FsType --------------------------------------------------------------------------------

class Ext4 final : public FsType {
 public:
  const char* name() const override { return "ext4"; }

  int fill_super(super_block* sb) override {
    if (!variant_has(Fix::GenericDeferredCompletion)) {
      sb->unrsv_conversion_wq =
          alloc_workqueue("ext4-unrsv-conversion", WQ_MEM_RECLAIM | WQ_UNBOUND, 1);
      if (!sb->unrsv_conversion_wq) return -ENOMEM;
    }
    return 0;
  }

  void put_super(super_block* sb) override {
    if (sb->unrsv_conversion_wq) {
      flush_workqueue(sb->unrsv_conversion_wq);
      destroy_workqueue(sb->unrsv_conversion_wq);
      sb->unrsv_conversion_wq = nullptr;
    }
    jbd2_journal_commit(sb->s_journal);  // jbd2_journal_destroy
  }

  // ext4_file_write
  ssize_t aio_write(kiocb* iocb, const user_buf& buf, loff_t pos) override {
    if (iocb->ki_filp->f_flags & O_DIRECT_) return ext4_file_dio_write(iocb, buf, pos);
    // generic_file_aio_write
    file* f = iocb->ki_filp;
    inode* in = f->f_inode;
    const bool dsync = iocb->ki_dsync;
    mutex_lock(&in->i_mutex);
    ssize_t ret = __generic_file_aio_write(iocb, buf, &iocb->ki_pos);
    mutex_unlock(&in->i_mutex);
    if (ret > 0) {
      const int err = generic_write_sync(f, pos, ret, dsync);
      if (err < 0) ret = err;
    }
    return ret;
  }

  // generic_file_aio_read
  ssize_t aio_read(kiocb* iocb, const user_buf& buf, loff_t pos) override {
    inode* in = iocb->ki_filp->f_inode;
    if (!(iocb->ki_filp->f_flags & O_DIRECT_))
      return generic_file_buffered_read(in, buf.read, pos, buf.len);
    if (buf.len == 0) return 0;
    // At or past EOF ->direct_IO is not called (so no alignment check): the buffered loop
    // returns 0.
    if (pos >= i_size_read(in)) return 0;
    ssize_t retval = filemap_write_and_wait_range(in, pos, pos + buf.len - 1);
    if (!retval) retval = direct_IO(READ, iocb, buf, pos);
    if (retval > 0) {
      kasan_check(iocb, "generic_file_aio_read: *ppos");
      iocb->ki_pos = pos + retval;
    }
    return retval;
  }

  // ext4_direct_IO (extent files only in this model)
  ssize_t direct_IO(int rw, kiocb* iocb, const user_buf& buf, loff_t offset) override {
    return ext4_ext_direct_IO(rw, iocb, iocb->ki_filp->f_inode, buf, offset);
  }

  // ext4_sync_file
  int fsync(file* f, loff_t start, loff_t end, int datasync) override {
    inode* in = f->f_inode;
    kasan_check(in, "ext4_sync_file");
    ktrace(model::EvKind::SyncStart, in->id, start, end, datasync);
    int ret = filemap_write_and_wait_range(in, start, end);
    if (!ret) jbd2_journal_commit(in->i_sb->s_journal);  // commit + barrier flush
    ktrace(model::EvKind::SyncDone, in->id, ret);
    return ret;
  }

  // ext4_setattr(ATTR_SIZE); i_mutex is held
  int setattr_size(inode* in, loff_t size) override {
    journal_t* j = in->i_sb->s_journal;
    const loff_t old = i_size_read(in);
    ktrace(model::EvKind::Truncate, in->id, old, size);
    const bool together = variant_has(Fix::Ext4WbUpdateDisksize) && size != old;
    jbd2_journal_start(j);
    if (together) down_write(&in->i_data_sem);
    ktrace(model::EvKind::DiskSizeUpdate, in->id, meta_of(in).disksize, size);
    meta_of(in).disksize = size;
    if (together) {  // 90e775b71ac4: i_size with i_disksize, so writeback sees both or neither
      i_size_write(in, size);
      up_write(&in->i_data_sem);
    }
    jbd2_journal_stop(j);
    if (size == old) return 0;
    if (!together) i_size_write(in, size);
    if (size < old) {  // blocks go: wait for DIO in flight first (the orphan case)
      WRITE_ONCE(in->dio_read_blocked, true);  // ext4_inode_block_unlocked_dio
      inode_dio_wait(in);
      WRITE_ONCE(in->dio_read_blocked, false);
    }
    truncate_pagecache(in, size);  // after the wait, as 3.12 does
    if (size < old) ext4_truncate(in, size);
    return 0;
  }

  // ext4_fallocate (mode 0 or KEEP_SIZE): unwritten extents over the holes
  long fallocate(file* f, bool keep_size, loff_t offset, loff_t len) override {
    inode* in = f->f_inode;
    if (len <= 0) return -EINVAL;
    journal_t* j = in->i_sb->s_journal;
    mutex_lock(&in->i_mutex);
    ext4_alloc_file_blocks(in, offset, len);
    if (!keep_size && offset + len > i_size_read(in)) {
      jbd2_journal_start(j);
      i_size_write(in, offset + len);
      ktrace(model::EvKind::DiskSizeUpdate, in->id, meta_of(in).disksize, offset + len);
      meta_of(in).disksize = offset + len;
      jbd2_journal_stop(j);
    }
    mutex_unlock(&in->i_mutex);
    return 0;
  }

  // writeback of a dirty page: allocate (written) or convert, then extend i_disksize
  int writepage_map(inode* in, std::uint64_t lblk, std::uint64_t* pblk) override {
    journal_t* j = in->i_sb->s_journal;
    jbd2_journal_start(j);
    ext4_map_blocks_t map;
    map.m_lblk = lblk;
    map.m_len = 1;
    // dioread_nolock: writeback allocates unwritten extents and converts after the I/O, so
    // a lock-free DIO read never sees a written extent whose data is not there yet.
    const int flags = ext4_should_dioread_nolock(in) ? EXT4_GET_BLOCKS_CREATE_UNINIT_EXT
                                                     : EXT4_GET_BLOCKS_CREATE;
    const int r = ext4_map_blocks(in, &map, flags);
    if (r > 0) {
      *pblk = map.m_pblk;
      const loff_t bs = in->i_sb->s_blocksize;
      // ext4_wb_update_i_disksize (90e775b71ac4): i_size read and i_disksize raised under
      // i_data_sem, which setattr holds while it moves both.
      const bool locked = variant_has(Fix::Ext4WbUpdateDisksize);
      if (locked) down_write(&in->i_data_sem);
      const loff_t end = std::min(i_size_read(in), static_cast<loff_t>(lblk + 1) * bs);
      if (end > meta_of(in).disksize) {
        ktrace(model::EvKind::DiskSizeUpdate, in->id, meta_of(in).disksize, end);
        meta_of(in).disksize = end;
      }
      if (locked) up_write(&in->i_data_sem);
    }
    // data=ordered: the transaction that allocated the block (and moved i_disksize) commits
    // only after the block's data is written (jbd2 writes the inode's ordered data first).
    // Modelled by keeping this handle open until writepage_end_io.
    if (r <= 0) jbd2_journal_stop(j);
    return r > 0 ? 0 : (r < 0 ? r : -EIO);
  }

  void writepage_end_io(inode* in, std::uint64_t lblk) override {
    jbd2_journal_stop(in->i_sb->s_journal);  // writepage_map's handle: the ordered data is written
    if (!ext4_should_dioread_nolock(in)) return;
    if (meta_of(in).get(lblk).state != ExtentState::Unwritten) return;
    // buffered writeback conversion: not attributed to a workload write (op = none)
    Tracer* t = Tracer::current();
    const std::uint32_t was = t ? t->op_of(current_actor()) : model::kNoOp;
    if (t) t->set_op(current_actor(), model::kNoOp);
    const loff_t bs = in->i_sb->s_blocksize;
    ext4_convert_unwritten_extents(in, static_cast<loff_t>(lblk) * bs, bs);
    if (t) t->set_op(current_actor(), was);
  }

  void init_inode(inode* in) override {
    in->i_unrsv_conversion_work.owner = in;
    INIT_WORK(&in->i_unrsv_conversion_work.work, ext4_end_io_unrsv_work);
  }

  // ext4_evict_inode (nlink != 0): write back, drop the page cache, wait for io_ends
  void evict_inode(inode* in) override {
    filemap_write_and_wait_range(in, 0, i_size_read(in) + in->i_sb->s_blocksize);
    truncate_pagecache(in, 0);
    // ext4_ioend_shutdown
    wait_event(&in->i_ioend_wq, [in] { return in->i_ioend_count.counter == 0; },
               "ext4_ioend_shutdown");
  }

};

FsType* ext4_fs_type() {
  static Ext4 fs;
  return &fs;
}

}  // namespace dc::kern
