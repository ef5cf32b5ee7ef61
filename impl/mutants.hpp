// Real-bug mutants: named, catalogued deviations of the engine, one per entry of
// ../shared/reference/bug-catalog.md. Each reproduces the real mechanism (same steps, same
// contexts), is off by default and switched on at run time (`--mutant ID`). The check in
// the engine is `mutant_on(Mutant::X)`: one bit test of a per-execution mask.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/config.hpp"

namespace dc::kern {

enum class Mutant : std::uint8_t {
  AioCompleteBeforeConversion,   // aio-complete-before-conversion
  DsyncAioNotHonoured,           // dsync-aio-not-honoured
  DsyncDeferPredicate,           // dsync-defer-predicate
  InodeDioDoneBeforeConversion,  // inode-dio-done-before-conversion
  DioCountDoubleDec,             // dio-count-double-dec
  TruncateDioWaitVsWorkerLock,   // truncate-dio-wait-vs-worker-lock
  InodeUafAfterAioComplete,      // inode-uaf-after-aio-complete
  IomapDioUafLastRef,            // iomap-dio-uaf-last-ref
  EiocbqueuedDoubleComplete,     // eiocbqueued-double-complete
  EvictVsRunningWork,            // evict-vs-running-work
  DioDoneWqInitRace,             // dio-done-wq-init-race
  ConvertOnIoError,              // convert-on-io-error
  Count_
};

struct MutantInfo {
  Mutant id;
  std::string_view slug;
  std::string_view title;
  std::string_view fix;          // upstream fix commit(s)
  std::vector<model::Kernel> kernels;  // variants it applies to
  std::vector<model::Fs> filesystems;
  std::string_view deviation;    // what the mutated engine does differently
};

std::span<const MutantInfo> mutant_catalogue();
const MutantInfo* find_mutant(std::string_view slug);

// Per-execution mask, set by the Machine from Config::mutants.
void set_mutants(const std::vector<std::string>& slugs);
extern thread_local std::uint32_t tl_mutant_mask;
inline bool mutant_on(Mutant m) { return tl_mutant_mask & (1u << static_cast<unsigned>(m)); }

}  // namespace dc::kern
