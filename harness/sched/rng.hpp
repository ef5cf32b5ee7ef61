// Portable randomness: the generator is our own code, specified bit for bit, and bounded draws
// are done here (Lemire's method), because the standard distributions are not portable.
#pragma once
#include <cstdint>

namespace dc::sched {

// xoshiro256** (Blackman and Vigna) with its state seeded by four splitmix64 outputs of the
// seed: schedule stream 2 (docs/campaigns.md). A scheduler reseeds once per execution and draws
// a few dozen values; std::mt19937_64 (stream 1) spent a quarter of a small execution's time on
// its serial 312-word seeding recurrence, this seeds in four multiply steps. Pinned by
// harness/test/determinism_pin_test.cpp.
class Xoshiro256StarStar {
 public:
  explicit Xoshiro256StarStar(std::uint64_t s = 0) { seed(s); }
  void seed(std::uint64_t s) {
    for (std::uint64_t& word : s_) word = splitmix64(s);
  }
  std::uint64_t operator()() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  // Advances `x` by the golden gamma and returns the mixed value (never all-zero state in
  // practice: four consecutive outputs of a bijection cannot all be zero).
  static std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  std::uint64_t s_[4];
};

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
  Xoshiro256StarStar gen_;
};

// Derives independent per-execution seeds from a campaign seed (splitmix64).
inline std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t index) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (index + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace dc::sched
