// read-size-with-data: a read that returns bytes which only an extending write made part of
// the file must see that write's data there, not the zeros of the hole or unwritten extent
// the write is filling.
//
// observable.cpp judges each sector (`allowed`) and the size (`possible_sizes`) apart, so a
// read that sees an extending write's new size and zeros where its data goes passes both.
// The kernel's promise is stronger: an extending write moves i_size only after its data is
// readable (generic_write_end copies into the page first; ext4's DIO write updates i_size in
// ext4_ext_direct_IO after __blockdev_direct_IO returned, i.e. after dio_complete converted;
// XFS promised it with ee70daaba82d "xfs: update i_size after unwritten conversion in dio
// completion", whose message names exactly this race: before it, xfs_end_io_direct_write
// raised i_size and only then converted, so a read could see the new size and zeros).
//
// The rule, per returned sector s that reads zeros: if every operation that could have put s
// inside the file during the read is a successful write covering s, the zeros are a
// violation. Legitimate sources of zeros inside the size, each of which excuses the sector:
// the initial size; a truncate (up: zeros; concurrent with the read: zeroing races the copy);
// fallocate without KEEP_SIZE; a write that extends past s without covering it (a hole); a
// write that failed or was short (no data promise); a buffered write sharing s's block (its
// read-modify-write may store the block as it filled it, docs/model.md); a direct write
// covering s racing a *buffered* read (do_generic_file_read reads the page in, zero-filled
// past the i_size of that moment, and only then checks i_size: Linux keeps buffered reads
// and direct writes coherent only across completed operations). A direct read has no page:
// it is judged.
#include <algorithm>

#include <fmt/format.h>

#include "model/facts.hpp"

namespace dc::model::detail {
namespace {

// Known (at any point of the trace) to have failed or been short: no data promise. A write
// still in flight counts as succeeding; that is exactly the window this property is about.
bool failed(const OpFacts& o) {
  if (o.is_aio() && o.end != kNever && o.end_res < 0) return true;  // io_submit refused it
  return o.reported() != kNever && o.reported_res() != static_cast<std::int64_t>(o.op->len);
}

class SizeWithData {
 public:
  SizeWithData(const Facts& f, Out& out) : f_(f), out_(out) {}

  void run() {
    const Trace& t = *f_.t;
    const std::size_t limit = std::min(f_.crash, f_.n());
    for (std::size_t k = 0; k < limit; ++k) {
      const Event& e = t.events[k];
      if (e.kind != EvKind::ReadData || e.b <= 0) continue;
      const OpFacts* r = f_.op(e.op);
      if (!r || r->begin == kNever || e.data + std::uint64_t{e.ndata} > t.data.size()) continue;
      const std::uint64_t off = static_cast<std::uint64_t>(e.a), end = off + static_cast<std::uint64_t>(e.b);
      for (std::uint32_t i = 0; i < e.ndata; ++i) {
        const std::uint64_t s = off / ss() + i;
        if (s * ss() >= end || t.data[e.data + i] != kZero) continue;
        if (const OpFacts* w = only_covering_writer(s, *r, k)) {
          out_.push_back({prop::kReadSizeWithData, k,
                          fmt::format("sector {} holds the data of {} (the only op that put it inside the file)", s,
                                      op_name(f_, w->op->id)),
                          fmt::format("{} read zeros there", op_name(f_, e.op))});
          break;  // one violation per read
        }
      }
    }
  }

 private:
  std::uint64_t ss() const { return f_.w->sector_size; }
  std::uint64_t bs() const { return f_.w->block_size ? f_.w->block_size : 4096; }

  bool covers(const Op& op, std::uint64_t s) const {
    return op.len > 0 && op.offset < (s + 1) * ss() && s * ss() < op.offset + op.len;
  }
  bool same_block(const Op& op, std::uint64_t s) const {
    const std::uint64_t b = s * ss() / bs();
    return op.len > 0 && op.offset / bs() <= b && b <= (op.offset + op.len - 1) / bs();
  }

  // The successful write covering `s` that alone could have put `s` inside the file for read
  // `r` (whose data is event `k`); null when zeros there have a legitimate source.
  const OpFacts* only_covering_writer(std::uint64_t s, const OpFacts& r, std::size_t k) const {
    const std::uint64_t byte = s * ss();
    if (f_.initial_size(r.op->file) > byte) return nullptr;
    const OpFacts* writer = nullptr;
    for (const auto& [id, o] : f_.ops) {
      if (o.begin == kNever || o.begin >= k) continue;  // not begun before the data was returned
      const Op& op = *o.op;
      if (op.file != r.op->file) continue;  // another file
      if (op.kind == OpKind::Truncate) {
        const bool concurrent = o.end == kNever || o.end > r.begin;
        if (concurrent || op.len > byte) return nullptr;
      } else if (op.kind == OpKind::Fallocate) {
        if (!op.keep_size && op.len > 0 && op.offset + op.len > byte) return nullptr;
      } else if (is_write(op.kind)) {
        if (op.kind == OpKind::BufWrite && same_block(op, s)) return nullptr;
        // No coherence between a buffered read and a direct write: the reader may hold a page
        // it read in as zeros past the old EOF before the write, and the write's page cache
        // invalidation does not take it away; the reader then checks the new i_size.
        if (!r.is_direct() && o.is_direct() && covers(op, s) && (o.reported() == kNever || o.reported() > r.begin))
          return nullptr;
        if (op.len == 0 || op.offset + op.len <= byte) continue;
        if (!covers(op, s) || failed(o)) return nullptr;
        writer = &o;
      }
    }
    return writer;
  }

  const Facts& f_;
  Out& out_;
};

}  // namespace

void check_size_with_data(const Facts& f, Out& out) { SizeWithData(f, out).run(); }

}  // namespace dc::model::detail
