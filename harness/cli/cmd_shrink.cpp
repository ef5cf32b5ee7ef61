// `diocheck shrink FILE`: minimise a failing case; the result still fails the same property.
#include <fmt/format.h>

#include "harness/cli/cli.hpp"
#include "harness/run/shrink.hpp"

namespace dc::cli {
namespace {

struct Shrink : Command {
  std::string file, output;
  double seconds = 60;
  int run() override {
    const harness::Case c = harness::load_case(file);
    harness::ShrinkStats st;
    harness::Case s = harness::shrink(c, {.searches_per_candidate = 300, .seconds = seconds}, &st);
    const std::string out = output.empty() ? file : output;
    harness::save_case(s, out);
    const auto a = harness::size_of(c), b = harness::size_of(s);
    fmt::print("{}: {} -> tasks {}->{}, ops {}->{}, bytes {}->{}, faults {}->{}, preemptions {}->{} ({} executions)\n",
               out, s.property, a.tasks, b.tasks, a.ops, b.ops, a.bytes, b.bytes, a.faults, b.faults,
               a.preemptions, b.preemptions, st.executions);
    return kViolation;  // the shrunk case still fails, by construction
  }
};

}  // namespace

void add_shrink(CLI::App& app, std::unique_ptr<Command>& chosen) {
  auto cmd = std::make_shared<Shrink>();
  CLI::App* c = app.add_subcommand("shrink", "Minimise a failing corpus case (fewer ops, tasks, bytes, preemptions)");
  c->add_option("file", cmd->file, "Corpus file")->required()->check(CLI::ExistingFile);
  c->add_option("-o,--output", cmd->output, "Write the result here (default: overwrite FILE)");
  c->add_option("--time", cmd->seconds, "Time budget in seconds");
  c->callback([cmd, &chosen] { chosen = std::make_unique<Shrink>(*cmd); });
}

}  // namespace dc::cli
