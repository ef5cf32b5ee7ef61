#include "impl/machine.hpp"

#include <algorithm>
#include <climits>
#include <deque>
#include <map>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "impl/aio.hpp"
#include "impl/io_uring.hpp"
#include "impl/fs/ext4.hpp"
#include "impl/fs/xfs.hpp"
#include "impl/kernel/execution.hpp"
#include "impl/iomap/fs.hpp"
#include "impl/vfs.hpp"

namespace dc::kern {

struct Machine::Impl {
  struct Fds {  // one task's open files of one inode (its own, or the shared ones)
    file* dfile = nullptr;  // the O_DIRECT fd
    file* bfile = nullptr;  // the buffered fd
    bool closed = false;
  };
  struct TaskState {
    const model::Task* task = nullptr;
    std::deque<Fds> fds;  // by workload file index (stable addresses)
    kioctx ctx;
    // iocbs io_submit accepted and io_getevents has not handed over yet: like any AIO
    // program (and the host runner), a task never waits for more events than that, so an
    // io_submit rejected by an injected kiocb failure does not leave it blocked forever.
    std::uint32_t outstanding = 0;
    // io_uring_setup at the task's first io_uring op (no ids drawn for workloads without one)
    std::unique_ptr<io_ring_ctx> ring;
    std::uint32_t uring_outstanding = 0;  // submitted SQEs whose CQE userspace has not consumed
    std::size_t index = 0;
  };

  model::Workload w;
  model::Config c;
  FsType* fs = nullptr;
  disk dsk;
  super_block* sb = nullptr;
  std::vector<inode*> inos;  // by workload file index; null once evicted
  std::deque<file> filps;    // every struct file opened (stable addresses)
  std::vector<std::unique_ptr<TaskState>> tasks;
  std::map<std::uint32_t, std::vector<std::uint32_t>> read_bufs;  // AIO read user memory
  std::map<std::uint32_t, loff_t> read_offsets;  // AIO read op -> offset (ki_pos may move)
  std::size_t tasks_left = 0;
  bool unmounted = false;
  bool crashed = false;

