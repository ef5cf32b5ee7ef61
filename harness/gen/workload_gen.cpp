#include "harness/gen/workload_gen.hpp"

#include <algorithm>
#include <cstdint>

namespace dc::gen {
namespace {

using model::Op;
using model::OpKind;

// rapidcheck's weightedOneOf takes only an initializer_list; the menus here are built at run time.
template <class T>
rc::Gen<T> weighted(std::vector<std::pair<std::size_t, rc::Gen<T>>> choices) {
  std::size_t total = 0;
  for (const auto& c : choices) total += c.first;
  return rc::gen::mapcat(rc::gen::inRange<std::size_t>(0, total), [choices](std::size_t x) {
    for (const auto& c : choices) {
      if (x < c.first) return c.second;
      x -= c.first;
    }
    return choices.back().second;
  });
}

rc::Gen<std::uint64_t> offset_gen(const GenOptions& o, std::uint32_t block, std::uint32_t sector) {
  const std::uint64_t span = std::uint64_t{o.max_blocks} * block;
  std::vector<std::pair<std::size_t, rc::Gen<std::uint64_t>>> choices;
  choices.push_back({8, rc::gen::map(rc::gen::inRange<std::uint64_t>(0, o.max_blocks),
                                     [block](std::uint64_t b) { return b * block; })});
  if (o.sub_block)
    choices.push_back({2, rc::gen::map(rc::gen::inRange<std::uint64_t>(0, span / sector),
                                       [sector](std::uint64_t s) { return s * sector; })});
  if (o.misaligned)
    choices.push_back({1, rc::gen::inRange<std::uint64_t>(0, span)});
  return weighted(choices);
}

rc::Gen<std::uint64_t> len_gen(const GenOptions& o, std::uint32_t block, std::uint32_t sector) {
  std::vector<std::pair<std::size_t, rc::Gen<std::uint64_t>>> choices;
  choices.push_back({8, rc::gen::map(rc::gen::inRange<std::uint64_t>(1, 4),
                                     [block](std::uint64_t b) { return b * block; })});
  if (o.sub_block)
    choices.push_back({2, rc::gen::map(rc::gen::inRange<std::uint64_t>(1, 2 * block / sector),
                                       [sector](std::uint64_t s) { return s * sector; })});
  if (o.misaligned) choices.push_back({1, rc::gen::inRange<std::uint64_t>(1, 2 * block)});
  return weighted(choices);
}

rc::Gen<Op> op_gen(const GenOptions& o, std::uint32_t block, std::uint32_t sector) {
  std::vector<std::pair<std::size_t, rc::Gen<OpKind>>> kinds = {
      {o.aio_write_weight, rc::gen::just(OpKind::AioWrite)}, {o.aio_read_weight, rc::gen::just(OpKind::AioRead)},
      {o.pwrite_weight, rc::gen::just(OpKind::PWrite)},      {o.pread_weight, rc::gen::just(OpKind::PRead)},
      {o.fallocate_weight, rc::gen::just(OpKind::Fallocate)}, {o.fsync_weight, rc::gen::just(OpKind::Fsync)}};
  if (o.buffered) {
    kinds.push_back({o.buffered_weight, rc::gen::just(OpKind::BufWrite)});
    kinds.push_back({o.buffered_read_weight, rc::gen::just(OpKind::BufRead)});
  }
  if (o.truncate) kinds.push_back({o.truncate_weight, rc::gen::just(OpKind::Truncate)});
  return rc::gen::apply(
      [block](OpKind k, std::uint64_t off, std::uint64_t len, bool dsync, bool keep, std::uint64_t tsize) {
        Op op;
        op.kind = k;
        op.offset = off;
        op.len = len;
        op.dsync = dsync && (model::is_write(k) || k == OpKind::Fsync);
        if (k == OpKind::Fallocate) {
          op.offset = off / block * block;
          op.len = (len + block - 1) / block * block;
          op.keep_size = keep;
        }
        if (k == OpKind::Truncate) {
          op.offset = 0;
          op.len = tsize;
        }
        if (k == OpKind::Fsync) op.offset = op.len = 0;
        return op;
      },
      weighted(kinds), offset_gen(o, block, sector), len_gen(o, block, sector),
      rc::gen::weightedElement<bool>({{5, false}, {o.dsync_weight, true}}), rc::gen::arbitrary<bool>(),
      rc::gen::map(rc::gen::inRange<std::uint64_t>(0, 2 * o.max_blocks),
                   [block](std::uint64_t h) { return h * block / 2; }));
}

// A task: some ops, then an io_getevents for every AIO it submitted, so completions are
// observed by userspace (the model checks what happens after a reported completion).
rc::Gen<model::Task> task_gen(const GenOptions& o, std::uint32_t block, std::uint32_t sector) {
  const rc::Gen<Op> one = o.full_range ? rc::gen::resize(rc::kNominalSize, op_gen(o, block, sector))
                                       : op_gen(o, block, sector);
  return rc::gen::map(rc::gen::resize(o.max_ops * 10, rc::gen::container<std::vector<Op>>(one)),
                      [o](std::vector<Op> ops) {
                        if (ops.empty()) ops.push_back(Op{});
                        if (ops.size() > static_cast<std::size_t>(o.max_ops)) ops.resize(o.max_ops);
                        model::Task t;
                        std::uint32_t aio = 0;
                        for (auto& op : ops) {
                          t.ops.push_back(op);
                          aio += op.kind == OpKind::AioWrite || op.kind == OpKind::AioRead;
                        }
                        if (aio > 0) {
                          Op ge;
                          ge.kind = OpKind::GetEvents;
                          ge.nr = aio;
                          t.ops.push_back(ge);
                        }
                        return t;
                      });
}

rc::Gen<std::vector<model::Range>> ranges_gen(std::uint32_t block, std::uint32_t max_blocks, bool full_range) {
  rc::Gen<model::Range> range = rc::gen::apply(
      [block](std::uint64_t b, std::uint64_t n) { return model::Range{b * block, n * block}; },
      rc::gen::inRange<std::uint64_t>(0, max_blocks), rc::gen::inRange<std::uint64_t>(1, 3));
  if (full_range) range = rc::gen::resize(rc::kNominalSize, range);
  return rc::gen::resize(10, rc::gen::container<std::vector<model::Range>>(range));
}

GenOptions one_file(GenOptions o) {
  o.files = 1;
  o.lifecycle = false;
  o.io_uring = false;
  return o;
}

bool io_uring_applies(const GenOptions& o) {
  return o.io_uring && !o.kernels.empty() &&
         std::all_of(o.kernels.begin(), o.kernels.end(), [](model::Kernel k) { return model::is_iomap_kernel(k); });
}

struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t operator()() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
};

Op file_op(OpKind k, std::uint32_t file) {
  Op op;
  op.kind = k;
  op.file = file;
  return op;
}

// Before the first op after `from` that needs the task's fd of `file`: open it again.
void reopen_before_use(std::vector<Op>& ops, std::size_t from, std::uint32_t file) {
  for (std::size_t i = from; i < ops.size(); ++i) {
    const Op& op = ops[i];
    if (op.file != file || !model::uses_file(op.kind) || op.kind == OpKind::Evict) continue;
    if (op.kind == OpKind::Close || op.kind == OpKind::Open) return;
    ops.insert(ops.begin() + static_cast<std::ptrdiff_t>(i), file_op(OpKind::Open, file));
    return;
  }
}

}  // namespace

