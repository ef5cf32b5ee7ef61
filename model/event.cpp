#include "model/event.hpp"

namespace dc::model {

std::string_view to_string(EvKind k) {
  switch (k) {
#define DC_X(name, doc) \
  case EvKind::name:    \
    return #name;
    DC_EVENT_KINDS(DC_X)
#undef DC_X
  }
  return "?";
}

namespace {
// v1: FNV-1a, byte by byte.
struct Fnv {
  std::uint64_t h = 1469598103934665603ULL;
  void add(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xff;
      h *= 1099511628211ULL;
    }
  }
};

// v2: a word at a time. The odd multiply makes every word change every later state; the
// xorshift carries high bits down so they reach the low bits of later products.
struct Words {
  std::uint64_t h = 1469598103934665603ULL;
  void add(std::uint64_t v) {
    h = (h ^ v) * 0x9e3779b97f4a7c15ULL;
    h ^= h >> 29;
  }
};

template <class H>
std::uint64_t hash_events(const Trace& t) {
  H f;
  for (const Event& e : t.events) {
    f.add(static_cast<std::uint64_t>(e.kind) | (std::uint64_t{e.ctx} << 8) |
          (std::uint64_t{e.actor} << 16) | (std::uint64_t{e.obj} << 32));
    f.add(e.op);
    f.add(static_cast<std::uint64_t>(e.a));
    f.add(static_cast<std::uint64_t>(e.b));
    f.add(static_cast<std::uint64_t>(e.c));
    f.add(e.ndata);
    for (std::uint32_t i = 0; i < e.ndata; ++i) f.add(t.data[e.data + i]);
  }
  return f.h;
}
}  // namespace

std::uint64_t trace_hash(const Trace& t, int version) {
  return version == 1 ? hash_events<Fnv>(t) : hash_events<Words>(t);
}

}  // namespace dc::model
