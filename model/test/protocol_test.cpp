// check_protocol on hand-built engine traces: one correct ext4 AIO write completed by the
// dio workqueue (case C1 of engine-spec §3.6), then one mutation per property.
#include <algorithm>

#include <gtest/gtest.h>

#include "model/test/trace_builder.hpp"

namespace dc::model::test {
namespace {

constexpr std::uint16_t kTask = 0, kIrq = 1, kWorker = 2, kTrunc = 3;
constexpr ObjId kDio = 1, kReadDio = 2, kWq = 10, kIoEnd = 20, kBio = 30, kReadBio = 31,
                kWork = 40, kKiocb = 50;
constexpr auto kUnwritten = static_cast<std::int64_t>(ExtentState::Unwritten);
constexpr auto kWritten = static_cast<std::int64_t>(ExtentState::Written);

struct Options {
  bool dsync = true;
  bool complete_before_convert = false;  // INV-5 mutant: aio_complete before the conversion
  bool complete_in_irq = false;          // the worker's part runs in the IRQ actor
  bool defer = true;                     // DeferSet emitted
  bool sync_before_convert = false;      // INV-10 mutant
  bool sync_wraps_convert = false;       // the sync writes back and converts itself (buffered fallback)
  bool commit_before_convert = false;    // ... but its journal commit precedes the conversion
  bool core_completes_too = false;       // INV-12 mutant: AIO core completes a queued iocb
  bool early_dio_done = false;           // INV-4 mutant: inode_dio_done before end_io
  bool truncate = false;                 // a truncate runs inode_dio_wait after the worker's
                                         // inode_dio_done (or early_dio_done)
};

struct Built {
  Workload w;
  TraceBuilder b;
  std::size_t aio_complete = 0, dio_complete = 0, convert_start = 0, wait_end = 0,
              sync_start = 0, core_complete = 0;
};

Built build(const Options& o) {
  Built r;
  r.w = workload({{mk(OpKind::AioWrite, 0, 0, 4096), mk(OpKind::GetEvents, 1),
                   mk(OpKind::PRead, 2, 0, 4096), mk(OpKind::Unmount, 3)},
                  {mk(OpKind::Truncate, 4, 0, 8192)}},
                 8192);
  r.w.preallocated = {{0, 4096}};
  r.w.o_dsync = o.dsync;
  TraceBuilder& b = r.b;
  const Op& aw = r.w.tasks[0].ops[0];
  // Submitter (ext4_ext_direct_IO, AIO into an unwritten extent).
  b.as(kTask).begin(aw);
  b.dio_inc();  // ext4's own reference
  b.obj(EvKind::IoEndAlloc, kIoEnd, 0, 0, 0, 0);
  b.obj(EvKind::IoEndGet, kIoEnd, 2);
  b.obj(EvKind::WqAlloc, kWq, 2, 1, 0, 0);
  b.obj(EvKind::WqPublish, kWq, 0, 0, 0, 0);
  b.obj(EvKind::DioSubmit, kDio, 0, 4096, 1, 0);
  b.dio_inc();
  b.ev(EvKind::ExtentMap, 0, 0, 1, kUnwritten);
  b.obj(EvKind::IoEndUnwritten, kIoEnd, 1);
  if (o.defer) b.obj(EvKind::DeferSet, kDio);
  b.obj(EvKind::BioSubmit, kBio, 0, 8, kDio);
  b.ev(EvKind::DropRefcount, 0, 1, 0, kDio);
  b.obj(EvKind::DioQueued, kDio);
  b.obj(EvKind::IoEndPut, kIoEnd, 1);
  b.dio_done();
  if (o.core_completes_too) r.core_complete = b.obj(EvKind::AioComplete, kKiocb, 4096, 0, 0, 0);
  b.end(0, 1);
  // Bio completion.
  b.as(kIrq, 1).obj(EvKind::BioEnd, kBio, 0, 0, kDio);
  b.ev(EvKind::DropRefcount, 0, 0, 0, kDio);
  const std::uint16_t c = o.complete_in_irq ? kIrq : kWorker;
  if (!o.complete_in_irq) {
    b.obj(EvKind::WorkQueued, kWork, kWq);
    b.as(kWorker).obj(EvKind::WorkStart, kWork, kWq);
  }
  b.as(c, o.complete_in_irq ? 1 : 0);
  r.dio_complete = b.obj(EvKind::DioComplete, kDio, 0, 1);
  if (o.early_dio_done) b.dio_done();
  if (o.truncate && o.early_dio_done) {
    b.as(kTrunc).begin(r.w.tasks[1].ops[0]);
    b.ev(EvKind::InodeDioWaitBegin);
    r.wait_end = b.ev(EvKind::InodeDioWaitEnd);
    b.as(c, o.complete_in_irq ? 1 : 0);
  }
  b.obj(EvKind::EndIo, kDio, 0, 4096);
  b.obj(EvKind::IoEndPut, kIoEnd, 0);
  auto complete = [&] {
    r.aio_complete = b.obj(EvKind::AioComplete, kKiocb, 4096, 0, 0, 0);
  };
  auto sync = [&] {
    r.sync_start = b.ev(EvKind::SyncStart, 0, 0, 4095);
    b.ev(EvKind::SyncDone, 0, 0);
  };
  if (o.complete_before_convert) complete();
  if (o.dsync && o.sync_before_convert) sync();
  const bool wraps = o.dsync && o.sync_wraps_convert;
  if (wraps) {
    r.sync_start = b.ev(EvKind::SyncStart, 0, 0, 4095);
    if (o.commit_before_convert) b.ev(EvKind::JournalCommit, 0, 1);
  }
  r.convert_start = b.ev(EvKind::ConvertStart, 0, 0, 4096);
  b.ev(EvKind::ExtentMap, 0, 0, 1, kWritten);
  b.ev(EvKind::ConvertDone, 0, 0, 4096, 0);
  if (wraps) {
    if (!o.commit_before_convert) b.ev(EvKind::JournalCommit, 0, 1);
    b.ev(EvKind::SyncDone, 0, 0);
  }
  b.obj(EvKind::IoEndUnwritten, kIoEnd, 0);
  b.obj(EvKind::IoEndFree, kIoEnd);
  if (!o.early_dio_done) b.dio_done();
  if (o.dsync && !o.sync_before_convert && !wraps) sync();
  if (!o.complete_before_convert) complete();
  b.obj(EvKind::KiocbFree, kKiocb);
  b.obj(EvKind::DioFree, kDio);
  if (!o.complete_in_irq) b.obj(EvKind::WorkDone, kWork, kWq);
  if (o.truncate && !o.early_dio_done) {
    b.as(kTrunc).begin(r.w.tasks[1].ops[0]);
    b.ev(EvKind::InodeDioWaitBegin);
    r.wait_end = b.ev(EvKind::InodeDioWaitEnd);
  }
  if (o.truncate) b.as(kTrunc).end(4, 0);
  // Reap, read back (a sync DIO read), unmount.
  b.as(kTask).begin(r.w.tasks[0].ops[1]);
  b.reaped(0, 4096);
  b.end(1, 1);
  b.begin(r.w.tasks[0].ops[2]);
  b.obj(EvKind::DioSubmit, kReadDio, 0, 4096, 0, 2);
  b.dio_inc();
  b.obj(EvKind::BioSubmit, kReadBio, 0, 8, kReadDio);
  b.as(4, 1).obj(EvKind::BioEnd, kReadBio, 0, 0, kReadDio);
  b.ev(EvKind::DropRefcount, 2, 1, 0, kReadDio);
  b.as(kTask).ev(EvKind::DropRefcount, 2, 0, 0, kReadDio);
  b.obj(EvKind::DioComplete, kReadDio, 0, 0, 0, 2);
  b.dio_done();
  b.obj(EvKind::DioFree, kReadDio, 0, 0, 0, 2);
  b.read_data(2, 0, 4096, std::vector<std::uint32_t>(8, 1));
  b.end(2, 4096);
  b.begin(r.w.tasks[0].ops[3]);
  b.obj(EvKind::WqDestroy, kWq);
  b.end(3, 0);
  return r;
}

Config cfg() { return Config{}; }

std::vector<std::pair<std::string, std::size_t>> got(const std::vector<Violation>& v) {
  std::vector<std::pair<std::string, std::size_t>> out;
  for (const Violation& x : v) out.emplace_back(x.property, x.event);
  return out;
}

TEST(Protocol, CorrectDeferredAioWritePasses) {
  for (bool dsync : {false, true})
    for (bool truncate : {false, true}) {
      Options o;
      o.dsync = dsync;
      o.truncate = truncate;
      Built r = build(o);
      EXPECT_EQ(got(check(r.w, cfg(), r.b.t)), (std::vector<std::pair<std::string, std::size_t>>{}))
          << "dsync=" << dsync << " truncate=" << truncate;
    }
}

TEST(Protocol, Inv1DoubleAioComplete) {
  Built r = build({});
  const std::size_t dup = r.b.as(kWorker).obj(EvKind::AioComplete, kKiocb + 1, 4096, 0, 0, 0);
  EXPECT_EQ(got(check_protocol(r.w, cfg(), r.b.t)),
            (std::vector<std::pair<std::string, std::size_t>>{{"INV-1 aio-complete-once", dup}}));
}

TEST(Protocol, Inv1NeverCompleted) {
  Built r = build({});
  auto& ev = r.b.t.events;
  ev.erase(ev.begin() + static_cast<std::ptrdiff_t>(r.aio_complete));
  const auto v = check_protocol(r.w, cfg(), r.b.t);
  // Without the completion the sync window is still there; INV-1 fires at the end.
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(got(v).back(), std::make_pair(std::string("INV-1 aio-complete-once"), ev.size()));
}

TEST(Protocol, Inv2DioCompleteTwiceAndBeforeLastReference) {
  {
    Built r = build({});
    const std::size_t again = r.b.as(kWorker).obj(EvKind::DioComplete, kDio, 0, 1);
    const auto v = check_protocol(r.w, cfg(), r.b.t);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].property, "INV-2 dio-complete-once");
    EXPECT_EQ(v[0].event, again);  // dio already freed: reported as a use after free first
  }
  {
    Built r = build({});
    // The submitter's drop returns 0 too early: the IRQ's later drop "reaches 0 again".
    auto& ev = r.b.t.events;
    auto it = std::find_if(ev.begin(), ev.end(), [](const Event& e) {
      return e.kind == EvKind::DropRefcount && e.c == kDio && e.a == 1;
    });
    it->a = 0;
    const auto v = check_protocol(r.w, cfg(), r.b.t);
    ASSERT_FALSE(v.empty());
    EXPECT_EQ(v[0].property, "INV-2 dio-complete-once");
  }
}

