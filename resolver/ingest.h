// File: resolver/ingest.h
// The streaming front half of a batch run: reads every input in chunks, and
// in a TBB pipeline parses, normalizes and runs the matchers on chunks in
// parallel, then, in input order on one thread, interns identifiers into the
// dictionary, aggregates links and spills records. Input order is kept so the
// run is the same with 1 or N threads.
// Thread safety: Run() is not reentrant; it uses its own task arena.
#ifndef IDSTITCH_RESOLVER_INGEST_H_
#define IDSTITCH_RESOLVER_INGEST_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/identifier_dictionary.h"
#include "matchers/identifier_normalizer.h"
#include "matchers/matcher.h"
#include "resolver/atomic_file.h"
#include "resolver/field_mapping.h"
#include "resolver/input_issue.h"
#include "resolver/options.h"
#include "resolver/probabilistic_stage.h"
#include "resolver/progress.h"
#include "resolver/record_spill.h"

namespace idstitch {

// Seconds each stage of the read pipeline spent working, summed over threads
// (the parse stage runs on all of them). Against the stage's wall time and
// thread count, they show which stage bounds the run and how much per-record
// work grows with threads: report.json "pipeline_busy_seconds".
struct PipelineBusy {
  double read = 0;
  double parse = 0;   // parsing, normalizing, deterministic matching, hashing
  double absorb = 0;  // interning and link aggregation (serial)
  double spill = 0;   // the record spill and probabilistic inputs (serial)
};

struct IngestResult {
  IdentifierDictionary dictionary;
  std::vector<Link> links;                // aggregated, one per (a, b, matcher)
  std::vector<LinkSeen> link_seen;        // parallel to links with --links, else empty
  std::unique_ptr<RecordSpill> spill;     // accepted records with identifiers
  std::vector<std::string> event_names;   // event id -> name; id 0 is ""
  InputCounters counters;
  std::vector<InputIssue> file_issues;    // whole-file problems (empty files)
  std::vector<uint64_t> record_links_by_matcher;  // before aggregation
  ProbabilisticInputs probabilistic;              // profiles and device sightings
  uint64_t bytes_read = 0;
  PipelineBusy busy;
};

// Where rejected records and field errors go: rejects.jsonl, and the first
// few on stderr.
class IssueSink {
 public:
  IssueSink(AtomicFile* rejects, int echo_limit) : rejects_(rejects), echo_limit_(echo_limit) {}
  void Add(const InputIssue& issue);
  uint64_t total() const { return total_; }

 private:
  AtomicFile* rejects_;
  int echo_limit_;
  uint64_t total_ = 0;
};

// Reads `inputs` (paths or "-"). Errors: NotFound / PermissionDenied /
// InvalidArgument (format) naming a path before anything is read; DataLoss for
// a read error; ResourceExhausted once options.max_errors records were
// rejected; Unavailable if the spill file in `work_dir` cannot be written.
absl::StatusOr<IngestResult> Ingest(const ResolverOptions& options,
                                    const std::vector<std::string>& inputs,
                                    const std::string& work_dir,
                                    const IdentifierNormalizer& normalizer,
                                    const std::vector<std::unique_ptr<Matcher>>& matchers,
                                    IssueSink& issues, Progress& progress);

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_INGEST_H_
