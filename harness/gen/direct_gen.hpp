// The campaign generators: for a seed and size, exactly the workload and config that
// `sample(workload(o), seed, size)` / `sample(config(o), seed, size)` give, drawn directly
// from rapidcheck's rc::Random with the same splits and draws, but without its Gen /
// Shrinkable machinery, and building only what is kept:
//  - the op and task containers draw their length first (uniform in 0..10 x max, as
//    rapidcheck's container does at the resized size) and generate only the first
//    max_ops / max_tasks elements the workload keeps (rapidcheck generates all, then the
//    workload truncates);
//  - an op draws only the fields its kind uses (offset / length / dsync / keep / size);
//  - no menu is copied per value.
// Every skipped element or field has its own split of the random stream, so skipping it
// changes no other value: the seed-to-workload mapping is rapidcheck's, unchanged
// (properties/direct_gen_test.cpp checks the two agree over thousands of seeds and
// option sets). Property suites keep using the rapidcheck generators, which shrink.
#pragma once
#include <cstdint>

#include "harness/gen/workload_gen.hpp"

namespace dc::gen {

model::Workload draw_workload(const GenOptions& o, std::uint64_t seed, int size);
model::Config draw_config(const GenOptions& o, std::uint64_t seed, int size);

}  // namespace dc::gen
