// Port of fs/direct-io.c (7b7a8665, with the 3.11 and 3.12 differences behind variant_has).
#pragma once
#include "impl/vfs.hpp"

namespace dc::kern {

enum : int { READ = 0, WRITE = 1 };

struct dio;
struct dio_work {
  work_struct work;  // first member: handed to s_dio_done_wq
  dio* owner = nullptr;
};

// struct dio: one per DIO call, shared by the submitter and the completions.
struct dio {
  int flags = 0;
  int rw = READ;
  struct inode* inode = nullptr;
  loff_t i_size = 0;  // i_size snapshot at submission
  dio_iodone_t end_io = nullptr;
  void* private_ = nullptr;  // map_bh.b_private after each get_block
  spinlock_t bio_lock;
  int page_errors = 0;
  bool is_async = false;
  bool defer_completion = false;  // 7b7a8665
  int io_error = 0;
  unsigned long refcount = 0;
  bio* bio_list = nullptr;            // completed sync bios, linked through bi_private
  ActorId waiter = sched::kNoActor;   // task sleeping in dio_await_one
  kiocb* iocb = nullptr;
  ssize_t result = 0;
  dio_work complete_work;  // 7b7a8665: the union with pages[]
  model::ObjId id = 0;
  std::uint32_t op = model::kNoOp;
};

ssize_t __blockdev_direct_IO(int rw, kiocb* iocb, struct inode* inode, const user_buf& buf,
                             loff_t offset, get_block_t get_block, dio_iodone_t end_io, int flags);

// Exposed for tests and for the filesystems.
int sb_init_dio_done_wq(super_block* sb);
ssize_t dio_complete(dio* d, loff_t offset, ssize_t ret, bool is_async);

}  // namespace dc::kern
