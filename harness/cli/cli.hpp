// Shared pieces of the diocheck command: exit codes, errors, output helpers, and the
// registration function of each subcommand (one file per subcommand).
#pragma once
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "harness/run/campaign.hpp"
#include "harness/run/corpus.hpp"

namespace dc::cli {

// kCheckerBug: the determinism self-check saw one execution give two traces.
enum Exit : int { kOk = 0, kViolation = 1, kUsage = 2, kCheckerBug = 3 };

// Bad usage or bad input: one line on stderr, exit 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Each subcommand registers itself and sets `result` when it runs.
struct Command {
  virtual ~Command() = default;
  virtual int run() = 0;
};

void add_fuzz(CLI::App& app, std::unique_ptr<Command>& chosen);
void add_replay(CLI::App& app, std::unique_ptr<Command>& chosen);
void add_shrink(CLI::App& app, std::unique_ptr<Command>& chosen);
void add_show(CLI::App& app, std::unique_ptr<Command>& chosen);
void add_corpus(CLI::App& app, std::unique_ptr<Command>& chosen);
void add_list(CLI::App& app, std::unique_ptr<Command>& chosen);
void add_mutants(CLI::App& app, std::unique_ptr<Command>& chosen);
void add_host(CLI::App& app, std::unique_ptr<Command>& chosen);
void add_explore(CLI::App& app, std::unique_ptr<Command>& chosen);
// The main job (no subcommand).
std::unique_ptr<Command> main_job();

// Helpers shared by commands.
// The names `--kernel` / `--fs` accept (for CLI::IsMember), "all" included.
std::vector<std::string> kernel_choices();
std::vector<std::string> fs_choices();
std::vector<model::Kernel> parse_kernels(const std::vector<std::string>& names);
std::vector<model::Fs> parse_filesystems(const std::vector<std::string>& names);
// Mutant names at the command line: the catalogue's names (for CLI::IsMember), and names to
// the typed set (an unknown name is a UsageError).
std::vector<std::string> mutant_choices();
model::MutantSet parse_mutant_names(const std::vector<std::string>& names);
// A mutant that cannot act on (k, fs) is refused: UsageError naming where it applies.
void refuse_inapplicable(model::MutantSet s, model::Kernel k, model::Fs fs);
// With mutants, `--kernel all` / `--fs all` (all_*) mean every variant where they act; an
// explicitly chosen variant where one cannot act is refused.
void narrow_to_mutants(model::MutantSet s, bool all_kernels, bool all_fs, std::vector<model::Kernel>& ks,
                       std::vector<model::Fs>& fss);
std::string slug(const std::string& s);
std::string corpus_path(const std::string& dir, const harness::Finding& f);
void write_findings(harness::CampaignResult& r, const std::string& dir);
// Marks findings already recorded in the corpus folder `dir` (same kernel, fs, mutants and
// property) as known; returns how many are. "" = none known.
std::size_t mark_known(harness::CampaignResult& r, const std::string& dir);
void print_findings_table(const harness::CampaignResult& r, const std::vector<model::Kernel>& ks,
                          const std::vector<model::Fs>& fss);
std::string findings_json(const harness::CampaignResult& r);
// Interleaving coverage of a campaign or an exploration over its (kernel, fs) cells, and the
// determinism self-check of a campaign (docs/coverage.md); a self-check mismatch also goes
// to stderr with both traces.
void print_coverage(const harness::CoverageSummary& c);
void print_self_check(const harness::CampaignResult& r);
nlohmann::json coverage_json(const harness::CoverageSummary& c, const std::vector<harness::Cell>& cells);
std::string junit_xml(const harness::CampaignResult& r);
// A progress line on stderr (redrawn in place on a terminal, every 10 s otherwise).
void show_progress(const harness::Progress& p);

}  // namespace dc::cli
