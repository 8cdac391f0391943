#include "resolver/record_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "resolver/absl_compat.h"
#include "resolver/input_reader.h"

namespace idstitch {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// 2026-02-17T14:32:33Z.
constexpr int64_t kSampleSeconds = 1771338753;

// "reason@field", with a trailing "!" when the whole record was rejected.
std::string IssueKey(const InputIssue& issue) {
  return absl::StrCat(issue.reason, "@", issue.field, issue.record_rejected ? "!" : "");
}

class RecordParserTest : public ::testing::Test {
 protected:
  void SetUp() override { Init(); }

  // Rebuilds the parser with these column renames and field length limit.
  void Init(const std::vector<std::pair<std::string, std::string>>& renames = {},
            size_t max_field_length = 1024) {
    parser_.reset();
    absl::StatusOr<FieldMapping> mapping = FieldMapping::Create(types_, renames);
    ASSERT_TRUE(mapping.ok()) << mapping.status();
    mapping_ = std::make_unique<FieldMapping>(*std::move(mapping));
    if (normalizer_ == nullptr) {
      absl::StatusOr<std::unique_ptr<IdentifierNormalizer>> normalizer =
          IdentifierNormalizer::Create(NormalizerOptions{});
      ASSERT_TRUE(normalizer.ok()) << normalizer.status();
      normalizer_ = *std::move(normalizer);
    }
    parser_ = std::make_unique<RecordParser>(types_, *mapping_, *normalizer_, max_field_length);
  }

  // Parses `line` from a private copy followed by simdjson's padding, as the
  // input reader's chunks are.
  bool Parse(std::string_view line) {
    std::string buffer(line);
    buffer.append(kChunkPadding, '\0');
    issues_.clear();
    return parser_->ParseJson(std::string_view(buffer.data(), line.size()), buffer.size(), json_,
                              &record_, &counters_, &issues_);
  }

  bool ParseCsv(const std::vector<std::string>& header, const std::vector<std::string>& fields) {
    issues_.clear();
    return parser_->ParseCsv(parser_->MakeCsvLayout(header), fields, &record_, &counters_,
                             &issues_);
  }

  TypeId Type(std::string_view name) const {
    std::optional<TypeId> type = types_.Find(name);
    EXPECT_TRUE(type.has_value()) << name;
    return type.value_or(0);
  }

  // The record's identifiers as "type=value ...", in record order.
  std::string Identifiers() const {
    std::vector<std::string> parts;
    for (const Identifier& id : record_.identifiers) {
      parts.push_back(absl::StrCat(types_.spec(id.type).name, "=", id.value));
    }
    return absl::StrJoin(parts, " ");
  }

  std::vector<std::string> IssueKeys() const {
    std::vector<std::string> keys;
    for (const InputIssue& issue : issues_) keys.push_back(IssueKey(issue));
    return keys;
  }

