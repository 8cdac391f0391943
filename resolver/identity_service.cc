#include "resolver/identity_service.h"

#include <simdjson.h>

#include <condition_variable>
#include <deque>
#include <fstream>
#include <future>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>
#include <map>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "graph/incremental_graph.h"
#include "matchers/identifier_normalizer.h"
#include "matchers/matcher.h"
#include "resolver/absl_compat.h"
#include "resolver/atomic_file.h"
#include "resolver/config.h"
#include "resolver/csv.h"
#include "resolver/field_mapping.h"
#include "resolver/json_escape.h"
#include "resolver/record_parser.h"
#include "resolver/status_macros.h"
#include "resolver/timestamp.h"

namespace idstitch {
namespace {

// More records than this in one request: split it (bounds the time a batch
// holds the writer and the memory of one request).
constexpr size_t kMaxRecordsPerRequest = 10000;

struct ParsedRecord {
  Record record;
  std::vector<RecordLinks> links;
  std::vector<std::string> warnings;
};

// One queued write: a set of records, or an erasure.
struct PendingOp {
  std::vector<ParsedRecord> records;
  std::optional<std::pair<TypeId, std::string>> erase;
  std::promise<absl::StatusOr<std::vector<EventResult>>> done;
};

std::string_view ChangeName(ServiceChangeKind kind) {
  switch (kind) {
    case ServiceChangeKind::kCreated: return "created";
    case ServiceChangeKind::kMerged: return "merged";
    case ServiceChangeKind::kSplit: return "split";
    case ServiceChangeKind::kErased: return "erased";
  }
  return "unknown";
}

std::string ChangeJson(const ServiceChange& change, uint64_t seq, int64_t now) {
  std::string out = absl::StrCat("{\"seq\":", seq, ",\"change\":\"", AsAbsl(ChangeName(change.kind)),
                                 "\",\"identity_id\":");
  AppendJsonString(change.identity_id, &out);
  if (!change.others.empty()) {
    out += change.kind == ServiceChangeKind::kMerged ? ",\"merged\":[" : ",\"into\":[";
    for (size_t i = 0; i < change.others.size(); ++i) {
      if (i > 0) out.push_back(',');
      AppendJsonString(change.others[i], &out);
    }
    out.push_back(']');
  }
  absl::StrAppend(&out, ",\"at\":\"", FormatTimestamp(now), "\"}");
  return out;
}

}  // namespace

void AppendMembersJson(const IdentityView& view, std::string* out) {
  out->append("{");
  std::string_view current;
  for (size_t i = 0; i < view.members.size(); ++i) {
    const auto& [type, value] = view.members[i];
    if (i == 0 || type != current) {
      if (i > 0) out->append("],");
      AppendJsonString(type, out);
      out->append(":[");
      current = type;
    } else {
      out->push_back(',');
    }
    AppendJsonString(value, out);
  }
  out->append(view.members.empty() ? "}" : "]}");
}

struct IdentityService::Impl {
  ResolverOptions options;
  std::unique_ptr<IdentifierNormalizer> normalizer;
  std::optional<FieldMapping> mapping;
  std::optional<RecordParser> parser;
  std::vector<std::unique_ptr<Matcher>> matchers;
  std::unique_ptr<IdentityStore> store;

  mutable std::shared_mutex graph_mutex;
  std::unique_ptr<IncrementalGraph> graph;

  std::mutex queue_mutex;
  std::condition_variable queue_ready;
  std::deque<std::shared_ptr<PendingOp>> queue;
  bool stopping = false;
  std::thread writer;
  uint64_t next_seq = 1;  // writer thread only

  std::atomic<bool> failed{false};
  std::mutex failure_mutex;
  absl::Status failure;
  std::atomic<uint64_t> records_applied{0}, duplicates{0}, commits{0};

