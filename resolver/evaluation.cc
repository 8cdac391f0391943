#include "resolver/evaluation.h"

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "resolver/csv.h"
#include "resolver/status_macros.h"

namespace idstitch {
namespace {

constexpr uint32_t kUnknownTruth = std::numeric_limits<uint32_t>::max();
constexpr absl::string_view kUtf8Bom = "\xEF\xBB\xBF";

// C(n, 2) without overflowing the intermediate product: halve the even factor.
uint64_t PairsOf(uint64_t n) {
  return n % 2 == 0 ? (n / 2) * (n - 1) : n * ((n - 1) / 2);
}

double RatioOrOne(double numerator, double denominator) {
  return denominator == 0 ? 1.0 : numerator / denominator;
}

double F1(double precision, double recall) {
  const double sum = precision + recall;
  return sum == 0 ? 0.0 : 2 * precision * recall / sum;
}

// sum_k numerator_k / size_k. Terms are first summed exactly per size
// (integers) and then added in ascending size order, so the double result does
// not depend on dense-id order (which follows hash-map or file order) and loses
// less.
class SizeGroupedSum {
 public:
  void Add(uint64_t size, uint64_t numerator) { by_size_[size] += numerator; }
  double Total() const {
    std::vector<std::pair<uint64_t, uint64_t>> terms(by_size_.begin(),
                                                     by_size_.end());
    std::sort(terms.begin(), terms.end());
    double total = 0;
    for (const auto& [size, numerator] : terms) {
      total += static_cast<double>(numerator) / static_cast<double>(size);
    }
    return total;
  }

 private:
  absl::flat_hash_map<uint64_t, uint64_t> by_size_;
};

// Accumulates the contingency table from truth rows, then assignment rows.
// Memory is proportional to the truth, not to the assignments: rows for records
// outside the truth are only counted (so their duplicates go unnoticed).
class ContingencyTable {
 public:
  // False if `record_id` was already added.
  bool AddTruth(absl::string_view record_id, absl::string_view person_id) {
    auto [it, inserted] = truth_records_.try_emplace(
        std::string(record_id), TruthRecord{kUnknownTruth});
    if (!inserted) return false;
    if (person_id.empty()) {
      ++truth_records_unknown_;
      return true;
    }
    const uint32_t truth_idx = Intern(person_id, truth_index_, truth_ids_);
    if (truth_idx == truth_sizes_.size()) truth_sizes_.push_back(0);
    ++truth_sizes_[truth_idx];
    it->second.truth_idx = truth_idx;
    return true;
  }

  // False if `record_id` is in the truth and was already assigned.
  bool AddAssignment(absl::string_view record_id,
                     absl::string_view identity_id) {
    auto it = truth_records_.find(record_id);
    if (it == truth_records_.end()) {
      ++assignments_without_truth_;
      return true;
    }
    TruthRecord& record = it->second;
    if (record.seen_in_assignments) return false;
    record.seen_in_assignments = true;
    if (record.truth_idx == kUnknownTruth || identity_id.empty()) return true;
    record.has_identity = true;
    const uint32_t identity_idx =
        Intern(identity_id, identity_index_, identity_ids_);
    if (identity_idx == identity_sizes_.size()) identity_sizes_.push_back(0);
    ++identity_sizes_[identity_idx];
    ++cells_[{record.truth_idx, identity_idx}];
    return true;
  }

  EvaluationResult Finish() const;

 private:
  struct TruthRecord {
    uint32_t truth_idx;  // kUnknownTruth: empty person_id
    bool seen_in_assignments = false;
    bool has_identity = false;
  };

  static uint32_t Intern(absl::string_view id,
                         absl::flat_hash_map<std::string, uint32_t>& index,
                         std::vector<std::string>& ids) {
    // Look up first: most rows repeat a known id, and try_emplace would build
    // a std::string key for each.
    if (auto it = index.find(id); it != index.end()) return it->second;
    const auto idx = static_cast<uint32_t>(ids.size());
    index.emplace(std::string(id), idx);
    ids.emplace_back(id);
    return idx;
  }

