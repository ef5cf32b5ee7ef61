// `diocheck fuzz` and the main job (no command): a campaign, a findings table, corpus files.
#include <algorithm>
#include <fstream>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "harness/cli/cli.hpp"
#include "harness/render/render.hpp"
#include "harness/run/exhaustive_campaign.hpp"

namespace dc::cli {
namespace {

// All cores by default: executions are independent, and the findings of a campaign with an
// execution budget do not depend on the number of jobs (execution i is determined by the
// seed and i alone).
int default_jobs() { return static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 256u)); }

struct Fuzz : Command {
  std::vector<std::string> kernels{"all"}, filesystems{"all"}, mutants;
  std::pair<std::uint32_t, std::uint32_t> shard{0, 1};  // K/N
  std::string strategy = "portfolio", corpus_dir = "findings", report, junit, known_dir;
  std::uint64_t seed = 1, executions = 0;
  double seconds = 0;
  int jobs = default_jobs();
  harness::ExhaustiveOptions exhaustive;
  std::uint32_t files = 1;
  bool json = false, quiet = false, stop_at_first = false, caller_comp = false, lifecycle = false, io_uring = false;

  int run() override {
    const harness::CampaignOptions o = options();
    // exhaustive: the preemption-bounded DFS of each workload (one thread, docs/exploration.md)
    harness::CampaignResult r =
        strategy == "exhaustive"
            ? harness::run_exhaustive_campaign(o, exhaustive)
            : harness::run_campaign(o, quiet || json ? std::function<void(const harness::Progress&)>{} : show_progress);
    if (!quiet && !json) fmt::print(stderr, "\n");
    const std::size_t known = mark_known(r, known_dir);
    write_findings(r, corpus_dir);
    report_results(r, o, known);
    if (!r.self_check.mismatches.empty()) return kCheckerBug;
    return r.findings.size() == known ? kOk : kViolation;
  }

  // The campaign the options ask for; bad combinations are UsageErrors.
  harness::CampaignOptions options() const {
    harness::CampaignOptions o;
    o.kernels = parse_kernels(kernels);
    o.filesystems = parse_filesystems(filesystems);
    o.mutants = parse_mutant_names(mutants);
    auto is_all = [](const std::vector<std::string>& v) { return std::find(v.begin(), v.end(), "all") != v.end(); };
    narrow_to_mutants(o.mutants, is_all(kernels), is_all(filesystems), o.kernels, o.filesystems);
    o.strategy = strategy;
    o.seed = seed;
    o.executions = executions;
    o.seconds = seconds;
    if (executions == 0 && seconds <= 0) throw UsageError("give a budget: --time SECONDS or --executions N");
    if (jobs < 1 || jobs > 256) throw UsageError("--jobs must be 1..256");
    o.jobs = jobs;
    std::tie(o.shard, o.shards) = shard;
    if (o.shard >= o.shards) throw UsageError(fmt::format("--shard {}/{}: expected K/N with 0 <= K < N", o.shard, o.shards));
    o.stop_at_first = stop_at_first;
    o.iomap_caller_comp = caller_comp;
    if (files < 1 || files > model::kMaxFiles)
      throw UsageError(fmt::format("--files must be 1..{}", model::kMaxFiles));
    o.gen.files = files;  // 1: the campaign mapping unchanged (docs/campaigns.md)
    o.gen.lifecycle = lifecycle;  // off: the mapping unchanged
    // io_uring exists on the 6.x cells only; their mapping changes, the 3.x cells' does not
    if (io_uring && std::none_of(o.kernels.begin(), o.kernels.end(), [](model::Kernel k) { return model::is_iomap_kernel(k); }))
      throw UsageError("--io-uring needs a 6.x kernel (6.6, 6.18): io_uring does not exist on 3.x");
    o.gen.io_uring = io_uring;
    return o;
  }

  void report_results(const harness::CampaignResult& r, const harness::CampaignOptions& o, std::size_t known) const {
    if (!report.empty()) {
      std::ofstream(report) << harness::render_report_html(r, "diocheck campaign");
    }
    if (!junit.empty()) std::ofstream(junit) << junit_xml(r);
    if (json) fmt::print("{}\n", findings_json(r));
    else {
      print_findings_table(r, o.kernels, o.filesystems);
      if (!known_dir.empty())
        fmt::print("{} of {} findings are known (recorded in {}); {} new\n", known, r.findings.size(), known_dir,
                   r.findings.size() - known);
      if (!report.empty()) fmt::print("report: {}\n", report);
    }
  }
};

