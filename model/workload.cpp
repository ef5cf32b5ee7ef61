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
  }
  return "?";
}

bool is_write(OpKind k) {
  return k == OpKind::AioWrite || k == OpKind::PWrite || k == OpKind::BufWrite;
}
bool uses_file(OpKind k) {
  return k != OpKind::GetEvents && k != OpKind::Unmount && k != OpKind::Crash;
}

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

bool is_read(OpKind k) { return k == OpKind::AioRead || k == OpKind::PRead || k == OpKind::BufRead; }

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
