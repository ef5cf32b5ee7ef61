// A strategy that delegates each execution to one of several strategies in turn, chosen
// from the execution seed, so the choice is reproducible from the seed alone.
#pragma once
#include <memory>
#include <vector>

#include "harness/sched/strategy.hpp"

namespace dc::harness {

class PortfolioStrategy final : public sched::Strategy {
 public:
  explicit PortfolioStrategy(std::vector<std::unique_ptr<sched::Strategy>> members)
      : members_(std::move(members)) {}
  void begin(std::uint64_t seed) override {
    active_ = members_[seed % members_.size()].get();
    active_->begin(seed);
  }
  sched::ActorId pick(const sched::PickRequest& req) override { return active_->pick(req); }
  std::uint64_t draw(std::uint64_t bound) override { return active_->draw(bound); }
  bool end() override {
    active_->end();
    return true;
  }

 private:
  std::vector<std::unique_ptr<sched::Strategy>> members_;
  sched::Strategy* active_ = nullptr;
};

}  // namespace dc::harness
