// The campaign generators (harness/gen/direct_gen.hpp) must draw exactly what the rapidcheck
// generators draw for the same seed and size: campaigns, the kill matrix, the mutant kill
// tests and the recorded campaign findings all name workloads by (campaign seed, execution
// index), and that mapping must not move. Checked for every option set the project uses
// (the default campaign, the old size-scaled space, crash workloads, every mutant's tuned
// settings, configs with and without faults) over many seeds.
#include <gtest/gtest.h>

#include <ostream>

#include <fmt/format.h>

#include "harness/gen/direct_gen.hpp"
#include "harness/run/campaign.hpp"
#include "harness/run/corpus.hpp"
#include "harness/run/kill_matrix.hpp"
#include "harness/sched/rng.hpp"
#include "harness/run/mutant_catalogue.hpp"

namespace dc::model {
// Readable failures: the workload / config as a corpus file shows them.
void PrintTo(const Workload& w, std::ostream* os) {
  harness::Case c;
  c.workload = w;
  *os << harness::to_json(c);
}
void PrintTo(const Config& cfg, std::ostream* os) {
  harness::Case c;
  c.config = cfg;
  *os << harness::to_json(c);
}
}  // namespace dc::model

namespace dc::gen {
namespace {

struct Named {
  std::string name;
  GenOptions o;
};

std::vector<Named> option_sets() {
  std::vector<Named> v;
  v.push_back({"default", {}});
  GenOptions scaled;
  scaled.full_range = false;
  v.push_back({"size-scaled", scaled});
  GenOptions crash;
  crash.crash = true;
  crash.max_tasks = 4;
  crash.max_ops = 6;
  v.push_back({"crash", crash});
  GenOptions files = crash;  // several files (issue 14): fuzz --files
  files.files = 3;
  v.push_back({"files", files});
  GenOptions lifecycle = crash;  // open-file lifecycle (issue 14): fuzz --lifecycle
  lifecycle.lifecycle = true;
  v.push_back({"lifecycle", lifecycle});
  lifecycle.files = 2;
  v.push_back({"lifecycle-files", lifecycle});
  GenOptions uring = crash;  // io_uring front end (issue 15): fuzz --io-uring on a 6.x cell
  uring.io_uring = true;
  uring.kernels = {model::Kernel::V6_18};
  v.push_back({"io-uring", uring});
  uring.lifecycle = true;  // the main job's options plus --io-uring
  v.push_back({"io-uring-lifecycle", uring});
  GenOptions plain;
  plain.misaligned = plain.sub_block = plain.buffered = plain.truncate = plain.faults = plain.preallocated = false;
  plain.kernels = {std::begin(model::kDirectIoKernels), std::end(model::kDirectIoKernels)};
  v.push_back({"plain", plain});
  for (const auto& m : harness::mutant_catalogue())
    v.push_back({std::string(m.name), harness::mutant_gen_options(m.id)});
  return v;
}

TEST(DirectGen, DrawsWhatRapidcheckDraws) {
  for (const auto& [name, o] : option_sets())
    for (const int size : {rc::kNominalSize, 50}) {
      const auto wg = workload(o);
      const auto cg = config(o);
      for (std::uint64_t i = 0; i < 400; ++i) {
        const std::uint64_t seed = sched::mix_seed(0xd1ec7 + static_cast<std::uint64_t>(size), i);
        ASSERT_EQ(draw_workload(o, seed, size), sample(wg, seed, size)) << name << " size " << size << " seed " << i;
        ASSERT_EQ(draw_config(o, seed, size), sample(cg, seed, size)) << name << " size " << size << " seed " << i;
      }
    }
}

// --io-uring changes nothing on 3.x options, and on 6.x turns most tasks' AIO into io_uring
// (every uring op in a task that reaps through uring_wait, never mixed with io_getevents).
TEST(DirectGen, IoUringOnlyOn6xAndWholeTasks) {
  GenOptions o;
  o.crash = true;
  GenOptions u = o;
  u.io_uring = true;
  for (std::uint64_t i = 0; i < 100; ++i) {
    const std::uint64_t seed = sched::mix_seed(0x10ae, i);
    ASSERT_EQ(draw_workload(u, seed, rc::kNominalSize), draw_workload(o, seed, rc::kNominalSize)) << i;
  }
  u.kernels = {model::Kernel::V6_6};
  std::size_t uring_tasks = 0, aio_tasks = 0;
  for (std::uint64_t i = 0; i < 400; ++i) {
    const model::Workload w = draw_workload(u, sched::mix_seed(0x10ae, i), rc::kNominalSize);
    for (const auto& t : w.tasks) {
      bool uring = false, aio = false;
      for (const auto& op : t.ops) {
        uring = uring || model::is_uring(op.kind);
        aio = aio || op.kind == model::OpKind::AioWrite || op.kind == model::OpKind::AioRead ||
              op.kind == model::OpKind::GetEvents;
      }
      ASSERT_FALSE(uring && aio) << "seed " << i;
      uring_tasks += uring;
      aio_tasks += aio;
    }
  }
  EXPECT_GT(uring_tasks, 2 * aio_tasks);
  EXPECT_GT(aio_tasks, 0u);
}

// The lifecycle workloads are possible ones (model::lifecycle_error), and the generator does
// draw each new piece: shared files, a close while the task may still have AIO in flight,
// an eviction followed by an open.
TEST(DirectGen, LifecycleWorkloadsAreValidAndDrawEveryPiece) {
  GenOptions o;
  o.crash = true;
  o.lifecycle = true;
  o.files = 2;
  std::size_t shared = 0, close_before_getevents = 0, evict_then_open = 0;
  for (std::uint64_t i = 0; i < 400; ++i) {
    const model::Workload w = draw_workload(o, sched::mix_seed(0x11fe, i), rc::kNominalSize);
    ASSERT_EQ(model::lifecycle_error(w), "") << "seed " << i;
    shared += w.shared_files;
    for (const auto& t : w.tasks) {
      bool closed = false, evicted = false;
      for (const auto& op : t.ops) {
        closed = closed || op.kind == model::OpKind::Close;
        close_before_getevents += closed && op.kind == model::OpKind::GetEvents;
        evicted = evicted || op.kind == model::OpKind::Evict;
        evict_then_open += evicted && op.kind == model::OpKind::Open;
      }
    }
  }
  EXPECT_GT(shared, 100u);
  EXPECT_GT(close_before_getevents, 50u);
  EXPECT_GT(evict_then_open, 50u);
}

// plan_execution is where campaigns draw: execution i of the default campaign (every kernel
// and filesystem) is the rapidcheck sample at the seeds it always used.
TEST(DirectGen, CampaignPlansKeepTheirSeedMapping) {
  harness::CampaignOptions c;
  for (std::uint64_t i = 0; i < 3000; ++i) {
    const harness::ExecutionPlan p = harness::plan_execution(c, i);
    GenOptions g = c.gen;
    g.kernels = {p.kernel};
    g.filesystems = {p.fs};
    const std::uint64_t s = sched::mix_seed(c.seed, i);
    ASSERT_EQ(p.workload, sample(workload(g), s, rc::kNominalSize)) << "execution " << i;
    model::Config want = sample(config(g), sched::mix_seed(s, 1), rc::kNominalSize);
    ASSERT_EQ(p.config, want) << "execution " << i;
  }
}

}  // namespace
}  // namespace dc::gen
