#include "harness/run/byte_input.hpp"

#include <array>

#include "harness/gen/workload_gen.hpp"

namespace dc::harness {
namespace {

using model::OpKind;

constexpr std::uint64_t kBlock = 4096, kBlocks = 8;  // the generator's default span

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> d) : d_(d) {}
  std::uint8_t next() { return pos_ < d_.size() ? d_[pos_++] : 0; }
  std::span<const std::uint8_t> rest() const { return pos_ < d_.size() ? d_.subspan(pos_) : d_.subspan(d_.size()); }

 private:
  std::span<const std::uint8_t> d_;
  std::size_t pos_ = 0;
};

// Blocks set in `mask` (bit b = block b) as ranges below `limit` bytes.
std::vector<model::Range> ranges(std::uint8_t mask, std::uint64_t limit) {
  std::vector<model::Range> out;
  for (std::uint64_t b = 0; b < kBlocks; ++b)
    if ((mask >> b & 1) && b * kBlock < limit) out.push_back({b * kBlock, kBlock});
  return out;
}

// Three bytes: kind and flags, offset, length. Bits 6-7 of the first choose the granularity
// of offset and length: block (0, 1), sector (2) or byte (3, the -EINVAL paths).
model::Op decode_op(Reader& r, std::uint32_t sector) {
  static constexpr std::array kKinds{OpKind::AioWrite, OpKind::AioRead,   OpKind::PWrite,
                                     OpKind::PRead,    OpKind::Fallocate, OpKind::Fsync,
                                     OpKind::BufWrite, OpKind::BufRead,   OpKind::Truncate};
  const std::uint8_t k = r.next(), off = r.next(), len = r.next();
  model::Op op;
  op.kind = kKinds[(k & 15) % kKinds.size()];
  op.dsync = (k >> 4 & 1) && (model::is_write(op.kind) || op.kind == OpKind::Fsync);
  op.keep_size = (k >> 5 & 1) && op.kind == OpKind::Fallocate;
  const unsigned grain = k >> 6;
  const std::uint64_t span = kBlocks * kBlock;
  if (op.kind == OpKind::Fsync) return op;
  if (op.kind == OpKind::Truncate) {
    op.len = (len % (2 * kBlocks + 1)) * kBlock / 2;
    return op;
  }
  if (grain < 2) {
    op.offset = off % kBlocks * kBlock;
    op.len = (len % 4 + 1) * kBlock;
  } else if (grain == 2) {
    op.offset = off % (span / sector) * sector;
    op.len = (len % (2 * kBlock / sector) + 1) * sector;
  } else {
    op.offset = off * 131u % span;
    op.len = len * 37u % (2 * kBlock) + 1;
  }
  if (op.kind == OpKind::Fallocate) {
    op.offset = op.offset / kBlock * kBlock;
    op.len = (op.len + kBlock - 1) / kBlock * kBlock;
  }
  return op;
}

}  // namespace

ByteInput decode_byte_input(std::span<const std::uint8_t> data, model::Kernel kernel,
                            const std::vector<model::Fs>& fss) {
  Reader r(data);
  ByteInput in;
  model::Workload& w = in.workload;
  model::Config& c = in.config;
  const std::uint8_t machine = r.next();
  c.kernel = kernel;
  c.fs = fss[machine % fss.size()];
  c.dioread_nolock = (machine >> 2 & 1) && c.fs == model::Fs::Ext4;
  c.wq_concurrency = (machine >> 3 & 3) + 1;
  w.sector_size = machine >> 5 & 1 ? 4096 : 512;
  const unsigned sync = machine >> 6;  // none, O_DSYNC, O_SYNC, IS_SYNC
  w.o_dsync = sync == 1;
  w.o_sync = sync == 2;
  w.inode_sync = sync == 3;
  w.initial_size = r.next() % (kBlocks + 1) * kBlock;
  w.written = ranges(r.next(), w.initial_size);
  w.preallocated = ranges(r.next(), kBlocks * kBlock);
  const std::uint8_t fault = r.next();  // 0-7 none, 8-11 a bio error, 12-15 an allocation failure
  static constexpr const char* kSites[] = {"dio", "io_end", "ioend", "workqueue", "kiocb"};
  if ((fault & 15) >= 12)
    c.faults.push_back({model::Fault::Kind::AllocFail, kSites[(fault >> 4) % 5], (fault >> 4 & 3) % 3 + 1u});
  else if ((fault & 15) >= 8)
    c.faults.push_back({model::Fault::Kind::BioError, "", (fault >> 4 & 3) + 1u});
  const std::uint8_t shape = r.next();  // tasks, and which one (if any) ends with a power cut
  const std::size_t tasks = shape % 3 + 1;
  for (std::size_t t = 0; t < tasks; ++t) {
    model::Task task;
    std::uint32_t aio = 0;
    for (unsigned k = 0, ops = r.next() % 4 + 1; k < ops; ++k) {
      task.ops.push_back(decode_op(r, w.sector_size));
      aio += task.ops.back().kind == OpKind::AioWrite || task.ops.back().kind == OpKind::AioRead;
    }
    if (aio) {
      model::Op ge;
      ge.kind = OpKind::GetEvents;
      ge.nr = aio;
      task.ops.push_back(ge);
    }
    w.tasks.push_back(std::move(task));
  }
  if (const std::size_t cut = shape >> 2 & 3; cut >= 1 && cut <= tasks) {
    model::Op crash;
    crash.kind = OpKind::Crash;
    w.tasks[cut - 1].ops.push_back(crash);
  }
  gen::number_ops(w);
  in.decisions = r.rest();
  return in;
}

}  // namespace dc::harness