  absl::StatusOr<std::vector<ParsedRecord>> Parse(std::string_view json) const;
  absl::StatusOr<std::vector<EventResult>> Submit(std::shared_ptr<PendingOp> op);
  void WriterLoop();
  void ApplyBatch(std::vector<std::shared_ptr<PendingOp>>& ops);
  absl::StatusOr<std::pair<TypeId, std::string>> NormalizeKey(std::string_view type,
                                                              std::string_view raw) const;
  IdentityView View(NodeId node) const;
};

IdentityService::IdentityService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

IdentityService::~IdentityService() {
  {
    std::lock_guard<std::mutex> lock(impl_->queue_mutex);
    impl_->stopping = true;
  }
  impl_->queue_ready.notify_all();
  if (impl_->writer.joinable()) impl_->writer.join();
}

absl::StatusOr<std::unique_ptr<IdentityService>> IdentityService::Open(ResolverOptions options,
                                                                       const std::string& data_dir) {
  RETURN_IF_ERROR(ValidateOptions(options));
  auto impl = std::make_unique<Impl>();
  // The parser and mapping keep references into impl->options: set it first.
  impl->options = std::move(options);
  const ResolverOptions& opts = impl->options;
  ASSIGN_OR_RETURN(impl->normalizer, IdentifierNormalizer::Create(opts.normalizer));
  ASSIGN_OR_RETURN(FieldMapping mapping, FieldMapping::Create(opts.types, opts.field_map));
  impl->mapping.emplace(std::move(mapping));
  impl->parser.emplace(opts.types, *impl->mapping, *impl->normalizer, opts.max_field_length);
  impl->matchers = MakeDeterministicMatchers(opts.types);
  std::vector<LinkKind> kinds;
  std::vector<float> scores;
  for (const auto& matcher : impl->matchers) {
    kinds.push_back(matcher->kind());
    scores.push_back(matcher->score());
  }
  impl->graph = std::make_unique<IncrementalGraph>(opts.types, kinds, scores);
  ASSIGN_OR_RETURN(impl->store, IdentityStore::Open(data_dir));
  ASSIGN_OR_RETURN(impl->next_seq, impl->store->Load(*impl->graph));
  Impl* raw = impl.get();
  impl->writer = std::thread([raw] { raw->WriterLoop(); });
  return std::unique_ptr<IdentityService>(new IdentityService(std::move(impl)));
}

// --- Writes -------------------------------------------------------------------

absl::StatusOr<std::vector<ParsedRecord>> IdentityService::Impl::Parse(std::string_view json) const {
  simdjson::dom::parser outer;
  simdjson::padded_string padded(json);
  simdjson::dom::element doc;
  if (auto error = outer.parse(padded).get(doc)) {
    return absl::InvalidArgumentError(absl::StrCat("body is not JSON: ", simdjson::error_message(error)));
  }
  std::vector<simdjson::dom::element> elements;
  simdjson::dom::array array;
  if (doc.get_array().get(array) == simdjson::SUCCESS) {
    for (simdjson::dom::element element : array) elements.push_back(element);
  } else {
    elements.push_back(doc);
  }
  if (elements.empty()) return absl::InvalidArgumentError("no records in the body");
  if (elements.size() > kMaxRecordsPerRequest) {
    return absl::InvalidArgumentError(
        absl::StrCat(elements.size(), " records in one request; the limit is ", kMaxRecordsPerRequest));
  }
  std::vector<ParsedRecord> out(elements.size());
  for (size_t i = 0; i < elements.size(); ++i) {
    simdjson::dom::object object;
    if (elements[i].get_object().get(object)) {
      return absl::InvalidArgumentError(absl::StrCat("record ", i, ": not a JSON object"));
    }
    InputCounters counters;
    std::vector<InputIssue> issues;
    ParsedRecord& parsed = out[i];
    const bool accepted = parser->ParseObject(object, &parsed.record, &counters, &issues);
    for (const InputIssue& issue : issues) {
      if (issue.record_rejected || !accepted) {
        return absl::InvalidArgumentError(
            absl::StrCat("record ", i, ": ", issue.reason, ": ", issue.message));
      }
      parsed.warnings.push_back(absl::StrCat("field ", issue.field, ": ", issue.reason, ": ",
                                             issue.message));
    }
    if (!accepted) return absl::InvalidArgumentError(absl::StrCat("record ", i, ": rejected"));
    if (parsed.record.record_id.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("record ", i, ": record_id is required"));
    }
    if (parsed.record.identifiers.empty()) {
      // As in batch: counted, not an error (every value may be blocked junk).
      parsed.warnings.push_back("no usable identifier: the record links nothing");
      continue;
    }
    for (size_t m = 0; m < matchers.size(); ++m) {
      std::vector<RecordLink> links;
      matchers[m]->Match(absl::MakeConstSpan(&parsed.record, 1), &links);
      for (const RecordLink& link : links) {
        parsed.links.push_back({static_cast<uint8_t>(m), link.from_slot, link.to_slot});
      }
    }
  }
  return out;
}

