// libFuzzer target: the exploration frontier file (DfsStrategy::restore, harness/sched/dfs.cpp).
// Any input must be restored or refused with std::invalid_argument; a frontier that restores
// must save to text that restores, on a fresh strategy, to the same frontier. The options are
// read from the input's own "options" line so that restore can accept it at all.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "harness/sched/dfs.hpp"

namespace {

// The DfsOptions a frontier says it was made with (defaults if the line is unreadable:
// restore then refuses it, which is also worth exercising).
dc::sched::DfsOptions options_of(std::string_view text) {
  dc::sched::DfsOptions o;
  const auto at = text.find("options ");
  if (at == std::string_view::npos) return o;
  const std::string line(text.substr(at + 8, text.find('\n', at) - at - 8));
  char red[8] = {};
  int pb = 0, db = 0;
  if (std::sscanf(line.c_str(), "%7s %d %d", red, &pb, &db) != 3) return o;
  const std::string r(red);
  o.reduction = r == "dpor" ? dc::sched::Reduction::Dpor
              : r == "sleep" ? dc::sched::Reduction::SleepSets
                             : dc::sched::Reduction::None;
  o.preemption_bound = pb;
  o.delay_bound = db;
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const dc::sched::DfsOptions opts = options_of(text);
  std::string saved;
  try {
    dc::sched::DfsStrategy s(opts);  // refuses unsound option sets (bounds with reduction)
    s.restore(text);
    saved = s.save();
  } catch (const std::invalid_argument&) {
    return 0;
  }
  dc::sched::DfsStrategy again(opts);
  again.restore(saved);  // must not throw: it is our own output
  if (again.save() != saved) std::abort();
  return 0;
}
