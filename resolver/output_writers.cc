#include "resolver/absl_compat.h"
#include "resolver/output_writers.h"

#include <algorithm>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "resolver/csv.h"
#include "resolver/json_escape.h"

namespace idstitch {
namespace {

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
    AppendJsonString(FormatTimestamp(ts), out);
  }
}

}  // namespace

void WriteIdentityMap(const IdentifierDictionary& dictionary,
                      const IdentifierTypeRegistry& types,
                      const IdentityAssignment& assignment, AtomicFile& out) {
  out.Append("identifier_type,identifier,identity_id\n");
  std::string row;
  for (const Identity& identity : assignment.identities) {
    for (NodeId node : identity.members) {
      row.clear();
      AppendCsvField(types.spec(dictionary.type(node)).name, &row);
      row.push_back(',');
      AppendCsvField(dictionary.value(node), &row);
      row.push_back(',');
      row.append(identity.id);
      row.push_back('\n');
      out.Append(row);
    }
  }
}

absl::StatusOr<IdentityActivity> WriteAssignments(RecordSpill& spill,
                                                  const IdentityAssignment& assignment,
                                                  const std::vector<bool>& quarantined,
                                                  AtomicFile& out) {
  IdentityActivity activity;
  size_t identities = assignment.identities.size();
  activity.records.assign(identities, 0);
  activity.first_seen.assign(identities, kNoTimestamp);
  activity.last_seen.assign(identities, kNoTimestamp);
  absl::flat_hash_map<uint64_t, uint64_t> event_counts;

  out.Append("record_id,identity_id\n");
  SpilledRecord record;
  std::string row;
  while (true) {
    absl::StatusOr<bool> more = spill.Read(&record);
    if (!more.ok()) return more.status();
    if (!*more) break;
    NodeId anchor = record.nodes.front();
    for (NodeId node : record.nodes) {
      if (!quarantined[node]) {
        anchor = node;
        break;
      }
    }
    uint32_t identity = assignment.identity_of_node[anchor];
    row.clear();
    AppendCsvField(record.record_id, &row);
    row.push_back(',');
    row.append(assignment.identities[identity].id);
    row.push_back('\n');
    out.Append(row);

    ++activity.records_assigned;
    ++activity.records[identity];
    ++event_counts[(uint64_t{identity} << 16) | record.event];
    if (record.ts != kNoTimestamp) {
      int64_t& first = activity.first_seen[identity];
      int64_t& last = activity.last_seen[identity];
      if (first == kNoTimestamp || record.ts < first) first = record.ts;
      if (last == kNoTimestamp || record.ts > last) last = record.ts;
    }
  }
  activity.event_counts.assign(event_counts.begin(), event_counts.end());
  std::sort(activity.event_counts.begin(), activity.event_counts.end());
  return activity;
}

void WriteIdentities(const IdentifierDictionary& dictionary, const IdentifierTypeRegistry& types,
                     const IdentityAssignment& assignment, const IdentityActivity& activity,
                     const std::vector<std::string>& event_names, AtomicFile& out) {
  std::string line;
  auto events = activity.event_counts.begin();
  for (uint32_t index = 0; index < assignment.identities.size(); ++index) {
    const Identity& identity = assignment.identities[index];
    line = "{\"identity_id\":";
    AppendJsonString(identity.id, &line);
    line += ",\"members\":{";
    // Members are sorted by type priority, so each type's values are contiguous.
    TypeId current_type = 0;
    bool first_member = true;
    for (NodeId node : identity.members) {
      TypeId type = dictionary.type(node);
      if (first_member || type != current_type) {
        if (!first_member) line += "],";
        AppendJsonString(types.spec(type).name, &line);
        line += ":[";
        current_type = type;
      } else {
        line.push_back(',');
      }
      first_member = false;
      AppendJsonString(dictionary.value(node), &line);
    }
    line += "]},\"records\":";
    absl::StrAppend(&line, activity.records[index], ",\"events\":{");
    // Event counts are sorted by (identity, event id); emit by event name.
    std::vector<std::pair<std::string_view, uint64_t>> by_name;
    for (; events != activity.event_counts.end() && (events->first >> 16) == index; ++events) {
      // Records without an event count in "records" only.
      std::string_view name = event_names[events->first & 0xffff];
      if (!name.empty()) by_name.emplace_back(name, events->second);
    }
    std::sort(by_name.begin(), by_name.end());
    for (size_t i = 0; i < by_name.size(); ++i) {
      if (i) line.push_back(',');
      AppendJsonString(by_name[i].first, &line);
      absl::StrAppend(&line, ":", by_name[i].second);
    }
    line.push_back('}');
    AppendTimestampField("first_seen", activity.first_seen[index], &line);
    AppendTimestampField("last_seen", activity.last_seen[index], &line);
    line += "}\n";
    out.Append(line);
  }
}

void WriteChanges(const std::vector<IdentityChange>& changes, AtomicFile& out) {
  std::string line;
  for (const IdentityChange& change : changes) {
    line = "{\"change\":";
    switch (change.kind) {
      case ChangeKind::kNew: line += "\"new\""; break;
      case ChangeKind::kMerged: line += "\"merged\""; break;
      case ChangeKind::kSplit: line += "\"split\""; break;
    }
    line += ",\"identity_id\":";
    AppendJsonString(change.identity_id, &line);
    if (change.kind != ChangeKind::kNew) {
      line += change.kind == ChangeKind::kMerged ? ",\"merged\":[" : ",\"into\":[";
      for (size_t i = 0; i < change.others.size(); ++i) {
        if (i) line.push_back(',');
        AppendJsonString(change.others[i], &line);
      }
      line.push_back(']');
    }
    if (change.kind == ChangeKind::kSplit) {
      line += ",\"kept_by\":";
      AppendJsonString(change.kept_by, &line);
    }
    line += "}\n";
    out.Append(line);
  }
}

void WriteLinks(const IdentifierDictionary& dictionary, const IdentifierTypeRegistry& types,
                const std::vector<Link>& links, const IdentityGraphResult& graph,
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
    row.clear();
    for (NodeId node : {link.a, link.b}) {  // oriented canonically by the graph
      AppendCsvField(types.spec(dictionary.type(node)).name, &row);
      row.push_back(',');
      AppendCsvField(dictionary.value(node), &row);
      row.push_back(',');
    }
    absl::StrAppend(&row, matcher_names[link.matcher], ",",
                    link.kind == LinkKind::kDeterministic ? "deterministic" : "probabilistic",
                    ",", link.score, ",", link.evidence, ",", FormatTimestamp(link.first_seen),
                    ",", FormatTimestamp(link.last_seen), ",", AsAbsl(OutcomeName(graph.outcomes[i])),
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
