// run_on_host: one std::thread per workload task against a real file; see host.hpp.
#include <fcntl.h>
#include <liburing.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "harness/host/host.hpp"
#include "harness/host/host_internal.hpp"
#include "harness/host/tagging.hpp"

namespace dc::harness::host {
namespace {

using model::Event;
using model::EvKind;
using model::Op;
using model::OpKind;

std::uint64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

// The global history: every append takes the one mutex and a timestamp inside it, so the
// order of events is the order in which their observations were made.
class History {
 public:
  std::unique_lock<std::mutex> lock() { return std::unique_lock<std::mutex>(mu_); }
  // Callers hold lock().
  void add(EvKind kind, int actor, std::uint32_t op, std::int64_t a, std::int64_t b = 0,
           const std::vector<std::uint32_t>* data = nullptr) {
    Event e{};
    e.kind = kind;
    e.ctx = 0;
    e.actor = static_cast<std::uint16_t>(actor);
    e.op = op;
    e.a = a;
    e.b = b;
    if (data != nullptr) {
      e.data = static_cast<std::uint32_t>(trace_.data.size());
      e.ndata = static_cast<std::uint32_t>(data->size());
      trace_.data.insert(trace_.data.end(), data->begin(), data->end());
    }
    trace_.events.push_back(e);
    ts_.push_back(now_ns());
  }
  void one(EvKind kind, int actor, std::uint32_t op, std::int64_t a) {
    auto g = lock();
    add(kind, actor, op, a);
  }
  model::Trace trace_;
  std::vector<std::uint64_t> ts_;

 private:
  std::mutex mu_;
};

struct Shared {
  explicit Shared(const model::Workload& wl) : w(wl) {}
  const model::Workload& w;
  std::string file;
  std::uint32_t align = 512;  // buffer alignment
  std::vector<std::uint32_t> known;
  std::vector<Extent> extents;  // byte ranges of the initial data and of every write
  History hist;
  std::mutex err_mu;
  std::string error;
  std::uint64_t ops = 0, unreaped = 0;
  void fail(const std::string& e) {
    std::lock_guard<std::mutex> g(err_mu);
    if (error.empty()) error = e;
  }
};

std::int64_t sys_result(ssize_t rc) { return rc < 0 ? -errno : static_cast<std::int64_t>(rc); }

class TaskRun {
 public:
  TaskRun(Shared& sh, int idx) : sh_(sh), idx_(idx), task_(sh.w.tasks[static_cast<std::size_t>(idx)]) {}

  // Opens the fds and the ring; false (error recorded) on failure.
  bool setup() {
    int flags = O_RDWR | O_DIRECT | O_CLOEXEC;
    if (sh_.w.o_dsync) flags |= O_DSYNC;
    if (sh_.w.o_sync) flags |= O_SYNC;
    dfd_ = ::open(sh_.file.c_str(), flags);
    if (dfd_ < 0) return sh_.fail("task " + std::to_string(idx_) + ": open(O_DIRECT): " + errno_text(errno)), false;
    bfd_ = ::open(sh_.file.c_str(), O_RDWR | O_CLOEXEC);
    if (bfd_ < 0) return sh_.fail("task " + std::to_string(idx_) + ": open: " + errno_text(errno)), false;
    unsigned aios = 0;
    for (const Op& op : task_.ops) aios += op.kind == OpKind::AioWrite || op.kind == OpKind::AioRead;
    unsigned entries = 4;
    while (entries < aios && entries < 4096) entries *= 2;
    const int rc = ::io_uring_queue_init(entries, &ring_, 0);
    if (rc < 0) return sh_.fail("task " + std::to_string(idx_) + ": io_uring_queue_init: " + errno_text(-rc)), false;
    ring_ok_ = true;
    return true;
  }

  void run() {
    for (const Op& op : task_.ops) do_op(op);
    drain();
  }

  ~TaskRun() {
    if (ring_ok_) {
      drain();
      ::io_uring_queue_exit(&ring_);
    }
    close_fds();
  }

 private:
  struct Inflight {
    const Op* op;
    AlignedBuf buf;
  };

  int close_fds() {
    int err = 0;
    for (int* fd : {&dfd_, &bfd_}) {
      if (*fd < 0) {
        err = err != 0 ? err : -EBADF;
        continue;
      }
      if (::close(*fd) != 0 && err == 0) err = -errno;
      *fd = -1;
    }
    return err;
  }

