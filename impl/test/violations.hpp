// One line per model violation, for test failure messages.
#pragma once
#include <string>
#include <vector>

#include "model/checker.hpp"

namespace dc::test {

inline std::string describe(const std::vector<model::Violation>& v) {
  std::string s;
  for (const auto& x : v) s += x.property + " @" + std::to_string(x.event) + ": " + x.actual + "\n";
  return s;
}

}  // namespace dc::test
