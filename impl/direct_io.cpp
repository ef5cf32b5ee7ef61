// Port of fs/direct-io.c. Scheduling points: every bio_lock section, every atomic op, the
// cmpxchg of s_dio_done_wq, queue_work, aio_complete, kfree; plus one explicit point right
// after drop_refcount (the INV-5 window), see impl/README.md.
#include "impl/direct_io.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "impl/aio.hpp"
#include "impl/kernel/execution.hpp"
#include "impl/mutant/direct_io.hpp"

namespace dc::kern {
namespace {

constexpr unsigned kDioReapEvery = 64;

// struct dio_submit (submitter stack)
struct dio_submit {
  unsigned blkbits = 9;
  unsigned reap_counter = 0;
  buffer_head map_bh;  // zeroed once per DIO call; b_private survives get_block calls
  get_block_t get_block = nullptr;
};

void dio_bio_end_aio(bio* b, int error);
void dio_bio_end_io(bio* b, int error);
void dio_aio_complete_work(work_struct* w);

void wake_up_process_waiter(dio* d) { scheduler().wake(&d->waiter); }

// dio_bio_complete: record the status and release the bio.
int dio_bio_complete(dio* d, bio* b) {
  const bool uptodate = b->uptodate;
  if (!uptodate) d->io_error = -EIO;
  bio_put(b);
  return uptodate ? 0 : -EIO;
}

// One bio_lock section: the bio completion's decrement.
void dio_bio_end_aio(bio* b, int error) {
  dio* d = static_cast<dio*>(b->bi_private);
  kasan_check(d, "dio_bio_end_aio");
  ktrace(model::EvKind::BioEnd, b->id, error, 0, d->id);
  dio_bio_complete(d, b);
  irqflags_t fl;
  spin_lock_irqsave(&d->bio_lock, fl);
  const unsigned long remaining = --d->refcount;
  if (remaining == 1 && d->waiter != sched::kNoActor) wake_up_process_waiter(d);
  ktrace(model::EvKind::DropRefcount, d->id, static_cast<std::int64_t>(remaining), 0, d->id);
  spin_unlock_irqrestore(&d->bio_lock, fl);
  if (remaining != 0) return;

  if (!variant_has(Fix::GenericDeferredCompletion)) {
    // 3.11: complete inline in interrupt context, then free the dio here.
    kasan_check(d->iocb, "dio_bio_end_aio: iocb->ki_pos");
    dio_complete(d, d->iocb->ki_pos, 0, true);
    ktrace(model::EvKind::DioFree, d->id);
    kfree(d, "dio");
    return;
  }
  bool defer = d->defer_completion;
  // 332391a9935d: a write over cached pages must invalidate them after completion, which
  // needs process context.
  if (variant_has(Fix::InvalidateAfterDioComplete) && d->rw == WRITE &&
      d->inode->i_mapping.nrpages() > 0)
    defer = true;
  if (d->result && defer) {
    d->complete_work.owner = d;
    INIT_WORK(&d->complete_work.work, dio_aio_complete_work);
    kaccess(&d->inode->i_sb->s_dio_done_wq, Access::Read);  // a plain load in the kernel too
    queue_work(d->inode->i_sb->s_dio_done_wq, &d->complete_work.work);
  } else {
    kasan_check(d->iocb, "dio_bio_end_aio: iocb->ki_pos");
    dio_complete(d, d->iocb->ki_pos, 0, true);
  }
}

// Sync bios: one bio_lock section; the submitter reaps.
void dio_bio_end_io(bio* b, int error) {
  dio* d = static_cast<dio*>(b->bi_private);
  kasan_check(d, "dio_bio_end_io");
  ktrace(model::EvKind::BioEnd, b->id, error, 0, d->id);
  irqflags_t fl;
  spin_lock_irqsave(&d->bio_lock, fl);
  b->bi_private = d->bio_list;
  d->bio_list = b;
  const unsigned long remaining = --d->refcount;
  if (remaining == 1 && d->waiter != sched::kNoActor) wake_up_process_waiter(d);
  ktrace(model::EvKind::DropRefcount, d->id, static_cast<std::int64_t>(remaining), 0, d->id);
  spin_unlock_irqrestore(&d->bio_lock, fl);
}

void dio_aio_complete_work(work_struct* w) {
  dio* d = reinterpret_cast<dio_work*>(w)->owner;
  if (Tracer* t = Tracer::current()) t->set_op(current_actor(), d->op);
  kasan_check(d, "dio_aio_complete_work");
  kasan_check(d->iocb, "dio_aio_complete_work: iocb->ki_pos");
  if (mutant_on(Mutant::TruncateDioWaitVsWorkerLock)) return mutant_dio_complete_work_locked(d, w);
  dio_complete(d, d->iocb->ki_pos, 0, true);
}

// dio_await_one: each test of the condition is one bio_lock section.
bio* dio_await_one(dio* d) {
  irqflags_t fl;
  spin_lock_irqsave(&d->bio_lock, fl);
  while (d->refcount > 1 && d->bio_list == nullptr) {
    d->waiter = current_actor();
    spin_unlock_irqrestore(&d->bio_lock, fl);
    might_sleep("io_schedule");
    scheduler().block(&d->waiter, "dio_await_one");  // atomic with the unlock above
    spin_lock_irqsave(&d->bio_lock, fl);
    d->waiter = sched::kNoActor;
  }
  bio* b = d->bio_list;
  if (b) d->bio_list = static_cast<bio*>(b->bi_private);
  spin_unlock_irqrestore(&d->bio_lock, fl);
  return b;
}

}  // namespace

void dio_await_completion(dio* d) {
  bio* b;
  do {
    b = dio_await_one(d);
    if (b) dio_bio_complete(d, b);
  } while (b);
}

namespace {

// dio_bio_reap: every 64 bios, drain the completed sync bios.
int dio_bio_reap(dio* d, dio_submit* sdio) {
  int ret = 0;
  if (sdio->reap_counter++ >= kDioReapEvery) {
    while (READ_ONCE(d->bio_list)) {
      irqflags_t fl;
      spin_lock_irqsave(&d->bio_lock, fl);
      bio* b = d->bio_list;
      d->bio_list = static_cast<bio*>(b->bi_private);
      spin_unlock_irqrestore(&d->bio_lock, fl);
      const int ret2 = dio_bio_complete(d, b);
      if (ret == 0) ret = ret2;
    }
    sdio->reap_counter = 0;
  }
  return ret;
}

void dio_bio_submit(dio* d, bio* b) {
  b->bi_private = d;
  irqflags_t fl;
  spin_lock_irqsave(&d->bio_lock, fl);
  ++d->refcount;
  spin_unlock_irqrestore(&d->bio_lock, fl);
  ktrace(model::EvKind::BioSubmit, b->id, static_cast<std::int64_t>(b->bi_sector), b->nsect, d->id);
  submit_bio(b);  // from here the bio may complete at any time
}

// The submitter's drop. DioQueued is emitted in the same bio_lock section when the submitter
// is about to return -EIOCBQUEUED, before any completion can run.
unsigned long drop_refcount(dio* d, bool queued) {
  irqflags_t fl;
  spin_lock_irqsave(&d->bio_lock, fl);
  const unsigned long ret = --d->refcount;
  ktrace(model::EvKind::DropRefcount, d->id, static_cast<std::int64_t>(ret), 0, d->id);
  if (ret != 0 && queued) ktrace(model::EvKind::DioQueued, d->id);
  spin_unlock_irqrestore(&d->bio_lock, fl);
  return ret;
}

int dio_set_defer_completion(dio* d) {
  if (d->defer_completion) return 0;
  d->defer_completion = true;
  ktrace(model::EvKind::DeferSet, d->id);
  super_block* sb = d->inode->i_sb;
  if (!READ_ONCE(sb->s_dio_done_wq)) return sb_init_dio_done_wq(sb);
  return 0;
}

int get_more_blocks(dio* d, dio_submit* sdio, std::uint64_t fs_block, loff_t bytes_left) {
  int ret = d->page_errors;
  if (ret) return ret;
  struct inode* in = d->inode;
  const loff_t bs = in->i_sb->s_blocksize;
  buffer_head* bh = &sdio->map_bh;
  bh->b_state = 0;
  bh->b_size = static_cast<std::uint64_t>((bytes_left + bs - 1) / bs * bs);
  int create = d->rw == WRITE;
  if (d->flags & DIO_SKIP_HOLES) {
    const loff_t unit = loff_t{1} << sdio->blkbits;
    if (static_cast<loff_t>(fs_block) * bs < i_size_read(in) / unit * unit) create = 0;
  }
  ret = sdio->get_block(in, fs_block, bh, create);
  d->private_ = bh->b_private;  // unconditionally, even on error
  if (ret == 0 && variant_has(Fix::GenericDeferredCompletion) && buffer_defer_completion(bh))
    ret = dio_set_defer_completion(d);
  return ret;
}

// do_direct_IO for the one segment: map, build and submit bios; returns 0 or an error
// (-ENOTBLK for a write into an unmapped block). Advances *pos over what was processed.
int do_direct_IO(dio* d, dio_submit* sdio, const user_buf& buf, loff_t offset, loff_t* pos) {
  struct inode* in = d->inode;
  block_device* bdev = in->i_sb->s_bdev;
  const loff_t bs = in->i_sb->s_blocksize;
  const loff_t ss = bdev->sector_size;
  const loff_t end = offset + buf.len;
  const loff_t unit = loff_t{1} << sdio->blkbits;
  const loff_t i_size_aligned = (d->i_size + unit - 1) / unit * unit;
  while (*pos < end) {
    const auto lblk = static_cast<std::uint64_t>(*pos / bs);
    const loff_t blk_start = static_cast<loff_t>(lblk) * bs;
    if (d->rw == READ && *pos >= i_size_aligned) return 0;  // read past EOF stops
    int ret = get_more_blocks(d, sdio, lblk, end - blk_start);
    if (ret) return ret;
    buffer_head* bh = &sdio->map_bh;
    if (!buffer_mapped(bh)) {
      if (d->rw == WRITE) return -ENOTBLK;
      // a hole in a read: zero the user memory
      const loff_t chunk_end = std::min(end, blk_start + bs);
      for (loff_t p = *pos; p < chunk_end; p += ss) buf.read[(p - offset) / ss] = model::kZero;
      *pos = chunk_end;
      continue;
    }
    const loff_t nblocks = std::max<loff_t>(1, static_cast<loff_t>(bh->b_size) / bs);
    const loff_t chunk_end = std::min(end, blk_start + nblocks * bs);
    ret = dio_bio_reap(d, sdio);
    if (ret) return ret;
    bio* b = bio_alloc(GFP_KERNEL);
    if (!b) return -ENOMEM;
    b->bi_bdev = bdev;
    b->op = d->op;
    b->bi_end_io = d->is_async ? dio_bio_end_aio : dio_bio_end_io;
    const std::uint64_t spb = bdev->spb;
    if (d->rw == WRITE) {
      // A newly allocated block is written whole: the parts outside the request are
      // zeroed (dio_zero_block / the tail zeroing of step 11).
      const bool whole = buffer_new(bh);
      const loff_t first = whole ? blk_start : *pos;
      const loff_t last = whole ? (chunk_end + bs - 1) / bs * bs : chunk_end;
      b->bi_rw = REQ_WRITE;
      b->bi_sector = bh->b_blocknr * spb + static_cast<std::uint64_t>((first - blk_start) / ss);
      b->nsect = static_cast<std::uint32_t>((last - first) / ss);
      b->data.resize(b->nsect);
      for (std::uint32_t i = 0; i < b->nsect; ++i) {
        const loff_t p = first + i * ss;
        b->data[i] = (p >= offset && p < end) ? buf.write_id : model::kZero;
      }
    } else {
      b->bi_rw = 0;
      b->bi_sector = bh->b_blocknr * spb + static_cast<std::uint64_t>((*pos - blk_start) / ss);
      b->nsect = static_cast<std::uint32_t>((chunk_end - *pos) / ss);
      b->read_dst = buf.read + (*pos - offset) / ss;
    }
    *pos = chunk_end;
    dio_bio_submit(d, b);
  }
  return 0;
}

}  // namespace

int sb_init_dio_done_wq(super_block* sb) {
  workqueue_struct* wq = alloc_workqueue(fmt::format("dio/{}", sb->s_id), WQ_MEM_RECLAIM, 0);
  if (!wq) return -ENOMEM;
  if (mutant_on(Mutant::DioDoneWqInitRace)) return mutant_sb_publish_dio_done_wq(sb, wq);
  workqueue_struct* old = cmpxchg<workqueue_struct>(&sb->s_dio_done_wq, nullptr, wq);
  if (!old) ktrace(model::EvKind::WqPublish, wq->id);
  if (variant_has(Fix::SbInitWqCmpxchgReturn)) {
    if (old) destroy_workqueue(wq);  // v3.12: the return value says we lost
  } else {
    if (READ_ONCE(sb->s_dio_done_wq) != wq) destroy_workqueue(wq);  // 7b7a8665: re-read
  }
  return 0;
}

void dio_end_io(dio* d, loff_t offset, ssize_t size) {
  ktrace(model::EvKind::EndIo, d->id, offset, size);
  d->end_io(d->iocb, offset, size, d->private_, 0, false);
}

namespace {

// 3.11: the fs end_io owns inode_dio_done and aio_complete; the caller frees the dio.
ssize_t dio_complete_v311(dio* d, loff_t offset, ssize_t ret, ssize_t transferred, bool is_async) {
  if (d->end_io && d->result) {
    ktrace(model::EvKind::EndIo, d->id, offset, transferred);
    d->end_io(d->iocb, offset, transferred, d->private_, static_cast<int>(ret), is_async);
  } else {
    inode_dio_done(d->inode);
    if (is_async) aio_complete(d->iocb, ret, 0);
  }
  return ret;
}

}  // namespace

// v3.12 dio_complete, step for step. 3.11 (end_io owns completion) is apart; 3.12-fixed
// differs in three lines (end_io always called and told the result, invalidation).
ssize_t dio_complete(dio* d, loff_t offset, ssize_t ret, bool is_async) {
  kasan_check(d, "dio_complete");
  const ssize_t ret_in = ret;
  ssize_t transferred = 0;

  // AIO submission can race with bio completion to get here while expecting the last I/O
  // to be completed by the bio completion: -EIOCBQUEUED is then not an error to keep.
  if (ret == -EIOCBQUEUED) ret = 0;

  if (d->result) {
    transferred = d->result;
    // short read
    if (d->rw == READ && offset + transferred > d->i_size) transferred = d->i_size - offset;
  }

  if (ret == 0) ret = d->page_errors;
  if (ret == 0) ret = d->io_error;
  if (ret == 0) ret = transferred;
  ktrace(model::EvKind::DioComplete, d->id, ret_in, is_async);
  if (!variant_has(Fix::GenericDeferredCompletion)) return dio_complete_v311(d, offset, ret, transferred, is_async);
  if (dio_complete_mutated()) return mutant_dio_complete(d, offset, ret, transferred, is_async);

  // 187372a3b9fa: end_io is always called and gets the result (an I/O error as a negative size).
  if (d->end_io && (d->result || variant_has(Fix::Ext4IoEndViaBPrivate)))
    dio_end_io(d, offset, variant_has(Fix::NoConvertOnIoError) ? ret : transferred);
  // 332391a9935d: invalidate the page cache after the write completed.
  if (variant_has(Fix::InvalidateAfterDioComplete) && ret > 0 && d->rw == WRITE && d->inode->i_mapping.nrpages() > 0)
    invalidate_inode_pages2_range(d->inode, offset, offset + ret - 1);

  inode_dio_done(d->inode);
  if (is_async) {
    if (variant_has(Fix::DsyncAio) && d->rw == WRITE) {
      kasan_check(d->iocb, "dio_complete: generic_write_sync");
      const int err = generic_write_sync(d->iocb->ki_filp, offset, transferred, d->iocb->ki_dsync);
      if (err < 0 && ret > 0) ret = err;
    }
    aio_complete(d->iocb, ret, 0);
  }

  ktrace(model::EvKind::DioFree, d->id);
  kfree(d, "dio");
  return ret;
}

ssize_t __blockdev_direct_IO(int rw, kiocb* iocb, struct inode* in, const user_buf& buf,
                             loff_t offset, get_block_t get_block, dio_iodone_t end_io, int flags) {
  const loff_t end = offset + buf.len;
  block_device* bdev = in->i_sb->s_bdev;
  dio_submit sdio;
  sdio.blkbits = in->i_blkbits;
  // alignment: fs block first, then the device's logical block size
  if ((offset | buf.len) & ((loff_t{1} << sdio.blkbits) - 1)) {
    unsigned bdev_blkbits = 0;
    while ((1u << bdev_blkbits) < bdev->sector_size) ++bdev_blkbits;
    sdio.blkbits = bdev_blkbits;
    if ((offset | buf.len) & ((loff_t{1} << bdev_blkbits) - 1)) return -EINVAL;
  }
  if (rw == READ && end == offset) return 0;  // zero-length read

  dio* d = kzalloc<dio>("dio", GFP_KERNEL);
  if (!d) return -ENOMEM;
  d->id = kobj_of(d);
  d->op = iocb->ki_op;
  d->flags = flags;
  ktrace(model::EvKind::DioSubmit, d->id, offset, buf.len, rw == WRITE);
  if (d->flags & DIO_LOCKING && rw == READ) {
    mutex_lock(&in->i_mutex);
    const int r = filemap_write_and_wait_range(in, offset, end - 1);
    if (r) {
      mutex_unlock(&in->i_mutex);
      ktrace(model::EvKind::DioFree, d->id);  // every DioSubmit has its DioFree
      kfree(d, "dio");
      return r;
    }
  }
  if (!variant_has(Fix::DsyncAio)) inode_dio_begin(in);
  d->is_async = !is_sync_kiocb(iocb) && !(rw == WRITE && end > i_size_read(in));
  ktrace(model::EvKind::DioIsAsync, d->id, d->is_async);
  d->inode = in;
  if (d->is_async && rw == WRITE) {
    int r = 0;
    // Mutant dsync-defer-predicate: the defer decision sees only the file's O_(D)SYNC /
    // IS_SYNC, while dio_complete syncs on the per-I/O RWF_DSYNC flag too.
    const bool dsync = mutant_on(Mutant::DsyncDeferPredicate)
                           ? ((iocb->ki_filp->f_flags & (O_DSYNC_ | O_SYNC_)) || IS_SYNC(in))
                           : iocb_is_dsync(iocb);
    if (variant_has(Fix::DsyncAio) && dsync) {
      // 02afc27: O_(D)SYNC AIO writes always complete in the worker.
      r = dio_set_defer_completion(d);
    } else if (variant_has(Fix::InvalidateAfterDioComplete) &&
               !READ_ONCE(in->i_sb->s_dio_done_wq)) {
      // 332391a9935d: a later completion may have to defer, so the queue must exist.
      r = sb_init_dio_done_wq(in->i_sb);
    }
    if (r) {
      if (!variant_has(Fix::DsyncAio)) inode_dio_done(in);  // undo the early increment
      ktrace(model::EvKind::DioFree, d->id);
      kfree(d, "dio");
      return r;
    }
  }
  if (variant_has(Fix::DsyncAio)) inode_dio_begin(in);  // 02afc27 moved it here
  d->rw = rw;
  d->iocb = iocb;
  d->i_size = i_size_read(in);
  d->end_io = end_io;
  d->refcount = 1;
  spin_lock_init(&d->bio_lock);
  sdio.get_block = get_block;

  loff_t pos = offset;
  ssize_t retval = do_direct_IO(d, &sdio, buf, offset, &pos);
  d->result += pos - offset;
  if (retval == -ENOTBLK) retval = 0;  // the caller falls back to buffered I/O
  if (d->flags & DIO_LOCKING && rw == READ) mutex_unlock(&in->i_mutex);

  if (d->is_async && retval == 0 && d->result && (rw == READ || d->result == buf.len))
    retval = -EIOCBQUEUED;
  if (retval != -EIOCBQUEUED) dio_await_completion(d);

  const unsigned long left = drop_refcount(d, retval == -EIOCBQUEUED);
  sched_point(d, Access::Read);  // the window between drop_refcount and what follows
  if (mutant_on(Mutant::IomapDioUafLastRef) && left != 0) mutant_reread_dio_after_drop(d);
  if (left == 0) {
    retval = dio_complete(d, offset, retval, false);
    if (!variant_has(Fix::GenericDeferredCompletion)) {
      ktrace(model::EvKind::DioFree, d->id);
      kfree(d, "dio");
    }
  } else {
    BUG_ON(retval != -EIOCBQUEUED, "do_blockdev_direct_IO: refcount left but not queued");
  }
  return retval;
}

}  // namespace dc::kern
