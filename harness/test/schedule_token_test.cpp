#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "harness/sched/schedule.hpp"

namespace dc::sched {
namespace {

RC_GTEST_PROP(ScheduleToken, RoundTrips, (std::uint64_t seed, std::vector<std::pair<bool, std::uint32_t>> raw)) {
  Schedule s;
  s.seed = seed;
  for (auto [draw, v] : raw) s.decisions.push_back({draw ? Decision::Kind::Draw : Decision::Kind::Pick, v});
  RC_ASSERT(decode(encode(s)) == s);
}

std::string error_of(const std::string& token) {
  try {
    decode(token);
  } catch (const ScheduleError& e) {
    return e.what();
  }
  return "";
}

TEST(ScheduleToken, RejectsCorruptAndForeignTokens) {
  Schedule s{42, {{Decision::Kind::Pick, 1}, {Decision::Kind::Draw, 3}, {Decision::Kind::Pick, 0}}};
  const std::string t = encode(s);
  EXPECT_NE(error_of("hello").find("not a diocheck schedule token"), std::string::npos);
  EXPECT_NE(error_of("dc2" + t.substr(3)).find("version 2 is not supported"), std::string::npos);
  std::string flipped = t;
  flipped[flipped.size() - 12] = flipped[flipped.size() - 12] == 'A' ? 'B' : 'A';
  EXPECT_NE(error_of(flipped).find("checksum"), std::string::npos) << flipped;
  EXPECT_NE(error_of(t.substr(0, t.size() - 3)).find("checksum"), std::string::npos);
  EXPECT_NE(error_of("dc1.zz.1.AA.00000000").find("seed"), std::string::npos);
  EXPECT_EQ(error_of(t), "");
}

}  // namespace
}  // namespace dc::sched
