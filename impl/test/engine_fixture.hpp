// Shared by the engine tests (engine_test, xfs_test): run one execution of the Machine
// under a given strategy and look at what happened; a scripted strategy that picks actors by
// name prefix; small workload builders.
#pragma once
#include <algorithm>
#include <functional>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "harness/sched/scheduler.hpp"
#include "impl/kernel/execution.hpp"
#include "impl/machine.hpp"
#include "model/config.hpp"
#include "model/event.hpp"
#include "model/workload.hpp"

namespace dc::test {

struct RunOut {
  sched::Outcome outcome;
  model::Trace trace;
  std::vector<std::string> names;  // actor names by id
  std::size_t findings = 0;
  std::size_t live_after = 0;      // slab objects alive at the end (before end_execution)

  std::size_t count(model::EvKind k, const std::function<bool(const model::Event&)>& pred = {}) const {
    return static_cast<std::size_t>(std::count_if(trace.events.begin(), trace.events.end(), [&](const model::Event& e) {
      return e.kind == k && (!pred || pred(e));
    }));
  }
  std::size_t count_op(model::EvKind k, std::uint32_t opid) const {
    return count(k, [opid](const model::Event& e) { return e.op == opid; });
  }
  // Index of the first event of kind k (optionally with a predicate), or npos.
  std::size_t first(model::EvKind k, const std::function<bool(const model::Event&)>& pred = {}) const {
    for (std::size_t i = 0; i < trace.events.size(); ++i)
      if (trace.events[i].kind == k && (!pred || pred(trace.events[i]))) return i;
    return std::string::npos;
  }
  std::size_t first_op(model::EvKind k, std::uint32_t op) const {
    return first(k, [op](const model::Event& e) { return e.op == op; });
  }
  const model::Event& ev(std::size_t i) const { return trace.events.at(i); }
  std::string actor(std::size_t i) const { return names.at(trace.events.at(i).actor); }
  bool by(std::size_t i, const std::string& prefix) const {
    return i != std::string::npos && actor(i).rfind(prefix, 0) == 0;
  }
  std::string dump() const {
    std::string s;
    for (std::size_t i = 0; i < trace.events.size(); ++i) {
      const auto& e = trace.events[i];
      s += std::to_string(i) + " " + std::string(model::to_string(e.kind)) + " actor=" +
           (e.actor < names.size() ? names[e.actor] : std::string("-")) + " ctx=" + std::to_string(e.ctx) +
           " obj=" + std::to_string(e.obj) + " op=" + (e.op == model::kNoOp ? std::string("-") : std::to_string(e.op)) +
           " a=" + std::to_string(e.a) + " b=" + std::to_string(e.b) + " c=" + std::to_string(e.c);
      if (e.note) s += " note=" + trace.notes[e.note - 1];
      s += "\n";
    }
    return s;
  }
};

// One scheduler for the whole test binary, never destroyed: Boost.Fiber's thread-local
// scheduler is torn down before statics.
inline sched::Scheduler& the_scheduler() {
  static auto* s = new sched::Scheduler();
  return *s;
}

inline RunOut run(const model::Workload& w, const model::Config& c, sched::Strategy& strategy,
                  std::uint64_t seed = 1) {
  sched::Scheduler& s = the_scheduler();
  RunOut r;
  kern::Execution kctx(c, &r.trace);
  {
    kern::Machine m(w, c);
    s.begin(strategy, seed);
    m.start(s);
    r.outcome = s.finish();
    for (std::size_t i = 0; i < s.actor_count(); ++i) r.names.push_back(s.name(static_cast<sched::ActorId>(i)));
    r.live_after = kctx.slab().live_count();
    kctx.end(r.outcome.ok());
  }
  r.findings = kctx.tracer().findings();
  return r;
}

// Runs the first runnable actor whose name starts with the first matching prefix the policy
// returns (given the trace so far); otherwise the lowest runnable actor. Draws take 0.
using Policy = std::function<std::vector<std::string>(const model::Trace&)>;
struct Scripted final : sched::Strategy {
  Policy policy;
  void begin(std::uint64_t) override {}
  sched::ActorId pick(const sched::PickRequest& req) override {
    const auto& s = sched::Scheduler::current();
    for (const std::string& prefix : policy(*kern::Tracer::current()->trace()))
      for (sched::ActorId a : req.runnable)
        if (s.name(a).rfind(prefix, 0) == 0) return a;
    return req.runnable[0];
  }
  std::uint64_t draw(std::uint64_t) override { return 0; }
};

inline model::Op op(model::OpKind k, std::uint32_t id, std::uint64_t off = 0, std::uint64_t len = 0) {
  model::Op o;
  o.kind = k;
  o.id = id;
  o.offset = off;
  o.len = len;
  return o;
}

// A configuration for scripted engine tests: one worker per workqueue.
inline model::Config engine_config(model::Kernel k, model::Fs fs) {
  model::Config c;
  c.kernel = k;
  c.fs = fs;
  c.wq_concurrency = 1;
  return c;
}

// gtest parameter names for kernel variants: "k3_12_fixed".
inline std::string kernel_param_name(model::Kernel k) {
  std::string n = model::to_string(k);
  std::replace(n.begin(), n.end(), '.', '_');
  std::replace(n.begin(), n.end(), '-', '_');
  return "k" + n;
}

// Every 3.x variant on both filesystems, named "k3_12_fixed_xfs": for
// INSTANTIATE_TEST_SUITE_P(..., all_3x_variants_and_fs(), variant_and_fs_name).
using VariantAndFs = std::tuple<model::Kernel, model::Fs>;
inline auto all_3x_variants_and_fs() {
  return ::testing::Combine(::testing::ValuesIn(model::kDirectIoKernels), ::testing::ValuesIn(model::kAllFs));
}
inline std::string variant_and_fs_name(const ::testing::TestParamInfo<VariantAndFs>& p) {
  return kernel_param_name(std::get<0>(p.param)) + "_" + model::to_string(std::get<1>(p.param));
}

}  // namespace dc::test
