// Frontier format, version 1 (save() / restore()): plain text, one item per line, fields
// separated by single spaces, actor sets as lower-case hex bit masks (bit a = actor a):
//
//   dfs-frontier 2
//   options <none|sleep|dpor> <preemption_bound> <delay_bound>     (-1 = unbounded)
//   explored <executions> <redundant> <more 0|1> <knuth_sum>
//   nodes <count>
//   p <chosen> <runnable> <backtrack> <done> <sleep> <sleep_wide> <wide> <current> <current_runnable>
//     <footed> <n> {<actor> <r|w> <object number>}*n
//   d <chosen> <bound>
//
// one p (pick) or d (draw) line per node of the DFS stack, root first: the path the next
// execution follows (its last node already holds the next alternative). `current` is the
// actor id that reached the point (65535 = none). No addresses: sleeping actors' next steps
// are re-read from the re-executed prefix.
#include "harness/sched/dfs.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <stdexcept>

#include <fmt/format.h>

namespace dc::sched {

const char* to_string(Reduction r) {
  switch (r) {
    case Reduction::None: return "none";
    case Reduction::SleepSets: return "sleep";
    case Reduction::Dpor: return "dpor";
  }
  return "?";
}

double DfsEstimate::eta_seconds(double elapsed) const {
  if (progress <= 0) return -1;
  if (progress >= 1) return 0;
  return elapsed * (1 - progress) / progress;
}

DfsStrategy::DfsStrategy(DfsOptions opts) : opts_(opts) {
  if (opts_.reduction != Reduction::None && (opts_.preemption_bound >= 0 || opts_.delay_bound >= 0))
    throw std::invalid_argument("dfs: preemption/delay bounds need reduction none (bounded POR is unsound)");
}

void DfsStrategy::reset() {
  nodes_.clear();
  more_ = true;
  error_.clear();
  executions_ = redundant_ = fallbacks_ = 0;
  knuth_sum_ = 0;
}

void DfsStrategy::begin(std::uint64_t) {
  if (!more_) reset();
  log_.clear();
  objs_.clear();
  sleep_foot_.clear();
  events_.clear();
  parsed_ = closed_ = 0;
  pending_node_ = -1;
  pos_ = 0;
  free_ = blocked_ = false;
  cut_ = 0;
  used_preemptions_ = used_delays_ = 0;
  sleep_ = sleep_wide_ = 0;
}

void DfsStrategy::fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
  free_ = true;
}

ActorId DfsStrategy::fallback(const PickRequest& req) const {
  if (req.current_runnable) return req.current;
  return req.runnable[0];
}

// ---- bounds ----

ActorId DfsStrategy::default_choice(const Node& n) {
  if (n.current_runnable) return n.current;
  const ActorMask above = n.current >= 63 ? 0 : n.runnable & ~((bit_of(static_cast<ActorId>(n.current + 1))) - 1);
  return static_cast<ActorId>(std::countr_zero(above ? above : n.runnable));
}

unsigned DfsStrategy::preemption_cost(const Node& n, ActorId a) {
  return n.current_runnable && a != n.current ? 1 : 0;
}

unsigned DfsStrategy::delay_cost(const Node& n, ActorId a) {
  const ActorId d = default_choice(n);
  auto below = [](ActorId x) { return x >= 64 ? ~ActorMask{0} : bit_of(x) - 1; };
  if (a >= d) return static_cast<unsigned>(std::popcount(n.runnable & below(a) & ~below(d)));
  return static_cast<unsigned>(std::popcount(n.runnable & ~below(d)) + std::popcount(n.runnable & below(a)));
}

bool DfsStrategy::allowed(const Node& n, ActorId a) const {
  if (opts_.preemption_bound >= 0 &&
      n.preemptions + preemption_cost(n, a) > static_cast<unsigned>(opts_.preemption_bound))
    return false;
  if (opts_.delay_bound >= 0 && n.delays + delay_cost(n, a) > static_cast<unsigned>(opts_.delay_bound))
    return false;
  return true;
}