void number_ops(model::Workload& w) {
  std::uint32_t id = 0;
  for (auto& t : w.tasks)
    for (auto& op : t.ops) op.id = id++;
}

void assign_files(model::Workload& w, const GenOptions& o, std::uint64_t bits) {
  w.files = std::clamp<std::uint32_t>(o.files, 1, model::kMaxFiles);
  SplitMix64 next{bits};
  for (auto& t : w.tasks)
    for (auto& op : t.ops)
      op.file = model::uses_file(op.kind) ? static_cast<std::uint32_t>(next() % w.files) : 0;
}

void add_lifecycle(model::Workload& w, const GenOptions& o, std::uint64_t bits) {
  if (!o.lifecycle || w.tasks.empty()) return;
  SplitMix64 next{bits ^ 0x6c69666563796c65ULL};  // a stream apart from assign_files'
  w.shared_files = next() % 2 == 1;
  const auto file = static_cast<std::uint32_t>(next() % w.files);
  // Half the workloads: one task closes the file (anywhere, so its own or another task's AIO
  // on it may be in flight). The other half: every task closes it, one of them then asks
  // reclaim to evict the inode and reads the whole file back through a new open.
  const bool evict = next() % 2 == 1;
  const std::size_t closer = next() % w.tasks.size();
  for (std::size_t t = 0; t < w.tasks.size(); ++t) {
    if (!evict && t != closer) continue;
    auto& ops = w.tasks[t].ops;
    const std::size_t at = next() % (ops.size() + 1);
    ops.insert(ops.begin() + static_cast<std::ptrdiff_t>(at), file_op(OpKind::Close, file));
    std::size_t resume = at + 1;
    if (evict && t == closer) {
      // right after its close: this task's AIO and the other tasks' closes race with it
      ops.insert(ops.begin() + static_cast<std::ptrdiff_t>(resume), file_op(OpKind::Evict, file));
      Op read = file_op(OpKind::PRead, file);
      read.len = std::uint64_t{o.max_blocks} * w.block_size;
      ops.insert(ops.begin() + static_cast<std::ptrdiff_t>(resume + 1), read);
      ++resume;
    }
    reopen_before_use(ops, resume, file);
  }
  number_ops(w);
}

bool draws_bits(const GenOptions& o) { return o.files > 1 || o.lifecycle || io_uring_applies(o); }

