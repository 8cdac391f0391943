#include "matchers/identifier_normalizer.h"

#include "resolver/absl_compat.h"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <set>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "tbb/enumerable_thread_specific.h"

namespace idstitch {
namespace {

using ::i18n::phonenumbers::PhoneNumber;
using ::i18n::phonenumbers::PhoneNumberUtil;

constexpr std::string_view kNotAPhoneNumber = "not a phone number";
constexpr std::string_view kGmailDomain = "gmail.com";
constexpr std::string_view kGooglemailDomain = "googlemail.com";

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// `from` lowercased into `to`, in one pass over the bytes and branch-free so
// the compiler vectorizes it: absl's AsciiStrToLower after a copy was ~5% of a
// resolve run's CPU (perf, 1M events).
void AssignLowercase(std::string_view from, std::string* to) {
  to->resize(from.size());
  char* out = to->data();
  for (size_t i = 0; i < from.size(); ++i) {
    const char c = from[i];
    out[i] = static_cast<char>(c | (static_cast<unsigned char>(c - 'A') < 26 ? 0x20 : 0));
  }
}


bool HasAsciiWhitespace(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isspace(static_cast<unsigned char>(c));
  });
}

NormalizeOutcome Invalid(std::string* why, std::string_view reason) {
  if (why != nullptr) why->assign(reason.data(), reason.size());
  return NormalizeOutcome::kInvalid;
}

// Compacts `out` to `out[a_begin, a_end) + sep + out[b_begin, b_end)` in
// place. Safe because every range starts at or after its write position.
void CompactJoin(std::string* out, size_t a_begin, size_t a_end, char sep,
                 size_t b_begin, size_t b_end) {
  std::string& s = *out;
  size_t w = 0;
  for (size_t i = a_begin; i < a_end; ++i) s[w++] = s[i];
  s[w++] = sep;
  for (size_t i = b_begin; i < b_end; ++i) s[w++] = s[i];
  s.resize(w);
}

// [begin, end) of `s` without surrounding ASCII whitespace, as indices.
std::pair<size_t, size_t> TrimRange(const std::string& s, size_t begin,
                                    size_t end) {
  auto is_space = [&s](size_t i) {
    return absl::ascii_isspace(static_cast<unsigned char>(s[i]));
  };
  while (begin < end && is_space(begin)) ++begin;
  while (end > begin && is_space(end - 1)) --end;
  return {begin, end};
}

}  // namespace

std::vector<std::string> DefaultBlockedValues() {
  // clang-format off
  return {
      // Placeholders that serializers and forms emit for "no value".
      "null", "(null)", "<null>", "undefined", "none", "nil", "nan", "-1", "0",
      "anonymous", "unknown", "n/a", "na", "not provided", "not available",
      "test",
      // Throwaway emails typed into forms to get past a required field.
      "test@test.com", "test@example.com", "example@example.com",
      "user@example.com", "noemail@noemail.com", "no@email.com",
      "none@none.com", "email@email.com", "asdf@asdf.com",
      // Keyboard-run and all-zero phones (raw and E.164).
      "1234567890", "+11234567890", "+10000000000",
  };
  // clang-format on
}

std::vector<std::string> DefaultBlockedRegexes() {
  // RE2 has no backreferences, so repeated-digit phones (555-555-5555) are not
  // expressible generically; add them as values if a feed needs it.
  return {
      "0{8}-0{4}-0{4}-0{4}-0{12}",  // opt-out IDFA/GAID (limit ad tracking)
      "\\+?0+",                     // all-zero digit strings
  };
}

struct IdentifierNormalizer::Impl {
  std::string phone_region;  // uppercase, supported by libphonenumber
  bool fold_gmail = true;
  absl::flat_hash_set<std::string> blocked_values;
  // Longer raw values cannot be blocked values: skips the lowercase copy.
  size_t max_blocked_value_size = 0;
  std::unique_ptr<RE2::Set> blocked_regexes;    // null when there are none
  // Every string a blocked regex matches lies in one of these [min, max]
  // ranges (RE2::PossibleMatchRange): most values fall outside all of them
  // and skip the Set's automaton. Empty if some pattern has no usable range.
  std::vector<std::pair<std::string, std::string>> blocked_regex_ranges;
  // Bytes a value in one of those ranges can start with. Most values (emails,
  // device IDs) fail this one load; the two string comparisons per range,
  // calls into memcmp, were 4% of a run's CPU.
  std::array<bool, 256> blocked_regex_first_bytes{};
  const PhoneNumberUtil* phone_util = nullptr;  // process-wide singleton
  // Phone parsing (ICU regexes inside libphonenumber) costs microseconds and
  // a log repeats each customer's number in the same spelling, so each thread
  // remembers recent raw spellings: raw -> E.164, or "" for invalid. Cleared
  // when full; a cached answer is the one parsing would give.
  mutable tbb::enumerable_thread_specific<absl::flat_hash_map<std::string, std::string>>
      phone_cache;
  static constexpr size_t kPhoneCacheEntries = size_t{1} << 16;

