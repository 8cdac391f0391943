#include "resolver/previous_run.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include <simdjson.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_pipeline.h>

#include "absl/strings/str_cat.h"
#include "resolver/csv.h"
#include "resolver/input_reader.h"
#include "resolver/status_macros.h"
#include "resolver/timestamp.h"

namespace idstitch {
namespace {

// A row of a previous run's file may be long (an identity with many members
// is one line of identities.jsonl), but not this long: past it the file is
// not one this engine wrote.
constexpr size_t kMaxRowBytes = size_t{256} << 20;

// One chunk of a previous run's file on its way through ScanRows.
template <typename Parsed>
struct RowBatch {
  InputChunk chunk;
  std::vector<Parsed> rows;
  absl::Status status;  // the chunk's first error, if any
};

// Reads `path` in chunks. On any thread, hands each non-blank row of a chunk
// to `parse(row, line, &rows)` (the row's bytes live until the chunk's rows
// are applied, and are followed by readable bytes: simdjson's padding), then
// the chunk's parsed rows to `finish(&rows)`; then, serially and in file
// order, to `apply(rows)`. The first error in file order stops the scan and
// is returned. CSV: the header row goes to `check_header` first, whose error
// ends the scan. Parsing in parallel matters because looking rows up in this
// run's dictionary misses the cache at every row.
template <typename Parsed, typename CheckHeader, typename Parse, typename Finish, typename Apply>
absl::Status ScanRows(const std::string& path, InputFormat format, CheckHeader check_header,
                      Parse parse, Finish finish, Apply apply) {
  ASSIGN_OR_RETURN(std::unique_ptr<InputReader> reader,
                   InputReader::Open(path, 0, format, kMaxRowBytes));
  RETURN_IF_ERROR(check_header(reader->csv_header()));
  absl::Status read_status, apply_status;
  // Set by the apply stage, read by the read stage (another thread): the
  // statuses themselves are only read once the pipeline is over.
  std::atomic<bool> failed{false};
  auto read_stage = [&](tbb::flow_control& control) -> RowBatch<Parsed>* {
    auto batch = std::make_unique<RowBatch<Parsed>>();
    absl::StatusOr<bool> more =
        failed.load(std::memory_order_relaxed) ? false : reader->Next(&batch->chunk);
    if (!more.ok()) read_status = more.status();
    if (!more.ok() || !*more) {
      control.stop();
      return nullptr;
    }
    return batch.release();
  };
  auto parse_stage = [&](RowBatch<Parsed>* batch) -> RowBatch<Parsed>* {
    const InputChunk& chunk = batch->chunk;
    if (!chunk.overlong_lines.empty()) {
      batch->status = absl::InvalidArgumentError(absl::StrCat(
          path, ":", chunk.overlong_lines.front(), ": row longer than ", kMaxRowBytes, " bytes"));
      return batch;
    }
    const std::string_view text = chunk.lines();
    uint64_t line = chunk.first_line;
    for (size_t begin = 0; begin < text.size() && batch->status.ok();) {
      size_t end = format == InputFormat::kCsv ? FindCsvRowEnd(text, begin) : text.find('\n', begin);
      if (end == std::string_view::npos) end = text.size();
      std::string_view row = text.substr(begin, end - begin);
      const uint64_t row_line = line;
      line += 1 + (format == InputFormat::kCsv ? std::count(row.begin(), row.end(), '\n') : 0);
      begin = end + 1;
      if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
      if (row.find_first_not_of(" \t") == std::string_view::npos) continue;
      batch->status = parse(row, row_line, &batch->rows);
    }
    finish(&batch->rows);
    return batch;
  };
  auto apply_stage = [&](RowBatch<Parsed>* owned) {
    std::unique_ptr<RowBatch<Parsed>> batch(owned);
    if (!apply_status.ok()) return;
    // A chunk's rows before its first error are applied first: a row's
    // error is reported only if every row before it was fine.
    apply_status = apply(batch->rows);
    if (apply_status.ok()) apply_status = batch->status;
    if (!apply_status.ok()) failed.store(true, std::memory_order_relaxed);
  };
  tbb::parallel_pipeline(
      8, tbb::make_filter<void, RowBatch<Parsed>*>(tbb::filter_mode::serial_in_order, read_stage) &
             tbb::make_filter<RowBatch<Parsed>*, RowBatch<Parsed>*>(tbb::filter_mode::parallel,
                                                                    parse_stage) &
             tbb::make_filter<RowBatch<Parsed>*, void>(tbb::filter_mode::serial_in_order,
                                                       apply_stage));
  // Every chunk applied lies before the one whose read failed: a bad row
  // there is the first error in the file, whichever happened first in time.
  RETURN_IF_ERROR(apply_status);
  return read_status;
}

// Splits an identity_map.csv row into its three fields. Rows without quotes
// (nearly all) are cut in place; `scratch` holds the fields of the others.
absl::Status SplitMapRow(std::string_view row, std::vector<std::string>* scratch,
                         std::string_view fields[3], size_t* count) {
  if (row.find('"') == std::string_view::npos) {
    *count = 0;
    for (size_t begin = 0;; ++*count) {
      const size_t comma = row.find(',', begin);
      if (*count < 3) fields[*count] = row.substr(begin, comma - begin);
      if (comma == std::string_view::npos) break;
      begin = comma + 1;
    }
    ++*count;
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(SplitCsvRow(row, scratch));
  *count = scratch->size();
  for (size_t i = 0; i < std::min<size_t>(*count, 3); ++i) fields[i] = (*scratch)[i];
  return absl::OkStatus();
}

// An identity_map.csv row, looked up in this run's dictionary.
struct MapRow {
  static constexpr NodeId kUnseen = UINT32_MAX;      // this run has no such identifier
  static constexpr NodeId kUnknownType = UINT32_MAX - 1;
  NodeId node = kUnseen;
  TypeId type = 0;
  bool quoted = false;
  uint64_t line = 0;
  uint64_t hash = 0;  // HashIdentifier(type, value())
  // Into the chunk; a quoted row's unquoted fields are kept in the strings.
  std::string_view id_in_chunk, value_in_chunk;
  std::string quoted_id, quoted_value;
  std::string_view id() const { return quoted ? quoted_id : id_in_chunk; }
  std::string_view value() const { return quoted ? quoted_value : value_in_chunk; }
};

// How many rows ahead a loop over a chunk's rows prefetches.
constexpr size_t kPrefetchRows = 8;

absl::Status LoadIdentityMap(const std::string& path, const IdentifierDictionary& dictionary,
                             const IdentifierTypeRegistry& types, PreviousIdentities* previous,
                             PreviousRunStats* stats) {
  auto check_header = [&](const std::vector<std::string>& header) {
    if (header != std::vector<std::string>{"identifier_type", "identifier", "identity_id"}) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":1: expected header identifier_type,identifier,identity_id"));
    }
    return absl::OkStatus();
  };
  auto parse = [&](std::string_view row, uint64_t line, std::vector<MapRow>* rows) {
    std::vector<std::string> scratch;  // used by quoted rows only
    std::string_view fields[3];
    size_t count = 0;
    absl::Status split = SplitMapRow(row, &scratch, fields, &count);
    if (!split.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", line, ": ", split.message()));
    }
    if (count != 3 || fields[2].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line, ": expected 3 columns with an identity_id"));
    }
    MapRow& parsed = rows->emplace_back();
    parsed.line = line;
    parsed.quoted = row.find('"') != std::string_view::npos;
    if (parsed.quoted) {
      parsed.quoted_id = std::string(fields[2]);
      parsed.quoted_value = std::string(fields[1]);
    } else {
      parsed.id_in_chunk = fields[2];
      parsed.value_in_chunk = fields[1];
    }
    std::optional<TypeId> type = types.Find(fields[0]);
    if (!type.has_value()) {
      parsed.node = MapRow::kUnknownType;
    } else {
      parsed.type = *type;
      parsed.hash = HashIdentifier(*type, fields[1]);
    }
    return absl::OkStatus();
  };
  // The lookups, a chunk at a time: each one's table slot is fetched a few
  // rows ahead (rows name identifiers in ID order, i.e. at random).
  auto find_nodes = [&](std::vector<MapRow>* rows) {
    for (size_t i = 0; i < rows->size(); ++i) {
      if (i + kPrefetchRows < rows->size()) dictionary.Prefetch((*rows)[i + kPrefetchRows].hash);
      MapRow& row = (*rows)[i];
      if (row.node == MapRow::kUnknownType) continue;
      row.node = dictionary.Find(row.type, row.value(), row.hash).value_or(MapRow::kUnseen);
    }
  };
  // Rows of one identity are adjacent (the map is written by identity): the
  // last row's ID is reused without a lookup when the text is the same.
  std::string_view last_id;
  PreviousIdentities::IdIndex last_index = PreviousIdentities::kNoId;
  auto apply = [&](const std::vector<MapRow>& rows) {
    for (size_t i = 0; i < rows.size(); ++i) {
      if (i + kPrefetchRows < rows.size()) previous->PrefetchNode(rows[i + kPrefetchRows].node);
      const MapRow& row = rows[i];
      ++stats->rows;
      // Every ID of the map is recorded, whether or not this run saw its
      // identifiers: a fresh ID must never reuse one.
      if (last_index == PreviousIdentities::kNoId || row.id() != last_id) {
        absl::StatusOr<PreviousIdentities::IdIndex> id = previous->AddId(row.id());
        if (!id.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat(path, ":", row.line, ": field identity_id: ", id.status().message()));
        }
        last_index = *id;
        last_id = previous->id(last_index);  // the copy the table keeps, not the chunk's
      }
      if (row.node == MapRow::kUnknownType) {
        ++stats->unknown_types;
      } else if (row.node != MapRow::kUnseen) {
        ++stats->matched;
        previous->SetIdOfNode(row.node, last_index);
      }
    }
    return absl::OkStatus();
  };
  absl::Status status =
      ScanRows<MapRow>(path, InputFormat::kCsv, check_header, parse, find_nodes, apply);
  if (status.code() == absl::StatusCode::kNotFound) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot read previous identity map"));
  }
  return status;
}

