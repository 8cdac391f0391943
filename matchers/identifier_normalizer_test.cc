#include "matchers/identifier_normalizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <cctype>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "tests/status_matchers.h"

namespace idstitch {
namespace {

using ::testing::HasSubstr;

// Returns null (and fails the test) if Create() does; callers ASSERT non-null.
std::unique_ptr<IdentifierNormalizer> MakeNormalizer(
    const NormalizerOptions& options = NormalizerOptions()) {
  absl::StatusOr<std::unique_ptr<IdentifierNormalizer>> normalizer =
      IdentifierNormalizer::Create(options);
  EXPECT_TRUE(normalizer.ok()) << normalizer.status();
  return normalizer.ok() ? std::move(normalizer).value() : nullptr;
}

// Renders one Normalize() call as "ok:<value>", "blocked", "invalid:<why>" or
// "empty", so each expectation is a single exact string comparison.
std::string Normalized(const IdentifierNormalizer& normalizer,
                       NormalizerKind kind, std::string_view raw) {
  std::string out = "stale output from a previous call";
  std::string why;
  switch (normalizer.Normalize(kind, raw, &out, &why)) {
    case NormalizeOutcome::kOk:
      return "ok:" + out;
    case NormalizeOutcome::kBlocked:
      return "blocked";
    case NormalizeOutcome::kInvalid:
      return "invalid:" + why;
    case NormalizeOutcome::kEmpty:
      return "empty";
  }
  return "unreachable";
}

TEST(IdentifierNormalizerTest, DefaultOptionsCarryDefaultBlockList) {
  NormalizerOptions options;
  EXPECT_EQ(options.phone_default_region, "US");
  EXPECT_TRUE(options.fold_gmail);
  EXPECT_EQ(options.blocked_values, DefaultBlockedValues());
  EXPECT_EQ(options.blocked_regexes, DefaultBlockedRegexes());
  EXPECT_THAT(options.blocked_values,
              ::testing::IsSupersetOf({"null",
                                       "undefined",
                                       "none",
                                       "nil",
                                       "nan",
                                       "-1",
                                       "0",
                                       "anonymous",
                                       "unknown",
                                       "n/a",
                                       "na",
                                       "test",
                                       "test@test.com",
                                       "test@example.com",
                                       "noemail@noemail.com",
                                       "no@email.com",
                                       "email@email.com",
                                       "asdf@asdf.com",
                                       "1234567890",
                                       "+10000000000"}));
  for (const std::string& value : DefaultBlockedValues()) {
    std::string lowered = value;
    for (char& c : lowered)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(value, lowered) << "default blocked values must be lowercase";
  }
}

TEST(IdentifierNormalizerTest, EmptyAfterTrimForEveryKind) {
  auto normalizer = MakeNormalizer();
  ASSERT_NE(normalizer, nullptr);
  for (NormalizerKind kind :
       {NormalizerKind::kExact, NormalizerKind::kLowercase,
        NormalizerKind::kDigits, NormalizerKind::kEmail, NormalizerKind::kPhone,
        NormalizerKind::kDevice, NormalizerKind::kSocial}) {
    EXPECT_EQ(Normalized(*normalizer, kind, ""), "empty");
    EXPECT_EQ(Normalized(*normalizer, kind, " \t\r\n "), "empty");
  }
}

TEST(IdentifierNormalizerTest, ExactOnlyTrims) {
  auto normalizer = MakeNormalizer();
  ASSERT_NE(normalizer, nullptr);
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kExact, "  CRM-0042 Ab\t"),
            "ok:CRM-0042 Ab");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kExact, "NULL"), "blocked");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kExact, " Unknown "),
            "blocked");
}

TEST(IdentifierNormalizerTest, LowercaseFoldsAsciiOnly) {
  auto normalizer = MakeNormalizer();
  ASSERT_NE(normalizer, nullptr);
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kLowercase, " AbC-12 "),
            "ok:abc-12");
  // Non-ASCII bytes pass through untouched.
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kLowercase, "\xC3\x89TAPE"),
            "ok:\xC3\x89tape");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kLowercase, "N/A"),
            "blocked");
}

