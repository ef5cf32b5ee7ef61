// Fiber stacks reused across executions. A fresh fixed-size stack per fiber costs page
// faults on first touch (~30x slower per execution on these machines); a pooled stack is
// already faulted in. Guard mode puts a PROT_NONE page below each stack so an overflow
// faults instead of silently corrupting the neighbour (for debugging).
#pragma once
#include <cstddef>
#include <memory>
#include <vector>

#include <boost/context/stack_context.hpp>

namespace dc::sched {

class StackPool {
 public:
  StackPool(std::size_t stack_size, bool guard_page);
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  boost::context::stack_context allocate();
  void deallocate(boost::context::stack_context& sc) noexcept;

  // The stack handed out by the latest allocate().
  const boost::context::stack_context& last() const { return last_; }
  std::size_t stacks_created() const { return created_; }
  std::size_t stacks_free() const { return free_.size(); }

 private:
  std::size_t size_;   // usable bytes
  bool guard_;
  std::size_t page_;
  std::size_t created_ = 0;
  std::vector<void*> free_;  // base addresses (including the guard page)
  boost::context::stack_context last_;
};

// The allocator handle Boost.Fiber copies into each fiber; all copies share one pool.
class PooledStack {
 public:
  explicit PooledStack(StackPool& pool) : pool_(&pool) {}
  boost::context::stack_context allocate() { return pool_->allocate(); }
  void deallocate(boost::context::stack_context& sc) noexcept { pool_->deallocate(sc); }

 private:
  StackPool* pool_;
};

}  // namespace dc::sched
