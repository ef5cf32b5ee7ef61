// Renderers of one execution's trace (terminal, HTML, Perfetto/Chrome trace JSON) and of a
// campaign's findings (HTML report). Everything here is a pure function of its input: the
// same trace gives the same bytes, in any process (no clock, no addresses, no hashing order).
//
// What a reader sees, by renderer:
//   render_text      one column per actor, one row per event (runs of kernel primitives of one
//                    actor collapse into one dimmed row), ">>" on the violating event, header
//                    with workload and config, "model expected / engine did" at the bottom.
//                    Falls back to a one-lane-per-character strip when columns get too narrow.
//   render_html      a self-contained page (inline CSS/JS, opens offline): verdict, workload,
//                    config, a swimlane per actor (interrupt lanes tinted), the violating event
//                    outlined in red with id "e<index>", click any box for its full payload,
//                    and the full event table below (row id "r<index>").
//   render_perfetto  Chrome trace JSON (chrome://tracing, ui.perfetto.dev): pid 1, one thread
//                    per actor (tid = actor + 1, named by thread_name metadata), one complete
//                    event per trace event with ts = event index (us), dur = 1, args = payload.
//   render_report_html  campaign report: findings matrix (kernel x fs x property), executions
//                    per cell, totals, interleaving coverage (an inline SVG plot of access
//                    pairs and findings against executions, cases per cell), one section per
//                    finding linking its corpus file.
#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "harness/sched/types.hpp"
#include "model/config.hpp"
#include "model/event.hpp"
#include "model/workload.hpp"

namespace dc::harness {

struct CampaignResult;  // harness/run/campaign.hpp (kept out: it pulls in rapidcheck)

struct TraceView {
  const model::Workload& workload;
  const model::Config& config;
  const model::Trace& trace;
  const std::vector<std::string>& actor_names;  // by actor id
  const std::vector<sched::Ctx>& actor_ctx;     // by actor id
  std::string title;             // e.g. corpus file name or "execution 123"
  std::string property;          // violated property ("" if none)
  std::size_t event = 0;         // event index where it broke (>= trace size: at the end)
  std::string expected, actual;  // model expectation vs engine behaviour
  std::string note;              // human note of the corpus case
};

struct TextOptions {
  int width = 160;                  // total line width in columns (minimum 60)
  bool color = false;               // ANSI colours: violating row highlighted, primitives dimmed
  bool collapse_primitives = true;  // one row per run of Lock/Unlock/AtomicOp/Sleep of one actor
};

// A view of a runner Execution (or anything with trace, actor_names, actor_ctx and a verdict
// {property, event, expected, actual}); it refers to `x`, which must outlive it. A template so
// that this header does not pull in the runner and the model checker.
template <class Exec>
TraceView view_of(const model::Workload& w, const model::Config& c, const Exec& x, std::string title,
                  std::string note = {}) {
  return TraceView{w, c, x.trace, x.actor_names, x.actor_ctx, std::move(title), x.verdict.property,
                   x.verdict.event, x.verdict.expected, x.verdict.actual, std::move(note)};
}

std::string render_text(const TraceView& v, int width = 160, bool color = false);
std::string render_text(const TraceView& v, const TextOptions& o);
std::string render_html(const TraceView& v);
std::string render_perfetto(const TraceView& v);
std::string render_report_html(const CampaignResult& r, const std::string& title);

}  // namespace dc::harness
