// libFuzzer target: the schedule token decoder (harness/sched/schedule.cpp). Any input must
// decode or be refused with a ScheduleError; a token that decodes must re-encode to a token
// that decodes to the same schedule.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "harness/sched/schedule.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  dc::sched::Schedule s;
  try {
    s = dc::sched::decode(token);
  } catch (const dc::sched::ScheduleError&) {
    return 0;
  }
  if (!(dc::sched::decode(dc::sched::encode(s)) == s)) std::abort();
  return 0;
}
