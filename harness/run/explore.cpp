#include "harness/run/explore.hpp"

#include <chrono>
#include <set>
#include <stdexcept>

#include "harness/run/runner.hpp"

namespace dc::harness {

ExploreResult explore(const model::Workload& w, const model::Config& c, const ExploreOptions& o,
                      const std::function<void(const ExploreProgress&)>& progress) {
  ExploreResult r;
  sched::DfsStrategy dfs(o.dfs);
  if (!o.frontier.empty()) dfs.restore(o.frontier);
  Runner runner;
  std::set<std::string> seen;
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  Execution x;  // buffers reused across the executions
  PairRecorder recorder;
  runner.set_observer(&recorder);
  CoverageMap coverage;
  while (dfs.more()) {
    if (o.max_executions && r.executions >= o.max_executions) break;
    if (o.seconds > 0 && elapsed() >= o.seconds) break;
    recorder.begin();
    runner.run_into(x, w, c, dfs, 0);
    ++r.executions;
    if (dfs.last_redundant()) {
      ++r.pruned;  // a reordering of an execution already judged
      continue;
    }
    coverage.add(0, recorder.pairs(), completion_cases(x.trace, w, c.kernel));
    if (x.verdict.failed() && !seen.contains(x.verdict.property)) {
      Case f = case_of(w, c, "dfs", x);
      if (!o.counts || o.counts(f)) {
        seen.insert(f.property);
        r.findings.push_back(std::move(f));
        r.found_at.push_back(r.executions);
        if (o.stop_at_first) break;
      }
    }
    coverage.sample(r.executions, r.findings.size());
    if (progress && r.executions % 256 == 0) progress({r.executions, elapsed(), dfs.estimate()});
  }
  r.exhausted = !dfs.more() && dfs.error().empty();
  r.error = dfs.error();
  r.seconds = elapsed();
  r.estimate = dfs.estimate();
  r.phases = runner.phases();
  coverage.sample(~0ULL, r.findings.size());  // force the last point
  r.coverage = summarize(coverage, 1);
  if (!r.coverage.curve.empty()) r.coverage.curve.back().executions = r.executions;
  if (!r.exhausted && r.error.empty()) r.frontier = dfs.save();
  return r;
}

std::vector<std::string> scenario_names() { return {"S1", "S2", "S3", "S4", "S5", "S6"}; }

namespace {
model::Op op(model::OpKind k, std::uint64_t off, std::uint64_t len) {
  model::Op o;
  o.kind = k;
  o.offset = off;
  o.len = len;
  return o;
}
}  // namespace

model::Workload scenario(const std::string& name) {
  using K = model::OpKind;
  model::Workload w;
  w.initial_size = 4 * 4096;
  if (name == "S1" || name == "S2") {
    // Two AIO writes into preallocated (unwritten) ranges of one file plus an ftruncate.
    // S1 is meant for ext4 and S2 for XFS: the workload is the same, --fs selects.
    w.preallocated = {{0, 4 * 4096}};
    w.tasks.push_back({{op(K::AioWrite, 0, 4096), op(K::GetEvents, 0, 0)}});
    w.tasks.push_back({{op(K::AioWrite, 2 * 4096, 4096), op(K::GetEvents, 0, 0)}});
    w.tasks.push_back({{op(K::Truncate, 0, 4096)}});
  } else if (name == "S3") {
    // Two first-ever O_DSYNC AIO writes on a fresh superblock racing to create the dio workqueue.
    w.o_dsync = true;
    w.written = {{0, 4 * 4096}};
    w.tasks.push_back({{op(K::AioWrite, 0, 4096), op(K::GetEvents, 0, 0)}});
    w.tasks.push_back({{op(K::AioWrite, 4096, 4096), op(K::GetEvents, 0, 0)}});
  } else if (name == "S4") {
    // An AIO write into an unwritten range, then io_getevents and a read of that range.
    w.preallocated = {{0, 4 * 4096}};
    w.tasks.push_back({{op(K::AioWrite, 0, 4096), op(K::GetEvents, 0, 0), op(K::PRead, 0, 4096)}});
  } else if (name == "S5") {
    // A power cut (issue 14): a buffered write into a hole inside EOF, written back by fsync,
    // while an O_DSYNC direct write of another block forces the log; then the crash. XFS before
    // a5949d3faedf makes the delalloc allocation durable before its data (crash-no-foreign);
    // ext4's data=ordered waits for the data.
    w.written = {{0, 4096}};
    model::Op dsync = op(K::PWrite, 0, 4096);
    dsync.dsync = true;
    w.tasks.push_back({{dsync, op(K::Crash, 0, 0)}});
    w.tasks.push_back({{op(K::BufWrite, 4096, 4096), op(K::Fsync, 0, 0)}});
  } else if (name == "S6") {
    // Size with data (issue 14): an extending AIO write into a preallocated block past EOF
    // and a direct read of the whole range. XFS before ee70daaba82d raises i_size before
    // the conversion: the read sees the new size and zeros (read-size-with-data).
    w.initial_size = 4096;
    w.written = {{0, 4096}};
    w.preallocated = {{4096, 4096}};
    w.tasks.push_back({{op(K::AioWrite, 4096, 4096), op(K::GetEvents, 0, 0)}});
    w.tasks.push_back({{op(K::PRead, 0, 2 * 4096)}});
  } else {
    throw std::invalid_argument("unknown scenario '" + name + "' (known: S1, S2, S3, S4, S5, S6)");
  }
  std::uint32_t id = 0;
  for (auto& t : w.tasks)
    for (auto& o : t.ops) o.id = id++;
  return w;
}

}  // namespace dc::harness
