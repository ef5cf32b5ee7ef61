// Observable spec: what userspace may see. Per sector, a read behaves like a regular
// register whose writes are the workload's writes (their write ids) and truncates (zeros):
// a read may return the value of any write that overlaps it in real time, or of a write
// that completed before it started and was not superseded by a write that started after
// that completion and itself completed before the read started. A write that failed or
// whose result was never reported may or may not have happened: it never supersedes.
// The file size is checked by linearizing the size-changing operations (extending writes,
// truncates, fallocate without KEEP_SIZE) within their real-time intervals; an extending
// write or a truncate still running for the reader may be seen part way, at a block boundary.
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "model/facts.hpp"

namespace dc::model::detail {
namespace {

constexpr std::uint64_t kAllSectors = std::numeric_limits<std::uint64_t>::max();

struct Writer {
  std::uint32_t file;
  std::size_t begin, end;  // end == kNever: never reported (overlaps everything after begin)
  std::uint32_t value;
  bool strong;                // reported success: supersedes older writes
  std::uint64_t first, last;  // sectors [first, last)
};

struct SizeOp {
  std::uint32_t file;
  std::size_t begin, end;
  bool set;  // true: size = v (truncate); false: size = max(size, v)
  std::uint64_t v;
  bool optional;  // outcome unknown: may also have had no effect
  // Seen in steps by a reader it has not finished for. An extending write moves i_size
  // while it runs (XFS per converted extent, buffered writes per page): max(size, x) for any
  // block boundary x in (from, v). A truncate may land between two pages of a buffered read,
  // which then stops at that page: any block boundary x in (v, size).
  std::uint64_t from = 0;
  bool stepwise = false;
};

class Observable {
 public:
  Observable(const Facts& f, Out& out) : f_(f), w_(*f.w), out_(out) {
    limit_ = std::min(f.crash, f.n());
    build();
  }

  void run() {
    check_reads();
    check_results();
    check_reaping();
  }

 private:
  const Facts& f_;
  const Workload& w_;
  Out& out_;
  std::size_t limit_ = 0;  // events at or after a crash belong to durability.cpp
  std::vector<Writer> writers_;
  std::vector<SizeOp> size_ops_;
  struct Scratch {  // possible_sizes' buffers, reused across its calls
    std::vector<const SizeOp*> rel;
    std::vector<std::uint32_t> pred;
    std::vector<std::pair<std::uint32_t, std::uint64_t>> level, next;
  };
  mutable Scratch scratch_;

  std::uint64_t ss() const { return w_.sector_size; }
  std::uint64_t bs() const { return w_.block_size ? w_.block_size : 4096; }
  std::uint64_t sec_lo(std::uint64_t byte) const { return byte / ss(); }
  std::uint64_t sec_hi(std::uint64_t byte) const { return (byte + ss() - 1) / ss(); }
  bool known(std::size_t idx) const { return idx != kNever && idx < limit_; }
  void add(const char* prop, std::size_t ev, std::string exp, std::string act) {
    out_.push_back({prop, ev, std::move(exp), std::move(act)});
  }
  bool misaligned(const Op& op) const { return op.offset % ss() != 0 || op.len % ss() != 0; }