  // Bits for the (length, first byte, last byte) of every blocked value: a
  // value whose bit is clear is not blocked, and most are (an email of a
  // blocked value's length rarely shares both its ends), so it skips the
  // set's hashing, which each identifier paid twice (raw and normalized).
  std::bitset<4096> blocked_value_shapes;
  static size_t ShapeBit(std::string_view value) {
    return (value.size() * 7919 + static_cast<unsigned char>(value.front()) * 31 +
            static_cast<unsigned char>(value.back())) % 4096;
  }

  bool IsBlockedValue(std::string_view value) const {
    if (value.size() > max_blocked_value_size) return false;
    if (!value.empty() && !blocked_value_shapes[ShapeBit(value)]) return false;
    return blocked_values.contains(AsAbsl(value));
  }
  bool MatchesBlockedRegex(std::string_view value) const {
    if (blocked_regexes == nullptr) return false;
    if (!blocked_regex_ranges.empty()) {
      // The first byte alone rules out most values; an empty one is left to
      // the ranges (it is in one only if that range's min is empty).
      if (!value.empty() && !blocked_regex_first_bytes[static_cast<unsigned char>(value[0])]) {
        return false;
      }
      if (std::none_of(blocked_regex_ranges.begin(), blocked_regex_ranges.end(),
                       [&](const auto& range) {
                         return range.first <= value && value <= range.second;
                       })) {
        return false;
      }
    }
    return blocked_regexes->Match(re2::StringPiece(value.data(), value.size()), nullptr);
  }

  NormalizeOutcome NormalizeValue(NormalizerKind kind, std::string_view trimmed,
                                  std::string* out, std::string* why) const;
  NormalizeOutcome NormalizeEmail(std::string* out, std::string* why) const;
  NormalizeOutcome NormalizePhone(std::string_view trimmed, std::string* out,
                                  std::string* why) const;
  NormalizeOutcome ParsePhone(std::string_view trimmed, std::string* out,
                              std::string* why) const;
  bool phone_fast_path = false;  // region US and the option on
  static NormalizeOutcome NormalizeSocial(std::string* out, std::string* why);
};

IdentifierNormalizer::IdentifierNormalizer(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

IdentifierNormalizer::~IdentifierNormalizer() = default;

absl::StatusOr<std::unique_ptr<IdentifierNormalizer>>
IdentifierNormalizer::Create(const NormalizerOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->phone_util = PhoneNumberUtil::GetInstance();
  impl->phone_region = absl::AsciiStrToUpper(options.phone_default_region);
  std::set<std::string> regions;
  impl->phone_util->GetSupportedRegions(&regions);
  if (!regions.contains(impl->phone_region)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "phone_default_region '", options.phone_default_region,
        "' is not a region libphonenumber supports (expected e.g. \"US\")"));
  }
  impl->fold_gmail = options.fold_gmail;
  impl->phone_fast_path = options.phone_fast_path && impl->phone_region == "US";

  for (const std::string& value : options.blocked_values) {
    impl->max_blocked_value_size =
        std::max(impl->max_blocked_value_size, value.size());
    impl->blocked_values.insert(value);
    if (!value.empty()) impl->blocked_value_shapes.set(Impl::ShapeBit(value));
  }

  if (!options.blocked_regexes.empty()) {
    RE2::Options re_options;
    re_options.set_log_errors(false);  // errors are returned, not logged
    impl->blocked_regexes =
        std::make_unique<RE2::Set>(re_options, RE2::ANCHOR_BOTH);
    bool ranges_usable = true;
    for (const std::string& pattern : options.blocked_regexes) {
      std::string error;
      if (impl->blocked_regexes->Add(pattern, &error) < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "blocked regex '", pattern, "' does not compile: ", error));
      }
      RE2 single(pattern, re_options);
      std::string min, max;
      // An empty max means "no upper bound known" (e.g. a leading .*).
      if (single.ok() && single.PossibleMatchRange(&min, &max, 64) && !max.empty()) {
        impl->blocked_regex_ranges.emplace_back(std::move(min), std::move(max));
      } else {
        ranges_usable = false;
      }
    }
    if (!ranges_usable) impl->blocked_regex_ranges.clear();
    for (const auto& [min, max] : impl->blocked_regex_ranges) {
      // An empty min admits every first byte up to max's.
      const int low = min.empty() ? 0 : static_cast<unsigned char>(min[0]);
      const int high = static_cast<unsigned char>(max[0]);
      for (int byte = low; byte <= high; ++byte) impl->blocked_regex_first_bytes[byte] = true;
    }
    if (!impl->blocked_regexes->Compile()) {
      return absl::InvalidArgumentError(
          "blocked regexes do not compile together (RE2 memory budget "
          "exceeded)");
    }
  }
  return std::unique_ptr<IdentifierNormalizer>(
      new IdentifierNormalizer(std::move(impl)));
}