void add_io_uring(model::Workload& w, const GenOptions& o, std::uint64_t bits) {
  if (!io_uring_applies(o)) return;
  SplitMix64 next{bits ^ 0x696f5f7572696e67ULL};  // "io_uring": apart from the other streams
  for (auto& t : w.tasks) {
    if (next() % 4 == 0) continue;  // this task keeps io_submit
    for (auto& op : t.ops) {
      if (op.kind == OpKind::AioWrite) op.kind = OpKind::UringWrite;
      else if (op.kind == OpKind::AioRead) op.kind = OpKind::UringRead;
      else if (op.kind == OpKind::GetEvents) op.kind = OpKind::UringWait;
    }
  }
}

rc::Gen<model::Workload> workload(const GenOptions& o) {
  if (draws_bits(o))
    return rc::gen::mapcat(workload(one_file(o)), [o](model::Workload w) {
      return rc::gen::map(rc::gen::resize(rc::kNominalSize, rc::gen::inRange<std::uint64_t>(0, UINT64_MAX)),
                          [o, w](std::uint64_t bits) {
                            model::Workload x = w;
                            assign_files(x, o, bits);
                            add_lifecycle(x, o, bits);
                            add_io_uring(x, o, bits);
                            return x;
                          });
    });
  // The sector size comes first: sub-block offsets and lengths are multiples of it.
  return rc::gen::mapcat(rc::gen::weightedElement<std::uint32_t>({{4, 512}, {1, 4096}}), [o](std::uint32_t sector) {
    return rc::gen::apply(
        [o, sector](std::uint64_t size_blocks, std::vector<model::Range> written, std::vector<model::Range> prealloc,
                    int sync_mode, std::vector<model::Task> tasks, bool crash, std::uint64_t crash_task) {
          model::Workload w;
          w.sector_size = sector;
          w.block_size = 4096;
          w.initial_size = size_blocks * w.block_size;
          for (auto& r : written)
            if (r.offset < w.initial_size) {
              r.len = std::min(r.len, w.initial_size - r.offset);
              w.written.push_back(r);
            }
          if (o.preallocated) w.preallocated = std::move(prealloc);
          w.o_dsync = sync_mode == 1;
          w.o_sync = sync_mode == 2;
          w.inode_sync = sync_mode == 3;
          if (tasks.empty()) tasks.emplace_back();
          if (tasks.size() > static_cast<std::size_t>(o.max_tasks)) tasks.resize(o.max_tasks);
          w.tasks = std::move(tasks);
          if (o.crash && crash) {
            model::Op c;
            c.kind = OpKind::Crash;
            w.tasks[crash_task % w.tasks.size()].ops.push_back(c);
          }
          for (auto& t : w.tasks)
            if (t.ops.empty()) t.ops.push_back(model::Op{});
          number_ops(w);
          return w;
        },
        rc::gen::inRange<std::uint64_t>(std::min<std::uint64_t>(o.min_size_blocks, o.max_blocks - 1), o.max_blocks),
        ranges_gen(4096, o.max_blocks, o.full_range), ranges_gen(4096, o.max_blocks, o.full_range),
        // sync mode: none, O_DSYNC, O_SYNC, IS_SYNC
        rc::gen::weightedElement<int>(
            {{6, 0}, {2 * o.fd_sync_weight, 1}, {o.fd_sync_weight, 2}, {o.fd_sync_weight, 3}}),
        rc::gen::resize(o.max_tasks * 10, rc::gen::container<std::vector<model::Task>>(task_gen(o, 4096, sector))),
        rc::gen::arbitrary<bool>(), rc::gen::inRange<std::uint64_t>(0, 4));
  });
}

rc::Gen<model::Config> config(const GenOptions& o) {
  std::vector<std::pair<std::size_t, rc::Gen<std::vector<model::Fault>>>> faults = {
      {8, rc::gen::just(std::vector<model::Fault>{})}};
  if (o.faults) {
    faults.push_back({o.bio_error_weight, rc::gen::map(rc::gen::inRange<std::uint32_t>(1, 4), [](std::uint32_t n) {
                        return std::vector<model::Fault>{{model::Fault::Kind::BioError, "", n}};
                      })});
    faults.push_back({o.alloc_fail_weight, rc::gen::apply(
                             [](std::string site, std::uint32_t n) {
                               return std::vector<model::Fault>{{model::Fault::Kind::AllocFail, site, n}};
                             },
                             rc::gen::element<std::string>("dio", "io_end", "ioend", "workqueue", "kiocb"),
                             rc::gen::inRange<std::uint32_t>(1, 3))});
  }
  return rc::gen::apply(
      [](model::Kernel k, model::Fs f, std::vector<model::Fault> fl, int wq, bool nolock) {
        model::Config c;
        c.kernel = k;
        c.fs = f;
        c.faults = std::move(fl);
        c.wq_concurrency = wq;
        c.dioread_nolock = nolock && f == model::Fs::Ext4;
        return c;
      },
      rc::gen::elementOf(o.kernels), rc::gen::elementOf(o.filesystems), weighted(faults),
      rc::gen::inRange(1, 4), rc::gen::weightedElement<bool>({{3, false}, {o.dioread_nolock_weight, true}}));
}

}  // namespace dc::gen
