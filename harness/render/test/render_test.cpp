#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

#include "harness/render/render.hpp"
#include "harness/run/campaign.hpp"
#include "harness/render/test/sample_trace.hpp"

namespace dc::harness {
namespace {

using test::BigSample;
using test::Sample;

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

// The opening tag that contains `needle`.
std::string tag_with(const std::string& html, const std::string& needle) {
  const std::size_t p = html.find(needle);
  if (p == std::string::npos) return {};
  const std::size_t b = html.rfind('<', p);
  const std::size_t e = html.find('>', p);
  return html.substr(b, e - b + 1);
}

TEST(RenderText, OneColumnHeaderPerActor) {
  const Sample s;
  const auto lines = lines_of(render_text(s.view()));
  const auto head = std::find_if(lines.begin(), lines.end(),
                                 [](const std::string& l) { return l.find("| task0") != std::string::npos; });
  ASSERT_NE(head, lines.end());
  EXPECT_EQ(std::count(head->begin(), head->end(), '|'), 3);
  EXPECT_NE(head->find("| irq:bio1 [IRQ]"), std::string::npos);
  EXPECT_NE(head->find("| kworker/0:1"), std::string::npos);
  EXPECT_LE(head->size(), 160u);
}

TEST(RenderText, MarkedRowIsTheViolatingEventInItsActorsColumn) {
  const Sample s;
  const std::string out = render_text(s.view());
  const auto lines = lines_of(out);
  std::vector<std::string> marked;
  for (const auto& l : lines)
    if (l.rfind(">>", 0) == 0) marked.push_back(l);
  ASSERT_EQ(marked.size(), 1u);
  EXPECT_NE(marked[0].find(" 14 "), std::string::npos) << marked[0];
  EXPECT_NE(marked[0].find("!AioComplete res=4096"), std::string::npos) << marked[0];
  const auto head = *std::find_if(lines.begin(), lines.end(),
                                  [](const std::string& l) { return l.find("| task0") != std::string::npos; });
  // The event sits in the irq:bio1 column, left of the kworker column.
  EXPECT_EQ(marked[0].find("| !AioComplete"), head.find("| irq:bio1"));
  EXPECT_NE(out.find("model expected: " + s.view().expected), std::string::npos);
  EXPECT_NE(out.find("engine did:     " + s.view().actual), std::string::npos);
  EXPECT_NE(out.find("VIOLATION: INV-2 conversion before completion at event 14"), std::string::npos);
}

TEST(RenderText, HeaderShowsWorkloadAndConfig) {
  const Sample s;
  const std::string out = render_text(s.view());
  EXPECT_NE(out.find("kernel 7b7a8665  fs ext4"), std::string::npos);
  EXPECT_NE(out.find("faults:   alloc-fail io_end nth=2"), std::string::npos);
  EXPECT_NE(out.find("mutants:  none"), std::string::npos);
  EXPECT_NE(out.find("task 0:   op0 aio_write 0+4096 ; op1 io_getevents nr=1"), std::string::npos);
  EXPECT_NE(out.find("io_end of dio1 still referenced at exit"), std::string::npos);
}

// The open-file lifecycle (issue 14): shared files in the header, close/evict/open per task.
TEST(RenderText, HeaderShowsSharedFilesAndLifecycleOps) {
  Sample s;
  s.workload.files = 2;
  s.workload.shared_files = true;
  model::Task t;
  for (const auto k : {model::OpKind::Close, model::OpKind::Evict, model::OpKind::Open}) {
    model::Op o;
    o.kind = k;
    o.id = static_cast<std::uint32_t>(10 + t.ops.size());
    o.file = 1;
    t.ops.push_back(o);
  }
  s.workload.tasks.push_back(t);
  const std::string out = render_text(s.view());
  EXPECT_NE(out.find("shared open files"), std::string::npos) << out;
  EXPECT_NE(out.find("op10 close @file1 ; op11 evict @file1 ; op12 open @file1"), std::string::npos) << out;
  EXPECT_NE(render_html(s.view()).find("op11 evict @file1"), std::string::npos);
}

TEST(RenderText, PrimitiveRunsCollapseIntoOneRow) {
  const Sample s;
  const std::string collapsed = render_text(s.view());
  EXPECT_NE(collapsed.find("\n  6-8 | (3 prims: Lock lock4, AtomicOp =2 atomic5, Unlo"), std::string::npos)
      << collapsed;
  TextOptions o;
  o.collapse_primitives = false;
  const std::string full = render_text(s.view(), o);
  EXPECT_EQ(count(full, "\n    7 | AtomicOp =2 atomic5"), 1u) << full;
  EXPECT_EQ(lines_of(full).size(), lines_of(collapsed).size() + 2);
}

TEST(RenderText, ColorHighlightsTheViolatingRow) {
  const Sample s;
  const std::string out = render_text(s.view(), 160, true);
  EXPECT_EQ(count(out, "\x1b[1;97;41m>>"), 1u);
  EXPECT_NE(out.find("\x1b[2m(3 prims"), std::string::npos);  // primitives dimmed
  EXPECT_EQ(render_text(s.view(), 160, false).find('\x1b'), std::string::npos);
}

TEST(RenderText, ManyActorsDegradeToOneLaneCharacterEach) {
  const BigSample b(20, 120);
  const std::string out = render_text(b.view(), 100);
  EXPECT_NE(out.find("lanes:   a=task0"), std::string::npos);
  const auto lines = lines_of(out);
  std::size_t marked = 0;
  for (const auto& l : lines) {
    EXPECT_LE(l.size(), 100u) << l;
    if (l.rfind(">>", 0) == 0) {
      ++marked;
      EXPECT_NE(l.find(" 77 "), std::string::npos) << l;
    }
  }
  EXPECT_EQ(marked, 1u);
}

TEST(RenderText, EmptyTraceAndViolationAtTheEnd) {
  Sample s;
  s.trace.clear();
  TraceView v = s.view();
  const std::string out = render_text(v);
  EXPECT_NE(out.find("(empty trace)"), std::string::npos);
  EXPECT_NE(out.find("at the end of the trace (event 14)"), std::string::npos);
  EXPECT_EQ(out.find("\n>>"), std::string::npos);
  EXPECT_NO_THROW(render_html(v));
  EXPECT_TRUE(nlohmann::json::parse(render_perfetto(v)).is_object());
}

TEST(RenderHtml, OneLanePerActorAndHighlightedEvent) {
  const Sample s;
  const std::string html = render_html(s.view());
  EXPECT_EQ(count(html, "class=\"lane-label"), 3u);
  EXPECT_EQ(count(html, "<rect class=\"lane "), 3u);
  EXPECT_NE(html.find("id=\"lane1\""), std::string::npos);
  EXPECT_NE(tag_with(html, "id=\"lane1\"").find("irq"), std::string::npos);
  EXPECT_EQ(tag_with(html, "id=\"lane0\"").find("irq"), std::string::npos);
  for (const auto& n : s.names) EXPECT_NE(html.find(">" + n + "</div>"), std::string::npos) << n;
  // Exactly one event box is highlighted, and it is event 14.
  EXPECT_EQ(count(html, " viol\" data-i="), 1u);
  EXPECT_NE(tag_with(html, "<g id=\"e14\"").find("class=\"ev f-aio viol\""), std::string::npos);
  EXPECT_NE(tag_with(html, "<tr id=\"r14\"").find("viol"), std::string::npos);
  EXPECT_NE(html.find("data-viol=\"14\""), std::string::npos);
  // One box per event.
  EXPECT_EQ(count(html, "<g id=\"e"), s.trace.events.size());
  EXPECT_NE(html.find("INV-2 conversion before completion"), std::string::npos);
  EXPECT_NE(html.find("alloc-fail io_end nth=2"), std::string::npos);
}

TEST(RenderHtml, SelfContained) {
  const Sample s;
  const std::string html = render_html(s.view());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* bad : {"<link", "src=", "@import", "url(", "https:"})
    EXPECT_EQ(html.find(bad), std::string::npos) << bad;
}

TEST(RenderHtml, EscapesUserText) {
  Sample s;
  s.trace.notes[0] = "<script>alert(1)</script> & more";
  const std::string html = render_html(s.view());
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"), std::string::npos);
}

TEST(RenderPerfetto, ParsesWithOneThreadPerActorAndOneEntryPerEvent) {
  const Sample s;
  const auto j = nlohmann::json::parse(render_perfetto(s.view()));
  ASSERT_TRUE(j.contains("traceEvents"));
  std::vector<std::string> threads;
  std::vector<std::int64_t> ts;
  std::size_t viol = 0;
  for (const auto& e : j["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "thread_name") threads.push_back(e["args"]["name"]);
    if (e["ph"] == "M") continue;
    EXPECT_EQ(e["ph"], "X");
    ts.push_back(e["ts"].get<std::int64_t>());
    if (e["cat"].get<std::string>().find("violation") != std::string::npos) {
      ++viol;
      EXPECT_EQ(e["ts"], 14);
      EXPECT_EQ(e["tid"], 2);  // irq:bio1 is actor 1
      EXPECT_EQ(e["args"]["violated"], "INV-2 conversion before completion");
    }
  }
  EXPECT_EQ(threads, (std::vector<std::string>{"task0", "irq:bio1 [IRQ]", "kworker/0:1"}));
  ASSERT_EQ(ts.size(), s.trace.events.size());
  for (std::size_t i = 0; i < ts.size(); ++i) EXPECT_EQ(ts[i], static_cast<std::int64_t>(i));
  EXPECT_EQ(viol, 1u);
  EXPECT_EQ(j["otherData"]["kernel"], "7b7a8665");
}

TEST(Render, ByteIdenticalAcrossRenders) {
  const Sample a;
  const Sample b;  // same content, other addresses
  EXPECT_EQ(render_text(a.view()), render_text(b.view()));
  EXPECT_EQ(render_text(a.view(), 120, true), render_text(b.view(), 120, true));
  EXPECT_EQ(render_html(a.view()), render_html(b.view()));
  EXPECT_EQ(render_perfetto(a.view()), render_perfetto(b.view()));
  const BigSample c, d;
  EXPECT_EQ(render_text(c.view(), 90), render_text(d.view(), 90));
  EXPECT_EQ(render_html(c.view()), render_html(d.view()));
}

TEST(Render, ViewOfAnExecutionLikeStruct) {
  const Sample s;
  struct {
    model::Trace trace;
    std::vector<std::string> actor_names;
    std::vector<sched::Ctx> actor_ctx;
    struct {
      std::string property;
      std::size_t event;
      std::string expected, actual;
    } verdict;
  } x{s.trace, s.names, s.ctx, {s.view().property, s.view().event, s.view().expected, s.view().actual}};
  const TraceView v = view_of(s.workload, s.config, x, s.view().title, s.view().note);
  EXPECT_EQ(render_text(v), render_text(s.view()));
  EXPECT_EQ(render_html(v), render_html(s.view()));
}

CampaignResult sample_campaign() {
  CampaignResult r;
  r.executions = 5000;
  r.seconds = 12.34;
  r.cells = {{model::Kernel::V7b7a8665, model::Fs::Ext4, 2500}, {model::Kernel::V3_12_fixed, model::Fs::Ext4, 2500}};
  auto finding = [](model::Kernel k, model::Fs fs, std::string prop, std::uint64_t exec, std::string file) {
    Finding f{};
    f.kernel = k;
    f.fs = fs;
    f.property = prop;
    f.execution = exec;
    f.executions_before = exec / 2;
    f.seconds = 1.5;
    f.reproducer.property = prop;
    f.reproducer.event = 14;
    f.reproducer.schedule.seed = 0x2a;
    f.reproducer.note = "note of " + prop;
    f.corpus_file = std::move(file);
    return f;
  };
  r.findings.push_back(finding(model::Kernel::V7b7a8665, model::Fs::Ext4, "INV-1 exactly-once completion", 17,
                               "corpus/7b7a8665-ext4-inv1.json"));
  r.coverage.curve = {{1, 40, 0}, {10, 120, 0}, {100, 300, 1}, {1000, 410, 2}, {5000, 430, 3}};
  r.coverage.pairs = r.coverage.saturation.pairs = 430;
  r.coverage.cell_pairs = {380, 350};
  r.coverage.cell_cases = {{{"case:C1", 7}, {"ctx:worker", 9}}, {{"case:A", 3}}};
  r.findings.push_back(finding(model::Kernel::V7b7a8665, model::Fs::Ext4, "INV-2 conversion before completion", 3,
                               "corpus/7b7a8665 ext4#inv2.json"));
  r.findings.push_back(finding(model::Kernel::V3_11, model::Fs::Xfs, "INV-4 context legality", 99, ""));
  return r;
}

TEST(RenderReport, ListsEveryFindingAndLinksItsCorpusFile) {
  const CampaignResult r = sample_campaign();
  const std::string html = render_report_html(r, "campaign seed 1");
  for (std::size_t i = 0; i < r.findings.size(); ++i) {
    EXPECT_NE(html.find("id=\"f-" + std::to_string(i) + "\""), std::string::npos) << i;
    EXPECT_NE(html.find("href=\"#f-" + std::to_string(i) + "\""), std::string::npos) << i;
    EXPECT_NE(html.find(r.findings[i].property), std::string::npos);
    EXPECT_NE(html.find("note of " + r.findings[i].property), std::string::npos);
  }
  EXPECT_NE(html.find("href=\"corpus/7b7a8665-ext4-inv1.json\""), std::string::npos);
  EXPECT_NE(html.find("href=\"corpus/7b7a8665%20ext4%23inv2.json\""), std::string::npos);
  EXPECT_NE(html.find("(not written)"), std::string::npos);
  EXPECT_NE(html.find("violated: INV-2 conversion before completion at event 14"), std::string::npos);
  // Matrix: 3 rows (3.11/xfs has a finding but no cell), 3 property columns.
  EXPECT_EQ(count(html, "<td class=\"violated\">"), 3u);
  EXPECT_EQ(count(html, "<td class=\"holds\">"), 4u);  // 3.12-fixed/ext4: 3 holds; 7b7a8665/ext4: INV-4
  EXPECT_EQ(count(html, "<td class=\"none\">"), 2u);   // 3.11/xfs: not run for INV-1, INV-2
  EXPECT_NE(html.find("<b>5000</b>executions"), std::string::npos);
  EXPECT_NE(html.find("<b>3</b>findings"), std::string::npos);
  EXPECT_EQ(html, render_report_html(sample_campaign(), "campaign seed 1"));
  for (const char* bad : {"<link", "src=", "@import", "url(", "https:"})
    EXPECT_EQ(html.find(bad), std::string::npos) << bad;
}

TEST(RenderReport, PlotsCoverageAndFindingsAgainstExecutions) {
  const std::string html = render_report_html(sample_campaign(), "campaign seed 1");
  EXPECT_NE(html.find("<svg class=\"plot\" id=\"coverage-plot\""), std::string::npos);
  EXPECT_EQ(count(html, "<polyline class=\"pairs\""), 1u);
  EXPECT_EQ(count(html, "<polyline class=\"findings\""), 1u);
  EXPECT_EQ(count(html, "<circle class=\"finding\""), 3u);  // the count rose at 100, 1000, 5000
  EXPECT_NE(html.find(">1k</text>"), std::string::npos);     // log x axis: 1, 2, 5 x 10^k
  EXPECT_NE(html.find("case:C1 (7), ctx:worker (9)"), std::string::npos);
  EXPECT_NE(html.find("430 access pairs"), std::string::npos);
}

TEST(RenderReport, NoCurveNoPlot) {
  CampaignResult r = sample_campaign();
  r.coverage.curve.resize(1);
  EXPECT_EQ(render_report_html(r, "x").find("<svg"), std::string::npos);
}

TEST(RenderReport, NoFindings) {
  CampaignResult r;
  r.executions = 10;
  r.cells = {{model::Kernel::V3_12_fixed, model::Fs::Xfs, 10}};
  const std::string html = render_report_html(r, "clean");
  EXPECT_NE(html.find("No property was violated."), std::string::npos);
  EXPECT_EQ(count(html, "<td class=\"holds\">"), 1u);
}

}  // namespace
}  // namespace dc::harness
