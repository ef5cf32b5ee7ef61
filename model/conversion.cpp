// INV-5 (conversion before user-visible completion) and INV-13 (defer-flag soundness).
// The extent map: model/extent_map.hpp.
#include <set>

#include <fmt/format.h>

#include "model/extent_map.hpp"
#include "model/facts.hpp"

namespace dc::model::detail {

void check_conversion(const Facts& f, Out& out) {
  const Trace& t = *f.t;
  const Workload& w = *f.w;
  auto add = [&](const char* p, std::size_t at, std::string exp, std::string act) {
    out.push_back({p, at, std::move(exp), std::move(act)});
  };

  Extents ext(w);
  // INV-5: at a reported write completion no block of the written range is UNWRITTEN,
  // ignoring blocks freed since the write began.
  auto completed_write = [&](std::size_t k, std::uint32_t op, std::int64_t res) {
    const OpFacts* o = f.op(op);
    if (!o || !o->is_direct() || !is_write(o->op->kind) || res <= 0) return;
    const auto b = ext.unwritten(o->op->file, o->op->offset, static_cast<std::uint64_t>(res), o->begin);
    if (!b) return;
    const std::uint64_t bs = ext.block_size();
    add(prop::kInv5, k,
        fmt::format("blocks [{}, {}) written when the completion is reported", o->op->offset / bs,
                    (o->op->offset + static_cast<std::uint64_t>(res) + bs - 1) / bs),
        fmt::format("{} completed with block {} still unwritten", op_name(f, op), *b));
  };

  std::set<ObjId> deferred;                  // dios with DeferSet
  std::set<std::uint16_t> completing_actors;  // actors that ran dio_complete
  for (std::size_t k = 0; k < t.events.size(); ++k) {
    const Event& e = t.events[k];
    switch (e.kind) {
      case EvKind::ExtentMap:
      case EvKind::InodeFile:
        ext.apply(e, k);
        break;
      case EvKind::AioComplete: {
        const OpFacts* o = f.op(e.op);
        if (o && o->is_aio()) completed_write(k, e.op, e.a);
        break;
      }
      case EvKind::OpEnd: {
        const OpFacts* o = f.op(e.op);
        if (o && !o->is_aio()) completed_write(k, e.op, e.a);
        break;
      }
      case EvKind::DeferSet:
        deferred.insert(e.obj);
        break;
      case EvKind::DioComplete:
        completing_actors.insert(e.actor);
        if (e.ctx == 1 && deferred.contains(e.obj))
          add(prop::kInv13, k, "a dio with defer_completion completes in a worker",
              fmt::format("dio #{} completed in interrupt context", e.obj));
        break;
      case EvKind::ConvertStart:
        if (e.ctx != 1) break;
        if (completing_actors.contains(e.actor))
          add(prop::kInv13, k, "end_io converts only when the dio was deferred",
              fmt::format("conversion [{}, +{}) inside dio_complete in interrupt context", e.a, e.b));
        else
          add(prop::kInv6, k, "extent conversion in process context",
              fmt::format("conversion [{}, +{}) in interrupt context", e.a, e.b));
        break;
      default:
        break;
    }
  }
}

}  // namespace dc::model::detail
