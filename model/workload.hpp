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
  Close,       // close this task's fds (the last close of the file evicts the inode)
  Unmount,     // umount the filesystem (generic_shutdown_super)
  Crash,       // power cut: only durable state survives; the model checks durability
};

struct Op {
  OpKind kind{};
  std::uint32_t id = 0;       // unique in the workload; write ids are derived from it
  std::uint64_t offset = 0;   // bytes
  std::uint64_t len = 0;      // bytes (Truncate: the new size)
  bool dsync = false;         // per-I/O RWF_DSYNC (writes) / fdatasync (Fsync)
  bool keep_size = false;     // Fallocate: FALLOC_FL_KEEP_SIZE
  std::uint32_t nr = 1;       // GetEvents: how many completions to wait for
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

struct Workload {
  std::uint32_t sector_size = 512;    // logical block size of the device
  std::uint32_t block_size = 4096;    // filesystem block size
  std::uint64_t initial_size = 0;     // i_size of the file at start
  std::vector<Range> written;         // ranges holding data (write id 0 = "initial data") at start
  std::vector<Range> preallocated;    // unwritten extents at start (fallocate'd earlier)
  bool o_dsync = false;               // the O_DIRECT fd is opened with O_DSYNC
  bool o_sync = false;                // ... or with O_SYNC
  bool inode_sync = false;            // IS_SYNC inode (chattr +S / mount -o sync)
  std::vector<Task> tasks;
  friend bool operator==(const Workload&, const Workload&) = default;
};

// The write id a sector holds: 0 = the initial data, kForeign = stale data of some other
// file (a free block that was never written through this file), otherwise op id + 1.
inline constexpr std::uint32_t kInitialData = 0;
inline constexpr std::uint32_t kZero = 0xfffffffeu;    // reads as zeros (hole / unwritten / past EOF)
inline constexpr std::uint32_t kForeign = 0xfffffffdu; // stale blocks: must never be read back
inline std::uint32_t write_id_of(const Op& op) { return op.id + 1; }

const char* to_string(OpKind k);
bool is_write(OpKind k);
bool is_read(OpKind k);

}  // namespace dc::model
