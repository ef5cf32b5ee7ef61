#include "impl/kernel/slab.hpp"

#include <fmt/format.h>

namespace dc::kern {


Slab::Record* Slab::find(const void* p) {
  for (auto it = records_.rbegin(); it != records_.rend(); ++it)
    if (it->ptr == p) return &*it;
  return nullptr;
}
const Slab::Record* Slab::find(const void* p) const {
  return const_cast<Slab*>(this)->find(p);
}

// kfree writes the object and kasan_check reads it, for the dependence analysis of dfs/DPOR:
// whatever detects a use after free must order the use against the free.
void Slab::free(const void* p, const char* type) {
  kaccess(p, Access::Write);
  Record* r = find(p);
  if (!r) BUG(fmt::format("kfree of {} that was never allocated", type));
  if (r->freed) {
    ktrace_finding(model::EvKind::DoubleFree, r->id, fmt::format("{} #{} freed twice", r->type, r->id));
    return;
  }
  r->freed = true;
}

void Slab::check(const void* p, const char* what) {
  kaccess(p, Access::Read);
  Record* r = find(p);
  if (!r || !r->freed || r->reported) return;
  r->reported = true;
  ktrace_finding(model::EvKind::UseAfterFree, r->id,
                 fmt::format("{}: {} #{} used after it was freed", what, r->type, r->id));
}

model::ObjId Slab::id_of(const void* p) const {
  const Record* r = find(p);
  return r ? r->id : 0;
}

bool Slab::is_live(const void* p) const {
  const Record* r = find(p);
  return r && !r->freed;
}

std::size_t Slab::live_count() const {
  std::size_t n = 0;
  for (const Record& r : records_) n += !r.freed;
  return n;
}

void Slab::end_execution(bool report_leaks) {
  for (Record& r : records_) {
    if (!r.freed && report_leaks)
      ktrace_finding(model::EvKind::Leak, r.id, fmt::format("{} #{} never freed", r.type, r.id));
    r.destroy(r.ptr);
  }
  records_.clear();
}

}  // namespace dc::kern
