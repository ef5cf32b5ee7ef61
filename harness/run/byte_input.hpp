// A workload, its config and every scheduling decision decoded from raw bytes: the input of
// the fuzzer-fed engine target (fuzz/engine_schedule_fuzz.cpp), so that libFuzzer's own
// coverage feedback steers workloads and interleavings (docs/coverage.md). Every byte string
// decodes (missing bytes read as 0) to a workload of the generator's shape: 1-3 tasks of 1-4
// ops within 8 blocks, each task's AIOs reaped by a trailing io_getevents, at most one power
// cut ending a task, at most one injected fault. The bytes after the workload are the
// decisions: a pick takes runnable[byte % runnable], a draw byte % bound; once they run out
// the current actor continues (no more preemptions) and draws take 0.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "harness/sched/strategy.hpp"
#include "model/config.hpp"
#include "model/workload.hpp"

namespace dc::harness {

struct ByteInput {
  model::Workload workload;
  model::Config config;
  std::span<const std::uint8_t> decisions;  // into the decoded bytes
};

// `fss`: the filesystems the first byte chooses among (non-empty); kernel and mutants are
// the caller's (config.kernel is `kernel`, ext4's dioread_nolock from a bit).
ByteInput decode_byte_input(std::span<const std::uint8_t> data, model::Kernel kernel,
                            const std::vector<model::Fs>& fss);

class ByteStrategy final : public sched::Strategy {
 public:
  explicit ByteStrategy(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  void begin(std::uint64_t) override { pos_ = 0; }
  sched::ActorId pick(const sched::PickRequest& req) override {
    if (pos_ < bytes_.size()) return req.runnable[bytes_[pos_++] % req.runnable.size()];
    return req.current_runnable ? req.current : req.runnable[0];
  }
  std::uint64_t draw(std::uint64_t bound) override { return pos_ < bytes_.size() ? bytes_[pos_++] % bound : 0; }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

}  // namespace dc::harness
