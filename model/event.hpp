// The events the engine emits and the model consumes: the whole interface between impl/
// and model/. An event says who did what (actor, its context), to which object (a stable
// per-execution id, never an address), for which workload operation, with a small
// kind-specific payload documented next to each kind.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dc::model {

using ObjId = std::uint32_t;  // 0 = none; assigned in allocation order, so stable per run
inline constexpr std::uint32_t kNoOp = 0xffffffffu;

// X-macro: name, payload meaning (a, b, c). Keep the list greppable: it is the vocabulary.
#define DC_EVENT_KINDS(X)                                                                  \
  /* user-visible operations (workload op ids in `op`) */                                  \
  X(OpBegin, "a=OpKind")                                                                   \
  X(OpEnd, "a=result (bytes or -errno); for io_submit the submit return")                  \
  X(AioReaped, "io_getevents handed event of op `op` to userspace: a=res")                 \
  X(ReadData, "read of op `op` returned data: a=offset b=len, data slice = write id per sector") \
  /* generic direct I/O (fs/direct-io.c); obj = dio */                                     \
  X(DioSubmit, "a=offset b=len c=1 write/0 read")                                          \
  X(DioIsAsync, "a=is_async")                                                              \
  X(DioQueued, "submitter returns -EIOCBQUEUED")                                           \
  X(DeferSet, "dio->defer_completion became true")                                         \
  X(BioSubmit, "obj=bio a=first sector b=nsectors c=dio")                                  \
  X(BioEnd, "obj=bio a=0 ok/-EIO c=dio (context tells IRQ)")                               \
  X(DropRefcount, "a=remaining refcount c=dio")                                            \
  X(DioComplete, "a=ret passed in b=is_async")                                             \
  X(EndIo, "a=offset b=size")                                                              \
  X(DioFree, "")                                                                           \
  X(WorkQueued, "obj=work item a=workqueue id")                                            \
  X(WorkStart, "obj=work item a=workqueue id")                                             \
  X(WorkDone, "obj=work item a=workqueue id")                                              \
  /* VFS inode */                                                                          \
  X(InodeDioInc, "a=new i_dio_count")                                                      \
  X(InodeDioDone, "a=new i_dio_count")                                                     \
  X(InodeDioWaitBegin, "")                                                                 \
  X(InodeDioWaitEnd, "")                                                                   \
  X(SizeUpdate, "in-core i_size: a=old b=new")                                             \
  X(DiskSizeUpdate, "on-disk size (journalled): a=old b=new")                              \
  X(SyncStart, "generic_write_sync / fsync: a=start b=end (inclusive)")                    \
  X(SyncDone, "a=err")                                                                     \
  X(Truncate, "a=old size b=new size")                                                     \
  /* extents */                                                                            \
  X(ExtentMap, "extent state change: a=first block b=nblocks c=new state (ExtentState)")   \
  X(ConvertStart, "unwritten->written conversion: a=offset b=len")                         \
  X(ConvertDone, "a=offset b=len c=err")                                                   \
  /* AIO core; obj = kiocb */                                                              \
  X(AioComplete, "a=res b=res2")                                                           \
  X(KiocbFree, "")                                                                         \
  /* ext4 io_end / XFS ioend; obj = io_end */                                              \
  X(IoEndAlloc, "")                                                                        \
  X(IoEndGet, "a=new count")                                                               \
  X(IoEndPut, "a=new count")                                                               \
  X(IoEndFree, "")                                                                         \
  X(IoEndUnwritten, "a=1 set / 0 clear")                                                   \
  /* workqueues; obj = workqueue */                                                        \
  X(WqAlloc, "a=max_active")                                                               \
  X(WqPublish, "s_dio_done_wq became this queue")                                          \
  X(WqDestroy, "")                                                                         \
  /* block device and journal */                                                           \
  X(DevWrite, "data reached the volatile cache: a=first sector b=nsectors c=write id")     \
  X(DevFlush, "cache flushed: everything written so far is durable")                       \
  X(JournalCommit, "a=transaction id: its metadata is durable")                            \
  X(Crash, "power cut: only durable state survives. a=durable i_size after remount, data "   \
           "slice = per-sector write ids a read of [0, a) returns after remount "               \
           "(kZero for holes/unwritten, kForeign for never-written blocks); then the run is "   \
           "abandoned with Outcome::Kind::Crash")                                                \
  /* kernel primitives (obj = lock/atomic/queue) */                                        \
  X(Lock, "")                                                                              \
  X(Unlock, "")                                                                            \
  X(AtomicOp, "a=new value")                                                               \
  X(Sleep, "the actor blocks: obj = what it waits on")                                     \
  /* findings raised by the kernel layer itself */                                         \
  X(MightSleep, "sleeping primitive called in interrupt context")                          \
  X(UseAfterFree, "obj freed earlier")                                                     \
  X(DoubleFree, "")                                                                        \
  X(Leak, "allocation alive at the end of the execution")                                  \
  X(KernelBug, "BUG_ON fired")                                                             \
  X(KernelWarn, "WARN_ON fired")                                                           \
  /* added after the first release: appended so existing kinds keep their values */        \
  X(SuperShutdown, "generic_shutdown_super begins (the unmount: a workload Unmount op or "    \
                   "the end-of-run teardown actor \"umount\"); obj = superblock")          \
  X(DioWake, "iomap (6.x): the completion that dropped dio->ref to 0 cleared submit.waiter " \
             "and woke the waiting submitter, which runs iomap_dio_complete; obj = dio")    \
  X(WriteThrough, "iomap (6.x): every write bio of dio `obj` was REQ_FUA, so the submitter " \
                  "cleared IOMAP_DIO_NEED_SYNC (no generic_write_sync at completion)")       \
  X(InodeFile, "inode `obj` is the workload's file a (emitted at mount, only when the "        \
               "workload has several files; otherwise every inode event is file 0's)")      \
  X(DioCallerComp, "iomap (6.x) with IOMAP_DIO_CALLER_COMP (Config::iomap_caller_comp): the "  \
                   "completion that dropped dio->ref to 0 queued iomap_dio_complete as task_work " \
                   "of the issuing task (io_uring's io_complete_rw); obj = dio")                \
  X(UringPunt, "io_uring (6.x): the issue of request `obj` (kiocb) gave a=-EAGAIN (NOWAIT "       \
               "refused) or a short count b=bytes done so far; io-wq reissues it blocking; "    \
               "c=1: an -EAGAIN completion requeued by the submitter's task_work (6.14+)")      \
  X(UringTaskWork, "io_uring (6.x): io_complete_rw queued io_req_rw_complete as task_work of "   \
                   "the submitter; obj = kiocb, a = res (the CQE is posted when it runs)")