// The vectorized lowercase against absl's, on every byte value (the edges
// '@' / 'A', 'Z' / '[' and bytes >= 0x80 are where a range check goes wrong).
TEST(IdentifierNormalizerTest, LowercaseEqualsAbslOnEveryByte) {
  auto normalizer = MakeNormalizer();
  ASSERT_NE(normalizer, nullptr);
  std::string raw = "x";  // not all whitespace, whatever the byte
  for (int c = 0; c < 256; ++c) raw.push_back(static_cast<char>(c));
  raw.push_back('x');
  std::string out, why;
  ASSERT_EQ(normalizer->Normalize(NormalizerKind::kLowercase, raw, &out, &why),
            NormalizeOutcome::kOk);
  EXPECT_EQ(out, absl::AsciiStrToLower(raw));
}

TEST(IdentifierNormalizerTest, DigitsKeepsDigitsOnly) {
  auto normalizer = MakeNormalizer();
  ASSERT_NE(normalizer, nullptr);
  EXPECT_EQ(
      Normalized(*normalizer, NormalizerKind::kDigits, " 6011-0009 9013 9424 "),
      "ok:6011000990139424");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kDigits, "card #42"),
            "ok:42");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kDigits, "abc-def"),
            "invalid:no digits");
  // Raw "-1" is junk, not the card "1".
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kDigits, "-1"), "blocked");
  // All-zero digit strings are blocked by the default regexes after
  // normalizing.
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kDigits, "000-000-000"),
            "blocked");
}

TEST(IdentifierNormalizerTest, EmailTrimsAndLowercases) {
  auto normalizer = MakeNormalizer();
  ASSERT_NE(normalizer, nullptr);
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kEmail,
                       "  Jane.Doe+News@Example.COM "),
            "ok:jane.doe+news@example.com");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kEmail, "a@b.co"),
            "ok:a@b.co");
}

TEST(IdentifierNormalizerTest, EmailRejectsMalformedWithReason) {
  auto normalizer = MakeNormalizer();
  ASSERT_NE(normalizer, nullptr);
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kEmail, "jane.example.com"),
            "invalid:no '@'");
  EXPECT_EQ(
      Normalized(*normalizer, NormalizerKind::kEmail, "jane@doe@example.com"),
      "invalid:more than one '@'");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kEmail, "@example.com"),
            "invalid:empty local part");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kEmail, "jane@"),
            "invalid:empty domain");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kEmail, "jane@localhost"),
            "invalid:domain has no '.'");
  EXPECT_EQ(
      Normalized(*normalizer, NormalizerKind::kEmail, "jane@example.com."),
      "invalid:domain starts or ends with '.'");
  EXPECT_EQ(
      Normalized(*normalizer, NormalizerKind::kEmail, "jane@exa mple.com"),
      "invalid:contains whitespace");
  EXPECT_EQ(
      Normalized(*normalizer, NormalizerKind::kEmail, "jane doe@example.com"),
      "invalid:contains whitespace");
}

TEST(IdentifierNormalizerTest, EmailBlockedValues) {
  auto normalizer = MakeNormalizer();
  ASSERT_NE(normalizer, nullptr);
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kEmail, " Test@Test.com "),
            "blocked");
  EXPECT_EQ(
      Normalized(*normalizer, NormalizerKind::kEmail, "NOEMAIL@NOEMAIL.COM"),
      "blocked");
  // Blocked before validation: "N/A" would otherwise be "no '@'".
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kEmail, "N/A"), "blocked");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kEmail, "test2@test.com"),
            "ok:test2@test.com");
}

