// Every corpus file must load and reproduce its recorded verdict and trace hash: a checker
// change that loses a bug class, or changes a trace, fails here.
#include <gtest/gtest.h>

#include <filesystem>

#include "harness/run/corpus.hpp"
#include "harness/run/runner.hpp"

#ifndef DIOCHECK_CORPUS_DIR
#error "DIOCHECK_CORPUS_DIR must point at corpus/"
#endif

namespace dc::props {
namespace {

std::vector<std::string> corpus_files() {
  std::vector<std::string> out;
  if (!std::filesystem::is_directory(DIOCHECK_CORPUS_DIR)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(DIOCHECK_CORPUS_DIR))
    if (e.is_regular_file() && e.path().extension() == ".json" && e.path().string().find("/host/") == std::string::npos)
      out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

class CorpusReplay : public ::testing::TestWithParam<std::string> {};

TEST_P(CorpusReplay, ReproducesVerdictAndTraceHash) {
  const harness::Case c = harness::load_case(GetParam());
  harness::Runner runner;
  const harness::Execution x = runner.replay(c.workload, c.config, c.schedule);
  ASSERT_FALSE(x.divergence) << *x.divergence;
  EXPECT_EQ(x.verdict.property, c.property);
  if (!c.property.empty()) {
    EXPECT_EQ(x.verdict.event, c.event);
  }
  EXPECT_EQ(model::trace_hash(x.trace, c.hash_version), c.trace_hash);
}

INSTANTIATE_TEST_SUITE_P(Corpus, CorpusReplay, ::testing::ValuesIn(corpus_files()),
                         [](const auto& param_info) {
                           std::string n = std::filesystem::path(param_info.param).stem().string();
                           for (char& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CorpusReplay);

// Files recorded before trace hash v2 (case format version 1) still load, keep their
// version when written back, and replay against the v1 hash.
TEST(CorpusVersions, Version1FilesStillReplay) {
  const auto files = corpus_files();
  ASSERT_FALSE(files.empty());
  harness::Case c = harness::load_case(files.front());
  harness::Runner runner;
  const harness::Execution x = runner.replay(c.workload, c.config, c.schedule);
  c.hash_version = 1;
  c.trace_hash = model::trace_hash(x.trace, 1);
  const std::string text = harness::to_json(c);
  EXPECT_NE(text.find("\"version\": 1"), std::string::npos);
  const harness::Case back = harness::case_from_json(text, "v1");
  EXPECT_EQ(back.hash_version, 1);
  EXPECT_EQ(back.trace_hash, model::trace_hash(runner.replay(back.workload, back.config, back.schedule).trace, 1));
  EXPECT_NE(model::trace_hash(x.trace, 1), model::trace_hash(x.trace, 2));
}

}  // namespace
}  // namespace dc::props
