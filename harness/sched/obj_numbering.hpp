// Numbers the objects (addresses) an execution touches, 0, 1, 2, ... in order of first
// appearance. Two executions that share a prefix give the objects of that prefix the same
// numbers, even where the allocator hands out other addresses: that is how dfs remembers a
// step's footprint across executions, and how the race analysis indexes per-object state.
// Open addressing, cleared in O(1) by generation.
#pragma once
#include <cstdint>
#include <vector>

namespace dc::sched {

class ObjNumbering {
 public:
  static constexpr std::uint32_t kNone = 0xffffffffu;
  // The number of `key`, assigned now if the key is new.
  std::uint32_t number(const void* key);
  // The number of `key`, or kNone if it has none yet.
  std::uint32_t find(const void* key) const;
  const void* key(std::uint32_t num) const { return keys_[num]; }
  std::uint32_t count() const { return static_cast<std::uint32_t>(keys_.size()); }
  void clear();

 private:
  struct Slot {
    const void* key = nullptr;
    std::uint32_t gen = 0;
    std::uint32_t num = 0;
  };
  std::size_t home(const void* key) const;
  void grow();
  std::vector<Slot> slots_;
  std::vector<const void*> keys_;  // by number
  std::uint32_t gen_ = 1;
};

}  // namespace dc::sched