  void build() {
    for (const auto& [id, o] : f_.ops) {
      if (!known(o.begin)) continue;
      const Op& op = *o.op;
      const bool have = known(o.reported());
      const std::int64_t r = o.reported_res();
      const std::size_t end = have ? o.reported() : kNever;
      if (o.is_aio() && known(o.end) && o.end_res < 0) continue;  // io_submit rejected it
      if (is_write(op.kind)) {
        // 3.12 rejects a misaligned direct write before doing anything; today's iomap (host
        // histories: no Config, and the 6.6 / 6.18 engine) checks alignment per mapping and
        // may have written a part.
        if (have && r == kEINVAL && o.is_direct() && misaligned(op) && f_.c &&
            !is_iomap_kernel(f_.c->kernel))
          continue;
        // A zero-length write covers no sector, even at a misaligned offset (sec_hi would
        // round the offset itself up to a whole sector).
        if (op.len == 0) continue;
        const std::uint64_t lo = sec_lo(op.offset), hi = sec_hi(op.offset + op.len);
        if (have && r > 0) {
          const std::uint64_t done = std::min<std::uint64_t>(static_cast<std::uint64_t>(r), op.len);
          const std::uint64_t mid = std::min(hi, sec_hi(op.offset + done));
          writers_.push_back({op.file, o.begin, end, write_id_of(op), true, lo, mid});
          if (mid < hi) writers_.push_back({op.file, o.begin, end, write_id_of(op), false, mid, hi});
          size_ops_.push_back({op.file, o.begin, end, false, op.offset + done, false, op.offset, true});
        } else {
          writers_.push_back({op.file, o.begin, end, write_id_of(op), false, lo, hi});
          if (!have && op.len > 0)
            size_ops_.push_back({op.file, o.begin, end, false, op.offset + op.len, true, op.offset, true});
        }
      } else if (op.kind == OpKind::Truncate) {
        const bool ok = have && r == 0;
        if (have && r < 0) continue;
        writers_.push_back({op.file, o.begin, end, kZero, ok, sec_hi(op.len), kAllSectors});
        size_ops_.push_back({op.file, o.begin, end, true, op.len, !ok, op.len, true});
      } else if (op.kind == OpKind::Fallocate && !op.keep_size) {
        if ((have && r < 0) || op.len == 0) continue;  // len 0 is -EINVAL, no effect
        size_ops_.push_back({op.file, o.begin, end, false, op.offset + op.len, !have});
      }
    }
    add_block_rmw_ghosts();
  }

  // A buffered write fills its page (= block) before copying in its bytes: from the disk,
  // or with zeros when the extent is unwritten (BH_New), although a direct write to the
  // same block may be in flight with its conversion pending. Writeback then stores the
  // rest of the block as filled, over the direct write's data. Linux gives no coherence
  // for buffered and direct writes racing on one block (upstream only warns, since
  // 5a9d929d6e13), so while they overlap in time, the other sectors of every shared block
  // may take zeros or any value they could hold while the buffered write ran. Weak: these
  // never supersede, and any write reported after the buffered one supersedes them.
  void add_block_rmw_ghosts() {
    const std::uint64_t per_block = std::max<std::uint64_t>(1, bs() / ss());
    std::vector<Writer> ghosts;
    for (const auto& [bid, b] : f_.ops) {
      if (b.op->kind != OpKind::BufWrite || !known(b.begin) || b.op->len == 0) continue;
      const std::size_t b_end = known(b.reported()) ? b.reported() : kNever;
      const std::uint64_t lo = sec_lo(b.op->offset), hi = sec_hi(b.op->offset + b.op->len);
      std::set<std::uint64_t> blocks;
      for (const auto& [did, d] : f_.ops) {
        if (!d.is_direct() || !is_write(d.op->kind) || !known(d.begin) || d.op->len == 0) continue;
        if (d.op->file != b.op->file) continue;
        const std::size_t d_end = known(d.reported()) ? d.reported() : kNever;
        if (!(d.begin < b_end && b.begin < d_end)) continue;  // not in flight together
        const std::uint64_t dlo = sec_lo(d.op->offset) / per_block, dhi = (sec_hi(d.op->offset + d.op->len) - 1) / per_block;
        for (std::uint64_t k = std::max(lo / per_block, dlo); k <= std::min((hi - 1) / per_block, dhi); ++k) blocks.insert(k);
      }
      for (std::uint64_t k : blocks)
        for (std::uint64_t s = k * per_block; s < (k + 1) * per_block; ++s) {
          if (lo <= s && s < hi) continue;
          std::vector<std::uint32_t> vals = allowed(b.op->file, s, b.begin, b_end == kNever ? limit_ : b_end);
          vals.push_back(kZero);
          for (std::uint32_t v : vals) ghosts.push_back({b.op->file, b.begin, b_end, v, false, s, s + 1});
        }
    }
    writers_.insert(writers_.end(), ghosts.begin(), ghosts.end());
  }

  static bool overlaps(std::uint64_t s, std::uint64_t ss, const Range& r) {
    return r.len > 0 && r.offset < (s + 1) * ss && s * ss < r.offset + r.len;
  }

  std::uint32_t initial_value(std::uint32_t file, std::uint64_t s) const {
    if (file != 0) return kZero;  // files 1.. start empty
    for (const Range& r : w_.preallocated)
      if (overlaps(s, ss(), r)) return kZero;  // an unwritten extent reads as zeros
    if (s * ss() >= w_.initial_size) return kZero;
    for (const Range& r : w_.written)
      if (overlaps(s, ss(), r)) return kInitialData;
    return kZero;
  }