ActorMask DfsStrategy::alternatives(const Node& n) const {
  if (opts_.reduction == Reduction::Dpor) return n.backtrack & n.runnable & ~n.sleep;
  ActorMask m = 0;
  for (ActorMask r = n.runnable & ~n.sleep; r; r &= r - 1) {
    const auto a = static_cast<ActorId>(std::countr_zero(r));
    if (allowed(n, a)) m |= bit_of(a);
  }
  return m;
}

// ---- the step log, turned into events; sleep sets follow every executed step ----

void DfsStrategy::sync() {
  for (; parsed_ < log_.size(); ++parsed_) {
    const StepRecord& r = log_[parsed_];
    if (r.obj && (r.kind == StepRecord::Kind::Step || touched(r) != Access::None)) objs_.number(r.obj);
    if (r.kind == StepRecord::Kind::Step) {
      const auto at = static_cast<std::uint32_t>(parsed_ + 1);
      events_.push_back({r.actor, r.access, r.obj, at, at, pending_node_, false});
      pending_node_ = -1;
    } else if (!events_.empty()) {
      DporEvent& e = events_.back();
      e.rec_end = static_cast<std::uint32_t>(parsed_ + 1);
      if (r.kind == StepRecord::Kind::Spawn) e.wide = true;
    }
  }
}

// The chosen step of node n: what it touched beyond its announced op, by object number, so
// that it can sleep at this node in later executions. An object first seen in this very step
// has no number an execution sharing only the prefix would agree on: then the step is wide.
void DfsStrategy::record_foot(Node& n, const DporEvent& e) {
  const ActorMask bit = bit_of(e.actor);
  if (e.wide) n.wide |= bit;
  if (n.footed & bit) return;
  n.footed |= bit;
  for (std::uint32_t r = e.rec_begin; r < e.rec_end; ++r) {
    const Access a = touched(log_[r]);
    if (a == Access::None || (log_[r].obj == e.obj && e.access != Access::None && (e.access == Access::Write || a == Access::Read)))
      continue;  // nothing, or covered by the announced op
    const std::uint32_t num = objs_.find(log_[r].obj);
    if (num >= n.numbered) {
      n.wide |= bit;
      continue;
    }
    const FootEntry f{e.actor, a, num};
    if (std::find(n.foot.begin(), n.foot.end(), f) == n.foot.end()) n.foot.push_back(f);
  }
}

bool DfsStrategy::sleeper_touches(ActorId q, const DporEvent& e) const {
  for (const SleepAccess& s : sleep_foot_)
    if (s.actor == q && dependent(s.op, e, log_)) return true;
  return false;
}

// After node n's step: its sleepers plus the alternatives explored before the chosen one,
// with their footprints in this execution's addresses. Unknown footprints (a restored
// frontier) make a sleeper wide.
void DfsStrategy::enter_sleep(const Node& n, ActorMask earlier) {
  sleep_ = n.sleep | earlier;
  sleep_wide_ = n.sleep_wide | (n.wide & earlier) | (sleep_ & ~n.footed);
  sleep_foot_.clear();
  for (const FootEntry& f : n.foot) {
    if (!(sleep_ & bit_of(f.actor))) continue;
    if (f.num < objs_.count())
      sleep_foot_.push_back({f.actor, {objs_.key(f.num), f.access}});
    else
      sleep_wide_ |= bit_of(f.actor);  // a frontier from another program: stay conservative
  }
}

void DfsStrategy::close_events() {
  for (; closed_ < events_.size(); ++closed_) {
    const DporEvent& e = events_[closed_];
    if (e.actor >= kMaxMaskActors) return fail("dfs: actor ids above 63 are not supported");
    if (e.node >= 0) record_foot(nodes_[static_cast<std::size_t>(e.node)], e);
    if (blocked_ || free_) continue;
    if (sleep_ & bit_of(e.actor)) {  // a forced step of a sleeping actor: covered elsewhere
      blocked_ = free_ = true;
      cut_ = closed_;
      continue;
    }
    for (ActorMask s = sleep_; s; s &= s - 1) {
      const auto q = static_cast<ActorId>(std::countr_zero(s));
      if ((sleep_wide_ & bit_of(q)) || dependent(sleep_op_[q], e, log_) || sleeper_touches(q, e)) {
        sleep_ &= ~bit_of(q);
        sleep_wide_ &= ~bit_of(q);
      }
    }
  }
}