NormalizeOutcome IdentifierNormalizer::Normalize(NormalizerKind kind,
                                                 std::string_view raw,
                                                 std::string* out,
                                                 std::string* why) const {
  const std::string_view trimmed =
      AsStd(absl::StripAsciiWhitespace(AsAbsl(raw)));
  if (trimmed.empty()) {
    out->clear();
    return NormalizeOutcome::kEmpty;
  }
  // The raw check comes first so that junk like "NULL" in a phone column is
  // reported as blocked (a data-quality fact) rather than invalid.
  if (trimmed.size() <= impl_->max_blocked_value_size) {
    AssignLowercase(trimmed, out);
    if (impl_->IsBlockedValue(*out)) return NormalizeOutcome::kBlocked;
  }

  const NormalizeOutcome outcome =
      impl_->NormalizeValue(kind, trimmed, out, why);
  if (outcome == NormalizeOutcome::kInvalid) {
    // Rare path, so the copy is fine: "00000000000" is junk, not a typo.
    if (impl_->blocked_regexes != nullptr) {
      const std::string lowered = absl::AsciiStrToLower(AsAbsl(trimmed));
      if (impl_->MatchesBlockedRegex(lowered)) {
        return NormalizeOutcome::kBlocked;
      }
    }
    return outcome;
  }
  if (outcome != NormalizeOutcome::kOk) return outcome;
  if (impl_->IsBlockedValue(*out) || impl_->MatchesBlockedRegex(*out)) {
    return NormalizeOutcome::kBlocked;
  }
  return NormalizeOutcome::kOk;
}

NormalizeOutcome IdentifierNormalizer::Impl::NormalizeValue(
    NormalizerKind kind, std::string_view trimmed, std::string* out,
    std::string* why) const {
  switch (kind) {
    case NormalizerKind::kExact:
      out->assign(trimmed.data(), trimmed.size());
      return NormalizeOutcome::kOk;
    case NormalizerKind::kDigits:
      out->clear();
      for (char c : trimmed) {
        if (IsAsciiDigit(c)) out->push_back(c);
      }
      if (out->empty()) return Invalid(why, "no digits");
      return NormalizeOutcome::kOk;
    case NormalizerKind::kPhone:
      return NormalizePhone(trimmed, out, why);
    case NormalizerKind::kLowercase:
    case NormalizerKind::kDevice:
    case NormalizerKind::kEmail:
    case NormalizerKind::kSocial:
      break;
  }
  // The remaining kinds all start from the lowercased value.
  AssignLowercase(trimmed, out);
  switch (kind) {
    case NormalizerKind::kEmail:
      return NormalizeEmail(out, why);
    case NormalizerKind::kSocial:
      return NormalizeSocial(out, why);
    default:
      return NormalizeOutcome::kOk;
  }
}

NormalizeOutcome IdentifierNormalizer::Impl::NormalizeEmail(
    std::string* out, std::string* why) const {
  const size_t at = out->find('@');
  if (at == std::string::npos) return Invalid(why, "no '@'");
  if (out->find('@', at + 1) != std::string::npos) {
    return Invalid(why, "more than one '@'");
  }
  if (at == 0) return Invalid(why, "empty local part");
  if (HasAsciiWhitespace(*out)) return Invalid(why, "contains whitespace");
  const std::string_view domain = std::string_view(*out).substr(at + 1);
  if (domain.empty()) return Invalid(why, "empty domain");
  if (domain.find('.') == std::string_view::npos) {
    return Invalid(why, "domain has no '.'");
  }
  if (domain.front() == '.' || domain.back() == '.') {
    return Invalid(why, "domain starts or ends with '.'");
  }
  if (!fold_gmail || (domain != kGmailDomain && domain != kGooglemailDomain)) {
    return NormalizeOutcome::kOk;
  }
  // Gmail ignores dots and everything after '+' in the local part, and
  // googlemail.com is an alias of gmail.com: fold them so one mailbox is one
  // key.
  std::string& s = *out;
  size_t w = 0;
  for (size_t i = 0; i < at && s[i] != '+'; ++i) {
    if (s[i] != '.') s[w++] = s[i];
  }
  if (w == 0) return Invalid(why, "empty local part");
  s.resize(w);
  s.push_back('@');
  s.append(kGmailDomain);
  return NormalizeOutcome::kOk;
}