  // Values sector `s` may hold for a read running over [rb, re].
  std::vector<std::uint32_t> allowed(std::uint32_t file, std::uint64_t s, std::size_t rb, std::size_t re) const {
    std::vector<const Writer*> ws;
    for (const Writer& w : writers_)
      if (w.file == file && w.first <= s && s < w.last) ws.push_back(&w);
    auto done_before = [](std::size_t end, std::size_t t) { return end != kNever && end < t; };
    std::vector<std::uint32_t> vals;
    const bool init_superseded = std::any_of(ws.begin(), ws.end(), [&](const Writer* w) {
      return w->strong && done_before(w->end, rb);
    });
    if (!init_superseded) vals.push_back(initial_value(file, s));
    for (const Writer* w : ws) {
      if (w->begin >= re) continue;
      const bool superseded = std::any_of(ws.begin(), ws.end(), [&](const Writer* w2) {
        return w2->strong && done_before(w->end, w2->begin) && done_before(w2->end, rb);
      });
      if (!superseded) vals.push_back(w->value);
    }
    std::sort(vals.begin(), vals.end());
    vals.erase(std::unique(vals.begin(), vals.end()), vals.end());
    return vals;
  }

  // The sizes a reader running over [rb, re] may observe, sorted; nullopt when too many
  // concurrent size changes to enumerate (the size check is then skipped). Walks the
  // subsets of size changes that may have happened (closed under real-time order) level by
  // level; a level is a sorted flat vector of (subset, size) pairs in reused scratch
  // buffers, so the walk allocates nothing once the buffers have grown.
  std::optional<std::vector<std::uint64_t>> possible_sizes(std::uint32_t file, std::size_t rb, std::size_t re) const {
    std::vector<const SizeOp*>& rel = scratch_.rel;
    rel.clear();
    for (const SizeOp& s : size_ops_)
      if (s.file == file && s.begin < re) rel.push_back(&s);
    const std::uint64_t init = f_.initial_size(file);
    const std::size_t n = rel.size();
    if (n > 20) return std::nullopt;
    std::uint32_t req = 0;
    std::vector<std::uint32_t>& pred = scratch_.pred;
    pred.assign(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
      if (rel[i]->end != kNever && rel[i]->end < rb) req |= 1u << i;
      for (std::size_t j = 0; j < n; ++j)
        if (rel[j]->end != kNever && rel[j]->end < rel[i]->begin) pred[i] |= 1u << j;
    }
    if (n <= 15 && std::none_of(rel.begin(), rel.end(), [](const SizeOp* x) { return x->set; }))
      return extending_sizes(n, req, init);
    std::vector<std::uint64_t> result;
    auto& level = scratch_.level;
    auto& next = scratch_.next;
    level.assign(1, {0u, init});
    std::size_t states = 0;
    for (std::size_t k = 0; k <= n && !level.empty(); ++k) {
      next.clear();
      for (std::size_t a = 0; a < level.size();) {
        const std::uint32_t mask = level[a].first;
        std::size_t b = a;
        while (b < level.size() && level[b].first == mask) ++b;  // [a, b): this subset's sizes
        if ((mask & req) == req)
          for (std::size_t x = a; x < b; ++x) result.push_back(level[x].second);
        for (std::size_t i = 0; i < n; ++i) {
          const std::uint32_t bit = 1u << i;
          if ((mask & bit) || (pred[i] & ~mask)) continue;
          const SizeOp& op = *rel[i];
          const bool partial = op.stepwise && !(req & bit);  // still running for the reader
          for (std::size_t x = a; x < b; ++x) {
            const std::uint64_t sz = level[x].second;
            next.push_back({mask | bit, op.set ? op.v : std::max(sz, op.v)});
            if (op.optional) next.push_back({mask | bit, sz});
            if (partial) {
              const std::uint64_t hi = op.set ? sz : op.v;
              for (std::uint64_t y = op.from / bs() * bs() + bs(); y < hi; y += bs())
                next.push_back({mask | bit, op.set ? y : std::max(sz, y)});
            }
          }
        }
        a = b;
      }
      std::sort(next.begin(), next.end());
      next.erase(std::unique(next.begin(), next.end()), next.end());
      for (std::size_t x = 0; x < next.size(); ++x) states += x == 0 || next[x].first != next[x - 1].first;
      if (states > 50000) return std::nullopt;
      std::swap(level, next);
    }
    std::sort(result.begin(), result.end());
    result.erase(std::unique(result.begin(), result.end()), result.end());
    return result;
  }

