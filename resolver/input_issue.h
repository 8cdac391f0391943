// File: resolver/input_issue.h
// A problem with the input, located by file, line and field, and the counters
// a run keeps of them. Dirty input is expected, not exceptional: a bad record
// or field is counted and reported (rejects.jsonl, report.json), never thrown.
#ifndef IDSTITCH_RESOLVER_INPUT_ISSUE_H_
#define IDSTITCH_RESOLVER_INPUT_ISSUE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace idstitch {

struct InputIssue {
  std::string file;
  uint64_t line = 0;    // 1-based; 0 for a whole-file problem
  std::string field;    // empty for a record- or file-level problem
  std::string reason;   // stable snake_case label, e.g. "malformed_json"
  std::string message;  // what is wrong, for a person
  bool record_rejected = false;  // true: the whole record was dropped
};

// Distinct unknown field names listed in the report; the rest are "(other)".
inline constexpr size_t kMaxIgnoredFieldNames = 1000;

// Counters of one run (or one chunk of it, merged in order). std::map keeps
// report keys sorted without a separate pass.
struct InputCounters {
  uint64_t records_read = 0;
  uint64_t records_rejected = 0;
  uint64_t records_without_identifiers = 0;  // no identifier field at all
  uint64_t profile_records = 0;  // of those, with attributes: the record is the identifier
  std::map<std::string, uint64_t> rejected_by_reason;
  std::map<std::string, uint64_t> field_errors_by_reason;
  std::map<std::string, uint64_t> ignored_fields;         // unknown column -> count
  std::vector<uint64_t> identifiers_by_type;              // occurrences, per TypeId
  std::vector<uint64_t> blocked_by_type;                  // blocked values, per TypeId

  void Count(const InputIssue& issue) {
    if (issue.record_rejected) {
      ++records_rejected;
      ++rejected_by_reason[issue.reason];
    } else {
      ++field_errors_by_reason[issue.reason];
    }
  }

  void MergeFrom(const InputCounters& other) {
    records_read += other.records_read;
    records_rejected += other.records_rejected;
    records_without_identifiers += other.records_without_identifiers;
    profile_records += other.profile_records;
    for (const auto& [k, v] : other.rejected_by_reason) rejected_by_reason[k] += v;
    for (const auto& [k, v] : other.field_errors_by_reason) field_errors_by_reason[k] += v;
    for (const auto& [k, v] : other.ignored_fields) {
      // Dynamic keys (one per line) must not grow memory with the log.
      bool listed = ignored_fields.size() < kMaxIgnoredFieldNames || ignored_fields.count(k);
      ignored_fields[listed ? k : "(other)"] += v;
    }
    if (identifiers_by_type.size() < other.identifiers_by_type.size()) {
      identifiers_by_type.resize(other.identifiers_by_type.size());
      blocked_by_type.resize(other.blocked_by_type.size());
    }
    for (size_t i = 0; i < other.identifiers_by_type.size(); ++i) {
      identifiers_by_type[i] += other.identifiers_by_type[i];
      blocked_by_type[i] += other.blocked_by_type[i];
    }
  }
};

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_INPUT_ISSUE_H_
