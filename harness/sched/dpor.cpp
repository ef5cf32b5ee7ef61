#include "harness/sched/dpor.hpp"

#include <algorithm>
#include <bit>

namespace dc::sched {

static bool conflict(const void* a, Access aa, const void* b, Access ba) {
  return a != nullptr && a == b && aa != Access::None && ba != Access::None &&
         (aa == Access::Write || ba == Access::Write);
}

bool dependent(const PendingOp& op, const DporEvent& e, const StepLog& log) {
  if (op.obj == nullptr || op.access == Access::None) return false;
  if (conflict(op.obj, op.access, e.obj, e.access)) return true;
  for (std::uint32_t r = e.rec_begin; r < e.rec_end; ++r)
    if (conflict(op.obj, op.access, log[r].obj, touched(log[r]))) return true;
  return false;
}

RaceAnalyzer::Slot& RaceAnalyzer::slot(const void* key) {
  const std::uint32_t n = objs_.number(key);
  if (n == slots_.size()) slots_.push_back(Slot{});
  return slots_[n];
}

void RaceAnalyzer::candidates(const void* obj, Access a, ActorId p) {
  if (obj == nullptr || a == Access::None) return;
  const Slot& s = slot(obj);
  // A write conflicts with the reads since the last write (which all follow that write);
  // with none, with the last write. A read conflicts with the last write only.
  if (a == Access::Write && s.reads >= 0) {
    for (std::int32_t r = s.reads; r >= 0; r = reads_[static_cast<std::size_t>(r)].next) cand_.push_back(reads_[static_cast<std::size_t>(r)].event);
  } else if (s.last_write >= 0) {
    cand_.push_back(s.last_write);
  }
  (void)p;
}

void RaceAnalyzer::apply(const void* obj, Access a, std::int32_t j) {
  if (obj == nullptr || a == Access::None) return;
  Slot& s = slot(obj);
  if (a == Access::Write) {
    s.last_write = j;
    s.reads = -1;
  } else {
    reads_.push_back({j, s.reads});
    s.reads = static_cast<std::int32_t>(reads_.size() - 1);
  }
}

// Initials of v = notdep(e_i).proc(e_j): for each actor q, its first event in v (for proc(e_j)
// possibly e_j itself) is an initial iff no event of v happens before it. An event of actor r
// in v lies after position i, so it has a thread index at least first_any_[r].
ActorMask RaceAnalyzer::initials(std::span<const DporEvent> ev, std::uint32_t i, std::uint32_t j) {
  const ActorId ri = ev[i].actor;
  const std::uint32_t ti = tidx_[i];
  std::fill(first_any_.begin(), first_any_.end(), 0u);
  std::fill(first_v_.begin(), first_v_.end(), -1);
  for (std::uint32_t k = i + 1; k <= j; ++k) {
    const ActorId r = ev[k].actor;
    if (first_any_[r] == 0) first_any_[r] = tidx_[k];
    if (first_v_[r] < 0 && (k == j || clock(k)[ri] < ti)) first_v_[r] = static_cast<std::int32_t>(k);
  }
  ActorMask init = 0;
  for (std::size_t q = 0; q < actors_; ++q) {
    if (first_v_[q] < 0) continue;
    const std::uint32_t* c = clock(static_cast<std::size_t>(first_v_[q]));
    bool initial = true;
    for (std::size_t r = 0; r < actors_ && initial; ++r)
      if (r != q && first_any_[r] != 0 && c[r] >= first_any_[r]) initial = false;
    if (initial) init |= bit_of(static_cast<ActorId>(q));
  }
  return init;
}

const std::vector<DporRace>& RaceAnalyzer::analyze(const StepLog& log, std::span<const DporEvent> ev) {
  races_.clear();
  const std::size_t n = ev.size();
  std::size_t actors = 0;
  for (const DporEvent& e : ev) {
    actors = std::max<std::size_t>(actors, e.actor + 1u);
    for (std::uint32_t r = e.rec_begin; r < e.rec_end; ++r)
      if (touched(log[r]) == Access::None) actors = std::max<std::size_t>(actors, log[r].actor + 1u);
  }
  actors_ = actors;
  clk_.assign(n * actors, 0);
  tidx_.assign(n, 0);
  last_.assign(actors, -1);
  inherit_.assign(actors * actors, 0);
  has_inherit_.assign(actors, 0);
  pre_.assign(actors, 0);
  first_any_.assign(actors, 0);
  first_v_.assign(actors, -1);
  reads_.clear();
  objs_.clear();
  slots_.clear();

  for (std::uint32_t j = 0; j < n; ++j) {
    const DporEvent& e = ev[j];
    const ActorId p = e.actor;
    std::uint32_t* c = clock(j);
    if (last_[p] >= 0) std::copy_n(clock(static_cast<std::size_t>(last_[p])), actors, c);
    if (has_inherit_[p]) {
      const std::uint32_t* in = inherit_.data() + p * actors;
      for (std::size_t r = 0; r < actors; ++r) c[r] = std::max(c[r], in[r]);
      has_inherit_[p] = 0;
    }
    tidx_[j] = ++c[p];
    std::copy_n(c, actors, pre_.data());

    cand_.clear();
    candidates(e.obj, e.access, p);
    for (std::uint32_t r = e.rec_begin; r < e.rec_end; ++r) candidates(log[r].obj, touched(log[r]), p);
    std::sort(cand_.begin(), cand_.end());
    cand_.erase(std::unique(cand_.begin(), cand_.end()), cand_.end());

    racing_.clear();
    for (std::int32_t i : cand_) {
      const DporEvent& ei = ev[static_cast<std::size_t>(i)];
      if (ei.actor == p) continue;
      const std::uint32_t* ci = clock(static_cast<std::size_t>(i));
      for (std::size_t r = 0; r < actors; ++r) c[r] = std::max(c[r], ci[r]);
      if (pre_[ei.actor] < tidx_[static_cast<std::size_t>(i)]) racing_.push_back(i);
    }
    for (std::int32_t i : racing_) {
      const auto ui = static_cast<std::size_t>(i);
      bool immediate = true;
      for (std::int32_t k : racing_)
        if (k != i && clock(static_cast<std::size_t>(k))[ev[ui].actor] >= tidx_[ui]) immediate = false;
      if (!immediate || ev[ui].node < 0) continue;
      const ActorMask init = initials(ev, static_cast<std::uint32_t>(i), j);
      if (init != 0) races_.push_back({static_cast<std::uint32_t>(i), j, init});
    }

    apply(e.obj, e.access, static_cast<std::int32_t>(j));
    for (std::uint32_t r = e.rec_begin; r < e.rec_end; ++r) {
      const StepRecord& rec = log[r];
      if (rec.kind == StepRecord::Kind::Wake || rec.kind == StepRecord::Kind::Access) {
        apply(rec.obj, touched(rec), static_cast<std::int32_t>(j));
      } else if (rec.actor < actors) {  // Enable / Spawn: the actor's next step follows this one
        std::uint32_t* in = inherit_.data() + rec.actor * actors;
        for (std::size_t r2 = 0; r2 < actors; ++r2) in[r2] = std::max(in[r2], c[r2]);
        has_inherit_[rec.actor] = 1;
      }
    }
    last_[p] = static_cast<std::int32_t>(j);
  }
  return races_;
}

}  // namespace dc::sched