  IdentifierTypeRegistry types_ = IdentifierTypeRegistry::WithBuiltins();
  std::unique_ptr<FieldMapping> mapping_;
  std::unique_ptr<IdentifierNormalizer> normalizer_;
  std::unique_ptr<RecordParser> parser_;
  simdjson::dom::parser json_;
  Record record_;
  InputCounters counters_;
  std::vector<InputIssue> issues_;
};

// Record order is (type priority, type name, value): types of equal priority
// order by name, whatever their registration order.
TEST_F(RecordParserTest, IdentifiersOrderByPriorityThenTypeNameThenValue) {
  IdentifierTypeSpec zeta;
  zeta.name = "zeta";
  zeta.priority = 5;
  IdentifierTypeSpec alpha = zeta;
  alpha.name = "alpha";
  ASSERT_TRUE(types_.Add(zeta).ok());  // registered first
  ASSERT_TRUE(types_.Add(alpha).ok());
  Init({{"alpha2", "alpha"}});
  ASSERT_TRUE(Parse(R"({"zeta":"a","alpha":"y","alpha2":"x"})"));
  EXPECT_EQ(Identifiers(), "alpha=x alpha=y zeta=a");
}

TEST_F(RecordParserTest, NumericTimestampsAreUnixSeconds) {
  ASSERT_TRUE(Parse(R"({"ts":1771338753,"email":"a@example.com"})"));
  EXPECT_EQ(record_.ts, kSampleSeconds);
  EXPECT_THAT(IssueKeys(), IsEmpty());
  ASSERT_TRUE(Parse(R"({"ts":-86400,"email":"a@example.com"})"));
  EXPECT_EQ(record_.ts, -86400);
  ASSERT_TRUE(Parse(R"({"ts":1771338753.9,"email":"a@example.com"})"));  // truncated
  EXPECT_EQ(record_.ts, kSampleSeconds);
  ASSERT_TRUE(Parse(R"({"ts":18446744073709551615,"email":"a@example.com"})"));
  EXPECT_EQ(record_.ts, kNoTimestamp);
  EXPECT_THAT(IssueKeys(), ElementsAre("bad_timestamp@ts"));
  // Under a field limit shorter than the number, it is too long like any field.
  Init({}, /*max_field_length=*/5);
  ASSERT_TRUE(Parse(R"({"ts":1771338753,"account_id":"A1"})"));
  EXPECT_EQ(record_.ts, kNoTimestamp);
  EXPECT_THAT(IssueKeys(), ElementsAre("field_too_long@ts"));
}

// --- ParseTimestamp -------------------------------------------------------

TEST(RecordParserTimestampTest, AcceptsUnixSeconds) {
  int64_t ts = 0;
  ASSERT_TRUE(ParseTimestamp("1771338753", &ts));
  EXPECT_EQ(ts, kSampleSeconds);
  ASSERT_TRUE(ParseTimestamp("0", &ts));
  EXPECT_EQ(ts, 0);
  ASSERT_TRUE(ParseTimestamp("-86400", &ts));
  EXPECT_EQ(ts, -86400);
  ASSERT_TRUE(ParseTimestamp("  1771338753 \t", &ts));
  EXPECT_EQ(ts, kSampleSeconds);
}

TEST(RecordParserTimestampTest, UnixSecondsFractionIsTruncated) {
  int64_t ts = 0;
  ASSERT_TRUE(ParseTimestamp("1771338753.999", &ts));
  EXPECT_EQ(ts, kSampleSeconds);
  ASSERT_TRUE(ParseTimestamp("1771338753.0", &ts));
  EXPECT_EQ(ts, kSampleSeconds);
}

TEST(RecordParserTimestampTest, AcceptsIso8601WithZ) {
  int64_t ts = 0;
  ASSERT_TRUE(ParseTimestamp("2026-02-17T14:32:33Z", &ts));
  EXPECT_EQ(ts, kSampleSeconds);
  ASSERT_TRUE(ParseTimestamp("1970-01-01T00:00:00Z", &ts));
  EXPECT_EQ(ts, 0);
  ASSERT_TRUE(ParseTimestamp(" 2026-02-17T14:32:33Z ", &ts));
  EXPECT_EQ(ts, kSampleSeconds);
}

TEST(RecordParserTimestampTest, AcceptsIso8601WithOffsetsAndFractions) {
  int64_t ts = 0;
  ASSERT_TRUE(ParseTimestamp("2026-02-17T16:32:33+02:00", &ts));
  EXPECT_EQ(ts, kSampleSeconds);
  ASSERT_TRUE(ParseTimestamp("2026-02-17T09:02:33-05:30", &ts));
  EXPECT_EQ(ts, kSampleSeconds);
  ASSERT_TRUE(ParseTimestamp("2026-02-17T14:32:33+00:00", &ts));
  EXPECT_EQ(ts, kSampleSeconds);
  ASSERT_TRUE(ParseTimestamp("2026-02-17T14:32:33.250Z", &ts));
  EXPECT_EQ(ts, kSampleSeconds);
  ASSERT_TRUE(ParseTimestamp("2026-02-17T15:32:33.999999+01:00", &ts));
  EXPECT_EQ(ts, kSampleSeconds);
}

TEST(RecordParserTimestampTest, RejectsWhatIsNeitherIsoNorUnixSeconds) {
  for (std::string_view text :
       {"", "   ", "-", ".", ".5", "1771338753.", "1771338753.5x", "17e8", "0x10", "+5",
        "12 34", "yesterday", "2026-02-17", "2026-02-17T14:32:33", "2026-02-17 14:32",
        "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-02-17T25:00:00Z",
        "99999999999999999999", "-99999999999999999999"}) {
    int64_t ts = 0;
    EXPECT_FALSE(ParseTimestamp(text, &ts)) << "'" << text << "' -> " << ts;
  }
}

TEST(RecordParserTimestampTest, RejectsSignedFraction) {
  int64_t ts = 0;
  EXPECT_FALSE(ParseTimestamp("1771338753.-5", &ts)) << ts;
  EXPECT_FALSE(ParseTimestamp("1.-0", &ts)) << ts;
}

TEST(RecordParserTimestampTest, RejectsAbseilInfinityKeywords) {
  int64_t ts = 0;
  EXPECT_FALSE(ParseTimestamp("infinite-future", &ts)) << ts;
  EXPECT_FALSE(ParseTimestamp("infinite-past", &ts)) << ts;
}

// --- JSON: standard fields ------------------------------------------------

TEST_F(RecordParserTest, ParsesEveryStandardField) {
  ASSERT_TRUE(Parse(R"json({"record_id": " r-1 ", "ts": "2026-02-17T14:32:33Z",
      "event": " Purchase ", "ip": " 203.0.113.7 ", "user_agent": "Mozilla/5.0 (X11; Linux)",
      "first_name": " Alice ", "last_name": "Smith", "dob": "1990-04-01",
      "postcode": "SW1A 1AA", "address": "10 Downing St", "city": "London",
      "email": "alice@example.com"})json"));
  EXPECT_THAT(issues_, IsEmpty());
  EXPECT_EQ(record_.record_id, "r-1");
  EXPECT_EQ(record_.ts, kSampleSeconds);
  EXPECT_EQ(record_.event, "purchase");
  EXPECT_EQ(record_.ip, "203.0.113.7");
  EXPECT_EQ(record_.user_agent, "Mozilla/5.0 (X11; Linux)");
  EXPECT_EQ(record_.attributes[0], "Alice");
  EXPECT_EQ(record_.attributes[1], "Smith");
  EXPECT_EQ(record_.attributes[2], "1990-04-01");
  EXPECT_EQ(record_.attributes[3], "SW1A 1AA");
  EXPECT_EQ(record_.attributes[4], "10 Downing St");
  EXPECT_EQ(record_.attributes[5], "London");
  EXPECT_EQ(Identifiers(), "email=alice@example.com");
  EXPECT_EQ(counters_.records_without_identifiers, 0u);
  EXPECT_THAT(counters_.ignored_fields, IsEmpty());
}

// Without the co-location matcher nothing reads ip and user_agent: they are
// not copied, but an over-long one is still reported, and the record is the
// same otherwise.
TEST_F(RecordParserTest, DeviceContextIsSkippedWhenNotKept) {
  parser_ = std::make_unique<RecordParser>(types_, *mapping_, *normalizer_, 16,
                                           /*keep_device_context=*/false);
  ASSERT_TRUE(Parse(R"({"record_id": "r-1", "ip": "203.0.113.7", "user_agent": "ua",
      "event": "view", "email": "a@example.com"})"));
  EXPECT_THAT(issues_, IsEmpty());
  EXPECT_EQ(record_.ip, "");
  EXPECT_EQ(record_.user_agent, "");
  EXPECT_EQ(record_.record_id, "r-1");
  EXPECT_EQ(record_.event, "view");
  EXPECT_EQ(Identifiers(), "email=a@example.com");
  EXPECT_THAT(counters_.ignored_fields, IsEmpty());
  ASSERT_TRUE(Parse(
      R"json({"user_agent": "Mozilla/5.0 (X11; Linux x86_64)", "email": "a@example.com"})json"));
  EXPECT_THAT(IssueKeys(), ElementsAre("field_too_long@user_agent"));
}

TEST_F(RecordParserTest, ReusedRecordIsClearedBetweenLines) {
  ASSERT_TRUE(Parse(R"({"record_id": "r-1", "ts": 5, "event": "view", "ip": "1.2.3.4",
      "user_agent": "ua", "first_name": "A", "last_name": "B", "dob": "C", "postcode": "D",
      "address": "E", "city": "F", "email": "a@example.com", "phone": "+14155550132"})"));
  ASSERT_TRUE(Parse(R"({"account_id": "acct-2"})"));
  EXPECT_EQ(record_.record_id, "");
  EXPECT_EQ(record_.ts, kNoTimestamp);
  EXPECT_EQ(record_.event, "");
  EXPECT_EQ(record_.ip, "");
  EXPECT_EQ(record_.user_agent, "");
  for (const std::string& attribute : record_.attributes) EXPECT_EQ(attribute, "");
  EXPECT_EQ(Identifiers(), "account_id=acct-2");
}

TEST_F(RecordParserTest, ParsesALineFollowedByMoreLinesInPlace) {
  // As in a chunk: the line is followed by the next lines, then the padding.
  std::string chunk = "{\"email\": \"a@example.com\"}\n{\"email\": \"b@example.com\"}\n";
  size_t first_end = chunk.find('\n');
  chunk.append(kChunkPadding, '\0');
  ASSERT_TRUE(parser_->ParseJson(std::string_view(chunk.data(), first_end), chunk.size(), json_,
                                 &record_, &counters_, &issues_));
  EXPECT_THAT(issues_, IsEmpty());
  EXPECT_EQ(Identifiers(), "email=a@example.com");
  std::string_view second(chunk.data() + first_end + 1, chunk.find('\n', first_end + 1) -
                                                            first_end - 1);
  ASSERT_TRUE(parser_->ParseJson(second, chunk.size() - first_end - 1, json_, &record_,
                                 &counters_, &issues_));
  EXPECT_EQ(Identifiers(), "email=b@example.com");
}

// --- JSON: identifiers ----------------------------------------------------

TEST_F(RecordParserTest, NormalizesEveryBuiltinIdentifierType) {
  ASSERT_TRUE(Parse(R"({"account_id": " acct-9 ", "email": " Alice@Example.COM ",
      "phone": "(415) 555-0132", "loyalty_card": "12-34-56", "social": "Twitter: @Alice",
      "device_id": "ABCDEF01-2345-6789-ABCD-EF0123456789"})"));
  EXPECT_THAT(issues_, IsEmpty());
  EXPECT_EQ(Identifiers(),
            "account_id=acct-9 email=alice@example.com phone=+14155550132 loyalty_card=123456 "
            "social=twitter:alice device_id=abcdef01-2345-6789-abcd-ef0123456789");
}

TEST_F(RecordParserTest, SortsIdentifiersByTypePriorityWithAnchorFirst) {
  const std::string expected =
      "account_id=acct-9 email=a@example.com phone=+14155550132 loyalty_card=777 "
      "social=x:bob device_id=dev-1";
  ASSERT_TRUE(Parse(R"({"device_id": "dev-1", "social": "x:bob", "loyalty_card": "777",
      "phone": "+1 415 555 0132", "email": "a@example.com", "account_id": "acct-9"})"));
  EXPECT_EQ(Identifiers(), expected);
  ASSERT_TRUE(Parse(R"({"phone": "+1 415 555 0132", "account_id": "acct-9", "device_id": "dev-1",
      "email": "a@example.com", "social": "x:bob", "loyalty_card": "777"})"));
  EXPECT_EQ(Identifiers(), expected);
  ASSERT_FALSE(record_.identifiers.empty());
  EXPECT_EQ(record_.identifiers[0].type, Type("account_id"));
}

TEST_F(RecordParserTest, UserDefinedTypeSortsByItsPriority) {
  ASSERT_TRUE(types_.Add({"crm_id", NormalizerKind::kDigits, 15, 1, 5}).ok());
  ASSERT_TRUE(types_.Add({"cookie", NormalizerKind::kLowercase, 5, 0, 0}).ok());
  Init();
  ASSERT_TRUE(Parse(R"({"email": "a@example.com", "crm_id": "CRM-0042", "account_id": "a1",
      "cookie": "AbC"})"));
  EXPECT_EQ(Identifiers(), "cookie=abc account_id=a1 crm_id=0042 email=a@example.com");
  EXPECT_EQ(counters_.identifiers_by_type.size(), types_.size());
}

TEST_F(RecordParserTest, SameTypeIsSortedByValueAndDeduplicated) {
  Init({{"email2", "email"}, {"work_email", "email"}, {"home_email", "email"}});
  ASSERT_TRUE(Parse(R"({"work_email": "zed@example.com", "email": "Bob@Example.com",
      "email2": " bob@example.com", "home_email": "amy@example.com"})"));
  EXPECT_THAT(issues_, IsEmpty());
  EXPECT_EQ(Identifiers(), "email=amy@example.com email=bob@example.com email=zed@example.com");
}

TEST_F(RecordParserTest, GmailVariantsFoldToOneIdentifier) {
  Init({{"email2", "email"}});
  ASSERT_TRUE(Parse(R"({"email": "J.Doe+news@googlemail.com", "email2": "jdoe@gmail.com"})"));
  EXPECT_EQ(Identifiers(), "email=jdoe@gmail.com");
}

TEST_F(RecordParserTest, AcceptsNumericIdentifiers) {
  ASSERT_TRUE(Parse(R"({"account_id": 42, "loyalty_card": 12345678901234,
      "device_id": 18446744073709551615, "record_id": 7})"));
  EXPECT_THAT(issues_, IsEmpty());
  EXPECT_EQ(Identifiers(),
            "account_id=42 loyalty_card=12345678901234 device_id=18446744073709551615");
  EXPECT_EQ(record_.record_id, "7");
}

TEST_F(RecordParserTest, NegativeNumericIdentifierIsBlockedAsJunk) {
  // -1 is on the default block list.
  ASSERT_TRUE(Parse(R"({"account_id": -1, "device_id": -7})"));
  EXPECT_THAT(issues_, IsEmpty());
  EXPECT_EQ(Identifiers(), "device_id=-7");
  EXPECT_EQ(counters_.blocked_by_type[Type("account_id")], 1u);
}

TEST_F(RecordParserTest, AcceptsNumericAndStringTimestamps) {
  ASSERT_TRUE(Parse(R"({"ts": 1771338753, "account_id": "a"})"));
  EXPECT_EQ(record_.ts, kSampleSeconds);
  ASSERT_TRUE(Parse(R"({"ts": 1771338753.75, "account_id": "a"})"));
  EXPECT_EQ(record_.ts, kSampleSeconds);
  ASSERT_TRUE(Parse(R"({"ts": " 1771338753 ", "account_id": "a"})"));
  EXPECT_EQ(record_.ts, kSampleSeconds);
  ASSERT_TRUE(Parse(R"({"ts": -3600, "account_id": "a"})"));
  EXPECT_EQ(record_.ts, -3600);
  EXPECT_THAT(issues_, IsEmpty());
}

TEST_F(RecordParserTest, AcceptsIso8601TimestampsWithZAndOffsets) {
  for (std::string_view ts : {"2026-02-17T14:32:33Z", "2026-02-17T14:32:33.5Z",
                              "2026-02-17T16:32:33+02:00", "2026-02-17T06:32:33-08:00"}) {
    ASSERT_TRUE(Parse(absl::StrCat(R"({"account_id": "a", "ts": ")", AsAbsl(ts), "\"}")));
    EXPECT_THAT(issues_, IsEmpty()) << ts;
    EXPECT_EQ(record_.ts, kSampleSeconds) << ts;
  }
}

