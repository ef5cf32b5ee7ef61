// INV-10 (an O_(D)SYNC AIO write is synced after its data and its conversion, before it
// is completed) and durability after a Crash event.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "model/extent_map.hpp"
#include "model/facts.hpp"

namespace dc::model::detail {
namespace {

// A buffered write that overlaps direct write `d` in time, shares the block of sector `s`
// and does not cover `s` may have written the block back as it filled it (docs/model.md,
// Decisions): after a crash `s` may then hold any older value.
bool buffered_rmw_race(const Facts& f, const OpFacts& d, std::uint64_t s) {
  if (!d.is_direct()) return false;
  const std::uint64_t ss = f.w->sector_size, bs = f.w->block_size ? f.w->block_size : 4096;
  const std::uint64_t blk = s * ss / bs;
  for (const auto& [bid, b] : f.ops) {
    if (b.op->kind != OpKind::BufWrite || b.op->file != d.op->file || b.begin == kNever || b.op->len == 0) continue;
    const bool overlap = b.begin < d.reported() && d.begin < b.reported();  // kNever = still running
    const std::uint64_t lo = b.op->offset, hi = b.op->offset + b.op->len;
    const bool shares = lo / bs <= blk && blk <= (hi - 1) / bs;
    const bool covers = lo < (s + 1) * ss && s * ss < hi;
    if (overlap && shares && !covers) return true;
  }
  return false;
}

struct SyncWindow {
  std::size_t start, done;
  std::int64_t lo, hi;           // inclusive byte range
  std::set<std::uint32_t> clear;  // dsync AIO ops with no UNWRITTEN block at SyncStart
  std::uint32_t file = 0;         // of the inode synced
  // ... or at the sync's last journal commit: a sync that writes the data back itself (an AIO
  // write that fell back to buffered I/O) converts inside the window, before that commit.
  std::set<std::uint32_t> clear_at_commit;
};

void check_inv10(const Facts& f, Out& out) {
  const Trace& t = *f.t;
  const Workload& w = *f.w;
  std::vector<const OpFacts*> dsync;
  for (const auto& [id, o] : f.ops)
    if ((o.op->kind == OpKind::AioWrite || o.op->kind == OpKind::UringWrite) && f.dsync_write(*o.op))
      dsync.push_back(&o);
  if (dsync.empty()) return;

  Extents ext(w);
  auto clear_of = [&](const OpFacts& o) { return !ext.unwritten(o.op->file, o.op->offset, o.op->len, o.begin); };

  std::vector<SyncWindow> windows;
  std::map<std::uint16_t, std::vector<SyncWindow>> open;
  std::map<std::uint32_t, std::pair<std::size_t, std::int64_t>> completed;  // op -> (index, res)
  std::map<ObjId, std::size_t> last_bio_end;
  std::set<std::uint32_t> write_through;  // ops whose dio skipped the sync legitimately
  for (std::size_t k = 0; k < t.events.size(); ++k) {
    const Event& e = t.events[k];
    switch (e.kind) {
      case EvKind::ExtentMap:
      case EvKind::InodeFile:
        ext.apply(e, k);
        break;
      case EvKind::BioEnd:
        last_bio_end[static_cast<ObjId>(e.c)] = k;
        break;
      case EvKind::SyncStart: {
        SyncWindow s{k, kNever, e.a, e.b, {}, ext.file_of(e.obj), {}};
        for (const OpFacts* o : dsync)
          if (clear_of(*o)) s.clear.insert(o->op->id);
        open[e.actor].push_back(std::move(s));
        break;
      }
      case EvKind::JournalCommit:
        if (auto it = open.find(e.actor); it != open.end())
          for (SyncWindow& s : it->second) {
            s.clear_at_commit.clear();
            for (const OpFacts* o : dsync)
              if (clear_of(*o)) s.clear_at_commit.insert(o->op->id);
          }
        break;
      case EvKind::SyncDone: {
        auto it = open.find(e.actor);
        if (it == open.end() || it->second.empty()) break;
        SyncWindow s = std::move(it->second.back());
        it->second.pop_back();
        s.done = k;
        if (e.a == 0) windows.push_back(std::move(s));
        break;
      }
      case EvKind::AioComplete:
        if (!completed.contains(e.op)) completed[e.op] = {k, e.a};
        break;
      case EvKind::WriteThrough:  // iomap: every data bio FUA over written blocks: no sync due
        if (e.op != kNoOp && !ext.unwritten(f.op(e.op) ? f.op(e.op)->op->file : 0, f.op(e.op) ? f.op(e.op)->op->offset : 0,
                                            f.op(e.op) ? f.op(e.op)->op->len : 0, k))
          write_through.insert(e.op);
        break;
      default:
        break;
    }
  }
  for (const OpFacts* o : dsync) {
    if (write_through.contains(o->op->id)) continue;
    auto c = completed.find(o->op->id);
    if (c == completed.end() || c->second.second <= 0) continue;
    // Named copies, not a structured binding: clang 14 (the fuzz build) cannot capture those.
    const std::size_t at = c->second.first;
    const std::int64_t res = c->second.second;
    std::size_t data_done = 0;
    for (ObjId d : o->dios)
      if (auto it = last_bio_end.find(d); it != last_bio_end.end() && it->second < at)
        data_done = std::max(data_done, it->second);
    const std::int64_t lo = static_cast<std::int64_t>(o->op->offset);
    const std::int64_t hi = lo + res - 1;
    const bool ok = std::any_of(windows.begin(), windows.end(), [&](const SyncWindow& s) {
      return s.file == o->op->file && s.start > data_done && s.done < at && s.lo <= lo && s.hi >= hi &&
             (s.clear.contains(o->op->id) || s.clear_at_commit.contains(o->op->id));
    });
    if (!ok)
      out.push_back({prop::kInv10, at,
                     fmt::format("a successful sync of [{}, {}] after the data (event {}) and the "
                                 "conversion, before aio_complete",
                                 lo, hi, data_done),
                     fmt::format("{} completed with res {} without it", op_name(f, o->op->id), res)});
  }
}

// The crash view of one file: Crash event `ci` (k = the first Crash event: what happened
// before the power cut is what happened before k).
void check_crash_file(const Facts& f, std::size_t ci, Out& out) {
  const Trace& t = *f.t;
  const Workload& w = *f.w;
  const Event& c = t.events[ci];
  const std::size_t k = f.crash;
  const auto file = static_cast<std::uint32_t>(c.b);
  const std::uint64_t ss = w.sector_size;
  auto at = [&](std::uint64_t s) -> std::uint32_t {
    if (s >= c.ndata || c.data + s >= t.data.size()) return kZero;
    return t.data[c.data + s];
  };
  for (std::uint32_t i = 0; i < c.ndata && c.data + i < t.data.size(); ++i)
    if (f.foreign_in(file, t.data[c.data + i])) {
      out.push_back({prop::kCrashForeign, ci, "no foreign data after the crash",
                     fmt::format("{}sector {} reads foreign data ({})", file ? fmt::format("file {} ", file) : "", i,
                                 value_name(t.data[c.data + i]))});
      break;
    }
  auto before = [&](std::size_t idx) { return idx != kNever && idx < k; };
  for (const auto& [id, o] : f.ops) {
    const Op& op = *o.op;
    if (!is_write(op.kind) || op.file != file || !before(o.reported()) || o.reported_res() <= 0) continue;
    bool required = f.dsync_write(op);
    for (const auto& [fid, fs] : f.ops)
      required |= fs.op->kind == OpKind::Fsync && fs.op->file == file && before(fs.end) && fs.end_res == 0 &&
                  fs.begin != kNever && fs.begin > o.reported();
    if (!required) continue;
    const std::uint64_t end = op.offset + std::min<std::uint64_t>(op.len, static_cast<std::uint64_t>(o.reported_res()));
    // Operations that may be ordered after this write (not finished before it began).
    bool size_may_shrink = false;
    for (const auto& [yid, y] : f.ops)
      if (y.op->kind == OpKind::Truncate && y.op->file == file && before(y.begin) && !(y.end != kNever && y.end < o.begin) &&
          y.op->len < end)
        size_may_shrink = true;
    if (!size_may_shrink && c.a < static_cast<std::int64_t>(end)) {
      out.push_back({prop::kCrashDurable, ci, fmt::format("durable size >= {}", end),
                     fmt::format("{}: durable size {}", op_name(f, id), c.a)});
      continue;
    }
    for (std::uint64_t s = op.offset / ss; s < (end + ss - 1) / ss; ++s) {
      const std::uint32_t v = at(s);
      if (v == write_id_of(op)) continue;
      bool later = false;
      for (const auto& [yid, y] : f.ops) {
        if (yid == id || y.op->file != file || !before(y.begin)) continue;
        if (y.reported() != kNever && y.reported() < o.begin) continue;  // ordered before
        if (y.op->kind == OpKind::Truncate && v == kZero && s * ss >= y.op->len) later = true;
        if (is_write(y.op->kind) && v == write_id_of(*y.op) && y.op->offset < (s + 1) * ss &&
            s * ss < y.op->offset + y.op->len)
          later = true;
      }
      if (!later && buffered_rmw_race(f, o, s)) later = true;  // the racing page's stale image
      if (!later) {
        out.push_back({prop::kCrashDurable, ci,
                       fmt::format("sector {} holds {} or a later write", s, value_name(write_id_of(op))),
                       fmt::format("{} reported durable; sector {} reads {}", op_name(f, id), s, value_name(v))});
        break;
      }
    }
  }
}

}  // namespace

// One Crash event per file, in a row, for the same Crash op.
void check_crash(const Facts& f, Out& out) {
  if (f.crash == kNever) return;
  const Trace& t = *f.t;
  for (std::size_t i = f.crash; i < f.n() && t.events[i].kind == EvKind::Crash && t.events[i].op == t.events[f.crash].op; ++i)
    check_crash_file(f, i, out);
}

void check_durability(const Facts& f, Out& out) {
  check_inv10(f, out);
  check_crash(f, out);
}

}  // namespace dc::model::detail