TEST(Protocol, Inv3DoubleDecrementAndImbalance) {
  Built r = build({});
  const std::size_t extra = r.b.as(kWorker).dio_done();  // a second inode_dio_done
  const auto v = check_protocol(r.w, cfg(), r.b.t);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(got(v)[0], std::make_pair(std::string("INV-3 dio-count-balance"), extra));
  EXPECT_EQ(got(v)[1], std::make_pair(std::string("INV-3 dio-count-balance"), r.b.t.events.size()));
}

TEST(Protocol, Inv4WaitReturnsBeforeConversion) {
  Options o;
  o.truncate = true;
  o.early_dio_done = true;
  Built r = build(o);
  const auto v = check_protocol(r.w, cfg(), r.b.t);
  ASSERT_FALSE(v.empty());
  for (const Violation& x : v) {
    EXPECT_EQ(x.property, "INV-4 dio-wait-no-pending-conversion");
    EXPECT_EQ(x.event, r.wait_end);
  }
}

TEST(Protocol, Inv5CompletionBeforeConversion) {
  Options o;
  o.dsync = false;
  o.complete_before_convert = true;
  Built r = build(o);
  EXPECT_EQ(got(check_protocol(r.w, cfg(), r.b.t)),
            (std::vector<std::pair<std::string, std::size_t>>{{"INV-5 convert-before-complete", r.aio_complete}}));
}