// Payload decisions the reference model (model/checker.hpp, docs/model.md) relies on, where
// the one-line docs above were ambiguous. Additive: no existing meaning changes.
//  - `op` of every event about a dio, bio, kiocb, io_end, conversion or sync is the workload
//    op of that I/O, also when an interrupt or worker actor emits it (pass it explicitly).
//  - OpEnd of AioWrite/AioRead is the io_submit return: 1 = accepted (then exactly one
//    AioComplete and one AioReaped follow), < 0 = rejected (then none).
//  - AioComplete: obj = kiocb, op = the iocb's workload op, a = res.
//  - AioReaped of one io_getevents call lie between that GetEvents op's OpBegin and OpEnd.
//  - io_uring ops (UringWrite/UringRead): OpEnd is the io_uring_enter submit return (1 or
//    -errno, as io_submit); AioComplete is the CQE posted into the CQ ring (a = cqe.res), by the
//    submitter (inline result, or its task_work) or by the io-wq worker; AioReaped is the CQE
//    consumed by a UringWait of the same task.
//  - ReadData: one per successful read op (sync reads before their OpEnd; AIO reads at
//    completion or reap), a = offset, b = bytes returned (== the result); the data slice has
//    one write id per file sector overlapping [a, a+b), starting at sector a / sector_size.
//  - DioSubmit: obj = dio, emitted once right after the dio is allocated; it binds dio -> op.
//  - DropRefcount: emitted at EVERY dio refcount decrement (submitter's drop_refcount and each
//    bio completion), a = new value, c = dio. dio_complete must follow the drop that hit 0,
//    by the same actor, or by a worker after that actor queued work.
//  - DioQueued: obj = dio, only when the submitter really returns -EIOCBQUEUED (after its
//    drop_refcount returned nonzero), not at the queue decision.
//  - DioComplete: obj = dio, a = ret passed in, b = is_async; EndIo / DeferSet / DioFree:
//    obj = dio.
//  - InodeDioInc/Done/WaitBegin/WaitEnd: obj = the inode (InodeFile names its file). WaitEnd
//    is emitted in the same atomic step in which inode_dio_wait observed i_dio_count == 0.
//  - ConvertStart/ConvertDone: a ConvertDone closes the latest open ConvertStart of the
//    same actor; op = the write whose extents are converted (kNoOp for buffered writeback).
//  - SyncStart/SyncDone: a SyncDone closes the latest open SyncStart of the same actor.
//  - IoEndAlloc: op = the write the io_end belongs to (count starts at 1).
//  - WqAlloc: b = 1 for a dio completion queue (sb_init_dio_done_wq); a queue allocated
//    while a direct write op is current is treated as one too.
//  - ExtentMap: a, b in file blocks (Workload::block_size), c = ExtentState.
//  - Crash: a = durable i_size; data slice = the write id each file sector reads after
//    remount, sector i at index i (sectors past the slice read as zeros); b = the file. One
//    Crash event per file, file 0 first, all for the same Crash op.
//  - Everything from the first Crash on is judged only by the durability check.
enum class EvKind : std::uint8_t {
#define DC_X(name, doc) name,
  DC_EVENT_KINDS(DC_X)
#undef DC_X
};

std::string_view to_string(EvKind k);

enum class ExtentState : std::uint8_t { Hole, Unwritten, Written };

struct Event {
  EvKind kind;
  std::uint8_t ctx;       // sched::Ctx: 0 process, 1 interrupt
  std::uint16_t actor;    // sched::ActorId
  ObjId obj = 0;
  std::uint32_t op = kNoOp;
  std::int64_t a = 0, b = 0, c = 0;
  std::uint32_t data = 0, ndata = 0;  // slice of Trace::data
  std::uint32_t note = 0;             // index into Trace::notes + 1, 0 = none
};

// The event stream of one execution.
struct Trace {
  std::vector<Event> events;
  std::vector<std::uint32_t> data;  // read results etc., sliced by events
  std::vector<std::string> notes;   // free text for findings (what, where)
  void clear() {
    events.clear();
    data.clear();
    notes.clear();
  }
};

// A hash of the events in a fixed field order: equal traces, equal hashes, any process.
// Versioned, because corpus files record hashes (their case format version says which):
//   1: FNV-1a over the 8 bytes of every field word, one byte at a time
//   2: one multiply-xorshift step per 64-bit field word (8x fewer serial multiplies)
inline constexpr int kTraceHashVersion = 2;
std::uint64_t trace_hash(const Trace& t, int version = kTraceHashVersion);

}  // namespace dc::model