  // possible_sizes when every change only extends (no truncate) and there are at most 15
  // (then the subset walk never reaches its state cap, so the answers agree). max commutes,
  // so order does not matter: size x is possible iff some change k can leave x while every
  // change that must have happened with it (the reader's required ones and k's real-time
  // predecessors, scratch_.pred) has some outcome not above x. Linear in the outcomes.
  std::vector<std::uint64_t> extending_sizes(std::size_t n, std::uint32_t req, std::uint64_t init) const {
    const std::vector<const SizeOp*>& rel = scratch_.rel;
    const std::vector<std::uint32_t>& pred = scratch_.pred;
    // An outcome of change i: v, or a block boundary in (from, v) while it still runs for
    // the reader, or (optional) no effect, which bounds nothing.
    auto partial = [&](std::size_t i) { return rel[i]->stepwise && !(req & (1u << i)); };
    auto first_step = [&](std::size_t i) { return rel[i]->from / bs() * bs() + bs(); };
    auto least = [&](std::size_t i) -> std::uint64_t {
      if (rel[i]->optional) return 0;
      return partial(i) ? std::min(first_step(i), rel[i]->v) : rel[i]->v;
    };
    auto bound = [&](std::uint32_t mask) {  // the largest least outcome among `mask`
      std::uint64_t b = 0;
      for (std::size_t j = 0; j < n; ++j)
        if (mask & (1u << j)) b = std::max(b, least(j));
      return b;
    };
    std::vector<std::uint64_t> result;
    if (bound(req) <= init) result.push_back(init);
    for (std::size_t k = 0; k < n; ++k) {
      const std::uint64_t b = bound((req | pred[k]) & ~(1u << k));
      auto reach = [&](std::uint64_t x) {
        if (x >= b) result.push_back(std::max(init, x));
      };
      reach(rel[k]->v);
      if (partial(k))
        for (std::uint64_t y = first_step(k); y < rel[k]->v; y += bs()) reach(y);
    }
    std::sort(result.begin(), result.end());
    result.erase(std::unique(result.begin(), result.end()), result.end());
    return result;
  }

  void check_reads() {
    std::set<std::uint32_t> seen;
    const Trace& t = *f_.t;
    for (std::size_t k = 0; k < limit_; ++k) {
      const Event& e = t.events[k];
      if (e.kind != EvKind::ReadData) continue;
      const OpFacts* o = f_.op(e.op);
      if (!o || !is_read(o->op->kind)) {
        add(prop::kReadShape, k, "ReadData only for read ops", fmt::format("ReadData for {}", op_name(f_, e.op)));
        continue;
      }
      if (!seen.insert(e.op).second) {
        add(prop::kReadShape, k, "one ReadData per read", fmt::format("second ReadData for {}", op_name(f_, e.op)));
        continue;
      }
      if (o->begin == kNever || o->begin > k) {
        add(prop::kReadShape, k, "ReadData after the read began", "ReadData before OpBegin");
        continue;
      }
      const Op& op = *o->op;
      const std::uint64_t off = static_cast<std::uint64_t>(e.a);
      const std::uint64_t len = e.b < 0 ? 0 : static_cast<std::uint64_t>(e.b);
      const std::uint64_t nsec = len == 0 ? 0 : sec_hi(off + len) - sec_lo(off);
      if (e.a != static_cast<std::int64_t>(op.offset) || e.b < 0 ||
          len > op.len || e.ndata != nsec || e.data + std::uint64_t{e.ndata} > t.data.size()) {
        add(prop::kReadShape, k,
            fmt::format("offset {} length <= {} with one id per sector", op.offset, op.len),
            fmt::format("offset {} length {} with {} ids", e.a, e.b, e.ndata));
        continue;
      }
      if (known(o->reported()) && o->reported_res() != e.b) {
        add(prop::kReadShape, k, fmt::format("length == reported result {}", o->reported_res()),
            fmt::format("length {}", e.b));
      }
      for (std::uint32_t i = 0; i < e.ndata; ++i) {
        const std::uint64_t s = sec_lo(off) + i;
        const std::uint32_t v = t.data[e.data + i];
        if (f_.foreign_in(op.file, v)) {
          add(prop::kReadForeign, k, "never stale foreign data",
              fmt::format("{} returned foreign data at sector {}", op_name(f_, e.op), s));
          break;
        }
        const std::vector<std::uint32_t> ok = allowed(op.file, s, o->begin, k);
        if (!std::binary_search(ok.begin(), ok.end(), v)) {
          std::vector<std::string> names;
          for (std::uint32_t a : ok) names.push_back(value_name(a));
          add(prop::kReadAllowed, k,
              fmt::format("sector {} holds one of [{}]", s, fmt::join(names, ", ")),
              fmt::format("{} read {} at sector {}", op_name(f_, e.op), value_name(v), s));
          break;  // one violation per read is enough
        }
      }
    }
  }

