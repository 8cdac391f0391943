// File: resolver/field_mapping.h
// Resolves input column names to what they mean: a standard field of the input
// contract (record_id, ts, event, ip, ...), an identifier type (built-in or
// user-defined), or nothing (ignored and counted). User mappings from the
// config or --field rename columns before this lookup.
// Thread safety: immutable after Create(); Lookup() is thread-safe.
#ifndef IDSTITCH_RESOLVER_FIELD_MAPPING_H_
#define IDSTITCH_RESOLVER_FIELD_MAPPING_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "resolver/identifier_types.h"
#include "resolver/types.h"

namespace idstitch {

class FieldMapping {
 public:
  // InvalidArgument if a mapping's target is neither a standard field nor a
  // registered identifier type.
  static absl::StatusOr<FieldMapping> Create(
      const IdentifierTypeRegistry& types,
      const std::vector<std::pair<std::string, std::string>>& renames);

  // What column `name` means; StandardField::kIgnored if nothing.
  FieldTarget Lookup(std::string_view name) const;

  // True if `name` is a standard field of the input contract ("ts", "ip", ...),
  // which an identifier type may not be named after.
  static bool IsStandardFieldName(std::string_view name);

 private:
  static constexpr size_t kShortName = 32;
  void IndexByLength();

  // A name of 1 to 16 bytes as two words that hold all of its bytes
  // (overlapping loads): equal for two names of one length iff the names are.
  using Signature = std::pair<uint64_t, uint64_t>;
  static constexpr size_t kSignatureName = 16;
  static Signature SignatureOf(std::string_view name);

  absl::flat_hash_map<std::string, FieldTarget> targets_;
  // The same names shorter than kShortName, bucketed by length: a lookup
  // (one per field of every record) compares against one or two names
  // instead of hashing the key. Names up to kSignatureName bytes are kept as
  // signatures, longer ones as strings for memcmp.
  std::vector<std::vector<std::pair<Signature, FieldTarget>>> signatures_by_length_;
  std::vector<std::vector<std::pair<std::string, FieldTarget>>> by_length_;
};

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_FIELD_MAPPING_H_