TEST(IdentifierNormalizerTest, GmailFoldingOn) {
  auto normalizer = MakeNormalizer();
  ASSERT_NE(normalizer, nullptr);
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kEmail,
                       "Jane.Doe+Shopping@Gmail.com"),
            "ok:janedoe@gmail.com");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kEmail,
                       "j.a.n.e.d.o.e@googlemail.com"),
            "ok:janedoe@gmail.com");
  EXPECT_EQ(
      Normalized(*normalizer, NormalizerKind::kEmail, "janedoe+a+b@gmail.com"),
      "ok:janedoe@gmail.com");
  // Only dots before the '+' survive the cut; the tag's dots go with it.
  EXPECT_EQ(
      Normalized(*normalizer, NormalizerKind::kEmail, "jane+x.y@gmail.com"),
      "ok:jane@gmail.com");
  // Nothing left of the local part after folding.
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kEmail, "+promo@gmail.com"),
            "invalid:empty local part");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kEmail, "...@gmail.com"),
            "invalid:empty local part");
  // Other domains keep dots and +tags: their providers may not ignore them.
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kEmail,
                       "Jane.Doe+News@outlook.com"),
            "ok:jane.doe+news@outlook.com");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kEmail,
                       "jane.doe@mail.gmail.com"),
            "ok:jane.doe@mail.gmail.com");
}

TEST(IdentifierNormalizerTest, GmailFoldingOff) {
  NormalizerOptions options;
  options.fold_gmail = false;
  auto normalizer = MakeNormalizer(options);
  ASSERT_NE(normalizer, nullptr);
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kEmail,
                       "Jane.Doe+Shopping@Gmail.com"),
            "ok:jane.doe+shopping@gmail.com");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kEmail,
                       "jane.doe@googlemail.com"),
            "ok:jane.doe@googlemail.com");
}

TEST(IdentifierNormalizerTest, UsPhoneFormatsMapToOneE164) {
  auto normalizer = MakeNormalizer();
  ASSERT_NE(normalizer, nullptr);
  for (std::string_view raw :
       {"(415) 555-0132", "+1 415-555-0132", "415.555.0132", "001 415 555 0132",
        "011 1 415 555 0132", "1-415-555-0132", " 4155550132 ",
        "tel:+1-415-555-0132"}) {
    EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kPhone, raw),
              "ok:+14155550132")
        << raw;
  }
}

TEST(IdentifierNormalizerTest, UkPhoneWithRegionGb) {
  NormalizerOptions options;
  options.phone_default_region = "gb";  // case-insensitive
  auto normalizer = MakeNormalizer(options);
  ASSERT_NE(normalizer, nullptr);
  for (std::string_view raw : {"020 7946 0018", "+44 20 7946 0018",
                               "0044 20 7946 0018", "(020) 7946-0018"}) {
    EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kPhone, raw),
              "ok:+442079460018")
        << raw;
  }
  // A US number written internationally is independent of the default region.
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kPhone, "001 415 555 0132"),
            "ok:+14155550132");
  // From the US, the same UK number needs its country code.
  auto us = MakeNormalizer();
  ASSERT_NE(us, nullptr);
  EXPECT_EQ(Normalized(*us, NormalizerKind::kPhone, "+44 20 7946 0018"),
            "ok:+442079460018");
}

TEST(IdentifierNormalizerTest, PhoneAcceptsPossibleButUnassignedNumbers) {
  auto normalizer = MakeNormalizer();
  ASSERT_NE(normalizer, nullptr);
  // Area code 123 does not exist (IsValidNumber is false), but the length fits.
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kPhone, "(123) 456-7891"),
            "ok:+11234567891");
  // Vanity numbers are converted; extensions are dropped.
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kPhone, "1-800-FLOWERS"),
            "ok:+18003569377");
  EXPECT_EQ(
      Normalized(*normalizer, NormalizerKind::kPhone, "415-555-0132 ext. 12"),
      "ok:+14155550132");
}

