#include "harness/host/tagging.hpp"

#include <algorithm>
#include <set>

#include "model/workload.hpp"

namespace dc::harness::host {
namespace {

std::uint64_t mix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t seed_of(std::uint32_t wid, std::uint64_t sector) {
  return mix64((std::uint64_t{wid} << 32) ^ mix64(sector));
}

std::uint32_t checksum(std::uint32_t wid, std::uint64_t sector) {
  return static_cast<std::uint32_t>(mix64(seed_of(wid, sector) ^ 0x5a17c0deULL) >> 16);
}

std::uint8_t nibble_byte(std::uint32_t v, std::size_t i) {  // i in [0, 8), big-endian nibbles
  return static_cast<std::uint8_t>(0x40u | ((v >> (4 * (7 - i))) & 0xfu));
}

// Writes bytes [lo, hi) of the image of (wid, sector) to out[0 .. hi - lo).
void image_window(std::uint32_t wid, std::uint64_t sector, std::size_t lo, std::size_t hi,
                  std::uint8_t* out) {
  const std::uint64_t seed = seed_of(wid, sector);
  const auto sec32 = static_cast<std::uint32_t>(sector);
  const std::uint32_t sum = checksum(wid, sector);
  std::size_t j = lo;
  for (; j < hi && j < kHeaderBytes; ++j) {
    const std::uint32_t field = j < 8 ? wid : j < 16 ? sec32 : sum;
    out[j - lo] = nibble_byte(field, j % 8);
  }
  while (j < hi) {
    const std::uint64_t word = mix64(seed + j / 8);
    const std::size_t end = std::min(hi, (j / 8 + 1) * 8);
    for (; j < end; ++j)
      out[j - lo] = static_cast<std::uint8_t>((word >> (8 * (j % 8))) | 1u);
  }
}

bool decode_field(const std::uint8_t* p, std::uint32_t& v) {
  v = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    if ((p[i] & 0xf0u) != 0x40u) return false;
    v = (v << 4) | (p[i] & 0xfu);
  }
  return true;
}

bool window_matches(std::uint32_t wid, std::uint64_t sector, std::size_t lo,
                    const std::uint8_t* bytes, std::size_t n, std::vector<std::uint8_t>& tmp) {
  tmp.resize(n);
  image_window(wid, sector, lo, lo + n, tmp.data());
  return std::equal(tmp.begin(), tmp.end(), bytes);
}

// Mixed-sector resolution (see classify() in the header). Window = file bytes [base, base+n).
std::uint32_t resolve_mixed(std::uint64_t sector, std::uint32_t ss, std::size_t lo,
                            const std::uint8_t* bytes, std::size_t n,
                            std::span<const Extent> extents, std::vector<std::uint8_t>& tmp) {
  const std::uint64_t base = sector * ss + lo;
  std::vector<bool> explained(n, false);
  for (std::size_t j = 0; j < n; ++j) explained[j] = bytes[j] == 0;
  std::set<std::uint32_t> nonzero;  // sources that explain at least one non-zero byte
  std::uint32_t top = model::kForeign;
  bool have_top = false;
  for (const Extent& e : extents) {
    const std::uint64_t a = std::max(base, e.offset), b = std::min(base + n, e.offset + e.len);
    if (a >= b) continue;
    const auto ja = static_cast<std::size_t>(a - base), jb = static_cast<std::size_t>(b - base);
    tmp.resize(jb - ja);
    image_window(e.wid, sector, lo + ja, lo + jb, tmp.data());
    bool all = true, any = false;  // zeros (a tail cut by a truncate) hide nothing
    for (std::size_t j = ja; j < jb; ++j) {
      if (bytes[j] == tmp[j - ja]) {
        explained[j] = true;
        any = true;
        nonzero.insert(e.wid);
      } else if (bytes[j] != 0) {
        all = false;
      }
    }
    if (all && any && e.wid != model::kInitialData && (!have_top || e.wid > top))
      top = e.wid, have_top = true;
  }
  if (std::find(explained.begin(), explained.end(), false) != explained.end()) return model::kForeign;
  if (have_top) return top;
  return nonzero.size() == 1 ? *nonzero.begin() : model::kForeign;
}

std::uint32_t classify_window(std::uint64_t sector, std::uint32_t ss, std::size_t lo,
                              const std::uint8_t* bytes, std::size_t n,
                              std::span<const std::uint32_t> known,
                              std::span<const Extent> extents, std::vector<std::uint8_t>& tmp) {
  if (std::all_of(bytes, bytes + n, [](std::uint8_t b) { return b == 0; })) return model::kZero;
  if (lo == 0 && n >= kHeaderBytes) {
    std::uint32_t wid = 0, sec = 0, sum = 0;
    if (decode_field(bytes, wid) && decode_field(bytes + 8, sec) && decode_field(bytes + 16, sum) &&
        sec == static_cast<std::uint32_t>(sector) && sum == checksum(wid, sector) &&
        std::binary_search(known.begin(), known.end(), wid) &&
        window_matches(wid, sector, lo, bytes, n, tmp))
      return wid;
  } else {
    std::uint32_t found = model::kForeign;
    int matches = 0;
    for (std::uint32_t wid : known)
      if (window_matches(wid, sector, lo, bytes, n, tmp)) found = wid, ++matches;
    if (matches == 1) return found;
  }
  return extents.empty() ? model::kForeign : resolve_mixed(sector, ss, lo, bytes, n, extents, tmp);
}

}  // namespace

std::uint8_t image_byte(std::uint32_t wid, std::uint64_t sector, std::size_t j) {
  std::uint8_t b = 0;
  image_window(wid, sector, j, j + 1, &b);
  return b;
}

void fill_image(std::uint32_t wid, std::uint32_t sector_size, std::uint64_t offset,
                std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const std::uint64_t pos = offset + done;
    const std::uint64_t sector = pos / sector_size;
    const auto lo = static_cast<std::size_t>(pos % sector_size);
    const std::size_t n = std::min<std::size_t>(sector_size - lo, out.size() - done);
    image_window(wid, sector, lo, lo + n, out.data() + done);
    done += n;
  }
}

std::uint64_t sectors_overlapped(std::uint64_t offset, std::uint64_t len,
                                 std::uint32_t sector_size) {
  if (len == 0) return 0;
  return (offset + len - 1) / sector_size - offset / sector_size + 1;
}

void classify(std::span<const std::uint8_t> bytes, std::uint64_t offset,
              std::uint32_t sector_size, std::span<const std::uint32_t> known,
              std::vector<std::uint32_t>& out, std::span<const Extent> extents) {
  std::vector<std::uint8_t> tmp;
  std::size_t done = 0;
  while (done < bytes.size()) {
    const std::uint64_t pos = offset + done;
    const std::uint64_t sector = pos / sector_size;
    const auto lo = static_cast<std::size_t>(pos % sector_size);
    const std::size_t n = std::min<std::size_t>(sector_size - lo, bytes.size() - done);
    out.push_back(classify_window(sector, sector_size, lo, bytes.data() + done, n, known, extents, tmp));
    done += n;
  }
}

}  // namespace dc::harness::host
