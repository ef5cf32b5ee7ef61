// Each function below mirrors one rapidcheck generator of workload_gen.cpp (named in its
// comment) draw for draw: which split of rc::Random feeds which value, and how a value is
// computed from its draw (rapidcheck 2023-12: gen/Numeric.hpp, Container.hpp, Tuple.hpp,
// Transform.hpp, Select.hpp). Change the two files together; direct_gen_test pins them.
#include "harness/gen/direct_gen.hpp"

#include <algorithm>
#include <array>

#include <rapidcheck.h>

namespace dc::gen {
namespace {

using model::Op;
using model::OpKind;
using Rng = rc::Random;

// What a generator called with `r` draws first (generators draw from a copy).
std::uint64_t first(const Rng& r) { return Rng(r).next(); }

// rc::gen::inRange<T>(min, max) at `size`.
template <class T>
T in_range(const Rng& r, int size, T min, T max) {
  if (max <= min) throw rc::GenerationFailure("Invalid range");
  const std::uint64_t span =
      rc::gen::detail::scaleInteger(static_cast<Rng::Number>(max) - static_cast<Rng::Number>(min) - 1, size) + 1;
  return static_cast<T>((first(r) % span) + min);
}

// rc::gen::tuple / apply: one split per component, in order.
template <std::size_t N>
std::array<Rng, N> splits(const Rng& random) {
  Rng r = random;
  std::array<Rng, N> out;
  for (auto& x : out) x = r.split();
  return out;
}

// A weighted menu of at most 9 entries (the largest is the op kinds), built once per draw.
template <class T>
struct Menu {
  std::array<std::size_t, 9> weight{};
  std::array<T, 9> value{};
  std::size_t n = 0;
  void add(std::size_t w, T v) { weight[n] = w, value[n++] = v; }
  std::size_t total() const {
    std::size_t t = 0;
    for (std::size_t i = 0; i < n; ++i) t += weight[i];
    return t;
  }
  // The entry `x` (in [0, total)) falls in; past the end: the last entry.
  T at(std::size_t x) const {
    for (std::size_t i = 0; i < n; ++i) {
      if (x < weight[i]) return value[i];
      x -= weight[i];
    }
    return value[n - 1];
  }
};

// rc::gen::weightedElement: the draw modulo the total weight picks the entry.
template <class T>
T weighted_element(const Rng& r, const Menu<T>& m) {
  const std::size_t total = m.total();
  if (total == 0) throw rc::GenerationFailure("Sum of weights is 0");
  return m.at(static_cast<std::size_t>(first(r) % total));
}

// weighted() of workload_gen.cpp, a mapcat over inRange(0, total): the entry is drawn from
// the split-off half at `size`; the chosen generator then runs on `rest`.
template <class T>
T weighted(const Rng& r, int size, const Menu<T>& m, Rng& rest) {
  Rng pick = r;
  rest = pick.split();
  return m.at(in_range<std::size_t>(pick, size, 0, m.total()));
}

// rc::gen::container at `size`: the length comes from a first split, element k from the
// (k+1)-th split after it. Only elements below `keep` are generated.
template <class F>
std::size_t container(const Rng& random, int size, std::size_t keep, F&& each) {
  Rng r = random;
  const std::size_t count = static_cast<std::size_t>(r.split().next() % static_cast<std::uint64_t>(size + 1));
  Rng elements = r;
  for (std::size_t k = 0; k < std::min(count, keep); ++k) each(elements.split());
  return count;
}

bool boolean(const Rng& r, int size) { return rc::gen::detail::boolean(r, size).value(); }

enum class Shape : std::uint8_t { Blocks, Sectors, Bytes };  // aligned, sub-block, misaligned

struct Menus {
  Menu<OpKind> kinds;
  Menu<Shape> shapes_off, shapes_len;  // offset_gen / len_gen (weights 8 / 2 / 1)
  Menu<bool> dsync;
};

Menus menus(const GenOptions& o) {
  Menus m;
  m.kinds.add(o.aio_write_weight, OpKind::AioWrite);
  m.kinds.add(o.aio_read_weight, OpKind::AioRead);
  m.kinds.add(o.pwrite_weight, OpKind::PWrite);
  m.kinds.add(o.pread_weight, OpKind::PRead);
  m.kinds.add(o.fallocate_weight, OpKind::Fallocate);
  m.kinds.add(o.fsync_weight, OpKind::Fsync);
  if (o.buffered) {
    m.kinds.add(o.buffered_weight, OpKind::BufWrite);
    m.kinds.add(o.buffered_read_weight, OpKind::BufRead);
  }
  if (o.truncate) m.kinds.add(o.truncate_weight, OpKind::Truncate);
  m.shapes_off.add(8, Shape::Blocks);
  if (o.sub_block) m.shapes_off.add(2, Shape::Sectors);
  if (o.misaligned) m.shapes_off.add(1, Shape::Bytes);
  m.shapes_len = m.shapes_off;
  m.dsync.add(5, false);
  m.dsync.add(o.dsync_weight, true);
  return m;
}

// offset_gen
std::uint64_t draw_offset(const Rng& r, int size, const GenOptions& o, const Menus& m, std::uint64_t block,
                          std::uint64_t sector) {
  const std::uint64_t span = std::uint64_t{o.max_blocks} * block;
  Rng rest;
  switch (weighted(r, size, m.shapes_off, rest)) {
    case Shape::Blocks: return in_range<std::uint64_t>(rest, size, 0, o.max_blocks) * block;
    case Shape::Sectors: return in_range<std::uint64_t>(rest, size, 0, span / sector) * sector;
    case Shape::Bytes: break;
  }
  return in_range<std::uint64_t>(rest, size, 0, span);
}

// len_gen
std::uint64_t draw_len(const Rng& r, int size, const Menus& m, std::uint64_t block, std::uint64_t sector) {
  Rng rest;
  switch (weighted(r, size, m.shapes_len, rest)) {
    case Shape::Blocks: return in_range<std::uint64_t>(rest, size, 1, 4) * block;
    case Shape::Sectors: return in_range<std::uint64_t>(rest, size, 1, 2 * block / sector) * sector;
    case Shape::Bytes: break;
  }
  return in_range<std::uint64_t>(rest, size, 1, 2 * block);
}

// op_gen: apply(kind, offset, len, dsync, keep, truncate size); a field the kind does not
// use is not drawn (its split is simply left unused).
Op draw_op(const Rng& r, int size, const GenOptions& o, const Menus& m, std::uint64_t block, std::uint64_t sector) {
  const std::array<Rng, 6> rs = splits<6>(r);
  Op op;
  Rng unused;
  op.kind = weighted(rs[0], size, m.kinds, unused);  // the chosen generator is just(kind)
  if (op.kind == OpKind::Fsync || op.kind == OpKind::Truncate) {
    op.offset = 0;
    op.len = op.kind == OpKind::Truncate ? in_range<std::uint64_t>(rs[5], size, 0, 2 * o.max_blocks) * block / 2 : 0;
  } else {
    op.offset = draw_offset(rs[1], size, o, m, block, sector);
    op.len = draw_len(rs[2], size, m, block, sector);
  }
  if (model::is_write(op.kind) || op.kind == OpKind::Fsync) op.dsync = weighted_element(rs[3], m.dsync);
  if (op.kind == OpKind::Fallocate) {
    op.offset = op.offset / block * block;
    op.len = (op.len + block - 1) / block * block;
    op.keep_size = boolean(rs[4], size);
  }
  return op;
}

// task_gen: up to max_ops ops (an empty container gives one default op), then an
// io_getevents for the AIOs.
model::Task draw_task(const Rng& r, const GenOptions& o, const Menus& m, std::uint64_t block, std::uint64_t sector) {
  const int size = o.max_ops * 10;
  const int op_size = o.full_range ? rc::kNominalSize : size;
  model::Task t;
  const auto keep = static_cast<std::size_t>(std::max(o.max_ops, 0));
  t.ops.reserve(std::min<std::size_t>(keep, 16) + 1);
  container(r, size, keep, [&](const Rng& e) { t.ops.push_back(draw_op(e, op_size, o, m, block, sector)); });
  if (t.ops.empty()) t.ops.push_back(Op{});  // (an AioWrite of length 0)
  std::uint32_t aio = 0;
  for (const Op& op : t.ops) aio += op.kind == OpKind::AioWrite || op.kind == OpKind::AioRead;
  if (aio > 0) {
    Op ge;
    ge.kind = OpKind::GetEvents;
    ge.nr = aio;
    t.ops.push_back(ge);
  }
  return t;
}

// ranges_gen
void draw_ranges(const Rng& r, std::uint64_t block, std::uint32_t max_blocks, bool full_range,
                 std::vector<model::Range>& out) {
  const int range_size = full_range ? rc::kNominalSize : 10;
  container(r, 10, 10, [&](const Rng& e) {
    const std::array<Rng, 2> rs = splits<2>(e);
    out.push_back({in_range<std::uint64_t>(rs[0], range_size, 0, max_blocks) * block,
                   in_range<std::uint64_t>(rs[1], range_size, 1, 3) * block});
  });
}


// workload() for one file.
model::Workload draw_one_file(const GenOptions& o, const Rng& random, int size) {
  // mapcat(sector size, apply(...)): the sector from the first half, the rest from the split.
  Rng r1 = random;
  const Rng r2 = r1.split();
  Menu<std::uint32_t> sectors;
  sectors.add(4, 512);
  sectors.add(1, 4096);
  const std::uint32_t sector = weighted_element(r1, sectors);
  const std::array<Rng, 7> rs = splits<7>(r2);
  const Menus m = menus(o);

  model::Workload w;
  w.sector_size = sector;
  w.block_size = 4096;
  const std::uint64_t lo = std::min<std::uint64_t>(o.min_size_blocks, o.max_blocks - 1);
  w.initial_size = in_range<std::uint64_t>(rs[0], size, lo, o.max_blocks) * w.block_size;
  std::vector<model::Range> written;
  draw_ranges(rs[1], 4096, o.max_blocks, o.full_range, written);
  for (auto& r : written)
    if (r.offset < w.initial_size) {
      r.len = std::min(r.len, w.initial_size - r.offset);
      w.written.push_back(r);
    }
  if (o.preallocated) draw_ranges(rs[2], 4096, o.max_blocks, o.full_range, w.preallocated);
  Menu<int> sync;  // none, O_DSYNC, O_SYNC, IS_SYNC
  sync.add(6, 0);
  sync.add(2 * o.fd_sync_weight, 1);
  sync.add(o.fd_sync_weight, 2);
  sync.add(o.fd_sync_weight, 3);
  const int sync_mode = weighted_element(rs[3], sync);
  w.o_dsync = sync_mode == 1;
  w.o_sync = sync_mode == 2;
  w.inode_sync = sync_mode == 3;
  const auto keep = static_cast<std::size_t>(std::max(o.max_tasks, 0));
  w.tasks.reserve(std::min<std::size_t>(keep, 16));
  container(rs[4], o.max_tasks * 10, keep,
            [&](const Rng& e) { w.tasks.push_back(draw_task(e, o, m, w.block_size, sector)); });
  if (w.tasks.empty()) w.tasks.emplace_back();
  if (o.crash && boolean(rs[5], size)) {
    model::Op c;
    c.kind = OpKind::Crash;
    w.tasks[in_range<std::uint64_t>(rs[6], size, 0, 4) % w.tasks.size()].ops.push_back(c);
  }
  for (auto& t : w.tasks)
    if (t.ops.empty()) t.ops.push_back(model::Op{});
  number_ops(w);
  return w;
}

}  // namespace

model::Workload draw_workload(const GenOptions& o, std::uint64_t seed, int size) {
  if (!draws_bits(o)) return draw_one_file(o, Rng(seed), size);
  // mapcat(one-file workload, map(bits)): the workload from the first half, the bits from the split
  Rng r1(seed);
  const Rng r2 = r1.split();
  model::Workload w = draw_one_file(o, r1, size);
  const std::uint64_t bits = in_range<std::uint64_t>(r2, rc::kNominalSize, 0, UINT64_MAX);
  assign_files(w, o, bits);
  add_lifecycle(w, o, bits);
  add_io_uring(w, o, bits);
  return w;
}

model::Config draw_config(const GenOptions& o, std::uint64_t seed, int size) {
  const std::array<Rng, 5> rs = splits<5>(Rng(seed));
  if (o.kernels.empty() || o.filesystems.empty()) throw rc::GenerationFailure("Cannot pick element from empty container.");
  model::Config c;
  c.kernel = o.kernels[first(rs[0]) % o.kernels.size()];
  c.fs = o.filesystems[first(rs[1]) % o.filesystems.size()];
  enum class F : std::uint8_t { None, BioError, AllocFail };
  Menu<F> faults;
  faults.add(8, F::None);
  if (o.faults) {
    faults.add(o.bio_error_weight, F::BioError);
    faults.add(o.alloc_fail_weight, F::AllocFail);
  }
  Rng rest;
  switch (weighted(rs[2], size, faults, rest)) {
    case F::None: break;
    case F::BioError:
      c.faults.push_back({model::Fault::Kind::BioError, "", in_range<std::uint32_t>(rest, size, 1, 4)});
      break;
    case F::AllocFail: {
      static constexpr const char* kSites[] = {"dio", "io_end", "ioend", "workqueue", "kiocb"};
      const std::array<Rng, 2> s = splits<2>(rest);
      c.faults.push_back({model::Fault::Kind::AllocFail, kSites[first(s[0]) % 5], in_range<std::uint32_t>(s[1], size, 1, 3)});
      break;
    }
  }
  c.wq_concurrency = in_range<int>(rs[3], size, 1, 4);
  Menu<bool> nolock;
  nolock.add(3, false);
  nolock.add(o.dioread_nolock_weight, true);
  c.dioread_nolock = weighted_element(rs[4], nolock) && c.fs == model::Fs::Ext4;
  return c;
}

}  // namespace dc::gen
