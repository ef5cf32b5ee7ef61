// Chrome trace JSON (the "JSON Object Format" read by chrome://tracing and ui.perfetto.dev):
// one process (pid 1) named after the trace, one thread per actor (tid = actor id + 1, named
// with thread_name metadata, sorted by actor id), and exactly one complete event ("ph":"X",
// dur 1) per trace event with ts = event index in microseconds. The verdict, workload and
// config go into "otherData".
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "harness/render/format.hpp"

namespace dc::harness {

using namespace render_detail;
using nlohmann::ordered_json;

std::string render_perfetto(const TraceView& v) {
  const Ops ops(v.workload);
  const std::size_t nact = actor_count(v);
  const bool viol = violation_in_trace(v);
  ordered_json events = ordered_json::array();
  events.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", 1}, {"tid", 0},
                    {"args", {{"name", "diocheck: " + (v.title.empty() ? std::string("trace") : v.title)}}}});
  for (std::size_t a = 0; a < nact; ++a) {
    const std::string name = actor_name(v, a) + (actor_irq(v, a) ? " [IRQ]" : "");
    events.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", 1}, {"tid", a + 1},
                      {"args", {{"name", name}}}});
    events.push_back({{"ph", "M"}, {"name", "thread_sort_index"}, {"pid", 1}, {"tid", a + 1},
                      {"args", {{"sort_index", a}}}});
  }
  for (std::size_t i = 0; i < v.trace.events.size(); ++i) {
    const model::Event& e = v.trace.events[i];
    const bool is_viol = viol && i == v.event;
    ordered_json args = ordered_json::object();
    args["index"] = i;
    for (const auto& [k, val] : detail(v, ops, i))
      if (k != "event" && k != "kind") args[k] = val;
    args["obj"] = e.obj;
    if (e.op != model::kNoOp) args["op_id"] = e.op;
    args["a"] = e.a;
    args["b"] = e.b;
    args["c"] = e.c;
    if (is_viol) {
      args["violated"] = v.property;
      if (!v.expected.empty()) args["model expected"] = v.expected;
      if (!v.actual.empty()) args["engine did"] = v.actual;
    }
    std::string name = summarize(v, ops, e);
    if (is_viol) name = "VIOLATION " + name;
    std::string cat = to_string(family_of(e.kind));
    if (e.ctx == 1) cat += ",irq";
    if (is_viol) cat += ",violation";
    events.push_back({{"name", name}, {"cat", cat}, {"ph", "X"}, {"ts", i}, {"dur", 1}, {"pid", 1},
                      {"tid", std::size_t{e.actor} + 1}, {"args", std::move(args)}});
  }
  ordered_json other = ordered_json::object();
  other["title"] = v.title;
  other["kernel"] = model::to_string(v.config.kernel);
  other["fs"] = model::to_string(v.config.fs);
  other["mutants"] = describe_mutants(v.config);
  other["faults"] = describe_faults(v.config);
  other["file"] = describe_file(v.workload);
  for (std::size_t t = 0; t < v.workload.tasks.size(); ++t) {
    std::string s;
    for (const auto& op : v.workload.tasks[t].ops) s += (s.empty() ? "" : " ; ") + describe_op(op);
    other[fmt::format("task {}", t)] = s;
  }
  other["verdict"] = v.property.empty() ? std::string("every property holds")
                                        : fmt::format("{} at event {}", v.property, v.event);
  if (!v.expected.empty()) other["model expected"] = v.expected;
  if (!v.actual.empty()) other["engine did"] = v.actual;
  if (!v.note.empty()) other["note"] = v.note;
  // One trace event a line: readable, diffable, and still one JSON document.
  constexpr auto kReplace = ordered_json::error_handler_t::replace;
  std::string out = "{\"traceEvents\": [\n";
  for (std::size_t i = 0; i < events.size(); ++i)
    out += "  " + events[i].dump(-1, ' ', false, kReplace) + (i + 1 < events.size() ? ",\n" : "\n");
  out += "],\n\"otherData\": " + other.dump(1, ' ', false, kReplace) + "\n}\n";
  return out;
}

}  // namespace dc::harness
