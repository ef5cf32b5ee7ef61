// INV-3 (i_dio_count balance) and INV-4 (inode_dio_wait returns with no DIO conversion
// pending). The workload has a single file, so inode events are not keyed by object.
#include <fmt/format.h>

#include "model/facts.hpp"

namespace dc::model::detail {

void check_dio_count(const Facts& f, Out& out) {
  const Trace& t = *f.t;
  auto add = [&](const char* p, std::size_t at, std::string exp, std::string act) {
    out.push_back({p, at, std::move(exp), std::move(act)});
  };
  auto direct_write = [&](std::uint32_t op) {
    const OpFacts* o = f.op(op);
    return o && o->is_direct() && is_write(o->op->kind);
  };

  std::int64_t count = 0;
  std::size_t last = kNever;
  std::map<ObjId, bool> io_end_unwritten;        // live DIO io_ends -> UNWRITTEN flag
  std::map<std::uint16_t, std::vector<std::size_t>> open_conv;  // actor -> ConvertStart stack
  std::map<ObjId, std::size_t> dio_complete;     // dio -> DioComplete index
  std::map<ObjId, std::size_t> dio_end_io;       // dio -> first EndIo index
  for (std::size_t k = 0; k < t.events.size(); ++k) {
    const Event& e = t.events[k];
    if (e.kind == EvKind::DioComplete && !dio_complete.contains(e.obj)) dio_complete[e.obj] = k;
    if (e.kind == EvKind::EndIo && !dio_end_io.contains(e.obj)) dio_end_io[e.obj] = k;
  }

  for (std::size_t k = 0; k < t.events.size(); ++k) {
    const Event& e = t.events[k];
    switch (e.kind) {
      case EvKind::InodeDioInc:
      case EvKind::InodeDioDone: {
        const std::int64_t want = count + (e.kind == EvKind::InodeDioInc ? 1 : -1);
        if (e.a < 0)
          add(prop::kInv3, k, "i_dio_count >= 0", fmt::format("i_dio_count became {}", e.a));
        else if (e.a != want)
          add(prop::kInv3, k, fmt::format("i_dio_count {} after {} of {}", want, to_string(e.kind), count),
              fmt::format("i_dio_count {}", e.a));
        count = e.a;
        last = k;
        break;
      }
      case EvKind::IoEndAlloc:
        if (direct_write(e.op)) io_end_unwritten[e.obj] = false;
        break;
      case EvKind::IoEndUnwritten:
        if (auto it = io_end_unwritten.find(e.obj); it != io_end_unwritten.end()) it->second = e.a != 0;
        break;
      case EvKind::IoEndFree:
        io_end_unwritten.erase(e.obj);
        break;
      case EvKind::ConvertStart:
        if (direct_write(e.op)) open_conv[e.actor].push_back(k);
        break;
      case EvKind::ConvertDone:
        if (auto it = open_conv.find(e.actor); it != open_conv.end() && !it->second.empty())
          it->second.pop_back();
        break;
      case EvKind::InodeDioWaitEnd: {
        if (count != 0)
          add(prop::kInv4, k, "inode_dio_wait returns at i_dio_count 0",
              fmt::format("returned at i_dio_count {}", count));
        for (const auto& [io, unwritten] : io_end_unwritten)
          if (unwritten) {
            add(prop::kInv4, k, "no io_end with a pending conversion",
                fmt::format("io_end #{} still UNWRITTEN", io));
            break;
          }
        for (const auto& [actor, v] : open_conv)
          if (!v.empty()) {
            add(prop::kInv4, k, "no conversion running",
                fmt::format("conversion started at event {} by actor {} not done", v.back(), actor));
            break;
          }
        // A dio inside dio_complete whose end_io has not run yet must still hold i_dio_count.
        for (const auto& [dio, c] : dio_complete) {
          auto it = dio_end_io.find(dio);
          if (c < k && it != dio_end_io.end() && it->second > k) {
            add(prop::kInv4, k, "end_io of every completing dio already ran",
                fmt::format("dio #{} runs end_io at event {}, after the wait returned", dio, it->second));
            break;
          }
        }
        break;
      }
      default:
        break;
    }
  }
  if (f.quiescent() && count != 0)
    add(prop::kInv3, f.n(), "i_dio_count 0 at quiescence",
        fmt::format("i_dio_count {} (last change at event {})", count, last));
}

}  // namespace dc::model::detail
