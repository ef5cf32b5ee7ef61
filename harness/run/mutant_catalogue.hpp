// The mutant catalogue: one row per real-bug mutant (../shared/reference/bug-catalog.md).
// A row is everything the checker knows about a mutant besides its engine sites
// (`mutant_on(Mutant::X)` in impl/): the name used on the command line, in corpus files and
// reports; what it reproduces; where it applies; which properties count as killing it; how
// to tilt the workload generator towards it; and the CI kill-test budgets. Adding a mutant
// is one enum value (model/mutant.hpp), one row here, and its engine sites.
#pragma once
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "harness/gen/workload_gen.hpp"
#include "model/config.hpp"

namespace dc::harness {

// One kill test of properties/mutant_kill_test.cpp: the seed and budget (executions) with
// which `strategy` finds the mutant, with a wide margin.
struct KillBudget {
  std::string_view strategy;
  std::uint64_t seed = 1;
  std::uint64_t budget = 0;
  bool survives = false;  // not found within any CI budget: only the control runs
};

struct MutantRow {
  model::Mutant id;
  std::string_view name;   // the id users type: `--mutant NAME`, corpus "mutants"
  std::string_view title;
  std::string_view fix;    // upstream fix commit(s)
  std::vector<model::Kernel> kernels;   // where the mutated sites exist
  std::vector<model::Fs> filesystems;
  std::string_view deviation;           // what the mutated engine does differently
  std::vector<std::string_view> kills;  // properties whose violation counts as a kill
  void (*tilt)(gen::GenOptions&);       // generator hints (null: the default menu)
  KillBudget sampling, exhaustive;      // the two CI kill tests
};

std::span<const MutantRow> mutant_catalogue();
const MutantRow& mutant_row(model::Mutant m);
const MutantRow* find_mutant(std::string_view name);
std::string_view mutant_name(model::Mutant m);

// An unknown mutant name, with the name in the message ("unknown mutant 'x' ...").
struct UnknownMutant : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};
model::MutantSet parse_mutants(const std::vector<std::string>& names);  // throws UnknownMutant
std::vector<std::string> mutant_names(model::MutantSet s);              // catalogue order
std::string describe_mutants(model::MutantSet s);                       // "none" or "a, b"

bool applies(const MutantRow& m, model::Kernel k, model::Fs fs);
// Empty if every mutant of `s` acts on (k, fs); else a one-line refusal naming where the
// first one that does not applies.
std::string refusal(model::MutantSet s, model::Kernel k, model::Fs fs);

// The generator settings of a mutant's campaigns: the default menu without misaligned and
// sub-block I/O (no catalogue mechanism needs them), tilted by the row's hints.
gen::GenOptions mutant_gen_options(model::Mutant m);

}  // namespace dc::harness