// In 3.12 a truncate may free the converted block between inode_dio_done and aio_complete,
// and another op allocate it again as unwritten: not this write's conversion. A block made
// unwritten again without being freed still counts.
TEST(Protocol, Inv5IgnoresBlocksFreedSinceTheWriteBegan) {
  auto inv5_with = [](std::vector<ExtentState> remap) {
    Options o;
    o.dsync = false;
    Built r = build(o);
    std::vector<Event> extra;
    for (ExtentState s : remap) {
      Event e{};
      e.kind = EvKind::ExtentMap;
      e.actor = kTrunc;
      e.op = 4;
      e.b = 1;
      e.c = static_cast<std::int64_t>(s);
      extra.push_back(e);
    }
    auto& ev = r.b.t.events;
    ev.insert(ev.begin() + static_cast<std::ptrdiff_t>(r.aio_complete), extra.begin(), extra.end());
    const auto v = props(check_protocol(r.w, cfg(), r.b.t));
    return std::count(v.begin(), v.end(), "INV-5 convert-before-complete");
  };
  EXPECT_EQ(inv5_with({}), 0);
  EXPECT_EQ(inv5_with({ExtentState::Hole, ExtentState::Unwritten}), 0);
  EXPECT_EQ(inv5_with({ExtentState::Unwritten}), 1);
}

