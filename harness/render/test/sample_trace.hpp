// Hand-built traces for the renderer tests and the screenshot sample: a submitter, an IRQ
// bio completion and a dio workqueue worker; the AIO completes (in interrupt context) before
// the unwritten extent is converted, and the violation is at event kViolation.
#pragma once
#include <string>
#include <vector>

#include "harness/render/render.hpp"

namespace dc::harness::test {

struct Sample {
  static constexpr std::size_t kViolation = 14;
  model::Workload workload;
  model::Config config;
  model::Trace trace;
  std::vector<std::string> names{"task0", "irq:bio1", "kworker/0:1"};
  std::vector<sched::Ctx> ctx{sched::Ctx::Process, sched::Ctx::Interrupt, sched::Ctx::Process};

  void ev(model::EvKind k, std::uint16_t actor, model::ObjId obj = 0, std::uint32_t op = model::kNoOp,
          std::int64_t a = 0, std::int64_t b = 0, std::int64_t c = 0) {
    model::Event e{};
    e.kind = k;
    e.actor = actor;
    e.ctx = ctx.at(actor) == sched::Ctx::Interrupt ? 1 : 0;
    e.obj = obj;
    e.op = op;
    e.a = a;
    e.b = b;
    e.c = c;
    trace.events.push_back(e);
  }

  Sample() {
    using model::EvKind;
    using model::OpKind;
    workload.initial_size = 8192;
    workload.preallocated = {{0, 8192}};
    model::Task t;
    model::Op w;
    w.kind = OpKind::AioWrite;
    w.id = 0;
    w.len = 4096;
    t.ops.push_back(w);
    model::Op ge;
    ge.kind = OpKind::GetEvents;
    ge.id = 1;
    ge.nr = 1;
    t.ops.push_back(ge);
    workload.tasks.push_back(t);
    config.kernel = model::Kernel::V7b7a8665;
    config.fs = model::Fs::Ext4;
    config.faults.push_back({model::Fault::Kind::AllocFail, "io_end", 2});

    ev(EvKind::OpBegin, 0, 0, 0, static_cast<std::int64_t>(OpKind::AioWrite));  // 0
    ev(EvKind::InodeDioInc, 0, 9, 0, 1);                                           // 1
    ev(EvKind::DioSubmit, 0, 1, 0, 0, 4096, 1);                                    // 2
    ev(EvKind::DioIsAsync, 0, 1, 0, 1);                                            // 3
    ev(EvKind::IoEndAlloc, 0, 2, 0);                                               // 4
    ev(EvKind::BioSubmit, 0, 3, 0, 0, 8, 1);                                       // 5
    ev(EvKind::Lock, 0, 4);                                                        // 6
    ev(EvKind::AtomicOp, 0, 5, model::kNoOp, 2);                                   // 7
    ev(EvKind::Unlock, 0, 4);                                                      // 8
    ev(EvKind::DioQueued, 0, 1, 0);                                                // 9
    ev(EvKind::OpEnd, 0, 0, 0, 1);                                                 // 10
    ev(EvKind::BioEnd, 1, 3, 0, 0, 0, 1);                                          // 11
    ev(EvKind::DropRefcount, 1, 1, 0, 0, 0, 1);                                    // 12
    ev(EvKind::DioComplete, 1, 1, 0, 4096, 1);                                     // 13
    ev(EvKind::AioComplete, 1, 6, 0, 4096);                                        // 14 violation
    ev(EvKind::WorkQueued, 1, 7, 0, 1);                                            // 15
    ev(EvKind::WorkStart, 2, 7, 0, 1);                                             // 16
    ev(EvKind::ConvertStart, 2, 2, 0, 0, 4096);                                    // 17
    ev(EvKind::ExtentMap, 2, 0, 0, 0, 1, 2);                                       // 18
    ev(EvKind::ConvertDone, 2, 2, 0, 0, 4096);                                     // 19
    ev(EvKind::WorkDone, 2, 7, 0, 1);                                              // 20
    ev(EvKind::OpBegin, 0, 0, 1, static_cast<std::int64_t>(OpKind::GetEvents));   // 21
    ev(EvKind::AioReaped, 0, 0, 0, 4096);                                          // 22
    ev(EvKind::OpEnd, 0, 0, 1, 1);                                                 // 23
    trace.notes.push_back("io_end of dio1 still referenced at exit");
    ev(EvKind::Leak, 2, 2);                                                        // 24
    trace.events.back().note = 1;
  }

  TraceView view() const {
    TraceView v{workload, config, trace, names, ctx, {}, {}, 0, {}, {}, {}};
    v.title = "sample-aio-before-convert.json";
    v.property = "INV-2 conversion before completion";
    v.event = kViolation;
    v.expected = "aio_complete(op0) only after extent 0+4096 is written (ConvertDone)";
    v.actual = "AioComplete res=4096 in interrupt context while the extent is still unwritten";
    v.note = "7b7a8665: dio_complete runs from the bio end_io before the deferred conversion";
    return v;
  }
};

// Many actors and events, for layout degradation and the screenshot of a larger trace.
struct BigSample {
  model::Workload workload;
  model::Config config;
  model::Trace trace;
  std::vector<std::string> names;
  std::vector<sched::Ctx> ctx;
  explicit BigSample(std::size_t actors = 20, std::size_t events = 120) {
    for (std::size_t a = 0; a < actors; ++a) {
      const bool irq = a % 3 == 1;
      names.push_back(irq ? "irq:bio" + std::to_string(a) : a % 3 == 2 ? "kworker/" + std::to_string(a) : "task" + std::to_string(a));
      ctx.push_back(irq ? sched::Ctx::Interrupt : sched::Ctx::Process);
    }
    constexpr model::EvKind kinds[] = {model::EvKind::DioSubmit, model::EvKind::Lock,
                                       model::EvKind::BioEnd,    model::EvKind::Unlock,
                                       model::EvKind::DioComplete, model::EvKind::AioComplete,
                                       model::EvKind::ConvertStart, model::EvKind::AtomicOp};
    for (std::size_t i = 0; i < events; ++i) {
      model::Event e{};
      e.kind = kinds[(i * 7) % std::size(kinds)];
      e.actor = static_cast<std::uint16_t>((i * 5 + i / 3) % actors);
      e.ctx = ctx[e.actor] == sched::Ctx::Interrupt ? 1 : 0;
      e.obj = static_cast<model::ObjId>(i % 9 + 1);
      e.a = static_cast<std::int64_t>(i * 512);
      e.b = 4096;
      trace.events.push_back(e);
    }
  }
  TraceView view() const {
    TraceView v{workload, config, trace, names, ctx, {}, {}, 0, {}, {}, {}};
    v.title = "big";
    v.property = "INV-1 exactly-once completion";
    v.event = 77;
    v.expected = "one AioComplete per kiocb";
    v.actual = "second AioComplete";
    return v;
  }
};

}  // namespace dc::harness::test