absl::StatusOr<std::vector<EventResult>> IdentityService::Impl::Submit(
    std::shared_ptr<PendingOp> op) {
  std::future<absl::StatusOr<std::vector<EventResult>>> done = op->done.get_future();
  {
    std::lock_guard<std::mutex> lock(queue_mutex);
    if (stopping) return absl::UnavailableError("the service is shutting down");
    queue.push_back(std::move(op));
  }
  queue_ready.notify_one();
  return done.get();
}

void IdentityService::Impl::WriterLoop() {
  while (true) {
    std::vector<std::shared_ptr<PendingOp>> ops;
    {
      std::unique_lock<std::mutex> lock(queue_mutex);
      queue_ready.wait(lock, [&] { return stopping || !queue.empty(); });
      if (queue.empty()) return;  // stopping, and everything queued is done
      ops.assign(queue.begin(), queue.end());
      queue.clear();
    }
    ApplyBatch(ops);
  }
}

void IdentityService::Impl::ApplyBatch(std::vector<std::shared_ptr<PendingOp>>& ops) {
  if (failed.load()) {
    std::lock_guard<std::mutex> lock(failure_mutex);
    for (auto& op : ops) op->done.set_value(absl::UnavailableError(failure.ToString()));
    return;
  }
  // Which records were applied before: a store read, done before the lock.
  // A read error must not pass for "never applied" (a replay would apply
  // twice, or bring an erased value back): such an op fails as a whole.
  std::vector<std::vector<std::optional<AppliedRecord>>> previous(ops.size());
  std::vector<absl::Status> unreadable(ops.size());
  for (size_t o = 0; o < ops.size(); ++o) {
    for (const ParsedRecord& parsed : ops[o]->records) {
      absl::StatusOr<std::optional<AppliedRecord>> found = store->FindRecord(parsed.record.record_id);
      if (!found.ok()) {
        unreadable[o] = absl::UnavailableError(found.status().ToString());
        break;
      }
      previous[o].push_back(*found);
    }
  }
  std::vector<absl::StatusOr<std::vector<EventResult>>> results(ops.size());
  std::vector<AppliedRecord> applied;
  std::vector<ServiceChange> changes;
  IncrementalGraph::Dirty dirty;
  {
    std::unique_lock<std::shared_mutex> lock(graph_mutex);
    absl::flat_hash_map<std::string, AppliedRecord> in_batch;
    for (size_t o = 0; o < ops.size(); ++o) {
      PendingOp& op = *ops[o];
      if (!unreadable[o].ok()) {
        results[o] = unreadable[o];
        continue;
      }
      if (op.erase.has_value()) {
        if (graph->Erase(op.erase->first, op.erase->second, &changes)) {
          results[o] = std::vector<EventResult>();
          // Records of this batch anchored on the value, applied before the
          // erasure, must not name it in the store either.
          for (AppliedRecord& record : applied) {
            if (!record.anchor_erased && record.anchor_type == op.erase->first &&
                record.anchor_value == op.erase->second) {
              record.anchor_erased = true;
              record.anchor_value.clear();
              in_batch[record.record_id] = record;
            }
          }
        } else {
          results[o] = absl::NotFoundError("no such identifier");
        }
        continue;
      }
      std::vector<EventResult> out;
      for (size_t r = 0; r < op.records.size(); ++r) {
        ParsedRecord& parsed = op.records[r];
        EventResult result;
        result.record_id = parsed.record.record_id;
        result.warnings = std::move(parsed.warnings);
        std::optional<AppliedRecord> before = previous[o][r];
        if (auto it = in_batch.find(result.record_id); it != in_batch.end()) before = it->second;
        if (before.has_value()) {
          // A replay: nothing changes (an erased identifier stays erased).
          result.duplicate = true;
          if (!before->anchor_erased) {
            std::optional<NodeId> anchor = graph->Find(before->anchor_type, before->anchor_value);
            if (anchor.has_value()) result.identity_id = graph->IdentityIdOf(*anchor);
          }
          ++duplicates;
          out.push_back(std::move(result));
          continue;
        }
        if (parsed.record.identifiers.empty()) {
          out.push_back(std::move(result));
          continue;
        }
        ApplyResult applied_result = graph->AddRecord(parsed.record.identifiers, parsed.record.ts,
                                                      parsed.links, &changes);
        const Identifier* anchor = &parsed.record.identifiers.front();
        for (const Identifier& id : parsed.record.identifiers) {
          if (!graph->quarantined(*graph->Find(id.type, id.value))) {
            anchor = &id;
            break;
          }
        }
        AppliedRecord record{result.record_id, anchor->type, anchor->value};
        in_batch[result.record_id] = record;
        applied.push_back(std::move(record));
        result.identity_id = std::move(applied_result.identity_id);
        result.merged = std::move(applied_result.merged);
        result.created = applied_result.created;
        ++records_applied;
        out.push_back(std::move(result));
      }
      results[o] = std::move(out);
    }
    dirty = graph->TakeDirty();
  }
  // Durable before anyone hears back: one synced batch for all of them.
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  std::vector<std::string> change_json;
  for (size_t i = 0; i < changes.size(); ++i) change_json.push_back(ChangeJson(changes[i], next_seq + i, now));
  absl::Status committed = store->Commit(*graph, dirty, applied, change_json, next_seq);
  if (!committed.ok()) {
    // Memory is now ahead of the disk: refuse further writes; a restart
    // recovers the last committed state.
    {
      std::lock_guard<std::mutex> lock(failure_mutex);
      failure = committed;
    }
    failed.store(true);
    for (auto& op : ops) op->done.set_value(absl::UnavailableError(committed.ToString()));
    return;
  }
  next_seq += changes.size();
  ++commits;
  for (size_t o = 0; o < ops.size(); ++o) ops[o]->done.set_value(std::move(results[o]));
}

