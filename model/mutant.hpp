// The catalogued engine deviations (mutants) a Config can switch on, as typed flags. Names,
// descriptions and where each applies live in one catalogue row per mutant
// (harness/run/mutant_catalogue.hpp); inside the checker a mutant is only this enum.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace dc::model {

enum class Mutant : std::uint8_t {
  AioCompleteBeforeConversion,
  DsyncAioNotHonoured,
  DsyncDeferPredicate,
  InodeDioDoneBeforeConversion,
  DioCountDoubleDec,
  TruncateDioWaitVsWorkerLock,
  InodeUafAfterAioComplete,
  IomapDioUafLastRef,
  EiocbqueuedDoubleComplete,
  EvictVsRunningWork,
  DioDoneWqInitRace,
  ConvertOnIoError,
  // iomap era (6.6 / 6.18)
  IomapFuaIntoUnwritten,
  Ext4SizeAfterDioSync,
  XfsEofZeroingWithoutDrain,
  XfsFallocateSizeBeforeDioWait,
  Count_
};

// A set of mutants: one bit each. Iterates (list()) in enum order, so files and reports
// that name a set are canonical.
class MutantSet {
 public:
  constexpr MutantSet() = default;
  constexpr MutantSet(std::initializer_list<Mutant> ms) {
    for (Mutant m : ms) add(m);
  }
  constexpr bool has(Mutant m) const { return (bits_ & bit(m)) != 0; }
  constexpr void add(Mutant m) { bits_ |= bit(m); }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr void clear() { bits_ = 0; }
  constexpr bool intersects(MutantSet o) const { return (bits_ & o.bits_) != 0; }
  std::vector<Mutant> list() const {
    std::vector<Mutant> out;
    for (unsigned i = 0; i < static_cast<unsigned>(Mutant::Count_); ++i)
      if (bits_ & (1u << i)) out.push_back(static_cast<Mutant>(i));
    return out;
  }
  friend constexpr bool operator==(MutantSet, MutantSet) = default;

 private:
  static constexpr std::uint32_t bit(Mutant m) { return 1u << static_cast<unsigned>(m); }
  std::uint32_t bits_ = 0;
};
static_assert(static_cast<unsigned>(Mutant::Count_) <= 32);

}  // namespace dc::model
