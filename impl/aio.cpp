#include "impl/aio.hpp"

#include "impl/kernel/execution.hpp"

namespace dc::kern {
namespace {

void kiocb_free(kiocb* req) {
  ktrace(model::EvKind::KiocbFree, req->id, 0, 0, 0, req->ki_op);
  if (req->ki_filp) fput(req->ki_filp);
  kfree(req, "kiocb");
}

// 3.11: drop one of the two references (submission, I/O).
void aio_put_req(kiocb* req) {
  kasan_check(req, "aio_put_req");
  sched_point(req);
  if (--req->ki_users == 0) kiocb_free(req);
}

}  // namespace

void ioctx_init(kioctx* ctx) {
  ctx->ring.clear();
  ctx->head = 0;
  ctx->reqs_active = 0;
  ctx->task_work.clear();
  spin_lock_init(&ctx->completion_lock);
  init_waitqueue_head(&ctx->wait);
  ctx->id = kobj_id();
}

bool iocb_is_dsync(const kiocb* k) {
  const file* f = k->ki_filp;
  return k->ki_dsync || (f->f_flags & (O_DSYNC_ | O_SYNC_)) || IS_SYNC(f->f_inode);
}

long io_submit_one(kioctx* ctx, file* f, std::uint32_t op, bool is_read, loff_t pos,
                   const user_buf& buf, const std::vector<std::uint32_t>* read_buf, bool dsync) {
  kiocb* req = kzalloc<kiocb>("kiocb", GFP_KERNEL);
  if (!req) return -EAGAIN;
  req->id = kobj_of(req);
  req->ki_ctx = ctx;
  req->ki_filp = get_file(f);
  req->ki_pos = pos;
  req->ki_op = op;
  req->ki_dsync = dsync;
  req->ki_read = is_read;
  req->ki_buf = read_buf;
  req->ki_users = 2;
  req->ki_caller_comp = ctx->caller_comp && !is_read;  // io_write; reads never had it
  sched_point(ctx);
  ++ctx->reqs_active;
  // aio_run_iocb
  FsType* fs = f->f_inode->i_sb->s_type;
  ssize_t ret = is_read ? fs->aio_read(req, buf, pos) : fs->aio_write(req, buf, pos);
  if (ret != -EIOCBQUEUED) {
    if (ret == -512 /* ERESTARTSYS */) ret = -EINTR;
    aio_complete(req, ret, 0);
  }
  if (!variant_has(Fix::AioKiocbFreeInComplete)) aio_put_req(req);  // the submission ref
  return 0;
}

void aio_complete(kiocb* iocb, ssize_t res, ssize_t res2) {
  kasan_check(iocb, "aio_complete");
  if (iocb->ki_complete) {  // iocb->ki_complete of another front end (io_uring's io_complete_rw)
    iocb->ki_complete(iocb, res);
    return;
  }
  if (is_sync_kiocb(iocb)) {
    sched_point(iocb);
    iocb->ki_user_data = res;
    ktrace(model::EvKind::AioComplete, iocb->id, res, res2, 0, iocb->ki_op);
    return;
  }
  kioctx* ctx = iocb->ki_ctx;
  const bool v311 = !variant_has(Fix::AioKiocbFreeInComplete);
  bool cancelled = false;
  if (v311) {
    sched_point(iocb);  // xchg(&iocb->ki_cancel, KIOCB_CANCELLED)
    cancelled = iocb->ki_cancel;
    iocb->ki_cancel = true;
  }
  irqflags_t fl;
  spin_lock_irqsave(&ctx->completion_lock, fl);
  kaccess(ctx, Access::Write);  // ring and reqs_active; waiters test them under ctx->wait
  if (!cancelled) {
    io_event ev;
    ev.op = iocb->ki_op;
    ev.obj = iocb->id;
    ev.res = res;
    ev.res2 = res2;
    ev.read_buf = iocb->ki_read ? iocb->ki_buf : nullptr;
    ev.offset = iocb->ki_pos;
    ctx->ring.push_back(ev);
  }
  --ctx->reqs_active;
  ktrace(model::EvKind::AioComplete, iocb->id, res, res2, 0, iocb->ki_op);
  spin_unlock_irqrestore(&ctx->completion_lock, fl);
  if (v311)
    aio_put_req(iocb);
  else
    kiocb_free(iocb);
  wake_up(&ctx->wait);
}

long io_getevents(kioctx* ctx, unsigned nr, std::vector<io_event>* out) {
  for (;;) {
    // io_cqring_wait wakes for task_work too, runs it, and waits again
    wait_event(&ctx->wait, [ctx, nr] {
      kaccess(ctx, Access::Read);
      return ctx->ring.size() - ctx->head >= nr || !ctx->task_work.empty();
    }, "io_getevents");
    if (ctx->task_work.empty()) break;
    task_work_run(ctx);
  }
  irqflags_t fl;
  spin_lock_irqsave(&ctx->completion_lock, fl);
  kaccess(ctx, Access::Write);
  for (unsigned i = 0; i < nr; ++i) out->push_back(ctx->ring[ctx->head++]);
  spin_unlock_irqrestore(&ctx->completion_lock, fl);
  return nr;
}

void io_complete_rw_caller(kiocb* iocb) {
  if (iocb->ki_complete) {  // the io_uring front end: io_complete_rw sees dio_complete set
    iocb->ki_complete(iocb, 0);
    return;
  }
  kioctx* ctx = iocb->ki_ctx;
  sched_point(&ctx->task_work);  // llist_add to the issuer's task_work
  ctx->task_work.push_back(iocb);
  wake_up(&ctx->wait);  // task_work_add(TWA_SIGNAL): an issuer waiting for completions notices
}

void task_work_run(kioctx* ctx) {
  for (;;) {
    sched_point(&ctx->task_work, Access::Read);
    if (ctx->task_work.empty()) return;
    kiocb* req = ctx->task_work.front();
    ctx->task_work.erase(ctx->task_work.begin());
    // io_req_rw_complete: the dio's completion in the issuer, then the event
    const ssize_t res = req->dio_complete(req->private_);
    aio_complete(req, res, 0);
  }
}

void io_uring_task_exit(kioctx* ctx) {
  for (;;) {
    wait_event(&ctx->wait, [ctx] {
      kaccess(ctx, Access::Read);
      return ctx->reqs_active <= 0 || !ctx->task_work.empty();
    }, "io_uring_cancel_generic");
    if (ctx->task_work.empty()) return;
    task_work_run(ctx);
  }
}

void exit_aio(kioctx* ctx) {
  wait_event(&ctx->wait, [ctx] {
    kaccess(ctx, Access::Read);
    return ctx->reqs_active <= 0;
  }, "exit_aio");
}

}  // namespace dc::kern