// An identities.jsonl row: its ID and first_seen.
struct FirstSeenRow {
  uint64_t line = 0;
  std::string id;
  int64_t first_seen = kNoTimestamp;
};

absl::Status LoadFirstSeen(const std::string& path, PreviousIdentities* previous) {
  tbb::enumerable_thread_specific<simdjson::dom::parser> parsers;
  auto parse = [&](std::string_view row, uint64_t line, std::vector<FirstSeenRow>* rows) {
    simdjson::dom::element doc;
    std::string_view id, first_seen;
    // Parsed in place: the chunk's rows are followed by readable bytes.
    if (parsers.local().parse(row.data(), row.size(), /*realloc_if_needed=*/false).get(doc) ||
        doc["identity_id"].get_string().get(id)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line, ": expected a JSON object with an identity_id"));
    }
    FirstSeenRow& parsed = rows->emplace_back();
    parsed.line = line;
    parsed.id = std::string(id);
    int64_t ts;
    if (!doc["first_seen"].get_string().get(first_seen) && ParseTimestamp(first_seen, &ts)) {
      parsed.first_seen = ts;
    }
    return absl::OkStatus();
  };
  auto apply = [&](const std::vector<FirstSeenRow>& rows) {
    for (const FirstSeenRow& row : rows) {
      absl::StatusOr<PreviousIdentities::IdIndex> index = previous->AddId(row.id);
      if (!index.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ":", row.line, ": field identity_id: ", index.status().message()));
      }
      if (row.first_seen != kNoTimestamp) previous->SetFirstSeen(*index, row.first_seen);
    }
    return absl::OkStatus();
  };
  auto no_header = [](const std::vector<std::string>&) { return absl::OkStatus(); };
  auto nothing_more = [](std::vector<FirstSeenRow>*) {};
  absl::Status status =
      ScanRows<FirstSeenRow>(path, InputFormat::kJsonl, no_header, parse, nothing_more, apply);
  // The file is optional; one that exists but cannot be read is an error.
  return status.code() == absl::StatusCode::kNotFound ? absl::OkStatus() : status;
}

}  // namespace

absl::StatusOr<PreviousIdentities> LoadPreviousRun(const std::string& dir,
                                                   const IdentifierDictionary& dictionary,
                                                   const IdentifierTypeRegistry& types,
                                                   PreviousRunStats* stats) {
  PreviousIdentities previous(dictionary.size());
  RETURN_IF_ERROR(LoadIdentityMap(dir + "/identity_map.csv", dictionary, types, &previous, stats));
  RETURN_IF_ERROR(LoadFirstSeen(dir + "/identities.jsonl", &previous));
  return previous;
}

}  // namespace idstitch
