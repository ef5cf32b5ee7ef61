// `diocheck corpus merge OUT IN...`: merge corpus folders from several machines, keeping one
// case per (kernel, fs, mutants, property): the smallest.
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "harness/cli/cli.hpp"
#include "harness/run/corpus.hpp"

namespace dc::cli {
namespace {

struct Merge : Command {
  std::string out;
  std::vector<std::string> inputs;
  int run() override {
    namespace fs = std::filesystem;
    std::map<std::string, std::pair<harness::Case, std::string>> best;
    std::size_t read = 0;
    auto weight = [](const harness::Case& c) {
      std::size_t n = c.schedule.decisions.size();
      for (const auto& t : c.workload.tasks) n += 1000 * t.ops.size();
      return n;
    };
    for (const auto& in : inputs) {
      if (!fs::is_directory(in)) throw UsageError(fmt::format("{}: not a directory", in));
      std::vector<fs::path> files;
      for (const auto& e : fs::recursive_directory_iterator(in))
        if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (const auto& p : files) {
        harness::Case c = harness::load_case(p.string());
        ++read;
        std::string key = fmt::format("{}|{}|{}|{}", model::to_string(c.config.kernel), model::to_string(c.config.fs),
                                      fmt::join(c.config.mutants, ","), c.property);
        auto it = best.find(key);
        if (it == best.end() || weight(c) < weight(it->second.first)) best[key] = {std::move(c), p.filename().string()};
      }
    }
    fs::create_directories(out);
    for (const auto& [key, v] : best) harness::save_case(v.first, (fs::path(out) / v.second).string());
    fmt::print("merged {} cases into {} distinct findings in {}\n", read, best.size(), out);
    return kOk;
  }
};

}  // namespace

void add_corpus(CLI::App& app, std::unique_ptr<Command>& chosen) {
  auto cmd = std::make_shared<Merge>();
  CLI::App* corpus = app.add_subcommand("corpus", "Corpus maintenance");
  corpus->require_subcommand(1);
  CLI::App* m = corpus->add_subcommand("merge", "Merge corpus folders, deduplicating findings");
  m->add_option("out", cmd->out, "Output folder")->required();
  m->add_option("inputs", cmd->inputs, "Input folders")->required();
  m->callback([cmd, &chosen] { chosen = std::make_unique<Merge>(*cmd); });
}

}  // namespace dc::cli
