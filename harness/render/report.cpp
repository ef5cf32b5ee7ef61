// Campaign report: totals, a findings matrix (kernel x fs rows, one column per property,
// each cell "violated" with links to the finding and its corpus file, or "holds" with the
// number of executions that did not violate it), then one section per finding.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "harness/render/coverage_plot.hpp"
#include "harness/render/format.hpp"
#include "harness/run/campaign.hpp"
#include "harness/sched/schedule.hpp"

namespace dc::harness {
namespace {

using namespace render_detail;

constexpr const char* kCss = R"CSS(
*{box-sizing:border-box}
body{font:13px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;padding:14px 18px;color:#1d2330}
h1{font-size:19px;margin:0 0 10px}
h2{font-size:15px;margin:20px 0 8px}
h3{font-size:14px;margin:0 0 6px}
code,.mono{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;font-size:12px}
.totals{display:flex;gap:12px;flex-wrap:wrap}
.totals div{border:1px solid #ccd;border-radius:6px;padding:6px 12px;background:#fafbfd}
.totals b{display:block;font-size:17px}
table{border-collapse:collapse}
.matrix th,.matrix td{border:1px solid #d5d9e2;padding:4px 8px;text-align:left;vertical-align:top}
.matrix th{background:#eef1f6}
.matrix td.holds{background:#e3f6e5;color:#14501c}
.matrix td.violated{background:#fde2e1;color:#8a1010;font-weight:600}
.matrix td.none{color:#999}
.matrix td.num{text-align:right;font-family:ui-monospace,"DejaVu Sans Mono",monospace}
.finding{border:1px solid #e0b4b4;border-left:5px solid #d33;border-radius:4px;padding:8px 12px;margin:10px 0}
.kv td{padding:1px 12px 1px 0;vertical-align:top}
.kv td:first-child{color:#666;white-space:nowrap}
.tok{word-break:break-all}
.muted{color:#777}
.plot text{font:11px -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;fill:#556}
.plot .grid{stroke:#e6e9f0}.plot .frame{fill:none;stroke:#aab}
.plot polyline{fill:none;stroke-width:2}
.plot polyline.pairs{stroke:#2b6cb0}.plot text.pairs{fill:#2b6cb0}
.plot polyline.findings{stroke:#c53030;stroke-dasharray:5 3}.plot text.findings{fill:#c53030}
.plot circle.finding{fill:#c53030}
)CSS";

using CellKey = std::pair<model::Kernel, model::Fs>;

void kv(std::string& out, std::string_view k, const std::string& html_val) {
  out += "<tr><td>" + html_escape(k) + "</td><td>" + html_val + "</td></tr>";
}

// Interleaving coverage (docs/coverage.md): the saturation estimate, the plot of pairs and
// findings against executions, and per cell the pairs and the completion cases reached.
std::string coverage_section(const CampaignResult& r) {
  const CoverageSummary& c = r.coverage;
  const Saturation& s = c.saturation;
  std::string out = "<h2>Interleaving coverage</h2>\n";
  out += fmt::format(
      "<p id=\"saturation\">{} access pairs; Chao1 estimates {:.0f} reachable by this search ({:.0f}% reached); "
      "doubling the budget is expected to add about {} pairs: <b>{}</b>.</p>\n",
      s.pairs, s.chao1, 100 * s.reached, s.new_if_doubled,
      s.new_if_doubled < 1 ? "saturated, more time of the same search is unlikely to cover more" : "still growing");
  out += coverage_plot_svg(c.curve);
  out += "\n<table class=\"matrix\" id=\"coverage-cells\">\n<tr><th>kernel</th><th>fs</th><th>access pairs</th>"
         "<th>completion cases (executions)</th></tr>\n";
  for (std::size_t i = 0; i < r.cells.size() && i < c.cell_pairs.size(); ++i) {
    std::string cases;
    for (const auto& [name, n] : c.cell_cases[i]) cases += fmt::format("{}{} ({})", cases.empty() ? "" : ", ", name, n);
    out += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"mono\">{}</td></tr>\n",
                       model::to_string(r.cells[i].kernel), model::to_string(r.cells[i].fs), c.cell_pairs[i],
                       html_escape(cases));
  }
  return out + "</table>\n";
}

std::string file_link(const std::string& path) {
  if (path.empty()) return "<span class=\"muted\">(not written)</span>";
  return "<a class=\"corpus\" href=\"" + html_escape(url_path(path)) + "\">" + html_escape(path) + "</a>";
}

}  // namespace

std::string render_report_html(const CampaignResult& r, const std::string& title) {
  // Rows: every (kernel, fs) that ran or has a finding, in enum order. Columns: properties.
  std::map<CellKey, std::uint64_t> cells;
  for (const Cell& c : r.cells) cells[{c.kernel, c.fs}] += c.executions;
  for (const Finding& f : r.findings) cells.try_emplace({f.kernel, f.fs}, 0);
  std::set<std::string> props;
  for (const Finding& f : r.findings) props.insert(f.property);
  std::map<std::tuple<model::Kernel, model::Fs, std::string>, std::size_t> found;
  for (std::size_t i = 0; i < r.findings.size(); ++i) {
    const Finding& f = r.findings[i];
    found.try_emplace({f.kernel, f.fs, f.property}, i);  // first (lowest) wins
  }

  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
         html_escape(title) + "</title>\n<style>" + kCss + "</style>\n</head>\n<body>\n";
  out += "<h1>" + html_escape(title) + "</h1>\n";
  std::set<CellKey> bad_cells;
  for (const Finding& f : r.findings) bad_cells.insert({f.kernel, f.fs});
  out += "<div class=\"totals\" id=\"totals\">";
  out += fmt::format("<div><b>{}</b>executions</div>", r.executions);
  out += fmt::format("<div><b>{:.1f} s</b>campaign time</div>", r.seconds);
  out += fmt::format("<div><b>{}</b>kernel &times; fs cells</div>", cells.size());
  out += fmt::format("<div><b>{}</b>findings</div>", r.findings.size());
  out += fmt::format("<div><b>{}</b>cells with a violation</div>", bad_cells.size());
  out += "</div>\n";
  // Cumulative over all jobs, so the phases may add up to more than the campaign time.
  const PhaseTimes& ph = r.phases;
  out += fmt::format(
      "<p class=\"muted\" id=\"phases\">Time per phase, cumulative over all jobs: generate {:.2f} s, run {:.2f} s, "
      "check {:.2f} s, record {:.2f} s.</p>\n",
      ph.generate, ph.run, ph.check, ph.record);

  out += "<h2>Findings matrix</h2>\n<p class=\"muted\">\"holds\" means no execution of this cell "
         "violated the property; it is evidence, not proof.</p>\n";
  out += "<table class=\"matrix\" id=\"matrix\">\n<tr><th>kernel</th><th>fs</th><th>executions</th>";
  if (props.empty()) out += "<th>all properties</th>";
  for (const auto& p : props) out += "<th>" + html_escape(p) + "</th>";
  out += "</tr>\n";
  for (const auto& [key, execs] : cells) {
    out += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td>", model::to_string(key.first),
                       model::to_string(key.second), execs);
    if (props.empty())
      out += execs ? "<td class=\"holds\">holds</td>" : "<td class=\"none\">not run</td>";
    for (const auto& p : props) {
      auto it = found.find({key.first, key.second, p});
      if (it != found.end()) {
        const Finding& f = r.findings[it->second];
        out += fmt::format("<td class=\"violated\"><a href=\"#f-{}\">violated</a> at execution {}<br>{}</td>",
                           it->second, f.execution, file_link(f.corpus_file));
      } else if (execs == 0) {
        out += "<td class=\"none\">not run</td>";
      } else {
        out += "<td class=\"holds\">holds</td>";
      }
    }
    out += "</tr>\n";
  }
  out += "</table>\n";

  out += coverage_section(r);

  out += fmt::format("<h2>Findings ({})</h2>\n", r.findings.size());
  if (r.findings.empty()) out += "<p>No property was violated.</p>\n";
  for (std::size_t i = 0; i < r.findings.size(); ++i) {
    const Finding& f = r.findings[i];
    const Case& c = f.reproducer;
    out += fmt::format("<div class=\"finding\" id=\"f-{}\">\n<h3>{} / {} &mdash; {}</h3>\n<table class=\"kv\">", i,
                       model::to_string(f.kernel), model::to_string(f.fs), html_escape(f.property));
    kv(out, "verdict",
       html_escape(fmt::format("violated: {} at event {}", c.property.empty() ? f.property : c.property,
                               c.event)));
    kv(out, "corpus file", file_link(f.corpus_file));
    kv(out, "found at", fmt::format("execution {} ({} executions of this cell before it, {:.1f} s into the campaign)",
                                    f.execution, f.executions_before, f.seconds));
    kv(out, "strategy", html_escape(fmt::format("{} seed {:x}", c.strategy, c.schedule.seed)));
    kv(out, "schedule", fmt::format("{} decisions: <code class=\"tok\">{}</code>", c.schedule.decisions.size(),
                                    html_escape(sched::encode(c.schedule))));
    kv(out, "trace hash", fmt::format("<code>{:016x}</code>", c.trace_hash));
    kv(out, "config", html_escape(describe_config(c.config)));
    kv(out, "mutants", html_escape(describe_mutants(c.config)));
    kv(out, "faults", html_escape(describe_faults(c.config)));
    kv(out, "file", html_escape(describe_file(c.workload)));
    for (std::size_t t = 0; t < c.workload.tasks.size(); ++t) {
      std::string s;
      for (const auto& op : c.workload.tasks[t].ops) s += (s.empty() ? "" : " ; ") + describe_op(op);
      kv(out, fmt::format("task {}", t), "<span class=\"mono\">" + html_escape(s) + "</span>");
    }
    if (!c.note.empty()) kv(out, "note", html_escape(c.note));
    out += "</table>\n</div>\n";
  }
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace dc::harness