TEST(IdentifierNormalizerTest, PhoneRejectsNonNumbers) {
  auto normalizer = MakeNormalizer();
  ASSERT_NE(normalizer, nullptr);
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kPhone, "call me"),
            "invalid:not a phone number");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kPhone, "12"),
            "invalid:not a phone number");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kPhone,
                       "+1 415 555 0132 9999 99"),
            "invalid:not a phone number");
  // Local-only (no area code) is possible for libphonenumber, but not a key.
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kPhone, "555-0132"),
            "invalid:not a phone number");
}

TEST(IdentifierNormalizerTest, RepeatedPhoneSpellingsGiveTheSameAnswer) {
  // Phones are answered from a per-thread cache after the first parse; the
  // answer, the reason and the block list must not change, also once the
  // cache has been emptied for being full (65,536 spellings).
  auto normalizer = MakeNormalizer();
  ASSERT_NE(normalizer, nullptr);
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"(415) 555-0132", "ok:+14155550132"},
      {"call me", "invalid:not a phone number"},
      {"1234567890", "blocked"},
      {"001 415 555 0132", "ok:+14155550132"}};
  for (int round = 0; round < 3; ++round) {
    for (const auto& [raw, expected] : cases) {
      EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kPhone, raw), expected) << round;
    }
  }
  for (int i = 0; i < 70000; ++i) {
    const std::string raw = "212" + std::to_string(2000000 + i);
    ASSERT_EQ(Normalized(*normalizer, NormalizerKind::kPhone, raw), "ok:+1" + raw);
  }
  for (const auto& [raw, expected] : cases) {
    EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kPhone, raw), expected);
  }
}

TEST(IdentifierNormalizerTest, PhoneFastPathAgreesWithLibphonenumber) {
  // The fast path must give libphonenumber's answer (value, reason and block
  // list) on every input: random digit strings of 9 to 12 digits, NANP and
  // not, with random separators, prefixes and stray characters.
  NormalizerOptions slow_options;
  slow_options.phone_fast_path = false;
  auto fast = MakeNormalizer();
  auto slow = MakeNormalizer(slow_options);
  ASSERT_NE(fast, nullptr);
  ASSERT_NE(slow, nullptr);
  std::mt19937_64 rng(5);
  const std::string separators[] = {"", " ", "-", ".", "(", ")", "  ", " - ", ") ", "x", "/", "+"};
  for (int i = 0; i < 60000; ++i) {
    const size_t digits = 9 + rng() % 4;
    std::string raw = rng() % 5 == 0 ? "+" : "";
    if (rng() % 3 == 0) raw += "1";
    for (size_t d = 0; d < digits; ++d) {
      // Mostly 2-9 where NANP needs it, sometimes 0/1 anywhere.
      raw.push_back(static_cast<char>('0' + (rng() % 4 == 0 ? rng() % 10 : 2 + rng() % 8)));
      if (rng() % 3 == 0) raw += separators[rng() % (rng() % 8 == 0 ? 12 : 9)];
    }
    if (rng() % 10 == 0) raw = "(" + raw;
    ASSERT_EQ(Normalized(*fast, NormalizerKind::kPhone, raw),
              Normalized(*slow, NormalizerKind::kPhone, raw))
        << "'" << raw << "'";
  }
}

TEST(IdentifierNormalizerTest, PhoneJunkIsBlockedNotInvalid) {
  auto normalizer = MakeNormalizer();
  ASSERT_NE(normalizer, nullptr);
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kPhone, "NULL"), "blocked");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kPhone, "  undefined "),
            "blocked");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kPhone, "0"), "blocked");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kPhone, "1234567890"),
            "blocked");
  // Normalizes to +10000000000, a blocked value.
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kPhone, "(000) 000-0000"),
            "blocked");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kPhone, "+1 000 000 0000"),
            "blocked");
  // Not a possible number, but the raw value is all zeros: blocked wins.
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kPhone, "00000000000"),
            "blocked");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kPhone, "+0000"),
            "blocked");
}

