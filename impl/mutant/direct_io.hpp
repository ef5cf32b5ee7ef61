// The mutant-only paths of fs/direct-io.c: the deviations of the catalogue's direct-I/O
// mutants (harness/run/mutant_catalogue.cpp), kept apart so that direct_io.cpp reads like
// the kernel. The faithful code hands over with one `if (mutant_on(...))` per site.
#pragma once
#include "impl/direct_io.hpp"

namespace dc::kern {

// Shared with the faithful port: ->end_io with its tracepoint; the wait for sync bios.
void dio_end_io(dio* d, loff_t offset, ssize_t size);
void dio_await_completion(dio* d);

// True if a mutant that reorders dio_complete is on.
bool dio_complete_mutated();
// dio_complete from the result on (3.12 order otherwise), with the reorderings of
// aio-complete-before-conversion, inode-dio-done-before-conversion, convert-on-io-error,
// inode-uaf-after-aio-complete and dsync-aio-not-honoured.
ssize_t mutant_dio_complete(dio* d, loff_t offset, ssize_t ret, ssize_t transferred, bool is_async);
// truncate-dio-wait-vs-worker-lock: the completion work under i_mutex (trylock, requeue).
void mutant_dio_complete_work_locked(dio* d, work_struct* w);
// dio-done-wq-init-race: publish `wq` by check-then-store instead of cmpxchg.
int mutant_sb_publish_dio_done_wq(super_block* sb, workqueue_struct* wq);
// iomap-dio-uaf-last-ref: the submitter reads the dio after dropping its reference.
void mutant_reread_dio_after_drop(dio* d);

}  // namespace dc::kern