// --- JSON: record-level rejections -----------------------------------------

TEST_F(RecordParserTest, RejectsMalformedJson) {
  for (std::string_view line :
       {R"({"email": "a@example.com")", R"({email: "a@example.com"})", R"({"email": })",
        R"({"a": 1} {"b": 2})", R"({"a": 1,})", "", "{", "nul"}) {
    EXPECT_FALSE(Parse(line)) << line;
    EXPECT_THAT(IssueKeys(), ElementsAre("malformed_json@!")) << line;
  }
}

TEST_F(RecordParserTest, RejectsInvalidUtf8) {
  EXPECT_FALSE(Parse("{\"email\": \"\xff@example.com\"}"));
  EXPECT_THAT(IssueKeys(), ElementsAre("invalid_utf8@!"));
  EXPECT_FALSE(Parse("{\"first_name\": \"Ren\xc3\"}"));  // truncated 2-byte sequence
  EXPECT_THAT(IssueKeys(), ElementsAre("invalid_utf8@!"));
  EXPECT_FALSE(Parse("{\"\xfe\": \"x\"}"));  // in a key
  EXPECT_THAT(IssueKeys(), ElementsAre("invalid_utf8@!"));
  // Valid multi-byte text is fine.
  EXPECT_TRUE(Parse("{\"first_name\": \"Ren\xc3\xa9\", \"account_id\": \"a\"}"));
  EXPECT_EQ(record_.attributes[0], "Ren\xc3\xa9");
}

