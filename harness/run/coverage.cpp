#include "harness/run/coverage.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>

#include <fmt/format.h>

#include "model/facts.hpp"

namespace dc::harness {

std::size_t SitePairHash::operator()(const SitePair& p) const noexcept {
  std::size_t h = std::hash<const void*>{}(p.first.fn);
  auto mix = [&h](std::size_t v) { h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); };
  mix(p.first.line);
  mix(std::hash<const void*>{}(p.second.fn));
  mix(p.second.line);
  return h;
}

std::string site_name(const sched::Site& s) {
  if (!s.fn) return "?";
  // "ssize_t dc::kern::generic_perform_write(inode*, ...)" -> "generic_perform_write"
  std::string_view f(s.fn);
  const std::size_t paren = f.find('(');
  if (paren != std::string_view::npos) f = f.substr(0, paren);
  const std::size_t colon = f.rfind("::");
  if (colon != std::string_view::npos) f = f.substr(colon + 2);
  const std::size_t space = f.rfind(' ');
  if (space != std::string_view::npos) f = f.substr(space + 1);
  return fmt::format("{}:{}", f, s.line);
}

void PairRecorder::begin() {
  index_.clear();
  used_ = 0;
  seen_.clear();
  pairs_.clear();
}

PairRecorder::ObjState& PairRecorder::state(const void* obj) {
  bool fresh = false;
  std::uint32_t& slot = index_.find_or_add(obj, fresh);
  if (!fresh) return states_[slot];
  slot = static_cast<std::uint32_t>(used_);
  if (used_ == states_.size()) states_.emplace_back();
  ObjState& s = states_[used_++];
  s.written = false;
  s.writer = sched::kNoActor;
  s.readers.clear();
  return s;
}

void PairRecorder::emit(const sched::Site& first, const sched::Site& second) {
  bool fresh = false;
  seen_.find_or_add({first, second}, fresh);
  if (fresh) pairs_.push_back({first, second});
}

void PairRecorder::on_access(sched::ActorId actor, const void* obj, sched::Access a, sched::Site site) {
  if (a == sched::Access::None || !obj || !site.fn) return;
  ObjState& s = state(obj);
  if (s.written && s.writer != actor) emit(s.write_site, site);
  if (a == sched::Access::Read) {
    const bool seen = std::any_of(s.readers.begin(), s.readers.end(),
                                  [&](const Reader& r) { return r.actor == actor && r.site == site; });
    if (!seen) s.readers.push_back({actor, site});
    return;
  }
  for (const Reader& r : s.readers)
    if (r.actor != actor) emit(r.site, site);
  s.readers.clear();
  s.written = true;
  s.writer = actor;
  s.write_site = site;
}