void add_options(CLI::App* c, Fuzz& f) {
  c->add_option("--kernel", f.kernels, "Kernel variants: 3.11, 7b7a8665, 3.12, 3.12-fixed, 6.6, 6.18, all")
      ->delimiter(',')
      ->check(CLI::IsMember(kernel_choices()));
  c->add_option("--fs", f.filesystems, "Filesystems: ext4, xfs, all")->delimiter(',')->check(CLI::IsMember(fs_choices()));
  c->add_option("--mutant", f.mutants,
                "Switch on a catalogued mutant (repeatable; see `diocheck list`); with --kernel/--fs all, only "
                "where it applies")
      ->delimiter(',')
      ->check(CLI::IsMember(mutant_choices()));
  c->add_option("--strategy", f.strategy,
                "random | pct | pct:<depth> | portfolio | guided (coverage-guided: docs/coverage.md) | exhaustive (bounded DFS of each workload, one thread)");
  c->add_option("--per-workload", f.exhaustive.per_workload,
                "exhaustive: executions per workload, all preemption bounds together (default 50)");
  c->add_option("--max-bound", f.exhaustive.max_bound, "exhaustive: largest preemption bound k (default 2)");
  c->add_option("--seed", f.seed, "Campaign seed");
  c->add_option("--time", f.seconds, "Time budget in seconds");
  c->add_option("--executions", f.executions, "Execution budget");
  c->add_option("--files", f.files, "Files per workload on the one filesystem (1..4; more than 1 is its own seed mapping)");
  c->add_flag("--lifecycle", f.lifecycle,
              "Shared open files, close while AIO is in flight, inode eviction and reopen (its own seed mapping)");
  c->add_option("--jobs", f.jobs, "Parallel executions (threads, each with its own scheduler); default: the number of cores");
  c->add_option("--shard", f.shard, "K/N: run only the K-th of N disjoint slices of the seed space")
      ->delimiter('/');
  c->add_option("--corpus", f.corpus_dir, "Where new findings are written");
  c->add_option("--report", f.report, "Write an HTML report to this file");
  c->add_option("--known", f.known_dir, "Corpus folder of known findings: only new findings make the exit status 1");
  c->add_option("--junit", f.junit, "Write a JUnit XML summary (one test case per kernel x fs)");
  c->add_flag("--stop-at-first", f.stop_at_first, "Stop at the first finding");
  c->add_flag("--iomap-caller-comp", f.caller_comp,
              "6.6/6.18: AIO writes carry IOCB_DIO_CALLER_COMP (io_uring 099ada2c8726..838b35bb6a89): "
              "completions run as the issuer's task_work");
  c->add_flag("--io-uring", f.io_uring,
              "6.6/6.18 cells: most tasks submit through io_uring (IORING_OP_WRITE/READ, NOWAIT issue, io-wq, "
              "CQEs posted by task_work) instead of io_submit (its own seed mapping)");
  c->add_flag("--json", f.json, "Machine-readable summary on stdout");
  c->add_flag("--quiet", f.quiet, "No progress line");
}

}  // namespace

void add_fuzz(CLI::App& app, std::unique_ptr<Command>& chosen) {
  auto cmd = std::make_shared<Fuzz>();
  CLI::App* c = app.add_subcommand("fuzz", "Run a property campaign (random/PCT search over generated workloads)");
  add_options(c, *cmd);
  c->callback([cmd, &chosen] { chosen = std::make_unique<Fuzz>(*cmd); });
}

std::unique_ptr<Command> main_job() {
  auto f = std::make_unique<Fuzz>();
  f->seconds = 60;
  f->report = "diocheck-report.html";
  f->known_dir = DIOCHECK_CORPUS_DIR;  // the findings this repository already records
  f->lifecycle = true;                  // seed mapping 4 (docs/campaigns.md)
  return f;
}

}  // namespace dc::cli
