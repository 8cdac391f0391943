#include "resolver/ingest.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>

#include <simdjson.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/info.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "resolver/csv.h"
#include "resolver/input_reader.h"
#include "resolver/json_escape.h"
#include "resolver/link_collector.h"
#include "resolver/record_parser.h"
#include "resolver/status_macros.h"

namespace idstitch {
namespace {

// Distinct event names kept per run; rarer ones beyond it share one bucket so
// a free-text event column cannot grow memory without bound.
// Past it, which names share the bucket depends on input order (documented).
constexpr size_t kMaxEventNames = 10000;
constexpr std::string_view kOtherEvent = "(other)";

// One chunk's trip through the pipeline. Works are recycled (WorkPool), so
// the chunk buffer and the records' strings keep their capacity: parsing a
// chunk allocates little.
struct Work {
  InputChunk chunk;
  // [0, record_count) are this chunk's accepted records, with identifiers;
  // the rest are spare, kept for their buffers.
  std::vector<Record> records;
  size_t record_count = 0;
  std::vector<uint64_t> hashes;                 // per identifier, records in order
  std::vector<std::vector<RecordLink>> links;   // per matcher
  std::vector<InputIssue> issues;
  InputCounters counters;
  // Filled by the absorb stage for the spill stage: each record's nodes.
  std::vector<NodeId> nodes;
  std::vector<size_t> node_offsets;

  absl::Span<const Record> accepted() const { return {records.data(), record_count}; }

  // Ready for the next chunk, keeping capacity.
  void Reset() {
    record_count = 0;
    hashes.clear();
    for (std::vector<RecordLink>& matcher_links : links) matcher_links.clear();
    issues.clear();
    counters = InputCounters();
    nodes.clear();
    node_offsets.clear();
  }
};

// Works between the spill stage (which returns them) and the read stage
// (which takes them); at most the pipeline's token count exist.
class WorkPool {
 public:
  std::unique_ptr<Work> Take() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_.empty()) return std::make_unique<Work>();
    std::unique_ptr<Work> work = std::move(free_.back());
    free_.pop_back();
    return work;
  }
  void Return(std::unique_ptr<Work> work) {
    work->Reset();
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(std::move(work));
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<Work>> free_;
};

struct FileState {
  std::string path;
  InputFormat format;
  std::unique_ptr<InputReader> reader;
  CsvLayout layout;
};

absl::Status CheckReadable(const std::string& path) {
  if (path == "-") return absl::OkStatus();
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  }
  if (std::filesystem::is_directory(path, error)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory"));
  }
  if (access(path.c_str(), R_OK) != 0) {
    return absl::PermissionDeniedError(absl::StrCat(path, ": cannot read: ", strerror(errno)));
  }
  return absl::OkStatus();
}

// Splits a chunk into lines (JSONL) or rows (CSV) and parses each.
class ChunkParser {
 public:
  ChunkParser(const RecordParser& parser, const std::vector<FileState>& files,
              TypeId record_type)
      : parser_(parser), files_(files), record_type_(record_type) {}