  AlignedBuf buffer_for(const Op& op) {
    AlignedBuf buf(static_cast<std::size_t>(op.len), sh_.align);
    if (model::is_write(op.kind))
      fill_image(model::write_id_of(op), sh_.w.sector_size, op.offset,
                 std::span<std::uint8_t>(buf.data(), static_cast<std::size_t>(op.len)));
    return buf;
  }

  std::vector<std::uint32_t> ids_of(const AlignedBuf& buf, std::uint64_t offset, std::int64_t n) {
    std::vector<std::uint32_t> ids;
    if (n > 0)
      classify(std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(n)), offset,
               sh_.w.sector_size, sh_.known, ids, sh_.extents);
    return ids;
  }

  void begin(const Op& op) { sh_.hist.one(EvKind::OpBegin, idx_, op.id, static_cast<int>(op.kind)); }
  void end(const Op& op, std::int64_t res) { sh_.hist.one(EvKind::OpEnd, idx_, op.id, res); }

  void sync_read(const Op& op, int fd) {
    AlignedBuf buf = buffer_for(op);
    begin(op);
    const std::int64_t res = sys_result(::pread(fd, buf.data(), static_cast<std::size_t>(op.len),
                                                static_cast<off_t>(op.offset)));
    const std::vector<std::uint32_t> ids = ids_of(buf, op.offset, res);
    auto g = sh_.hist.lock();
    if (res >= 0) sh_.hist.add(EvKind::ReadData, idx_, op.id, static_cast<std::int64_t>(op.offset), res, &ids);
    sh_.hist.add(EvKind::OpEnd, idx_, op.id, res);
  }

  void sync_write(const Op& op, int fd) {
    AlignedBuf buf = buffer_for(op);
    iovec iov{buf.data(), static_cast<std::size_t>(op.len)};
    begin(op);
    const ssize_t rc = op.dsync ? ::pwritev2(fd, &iov, 1, static_cast<off_t>(op.offset), RWF_DSYNC)
                                : ::pwrite(fd, buf.data(), iov.iov_len, static_cast<off_t>(op.offset));
    end(op, sys_result(rc));
  }

  void aio_submit(const Op& op) {
    AlignedBuf buf = buffer_for(op);
    begin(op);
    if (dfd_ < 0) return end(op, -EBADF);  // io_submit checks the fd before queueing
    io_uring_sqe* sqe = ::io_uring_get_sqe(&ring_);
    if (sqe == nullptr) {  // SQ full (only with > 4096 in flight): flush and retry once
      ::io_uring_submit(&ring_);
      sqe = ::io_uring_get_sqe(&ring_);
      if (sqe == nullptr) return end(op, -EAGAIN);
    }
    const auto n = static_cast<unsigned>(op.len);
    if (op.kind == OpKind::AioWrite)
      ::io_uring_prep_write(sqe, dfd_, buf.data(), n, op.offset);
    else
      ::io_uring_prep_read(sqe, dfd_, buf.data(), n, op.offset);
    sqe->rw_flags = op.kind == OpKind::AioWrite && op.dsync ? RWF_DSYNC : 0;
    sqe->user_data = op.id;
    inflight_.emplace(op.id, Inflight{&op, std::move(buf)});
    int rc = ::io_uring_submit(&ring_);
    while (rc == -EINTR) rc = ::io_uring_submit(&ring_);
    if (rc != 1) {
      inflight_.erase(op.id);
      return end(op, rc < 0 ? rc : -EAGAIN);
    }
    ++outstanding_;
    end(op, 1);
  }

  // Waits for one completion; returns its (user_data, res).
  bool wait_one(std::uint64_t& ud, std::int32_t& res) {
    io_uring_cqe* cqe = nullptr;
    int rc = ::io_uring_wait_cqe(&ring_, &cqe);
    while (rc == -EINTR) rc = ::io_uring_wait_cqe(&ring_, &cqe);
    if (rc < 0) {
      sh_.fail("task " + std::to_string(idx_) + ": io_uring_wait_cqe: " + errno_text(-rc));
      return false;
    }
    ud = cqe->user_data;
    res = cqe->res;
    ::io_uring_cqe_seen(&ring_, cqe);
    --outstanding_;
    return true;
  }