  static std::string list(const std::set<std::int64_t>& v) {
    return fmt::format("one of [{}]", fmt::join(v, ", "));
  }

  bool bio_failed_before(std::size_t idx) const {
    for (std::size_t i = 0; i < std::min(idx, limit_); ++i) {
      const Event& e = f_.t->events[i];
      if (e.kind == EvKind::BioEnd && e.a < 0) return true;
    }
    return false;
  }

  // Host kernels since 5a9d929d6e13 (v4.20): a direct write whose post-write page-cache
  // invalidation fails because a concurrent buffered write dirtied a page of its range calls
  // dio_warn_stale_pagecache, which records -EIO in the mapping's wb_err; the next
  // file_check_and_advance_wb_err of each open file (an O_(D)SYNC write's own sync, an fsync)
  // reports it. True if, before `idx`, a direct write and a buffered write of the same file
  // ran concurrently over a common block. Host histories only: the engine does not port the
  // errseq (impl/README.md), so there it stays a violation.
  bool stale_pagecache_collision_before(std::size_t idx) const {
    if (f_.c) return false;
    const std::uint64_t bs = f_.w->block_size;
    auto blocks = [bs](const Op& op) { return std::pair{op.offset / bs, (op.offset + std::max<std::uint64_t>(op.len, 1) - 1) / bs}; };
    for (const auto& [ida, a] : f_.ops) {
      if (!a.is_direct() || !is_write(a.op->kind) || !known(a.begin) || a.begin >= idx) continue;
      for (const auto& [idb, b] : f_.ops) {
        if (b.op->kind != OpKind::BufWrite || b.op->file != a.op->file || !known(b.begin) || b.begin >= idx) continue;
        const std::size_t a_end = a.reported(), b_end = b.end;
        const bool concurrent = (!known(a_end) || b.begin < a_end) && (!known(b_end) || a.begin < b_end);
        const auto [a0, a1] = blocks(*a.op);
        const auto [b0, b1] = blocks(*b.op);
        if (concurrent && a0 <= b1 && b0 <= a1) return true;
      }
    }
    return false;
  }

  // A misaligned O_DIRECT read that starts at EOF returns 0 instead of -EINVAL: 3.x XFS
  // (xfs_file_aio_read) only at exactly i_size; ext4 (generic_file_aio_read, which skips
  // ->direct_IO at or past EOF) and today's iomap (6.x XFS included: xfs_file_dio_read has no
  // alignment check of its own) at or past it. Without a Config (host histories) the wider
  // rule applies.
  bool eof_read_returns_zero(const Op& op, std::size_t from, std::size_t to) const {
    const auto sizes = possible_sizes(op.file, from, to);
    if (!sizes) return true;  // too many concurrent size changes: do not judge
    const bool exact = f_.c && f_.c->fs == Fs::Xfs && !is_iomap_kernel(f_.c->kernel);
    for (std::uint64_t s : *sizes)
      if (exact ? op.offset == s : op.offset >= s) return true;
    return false;
  }

  // Ops a task issues on a file it has closed (and not opened again): io_submit / the syscall
  // fails with -EBADF. Evict is reclaim, not a call on the task's fd.
  std::set<std::uint32_t> ops_on_closed_fds() const {
    std::set<std::uint32_t> out;
    for (const Task& t : f_.w->tasks) {
      std::set<std::uint32_t> closed;
      for (const Op& op : t.ops) {
        if (op.kind == OpKind::Close) closed.insert(op.file);
        else if (op.kind == OpKind::Open) closed.erase(op.file);
        else if (uses_file(op.kind) && op.kind != OpKind::Evict && closed.contains(op.file)) out.insert(op.id);
      }
    }
    return out;
  }

