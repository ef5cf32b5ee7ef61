// Interleaving coverage (docs/coverage.md): what the executions of a campaign or an
// exploration exercised, over the engine's named sites.
// - Access pairs: ordered pairs (first site -> second site) of conflicting accesses (same
//   object, at least one a write) by different actors, in the order the steps ran. Each
//   access pairs with the object's last write, and a write also with the reads since that
//   write: the communications of the execution (Krace's alias coverage, Snowboard's PMCs), at
//   a cost linear in the accesses.
// - Completion cases: which row of the race table each direct I/O took (engine-spec §3.6 for
//   3.x: A, B, C1, C2, D; iomap-spec §3.6 for 6.x: A, B1, B2, B4) and in which context each
//   AIO completion was delivered (irq, worker, submitter).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "harness/run/stamped_table.hpp"
#include "harness/sched/types.hpp"
#include "model/config.hpp"
#include "model/event.hpp"
#include "model/workload.hpp"

namespace dc::harness {

struct SitePair {
  sched::Site first, second;
  friend bool operator==(const SitePair&, const SitePair&) = default;
};
struct SitePairHash {
  std::size_t operator()(const SitePair& p) const noexcept;
};
struct ObjectHash {  // objects are aligned: mix the address so its low bits spread
  std::size_t operator()(const void* p) const noexcept {
    const std::uint64_t x = reinterpret_cast<std::uintptr_t>(p) * 0x9e3779b97f4a7c15ULL;
    return static_cast<std::size_t>(x ^ (x >> 29));
  }
};
// "generic_perform_write:214" for a site (the function's bare name and the line).
std::string site_name(const sched::Site& s);

// Records one execution's access pairs; install it on the runner's scheduler.
class PairRecorder final : public sched::AccessObserver {
 public:
  void begin();  // before each execution
  void on_access(sched::ActorId actor, const void* obj, sched::Access a, sched::Site site) override;
  // This execution's distinct pairs, in the order they first occurred.
  const std::vector<SitePair>& pairs() const { return pairs_; }

 private:
  struct Reader {
    sched::ActorId actor;
    sched::Site site;
  };
  struct ObjState {
    bool written = false;
    sched::ActorId writer = sched::kNoActor;
    sched::Site write_site;
    std::vector<Reader> readers;  // since the last write, distinct (actor, site)
  };
  ObjState& state(const void* obj);
  void emit(const sched::Site& first, const sched::Site& second);

  StampedTable<const void*, std::uint32_t, ObjectHash> index_;  // object -> states_ slot
  std::vector<ObjState> states_;  // reused across executions (their reader vectors too)
  std::size_t used_ = 0;
  StampedTable<SitePair, bool, SitePairHash> seen_;  // pairs_ as a set
  std::vector<SitePair> pairs_;
};

// The race-table row of every direct I/O and the context of every AIO completion in a
// trace, as "case:C1", "ctx:worker", ... (sorted, unique).
std::vector<std::string> completion_cases(const model::Trace& t, const model::Workload& w, model::Kernel k);

// When coverage stops growing: estimates from the hit counts (how many executions reached
// each pair). f1 / f2 = pairs reached by exactly one / two executions.
struct Saturation {
  std::uint64_t pairs = 0, f1 = 0, f2 = 0;
  double chao1 = 0;        // Chao1 estimate of the pairs this search can reach
  double reached = 1;      // pairs / chao1
  // Good-Turing: the chance that the next execution reaches a new pair is about f1 / n, so
  // doubling the budget is expected to add about f1 pairs.
  double new_if_doubled = 0;
};
Saturation saturation(const std::unordered_map<SitePair, std::uint32_t, SitePairHash>& hits);

struct CoveragePoint {
  std::uint64_t executions = 0, pairs = 0;
  std::size_t findings = 0;
};

// Coverage over many executions, merged from any number of worker threads.
class CoverageMap {
 public:
  // One execution of (kernel, fs) cell `cell`.
  void add(std::size_t cell, const std::vector<SitePair>& pairs, const std::vector<std::string>& cases);
  // Samples the growth curve: at most one point per call, only when `executions` passed the
  // next checkpoint (a geometric series, so a long campaign keeps a short curve).
  void sample(std::uint64_t executions, std::size_t findings);
  std::uint64_t pairs() const;
  Saturation saturation() const;
  std::uint64_t cell_pairs(std::size_t cell) const;
  std::map<std::string, std::uint64_t> cell_cases(std::size_t cell) const;  // case -> executions
  std::vector<CoveragePoint> curve() const;
  // The most-reached pairs first, ties by name: "a -> b" and its execution count.
  std::vector<std::pair<std::string, std::uint32_t>> top_pairs(std::size_t n) const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<SitePair, std::uint32_t, SitePairHash> all_;
  std::vector<std::unordered_map<SitePair, std::uint32_t, SitePairHash>> cells_;
  std::vector<std::map<std::string, std::uint64_t>> cases_;
  std::vector<CoveragePoint> curve_;
  std::uint64_t next_sample_ = 1;
};

// What a campaign or an exploration covered, read off its CoverageMap at the end.
struct CoverageSummary {
  std::uint64_t pairs = 0;
  Saturation saturation;
  std::vector<CoveragePoint> curve;            // coverage and findings against executions
  std::vector<std::uint64_t> cell_pairs;       // by cell
  std::vector<std::map<std::string, std::uint64_t>> cell_cases;  // by cell: case -> executions
  std::vector<std::pair<std::string, std::uint32_t>> top_pairs;  // the most reached
};
CoverageSummary summarize(const CoverageMap& m, std::size_t cells);

}  // namespace dc::harness
