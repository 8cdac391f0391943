// File: resolver/record_parser.h
// Turns one input line (a JSONL object, or a CSV row split against its header)
// into a normalized Record: columns are resolved through the FieldMapping,
// identifiers normalized (blocked values counted and dropped), timestamps
// parsed, and every problem reported as an InputIssue. A record-level problem
// (malformed JSON, invalid UTF-8, wrong column count) rejects the record; a
// field-level one (a wrong type, an over-long value, an invalid email) drops
// only that field.
// Thread safety: const methods are thread-safe; each thread brings its own
// simdjson parser.
#ifndef IDSTITCH_RESOLVER_RECORD_PARSER_H_
#define IDSTITCH_RESOLVER_RECORD_PARSER_H_

#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "matchers/identifier_normalizer.h"
#include "resolver/field_mapping.h"
#include "resolver/identifier_types.h"
#include "resolver/input_issue.h"
#include "resolver/timestamp.h"  // ParseTimestamp, used by the parser
#include "resolver/types.h"

namespace idstitch {

// A CSV file's header resolved to targets.
struct CsvLayout {
  std::vector<std::string> names;
  std::vector<FieldTarget> targets;
};

class RecordParser {
 public:
  // `keep_device_context`: fill Record::ip and Record::user_agent. Only the
  // co-location matcher reads them; a run without it skips copying them
  // (their length limit is still checked and reported).
  RecordParser(const IdentifierTypeRegistry& types, const FieldMapping& mapping,
               const IdentifierNormalizer& normalizer, size_t max_field_length,
               bool keep_device_context = true);

  // Parses one JSON object. `line` must be followed by readable memory up to
  // line.data() + capacity, with capacity >= line.size() + SIMDJSON_PADDING.
  // Returns false if the record is rejected (the reason is in `issues`).
  bool ParseJson(std::string_view line, size_t capacity,
                 simdjson::dom::parser& parser, Record* record,
                 InputCounters* counters, std::vector<InputIssue>* issues) const;

  // Parses one already-parsed JSON object (the service's request bodies hold
  // several). Returns false if the record is rejected.
  bool ParseObject(simdjson::dom::object object, Record* record, InputCounters* counters,
                   std::vector<InputIssue>* issues) const;

  CsvLayout MakeCsvLayout(const std::vector<std::string>& header) const;

  // Parses one CSV row (already split into fields).
  bool ParseCsv(const CsvLayout& layout, const std::vector<std::string>& fields,
                Record* record, InputCounters* counters,
                std::vector<InputIssue>* issues) const;

 private:
  void ClearRecord(Record* record) const;
  void SetField(FieldTarget target, std::string_view name, std::string_view raw,
                Record* record, InputCounters* counters,
                std::vector<InputIssue>* issues) const;
  void SetIdentifier(TypeId type, std::string_view name, std::string_view raw,
                     Record* record, InputCounters* counters,
                     std::vector<InputIssue>* issues) const;
  // Sorts and deduplicates identifiers, counts records without any.
  void Finish(Record* record, InputCounters* counters) const;

  const IdentifierTypeRegistry& types_;
  const FieldMapping& mapping_;
  const IdentifierNormalizer& normalizer_;
  size_t max_field_length_;
  bool keep_device_context_;
  // Each type's place in (priority, name) order: Record's identifier order
  // without comparing type names per record.
  std::vector<uint8_t> type_rank_;
};

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_RECORD_PARSER_H_
