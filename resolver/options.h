// File: resolver/options.h
// Everything a batch run can be told: identifier types and their merge
// protection, the column mapping, normalization, limits on bad input, threads
// and outputs. Filled from defaults, then a config file (resolver/config.h),
// then command-line flags.
#ifndef IDSTITCH_RESOLVER_OPTIONS_H_
#define IDSTITCH_RESOLVER_OPTIONS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "matchers/identifier_normalizer.h"
#include "resolver/identifier_types.h"
#include "resolver/probabilistic_stage.h"

namespace idstitch {

enum class InputFormat { kAuto, kJsonl, kCsv };

struct ResolverOptions {
  // Built-in and user-defined identifier types, with priorities, per-identity
  // limits and hub caps (README, "Merge protection").
  IdentifierTypeRegistry types = IdentifierTypeRegistry::WithBuiltins();
  // Input column -> standard field or identifier type name, e.g.
  // {"given_name", "first_name"}. Later entries win.
  std::vector<std::pair<std::string, std::string>> field_map;
  // Phone region, Gmail folding and the block list.
  NormalizerOptions normalizer;
  // A field value longer than this many bytes is dropped with a
  // field_too_long error. Must be in [1, 65535].
  size_t max_field_length = 1024;
  // A line longer than this is rejected (line_too_long) without being parsed,
  // which bounds the memory a corrupt file can take.
  size_t max_line_length = 1 << 20;
  // The run fails (exit 4, nothing written) once this many records were
  // rejected. 0: no limit.
  int64_t max_errors = 0;
  // Worker threads for parsing and matching. 0: all cores.
  int max_threads = 0;
  // Input format for every input; kAuto picks by extension (.jsonl/.ndjson/
  // .json or .csv, before an optional .gz) and reads stdin as JSONL.
  InputFormat format = InputFormat::kAuto;
  // Also write links.csv (every aggregated link and what the graph did with it).
  bool write_links = false;
  // Directory of a previous run whose identity IDs are kept; empty: none.
  std::string previous_dir;
  // Progress on stderr; off when false or stderr is not a terminal.
  bool show_progress = true;
  // The attribute (Fellegi-Sunter) matcher, off by default, and the device
  // co-location matcher, on (see ProbabilisticOptions); their links rank below
  // every deterministic link.
  ProbabilisticOptions probabilistic;
};

// InvalidArgument if the options are inconsistent (a limit out of range, a
// field mapped to an unknown target).
absl::Status ValidateOptions(const ResolverOptions& options);

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_OPTIONS_H_