  void check_results() {
    const std::set<std::uint32_t> ebadf = ops_on_closed_fds();
    // io_uring: bytes an earlier short issue of the op did (UringPunt b); a later issue that
    // fails reports them instead of its error (io_fixup_rw_res)
    std::map<std::uint32_t, std::int64_t> partial;
    for (std::size_t k = 0; k < limit_; ++k)
      if (const Event& e = f_.t->events[k]; e.kind == EvKind::UringPunt && e.b > 0) partial[e.op] = e.b;
    for (const auto& [id, o] : f_.ops) {
      const Op& op = *o.op;
      if (ebadf.contains(id)) {
        if (known(o.end) && o.end_res != kEBADF)
          add(prop::kOpResult, o.end, "-EBADF (the task closed this file)",
              fmt::format("{} returned {}", op_name(f_, id), o.end_res));
        continue;
      }
      if (o.is_aio() && known(o.end) && o.end_res != 1 && o.end_res >= 0)
        add(prop::kOpResult, o.end, "io_submit returns 1 or -errno",
            fmt::format("{} io_submit returned {}", op_name(f_, id), o.end_res));
      const std::size_t at = o.reported();
      if (!known(at)) continue;
      const std::int64_t r = o.reported_res();
      std::set<std::int64_t> exp;
      bool check = true;
      // iomap (6.x) checks the alignment only where it builds a bio (iomap_dio_bio_iter): a
      // misaligned direct read of holes / unwritten blocks / past EOF is zero-filled and
      // succeeds, so there it is judged as a read that may also fail with -EINVAL.
      const bool iomap_read = f_.c && is_iomap_kernel(f_.c->kernel) && is_read(op.kind);
      // A zero-length write returns 0 before any alignment check on every ported kernel: 3.x
      // __generic_file_aio_write / xfs_file_aio_write stop at count == 0, 6.x
      // ext4_generic_write_checks / xfs_file_write_iter likewise. Host histories (no Config)
      // gave -EINVAL, so they keep the misaligned rule below.
      const bool empty_write = f_.c && is_write(op.kind) && op.len == 0;
      // A zero-length direct read on 3.x ext4 returns 0 before any alignment check
      // (generic_file_aio_read: `if (!count) goto out`); 3.x XFS checks the alignment first
      // (xfs_file_aio_read), and iomap reads are judged below.
      const bool empty_ext4_read = f_.c && f_.c->fs == Fs::Ext4 && !is_iomap_kernel(f_.c->kernel) &&
                                   is_read(op.kind) && op.len == 0 && o.is_direct();
      if (empty_write || empty_ext4_read) {
        exp = {0};
        if (empty_write && o.is_direct()) exp.insert(kENOMEM);  // as for any direct write below
      } else if (o.is_direct() && misaligned(op) && !iomap_read) {
        exp = {kEINVAL, kENOMEM};  // 3.12 ext4 allocates the io_end before the alignment check
        // 6.x: the aligned mappings before the misaligned one went to bios; a failed one
        // sets dio->error first (iomap_dio_set_error: first error wins)
        if (f_.c && is_iomap_kernel(f_.c->kernel) && f_.dio_failed(o, at)) exp.insert(kEIO);
        if (is_read(op.kind) && eof_read_returns_zero(op, o.begin, at)) exp.insert(0);
      } else if (o.is_direct() && f_.dio_failed(o, at)) {
        // A submission error wins over the bio's -EIO: 3.x dio_complete takes the error
        // do_direct_IO returned (e.g. get_block's io_end allocation, after earlier bios were
        // sent) before dio->io_error; 6.x keeps the first error set. INV-11 checks the exact
        // precedence from the dio's own events.
        exp = {kEIO, kENOMEM};
        if (iomap_read && misaligned(op)) exp.insert(kEINVAL);  // the submitter's error won
      } else if (is_write(op.kind)) {
        exp = {static_cast<std::int64_t>(op.len)};
        if (o.is_direct()) exp.insert(kENOMEM);
        if (f_.dsync_write(op) && stale_pagecache_collision_before(at)) exp.insert(kEIO);
      } else if (is_read(op.kind)) {
        const auto sizes = possible_sizes(op.file, o.begin, at);
        if (!sizes) {
          check = false;  // too many concurrent size changes to enumerate: only bound the result
          exp = {static_cast<std::int64_t>(op.len)};
        } else {
          for (std::uint64_t s : *sizes)
            exp.insert(static_cast<std::int64_t>(
                std::min<std::uint64_t>(op.len, s > op.offset ? s - op.offset : 0)));
        }
        if (o.is_direct()) exp.insert(kENOMEM);
        if (o.is_direct() && misaligned(op)) exp.insert(kEINVAL);  // iomap_read
      } else if (op.kind == OpKind::Truncate || op.kind == OpKind::Fallocate) {
        exp = {0};
        if (op.kind == OpKind::Fallocate && op.len == 0) exp.insert(kEINVAL);
      } else if (op.kind == OpKind::Fsync) {
        exp = {0};
        if (bio_failed_before(at) || stale_pagecache_collision_before(at)) exp.insert(kEIO);
      } else if (op.kind == OpKind::Close) {
        exp = {0};
      } else if (op.kind == OpKind::Open) {
        exp = {0, kENOMEM};  // reading an evicted inode back allocates it
      } else if (op.kind == OpKind::Evict) {
        exp = {0, 1};  // whether the inode was unused when reclaim looked is up to the schedule
      } else {
        continue;
      }
      if (auto it = partial.find(id); it != partial.end() && r == it->second) continue;
      if (check && exp.contains(r)) continue;
      if (!check && (r < 0 || static_cast<std::uint64_t>(r) <= op.len)) continue;
      add(prop::kOpResult, at, list(exp), fmt::format("{} returned {}", op_name(f_, id), r));
    }
  }

