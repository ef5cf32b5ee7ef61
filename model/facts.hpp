// Internal to model/: facts extracted once from (workload, trace) and shared by the
// property families (one .cpp per family). Not part of the public API.
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "model/checker.hpp"

namespace dc::model::detail {

inline constexpr std::size_t kNever = std::numeric_limits<std::size_t>::max();
inline constexpr std::int64_t kEIO = -5;
inline constexpr std::int64_t kEAGAIN = -11;
inline constexpr std::int64_t kENOMEM = -12;
inline constexpr std::int64_t kEBADF = -9;
inline constexpr std::int64_t kEINVAL = -22;
inline constexpr std::int64_t kEIOCBQUEUED = -529;

// Property ids (stable: corpus files and `diocheck list` use them).
namespace prop {
inline constexpr const char* kReadAllowed = "read-sees-allowed-write";
inline constexpr const char* kReadForeign = "read-no-foreign";
inline constexpr const char* kReadShape = "read-data-shape";
inline constexpr const char* kReadSizeWithData = "read-size-with-data";
inline constexpr const char* kOpResult = "op-result";
inline constexpr const char* kReapedOnce = "aio-reaped-once";
inline constexpr const char* kGetEvents = "getevents-count";
inline constexpr const char* kInv1 = "INV-1 aio-complete-once";
inline constexpr const char* kInv2 = "INV-2 dio-complete-once";
inline constexpr const char* kInv3 = "INV-3 dio-count-balance";
inline constexpr const char* kInv4 = "INV-4 dio-wait-no-pending-conversion";
inline constexpr const char* kInv5 = "INV-5 convert-before-complete";
inline constexpr const char* kInv6 = "INV-6 no-sleep-in-interrupt";
inline constexpr const char* kInv7 = "INV-7 one-dio-workqueue";
inline constexpr const char* kInv8 = "INV-8 shutdown-drains-queue";
inline constexpr const char* kInv9 = "INV-9 io-end-lifetime";
inline constexpr const char* kInv10 = "INV-10 dsync-aio-durable";
inline constexpr const char* kInv11 = "INV-11 result-precedence";
inline constexpr const char* kInv12 = "INV-12 eiocbqueued-discipline";
inline constexpr const char* kInv13 = "INV-13 defer-flag-soundness";
inline constexpr const char* kUaf = "kernel-use-after-free";
inline constexpr const char* kDoubleFree = "kernel-double-free";
inline constexpr const char* kLeak = "kernel-leak";
inline constexpr const char* kBug = "kernel-bug";
inline constexpr const char* kWarn = "kernel-warn";
inline constexpr const char* kCrashDurable = "crash-durability";
inline constexpr const char* kCrashForeign = "crash-no-foreign";
}  // namespace prop

// Everything known about one workload operation from the trace.
struct OpFacts {
  const Op* op = nullptr;
  std::size_t task = 0;
  std::size_t begin = kNever;   // OpBegin
  std::size_t end = kNever;     // OpEnd (for AIO ops: io_submit returned)
  std::int64_t end_res = 0;     // OpEnd a
  std::size_t reaped = kNever;  // first AioReaped (AIO ops)
  std::int64_t reaped_res = 0;
  std::vector<ObjId> dios;      // dios created for it (DioSubmit)
  // When userspace learns the outcome: OpEnd for sync ops, AioReaped for AIO ops.
  std::size_t reported() const;
  std::int64_t reported_res() const;
  bool is_aio() const;
  bool is_direct() const;  // O_DIRECT data op (AioWrite/AioRead/PWrite/PRead)
};

struct Facts {
  const Workload* w = nullptr;
  const Trace* t = nullptr;
  const Config* c = nullptr;  // null for host-kernel histories (fs-specific rules relax)
  // By op id, ascending (flat: looked up for most events, so no tree walks or node allocations).
  std::vector<std::pair<std::uint32_t, OpFacts>> ops;
  std::vector<std::pair<ObjId, std::uint32_t>> dio_op;  // dio -> op (first DioSubmit), by dio
  std::size_t crash = kNever;            // first Crash event
  bool quiescent() const { return crash == kNever; }  // end-of-run checks apply
  std::size_t n() const { return t->events.size(); }
  const OpFacts* op(std::uint32_t id) const;
  OpFacts* op(std::uint32_t id);
  std::string note(const Event& e) const;
  // Did a bio of the op's last dio (the one whose result is reported) fail before `before`?
  bool dio_failed(const OpFacts& o, std::size_t before) const;
  bool dsync_write(const Op& op) const;  // the write must be durable when reported
  // Size of `file` at start (file 0 carries the workload's initial state; the others are empty).
  std::uint64_t initial_size(std::uint32_t file) const { return file == 0 ? w->initial_size : 0; }
  // Data file `file` must never show: a never-written or reused block (is_foreign), the
  // initial data of file 0 in another file, or the data of a write to another file.
  bool foreign_in(std::uint32_t file, std::uint32_t v) const;
};

Facts build_facts(const Workload& w, const Trace& t, const Config* c = nullptr);

std::string value_name(std::uint32_t v);
std::string op_name(const Facts& f, std::uint32_t op);

using Out = std::vector<Violation>;
void check_observable_family(const Facts&, Out&);
void check_size_with_data(const Facts&, Out&);              // engine histories only
void check_completion(const Facts&, const Config&, Out&);  // INV-1/2/11/12
void check_dio_count(const Facts&, Out&);                  // INV-3/4
void check_conversion(const Facts&, Out&);                 // INV-5/13
void check_context(const Facts&, Out&);                    // INV-6 + kernel findings
void check_workqueue(const Facts&, Out&);                  // INV-7/8
void check_io_end(const Facts&, Out&);                     // INV-9
void check_durability(const Facts&, Out&);                 // INV-10 + crash

}  // namespace dc::model::detail
