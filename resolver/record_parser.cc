#include "resolver/record_parser.h"

#include <algorithm>
#include <cassert>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "resolver/absl_compat.h"
#include "resolver/timestamp.h"

namespace idstitch {
namespace {

// The anchor must be the same whatever order fields came in; Record's
// contract is this order.
constexpr size_t kMaxIdentifiersPerRecord = 255;

const char* JsonTypeName(simdjson::dom::element_type type) {
  switch (type) {
    case simdjson::dom::element_type::ARRAY: return "an array";
    case simdjson::dom::element_type::OBJECT: return "an object";
    case simdjson::dom::element_type::BOOL: return "a boolean";
    default: return "a scalar";
  }
}

// Decimal text of an integer (or, for timestamps, the whole seconds of any
// number). False for a fraction where an identifier was expected.
bool NumberText(simdjson::dom::element value, bool allow_fraction, std::string* out) {
  switch (value.type()) {
    case simdjson::dom::element_type::INT64:
      *out = std::to_string(value.get_int64().value_unsafe());
      return true;
    case simdjson::dom::element_type::UINT64:
      *out = std::to_string(value.get_uint64().value_unsafe());
      return true;
    default: {
      double number = value.get_double().value_unsafe();
      if (!allow_fraction || !(number > -9e15 && number < 9e15)) return false;
      *out = std::to_string(static_cast<int64_t>(number));
      return true;
    }
  }
}

void Reject(std::string reason, std::string message, std::vector<InputIssue>* issues) {
  issues->push_back({"", 0, "", std::move(reason), std::move(message), true});
}

void FieldIssue(std::string_view field, std::string reason, std::string message,
                std::vector<InputIssue>* issues) {
  issues->push_back({"", 0, std::string(field), std::move(reason), std::move(message), false});
}

}  // namespace

RecordParser::RecordParser(const IdentifierTypeRegistry& types, const FieldMapping& mapping,
                           const IdentifierNormalizer& normalizer, size_t max_field_length,
                           bool keep_device_context)
    : types_(types), mapping_(mapping), normalizer_(normalizer),
      max_field_length_(max_field_length), keep_device_context_(keep_device_context),
      type_rank_(types.OrderRanks()) {}

void RecordParser::ClearRecord(Record* record) const {
  record->record_id.clear();
  record->ts = kNoTimestamp;
  record->event.clear();
  record->identifiers.clear();
  record->ip.clear();
  record->user_agent.clear();
  for (std::string& attribute : record->attributes) attribute.clear();
}

void RecordParser::SetIdentifier(TypeId type, std::string_view name, std::string_view raw,
                                 Record* record, InputCounters* counters,
                                 std::vector<InputIssue>* issues) const {
  std::string value, why;
  switch (normalizer_.Normalize(types_.spec(type).normalizer, raw, &value, &why)) {
    case NormalizeOutcome::kEmpty:
      return;
    case NormalizeOutcome::kBlocked:
      ++counters->blocked_by_type[type];
      return;
    case NormalizeOutcome::kInvalid:
      FieldIssue(name, absl::StrCat("invalid_", types_.spec(type).name),
                 absl::StrCat("'", AsAbsl(raw), "' is not a valid ", types_.spec(type).name,
                              ": ", why),
                 issues);
      return;
    case NormalizeOutcome::kOk:
      break;
  }
  if (record->identifiers.size() >= kMaxIdentifiersPerRecord) {
    FieldIssue(name, "too_many_identifiers",
               absl::StrCat("more than ", kMaxIdentifiersPerRecord, " identifiers"), issues);
    return;
  }
  ++counters->identifiers_by_type[type];
  record->identifiers.push_back({type, std::move(value)});
}

void RecordParser::SetField(FieldTarget target, std::string_view name, std::string_view raw,
                            Record* record, InputCounters* counters,
                            std::vector<InputIssue>* issues) const {
  if (target.field == StandardField::kIgnored) {
    ++counters->ignored_fields[std::string(name)];
    return;
  }
  if (raw.size() > max_field_length_) {
    FieldIssue(name, "field_too_long",
               absl::StrCat(raw.size(), " bytes, over the limit of ", max_field_length_),
               issues);
    return;
  }
  std::string_view trimmed = AsStd(absl::StripAsciiWhitespace(AsAbsl(raw)));
  switch (target.field) {
    case StandardField::kIdentifier:
      SetIdentifier(target.type, name, raw, record, counters, issues);
      return;
    case StandardField::kRecordId:
      record->record_id.assign(trimmed);
      return;
    case StandardField::kTimestamp:
      if (trimmed.empty()) return;
      if (!ParseTimestamp(trimmed, &record->ts)) {
        record->ts = kNoTimestamp;
        FieldIssue(name, "bad_timestamp",
                   absl::StrCat("'", AsAbsl(trimmed),
                                "' is neither ISO-8601 (2026-02-17T14:32:33Z) nor Unix seconds"),
                   issues);
      }
      return;
    case StandardField::kEvent:
      record->event.assign(trimmed);  // in place: the record's buffer is reused
      absl::AsciiStrToLower(&record->event);
      return;
    case StandardField::kIp:
      if (keep_device_context_) record->ip.assign(trimmed);
      return;
    case StandardField::kUserAgent:
      if (keep_device_context_) record->user_agent.assign(trimmed);
      return;
    default: {
      int index = static_cast<int>(target.field) - static_cast<int>(StandardField::kFirstName);
      record->attributes[index].assign(trimmed);
      return;
    }
  }
}

void RecordParser::Finish(Record* record, InputCounters* counters) const {
  std::sort(record->identifiers.begin(), record->identifiers.end(),
            [&](const Identifier& x, const Identifier& y) {
              const uint8_t rank_x = type_rank_[x.type], rank_y = type_rank_[y.type];
              return rank_x != rank_y ? rank_x < rank_y : x.value < y.value;
            });
  record->identifiers.erase(
      std::unique(record->identifiers.begin(), record->identifiers.end()),
      record->identifiers.end());
  if (record->identifiers.empty()) ++counters->records_without_identifiers;
}

bool RecordParser::ParseJson(std::string_view line, size_t capacity,
                             simdjson::dom::parser& parser, Record* record,
                             InputCounters* counters, std::vector<InputIssue>* issues) const {
  // simdjson reads up to SIMDJSON_PADDING bytes past the line: the next lines,
  // then the chunk's padding. The reader guarantees them.
  assert(capacity >= line.size() + SIMDJSON_PADDING);
  (void)capacity;
  simdjson::dom::element doc;
  if (auto error = parser.parse(line.data(), line.size(), /*realloc_if_needed=*/false).get(doc)) {
    if (error == simdjson::UTF8_ERROR) {
      Reject("invalid_utf8", "line is not valid UTF-8", issues);
    } else {
      Reject("malformed_json", simdjson::error_message(error), issues);
    }
    return false;
  }
  simdjson::dom::object object;
  if (doc.get_object().get(object)) {
    Reject("not_an_object", "each line must be a JSON object", issues);
    return false;
  }
  return ParseObject(object, record, counters, issues);
}

bool RecordParser::ParseObject(simdjson::dom::object object, Record* record,
                               InputCounters* counters, std::vector<InputIssue>* issues) const {
  ClearRecord(record);
  counters->identifiers_by_type.resize(types_.size());
  counters->blocked_by_type.resize(types_.size());
  std::string number_text;
  for (auto [key, value] : object) {
    FieldTarget target = mapping_.Lookup(key);
    std::string_view text;
    switch (value.type()) {
      case simdjson::dom::element_type::STRING:
        text = value.get_string().value_unsafe();
        break;
      case simdjson::dom::element_type::NULL_VALUE:
        // null is "missing"; an unknown column is still counted.
        if (target.field == StandardField::kIgnored) ++counters->ignored_fields[std::string(key)];
        continue;
      case simdjson::dom::element_type::INT64:
      case simdjson::dom::element_type::UINT64:
      case simdjson::dom::element_type::DOUBLE:
        // Numeric IDs and Unix timestamps are common in real logs.
        if (target.field == StandardField::kIgnored) {
          ++counters->ignored_fields[std::string(key)];
          continue;
        }
        // Unix seconds as a JSON integer: taken as is, not printed and parsed
        // back (the same value; a limit under 20 bytes still goes the long way
        // so that field_too_long is reported as for any field).
        if (target.field == StandardField::kTimestamp &&
            value.type() == simdjson::dom::element_type::INT64 && max_field_length_ >= 20) {
          record->ts = value.get_int64().value_unsafe();
          continue;
        }
        if (!NumberText(value, target.field == StandardField::kTimestamp, &number_text)) {
          FieldIssue(key, "wrong_type", "expected a string or an integer, got a fraction",
                     issues);
          continue;
        }
        text = number_text;
        break;
      default:
        if (target.field == StandardField::kIgnored) {
          ++counters->ignored_fields[std::string(key)];
        } else {
          FieldIssue(key, "wrong_type",
                     absl::StrCat("expected a string, got ", JsonTypeName(value.type())),
                     issues);
        }
        continue;
    }
    SetField(target, key, text, record, counters, issues);
  }
  Finish(record, counters);
  return true;
}

CsvLayout RecordParser::MakeCsvLayout(const std::vector<std::string>& header) const {
  CsvLayout layout;
  for (const std::string& raw_name : header) {
    std::string name(absl::StripAsciiWhitespace(raw_name));
    layout.targets.push_back(mapping_.Lookup(name));
    layout.names.push_back(std::move(name));
  }
  return layout;
}

bool RecordParser::ParseCsv(const CsvLayout& layout, const std::vector<std::string>& fields,
                            Record* record, InputCounters* counters,
                            std::vector<InputIssue>* issues) const {
  ClearRecord(record);
  counters->identifiers_by_type.resize(types_.size());
  counters->blocked_by_type.resize(types_.size());
  if (fields.size() != layout.names.size()) {
    Reject("wrong_column_count",
           absl::StrCat(fields.size(), " columns, the header has ", layout.names.size()),
           issues);
    return false;
  }
  for (size_t column = 0; column < fields.size(); ++column) {
    if (!simdjson::validate_utf8(fields[column].data(), fields[column].size())) {
      Reject("invalid_utf8", absl::StrCat("column ", layout.names[column], " is not valid UTF-8"),
             issues);
      return false;
    }
  }
  for (size_t column = 0; column < fields.size(); ++column) {
    SetField(layout.targets[column], layout.names[column], fields[column], record, counters,
             issues);
  }
  Finish(record, counters);
  return true;
}

}  // namespace idstitch
