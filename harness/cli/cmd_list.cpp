// `diocheck list`: kernel variants, filesystems, properties, strategies and mutants.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "harness/cli/cli.hpp"
#include "harness/run/strategy_factory.hpp"
#include "harness/run/mutant_catalogue.hpp"
#include "model/checker.hpp"

namespace dc::cli {
namespace {

struct List : Command {
  bool json = false;
  int run() override {
    nlohmann::json j;
    for (auto k : model::kEveryKernel) j["kernels"].push_back(model::to_string(k));
    for (auto f : model::kAllFs) j["filesystems"].push_back(model::to_string(f));
    for (const auto& [id, doc] : model::properties()) j["properties"].push_back({{"id", id}, {"description", doc}});
    j["strategies"] = harness::strategy_names();
    for (const auto& m : harness::mutant_catalogue()) {
      std::vector<std::string> ks, fss;
      for (auto k : m.kernels) ks.push_back(model::to_string(k));
      for (auto f : m.filesystems) fss.push_back(model::to_string(f));
      j["mutants"].push_back({{"id", m.name}, {"title", m.title}, {"fix", m.fix}, {"kernels", ks},
                              {"filesystems", fss}, {"deviation", m.deviation}});
    }
    if (json) {
      fmt::print("{}\n", j.dump(2));
      return kOk;
    }
    fmt::print("kernel variants: {}\nfilesystems:     {}\nstrategies:      {}\n\nproperties:\n",
               fmt::join(j["kernels"].get<std::vector<std::string>>(), ", "),
               fmt::join(j["filesystems"].get<std::vector<std::string>>(), ", "),
               fmt::join(harness::strategy_names(), ", "));
    for (const auto& [id, doc] : model::properties()) fmt::print("  {:<40} {}\n", id, doc);
    fmt::print("\nmutants:\n");
    for (const auto& m : harness::mutant_catalogue()) fmt::print("  {:<36} {} (fix {})\n", m.name, m.title, m.fix);
    return kOk;
  }
};

}  // namespace

void add_list(CLI::App& app, std::unique_ptr<Command>& chosen) {
  auto cmd = std::make_shared<List>();
  CLI::App* c = app.add_subcommand("list", "List kernel variants, filesystems, properties, strategies and mutants");
  c->add_flag("--json", cmd->json, "Machine-readable output");
  c->callback([cmd, &chosen] { chosen = std::make_unique<List>(*cmd); });
}

}  // namespace dc::cli
