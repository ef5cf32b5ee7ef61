// `diocheck show FILE`: render the trace of a case (terminal, --html, --perfetto).
#include <unistd.h>

#include <fmt/format.h>

#include "harness/cli/cli.hpp"
#include "harness/render/render.hpp"
#include "harness/run/corpus.hpp"
#include "harness/run/runner.hpp"

namespace dc::cli {
namespace {

struct Show : Command {
  std::string file;
  bool html = false, perfetto = false;
  int width = 160;
  int run() override {
    const harness::Case c = harness::load_case(file);
    harness::Runner runner;
    const harness::Execution x = runner.replay(c.workload, c.config, c.schedule);
    harness::TraceView v{c.workload, c.config, x.trace, x.actor_names, x.actor_ctx, file,
                         x.verdict.property, x.verdict.event, x.verdict.expected, x.verdict.actual, c.note};
    if (html) fmt::print("{}", harness::render_html(v));
    else if (perfetto) fmt::print("{}", harness::render_perfetto(v));
    else fmt::print("{}", harness::render_text(v, width, ::isatty(STDOUT_FILENO)));
    if (x.divergence) fmt::print(stderr, "warning: the replay diverged from the recorded schedule at {}\n", *x.divergence);
    return x.verdict.failed() ? kViolation : kOk;
  }
};

}  // namespace

void add_show(CLI::App& app, std::unique_ptr<Command>& chosen) {
  auto cmd = std::make_shared<Show>();
  CLI::App* c = app.add_subcommand("show", "Render the trace of a corpus case");
  c->add_option("file", cmd->file, "Corpus file")->required()->check(CLI::ExistingFile);
  auto* h = c->add_flag("--html", cmd->html, "A self-contained HTML page with a swimlane per actor");
  c->add_flag("--perfetto", cmd->perfetto, "Chrome trace JSON (ui.perfetto.dev, chrome://tracing)")->excludes(h);
  c->add_option("--width", cmd->width, "Terminal width");
  c->callback([cmd, &chosen] { chosen = std::make_unique<Show>(*cmd); });
}

}  // namespace dc::cli
