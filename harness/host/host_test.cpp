// Tests of the host-kernel oracle (harness/host): sector tagging, the probe, and workloads
// run on the real kernel with their expected per-sector results derived from the workload.
#include <gtest/gtest.h>

#include <sys/statfs.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>

#include "harness/host/host.hpp"
#include "harness/host/tagging.hpp"

#include "harness/gen/workload_gen.hpp"
#include "model/checker.hpp"

namespace dc::harness::host {
namespace {

using model::EvKind;
using model::kForeign;
using model::kInitialData;
using model::kZero;
using model::Op;
using model::OpKind;
using model::Workload;

// ---------------------------------------------------------------------------------------
// Tagging (no host needed)

std::vector<std::uint32_t> classify_all(const std::vector<std::uint8_t>& b, std::uint64_t off,
                                        std::uint32_t ss, const std::vector<std::uint32_t>& known) {
  std::vector<std::uint32_t> out;
  classify(b, off, ss, known, out);
  return out;
}

TEST(HostTagging, RoundTripsWriteIdPerSector) {
  const std::vector<std::uint32_t> known{0, 5, 9};
  std::vector<std::uint8_t> buf(4 * 512);
  fill_image(9, 512, 1024, buf);
  EXPECT_EQ(classify_all(buf, 1024, 512, known), (std::vector<std::uint32_t>{9, 9, 9, 9}));
  fill_image(0, 512, 1024, std::span<std::uint8_t>(buf.data() + 512, 512 * 2));  // sectors 3,4 initial
  // ... but at the wrong file position: sector 3's bytes carry the image of sector 2.
  EXPECT_EQ(classify_all(buf, 1024, 512, known),
            (std::vector<std::uint32_t>{9, kForeign, kForeign, 9}));
  fill_image(0, 512, 1536, std::span<std::uint8_t>(buf.data() + 512, 512 * 2));
  EXPECT_EQ(classify_all(buf, 1024, 512, known), (std::vector<std::uint32_t>{9, 0, 0, 9}));
}

TEST(HostTagging, ZerosCorruptionUnknownIdsAndMixedSectors) {
  const std::vector<std::uint32_t> known{0, 5, 9};
  std::vector<std::uint8_t> buf(3 * 512, 0);
  fill_image(5, 512, 0, std::span<std::uint8_t>(buf.data(), 512));
  fill_image(7, 512, 1024, std::span<std::uint8_t>(buf.data() + 1024, 512));  // 7 not known
  EXPECT_EQ(classify_all(buf, 0, 512, known), (std::vector<std::uint32_t>{5, kZero, kForeign}));
  buf[300] ^= 0x80;  // one flipped byte in the fill
  EXPECT_EQ(classify_all(buf, 0, 512, known)[0], kForeign);
  // A sector half written by 5 and half by 9 is torn: foreign.
  fill_image(5, 512, 0, std::span<std::uint8_t>(buf.data(), 256));
  fill_image(9, 512, 256, std::span<std::uint8_t>(buf.data() + 256, 256));
  EXPECT_EQ(classify_all(buf, 0, 512, known)[0], kForeign);
  // Every image byte is non-zero, so all-zero windows are unambiguous.
  for (std::size_t j = 0; j < 512; ++j) ASSERT_NE(image_byte(0, 0, j), 0) << j;
}

TEST(HostTagging, MixedSectorsResolveToTheWriteOnTop) {
  const std::vector<std::uint32_t> known{0, 5, 9};
  // Sector 1 held initial data; write 5 covered bytes [600, 700), write 9 [512 + 300, 2048).
  const std::vector<Extent> ext{{0, 0, 2048}, {5, 600, 100}, {9, 812, 1236}};
  std::vector<std::uint8_t> buf(512);
  fill_image(0, 512, 512, buf);
  fill_image(5, 512, 600, std::span<std::uint8_t>(buf.data() + 88, 100));
  EXPECT_EQ(classify_all(buf, 512, 512, known), (std::vector<std::uint32_t>{kForeign}));
  std::vector<std::uint32_t> out;
  classify(buf, 512, 512, known, out, ext);
  EXPECT_EQ(out, (std::vector<std::uint32_t>{5}));
  // 9 lands after 5: both fully visible (disjoint); the larger id is the one on top.
  fill_image(9, 512, 812, std::span<std::uint8_t>(buf.data() + 300, 212));
  out.clear();
  classify(buf, 512, 512, known, out, ext);
  EXPECT_EQ(out, (std::vector<std::uint32_t>{9}));
  // A tail zeroed by a truncate inside the sector: the only non-zero source.
  std::fill(buf.begin() + 400, buf.end(), std::uint8_t{0});
  out.clear();
  classify(buf, 512, 512, known, out, ext);
  EXPECT_EQ(out, (std::vector<std::uint32_t>{9}));
  // A byte no write explains: foreign.
  buf[350] ^= 0x22;
  out.clear();
  classify(buf, 512, 512, known, out, ext);
  EXPECT_EQ(out, (std::vector<std::uint32_t>{kForeign}));
}

TEST(HostTagging, PartialWindowsAreClassifiedFromTheBytesReturned) {
  const std::vector<std::uint32_t> known{0, 5, 9};
  // EOF 100 bytes into sector 2: the read returns 1024 + 100 bytes.
  std::vector<std::uint8_t> buf(1024 + 100);
  fill_image(5, 512, 0, buf);
  EXPECT_EQ(classify_all(buf, 0, 512, known), (std::vector<std::uint32_t>{5, 5, 5}));
  // Unaligned window in the middle of a sector (buffered read), shorter than the header.
  std::vector<std::uint8_t> mid(20);
  fill_image(9, 512, 512 + 400, mid);
  EXPECT_EQ(classify_all(mid, 512 + 400, 512, known), (std::vector<std::uint32_t>{9}));
  EXPECT_EQ(sectors_overlapped(512 + 400, 20, 512), 1u);
  EXPECT_EQ(sectors_overlapped(500, 20, 512), 2u);
  EXPECT_EQ(sectors_overlapped(0, 0, 512), 0u);
}

// ---------------------------------------------------------------------------------------
// Probe

TEST(HostProbe, DefaultDirAndProbeDescribeTheHost) {
  std::string why;
  const std::string dir = default_dir(&why);
  EXPECT_FALSE(why.empty());
  if (dir.empty()) GTEST_SKIP() << "no O_DIRECT + io_uring capable directory: " << why;
  const HostProbe p = probe(dir);
  EXPECT_TRUE(p.dir_ok);
  EXPECT_TRUE(p.usable()) << p.error;
  EXPECT_TRUE(p.error.empty()) << p.error;
  EXPECT_FALSE(p.fs_type.empty());
  EXPECT_NE(p.fs_type, "tmpfs");
  EXPECT_GE(p.logical_block_size, 512u);
  EXPECT_EQ(p.logical_block_size & (p.logical_block_size - 1), 0u) << "not a power of two";
  EXPECT_GE(p.mem_align, 1u);
  EXPECT_TRUE(p.lbs_source == "statx" || p.lbs_source == "BLKSSZGET" || p.lbs_source == "sysfs" ||
              p.lbs_source == "default")
      << p.lbs_source;
  EXPECT_GT(p.fs_block_size, 0u);
  EXPECT_NE(why.find(dir), std::string::npos) << why;
}

TEST(HostProbe, MissingDirAndTmpfsAreNotUsable) {
  const HostProbe missing = probe("/nonexistent/diocheck");
  EXPECT_FALSE(missing.dir_ok);
  EXPECT_FALSE(missing.usable());
  EXPECT_FALSE(missing.error.empty());
  struct statfs s{};
  if (::statfs("/dev/shm", &s) != 0 || s.f_type != 0x01021994)
    GTEST_SKIP() << "/dev/shm is not a tmpfs here";
  const HostProbe shm = probe("/dev/shm");
  EXPECT_EQ(shm.fs_type, "tmpfs");
  EXPECT_FALSE(shm.real_dio());
  EXPECT_FALSE(shm.usable());
}

// ---------------------------------------------------------------------------------------
// Runs on the host

// The usable directory and its logical block size, or a skip reason.
struct Host {
  std::string dir, skip;
  std::uint32_t lbs = 0;
};
Host host() {
  Host h;
  std::string why;
  h.dir = default_dir(&why);
  if (h.dir.empty()) {
    h.skip = why;
    return h;
  }
  h.lbs = probe(h.dir).logical_block_size;
  return h;
}

#define DC_NEED_HOST(h)                                              \
  const Host h = host();                                             \
  if (!(h).skip.empty()) GTEST_SKIP() << "host oracle unavailable: " << (h).skip

struct OpView {
  int begins = 0, ends = 0, reaped = 0, reads = 0;
  std::int64_t result = 0, reap_res = 0, read_off = -1, read_len = -1;
  std::vector<std::uint32_t> ids;
};

// Checks the history is well formed and indexes it by op id.
std::map<std::uint32_t, OpView> index_and_check(const Workload& w, const HostResult& r) {
  std::map<std::uint32_t, OpView> v;
  std::map<std::uint32_t, std::pair<int, OpKind>> owner;  // op id -> (task, kind)
  for (std::size_t t = 0; t < w.tasks.size(); ++t)
    for (const Op& op : w.tasks[t].ops) owner[op.id] = {static_cast<int>(t), op.kind};
  EXPECT_EQ(r.ts_ns.size(), r.trace.events.size());
  for (std::size_t i = 1; i < r.ts_ns.size(); ++i)
    EXPECT_LE(r.ts_ns[i - 1], r.ts_ns[i]) << "timestamps out of trace order at event " << i;
  std::set<std::uint32_t> submitted;  // AIOs whose submit returned 1
  for (const model::Event& e : r.trace.events) {
    EXPECT_EQ(e.ctx, 0);
    auto it = owner.find(e.op);
    EXPECT_NE(it, owner.end()) << "event for unknown op " << e.op;
    if (it == owner.end()) continue;
    OpView& o = v[e.op];
    switch (e.kind) {
      case EvKind::OpBegin:
        EXPECT_EQ(e.actor, it->second.first);
        EXPECT_EQ(e.a, static_cast<int>(it->second.second));
        EXPECT_EQ(o.ends, 0) << "op " << e.op << " began after it ended";
        ++o.begins;
        break;
      case EvKind::OpEnd:
        EXPECT_EQ(e.actor, it->second.first);
        EXPECT_EQ(o.begins, 1) << "op " << e.op << " ended without beginning";
        ++o.ends;
        o.result = e.a;
        if ((it->second.second == OpKind::AioWrite || it->second.second == OpKind::AioRead) &&
            e.a == 1)
          submitted.insert(e.op);
        break;
      case EvKind::AioReaped:
        EXPECT_TRUE(submitted.count(e.op) == 1) << "op " << e.op << " reaped before submitted";
        EXPECT_EQ(e.actor, it->second.first) << "reaped by another task's ring";
        ++o.reaped;
        o.reap_res = e.a;
        break;
      case EvKind::ReadData: {
        EXPECT_TRUE(model::is_read(it->second.second)) << "ReadData for a non-read op " << e.op;
        ++o.reads;
        o.read_off = e.a;
        o.read_len = e.b;
        EXPECT_EQ(e.ndata, sectors_overlapped(static_cast<std::uint64_t>(e.a),
                                              static_cast<std::uint64_t>(e.b), w.sector_size));
        EXPECT_LE(std::uint64_t{e.data} + e.ndata, r.trace.data.size());
        o.ids.assign(r.trace.data.begin() + e.data, r.trace.data.begin() + e.data + e.ndata);
        break;
      }
      default:
        ADD_FAILURE() << "unexpected event kind " << model::to_string(e.kind);
    }
  }
  for (const auto& [id, o] : v) {
    EXPECT_EQ(o.begins, 1) << "op " << id;
    EXPECT_EQ(o.ends, 1) << "op " << id;
    EXPECT_LE(o.reaped, 1) << "op " << id << " reaped twice";
    EXPECT_LE(o.reads, 1) << "op " << id;
  }
  return v;
}

std::vector<std::uint32_t> rep(std::uint32_t id, std::uint64_t n) {
  return std::vector<std::uint32_t>(static_cast<std::size_t>(n), id);
}
std::vector<std::uint32_t> cat(std::vector<std::uint32_t> a, const std::vector<std::uint32_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(HostRun, RejectsWhatItCannotDoHonestly) {
  Workload w;
  w.tasks.resize(1);
  w.tasks[0].ops.push_back(Op{OpKind::PWrite, 0, 0, 4096});
  w.tasks[0].ops.push_back(Op{OpKind::Crash, 1});
  EXPECT_NE(unsupported_reason(w, 512).find("cut power"), std::string::npos);
  w.tasks[0].ops[1].kind = OpKind::Unmount;
  EXPECT_NE(unsupported_reason(w, 512).find("unmount"), std::string::npos);
  w.tasks[0].ops.pop_back();
  EXPECT_EQ(unsupported_reason(w, 512), "");
  w.tasks[0].ops.push_back(Op{OpKind::AioRead, 1, 100, 4096});
  EXPECT_NE(unsupported_reason(w, 512).find("misaligned O_DIRECT read"), std::string::npos);
  w.tasks[0].ops.pop_back();
  w.sector_size = 1024;
  EXPECT_NE(unsupported_reason(w, 4096).find("not a multiple"), std::string::npos);
  w.tasks[0].ops.push_back(Op{OpKind::PRead, 0, 0, 4096});
  EXPECT_NE(unsupported_reason(w, 512).find("duplicate op id"), std::string::npos);

  DC_NEED_HOST(h);
  w.tasks[0].ops.back() = Op{OpKind::Crash, 1};
  w.sector_size = h.lbs;
  const HostResult r = run_on_host(w);
  EXPECT_EQ(r.status, HostStatus::Unsupported);
  EXPECT_NE(r.error.find("crash"), std::string::npos) << r.error;
  EXPECT_TRUE(r.trace.events.empty()) << "an unsupported workload must not run at all";
  // A forced sector size the workload's is not a multiple of.
  w.tasks[0].ops.pop_back();
  HostOptions o;
  o.sector_size = h.lbs * 2;
  const HostResult r2 = run_on_host(w, o);
  EXPECT_EQ(r2.status, HostStatus::Unsupported);
  EXPECT_NE(r2.error.find("not a multiple"), std::string::npos) << r2.error;
}

TEST(HostRun, SequentialSingleTaskGivesTheExpectedResultsAndData) {
  DC_NEED_HOST(h);
  Workload w;
  const std::uint64_t S = h.lbs, B = std::max<std::uint64_t>(4096, S), nS = B / S;
  w.sector_size = static_cast<std::uint32_t>(S);
  w.block_size = static_cast<std::uint32_t>(B);
  auto& ops = w.tasks.emplace_back().ops;
  auto add = [&ops](OpKind k, std::uint64_t off, std::uint64_t len) -> Op& {
    Op op{k, static_cast<std::uint32_t>(ops.size() + 1), off, len};
    return ops.emplace_back(op);
  };
  add(OpKind::PWrite, 0, 2 * B);                 // 1
  add(OpKind::PRead, 0, 2 * B);                  // 2
  add(OpKind::AioWrite, B, B);                   // 3
  add(OpKind::GetEvents, 0, 0);                  // 4
  add(OpKind::PRead, 0, 2 * B);                  // 5
  add(OpKind::AioRead, 0, B);                    // 6
  add(OpKind::GetEvents, 0, 0);                  // 7
  add(OpKind::Fallocate, 4 * B, 2 * B);          // 8: mode 0, i_size 2B -> 6B
  add(OpKind::PRead, 4 * B, 2 * B);              // 9: unwritten extents read as zeros
  add(OpKind::Truncate, 0, B);                   // 10: shrink
  add(OpKind::Truncate, 0, 3 * B);               // 11: grow
  add(OpKind::PRead, 0, 3 * B);                  // 12: zeros past the old EOF
  add(OpKind::PRead, 2 * B, 2 * B);              // 13: short read at EOF (3B)
  add(OpKind::PWrite, 3 * B, B);                 // 14: extends to 4B
  add(OpKind::BufRead, 3 * B, 2 * B);            // 15: short buffered read
  add(OpKind::PRead, 3 * B, 2 * B);              // 16: short direct read
  add(OpKind::PWrite, S / 2, S);                 // 17: misaligned offset
  add(OpKind::PWrite, 0, S / 2);                 // 18: misaligned length (misaligned reads: Unsupported)
  add(OpKind::AioWrite, 1, S);                   // 19: misaligned AIO: fails in the event
  add(OpKind::GetEvents, 0, 0);                  // 20
  add(OpKind::BufWrite, 0, S);                   // 21
  add(OpKind::PRead, 0, 2 * S);                  // 22: direct read sees the buffered write
  add(OpKind::Fsync, 0, 0);                      // 23
  add(OpKind::Fsync, 0, 0).dsync = true;         // 24: fdatasync
  add(OpKind::PWrite, S, S).dsync = true;        // 25: RWF_DSYNC
  add(OpKind::Fallocate, 8 * B, B).keep_size = true;  // 26: beyond EOF, size stays 4B
  add(OpKind::PRead, 8 * B, B);                  // 27: at/after EOF: 0 bytes
  add(OpKind::Truncate, 0, 4 * B + 100);         // 28: EOF inside a sector
  add(OpKind::BufRead, 3 * B, 2 * B);            // 29: B + 100 bytes
  add(OpKind::PRead, 0, 2 * S);                  // 30
  add(OpKind::Close, 0, 0);                      // 31
  add(OpKind::PRead, 0, S);                      // 32: -EBADF
  add(OpKind::AioWrite, 0, S);                   // 33: -EBADF at submission

  const auto wid = [&ops](std::uint32_t id) { return model::write_id_of(ops[id - 1]); };
  const HostResult r = run_on_host(w);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.ops, ops.size());
  EXPECT_EQ(r.unreaped, 0u);
  EXPECT_EQ(r.logical_block_size, h.lbs);
  auto v = index_and_check(w, r);
  ASSERT_EQ(v.size(), ops.size()) << render_text(r);
  const auto B64 = static_cast<std::int64_t>(B);
  const auto S64 = static_cast<std::int64_t>(S);
  auto expect_read = [&](std::uint32_t id, std::int64_t bytes, const std::vector<std::uint32_t>& ids) {
    SCOPED_TRACE("op " + std::to_string(id));
    const OpView& o = v[id];
    const bool aio = ops[id - 1].kind == OpKind::AioRead;
    EXPECT_EQ(aio ? o.reap_res : o.result, bytes);
    EXPECT_EQ(o.reads, 1);
    EXPECT_EQ(o.read_off, static_cast<std::int64_t>(ops[id - 1].offset));
    EXPECT_EQ(o.read_len, bytes);
    EXPECT_EQ(o.ids, ids);
  };
  EXPECT_EQ(v[1].result, 2 * B64);
  expect_read(2, 2 * B64, rep(wid(1), 2 * nS));
  EXPECT_EQ(v[3].result, 1);
  EXPECT_EQ(v[3].reaped, 1);
  EXPECT_EQ(v[3].reap_res, B64);
  EXPECT_EQ(v[4].result, 1);
  expect_read(5, 2 * B64, cat(rep(wid(1), nS), rep(wid(3), nS)));
  EXPECT_EQ(v[6].result, 1);
  expect_read(6, B64, rep(wid(1), nS));
  EXPECT_EQ(v[7].result, 1);
  EXPECT_EQ(v[8].result, 0);
  expect_read(9, 2 * B64, rep(kZero, 2 * nS));
  EXPECT_EQ(v[10].result, 0);
  EXPECT_EQ(v[11].result, 0);
  expect_read(12, 3 * B64, cat(rep(wid(1), nS), rep(kZero, 2 * nS)));
  expect_read(13, B64, rep(kZero, nS));
  EXPECT_EQ(v[14].result, B64);
  expect_read(15, B64, rep(wid(14), nS));
  expect_read(16, B64, rep(wid(14), nS));
  EXPECT_EQ(v[17].result, -EINVAL);
  EXPECT_EQ(v[17].reads, 0);
  EXPECT_EQ(v[18].result, -EINVAL);
  EXPECT_EQ(v[18].reads, 0);
  EXPECT_EQ(v[19].result, 1);
  EXPECT_EQ(v[19].reap_res, -EINVAL);
  EXPECT_EQ(v[20].result, 1);
  EXPECT_EQ(v[21].result, S64);
  expect_read(22, 2 * S64, {wid(21), S < B ? wid(1) : kZero});  // B..2B was truncated
  EXPECT_EQ(v[23].result, 0);
  EXPECT_EQ(v[24].result, 0);
  EXPECT_EQ(v[25].result, S64);
  EXPECT_EQ(v[26].result, 0);
  expect_read(27, 0, {});
  EXPECT_EQ(v[28].result, 0);
  expect_read(29, B64 + 100, cat(rep(wid(14), nS), {kZero}));
  expect_read(30, 2 * S64, {wid(21), wid(25)});
  EXPECT_EQ(v[31].result, 0);
  EXPECT_EQ(v[32].result, -EBADF);
  EXPECT_EQ(v[33].result, -EBADF);
  EXPECT_EQ(v[33].reaped, 0);
  if (HasFailure()) ADD_FAILURE() << render_text(r);
}

TEST(HostRun, InitialStateAndOpenFlags) {
  DC_NEED_HOST(h);
  Workload w;
  const std::uint64_t S = h.lbs, B = std::max<std::uint64_t>(4096, S), nS = B / S;
  w.sector_size = static_cast<std::uint32_t>(S);
  w.initial_size = 3 * B;
  w.written = {{0, B}};
  w.preallocated = {{B, B}};  // B..2B unwritten, 2B..3B a hole
  w.o_dsync = true;
  auto& ops = w.tasks.emplace_back().ops;
  ops.push_back(Op{OpKind::PRead, 1, 0, 4 * B});
  ops.push_back(Op{OpKind::AioWrite, 2, B, B, /*dsync=*/true});
  ops.push_back(Op{OpKind::GetEvents, 3});
  ops.push_back(Op{OpKind::BufRead, 4, 0, 3 * B});
  const HostResult r = run_on_host(w);
  ASSERT_TRUE(r.ok()) << r.error;
  auto v = index_and_check(w, r);
  EXPECT_EQ(v[1].result, static_cast<std::int64_t>(3 * B));
  EXPECT_EQ(v[1].ids, cat(rep(kInitialData, nS), rep(kZero, 2 * nS)));
  EXPECT_EQ(v[2].reap_res, static_cast<std::int64_t>(B));
  EXPECT_EQ(v[4].ids, cat(cat(rep(kInitialData, nS), rep(model::write_id_of(ops[1]), nS)),
                          rep(kZero, nS)));
}

// Four tasks hammering overlapping sectors: each op begins and ends once, every AIO is reaped
// exactly once by its own task, and every sector read holds a write that covered it, the
// initial data or zeros -- never anything else.
TEST(HostRun, MultiTaskHistoryIsWellFormed) {
  DC_NEED_HOST(h);
  Workload w;
  const std::uint64_t S = h.lbs, B = std::max<std::uint64_t>(4096, S);
  w.sector_size = static_cast<std::uint32_t>(S);
  w.initial_size = 5 * B;
  w.written = {{0, 2 * B}};
  std::uint32_t id = 0;
  for (int t = 0; t < 4; ++t) {
    auto& ops = w.tasks.emplace_back().ops;
    for (int round = 0; round < 6; ++round) {
      const std::uint64_t off = static_cast<std::uint64_t>((t + round) % 6) * B / 2;
      ops.push_back(Op{OpKind::AioWrite, id++, off, B, round % 3 == 0});
      ops.push_back(Op{OpKind::AioRead, id++, (off + B) % (3 * B), B});
      // Buffered writes stay off the pages direct writes touch: a collision makes the host
      // kernel fail page-cache invalidation and report -EIO to later O_DSYNC syncs
      // (dio_warn_stale_pagecache), which is kernel behaviour, not what this test is about.
      if (round % 2 == 0)
        ops.push_back(Op{OpKind::PWrite, id++, off + S, S});
      else
        ops.push_back(Op{OpKind::BufWrite, id++, 4 * B + static_cast<std::uint64_t>(t) * S, S});
      ops.push_back(Op{round % 2 == 0 ? OpKind::PRead : OpKind::BufRead, id++, 0, 4 * B});
      ops.push_back(Op{OpKind::GetEvents, id++, 0, 0, false, false, 2});
      if (t == 3 && round == 2) ops.push_back(Op{OpKind::Fallocate, id++, 6 * B, 2 * B});
      if (t == 2 && round == 4) ops.push_back(Op{OpKind::Fsync, id++});
    }
  }
  // Which writes cover each sector.
  std::map<std::uint64_t, std::set<std::uint32_t>> writers;
  for (const auto& task : w.tasks)
    for (const Op& op : task.ops)
      if (model::is_write(op.kind))
        for (std::uint64_t s = op.offset / S; s < (op.offset + op.len) / S; ++s)
          writers[s].insert(model::write_id_of(op));
  const HostResult r = run_on_host(w);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.unreaped, 0u);
  auto v = index_and_check(w, r);
  std::size_t nops = 0;
  for (const auto& task : w.tasks) nops += task.ops.size();
  ASSERT_EQ(v.size(), nops);
  for (const auto& task : w.tasks)
    for (const Op& op : task.ops) {
      SCOPED_TRACE("op " + std::to_string(op.id) + " " + to_string(op.kind));
      const OpView& o = v[op.id];
      switch (op.kind) {
        case OpKind::AioWrite:
        case OpKind::AioRead:
          EXPECT_EQ(o.result, 1);
          EXPECT_EQ(o.reaped, 1);
          EXPECT_EQ(o.reap_res, static_cast<std::int64_t>(op.len));
          break;
        case OpKind::GetEvents: EXPECT_EQ(o.result, 2); break;
        case OpKind::PWrite:
        case OpKind::BufWrite:
        case OpKind::PRead:
        case OpKind::BufRead: EXPECT_EQ(o.result, static_cast<std::int64_t>(op.len)); break;
        default: EXPECT_EQ(o.result, 0);
      }
      if (!model::is_read(op.kind)) continue;
      ASSERT_EQ(o.ids.size(), op.len / S);
      for (std::size_t k = 0; k < o.ids.size(); ++k) {
        const std::uint64_t s = op.offset / S + k;
        const std::uint32_t got = o.ids[k];
        const bool ok = got == kZero || (got == kInitialData && s < 2 * B / S) ||
                        writers[s].count(got) == 1;
        EXPECT_TRUE(ok) << "sector " << s << " read id " << got;
      }
    }
}

TEST(HostRun, InodeSyncSetsTheSyncFlag) {
  DC_NEED_HOST(h);
  Workload w;
  w.sector_size = h.lbs;
  w.inode_sync = true;
  w.tasks.emplace_back().ops.push_back(Op{OpKind::BufWrite, 0, 0, h.lbs});
  const HostResult r = run_on_host(w);
  if (r.status == HostStatus::Error && r.error.find("chattr") != std::string::npos)
    GTEST_SKIP() << "the filesystem refuses chattr +S: " << r.error;
  ASSERT_TRUE(r.ok()) << r.error;
  auto v = index_and_check(w, r);
  EXPECT_EQ(v[0].result, static_cast<std::int64_t>(h.lbs));
}

// Generated single-task workloads (misaligned and buffered I/O included; those whose
// alignment the host cannot reproduce are skipped as unsupported) run on the real kernel and
// the reference model finds nothing wrong with what the kernel did.
TEST(HostRun, GeneratedSequentialWorkloadsPassTheReferenceModel) {
  DC_NEED_HOST(h);
  gen::GenOptions o;
  o.max_tasks = 1;
  o.max_ops = 8;
  o.crash = false;
  const auto g = gen::workload(o);
  int ran = 0;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    const Workload w = gen::sample(g, seed);
    if (!unsupported_reason(w, h.lbs).empty()) continue;
    const HostResult r = run_on_host(w);
    ASSERT_TRUE(r.ok()) << "seed " << seed << ": " << r.error;
    ++ran;
    index_and_check(w, r);
    const auto vs = model::check_observable(w, r.trace);
    for (const auto& v : vs)
      ADD_FAILURE() << "seed " << seed << ": " << v.property << " at event " << v.event
                    << ": expected " << v.expected << ", got " << v.actual;
    if (!vs.empty()) ADD_FAILURE() << render_text(r);
  }
  EXPECT_GE(ran, 30) << "too few generated workloads could run on the host";
}

// The same with several tasks: real concurrency, histories in real-time order.
TEST(HostRun, GeneratedConcurrentWorkloadsPassTheReferenceModel) {
  DC_NEED_HOST(h);
  gen::GenOptions o;
  o.max_tasks = 3;
  o.max_ops = 6;
  o.buffered = false;  // buffered/direct collisions make the host report -EIO (see above)
  o.crash = false;
  const auto g = gen::workload(o);
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    const Workload w = gen::sample(g, seed);
    if (!unsupported_reason(w, h.lbs).empty()) continue;
    const HostResult r = run_on_host(w);
    ASSERT_TRUE(r.ok()) << "seed " << seed << ": " << r.error;
    index_and_check(w, r);
    const auto vs = model::check_observable(w, r.trace);
    for (const auto& v : vs)
      ADD_FAILURE() << "seed " << seed << ": " << v.property << " at event " << v.event
                    << ": expected " << v.expected << ", got " << v.actual;
    if (!vs.empty()) ADD_FAILURE() << render_text(r);
  }
}

}  // namespace
}  // namespace dc::harness::host
