#include "harness/sched/stack_pool.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <new>

#include "harness/sched/asan.hpp"

namespace dc::sched {

StackPool::StackPool(std::size_t stack_size, bool guard_page)
    : guard_(guard_page), page_(static_cast<std::size_t>(::sysconf(_SC_PAGESIZE))) {
  size_ = (stack_size + page_ - 1) / page_ * page_;
}

StackPool::~StackPool() {
  for (void* base : free_) ::munmap(base, size_ + (guard_ ? page_ : 0));
}

boost::context::stack_context StackPool::allocate() {
  void* base;
  const std::size_t total = size_ + (guard_ ? page_ : 0);
  if (!free_.empty()) {
    base = free_.back();
    free_.pop_back();
  } else {
    base = ::mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) throw std::bad_alloc();
    if (guard_) ::mprotect(base, page_, PROT_NONE);
    ++created_;
  }
  boost::context::stack_context sc;
  sc.size = size_;
  sc.sp = static_cast<char*>(base) + total;  // stacks grow down from the top
  // The previous fiber on this stack ended inside frames that never returned (Boost's
  // entry trampoline): their redzones are still poisoned in ASan's shadow.
  asan::unpoison(static_cast<char*>(sc.sp) - size_, size_);
  last_ = sc;
  return sc;
}

void StackPool::deallocate(boost::context::stack_context& sc) noexcept {
  const std::size_t total = size_ + (guard_ ? page_ : 0);
  free_.push_back(static_cast<char*>(sc.sp) - total);
}

}  // namespace dc::sched
