// libFuzzer target: the corpus-file loader (harness/run/corpus.cpp). Any input must either
// load or be refused with a CorpusError (the one-line message users see); never crash, hang
// or throw anything else. A case that loads must survive a save/load round trip unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "harness/run/corpus.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  dc::harness::Case c;
  try {
    c = dc::harness::case_from_json(text, "fuzz-input");
  } catch (const dc::harness::CorpusError&) {
    return 0;
  }
  if (!(dc::harness::case_from_json(dc::harness::to_json(c), "round-trip") == c)) std::abort();
  return 0;
}
