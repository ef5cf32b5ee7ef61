// The reference model: the judge of every execution. Pure code (no fibers, nothing of
// impl/): it sees the Workload, the Config and the event stream of one execution and
// returns the properties that broke. See docs/model.md for the properties and decisions.
#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "model/config.hpp"
#include "model/event.hpp"
#include "model/workload.hpp"

namespace dc::model {

struct Violation {
  std::string property;  // stable id, e.g. "read-sees-allowed-write", "INV-1 aio-complete-once"
  std::size_t event;     // index in trace.events where it broke (trace.events.size() if at the end)
  std::string expected;  // what the model allows / expected
  std::string actual;    // what the engine (or host kernel) did
  friend bool operator==(const Violation&, const Violation&) = default;
};

// Observable spec only: what userspace may see. Works on engine traces AND on host-kernel
// histories, which contain only OpBegin/OpEnd/AioReaped/ReadData events (actor = task
// index), in real-time order. Sorted by event index.
std::vector<Violation> check_observable(const Workload&, const Trace&);

// Protocol invariants INV-1..INV-13 of engine-spec.md section 5, the kernel-layer findings
// (MightSleep, UseAfterFree, DoubleFree, Leak, KernelBug, KernelWarn become violations with
// their note as `actual`), and durability after a Crash event. Sorted by event index.
std::vector<Violation> check_protocol(const Workload&, const Config&, const Trace&);

// Both, observable first; the first violation is the verdict.
std::vector<Violation> check(const Workload&, const Config&, const Trace&);

// Stable list of property ids with one-line descriptions (for `diocheck list`).
std::vector<std::pair<std::string, std::string>> properties();

}  // namespace dc::model