TEST_F(RecordParserTest, RejectsLinesThatAreNotObjects) {
  for (std::string_view line : {"[1,2]", "\"x\"", "42", "null", "true", "[]"}) {
    EXPECT_FALSE(Parse(line)) << line;
    EXPECT_THAT(IssueKeys(), ElementsAre("not_an_object@!")) << line;
  }
}

TEST_F(RecordParserTest, RejectionDoesNotCountRecordWithoutIdentifiers) {
  EXPECT_FALSE(Parse("[1]"));
  EXPECT_FALSE(Parse("{"));
  EXPECT_EQ(counters_.records_without_identifiers, 0u);
}

// --- JSON: field-level problems --------------------------------------------

TEST_F(RecordParserTest, WrongTypeDropsOnlyThatField) {
  ASSERT_TRUE(Parse(R"({"email": {"a": 1}, "phone": ["+14155550132"], "account_id": true,
      "loyalty_card": 1.5, "device_id": "dev-1"})"));
  EXPECT_THAT(IssueKeys(), UnorderedElementsAre("wrong_type@email", "wrong_type@phone",
                                                "wrong_type@account_id",
                                                "wrong_type@loyalty_card"));
  EXPECT_EQ(Identifiers(), "device_id=dev-1");
  for (const InputIssue& issue : issues_) {
    EXPECT_FALSE(issue.message.empty());
    if (issue.field == "email") {
      EXPECT_THAT(issue.message, HasSubstr("an object"));
    }
    if (issue.field == "phone") {
      EXPECT_THAT(issue.message, HasSubstr("an array"));
    }
    if (issue.field == "account_id") {
      EXPECT_THAT(issue.message, HasSubstr("a boolean"));
    }
    if (issue.field == "loyalty_card") {
      EXPECT_THAT(issue.message, HasSubstr("fraction"));
    }
  }
}

