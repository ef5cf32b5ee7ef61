// Port of the parts of fs/aio.c the DIO protocol touches: kiocb lifetime (tracked slab),
// io_submit (aio_run_iocb), the completion ring, aio_complete and io_getevents.
// 3.11 (ki_users, ki_cancel, aio_put_req) vs 3.12 (kiocb_free inside aio_complete) is
// Fix::AioKiocbFreeInComplete.
#pragma once
#include <vector>

#include "impl/vfs.hpp"

namespace dc::kern {

void ioctx_init(kioctx* ctx);
// io_submit of one iocb; returns 0 when submitted (the syscall then returns 1) or -errno.
long io_submit_one(kioctx* ctx, file* f, std::uint32_t op, bool is_read, loff_t pos,
                   const user_buf& buf, const std::vector<std::uint32_t>* read_buf, bool dsync);
// Callable from any context. A second call on the same kiocb is a use after free (3.12)
// and always emits AioComplete again.
void aio_complete(kiocb* iocb, ssize_t res, ssize_t res2);
// Waits until `nr` events are in the ring, then takes them (oldest first).
long io_getevents(kioctx* ctx, unsigned nr, std::vector<io_event>* out);
// exit_aio: waits for every in-flight request of the context.
void exit_aio(kioctx* ctx);

// IOCB_DIO_CALLER_COMP (kioctx::caller_comp): the io_uring side of the completion.
// io_complete_rw with iocb->dio_complete set: queue the completion as task_work of the issuer
// (any context; no dio_complete here).
void io_complete_rw_caller(kiocb* iocb);
// task_work_run: the issuer runs what was queued (dio_complete, then the event), at return to
// user space and while it waits for completions; never while it sleeps elsewhere.
void task_work_run(kioctx* ctx);
// The exiting issuer (io_uring_cancel_generic): runs its task_work until nothing is in flight.
void io_uring_task_exit(kioctx* ctx);

}  // namespace dc::kern
