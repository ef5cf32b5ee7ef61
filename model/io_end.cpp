// INV-9: ext4 io_end / XFS ioend lifetime. count starts at 1, every get/put moves it by
// one, it is freed exactly once, at count 0, with UNWRITTEN clear, and never used after.
#include <fmt/format.h>

#include "model/facts.hpp"

namespace dc::model::detail {
namespace {

struct IoEnd {
  std::int64_t count = 1;
  bool unwritten = false;
  std::size_t freed = kNever;
};

}  // namespace

void check_io_end(const Facts& f, Out& out) {
  const Trace& t = *f.t;
  auto add = [&](std::size_t at, std::string exp, std::string act) {
    out.push_back({prop::kInv9, at, std::move(exp), std::move(act)});
  };
  std::map<ObjId, IoEnd> ios;
  for (std::size_t k = 0; k < t.events.size(); ++k) {
    const Event& e = t.events[k];
    const bool io_ev = e.kind == EvKind::IoEndGet || e.kind == EvKind::IoEndPut ||
                       e.kind == EvKind::IoEndFree || e.kind == EvKind::IoEndUnwritten;
    if (e.kind == EvKind::IoEndAlloc) {
      ios[e.obj] = IoEnd{};
      continue;
    }
    if (!io_ev) continue;
    auto it = ios.find(e.obj);
    if (it == ios.end()) {
      add(k, "io_end events only after IoEndAlloc",
          fmt::format("{} on unknown io_end #{}", to_string(e.kind), e.obj));
      continue;
    }
    IoEnd& io = it->second;
    if (io.freed != kNever) {
      add(k, "no use of a freed io_end",
          fmt::format("{} on io_end #{} freed at event {}", to_string(e.kind), e.obj, io.freed));
      continue;
    }
    switch (e.kind) {
      case EvKind::IoEndGet:
      case EvKind::IoEndPut: {
        const std::int64_t want = io.count + (e.kind == EvKind::IoEndGet ? 1 : -1);
        if (e.a < 0 || e.a != want)
          add(k, fmt::format("count {} after {}", want, to_string(e.kind)),
              fmt::format("io_end #{} count {}", e.obj, e.a));
        io.count = e.a;
        break;
      }
      case EvKind::IoEndUnwritten:
        io.unwritten = e.a != 0;
        break;
      case EvKind::IoEndFree:
        io.freed = k;
        if (io.count != 0)
          add(k, "io_end freed at count 0", fmt::format("io_end #{} freed at count {}", e.obj, io.count));
        else if (io.unwritten)
          add(k, "io_end released with UNWRITTEN clear",
              fmt::format("io_end #{} freed with a pending conversion", e.obj));
        break;
      default:
        break;
    }
  }
  if (!f.quiescent()) return;
  for (const auto& [id, io] : ios)
    if (io.freed == kNever)
      add(f.n(), "every io_end released", fmt::format("io_end #{} leaked at count {}", id, io.count));
}

}  // namespace dc::model::detail
