// Terminal view: one column per actor, one row per event (or per run of kernel primitives of
// one actor), the violating row marked ">>". When the columns would be narrower than
// kMinCol, switches to a strip layout: one character per actor, then the actor and the event.
#include <algorithm>

#include <fmt/format.h>

#include "harness/render/format.hpp"

namespace dc::harness {
namespace {

using namespace render_detail;

constexpr std::size_t kMinCol = 14;
constexpr const char* kReset = "\x1b[0m";
constexpr const char* kDim = "\x1b[2m";
constexpr const char* kIrq = "\x1b[33m";
constexpr const char* kBad = "\x1b[1;97;41m";
constexpr const char* kBold = "\x1b[1m";
constexpr const char* kRed = "\x1b[1;31m";
constexpr const char* kGreen = "\x1b[1;32m";

struct Row {
  std::size_t first = 0, last = 0;  // event indices covered (inclusive)
  std::size_t actor = 0;
  bool prim = false, viol = false, irq = false;
  std::string text;
};

std::vector<Row> build_rows(const TraceView& v, const Ops& ops, bool collapse) {
  std::vector<Row> rows;
  std::vector<std::string> run;  // summaries of the open primitive run
  auto close_run = [&]() {
    if (run.empty()) return;
    Row& r = rows.back();
    if (run.size() == 1) {
      r.text = "(" + run[0] + ")";
    } else {
      r.text = fmt::format("({} prims: ", run.size());
      for (std::size_t i = 0; i < run.size(); ++i) r.text += (i ? ", " : "") + run[i];
      r.text += ")";
    }
    run.clear();
  };
  const bool has_viol = violation_in_trace(v);
  for (std::size_t i = 0; i < v.trace.events.size(); ++i) {
    const model::Event& e = v.trace.events[i];
    const bool viol = has_viol && i == v.event;
    const bool prim = is_primitive(e.kind) && collapse && !viol;
    if (prim && !run.empty() && rows.back().actor == e.actor && rows.back().last + 1 == i) {
      rows.back().last = i;
      run.push_back(summarize(v, ops, e));
      continue;
    }
    close_run();
    Row r;
    r.first = r.last = i;
    r.actor = e.actor;
    r.prim = is_primitive(e.kind);
    r.viol = viol;
    r.irq = e.ctx == 1;
    if (prim) run.push_back(summarize(v, ops, e));
    else r.text = summarize(v, ops, e);
    rows.push_back(std::move(r));
  }
  close_run();
  return rows;
}

std::string pad(std::string_view s, std::size_t w) {
  std::string out(s);
  const std::size_t dw = display_width(s);
  if (dw < w) out.append(w - dw, ' ');
  return out;
}

std::string rstrip(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

void header(std::string& out, const TraceView& v, const TextOptions& o) {
  auto bold = [&](std::string_view s) {
    return o.color ? std::string(kBold) + std::string(s) + kReset : std::string(s);
  };
  out += bold("diocheck trace" + (v.title.empty() ? std::string() : ": " + v.title)) + "\n";
  out += "config:   " + describe_config(v.config) + "\n";
  out += "mutants:  " + describe_mutants(v.config) + "\n";
  out += "faults:   " + describe_faults(v.config) + "\n";
  out += "file:     " + describe_file(v.workload) + "\n";
  for (std::size_t t = 0; t < v.workload.tasks.size(); ++t) {
    std::string line = fmt::format("task {}:   ", t);
    const auto& ops = v.workload.tasks[t].ops;
    if (ops.empty()) line += "(no ops)";
    for (std::size_t i = 0; i < ops.size(); ++i) line += (i ? " ; " : "") + describe_op(ops[i]);
    out += line + "\n";
  }
  if (v.property.empty()) {
    out += (o.color ? std::string(kGreen) + "verdict:  every property holds" + kReset
                    : std::string("verdict:  every property holds")) + "\n";
  } else {
    const std::string where = v.event < v.trace.events.size()
                                  ? fmt::format("at event {}", v.event)
                                  : fmt::format("at the end of the trace (event {})", v.event);
    const std::string s = "VIOLATION: " + v.property + " " + where;
    out += (o.color ? std::string(kRed) + s + kReset : s) + "\n";
  }
  if (!v.note.empty()) out += "note:     " + v.note + "\n";
  out += fmt::format("events:   {} (kernel primitives {})  actors: {}\n", v.trace.events.size(),
                     o.collapse_primitives ? "collapsed per actor run, in ( )" : "shown",
                     actor_count(v));
  out += "legend:   ! = interrupt context, >> = violating event\n";
}

void footer(std::string& out, const TraceView& v, const Ops& ops, const TextOptions& o) {
  std::vector<std::string> notes;
  for (std::size_t i = 0; i < v.trace.events.size(); ++i) {
    const std::string n = note_of(v.trace, v.trace.events[i]);
    if (!n.empty())
      notes.push_back(fmt::format("  #{} {}: {}", i, actor_name(v, v.trace.events[i].actor), n));
  }
  if (!notes.empty()) {
    out += "\nnotes:\n";
    for (const auto& n : notes) out += n + "\n";
  }
  if (v.property.empty() && v.expected.empty() && v.actual.empty()) return;
  out += "\n";
  if (!v.property.empty()) {
    std::string s = "violated: " + v.property;
    if (violation_in_trace(v)) {
      const model::Event& e = v.trace.events[v.event];
      s += fmt::format(" at event {} ({}: {})", v.event, actor_name(v, e.actor), summarize(v, ops, e));
    } else {
      s += fmt::format(" at the end of the trace (event {})", v.event);
    }
    out += (o.color ? std::string(kRed) + s + kReset : s) + "\n";
  }
  out += "model expected: " + (v.expected.empty() ? std::string("-") : v.expected) + "\n";
  out += "engine did:     " + (v.actual.empty() ? std::string("-") : v.actual) + "\n";
}

std::string range_str(const Row& r) {
  return r.first == r.last ? fmt::format("{}", r.first) : fmt::format("{}-{}", r.first, r.last);
}

// Wide layout: marker, index, then "| cell" per actor.
void table_columns(std::string& out, const TraceView& v, const std::vector<Row>& rows,
                   std::size_t nact, std::size_t idxw, std::size_t cw, const TextOptions& o) {
  const std::size_t prefix = 2 + idxw + 1;
  const std::size_t total = prefix + nact * (cw + 2);
  std::string head = pad("", 2) + pad(fmt::format("{:>{}}", "#", idxw), idxw) + " ";
  for (std::size_t a = 0; a < nact; ++a) {
    std::string name = fit(actor_name(v, a) + (actor_irq(v, a) ? " [IRQ]" : ""), cw);
    name = pad(name, cw);
    head += "| " + (o.color && actor_irq(v, a) ? kIrq + name + kReset : name);
  }
  out += rstrip(head) + "\n";
  out += std::string(total, '-') + "\n";
  for (const Row& r : rows) {
    std::string line = (r.viol ? ">>" : "  ") + fmt::format("{:>{}}", range_str(r), idxw) + " ";
    // The event starts in its actor's column and may run on over the (empty) columns to its
    // right, so long payloads stay readable when there are many actors.
    const bool bar = r.viol && o.color;  // the highlighted row spans the whole table
    const std::size_t room = (nact - r.actor) * (cw + 2) - 2;
    for (std::size_t a = 0; a <= r.actor && a < nact; ++a) {
      std::string cell = a == r.actor ? fit((r.irq ? "!" : "") + r.text, room) : std::string();
      if (a < r.actor || bar) cell = pad(cell, a < r.actor ? cw : room);
      if (o.color && !r.viol && a == r.actor) {
        if (r.prim) cell = kDim + cell + kReset;
        else if (r.irq) cell = kIrq + cell + kReset;
      }
      line += "| " + cell;
    }
    if (o.color && r.viol) line = kBad + line + kReset;
    else if (o.color && r.prim) line = rstrip(line);
    out += (o.color ? line : rstrip(line)) + "\n";
  }
}

// Narrow layout: one character per actor (a letter in its lane, '.' or ':' for IRQ lanes),
// then the actor name and the event.
void table_strip(std::string& out, const TraceView& v, const std::vector<Row>& rows,
                 std::size_t nact, std::size_t idxw, std::size_t width, const TextOptions& o) {
  static constexpr std::string_view kLetters =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  auto letter = [&](std::size_t a) { return a < kLetters.size() ? kLetters[a] : '*'; };
  std::size_t namew = 4;
  for (std::size_t a = 0; a < nact; ++a) namew = std::max(namew, display_width(actor_name(v, a)));
  namew = std::min<std::size_t>(namew, 20);
  out += "lanes:   ";
  std::string line;
  for (std::size_t a = 0; a < nact; ++a) {
    std::string item = fmt::format("{}={}{}", letter(a), actor_name(v, a), actor_irq(v, a) ? "[IRQ]" : "");
    if (display_width(line) + item.size() + 2 > width - 9 && !line.empty()) {
      out += line + "\n         ";
      line.clear();
    }
    line += (line.empty() ? "" : "  ") + item;
  }
  out += line + "\n";
  const std::size_t lead = 2 + idxw + 1 + nact + 1 + namew + 1;
  const std::size_t textw = width > lead + 10 ? width - lead : 10;
  out += std::string(std::min(width, lead + textw), '-') + "\n";
  for (const Row& r : rows) {
    std::string strip;
    for (std::size_t a = 0; a < nact; ++a)
      strip += a == r.actor ? letter(a) : (actor_irq(v, a) ? ':' : '.');
    std::string text = fit((r.irq ? "!" : "") + r.text, textw);
    std::string l = (r.viol ? ">>" : "  ") + fmt::format("{:>{}}", range_str(r), idxw) + " " + strip +
                    " " + pad(fit(actor_name(v, r.actor), namew), namew) + " ";
    if (o.color && r.viol) {
      l = kBad + pad(l + text, lead + textw) + kReset;
    } else if (o.color && (r.prim || r.irq)) {
      l += (r.prim ? kDim : kIrq) + text + kReset;
    } else {
      l = rstrip(l + text);
    }
    out += l + "\n";
  }
}

}  // namespace

std::string render_text(const TraceView& v, int width, bool color) {
  TextOptions o;
  o.width = width;
  o.color = color;
  return render_text(v, o);
}

std::string render_text(const TraceView& v, const TextOptions& o) {
  const std::size_t width = static_cast<std::size_t>(std::max(o.width, 60));
  const Ops ops(v.workload);
  std::string out;
  header(out, v, o);
  out += "\n";
  const auto rows = build_rows(v, ops, o.collapse_primitives);
  const std::size_t nact = std::max<std::size_t>(actor_count(v), 1);
  std::size_t idxw = 3;
  for (const Row& r : rows) idxw = std::max(idxw, range_str(r).size());
  const std::size_t prefix = 2 + idxw + 1;
  const std::size_t per = width > prefix ? (width - prefix) / nact : 0;
  if (per >= kMinCol + 2)
    table_columns(out, v, rows, nact, idxw, per - 2, o);
  else
    table_strip(out, v, rows, nact, idxw, width, o);
  if (v.trace.events.empty()) out += "  (empty trace)\n";
  footer(out, v, ops, o);
  return out;
}

}  // namespace dc::harness
