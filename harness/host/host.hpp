// The host-kernel oracle: runs a model::Workload against a real file on the machine's own
// kernel (O_DIRECT, io_uring for AIO, real threads) and records what userspace observed as a
// model::Trace, so the reference model can judge the real kernel with the same rules it
// applies to the engine.
//
// Trace conventions (actor = task index, ctx = 0, obj = 0, op = workload op id):
//   OpBegin   a = (int)OpKind                 appended before the syscall is issued
//   OpEnd     a = result (bytes or -errno)    appended after the syscall returned;
//             AioWrite/AioRead: the submit result (1 or -errno); GetEvents: events reaped
//   AioReaped op = the AIO op, a = res        appended after its completion was observed,
//             in the critical section of the GetEvents that reaped it, before its OpEnd
//   ReadData  op, a = offset, b = bytes returned, data slice = write id per file sector of
//             Workload::sector_size bytes that [a, a+b) overlaps (see tagging.hpp); emitted
//             for every read with result >= 0, immediately before the read's OpEnd
//             (sync reads) or its AioReaped (AIO reads)
// Every event is appended under one global mutex together with a CLOCK_MONOTONIC timestamp
// (HostResult::ts_ns, parallel to trace.events), so trace order is real-time order: if A's
// OpEnd precedes B's OpBegin, A finished before B started.
//
// Semantics the host gives (honestly) where a Workload leaves room:
//   * each task opens its own O_DIRECT fd (with the workload's O_DSYNC / O_SYNC) and its own
//     buffered fd; Close closes both (and later ops of the task then fail with -EBADF);
//   * GetEvents waits for min(nr, this task's in-flight AIOs) completions (a real
//     io_getevents would block forever on the rest); AIOs never reaped are drained silently
//     at the end of the task (counted in HostResult::unreaped);
//   * Crash and Unmount cannot be done honestly on a live host: the run is rejected
//     (HostStatus::Unsupported) before anything happens;
//   * inode_sync sets FS_SYNC_FL (chattr +S) on the file (a refusal is an Error);
//   * initial state: `written` ranges are written with kInitialData, then `preallocated`
//     ranges become unwritten extents with FALLOC_FL_ZERO_RANGE|KEEP_SIZE (so they read as
//     zeros even where `written` put data, as the model assumes), then ftruncate, fsync;
//   * O_DIRECT alignment is the host's: a direct op misaligned for Workload::sector_size but
//     aligned for the host's logical block size would succeed here and fail (-EINVAL) in the
//     model, so such workloads are Unsupported; so are misaligned O_DIRECT reads (today's
//     iomap checks alignment per mapping and reads holes without it: success, not -EINVAL;
//     for the same reason a misaligned direct write failing -EINVAL may have written a part,
//     which the model allows for histories without a Config);
//   * buffered writes that collide with direct writes on the same page make the host kernel
//     fail page-cache invalidation and report -EIO to later O_DSYNC syncs
//     (dio_warn_stale_pagecache); that is recorded as it happens.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/event.hpp"
#include "model/workload.hpp"

namespace dc::harness::host {

struct HostProbe {
  std::string dir;                   // the directory probed
  bool dir_ok = false;               // exists and we can create files in it
  bool o_direct = false;             // an aligned O_DIRECT write + read round-trips
  bool io_uring = false;             // io_uring_queue_init succeeds
  std::uint32_t logical_block_size = 0;  // O_DIRECT offset/length alignment
  std::uint32_t mem_align = 0;           // O_DIRECT buffer alignment
  std::string lbs_source;            // "statx", "BLKSSZGET", "sysfs" or "default"
  std::uint64_t fs_block_size = 0;   // statfs f_bsize
  std::string fs_type;               // "ext4", "xfs", "tmpfs", "btrfs", ... or "0x<magic>"
  std::string error;                 // why something above is false (first failure)
  // The filesystem has a real direct-I/O path (tmpfs accepts O_DIRECT since 6.6 but only as
  // a page-cache no-op, which would make a meaningless oracle).
  bool real_dio() const { return o_direct && fs_type != "tmpfs" && fs_type != "ramfs"; }
  bool usable() const { return dir_ok && real_dio() && io_uring; }
};

HostProbe probe(const std::string& dir);

// The first of $DIOCHECK_HOST_DIR, /tmp, /var/tmp and the current directory whose probe is
// usable(); `why` (if given) receives one line saying which one and why the others were not.
// Returns "" when none is. Probed once per process.
std::string default_dir(std::string* why = nullptr);

struct HostOptions {
  std::string dir;                 // parent of the scratch directory; "" = default_dir()
  std::uint32_t sector_size = 0;   // force the logical block size (0 = discover)
  bool keep_files = false;         // keep the scratch directory (debugging)
};

enum class HostStatus : std::uint8_t {
  Ok,           // the workload ran to the end; trace is complete
  Unsupported,  // the workload asks for something the host cannot do honestly; nothing ran
  Error,        // the host environment failed (no usable dir, setup syscall failed, ...)
};
const char* to_string(HostStatus s);

struct HostResult {
  HostStatus status = HostStatus::Error;
  std::string error;                 // one line when status != Ok
  model::Trace trace;
  std::vector<std::uint64_t> ts_ns;  // CLOCK_MONOTONIC per trace event
  HostProbe probe;                   // the parent directory the run used
  std::string file;                  // the scratch file (removed unless keep_files)
  std::uint32_t logical_block_size = 0;  // the alignment in force
  std::uint64_t ops = 0;             // workload ops executed
  std::uint64_t unreaped = 0;        // AIOs drained at task end without a GetEvents
  double elapsed_s = 0;              // wall time of the workload proper (setup excluded)
  bool ok() const { return status == HostStatus::Ok; }
};

HostResult run_on_host(const model::Workload& w, const HostOptions& opt = {});

// Why `w` cannot run on the host honestly ("" = it can): Crash/Unmount ops, a sector size
// that is not a multiple of `logical_block_size` (0 = skip that check).
std::string unsupported_reason(const model::Workload& w, std::uint32_t logical_block_size);

// One line per event: "[+12.345us] t0 pread#3 OpEnd a=4096 ...", for CLIs and test logs.
std::string render_text(const HostResult& r);

}  // namespace dc::harness::host
