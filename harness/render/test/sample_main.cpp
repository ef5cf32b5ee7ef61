// Writes the sample renders (text, HTML, Perfetto JSON, campaign report) into a directory, for
// screenshot.sh and for looking at by hand: render_sample OUT_DIR
#include <fstream>
#include <iostream>

#include "harness/render/render.hpp"
#include "harness/run/campaign.hpp"
#include "harness/render/test/sample_trace.hpp"

namespace {
void write(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  if (!f) throw std::runtime_error("cannot write " + path);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: render_sample OUT_DIR\n";
    return 2;
  }
  using namespace dc::harness;
  const std::string dir = argv[1];
  const test::Sample s;
  const test::BigSample b(7, 160);
  write(dir + "/sample.txt", render_text(s.view()));
  write(dir + "/sample-color.txt", render_text(s.view(), 160, true));
  write(dir + "/sample.html", render_html(s.view()));
  write(dir + "/sample.perfetto.json", render_perfetto(s.view()));
  write(dir + "/big.txt", render_text(b.view(), 160));
  write(dir + "/big.html", render_html(b.view()));
  CampaignResult r;
  r.executions = 2000;
  r.seconds = 4.2;
  r.cells = {{dc::model::Kernel::V7b7a8665, dc::model::Fs::Ext4, 1000},
             {dc::model::Kernel::V3_12_fixed, dc::model::Fs::Ext4, 1000}};
  Finding f{};
  f.kernel = dc::model::Kernel::V7b7a8665;
  f.fs = dc::model::Fs::Ext4;
  f.property = "INV-2 conversion before completion";
  f.execution = 12;
  f.reproducer.property = f.property;
  f.reproducer.event = test::Sample::kViolation;
  f.reproducer.workload = s.workload;
  f.reproducer.config = s.config;
  f.reproducer.note = s.view().note;
  f.corpus_file = "sample.html";
  r.findings.push_back(f);
  write(dir + "/report.html", render_report_html(r, "sample campaign"));
  return 0;
}