// ---- decisions ----

ActorId DfsStrategy::pick(const PickRequest& req) {
  const bool reduce = opts_.reduction != Reduction::None;
  if (reduce) {
    sync();
    close_events();
  }
  if (free_) return fallback(req);
  ActorMask runnable = 0;
  for (ActorId a : req.runnable) {
    if (a >= kMaxMaskActors) {
      fail("dfs: actor ids above 63 are not supported");
      return fallback(req);
    }
    runnable |= bit_of(a);
    if (reduce && req.pending[a].obj) objs_.number(req.pending[a].obj);  // the same on every re-run
  }
  const std::size_t k = pos_;
  if (k < nodes_.size()) {
    const Node& n = nodes_[k];
    if (n.is_draw || n.runnable != runnable) {
      fail(fmt::format("dfs: the program is not deterministic: decision {} {} but was recorded as {}", k,
                       fmt::format("has runnable set {:x}", runnable),
                       n.is_draw ? std::string("a draw") : fmt::format("runnable set {:x}", n.runnable)));
      return fallback(req);
    }
  } else {
    Node n;
    n.runnable = runnable;
    n.current = req.current;
    n.current_runnable = req.current_runnable;
    n.preemptions = static_cast<std::uint16_t>(used_preemptions_);
    n.delays = static_cast<std::uint16_t>(used_delays_);
    if (reduce) {
      n.sleep = sleep_ & runnable;
      n.sleep_wide = sleep_wide_ & n.sleep;
      n.footed = n.sleep;
      for (const SleepAccess& s : sleep_foot_)
        if (n.sleep & bit_of(s.actor)) n.foot.push_back({s.actor, s.op.access, objs_.find(s.op.obj)});
    }
    const ActorMask avail = runnable & ~n.sleep;
    if (avail == 0) {  // every runnable actor sleeps: this execution repeats an earlier one
      blocked_ = free_ = true;
      cut_ = events_.size();
      return fallback(req);
    }
    const ActorId d = default_choice(n);
    n.chosen = (avail & bit_of(d)) ? d : static_cast<ActorId>(std::countr_zero(avail));
    n.done = bit_of(static_cast<ActorId>(n.chosen));
    n.backtrack = opts_.reduction == Reduction::Dpor ? n.done : runnable;
    nodes_.push_back(n);
  }
  Node& n = nodes_[k];
  n.numbered = objs_.count();
  const auto chosen = static_cast<ActorId>(n.chosen);
  used_preemptions_ += preemption_cost(n, chosen);
  used_delays_ += delay_cost(n, chosen);
  if (reduce) {
    // After this step: the node's sleepers, plus the alternatives explored before `chosen`.
    enter_sleep(n, n.done & ~bit_of(chosen));
    for (ActorMask s = sleep_; s; s &= s - 1) {
      const auto q = static_cast<ActorId>(std::countr_zero(s));
      sleep_op_[q] = req.pending[q];
    }
    pending_node_ = static_cast<std::int32_t>(k);
  }
  ++pos_;
  return chosen;
}

std::uint64_t DfsStrategy::draw(std::uint64_t bound) {
  if (opts_.reduction != Reduction::None) {
    sync();
    if (!events_.empty()) events_.back().wide = true;  // its footprint may depend on the value
  }
  if (free_) return 0;
  const std::size_t k = pos_;
  if (k < nodes_.size()) {
    const Node& n = nodes_[k];
    if (!n.is_draw || n.bound != bound) {
      fail(fmt::format("dfs: the program is not deterministic: decision {} is a draw below {} but was recorded as {}",
                       k, bound, n.is_draw ? fmt::format("a draw below {}", n.bound) : std::string("a pick")));
      return 0;
    }
  } else {
    Node n;
    n.is_draw = true;
    n.bound = bound;
    n.chosen = 0;
    nodes_.push_back(n);
  }
  ++pos_;
  return nodes_[k].chosen;
}