TEST_F(RecordParserTest, WrongTypeForStandardFields) {
  ASSERT_TRUE(Parse(R"({"ts": true, "event": ["view"], "first_name": {"x": 1},
      "record_id": 1.5, "account_id": "a"})"));
  EXPECT_THAT(IssueKeys(), UnorderedElementsAre("wrong_type@ts", "wrong_type@event",
                                                "wrong_type@first_name", "wrong_type@record_id"));
  EXPECT_EQ(record_.ts, kNoTimestamp);
  EXPECT_EQ(record_.event, "");
  EXPECT_EQ(record_.attributes[0], "");
  EXPECT_EQ(record_.record_id, "");
  EXPECT_EQ(Identifiers(), "account_id=a");
}

TEST_F(RecordParserTest, FieldLongerThanLimitIsDropped) {
  Init({}, /*max_field_length=*/16);
  ASSERT_TRUE(Parse(R"({"email": "someone.long@example.com", "first_name": "AAAAAAAAAAAAAAAAA",
      "last_name": "BBBBBBBBBBBBBBBB", "account_id": "acct"})"));
  EXPECT_THAT(IssueKeys(),
              UnorderedElementsAre("field_too_long@email", "field_too_long@first_name"));
  EXPECT_EQ(record_.attributes[0], "");
  EXPECT_EQ(record_.attributes[1], "BBBBBBBBBBBBBBBB");  // exactly the limit
  EXPECT_EQ(Identifiers(), "account_id=acct");
  for (const InputIssue& issue : issues_) EXPECT_FALSE(issue.record_rejected);
}

