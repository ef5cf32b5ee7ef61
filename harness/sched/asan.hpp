// AddressSanitizer support for fiber stacks (docs/sanitizers.md). Debian's Boost.Context
// (fcontext) carries no sanitizer annotations, so ASan would believe the thread never leaves
// its main stack: exceptions thrown on a fiber stack (sched::Unwind) would then leave stale
// redzones behind and produce false stack-buffer-overflow reports. The scheduler tells ASan
// about every switch it takes part in (Scheduler::asan_switching / asan_arrived) and the
// stack pool clears a stack's shadow before reuse. Everything here compiles to nothing
// without -fsanitize=address.
#pragma once
#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define DC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DC_ASAN 1
#endif
#endif

#ifdef DC_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace dc::sched::asan {

#ifdef DC_ASAN
inline constexpr bool kEnabled = true;
inline void unpoison(void* p, std::size_t n) { __asan_unpoison_memory_region(p, n); }
#else
inline constexpr bool kEnabled = false;
inline void unpoison(void*, std::size_t) {}
#endif

}  // namespace dc::sched::asan
