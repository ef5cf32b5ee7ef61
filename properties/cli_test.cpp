// The diocheck command end to end, from the built binary: exit codes, JSON output, one-line
// errors for each kind of bad input, replay, shrink, show, merge, and determinism across
// processes and job counts.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "harness/run/corpus.hpp"
#include "harness/run/differential.hpp"
#include "harness/run/runner.hpp"
#include "harness/run/shrink.hpp"

#ifndef DIOCHECK_BIN
#error "DIOCHECK_BIN must name the built diocheck binary"
#endif

namespace dc::props {
namespace {

namespace fs = std::filesystem;

struct Result {
  int code;
  std::string out;
};

Result sh(const std::string& args, bool with_stderr = true) {
  const std::string cmd = std::string(DIOCHECK_BIN) + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null");
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int st = ::pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path tmpdir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("diocheck-cli-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

// A failing case to work with: the first finding of a short 3.12 ext4 campaign.
const fs::path& failing_case() {
  static const fs::path file = [] {
    const fs::path d = tmpdir("seed-case");
    const Result r = sh("fuzz --kernel 3.12 --fs ext4 --executions 3000 --seed 3 --stop-at-first --quiet --corpus " + d.string());
    EXPECT_EQ(r.code, 1) << r.out;
    for (const auto& e : fs::directory_iterator(d)) return e.path();
    return fs::path();
  }();
  return file;
}

TEST(Cli, HelpOnEveryCommand) {
  for (const char* c : {"", "fuzz", "replay", "shrink", "show", "corpus merge", "corpus refresh", "list", "mutants", "explore", "host"}) {
    const Result r = sh(std::string(c) + " --help");
    EXPECT_EQ(r.code, 0) << c << ": " << r.out;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << c;
  }
}

TEST(Cli, BadUsageIsOneLineAndExitTwo) {
  for (const char* args : {"--no-such-option", "fuzz --kernel 2.6 --executions 1", "fuzz --fs btrfs --executions 1",
                           "fuzz --mutant no-such-mutant --executions 1", "fuzz --strategy best --executions 1",
                           "fuzz --shard 3/2 --executions 1", "fuzz", "explore --scenario S9",
                           "replay /no/such/file.json", "mutants --kernel 2.6", "host --differential --kernel all",
                           "fuzz --kernel 3.12 --io-uring --executions 1"}) {
    const Result r = sh(args);
    EXPECT_EQ(r.code, 2) << args << ": " << r.out;
    EXPECT_EQ(lines(r.out), 1u) << args << ": " << r.out;
  }
}

// host --differential compares with the engine variant closest to the running kernel.
TEST(Cli, HostDifferentialPicksTheClosestVariant) {
  const std::vector<std::pair<std::string, model::Kernel>> cases = {
      {"6.18.44-fc-v1272", model::Kernel::V6_18}, {"6.19.0", model::Kernel::V6_18},
      {"7.1.2", model::Kernel::V6_18},            {"6.13.1", model::Kernel::V6_18},
      {"6.12.63", model::Kernel::V6_6},           {"6.6.80", model::Kernel::V6_6},
      {"6.6.3", model::Kernel::V6_6},             {"6.6.2-arch1", model::Kernel::V6_6_0},
      {"6.6.0", model::Kernel::V6_6_0},           {"6.6", model::Kernel::V6_6},
      {"5.5.0", model::Kernel::V6_6},             {"5.4.290", model::Kernel::V3_12_fixed},
      {"3.12.74", model::Kernel::V3_12_fixed}};
  for (const auto& [release, want] : cases) {
    model::Kernel k = model::Kernel::V3_11;
    ASSERT_TRUE(harness::closest_variant(release, k)) << release;
    EXPECT_EQ(k, want) << release;
  }
  model::Kernel k;
  EXPECT_FALSE(harness::closest_variant("linux", k));
  EXPECT_EQ(harness::closest_fs("xfs"), model::Fs::Xfs);
  EXPECT_EQ(harness::closest_fs("btrfs"), model::Fs::Ext4);
}

// A mutant asked for where it cannot act is refused, naming where it applies, never
// accepted to change nothing.
TEST(Cli, AMutantWhereItCannotActIsRefused) {
  for (const char* args : {"fuzz --kernel 3.11 --mutant aio-complete-before-conversion --executions 1",
                           "fuzz --kernel 3.12-fixed --fs xfs --mutant truncate-dio-wait-vs-worker-lock --executions 1",
                           "explore --scenario S1 --kernel 3.12 --mutant aio-complete-before-conversion --executions 1"}) {
    const Result r = sh(args);
    EXPECT_EQ(r.code, 2) << args << ": " << r.out;
    EXPECT_EQ(lines(r.out), 1u) << args << ": " << r.out;
    EXPECT_NE(r.out.find("applies to kernel 3.12-fixed"), std::string::npos) << args << ": " << r.out;
  }
  // `all` means every variant where the mutant acts.
  const Result ok = sh("fuzz --mutant truncate-dio-wait-vs-worker-lock --executions 2 --quiet --json --corpus " +
                           tmpdir("narrow").string(), false);
  EXPECT_LE(ok.code, 1) << ok.out;
  const auto j = nlohmann::json::parse(ok.out);
  ASSERT_EQ(j["cells"].size(), 1u) << ok.out;
  EXPECT_EQ(j["cells"][0]["kernel"], "3.12-fixed");
  EXPECT_EQ(j["cells"][0]["fs"], "ext4");
}

TEST(Cli, CorruptCorpusFilesAreRejectedNamingTheField) {
  const fs::path d = tmpdir("corrupt");
  const std::string good = read(failing_case());
  ASSERT_FALSE(good.empty());
  auto with = [&](const std::string& name, const std::string& text) {
    const fs::path p = d / name;
    std::ofstream(p) << text;
    return sh("replay " + p.string());
  };
  auto replace = [&](std::string s, const std::string& from, const std::string& to) {
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  struct Bad {
    std::string name, text, must_say;
  };
  const std::vector<Bad> bad = {
      {"invalid.json", "{ not json", "invalid JSON"},
      {"version.json", replace(good, "\"version\": 5", "\"version\": 7"), "version 7 is not supported"},
      // several files (format version 3): a file index must name one of the workload's files
      {"file.json", replace(good, "\"op\": \"", "\"file\": 5, \"op\": \""), "file index 5 is not below workload.files (1)"},
      {"files.json", replace(good, "\"inode_sync\"", "\"files\": 9, \"inode_sync\""), "must be 1..4"},
      {"oldfile.json", replace(replace(good, "\"version\": 5", "\"version\": 2"), "\"op\": \"", "\"file\": 0, \"op\": \""),
       "needs case format version 3"},
      // the open-file lifecycle (format version 4): shared files and open/evict need it, and a
      // task may open only a file it closed
      {"oldshared.json", replace(replace(good, "\"version\": 5", "\"version\": 3"), "\"inode_sync\"", "\"shared_files\": true, \"inode_sync\""),
       "needs case format version 4"},
      {"reopen.json",
       replace(good, "\"tasks\": [\n      [\n", "\"tasks\": [\n      [\n        {\"op\": \"open\", \"id\": 999999, \"offset\": 0, \"len\": 0},\n"),
       "which the task still has open"},
      // io_uring ops (format version 5), and only on the 6.x kernels
      {"olduring.json",
       replace(replace(good, "\"version\": 5", "\"version\": 4"), "\"tasks\": [\n      [\n",
               "\"tasks\": [\n      [\n        {\"op\": \"uring_write\", \"id\": 999999, \"offset\": 0, \"len\": 4096},\n"),
       "needs case format version 5"},
      {"uring3x.json",
       replace(good, "\"tasks\": [\n      [\n",
               "\"tasks\": [\n      [\n        {\"op\": \"uring_write\", \"id\": 999999, \"offset\": 0, \"len\": 4096},\n"),
       "io_uring does not exist on kernel 3.12"},
      {"kernel.json", replace(good, "\"kernel\": \"3.12\"", "\"kernel\": \"4.0\""), "kernel"},
      {"mutant.json", replace(good, "\"mutants\": []", "\"mutants\": [\"no-such\"]"), "unknown mutant"},
      {"inapplicable.json", replace(good, "\"mutants\": []", "\"mutants\": [\"aio-complete-before-conversion\"]"),
       "applies to kernel 3.12-fixed"},
      {"field.json", replace(good, "\"note\":", "\"colour\": 1, \"note\":"), "colour"},
      // IOMAP_DIO_CALLER_COMP exists only in the iomap engine
      {"callercomp.json", replace(good, "\"note\":", "\"iomap_caller_comp\": true, \"note\":"),
       "only the iomap-era kernels"},
      {"token.json", replace(good, "\"schedule\": \"dc1.", "\"schedule\": \"dc9."), "schedule"},
  };
  for (const auto& b : bad) {
    const Result r = with(b.name, b.text);
    EXPECT_EQ(r.code, 2) << b.name << ": " << r.out;
    EXPECT_EQ(lines(r.out), 1u) << b.name << ": " << r.out;
    EXPECT_NE(r.out.find(b.must_say), std::string::npos) << b.name << ": " << r.out;
    EXPECT_NE(r.out.find(b.name), std::string::npos) << "the error names the file: " << r.out;
  }
}

TEST(Cli, ReplayReproducesAndAScheduleThatDoesNotFitIsADivergence) {
  const Result ok = sh("replay --json " + failing_case().string(), false);
  ASSERT_EQ(ok.code, 0) << ok.out;
  const auto j = nlohmann::json::parse(ok.out);
  EXPECT_TRUE(j[0]["reproduced"].get<bool>());

  // The same schedule on a different workload (one more task) no longer fits.
  harness::Case c = harness::load_case(failing_case().string());
  c.workload.tasks.push_back(c.workload.tasks.front());
  std::uint32_t id = 0;
  for (auto& t : c.workload.tasks)
    for (auto& op : t.ops) op.id = id++;
  const fs::path p = tmpdir("diverge") / "case.json";
  harness::save_case(c, p.string());
  const Result r = sh("replay " + p.string());
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("MISMATCH"), std::string::npos) << r.out;
}

TEST(Cli, SameSeedsSameFindingsWhateverTheJobsAndProcess) {
  auto campaign = [](int jobs, const std::string& name) {  // jobs 0: the default (all cores)
    const fs::path d = tmpdir(name);
    const Result r = sh("fuzz --kernel 3.12 --fs ext4,xfs --executions 600 --seed 11 --json" +
                            (jobs ? " --jobs " + std::to_string(jobs) : std::string()) + " --corpus " + d.string(),
                        false);
    EXPECT_NE(r.code, 2) << r.out;
    auto j = nlohmann::json::parse(r.out);
    nlohmann::json keys = nlohmann::json::array();
    for (auto& f : j["findings"]) keys.push_back({f["kernel"], f["fs"], f["property"], f["execution"]});
    std::map<std::string, std::string> files;
    for (const auto& e : fs::directory_iterator(d)) files[e.path().filename().string()] = read(e.path());
    return std::make_pair(keys, files);
  };
  const auto a = campaign(1, "jobs1"), b = campaign(2, "jobs2"), c = campaign(1, "jobs1again"),
             d = campaign(0, "jobsdefault");
  EXPECT_EQ(a.first, b.first);
  EXPECT_EQ(a.first, c.first);
  EXPECT_EQ(a.first, d.first);
  EXPECT_EQ(a.second, b.second);  // byte-identical corpus files: schedules and trace hashes
  EXPECT_EQ(a.second, c.second);
  EXPECT_EQ(a.second, d.second);
}

TEST(Cli, FuzzJsonSaysWhereTheTimeWent) {
  const Result r = sh("fuzz --kernel 3.12-fixed --fs ext4 --executions 30 --seed 3 --json --corpus " +
                          tmpdir("phases").string(),
                      false);
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.contains("phases")) << r.out;
  for (const char* phase : {"generate", "run", "check", "record"}) {
    ASSERT_TRUE(j["phases"].contains(phase)) << phase;
    EXPECT_GE(j["phases"][phase].get<double>(), 0) << phase;  // cumulative seconds, never timed here
  }
}

TEST(Cli, ShardsSplitTheSeedSpace) {
  const Result all = sh("fuzz --kernel 3.12-fixed --fs ext4 --executions 40 --seed 5 --json --corpus " + tmpdir("s").string(), false);
  const Result s0 = sh("fuzz --kernel 3.12-fixed --fs ext4 --executions 20 --seed 5 --shard 0/2 --json --corpus " + tmpdir("s0").string(), false);
  const Result s1 = sh("fuzz --kernel 3.12-fixed --fs ext4 --executions 20 --seed 5 --shard 1/2 --json --corpus " + tmpdir("s1").string(), false);
  for (const Result* r : {&all, &s0, &s1}) ASSERT_NE(r->code, 2) << r->out;
  EXPECT_EQ(nlohmann::json::parse(s0.out)["executions"].get<int>() + nlohmann::json::parse(s1.out)["executions"].get<int>(),
            nlohmann::json::parse(all.out)["executions"].get<int>());
}

TEST(Cli, ShrinkGivesACaseNoLargerThatStillFails) {
  const fs::path out = tmpdir("shrink") / "small.json";
  const Result r = sh("shrink " + failing_case().string() + " --time 20 -o " + out.string());
  EXPECT_EQ(r.code, 1) << r.out;
  const harness::Case before = harness::load_case(failing_case().string());
  const harness::Case after = harness::load_case(out.string());
  EXPECT_EQ(after.property, before.property);
  EXPECT_LE(harness::size_of(after), harness::size_of(before));
  EXPECT_EQ(sh("replay " + out.string()).code, 0);
}

// A case with shared files, closes, evictions and reopenings (fuzz --lifecycle) shrinks to a
// case that still loads (its close/open sequence stays possible), fails and replays.
TEST(Cli, ShrinkKeepsALifecycleCaseValid) {
  const fs::path d = tmpdir("lifecycle-case");
  const Result f = sh("fuzz --kernel 3.12-fixed --fs ext4 --mutant inode-uaf-after-aio-complete --lifecycle --executions 400 "
                      "--seed 2026120502 --jobs 1 --stop-at-first --quiet --corpus " + d.string());
  ASSERT_EQ(f.code, 1) << f.out;
  fs::path found;
  for (const auto& e : fs::directory_iterator(d)) found = e.path();
  const harness::Case before = harness::load_case(found.string());
  const bool lifecycle = before.workload.shared_files ||
                         std::any_of(before.workload.tasks.begin(), before.workload.tasks.end(), [](const model::Task& t) {
                           return std::any_of(t.ops.begin(), t.ops.end(), [](const model::Op& o) {
                             return o.kind == model::OpKind::Close || o.kind == model::OpKind::Evict;
                           });
                         });
  EXPECT_TRUE(lifecycle) << found;
  const fs::path out = d / "small.json";
  const Result r = sh("shrink " + found.string() + " --time 15 -o " + out.string());
  EXPECT_EQ(r.code, 1) << r.out;
  const harness::Case after = harness::load_case(out.string());
  EXPECT_EQ(after.property, before.property);
  EXPECT_LE(harness::size_of(after), harness::size_of(before));
  EXPECT_EQ(sh("replay " + out.string()).code, 0);
}

// A note a campaign wrote ("expected: ...; actual: ...") is rewritten for the shrunk case; a
// note a person wrote is kept.
TEST(Cli, ShrinkRewritesAVerdictNoteAndKeepsAPersonsNote) {
  harness::Case c = harness::load_case(failing_case().string());
  for (const std::string& note : {std::string("expected: stale; actual: stale"), std::string("written by a person")}) {
    c.note = note;
    const fs::path in = tmpdir("shrink-note") / "in.json", out = tmpdir("shrink-note") / "out.json";
    harness::save_case(c, in.string());
    ASSERT_EQ(sh("shrink " + in.string() + " --time 5 -o " + out.string()).code, 1);
    const harness::Case after = harness::load_case(out.string());
    if (harness::is_verdict_note(note)) {
      harness::Runner runner;
      const harness::Execution x = runner.replay(after.workload, after.config, after.schedule);
      EXPECT_EQ(after.note, harness::verdict_note(x.verdict));
      EXPECT_NE(after.note, note);
    } else {
      EXPECT_EQ(after.note, note);
    }
  }
}

TEST(Cli, ShowRendersTextHtmlAndPerfetto) {
  const Result text = sh("show " + failing_case().string(), false);
  EXPECT_EQ(text.code, 1);
  EXPECT_NE(text.out.find(">>"), std::string::npos);
  const Result html = sh("show --html " + failing_case().string(), false);
  EXPECT_NE(html.out.find("<svg"), std::string::npos);
  const Result pf = sh("show --perfetto " + failing_case().string(), false);
  const auto j = nlohmann::json::parse(pf.out);
  EXPECT_TRUE(j.contains("traceEvents"));
}

TEST(Cli, ListJsonAndCorpusMerge) {
  const Result r = sh("list --json", false);
  ASSERT_EQ(r.code, 0);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["kernels"].size(), 7u);  // 3.x, the iomap era and the 6.6.0 point release
  EXPECT_GE(j["mutants"].size(), 16u);
  EXPECT_GE(j["properties"].size(), 20u);

  const fs::path a = tmpdir("merge-a"), b = tmpdir("merge-b"), out = tmpdir("merge-out");
  fs::copy_file(failing_case(), a / "x.json");
  fs::copy_file(failing_case(), b / "y.json");
  const Result m = sh("corpus merge " + out.string() + " " + a.string() + " " + b.string());
  EXPECT_EQ(m.code, 0) << m.out;
  EXPECT_EQ(std::distance(fs::directory_iterator(out), fs::directory_iterator()), 1);
}

}  // namespace
}  // namespace dc::props