TEST_F(RecordParserTest, BadTimestampDropsOnlyTheTimestamp) {
  ASSERT_TRUE(Parse(R"({"ts": "yesterday", "account_id": "a"})"));
  EXPECT_THAT(IssueKeys(), ElementsAre("bad_timestamp@ts"));
  EXPECT_THAT(issues_[0].message, HasSubstr("yesterday"));
  EXPECT_EQ(record_.ts, kNoTimestamp);
  EXPECT_EQ(Identifiers(), "account_id=a");
  ASSERT_TRUE(Parse(R"({"ts": "2026-02-17T14:32:33", "account_id": "a"})"));
  EXPECT_THAT(IssueKeys(), ElementsAre("bad_timestamp@ts"));
  EXPECT_EQ(record_.ts, kNoTimestamp);
}

TEST_F(RecordParserTest, EmptyTimestampIsMissingNotBad) {
  ASSERT_TRUE(Parse(R"({"ts": "  ", "account_id": "a"})"));
  EXPECT_THAT(issues_, IsEmpty());
  EXPECT_EQ(record_.ts, kNoTimestamp);
}

TEST_F(RecordParserTest, InvalidEmailAndPhoneAreFieldIssues) {
  ASSERT_TRUE(Parse(R"({"email": "not-an-email", "phone": "call me", "account_id": "a"})"));
  EXPECT_THAT(IssueKeys(), UnorderedElementsAre("invalid_email@email", "invalid_phone@phone"));
  for (const InputIssue& issue : issues_) {
    EXPECT_FALSE(issue.record_rejected);
    if (issue.field == "email") {
      EXPECT_THAT(issue.message, HasSubstr("not-an-email"));
    }
    if (issue.field == "phone") {
      EXPECT_THAT(issue.message, HasSubstr("call me"));
    }
  }
  EXPECT_EQ(Identifiers(), "account_id=a");
}

TEST_F(RecordParserTest, InvalidUserDefinedTypeIsNamedAfterIt) {
  ASSERT_TRUE(types_.Add({"crm_id", NormalizerKind::kDigits, 15, 1, 5}).ok());
  Init();
  ASSERT_TRUE(Parse(R"({"crm_id": "none-here", "account_id": "a"})"));
  EXPECT_THAT(IssueKeys(), ElementsAre("invalid_crm_id@crm_id"));
}

TEST_F(RecordParserTest, BlockedValuesAreCountedAndNotAdded) {
  ASSERT_TRUE(Parse(R"({"email": "test@test.com", "phone": "NULL",
      "device_id": "00000000-0000-0000-0000-000000000000", "loyalty_card": "0000",
      "account_id": "a1"})"));
  EXPECT_THAT(issues_, IsEmpty());
  EXPECT_EQ(Identifiers(), "account_id=a1");
  ASSERT_EQ(counters_.blocked_by_type.size(), types_.size());
  EXPECT_EQ(counters_.blocked_by_type[Type("email")], 1u);
  EXPECT_EQ(counters_.blocked_by_type[Type("phone")], 1u);
  EXPECT_EQ(counters_.blocked_by_type[Type("device_id")], 1u);
  EXPECT_EQ(counters_.blocked_by_type[Type("loyalty_card")], 1u);
  EXPECT_EQ(counters_.blocked_by_type[Type("account_id")], 0u);
  EXPECT_EQ(counters_.identifiers_by_type[Type("account_id")], 1u);
  EXPECT_EQ(counters_.identifiers_by_type[Type("email")], 0u);
  ASSERT_TRUE(Parse(R"({"email": "Test@Test.com"})"));
  EXPECT_EQ(counters_.blocked_by_type[Type("email")], 2u);
  EXPECT_EQ(counters_.records_without_identifiers, 1u);
}

TEST_F(RecordParserTest, UnknownFieldsAreCountedAsIgnored) {
  const std::string line = R"({"foo": "x", "bar": 1, "baz": {"k": 1}, "qux": [1],
      "flag": true, "frac": 2.5, "email": "a@example.com"})";
  ASSERT_TRUE(Parse(line));
  ASSERT_TRUE(Parse(line));
  EXPECT_THAT(issues_, IsEmpty());
  EXPECT_EQ(Identifiers(), "email=a@example.com");
  std::map<std::string, uint64_t> expected = {{"bar", 2}, {"baz", 2}, {"flag", 2},
                                              {"foo", 2}, {"frac", 2}, {"qux", 2}};
  EXPECT_EQ(counters_.ignored_fields, expected);
}