  void get_events(const Op& op) {
    const std::uint64_t n = std::min<std::uint64_t>(op.nr, outstanding_);
    begin(op);
    struct Reaped {
      std::uint32_t op;
      std::int32_t res;
      bool read;
      std::int64_t offset;
      std::vector<std::uint32_t> ids;
    };
    std::vector<Reaped> got;
    for (std::uint64_t i = 0; i < n; ++i) {
      std::uint64_t ud = 0;
      std::int32_t res = 0;
      if (!wait_one(ud, res)) break;
      auto it = inflight_.find(static_cast<std::uint32_t>(ud));
      if (it == inflight_.end()) {
        sh_.fail("task " + std::to_string(idx_) + ": completion for unknown op " + std::to_string(ud));
        continue;
      }
      const Op& aop = *it->second.op;
      Reaped r{aop.id, res, aop.kind == OpKind::AioRead, static_cast<std::int64_t>(aop.offset), {}};
      if (r.read) r.ids = ids_of(it->second.buf, aop.offset, res);
      got.push_back(std::move(r));
      inflight_.erase(it);
    }
    auto g = sh_.hist.lock();
    for (const Reaped& r : got) {
      if (r.read && r.res >= 0) sh_.hist.add(EvKind::ReadData, idx_, r.op, r.offset, r.res, &r.ids);
      sh_.hist.add(EvKind::AioReaped, idx_, r.op, r.res);
    }
    sh_.hist.add(EvKind::OpEnd, idx_, op.id, static_cast<std::int64_t>(got.size()));
  }

  void drain() {
    while (outstanding_ > 0) {
      std::uint64_t ud = 0;
      std::int32_t res = 0;
      if (!wait_one(ud, res)) {
        outstanding_ = 0;
        break;
      }
      inflight_.erase(static_cast<std::uint32_t>(ud));
      std::lock_guard<std::mutex> g(sh_.err_mu);
      ++sh_.unreaped;
    }
  }

  void do_op(const Op& op) {
    {
      std::lock_guard<std::mutex> g(sh_.err_mu);
      ++sh_.ops;
    }
    switch (op.kind) {
      case OpKind::AioWrite:
      case OpKind::AioRead: return aio_submit(op);
      case OpKind::GetEvents: return get_events(op);
      case OpKind::UringWrite:  // refused by the workload check (aio_* use io_uring here)
      case OpKind::UringRead:
      case OpKind::UringWait: return end(op, -EINVAL);
      case OpKind::PWrite: return sync_write(op, dfd_);
      case OpKind::PRead: return sync_read(op, dfd_);
      case OpKind::BufWrite: return sync_write(op, bfd_);
      case OpKind::BufRead: return sync_read(op, bfd_);
      case OpKind::Truncate: {
        begin(op);
        return end(op, sys_result(::ftruncate(dfd_, static_cast<off_t>(op.len))));
      }
      case OpKind::Fallocate: {
        begin(op);
        const int mode = op.keep_size ? FALLOC_FL_KEEP_SIZE : 0;
        return end(op, sys_result(::fallocate(dfd_, mode, static_cast<off_t>(op.offset),
                                              static_cast<off_t>(op.len))));
      }
      case OpKind::Fsync: {
        begin(op);
        return end(op, sys_result(op.dsync ? ::fdatasync(dfd_) : ::fsync(dfd_)));
      }
      case OpKind::Close: {
        begin(op);
        return end(op, close_fds());
      }
      case OpKind::Unmount:
      case OpKind::Open:
      case OpKind::Evict:
      case OpKind::Crash:  // rejected by unsupported_reason before the run
        begin(op);
        return end(op, -ENOSYS);
    }
  }

