// Port of the io_uring front end of 6.6 / 6.18 for IORING_OP_WRITE / IORING_OP_READ on a
// regular O_DIRECT file (io_uring/rw.c, io_uring/io_uring.c, io_uring/io-wq.c): the inline
// issue with IOCB_NOWAIT, the punt of -EAGAIN (and of a short issue) to an io-wq worker that
// reissues blocking, io_complete_rw queuing io_req_rw_complete as task_work of the submitter,
// and the CQ ring the submitter fills when it runs its task_work. One ring per task, no
// SQPOLL, no IOPOLL, no DEFER_TASKRUN (impl/README.md).
#pragma once
#include <string>
#include <vector>

#include "impl/vfs.hpp"

namespace dc::kern {

struct io_kiocb;

struct io_ring_ctx {
  std::vector<io_event> cq;  // posted CQEs, oldest first
  std::size_t cq_head = 0;   // first CQE userspace has not consumed
  int inflight = 0;          // requests submitted whose CQE is not posted yet
  spinlock_t completion_lock;
  wait_queue_head_t cq_wait;             // io_cqring_wait sleeps here; task_work_add wakes it
  std::vector<io_kiocb*> task_work;      // the submitter's tctx->task_list
  // io-wq: one bounded worker per ring (iou-wrk-<pid>), created at the first punt
  std::vector<io_kiocb*> iowq_list;
  wait_queue_head_t iowq_wait;
  bool iowq_worker = false;
  ActorId iowq_actor = sched::kNoActor;  // io_wq_current_is_worker()
  bool iowq_exit = false;                // the task exited: the worker leaves once idle
  std::string iowq_name;
  bool caller_comp = false;  // Config::iomap_caller_comp: io_write sets IOCB_DIO_CALLER_COMP
  model::ObjId id = 0;
};

// io_uring_setup for one task (the ids it draws only exist when the workload uses io_uring).
void io_uring_setup(io_ring_ctx* ctx, std::string worker_name, bool caller_comp);
// io_uring_enter(to_submit = 1): prep + io_issue_sqe inline with IOCB_NOWAIT. Returns 1
// (submitted) or -errno (no request could be allocated).
long io_uring_submit_rw(io_ring_ctx* ctx, file* f, std::uint32_t op, bool is_read, loff_t pos,
                        const user_buf& buf, const std::vector<std::uint32_t>* read_buf, bool dsync);
// io_uring_enter(GETEVENTS, min_complete = nr), then the program consumes nr CQEs (oldest first).
long io_uring_wait_cqes(io_ring_ctx* ctx, unsigned nr, std::vector<io_event>* out);
// tctx_task_work: the submitter runs what io_complete_rw queued (return to user space).
void io_uring_task_work_run(io_ring_ctx* ctx);
// do_exit -> io_uring_files_cancel -> io_uring_cancel_generic: runs task_work until nothing is
// in flight, then lets the io-wq worker go.
void io_uring_task_exit(io_ring_ctx* ctx);

}  // namespace dc::kern
