// VFS pieces of the port: i_dio_count (inode_dio_done / inode_dio_wait), i_size, the page
// cache (write-back, invalidation), generic_file_direct_write and the buffered fallback,
// generic_write_sync, file and inode references (fput, delayed fput, iput/evict) and
// generic_shutdown_super.
#include "impl/vfs.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "impl/kernel/execution.hpp"

namespace dc::kern {

void inode_dio_begin(inode* in) {
  kasan_check(in, "inode_dio_begin");
  const int v = atomic_inc_return(&in->i_dio_count);
  ktrace(model::EvKind::InodeDioInc, in->id, v);
}

void inode_dio_done(inode* in) {
  kasan_check(in, "inode_dio_done");
  const int v = atomic_dec_return(&in->i_dio_count);
  // The access itself is the atomic: the inode may have gone during its scheduling point
  // (same step as the decrement, so no extra interleaving).
  kasan_check(in, "inode_dio_done: i_dio_count");
  ktrace(model::EvKind::InodeDioDone, in->id, v);
  if (v == 0) wake_up_bit(&in->i_state, __I_DIO_WAKEUP);
}

void inode_dio_wait(inode* in) {
  ktrace(model::EvKind::InodeDioWaitBegin, in->id);
  wait_on_bit_cond(&in->i_state, __I_DIO_WAKEUP, [in] {
    kaccess(&in->i_dio_count, Access::Read);  // the test reads the atomic, not i_state
    return in->i_dio_count.counter != 0;
  }, "inode_dio_wait");
  ktrace(model::EvKind::InodeDioWaitEnd, in->id);
}

void inode_lock(inode* in) {
  if (model::is_iomap_kernel(Execution::current().variant().kernel()))
    down_write(&in->i_rwsem);
  else
    mutex_lock(&in->i_mutex);
}
void inode_unlock(inode* in) {
  if (model::is_iomap_kernel(Execution::current().variant().kernel()))
    up_write(&in->i_rwsem);
  else
    mutex_unlock(&in->i_mutex);
}
void inode_lock_shared(inode* in) { down_read(&in->i_rwsem); }
void inode_unlock_shared(inode* in) { up_read(&in->i_rwsem); }
bool inode_trylock(inode* in) { return down_write_trylock(&in->i_rwsem); }
bool inode_trylock_shared(inode* in) { return down_read_trylock(&in->i_rwsem); }

bool filemap_range_has_page(inode* in, loff_t start, loff_t end) {
  const address_space& m = in->i_mapping;
  sched_point(&in->i_mapping, Access::Read);  // the xarray walk under RCU
  const auto bs = static_cast<loff_t>(in->i_sb->s_blocksize);
  auto it = m.pages.lower_bound(static_cast<std::uint64_t>(start / bs));
  return it != m.pages.end() && static_cast<loff_t>(it->first) <= end / bs;
}

bool filemap_range_needs_writeback(inode* in, loff_t start, loff_t end) {
  const address_space& m = in->i_mapping;
  sched_point(&in->i_mapping, Access::Read);
  const auto bs = static_cast<loff_t>(in->i_sb->s_blocksize);
  const auto first = static_cast<std::uint64_t>(start / bs), last = static_cast<std::uint64_t>(end / bs);
  for (auto it = m.pages.lower_bound(first); it != m.pages.end() && it->first <= last; ++it)
    if (it->second.dirty) return true;
  for (auto it = m.writeback.lower_bound(first); it != m.writeback.end() && it->first <= last; ++it)
    if (it->second > 0) return true;
  auto lk = m.locked.lower_bound(first);  // folio_test_locked: writeback is about to start
  return lk != m.locked.end() && *lk <= last;
}

// Plain loads and stores, as in the kernel: no scheduling point, but recorded accesses.
loff_t i_size_read(const inode* in) {
  unlocked_access(&in->i_size, Access::Read);
  return in->i_size;
}

void i_size_write(inode* in, loff_t size) {
  unlocked_access(&in->i_size, Access::Write);
  ktrace(model::EvKind::SizeUpdate, in->id, in->i_size, size);
  in->i_size = size;
}

namespace {

constexpr int PG_writeback = 0;  // the bit waited on for a block's writeback or page lock

// PG_locked of one block: wait until nobody holds it (a sleep), then take it.
void wait_for_page_lock(address_space& m, std::uint64_t lblk) {
  wait_on_bit_cond(&m, PG_writeback, [&] { return m.locked.contains(lblk); }, "lock_page");
}
void unlock_page(address_space& m, std::uint64_t lblk) {
  m.locked.erase(lblk);
  wake_up_bit(&m, PG_writeback);
}

// write_cache_pages + ->writepage for one block, synchronously: lock the page, check it is
// still in the mapping and dirty (truncate or another writer may have been first), map the
// block (allocating), write it to the device, clean and unlock it; end_page_writeback only
// after the filesystem's end_io. The page lock keeps truncate from dropping the page (and
// freeing the block) while it is being mapped.
void writepage(inode* in, std::uint64_t lblk) {
  address_space& m = in->i_mapping;
  wait_for_page_lock(m, lblk);
  kaccess(&m, Access::Write);
  auto it = m.pages.find(lblk);
  if (it == m.pages.end() || !it->second.dirty) return;
  m.locked.insert(lblk);
  auto unlock = [&] { unlock_page(m, lblk); };
  // A page wholly past i_size belongs to a truncate in progress (i_size is already down, the
  // page not yet dropped): xfs_vm_writepage redirties it, ext4_bio_write_page writes none of
  // its buffers. Either way nothing reaches the disk and no block is allocated for it.
  if (static_cast<loff_t>(lblk) * in->i_sb->s_blocksize >= i_size_read(in)) return unlock();
  std::uint64_t pblk = 0;
  const int err = in->i_sb->s_type->writepage_map(in, lblk, &pblk);
  if (err) return unlock();
  block_device* bdev = in->i_sb->s_bdev;
  sched_point(bdev);
  kaccess(&m, Access::Write);
  page& pg = m.pages.at(lblk);  // locked: still there and dirty
  bdev_touch(bdev, pblk, Access::Write);
  for (unsigned i = 0; i < bdev->spb; ++i) bdev->cache[pblk * bdev->spb + i] = pg.sect[i];
  std::uint32_t wid = model::kZero;
  for (std::uint32_t v : pg.sect)
    if (v != model::kZero) wid = v;
  ktrace(model::EvKind::DevWrite, 0, static_cast<std::int64_t>(pblk * bdev->spb), bdev->spb, wid);
  pg.dirty = false;
  ++m.writeback[lblk];  // set_page_writeback
  unlock();
  in->i_sb->s_type->writepage_end_io(in, lblk);  // the data is on the device
  // end_page_writeback: only now (after ext4's conversion) may waiters go on.
  if (--m.writeback[lblk] == 0) m.writeback.erase(lblk);
  wake_up_bit(&m, PG_writeback);
}

std::uint64_t first_block(const inode* in, loff_t start) {
  return static_cast<std::uint64_t>(start / in->i_sb->s_blocksize);
}
std::uint64_t last_block(const inode* in, loff_t end) {  // end inclusive
  return static_cast<std::uint64_t>(end / in->i_sb->s_blocksize);
}

page& find_or_create_page(inode* in, std::uint64_t lblk) {
  auto it = in->i_mapping.pages.find(lblk);
  if (it != in->i_mapping.pages.end()) return it->second;
  page pg;
  pg.sect.resize(in->i_sb->s_bdev->spb);
  read_block_current(*in->i_sb->s_bdev, *in->i_meta, lblk, pg.sect.data());
  return in->i_mapping.pages.emplace(lblk, std::move(pg)).first->second;
}

// ->readpage for a read: a block wholly past i_size is not mapped, it reads as zeros.
const page& read_cache_page(inode* in, std::uint64_t lblk) {
  auto it = in->i_mapping.pages.find(lblk);
  if (it != in->i_mapping.pages.end()) return it->second;
  if (static_cast<loff_t>(lblk) * in->i_sb->s_blocksize < i_size_read(in)) return find_or_create_page(in, lblk);
  page pg;
  pg.sect.assign(in->i_sb->s_bdev->spb, model::kZero);
  return in->i_mapping.pages.emplace(lblk, std::move(pg)).first->second;
}

}  // namespace

int filemap_write_and_wait_range(inode* in, loff_t start, loff_t end) {
  might_sleep("filemap_write_and_wait_range");
  if (end < start) return 0;
  const std::uint64_t lo = first_block(in, start), hi = last_block(in, end);
  // write_cache_pages: one pass over the range with a cursor. A page ->writepage left dirty
  // (one wholly past i_size) is not visited again, or the pass would never end.
  std::uint64_t next = lo;
  for (;;) {
    sched_point(&in->i_mapping);
    auto& pages = in->i_mapping.pages;
    auto it = pages.lower_bound(next);
    while (it != pages.end() && it->first <= hi && !it->second.dirty) ++it;
    if (it != pages.end() && it->first <= hi) {
      next = it->first + 1;
      writepage(in, it->first);
      continue;
    }
    // filemap_fdatawait_range: pages another actor is writing back are waited for
    // (wait_on_page_writeback); the test above was this step's scheduling point.
    const auto& wb = in->i_mapping.writeback;
    const auto w = wb.lower_bound(lo);
    if (w == wb.end() || w->first > hi) return 0;
    scheduler().block(bit_key(&in->i_mapping, PG_writeback), "wait_on_page_writeback");
  }
}

// Drops the clean pages of the range. A dirty page cannot be invalidated (ext4 has no
// ->launder_page): it stays and the result is -EBUSY, as in the kernel.
int invalidate_inode_pages2_range(inode* in, loff_t start, loff_t end) {
  if (end < start) return 0;
  const std::uint64_t lo = first_block(in, start), hi = last_block(in, end);
  auto& pages = in->i_mapping.pages;
  sched_point(&in->i_mapping);
  int ret = 0;
  for (auto it = pages.lower_bound(lo); it != pages.end() && it->first <= hi;) {
    if (it->second.dirty) {
      ret = -EBUSY;
      ++it;
    } else {
      it = pages.erase(it);
    }
  }
  return ret;
}

void truncate_pagecache(inode* in, loff_t newsize) {
  const loff_t bs = in->i_sb->s_blocksize;
  // truncate_inode_pages: lock_page and wait_on_page_writeback on every page it drops or
  // zeroes (the one holding newsize and all after it).
  address_space& m = in->i_mapping;
  const auto first = static_cast<std::uint64_t>(newsize / bs);
  wait_on_bit_cond(&m, PG_writeback, [&] {
    return m.locked.lower_bound(first) != m.locked.end() || m.writeback.lower_bound(first) != m.writeback.end();
  }, "truncate_inode_pages");
  kaccess(&m, Access::Write);
  const loff_t ss = in->i_sb->s_bdev->sector_size;
  auto& pages = in->i_mapping.pages;
  for (auto it = pages.begin(); it != pages.end();) {
    const loff_t start = static_cast<loff_t>(it->first) * bs;
    if (start >= newsize) {
      it = pages.erase(it);
      continue;
    }
    if (start + bs > newsize)  // partial page: zero past the new size
      for (loff_t p = (newsize + ss - 1) / ss * ss; p < start + bs; p += ss)
        it->second.sect[static_cast<std::size_t>((p - start) / ss)] = model::kZero;
    ++it;
  }
}

// One page at a time, as the kernel: ->write_begin locks the page (waiting for writeback,
// which holds the lock while it maps the block), the bytes are copied in, and ->write_end
// (generic_write_end; ext4 and XFS both end there) dirties the page and raises i_size to the
// end of the copy before it unlocks the page. So i_size grows page by page, and writeback
// never sees a dirty page of this write lying wholly past i_size.
ssize_t generic_perform_write(inode* in, const user_buf& buf, loff_t pos) {
  address_space& m = in->i_mapping;
  const loff_t bs = in->i_sb->s_blocksize;
  const loff_t ss = in->i_sb->s_bdev->sector_size;
  const loff_t end = pos + buf.len;
  for (loff_t p = pos; p < end;) {
    const auto lblk = static_cast<std::uint64_t>(p / bs);
    const loff_t blk_start = static_cast<loff_t>(lblk) * bs;
    const loff_t chunk_end = std::min(end, blk_start + bs);
    sched_point(&m);
    wait_for_page_lock(m, lblk);
    m.locked.insert(lblk);  // ->write_begin: the page stays locked until ->write_end is done
    kaccess(&m, Access::Write);
    page& pg = find_or_create_page(in, lblk);
    for (loff_t s = p / ss * ss; s < chunk_end; s += ss)
      pg.sect[static_cast<std::size_t>((s - blk_start) / ss)] = buf.write_id;
    pg.dirty = true;
    // The i_size load is a scheduling point: writeback waits for the page lock here, so it
    // never cleans the page between the copy and the size that covers it.
    if (chunk_end > i_size_read(in)) i_size_write(in, chunk_end);
    unlock_page(m, lblk);
    p = chunk_end;
  }
  return buf.len;
}

// do_generic_file_read: each page is read in (blocks past i_size as zeros:
// block_read_full_page does not map them) and only then checked against i_size as it is
// now, so a read that raced a truncate stops at the new EOF instead of copying blocks that
// may since have been freed and allocated again. A truncate below `pos` ends the read with
// nothing copied (the kernel's `nr <= offset` check), not with a negative count.
ssize_t generic_file_buffered_read(inode* in, std::uint32_t* dst, loff_t pos, loff_t len) {
  if (pos >= i_size_read(in)) return 0;
  const loff_t bs = in->i_sb->s_blocksize;
  const loff_t ss = in->i_sb->s_bdev->sector_size;
  const loff_t first = pos / ss * ss;
  loff_t copied_to = pos, isize = 0;
  for (loff_t s = first; s < pos + len; s += ss) {
    const auto lblk = static_cast<std::uint64_t>(s / bs);
    sched_point(&in->i_mapping, Access::Read);
    // A copy, as the kernel holds a page reference: an invalidation or truncate between here
    // and the copy-out (i_size_read below is a scheduling point) drops the page from the
    // mapping, not from under this reader.
    const page pg = read_cache_page(in, lblk);
    if (s == first || s % bs == 0) isize = i_size_read(in);  // once per page, as the kernel
    if (std::max(s, pos) >= isize) break;  // also a truncate below pos: 0 bytes, never < 0
    dst[(s - first) / ss] = pg.sect[static_cast<std::size_t>((s - static_cast<loff_t>(lblk) * bs) / ss)];
    copied_to = std::min({s + ss, pos + len, isize});
  }
  return copied_to - pos;
}

ssize_t generic_file_direct_write(kiocb* iocb, const user_buf& buf, loff_t pos, loff_t* ppos) {
  inode* in = iocb->ki_filp->f_inode;
  const loff_t end = pos + buf.len - 1;
  ssize_t written = filemap_write_and_wait_range(in, pos, end);
  if (written) return written;
  if (in->i_mapping.nrpages()) {
    written = invalidate_inode_pages2_range(in, pos, end);
    if (written) return written == -EBUSY ? 0 : written;
  }
  written = in->i_sb->s_type->direct_IO(1 /* WRITE */, iocb, buf, pos);
  // Pages read in while the write was in flight are dropped again (for AIO this runs at
  // submission, before completion: the race 332391a9935d fixes).
  if (in->i_mapping.nrpages()) {
    const int err = invalidate_inode_pages2_range(in, pos, end);
    // Mutant eiocbqueued-double-complete: the invalidation failure is returned as -EIO,
    // overwriting -EIOCBQUEUED while the bios are in flight; the AIO core then completes the
    // iocb itself and the dio completion completes it again.
    if (err && mutant_on(Mutant::EiocbqueuedDoubleComplete)) written = -EIO;
  }
  if (written > 0) {
    const loff_t npos = pos + written;
    if (npos > i_size_read(in) && !iocb->ki_keep_size) i_size_write(in, npos);
    kasan_check(iocb, "generic_file_direct_write: *ppos");
    *ppos = npos;
  }
  return written;
}

ssize_t __generic_file_aio_write(kiocb* iocb, const user_buf& buf, loff_t* ppos) {
  file* f = iocb->ki_filp;
  inode* in = f->f_inode;
  const loff_t count = buf.len;
  const loff_t pos = *ppos;
  if (count == 0) return 0;
  if (!(f->f_flags & O_DIRECT_)) {
    const ssize_t w = generic_perform_write(in, buf, pos);
    if (w > 0) *ppos = pos + w;
    return w;
  }
  ssize_t written = generic_file_direct_write(iocb, buf, pos, ppos);
  if (written < 0 || written == count) return written;
  // Fall back to buffered I/O for the rest (-ENOTBLK, short write), then write it back and
  // invalidate to keep O_DIRECT semantics.
  user_buf rest = buf;
  rest.len = count - written;
  const loff_t bpos = pos + written;
  const ssize_t status = generic_perform_write(in, rest, bpos);
  if (status > 0) {
    const loff_t endbyte = bpos + status - 1;
    const int err = filemap_write_and_wait_range(in, bpos, endbyte);
    if (err == 0) {
      written += status;
      *ppos = endbyte + 1;
      invalidate_inode_pages2_range(in, bpos, endbyte);
    }
  }
  return written ? written : status;
}

int vfs_fsync_range(file* f, loff_t start, loff_t end, int datasync) {
  return f->f_inode->i_sb->s_type->fsync(f, start, end, datasync);
}

int generic_write_sync(file* f, loff_t pos, loff_t count, bool iocb_dsync) {
  inode* in = f->f_inode;
  if (!(f->f_flags & (O_DSYNC_ | O_SYNC_)) && !IS_SYNC(in) && !iocb_dsync) return 0;
  const int datasync = !((f->f_flags & O_SYNC_) || IS_SYNC(in));
  return vfs_fsync_range(f, pos, pos + count - 1, datasync);
}

// ---- references -----------------------------------------------------------------------------

file* get_file(file* f) {
  sched_point(f);
  ++f->f_count;
  return f;
}

namespace {

// The caller set I_FREEING: nobody can take a new reference (find_inode waits on the bit).
void evict(inode* in) {
  super_block* sb = in->i_sb;
  sb->s_type->evict_inode(in);
  --sb->s_inodes;
  wake_up_bit(&in->i_state, I_FREEING_BIT);
  kfree(in, "inode");
}

bool inode_unused(const inode* in) {
  return in->i_count == 0 && !(in->i_state & (1ul << I_FREEING_BIT));
}

// Takes `in` off s_inode_lru and marks it I_FREEING (one step with the test, as under i_lock).
void isolate(inode* in) {
  auto& lru = in->i_sb->s_inode_lru;
  const auto it = std::find(lru.begin(), lru.end(), in);
  if (it == lru.end()) BUG("an unused inode is not on s_inode_lru");
  lru.erase(it);
  in->i_state |= 1ul << I_FREEING_BIT;
}

void __fput(file* f) {
  iput(f->f_inode);
  kaccess(f, Access::Write);
  f->released = true;
  wake_up_all(&f->f_wait);
}

bool in_kworker() {
  return scheduler().name(current_actor()).rfind("kworker", 0) == 0;
}

}  // namespace

void fput(file* f) {
  sched_point(f);
  if (f->f_count <= 0) {
    WARN(fmt::format("fput of file #{} with no reference", f->id));
    return;
  }
  if (--f->f_count != 0) return;
  if (in_interrupt() || in_kworker()) {
    // Delayed fput: the final __fput runs later in process context.
    scheduler().spawn("delayed_fput", Ctx::Process, [f] { __fput(f); });
    return;
  }
  __fput(f);  // task_work at return to user space
}

// iput_final: a linked inode stays cached while the superblock is active (MS_ACTIVE); at
// umount (and in the teardown, which stands for process exit + umount) it goes at once.
void iput(inode* in) {
  kasan_check(in, "iput");
  sched_point(in);
  if (--in->i_count != 0) return;
  if (in->i_sb->s_active) {
    in->i_sb->s_inode_lru.push_back(in);
    return;
  }
  in->i_state |= 1ul << I_FREEING_BIT;
  evict(in);
}

bool prune_icache_inode(inode* in) {
  kasan_check(in, "prune_icache_sb");
  sched_point(in, Access::Write);
  if (!inode_unused(in)) return false;
  isolate(in);
  evict(in);
  return true;
}

void evict_inodes(super_block* sb) {
  while (!sb->s_inode_lru.empty()) {
    inode* in = sb->s_inode_lru.front();
    isolate(in);
    evict(in);
  }
}

void generic_shutdown_super(super_block* sb) {
  kasan_check(sb, "generic_shutdown_super");
  ktrace(model::EvKind::SuperShutdown, sb->id);
  sb->s_active = false;
  // evict_inodes (the unused inodes still cached; their writeback is sync_filesystem's part),
  // then the journal commit of sync_filesystem.
  evict_inodes(sb);
  jbd2_journal_commit(sb->s_journal);
  kaccess(&sb->s_dio_done_wq, Access::Write);
  if (sb->s_dio_done_wq && mutant_on(Mutant::EvictVsRunningWork)) {
    // Mutant evict-vs-running-work (the 1ada47d9468f pattern on the dio queue): teardown
    // trusts a counter instead of flushing: once nothing is *pending* (exit_aio saw every
    // completion) the queue is freed, while a worker may still be inside its work item.
    workqueue_struct* wq = sb->s_dio_done_wq;
    wait_event(&wq->idle, [wq] {
      kaccess(wq, Access::Read);
      return wq->worklist.empty();
    }, "shutdown: pending dio work");
    wq->dying = true;
    wake_up_all(&wq->more_work);
    ktrace(model::EvKind::WqDestroy, wq->id);
    kfree(wq, "workqueue");
    sb->s_dio_done_wq = nullptr;
  } else if (sb->s_dio_done_wq) {
    destroy_workqueue(sb->s_dio_done_wq);
    sb->s_dio_done_wq = nullptr;
  }
  sb->s_type->put_super(sb);
  kfree(sb, "super_block");
}

}  // namespace dc::kern
