#include "model/checker.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "model/facts.hpp"

namespace dc::model {
namespace detail {

std::size_t OpFacts::reported() const { return is_aio() ? reaped : end; }
std::int64_t OpFacts::reported_res() const { return is_aio() ? reaped_res : end_res; }
bool OpFacts::is_aio() const {
  return is_async_submit(op->kind);  // io_submit or io_uring: the result comes later
}
bool OpFacts::is_direct() const {
  return is_aio() || op->kind == OpKind::PWrite || op->kind == OpKind::PRead;
}

OpFacts* Facts::op(std::uint32_t id) {
  // Generated workloads number their ops 0..n-1: then the id is the index.
  if (id < ops.size() && ops[id].first == id) return &ops[id].second;
  auto it = std::lower_bound(ops.begin(), ops.end(), id, [](const auto& p, std::uint32_t x) { return p.first < x; });
  return it != ops.end() && it->first == id ? &it->second : nullptr;
}

const OpFacts* Facts::op(std::uint32_t id) const { return const_cast<Facts*>(this)->op(id); }

std::string Facts::note(const Event& e) const {
  if (e.note == 0 || e.note > t->notes.size()) return std::string(to_string(e.kind));
  return t->notes[e.note - 1];
}

bool Facts::dio_failed(const OpFacts& o, std::size_t before) const {
  if (o.dios.empty()) return false;
  // Only the last dio gives the result: an earlier one ended in -EAGAIN (first error wins) and
  // was retried whole (io_uring's reissue, XFS's exclusive retry), its bio errors with it.
  const auto last = static_cast<std::int64_t>(o.dios.back());
  const std::size_t lim = std::min(before, n());
  for (std::size_t i = 0; i < lim; ++i) {
    const Event& e = t->events[i];
    if (e.kind == EvKind::BioEnd && e.a < 0 && e.c == last) return true;
  }
  return false;
}

bool Facts::dsync_write(const Op& op) const {
  if (!is_write(op.kind)) return false;
  if (op.dsync || w->inode_sync) return true;
  // O_DSYNC / O_SYNC are flags of the O_DIRECT fd only.
  return (w->o_dsync || w->o_sync) && op.kind != OpKind::BufWrite;
}

bool Facts::foreign_in(std::uint32_t file, std::uint32_t v) const {
  if (is_foreign(v)) return true;
  if (v == kZero) return false;
  if (v == kInitialData) return file != 0;
  const OpFacts* o = op(v - 1);
  return o && is_write(o->op->kind) && o->op->file != file;
}

Facts build_facts(const Workload& w, const Trace& t, const Config* c) {
  Facts f;
  f.w = &w;
  f.t = &t;
  f.c = c;
  for (std::size_t ti = 0; ti < w.tasks.size(); ++ti)
    for (const Op& op : w.tasks[ti].ops) {
      OpFacts o;
      o.op = &op;
      o.task = ti;
      f.ops.emplace_back(op.id, o);
    }
  // By id; of ops sharing an id the first in task order counts.
  std::stable_sort(f.ops.begin(), f.ops.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  f.ops.erase(std::unique(f.ops.begin(), f.ops.end(), [](const auto& a, const auto& b) { return a.first == b.first; }),
              f.ops.end());
  for (std::size_t i = 0; i < t.events.size(); ++i) {
    const Event& e = t.events[i];
    OpFacts* o = f.op(e.op);
    switch (e.kind) {
      case EvKind::OpBegin:
        if (o && o->begin == kNever) o->begin = i;
        break;
      case EvKind::OpEnd:
        if (o && o->end == kNever) o->end = i, o->end_res = e.a;
        break;
      case EvKind::AioReaped:
        if (o && o->reaped == kNever) o->reaped = i, o->reaped_res = e.a;
        break;
      case EvKind::DioSubmit:
        if (auto it = std::lower_bound(f.dio_op.begin(), f.dio_op.end(), e.obj,
                                       [](const auto& p, ObjId x) { return p.first < x; });
            it == f.dio_op.end() || it->first != e.obj) {
          f.dio_op.insert(it, {e.obj, e.op});
          if (o) o->dios.push_back(e.obj);
        }
        break;
      case EvKind::Crash:
        if (f.crash == kNever) f.crash = i;
        break;
      default:
        break;
    }
  }
  return f;
}

std::string value_name(std::uint32_t v) {
  if (v == kInitialData) return "initial-data";
  if (v == kZero) return "zeros";
  if (v == kForeign) return "foreign-data";
  if (is_stale(v)) return fmt::format("stale-{}", value_name(v & ~kStale));
  return fmt::format("data-of-op-{}", v - 1);
}

std::string op_name(const Facts& f, std::uint32_t op) {
  const OpFacts* o = f.op(op);
  if (!o) return fmt::format("op {}", op);
  return fmt::format("op {} ({} off={} len={})", op, to_string(o->op->kind), o->op->offset,
                     o->op->len);
}

}  // namespace detail

namespace {
void sort_by_event(std::vector<Violation>& v) {
  std::stable_sort(v.begin(), v.end(),
                   [](const Violation& x, const Violation& y) { return x.event < y.event; });
}
}  // namespace

std::vector<Violation> check_observable(const Workload& w, const Trace& t) {
  const detail::Facts f = detail::build_facts(w, t);
  std::vector<Violation> out;
  detail::check_observable_family(f, out);
  sort_by_event(out);
  return out;
}

namespace {
void check_protocol_families(const detail::Facts& f, const Config& c, std::vector<Violation>& out) {
  detail::check_context(f, out);
  detail::check_completion(f, c, out);
  detail::check_dio_count(f, out);
  detail::check_conversion(f, out);
  detail::check_workqueue(f, out);
  detail::check_io_end(f, out);
  detail::check_durability(f, out);
}
}  // namespace

std::vector<Violation> check_protocol(const Workload& w, const Config& c, const Trace& t) {
  const detail::Facts f = detail::build_facts(w, t, &c);
  std::vector<Violation> out;
  check_protocol_families(f, c, out);
  sort_by_event(out);
  return out;
}

std::vector<Violation> check(const Workload& w, const Config& c, const Trace& t) {
  const detail::Facts f = detail::build_facts(w, t, &c);
  std::vector<Violation> out, p;
  detail::check_observable_family(f, out);
  detail::check_size_with_data(f, out);
  sort_by_event(out);
  check_protocol_families(f, c, p);
  sort_by_event(p);
  out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::vector<std::pair<std::string, std::string>> properties() {
  namespace p = detail::prop;
  return {
      {p::kReadAllowed,
       "every sector a read returns holds a value the model allows (newest completed write, an "
       "overlapping write, or zeros where nothing was written)"},
      {p::kReadForeign, "no read ever returns stale data: a never-written block (kForeign) or the old data of a freed and reallocated block (kStale)"},
      {p::kReadSizeWithData,
       "a read that returns bytes only an extending write made part of the file sees that write's "
       "data there, not zeros (i_size moves only after the data is readable; ee70daaba82d)"},
      {p::kReadShape, "ReadData matches its read op: offset, length == result, one id per sector"},
      {p::kOpResult,
       "each reported result is the one the model computes (bytes, short read at EOF, -EINVAL, "
       "-EIO after a failed bio)"},
      {p::kReapedOnce, "each submitted iocb is reaped exactly once, never a rejected one"},
      {p::kGetEvents, "io_getevents returns the number of events it handed to userspace"},
      {p::kInv1, "exactly one aio_complete per async kiocb, never for sync kiocbs from DIO"},
      {p::kInv2,
       "dio_complete once per dio, by the context that dropped the last reference; dio freed "
       "once, never used after"},
      {p::kInv3, "i_dio_count never negative, changes by one, 0 at quiescence"},
      {p::kInv4, "when inode_dio_wait returns no DIO conversion is pending or running"},
      {p::kInv5, "a write's completion is reported only after its blocks are no longer unwritten"},
      {p::kInv6,
       "nothing that may sleep runs in interrupt context (conversion, sync, workqueue "
       "create/destroy, might_sleep)"},
      {p::kInv7, "at most one dio workqueue published per superblock; losers destroyed"},
      {p::kInv8, "destroyed workqueues were drained and never receive work afterwards"},
      {p::kInv9, "io_end refcount: +1/-1 steps, freed exactly once at 0 with UNWRITTEN clear"},
      {p::kInv10,
       "an O_(D)SYNC AIO write is synced after its data and conversion, before aio_complete"},
      {p::kInv11,
       "result precedence: submit error, then -EIO, then bytes; never -EIOCBQUEUED; -ENOMEM only "
       "with an injected allocation failure"},
      {p::kInv12, "-EIOCBQUEUED iff the DIO side completes the iocb"},
      {p::kInv13, "a deferred dio never completes in interrupt context; end_io never converts there"},
      {p::kUaf, "the kernel layer saw an object used after it was freed"},
      {p::kDoubleFree, "the kernel layer saw an object freed twice"},
      {p::kLeak, "an allocation was alive at the end of the execution"},
      {p::kBug, "a BUG_ON fired"},
      {p::kWarn, "a WARN_ON fired"},
      {p::kCrashDurable,
       "after a crash every reported O_(D)SYNC write and every write covered by a completed "
       "fsync is durable"},
      {p::kCrashForeign, "after a crash no sector reads stale foreign data"},
  };
}

}  // namespace dc::model