  Shared& sh_;
  int idx_;
  const model::Task& task_;
  int dfd_ = -1, bfd_ = -1;
  io_uring ring_{};
  bool ring_ok_ = false;
  std::map<std::uint32_t, Inflight> inflight_;
  std::uint64_t outstanding_ = 0;
};

// Creates the file and its initial state (Workload::written, preallocated, initial_size).
std::string setup_file(const model::Workload& w, const std::string& file) {
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return "create " + file + ": " + errno_text(errno);
  std::string err;
  for (const model::Range& r : w.written) {
    std::vector<std::uint8_t> buf(static_cast<std::size_t>(r.len));
    fill_image(model::kInitialData, w.sector_size, r.offset, buf);
    if (::pwrite(fd, buf.data(), buf.size(), static_cast<off_t>(r.offset)) !=
        static_cast<ssize_t>(buf.size())) {
      err = "initial write: " + errno_text(errno);
      break;
    }
  }
  // Preallocated ranges are unwritten extents even where `written` put data first (the
  // model reads them as zeros): FALLOC_FL_ZERO_RANGE turns block-aligned ranges into
  // unwritten extents on ext4 and XFS; plain preallocation where it is not supported.
  for (const model::Range& r : w.preallocated) {
    if (!err.empty() || r.len == 0) continue;
    const auto off = static_cast<off_t>(r.offset), len = static_cast<off_t>(r.len);
    if (::fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, off, len) == 0) continue;
    if ((errno != EOPNOTSUPP && errno != EINVAL) ||
        ::fallocate(fd, FALLOC_FL_KEEP_SIZE, off, len) != 0)
      err = "initial fallocate: " + errno_text(errno);
  }
  if (err.empty() && ::ftruncate(fd, static_cast<off_t>(w.initial_size)) != 0)
    err = "initial ftruncate: " + errno_text(errno);
  if (err.empty() && w.inode_sync) {
    if (const int rc = set_sync_flag(fd); rc != 0) err = "chattr +S: " + errno_text(-rc);
  }
  if (err.empty() && ::fsync(fd) != 0) err = "initial fsync: " + errno_text(errno);
  ::close(fd);
  return err;
}

}  // namespace

const char* to_string(HostStatus s) {
  switch (s) {
    case HostStatus::Ok: return "ok";
    case HostStatus::Unsupported: return "unsupported";
    case HostStatus::Error: return "error";
  }
  return "?";
}

std::string unsupported_reason(const model::Workload& w, std::uint32_t lbs) {
  if (w.files != 1) return "the host runner drives one file; this workload has " + std::to_string(w.files);
  if (w.shared_files) return "the host runner opens one file per task; this workload shares open files";
  if (w.sector_size < kHeaderBytes)
    return "sector_size " + std::to_string(w.sector_size) + " is too small to tag";
  if (lbs != 0 && w.sector_size % lbs != 0)
    return "workload sector_size " + std::to_string(w.sector_size) +
           " is not a multiple of the host's logical block size " + std::to_string(lbs);
  std::set<std::uint32_t> ids;
  for (std::size_t t = 0; t < w.tasks.size(); ++t)
    for (const Op& op : w.tasks[t].ops) {
      const std::string where =
          "task " + std::to_string(t) + " op " + std::to_string(op.id) + " (" + to_string(op.kind) + ")";
      if (op.kind == OpKind::Open || op.kind == OpKind::Evict)
        return where + ": the host runner has no " + model::to_string(op.kind) + " (reopen / inode reclaim)";
      if (model::is_uring(op.kind))
        return where + ": the host runner submits aio_write / aio_read through io_uring already; use those";
      if (op.kind == OpKind::Crash || op.kind == OpKind::Unmount)
        return where + ": a live host cannot " +
               (op.kind == OpKind::Crash ? "cut power" : "unmount its filesystem") + " honestly";
      if (!ids.insert(op.id).second) return where + ": duplicate op id";
      if ((model::is_write(op.kind) || model::is_read(op.kind)) && op.len > (1u << 30))
        return where + ": I/O larger than 1 GiB";
      const bool direct = op.kind == OpKind::AioWrite || op.kind == OpKind::AioRead ||
                          op.kind == OpKind::PWrite || op.kind == OpKind::PRead;
      const bool bad_for_model = op.offset % w.sector_size != 0 || op.len % w.sector_size != 0;
      const bool bad_for_host = lbs != 0 && (op.offset % lbs != 0 || op.len % lbs != 0);
      if (direct && bad_for_model && !bad_for_host)
        return where + ": misaligned for sector_size " + std::to_string(w.sector_size) +
               " (-EINVAL) but aligned for the host's logical block size " + std::to_string(lbs);
      if (direct && model::is_read(op.kind) && bad_for_model)
        return where + ": misaligned O_DIRECT read: iomap checks alignment per mapping and "
                       "zero-fills holes without it, where 3.12 returns -EINVAL up front";
    }
  if (w.tasks.size() > 1024) return "more than 1024 tasks";
  return "";
}

