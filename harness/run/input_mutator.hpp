// The workload half of a coverage-guided input (harness/run/coverage_guided.hpp): one small
// change to a workload and its config that keeps them well formed (every task reaps its AIOs
// with a trailing io_getevents, a power cut only ends a task, unique op ids, ops within the
// generator's span, kernel and filesystem unchanged). The changes are those of the issue:
// ops (kind, insert, delete, move between tasks, splice from another input), offsets, sizes,
// faults and crashes, and the machine's knobs (workqueue concurrency, ext4 dioread_nolock).
#pragma once
#include "harness/gen/workload_gen.hpp"
#include "harness/sched/rng.hpp"
#include "model/config.hpp"
#include "model/workload.hpp"

namespace dc::harness {

// `donor`: another input of the same cell, for the splice mutation (may be the same).
void mutate_input(model::Workload& w, model::Config& c, const model::Workload& donor, const gen::GenOptions& o,
                  sched::Rng& rng);

}  // namespace dc::harness
