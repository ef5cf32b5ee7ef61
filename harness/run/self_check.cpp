#include "harness/run/self_check.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "harness/sched/rng.hpp"

namespace dc::harness {

bool self_check_due(std::uint64_t campaign_seed, std::uint64_t i) {
  return sched::mix_seed(campaign_seed ^ 0x5e1fc4ec5ULL, i) % 100 == 0;
}

namespace {

std::string event_line(std::size_t i, const model::Event& e) {
  return fmt::format("{} {} actor={} ctx={} obj={} op={} a={} b={} c={}\n", i, model::to_string(e.kind), e.actor,
                     e.ctx, e.obj, e.op, e.a, e.b, e.c);
}

bool same(const model::Event& x, const model::Event& y) {
  return x.kind == y.kind && x.ctx == y.ctx && x.actor == y.actor && x.obj == y.obj && x.op == y.op && x.a == y.a &&
         x.b == y.b && x.c == y.c && x.ndata == y.ndata;
}

}  // namespace

std::string trace_lines(const model::Trace& t) {
  std::string s;
  for (std::size_t i = 0; i < t.events.size(); ++i) s += event_line(i, t.events[i]);
  return s;
}

DeterminismMismatch describe_mismatch(std::uint64_t execution, const model::Trace& first, std::uint64_t first_hash,
                                      const model::Trace& second, std::uint64_t second_hash) {
  DeterminismMismatch m;
  m.execution = execution;
  m.first_hash = first_hash;
  m.second_hash = second_hash;
  const std::size_t n = std::min(first.events.size(), second.events.size());
  std::size_t i = 0;
  while (i < n && same(first.events[i], second.events[i])) ++i;
  m.first_difference = i;
  m.first_trace = trace_lines(first);
  m.second_trace = trace_lines(second);
  return m;
}

}  // namespace dc::harness
