// File: resolver/previous_run.h
// Reads a previous run's output directory (identity_map.csv, and
// identities.jsonl for each identity's first_seen) so that identities keep
// their IDs across runs (graph/identity_assignment.h has the rules).
// Identifiers of the previous map that this run did not see are skipped (their
// IDs are still reserved). Both files are read in chunks and parsed on the
// caller's TBB arena, rows applied in file order: the result, and which bad
// row an error names, do not depend on the thread count.
#ifndef IDSTITCH_RESOLVER_PREVIOUS_RUN_H_
#define IDSTITCH_RESOLVER_PREVIOUS_RUN_H_

#include <string>

#include "absl/status/statusor.h"
#include "graph/identifier_dictionary.h"
#include "graph/identity_assignment.h"
#include "resolver/identifier_types.h"

namespace idstitch {

struct PreviousRunStats {
  uint64_t rows = 0;             // identity_map.csv rows read
  uint64_t matched = 0;          // of which identifiers seen in this run
  uint64_t unknown_types = 0;    // rows whose type this run does not define
};

// NotFound if dir/identity_map.csv is missing; InvalidArgument naming the file
// and line (and field) for a malformed row or header, or an identity_id that
// is empty or over PreviousIdentities::kMaxIdLength bytes. identities.jsonl
// is optional.
absl::StatusOr<PreviousIdentities> LoadPreviousRun(const std::string& dir,
                                                   const IdentifierDictionary& dictionary,
                                                   const IdentifierTypeRegistry& types,
                                                   PreviousRunStats* stats);

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_PREVIOUS_RUN_H_
