#include "harness/sched/obj_numbering.hpp"

namespace dc::sched {

std::size_t ObjNumbering::home(const void* key) const {
  const auto h = static_cast<std::size_t>((reinterpret_cast<std::uintptr_t>(key) >> 3) * 0x9e3779b97f4a7c15ULL);
  return (h >> 20) & (slots_.size() - 1);
}

std::uint32_t ObjNumbering::find(const void* key) const {
  if (slots_.empty()) return kNone;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t h = home(key); slots_[h].gen == gen_; h = (h + 1) & mask)
    if (slots_[h].key == key) return slots_[h].num;
  return kNone;
}

std::uint32_t ObjNumbering::number(const void* key) {
  if ((keys_.size() + 1) * 2 > slots_.size()) grow();
  const std::size_t mask = slots_.size() - 1;
  std::size_t h = home(key);
  for (; slots_[h].gen == gen_; h = (h + 1) & mask)
    if (slots_[h].key == key) return slots_[h].num;
  slots_[h] = {key, gen_, count()};
  keys_.push_back(key);
  return slots_[h].num;
}

void ObjNumbering::grow() {
  slots_.assign(slots_.empty() ? 64 : slots_.size() * 2, Slot{});
  for (std::uint32_t n = 0; n < keys_.size(); ++n) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t h = home(keys_[n]);
    while (slots_[h].gen == gen_) h = (h + 1) & mask;
    slots_[h] = {keys_[n], gen_, n};
  }
}

void ObjNumbering::clear() {
  keys_.clear();
  if (++gen_ == 0) {  // generation wrapped: really clear
    slots_.assign(slots_.size(), Slot{});
    gen_ = 1;
  }
}

}  // namespace dc::sched