  void Parse(Work& work, simdjson::dom::parser& json) const {
    const FileState& file = files_[work.chunk.file_index];
    for (uint64_t line : work.chunk.overlong_lines) {
      work.issues.push_back({file.path, line, "", "line_too_long",
                             "line longer than max_line_length; skipped unread", true});
      work.counters.Count(work.issues.back());
      ++work.counters.records_read;
    }
    std::vector<std::string> fields;
    const char* data = work.chunk.lines().data();
    size_t position = 0;
    uint64_t line_number = work.chunk.first_line;
    while (position < work.chunk.size) {
      size_t end = FindRowEnd(data, position, work.chunk.size, file.format);
      std::string_view row(data + position, end - position);
      uint64_t row_line = line_number;
      // A JSONL row ends at its first newline; only a CSV row (quoted
      // newlines) can span lines.
      line_number += 1;
      if (file.format != InputFormat::kJsonl) line_number += std::count(row.begin(), row.end(), '\n');
      size_t capacity = work.chunk.readable() - position;
      position = end + 1;
      if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
      if (row.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank
      ++work.counters.records_read;
      // Parsed into the next spare record; it becomes the chunk's only if
      // accepted (the parser clears it first either way).
      if (work.record_count == work.records.size()) work.records.emplace_back();
      Record& record = work.records[work.record_count];
      size_t first_issue = work.issues.size();
      bool accepted;
      if (file.format == InputFormat::kJsonl) {
        accepted = parser_.ParseJson(row, capacity, json, &record, &work.counters, &work.issues);
      } else {
        absl::Status split = SplitCsvRow(row, &fields);
        if (!split.ok()) {
          work.issues.push_back({"", 0, "", "malformed_csv", std::string(split.message()), true});
          accepted = false;
        } else {
          accepted = parser_.ParseCsv(file.layout, fields, &record, &work.counters, &work.issues);
        }
      }
      for (size_t i = first_issue; i < work.issues.size(); ++i) {
        work.issues[i].file = file.path;
        work.issues[i].line = row_line;
        work.counters.Count(work.issues[i]);
      }
      if (!accepted) continue;
      if (record.record_id.empty()) record.record_id = absl::StrCat(file.path, ":", row_line);
      if (record.identifiers.empty() && HasAttributes(record)) {
        // A profile without identifiers (a CRM row): the record is its own
        // identifier, so the attribute matcher can link it.
        record.identifiers.push_back({record_type_, record.record_id});
        ++work.counters.profile_records;
      }
      if (record.identifiers.empty()) continue;
      ++work.record_count;
    }
  }

 private:
  static size_t FindRowEnd(const char* data, size_t begin, size_t size, InputFormat format) {
    if (format == InputFormat::kJsonl) {
      const void* newline = memchr(data + begin, '\n', size - begin);
      return newline ? static_cast<const char*>(newline) - data : size;
    }
    size_t end = FindCsvRowEnd(std::string_view(data, size), begin);
    return end == std::string_view::npos ? size : end;
  }

  static bool HasAttributes(const Record& record) {
    for (const std::string& attribute : record.attributes) {
      if (!attribute.empty()) return true;
    }
    return false;
  }

  const RecordParser& parser_;
  const std::vector<FileState>& files_;
  TypeId record_type_;
};

// Adds the time from its construction to its destruction to a counter of
// nanoseconds (atomic: the parse stage runs on every thread).
class BusyTimer {
 public:
  explicit BusyTimer(std::atomic<int64_t>& total) : total_(total), start_(Now()) {}
  ~BusyTimer() { total_.fetch_add(Now() - start_, std::memory_order_relaxed); }
  BusyTimer(const BusyTimer&) = delete;
  BusyTimer& operator=(const BusyTimer&) = delete;

 private:
  static int64_t Now() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  std::atomic<int64_t>& total_;
  int64_t start_;
};

// How far ahead the serial stage prefetches table slots.
constexpr size_t kPrefetchAhead = 8;

// The first serial, in-order stage: interning and link aggregation.
class Absorber {
 public:
  Absorber(const ResolverOptions& options, const std::vector<std::unique_ptr<Matcher>>& matchers,
           IngestResult& result, IssueSink& issues)
      : options_(options), matchers_(matchers), result_(result), issues_(issues),
        links_(options.write_links) {
    result_.record_links_by_matcher.assign(matchers.size(), 0);
  }

  // Returns ResourceExhausted once max_errors records were rejected.
  absl::Status Absorb(Work& work) {
    for (const InputIssue& issue : work.issues) issues_.Add(issue);
    result_.counters.MergeFrom(work.counters);
    if (options_.max_errors > 0 &&
        result_.counters.records_rejected >= static_cast<uint64_t>(options_.max_errors)) {
      return absl::ResourceExhaustedError(absl::StrCat(
          result_.counters.records_rejected, " records rejected, reaching --max-errors ",
          options_.max_errors, "; nothing was written"));
    }
    // Slots are fetched a few identifiers ahead: the table is bigger than the
    // cache, and this stage is serial. Links are only appended here.
    const std::vector<uint64_t>& hashes = work.hashes;
    for (size_t i = 0; i < std::min(kPrefetchAhead, hashes.size()); ++i) {
      result_.dictionary.Prefetch(hashes[i]);
    }
    size_t hash_index = 0;
    for (const Record& record : work.accepted()) {
      work.node_offsets.push_back(work.nodes.size());
      for (const Identifier& id : record.identifiers) {
        if (hash_index + kPrefetchAhead < hashes.size()) {
          result_.dictionary.Prefetch(hashes[hash_index + kPrefetchAhead]);
        }
        work.nodes.push_back(result_.dictionary.Intern(id.type, id.value, hashes[hash_index++]));
      }
    }
    work.node_offsets.push_back(work.nodes.size());
    for (size_t matcher = 0; matcher < work.links.size(); ++matcher) {
      const std::vector<RecordLink>& links = work.links[matcher];
      result_.record_links_by_matcher[matcher] += links.size();
      for (const RecordLink& link : links) {
        const size_t base = work.node_offsets[link.record_index];
        const NodeId x = work.nodes[base + link.from_slot];
        const NodeId y = work.nodes[base + link.to_slot];
        if (x != y) {
          links_.Add(x, y, static_cast<uint8_t>(matcher), work.records[link.record_index].ts);
        }
      }
    }
    return absl::OkStatus();
  }