  void FillTopLists(const std::vector<uint64_t>& distinct_truths,
                    const std::vector<uint64_t>& largest_cell,
                    const std::vector<uint64_t>& splits,
                    EvaluationResult& result) const;

  absl::flat_hash_map<std::string, TruthRecord> truth_records_;
  absl::flat_hash_map<std::string, uint32_t> truth_index_;
  std::vector<std::string> truth_ids_;  // dense truth idx -> person_id
  std::vector<uint64_t> truth_sizes_;   // b_i
  absl::flat_hash_map<std::string, uint32_t> identity_index_;
  std::vector<std::string> identity_ids_;  // dense identity idx -> identity_id
  std::vector<uint64_t> identity_sizes_;   // a_j, scored records only
  // The contingency table: (truth idx i, identity idx j) -> n_ij > 0.
  absl::flat_hash_map<std::pair<uint32_t, uint32_t>, uint64_t> cells_;
  uint64_t truth_records_unknown_ = 0;
  uint64_t assignments_without_truth_ = 0;
};

EvaluationResult ContingencyTable::Finish() const {
  EvaluationResult result;
  result.truth_records_unknown = truth_records_unknown_;
  result.assignments_without_truth = assignments_without_truth_;
  const size_t num_truths = truth_ids_.size();
  const size_t num_identities = identity_ids_.size();

  // An unassigned record is a singleton identity: one cell with n = a = 1.
  std::vector<uint64_t> truth_square_sums(num_truths, 0);  // sum_j n_ij^2
  std::vector<uint64_t> splits(num_truths, 0);             // #j with n_ij > 0
  for (const auto& [record_id, record] : truth_records_) {
    if (record.truth_idx == kUnknownTruth || record.has_identity) continue;
    ++result.truth_records_unassigned;
    ++truth_square_sums[record.truth_idx];
    ++splits[record.truth_idx];
  }

  // Per predicted identity j: sum_i n_ij^2, #i with n_ij > 0, max_i n_ij.
  std::vector<uint64_t> identity_square_sums(num_identities, 0);
  std::vector<uint64_t> distinct_truths(num_identities, 0);
  std::vector<uint64_t> largest_cell(num_identities, 0);
  uint64_t true_positive_pairs = 0;
  for (const auto& [key, count] : cells_) {
    const auto [truth_idx, identity_idx] = key;
    true_positive_pairs += PairsOf(count);
    truth_square_sums[truth_idx] += count * count;
    identity_square_sums[identity_idx] += count * count;
    ++splits[truth_idx];
    ++distinct_truths[identity_idx];
    largest_cell[identity_idx] = std::max(largest_cell[identity_idx], count);
  }

  SizeGroupedSum precision_sum;
  SizeGroupedSum recall_sum;
  precision_sum.Add(1, result.truth_records_unassigned);
  uint64_t predicted_pairs = 0;
  for (size_t identity_idx = 0; identity_idx < num_identities; ++identity_idx) {
    predicted_pairs += PairsOf(identity_sizes_[identity_idx]);
    precision_sum.Add(identity_sizes_[identity_idx],
                      identity_square_sums[identity_idx]);
  }
  uint64_t true_pairs = 0;
  for (size_t truth_idx = 0; truth_idx < num_truths; ++truth_idx) {
    result.records_scored += truth_sizes_[truth_idx];
    true_pairs += PairsOf(truth_sizes_[truth_idx]);
    recall_sum.Add(truth_sizes_[truth_idx], truth_square_sums[truth_idx]);
  }

  result.true_identities = num_truths;
  result.predicted_identities =
      num_identities + result.truth_records_unassigned;
  PairwiseScores& pairwise = result.pairwise;
  pairwise.true_positive_pairs = true_positive_pairs;
  pairwise.predicted_pairs = predicted_pairs;
  pairwise.true_pairs = true_pairs;
  pairwise.precision = RatioOrOne(true_positive_pairs, predicted_pairs);
  pairwise.recall = RatioOrOne(true_positive_pairs, true_pairs);
  pairwise.f1 = F1(pairwise.precision, pairwise.recall);
  const double n = static_cast<double>(result.records_scored);
  result.bcubed.precision = RatioOrOne(precision_sum.Total(), n);
  result.bcubed.recall = RatioOrOne(recall_sum.Total(), n);
  result.bcubed.f1 = F1(result.bcubed.precision, result.bcubed.recall);
  FillTopLists(distinct_truths, largest_cell, splits, result);
  return result;
}

// Indices [0, sizes.size()) ordered by size descending, then id ascending;
// only the first min(k, size) are sorted and returned.
std::vector<uint32_t> LargestK(const std::vector<uint64_t>& sizes,
                               const std::vector<std::string>& ids, size_t k) {
  std::vector<uint32_t> order(sizes.size());
  for (uint32_t idx = 0; idx < order.size(); ++idx) order[idx] = idx;
  k = std::min(k, order.size());
  std::partial_sort(order.begin(), order.begin() + k, order.end(),
                    [&](uint32_t a, uint32_t b) {
                      if (sizes[a] != sizes[b]) return sizes[a] > sizes[b];
                      return ids[a] < ids[b];
                    });
  order.resize(k);
  return order;
}

void ContingencyTable::FillTopLists(
    const std::vector<uint64_t>& distinct_truths,
    const std::vector<uint64_t>& largest_cell,
    const std::vector<uint64_t>& splits, EvaluationResult& result) const {
  for (uint32_t idx :
       LargestK(identity_sizes_, identity_ids_, kEvaluationTopIdentities)) {
    const uint64_t size = identity_sizes_[idx];
    result.largest_predicted_identities.push_back(
        {identity_ids_[idx], size, distinct_truths[idx],
         static_cast<double>(largest_cell[idx]) / static_cast<double>(size)});
  }
  for (uint32_t idx :
       LargestK(truth_sizes_, truth_ids_, kEvaluationTopIdentities)) {
    result.largest_true_identities.push_back(
        {truth_ids_[idx], truth_sizes_[idx], splits[idx]});
  }
}

// Reads a CSV file row by row, joining physical lines while a quoted field is
// open. Blank lines between rows are skipped; a trailing CR is dropped.
class CsvFileReader {
 public:
  explicit CsvFileReader(std::string path) : path_(std::move(path)) {}

