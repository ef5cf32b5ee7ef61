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

}  // namespace dc::kern