TEST(Protocol, Inv6FindingsAndSyncInInterrupt) {
  Built r = build({});
  const std::size_t ms = r.b.as(kIrq, 1).finding(EvKind::MightSleep, "mutex_lock called from interrupt context");
  const std::size_t ss = r.b.ev(EvKind::SyncStart, 0, 0, 4095);
  r.b.ev(EvKind::SyncDone, 0, 0);
  const auto v = check_protocol(r.w, cfg(), r.b.t);
  EXPECT_EQ(got(v), (std::vector<std::pair<std::string, std::size_t>>{
                        {"INV-6 no-sleep-in-interrupt", ms}, {"INV-6 no-sleep-in-interrupt", ss}}));
  EXPECT_EQ(v[0].actual, "mutex_lock called from interrupt context");
}

TEST(Protocol, KernelFindingsCarryTheirNote) {
  Built r = build({});
  r.b.finding(EvKind::UseAfterFree, "dio #1 used after free");
  r.b.finding(EvKind::DoubleFree, "kiocb #50 freed twice");
  r.b.finding(EvKind::Leak, "io_end #20 never freed");
  r.b.finding(EvKind::KernelBug, "BUG_ON(ret != -EIOCBQUEUED)");
  r.b.finding(EvKind::KernelWarn, "WARN_ON(io_end unwritten)");
  const auto v = check_protocol(r.w, cfg(), r.b.t);
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(props(v), (std::vector<std::string>{"kernel-use-after-free", "kernel-double-free",
                                                "kernel-leak", "kernel-bug", "kernel-warn"}));
  EXPECT_EQ(v[3].actual, "BUG_ON(ret != -EIOCBQUEUED)");
}

TEST(Protocol, Inv7SecondPublishAndUndestroyedLoser) {
  {
    Built r = build({});
    auto& ev = r.b.t.events;
    const auto pub = std::find_if(ev.begin(), ev.end(), [](const Event& e) { return e.kind == EvKind::WqPublish; });
    // A second racer's check-then-store also publishes its own queue.
    Event alloc{};
    alloc.kind = EvKind::WqAlloc;
    alloc.actor = kTrunc;
    alloc.obj = kWq + 1;
    alloc.b = 1;
    Event publish = alloc;
    publish.kind = EvKind::WqPublish;
    const auto at = ev.insert(ev.insert(pub + 1, alloc) + 1, publish);
    const auto p = static_cast<std::size_t>(at - ev.begin());
    r.b.obj(EvKind::WqDestroy, kWq + 1);
    EXPECT_EQ(got(check_protocol(r.w, cfg(), r.b.t)),
              (std::vector<std::pair<std::string, std::size_t>>{{"INV-7 one-dio-workqueue", p}}));
  }
  {
    Built r = build({});
    r.b.as(kTrunc).obj(EvKind::WqAlloc, kWq + 1, 2, 1);
    EXPECT_EQ(got(check_protocol(r.w, cfg(), r.b.t)),
              (std::vector<std::pair<std::string, std::size_t>>{
                  {"INV-7 one-dio-workqueue", r.b.t.events.size()}}));
  }
}

TEST(Protocol, Inv8WorkAfterDestroy) {
  Built r = build({});
  const std::size_t q = r.b.as(kIrq, 1).obj(EvKind::WorkQueued, kWork + 1, kWq);
  const auto v = check_protocol(r.w, cfg(), r.b.t);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(got(v)[0], std::make_pair(std::string("INV-8 shutdown-drains-queue"), q));
  EXPECT_EQ(got(v)[1], std::make_pair(std::string("INV-8 shutdown-drains-queue"), r.b.t.events.size()));
}