TEST(IdentifierNormalizerTest, DeviceLowercasesAndBlocksZeroIdfa) {
  auto normalizer = MakeNormalizer();
  ASSERT_NE(normalizer, nullptr);
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kDevice,
                       " 6D92078A-8246-4BA4-AE5B-76104861E7DC "),
            "ok:6d92078a-8246-4ba4-ae5b-76104861e7dc");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kDevice,
                       "00000000-0000-0000-0000-000000000000"),
            "blocked");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kDevice,
                       "00000000-0000-0000-0000-000000000001"),
            "ok:00000000-0000-0000-0000-000000000001");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kDevice, "Undefined"),
            "blocked");
}

TEST(IdentifierNormalizerTest, SocialNormalizesPlatformAndHandle) {
  auto normalizer = MakeNormalizer();
  ASSERT_NE(normalizer, nullptr);
  EXPECT_EQ(
      Normalized(*normalizer, NormalizerKind::kSocial, "Twitter:@JaneDoe"),
      "ok:twitter:janedoe");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kSocial,
                       " Instagram : @ Jane_Doe "),
            "ok:instagram:jane_doe");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kSocial, "tiktok:janedoe"),
            "ok:tiktok:janedoe");
  // Only the first ':' separates; the handle may contain more.
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kSocial,
                       "Mastodon:@Jane@Mastodon.Social"),
            "ok:mastodon:jane@mastodon.social");
}

TEST(IdentifierNormalizerTest, SocialRejectsMissingParts) {
  auto normalizer = MakeNormalizer();
  ASSERT_NE(normalizer, nullptr);
  for (std::string_view raw :
       {"@janedoe", ":janedoe", "twitter:", "twitter: @ ", " :@"}) {
    EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kSocial, raw),
              "invalid:expected platform:handle")
        << raw;
  }
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kSocial, "NULL"),
            "blocked");
}

TEST(IdentifierNormalizerTest, BadRegionIsInvalidArgument) {
  for (const char* region : {"XX", "ZZ", "", "USA", "1"}) {
    NormalizerOptions options;
    options.phone_default_region = region;
    EXPECT_THAT(IdentifierNormalizer::Create(options),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << region;
  }
}

TEST(IdentifierNormalizerTest, BadRegexIsInvalidArgumentNamingIt) {
  NormalizerOptions options;
  options.blocked_regexes.push_back("(unclosed");
  absl::StatusOr<std::unique_ptr<IdentifierNormalizer>> normalizer =
      IdentifierNormalizer::Create(options);
  EXPECT_THAT(normalizer, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(normalizer.status().message()),
              HasSubstr("'(unclosed'"));

  // Backreferences are not RE2 syntax.
  options.blocked_regexes = {"(\\d)\\1{9,}"};
  EXPECT_THAT(IdentifierNormalizer::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(IdentifierNormalizerTest, CustomBlockListReplacesDefaults) {
  NormalizerOptions options;
  options.blocked_values = {"guest", "+14155550199"};
  options.blocked_regexes = {"kiosk-\\d+", "[a-z]+@internal\\.example"};
  auto normalizer = MakeNormalizer(options);
  ASSERT_NE(normalizer, nullptr);
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kLowercase, "GUEST"),
            "blocked");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kPhone, "(415) 555-0199"),
            "blocked");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kPhone, "(415) 555-0132"),
            "ok:+14155550132");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kDevice, "Kiosk-17"),
            "blocked");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kDevice, "kiosk-17b"),
            "ok:kiosk-17b");
  EXPECT_EQ(
      Normalized(*normalizer, NormalizerKind::kEmail, "Ops@Internal.Example"),
      "blocked");
  // Anchored at both ends: a partial match does not block.
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kEmail,
                       "ops@internal.example.org"),
            "ok:ops@internal.example.org");
  // The defaults are gone.
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kLowercase, "null"),
            "ok:null");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kDevice,
                       "00000000-0000-0000-0000-000000000000"),
            "ok:00000000-0000-0000-0000-000000000000");
}

