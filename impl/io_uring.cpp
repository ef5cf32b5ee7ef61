#include "impl/io_uring.hpp"

#include "impl/kernel/execution.hpp"

namespace dc::kern {

// struct io_kiocb with its struct io_rw (the kiocb) and io_async_rw (bytes_done).
struct io_kiocb {
  kiocb rw;
  io_ring_ctx* ctx = nullptr;
  user_buf buf;      // the whole user buffer of the SQE
  loff_t pos0 = 0;   // sqe->off
  bool is_read = false;
  ssize_t bytes_done = 0;  // io_async_rw::bytes_done: what earlier (short) issues did
  ssize_t cqe_res = 0;
  bool reissue = false;  // REQ_F_REISSUE: requeue to io-wq when completed, no CQE
  model::ObjId id = 0;
};

namespace {

io_kiocb* cmd_to_io_kiocb(kiocb* k) { return static_cast<io_kiocb*>(k->ki_req); }

// io_fixup_rw_res: add what earlier issues of the request did.
ssize_t io_fixup_rw_res(const io_kiocb* req, ssize_t res) {
  if (req->bytes_done > 0) return res < 0 ? req->bytes_done : res + req->bytes_done;
  return res;
}

// io_free_req: the file reference of the request goes with it.
void io_free_req(io_kiocb* req) {
  ktrace(model::EvKind::KiocbFree, req->id, 0, 0, 0, req->rw.ki_op);
  if (req->rw.ki_filp) fput(req->rw.ki_filp);
  kfree(req, "kiocb");
}

// __io_req_complete_post / the submission flush: fill a CQE under completion_lock, publish the
// tail and wake io_cqring_wait. After the CQE the request is freed.
void io_post_cqe(io_kiocb* req) {
  io_ring_ctx* ctx = req->ctx;
  irqflags_t fl;
  spin_lock_irqsave(&ctx->completion_lock, fl);
  kaccess(ctx, Access::Write);  // the CQ ring and inflight; the waiter tests them
  io_event ev;
  ev.op = req->rw.ki_op;
  ev.obj = req->id;
  ev.res = req->cqe_res;
  ev.read_buf = req->is_read ? req->rw.ki_buf : nullptr;
  ev.offset = req->pos0;
  ctx->cq.push_back(ev);
  --ctx->inflight;
  ktrace(model::EvKind::AioComplete, req->id, req->cqe_res, 0, 0, req->rw.ki_op);
  spin_unlock_irqrestore(&ctx->completion_lock, fl);
  io_free_req(req);
  wake_up(&ctx->cq_wait);
}

// io_req_task_work_add (no DEFER_TASKRUN): onto the submitter's task_list, then
// task_work_add(TWA_SIGNAL): a submitter asleep in io_cqring_wait wakes and runs it.
void io_req_task_work_add(io_kiocb* req) {
  io_ring_ctx* ctx = req->ctx;
  ktrace(model::EvKind::UringTaskWork, req->id, req->cqe_res, 0, 0, req->rw.ki_op);
  sched_point(&ctx->task_work);  // llist_add
  ctx->task_work.push_back(req);
  wake_up(&ctx->cq_wait);
}

// io_complete_rw: kiocb->ki_complete, from whatever context finished the I/O (the dio worker,
// an interrupt for inline read completions, the submitter). With IOCB_DIO_CALLER_COMP and
// dio_complete set, the result is only known once the task_work ran dio_complete.
void io_complete_rw(kiocb* k, long res) {
  io_kiocb* req = cmd_to_io_kiocb(k);
  kasan_check(req, "io_complete_rw");
  if (!k->dio_complete || !k->ki_caller_comp) {
    // __io_complete_rw_common (6.14+): -EAGAIN is retried (io_rw_should_reissue: a regular
    // file, no RWF_NOWAIT, not from an io-wq worker, ring alive), not reported.
    if (res == -EAGAIN && variant_has(Fix::IoUringReissueAtCompletion) && current_actor() != req->ctx->iowq_actor)
      req->reissue = true;
    req->cqe_res = io_fixup_rw_res(req, res);
  }
  io_req_task_work_add(req);
}

// io_rw_done: anything but -EIOCBQUEUED goes through ki_complete.
void io_rw_done(kiocb* k, ssize_t ret) {
  if (ret == -EIOCBQUEUED) return;
  if (ret == -512 /* -ERESTARTSYS */) ret = -EINTR;
  k->ki_complete(k, ret);
}

void io_queue_iowq(io_kiocb* req);

// io_write / io_read + kiocb_done for one issue. nonblock: the inline issue from
// io_uring_enter (IO_URING_F_NONBLOCK), else the io-wq worker. Returns true when the request
// must be issued again (a short result; the io-wq worker loops, io_wq_submit_work).
bool io_issue_rw(io_kiocb* req, bool nonblock) {
  kiocb* k = &req->rw;
  file* f = k->ki_filp;
  inode* in = f->f_inode;
  const loff_t ss = in->i_sb->s_bdev->sector_size;
  const loff_t pos = req->pos0 + req->bytes_done;
  const loff_t left = req->buf.len - req->bytes_done;  // req->cqe.res = iov_iter_count
  // FMODE_NOWAIT (ext4_file_open / xfs_file_open set it): try without blocking first.
  k->ki_nowait = nonblock;
  k->ki_pos = pos;
  k->dio_complete = nullptr;  // io_rw_init_file: no stale hand-back from an earlier issue
  k->private_ = nullptr;
  user_buf b = req->buf;  // the iter, advanced by what earlier issues did
  b.len = left;
  if (req->is_read) b.read = req->buf.read + (pos / ss - req->pos0 / ss);
  FsType* fs = in->i_sb->s_type;
  ssize_t ret = req->is_read ? fs->aio_read(k, b, pos) : fs->aio_write(k, b, pos);
  // "Some file systems like to return -EOPNOTSUPP for an IOCB_NOWAIT issue" (ext4's
  // buffered fallback): retried from blocking context like -EAGAIN.
  if (ret == -EOPNOTSUPP && nonblock) ret = -EAGAIN;
  if (ret == -EIOCBQUEUED) return false;  // IOU_ISSUE_SKIP_COMPLETE: ki_complete later
  if (ret == -EAGAIN && nonblock) {
    ktrace(model::EvKind::UringPunt, req->id, ret, req->bytes_done, 0, k->ki_op);
    io_queue_iowq(req);
    return false;
  }
  // A short issue of a regular file: the rest from io-wq (io_write: from either context; a
  // read only when it was the nonblocking one, else the short count is the result).
  const bool short_write = !req->is_read && ret >= 0 && ret != left;
  const bool short_read = req->is_read && ret > 0 && ret != left && nonblock;
  if (short_write || short_read) {
    req->bytes_done += ret;
    ktrace(model::EvKind::UringPunt, req->id, ret, req->bytes_done, 0, k->ki_op);
    if (nonblock) io_queue_iowq(req);
    return !nonblock;
  }
  // kiocb_done
  if (ret >= 0) {
    req->cqe_res = io_fixup_rw_res(req, ret);
    io_post_cqe(req);  // inline: the submission flush; io-wq: io_req_complete_post
    return false;
  }
  if (req->is_read) {
    // __io_read's error return: io_req_defer_failed at the submission flush, or from io-wq
    // io_req_task_queue_fail (task_work of the submitter); io_rw_fail adds bytes_done.
    req->cqe_res = io_fixup_rw_res(req, ret);
    if (nonblock)
      io_post_cqe(req);
    else
      io_req_task_work_add(req);
    return false;
  }
  io_rw_done(k, ret);  // a write error: io_complete_rw, i.e. task_work of the submitter
  return false;
}

// io_wq_worker: the "iou-wrk-<pid>" thread of the ring; reissues punted requests blocking
// (io_wq_submit_work), one at a time (one bounded worker here).
void io_wq_worker(io_ring_ctx* ctx) {
  Tracer* tr = Tracer::current();
  for (;;) {
    wait_event(&ctx->iowq_wait, [ctx] { return !ctx->iowq_list.empty() || ctx->iowq_exit; }, "io_wq_worker",
               Access::Write);
    if (ctx->iowq_list.empty()) break;  // the ring is going away and nothing is left
    io_kiocb* req = ctx->iowq_list.front();  // same step as the test (acct->lock)
    ctx->iowq_list.erase(ctx->iowq_list.begin());
    if (tr) tr->set_op(current_actor(), req->rw.ki_op);
    while (io_issue_rw(req, false)) {
    }
    if (tr) tr->set_op(current_actor(), model::kNoOp);
  }
}

// io_queue_iowq -> io_wq_enqueue: the request goes to the ring's worker, created on first use
// (create_io_worker).
void io_queue_iowq(io_kiocb* req) {
  io_ring_ctx* ctx = req->ctx;
  sched_point(&ctx->iowq_wait, Access::Write);  // acct->lock
  ctx->iowq_list.push_back(req);
  if (!ctx->iowq_worker) {
    ctx->iowq_worker = true;
    ctx->iowq_actor = scheduler().spawn(ctx->iowq_name, Ctx::Process, [ctx] { io_wq_worker(ctx); });
  }
  wake_up(&ctx->iowq_wait);
}

}  // namespace

void io_uring_setup(io_ring_ctx* ctx, std::string worker_name, bool caller_comp) {
  ctx->cq.clear();
  ctx->cq_head = 0;
  ctx->inflight = 0;
  ctx->task_work.clear();
  ctx->iowq_list.clear();
  ctx->iowq_worker = false;
  ctx->iowq_actor = sched::kNoActor;
  ctx->iowq_exit = false;
  ctx->iowq_name = std::move(worker_name);
  ctx->caller_comp = caller_comp;
  spin_lock_init(&ctx->completion_lock);
  init_waitqueue_head(&ctx->cq_wait);
  init_waitqueue_head(&ctx->iowq_wait);
  ctx->id = kobj_id();
}

long io_uring_submit_rw(io_ring_ctx* ctx, file* f, std::uint32_t op, bool is_read, loff_t pos,
                        const user_buf& buf, const std::vector<std::uint32_t>* read_buf, bool dsync) {
  io_kiocb* req = kzalloc<io_kiocb>("kiocb", GFP_KERNEL);  // io_alloc_req
  if (!req) return -EAGAIN;  // io_submit_sqes: nothing submitted
  req->id = kobj_of(req);
  req->ctx = ctx;
  req->buf = buf;
  req->pos0 = pos;
  req->is_read = is_read;
  kiocb* k = &req->rw;
  k->id = req->id;
  k->ki_filp = get_file(f);  // io_file_get_normal
  k->ki_op = op;
  k->ki_dsync = dsync;
  k->ki_read = is_read;
  k->ki_buf = read_buf;
  k->ki_complete = io_complete_rw;
  k->ki_req = req;
  // 099ada2c8726 (io_write, non-polled), only with Config::iomap_caller_comp (838b35bb6a89)
  k->ki_caller_comp = ctx->caller_comp && !is_read;
  sched_point(ctx);  // uring_lock: the submitter's own
  ++ctx->inflight;
  io_issue_rw(req, true);
  return 1;
}

void io_uring_task_work_run(io_ring_ctx* ctx) {
  for (;;) {
    sched_point(&ctx->task_work, Access::Read);
    if (ctx->task_work.empty()) return;
    io_kiocb* req = ctx->task_work.front();
    ctx->task_work.erase(ctx->task_work.begin());
    kiocb* k = &req->rw;
    // io_req_rw_complete: the dio's completion in the issuer first (CALLER_COMP)
    if (k->ki_caller_comp && k->dio_complete) req->cqe_res = io_fixup_rw_res(req, k->dio_complete(k->private_));
    if (req->reissue) {
      // io_free_batch_list: REQ_F_REISSUE skips the CQE and goes to io-wq (iter restored)
      req->reissue = false;
      ktrace(model::EvKind::UringPunt, req->id, -EAGAIN, req->bytes_done, 1, k->ki_op);
      io_queue_iowq(req);
      continue;
    }
    io_post_cqe(req);
  }
}

long io_uring_wait_cqes(io_ring_ctx* ctx, unsigned nr, std::vector<io_event>* out) {
  for (;;) {
    // io_cqring_wait: woken by a posted CQE or by task_work (which it runs, then waits again)
    wait_event(&ctx->cq_wait, [ctx, nr] {
      kaccess(ctx, Access::Read);
      return ctx->cq.size() - ctx->cq_head >= nr || !ctx->task_work.empty();
    }, "io_cqring_wait");
    if (ctx->task_work.empty()) break;
    io_uring_task_work_run(ctx);
  }
  // io_uring_peek_cqe / io_uring_cqe_seen in userspace: the head moves past what was read
  sched_point(ctx, Access::Write);
  for (unsigned i = 0; i < nr; ++i) out->push_back(ctx->cq[ctx->cq_head++]);
  return nr;
}

void io_uring_task_exit(io_ring_ctx* ctx) {
  for (;;) {
    wait_event(&ctx->cq_wait, [ctx] {
      kaccess(ctx, Access::Read);
      return ctx->inflight <= 0 || !ctx->task_work.empty();
    }, "io_uring_cancel_generic");
    if (ctx->task_work.empty()) break;
    io_uring_task_work_run(ctx);
  }
  // io_uring_clean_tctx -> io_wq_put_and_exit: the idle worker leaves
  sched_point(&ctx->iowq_wait, Access::Write);
  ctx->iowq_exit = true;
  wake_up(&ctx->iowq_wait);
}

}  // namespace dc::kern
