// Port of fs/iomap/direct-io.c (6.6 / 6.18.y): __iomap_dio_rw, iomap_dio_bio_iter,
// iomap_dio_bio_end_io / iomap_dio_done, iomap_dio_complete(_work). Scheduling points: every
// atomic on dio->ref and i_dio_count, the dio->error cmpxchg, the waiter handshake, the
// s_dio_done_wq test/creation, queue_work, submit_bio, page-cache steps (impl/README.md).
#include <algorithm>

#include "impl/aio.hpp"
#include "impl/direct_io.hpp"  // sb_init_dio_done_wq (fs/super.c), shared with the 3.x engine
#include "impl/iomap/iomap.hpp"
#include "impl/kernel/execution.hpp"

namespace dc::kern {
namespace {

// Private dio->flags (bit numbers as in the kernel; low bits are IOMAP_DIO_UNWRITTEN/COW).
enum : unsigned {
  IOMAP_DIO_CALLER_COMP = 1u << 26,  // only with Config::iomap_caller_comp (838b35bb6a89 turned it off)
  IOMAP_DIO_INLINE_COMP = 1u << 27,
  IOMAP_DIO_WRITE_THROUGH = 1u << 28,
  IOMAP_DIO_NEED_SYNC = 1u << 29,
  IOMAP_DIO_WRITE = 1u << 30,
  IOMAP_DIO_DIRTY = 1u << 31,
};

struct iomap_dio;
struct iomap_dio_work {
  work_struct work;  // first member: handed to s_dio_done_wq
  iomap_dio* owner = nullptr;
};

struct iomap_dio {
  kiocb* iocb = nullptr;
  const iomap_dio_ops* dops = nullptr;
  loff_t i_size = 0;  // unlocked i_size_read at submission
  loff_t size = 0;    // bytes put in bios or zero-filled; written by the submitter only
  atomic_t ref;       // 1 for the submitter + 1 per bio in flight
  unsigned flags = 0;
  int error = 0;      // first error wins (iomap_dio_set_error)
  bool wait_for_completion = false;
  ActorId waiter = sched::kNoActor;  // submit.waiter: cleared by the final bio completion
  iomap_dio_work aio;                // union with submit in the kernel: set up by the completer
  // port only
  struct inode* inode = nullptr;  // file_inode(iocb->ki_filp)
  const user_buf* buf = nullptr;  // the iov_iter
  loff_t buf_pos = 0;             // file offset of the user buffer's first byte
  bool submit_error = false;      // dio->error came from the submitter (DioComplete payload)
  model::ObjId id = 0;
  std::uint32_t op = model::kNoOp;
};

void iomap_dio_set_error(iomap_dio* d, int err) {
  sched_point(&d->error);  // cmpxchg(&dio->error, 0, ret): raced by submitter and bios
  if (d->error == 0) d->error = err;
}

bool iocb_is_sync(const kiocb* k) {  // IOCB_SYNC: O_SYNC or IS_SYNC, not O_DSYNC / RWF_DSYNC
  return (k->ki_filp->f_flags & O_SYNC_) || IS_SYNC(k->ki_filp->f_inode);
}

// Our device has a volatile write cache and supports FUA, as most SSDs and NVMe drives.
bool bdev_write_cache(const block_device*) { return true; }
bool bdev_fua(const block_device*) { return true; }

ssize_t iomap_dio_complete(iomap_dio* d, bool is_async) {
  kasan_check(d, "iomap_dio_complete");
  kiocb* iocb = d->iocb;
  kasan_check(iocb, "iomap_dio_complete: iocb->ki_pos");
  struct inode* in = d->inode;
  const loff_t offset = iocb->ki_pos;
  ssize_t ret = d->error;
  ktrace(model::EvKind::DioComplete, d->id, d->submit_error ? d->error : 0, is_async);
  if (d->dops && d->dops->end_io) {
    ktrace(model::EvKind::EndIo, d->id, offset, d->size);
    ret = d->dops->end_io(iocb, d->size, d->error, d->flags & (IOMAP_DIO_UNWRITTEN | IOMAP_DIO_COW));
  }
  if (ret == 0) {
    ret = d->size;
    if (offset + ret > d->i_size && !(d->flags & IOMAP_DIO_WRITE)) ret = d->i_size - offset;  // short read
  }
  // kiocb_invalidate_post_direct_write: after ->end_io converted, or a racing buffered read
  // could cache zeros from unwritten extents. A failure only warns.
  if (!d->error && d->size && (d->flags & IOMAP_DIO_WRITE) && in->i_mapping.nrpages() > 0)
    invalidate_inode_pages2_range(in, offset, offset + d->size - 1);
  inode_dio_done(in);  // inode_dio_end, before the sync (1a31182edd00)
  if (ret > 0) {
    iocb->ki_pos += ret;  // 936e114a245b: after end_io and the invalidation
    if (d->flags & IOMAP_DIO_NEED_SYNC) {
      const int err = generic_write_sync(iocb->ki_filp, iocb->ki_pos - ret, ret, iocb->ki_dsync);
      if (err < 0) ret = err;
    }
  }
  ktrace(model::EvKind::DioFree, d->id);
  kfree(d, "iomap_dio");
  return ret;
}

// iomap_dio_deferred_complete: iocb->dio_complete, run by the issuer's task_work.
ssize_t iomap_dio_deferred_complete(void* data) {
  iomap_dio* d = static_cast<iomap_dio*>(data);
  Tracer* t = Tracer::current();
  const std::uint32_t was = t ? t->op_of(current_actor()) : model::kNoOp;
  if (t) t->set_op(current_actor(), d->op);  // the events are the dio's op, not the task's current one
  const ssize_t ret = iomap_dio_complete(d, true);
  if (t) t->set_op(current_actor(), was);
  return ret;
}

void iomap_dio_complete_work(work_struct* w) {
  iomap_dio* d = reinterpret_cast<iomap_dio_work*>(w)->owner;
  if (Tracer* t = Tracer::current()) t->set_op(current_actor(), d->op);
  kasan_check(d, "iomap_dio_complete_work");
  kiocb* iocb = d->iocb;
  const ssize_t ret = iomap_dio_complete(d, true);
  aio_complete(iocb, ret, 0);  // iocb->ki_complete, after the dio was freed
}

// Called by the completion that dropped dio->ref to 0 (iomap_dio_done in 6.18, inline in
// iomap_dio_bio_end_io in 6.6; same order).
void iomap_dio_done(iomap_dio* d) {
  kiocb* iocb = d->iocb;
  if (d->wait_for_completion) {
    // The submitter completes. After the store the dio may be freed at any moment.
    const ActorId waiter = d->waiter;
    ktrace(model::EvKind::DioWake, d->id);
    sched_point(&d->waiter);  // WRITE_ONCE(dio->submit.waiter, NULL)
    d->waiter = sched::kNoActor;
    (void)waiter;
    scheduler().wake(&d->waiter);  // blk_wake_io_task(waiter): only the saved task is used
    return;
  }
  // 6.18.2+ (ddb4873286e0 backport): error completions run in user context.
  if (variant_has(Fix::IomapErrorCompletionInTask) && d->error) d->flags &= ~IOMAP_DIO_INLINE_COMP;
  if (d->flags & IOMAP_DIO_INLINE_COMP) {
    WRITE_ONCE<void*>(iocb->private_, nullptr);
    d->aio.owner = d;  // container_of in the kernel
    iomap_dio_complete_work(&d->aio.work);  // in this interrupt
    return;
  }
  if (d->flags & IOMAP_DIO_CALLER_COMP) {
    // Hand the completion to the issuer: ki_complete (io_uring's io_complete_rw) sees
    // dio_complete set and queues it as task_work; i_dio_count stays raised until then.
    ktrace(model::EvKind::DioCallerComp, d->id);
    iocb->private_ = d;
    iocb->dio_complete = iomap_dio_deferred_complete;
    io_complete_rw_caller(iocb);
    return;
  }
  d->aio.owner = d;
  INIT_WORK(&d->aio.work, iomap_dio_complete_work);
  kaccess(&d->inode->i_sb->s_dio_done_wq, Access::Read);  // a plain load
  queue_work(d->inode->i_sb->s_dio_done_wq, &d->aio.work);
}

void iomap_dio_bio_end_io(bio* b, int error) {
  iomap_dio* d = static_cast<iomap_dio*>(b->bi_private);
  kasan_check(d, "iomap_dio_bio_end_io");
  ktrace(model::EvKind::BioEnd, b->id, error, 0, d->id);
  if (error) iomap_dio_set_error(d, -EIO);
  const int left = atomic_dec_return(&d->ref);
  ktrace(model::EvKind::DropRefcount, d->id, left, 0, d->id);
  if (left == 0) iomap_dio_done(d);
  bio_put(b);  // only the bio from here: the dio may be gone
}

void iomap_dio_submit_bio(iomap_dio* d, bio* b) {
  atomic_inc(&d->ref);  // before submit_bio: from then on the bio may complete
  ktrace(model::EvKind::BioSubmit, b->id, static_cast<std::int64_t>(b->bi_sector), b->nsect, d->id);
  submit_bio(b);
}

bio* iomap_dio_alloc_bio(iomap_dio* d, const iomap& m, loff_t pos, unsigned opf) {
  bio* b = bio_alloc(GFP_KERNEL);
  if (!b) return nullptr;
  block_device* bdev = d->inode->i_sb->s_bdev;
  b->bi_bdev = bdev;
  b->op = d->op;
  b->bi_rw = opf;
  b->bi_private = d;
  b->bi_end_io = iomap_dio_bio_end_io;
  b->bi_sector = m.addr_blk * bdev->spb + static_cast<std::uint64_t>((pos - m.offset) / bdev->sector_size);
  return b;
}

// iomap_dio_zero: a zero bio over [pos, pos + len) of the mapping.
int iomap_dio_zero(iomap_dio* d, const iomap& m, loff_t pos, loff_t len) {
  if (!len) return 0;
  bio* b = iomap_dio_alloc_bio(d, m, pos, REQ_WRITE);
  if (!b) return -ENOMEM;  // port: bio_alloc from a bioset cannot fail in the kernel
  b->nsect = static_cast<std::uint32_t>(len / d->inode->i_sb->s_bdev->sector_size);
  b->data.assign(b->nsect, model::kZero);
  iomap_dio_submit_bio(d, b);
  return 0;
}

bool iomap_dio_can_use_fua(const iomap& m, const iomap_dio* d) {
  if (m.flags & (IOMAP_F_SHARED | IOMAP_F_DIRTY)) return false;
  if (!(d->flags & IOMAP_DIO_WRITE_THROUGH)) return false;
  return !bdev_write_cache(d->inode->i_sb->s_bdev) || bdev_fua(d->inode->i_sb->s_bdev);
}

// iomap_dio_bio_iter for one mapping [pos, pos + length): returns bytes submitted or -errno.
// One data bio per mapping (the port's convention, as for the 3.x engine).
loff_t iomap_dio_bio_iter(iomap_dio* d, const iomap& m, loff_t pos, loff_t length) {
  struct inode* in = d->inode;
  const loff_t bs = in->i_sb->s_blocksize;
  const loff_t ss = in->i_sb->s_bdev->sector_size;
  if ((pos | length) & (ss - 1)) return -EINVAL;
  const bool write = d->flags & IOMAP_DIO_WRITE;
  unsigned opf = write ? REQ_WRITE : 0u;
  bool need_zeroout = false;
  if (write) {
    if (m.type == IOMAP_UNWRITTEN) {
      d->flags |= IOMAP_DIO_UNWRITTEN;
      need_zeroout = true;
    }
    if (m.flags & IOMAP_F_SHARED) d->flags |= IOMAP_DIO_COW;
    // Mutant iomap-fua-into-unwritten (before 0929d8580071): FUA for an unwritten mapping
    // too, so the sync that would make its completion's conversion durable is skipped.
    const bool fua_type = m.type == IOMAP_MAPPED || mutant_on(Mutant::IomapFuaIntoUnwritten);
    if (m.flags & IOMAP_F_NEW)
      need_zeroout = true;
    else if (fua_type && iomap_dio_can_use_fua(m, d))
      opf |= REQ_FUA;
    if (!(opf & REQ_FUA)) d->flags &= ~IOMAP_DIO_WRITE_THROUGH;
    // Caller completion only for a pure overwrite inside EOF whose completion needs no cache
    // flush (the EOF load is a point only when the flag is set, so default traces keep theirs).
    if ((d->flags & IOMAP_DIO_CALLER_COMP) &&
        (need_zeroout || ((d->flags & IOMAP_DIO_NEED_SYNC) && !(opf & REQ_FUA)) || pos >= i_size_read(in)))
      d->flags &= ~IOMAP_DIO_CALLER_COMP;
  }
  if (length == 0) return 0;
  int ret = 0;
  loff_t copied = 0;
  if (need_zeroout) {
    const loff_t pad = pos & (bs - 1);  // from the block start to the write offset
    ret = iomap_dio_zero(d, m, pos - pad, pad);
    if (ret) return ret;
  }
  // The submitter's racy look at dio->error before each bio. 6.6 / 6.18.0-.34 revert the
  // iter by what this mapping submitted, 6.18.35 (4ad357e39b2e) just stop: with one bio per
  // mapping nothing was submitted yet, so both stop with 0 here.
  kaccess(&d->error, Access::Read);
  if (d->error) return 0;
  bio* b = iomap_dio_alloc_bio(d, m, pos, opf);
  if (!b) return -ENOMEM;  // port: see iomap_dio_zero
  b->nsect = static_cast<std::uint32_t>(length / ss);
  if (write) {
    b->data.assign(b->nsect, d->buf->write_id);
  } else {
    b->read_dst = d->buf->read + (pos / ss - d->buf_pos / ss);  // user memory by file sector
  }
  d->size += length;
  copied = length;
  iomap_dio_submit_bio(d, b);
  const loff_t end = pos + length;
  // zero_tail: the extent type needs it, or the write ends at/after EOF (an unlocked read)
  if (need_zeroout || (write && end >= i_size_read(in))) {
    const loff_t pad = end & (bs - 1);
    if (pad) ret = iomap_dio_zero(d, m, end, bs - pad);
  }
  (void)ret;  // copied is returned when anything was submitted, as in the kernel
  return copied;
}

// iomap_dio_hole_iter: a read of a hole or unwritten extent zero-fills the user buffer.
loff_t iomap_dio_hole_iter(iomap_dio* d, loff_t pos, loff_t length) {
  const loff_t ss = d->inode->i_sb->s_bdev->sector_size;
  // iov_iter_zero; the port's user buffer has one entry per file sector the read overlaps
  for (loff_t s = pos / ss; s * ss < pos + length; ++s) d->buf->read[s - d->buf_pos / ss] = model::kZero;
  d->size += length;
  return length;
}

loff_t iomap_dio_iter(iomap_dio* d, const iomap& m, loff_t pos, loff_t length) {
  const bool write = d->flags & IOMAP_DIO_WRITE;
  switch (m.type) {
    case IOMAP_HOLE:
      if (WARN_ON(write, "iomap_dio_iter: write to a hole")) return -EIO;
      return iomap_dio_hole_iter(d, pos, length);
    case IOMAP_UNWRITTEN:
      if (!write) return iomap_dio_hole_iter(d, pos, length);
      return iomap_dio_bio_iter(d, m, pos, length);
    case IOMAP_MAPPED:
      return iomap_dio_bio_iter(d, m, pos, length);
    default:
      return -EIO;  // DELALLOC: "Direct I/O collision with buffered writes"
  }
}

// kiocb_invalidate_pages: write back and drop cached pages of the range before a DIO write.
// IOCB_NOWAIT: any cached page could block, so -EAGAIN.
int kiocb_invalidate_pages(kiocb* iocb, struct inode* in, loff_t pos, loff_t len) {
  if (iocb->ki_nowait) return filemap_range_has_page(in, pos, pos + len - 1) ? -EAGAIN : 0;
  int ret = filemap_write_and_wait_range(in, pos, pos + len - 1);
  if (ret) return ret;
  if (in->i_mapping.nrpages() == 0) return 0;
  return invalidate_inode_pages2_range(in, pos, pos + len - 1);
}

}  // namespace

ssize_t iomap_dio_rw(kiocb* iocb, const user_buf& buf, bool write, const iomap_ops* ops,
                     const iomap_dio_ops* dops, unsigned dio_flags) {
  struct inode* in = iocb->ki_filp->f_inode;
  const loff_t pos0 = iocb->ki_pos;
  const loff_t len = buf.len;
  bool wait_for_completion = is_sync_kiocb(iocb) || (dio_flags & IOMAP_DIO_FORCE_WAIT);
  if (len == 0) return 0;

  iomap_dio* d = kzalloc<iomap_dio>("iomap_dio", GFP_KERNEL);
  if (!d) return -ENOMEM;
  d->id = kobj_of(d);
  d->op = iocb->ki_op;
  ktrace(model::EvKind::DioSubmit, d->id, pos0, len, write);
  d->iocb = iocb;
  d->ref.counter = 1;  // atomic_set before the dio is published
  d->size = 0;
  d->i_size = i_size_read(in);
  d->dops = dops;
  d->inode = in;
  d->buf = &buf;
  d->buf_pos = pos0;
  d->waiter = current_actor();
  unsigned iflags = IOMAP_DIRECT;
  if (iocb->ki_nowait) iflags |= IOMAP_NOWAIT;
  ssize_t ret = 0;
  auto out_free_dio = [&](ssize_t r) -> ssize_t {
    ktrace(model::EvKind::DioFree, d->id);  // every DioSubmit has its DioFree
    kfree(d, "iomap_dio");
    return r;
  };

  if (!write) {
    d->flags |= IOMAP_DIO_INLINE_COMP;  // reads can always complete inline
    if (pos0 >= d->i_size) return out_free_dio(0);
    d->flags |= IOMAP_DIO_DIRTY;  // user-backed iter
    // kiocb_write_and_wait; IOCB_NOWAIT: -EAGAIN if writeback would be needed
    if (iocb->ki_nowait)
      ret = filemap_range_needs_writeback(in, pos0, pos0 + len - 1) ? -EAGAIN : 0;
    else
      ret = filemap_write_and_wait_range(in, pos0, pos0 + len - 1);
    if (ret) return out_free_dio(ret);
  } else {
    iflags |= IOMAP_WRITE;
    d->flags |= IOMAP_DIO_WRITE;
    if (iocb->ki_caller_comp) d->flags |= IOMAP_DIO_CALLER_COMP;  // the issuer can complete it
    if (dio_flags & IOMAP_DIO_OVERWRITE_ONLY) {
      if (pos0 >= d->i_size || pos0 + len > d->i_size) return out_free_dio(-EAGAIN);
      iflags |= IOMAP_OVERWRITE_ONLY;
    }
    if (iocb_is_dsync(iocb)) {
      d->flags |= IOMAP_DIO_NEED_SYNC;
      // datasync only: try write-through (FUA), cleared by any non-FUA bio
      if (!iocb_is_sync(iocb)) d->flags |= IOMAP_DIO_WRITE_THROUGH;
    }
    ret = kiocb_invalidate_pages(iocb, in, pos0, len);
    if (ret) return out_free_dio(ret != -EAGAIN ? -ENOTBLK : ret);  // fall back to buffered
    if (!variant_has(Fix::IomapErrorCompletionInTask) && !wait_for_completion &&
        !READ_ONCE(in->i_sb->s_dio_done_wq)) {
      ret = sb_init_dio_done_wq(in->i_sb);
      if (ret < 0) return out_free_dio(ret);
    }
  }
  // 6.18.2+: the queue is created for async reads too (their errors complete in it).
  if (variant_has(Fix::IomapErrorCompletionInTask) && !wait_for_completion &&
      !READ_ONCE(in->i_sb->s_dio_done_wq)) {
    ret = sb_init_dio_done_wq(in->i_sb);
    if (ret < 0) return out_free_dio(ret);
  }

  inode_dio_begin(in);

  // iomap_iter: ->iomap_begin, the mapping's I/O, ->iomap_end, advance.
  loff_t pos = pos0;
  ret = 0;
  while (pos < pos0 + len) {
    iomap m;
    const loff_t want = pos0 + len - pos;
    int r = ops->iomap_begin(in, pos, want, iflags, &m);
    if (r < 0) {
      ret = r;
      break;
    }
    const loff_t n = std::min(want, m.offset + m.length - pos);
    const loff_t done = iomap_dio_iter(d, m, pos, n);
    if (ops->iomap_end) {
      r = ops->iomap_end(in, pos, n, done > 0 ? done : 0, iflags, &m);
      if (r < 0 && done == 0) {  // iomap_iter: an ->iomap_end error counts only if nothing was processed
        ret = r;
        break;
      }
    }
    if (done < 0) {
      ret = done;
      break;
    }
    if (done == 0) break;
    pos += done;
  }
  if (ret == -ENOTBLK) {  // magic error code to fall back to buffered I/O
    wait_for_completion = true;
    ret = 0;
  }
  if (ret < 0) {
    iomap_dio_set_error(d, static_cast<int>(ret));
    d->submit_error = true;
  }
  // All write bios went through FUA: no cache flush needed at completion.
  if (d->flags & IOMAP_DIO_WRITE_THROUGH) {
    d->flags &= ~IOMAP_DIO_NEED_SYNC;
    ktrace(model::EvKind::WriteThrough, d->id);
  }

  d->wait_for_completion = wait_for_completion;
  const int left = atomic_dec_return(&d->ref);
  ktrace(model::EvKind::DropRefcount, d->id, left, 0, d->id);
  if (left != 0 && !wait_for_completion) ktrace(model::EvKind::DioQueued, d->id);  // same step
  if (left != 0) {
    bool wait = wait_for_completion;
    if (mutant_on(Mutant::IomapDioUafLastRef)) {
      // Mutant iomap-dio-uaf-last-ref (4ea899ead278): the submitter reads
      // dio->wait_for_completion after its decrement instead of a local copy; the last bio
      // completion may have completed and freed the dio in between.
      sched_point(d, Access::Read);
      kasan_check(d, "__iomap_dio_rw: dio->wait_for_completion after the decrement");
      wait = d->wait_for_completion;
    }
    if (!wait) return -EIOCBQUEUED;
    might_sleep("blk_io_schedule");
    for (;;) {
      sched_point(&d->waiter, Access::Read);  // set_current_state + READ_ONCE(submit.waiter)
      if (d->waiter == sched::kNoActor) break;
      ktrace(model::EvKind::Sleep, d->id);
      scheduler().block(&d->waiter, "__iomap_dio_rw: blk_io_schedule");
    }
  }
  return iomap_dio_complete(d, false);
}

}  // namespace dc::kern