// Blocked regexes are prefiltered by each pattern's possible match range
// (first its first byte, then the whole range);
// the answer must be exactly RE2::Set's on values inside, outside and at the
// edges of those ranges, for patterns with and without a usable range.
TEST(IdentifierNormalizerTest, BlockedRegexPrefilterAgreesWithRe2Set) {
  const std::vector<std::vector<std::string>> pattern_sets = {
      DefaultBlockedRegexes(),
      {"kiosk-\\d+", "[a-z]+@internal\\.example", "(?i)test[0-9]*"},
      {".*@spam\\.example", "0+"},  // a leading .* has no upper bound
      {"a|zz+", "m{2,3}n?", "\\+?0+"},
      {"\xc3\xa9+", "~+"},  // first bytes high in the byte range
      {"[^a]b"}};
  std::vector<std::string> values = {
      "", "0", "00", "+0", "+000", "+", "0000000000", "00000000-0000-0000-0000-000000000000",
      "00000000-0000-0000-0000-000000000001", "kiosk-1", "kiosk-", "kiosk-12a", "Kiosk-3",
      "ops@internal.example", "ops@internal.example.org", "test", "TEST42", "tesT", "a", "aa",
      "z", "zz", "zzzz", "mm", "mmm", "mmmn", "mmmm", "x@spam.example", "@spam.example",
      "x@spam.examplex", "55d0ef14-541b-4754-8020-6972bf8a72ab", "user@example.com",
      "+14155550132", "\xff", "~", "~~", "\x01" "b", "bb", "ab", "\xc3\xa9\xc3\xa9"};
  std::mt19937 rng(5);
  const std::string alphabet = "0+az-mnkiosTEST@.x";
  for (int i = 0; i < 3000; ++i) {
    std::string value;
    for (int length = rng() % 8; length > 0; --length) value += alphabet[rng() % alphabet.size()];
    values.push_back(value);
  }
  for (const std::vector<std::string>& patterns : pattern_sets) {
    NormalizerOptions options;
    options.blocked_values.clear();
    options.blocked_regexes = patterns;
    auto normalizer = MakeNormalizer(options);
    ASSERT_NE(normalizer, nullptr);
    RE2::Options re_options;
    re_options.set_log_errors(false);
    RE2::Set reference(re_options, RE2::ANCHOR_BOTH);
    for (const std::string& pattern : patterns) ASSERT_GE(reference.Add(pattern, nullptr), 0);
    ASSERT_TRUE(reference.Compile());
    for (const std::string& value : values) {
      if (value.empty()) continue;
      std::string out, why;
      const bool blocked = normalizer->Normalize(NormalizerKind::kExact, value, &out, &why) ==
                           NormalizeOutcome::kBlocked;
      EXPECT_EQ(blocked, reference.Match(value, nullptr))
          << "'" << value << "' with " << patterns.front();
    }
  }
}

// Blocked values are prefiltered by a bit for their length and end bytes:
// every blocked value must still be blocked (in any case), and values that
// share a blocked value's length and both ends, or differ from one in a
// single byte, must not be.
TEST(IdentifierNormalizerTest, BlockedValuePrefilterAgreesWithTheList) {
  auto normalizer = MakeNormalizer(NormalizerOptions{});
  ASSERT_NE(normalizer, nullptr);
  const std::vector<std::string> blocked = DefaultBlockedValues();
  auto outcome = [&](const std::string& value) {
    std::string out, why;
    return normalizer->Normalize(NormalizerKind::kExact, value, &out, &why);
  };
  int wrong = 0;
  for (const std::string& value : blocked) {
    wrong += outcome(value) != NormalizeOutcome::kBlocked;
    wrong += outcome(absl::AsciiStrToUpper(value)) != NormalizeOutcome::kBlocked;
    for (size_t i = 0; i < value.size(); ++i) {
      for (char replacement : {'q', 'Z', '7', '#'}) {
        std::string near = value;
        near[i] = replacement;
        if (std::find(blocked.begin(), blocked.end(), absl::AsciiStrToLower(near)) !=
            blocked.end()) {
          continue;
        }
        wrong += outcome(near) == NormalizeOutcome::kBlocked;
      }
    }
  }
  EXPECT_EQ(wrong, 0);
}

