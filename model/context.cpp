// INV-6 (nothing that may sleep in interrupt context) and the findings the kernel layer
// raises itself (KASAN/kmemleak/BUG/WARN analogues). A ConvertStart in interrupt context
// is reported by conversion.cpp (INV-13 or INV-6), not here.
#include <fmt/format.h>

#include "model/facts.hpp"

namespace dc::model::detail {

void check_context(const Facts& f, Out& out) {
  const Trace& t = *f.t;
  for (std::size_t k = 0; k < t.events.size(); ++k) {
    const Event& e = t.events[k];
    switch (e.kind) {
      case EvKind::MightSleep:
        out.push_back({prop::kInv6, k, "no sleeping primitive in interrupt context", f.note(e)});
        break;
      case EvKind::SyncStart:
      case EvKind::WqAlloc:
      case EvKind::WqDestroy:
        if (e.ctx == 1)
          out.push_back({prop::kInv6, k, fmt::format("{} in process context", to_string(e.kind)),
                         fmt::format("{} in interrupt context by actor {}", to_string(e.kind), e.actor)});
        break;
      case EvKind::UseAfterFree:
        out.push_back({prop::kUaf, k, "no use of a freed object", f.note(e)});
        break;
      case EvKind::DoubleFree:
        out.push_back({prop::kDoubleFree, k, "each object freed once", f.note(e)});
        break;
      case EvKind::Leak:
        out.push_back({prop::kLeak, k, "every allocation freed", f.note(e)});
        break;
      case EvKind::KernelBug:
        out.push_back({prop::kBug, k, "no BUG_ON", f.note(e)});
        break;
      case EvKind::KernelWarn:
        out.push_back({prop::kWarn, k, "no WARN_ON", f.note(e)});
        break;
      default:
        break;
    }
  }
}

}  // namespace dc::model::detail
