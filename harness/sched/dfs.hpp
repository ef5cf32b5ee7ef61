// Bounded exhaustive exploration: enumerates executions depth first, one per begin()..end(),
// re-running the program from the start each time (stateless model checking). Every real
// choice (pick among >= 2 runnable actors) and every draw is a node of the DFS stack; end()
// moves to the next unexplored alternative and returns false when nothing is left.
//
//   Reduction::None       every schedule (optionally within a preemption / delay bound)
//   Reduction::SleepSets  every schedule up to reordering of adjacent independent steps,
//                         pruned with sleep sets (Godefroid 1996)
//   Reduction::Dpor       source-DPOR with sleep sets (Abdulla et al., POPL 2014): one or a
//                         few executions per Mazurkiewicz trace
//
// Bounds (CHESS-style) apply to Reduction::None only: combining them with a reduction is not
// sound without extra machinery (Coons, Musuvathi, McKinley, OOPSLA 2013), so the
// constructor refuses it. Actor ids must stay below 64 (bit masks); more is reported by
// error() and stops the search. Draw values are all explored, never reduced.
//
// Driving loop:
//   DfsStrategy dfs({.reduction = Reduction::Dpor});
//   do { sched.begin(dfs, 0); spawn(...); sched.finish(); } while (dfs.more());
// save() serializes the frontier between two executions; restore() on a fresh strategy
// continues from there (format in dfs.cpp). docs/exploration.md has the details.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/sched/dpor.hpp"
#include "harness/sched/strategy.hpp"

namespace dc::sched {

enum class Reduction : std::uint8_t { None, SleepSets, Dpor };
const char* to_string(Reduction r);

struct DfsOptions {
  Reduction reduction = Reduction::Dpor;
  int preemption_bound = -1;  // < 0: unbounded. A preemption = switching away from an actor
                              // that could continue (PickRequest::current_runnable).
  int delay_bound = -1;       // < 0: unbounded. Choosing the k-th runnable actor after the
                              // default one (round robin from the current actor) costs k.
};

struct DfsEstimate {
  std::uint64_t executions = 0;  // executions finished so far
  std::uint64_t redundant = 0;   // of which sleep-set blocked (a reordering of an earlier one)
  double progress = 0;           // fraction of the tree done, assuming equal subtrees
  double estimated_total = 0;    // executions / progress
  double knuth_total = 0;        // mean over executions of the product of branching factors
  // Seconds left, given the seconds spent so far (from progress).
  double eta_seconds(double elapsed) const;
};

class DfsStrategy final : public Strategy {
 public:
  explicit DfsStrategy(DfsOptions opts = {});

  void begin(std::uint64_t seed) override;  // seed unused: the DFS stack decides
  ActorId pick(const PickRequest& req) override;
  std::uint64_t draw(std::uint64_t bound) override;
  bool end() override;
  StepLog* step_log() override { return &log_; }

  bool more() const { return more_ && error_.empty(); }
  std::uint64_t executions() const { return executions_; }
  std::uint64_t redundant() const { return redundant_; }
  bool last_redundant() const { return blocked_; }  // the last execution was sleep-set blocked
  // Races whose initials were not runnable where the race began (the conservative fallback
  // then adds every runnable actor). Stays 0 when happens-before is complete.
  std::uint64_t fallbacks() const { return fallbacks_; }
  const std::string& error() const { return error_; }  // non-empty: search stopped (divergence...)
  const DfsOptions& options() const { return opts_; }
  const StepLog& steps() const { return log_; }  // every step of the last execution
  DfsEstimate estimate() const;

  // Frontier, between executions. restore() throws std::invalid_argument on a malformed
  // string or one made with other options.
  std::string save() const;
  void restore(std::string_view frontier);
  void reset();  // forget everything, start the search over

 private:
  // An access a step made beyond its announced op, by object number (ObjNumbering).
  struct FootEntry {
    ActorId actor;
    Access access;
    std::uint32_t num;
    friend bool operator==(const FootEntry&, const FootEntry&) = default;
  };
  struct Node {
    bool is_draw = false;
    std::uint32_t chosen = 0;  // actor or value
    std::uint64_t bound = 0;   // draw
    ActorMask runnable = 0, backtrack = 0, done = 0, sleep = 0, sleep_wide = 0, wide = 0;
    ActorId current = kNoActor;
    bool current_runnable = false;
    std::uint16_t preemptions = 0, delays = 0;  // spent before this node
    // Sleepers' and explored alternatives' accesses beyond their announced op (`footed`:
    // whose are known; `wide`: whose step is not described by them, e.g. it spawned).
    std::vector<FootEntry> foot;
    ActorMask footed = 0;
    std::uint32_t numbered = 0;  // objects numbered when the node was reached
  };

  void sync();
  void close_events();
  void record_foot(Node& n, const DporEvent& e);
  bool sleeper_touches(ActorId q, const DporEvent& e) const;
  void enter_sleep(const Node& n, ActorMask earlier);
  ActorId fallback(const PickRequest& req) const;
  void fail(std::string why);
  bool allowed(const Node& n, ActorId a) const;
  static unsigned preemption_cost(const Node& n, ActorId a);
  static unsigned delay_cost(const Node& n, ActorId a);
  static ActorId default_choice(const Node& n);
  ActorMask alternatives(const Node& n) const;  // everything this node will try
  void recompute_budgets();

  DfsOptions opts_;
  std::vector<Node> nodes_;  // the DFS stack: the path of the current / next execution
  std::size_t pos_ = 0;      // next node of this execution
  bool more_ = true;
  bool free_ = false;        // no more nodes this execution (blocked or error)
  bool blocked_ = false;     // sleep-set blocked at event cut_
  std::size_t cut_ = 0;
  std::string error_;
  std::uint64_t executions_ = 0, redundant_ = 0, fallbacks_ = 0;
  double knuth_sum_ = 0;
  unsigned used_preemptions_ = 0, used_delays_ = 0;

  // step log -> events, sleep set of the running execution
  StepLog log_;
  std::vector<DporEvent> events_;
  std::size_t parsed_ = 0, closed_ = 0;
  std::int32_t pending_node_ = -1;
  ActorMask sleep_ = 0, sleep_wide_ = 0;
  std::array<PendingOp, kMaxMaskActors> sleep_op_{};
  struct SleepAccess {
    ActorId actor;
    PendingOp op;  // in this execution's addresses
  };
  std::vector<SleepAccess> sleep_foot_;  // sleepers' accesses beyond sleep_op_
  ObjNumbering objs_;                    // the objects of this execution, numbered
  RaceAnalyzer races_;
};

}  // namespace dc::sched
