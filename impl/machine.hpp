// The simulated machine of one execution: disk, superblock, the one file's inode, one
// process actor per workload task, and the teardown actor. See impl/README.md.
#pragma once
#include <memory>

#include "model/config.hpp"
#include "model/workload.hpp"

namespace dc::sched {
class Scheduler;
}

namespace dc::kern {

class Machine {
 public:
  Machine(const model::Workload& w, const model::Config& c);
  ~Machine();
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;
  // Called after Scheduler::begin(), with the execution's kern::Execution installed on the
  // thread (which carries the config's variant, mutants and faults): builds superblock, inode and initial extents/data, then spawns one process actor
  // per workload task ("task0", "task1", ...). When every task has ended, a teardown actor
  // ("umount") unmounts (drains and destroys s_dio_done_wq, frees inode and superblock) unless
  // the workload already unmounted or crashed, so a clean execution ends with no live object.
  void start(sched::Scheduler& s);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dc::kern
