// Self-contained HTML page of one trace: verdict, workload, config, swimlanes (SVG, one lane
// per actor, boxes at x = event index), a detail panel and the full event table. Inline CSS
// and JS only; nothing is fetched.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "harness/render/format.hpp"

namespace dc::harness {
namespace {

using namespace render_detail;

constexpr int kCell = 22;   // px per event
constexpr int kLane = 34;   // px per lane
constexpr int kAxis = 22;   // px of the index axis above the lanes

constexpr const char* kCss = R"CSS(
*{box-sizing:border-box}
body{font:13px/1.4 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;padding:12px 16px;color:#1d2330;background:#fff}
h1{font-size:18px;margin:0 0 8px}
h2{font-size:14px;margin:16px 0 6px;color:#333}
code,.mono,td.k,td.s{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;font-size:12px}
.verdict{padding:8px 12px;border-radius:6px;margin:6px 0 10px;font-weight:600}
.verdict.bad{background:#fde2e1;border:1px solid #d33;color:#8a1010}
.verdict.good{background:#e3f6e5;border:1px solid #3a3;color:#14501c}
.ea{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0 0 8px}
.ea b{color:#555}
.grid{display:flex;gap:24px;flex-wrap:wrap}
table{border-collapse:collapse}
table.kv td{padding:1px 10px 1px 0;vertical-align:top}
table.kv td:first-child{color:#666}
.tl{display:flex;border:1px solid #ccd;border-radius:4px;overflow:hidden;margin-top:4px}
.labels{flex:none;width:170px;border-right:1px solid #ccd;background:#fafbfd}
.labels div{height:34px;padding:0 8px;display:flex;align-items:center;gap:6px;white-space:nowrap;overflow:hidden;font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12px}
.labels div.axis{height:22px;color:#888;font-size:11px}
.labels div.irq{background:#ffeccc}
.badge{font:bold 10px sans-serif;padding:1px 4px;border-radius:3px;background:#e0e4ec;color:#445}
.irq .badge{background:#f08a00;color:#fff}
.scroll{overflow-x:auto;flex:1}
svg{display:block}
svg text{font:9px ui-monospace,"DejaVu Sans Mono",monospace;pointer-events:none}
.lane.proc{fill:#fff}.lane.proc.odd{fill:#f5f7fb}.lane.irq{fill:#ffeccc}
.tick{stroke:#e3e6ee}.ticklbl{fill:#889}
.span{fill:#9aa7c0}
.ev rect{stroke:#333;stroke-width:.5;cursor:pointer}
.ev text{fill:#fff}
.ev.prim rect{fill:#c9ccd3;stroke:#aaa}
.ev.prim text{fill:#555}
.f-user rect{fill:#4e79a7}.f-dio rect{fill:#59a14f}.f-bio rect{fill:#f28e2b}
.f-workqueue rect{fill:#b07aa1}.f-inode rect{fill:#499894}.f-extent rect{fill:#c9a800}
.f-aio rect{fill:#9c755f}.f-io_end rect{fill:#e377a0}.f-device rect{fill:#79706e}
.f-finding rect{fill:#b00020}
.ev.viol rect,.ev.viol.sel rect,.ev.viol.rel rect{stroke:#e00;stroke-width:3}
.vmark{fill:#e00}
.vline{stroke:#e00;stroke-width:2;stroke-dasharray:4 3}
.ev.rel rect{stroke:#000;stroke-width:2}
.ev.sel rect{stroke:#1a5cff;stroke-width:3}
#detail{margin-top:8px;border:1px solid #ccd;border-radius:4px;padding:6px 10px;min-height:40px;background:#fbfcff}
#detail table td{padding:0 12px 0 0;vertical-align:top}
#detail table td:first-child{color:#666;white-space:nowrap}
.events{margin-top:6px}
.events th{text-align:left;background:#eef1f6;padding:3px 8px;position:sticky;top:0}
.events td{padding:1px 8px;border-bottom:1px solid #f0f0f4;vertical-align:top}
.events tr{cursor:pointer}
.events tr.prim td{color:#999}
.events tr.irq td.a{color:#b86200;font-weight:600}
.events tr.viol td{background:#fde2e1;font-weight:600}
.events tr.sel td{background:#e4ecff}
.noprim .prim{display:none}
.legend span{display:inline-block;margin-right:10px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:3px;vertical-align:-1px;border-radius:2px}
.tools{margin:6px 0;color:#555}
)CSS";

constexpr const char* kJs = R"JS(
(function(){
  var sel=null;
  function evs(){return document.querySelectorAll('g.ev');}
  function show(i,scroll){
    var g=document.getElementById('e'+i); if(!g) return;
    if(sel!==null){var o=document.getElementById('e'+sel); if(o) o.classList.remove('sel');
      var orow=document.getElementById('r'+sel); if(orow) orow.classList.remove('sel');}
    sel=i; g.classList.add('sel');
    var row=document.getElementById('r'+i); if(row) row.classList.add('sel');
    var obj=g.getAttribute('data-obj'), op=g.getAttribute('data-op'), all=evs();
    for(var k=0;k<all.length;k++){var h=all[k];
      var rel=obj!=='0'?h.getAttribute('data-obj')===obj:(op!==''&&h.getAttribute('data-op')===op);
      if(rel&&h!==g) h.classList.add('rel'); else h.classList.remove('rel');}
    var t=g.querySelector('title').textContent.split('\n'), html='<table>';
    for(var j=0;j<t.length;j++){var p=t[j].indexOf(': ');
      var key=p<0?'':t[j].slice(0,p), val=p<0?t[j]:t[j].slice(p+2);
      html+='<tr><td>'+esc(key)+'</td><td>'+esc(val)+'</td></tr>';}
    document.getElementById('detail').innerHTML=html+'</table>';
    if(scroll){var sc=document.querySelector('.scroll');
      var x=parseFloat(g.querySelector('rect').getAttribute('x'));
      sc.scrollLeft=Math.max(0,x-sc.clientWidth/2);}
  }
  function esc(s){return s.replace(/&/g,'&amp;').replace(/</g,'&lt;').replace(/>/g,'&gt;');}
  document.addEventListener('click',function(ev){
    var g=ev.target.closest?ev.target.closest('g.ev'):null;
    if(g){show(parseInt(g.getAttribute('data-i'),10),false);return;}
    var r=ev.target.closest?ev.target.closest('tr[data-i]'):null;
    if(r){show(parseInt(r.getAttribute('data-i'),10),true);}
  });
  var cb=document.getElementById('noprim');
  if(cb) cb.addEventListener('change',function(){document.body.classList.toggle('noprim',cb.checked);});
  var v=document.body.getAttribute('data-viol');
  if(v!==null&&v!=='') show(parseInt(v,10),true);
})();
)JS";

void kv(std::string& out, std::string_view k, std::string_view val) {
  out += "<tr><td>" + html_escape(k) + "</td><td>" + html_escape(val) + "</td></tr>";
}

std::string tooltip(const TraceView& v, const Ops& ops, std::size_t i) {
  std::string t;
  for (const auto& [k, val] : detail(v, ops, i)) t += (t.empty() ? "" : "\n") + k + ": " + val;
  return t;
}

}  // namespace

std::string render_html(const TraceView& v) {
  const Ops ops(v.workload);
  const std::size_t nact = actor_count(v);
  const std::size_t n = v.trace.events.size();
  const bool viol = violation_in_trace(v);
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<title>diocheck: " + html_escape(v.title.empty() ? "trace" : v.title) + "</title>\n";
  out += "<style>" + std::string(kCss) + "</style>\n</head>\n";
  out += viol ? fmt::format("<body data-viol=\"{}\">\n", v.event) : std::string("<body>\n");
  out += "<h1>diocheck trace" + (v.title.empty() ? std::string() : ": " + html_escape(v.title)) + "</h1>\n";

  // Verdict.
  if (v.property.empty()) {
    out += "<div class=\"verdict good\" id=\"verdict\">every property holds</div>\n";
  } else {
    out += "<div class=\"verdict bad\" id=\"verdict\">VIOLATED: " + html_escape(v.property) +
           (viol ? fmt::format(" at <a href=\"#r{0}\">event {0}</a>", v.event)
                 : fmt::format(" at the end of the trace (event {})", v.event)) +
           "</div>\n";
  }
  if (!v.property.empty() || !v.expected.empty() || !v.actual.empty() || !v.note.empty()) {
    out += "<div class=\"ea\">";
    if (!v.expected.empty()) out += "<b>model expected</b><span>" + html_escape(v.expected) + "</span>";
    if (!v.actual.empty()) out += "<b>engine did</b><span>" + html_escape(v.actual) + "</span>";
    if (viol) {
      const model::Event& e = v.trace.events[v.event];
      out += "<b>at event</b><span class=\"mono\">" +
             html_escape(fmt::format("{} {}: {}", v.event, actor_name(v, e.actor), summarize(v, ops, e))) +
             "</span>";
    }
    if (!v.note.empty()) out += "<b>note</b><span>" + html_escape(v.note) + "</span>";
    out += "</div>\n";
  }

  // Workload and config.
  out += "<div class=\"grid\">\n<div><h2>Config</h2><table class=\"kv\" id=\"config\">";
  kv(out, "kernel", model::to_string(v.config.kernel));
  kv(out, "fs", model::to_string(v.config.fs));
  kv(out, "mutants", describe_mutants(v.config));
  kv(out, "faults", describe_faults(v.config));
  kv(out, "wq_concurrency", fmt::format("{}", v.config.wq_concurrency));
  kv(out, "dioread_nolock", v.config.dioread_nolock ? "on" : "off");
  if (v.config.iomap_caller_comp) kv(out, "iomap_caller_comp", "on");
  out += "</table></div>\n<div><h2>Workload</h2><table class=\"kv\" id=\"workload\">";
  kv(out, "file", describe_file(v.workload));
  for (std::size_t t = 0; t < v.workload.tasks.size(); ++t) {
    std::string ops_s;
    for (const auto& op : v.workload.tasks[t].ops) ops_s += (ops_s.empty() ? "" : " ; ") + describe_op(op);
    kv(out, fmt::format("task {}", t), ops_s.empty() ? "(no ops)" : ops_s);
  }
  out += "</table></div>\n</div>\n";

  // Swimlanes.
  out += fmt::format("<h2>Timeline ({} events, {} actors)</h2>\n", n, nact);
  out += "<div class=\"legend\">";
  for (Family f : {Family::User, Family::Dio, Family::Bio, Family::Work, Family::Inode,
                   Family::Extent, Family::Aio, Family::IoEnd, Family::Dev, Family::Prim,
                   Family::Finding}) {
    out += fmt::format("<span class=\"f-{0}\"><svg width=\"10\" height=\"10\" style=\"display:inline\"><rect "
                       "width=\"10\" height=\"10\" rx=\"2\"{1}/></svg> {0}</span>",
                       to_string(f), f == Family::Prim ? " fill=\"#c9ccd3\"" : "");
  }
  out += "<span><svg width=\"18\" height=\"10\" style=\"display:inline\"><rect width=\"18\" height=\"10\" "
         "fill=\"#ffeccc\"/></svg> interrupt lane</span></div>\n";
  out += "<div class=\"tools\"><label><input type=\"checkbox\" id=\"noprim\"> hide kernel primitives "
         "(Lock, Unlock, AtomicOp, Sleep)</label> &middot; hover a box for its payload, click to pin "
         "it and outline the other events on the same object (or op)</div>\n";
  out += "<div class=\"tl\">\n<div class=\"labels\"><div class=\"axis\">event #</div>";
  for (std::size_t a = 0; a < nact; ++a) {
    const bool irq = actor_irq(v, a);
    out += fmt::format("<div class=\"lane-label{}\" id=\"lane{}\" title=\"{}\"><span class=\"badge\">{}</span>{}</div>",
                       irq ? " irq" : "", a, html_escape(actor_name(v, a)), irq ? "IRQ" : "proc",
                       html_escape(actor_name(v, a)));
  }
  out += "</div>\n<div class=\"scroll\">\n";
  const std::size_t width = std::max<std::size_t>(n, 10) * kCell + 20;
  const std::size_t height = kAxis + nact * kLane;
  out += fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\">\n", width, height);
  for (std::size_t a = 0; a < nact; ++a)
    out += fmt::format("<rect class=\"lane {}{}\" x=\"0\" y=\"{}\" width=\"{}\" height=\"{}\"/>\n",
                       actor_irq(v, a) ? "irq" : "proc", a % 2 ? " odd" : "", kAxis + a * kLane, width, kLane);
  const std::size_t step = n > 400 ? 50 : n > 100 ? 10 : 5;
  for (std::size_t i = 0; i <= n; i += step)
    out += fmt::format("<line class=\"tick\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/><text class=\"ticklbl\" "
                       "x=\"{3}\" y=\"14\">{4}</text>\n",
                       i * kCell, kAxis - 4, height, i * kCell + 2, i);
  // Syscall spans: OpBegin .. OpEnd of one op on one actor, a thin bar under the boxes.
  {
    std::map<std::pair<std::size_t, std::uint32_t>, std::size_t> open;
    for (std::size_t i = 0; i < n; ++i) {
      const model::Event& e = v.trace.events[i];
      if (e.op == model::kNoOp) continue;
      const auto key = std::make_pair(std::size_t{e.actor}, e.op);
      if (e.kind == model::EvKind::OpBegin) open[key] = i;
      if (e.kind == model::EvKind::OpEnd) {
        auto it = open.find(key);
        if (it == open.end()) continue;
        const model::Op* op = ops.find(e.op);
        out += fmt::format("<rect class=\"span\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"3\"><title>{}</title></rect>\n",
                           it->second * kCell + kCell / 2, kAxis + e.actor * kLane + kLane - 4,
                           (i - it->second) * kCell,
                           html_escape(op ? describe_op(*op) : fmt::format("op{}", e.op)));
        open.erase(it);
      }
    }
  }
  if (viol) {
    const std::size_t x = v.event * kCell + kCell / 2;
    out += fmt::format("<line class=\"vline\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>\n", x, kAxis - 8, height);
    out += fmt::format("<path class=\"vmark\" d=\"M{} 4 L{} 4 L{} {} Z\"><title>violation: {}</title></path>\n", x - 6,
                       x + 6, x, kAxis - 6, html_escape(v.property));
  }
  for (std::size_t i = 0; i < n; ++i) {
    const model::Event& e = v.trace.events[i];
    const bool prim = is_primitive(e.kind);
    const bool is_viol = viol && i == v.event;
    const std::size_t top = kAxis + std::size_t{e.actor} * kLane;
    const int h = prim ? 12 : 24;
    const std::size_t y = top + (prim ? 11 : 5);
    out += fmt::format("<g id=\"e{}\" class=\"ev f-{}{}{}\" data-i=\"{}\" data-obj=\"{}\" data-op=\"{}\">",
                       i, to_string(family_of(e.kind)), prim ? " prim" : "", is_viol ? " viol" : "", i,
                       e.obj, e.op == model::kNoOp ? std::string() : fmt::format("{}", e.op));
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\"/>", i * kCell + 1, y,
                       kCell - 2, h);
    if (!prim)
      out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", i * kCell + kCell / 2,
                         y + 15, html_escape(short_code(e.kind).substr(0, 3)));
    out += "<title>" + html_escape(tooltip(v, ops, i)) + "</title></g>\n";
  }
  out += "</svg>\n</div>\n</div>\n";
  out += "<div id=\"detail\">Click an event to see its payload.</div>\n";

  // Event table.
  out += "<h2>Events</h2>\n<table class=\"events\" id=\"events\">\n<tr><th>#</th><th>actor</th><th>kind</th>"
         "<th>summary</th><th>object</th><th>op</th><th>note</th></tr>\n";
  for (std::size_t i = 0; i < n; ++i) {
    const model::Event& e = v.trace.events[i];
    std::string cls;
    if (is_primitive(e.kind)) cls += " prim";
    if (e.ctx == 1) cls += " irq";
    if (viol && i == v.event) cls += " viol";
    out += fmt::format("<tr id=\"r{}\" data-i=\"{}\"{}>", i, i,
                       cls.empty() ? std::string() : " class=\"" + cls.substr(1) + "\"");
    out += fmt::format("<td class=\"k\">{}{}</td>", viol && i == v.event ? "&#9654; " : "", i);
    out += "<td class=\"a\">" + html_escape(actor_name(v, e.actor)) + (e.ctx == 1 ? " (IRQ)" : "") + "</td>";
    out += "<td class=\"k\">" + html_escape(model::to_string(e.kind)) + "</td>";
    out += "<td class=\"s\">" + html_escape(summarize(v, ops, e)) + "</td>";
    out += "<td class=\"k\">" + html_escape(obj_label(e.kind, e.obj, v.config.fs)) + "</td>";
    out += "<td class=\"k\">" + (e.op == model::kNoOp ? std::string() : fmt::format("op{}", e.op)) + "</td>";
    out += "<td>" + html_escape(note_of(v.trace, e)) + "</td></tr>\n";
  }
  out += "</table>\n";
  out += "<script>" + std::string(kJs) + "</script>\n</body>\n</html>\n";
  return out;
}

}  // namespace dc::harness
