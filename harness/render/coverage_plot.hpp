// The campaign report's coverage plot: access pairs and findings against executions, as an
// inline SVG (no script, nothing fetched). The x axis is logarithmic, because the curve is
// sampled on a geometric series of execution counts (harness/run/coverage.hpp).
#pragma once
#include <string>
#include <vector>

#include "harness/run/coverage.hpp"

namespace dc::harness {

// "" for a curve of fewer than two points (nothing to plot).
std::string coverage_plot_svg(const std::vector<CoveragePoint>& curve);

}  // namespace dc::harness