  absl::Status Open() {
    std::error_code error;
    if (std::filesystem::is_directory(path_, error)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path_, ": is a directory"));
    }
    errno = 0;
    in_.open(path_, std::ios::binary);
    if (in_.is_open()) return absl::OkStatus();
    const std::string message = absl::StrCat(path_, ": cannot open file");
    return errno == 0 ? absl::NotFoundError(message)
                      : absl::ErrnoToStatus(errno, message);
  }

  // Reads the next row into `*fields`. Returns false at end of file.
  absl::StatusOr<bool> Next(std::vector<std::string>* fields) {
    std::string row;
    std::string line;
    bool in_row = false;
    while (std::getline(in_, line)) {
      ++physical_line_;
      if (physical_line_ == 1 && absl::StartsWith(line, kUtf8Bom))
        line.erase(0, kUtf8Bom.size());
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!in_row) {
        if (line.empty()) continue;
        in_row = true;
        row_line_ = physical_line_;
        row = std::move(line);
      } else {
        absl::StrAppend(&row, "\n", line);
      }
      if (!CsvRowIsComplete(row)) continue;
      const absl::Status split = SplitCsvRow(row, fields);
      if (!split.ok()) return Error(split.message());
      return true;
    }
    if (in_.bad()) {
      const std::string message = absl::StrCat(path_, ": read error");
      return errno == 0 ? absl::DataLossError(message)
                        : absl::ErrnoToStatus(errno, message);
    }
    if (in_row) return Error("unterminated quoted field at end of file");
    return false;
  }

  // InvalidArgument "<path>:<line>: <problem>" for the last row read.
  absl::Status Error(absl::string_view problem) const {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, ":", row_line_, ": ", problem));
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ifstream in_;
  int64_t physical_line_ = 0;
  int64_t row_line_ = 0;  // first physical line of the last row
};

