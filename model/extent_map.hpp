// Internal to model/: each file's extent map as the trace tells it (workload start state,
// then ExtentMap events), with when each block was last freed. INV-5 and INV-10 ask "is any
// block of this write still unwritten?", ignoring blocks freed since the write began: in
// 3.12 a truncate may free a write's blocks before its completion is reported, and another
// op may allocate them again as unwritten; that is no longer this write's conversion.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>

#include "model/event.hpp"
#include "model/workload.hpp"

namespace dc::model::detail {

class Extents {
 public:
  explicit Extents(const Workload& w) : bs_(w.block_size ? w.block_size : 4096) {
    for (const Range& r : w.written) set(r, ExtentState::Written);
    for (const Range& r : w.preallocated) set(r, ExtentState::Unwritten);
  }

  // Follow one event (only ExtentMap and InodeFile events change anything); `k` is its index.
  void apply(const Event& e, std::size_t k) {
    if (e.kind == EvKind::InodeFile) inode_file_[e.obj] = static_cast<std::uint32_t>(e.a);
    if (e.kind != EvKind::ExtentMap) return;
    const auto s = static_cast<ExtentState>(e.c);
    const auto it = inode_file_.find(e.obj);
    const std::uint64_t file = it == inode_file_.end() ? 0 : it->second;
    for (std::int64_t b = e.a; b < e.a + e.b; ++b) {
      const auto blk = key(file, static_cast<std::uint64_t>(b));
      if (s == ExtentState::Hole) {
        ext_.erase(blk);
        freed_[blk] = k;
      } else {
        ext_[blk] = s;
      }
    }
  }

  // The first UNWRITTEN block of bytes [off, off+len) of `file` not freed after event `since`.
  std::optional<std::uint64_t> unwritten(std::uint32_t file, std::uint64_t off, std::uint64_t len,
                                         std::size_t since) const {
    const std::uint64_t lo = key(file, off / bs_), hi = key(file, (off + len + bs_ - 1) / bs_);
    for (auto it = ext_.lower_bound(lo); it != ext_.end() && it->first < hi; ++it) {
      if (it->second != ExtentState::Unwritten) continue;
      const auto f = freed_.find(it->first);
      if (f != freed_.end() && f->second > since) continue;
      return it->first & kBlockMask;
    }
    return std::nullopt;
  }

  std::uint64_t block_size() const { return bs_; }
  // The workload file of inode `obj` (InodeFile events seen so far; file 0 by default).
  std::uint32_t file_of(ObjId obj) const {
    const auto it = inode_file_.find(obj);
    return it == inode_file_.end() ? 0 : it->second;
  }

 private:
  // (file, block) as one ordered key: file in the top bits
  static constexpr std::uint64_t kBlockMask = (std::uint64_t{1} << 48) - 1;
  static std::uint64_t key(std::uint64_t file, std::uint64_t blk) { return file << 48 | (blk & kBlockMask); }
  void set(const Range& r, ExtentState s) {  // the workload's initial state: file 0
    for (std::uint64_t b = r.offset / bs_; r.len && b < (r.offset + r.len + bs_ - 1) / bs_; ++b) ext_[b] = s;
  }
  std::uint64_t bs_;
  std::map<std::uint64_t, ExtentState> ext_;      // absent = hole
  std::map<std::uint64_t, std::size_t> freed_;    // block -> index of the last freeing event
  std::map<ObjId, std::uint32_t> inode_file_;     // InodeFile events (absent: file 0)
};

}  // namespace dc::model::detail
