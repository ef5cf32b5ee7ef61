#include "harness/run/input_mutator.hpp"

#include <algorithm>
#include <array>

namespace dc::harness {
namespace {

using model::Op;
using model::OpKind;

constexpr std::size_t kMaxTasks = 4, kMaxOps = 8;  // per task, before the trailing io_getevents

bool is_aio(OpKind k) { return k == OpKind::AioWrite || k == OpKind::AioRead; }

// The ops of a task a mutation may touch: without its io_getevents and power cut.
std::vector<Op> body(const model::Task& t) {
  std::vector<Op> out;
  for (const Op& op : t.ops)
    if (op.kind != OpKind::GetEvents && op.kind != OpKind::Crash) out.push_back(op);
  return out;
}

bool ends_in_crash(const model::Task& t) { return !t.ops.empty() && t.ops.back().kind == OpKind::Crash; }

// Back to the generator's shape: body, one io_getevents for all its AIOs, the power cut.
void rebuild(model::Task& t, std::vector<Op> ops, bool crash) {
  if (ops.empty()) ops.push_back(Op{});  // as the generator does: an AioWrite of length 0
  std::uint32_t aio = 0;
  for (const Op& op : ops) aio += is_aio(op.kind);
  if (aio) {
    Op ge;
    ge.kind = OpKind::GetEvents;
    ge.nr = aio;
    ops.push_back(ge);
  }
  if (crash) {
    Op c;
    c.kind = OpKind::Crash;
    ops.push_back(c);
  }
  t.ops = std::move(ops);
}

std::vector<OpKind> kinds(const gen::GenOptions& o) {
  std::vector<OpKind> k{OpKind::AioWrite, OpKind::AioRead, OpKind::PWrite, OpKind::PRead, OpKind::Fallocate,
                        OpKind::Fsync};
  if (o.buffered) {
    k.push_back(OpKind::BufWrite);
    k.push_back(OpKind::BufRead);
  }
  if (o.truncate) k.push_back(OpKind::Truncate);
  return k;
}

// A block, sector or (if allowed) byte granular value in [0, limit].
std::uint64_t granular(sched::Rng& rng, const gen::GenOptions& o, std::uint64_t limit, std::uint64_t block,
                       std::uint64_t sector) {
  const auto shape = rng.below(o.misaligned ? 11 : o.sub_block ? 10 : 8);
  if (shape < 8 || !o.sub_block) return rng.below(limit / block + 1) * block;
  if (shape < 10) return rng.below(limit / sector + 1) * sector;
  return rng.below(limit + 1);
}

void set_offset(Op& op, sched::Rng& rng, const gen::GenOptions& o, const model::Workload& w) {
  if (op.kind == OpKind::Fsync || op.kind == OpKind::Truncate) {  // no offset
    op.offset = 0;
    return;
  }
  const std::uint64_t span = std::uint64_t{o.max_blocks} * w.block_size;
  op.offset = granular(rng, o, span, w.block_size, w.sector_size);
  if (op.kind == OpKind::Fallocate) op.offset = op.offset / w.block_size * w.block_size;
}

void set_len(Op& op, sched::Rng& rng, const gen::GenOptions& o, const model::Workload& w) {
  if (op.kind == OpKind::Fsync) return;
  if (op.kind == OpKind::Truncate) {
    op.len = rng.below(2 * o.max_blocks + 1) * w.block_size / 2;
    return;
  }
  op.len = std::max<std::uint64_t>(granular(rng, o, 4 * std::uint64_t{w.block_size}, w.block_size, w.sector_size), 1);
  if (op.kind == OpKind::Fallocate) op.len = (op.len + w.block_size - 1) / w.block_size * w.block_size;
}

Op fresh_op(sched::Rng& rng, const gen::GenOptions& o, const model::Workload& w) {
  const std::vector<OpKind> menu = kinds(o);
  Op op;
  op.kind = menu[rng.below(menu.size())];
  set_offset(op, rng, o, w);
  set_len(op, rng, o, w);
  op.dsync = (model::is_write(op.kind) || op.kind == OpKind::Fsync) && rng.below(6) == 0;
  op.keep_size = op.kind == OpKind::Fallocate && rng.below(2);
  op.file = model::uses_file(op.kind) ? static_cast<std::uint32_t>(rng.below(w.files)) : 0;
  return op;
}

void mutate_fault(model::Config& c, sched::Rng& rng) {
  static constexpr const char* kSites[] = {"dio", "io_end", "ioend", "workqueue", "kiocb"};
  if (!c.faults.empty() && rng.below(3) == 0) {
    c.faults.erase(c.faults.begin() + static_cast<std::ptrdiff_t>(rng.below(c.faults.size())));
    return;
  }
  if (!c.faults.empty() && rng.below(2)) {
    model::Fault& f = c.faults[rng.below(c.faults.size())];
    f.nth = static_cast<std::uint32_t>(rng.below(f.kind == model::Fault::Kind::BioError ? 4 : 3)) + 1;
    return;
  }
  // Up to two faults: the generator draws at most one, so stacking them reaches error
  // precedences it never does (a submission error after a failed bio: docs/triage/README.md).
  model::Fault f = rng.below(2) ? model::Fault{model::Fault::Kind::BioError, "", static_cast<std::uint32_t>(rng.below(4)) + 1}
                                : model::Fault{model::Fault::Kind::AllocFail, kSites[rng.below(5)],
                                               static_cast<std::uint32_t>(rng.below(3)) + 1};
  if (c.faults.size() < 2)
    c.faults.push_back(std::move(f));
  else
    c.faults[rng.below(c.faults.size())] = std::move(f);
}

// A task's closes and opens stay possible, as the corpus format requires (model::lifecycle_error):
// a reorder, a move or a splice can put an Open before its Close or a second Close after the
// first; such an op is dropped.
void keep_lifecycle_possible(model::Task& t) {
  std::array<bool, model::kMaxFiles> closed{};
  std::vector<Op> ops;
  bool dropped = false;
  for (const Op& op : t.ops) {
    const bool is_close = op.kind == OpKind::Close, is_open = op.kind == OpKind::Open;
    if ((is_close && closed[op.file]) || (is_open && !closed[op.file])) {
      dropped = true;
      continue;
    }
    if (is_close || is_open) closed[op.file] = is_close;
    ops.push_back(op);
  }
  if (!dropped) return;
  const bool crash = ends_in_crash(t);
  t.ops = std::move(ops);
  rebuild(t, body(t), crash);
}

}  // namespace

void mutate_input(model::Workload& w, model::Config& c, const model::Workload& donor, const gen::GenOptions& o,
                  sched::Rng& rng) {
  if (w.tasks.empty()) w.tasks.emplace_back();
  const std::size_t t = rng.below(w.tasks.size());
  std::vector<Op> ops = body(w.tasks[t]);
  bool crash = ends_in_crash(w.tasks[t]);
  auto any_op = [&]() -> Op* { return ops.empty() ? nullptr : &ops[rng.below(ops.size())]; };
  switch (rng.below(12)) {
    case 0:  // an op of another kind, same range
      if (Op* op = any_op()) {
        const std::vector<OpKind> menu = kinds(o);
        op->kind = menu[rng.below(menu.size())];
        if (op->kind == OpKind::Fallocate || op->kind == OpKind::Fsync || op->kind == OpKind::Truncate) {
          set_offset(*op, rng, o, w);
          set_len(*op, rng, o, w);
        }
        op->file = model::uses_file(op->kind) ? std::min(op->file, w.files - 1) : 0;
      }
      break;
    case 1:
    case 2:  // a new offset
      if (Op* op = any_op()) set_offset(*op, rng, o, w);
      break;
    case 3:  // a new size
      if (Op* op = any_op()) set_len(*op, rng, o, w);
      break;
    case 4:  // RWF_DSYNC / fdatasync on or off
      if (Op* op = any_op()) op->dsync = !op->dsync;
      break;
    case 5:  // one more op
      if (ops.size() < kMaxOps) ops.insert(ops.begin() + static_cast<std::ptrdiff_t>(rng.below(ops.size() + 1)), fresh_op(rng, o, w));
      break;
    case 6:  // one op fewer
      if (ops.size() > 1) ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(rng.below(ops.size())));
      break;
    case 7: {  // an op moves to another task, or starts one
      if (ops.size() < 2) break;
      const auto from = static_cast<std::ptrdiff_t>(rng.below(ops.size()));
      const Op moved = ops[static_cast<std::size_t>(from)];
      ops.erase(ops.begin() + from);
      const std::size_t to = rng.below(w.tasks.size() + (w.tasks.size() < kMaxTasks));
      if (to == t) {  // a reorder within the task
        ops.insert(ops.begin() + static_cast<std::ptrdiff_t>(rng.below(ops.size() + 1)), moved);
        break;
      }
      if (to == w.tasks.size()) w.tasks.emplace_back();
      std::vector<Op> other = body(w.tasks[to]);
      if (other.size() >= kMaxOps) break;
      other.push_back(moved);
      rebuild(w.tasks[to], std::move(other), ends_in_crash(w.tasks[to]));
      break;
    }
    case 8: {  // splice: an op of the donor
      std::vector<Op> d;
      for (const auto& task : donor.tasks)
        for (const Op& op : body(task)) d.push_back(op);
      if (!d.empty() && ops.size() < kMaxOps) {
        Op op = d[rng.below(d.size())];
        op.file = std::min(op.file, w.files - 1);
        ops.insert(ops.begin() + static_cast<std::ptrdiff_t>(rng.below(ops.size() + 1)), op);
      }
      break;
    }
    case 9: {  // the power cut ends this task, or no task
      const bool had = crash;
      for (auto& task : w.tasks)
        if (ends_in_crash(task)) task.ops.pop_back();
      crash = !had;
      break;
    }
    case 10:
      mutate_fault(c, rng);
      break;
    default:  // the machine's knobs
      if (rng.below(2)) c.wq_concurrency = static_cast<int>(rng.below(4)) + 1;
      else c.dioread_nolock = c.fs == model::Fs::Ext4 && !c.dioread_nolock;
      break;
  }
  rebuild(w.tasks[t], std::move(ops), crash);
  for (auto& task : w.tasks) keep_lifecycle_possible(task);
  gen::number_ops(w);
}

}  // namespace dc::harness
