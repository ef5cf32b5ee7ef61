#include "harness/run/shrink.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>

#include "harness/run/guided.hpp"
#include "harness/run/runner.hpp"
#include "harness/run/strategy_factory.hpp"
#include "harness/sched/replay.hpp"
#include "harness/sched/rng.hpp"

namespace dc::harness {
namespace {

using model::OpKind;

sched::ExecutionStats stats_of(Runner& r, const Case& c) {
  sched::ReplayStrategy replay(c.schedule);
  return r.run(c.workload, c.config, replay, c.schedule.seed).stats;
}

struct Shrinker {
  Shrinker(const ShrinkOptions& opts, ShrinkStats& stats) : o(opts), st(stats) {}
  const ShrinkOptions& o;
  ShrinkStats& st;
  Runner runner;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  std::unique_ptr<sched::Strategy> search = make_strategy("portfolio");

  bool out_of_time() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > o.seconds;
  }

  // Same property, any schedule: replay the old schedule, then search.
  std::optional<Case> refails(const Case& cand) {
    auto accept = [&](const Execution& x) -> std::optional<Case> {
      ++st.executions;
      if (x.verdict.property != cand.property) return std::nullopt;
      Case out = cand;
      out.schedule = x.schedule;
      out.event = x.verdict.event;
      out.trace_hash = x.trace_hash;
      out.hash_version = model::kTraceHashVersion;
      if (is_verdict_note(out.note)) out.note = verdict_note(x.verdict);  // describe the smaller case
      return out;
    };
    {
      sched::ReplayStrategy replay(cand.schedule);
      if (auto ok = accept(runner.run(cand.workload, cand.config, replay, cand.schedule.seed))) return ok;
    }
    for (int i = 0; i < o.searches_per_candidate && !out_of_time(); ++i)
      if (auto ok = accept(runner.run(cand.workload, cand.config, *search, sched::mix_seed(cand.schedule.seed, i + 1))))
        return ok;
    return std::nullopt;
  }

  // Keeps io_getevents / uring_wait counts consistent after submissions were removed (each
  // ring counts its own: the AIO ring and the io_uring CQ).
  static void fix_getevents(model::Task& t) {
    std::uint32_t aio = 0, uring = 0;
    std::vector<model::Op> ops;
    for (auto op : t.ops) {
      if (op.kind == OpKind::AioWrite || op.kind == OpKind::AioRead) ++aio;
      if (op.kind == OpKind::UringWrite || op.kind == OpKind::UringRead) ++uring;
      if (model::is_reap(op.kind)) {
        std::uint32_t& n = op.kind == OpKind::GetEvents ? aio : uring;
        if (n == 0) continue;
        op.nr = std::min(op.nr, n);
        n -= op.nr;
      }
      ops.push_back(op);
    }
    t.ops = std::move(ops);
  }

  std::vector<Case> candidates(const Case& c) {
    std::vector<Case> out;
    auto push = [&](Case n) {
      for (auto& t : n.workload.tasks) fix_getevents(t);
      std::erase_if(n.workload.tasks, [](const model::Task& t) { return t.ops.empty(); });
      if (!model::lifecycle_error(n.workload).empty()) return;  // an open of a file still open
      if (!n.workload.tasks.empty() && !(n.workload == c.workload && n.config == c.config)) out.push_back(std::move(n));
    };
    const auto& w = c.workload;
    for (std::size_t t = 0; t < w.tasks.size(); ++t) {
      Case n = c;
      n.workload.tasks.erase(n.workload.tasks.begin() + static_cast<std::ptrdiff_t>(t));
      push(n);
    }
    for (std::size_t t = 0; t < w.tasks.size(); ++t)
      for (std::size_t i = 0; i < w.tasks[t].ops.size(); ++i) {
        Case n = c;
        auto& ops = n.workload.tasks[t].ops;
        const model::Op gone = ops[i];
        ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(i));
        // a Close goes with the Open that follows it
        if (gone.kind == OpKind::Close) {
          auto reopen = std::find_if(ops.begin() + static_cast<std::ptrdiff_t>(i), ops.end(), [&](const model::Op& op) {
            return op.kind == OpKind::Open && op.file == gone.file;
          });
          if (reopen != ops.end()) ops.erase(reopen);
        }
        push(n);
      }
    for (std::size_t f = 0; f < c.config.faults.size(); ++f) {
      Case n = c;
      n.config.faults.erase(n.config.faults.begin() + static_cast<std::ptrdiff_t>(f));
      push(n);
    }
    if (!w.written.empty()) { Case n = c; n.workload.written.clear(); push(n); }
    if (!w.preallocated.empty()) { Case n = c; n.workload.preallocated.clear(); push(n); }
    if (w.o_dsync || w.o_sync || w.inode_sync) {
      Case n = c;
      n.workload.o_dsync = n.workload.o_sync = n.workload.inode_sync = false;
      push(n);
    }
    if (w.shared_files) { Case n = c; n.workload.shared_files = false; push(n); }
    if (c.config.wq_concurrency > 1) { Case n = c; n.config.wq_concurrency = 1; push(n); }
    if (c.config.dioread_nolock) { Case n = c; n.config.dioread_nolock = false; push(n); }
    for (std::size_t t = 0; t < w.tasks.size(); ++t)
      for (std::size_t i = 0; i < w.tasks[t].ops.size(); ++i) {
        const model::Op& op = w.tasks[t].ops[i];
        const std::uint64_t unit = op.len % w.block_size == 0 ? w.block_size : w.sector_size;
        if (op.len > unit && op.kind != OpKind::Truncate) {
          Case n = c;
          n.workload.tasks[t].ops[i].len = std::max<std::uint64_t>(unit, op.len / 2 / unit * unit);
          push(n);
        }
        if (op.offset >= unit) {
          Case n = c;
          n.workload.tasks[t].ops[i].offset = op.offset / 2 / unit * unit;
          push(n);
        }
        if (op.dsync) { Case n = c; n.workload.tasks[t].ops[i].dsync = false; push(n); }
        if (op.file > 0) { Case n = c; n.workload.tasks[t].ops[i].file = 0; push(n); }  // fewer files
      }
    // Files no op uses any more: the highest ones go (indices below stay as they are).
    std::uint32_t used = 1;
    for (const auto& t : w.tasks)
      for (const auto& op : t.ops) used = std::max(used, op.file + 1);
    if (used < w.files) { Case n = c; n.workload.files = used; push(n); }
    return out;
  }