bool DfsStrategy::end() {
  if (opts_.reduction != Reduction::None) {
    sync();
    close_events();
  }
  ++executions_;
  if (blocked_) ++redundant_;
  if (!error_.empty()) return more_ = false;
  nodes_.resize(std::min(pos_, nodes_.size()));

  if (opts_.reduction == Reduction::Dpor) {
    const std::size_t n = blocked_ ? cut_ : events_.size();
    for (const DporRace& r : races_.analyze(log_, std::span<const DporEvent>(events_.data(), n))) {
      Node& node = nodes_[static_cast<std::size_t>(events_[r.i].node)];
      if (r.initials & (node.backtrack | node.sleep)) continue;
      const ActorMask can = r.initials & node.runnable;
      // Initials are runnable before e_i by construction; stay conservative if not.
      if (can == 0) ++fallbacks_;
      node.backtrack |= can ? (can & (~can + 1)) : (node.runnable & ~node.sleep);
    }
  }

  double product = 1;
  for (const Node& nd : nodes_)
    product *= nd.is_draw ? static_cast<double>(nd.bound) : std::max(1, std::popcount(alternatives(nd)));
  knuth_sum_ += product;

  while (!nodes_.empty()) {
    Node& n = nodes_.back();
    if (n.is_draw) {
      if (n.chosen + 1 < n.bound) {
        ++n.chosen;
        return more_ = true;
      }
    } else if (const ActorMask cand = alternatives(n) & ~n.done; cand != 0) {
      n.chosen = static_cast<std::uint32_t>(std::countr_zero(cand));
      n.done |= cand & (~cand + 1);
      return more_ = true;
    }
    nodes_.pop_back();
  }
  return more_ = false;
}

// ---- estimate ----

DfsEstimate DfsStrategy::estimate() const {
  DfsEstimate e;
  e.executions = executions_;
  e.redundant = redundant_;
  e.knuth_total = executions_ ? knuth_sum_ / static_cast<double>(executions_) : 0;
  if (!more_) {
    e.progress = executions_ ? 1 : 0;
  } else {
    // Leaves strictly left of the next execution's path, as a fraction of the whole tree.
    double weight = 1;
    for (const Node& n : nodes_) {
      double total, before;
      if (n.is_draw) {
        total = static_cast<double>(n.bound);
        before = n.chosen;
      } else {
        total = std::max(1, std::popcount(alternatives(n) | n.done));
        before = std::popcount(n.done) - 1;
      }
      e.progress += weight * before / total;
      weight /= total;
    }
  }
  e.estimated_total = e.progress > 0 ? static_cast<double>(executions_) / e.progress : 0;
  return e;
}

// ---- frontier ----

std::string DfsStrategy::save() const {
  std::string s = fmt::format("dfs-frontier 2\noptions {} {} {}\nexplored {} {} {} {}\nnodes {}\n",
                              to_string(opts_.reduction), opts_.preemption_bound, opts_.delay_bound,
                              executions_, redundant_, more_ ? 1 : 0, knuth_sum_, nodes_.size());
  for (const Node& n : nodes_) {
    if (n.is_draw)
      s += fmt::format("d {} {}\n", n.chosen, n.bound);
    else {
      s += fmt::format("p {} {:x} {:x} {:x} {:x} {:x} {:x} {} {} {:x} {}", n.chosen, n.runnable, n.backtrack, n.done,
                       n.sleep, n.sleep_wide, n.wide, n.current, n.current_runnable ? 1 : 0, n.footed, n.foot.size());
      for (const FootEntry& f : n.foot) s += fmt::format(" {} {} {}", f.actor, f.access == Access::Write ? 'w' : 'r', f.num);
      s += '\n';
    }
  }
  return s;
}

