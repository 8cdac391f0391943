// File: resolver/batch_job.h
// A batch run end to end: read and match the inputs (resolver/ingest.h),
// build the identity graph with merge protection (graph/identity_graph.h),
// assign identity IDs, keeping a previous run's (graph/identity_assignment.h),
// and write the outputs atomically into the output directory:
// identity_map.csv, assignments.csv, identities.jsonl, changes.jsonl,
// rejects.jsonl, report.json, and links.csv when asked.
// Thread safety: a BatchJob runs one Run() at a time.
#ifndef IDSTITCH_RESOLVER_BATCH_JOB_H_
#define IDSTITCH_RESOLVER_BATCH_JOB_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "resolver/options.h"

namespace idstitch {

struct BatchSummary {
  std::string text;       // the human summary (also printed on stderr)
  std::string report_json;
  uint64_t records_read = 0;
  uint64_t records_rejected = 0;
  uint64_t identities = 0;
};

class BatchJob {
 public:
  // InvalidArgument for inconsistent options or a bad block-list regex / phone region.
  static absl::StatusOr<std::unique_ptr<BatchJob>> Create(ResolverOptions options);
  ~BatchJob();

  // Resolves `inputs` into `out_dir` (created if missing). On error nothing in
  // out_dir is replaced. Errors: see Ingest() for input errors (NotFound,
  // PermissionDenied, InvalidArgument, DataLoss, ResourceExhausted for
  // --max-errors); Unavailable if out_dir cannot be written; NotFound /
  // InvalidArgument for a bad --previous directory.
  absl::StatusOr<BatchSummary> Run(const std::vector<std::string>& inputs,
                                   const std::string& out_dir);

 private:
  struct Impl;
  explicit BatchJob(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_BATCH_JOB_H_