TEST_F(RecordParserTest, NullIsTreatedAsMissing) {
  ASSERT_TRUE(Parse(R"({"email": null, "ts": null, "event": null, "first_name": null,
      "account_id": "a"})"));
  EXPECT_THAT(issues_, IsEmpty());
  EXPECT_EQ(record_.ts, kNoTimestamp);
  EXPECT_EQ(record_.event, "");
  EXPECT_EQ(Identifiers(), "account_id=a");
  ASSERT_TRUE(Parse(R"({"email": null})"));
  EXPECT_THAT(issues_, IsEmpty());
  EXPECT_EQ(counters_.records_without_identifiers, 1u);
}

TEST_F(RecordParserTest, FieldMappingRenamesColumns) {
  Init({{"mail", "email"}, {"when", "ts"}, {"given", "first_name"}, {"uid", "record_id"},
        {"cell", "phone"}});
  ASSERT_TRUE(Parse(R"({"mail": "A@Example.com", "when": 1771338753, "given": "Ann",
      "uid": "u-1", "cell": "+1 415 555 0132"})"));
  EXPECT_THAT(issues_, IsEmpty());
  EXPECT_EQ(Identifiers(), "email=a@example.com phone=+14155550132");
  EXPECT_EQ(record_.ts, kSampleSeconds);
  EXPECT_EQ(record_.attributes[0], "Ann");
  EXPECT_EQ(record_.record_id, "u-1");
  // Issues name the column as written in the input.
  ASSERT_TRUE(Parse(R"({"mail": "nope", "uid": "u-2"})"));
  EXPECT_THAT(IssueKeys(), ElementsAre("invalid_email@mail"));
}

TEST_F(RecordParserTest, FieldMappingCanRemapAStandardColumnName) {
  // "email" in this feed holds the account login.
  Init({{"email", "account_id"}});
  ASSERT_TRUE(Parse(R"({"email": "Login-7"})"));
  EXPECT_EQ(Identifiers(), "account_id=Login-7");
}

TEST_F(RecordParserTest, RecordsWithoutIdentifiersAreCounted) {
  ASSERT_TRUE(Parse(R"({"event": "view", "record_id": "r1"})"));
  EXPECT_TRUE(record_.identifiers.empty());
  EXPECT_EQ(record_.record_id, "r1");
  EXPECT_EQ(counters_.records_without_identifiers, 1u);
  ASSERT_TRUE(Parse(R"({"email": "   "})"));  // empty after trimming
  EXPECT_THAT(issues_, IsEmpty());
  EXPECT_EQ(counters_.records_without_identifiers, 2u);
  ASSERT_TRUE(Parse(R"({"email": "bad"})"));  // only an invalid one
  EXPECT_EQ(counters_.records_without_identifiers, 3u);
  ASSERT_TRUE(Parse(R"({"account_id": "a"})"));
  EXPECT_EQ(counters_.records_without_identifiers, 3u);
  ASSERT_TRUE(Parse("{}"));
  EXPECT_EQ(counters_.records_without_identifiers, 4u);
}

TEST_F(RecordParserTest, IdentifiersBeyondTheLimitAreDroppedWithAnIssue) {
  constexpr int kColumns = 260;
  std::vector<std::pair<std::string, std::string>> renames;
  std::vector<std::string> header, fields;
  for (int column = 0; column < kColumns; ++column) {
    header.push_back(absl::StrCat("dev", column));
    fields.push_back(absl::StrCat("d", 1000 + column));
    renames.push_back({header.back(), "device_id"});
  }
  Init(renames);
  ASSERT_TRUE(ParseCsv(header, fields));
  EXPECT_EQ(record_.identifiers.size(), 255u);
  ASSERT_EQ(issues_.size(), static_cast<size_t>(kColumns - 255));
  for (const InputIssue& issue : issues_) {
    EXPECT_EQ(issue.reason, "too_many_identifiers");
    EXPECT_FALSE(issue.record_rejected);
  }
}

TEST_F(RecordParserTest, CountsIdentifiersByType) {
  ASSERT_TRUE(Parse(R"({"email": "a@example.com", "phone": "+14155550132"})"));
  ASSERT_TRUE(Parse(R"({"email": "b@example.com"})"));
  ASSERT_EQ(counters_.identifiers_by_type.size(), types_.size());
  EXPECT_EQ(counters_.identifiers_by_type[Type("email")], 2u);
  EXPECT_EQ(counters_.identifiers_by_type[Type("phone")], 1u);
  EXPECT_EQ(counters_.identifiers_by_type[Type("account_id")], 0u);
}

TEST_F(RecordParserTest, UnescapesJsonStrings) {
  ASSERT_TRUE(Parse(R"({"account_id": "a\"b\\c\u00e9", "first_name": "Zo\u00eb"})"));
  EXPECT_EQ(Identifiers(), "account_id=a\"b\\c\xc3\xa9");
  EXPECT_EQ(record_.attributes[0], "Zo\xc3\xab");
}

// --- CSV ------------------------------------------------------------------

