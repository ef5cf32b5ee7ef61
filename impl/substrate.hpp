// The simulated substrate under the filesystem: a block device whose bios complete in
// interrupt-context actors (one per bio, any order, -EIO decided by the FaultInjector) with a
// volatile write cache honouring FLUSH/FUA; a journal whose commit makes metadata durable; the
// on-disk metadata of the file (extent map per block, on-disk size); and the crash view.
//
// Data is tracked per sector as the id of the write that produced it (model::write_id_of);
// never-used disk blocks hold model::kForeign so exposing a never-written block is visible.
// Freed blocks are allocated again once the transaction that freed them has committed (as
// ext4's mballoc and XFS's busy extents do); their old content is handed out relabelled
// model::stale_of(v), so reading it back before the new owner's data lands is visible too.
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <sys/types.h>
#include <vector>

#include "impl/kernel/slab.hpp"
#include "impl/kernel/wait.hpp"
#include "model/event.hpp"
#include "model/workload.hpp"

namespace dc::kern {

using model::ExtentState;

// ---- on-disk metadata of one file (inode) ------------------------------------------------------
struct extent {
  ExtentState state = ExtentState::Hole;
  std::uint64_t pblk = 0;  // physical block when not a hole
};

struct file_meta {
  std::vector<extent> blocks;  // indexed by logical block
  loff_t disksize = 0;         // ext4 i_disksize (journalled)
  const extent& get(std::uint64_t lblk) const;
  extent& at(std::uint64_t lblk);  // grows the map with holes
};

// ---- block device ----------------------------------------------------------------------------
struct block_device {
  unsigned sector_size = 512;
  unsigned block_size = 4096;
  unsigned spb = 8;                    // sectors per fs block
  std::vector<std::uint32_t> cache;    // per physical sector: what a read returns now
  std::vector<std::uint32_t> durable;  // per physical sector: what survives a power cut
  std::uint64_t next_pblk = 0;         // block allocator: first never-used block
  std::set<std::uint64_t> free_blocks; // freed blocks whose freeing transaction has committed
  std::uint32_t nr_bios = 0;           // names of completion actors
};

void bdev_init(block_device* bdev, unsigned sector_size, unsigned block_size);
// Allocates n physically contiguous blocks: the lowest run of n free blocks, else never-used
// ones (which hold kForeign). A reused block keeps its old data, relabelled stale_of().
std::uint64_t bdev_alloc_blocks(block_device* bdev, std::uint64_t n);
// Records an access of one physical block (cache and durable copy) for the dependence
// analysis of dfs/DPOR; bios, writeback, page-cache fills and flushes call it.
void bdev_touch(const block_device* bdev, std::uint64_t pblk, Access a);
// REQ_FLUSH: everything in the volatile cache becomes durable.
void blkdev_issue_flush(block_device* bdev);

enum : unsigned { REQ_WRITE = 1u, REQ_FLUSH = 2u, REQ_FUA = 4u };

struct bio;
using bio_end_io_t = void (*)(bio*, int error);

struct bio {
  block_device* bi_bdev = nullptr;
  std::uint64_t bi_sector = 0;  // first physical sector
  std::uint32_t nsect = 0;
  unsigned bi_rw = 0;
  std::vector<std::uint32_t> data;    // write payload, one id per sector
  std::uint32_t* read_dst = nullptr;  // read destination (user memory), nsect entries
  void* bi_private = nullptr;
  bio_end_io_t bi_end_io = nullptr;
  bool uptodate = false;
  std::uint32_t op = model::kNoOp;  // workload op the bio works for (trace attribution)
  model::ObjId id = 0;
};

bio* bio_alloc(gfp_t gfp);
void bio_put(bio* b);
// Hands the bio to the device: one interrupt-context actor completes it, at any later point.
void submit_bio(bio* b);

// ---- journal (jbd2) -------------------------------------------------------------------------
struct disk;
struct journal_t {
  disk* j_disk = nullptr;
  std::uint32_t j_commit_sequence = 0;
  int t_updates = 0;  // open handles of the running transaction
  std::vector<std::uint64_t> t_freed;  // blocks the running transaction freed (still busy)
  wait_queue_head_t j_wait_updates;
};

// A handle on the running transaction; starting one may sleep.
void jbd2_journal_start(journal_t* j);
void jbd2_journal_stop(journal_t* j);
// Commits the running transaction: waits for open handles, flushes the device cache,
// then the current metadata (extents, on-disk size) becomes the durable metadata, and the
// blocks the transaction freed become free.
void jbd2_journal_commit(journal_t* j);
// Frees n blocks from pblk within a running handle. They stay busy (not allocatable) until
// the transaction commits: ext4_free_blocks -> ext4_mb_free_metadata (released by the
// commit callback, ext4_free_data_in_buddy); XFS xfs_bmap_add_free -> xfs_extent_busy_insert
// (cleared by xfs_extent_busy_clear once the log has the freeing transaction). Until then
// the last committed metadata may still point at them, so a crash cannot show their reuse.
void journal_free_blocks(journal_t* j, std::uint64_t pblk, std::uint64_t n);

// ---- the whole disk ---------------------------------------------------------------------------
struct disk {
  block_device bdev;
  journal_t journal;
  // per file (inode number = index), sized once at mount: inodes point into `meta`
  std::vector<file_meta> meta;     // current metadata (what the running kernel sees)
  std::vector<file_meta> durable;  // metadata as of the last commit
};

// The running transaction holds metadata changes of file `ino` not yet committed (the inode
// is pinned in the log). ext4_inode_datasync_dirty and XFS's pincount test.
bool journal_meta_dirty(const disk& d, std::size_t ino);

// Sector ids a read of [0, durable size) of file `ino` returns after a power cut and remount.
std::vector<std::uint32_t> crash_view(const disk& d, std::size_t ino, loff_t* durable_size);

// Reads the current content of one logical block through the metadata (HOLE/UNWRITTEN = zeros).
void read_block_current(const block_device& bdev, const file_meta& m, std::uint64_t lblk, std::uint32_t* out);

}  // namespace dc::kern
