// File: matchers/identifier_normalizer.h
// Turns a raw identifier value into its canonical key, per NormalizerKind:
// email (trim, lowercase, optional Gmail dot/plus folding), phone (E.164 via
// libphonenumber with a default region), digits, lowercase, exact, device IDs
// (lowercase; the all-zero opt-out IDFA/GAID is blocked) and social handles
// ("platform:handle"). Values on the block list (values and RE2 regexes,
// matched against the normalized value) are reported as blocked: never linked.
// Thread safety: immutable after Create(); Normalize() is thread-safe.
#ifndef IDSTITCH_MATCHERS_IDENTIFIER_NORMALIZER_H_
#define IDSTITCH_MATCHERS_IDENTIFIER_NORMALIZER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "resolver/types.h"

namespace idstitch {

struct NormalizerOptions {
  // ISO 3166 region for phone numbers written without a country code.
  std::string phone_default_region = "US";
  // Fold Gmail addresses: drop dots and "+tag" in the local part of
  // gmail.com / googlemail.com (which Gmail ignores) and use gmail.com.
  bool fold_gmail = true;
  // Normalized values that are never used to link (compared exactly, after
  // normalization). Defaults: DefaultBlockedValues().
  std::vector<std::string> blocked_values;
  // RE2 patterns; a normalized value fully matching any of them is blocked.
  std::vector<std::string> blocked_regexes;
};

// null, undefined, -1, 0, anonymous, unknown, none, n/a, test@test.com, ...
std::vector<std::string> DefaultBlockedValues();
// The all-zero UUID (opt-out IDFA/GAID) and all-zero digit strings.
std::vector<std::string> DefaultBlockedRegexes();

enum class NormalizeOutcome {
  kOk,       // `out` holds the canonical value
  kBlocked,  // a junk/opt-out value: counted, never linked
  kInvalid,  // cannot be an identifier of this kind (e.g. "abc" as a phone)
  kEmpty,    // empty after trimming: treated as missing, not an error
};

class IdentifierNormalizer {
 public:
  // InvalidArgument if a regex does not compile or the region is unknown.
  static absl::StatusOr<std::unique_ptr<IdentifierNormalizer>> Create(
      const NormalizerOptions& options);
  ~IdentifierNormalizer();

  // Normalizes `raw` as `kind` into `*out`. For kInvalid, `*why` says what is
  // wrong (e.g. "no '@'"), suitable for an error message.
  NormalizeOutcome Normalize(NormalizerKind kind, std::string_view raw,
                             std::string* out, std::string* why) const;

 private:
  struct Impl;
  explicit IdentifierNormalizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace idstitch

#endif  // IDSTITCH_MATCHERS_IDENTIFIER_NORMALIZER_H_
