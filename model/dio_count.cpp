// INV-3 (i_dio_count balance) and INV-4 (inode_dio_wait returns with no DIO conversion
// pending), per inode: i_dio_count events are keyed by their inode (obj), and a wait on one
// file is judged only against the io_ends, conversions and dios of that file.
#include <algorithm>

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

  auto op_file = [&](std::uint32_t op) -> std::uint32_t {
    const OpFacts* o = f.op(op);
    return o ? o->op->file : 0;
  };
  std::map<ObjId, std::uint32_t> inode_file;     // InodeFile events (absent: file 0)
  auto file_of_inode = [&](ObjId in) -> std::uint32_t {
    const auto it = inode_file.find(in);
    return it == inode_file.end() ? 0 : it->second;
  };
  auto dio_file = [&](ObjId dio) -> std::uint32_t {
    const auto it = std::lower_bound(f.dio_op.begin(), f.dio_op.end(), dio,
                                     [](const auto& p, ObjId x) { return p.first < x; });
    return it != f.dio_op.end() && it->first == dio ? op_file(it->second) : 0;
  };
  std::map<ObjId, std::int64_t> counts;          // inode -> i_dio_count
  std::map<ObjId, std::size_t> last;             // inode -> last change
  std::map<ObjId, std::pair<bool, std::uint32_t>> io_end_unwritten;  // live DIO io_ends -> (UNWRITTEN, file)
  std::map<std::uint16_t, std::vector<std::pair<std::size_t, std::uint32_t>>> open_conv;  // actor -> (ConvertStart, file)
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
      case EvKind::InodeFile:
        inode_file[e.obj] = static_cast<std::uint32_t>(e.a);
        break;
      case EvKind::InodeDioInc:
      case EvKind::InodeDioDone: {
        std::int64_t& count = counts[e.obj];
        const std::int64_t want = count + (e.kind == EvKind::InodeDioInc ? 1 : -1);
        if (e.a < 0)
          add(prop::kInv3, k, "i_dio_count >= 0", fmt::format("i_dio_count became {}", e.a));
        else if (e.a != want)
          add(prop::kInv3, k, fmt::format("i_dio_count {} after {} of {}", want, to_string(e.kind), count),
              fmt::format("i_dio_count {}", e.a));
        count = e.a;
        last[e.obj] = k;
        break;
      }
      case EvKind::IoEndAlloc:
        if (direct_write(e.op)) io_end_unwritten[e.obj] = {false, op_file(e.op)};
        break;
      case EvKind::IoEndUnwritten:
        if (auto it = io_end_unwritten.find(e.obj); it != io_end_unwritten.end()) it->second.first = e.a != 0;
        break;
      case EvKind::IoEndFree:
        io_end_unwritten.erase(e.obj);
        break;
      case EvKind::ConvertStart:
        if (direct_write(e.op)) open_conv[e.actor].push_back({k, op_file(e.op)});
        break;
      case EvKind::ConvertDone:
        if (auto it = open_conv.find(e.actor); it != open_conv.end() && !it->second.empty())
          it->second.pop_back();
        break;
      case EvKind::InodeDioWaitEnd: {
        const std::uint32_t file = file_of_inode(e.obj);
        if (const std::int64_t count = counts[e.obj]; count != 0)
          add(prop::kInv4, k, "inode_dio_wait returns at i_dio_count 0",
              fmt::format("returned at i_dio_count {}", count));
        for (const auto& [io, st] : io_end_unwritten)
          if (st.first && st.second == file) {
            add(prop::kInv4, k, "no io_end with a pending conversion",
                fmt::format("io_end #{} still UNWRITTEN", io));
            break;
          }
        for (const auto& [actor, v] : open_conv)
          if (!v.empty() && v.back().second == file) {
            add(prop::kInv4, k, "no conversion running",
                fmt::format("conversion started at event {} by actor {} not done", v.back().first, actor));
            break;
          }
        // A dio inside dio_complete whose end_io has not run yet must still hold i_dio_count.
        for (const auto& [dio, c] : dio_complete) {
          auto it = dio_end_io.find(dio);
          if (c < k && it != dio_end_io.end() && it->second > k && dio_file(dio) == file) {
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
  if (f.quiescent())
    for (const auto& [in, count] : counts)
      if (count != 0) {
        add(prop::kInv3, f.n(), "i_dio_count 0 at quiescence",
            fmt::format("i_dio_count {} (last change at event {})", count, last[in]));
        break;
      }
}

}  // namespace dc::model::detail