TEST_F(RecordParserTest, CsvLayoutResolvesTrimmedHeaderNames) {
  Init({{"mail", "email"}});
  CsvLayout layout =
      parser_->MakeCsvLayout({" record_id ", "mail", "ts", "mystery", "phone\t", "city"});
  EXPECT_THAT(layout.names, ElementsAre("record_id", "mail", "ts", "mystery", "phone", "city"));
  ASSERT_EQ(layout.targets.size(), 6u);
  EXPECT_EQ(layout.targets[0].field, StandardField::kRecordId);
  EXPECT_EQ(layout.targets[1].field, StandardField::kIdentifier);
  EXPECT_EQ(layout.targets[1].type, Type("email"));
  EXPECT_EQ(layout.targets[2].field, StandardField::kTimestamp);
  EXPECT_EQ(layout.targets[3].field, StandardField::kIgnored);
  EXPECT_EQ(layout.targets[4].field, StandardField::kIdentifier);
  EXPECT_EQ(layout.targets[4].type, Type("phone"));
  EXPECT_EQ(layout.targets[5].field, StandardField::kCity);
}

TEST_F(RecordParserTest, ParsesCsvRow) {
  Init({{"mail", "email"}});
  ASSERT_TRUE(ParseCsv({"record_id", "ts", "event", "mail", "phone", "account_id", "first_name",
                        "mystery"},
                       {" r-7 ", "2026-02-17T14:32:33Z", "Login", "B@Example.com",
                        "(415) 555-0132", "acct-1", " Bea ", "whatever"}));
  EXPECT_THAT(issues_, IsEmpty());
  EXPECT_EQ(record_.record_id, "r-7");
  EXPECT_EQ(record_.ts, kSampleSeconds);
  EXPECT_EQ(record_.event, "login");
  EXPECT_EQ(record_.attributes[0], "Bea");
  EXPECT_EQ(Identifiers(), "account_id=acct-1 email=b@example.com phone=+14155550132");
  EXPECT_EQ(counters_.ignored_fields, (std::map<std::string, uint64_t>{{"mystery", 1}}));
}

TEST_F(RecordParserTest, CsvEmptyCellsAreMissing) {
  ASSERT_TRUE(ParseCsv({"record_id", "ts", "email", "phone"}, {"", "", "", " "}));
  EXPECT_THAT(issues_, IsEmpty());
  EXPECT_EQ(record_.ts, kNoTimestamp);
  EXPECT_TRUE(record_.identifiers.empty());
  EXPECT_EQ(counters_.records_without_identifiers, 1u);
}

TEST_F(RecordParserTest, CsvWrongColumnCountRejectsTheRecord) {
  EXPECT_FALSE(ParseCsv({"record_id", "email"}, {"r1"}));
  EXPECT_THAT(IssueKeys(), ElementsAre("wrong_column_count@!"));
  EXPECT_FALSE(ParseCsv({"record_id", "email"}, {"r1", "a@example.com", "extra"}));
  EXPECT_THAT(IssueKeys(), ElementsAre("wrong_column_count@!"));
  EXPECT_THAT(issues_[0].message, HasSubstr("3"));
  EXPECT_EQ(counters_.records_without_identifiers, 0u);
}

TEST_F(RecordParserTest, CsvInvalidUtf8RejectsTheRecord) {
  EXPECT_FALSE(ParseCsv({"record_id", "email"}, {"r1", "\xff@example.com"}));
  EXPECT_THAT(IssueKeys(), ElementsAre("invalid_utf8@!"));
  EXPECT_THAT(issues_[0].message, HasSubstr("email"));
  EXPECT_TRUE(record_.identifiers.empty());
}

TEST_F(RecordParserTest, CsvFieldIssues) {
  Init({}, /*max_field_length=*/20);
  ASSERT_TRUE(ParseCsv({"ts", "email", "phone", "city", "account_id"},
                       {"soon", "nope", "12", "a city name that is too long", "a1"}));
  EXPECT_THAT(IssueKeys(), UnorderedElementsAre("bad_timestamp@ts", "invalid_email@email",
                                                "invalid_phone@phone", "field_too_long@city"));
  EXPECT_EQ(Identifiers(), "account_id=a1");
}

TEST_F(RecordParserTest, CsvBlockedValuesAreCounted) {
  ASSERT_TRUE(ParseCsv({"email", "account_id"}, {"test@test.com", "null"}));
  EXPECT_THAT(issues_, IsEmpty());
  EXPECT_TRUE(record_.identifiers.empty());
  EXPECT_EQ(counters_.blocked_by_type[Type("email")], 1u);
  EXPECT_EQ(counters_.blocked_by_type[Type("account_id")], 1u);
  EXPECT_EQ(counters_.records_without_identifiers, 1u);
}

TEST_F(RecordParserTest, CsvDeduplicatesAndSorts) {
  Init({{"email2", "email"}});
  ASSERT_TRUE(ParseCsv({"device_id", "email2", "email"},
                       {"DEV", "a@example.com", "A@EXAMPLE.COM"}));
  EXPECT_EQ(Identifiers(), "email=a@example.com device_id=dev");
}

}  // namespace
}  // namespace idstitch
