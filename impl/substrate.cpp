#include "impl/substrate.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "impl/kernel/fault.hpp"
#include "impl/kernel/slab.hpp"

namespace dc::kern {

// The extent map is one object for the dependence analysis (accessed under i_data_sem or
// the XFS ilock mostly; the recorded access covers the paths that are not).
const extent& file_meta::get(std::uint64_t lblk) const {
  kaccess(this, Access::Read);
  static const extent kHole{};
  return lblk < blocks.size() ? blocks[lblk] : kHole;
}

extent& file_meta::at(std::uint64_t lblk) {
  kaccess(this, Access::Write);
  if (lblk >= blocks.size()) blocks.resize(lblk + 1);
  return blocks[lblk];
}

void bdev_init(block_device* bdev, unsigned sector_size, unsigned block_size) {
  bdev->sector_size = sector_size;
  bdev->block_size = block_size;
  bdev->spb = block_size / sector_size;
  bdev->cache.clear();
  bdev->durable.clear();
  bdev->next_pblk = 0;
  bdev->free_blocks.clear();
  bdev->nr_bios = 0;
}

void bdev_touch(const block_device* bdev, std::uint64_t pblk, Access a) {
  // A key per physical block, never dereferenced (cf. bit_key): bios on other blocks stay
  // independent. A collision with another object's address only adds dependence.
  kaccess(reinterpret_cast<const char*>(&bdev->cache) + 1 + pblk, a);
}

std::uint64_t bdev_alloc_blocks(block_device* bdev, std::uint64_t n) {
  kaccess(&bdev->next_pblk, Access::Write);
  // first fit among the free blocks (lowest address first, so runs are deterministic)
  for (auto it = bdev->free_blocks.begin(); n > 0 && it != bdev->free_blocks.end(); ++it) {
    const std::uint64_t first = *it;
    std::uint64_t len = 1;
    auto next = std::next(it);
    while (len < n && next != bdev->free_blocks.end() && *next == first + len) ++len, ++next;
    if (len < n) continue;
    bdev->free_blocks.erase(it, next);
    for (std::uint64_t s = first * bdev->spb; s < (first + n) * bdev->spb; ++s) {
      bdev->cache[s] = model::stale_of(bdev->cache[s]);
      bdev->durable[s] = model::stale_of(bdev->durable[s]);
    }
    return first;
  }
  const std::uint64_t first = bdev->next_pblk;
  bdev->next_pblk += n;
  bdev->cache.resize(bdev->next_pblk * bdev->spb, model::kForeign);
  bdev->durable.resize(bdev->next_pblk * bdev->spb, model::kForeign);
  return first;
}

void blkdev_issue_flush(block_device* bdev) {
  for (std::uint64_t b = 0; b < bdev->next_pblk; ++b) bdev_touch(bdev, b, Access::Write);
  bdev->durable = bdev->cache;
  ktrace(model::EvKind::DevFlush);
}

bio* bio_alloc(gfp_t gfp) {
  bio* b = kzalloc<bio>("bio", gfp);
  if (b) b->id = kobj_of(b);
  return b;
}

void bio_put(bio* b) { kfree(b, "bio"); }

namespace {

// The device side of one bio: runs in its own interrupt-context actor.
void bio_complete_on_device(bio* b) {
  sched_point(b);
  kasan_check(b, "bio completion");
  block_device* bdev = b->bi_bdev;
  FaultInjector* f = FaultInjector::current();
  const bool fail = f && f->fail_bio();
  if (!fail) {
    if (b->bi_rw & REQ_FLUSH) blkdev_issue_flush(bdev);
    for (std::uint64_t blk = b->bi_sector / bdev->spb; blk * bdev->spb < b->bi_sector + b->nsect; ++blk)
      bdev_touch(bdev, blk, b->bi_rw & REQ_WRITE ? Access::Write : Access::Read);
    for (std::uint32_t i = 0; i < b->nsect; ++i) {
      const std::uint64_t s = b->bi_sector + i;
      if (b->bi_rw & REQ_WRITE) {
        bdev->cache[s] = b->data[i];
        if (b->bi_rw & REQ_FUA) bdev->durable[s] = b->data[i];
      } else if (b->read_dst) {
        b->read_dst[i] = bdev->cache[s];
      }
    }
    if (b->bi_rw & REQ_WRITE) {
      std::uint32_t wid = model::kZero;
      for (std::uint32_t v : b->data)
        if (v != model::kZero) wid = v;
      ktrace(model::EvKind::DevWrite, b->id, static_cast<std::int64_t>(b->bi_sector), b->nsect, wid);
    }
  }
  b->uptodate = !fail;
  b->bi_end_io(b, fail ? -5 /* -EIO */ : 0);
}

}  // namespace

void submit_bio(bio* b) {
  sched_point(b);
  block_device* bdev = b->bi_bdev;
  const std::uint32_t n = bdev->nr_bios++;
  const ActorId a = scheduler().spawn(fmt::format("irq/bio{}", n), Ctx::Interrupt,
                                      [b] { bio_complete_on_device(b); });
  if (Tracer* t = Tracer::current()) t->set_op(a, b->op);
}

void jbd2_journal_start(journal_t* j) {
  might_sleep("jbd2_journal_start");
  sched_point(&j->j_wait_updates);
  ++j->t_updates;
}

void jbd2_journal_stop(journal_t* j) {
  sched_point(&j->j_wait_updates);
  if (--j->t_updates == 0) wake_up_all(&j->j_wait_updates);
}

void jbd2_journal_commit(journal_t* j) {
  might_sleep("jbd2_journal_commit");
  wait_event(&j->j_wait_updates, [j] { return j->t_updates == 0; }, "jbd2 commit: open handles");
  blkdev_issue_flush(&j->j_disk->bdev);
  for (const file_meta& m : j->j_disk->meta) kaccess(&m, Access::Read);
  j->j_disk->durable = j->j_disk->meta;
  if (!j->t_freed.empty()) kaccess(&j->j_disk->bdev.next_pblk, Access::Write);
  j->j_disk->bdev.free_blocks.insert(j->t_freed.begin(), j->t_freed.end());
  j->t_freed.clear();
  ktrace(model::EvKind::JournalCommit, 0, ++j->j_commit_sequence);
}

void journal_free_blocks(journal_t* j, std::uint64_t pblk, std::uint64_t n) {
  for (std::uint64_t i = 0; i < n; ++i) j->t_freed.push_back(pblk + i);
}

bool journal_meta_dirty(const disk& dk, std::size_t ino) {
  const file_meta& cur = dk.meta.at(ino);
  const file_meta& dur = dk.durable.at(ino);
  kaccess(&cur, Access::Read);
  if (cur.disksize != dur.disksize) return true;
  const std::size_t n = std::max(cur.blocks.size(), dur.blocks.size());
  for (std::size_t b = 0; b < n; ++b) {
    const extent& x = cur.get(b);
    const extent& y = dur.get(b);
    if (x.state != y.state || (x.state != ExtentState::Hole && x.pblk != y.pblk)) return true;
  }
  return false;
}

void read_block_current(const block_device& bdev, const file_meta& m, std::uint64_t lblk, std::uint32_t* out) {
  const extent& e = m.get(lblk);
  const unsigned spb = bdev.spb;
  if (e.state == ExtentState::Written) bdev_touch(&bdev, e.pblk, Access::Read);
  for (unsigned i = 0; i < spb; ++i)
    out[i] = e.state == ExtentState::Written ? bdev.cache[e.pblk * spb + i] : model::kZero;
}

std::vector<std::uint32_t> crash_view(const disk& d, std::size_t ino, loff_t* durable_size) {
  const file_meta& dm = d.durable.at(ino);
  const loff_t size = dm.disksize;
  *durable_size = size;
  const unsigned ss = d.bdev.sector_size;
  const unsigned spb = d.bdev.spb;
  const auto nsect = static_cast<std::uint64_t>((size + ss - 1) / ss);
  std::vector<std::uint32_t> out(nsect, model::kZero);
  for (std::uint64_t s = 0; s < nsect; ++s) {
    const extent& e = dm.get(s / spb);
    if (e.state == ExtentState::Written) out[s] = d.bdev.durable[e.pblk * spb + s % spb];
  }
  return out;
}

}  // namespace dc::kern
