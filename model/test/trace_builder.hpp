// Hand-built traces for the model tests: a builder that appends events and returns their
// index, plus a tiny workload helper.
#pragma once
#include <initializer_list>
#include <string>
#include <vector>

#include "model/checker.hpp"

namespace dc::model::test {

inline Op mk(OpKind k, std::uint32_t id, std::uint64_t off = 0, std::uint64_t len = 0) {
  Op o;
  o.kind = k;
  o.id = id;
  o.offset = off;
  o.len = len;
  return o;
}

class TraceBuilder {
 public:
  // The actor (and its context) subsequent events are emitted by.
  TraceBuilder& as(std::uint16_t actor, std::uint8_t ctx = 0) {
    actor_ = actor;
    ctx_ = ctx;
    return *this;
  }
  std::size_t ev(EvKind k, std::uint32_t op = kNoOp, std::int64_t a = 0, std::int64_t b = 0,
                 std::int64_t c = 0, ObjId obj = 0) {
    Event e{};
    e.kind = k;
    e.ctx = ctx_;
    e.actor = actor_;
    e.obj = obj;
    e.op = op;
    e.a = a;
    e.b = b;
    e.c = c;
    t.events.push_back(e);
    return t.events.size() - 1;
  }
  std::size_t obj(EvKind k, ObjId obj, std::int64_t a = 0, std::int64_t b = 0, std::int64_t c = 0,
                  std::uint32_t op = kNoOp) {
    return ev(k, op, a, b, c, obj);
  }
  std::size_t begin(const Op& op) { return ev(EvKind::OpBegin, op.id, static_cast<std::int64_t>(op.kind)); }
  std::size_t end(std::uint32_t op, std::int64_t res) { return ev(EvKind::OpEnd, op, res); }
  std::size_t reaped(std::uint32_t op, std::int64_t res) { return ev(EvKind::AioReaped, op, res); }
  std::size_t read_data(std::uint32_t op, std::int64_t off, std::int64_t len,
                        std::vector<std::uint32_t> ids) {
    const std::size_t i = ev(EvKind::ReadData, op, off, len);
    t.events[i].data = static_cast<std::uint32_t>(t.data.size());
    t.events[i].ndata = static_cast<std::uint32_t>(ids.size());
    t.data.insert(t.data.end(), ids.begin(), ids.end());
    return i;
  }
  std::size_t crash(std::int64_t durable_size, std::vector<std::uint32_t> ids) {
    const std::size_t i = read_data(kNoOp, durable_size, 0, std::move(ids));
    t.events[i].kind = EvKind::Crash;
    return i;
  }
  std::size_t finding(EvKind k, std::string note) {
    const std::size_t i = ev(k);
    t.notes.push_back(std::move(note));
    t.events[i].note = static_cast<std::uint32_t>(t.notes.size());
    return i;
  }
  // Op `a` (actor 0) and op `b` (actor 1), each begun and reported with its result: either a
  // ends before b begins or a ends after b (the two overlap in time).
  void race(const Op& a, std::int64_t ra, const Op& b, std::int64_t rb, bool overlap) {
    as(0).begin(a);
    if (!overlap) end(a.id, ra);
    as(1).begin(b);
    end(b.id, rb);
    if (overlap) as(0).end(a.id, ra);
  }
  // i_dio_count bookkeeping: emits the new value like the engine does.
  std::size_t dio_inc() { return ev(EvKind::InodeDioInc, kNoOp, ++dio_count_); }
  std::size_t dio_done() { return ev(EvKind::InodeDioDone, kNoOp, --dio_count_); }

  Trace t;

 private:
  std::uint16_t actor_ = 0;
  std::uint8_t ctx_ = 0;
  std::int64_t dio_count_ = 0;
};

inline Workload workload(std::vector<std::vector<Op>> tasks, std::uint64_t initial_size = 0) {
  Workload w;
  w.initial_size = initial_size;
  for (auto& ops : tasks) w.tasks.push_back(Task{std::move(ops)});
  return w;
}

inline std::vector<std::string> props(const std::vector<Violation>& v) {
  std::vector<std::string> out;
  for (const Violation& x : v) out.push_back(x.property);
  return out;
}

}  // namespace dc::model::test
