// Portable randomness: std::mt19937_64 is specified bit for bit, the standard
// distributions are not, so bounded draws are done here (Lemire's method).
#pragma once
#include <cstdint>
#include <random>

namespace dc::sched {

__extension__ using u128 = unsigned __int128;

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) : gen_(seed) {}
  void seed(std::uint64_t s) { gen_.seed(s); }
  std::uint64_t next() { return gen_(); }
  // Uniform in [0, bound), bound >= 1, without modulo bias.
  std::uint64_t below(std::uint64_t bound) {
    u128 m = static_cast<u128>(gen_()) * bound;
    auto low = static_cast<std::uint64_t>(m);
    if (low < bound) {
      const std::uint64_t threshold = -bound % bound;
      while (low < threshold) {
        m = static_cast<u128>(gen_()) * bound;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

 private:
  std::mt19937_64 gen_;
};

// Derives independent per-execution seeds from a campaign seed (splitmix64).
inline std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t index) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (index + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace dc::sched
