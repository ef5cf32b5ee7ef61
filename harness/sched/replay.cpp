#include "harness/sched/replay.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace dc::sched {

void ReplayStrategy::diverge(std::string detail) {
  if (!divergence_) divergence_ = Divergence{pos_, std::move(detail)};
}

const Decision* ReplayStrategy::next(Decision::Kind want) {
  if (divergence_) return nullptr;
  if (pos_ >= schedule_.decisions.size()) {
    diverge(fmt::format("the run needs a {} but the schedule ends after {} decisions",
                        want == Decision::Kind::Pick ? "pick" : "draw", schedule_.decisions.size()));
    return nullptr;
  }
  const Decision& d = schedule_.decisions[pos_];
  if (d.kind != want) {
    diverge(fmt::format("the run asks for a {} but the schedule recorded a {}",
                        want == Decision::Kind::Pick ? "pick" : "draw", describe(d)));
    return nullptr;
  }
  return &d;
}

ActorId ReplayStrategy::pick(const PickRequest& req) {
  const Decision* d = next(Decision::Kind::Pick);
  if (d && std::find(req.runnable.begin(), req.runnable.end(), d->value) == req.runnable.end())
    diverge(fmt::format("the schedule picks actor {} but only actors {} are runnable", d->value,
                        req.runnable));
  if (divergence_) return req.runnable[0];
  ++pos_;
  return static_cast<ActorId>(d->value);
}

std::uint64_t ReplayStrategy::draw(std::uint64_t bound) {
  const Decision* d = next(Decision::Kind::Draw);
  if (d && d->value >= bound)
    diverge(fmt::format("the schedule draws {} but the run allows values below {}", d->value, bound));
  if (divergence_) return 0;
  ++pos_;
  return d->value;
}

bool ReplayStrategy::end() {
  if (!divergence_ && pos_ != schedule_.decisions.size())
    diverge(fmt::format("the run ended after {} decisions but the schedule holds {}", pos_,
                        schedule_.decisions.size()));
  return true;
}

}  // namespace dc::sched
