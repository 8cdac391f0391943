#include "resolver/previous_run.h"

#include <fstream>

#include <simdjson.h>

#include "absl/strings/str_cat.h"
#include "resolver/csv.h"
#include "resolver/record_parser.h"

namespace idstitch {
namespace {

absl::Status LoadIdentityMap(const std::string& path, const IdentifierDictionary& dictionary,
                             const IdentifierTypeRegistry& types, PreviousIdentities* previous,
                             PreviousRunStats* stats) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read previous identity map"));
  std::string line, row;
  std::vector<std::string> fields;
  uint64_t line_number = 0, row_start = 0;
  bool header = true;
  while (std::getline(in, line)) {
    ++line_number;
    if (row.empty()) row_start = line_number;
    row += line;
    if (!CsvRowIsComplete(row)) {
      row.push_back('\n');
      continue;
    }
    if (!row.empty() && row.back() == '\r') row.pop_back();
    absl::Status split = SplitCsvRow(row, &fields);
    row.clear();
    if (!split.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", row_start, ": ", split.message()));
    }
    if (header) {
      header = false;
      if (fields != std::vector<std::string>{"identifier_type", "identifier", "identity_id"}) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ":1: expected header identifier_type,identifier,identity_id"));
      }
      continue;
    }
    if (fields.size() != 3 || fields[2].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", row_start, ": expected 3 columns with an identity_id"));
    }
    ++stats->rows;
    previous->all_ids.insert(fields[2]);
    std::optional<TypeId> type = types.Find(fields[0]);
    if (!type.has_value()) {
      ++stats->unknown_types;
      continue;
    }
    std::optional<NodeId> node = dictionary.Find(*type, fields[1]);
    if (!node.has_value()) continue;
    ++stats->matched;
    previous->id_of_node[*node] = fields[2];
  }
  return absl::OkStatus();
}

absl::Status LoadFirstSeen(const std::string& path, PreviousIdentities* previous) {
  std::ifstream in(path);
  if (!in) return absl::OkStatus();  // optional
  // Line by line: an identity with many members makes a line of any length.
  simdjson::dom::parser parser;
  std::string line;
  for (uint64_t line_number = 1; std::getline(in, line); ++line_number) {
    if (line.empty()) continue;
    simdjson::dom::element doc;
    std::string_view id, first_seen;
    if (parser.parse(line).get(doc) || doc["identity_id"].get_string().get(id)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line_number, ": expected a JSON object with an identity_id"));
    }
    std::string id_copy(id);
    int64_t ts;
    if (!doc["first_seen"].get_string().get(first_seen) && ParseTimestamp(first_seen, &ts)) {
      previous->first_seen[id_copy] = ts;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PreviousIdentities> LoadPreviousRun(const std::string& dir,
                                                   const IdentifierDictionary& dictionary,
                                                   const IdentifierTypeRegistry& types,
                                                   PreviousRunStats* stats) {
  PreviousIdentities previous;
  absl::Status status =
      LoadIdentityMap(dir + "/identity_map.csv", dictionary, types, &previous, stats);
  if (!status.ok()) return status;
  status = LoadFirstSeen(dir + "/identities.jsonl", &previous);
  if (!status.ok()) return status;
  return previous;
}

}  // namespace idstitch