TEST(Protocol, Inv9IoEndFreedWithReferenceHeld) {
  Built r = build({});
  auto& ev = r.b.t.events;
  // The submitter's put is lost: the final put leaves count 1 and the free happens at 1.
  auto put = std::find_if(ev.begin(), ev.end(), [](const Event& e) { return e.kind == EvKind::IoEndPut; });
  ev.erase(put);
  auto last_put = std::find_if(ev.begin(), ev.end(), [](const Event& e) { return e.kind == EvKind::IoEndPut; });
  last_put->a = 1;
  const auto fr = static_cast<std::size_t>(
      std::find_if(ev.begin(), ev.end(), [](const Event& e) { return e.kind == EvKind::IoEndFree; }) - ev.begin());
  EXPECT_EQ(got(check_protocol(r.w, cfg(), r.b.t)),
            (std::vector<std::pair<std::string, std::size_t>>{{"INV-9 io-end-lifetime", fr}}));
}

TEST(Protocol, Inv10SyncBeforeConversion) {
  Options o;
  o.sync_before_convert = true;
  Built r = build(o);
  EXPECT_EQ(got(check_protocol(r.w, cfg(), r.b.t)),
            (std::vector<std::pair<std::string, std::size_t>>{{"INV-10 dsync-aio-durable", r.aio_complete}}));
  // Without O_DSYNC nothing needs to be synced.
  o.dsync = false;
  Built r2 = build(o);
  EXPECT_TRUE(check_protocol(r2.w, cfg(), r2.b.t).empty());
}

// A sync that converts inside its own window (an O_DSYNC AIO write that fell back to buffered
// I/O: the sync writes the page back, writeback converts, then the journal commits) makes the
// write durable; a commit before the conversion does not (found on 6.x XFS by a guided campaign).
TEST(Protocol, Inv10AcceptsAConversionInsideTheSyncBeforeItsCommit) {
  Options o;
  o.sync_wraps_convert = true;
  Built r = build(o);
  EXPECT_TRUE(got(check_protocol(r.w, cfg(), r.b.t)).empty());
  o.commit_before_convert = true;
  Built r2 = build(o);
  EXPECT_EQ(got(check_protocol(r2.w, cfg(), r2.b.t)),
            (std::vector<std::pair<std::string, std::size_t>>{{"INV-10 dsync-aio-durable", r2.aio_complete}}));
}

TEST(Protocol, Inv11EioPrecedesBytesAndNoEiocbqueued) {
  {
    Built r = build({});
    auto& ev = r.b.t.events;
    for (Event& e : ev)
      if (e.kind == EvKind::BioEnd && e.obj == kBio) e.a = -5;
    EXPECT_EQ(got(check_protocol(r.w, cfg(), r.b.t)),
              (std::vector<std::pair<std::string, std::size_t>>{{"INV-11 result-precedence", r.aio_complete}}));
  }
  {
    Built r = build({});
    r.b.t.events[r.aio_complete].a = -529;
    const auto v = check_protocol(r.w, cfg(), r.b.t);
    ASSERT_FALSE(v.empty());
    EXPECT_EQ(got(v)[0], std::make_pair(std::string("INV-11 result-precedence"), r.aio_complete));
  }
  {
    Built r = build({});
    r.b.t.events[r.aio_complete].a = -12;
    EXPECT_EQ(props(check_protocol(r.w, cfg(), r.b.t)),
              (std::vector<std::string>{"INV-11 result-precedence", "INV-11 result-precedence"}));
    Config c = cfg();
    c.faults.push_back(Fault{Fault::Kind::AllocFail, "dio", 1});
    // With an injected allocation failure -ENOMEM is possible, but not over a clean dio.
    EXPECT_EQ(props(check_protocol(r.w, c, r.b.t)), (std::vector<std::string>{"INV-11 result-precedence"}));
  }
}

TEST(Protocol, Inv12CoreCompletesQueuedIocb) {
  Options o;
  o.dsync = false;
  o.core_completes_too = true;
  Built r = build(o);
  // The AIO core completes a queued iocb (before the conversion, so INV-5 breaks there
  // too), then the DIO side completes it a second time.
  EXPECT_EQ(got(check_protocol(r.w, cfg(), r.b.t)),
            (std::vector<std::pair<std::string, std::size_t>>{
                {"INV-12 eiocbqueued-discipline", r.core_complete},
                {"INV-5 convert-before-complete", r.core_complete},
                {"INV-1 aio-complete-once", r.aio_complete}}));
}

