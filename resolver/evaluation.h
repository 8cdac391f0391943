// File: resolver/evaluation.h
// Accuracy of a resolver run against ground truth, behind `idstitch eval`.
// The truth file labels records with a `person_id`; each distinct person_id is
// a "true identity". The assignments file (the resolver's output) labels
// records with an `identity_id`, a "predicted identity". All scores come from
// the contingency table n_ij (records with true identity i and predicted
// identity j), never from enumerating record pairs, so 1e8 records score in
// linear time.
//
// Which records are scored:
//   - A truth row with an empty person_id is unknown: left out of every score
//     and counted in `truth_records_unknown`.
//   - A truth record (with a person_id) that is absent from the assignments, or
//     assigned an empty identity_id, got no identity from the resolver (it had
//     no usable identifier). It is scored as its own singleton predicted
//     identity and counted in `truth_records_unassigned`.
//   - An assignment row whose record_id is not in the truth is counted in
//     `assignments_without_truth` and otherwise ignored. Such rows are not
//     remembered, so memory stays proportional to the truth file even when
//     the assignments cover a far larger run (and their duplicates pass).
//
// Conventions for empty denominators: pairwise precision (recall) is 1.0 when
// there are no predicted (true) pairs, e.g. all-singleton output has pairwise
// precision 1.0; with no scored records every precision and recall is 1.0. Any
// F1 is 0.0 when precision + recall is 0.
#ifndef IDSTITCH_RESOLVER_EVALUATION_H_
#define IDSTITCH_RESOLVER_EVALUATION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace idstitch {

// How many of the largest identities EvaluationResult lists, each way.
inline constexpr size_t kEvaluationTopIdentities = 10;

// Pair counting: a pair of scored records is "predicted" if both share a
// predicted identity and "true" if both share a true identity.
struct PairwiseScores {
  uint64_t true_positive_pairs = 0;  // sum_ij C(n_ij, 2)
  uint64_t predicted_pairs = 0;  // sum_j C(a_j, 2), a_j = size of identity j
  uint64_t true_pairs = 0;       // sum_i C(b_i, 2), b_i = size of truth i
  double precision = 1.0;        // TP / predicted_pairs; 1.0 if none
  double recall = 1.0;           // TP / true_pairs; 1.0 if none
  double f1 = 1.0;
};

// B-cubed: per-record precision and recall, averaged over the N scored records.
struct BCubedScores {
  double precision = 1.0;  // (1/N) sum_ij n_ij^2 / a_j
  double recall = 1.0;     // (1/N) sum_ij n_ij^2 / b_i
  double f1 = 1.0;
};

// One of the largest predicted identities (assignments-file identities only;
// the singletons of unassigned records are never listed).
struct PredictedIdentitySummary {
  std::string identity_id;
  uint64_t size = 0;                // scored records in it
  uint64_t true_identities = 0;     // distinct person_ids among them
  double largest_true_share = 0.0;  // largest person_id's records / size
};

// One of the largest true identities.
struct TrueIdentitySummary {
  std::string person_id;
  uint64_t size = 0;                  // scored records with this person_id
  uint64_t predicted_identities = 0;  // identities it is split across
};

struct EvaluationResult {
  uint64_t records_scored = 0;             // N
  uint64_t truth_records_unknown = 0;      // empty person_id: not scored
  uint64_t truth_records_unassigned = 0;   // scored as singletons
  uint64_t assignments_without_truth = 0;  // ignored
  uint64_t true_identities = 0;            // distinct person_ids scored
  uint64_t predicted_identities = 0;       // incl. unassigned singletons
  PairwiseScores pairwise;
  BCubedScores bcubed;
  // Largest first; ties by id string ascending. At most
  // kEvaluationTopIdentities entries each.
  std::vector<PredictedIdentitySummary> largest_predicted_identities;
  std::vector<TrueIdentitySummary> largest_true_identities;
};

// Scores `assignment` (record_id -> identity_id) against `truth` (record_id ->
// person_id) under the rules in the file comment. Pure and deterministic: the
// result does not depend on hash-map iteration order.
EvaluationResult EvaluatePartition(
    const absl::flat_hash_map<std::string, std::string>& truth,
    const absl::flat_hash_map<std::string, std::string>& assignment);

// Reads the truth CSV (header with `record_id` and `person_id`, other columns
// ignored) and the assignments CSV (header with `record_id` and `identity_id`)
// and scores them. Fields are RFC 4180 CSV; a quoted field may span lines and
// an error's line number is the first physical line of its row. Ids are
// trimmed of surrounding ASCII whitespace.
// Errors, each message naming the file and line:
//   NotFound (or the errno's code) if a file cannot be opened;
//   InvalidArgument for an empty file, a missing or repeated header column, a
//   row with a different column count than the header, an empty record_id, a
//   duplicate record_id (in the assignments: of a truth record), or malformed
//   quoting (including a quote left open at end of file).
absl::StatusOr<EvaluationResult> EvaluateFiles(
    const std::string& truth_path, const std::string& assignments_path);

// Pretty-printed JSON (2-space indent), keys in a fixed order:
// records_scored, truth_records_unknown, truth_records_unassigned,
// assignments_without_truth, true_identities, predicted_identities,
// pairwise{precision, recall, f1, true_positive_pairs, predicted_pairs,
// true_pairs}, bcubed{precision, recall, f1}, largest_predicted_identities[],
// largest_true_identities[]. Ends with a newline.
std::string EvaluationToJson(const EvaluationResult& result);

// A human-readable summary and the two top-identity tables, for a terminal.
std::string EvaluationToText(const EvaluationResult& result);

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_EVALUATION_H_
