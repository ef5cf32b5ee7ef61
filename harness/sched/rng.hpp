// Portable randomness: std::mt19937_64 is specified bit for bit, the standard
// distributions are not, so bounded draws are done here (Lemire's method).
#pragma once
#include <cstdint>
#include <random>

namespace dc::sched {

// Exactly the output sequence of std::mt19937_64 (seed(s) then operator()), computed lazily.
// A scheduler reseeds once per execution and usually draws a few dozen values; the standard
// engine seeds all 312 state words and regenerates all 312 on the first draw, which was a
// quarter of a small execution's time. Here the first block is seeded and twisted word by
// word only as far as the draws so far need (output k needs seed words up to k+156); later
// blocks are regenerated whole, as in the standard engine. Pinned against std::mt19937_64 by
// harness/test/determinism_pin_test.cpp.
class LazyMt19937_64 {
 public:
  explicit LazyMt19937_64(std::uint64_t s = std::mt19937_64::default_seed) { seed(s); }
  void seed(std::uint64_t s) {
    x_[0] = s;
    prev_ = s;
    seeded_ = 1;
    p_ = 0;
    first_block_ = true;
  }
  std::uint64_t operator()() {
    std::uint64_t z;
    if (first_block_) {
      const unsigned k = p_;
      seed_through(k < kN - kM ? k + kM : (k < kN - 1 ? k + 1 : kN - 1));
      twist(k);
      z = x_[k];
      if (++p_ == kN) first_block_ = false;  // p_ == kN: the next draw regenerates
    } else {
      if (p_ >= kN) {
        for (unsigned k = 0; k < kN; ++k) twist(k);
        p_ = 0;
      }
      z = x_[p_++];
    }
    z ^= (z >> 29) & 0x5555555555555555ULL;
    z ^= (z << 17) & 0x71d67fffeda60000ULL;
    z ^= (z << 37) & 0xfff7eee000000000ULL;
    z ^= z >> 43;
    return z;
  }

 private:
  static constexpr unsigned kN = 312, kM = 156;
  static constexpr std::uint64_t kUpper = ~std::uint64_t{0} << 31, kLower = ~kUpper;
  // Seed words 0..i exist (the initialisation recurrence of seed(), run only this far).
  void seed_through(unsigned i) {
    while (seeded_ <= i) {
      prev_ = 6364136223846793005ULL * (prev_ ^ (prev_ >> 62)) + seeded_;
      x_[seeded_++] = prev_;
    }
  }
  // Word k of the next block, in place; words < k are already new, words > k still old.
  void twist(unsigned k) {
    const std::uint64_t y = (x_[k] & kUpper) | (x_[k + 1 == kN ? 0 : k + 1] & kLower);
    const unsigned src = k < kN - kM ? k + kM : k + kM - kN;
    x_[k] = x_[src] ^ (y >> 1) ^ ((y & 1) ? 0xb5026f5aa96619e9ULL : 0);
  }

  std::uint64_t x_[kN];
  std::uint64_t prev_;
  unsigned seeded_;
  unsigned p_;
  bool first_block_;
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
  LazyMt19937_64 gen_;
};

// Derives independent per-execution seeds from a campaign seed (splitmix64).
inline std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t index) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (index + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace dc::sched
