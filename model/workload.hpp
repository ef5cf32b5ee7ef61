// What userspace does in one execution, and the configuration of the simulated machine.
// The same Workload runs on the engine (impl/, under the deterministic scheduler) and on the
// host kernel (harness/host); both histories go through the same reference model.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace dc::model {

enum class OpKind : std::uint8_t {
  AioWrite,    // io_submit of one IOCB_CMD_PWRITE on the O_DIRECT fd (returns at submission)
  AioRead,     // io_submit of one IOCB_CMD_PREAD on the O_DIRECT fd
  GetEvents,   // io_getevents(min_nr = nr, nr): waits for `nr` completions of this task's AIOs
  PWrite,      // synchronous O_DIRECT pwrite
  PRead,       // synchronous O_DIRECT pread
  BufWrite,    // buffered pwrite through the page cache (a second, non-O_DIRECT fd)
  BufRead,     // buffered pread
  Truncate,    // ftruncate(len)  (offset unused)
  Fallocate,   // fallocate(mode 0 or KEEP_SIZE): preallocates unwritten extents
  Fsync,       // fsync (datasync = `dsync`)
  Close,       // close this task's fds of the file (fput; the last one releases the file)
  Unmount,     // umount the filesystem (generic_shutdown_super)
  Crash,       // power cut: only durable state survives; the model checks durability
  // Appended (issue 14): OpBegin events carry the kind's number, so the order above is fixed.
  Open,        // open the file again after this task's Close (new O_DIRECT and buffered fds)
  Evict,       // reclaim the file's inode if nothing uses it (prune_icache_sb -> evict): 1 if
               // evicted, 0 if in use or already gone; the next open reads it from disk
  // Appended (issue 15): io_uring as a second front end (6.x only; one ring per task).
  UringWrite,  // IORING_OP_WRITE on the O_DIRECT fd, submitted by io_uring_enter (returns 1 at
               // submission, as io_submit); the result is what its CQE carries
  UringRead,   // IORING_OP_READ on the O_DIRECT fd
  UringWait,   // io_uring_enter(GETEVENTS, min_complete = nr), then the `nr` CQEs are consumed
};

struct Op {
  OpKind kind{};
  std::uint32_t id = 0;       // unique in the workload; write ids are derived from it
  std::uint64_t offset = 0;   // bytes
  std::uint64_t len = 0;      // bytes (Truncate: the new size)
  bool dsync = false;         // per-I/O RWF_DSYNC (writes) / fdatasync (Fsync)
  bool keep_size = false;     // Fallocate: FALLOC_FL_KEEP_SIZE
  std::uint32_t nr = 1;       // GetEvents / UringWait: how many completions to wait for
  std::uint32_t file = 0;     // which file of the workload (< Workload::files); not used by
                              // GetEvents, Unmount, Crash
  friend bool operator==(const Op&, const Op&) = default;
};

struct Task {
  std::vector<Op> ops;
  friend bool operator==(const Task&, const Task&) = default;
};

// A byte range of the file before the workload starts.
struct Range {
  std::uint64_t offset = 0, len = 0;
  friend bool operator==(const Range&, const Range&) = default;
};

// The workload's files are inodes of one filesystem (one superblock: one s_dio_done_wq, one
// journal, one block allocator). File 0 starts as described below; files 1.. start empty.
struct Workload {
  std::uint32_t sector_size = 512;    // logical block size of the device
  std::uint32_t block_size = 4096;    // filesystem block size
  std::uint32_t files = 1;            // how many files (at most kMaxFiles)
  std::uint64_t initial_size = 0;     // i_size of file 0 at start
  std::vector<Range> written;         // ranges holding data (write id 0 = "initial data") at start
  std::vector<Range> preallocated;    // unwritten extents at start (fallocate'd earlier)
  bool o_dsync = false;               // the O_DIRECT fd is opened with O_DSYNC
  bool o_sync = false;                // ... or with O_SYNC
  bool inode_sync = false;            // IS_SYNC inode (chattr +S / mount -o sync)
  // The tasks share one open file description per file (one O_DIRECT and one buffered struct
  // file, opened before the tasks start, each task holding a reference as after fork): a
  // Close drops this task's reference only. false: each task opens its own.
  bool shared_files = false;
  std::vector<Task> tasks;
  friend bool operator==(const Workload&, const Workload&) = default;
};

// The write id a sector holds: 0 = the initial data, kForeign = stale data of some other
// file (a free block that was never written through this file), otherwise op id + 1.
inline constexpr std::uint32_t kInitialData = 0;
inline constexpr std::uint32_t kZero = 0xfffffffeu;    // reads as zeros (hole / unwritten / past EOF)
inline constexpr std::uint32_t kForeign = 0xfffffffdu; // stale blocks: must never be read back
// The old content of a freed block that the allocator handed out again (impl/substrate.cpp):
// sector value v of the block's previous owner becomes v | kStale. Like kForeign it must never
// be read back (another write's, or another file's, old data).
inline constexpr std::uint32_t kStale = 0x40000000u;
inline constexpr bool is_stale(std::uint32_t v) { return v < 0x80000000u && (v & kStale); }
inline constexpr std::uint32_t stale_of(std::uint32_t v) {
  return v == kZero || v == kForeign ? v : v | kStale;
}
// Data a read or a crash view must never expose: never-written or reused-and-not-rewritten blocks.
inline constexpr bool is_foreign(std::uint32_t v) { return v == kForeign || is_stale(v); }
inline std::uint32_t write_id_of(const Op& op) { return op.id + 1; }
inline constexpr std::uint32_t kMaxFiles = 4;
// Does the op act on a file (and so on Op::file)?
bool uses_file(OpKind k);

// Why the workload's Close/Open sequence is impossible ("" = fine): a task may Close a file
// only while it has it open and Open it only after closing it.
std::string lifecycle_error(const Workload& w);

const char* to_string(OpKind k);
bool is_write(OpKind k);
bool is_read(OpKind k);
// Submitted now, result later (io_submit or io_uring): AioWrite/AioRead/UringWrite/UringRead.
bool is_async_submit(OpKind k);
// Hands completions to userspace: GetEvents (the AIO ring) or UringWait (the CQ ring).
bool is_reap(OpKind k);
bool is_uring(OpKind k);

}  // namespace dc::model
