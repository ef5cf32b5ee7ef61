// `diocheck replay FILE...`: re-run corpus files; each must reproduce its recorded verdict
// and trace hash. A mismatch says where the run diverged.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/cli/cli.hpp"
#include "harness/run/corpus.hpp"
#include "harness/run/runner.hpp"

namespace dc::cli {
namespace {

struct Replay : Command {
  std::vector<std::string> files;
  bool json = false;
  int run() override {
    harness::Runner runner;
    nlohmann::json out = nlohmann::json::array();
    int mismatches = 0;
    for (const auto& file : files) {
      const harness::Case c = harness::load_case(file);
      const harness::Execution x = runner.replay(c.workload, c.config, c.schedule);
      std::string problem;
      if (x.divergence) problem = "schedule diverged at " + *x.divergence;
      else if (x.verdict.property != c.property)
        problem = fmt::format("verdict '{}' but the case records '{}'", x.verdict.property.empty() ? "ok" : x.verdict.property,
                              c.property.empty() ? "ok" : c.property);
      else if (x.verdict.failed() && x.verdict.event != c.event)
        problem = fmt::format("violation at event {} but the case records event {}", x.verdict.event, c.event);
      else if (const auto h = model::trace_hash(x.trace, c.hash_version); h != c.trace_hash)
        problem = fmt::format("trace hash {:x} but the case records {:x}", h, c.trace_hash);
      mismatches += !problem.empty();
      if (json)
        out.push_back({{"file", file}, {"reproduced", problem.empty()}, {"property", x.verdict.property},
                       {"event", x.verdict.event}, {"trace_hash", fmt::format("{:x}", x.trace_hash)}, {"problem", problem}});
      else
        fmt::print("{}: {}\n", file, problem.empty() ? fmt::format("reproduced ({})", c.property.empty() ? "no violation" : c.property)
                                                     : "MISMATCH: " + problem);
    }
    if (json) fmt::print("{}\n", out.dump(2));
    return mismatches ? kViolation : kOk;
  }
};

}  // namespace

void add_replay(CLI::App& app, std::unique_ptr<Command>& chosen) {
  auto cmd = std::make_shared<Replay>();
  CLI::App* c = app.add_subcommand("replay", "Re-run corpus files and check each reproduces its recorded verdict and trace hash");
  c->add_option("files", cmd->files, "Corpus files")->required()->check(CLI::ExistingFile);
  c->add_flag("--json", cmd->json, "Machine-readable result on stdout");
  c->callback([cmd, &chosen] { chosen = std::make_unique<Replay>(*cmd); });
}

}  // namespace dc::cli
