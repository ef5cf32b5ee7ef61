// `diocheck corpus merge OUT IN...`: merge corpus folders from several machines, keeping one
// case per (kernel, fs, mutants, property): the smallest.
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "harness/cli/cli.hpp"
#include "harness/run/corpus.hpp"
#include "harness/run/mutant_catalogue.hpp"
#include "harness/run/shrink.hpp"

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
                                      fmt::join(harness::mutant_names(c.config.mutants), ","), c.property);
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

// `diocheck corpus refresh FILE...`: after a deliberate engine change, re-record each case's
// schedule, event and trace hash by re-finding its verdict (replay first, then a search on
// the same workload); notes are kept. A case whose violation is gone is reported (exit 1).
struct Refresh : Command {
  std::vector<std::string> files;
  int searches = 2000;
  int run() override {
    int lost = 0;
    for (const auto& f : files) {
      const harness::Case c = harness::load_case(f);
      if (auto r = harness::refresh(c, searches)) {
        const bool same = r->trace_hash == c.trace_hash && r->event == c.event && r->schedule == c.schedule;
        harness::save_case(*r, f);
        fmt::print("{}: {}\n", f, same ? "unchanged" : "re-recorded");
      } else {
        ++lost;
        fmt::print("{}: LOST: '{}' no longer fails in {} searches\n", f, c.property, searches);
      }
    }
    return lost ? kViolation : kOk;
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
  auto ref = std::make_shared<Refresh>();
  CLI::App* r = corpus->add_subcommand("refresh", "Re-record schedules and trace hashes after an engine change (notes kept)");
  r->add_option("files", ref->files, "Corpus files")->required()->check(CLI::ExistingFile);
  r->add_option("--searches", ref->searches, "Schedules tried per case when the recorded one no longer fails");
  r->callback([ref, &chosen] { chosen = std::make_unique<Refresh>(*ref); });
}

}  // namespace dc::cli
