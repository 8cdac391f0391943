// File: resolver/explain.h
// `idstitch explain`: why two identifiers are in one identity (the path of
// links joining them, each with its matcher, score, evidence and, for
// probabilistic links, the field-by-field reasons) or why they are apart (a
// refused merge between their identities, a quarantined hub). Reads a batch
// run's output directory (identity_map.csv and links.csv, written with
// --links); the path is a breadth-first shortest path (Boost.Graph) over the
// links the graph applied.
#ifndef IDSTITCH_RESOLVER_EXPLAIN_H_
#define IDSTITCH_RESOLVER_EXPLAIN_H_

#include <string>

#include "absl/status/statusor.h"

namespace idstitch {

// `a` and `b` are "type:value" with normalized values (as in
// identity_map.csv). Returns the explanation as text. NotFound if the
// directory lacks identity_map.csv or links.csv, or an identifier is not in
// the map; InvalidArgument for a malformed identifier or file.
absl::StatusOr<std::string> ExplainIdentifiers(const std::string& out_dir, const std::string& a,
                                               const std::string& b);

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_EXPLAIN_H_
