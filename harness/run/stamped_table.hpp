// A hash table of small keys for per-execution bookkeeping: open addressing (linear
// probing), and clear() in O(1) by bumping a stamp, so an execution pays no allocation and
// no node teardown (std::unordered_map::clear frees every node). Keys live until the next
// clear(); nothing is erased singly.
#pragma once
#include <cstdint>
#include <vector>

namespace dc::harness {

template <class Key, class Value, class Hash>
class StampedTable {
 public:
  // The value of `key`, default-constructed if it was not in the table since clear();
  // `fresh` says which. References stay valid until the next find_or_add or clear().
  Value& find_or_add(const Key& key, bool& fresh) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    Slot* s = probe(slots_, key);
    fresh = s->stamp != stamp_;
    if (fresh) {
      s->stamp = stamp_;
      s->key = key;
      s->value = Value{};
      ++size_;
    }
    return s->value;
  }
  void clear() {
    size_ = 0;
    if (++stamp_ == 0) {  // wrapped: old slots could look current
      for (Slot& s : slots_) s.stamp = 0;
      stamp_ = 1;
    }
  }
  std::size_t size() const { return size_; }

 private:
  struct Slot {
    Key key{};
    Value value{};
    std::uint32_t stamp = 0;  // current iff == stamp_
  };
  Slot* probe(std::vector<Slot>& slots, const Key& key) const {
    const std::size_t mask = slots.size() - 1;
    for (std::size_t i = Hash{}(key) & mask;; i = (i + 1) & mask)
      if (slots[i].stamp != stamp_ || slots[i].key == key) return &slots[i];
  }
  void grow() {
    std::vector<Slot> bigger(slots_.empty() ? 64 : 2 * slots_.size());
    for (const Slot& s : slots_)
      if (s.stamp == stamp_) *probe(bigger, s.key) = s;
    slots_.swap(bigger);
  }

  std::vector<Slot> slots_;
  std::size_t size_ = 0;
  std::uint32_t stamp_ = 1;
};

}  // namespace dc::harness
