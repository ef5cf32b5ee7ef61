// read-size-with-data (model/size_with_data.cpp): a read that sees an extending write's size
// must see its data where only that write put the file.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "model/test/trace_builder.hpp"

namespace dc::model::test {
namespace {

constexpr std::uint64_t kB = 4096;

bool flagged(const Workload& w, const Trace& t) {
  const auto v = props(check(w, Config{}, t));
  return std::count(v.begin(), v.end(), "read-size-with-data") > 0;
}

// Task 0: an AIO write appending block 1 (in flight); task 1: a read (`reader`, O_DIRECT by
// default) of blocks 0-1 that returns both blocks while the write is still in flight, with
// `seen` in block 1.
Trace append_race(const Workload& w, std::uint32_t seen) {
  TraceBuilder b;
  b.begin(w.tasks[0].ops[0]);
  b.end(0, 1);
  b.begin(w.tasks[1].ops[0]);
  std::vector<std::uint32_t> ids(8, kInitialData);
  ids.resize(16, seen);
  b.read_data(1, 0, static_cast<std::int64_t>(2 * kB), ids);
  b.end(1, static_cast<std::int64_t>(2 * kB));
  b.begin(w.tasks[0].ops[1]);
  b.reaped(0, static_cast<std::int64_t>(kB));
  b.end(2, 1);
  return b.t;
}

Workload append_workload(OpKind reader = OpKind::PRead) {
  Workload w = workload({{mk(OpKind::AioWrite, 0, kB, kB), mk(OpKind::GetEvents, 2)}, {mk(reader, 1, 0, 2 * kB)}}, kB);
  w.written = {{0, kB}};
  return w;
}

TEST(SizeWithData, ZerosWhereOnlyTheInFlightAppendPutTheFileAreFlagged) {
  const Workload w = append_workload();
  EXPECT_TRUE(flagged(w, append_race(w, kZero)));
  // The same read with the write's data is fine, and the per-sector rules alone accept both.
  EXPECT_FALSE(flagged(w, append_race(w, write_id_of(w.tasks[0].ops[0]))));
  EXPECT_TRUE(check_observable(w, append_race(w, kZero)).empty());
}

// A buffered read racing a direct write is not coherent with it: it may hold a page read in as
// zeros past the old EOF and check i_size afterwards (do_generic_file_read).
TEST(SizeWithData, ABufferedReadRacingTheDirectWriteIsExcused) {
  const Workload w = append_workload(OpKind::BufRead);
  EXPECT_FALSE(flagged(w, append_race(w, kZero)));
}

TEST(SizeWithData, ZerosInsideTheInitialSizeAreNotItsBusiness) {
  Workload w = append_workload();
  w.initial_size = 2 * kB;  // block 1 was already a hole inside the file
  EXPECT_FALSE(flagged(w, append_race(w, kZero)));
}

TEST(SizeWithData, AWriteThatFailedPromisesNoData) {
  const Workload w = append_workload();
  Trace t = append_race(w, kZero);
  for (Event& e : t.events)
    if (e.kind == EvKind::AioReaped) e.a = -5;
  EXPECT_FALSE(flagged(w, t));
}

TEST(SizeWithData, AHolePastWhichAnotherWriteExtendsReadsAsZeros) {
  // A second write (task 2) past block 1 also extends the file: block 1 may be a hole.
  Workload w = workload({{mk(OpKind::AioWrite, 0, kB, kB), mk(OpKind::GetEvents, 2)}, {mk(OpKind::PRead, 1, 0, 2 * kB)},
                         {mk(OpKind::PWrite, 3, 2 * kB, kB)}},
                        kB);
  w.written = {{0, kB}};
  TraceBuilder b;
  b.begin(w.tasks[2].ops[0]);
  b.end(3, static_cast<std::int64_t>(kB));
  const Trace race = append_race(w, kZero);
  for (const Event& e : race.events) {
    Event c = e;
    if (e.kind == EvKind::ReadData) c.data = static_cast<std::uint32_t>(b.t.data.size());
    b.t.events.push_back(c);
  }
  b.t.data.insert(b.t.data.end(), race.data.begin(), race.data.end());
  EXPECT_FALSE(flagged(w, b.t));
}

}  // namespace
}  // namespace dc::model::test