// Index of the header field named `name` (after trimming). InvalidArgument if
// there is none or more than one.
absl::StatusOr<size_t> FindColumn(const std::vector<std::string>& header,
                                  absl::string_view name,
                                  const CsvFileReader& reader) {
  size_t found = header.size();
  for (size_t column_idx = 0; column_idx < header.size(); ++column_idx) {
    if (absl::StripAsciiWhitespace(header[column_idx]) != name) continue;
    if (found != header.size())
      return reader.Error(absl::StrCat("repeated column ", name));
    found = column_idx;
  }
  if (found == header.size()) {
    return reader.Error(absl::StrCat("header has no column ", name,
                                     " (columns: ", absl::StrJoin(header, ","),
                                     ")"));
  }
  return found;
}

// Calls `on_row(record_id, value, reader)` for each data row of a CSV whose
// header names `key_column` and `value_column`. Both fields are trimmed.
absl::Status ForEachKeyedRow(
    const std::string& path, absl::string_view key_column,
    absl::string_view value_column,
    const std::function<absl::Status(absl::string_view, absl::string_view,
                                     const CsvFileReader&)>& on_row) {
  CsvFileReader reader(path);
  RETURN_IF_ERROR(reader.Open());
  std::vector<std::string> fields;
  ASSIGN_OR_RETURN(bool has_header, reader.Next(&fields));
  if (!has_header) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ":1: empty file, expected a header"));
  }
  const size_t num_columns = fields.size();
  ASSIGN_OR_RETURN(const size_t key_idx,
                   FindColumn(fields, key_column, reader));
  ASSIGN_OR_RETURN(const size_t value_idx,
                   FindColumn(fields, value_column, reader));
  while (true) {
    ASSIGN_OR_RETURN(bool has_row, reader.Next(&fields));
    if (!has_row) return absl::OkStatus();
    if (fields.size() != num_columns) {
      return reader.Error(
          absl::StrFormat("expected %d columns as in the header, found %d",
                          num_columns, fields.size()));
    }
    const absl::string_view record_id =
        absl::StripAsciiWhitespace(fields[key_idx]);
    if (record_id.empty())
      return reader.Error(absl::StrCat("empty ", key_column));
    RETURN_IF_ERROR(on_row(
        record_id, absl::StripAsciiWhitespace(fields[value_idx]), reader));
  }
}

absl::Status DuplicateError(absl::string_view record_id,
                            const CsvFileReader& reader) {
  return reader.Error(absl::StrCat("duplicate record_id \"", record_id, "\""));
}

}  // namespace

EvaluationResult EvaluatePartition(
    const absl::flat_hash_map<std::string, std::string>& truth,
    const absl::flat_hash_map<std::string, std::string>& assignment) {
  // Map keys are unique, so neither Add can report a duplicate.
  ContingencyTable table;
  for (const auto& [record_id, person_id] : truth)
    table.AddTruth(record_id, person_id);
  for (const auto& [record_id, identity_id] : assignment) {
    table.AddAssignment(record_id, identity_id);
  }
  return table.Finish();
}

absl::StatusOr<EvaluationResult> EvaluateFiles(
    const std::string& truth_path, const std::string& assignments_path) {
  ContingencyTable table;
  RETURN_IF_ERROR(ForEachKeyedRow(
      truth_path, "record_id", "person_id",
      [&](absl::string_view record_id, absl::string_view person_id,
          const CsvFileReader& reader) {
        if (!table.AddTruth(record_id, person_id))
          return DuplicateError(record_id, reader);
        return absl::OkStatus();
      }));
  RETURN_IF_ERROR(ForEachKeyedRow(
      assignments_path, "record_id", "identity_id",
      [&](absl::string_view record_id, absl::string_view identity_id,
          const CsvFileReader& reader) {
        if (!table.AddAssignment(record_id, identity_id))
          return DuplicateError(record_id, reader);
        return absl::OkStatus();
      }));
  return table.Finish();
}

