// Schedule token, format version 1:
//
//     dc1.<seed>.<count>.<payload>.<check>
//
//   seed     the strategy seed, lower-case hex
//   count    number of decisions, decimal
//   payload  base64url (RFC 4648 section 5, no padding) of the decisions, each one an
//            unsigned LEB128 varint of (value << 1 | kind), kind 0 = pick, 1 = draw
//   check    FNV-1a 32-bit hash of "<seed>.<count>.<payload>", 8 lower-case hex digits
//
// Example: dc1.2a.3.AgQC.1c9e3f0a (three picks). A later version changes the "dc1" prefix;
// decoding refuses versions it does not know rather than guessing.
#include "harness/sched/schedule.hpp"

#include <charconv>

#include <fmt/format.h>

namespace dc::sched {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::uint32_t fnv1a32(std::string_view s) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : s) h = (h ^ c) * 16777619u;
  return h;
}

std::string base64url(const std::vector<std::uint8_t>& in) {
  std::string out;
  out.reserve((in.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t v = (in[i] << 16) | (in[i + 1] << 8) | in[i + 2];
    for (int k = 18; k >= 0; k -= 6) out += kAlphabet[(v >> k) & 63];
  }
  if (const std::size_t rest = in.size() - i; rest > 0) {
    std::uint32_t v = in[i] << 16;
    if (rest == 2) v |= in[i + 1] << 8;
    for (std::size_t k = 0; k <= rest; ++k) out += kAlphabet[(v >> (18 - 6 * k)) & 63];
  }
  return out;
}

std::vector<std::uint8_t> unbase64url(std::string_view in) {
  if (in.size() % 4 == 1) throw ScheduleError("schedule token: payload has an impossible length");
  std::vector<std::uint8_t> out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '-') v = 62;
    else if (c == '_') v = 63;
    else throw ScheduleError(fmt::format("schedule token: invalid character '{}' in payload", c));
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  return out;
}

std::string_view next_field(std::string_view& rest, const char* what) {
  const auto dot = rest.find('.');
  if (dot == std::string_view::npos)
    throw ScheduleError(fmt::format("schedule token: missing {} field", what));
  auto f = rest.substr(0, dot);
  rest.remove_prefix(dot + 1);
  return f;
}

template <class T>
T parse_number(std::string_view f, int base, const char* what) {
  T v{};
  auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), v, base);
  if (f.empty() || ec != std::errc() || p != f.data() + f.size())
    throw ScheduleError(fmt::format("schedule token: {} field '{}' is not a number", what, f));
  return v;
}

}  // namespace

std::string encode(const Schedule& s) {
  std::vector<std::uint8_t> bytes;
  bytes.reserve(s.decisions.size());
  for (const Decision& d : s.decisions) {
    std::uint64_t v = (std::uint64_t{d.value} << 1) | (d.kind == Decision::Kind::Draw ? 1 : 0);
    do {
      std::uint8_t b = v & 0x7f;
      v >>= 7;
      bytes.push_back(v ? (b | 0x80) : b);
    } while (v);
  }
  const std::string body = fmt::format("{:x}.{}.{}", s.seed, s.decisions.size(), base64url(bytes));
  return fmt::format("dc1.{}.{:08x}", body, fnv1a32(body));
}

Schedule decode(std::string_view token) {
  if (token.substr(0, 2) != "dc")
    throw ScheduleError("not a diocheck schedule token (expected it to start with 'dc1.')");
  std::string_view rest = token.substr(2);
  const auto version = parse_number<unsigned>(next_field(rest, "version"), 10, "version");
  if (version != 1)
    throw ScheduleError(fmt::format(
        "schedule token version {} is not supported (this build reads version 1)", version));
  const auto check_pos = token.rfind('.');
  const std::string_view body = token.substr(4, check_pos - 4);
  Schedule s;
  s.seed = parse_number<std::uint64_t>(next_field(rest, "seed"), 16, "seed");
  const auto count = parse_number<std::size_t>(next_field(rest, "count"), 10, "count");
  const std::string_view payload = next_field(rest, "payload");
  const auto check = parse_number<std::uint32_t>(rest, 16, "check");
  if (rest.size() != 8 || check != fnv1a32(body))
    throw ScheduleError("schedule token: checksum mismatch (token truncated or edited)");
  const auto bytes = unbase64url(payload);
  std::uint64_t v = 0;
  int shift = 0;
  for (std::uint8_t b : bytes) {
    if (shift > 35) throw ScheduleError("schedule token: decision value out of range");
    v |= std::uint64_t{b & 0x7fu} << shift;
    shift += 7;
    if (!(b & 0x80)) {
      s.decisions.push_back({(v & 1) ? Decision::Kind::Draw : Decision::Kind::Pick,
                             static_cast<std::uint32_t>(v >> 1)});
      v = 0;
      shift = 0;
    }
  }
  if (shift != 0) throw ScheduleError("schedule token: payload ends inside a decision");
  if (s.decisions.size() != count)
    throw ScheduleError(fmt::format("schedule token: says {} decisions but holds {}", count,
                                    s.decisions.size()));
  return s;
}

std::string describe(const Decision& d) {
  return d.kind == Decision::Kind::Pick ? fmt::format("pick actor {}", d.value)
                                        : fmt::format("draw {}", d.value);
}

}  // namespace dc::sched