  void build_disk();
  void mount();
  inode* iget(std::uint32_t f);
  inode* alloc_inode(std::uint32_t f);
  file* open_file(inode* ino, bool direct, int refs);
  long open_fds(Fds& fd, std::uint32_t f);
  long evict_file(std::uint32_t f);
  void run_task(std::size_t idx);
  long run_op(TaskState& t, const model::Op& op);
  void teardown();
  void emit_read(std::uint32_t op, loff_t offset, ssize_t len, const std::uint32_t* data);
  bool all_files_released() const;
};

Machine::Machine(const model::Workload& w, const model::Config& c) : impl_(std::make_unique<Impl>()) {
  impl_->w = w;
  impl_->c = c;
  const bool iomap_era = model::is_iomap_kernel(c.kernel);
  if (c.fs == model::Fs::Ext4)
    impl_->fs = iomap_era ? ext4_iomap_fs_type() : ext4_fs_type();
  else if (c.fs == model::Fs::Xfs)
    impl_->fs = iomap_era ? xfs_iomap_fs_type() : xfs_fs_type();
  else
    throw std::invalid_argument(fmt::format("filesystem {} is not ported yet", model::to_string(c.fs)));
  if (w.sector_size == 0 || w.block_size < w.sector_size || w.block_size % w.sector_size)
    throw std::invalid_argument("block size must be a multiple of the sector size");
  if (const std::string why = model::kernel_error(w, c.kernel); !why.empty()) throw std::invalid_argument(why);
}

Machine::~Machine() = default;

void Machine::Impl::build_disk() {
  bdev_init(&dsk.bdev, w.sector_size, w.block_size);
  dsk.journal.j_disk = &dsk;
  dsk.journal.j_commit_sequence = 0;
  dsk.journal.t_updates = 0;
  dsk.journal.t_freed.clear();
  init_waitqueue_head(&dsk.journal.j_wait_updates);
  dsk.meta.assign(std::max<std::uint32_t>(1, w.files), file_meta{});
  file_meta& m0 = dsk.meta[0];  // file 0 carries the workload's initial state
  const std::uint64_t bs = w.block_size, ss = w.sector_size, spb = bs / ss;
  // As the model decides (docs/model.md): initial data past initial_size reads as zeros, and
  // where `written` and `preallocated` overlap the block is preallocated (unwritten).
  for (const model::Range& r : w.written) {
    if (r.len == 0) continue;
    for (std::uint64_t b = r.offset / bs; b <= (r.offset + r.len - 1) / bs; ++b) {
      extent& e = m0.at(b);
      if (e.state == ExtentState::Hole) {
        e.pblk = bdev_alloc_blocks(&dsk.bdev, 1);
        for (std::uint64_t i = 0; i < spb; ++i) dsk.bdev.cache[e.pblk * spb + i] = model::kZero;
      }
      e.state = ExtentState::Written;
      for (std::uint64_t i = 0; i < spb; ++i) {
        const std::uint64_t s0 = b * bs + i * ss;
        if (s0 + ss > r.offset && s0 < r.offset + r.len && s0 < w.initial_size)
          dsk.bdev.cache[e.pblk * spb + i] = model::kInitialData;
      }
    }
  }
  for (const model::Range& r : w.preallocated) {
    if (r.len == 0) continue;
    for (std::uint64_t b = r.offset / bs; b <= (r.offset + r.len - 1) / bs; ++b) {
      extent& e = m0.at(b);
      if (e.state == ExtentState::Hole) e.pblk = bdev_alloc_blocks(&dsk.bdev, 1);
      e.state = ExtentState::Unwritten;
    }
  }
  m0.disksize = static_cast<loff_t>(w.initial_size);
  dsk.durable = dsk.meta;
  dsk.bdev.durable = dsk.bdev.cache;
}

void Machine::Impl::mount() {
  FaultInjector* faults = FaultInjector::current();
  if (faults) faults->pause(true);  // the plan's "n-th allocation" counts from the workload on
  sb = kzalloc<super_block>("super_block", GFP_KERNEL);
  if (!sb) throw std::runtime_error("mount: cannot allocate the superblock");
  sb->id = kobj_of(sb);
  sb->s_blocksize = w.block_size;
  sb->s_blkbits = 0;
  while ((1u << sb->s_blkbits) < w.block_size) ++sb->s_blkbits;
  sb->s_bdev = &dsk.bdev;
  sb->s_disk = &dsk;
  sb->s_journal = &dsk.journal;
  sb->s_type = fs;
  // dioread_nolock is the ext4 default since 5.6 (244adf6426ee): writeback allocates unwritten.
  sb->dioread_nolock = c.dioread_nolock || model::is_iomap_kernel(c.kernel);
  if (fs->fill_super(sb)) throw std::runtime_error("mount: fill_super failed");

  for (std::uint32_t f = 0; f < dsk.meta.size(); ++f) {
    inode* ino = alloc_inode(f);
    if (!ino) throw std::runtime_error("mount: cannot allocate an inode");
    inos.push_back(ino);
  }

  for (const model::Task& task : w.tasks) {
    auto t = std::make_unique<TaskState>();
    t->task = &task;
    t->index = tasks.size();
    for (std::size_t f = 0; f < inos.size(); ++f) t->fds.emplace_back();
    tasks.push_back(std::move(t));
  }
  // Shared: one pair of struct files per inode, a reference per task (as after fork);
  // private: each task opens its own (the same allocation order as before, task by task).
  if (w.shared_files) {
    const int refs = static_cast<int>(tasks.size());
    for (inode* ino : inos) {
      file* d = open_file(ino, true, refs);
      file* b = open_file(ino, false, refs);
      for (auto& t : tasks) t->fds[ino->i_ino].dfile = d, t->fds[ino->i_ino].bfile = b;
    }
    for (auto& t : tasks) ioctx_init(&t->ctx);
  } else {
    for (auto& t : tasks) {
      for (inode* ino : inos) {
        Fds& fd = t->fds[ino->i_ino];
        fd.dfile = open_file(ino, true, 1);
        fd.bfile = open_file(ino, false, 1);
      }
      ioctx_init(&t->ctx);
    }
  }
  for (auto& t : tasks) t->ctx.caller_comp = c.iomap_caller_comp && model::is_iomap_kernel(c.kernel);
  if (faults) faults->pause(false);
}

// The in-core inode of file f read from its on-disk inode (mount, or an open after eviction):
// i_size is the on-disk size (ext4 i_disksize, XFS di_size).
inode* Machine::Impl::alloc_inode(std::uint32_t f) {
  inode* ino = kzalloc<inode>("inode", GFP_KERNEL);
  if (!ino) return nullptr;
  ino->id = kobj_of(ino);
  ino->i_sb = sb;
  ino->i_meta = &dsk.meta[f];
  ino->i_ino = f;
  ino->i_size = dsk.meta[f].disksize;
  ino->i_blkbits = sb->s_blkbits;
  ino->is_sync = w.inode_sync;
  mutex_init(&ino->i_mutex);
  if (model::is_iomap_kernel(c.kernel)) init_rwsem(&ino->i_rwsem);  // 3.x: no id drawn (hashes)
  mutex_init(&ino->i_aio_mutex);
  init_rwsem(&ino->i_data_sem);
  init_waitqueue_head(&ino->i_ioend_wq);
  spin_lock_init(&ino->i_completed_io_lock);
  fs->init_inode(ino);
  ++sb->s_inodes;
  // which inode is which file: only with several files (one-file traces stay as they were)
  if (dsk.meta.size() > 1) ktrace(model::EvKind::InodeFile, ino->id, f);
  return ino;
}

// iget: the cached inode (taken off the LRU if unused), or, once evicted, read back from disk.
// An inode being evicted (I_FREEING) is waited for, as find_inode does.
inode* Machine::Impl::iget(std::uint32_t f) {
  for (;;) {
    sched_point(sb, Access::Write);  // inode_hash_lock: the lookup and the I_FREEING test are one step
    inode* ino = inos[f];
    if (!ino) return inos[f] = alloc_inode(f);
    if (!(ino->i_state & (1ul << I_FREEING_BIT))) {
      kasan_check(ino, "iget");
      if (ino->i_count == 0) {
        auto& lru = sb->s_inode_lru;
        lru.erase(std::find(lru.begin(), lru.end(), ino));
      }
      return ino;
    }
    wait_on_bit_cond(&ino->i_state, I_FREEING_BIT, [this, f, ino] { return inos[f] == ino; }, "find_inode: I_FREEING");
  }
}

file* Machine::Impl::open_file(inode* ino, bool direct, int refs) {
  file& fl = filps.emplace_back();
  fl.f_inode = ino;
  fl.f_flags = direct ? O_DIRECT_ | (w.o_dsync ? O_DSYNC_ : 0u) | (w.o_sync ? O_SYNC_ : 0u) : 0u;
  fl.f_count = refs;
  fl.id = kobj_id();
  init_waitqueue_head(&fl.f_wait);
  ++ino->i_count;
  return &fl;
}

// open(2) again after a Close: new private O_DIRECT and buffered files.
long Machine::Impl::open_fds(Fds& fd, std::uint32_t f) {
  inode* ino = iget(f);
  if (!ino) return -ENOMEM;
  fd.dfile = open_file(ino, true, 1);
  fd.bfile = open_file(ino, false, 1);
  fd.closed = false;
  return 0;
}

// Memory pressure reclaims file f's inode if nothing holds it.
long Machine::Impl::evict_file(std::uint32_t f) {
  inode* ino = unmounted ? nullptr : inos[f];
  if (!ino || (ino->i_state & (1ul << I_FREEING_BIT))) return 0;
  if (!prune_icache_inode(ino)) return 0;
  inos[f] = nullptr;
  wake_up_bit(&ino->i_state, I_FREEING_BIT);  // an open waiting in iget re-tests inos[f]
  return 1;
}

void Machine::start(sched::Scheduler& s) {
  Impl& m = *impl_;
  m.build_disk();
  m.mount();
  m.tasks_left = m.tasks.size();
  for (std::size_t i = 0; i < m.tasks.size(); ++i)
    s.spawn(fmt::format("task{}", i), Ctx::Process, [&m, i] { m.run_task(i); });
  if (m.tasks.empty()) s.spawn("umount", Ctx::Process, [&m] { m.teardown(); });
}

void Machine::Impl::emit_read(std::uint32_t op, loff_t offset, ssize_t len, const std::uint32_t* data) {
  Tracer* t = Tracer::current();
  if (!t || len < 0) return;
  const loff_t ss = w.sector_size;
  const auto n = len == 0 ? std::size_t{0} : static_cast<std::size_t>((offset % ss + len + ss - 1) / ss);
  t->emit(model::EvKind::ReadData, 0, offset, len, 0, op, std::span<const std::uint32_t>(data, n));
}

bool Machine::Impl::all_files_released() const {
  for (const auto& t : tasks)
    for (const Fds& fd : t->fds)
      if (!fd.dfile->released || !fd.bfile->released) return false;
  return true;
}

long Machine::Impl::run_op(TaskState& t, const model::Op& op) {
  using model::OpKind;
  const loff_t ss = w.sector_size;
  const auto off = static_cast<loff_t>(op.offset);
  const auto len = static_cast<loff_t>(op.len);
  const bool on_file = model::uses_file(op.kind);
  if (on_file && op.file >= t.fds.size()) return -EBADF;
  Fds& fd = t.fds[on_file ? op.file : 0];
  if (op.kind == OpKind::Open) return fd.closed ? open_fds(fd, op.file) : -EINVAL;
  if (op.kind == OpKind::Evict) return evict_file(op.file);
  if (on_file && fd.closed) return -EBADF;
  inode* ino = fd.dfile->f_inode;
  switch (op.kind) {
    case OpKind::AioWrite:
    case OpKind::AioRead: {
      const bool rd = op.kind == OpKind::AioRead;
      user_buf buf;
      buf.len = len;
      std::vector<std::uint32_t>* rb = nullptr;
      if (rd) {
        rb = &read_bufs[op.id];
        read_offsets[op.id] = off;
        // one entry per file sector the read overlaps (a misaligned read overlaps one more)
        rb->assign(static_cast<std::size_t>(std::max<loff_t>(1, (off % ss + len + ss - 1) / ss)), model::kZero);
        buf.read = rb->data();
      } else {
        buf.write_id = model::write_id_of(op);
      }
      const long r = io_submit_one(&t.ctx, fd.dfile, op.id, rd, off, buf, rb, op.dsync);
      if (r == 0) ++t.outstanding;
      return r == 0 ? 1 : r;
    }
    case OpKind::UringWrite:
    case OpKind::UringRead: {
      const bool rd = op.kind == OpKind::UringRead;
      if (!t.ring) {
        t.ring = std::make_unique<io_ring_ctx>();
        io_uring_setup(t.ring.get(), fmt::format("iou-wrk-{}", t.index), c.iomap_caller_comp);
      }
      user_buf buf;
      buf.len = len;
      std::vector<std::uint32_t>* rb = nullptr;
      if (rd) {
        rb = &read_bufs[op.id];
        read_offsets[op.id] = off;
        rb->assign(static_cast<std::size_t>(std::max<loff_t>(1, (off % ss + len + ss - 1) / ss)), model::kZero);
        buf.read = rb->data();
      } else {
        buf.write_id = model::write_id_of(op);
      }
      const long r = io_uring_submit_rw(t.ring.get(), fd.dfile, op.id, rd, off, buf, rb, op.dsync);
      if (r == 1) ++t.uring_outstanding;
      return r;
    }
    case OpKind::UringWait: {
      std::vector<io_event> evs;
      const auto nr = std::min<std::uint32_t>(op.nr, t.uring_outstanding);
      t.uring_outstanding -= nr;
      if (!t.ring) return 0;  // no ring, nothing to wait for
      const long n = io_uring_wait_cqes(t.ring.get(), nr, &evs);
      for (const io_event& ev : evs) {
        ktrace(model::EvKind::AioReaped, ev.obj, ev.res, 0, 0, ev.op);
        if (ev.read_buf && ev.res >= 0)
          emit_read(ev.op, read_offsets[ev.op], ev.res, ev.read_buf->data());
      }
      return n;
    }
    case OpKind::GetEvents: {
      std::vector<io_event> evs;
      const auto nr = std::min<std::uint32_t>(op.nr, t.outstanding);
      t.outstanding -= nr;
      const long n = io_getevents(&t.ctx, nr, &evs);
      for (const io_event& ev : evs) {
        ktrace(model::EvKind::AioReaped, ev.obj, ev.res, 0, 0, ev.op);
        if (ev.read_buf && ev.res >= 0)
          emit_read(ev.op, read_offsets[ev.op], ev.res, ev.read_buf->data());
      }
      return n;
    }
    case OpKind::PWrite:
    case OpKind::PRead:
    case OpKind::BufWrite:
    case OpKind::BufRead: {
      const bool rd = op.kind == OpKind::PRead || op.kind == OpKind::BufRead;
      const bool direct = op.kind == OpKind::PWrite || op.kind == OpKind::PRead;
      kiocb k;  // init_sync_kiocb: on the stack, ki_ctx NULL
      k.ki_filp = direct ? fd.dfile : fd.bfile;
      k.ki_pos = off;
      k.ki_op = op.id;
      k.ki_dsync = op.dsync;
      k.ki_read = rd;
      k.ki_users = 1;
      k.id = kobj_id();
      user_buf buf;
      buf.len = len;
      std::vector<std::uint32_t> data;
      if (rd) {
        data.assign(static_cast<std::size_t>(std::max<loff_t>(1, (off % ss + len + ss - 1) / ss)), model::kZero);
        buf.read = data.data();
        const ssize_t r = fs->aio_read(&k, buf, off);
        emit_read(op.id, off, r, data.data());
        return r;
      }
      buf.write_id = model::write_id_of(op);
      return fs->aio_write(&k, buf, off);
    }
    case OpKind::Truncate: {
      // do_truncate (inode_lock: i_mutex on 3.x, i_rwsem on 6.x)
      inode_lock(ino);
      const int r = fs->setattr_size(ino, len);
      inode_unlock(ino);
      return r;
    }
    case OpKind::Fallocate:
      return fs->fallocate(fd.dfile, op.keep_size, off, len);
    case OpKind::Fsync:
      return vfs_fsync_range(fd.dfile, 0, LLONG_MAX, op.dsync);
    case OpKind::Close:
      fd.closed = true;
      fput(fd.dfile);
      fput(fd.bfile);
      return 0;
    case OpKind::Open:
    case OpKind::Evict:
      break;  // above
    case OpKind::Unmount:
      if (unmounted) return -EINVAL;
      if (!all_files_released()) return -EBUSY;
      generic_shutdown_super(sb);
      unmounted = true;
      return 0;
    case OpKind::Crash: {
      crashed = true;
      // one Crash event per file, file index in b (file 0 first)
      for (std::size_t f = 0; f < dsk.meta.size(); ++f) {
        loff_t size = 0;
        const std::vector<std::uint32_t> view = crash_view(dsk, f, &size);
        if (Tracer* tr = Tracer::current())
          tr->emit(model::EvKind::Crash, 0, size, static_cast<std::int64_t>(f), 0, op.id, view);
      }
      scheduler().abandon(sched::Outcome::Kind::Crash,
                          fmt::format("power cut by {} (op {})", scheduler().name(current_actor()), op.id));
    }
  }
  return -EINVAL;
}

void Machine::Impl::run_task(std::size_t idx) {
  TaskState& t = *tasks[idx];
  Tracer* tr = Tracer::current();
  for (const model::Op& op : t.task->ops) {
    if (tr) tr->set_op(current_actor(), op.id);
    ktrace(model::EvKind::OpBegin, 0, static_cast<std::int64_t>(op.kind));
    const long r = run_op(t, op);
    ktrace(model::EvKind::OpEnd, 0, r);
    if (t.ctx.caller_comp) task_work_run(&t.ctx);  // return to user space
    if (t.ring) io_uring_task_work_run(t.ring.get());
  }
  if (tr) tr->set_op(current_actor(), model::kNoOp);
  if (t.ctx.caller_comp) io_uring_task_exit(&t.ctx);  // do_exit
  if (t.ring) io_uring_task_exit(t.ring.get());
  if (--tasks_left == 0 && !unmounted && !crashed)
    scheduler().spawn("umount", Ctx::Process, [this] { teardown(); });
}

// Process exit of every task (exit_aio, close), then umount.
// The inodes the closes release go at once (s_active cleared): umount's evict_inodes would
// evict them right after, with nothing else able to take a reference in between.
void Machine::Impl::teardown() {
  if (!unmounted) sb->s_active = false;
  for (auto& t : tasks) exit_aio(&t->ctx);
  for (auto& t : tasks)
    for (Fds& fd : t->fds) {
      if (fd.closed) continue;
      fd.closed = true;
      fput(fd.dfile);
      fput(fd.bfile);
    }
  for (auto& t : tasks)
    for (Fds& fd : t->fds) {
      file* d = fd.dfile;
      file* b = fd.bfile;
      wait_event(&d->f_wait, [d] { return d->released; }, "umount: file in use");
      wait_event(&b->f_wait, [b] { return b->released; }, "umount: file in use");
    }
  if (unmounted) return;
  generic_shutdown_super(sb);
  unmounted = true;
}

}  // namespace dc::kern
