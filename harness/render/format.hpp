// Shared by the renderers (internal): event summaries, workload/config descriptions, escaping.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "harness/render/render.hpp"

namespace dc::harness::render_detail {

// Event families: colour in HTML, category in Perfetto.
enum class Family : std::uint8_t { User, Dio, Bio, Work, Inode, Extent, Aio, IoEnd, Dev, Prim, Finding };
Family family_of(model::EvKind k);
const char* to_string(Family f);
inline bool is_primitive(model::EvKind k) { return family_of(k) == Family::Prim; }

// The payload documentation of a kind, as written in model/event.hpp.
std::string_view payload_doc(model::EvKind k);
// Upper-case letters of the kind name: "DioComplete" -> "DC" (swimlane box labels).
std::string short_code(model::EvKind k);

// "-EIO" for known errnos, the number otherwise.
std::string errno_str(std::int64_t v);

// Stable per-execution labels of objects: "dio3", "bio7", "io_end2" ...
std::string obj_label(model::EvKind k, model::ObjId obj, model::Fs fs);

struct Ops {
  explicit Ops(const model::Workload& w);
  const model::Op* find(std::uint32_t id) const;
  std::map<std::uint32_t, const model::Op*> by_id;
};

std::string describe_op(const model::Op& op);  // "op0 aio_write 0+4096 dsync"
std::string describe_fault(const model::Fault& f);
std::string describe_faults(const model::Config& c);   // "none" or "bio-error nth=1, ..."
std::string describe_mutants(const model::Config& c);  // "none" or "a, b"
std::string describe_config(const model::Config& c);   // "kernel 3.12  fs ext4  wq_concurrency 2 ..."
std::string describe_file(const model::Workload& w);   // sector/block sizes, initial ranges, flags

// Short one-line summary: kind + payload ("DioComplete ret=0 async dio1").
std::string summarize(const TraceView& v, const Ops& ops, const model::Event& e);
// Every field, one per line ("key: value"), for tooltips and detail panels.
std::vector<std::pair<std::string, std::string>> detail(const TraceView& v, const Ops& ops,
                                                        std::size_t index);
// The data slice of an event, run-length compressed: "w1 x8, zero x8".
std::string data_str(const model::Trace& t, const model::Event& e);
std::string note_of(const model::Trace& t, const model::Event& e);

std::string actor_name(const TraceView& v, std::size_t actor);
bool actor_irq(const TraceView& v, std::size_t actor);
std::size_t actor_count(const TraceView& v);  // max(names, ctx, highest actor in trace + 1)
bool violation_in_trace(const TraceView& v);  // property set and event < trace size

std::string html_escape(std::string_view s);
// Percent-encodes everything but unreserved characters and '/' (for href of file paths).
std::string url_path(std::string_view s);
// JSON text safe to embed in <script>: '<' escaped as \u003c.
std::string script_safe(std::string_view json);

// Display width in code points (UTF-8 continuation bytes do not count).
std::size_t display_width(std::string_view s);
// Cut to at most `w` columns (ending in "~" when cut), never inside a UTF-8 sequence.
std::string fit(std::string_view s, std::size_t w);

}  // namespace dc::harness::render_detail