  // Aggregates the links, once absorbing is over (with their seen times for
  // --links).
  void FinishLinks() {
    std::vector<LinkKind> kinds;
    std::vector<float> scores;
    for (const std::unique_ptr<Matcher>& matcher : matchers_) {
      kinds.push_back(matcher->kind());
      scores.push_back(matcher->score());
    }
    links_.Finish(kinds, scores, &result_.links, &result_.link_seen);
  }

 private:
  const ResolverOptions& options_;
  const std::vector<std::unique_ptr<Matcher>>& matchers_;
  IngestResult& result_;
  IssueSink& issues_;
  LinkCollector links_;
};

// The second serial, in-order stage, overlapping the first on the next
// chunk: the record spill (with event ids) and the probabilistic matchers'
// inputs.
class Spiller {
 public:
  Spiller(const ResolverOptions& options, IngestResult& result)
      : options_(options), result_(result),
        email_type_(options.types.Find("email")), device_type_(options.types.Find("device_id")) {
    result_.event_names.push_back("");
    event_ids_[""] = 0;
  }

  void Spill(const Work& work) {
    for (size_t r = 0; r < work.record_count; ++r) {
      const Record& record = work.records[r];
      absl::Span<const NodeId> nodes = absl::MakeConstSpan(work.nodes).subspan(
          work.node_offsets[r], work.node_offsets[r + 1] - work.node_offsets[r]);
      result_.spill->Write(record.record_id, record.ts, EventId(record.event), nodes);
      result_.probabilistic.Collect(record, nodes, work.chunk.file_index, email_type_,
                                    device_type_, options_.probabilistic);
    }
  }

 private:
  uint16_t EventId(const std::string& event) {
    auto it = event_ids_.find(event);
    if (it != event_ids_.end()) return it->second;
    std::string_view name = event;
    if (result_.event_names.size() >= kMaxEventNames) name = kOtherEvent;
    auto [inserted, added] = event_ids_.emplace(std::string(name), result_.event_names.size());
    if (added) result_.event_names.emplace_back(name);
    return inserted->second;
  }

  const ResolverOptions& options_;
  IngestResult& result_;
  std::optional<TypeId> email_type_;
  std::optional<TypeId> device_type_;
  absl::flat_hash_map<std::string, uint16_t> event_ids_;
};

}  // namespace

void IssueSink::Add(const InputIssue& issue) {
  ++total_;
  if (total_ <= static_cast<uint64_t>(echo_limit_)) {
    std::string where = issue.field.empty() ? "" : absl::StrCat(" field ", issue.field, ":");
    fprintf(stderr, "%s:%llu:%s %s: %s\n", issue.file.c_str(),
            static_cast<unsigned long long>(issue.line), where.c_str(), issue.reason.c_str(),
            issue.message.c_str());
  }
  if (rejects_ == nullptr) return;
  std::string line = "{\"file\":";
  AppendJsonString(issue.file, &line);
  absl::StrAppend(&line, ",\"line\":", issue.line, ",\"field\":");
  AppendJsonString(issue.field, &line);
  line += ",\"reason\":";
  AppendJsonString(issue.reason, &line);
  absl::StrAppend(&line, ",\"record_rejected\":", issue.record_rejected ? "true" : "false",
                  ",\"message\":");
  AppendJsonString(issue.message, &line);
  line += "}\n";
  rejects_->Append(line);
}

