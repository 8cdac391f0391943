// File: matchers/identifier_normalizer.h
// Turns a raw identifier value into its canonical key, per NormalizerKind:
// email (trim, lowercase, optional Gmail dot/plus folding), phone (E.164 via
// libphonenumber with a default region; any number of a possible length is
// accepted, assigned or not), digits, lowercase, exact, device IDs (lowercase;
// the all-zero opt-out IDFA/GAID is blocked) and social handles
// ("platform:handle"). Values on the block list (values and RE2 regexes,
// matched against the normalized and the lowercased raw value) are reported
// as blocked: never linked.
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

// Lowercase junk values seen in real feeds: null, undefined, -1, 0, anonymous,
// unknown, none, n/a, test@test.com, 1234567890, +10000000000, ...
std::vector<std::string> DefaultBlockedValues();
// RE2 patterns for the all-zero UUID (opt-out IDFA/GAID) and all-zero digit
// strings.
std::vector<std::string> DefaultBlockedRegexes();

// The block list is exactly `blocked_values` + `blocked_regexes`: Create()
// adds nothing. A default-constructed NormalizerOptions starts with the
// defaults; to extend them, append; to disable blocking, clear both.
struct NormalizerOptions {
  // ISO 3166 region for phone numbers written without a country code, e.g.
  // "US" or "GB" (case-insensitive). Must be a region libphonenumber supports.
  std::string phone_default_region = "US";
  // Fold Gmail addresses: drop dots and "+tag" in the local part of
  // gmail.com / googlemail.com (which Gmail ignores) and use gmail.com. Other
  // domains keep their local part as is. Default on: it merges more of one
  // person's addresses; the key is then no longer the literal address.
  bool fold_gmail = true;
  // Values that are never used to link. Compared exactly against the
  // normalized value and against the trimmed, ASCII-lowercased raw value, so
  // write them in lowercase (a raw "NULL" phone is then kBlocked, not
  // kInvalid). Default: DefaultBlockedValues().
  std::vector<std::string> blocked_values = DefaultBlockedValues();
  // RE2 patterns; a normalized value fully matching any of them is blocked.
  // When normalization fails, the trimmed, lowercased raw value is tried too.
  // Default: DefaultBlockedRegexes().
  std::vector<std::string> blocked_regexes = DefaultBlockedRegexes();
  // With region "US": read plain North American numbers ("(415) 555-0132",
  // "+1 415 555 0132", "1-415-555-0132", digits with spaces, dots, dashes or
  // parentheses) without libphonenumber, which costs ~11 us a number. Gives
  // exactly libphonenumber's E.164 (tested against it); anything else goes to
  // libphonenumber. Off only to compare the two.
  bool phone_fast_path = true;
};

enum class NormalizeOutcome {
  kOk,       // `out` holds the canonical value
  kBlocked,  // a junk/opt-out value: counted, never linked
  kInvalid,  // cannot be an identifier of this kind (e.g. "abc" as a phone)
  kEmpty,    // empty after trimming: treated as missing, not an error
};

class IdentifierNormalizer {
 public:
  // InvalidArgument if a regex does not compile (the message names it) or the
  // phone region is not supported by libphonenumber.
  static absl::StatusOr<std::unique_ptr<IdentifierNormalizer>> Create(
      const NormalizerOptions& options);
  ~IdentifierNormalizer();

  // Normalizes `raw` as `kind` into `*out`. For kInvalid, `*why` (if not
  // null) says what is wrong (e.g. "no '@'"), suitable for an error message;
  // it is untouched otherwise. `*out` is meaningful only for kOk. Reuses the
  // capacity of `*out`, so a caller looping over values rarely allocates.
  // REQUIRES: `raw` does not point into `*out`.
  NormalizeOutcome Normalize(NormalizerKind kind, std::string_view raw,
                             std::string* out, std::string* why) const;

 private:
  struct Impl;
  explicit IdentifierNormalizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace idstitch

#endif  // IDSTITCH_MATCHERS_IDENTIFIER_NORMALIZER_H_
