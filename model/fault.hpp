// An injected fault: "fail the n-th allocation from cache X", "the n-th bio to complete
// ends with -EIO". Counted per execution, so a fault plan is deterministic.
#pragma once
#include <cstdint>
#include <string>

namespace dc::model {

struct Fault {
  enum class Kind : std::uint8_t { AllocFail, BioError };
  Kind kind = Kind::AllocFail;
  std::string site;       // AllocFail: cache name ("dio", "io_end", "ioend", "workqueue", "kiocb")
  std::uint32_t nth = 1;  // 1-based occurrence that fails
  friend bool operator==(const Fault&, const Fault&) = default;
};

}  // namespace dc::model
