// The per-execution coverage recorder: which access pairs one execution yields
// (harness/run/coverage.hpp), and the stamped table it keeps its state in.
#include <gtest/gtest.h>

#include "harness/run/coverage.hpp"
#include "harness/run/stamped_table.hpp"

namespace dc::harness {
namespace {

using sched::Access;

const sched::Site kW1{"writer_one", 1}, kW2{"writer_two", 2}, kR1{"reader_one", 3};

TEST(PairRecorder, PairsConflictingAccessesOfDifferentActorsOnceInFirstOrder) {
  PairRecorder r;
  int a = 0, b = 0;
  r.begin();
  r.on_access(0, &a, Access::Write, kW1);
  r.on_access(0, &a, Access::Read, kR1);   // same actor: no pair
  r.on_access(1, &a, Access::Read, kR1);   // W1 -> R1
  r.on_access(1, &a, Access::Read, kR1);   // again: not a new pair
  r.on_access(0, &a, Access::Write, kW2);  // R1 (actor 1) -> W2, and W1 was the last write by actor 0: no pair
  r.on_access(1, &b, Access::Read, kR1);   // other object, never written: nothing
  r.on_access(0, &b, Access::Write, kW1);  // R1 -> W1 on b
  r.on_access(1, &a, Access::Read, kR1);   // W2 -> R1
  r.on_access(1, &a, Access::Read, kR1);
  const std::vector<SitePair> want{{kW1, kR1}, {kR1, kW2}, {kR1, kW1}, {kW2, kR1}};
  EXPECT_EQ(r.pairs(), want);
  r.begin();  // a new execution starts empty: the old objects' state is gone
  r.on_access(1, &a, Access::Read, kR1);
  EXPECT_TRUE(r.pairs().empty());
}

struct IntHash {
  std::size_t operator()(int k) const noexcept { return static_cast<std::size_t>(k) * 0x9e3779b97f4a7c15ULL >> 7; }
};

TEST(StampedTable, KeepsEveryKeyAcrossGrowthAndForgetsThemOnClear) {
  StampedTable<int, int, IntHash> t;
  bool fresh = false;
  for (int round = 0; round < 3; ++round) {
    for (int k = 0; k < 1000; ++k) {
      t.find_or_add(k, fresh) = k * 2;
      EXPECT_TRUE(fresh) << "round " << round << " key " << k;
    }
    EXPECT_EQ(t.size(), 1000u);
    for (int k = 0; k < 1000; ++k) {
      EXPECT_EQ(t.find_or_add(k, fresh), k * 2);
      EXPECT_FALSE(fresh);
    }
    t.clear();
    EXPECT_EQ(t.size(), 0u);
  }
}

}  // namespace
}  // namespace dc::harness