std::vector<std::string> completion_cases(const model::Trace& t, const model::Workload& w, model::Kernel k) {
  using model::EvKind;
  std::vector<const model::Op*> op_of;
  for (const auto& task : w.tasks)
    for (const auto& o : task.ops) {
      if (o.id >= op_of.size()) op_of.resize(o.id + 1, nullptr);
      op_of[o.id] = &o;
    }
  std::vector<std::uint16_t> submitter(op_of.size(), sched::kNoActor);
  std::vector<std::string> out;
  const bool iomap = model::is_iomap_kernel(k);
  for (const model::Event& e : t.events) {
    if (e.op >= op_of.size() || !op_of[e.op]) continue;
    if (e.kind == EvKind::OpBegin) {
      submitter[e.op] = e.actor;
      continue;
    }
    if (e.kind != EvKind::DioComplete && e.kind != EvKind::AioComplete) continue;
    const bool irq = e.ctx == static_cast<std::uint8_t>(sched::Ctx::Interrupt);
    const bool in_submitter = !irq && e.actor == submitter[e.op];
    const char* where = irq ? "irq" : in_submitter ? "submitter" : "worker";
    if (e.kind == EvKind::AioComplete) {
      out.push_back(fmt::format("ctx:{}", where));
      continue;
    }
    const model::OpKind kind = op_of[e.op]->kind;
    const bool sync = kind == model::OpKind::PWrite || kind == model::OpKind::PRead;
    const char* row = nullptr;
    if (iomap)
      row = sync ? "A" : in_submitter ? "B1" : irq ? "B2" : "B4";
    else if (irq)
      row = "C2";
    else if (!in_submitter)
      row = "C1";
    else
      row = sync ? "A" : e.a == model::detail::kEIOCBQUEUED ? "D" : "B";
    out.push_back(fmt::format("case:{}", row));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Saturation saturation(const std::unordered_map<SitePair, std::uint32_t, SitePairHash>& hits) {
  Saturation s;
  s.pairs = hits.size();
  for (const auto& [p, n] : hits) {
    s.f1 += n == 1;
    s.f2 += n == 2;
  }
  const double f1 = static_cast<double>(s.f1), f2 = static_cast<double>(s.f2);
  // Chao1 (bias-corrected when no pair was seen exactly twice).
  s.chao1 = static_cast<double>(s.pairs) + (s.f2 > 0 ? f1 * f1 / (2 * f2) : f1 * (f1 - 1) / 2);
  s.reached = s.chao1 > 0 ? static_cast<double>(s.pairs) / s.chao1 : 1.0;
  s.new_if_doubled = f1;
  return s;
}

void CoverageMap::add(std::size_t cell, const std::vector<SitePair>& pairs, const std::vector<std::string>& cases) {
  std::lock_guard<std::mutex> lock(mu_);
  if (cells_.size() <= cell) {
    cells_.resize(cell + 1);
    cases_.resize(cell + 1);
  }
  for (const SitePair& p : pairs) {
    ++all_[p];
    ++cells_[cell][p];
  }
  for (const std::string& c : cases) ++cases_[cell][c];
}

void CoverageMap::sample(std::uint64_t executions, std::size_t findings) {
  std::lock_guard<std::mutex> lock(mu_);
  if (executions < next_sample_) return;
  curve_.push_back({executions, all_.size(), findings});
  next_sample_ = std::max<std::uint64_t>(next_sample_ + 1, executions + executions / 8);
}

std::uint64_t CoverageMap::pairs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return all_.size();
}

Saturation CoverageMap::saturation() const {
  std::lock_guard<std::mutex> lock(mu_);
  return harness::saturation(all_);
}

std::uint64_t CoverageMap::cell_pairs(std::size_t cell) const {
  std::lock_guard<std::mutex> lock(mu_);
  return cell < cells_.size() ? cells_[cell].size() : 0;
}

std::map<std::string, std::uint64_t> CoverageMap::cell_cases(std::size_t cell) const {
  std::lock_guard<std::mutex> lock(mu_);
  return cell < cases_.size() ? cases_[cell] : std::map<std::string, std::uint64_t>{};
}

std::vector<CoveragePoint> CoverageMap::curve() const {
  std::lock_guard<std::mutex> lock(mu_);
  return curve_;
}

std::vector<std::pair<std::string, std::uint32_t>> CoverageMap::top_pairs(std::size_t n) const {
  std::vector<std::pair<std::string, std::uint32_t>> v;
  {
    std::lock_guard<std::mutex> lock(mu_);
    v.reserve(all_.size());
    for (const auto& [p, hits] : all_) v.emplace_back(site_name(p.first) + " -> " + site_name(p.second), hits);
  }
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (v.size() > n) v.resize(n);
  return v;
}

CoverageSummary summarize(const CoverageMap& m, std::size_t cells) {
  CoverageSummary s;
  s.pairs = m.pairs();
  s.saturation = m.saturation();
  s.curve = m.curve();
  for (std::size_t c = 0; c < cells; ++c) {
    s.cell_pairs.push_back(m.cell_pairs(c));
    s.cell_cases.push_back(m.cell_cases(c));
  }
  s.top_pairs = m.top_pairs(20);
  return s;
}

}  // namespace dc::harness
