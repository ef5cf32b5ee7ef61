// INV-1 (aio_complete exactly once), INV-2 (dio_complete once, dio freed once),
// INV-11 (result precedence), INV-12 (-EIOCBQUEUED discipline).
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "model/facts.hpp"

namespace dc::model::detail {
namespace {

struct DioState {
  std::uint32_t op = kNoOp;
  std::size_t complete = kNever;
  bool complete_async = false;
  std::int64_t ret_in = 0;
  std::size_t freed = kNever;
  std::size_t zero_drop = kNever;
  std::uint16_t zero_actor = 0;
  std::uint16_t submit_actor = 0;
  std::size_t queued = kNever;
  bool has_bio = false;
  bool consumed = false;  // its DIO-side completion was matched with an AioComplete
};

struct AioDone {
  std::size_t at;
  std::int64_t res;
  bool dio_side;
};

}  // namespace

void check_completion(const Facts& f, const Config& cfg, Out& out) {
  const Trace& t = *f.t;
  std::map<ObjId, DioState> dios;
  std::map<std::uint32_t, std::vector<AioDone>> done;  // op -> its aio_complete calls
  std::set<ObjId> freed_kiocbs;
  // For INV-11, gathered in the one pass: each dio's first failed bio, and the sync /
  // conversion errors per op (both rare, so short vectors).
  std::vector<std::pair<ObjId, std::size_t>> first_bio_error;
  std::vector<std::pair<std::uint32_t, std::int64_t>> late_errors;
  // io_uring ops whose result adds bytes an earlier (short) issue did (io_fixup_rw_res)
  std::set<std::uint32_t> partial_ops;
  auto add = [&](const char* p, std::size_t at, std::string exp, std::string act) {
    out.push_back({p, at, std::move(exp), std::move(act)});
  };
  auto use = [&](ObjId d, std::size_t k, const char* what) -> DioState* {
    auto it = dios.find(d);
    if (it == dios.end()) return nullptr;
    if (it->second.freed != kNever && it->second.freed < k) {
      add(prop::kInv2, k, "no access to a freed dio",
          fmt::format("{} on dio #{} freed at event {}", what, d, it->second.freed));
      return nullptr;
    }
    return &it->second;
  };
  const bool alloc_faults = std::any_of(cfg.faults.begin(), cfg.faults.end(), [](const Fault& x) {
    return x.kind == Fault::Kind::AllocFail;
  });
  auto check_reported = [&](std::size_t k, std::int64_t r, std::uint32_t op) {
    if (r == kEIOCBQUEUED)
      add(prop::kInv11, k, "-EIOCBQUEUED never reaches userspace",
          fmt::format("{} reported -EIOCBQUEUED", op_name(f, op)));
    if (r == kENOMEM && !alloc_faults)
      add(prop::kInv11, k, "-ENOMEM only with an injected allocation failure",
          fmt::format("{} reported -ENOMEM", op_name(f, op)));
  };

  for (std::size_t k = 0; k < t.events.size(); ++k) {
    const Event& e = t.events[k];
    switch (e.kind) {
      case EvKind::DioSubmit:
        if (!dios.contains(e.obj)) dios[e.obj].op = e.op, dios[e.obj].submit_actor = e.actor;
        break;
      case EvKind::BioSubmit:
        if (DioState* d = use(static_cast<ObjId>(e.c), k, "bio submit")) d->has_bio = true;
        break;
      case EvKind::BioEnd:
        if (e.a < 0 && std::none_of(first_bio_error.begin(), first_bio_error.end(),
                                    [&](const auto& b) { return b.first == static_cast<ObjId>(e.c); }))
          first_bio_error.push_back({static_cast<ObjId>(e.c), k});
        use(static_cast<ObjId>(e.c), k, "bio completion");
        break;
      case EvKind::UringPunt:
        if (e.b > 0) partial_ops.insert(e.op);
        break;
      case EvKind::SyncDone:
        if (e.a < 0) late_errors.push_back({e.op, e.a});
        break;
      case EvKind::ConvertDone:
        if (e.c < 0) late_errors.push_back({e.op, e.c});
        break;
      case EvKind::EndIo:
      case EvKind::DeferSet:
        use(e.obj, k, std::string(to_string(e.kind)).c_str());
        break;
      case EvKind::DropRefcount: {
        DioState* d = use(static_cast<ObjId>(e.c), k, "drop_refcount");
        if (!d) break;
        if (e.a < 0) {
          add(prop::kInv2, k, "dio refcount >= 0", fmt::format("dio #{} refcount {}", e.c, e.a));
        } else if (e.a == 0) {
          if (d->zero_drop != kNever)
            add(prop::kInv2, k, "dio refcount reaches 0 once",
                fmt::format("dio #{} reached 0 again (first at event {})", e.c, d->zero_drop));
          else
            d->zero_drop = k, d->zero_actor = e.actor;
        }
        break;
      }
      case EvKind::DioQueued:
        if (DioState* d = use(e.obj, k, "-EIOCBQUEUED return")) {
          d->queued = k;
          const OpFacts* o = f.op(d->op);
          if (o && !o->is_aio())
            add(prop::kInv12, k, "only async kiocbs are queued",
                fmt::format("{} returned -EIOCBQUEUED", op_name(f, d->op)));
        }
        break;
      case EvKind::DioComplete: {
        DioState* d = use(e.obj, k, "dio_complete");
        if (!d) break;
        if (d->complete != kNever) {
          add(prop::kInv2, k, "dio_complete once per dio",
              fmt::format("dio #{} completed again (first at event {})", e.obj, d->complete));
          break;
        }
        d->complete = k;
        d->complete_async = e.b != 0;
        d->ret_in = e.a;
        if (d->zero_drop == kNever) {
          add(prop::kInv2, k, "dio_complete after the last reference dropped",
              fmt::format("dio #{} completed with references held", e.obj));
        } else if (e.actor != d->zero_actor) {
          bool handed = false;  // the last dropper deferred it to a worker
          // The task that issued the op: an io_uring request punted to io-wq is submitted by the
          // worker, but its task_work (CALLER_COMP) runs in the issuing task (req->task).
          const OpFacts* issuer = f.op(d->op);
          const bool by_issuer = e.actor == d->submit_actor ||
                                 (issuer && issuer->begin != kNever && t.events[issuer->begin].actor == e.actor);
          for (std::size_t i = d->zero_drop + 1; i < k; ++i) {
            handed |= t.events[i].kind == EvKind::WorkQueued && t.events[i].actor == d->zero_actor;
            // iomap: the last completion woke the waiting submitter, which completes it
            handed |= t.events[i].kind == EvKind::DioWake && t.events[i].obj == e.obj &&
                      t.events[i].actor == d->zero_actor && d->queued == kNever;
            // iomap CALLER_COMP: handed to the issuing task's task_work, which completes it
            handed |= t.events[i].kind == EvKind::DioCallerComp && t.events[i].obj == e.obj &&
                      t.events[i].actor == d->zero_actor && by_issuer;
          }
          if (!handed)
            add(prop::kInv2, k, "dio_complete by the context that dropped the last reference",
                fmt::format("dio #{} dropped to 0 by actor {}, completed by actor {}", e.obj,
                            d->zero_actor, e.actor));
        }
        const OpFacts* o = f.op(d->op);
        if (d->complete_async && o && !o->is_aio())
          add(prop::kInv1, k, "DIO never completes a sync kiocb asynchronously",
              fmt::format("{}: dio_complete with is_async=1", op_name(f, d->op)));
        break;
      }
      case EvKind::DioFree:
        if (auto it = dios.find(e.obj); it != dios.end()) {
          if (it->second.freed != kNever)
            add(prop::kInv2, k, "dio freed once",
                fmt::format("dio #{} freed again (first at event {})", e.obj, it->second.freed));
          else
            it->second.freed = k;
        }
        break;
      case EvKind::AioComplete: {
        const OpFacts* o = f.op(e.op);
        check_reported(k, e.a, e.op);
        // io_uring retries a NOWAIT -EAGAIN in io-wq: it never reaches the CQE
        if (e.a == kEAGAIN && o && is_uring(o->op->kind))
          add(prop::kInv11, k, "-EAGAIN of a NOWAIT issue never reaches the CQE (io-wq retries it)",
              fmt::format("{} reported -EAGAIN", op_name(f, e.op)));
        if (!o || !o->is_aio()) {
          add(prop::kInv1, k, "aio_complete only for async kiocbs",
              fmt::format("aio_complete for {}", op_name(f, e.op)));
          break;
        }
        auto& v = done[e.op];
        if (!v.empty()) {
          add(prop::kInv1, k, "exactly one aio_complete per kiocb",
              fmt::format("{} completed again (first at event {})", op_name(f, e.op), v[0].at));
        } else if (freed_kiocbs.contains(e.obj)) {
          add(prop::kInv1, k, "aio_complete on a live kiocb",
              fmt::format("kiocb #{} of {} already freed", e.obj, op_name(f, e.op)));
        }
        bool dio_side = false;
        for (ObjId id : o->dios) {
          auto it = dios.find(id);
          if (it == dios.end()) continue;
          DioState& d = it->second;
          if (d.complete != kNever && d.complete_async && !d.consumed) {
            d.consumed = true;
            dio_side = true;
            break;
          }
        }
        v.push_back({k, e.a, dio_side});
        break;
      }
      case EvKind::KiocbFree:
        freed_kiocbs.insert(e.obj);
        break;
      case EvKind::OpEnd:
        if (const OpFacts* o = f.op(e.op); o && (o->is_direct())) check_reported(k, e.a, e.op);
        break;
      default:
        break;
    }
  }

  const std::size_t n = f.n();
  // INV-1 at quiescence: each accepted AIO completes exactly once; rejected ones never.
  for (const auto& [id, o] : f.ops) {
    if (!o.is_aio() || o.begin == kNever) continue;
    auto it = done.find(id);
    const std::size_t count = it == done.end() ? 0 : it->second.size();
    if (o.end != kNever && o.end_res < 0 && count > 0)
      add(prop::kInv1, it->second[0].at, "no completion for an iocb io_submit rejected",
          fmt::format("{} rejected with {} but completed", op_name(f, id), o.end_res));
    else if (f.quiescent() && o.end != kNever && o.end_res >= 0 && count == 0)
      add(prop::kInv1, n, "exactly one aio_complete per kiocb",
          fmt::format("{} never completed", op_name(f, id)));
  }

  for (const auto& entry : dios) {
    // Named references, not a structured binding: clang 14 (the fuzz build) cannot capture those.
    const auto& id = entry.first;
    const auto& d = entry.second;
    const OpFacts* o = f.op(d.op);
    if (f.quiescent()) {
      if (d.freed == kNever)
        add(prop::kInv2, n, "every dio freed", fmt::format("dio #{} of {} never freed", id, op_name(f, d.op)));
      if (d.complete == kNever && (d.has_bio || d.queued != kNever))
        add(prop::kInv2, n, "dio_complete once per dio",
            fmt::format("dio #{} of {} never completed", id, op_name(f, d.op)));
    }
    // INV-12: queued <=> the DIO side completes (dio_complete with is_async, then aio_complete).
    if (d.queued != kNever && d.complete != kNever && !d.complete_async)
      add(prop::kInv12, d.complete, "a queued dio completes with is_async=1",
          fmt::format("dio #{} returned -EIOCBQUEUED but completed synchronously", id));
    if (d.queued == kNever && d.complete != kNever && d.complete_async && f.quiescent())
      add(prop::kInv12, d.complete, "DIO-side completion only after -EIOCBQUEUED",
          fmt::format("dio #{} completed asynchronously but the submitter did not queue it", id));
    if (o && o->is_aio() && d.queued != kNever) {
      auto it = done.find(d.op);
      if (it != done.end() && !it->second.empty() && !it->second[0].dio_side)
        add(prop::kInv12, it->second[0].at, "after -EIOCBQUEUED only the DIO side completes",
            fmt::format("{} completed by the AIO core", op_name(f, d.op)));
    }
    // INV-11: the reported result follows the precedence of dio_complete, of the op's last
    // dio: an earlier one is an attempt the filesystem retried (6.x XFS redoes an unaligned
    // write exclusively after IOMAP_DIO_OVERWRITE_ONLY's -EAGAIN), not what was reported.
    if (!o || d.complete == kNever) continue;
    if (!o->dios.empty() && o->dios.back() != id) continue;
    if (partial_ops.contains(d.op)) continue;  // the result also counts an earlier issue's bytes
    std::size_t at = kNever;
    std::int64_t r = 0;
    if (o->is_aio()) {
      auto it = done.find(d.op);
      if (it != done.end() && !it->second.empty()) at = it->second[0].at, r = it->second[0].res;
    } else if (o->end != kNever) {
      at = o->end, r = o->end_res;
    }
    if (at == kNever) continue;
    const bool io_error = std::any_of(first_bio_error.begin(), first_bio_error.end(),
                                      [&](const auto& b) { return b.first == id && b.second < d.complete; });
    // sync / conversion errors may replace a positive result
    auto late_err = [&](std::int64_t res) {
      return std::any_of(late_errors.begin(), late_errors.end(),
                         [&](const auto& l) { return l.first == d.op && l.second == res; });
    };
    if (d.ret_in < 0 && d.ret_in != kEIOCBQUEUED) {
      if (r != d.ret_in)
        add(prop::kInv11, at, fmt::format("the submission error {}", d.ret_in),
            fmt::format("{} reported {}", op_name(f, d.op), r));
    } else if (io_error) {
      if (r != kEIO)
        add(prop::kInv11, at, "-EIO (a bio failed)", fmt::format("{} reported {}", op_name(f, d.op), r));
    } else if (r < 0 && !late_err(r)) {
      add(prop::kInv11, at, "a byte count (no error occurred)",
          fmt::format("{} reported {}", op_name(f, d.op), r));
    }
  }
}

}  // namespace dc::model::detail
