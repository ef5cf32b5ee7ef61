// The simulated machine: which kernel, which filesystem, which deviations and faults.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/fault.hpp"
#include "model/mutant.hpp"

namespace dc::model {

// V6_6 / V6_18: the iomap era (fs/iomap/direct-io.c), ported in impl/iomap/ (impl/README.md
// names the point releases). V6_6_0 is the 6.6.0 release: 6.6 before the 6.6.y backports
// that change a property's verdict (91562895f803). Appended so earlier values keep their numbers.
enum class Kernel : std::uint8_t { V3_11, V7b7a8665, V3_12, V3_12_fixed, V6_6, V6_18, V6_6_0 };
enum class Fs : std::uint8_t { Ext4, Xfs };

struct Config {
  Kernel kernel = Kernel::V3_12_fixed;
  Fs fs = Fs::Ext4;
  MutantSet mutants;                    // catalogued deviations, all off by default
  std::vector<Fault> faults;          // injected faults
  int wq_concurrency = 2;               // workers per workqueue
  bool dioread_nolock = false;          // ext4 mount option (enables unlocked overwrite DIO)
  // 6.6 / 6.18 only: the async front end sets IOCB_DIO_CALLER_COMP, as io_uring did from
  // 099ada2c8726 until 838b35bb6a89 turned it off; completions of pure overwrites then run
  // as task_work of the issuing task (impl/README.md). Off by default, as in every release.
  bool iomap_caller_comp = false;
  friend bool operator==(const Config&, const Config&) = default;
};

const char* to_string(Kernel k);
const char* to_string(Fs f);
// Parsers return false on unknown names (callers turn that into a one-line error).
bool parse_kernel(const std::string& s, Kernel& out);
bool parse_fs(const std::string& s, Fs& out);
// The fs/direct-io.c era (impl/direct_io.cpp) and the iomap era (impl/iomap/).
inline constexpr Kernel kDirectIoKernels[] = {Kernel::V3_11, Kernel::V7b7a8665, Kernel::V3_12,
                                              Kernel::V3_12_fixed};
inline constexpr Kernel kIomapKernels[] = {Kernel::V6_6, Kernel::V6_18};
// The variants of "--kernel all" and the main job (campaign seed mappings 3 and 4,
// docs/campaigns.md): one per series, at the point release it follows.
inline constexpr Kernel kAllKernels[] = {Kernel::V3_11, Kernel::V7b7a8665, Kernel::V3_12,
                                         Kernel::V3_12_fixed, Kernel::V6_6, Kernel::V6_18};
// Every variant, also the earlier point releases that are selected by name only (6.6.0).
inline constexpr Kernel kEveryKernel[] = {Kernel::V3_11, Kernel::V7b7a8665, Kernel::V3_12, Kernel::V3_12_fixed,
                                          Kernel::V6_6,  Kernel::V6_18,     Kernel::V6_6_0};
inline constexpr bool is_iomap_kernel(Kernel k) {
  return k == Kernel::V6_6 || k == Kernel::V6_18 || k == Kernel::V6_6_0;
}
struct Workload;
// Why the workload cannot run on kernel k ("" = it can): io_uring (5.1) exists on 6.x only.
std::string kernel_error(const Workload& w, Kernel k);
inline constexpr Fs kAllFs[] = {Fs::Ext4, Fs::Xfs};

}  // namespace dc::model
