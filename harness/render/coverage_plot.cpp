#include "harness/render/coverage_plot.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace dc::harness {
namespace {

constexpr double kWidth = 760, kHeight = 280;
constexpr double kLeft = 64, kRight = 56, kTop = 24, kBottom = 40;
constexpr double kPlotW = kWidth - kLeft - kRight, kPlotH = kHeight - kTop - kBottom;

// The smallest of 1, 2, 5 x 10^k at or above v (an axis end that reads well).
double nice_ceil(double v) {
  if (v <= 1) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= v) return m * p;
  return 10 * p;
}

struct Axes {
  double lx0, lx1;  // log10 of the first and last execution count
  double pairs_max, findings_max;
  double x(double executions) const {
    const double span = lx1 > lx0 ? lx1 - lx0 : 1;
    return kLeft + (std::log10(std::max(executions, 1.0)) - lx0) / span * kPlotW;
  }
  double y_pairs(double p) const { return kTop + kPlotH * (1 - p / pairs_max); }
  double y_findings(double f) const { return kTop + kPlotH * (1 - f / findings_max); }
};

std::string grid_and_ticks(const Axes& a) {
  std::string s;
  // x: 1, 2, 5 x 10^k inside the range.
  for (double p = std::pow(10.0, std::floor(a.lx0)); p <= std::pow(10.0, a.lx1) * 1.0001; p *= 10)
    for (double m : {1.0, 2.0, 5.0}) {
      const double e = m * p;
      if (std::log10(e) < a.lx0 - 1e-9 || std::log10(e) > a.lx1 + 1e-9) continue;
      const double x = a.x(e);
      s += fmt::format("<line class=\"grid\" x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\"/>", x, kTop, kTop + kPlotH);
      s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>", x, kTop + kPlotH + 14,
                       e >= 1e6 ? fmt::format("{:g}M", e / 1e6) : e >= 1e3 ? fmt::format("{:g}k", e / 1e3) : fmt::format("{:g}", e));
    }
  for (int i = 0; i <= 4; ++i) {
    const double y = kTop + kPlotH * (1 - i / 4.0);
    s += fmt::format("<line class=\"grid\" x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\"/>", kLeft, y, kLeft + kPlotW, y);
    s += fmt::format("<text class=\"pairs\" x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{:g}</text>", kLeft - 6, y + 4,
                     a.pairs_max * i / 4);
    s += fmt::format("<text class=\"findings\" x=\"{}\" y=\"{:.1f}\">{:g}</text>", kLeft + kPlotW + 6, y + 4,
                     a.findings_max * i / 4);
  }
  s += fmt::format("<rect class=\"frame\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>", kLeft, kTop, kPlotW, kPlotH);
  s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">executions (log scale)</text>", kLeft + kPlotW / 2,
                   kHeight - 6);
  s += fmt::format("<text class=\"pairs\" x=\"{}\" y=\"{}\">access pairs</text>", kLeft - 56, kTop - 10);
  s += fmt::format("<text class=\"findings\" x=\"{}\" y=\"{}\" text-anchor=\"end\">findings</text>", kWidth - 4, kTop - 10);
  return s;
}

}  // namespace

std::string coverage_plot_svg(const std::vector<CoveragePoint>& curve) {
  if (curve.size() < 2) return {};
  Axes a{};
  a.lx0 = std::log10(static_cast<double>(std::max<std::uint64_t>(curve.front().executions, 1)));
  a.lx1 = std::log10(static_cast<double>(std::max<std::uint64_t>(curve.back().executions, 1)));
  std::uint64_t pairs = 0;
  std::size_t findings = 0;
  for (const CoveragePoint& p : curve) {
    pairs = std::max(pairs, p.pairs);
    findings = std::max(findings, p.findings);
  }
  a.pairs_max = nice_ceil(static_cast<double>(pairs));
  // At least 4, so that the four grid lines fall on whole findings.
  a.findings_max = std::max(4.0, std::ceil(static_cast<double>(findings) / 4) * 4);

  std::string line, steps, dots;
  std::size_t last = 0;
  for (std::size_t i = 0; i < curve.size(); ++i) {
    const CoveragePoint& p = curve[i];
    const double x = a.x(static_cast<double>(p.executions));
    line += fmt::format("{}{:.1f},{:.1f}", i ? " " : "", x, a.y_pairs(static_cast<double>(p.pairs)));
    // Findings: a step function (a count changes between samples, at the later one).
    if (i) steps += fmt::format(" {:.1f},{:.1f}", x, a.y_findings(static_cast<double>(last)));
    steps += fmt::format("{}{:.1f},{:.1f}", i ? " " : "", x, a.y_findings(static_cast<double>(p.findings)));
    if (p.findings > last)
      dots += fmt::format("<circle class=\"finding\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\"><title>{} findings after {} "
                          "executions</title></circle>",
                          x, a.y_findings(static_cast<double>(p.findings)), p.findings, p.executions);
    last = p.findings;
  }
  return fmt::format(
      "<svg class=\"plot\" id=\"coverage-plot\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" role=\"img\" aria-label=\"access pairs and findings against executions\">{2}"
      "<polyline class=\"findings\" points=\"{3}\"/>{4}<polyline class=\"pairs\" points=\"{5}\"/></svg>",
      kWidth, kHeight, grid_and_ticks(a), steps, dots, line);
}

}  // namespace dc::harness
