// Corpus files: one versioned JSON document per case (a finding or a mutant reproducer).
//
//   {
//     "format": "diocheck-case", "version": 2,
//     "kernel": "3.12", "fs": "ext4", "mutants": [], "wq_concurrency": 2,
//     "dioread_nolock": false,
//     "faults": [{"kind": "bio-error", "nth": 1}, {"kind": "alloc-fail", "site": "dio", "nth": 1}],
//     "workload": {"sector_size": 512, "block_size": 4096, "initial_size": 0,
//                  "written": [[0, 4096]], "preallocated": [], "o_dsync": false,
//                  "o_sync": false, "inode_sync": false,
//                  "tasks": [[{"op": "aio_write", "id": 0, "offset": 0, "len": 4096}, ...]]},
//     "strategy": "random", "seed": "2a",
//     "schedule": "dc1....",
//     "expect": {"property": "INV-5 ...", "event": 17, "trace_hash": "9f3c..."},
//     "note": "why this fails, in kernel terms"
//   }
//
// Versions 1 and 2 differ only in the trace hash (model::trace_hash): version 1 files (hash v1)
// still load and replay; they are written back as version 1, and `diocheck corpus refresh`
// re-records them with hash 2. Version 3 (issue 14) keeps hash 2 and adds several files:
// "workload": {"files": 2, ...} (1..4, default 1) and "file": 1 on an op (default 0; must be
// below workload.files; not on io_getevents, umount, crash). Versions 1 and 2 load as one
// file; a version-2 case is written back as version 3. Version 4 (issue 14) adds
// "workload": {"shared_files": true} (default false) and the ops "open" and "evict"; a task's
// close/open sequence must be possible (model::lifecycle_error). Version 5 (issue 15) adds the
// io_uring ops "uring_write", "uring_read" and "uring_wait" (nr), 6.x kernels only
// (model::kernel_error). Loading is strict: unknown versions, unknown fields, missing fields and inconsistent values
// are rejected with a one-line error naming the file and the field.
#pragma once
#include <stdexcept>
#include <string>

#include "harness/sched/schedule.hpp"
#include "model/config.hpp"
#include "model/event.hpp"
#include "model/workload.hpp"

namespace dc::harness {

struct CorpusError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Case {
  model::Workload workload;
  model::Config config;
  std::string strategy = "random";
  sched::Schedule schedule;   // includes the seed
  std::string property;       // expected verdict ("" = no violation expected)
  std::size_t event = 0;
  std::uint64_t trace_hash = 0;
  int hash_version = model::kTraceHashVersion;  // of trace_hash (= the file's format version)
  std::string note;
  friend bool operator==(const Case&, const Case&) = default;
};

std::string to_json(const Case& c);
// `origin` names the source in error messages (usually the file path).
Case case_from_json(const std::string& text, const std::string& origin);
Case load_case(const std::string& path);
void save_case(const Case& c, const std::string& path);

}  // namespace dc::harness
