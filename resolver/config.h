// File: resolver/config.h
// Reads a JSON config file into ResolverOptions. Keys (all optional):
//   "fields": {"rec_id": "record_id", "given_name": "first_name"}
//   "identifier_types": {"crm_id": {"normalizer": "exact", "priority": 15,
//                        "limit": 1, "hub_cap": 5},        // a new type
//                        "email": {"limit": 5}}             // overrides a built-in
//   "phone_default_region": "GB", "fold_gmail": false,
//   "blocked_values": [...], "blocked_regexes": [...]     // added to the defaults
//   "use_default_blocklist": true,
//   "max_field_length": 1024, "max_line_length": 1048576, "max_errors": 100,
//   "threads": 0,
//   "attribute_matcher": false, "colocation": false, "link_only": false
// Unknown keys and wrong types are errors: a typo must not silently fall back
// to a default.
#ifndef IDSTITCH_RESOLVER_CONFIG_H_
#define IDSTITCH_RESOLVER_CONFIG_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "resolver/options.h"

namespace idstitch {

// Applies the config file at `path` on top of `*options`. NotFound if the file
// cannot be read; InvalidArgument naming the file, and the line or key, for
// malformed JSON, unknown keys, wrong types or bad values.
absl::Status LoadConfigFile(const std::string& path, ResolverOptions* options);

// Same, from text (`source` names it in messages).
absl::Status ApplyConfigText(std::string_view text, std::string_view source,
                             ResolverOptions* options);

// Parses "SOURCE=TARGET" from --field. InvalidArgument if malformed.
absl::Status AddFieldMapping(std::string_view mapping, ResolverOptions* options);

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_CONFIG_H_