namespace {

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  std::string_view word() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n')) ++pos_;
    const std::size_t b = pos_;
    while (pos_ < s_.size() && s_[pos_] != ' ' && s_[pos_] != '\n') ++pos_;
    if (b == pos_) bad("unexpected end");
    return s_.substr(b, pos_ - b);
  }
  void expect(std::string_view w) {
    if (word() != w) bad(fmt::format("expected '{}'", w));
  }
  template <class T>
  T num(int base = 10) {
    const std::string_view w = word();
    T v{};
    const auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v, base);
    if (ec != std::errc{} || p != w.data() + w.size()) bad(fmt::format("bad number '{}'", w));
    return v;
  }
  double real() {
    const std::string_view w = word();
    double v = 0;
    const auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
    if (ec != std::errc{} || p != w.data() + w.size()) bad(fmt::format("bad number '{}'", w));
    return v;
  }
  bool at_end() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n')) ++pos_;
    return pos_ == s_.size();
  }
  [[noreturn]] void bad(const std::string& why) const {
    throw std::invalid_argument(fmt::format("dfs frontier: {} at offset {}", why, pos_));
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

void DfsStrategy::restore(std::string_view frontier) {
  Reader r(frontier);
  r.expect("dfs-frontier");
  r.expect("2");
  r.expect("options");
  if (r.word() != to_string(opts_.reduction) || r.num<int>() != opts_.preemption_bound ||
      r.num<int>() != opts_.delay_bound)
    r.bad("made with other options");
  r.expect("explored");
  const auto executions = r.num<std::uint64_t>();
  const auto redundant = r.num<std::uint64_t>();
  const auto more = r.num<int>();
  const double knuth = r.real();
  r.expect("nodes");
  const auto count = r.num<std::size_t>();
  std::vector<Node> nodes;
  for (std::size_t i = 0; i < count; ++i) {
    Node n;
    const std::string_view kind = r.word();
    if (kind == "d") {
      n.is_draw = true;
      n.chosen = r.num<std::uint32_t>();
      n.bound = r.num<std::uint64_t>();
      if (n.chosen >= n.bound) r.bad("draw value out of bounds");
    } else if (kind == "p") {
      n.chosen = r.num<std::uint32_t>();
      n.runnable = r.num<ActorMask>(16);
      n.backtrack = r.num<ActorMask>(16);
      n.done = r.num<ActorMask>(16);
      n.sleep = r.num<ActorMask>(16);
      n.sleep_wide = r.num<ActorMask>(16);
      n.wide = r.num<ActorMask>(16);
      n.current = r.num<ActorId>();
      n.current_runnable = r.num<int>() != 0;
      n.footed = r.num<ActorMask>(16);
      for (auto m = r.num<std::size_t>(); m > 0; --m) {
        FootEntry f{};
        f.actor = r.num<ActorId>();
        const std::string_view a = r.word();
        if (a != "r" && a != "w") r.bad("expected r or w");
        f.access = a == "w" ? Access::Write : Access::Read;
        f.num = r.num<std::uint32_t>();
        if (f.actor >= kMaxMaskActors) r.bad("actor id out of range");
        n.foot.push_back(f);
      }
      if (n.chosen >= kMaxMaskActors || !(n.runnable & bit_of(static_cast<ActorId>(n.chosen))) ||
          !(n.done & bit_of(static_cast<ActorId>(n.chosen))))
        r.bad("chosen actor not runnable");
    } else {
      r.bad("expected a node");
    }
    nodes.push_back(n);
  }
  if (!r.at_end()) r.bad("trailing data");
  nodes_ = std::move(nodes);
  executions_ = executions;
  redundant_ = redundant;
  more_ = more != 0;
  knuth_sum_ = knuth;
  error_.clear();
  recompute_budgets();
}

void DfsStrategy::recompute_budgets() {
  unsigned p = 0, d = 0;
  for (Node& n : nodes_) {
    if (n.is_draw) continue;
    n.preemptions = static_cast<std::uint16_t>(p);
    n.delays = static_cast<std::uint16_t>(d);
    p += preemption_cost(n, static_cast<ActorId>(n.chosen));
    d += delay_cost(n, static_cast<ActorId>(n.chosen));
  }
}

}  // namespace dc::sched