  void check_reaping() {
    const Trace& t = *f_.t;
    std::map<std::uint32_t, int> count;
    for (std::size_t k = 0; k < limit_; ++k) {
      const Event& e = t.events[k];
      if (e.kind != EvKind::AioReaped) continue;
      const OpFacts* o = f_.op(e.op);
      if (!o || !o->is_aio()) {
        add(prop::kReapedOnce, k, "io_getevents returns only submitted iocbs",
            fmt::format("event for {}", op_name(f_, e.op)));
        continue;
      }
      if (++count[e.op] > 1) {
        add(prop::kReapedOnce, k, "each iocb reaped once",
            fmt::format("{} reaped {} times", op_name(f_, e.op), count[e.op]));
        continue;
      }
      if (o->begin == kNever || o->begin > k) {
        add(prop::kReapedOnce, k, "reaped after io_submit began",
            fmt::format("{} reaped before submission", op_name(f_, e.op)));
        continue;
      }
      if (known(o->end) && o->end_res < 0) {
        add(prop::kReapedOnce, k, "no event for an iocb io_submit rejected",
            fmt::format("{} rejected with {} but reaped", op_name(f_, e.op), o->end_res));
        continue;
      }
      bool inside = false;
      for (const auto& [gid, g] : f_.ops)
        if (g.task == o->task && is_reap(g.op->kind) && is_uring(g.op->kind) == is_uring(o->op->kind) &&
            g.begin != kNever &&
            g.begin < k && (g.end == kNever || k < g.end))
          inside = true;
      if (!inside)
        add(prop::kReapedOnce, k, "reaped by an io_getevents of the submitting task",
            fmt::format("{} reaped outside io_getevents", op_name(f_, e.op)));
    }
    for (const auto& [gid, g] : f_.ops) {
      if (!is_reap(g.op->kind) || !known(g.end) || g.begin == kNever) continue;
      std::int64_t n = 0;
      for (std::size_t k = g.begin + 1; k < g.end; ++k) {
        const Event& e = t.events[k];
        if (e.kind != EvKind::AioReaped) continue;
        const OpFacts* o = f_.op(e.op);
        if (o && o->task == g.task) ++n;
      }
      if (g.end_res >= 0 && (g.end_res != n || g.end_res > static_cast<std::int64_t>(g.op->nr)))
        add(prop::kGetEvents, g.end,
            fmt::format("returns the {} events handed over (at most nr={})", n, g.op->nr),
            fmt::format("{} returned {}", op_name(f_, gid), g.end_res));
    }
  }
};

}  // namespace

void check_observable_family(const Facts& f, Out& out) { Observable(f, out).run(); }

}  // namespace dc::model::detail
