#include "resolver/absl_compat.h"
#include "resolver/output_writers.h"

#include <algorithm>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "resolver/csv.h"
#include "resolver/json_escape.h"
#include "resolver/prefetch.h"
#include "resolver/status_macros.h"
#include "tbb/blocked_range.h"
#include "tbb/parallel_for.h"
#include "tbb/task_group.h"

namespace idstitch {
namespace {

using std::literals::string_view_literals::operator""sv;

std::string_view OutcomeName(LinkOutcome outcome) {
  switch (outcome) {
    case LinkOutcome::kApplied: return "applied";
    case LinkOutcome::kRedundant: return "redundant";
    case LinkOutcome::kRefused: return "refused";
    case LinkOutcome::kHub: return "hub";
  }
  return "unknown";
}

void AppendTimestampField(std::string_view key, int64_t ts, std::string* out) {
  absl::StrAppend(out, ",\"", AsAbsl(key), "\":");
  if (ts == kNoTimestamp) {
    out->append("null");
  } else {
    // A timestamp needs no JSON escaping.
    out->push_back('"');
    AppendTimestamp(ts, out);
    out->push_back('"');
  }
}

// Items are visited in an order unrelated to where their data lies (identity
// ID order is hash order; records meet identities at random), so at ten
// million events nearly every member value, identity and counter is a cache
// miss. Loops touch them a few items ahead with these distances, dependent
// loads in stages: the first stage's load has arrived when the next one
// reads it.
constexpr size_t kPrefetchFar = 16;
constexpr size_t kPrefetchNear = 8;

struct NoPrefetch {
  void operator()(size_t, size_t) const {}
};

// Prefetches the member values of identity `i + kPrefetchNear` in three
// stages: the member list, the dictionary entries, the value bytes.
class MemberPrefetch {
 public:
  MemberPrefetch(const IdentifierDictionary& dictionary, const std::vector<Identity>& identities)
      : dictionary_(dictionary), identities_(identities) {}
  // Called before item `i` of a loop that ends at `end`.
  void operator()(size_t i, size_t end) const {
    if (i + kPrefetchFar < end) PrefetchForRead(identities_[i + kPrefetchFar].members.data());
    if (i + kPrefetchNear < end) {
      for (NodeId node : identities_[i + kPrefetchNear].members) dictionary_.PrefetchEntry(node);
    }
    if (i + kPrefetchNear / 2 < end) {
      for (NodeId node : identities_[i + kPrefetchNear / 2].members) {
        dictionary_.PrefetchValue(node);
      }
    }
  }

 private:
  const IdentifierDictionary& dictionary_;
  const std::vector<Identity>& identities_;
};

// Formats items [0, count) with `format(i, &text)` in parallel, in batches
// whose text is appended to `out` in order: output identical to a serial
// loop, memory bounded by one batch. `prefetch(i, end)` runs before each
// `format(i)` of a piece ending at `end`.
template <typename Format, typename Prefetch = NoPrefetch>
void WriteInOrder(size_t count, AtomicFile& out, Format format, Prefetch prefetch = {}) {
  constexpr size_t kBatch = 1 << 15;
  constexpr size_t kPieces = 64;
  std::vector<std::string> pieces(kPieces);
  for (size_t begin = 0; begin < count; begin += kBatch) {
    const size_t end = std::min(count, begin + kBatch);
    const size_t step = (end - begin + kPieces - 1) / kPieces;
    tbb::parallel_for(size_t{0}, kPieces, [&](size_t piece) {
      std::string& text = pieces[piece];
      text.clear();
      const size_t from = begin + piece * step;
      const size_t to = std::min(end, from + step);
      for (size_t i = from; i < to; ++i) {
        prefetch(i, to);
        format(i, &text);
      }
    });
    out.AppendPieces(pieces);
  }
}

// Records per (identity, event id). A dense identities x events table when
// that is at most two counters per record (the usual case: a few distinct
// event names), else a hash map.
class EventCounter {
 public:
  EventCounter(size_t identities, size_t events, uint64_t records)
      : events_(std::max<size_t>(events, 1)) {
    // 32-bit counters: a cell never exceeds the number of records.
    if (records < UINT32_MAX && identities * events_ <= std::max<uint64_t>(2 * records, 1 << 16)) {
      dense_.assign(identities * events_, 0);
    }
  }

