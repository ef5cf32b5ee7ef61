// A Schedule is everything needed to repeat an execution: the seed the strategy started
// from and every decision the scheduler took (which actor ran at each real choice, and each
// bounded nondeterministic draw). Encoded as a compact versioned text token (schedule.cpp).
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dc::sched {

struct Decision {
  enum class Kind : std::uint8_t { Pick, Draw };
  Kind kind = Kind::Pick;
  std::uint32_t value = 0;  // the actor id picked, or the value drawn
  friend bool operator==(const Decision&, const Decision&) = default;
};

struct Schedule {
  std::uint64_t seed = 0;
  std::vector<Decision> decisions;
  friend bool operator==(const Schedule&, const Schedule&) = default;
};

std::string encode(const Schedule& s);

// Throws ScheduleError with a one-line message on anything that is not a valid token.
struct ScheduleError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
Schedule decode(std::string_view token);

std::string describe(const Decision& d);

}  // namespace dc::sched