absl::StatusOr<std::vector<EventResult>> IdentityService::AddEvents(std::string_view json) {
  if (impl_->failed.load()) return absl::UnavailableError("a commit failed; restart the service");
  auto op = std::make_shared<PendingOp>();
  ASSIGN_OR_RETURN(op->records, impl_->Parse(json));
  return impl_->Submit(std::move(op));
}

absl::Status IdentityService::Erase(std::string_view type, std::string_view raw_value) {
  if (impl_->failed.load()) return absl::UnavailableError("a commit failed; restart the service");
  auto op = std::make_shared<PendingOp>();
  ASSIGN_OR_RETURN(op->erase, impl_->NormalizeKey(type, raw_value));
  return impl_->Submit(std::move(op)).status();
}

// --- Reads --------------------------------------------------------------------

absl::StatusOr<std::pair<TypeId, std::string>> IdentityService::Impl::NormalizeKey(
    std::string_view type, std::string_view raw) const {
  std::optional<TypeId> type_id = options.types.Find(type);
  if (!type_id.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat("unknown identifier type '", AsAbsl(type), "'"));
  }
  std::string value, why;
  switch (normalizer->Normalize(options.types.spec(*type_id).normalizer, raw, &value, &why)) {
    case NormalizeOutcome::kOk:
      return std::make_pair(*type_id, std::move(value));
    case NormalizeOutcome::kEmpty:
      return absl::InvalidArgumentError("empty value");
    case NormalizeOutcome::kBlocked:
      return absl::InvalidArgumentError("the value is on the block list");
    case NormalizeOutcome::kInvalid:
      return absl::InvalidArgumentError(absl::StrCat("not a valid ", AsAbsl(type), ": ", why));
  }
  return absl::InternalError("unreachable");
}

IdentityView IdentityService::Impl::View(NodeId node) const {
  IdentityView view;
  view.identity_id = graph->IdentityIdOf(node);
  view.activity = graph->IdentityActivity(node);
  const IdentifierDictionary& dictionary = graph->dictionary();
  for (NodeId member : graph->MembersOf(node)) {
    view.members.emplace_back(options.types.spec(dictionary.type(member)).name,
                              std::string(dictionary.value(member)));
  }
  return view;
}

absl::StatusOr<IdentityView> IdentityService::Resolve(std::string_view type,
                                                      std::string_view raw_value) const {
  ASSIGN_OR_RETURN(auto key, impl_->NormalizeKey(type, raw_value));
  std::shared_lock<std::shared_mutex> lock(impl_->graph_mutex);
  std::optional<NodeId> node = impl_->graph->Find(key.first, key.second);
  if (!node.has_value()) return absl::NotFoundError("unknown identifier");
  return impl_->View(*node);
}