  void Prefetch(uint32_t identity, uint16_t event) const {
    if (!dense_.empty()) PrefetchForRead(dense_.data() + identity * events_ + event);
  }

  void Add(uint32_t identity, uint16_t event) {
    if (!dense_.empty()) {
      ++dense_[identity * events_ + event];
    } else {
      ++sparse_[(uint64_t{identity} << 16) | event];
    }
  }

  // (identity << 16 | event id) -> records, sorted by key.
  std::vector<std::pair<uint64_t, uint64_t>> Take() {
    std::vector<std::pair<uint64_t, uint64_t>> counts;
    if (!dense_.empty()) {
      for (size_t cell = 0; cell < dense_.size(); ++cell) {
        if (dense_[cell] == 0) continue;
        counts.emplace_back((uint64_t{cell / events_} << 16) | (cell % events_), dense_[cell]);
      }
    } else {
      counts.assign(sparse_.begin(), sparse_.end());
      std::sort(counts.begin(), counts.end());
    }
    return counts;
  }

 private:
  size_t events_;
  std::vector<uint32_t> dense_;
  absl::flat_hash_map<uint64_t, uint64_t> sparse_;
};

}  // namespace

void WriteIdentityMap(const IdentifierDictionary& dictionary,
                      const IdentifierTypeRegistry& types,
                      const IdentityAssignment& assignment, AtomicFile& out) {
  out.Append("identifier_type,identifier,identity_id\n");
  // Each type's first column, quoted once per run rather than once per row.
  std::vector<std::string> type_fields(types.size());
  for (TypeId type = 0; type < types.size(); ++type) {
    AppendCsvField(types.spec(type).name, &type_fields[type]);
    type_fields[type].push_back(',');
  }
  WriteInOrder(assignment.identities.size(), out, [&](size_t index, std::string* row) {
    const Identity& identity = assignment.identities[index];
    // Quoted when needed (an ID kept from a previous map may be anyone's),
    // decided once per identity rather than once per member row.
    const bool plain_id = identity.id.find_first_of(",\"\r\n") == std::string::npos;
    for (NodeId node : identity.members) {
      row->append(type_fields[dictionary.type(node)]);
      AppendCsvField(dictionary.value(node), row);
      row->push_back(',');
      if (plain_id) {
        row->append(identity.id);
      } else {
        AppendCsvField(identity.id, row);
      }
      row->push_back('\n');
    }
  }, MemberPrefetch(dictionary, assignment.identities));
}

absl::StatusOr<IdentityActivity> WriteAssignments(RecordSpill& spill,
                                                  const IdentityAssignment& assignment,
                                                  const std::vector<bool>& quarantined,
                                                  size_t event_name_count, AtomicFile& out) {
  IdentityActivity activity;
  size_t identities = assignment.identities.size();
  activity.records.assign(identities, 0);
  activity.first_seen.assign(identities, kNoTimestamp);
  activity.last_seen.assign(identities, kNoTimestamp);
  EventCounter event_counts(identities, event_name_count, spill.records());

  out.Append("record_id,identity_id\n");
  // The spill is read in order, a batch at a time. Each batch's identities
  // are looked up in parallel; then its activity is counted (serially, one
  // task) while its rows are formatted (in parallel) beside it.
  constexpr size_t kBatch = 1 << 15;
  SpilledBatch batch;
  std::vector<uint32_t> identity_of;
  while (true) {
    RETURN_IF_ERROR(spill.ReadBatch(kBatch, &batch));
    const size_t filled = batch.size();
    if (filled == 0) break;
    identity_of.resize(filled);
    tbb::parallel_for(tbb::blocked_range<size_t>(0, filled, 1024),
                      [&](const tbb::blocked_range<size_t>& range) {
                        for (size_t i = range.begin(); i < range.end(); ++i) {
                          if (i + kPrefetchFar < range.end()) {
                            PrefetchForRead(assignment.identity_of_node.data() +
                                            batch.node(i + kPrefetchFar, 0));
                          }
                          NodeId anchor = batch.node(i, 0);
                          for (size_t k = 0; k < batch.node_count(i); ++k) {
                            const NodeId node = batch.node(i, k);
                            if (!quarantined[node]) {
                              anchor = node;
                              break;
                            }
                          }
                          identity_of[i] = assignment.identity_of_node[anchor];
                        }
                      });
    tbb::task_group counting;
    counting.run([&] {
      for (size_t i = 0; i < filled; ++i) {
        if (i + kPrefetchFar < filled) {
          const uint32_t ahead = identity_of[i + kPrefetchFar];
          PrefetchForRead(activity.records.data() + ahead);
          PrefetchForRead(activity.first_seen.data() + ahead);
          PrefetchForRead(activity.last_seen.data() + ahead);
          event_counts.Prefetch(ahead, batch.event(i + kPrefetchFar));
        }
        const uint32_t identity = identity_of[i];
        ++activity.records[identity];
        event_counts.Add(identity, batch.event(i));
        const int64_t ts = batch.ts(i);
        if (ts != kNoTimestamp) {
          int64_t& first = activity.first_seen[identity];
          int64_t& last = activity.last_seen[identity];
          if (first == kNoTimestamp || ts < first) first = ts;
          if (last == kNoTimestamp || ts > last) last = ts;
        }
      }
    });
    WriteInOrder(filled, out, [&](size_t i, std::string* row) {
      AppendCsvField(batch.record_id(i), row);
      row->push_back(',');
      AppendCsvField(assignment.identities[identity_of[i]].id, row);
      row->push_back('\n');
    }, [&](size_t i, size_t end) {
      // The identity, then its ID's bytes (held apart from it).
      if (i + kPrefetchFar < end) {
        PrefetchForRead(&assignment.identities[identity_of[i + kPrefetchFar]]);
      }
      if (i + kPrefetchNear < end) {
        PrefetchForRead(assignment.identities[identity_of[i + kPrefetchNear]].id.data());
      }
    });
    counting.wait();
    activity.records_assigned += filled;
  }
  activity.event_counts = event_counts.Take();
  return activity;
}

void WriteIdentities(const IdentifierDictionary& dictionary, const IdentifierTypeRegistry& types,
                     const IdentityAssignment& assignment, const IdentityActivity& activity,
                     const std::vector<std::string>& event_names, AtomicFile& out) {
  // Event counts are sorted by (identity, event id): where each identity's start.
  std::vector<size_t> events_begin(assignment.identities.size() + 1, activity.event_counts.size());
  for (size_t i = activity.event_counts.size(); i-- > 0;) {
    events_begin[activity.event_counts[i].first >> 16] = i;
  }
  for (size_t index = assignment.identities.size(); index-- > 0;) {
    events_begin[index] = std::min(events_begin[index], events_begin[index + 1]);
  }
  // Type and event names, quoted once here rather than once per identity:
  // `"email":[` and `"page_view":`.
  std::vector<std::string> type_keys(types.size());
  for (TypeId type = 0; type < types.size(); ++type) {
    AppendJsonString(types.spec(type).name, &type_keys[type]);
    type_keys[type].append(":[");
  }
  std::vector<std::string> event_keys(event_names.size());
  for (size_t event = 0; event < event_names.size(); ++event) {
    AppendJsonString(event_names[event], &event_keys[event]);
    event_keys[event].push_back(':');
  }
  WriteInOrder(assignment.identities.size(), out, [&](size_t index, std::string* line) {
    const Identity& identity = assignment.identities[index];
    line->append("{\"identity_id\":"sv);
    AppendJsonString(identity.id, line);
    line->append(",\"members\":{"sv);
    // Members are sorted by type priority, so each type's values are contiguous.
    TypeId current_type = 0;
    bool first_member = true;
    for (NodeId node : identity.members) {
      TypeId type = dictionary.type(node);
      if (first_member || type != current_type) {
        if (!first_member) line->append("],"sv);
        line->append(type_keys[type]);
        current_type = type;
      } else {
        line->push_back(',');
      }
      first_member = false;
      AppendJsonString(dictionary.value(node), line);
    }
    line->append("]},\"records\":"sv);
    absl::StrAppend(line, activity.records[index], ",\"events\":{");
    // (name, count, event id): sorted by name; the id finds the quoted key.
    absl::InlinedVector<std::tuple<std::string_view, uint64_t, size_t>, 16> by_name;
    for (size_t e = events_begin[index]; e < events_begin[index + 1]; ++e) {
      // Records without an event count in "records" only.
      const size_t event = activity.event_counts[e].first & 0xffff;
      std::string_view name = event_names[event];
      if (!name.empty()) by_name.emplace_back(name, activity.event_counts[e].second, event);
    }
    std::sort(by_name.begin(), by_name.end());
    for (size_t i = 0; i < by_name.size(); ++i) {
      if (i) line->push_back(',');
      line->append(event_keys[std::get<2>(by_name[i])]);
      absl::StrAppend(line, std::get<1>(by_name[i]));
    }
    line->push_back('}');
    AppendTimestampField("first_seen", activity.first_seen[index], line);
    AppendTimestampField("last_seen", activity.last_seen[index], line);
    line->append("}\n"sv);
  }, MemberPrefetch(dictionary, assignment.identities));
}

void WriteChanges(const IdentityAssignment& assignment, AtomicFile& out) {
  WriteInOrder(assignment.identities.size(), out, [&](size_t index, std::string* line) {
    const Identity& identity = assignment.identities[index];
    if (!identity.is_new) return;
    line->append("{\"change\":\"new\",\"identity_id\":");
    AppendJsonString(identity.id, line);
    line->append("}\n");
  });
  const std::vector<IdentityChange>& changes = assignment.changes;
  WriteInOrder(changes.size(), out, [&](size_t index, std::string* line) {
    const IdentityChange& change = changes[index];
    line->append("{\"change\":");
    switch (change.kind) {
      case ChangeKind::kNew: line->append("\"new\""); break;
      case ChangeKind::kMerged: line->append("\"merged\""); break;
      case ChangeKind::kSplit: line->append("\"split\""); break;
    }
    line->append(",\"identity_id\":");
    AppendJsonString(change.identity_id, line);
    if (change.kind != ChangeKind::kNew) {
      line->append(change.kind == ChangeKind::kMerged ? ",\"merged\":[" : ",\"into\":[");
      for (size_t i = 0; i < change.others.size(); ++i) {
        if (i) line->push_back(',');
        AppendJsonString(change.others[i], line);
      }
      line->push_back(']');
    }
    if (change.kind == ChangeKind::kSplit) {
      line->append(",\"kept_by\":");
      AppendJsonString(change.kept_by, line);
    }
    line->append("}\n");
  });
}

void WriteLinks(const IdentifierDictionary& dictionary, const IdentifierTypeRegistry& types,
                const std::vector<Link>& links, const std::vector<LinkSeen>& seen,
                const IdentityGraphResult& graph,
                const std::vector<std::string>& matcher_names,
                const absl::flat_hash_map<std::tuple<NodeId, NodeId, uint8_t>, std::string>*
                    explanations,
                AtomicFile& out) {
  out.Append(
      "identifier_type_a,identifier_a,identifier_type_b,identifier_b,matcher,kind,score,"
      "evidence,first_seen,last_seen,outcome,explanation\n");
  std::string row;
  for (size_t i = 0; i < links.size(); ++i) {
    const Link& link = links[i];
    // Parallel to links by contract; never read past it.
    const LinkSeen times = i < seen.size() ? seen[i] : LinkSeen{};
    row.clear();
    for (NodeId node : {link.a, link.b}) {  // oriented canonically by the graph
      AppendCsvField(types.spec(dictionary.type(node)).name, &row);
      row.push_back(',');
      AppendCsvField(dictionary.value(node), &row);
      row.push_back(',');
    }
    absl::StrAppend(&row, matcher_names[link.matcher], ",",
                    link.kind == LinkKind::kDeterministic ? "deterministic" : "probabilistic",
                    ",", link.score, ",", link.evidence, ",", FormatTimestamp(times.first),
                    ",", FormatTimestamp(times.last), ",", AsAbsl(OutcomeName(graph.outcomes[i])),
                    ",");
    if (explanations != nullptr) {
      auto it = explanations->find({std::min(link.a, link.b), std::max(link.a, link.b),
                                    link.matcher});
      if (it != explanations->end()) AppendCsvField(it->second, &row);
    }
    row.push_back('\n');
    out.Append(row);
  }
}

}  // namespace idstitch
