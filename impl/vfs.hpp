// VFS objects of the port (kernel names): super_block, inode (with its ext4_inode_info
// part), file, kiocb/kioctx, buffer_head, the page cache, and the filesystem seam (FsType)
// through which ext4 (impl/fs/ext4.*) and later XFS (impl/fs/xfs.*) plug in.
#pragma once
#include <cerrno>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <sys/types.h>
#include <vector>

#include "impl/kernel/atomic.hpp"
#include "impl/kernel/mutex.hpp"
#include "impl/kernel/slab.hpp"
#include "impl/kernel/spinlock.hpp"
#include "impl/kernel/wait.hpp"
#include "impl/kernel/workqueue.hpp"
#include "impl/substrate.hpp"

namespace dc::kern {

inline constexpr int EIOCBQUEUED = 529;  // kernel-internal: "the completion side will finish"

enum : unsigned { O_DIRECT_ = 1u, O_DSYNC_ = 2u, O_SYNC_ = 4u };  // file flags of the model

struct super_block;
struct inode;
struct file;
struct kiocb;
struct kioctx;
class FsType;

// ---- buffer_head (the get_block result) ------------------------------------------------------
enum bh_state_bits : unsigned {
  BH_Mapped = 0,
  BH_New,
  BH_Unwritten,
  BH_Boundary,
  BH_Defer_Completion,  // 7b7a8665: the fs asks for completion in process context
};
struct buffer_head {
  unsigned long b_state = 0;
  std::uint64_t b_blocknr = 0;  // physical block
  std::uint64_t b_size = 0;     // bytes mapped
  void* b_private = nullptr;    // not reset between get_block calls of one dio
};
inline bool buffer_test(const buffer_head* bh, unsigned bit) { return (bh->b_state >> bit) & 1u; }
inline void buffer_set(buffer_head* bh, unsigned bit) { bh->b_state |= 1ul << bit; }
inline bool buffer_mapped(const buffer_head* bh) { return buffer_test(bh, BH_Mapped); }
inline bool buffer_new(const buffer_head* bh) { return buffer_test(bh, BH_New); }
inline bool buffer_unwritten(const buffer_head* bh) { return buffer_test(bh, BH_Unwritten); }
inline bool buffer_defer_completion(const buffer_head* bh) {
  return buffer_test(bh, BH_Defer_Completion);
}
inline void set_buffer_defer_completion(buffer_head* bh) { buffer_set(bh, BH_Defer_Completion); }

using get_block_t = int (*)(inode*, std::uint64_t iblock, buffer_head* bh, int create);
// One type for both end_io signatures: post-7b7a8665 filesystems read (iocb, offset, size,
// private); 3.11 filesystems also read ret and is_async and own inode_dio_done/aio_complete.
using dio_iodone_t = void (*)(kiocb* iocb, loff_t offset, ssize_t size, void* private_, int ret,
                              bool is_async);
enum : int { DIO_LOCKING = 1, DIO_SKIP_HOLES = 2 };

// ---- user memory of one request ----------------------------------------------------------------
struct user_buf {
  loff_t len = 0;
  std::uint32_t write_id = 0;      // writes: the id stamped on every sector written
  std::uint32_t* read = nullptr;   // reads: per-sector destination for [offset, offset+len)
};

// ---- page cache (address_space) ---------------------------------------------------------------
struct page {
  std::vector<std::uint32_t> sect;  // one id per sector of the block
  bool dirty = false;
};
struct address_space {
  std::map<std::uint64_t, page> pages;  // by logical block (page == fs block here)
  // PG_writeback by block: set when writeback cleans the page, cleared after the
  // filesystem's end_io (ext4 dioread_nolock: after the extent conversion, b0857d309faf).
  // Kept apart from `pages`: the flag outlives a page dropped meanwhile.
  std::map<std::uint64_t, int> writeback;
  // PG_locked by block: held by writeback from before ->writepage maps the block until the
  // page is clean, so truncate cannot drop the page (and free the block) in between.
  std::set<std::uint64_t> locked;
  std::size_t nrpages() const {
    unlocked_access(this, Access::Read);  // a plain load (bio completion, direct write)
    return pages.size();
  }
};

// ---- super_block -----------------------------------------------------------------------------
struct super_block {
  workqueue_struct* s_dio_done_wq = nullptr;  // 7b7a8665: NULL -> W once, W -> NULL at shutdown
  std::string s_id = "sda";
  unsigned s_blocksize = 4096;
  unsigned s_blkbits = 12;
  block_device* s_bdev = nullptr;
  disk* s_disk = nullptr;
  journal_t* s_journal = nullptr;
  FsType* s_type = nullptr;
  bool s_sync = false;       // mount -o sync (IS_SYNC for every inode)
  bool dioread_nolock = false;
  // ext4_sb_info (3.11): the unreserved conversion queue ("ext4-unrsv-conversion").
  workqueue_struct* unrsv_conversion_wq = nullptr;
  int s_inodes = 0;  // live inodes
  // MS_ACTIVE: while set, the last iput of an inode keeps it cached on s_inode_lru (unused,
  // i_count 0) for reclaim (prune_icache_sb) or umount (evict_inodes) to evict.
  bool s_active = true;
  std::vector<inode*> s_inode_lru;
  void* s_fs_info = nullptr;  // filesystem private (XFS: struct xfs_mount, impl/fs/xfs.*)
  model::ObjId id = 0;
};

// ---- inode (+ ext4_inode_info) -------------------------------------------------------------------
struct inode;
struct inode_work {
  work_struct work;  // first member: the work item handed to the queue
  inode* owner = nullptr;
};

enum : int { I_FREEING_BIT = 5, __I_DIO_WAKEUP = 9 };
enum : unsigned { EXT4_STATE_DIO_UNWRITTEN = 1u };

struct inode {
  super_block* i_sb = nullptr;
  file_meta* i_meta = nullptr;  // the on-disk inode (extent tree, i_disksize)
  std::uint32_t i_ino = 0;       // inode number: the workload's file index
  loff_t i_size = 0;
  unsigned i_blkbits = 12;
  atomic_t i_dio_count;
  unsigned long i_state = 0;
  mutex i_mutex;
  rw_semaphore i_rwsem;  // iomap-era kernels (6.x): the inode lock, shared or exclusive
  void* i_private = nullptr;  // ext4: current AIO io_end (ext4_inode_aio)
  int i_count = 0;            // references (open files)
  bool is_sync = false;       // IS_SYNC
  address_space i_mapping;
  model::ObjId id = 0;
  // ext4_inode_info
  atomic_t i_unwritten;
  atomic_t i_ioend_count;
  unsigned long ext4_state = 0;
  rw_semaphore i_data_sem;
  mutex i_aio_mutex;
  wait_queue_head_t i_ioend_wq;  // ext4__ioend_wq(inode)
  bool dio_read_blocked = false;  // ext4_inode_block_unlocked_dio
  spinlock_t i_completed_io_lock;
  std::vector<void*> i_unrsv_conversion_list;  // 3.11: io_ends waiting for conversion
  inode_work i_unrsv_conversion_work;
};
inline bool IS_SYNC(const inode* i) { return i->is_sync || i->i_sb->s_sync; }

// ---- file ------------------------------------------------------------------------------------
struct file {
  inode* f_inode = nullptr;
  unsigned f_flags = 0;
  int f_count = 0;
  bool released = false;  // the final __fput has run
  wait_queue_head_t f_wait;  // woken when released
  model::ObjId id = 0;
};

// ---- AIO -------------------------------------------------------------------------------------
struct io_event {
  std::uint32_t op = model::kNoOp;  // data: the workload op id
  model::ObjId obj = 0;             // the kiocb
  ssize_t res = 0, res2 = 0;
  const std::vector<std::uint32_t>* read_buf = nullptr;  // user buffer of a read
  loff_t offset = 0;
};

struct kioctx {
  std::vector<io_event> ring;
  std::size_t head = 0;       // first unreaped event
  int reqs_active = 0;        // submitted and not completed
  spinlock_t completion_lock;
  wait_queue_head_t wait;
  model::ObjId id = 0;
  // Config::iomap_caller_comp: writes carry IOCB_DIO_CALLER_COMP, as io_uring's io_write set
  // it from 099ada2c8726 to 838b35bb6a89, and completions handed back by iomap wait in
  // `task_work` (the issuing task's; one context per task) until that task runs them.
  bool caller_comp = false;
  std::vector<kiocb*> task_work;
};

struct kiocb {
  kioctx* ki_ctx = nullptr;  // NULL for a sync kiocb
  file* ki_filp = nullptr;
  loff_t ki_pos = 0;
  void* private_ = nullptr;  // kiocb->private (the fs's)
  std::uint32_t ki_op = model::kNoOp;  // workload op id (user_data)
  bool ki_dsync = false;               // per-I/O RWF_DSYNC
  bool ki_read = false;
  // Set by the filesystem: this direct write does not move i_size when it returns (ext4
  // since 5.5 extends only writes that were extending when they started).
  bool ki_keep_size = false;
  const std::vector<std::uint32_t>* ki_buf = nullptr;  // read buffer (user memory)
  // IOCB_DIO_CALLER_COMP (set by the front end) and, once iomap handed the completion back,
  // iocb->dio_complete(iocb->private) is what the issuer's task_work runs.
  bool ki_caller_comp = false;
  ssize_t (*dio_complete)(void*) = nullptr;
  // io_uring's kiocb (impl/io_uring.cpp): IOCB_NOWAIT on the inline issue, ki_complete =
  // io_complete_rw, and the request it is embedded in (cmd_to_io_kiocb).
  bool ki_nowait = false;
  void (*ki_complete)(kiocb* iocb, long res) = nullptr;
  void* ki_req = nullptr;
  int ki_users = 0;      // 3.11 only
  bool ki_cancel = false;  // 3.11 only: KIOCB_CANCELLED
  // sync kiocb completion
  ssize_t ki_user_data = 0;
  model::ObjId id = 0;
};
inline bool is_sync_kiocb(const kiocb* k) { return k->ki_ctx == nullptr && k->ki_complete == nullptr; }
// The O_(D)SYNC predicate of one write (file flag, IS_SYNC, or per-I/O RWF_DSYNC).
bool iocb_is_dsync(const kiocb* k);

// ---- the filesystem seam ---------------------------------------------------------------------
// What the generic code and the Machine need from a filesystem. ext4 implements it in
// impl/fs/ext4.cpp; XFS plugs in the same way (xfs_file_aio_write, xfs_vm_direct_IO, ...).
class FsType {
 public:
  virtual ~FsType() = default;
  virtual const char* name() const = 0;
  // mount: per-sb state (3.11 ext4: the unrsv conversion queue)
  virtual int fill_super(super_block* sb) = 0;
  virtual void put_super(super_block* sb) = 0;
  // file_operations->aio_write / aio_read of the O_DIRECT file
  virtual ssize_t aio_write(kiocb* iocb, const user_buf& buf, loff_t pos) = 0;
  virtual ssize_t aio_read(kiocb* iocb, const user_buf& buf, loff_t pos) = 0;
  // address_space_operations->direct_IO (rw: 0 read, 1 write)
  virtual ssize_t direct_IO(int rw, kiocb* iocb, const user_buf& buf, loff_t offset) = 0;
  // file_operations->fsync
  virtual int fsync(file* f, loff_t start, loff_t end, int datasync) = 0;
  // setattr(ATTR_SIZE), called with i_mutex held
  virtual int setattr_size(inode* in, loff_t size) = 0;
  virtual long fallocate(file* f, bool keep_size, loff_t offset, loff_t len) = 0;
  // writeback of one dirty page cache block: map (allocating) the block, return the pblk
  virtual int writepage_map(inode* in, std::uint64_t lblk, std::uint64_t* pblk) = 0;
  // the written-back data of that block reached the device (ext4 dioread_nolock converts)
  virtual void writepage_end_io(inode* in, std::uint64_t lblk) { (void)in, (void)lblk; }
  virtual void evict_inode(inode* in) = 0;
  // fs-private part of a new in-core inode (ext4: the conversion work item)
  virtual void init_inode(inode* in) { (void)in; }
};

// ---- VFS helpers (impl/vfs.cpp) ---------------------------------------------------------------
void inode_dio_begin(inode* in);  // atomic_inc(&i_dio_count)
void inode_dio_done(inode* in);
void inode_dio_wait(inode* in);
// The inode lock: i_rwsem on the iomap-era kernels, i_mutex on 3.x (same events as before).
void inode_lock(inode* in);
void inode_unlock(inode* in);
void inode_lock_shared(inode* in);    // 6.x only
bool inode_trylock(inode* in);        // 6.x only (IOCB_NOWAIT)
bool inode_trylock_shared(inode* in); // 6.x only (IOCB_NOWAIT)
// filemap_range_has_page / filemap_range_needs_writeback (a NOWAIT DIO must not block on them)
bool filemap_range_has_page(inode* in, loff_t start, loff_t end);
bool filemap_range_needs_writeback(inode* in, loff_t start, loff_t end);
void inode_unlock_shared(inode* in);  // 6.x only
loff_t i_size_read(const inode* in);
void i_size_write(inode* in, loff_t size);

int filemap_write_and_wait_range(inode* in, loff_t start, loff_t end);
int invalidate_inode_pages2_range(inode* in, loff_t start, loff_t end);
void truncate_pagecache(inode* in, loff_t newsize);

ssize_t generic_file_direct_write(kiocb* iocb, const user_buf& buf, loff_t pos, loff_t* ppos);
ssize_t generic_perform_write(inode* in, const user_buf& buf, loff_t pos);
ssize_t __generic_file_aio_write(kiocb* iocb, const user_buf& buf, loff_t* ppos);
ssize_t generic_file_buffered_read(inode* in, std::uint32_t* dst, loff_t pos, loff_t len);
int vfs_fsync_range(file* f, loff_t start, loff_t end, int datasync);
int generic_write_sync(file* f, loff_t pos, loff_t count, bool iocb_dsync);

file* get_file(file* f);
void fput(file* f);
void iput(inode* in);
// Reclaim of one cached inode (prune_icache_sb -> inode_lru_isolate -> dispose_list): evicts
// it if it is unused (i_count 0, on s_inode_lru); returns whether it did.
bool prune_icache_inode(inode* in);
// umount's evict_inodes: evicts every unused cached inode of the superblock.
void evict_inodes(super_block* sb);
void generic_shutdown_super(super_block* sb);

}  // namespace dc::kern