  // Fewer preemptions: from each decision on, try running without preemption.
  Case fewer_preemptions(Case c) {
    for (std::size_t prefix = 0; prefix < c.schedule.decisions.size() && !out_of_time(); ++prefix) {
      GuidedStrategy guided(c.schedule, prefix);
      const Execution x = runner.run(c.workload, c.config, guided, c.schedule.seed);
      ++st.executions;
      if (x.verdict.property != c.property) continue;
      Case n = c;
      n.schedule = x.schedule;
      n.event = x.verdict.event;
      n.trace_hash = x.trace_hash;
      n.hash_version = model::kTraceHashVersion;
      if (size_of(n) < size_of(c)) {
        ++st.accepted;
        return n;
      }
    }
    return c;
  }
};

}  // namespace

std::optional<Case> refresh(const Case& c, int searches) {
  ShrinkStats st;
  const ShrinkOptions opts{.searches_per_candidate = searches, .seconds = 1e9};
  Shrinker s(opts, st);
  if (c.property.empty()) {
    sched::ReplayStrategy replay(c.schedule);
    const Execution x = s.runner.run(c.workload, c.config, replay, c.schedule.seed);
    if (x.verdict.failed()) return std::nullopt;
    Case out = c;
    out.schedule = x.schedule;
    out.trace_hash = x.trace_hash;
    out.hash_version = model::kTraceHashVersion;
    return out;
  }
  return s.refails(c);
}

CaseSize size_of(const Case& c) {
  CaseSize s{c.workload.tasks.size(), 0, 0, c.config.faults.size(), 0, 0, 0};
  for (const auto& t : c.workload.tasks)
    for (const auto& op : t.ops) {
      ++s.ops;
      s.bytes += op.len + op.offset;
      s.flags += op.dsync;
    }
  s.flags += c.workload.o_dsync + c.workload.o_sync + c.workload.inode_sync + c.config.dioread_nolock +
             static_cast<std::size_t>(c.config.wq_concurrency - 1) + c.workload.written.size() +
             c.workload.preallocated.size() + c.workload.shared_files;
  Runner r;
  const auto st = stats_of(r, c);
  s.preemptions = st.preemptions;
  s.switches = st.switches;
  return s;
}

Case shrink(const Case& input, const ShrinkOptions& o, ShrinkStats* out_stats) {
  ShrinkStats st;
  Shrinker s(o, st);
  if (input.property.empty()) throw CorpusError("shrink: the case records no failing property");
  auto first = s.refails(input);
  if (!first) throw CorpusError("shrink: the case does not fail '" + input.property + "' any more");
  Case best = *first;
  CaseSize best_size = size_of(best);
  for (bool progress = true; progress && !s.out_of_time();) {
    progress = false;
    for (Case& cand : s.candidates(best)) {
      if (s.out_of_time()) break;
      if (auto ok = s.refails(cand); ok && size_of(*ok) < best_size) {
        best = *ok;
        best_size = size_of(best);
        ++st.accepted;
        progress = true;
        break;
      }
    }
  }
  for (;;) {
    Case next = s.fewer_preemptions(best);
    if (!(size_of(next) < size_of(best))) break;
    best = next;
  }
  if (out_stats) *out_stats = st;
  return best;
}

}  // namespace dc::harness