absl::StatusOr<IdentityLookup> IdentityService::GetIdentity(std::string_view identity_id) const {
  std::shared_lock<std::shared_mutex> lock(impl_->graph_mutex);
  IdentityLookup out;
  if (std::optional<NodeId> root = impl_->graph->RootOfId(identity_id)) {
    out.view = impl_->View(*root);
    return out;
  }
  std::optional<std::string> survivor = impl_->graph->SurvivorOf(identity_id);
  if (!survivor.has_value()) return absl::NotFoundError("unknown or erased identity");
  out.survivor = *survivor;
  return out;
}

absl::StatusOr<std::string> IdentityService::Explain(std::string_view a, std::string_view b) const {
  auto split = [&](std::string_view text) -> absl::StatusOr<std::pair<TypeId, std::string>> {
    const size_t colon = text.find(':');
    if (colon == std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("'", AsAbsl(text), "' is not type:value"));
    }
    return impl_->NormalizeKey(text.substr(0, colon), text.substr(colon + 1));
  };
  ASSIGN_OR_RETURN(auto key_a, split(a));
  ASSIGN_OR_RETURN(auto key_b, split(b));
  std::shared_lock<std::shared_mutex> lock(impl_->graph_mutex);
  const IncrementalGraph& graph = *impl_->graph;
  std::optional<NodeId> node_a = graph.Find(key_a.first, key_a.second);
  std::optional<NodeId> node_b = graph.Find(key_b.first, key_b.second);
  if (!node_a.has_value() || !node_b.has_value()) {
    return absl::NotFoundError(absl::StrCat(AsAbsl(node_a ? b : a), ": unknown identifier"));
  }
  const IdentifierDictionary& dictionary = graph.dictionary();
  auto name = [&](NodeId node) {
    return absl::StrCat(impl_->options.types.spec(dictionary.type(node)).name, ":",
                        AsAbsl(dictionary.value(node)));
  };
  auto describe = [&](const GraphLink& link) {
    return absl::StrCat(name(link.link.a), " -- ", name(link.link.b), " [",
                        AsAbsl(impl_->matchers[link.link.matcher]->name()), ", score ",
                        link.link.score, ", ", link.link.evidence, " record(s)]");
  };
  if (graph.IdentityIdOf(*node_a) != graph.IdentityIdOf(*node_b)) {
    std::string out = absl::StrCat(name(*node_a), " (", graph.IdentityIdOf(*node_a), ") and ",
                                   name(*node_b), " (", graph.IdentityIdOf(*node_b),
                                   ") are in different identities.\n");
    for (NodeId node : {*node_a, *node_b}) {
      if (graph.quarantined(node)) absl::StrAppend(&out, name(node), " is a quarantined hub.\n");
    }
    const std::string other_id = graph.IdentityIdOf(*node_b);
    for (NodeId member : graph.MembersOf(*node_a)) {
      for (const GraphLink* link : graph.IncidentLinks(member)) {
        const NodeId far = link->link.a == member ? link->link.b : link->link.a;
        if (link->outcome == LinkOutcome::kRefused && graph.IdentityIdOf(far) == other_id) {
          absl::StrAppend(&out, "Refused merge (per-identity limit): ", describe(*link), "\n");
        }
      }
    }
    return out;
  }
  // Breadth-first search over the identity's applied links.
  absl::flat_hash_map<NodeId, std::vector<const GraphLink*>> adjacent;
  for (const GraphLink* link : graph.LinksOf(*node_a)) {
    if (link->outcome != LinkOutcome::kApplied) continue;
    adjacent[link->link.a].push_back(link);
    adjacent[link->link.b].push_back(link);
  }
  absl::flat_hash_map<NodeId, const GraphLink*> via;
  std::deque<NodeId> frontier = {*node_a};
  via[*node_a] = nullptr;
  while (!frontier.empty() && !via.contains(*node_b)) {
    const NodeId node = frontier.front();
    frontier.pop_front();
    for (const GraphLink* link : adjacent[node]) {
      const NodeId next = link->link.a == node ? link->link.b : link->link.a;
      if (via.emplace(next, link).second) frontier.push_back(next);
    }
  }
  std::string out = absl::StrCat(name(*node_a), " and ", name(*node_b), " are both in ",
                                 graph.IdentityIdOf(*node_a), ".\n");
  std::vector<std::string> steps;
  for (NodeId node = *node_b; via.contains(node) && via[node] != nullptr;) {
    const GraphLink* link = via[node];
    steps.push_back(describe(*link));
    node = link->link.a == node ? link->link.b : link->link.a;
  }
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) absl::StrAppend(&out, "  ", *it, "\n");
  return out;
}