absl::StatusOr<IngestResult> Ingest(const ResolverOptions& options,
                                    const std::vector<std::string>& inputs,
                                    const std::string& work_dir,
                                    const IdentifierNormalizer& normalizer,
                                    const std::vector<std::unique_ptr<Matcher>>& matchers,
                                    IssueSink& issues, Progress& progress) {
  std::vector<FileState> files(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    RETURN_IF_ERROR(CheckReadable(inputs[i]));
    files[i].path = inputs[i];
    ASSIGN_OR_RETURN(files[i].format, ResolveFormat(inputs[i], options.format));
  }
  ASSIGN_OR_RETURN(FieldMapping mapping, FieldMapping::Create(options.types, options.field_map));
  RecordParser parser(options.types, mapping, normalizer, options.max_field_length,
                      /*keep_device_context=*/options.probabilistic.colocation);
  std::optional<TypeId> record_type = options.types.Find(kRecordTypeName);
  if (!record_type.has_value()) return absl::InternalError("the record identifier type is missing");
  ChunkParser chunk_parser(parser, files, *record_type);

  IngestResult result;
  ASSIGN_OR_RETURN(result.spill, RecordSpill::Create(work_dir));
  Absorber absorber(options, matchers, result, issues);
  Spiller spiller(options, result);
  tbb::enumerable_thread_specific<simdjson::dom::parser> json_parsers;
  WorkPool pool;

  // Each serial stage owns its status; `stop` tells the reader to end early.
  absl::Status read_status, absorb_status;
  std::atomic<bool> stop{false};
  std::atomic<bool> absorb_failed{false};
  std::atomic<uint64_t> records_absorbed{0};  // for progress, read by the read stage
  size_t file_index = 0;
  uint64_t bytes_before_file = 0;
  std::atomic<int64_t> read_ns{0}, parse_ns{0}, absorb_ns{0}, spill_ns{0};
  auto read_stage = [&](tbb::flow_control& control) -> Work* {
    BusyTimer busy(read_ns);
    while (!stop.load() && file_index < files.size()) {
      FileState& file = files[file_index];
      if (file.reader == nullptr) {
        absl::StatusOr<std::unique_ptr<InputReader>> reader = InputReader::Open(
            file.path, static_cast<uint32_t>(file_index), file.format, options.max_line_length);
        if (!reader.ok()) {
          read_status = reader.status();
          break;
        }
        file.reader = *std::move(reader);
        file.layout = parser.MakeCsvLayout(file.reader->csv_header());
      }
      std::unique_ptr<Work> work = pool.Take();
      absl::StatusOr<bool> more = file.reader->Next(&work->chunk);
      if (!more.ok()) {
        read_status = more.status();
        break;
      }
      if (*more) {
        progress.Update(records_absorbed.load(std::memory_order_relaxed),
                        bytes_before_file + file.reader->bytes_read());
        return work.release();
      }
      if (file.reader->empty()) {
        result.file_issues.push_back({file.path, 0, "", "empty_file", "the input is empty", false});
      }
      bytes_before_file += file.reader->bytes_read();
      file.reader.reset();
      ++file_index;
    }
    control.stop();
    return nullptr;
  };
  auto parse_stage = [&](Work* work) -> Work* {
    BusyTimer busy(parse_ns);
    chunk_parser.Parse(*work, json_parsers.local());
    work->links.resize(matchers.size());
    for (size_t m = 0; m < matchers.size(); ++m) {
      matchers[m]->Match(work->accepted(), &work->links[m]);
    }
    for (const Record& record : work->accepted()) {
      for (const Identifier& id : record.identifiers) {
        work->hashes.push_back(HashIdentifier(id.type, id.value));
      }
    }
    return work;
  };
  auto absorb_stage = [&](Work* work) -> Work* {
    BusyTimer busy(absorb_ns);
    if (!absorb_status.ok()) return work;
    absorb_status = absorber.Absorb(*work);
    records_absorbed.store(result.counters.records_read, std::memory_order_relaxed);
    if (!absorb_status.ok()) {
      absorb_failed.store(true);
      stop.store(true);
    }
    return work;
  };
  auto spill_stage = [&](Work* work) {
    BusyTimer busy(spill_ns);
    std::unique_ptr<Work> owned(work);
    // Once absorbing failed the run fails: nothing more is worth spilling.
    if (!absorb_failed.load()) spiller.Spill(*owned);
    pool.Return(std::move(owned));
  };

  int threads = options.max_threads > 0 ? options.max_threads : tbb::info::default_concurrency();
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_pipeline(
        static_cast<size_t>(threads) * 4,
        tbb::make_filter<void, Work*>(tbb::filter_mode::serial_in_order, read_stage) &
            tbb::make_filter<Work*, Work*>(tbb::filter_mode::parallel, parse_stage) &
            tbb::make_filter<Work*, Work*>(tbb::filter_mode::serial_in_order, absorb_stage) &
            tbb::make_filter<Work*, void>(tbb::filter_mode::serial_in_order, spill_stage));
  });
  RETURN_IF_ERROR(read_status);
  RETURN_IF_ERROR(absorb_status);
  RETURN_IF_ERROR(result.spill->FinishWriting());
  arena.execute([&] { absorber.FinishLinks(); });
  result.bytes_read = bytes_before_file;
  result.busy = {read_ns.load() * 1e-9, parse_ns.load() * 1e-9, absorb_ns.load() * 1e-9,
                 spill_ns.load() * 1e-9};
  progress.Finish("read", result.counters.records_read, result.bytes_read);
  return result;
}

}  // namespace idstitch