TEST(IdentifierNormalizerTest, EmptyBlockListBlocksNothing) {
  NormalizerOptions options;
  options.blocked_values.clear();
  options.blocked_regexes.clear();
  auto normalizer = MakeNormalizer(options);
  ASSERT_NE(normalizer, nullptr);
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kExact, "NULL"), "ok:NULL");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kDigits, "0000"),
            "ok:0000");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kPhone, "NULL"),
            "invalid:not a phone number");
  EXPECT_EQ(Normalized(*normalizer, NormalizerKind::kPhone, "(000) 000-0000"),
            "ok:+10000000000");
}

TEST(IdentifierNormalizerTest, WhyIsOptionalAndUntouchedUnlessInvalid) {
  auto normalizer = MakeNormalizer();
  ASSERT_NE(normalizer, nullptr);
  std::string out;
  EXPECT_EQ(
      normalizer->Normalize(NormalizerKind::kEmail, "nope", &out, nullptr),
      NormalizeOutcome::kInvalid);
  std::string why = "previous";
  EXPECT_EQ(normalizer->Normalize(NormalizerKind::kEmail, "a@b.io", &out, &why),
            NormalizeOutcome::kOk);
  EXPECT_EQ(out, "a@b.io");
  EXPECT_EQ(why, "previous");
}

TEST(IdentifierNormalizerTest, ReusedOutputBufferHoldsOnlyTheNewValue) {
  auto normalizer = MakeNormalizer();
  ASSERT_NE(normalizer, nullptr);
  std::string out;
  std::string why;
  ASSERT_EQ(normalizer->Normalize(NormalizerKind::kEmail,
                                  "Jane.Doe+A@gmail.com", &out, &why),
            NormalizeOutcome::kOk);
  EXPECT_EQ(out, "janedoe@gmail.com");
  ASSERT_EQ(normalizer->Normalize(NormalizerKind::kDigits, "7", &out, &why),
            NormalizeOutcome::kOk);
  EXPECT_EQ(out, "7");
  ASSERT_EQ(normalizer->Normalize(NormalizerKind::kSocial, "X:@ab", &out, &why),
            NormalizeOutcome::kOk);
  EXPECT_EQ(out, "x:ab");
  ASSERT_EQ(
      normalizer->Normalize(NormalizerKind::kPhone, "415 555 0132", &out, &why),
      NormalizeOutcome::kOk);
  EXPECT_EQ(out, "+14155550132");
}

TEST(IdentifierNormalizerTest, ConcurrentNormalizeGivesSameResults) {
  auto normalizer = MakeNormalizer();
  ASSERT_NE(normalizer, nullptr);
  constexpr int kThreads = 4;
  constexpr int kIterations = 500;
  std::vector<std::string> results(kThreads);
  std::vector<std::thread> threads;
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    threads.emplace_back([&, thread_idx] {
      std::string summary;
      for (int i = 0; i < kIterations; ++i) {
        summary =
            Normalized(*normalizer, NormalizerKind::kPhone, "(415) 555-0132") +
            " " +
            Normalized(*normalizer, NormalizerKind::kEmail,
                       "J.D+x@googlemail.com") +
            " " +
            Normalized(*normalizer, NormalizerKind::kDevice,
                       "00000000-0000-0000-0000-000000000000");
        if (summary != "ok:+14155550132 ok:jd@gmail.com blocked") break;
      }
      results[thread_idx] = summary;
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const std::string& result : results) {
    EXPECT_EQ(result, "ok:+14155550132 ok:jd@gmail.com blocked");
  }
}

}  // namespace
}  // namespace idstitch
