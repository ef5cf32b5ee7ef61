// `diocheck host`: hold the model (and, with --differential, the port) against the real
// Linux kernel: generated workloads on real files with O_DIRECT and io_uring.
#include <sys/utsname.h>

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/cli/cli.hpp"
#include "harness/gen/workload_gen.hpp"
#include "harness/host/host.hpp"
#include "harness/run/corpus.hpp"
#include "harness/run/differential.hpp"
#include "harness/run/runner.hpp"
#include "harness/run/strategy_factory.hpp"
#include "harness/sched/rng.hpp"
#include "model/checker.hpp"

namespace dc::cli {
namespace {

// Differential runs need operations strictly in sequence: every AIO is reaped before the
// next operation starts (an AIO still in flight is concurrent with what follows).
void make_sequential(model::Workload& w) {
  for (auto& t : w.tasks) {
    std::vector<model::Op> ops;
    for (const auto& op : t.ops) {
      if (op.kind == model::OpKind::GetEvents) continue;
      ops.push_back(op);
      if (op.kind == model::OpKind::AioWrite || op.kind == model::OpKind::AioRead) {
        model::Op ge;
        ge.kind = model::OpKind::GetEvents;
        ge.nr = 1;
        ops.push_back(ge);
      }
    }
    t.ops = std::move(ops);
  }
  gen::number_ops(w);
}

struct Host : Command {
  std::string dir, corpus_dir = "corpus/host";
  std::uint64_t executions = 200, seed = 1;
  int tasks = 3;
  std::string kernel;  // engine variant of --differential; "" = the closest to `uname -r`
  bool differential = false, json = false;

  // The engine configuration the host is compared with (--differential).
  model::Config engine_config(const harness::host::HostProbe& p) const {
    model::Config cfg;
    if (kernel == "all") throw UsageError("host --kernel: one variant, not 'all'");
    if (!kernel.empty()) {
      cfg.kernel = parse_kernels({kernel}).front();
    } else {
      utsname u{};
      if (uname(&u) != 0 || !harness::closest_variant(u.release, cfg.kernel))
        throw UsageError("cannot tell the host kernel's version from uname: pass --kernel");
    }
    cfg.fs = harness::closest_fs(p.fs_type);
    return cfg;
  }

  int run() override {
    const std::string parent = dir.empty() ? harness::host::default_dir(nullptr) : dir;
    const harness::host::HostProbe p = harness::host::probe(parent);
    if (!p.usable())
      throw UsageError(fmt::format("host oracle unavailable in '{}': {}", parent, p.error.empty() ? "no O_DIRECT or io_uring" : p.error));
    const model::Config cfg = engine_config(p);
    gen::GenOptions g;
    g.max_tasks = differential ? 1 : tasks;
    g.faults = false;
    g.crash = false;
    harness::Runner runner;
    auto strategy = harness::make_strategy("random");
    std::uint64_t ran = 0, unsupported = 0, ops = 0, disagreements = 0, differences = 0;
    double host_seconds = 0;
    std::vector<std::string> lines;
    for (std::uint64_t i = 0; i < executions; ++i) {
      model::Workload w = gen::sample(gen::workload(g), sched::mix_seed(seed, i));
      if (differential) make_sequential(w);
      harness::host::HostOptions ho;
      ho.dir = parent;
      const harness::host::HostResult r = harness::host::run_on_host(w, ho);
      if (r.status == harness::host::HostStatus::Unsupported) {
        ++unsupported;
        continue;
      }
      if (!r.ok()) throw UsageError(fmt::format("host run failed: {}", r.error));
      ++ran;
      ops += r.ops;
      host_seconds += r.elapsed_s;
      const auto v = model::check_observable(w, r.trace);
      if (!v.empty()) {
        ++disagreements;
        harness::Case c;
        c.workload = w;
        c.property = v.front().property;
        c.event = v.front().event;
        c.trace_hash = model::trace_hash(r.trace);
        c.note = fmt::format("host kernel history rejected by the model: expected {}; actual {}\n{}", v.front().expected,
                             v.front().actual, harness::host::render_text(r));
        std::filesystem::create_directories(corpus_dir);
        const std::string file = fmt::format("{}/host-{}-{}.json", corpus_dir, seed, i);
        harness::save_case(c, file);
        lines.push_back(fmt::format("disagreement: workload {} -> {}: {} at event {} ({})", i, file, c.property, c.event,
                                    v.front().actual));
      }
      if (differential) {
        const harness::Execution x = runner.run(w, cfg, *strategy, sched::mix_seed(seed, i));
        for (const auto& d : harness::compare(w, x.trace, r.trace)) {
          ++differences;
          lines.push_back(fmt::format("difference: workload {} op {}: {}", i, d.op, d.what));
        }
      }
    }
    const double rate = host_seconds > 0 ? static_cast<double>(ops) / host_seconds : 0;
    if (json) {
      nlohmann::json j = {{"dir", p.dir}, {"fs", p.fs_type}, {"logical_block_size", p.logical_block_size},
                          {"workloads", ran}, {"unsupported", unsupported}, {"ops", ops}, {"ops_per_second", rate},
                          {"disagreements", disagreements}, {"differences", differences}, {"details", lines}};
      if (differential) j["engine"] = {{"kernel", model::to_string(cfg.kernel)}, {"fs", model::to_string(cfg.fs)}};
      fmt::print("{}\n", j.dump(2));
    } else {
      for (const auto& l : lines) fmt::print("{}\n", l);
      fmt::print("host {} ({}, logical block {}): {} workloads run, {} unsupported, {} ops at {:.0f} ops/s; "
                 "{} disagreements with the model{}\n",
                 p.dir, p.fs_type, p.logical_block_size, ran, unsupported, ops, rate, disagreements,
                 differential ? fmt::format(", {} differences with the {} {} engine", differences,
                                            model::to_string(cfg.kernel), model::to_string(cfg.fs))
                              : "");
    }
    return disagreements + differences ? kViolation : kOk;
  }
};

}  // namespace

void add_host(CLI::App& app, std::unique_ptr<Command>& chosen) {
  auto cmd = std::make_shared<Host>();
  CLI::App* c = app.add_subcommand("host", "Run generated workloads on the host kernel (O_DIRECT, io_uring) through the model");
  c->add_option("--dir", cmd->dir, "Parent of the scratch directory (default: first usable of $DIOCHECK_HOST_DIR, $TMPDIR, /tmp, /var/tmp, .)");
  c->add_option("--executions", cmd->executions, "Workloads to run (default 200)");
  c->add_option("--seed", cmd->seed, "Seed of the workload generator");
  c->add_option("--tasks", cmd->tasks, "Maximum user tasks (threads) per workload");
  c->add_option("--corpus", cmd->corpus_dir, "Where disagreements are written");
  c->add_flag("--differential", cmd->differential,
              "Sequential workloads, also run on the engine variant closest to the host kernel and compared");
  c->add_option("--kernel", cmd->kernel, "--differential: the engine variant (default: the closest to `uname -r`)")
      ->check(CLI::IsMember(kernel_choices()));
  c->add_flag("--json", cmd->json, "Machine-readable summary on stdout");
  c->callback([cmd, &chosen] { chosen = std::make_unique<Host>(*cmd); });
}

}  // namespace dc::cli
