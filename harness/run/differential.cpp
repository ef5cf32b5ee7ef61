#include "harness/run/differential.hpp"

#include <cstdio>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace dc::harness {

bool closest_variant(const std::string& release, model::Kernel& out) {
  int major = 0, minor = 0, patch = 0;
  const int n = std::sscanf(release.c_str(), "%d.%d.%d", &major, &minor, &patch);
  if (n < 2) return false;
  const int v = major * 1000 + minor;
  if (v >= 6013) out = model::Kernel::V6_18;
  else if (v == 6006 && n == 3 && patch < 3) out = model::Kernel::V6_6_0;  // before 91562895f803 (6.6.3)
  else if (v >= 5005) out = model::Kernel::V6_6;
  else out = model::Kernel::V3_12_fixed;
  return true;
}

model::Fs closest_fs(const std::string& fs_type) { return fs_type == "xfs" ? model::Fs::Xfs : model::Fs::Ext4; }

std::vector<OpOutcome> outcomes(const model::Workload& w, const model::Trace& t) {
  std::uint32_t n = 0;
  for (const auto& task : w.tasks)
    for (const auto& op : task.ops) n = std::max(n, op.id + 1);
  std::vector<OpOutcome> out(n);
  std::vector<bool> aio(n, false);
  for (const auto& task : w.tasks)
    for (const auto& op : task.ops)
      aio[op.id] = op.kind == model::OpKind::AioWrite || op.kind == model::OpKind::AioRead;
  for (const auto& e : t.events) {
    if (e.op >= n) continue;
    if ((e.kind == model::EvKind::OpEnd && !aio[e.op]) || e.kind == model::EvKind::AioReaped) {
      out[e.op].seen = true;
      out[e.op].result = e.a;
    } else if (e.kind == model::EvKind::ReadData) {
      out[e.op].data.assign(t.data.begin() + e.data, t.data.begin() + e.data + e.ndata);
    }
  }
  return out;
}

std::vector<Difference> compare(const model::Workload& w, const model::Trace& engine, const model::Trace& host) {
  const auto a = outcomes(w, engine), b = outcomes(w, host);
  std::vector<Difference> d;
  for (const auto& task : w.tasks)
    for (const auto& op : task.ops) {
      if (op.kind == model::OpKind::GetEvents || op.kind == model::OpKind::Close) continue;
      const OpOutcome& x = a[op.id];
      const OpOutcome& y = b[op.id];
      if (x.seen != y.seen || x.result != y.result)
        d.push_back({op.id, fmt::format("{} {}+{}: engine {} host {}", model::to_string(op.kind), op.offset, op.len,
                                        x.seen ? std::to_string(x.result) : "no result",
                                        y.seen ? std::to_string(y.result) : "no result")});
      else if (x.data != y.data)
        d.push_back({op.id, fmt::format("{} {}+{}: engine read {} host read {}", model::to_string(op.kind), op.offset,
                                        op.len, x.data, y.data)});
    }
  return d;
}

}  // namespace dc::harness
