// Sector tagging for the host-kernel oracle: every byte the host runner writes is a byte of a
// "sector image" determined by (write id, sector index within the file), so that whatever a
// read returns can be mapped back, sector by sector, to the write it came from.
//
// Image layout of one sector of `sector_size` bytes (sector_size >= kHeaderBytes):
//   bytes  0..7   write id,   32 bits as 8 nibbles, each stored as 0x40 | nibble
//   bytes  8..15  sector index (low 32 bits), same encoding
//   bytes 16..23  checksum of (write id, sector index), same encoding
//   bytes 24..    deterministic fill from (write id, sector index, byte index), never 0x00
// Every byte of an image is non-zero, so an all-zero window is unambiguously kZero.
//
// A read may return part of a sector (EOF inside a sector, unaligned buffered I/O); only the
// bytes returned (the "window" [lo, hi) of the sector) are classified:
//   all zero                                   -> model::kZero
//   window holds the whole header, the header
//   decodes to (w, this sector), checksum ok,
//   w is a known id and the window equals the
//   image of (w, sector)                       -> w
//   window too short for the header: exactly
//   one known id whose image matches           -> that id
//   a mixed sector (partial writes)            -> see classify()
//   anything else (stale block, torn sector,
//   other file's data)                         -> model::kForeign
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace dc::harness::host {

inline constexpr std::size_t kHeaderBytes = 24;

// Byte `j` (0 <= j < sector_size) of the image of sector `sector` written by `wid`.
std::uint8_t image_byte(std::uint32_t wid, std::uint64_t sector, std::size_t j);

// Fills `out` with the bytes [offset, offset + out.size()) of the file as written by `wid`,
// with file sectors of `sector_size` bytes.
void fill_image(std::uint32_t wid, std::uint32_t sector_size, std::uint64_t offset,
                std::span<std::uint8_t> out);

// A byte range of the file some write (or the initial data, wid kInitialData) covered.
struct Extent {
  std::uint32_t wid = 0;
  std::uint64_t offset = 0, len = 0;
};

// Classifies the bytes of file range [offset, offset + bytes.size()) per file sector that the
// range overlaps, appending one id per sector to `out`. `known` lists the write ids that may
// legitimately appear (kInitialData and the workload's write ids), sorted ascending.
//
// `extents` (the byte ranges the workload's writes and initial data cover) resolves mixed
// sectors: a write that covered part of a sector leaves the rest of it as it was, and the
// model, which tracks whole sectors, counts the sector as holding that write. A window whose
// bytes are each zero or the image of a known id covering that byte is attributed to
//   the write whose whole share of the window shows its image or zeros (nothing written
//   later covers it; the largest id if several: within a task later ops have larger ids,
//   across tasks this is a guess), else
//   the only non-zero source (a tail zeroed by a truncate inside the sector),
// and is kForeign otherwise. Without extents a mixed sector is kForeign.
void classify(std::span<const std::uint8_t> bytes, std::uint64_t offset,
              std::uint32_t sector_size, std::span<const std::uint32_t> known,
              std::vector<std::uint32_t>& out, std::span<const Extent> extents = {});

// Number of file sectors that [offset, offset + len) overlaps.
std::uint64_t sectors_overlapped(std::uint64_t offset, std::uint64_t len,
                                 std::uint32_t sector_size);

}  // namespace dc::harness::host
