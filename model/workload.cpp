#include "model/workload.hpp"

#include <fmt/format.h>
#include <vector>

#include "model/config.hpp"

namespace dc::model {

const char* to_string(OpKind k) {
  switch (k) {
    case OpKind::AioWrite: return "aio_write";
    case OpKind::AioRead: return "aio_read";
    case OpKind::GetEvents: return "io_getevents";
    case OpKind::PWrite: return "pwrite";
    case OpKind::PRead: return "pread";
    case OpKind::BufWrite: return "buffered_write";
    case OpKind::BufRead: return "buffered_read";
    case OpKind::Truncate: return "ftruncate";
    case OpKind::Fallocate: return "fallocate";
    case OpKind::Fsync: return "fsync";
    case OpKind::Close: return "close";
    case OpKind::Unmount: return "umount";
    case OpKind::Crash: return "crash";
    case OpKind::Open: return "open";
    case OpKind::Evict: return "evict";
    case OpKind::UringWrite: return "uring_write";
    case OpKind::UringRead: return "uring_read";
    case OpKind::UringWait: return "uring_wait";
  }
  return "?";
}

bool is_write(OpKind k) {
  return k == OpKind::AioWrite || k == OpKind::PWrite || k == OpKind::BufWrite || k == OpKind::UringWrite;
}
bool uses_file(OpKind k) {
  return k != OpKind::GetEvents && k != OpKind::Unmount && k != OpKind::Crash && k != OpKind::UringWait;
}
bool is_async_submit(OpKind k) {
  return k == OpKind::AioWrite || k == OpKind::AioRead || k == OpKind::UringWrite || k == OpKind::UringRead;
}
bool is_reap(OpKind k) { return k == OpKind::GetEvents || k == OpKind::UringWait; }
bool is_uring(OpKind k) { return k == OpKind::UringWrite || k == OpKind::UringRead || k == OpKind::UringWait; }

std::string lifecycle_error(const Workload& w) {
  for (std::size_t t = 0; t < w.tasks.size(); ++t) {
    std::vector<bool> closed(kMaxFiles, false);
    for (const Op& op : w.tasks[t].ops) {
      if (op.file >= kMaxFiles) continue;  // checked by whoever reads the file index
      if (op.kind == OpKind::Close && closed[op.file])
        return fmt::format("task {}: op {} closes file {}, which the task already closed", t, op.id, op.file);
      if (op.kind == OpKind::Open && !closed[op.file])
        return fmt::format("task {}: op {} opens file {}, which the task still has open", t, op.id, op.file);
      if (op.kind == OpKind::Close) closed[op.file] = true;
      if (op.kind == OpKind::Open) closed[op.file] = false;
    }
  }
  return "";
}

bool is_read(OpKind k) {
  return k == OpKind::AioRead || k == OpKind::PRead || k == OpKind::BufRead || k == OpKind::UringRead;
}

std::string kernel_error(const Workload& w, Kernel k) {
  if (is_iomap_kernel(k)) return "";
  for (const Task& t : w.tasks)
    for (const Op& op : t.ops)
      if (is_uring(op.kind))
        return fmt::format("op {} is {}: io_uring does not exist on kernel {} (only 6.6 and 6.18 have it)", op.id,
                           to_string(op.kind), to_string(k));
  return "";
}

const char* to_string(Kernel k) {
  switch (k) {
    case Kernel::V3_11: return "3.11";
    case Kernel::V7b7a8665: return "7b7a8665";
    case Kernel::V3_12: return "3.12";
    case Kernel::V3_12_fixed: return "3.12-fixed";
    case Kernel::V6_6: return "6.6";
    case Kernel::V6_18: return "6.18";
    case Kernel::V6_6_0: return "6.6.0";
  }
  return "?";
}

const char* to_string(Fs f) { return f == Fs::Ext4 ? "ext4" : "xfs"; }

bool parse_kernel(const std::string& s, Kernel& out) {
  for (Kernel k : kEveryKernel)
    if (s == to_string(k)) return out = k, true;
  return false;
}

bool parse_fs(const std::string& s, Fs& out) {
  for (Fs f : kAllFs)
    if (s == to_string(f)) return out = f, true;
  return false;
}

}  // namespace dc::model