absl::StatusOr<std::vector<StoredChange>> IdentityService::Changes(uint64_t after,
                                                                   size_t limit) const {
  return impl_->store->ChangesAfter(after, limit);
}

ServiceStats IdentityService::Stats() const {
  ServiceStats stats;
  {
    std::shared_lock<std::shared_mutex> lock(impl_->graph_mutex);
    stats.identifiers = impl_->graph->num_identifiers();
    stats.identities = impl_->graph->num_identities();
    stats.merges = impl_->graph->merges();
    stats.refused_merges = impl_->graph->refused_merges();
  }
  stats.records_applied = impl_->records_applied.load();
  stats.duplicates = impl_->duplicates.load();
  stats.commits = impl_->commits.load();
  return stats;
}

// --- Seeding and export ---------------------------------------------------------

absl::Status IdentityService::SeedFromBatch(const std::string& out_dir) {
  const std::string map_path = out_dir + "/identity_map.csv";
  std::ifstream map(map_path);
  if (!map) return absl::NotFoundError(absl::StrCat(map_path, ": cannot read"));
  std::unique_lock<std::shared_mutex> lock(impl_->graph_mutex);
  IncrementalGraph& graph = *impl_->graph;
  if (graph.num_identifiers() > 0) {
    return absl::FailedPreconditionError("--from: the store already holds identifiers");
  }
  const IdentifierTypeRegistry& types = impl_->options.types;
  std::string line;
  std::vector<std::string> fields;
  auto type_of = [&](const std::string& path, size_t number,
                     const std::string& name) -> absl::StatusOr<TypeId> {
    std::optional<TypeId> type = types.Find(name);
    if (!type.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", number, ": unknown identifier type '", name, "'"));
    }
    return *type;
  };
  for (size_t number = 1; std::getline(map, line); ++number) {
    if (number == 1) continue;  // header
    if (!SplitCsvRow(line, &fields).ok() || fields.size() != 3) {
      return absl::InvalidArgumentError(absl::StrCat(map_path, ":", number, ": expected 3 columns"));
    }
    ASSIGN_OR_RETURN(TypeId type, type_of(map_path, number, fields[0]));
    graph.RestoreNode(type, fields[1], fields[2], NodeActivity(), false);
  }
  const std::string links_path = out_dir + "/links.csv";
  std::ifstream links(links_path);
  absl::flat_hash_map<std::string, uint8_t> matcher_index;
  for (size_t m = 0; m < impl_->matchers.size(); ++m) {
    matcher_index[std::string(impl_->matchers[m]->name())] = static_cast<uint8_t>(m);
  }
  for (size_t number = 1; links && std::getline(links, line); ++number) {
    if (number == 1) continue;
    if (!SplitCsvRow(line, &fields).ok() || fields.size() < 11) {
      return absl::InvalidArgumentError(absl::StrCat(links_path, ":", number, ": expected 12 columns"));
    }
    auto matcher = matcher_index.find(fields[4]);
    if (matcher == matcher_index.end()) continue;  // probabilistic links are not served
    ASSIGN_OR_RETURN(TypeId type_a, type_of(links_path, number, fields[0]));
    ASSIGN_OR_RETURN(TypeId type_b, type_of(links_path, number, fields[2]));
    Link link;
    LinkSeen seen;
    link.matcher = matcher->second;
    link.kind = LinkKind::kDeterministic;
    link.score = impl_->matchers[matcher->second]->score();
    uint32_t evidence = 0;
    if (absl::SimpleAtoi(fields[7], &evidence)) link.evidence = evidence;
    if (!fields[8].empty()) ParseTimestamp(fields[8], &seen.first);
    if (!fields[9].empty()) ParseTimestamp(fields[9], &seen.last);
    const std::string& outcome = fields[10];
    const LinkOutcome parsed = outcome == "applied"   ? LinkOutcome::kApplied
                               : outcome == "refused" ? LinkOutcome::kRefused
                               : outcome == "hub"     ? LinkOutcome::kHub
                                                      : LinkOutcome::kRedundant;
    graph.RestoreLink(type_a, fields[1], type_b, fields[3], link, seen, parsed);
  }
  // Activity per identity (first/last seen, records), so that the older
  // identity's ID survives later merges as in batch.
  const std::string identities_path = out_dir + "/identities.jsonl";
  std::ifstream identities(identities_path);
  simdjson::dom::parser parser;
  for (size_t number = 1; identities && std::getline(identities, line); ++number) {
    simdjson::dom::element doc;
    std::string_view id, first, last;
    uint64_t records = 0;
    if (parser.parse(line).get(doc) || doc["identity_id"].get_string().get(id) ||
        doc["records"].get_uint64().get(records)) {
      return absl::InvalidArgumentError(absl::StrCat(identities_path, ":", number,
                                                     ": expected identity_id and records"));
    }
    NodeActivity activity;
    activity.records = records;
    if (!doc["first_seen"].get_string().get(first)) ParseTimestamp(first, &activity.first_seen);
    if (!doc["last_seen"].get_string().get(last)) ParseTimestamp(last, &activity.last_seen);
    graph.RestoreIdentityActivity(id, activity);
  }
  graph.FinishRestore();
  return impl_->store->Commit(graph, graph.Everything(), {}, {}, impl_->next_seq);
}

