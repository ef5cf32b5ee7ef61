// host_bench: how fast the host-kernel oracle runs. Prints ops/s for a 4-task mixed
// workload (AIO writes and reads through io_uring, O_DIRECT and buffered pwrite/pread,
// io_getevents, an occasional fdatasync) and whole runs/s for small workloads (setup,
// threads and cleanup included). Usage: host_bench [rounds-per-task] [small-runs]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "harness/host/host.hpp"

using dc::model::Op;
using dc::model::OpKind;
using dc::model::Workload;

namespace {

Workload mixed(std::uint32_t lbs, int tasks, int rounds) {
  Workload w;
  const std::uint64_t S = lbs, B = std::max<std::uint64_t>(4096, S);
  w.sector_size = lbs;
  w.initial_size = 16 * B;
  w.written = {{0, 8 * B}};
  std::uint32_t id = 0;
  for (int t = 0; t < tasks; ++t) {
    auto& ops = w.tasks.emplace_back().ops;
    for (int r = 0; r < rounds; ++r) {
      const std::uint64_t off = static_cast<std::uint64_t>((t * 3 + r) % 10) * B;
      ops.push_back(Op{OpKind::AioWrite, id++, off, B});
      ops.push_back(Op{OpKind::AioRead, id++, (off + 2 * B) % (12 * B), B});
      ops.push_back(Op{OpKind::PWrite, id++, off + B, S});
      ops.push_back(Op{OpKind::PRead, id++, off, 2 * B});
      // buffered I/O on pages no direct write touches (12B..16B)
      ops.push_back(Op{OpKind::BufWrite, id++, 12 * B + static_cast<std::uint64_t>(t) * B, S});
      ops.push_back(Op{OpKind::BufRead, id++, 12 * B, 2 * B});
      ops.push_back(Op{OpKind::GetEvents, id++, 0, 0, false, false, 2});
      if (r % 16 == 15) ops.push_back(Op{OpKind::Fsync, id++, 0, 0, /*dsync=*/true});
    }
  }
  return w;
}

double now_s() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 500;
  const int small_runs = argc > 2 ? std::atoi(argv[2]) : 200;
  std::string why;
  const std::string dir = dc::harness::host::default_dir(&why);
  std::printf("%s\n", why.c_str());
  if (dir.empty()) return 2;
  const std::uint32_t lbs = dc::harness::host::probe(dir).logical_block_size;

  const Workload w = mixed(lbs, 4, rounds);
  const auto r = dc::harness::host::run_on_host(w);
  if (!r.ok()) {
    std::fprintf(stderr, "host run failed: %s\n", r.error.c_str());
    return 1;
  }
  std::printf("4-task mixed workload: %llu ops, %zu events in %.3f s: %.0f ops/s\n",
              static_cast<unsigned long long>(r.ops), r.trace.events.size(), r.elapsed_s,
              static_cast<double>(r.ops) / r.elapsed_s);

  const Workload small = mixed(lbs, 4, 2);
  const double t0 = now_s();
  std::uint64_t ops = 0;
  for (int i = 0; i < small_runs; ++i) {
    const auto s = dc::harness::host::run_on_host(small);
    if (!s.ok()) {
      std::fprintf(stderr, "small run %d failed: %s\n", i, s.error.c_str());
      return 1;
    }
    ops += s.ops;
  }
  const double dt = now_s() - t0;
  std::printf("small 4-task workloads (%llu ops each, setup included): %.0f runs/s\n",
              static_cast<unsigned long long>(ops / static_cast<std::uint64_t>(std::max(small_runs, 1))),
              small_runs / dt);
  return 0;
}