namespace {

// A plain NANP number: digits separated only by spaces, dashes, dots and
// parentheses, optionally "+1" or "1" first, with a 10-digit national number
// whose area code starts with 2-9. Writes "+1" and the national number.
// False for anything else (letters, extensions, other countries).
bool FastNanpPhone(std::string_view text, std::string* out) {
  char digits[12];
  size_t count = 0;
  bool plus = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      if (count == sizeof(digits)) return false;
      digits[count++] = c;
    } else if (c == '+' && i == 0) {
      plus = true;
    } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
      return false;
    }
  }
  size_t national = 0;
  if (count == 11 && digits[0] == '1') {
    national = 1;
  } else if (count != 10 || plus) {
    return false;
  }
  const char* number = digits + national;
  if (number[0] < '2') return false;
  out->assign("+1");
  out->append(number, 10);
  return true;
}

}  // namespace

NormalizeOutcome IdentifierNormalizer::Impl::NormalizePhone(
    std::string_view trimmed, std::string* out, std::string* why) const {
  if (phone_fast_path && FastNanpPhone(trimmed, out)) return NormalizeOutcome::kOk;
  auto& cache = phone_cache.local();
  if (auto it = cache.find(AsAbsl(trimmed)); it != cache.end()) {
    if (it->second.empty()) return Invalid(why, kNotAPhoneNumber);
    out->assign(it->second);
    return NormalizeOutcome::kOk;
  }
  const NormalizeOutcome outcome = ParsePhone(trimmed, out, why);
  if (cache.size() >= kPhoneCacheEntries) cache.clear();
  cache.emplace(std::string(trimmed),
                outcome == NormalizeOutcome::kOk ? *out : std::string());
  return outcome;
}

NormalizeOutcome IdentifierNormalizer::Impl::ParsePhone(
    std::string_view trimmed, std::string* out, std::string* why) const {
  // IS_POSSIBLE (a length check) rather than IsValidNumber(): generated
  // fixtures and fresh allocations use ranges libphonenumber's metadata does
  // not know yet, and rejecting them would drop real links.
  // IS_POSSIBLE_LOCAL_ONLY (no area code, e.g. "555-0132") is rejected: it is
  // not a global key.
  auto parse = [&](std::string* buffer, PhoneNumber* number) {
    return phone_util->Parse(*buffer, phone_region, number) ==
               PhoneNumberUtil::NO_PARSING_ERROR &&
           phone_util->IsPossibleNumberWithReason(*number) ==
               PhoneNumberUtil::IS_POSSIBLE;
  };
  PhoneNumber number;
  out->assign(trimmed.data(), trimmed.size());
  bool ok = parse(out, &number);
  if (!ok && trimmed.size() > 2 && trimmed.substr(0, 2) == "00") {
    // "00" is the international prefix in most of the world but not in the
    // default region (e.g. US dials 011): read "001 415..." as "+1 415...".
    // Not assign("+"): GCC 12 reports a -Wrestrict false positive (PR105651).
    out->clear();
    out->push_back('+');
    out->append(trimmed.data() + 2, trimmed.size() - 2);
    number.Clear();
    ok = parse(out, &number);
  }
  if (!ok) return Invalid(why, kNotAPhoneNumber);
  // E.164 drops any extension: "x12" is the same line for linking purposes.
  out->clear();
  phone_util->Format(number, PhoneNumberUtil::E164, out);
  return NormalizeOutcome::kOk;
}

NormalizeOutcome IdentifierNormalizer::Impl::NormalizeSocial(std::string* out,
                                                             std::string* why) {
  const size_t colon = out->find(':');
  if (colon == std::string::npos) {
    return Invalid(why, "expected platform:handle");
  }
  const std::pair<size_t, size_t> platform = TrimRange(*out, 0, colon);
  std::pair<size_t, size_t> handle = TrimRange(*out, colon + 1, out->size());
  if (handle.first < handle.second && (*out)[handle.first] == '@') {
    handle = TrimRange(*out, handle.first + 1, handle.second);
  }
  if (platform.first == platform.second || handle.first == handle.second) {
    return Invalid(why, "expected platform:handle");
  }
  CompactJoin(out, platform.first, platform.second, ':', handle.first,
              handle.second);
  return NormalizeOutcome::kOk;
}

}  // namespace idstitch