absl::Status IdentityService::Export(const std::string& out_dir) const {
  ASSIGN_OR_RETURN(std::vector<AppliedRecord> records, impl_->store->AllRecords());
  ASSIGN_OR_RETURN(std::vector<StoredChange> changes,
                   impl_->store->ChangesAfter(0, std::numeric_limits<size_t>::max()));
  ASSIGN_OR_RETURN(auto identity_map, AtomicFile::Create(out_dir + "/identity_map.csv"));
  ASSIGN_OR_RETURN(auto assignments, AtomicFile::Create(out_dir + "/assignments.csv"));
  ASSIGN_OR_RETURN(auto identities, AtomicFile::Create(out_dir + "/identities.jsonl"));
  ASSIGN_OR_RETURN(auto change_file, AtomicFile::Create(out_dir + "/changes.jsonl"));
  {
    std::shared_lock<std::shared_mutex> lock(impl_->graph_mutex);
    const IncrementalGraph& graph = *impl_->graph;
    const IdentifierDictionary& dictionary = graph.dictionary();
    // One representative node per identity, identities sorted by ID.
    std::map<std::string, NodeId> by_id;
    for (NodeId node = 0; node < dictionary.size(); ++node) {
      if (graph.alive(node)) by_id.emplace(graph.IdentityIdOf(node), node);
    }
    identity_map->Append("identifier_type,identifier,identity_id\n");
    std::string row;
    for (const auto& [id, node] : by_id) {
      const IdentityView view = impl_->View(node);
      for (const auto& [type, value] : view.members) {
        row.clear();
        AppendCsvField(type, &row);
        row.push_back(',');
        AppendCsvField(value, &row);
        row.push_back(',');
        AppendCsvField(id, &row);  // an ID kept from a batch run's map may need quotes
        row.push_back('\n');
        identity_map->Append(row);
      }
      std::string json = "{\"identity_id\":";
      AppendJsonString(id, &json);
      json += ",\"members\":";
      AppendMembersJson(view, &json);
      absl::StrAppend(&json, ",\"records\":", view.activity.records, ",\"first_seen\":");
      if (view.activity.first_seen == kNoTimestamp) {
        json += "null";
      } else {
        AppendJsonString(FormatTimestamp(view.activity.first_seen), &json);
      }
      json += ",\"last_seen\":";
      if (view.activity.last_seen == kNoTimestamp) {
        json += "null";
      } else {
        AppendJsonString(FormatTimestamp(view.activity.last_seen), &json);
      }
      json += "}\n";
      identities->Append(json);
    }
    assignments->Append("record_id,identity_id\n");
    for (const AppliedRecord& record : records) {
      std::optional<NodeId> anchor = graph.Find(record.anchor_type, record.anchor_value);
      if (!anchor.has_value()) continue;  // its identifier was erased
      row.clear();
      AppendCsvField(record.record_id, &row);
      row.push_back(',');
      AppendCsvField(graph.IdentityIdOf(*anchor), &row);
      row.push_back('\n');
      assignments->Append(row);
    }
  }
  for (const StoredChange& change : changes) change_file->Append(change.json + "\n");
  for (AtomicFile* file : {identity_map.get(), assignments.get(), identities.get(), change_file.get()}) {
    RETURN_IF_ERROR(file->Commit());
  }
  return absl::OkStatus();
}

}  // namespace idstitch
