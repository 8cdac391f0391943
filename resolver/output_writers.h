// File: resolver/output_writers.h
// Writers of a batch run's output files. Each writes into an AtomicFile that
// the batch job commits only when every file has been written. Rows are in a
// canonical order (by identity ID, then member order) so that outputs are
// byte-identical whatever the thread count or input order; assignments.csv
// follows input order, which is itself deterministic.
#ifndef IDSTITCH_RESOLVER_OUTPUT_WRITERS_H_
#define IDSTITCH_RESOLVER_OUTPUT_WRITERS_H_

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "graph/identity_assignment.h"
#include "graph/identity_graph.h"
#include "matchers/matcher.h"
#include "resolver/atomic_file.h"
#include "resolver/record_spill.h"
#include "resolver/timestamp.h"  // FormatTimestamp, used by the writers

namespace idstitch {

// identifier_type,identifier,identity_id
void WriteIdentityMap(const IdentifierDictionary& dictionary,
                      const IdentifierTypeRegistry& types,
                      const IdentityAssignment& assignment, AtomicFile& out);

// Per-identity activity gathered from the record spill.
struct IdentityActivity {
  std::vector<uint64_t> records;      // per identity
  std::vector<int64_t> first_seen;    // per identity
  std::vector<int64_t> last_seen;
  // (identity << 16 | event id) -> records
  std::vector<std::pair<uint64_t, uint64_t>> event_counts;  // sorted by key
  uint64_t records_assigned = 0;
};

// Streams the spill: writes assignments.csv (record_id,identity_id) and
// returns each identity's activity. A record goes to the identity of its
// anchor, its first identifier that is not a quarantined hub (its first
// identifier if all are). Event ids are below `event_name_count`.
absl::StatusOr<IdentityActivity> WriteAssignments(RecordSpill& spill,
                                                  const IdentityAssignment& assignment,
                                                  const std::vector<bool>& quarantined,
                                                  size_t event_name_count, AtomicFile& out);

// One JSON object per identity: identity_id, members by type, records, records
// by event, first_seen, last_seen.
void WriteIdentities(const IdentifierDictionary& dictionary, const IdentifierTypeRegistry& types,
                     const IdentityAssignment& assignment, const IdentityActivity& activity,
                     const std::vector<std::string>& event_names, AtomicFile& out);

// changes.jsonl: {"change":"new"|"merged"|"split", ...}, the new identities
// first (in ID order), then the merges and splits.
void WriteChanges(const IdentityAssignment& assignment, AtomicFile& out);

// links.csv: every aggregated link in canonical merge order, its outcome
// (applied, redundant, refused, hub) and, for probabilistic links, why.
// `seen` is parallel to `links` (the run kept it for --links).
// `explanations` (may be null) holds why probabilistic links were made, keyed
// by (min node, max node, matcher).
void WriteLinks(const IdentifierDictionary& dictionary, const IdentifierTypeRegistry& types,
                const std::vector<Link>& links, const std::vector<LinkSeen>& seen,
                const IdentityGraphResult& graph,
                const std::vector<std::string>& matcher_names,
                const absl::flat_hash_map<std::tuple<NodeId, NodeId, uint8_t>, std::string>*
                    explanations,
                AtomicFile& out);

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_OUTPUT_WRITERS_H_