HostResult run_on_host(const model::Workload& w, const HostOptions& opt) {
  HostResult res;
  std::string parent = opt.dir;
  if (parent.empty()) {
    std::string why;
    parent = default_dir(&why);
    if (parent.empty()) {
      res.error = why;
      return res;
    }
  }
  res.probe = probe(parent);
  if (!res.probe.dir_ok || !res.probe.o_direct || !res.probe.io_uring) {
    res.error = "host dir " + parent + " unusable: " + res.probe.error;
    return res;
  }
  res.logical_block_size = opt.sector_size != 0 ? opt.sector_size : res.probe.logical_block_size;
  if (std::string why = unsupported_reason(w, res.logical_block_size); !why.empty()) {
    res.status = HostStatus::Unsupported;
    res.error = why;
    return res;
  }

  std::string dir = parent + "/diocheck-host-XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) {
    res.error = "mkdtemp in " + parent + ": " + errno_text(errno);
    return res;
  }
  res.file = dir + "/file";
  Shared sh(w);
  sh.file = res.file;
  sh.align = std::max(res.logical_block_size, res.probe.mem_align);
  sh.known.push_back(model::kInitialData);
  for (const model::Task& t : w.tasks)
    for (const Op& op : t.ops)
      if (model::is_write(op.kind)) sh.known.push_back(model::write_id_of(op));
  std::sort(sh.known.begin(), sh.known.end());
  for (const model::Range& r : w.written) sh.extents.push_back({model::kInitialData, r.offset, r.len});
  for (const model::Task& t : w.tasks)
    for (const Op& op : t.ops)
      if (model::is_write(op.kind)) sh.extents.push_back({model::write_id_of(op), op.offset, op.len});

  sh.error = setup_file(w, res.file);
  if (sh.error.empty()) {
    const auto n = static_cast<std::ptrdiff_t>(w.tasks.size());
    std::latch ready(n), go(1);
    std::vector<std::thread> threads;
    threads.reserve(w.tasks.size());
    for (std::ptrdiff_t i = 0; i < n; ++i)
      threads.emplace_back([&sh, &ready, &go, i] {
        TaskRun t(sh, static_cast<int>(i));
        const bool ok = t.setup();
        ready.count_down();
        go.wait();
        if (ok) t.run();
      });
    ready.wait();
    const std::uint64_t t0 = now_ns();
    go.count_down();
    for (std::thread& t : threads) t.join();
    res.elapsed_s = static_cast<double>(now_ns() - t0) * 1e-9;
  }
  if (sh.error.empty()) {
    res.status = HostStatus::Ok;
  } else {
    res.error = sh.error;
  }
  res.trace = std::move(sh.hist.trace_);
  res.ts_ns = std::move(sh.hist.ts_);
  res.ops = sh.ops;
  res.unreaped = sh.unreaped;
  if (!opt.keep_files) {
    ::unlink(res.file.c_str());
    ::rmdir(dir.c_str());
  }
  return res;
}

std::string render_text(const HostResult& r) {
  std::string out = std::string("host run: ") + to_string(r.status);
  if (!r.error.empty()) out += ": " + r.error;
  out += "\n";
  const std::uint64_t t0 = r.ts_ns.empty() ? 0 : r.ts_ns.front();
  char line[256];
  for (std::size_t i = 0; i < r.trace.events.size(); ++i) {
    const model::Event& e = r.trace.events[i];
    const double us = i < r.ts_ns.size() ? static_cast<double>(r.ts_ns[i] - t0) / 1000.0 : 0.0;
    std::snprintf(line, sizeof line, "[+%10.3fus] t%u op%u %-9s a=%lld b=%lld", us,
                  unsigned{e.actor}, e.op, std::string(model::to_string(e.kind)).c_str(),
                  static_cast<long long>(e.a), static_cast<long long>(e.b));
    out += line;
    if (e.kind == EvKind::OpBegin) {
      out += " (";
      out += model::to_string(static_cast<OpKind>(e.a));
      out += ")";
    }
    if (e.ndata > 0) {
      out += " ids=[";
      for (std::uint32_t k = 0; k < e.ndata; ++k) {
        const std::uint32_t id = r.trace.data[e.data + k];
        if (k > 0) out += ",";
        out += id == model::kZero ? "Z" : id == model::kForeign ? "FOREIGN" : std::to_string(id);
      }
      out += "]";
    }
    out += "\n";
  }
  return out;
}

}  // namespace dc::harness::host