TEST(Protocol, Inv13DeferredDioCompletedInInterrupt) {
  Options o;
  o.dsync = false;
  o.complete_in_irq = true;
  Built r = build(o);
  EXPECT_EQ(got(check_protocol(r.w, cfg(), r.b.t)),
            (std::vector<std::pair<std::string, std::size_t>>{{"INV-13 defer-flag-soundness", r.dio_complete},
                                                              {"INV-13 defer-flag-soundness", r.convert_start}}));
  o.defer = false;  // the fs forgot BH_Defer_Completion: end_io converts in IRQ
  Built r2 = build(o);
  EXPECT_EQ(got(check_protocol(r2.w, cfg(), r2.b.t)),
            (std::vector<std::pair<std::string, std::size_t>>{{"INV-13 defer-flag-soundness", r2.convert_start}}));
}

// Durability after a crash.
TEST(Durability, ReportedDsyncWriteSurvivesCrash) {
  Workload w = workload({{mk(OpKind::PWrite, 0, 0, 1024), mk(OpKind::BufWrite, 1, 1024, 512),
                          mk(OpKind::Fsync, 2), mk(OpKind::BufWrite, 3, 1536, 512), mk(OpKind::Crash, 4)}},
                        2048);
  w.tasks[0].ops[0].dsync = true;
  w.written = {{0, 2048}};
  auto run = [&](std::vector<std::uint32_t> data, std::int64_t size) {
    TraceBuilder b;
    for (std::uint32_t i = 0; i < 4; ++i) {
      b.begin(w.tasks[0].ops[i]);
      b.end(i, w.tasks[0].ops[i].kind == OpKind::Fsync ? 0 : static_cast<std::int64_t>(w.tasks[0].ops[i].len));
    }
    b.begin(w.tasks[0].ops[4]);
    const std::size_t c = b.crash(size, std::move(data));
    return std::make_pair(got(check(w, cfg(), b.t)), c);
  };
  // op 3 came after the fsync and is not dsync: it may be lost.
  EXPECT_TRUE(run({1, 1, 2, kInitialData}, 2048).first.empty());
  EXPECT_TRUE(run({1, 1, 2, 4}, 2048).first.empty());
  auto [lost, c] = run({1, kInitialData, 2, 4}, 2048);
  EXPECT_EQ(lost, (std::vector<std::pair<std::string, std::size_t>>{{"crash-durability", c}}));
  auto [lost_fsynced, c2] = run({1, 1, kInitialData, 4}, 2048);
  EXPECT_EQ(lost_fsynced, (std::vector<std::pair<std::string, std::size_t>>{{"crash-durability", c2}}));
  auto [foreign, c3] = run({1, 1, 2, kForeign}, 2048);
  EXPECT_EQ(foreign, (std::vector<std::pair<std::string, std::size_t>>{{"crash-no-foreign", c3}}));
}

// A buffered sub-block write racing a durable direct write to the same block may write the
// block back with its stale image: the direct write's other sectors may then read older data.
TEST(Durability, RacingBufferedSubBlockWriteMayRewriteTheBlock) {
  Workload w = workload({{mk(OpKind::PWrite, 0, 0, 4096), mk(OpKind::Crash, 2)}, {mk(OpKind::BufWrite, 1, 512, 512)}},
                        4096);
  w.tasks[0].ops[0].dsync = true;
  auto run = [&](bool overlap) {
    TraceBuilder b;
    b.race(w.tasks[0].ops[0], 4096, w.tasks[1].ops[0], 512, overlap);
    b.as(0).begin(w.tasks[0].ops[1]);
    std::vector<std::uint32_t> data(8, 1);
    data[0] = kZero;
    data[1] = 2;
    b.crash(4096, std::move(data));
    return props(check(w, cfg(), b.t));
  };
  EXPECT_TRUE(run(true).empty());
  EXPECT_EQ(run(false), std::vector<std::string>{"crash-durability"});
}

TEST(Properties, StableIdsAreUniqueAndDescribed) {
  const auto p = properties();
  std::vector<std::string> ids;
  for (const auto& [id, d] : p) {
    EXPECT_FALSE(d.empty()) << id;
    ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
  for (int i = 1; i <= 13; ++i)
    EXPECT_TRUE(std::any_of(ids.begin(), ids.end(), [&](const std::string& s) {
      return s.rfind("INV-" + std::to_string(i) + " ", 0) == 0;
    })) << i;
}

}  // namespace
}  // namespace dc::model::test