std::string EvaluationToJson(const EvaluationResult& result) {
  // ordered_json keeps insertion order, so the key order is the documented one.
  nlohmann::ordered_json json;
  json["records_scored"] = result.records_scored;
  json["truth_records_unknown"] = result.truth_records_unknown;
  json["truth_records_unassigned"] = result.truth_records_unassigned;
  json["assignments_without_truth"] = result.assignments_without_truth;
  json["true_identities"] = result.true_identities;
  json["predicted_identities"] = result.predicted_identities;
  const PairwiseScores& pairwise = result.pairwise;
  json["pairwise"] = {{"precision", pairwise.precision},
                      {"recall", pairwise.recall},
                      {"f1", pairwise.f1},
                      {"true_positive_pairs", pairwise.true_positive_pairs},
                      {"predicted_pairs", pairwise.predicted_pairs},
                      {"true_pairs", pairwise.true_pairs}};
  json["bcubed"] = {{"precision", result.bcubed.precision},
                    {"recall", result.bcubed.recall},
                    {"f1", result.bcubed.f1}};
  nlohmann::ordered_json predicted = nlohmann::ordered_json::array();
  for (const PredictedIdentitySummary& identity :
       result.largest_predicted_identities) {
    predicted.push_back({{"identity_id", identity.identity_id},
                         {"size", identity.size},
                         {"true_identities", identity.true_identities},
                         {"largest_true_share", identity.largest_true_share}});
  }
  json["largest_predicted_identities"] = std::move(predicted);
  nlohmann::ordered_json truths = nlohmann::ordered_json::array();
  for (const TrueIdentitySummary& identity : result.largest_true_identities) {
    truths.push_back({{"person_id", identity.person_id},
                      {"size", identity.size},
                      {"predicted_identities", identity.predicted_identities}});
  }
  json["largest_true_identities"] = std::move(truths);
  // Replace invalid UTF-8 in ids rather than throwing from dump().
  return json.dump(2, ' ', false,
                   nlohmann::ordered_json::error_handler_t::replace) +
         "\n";
}

std::string EvaluationToText(const EvaluationResult& result) {
  std::string out;
  const std::pair<const char*, uint64_t> counts[] = {
      {"records scored", result.records_scored},
      {"truth records unknown (not scored)", result.truth_records_unknown},
      {"truth records unassigned (singletons)",
       result.truth_records_unassigned},
      {"assignment rows without truth", result.assignments_without_truth},
      {"true identities", result.true_identities},
      {"predicted identities", result.predicted_identities}};
  for (const auto& [label, count] : counts) {
    absl::StrAppendFormat(&out, "%-38s %d\n", label, count);
  }
  out.push_back('\n');
  absl::StrAppendFormat(&out, "%-9s %9s %9s %9s\n", "", "precision", "recall",
                        "f1");
  const PairwiseScores& pairwise = result.pairwise;
  absl::StrAppendFormat(&out,
                        "%-9s %9.6f %9.6f %9.6f   (%d true-positive / %d "
                        "predicted / %d true pairs)\n",
                        "pairwise", pairwise.precision, pairwise.recall,
                        pairwise.f1, pairwise.true_positive_pairs,
                        pairwise.predicted_pairs, pairwise.true_pairs);
  absl::StrAppendFormat(&out, "%-9s %9.6f %9.6f %9.6f\n", "b-cubed",
                        result.bcubed.precision, result.bcubed.recall,
                        result.bcubed.f1);

  size_t id_width = absl::string_view("identity_id").size();
  for (const auto& identity : result.largest_predicted_identities) {
    id_width = std::max(id_width, identity.identity_id.size());
  }
  for (const auto& identity : result.largest_true_identities) {
    id_width = std::max(id_width, identity.person_id.size());
  }
  const int width = static_cast<int>(id_width);
  absl::StrAppendFormat(
      &out, "\nlargest predicted identities\n  %-*s %10s %16s %19s\n", width,
      "identity_id", "size", "true_identities", "largest_true_share");
  for (const PredictedIdentitySummary& identity :
       result.largest_predicted_identities) {
    absl::StrAppendFormat(
        &out, "  %-*s %10d %16d %19.4f\n", width, identity.identity_id,
        identity.size, identity.true_identities, identity.largest_true_share);
  }
  absl::StrAppendFormat(&out, "\nlargest true identities\n  %-*s %10s %21s\n",
                        width, "person_id", "size", "predicted_identities");
  for (const TrueIdentitySummary& identity : result.largest_true_identities) {
    absl::StrAppendFormat(&out, "  %-*s %10d %21d\n", width, identity.person_id,
                          identity.size, identity.predicted_identities);
  }
  return out;
}

}  // namespace idstitch
