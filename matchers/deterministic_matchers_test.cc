#include "matchers/deterministic_matchers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "matchers/matcher.h"
#include "resolver/identifier_types.h"
#include "resolver/types.h"

namespace idstitch {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Renders links as "record:from->to" for one-line comparisons.
std::vector<std::string> Render(const std::vector<RecordLink>& links) {
  std::vector<std::string> out;
  for (const RecordLink& link : links) {
    out.push_back(std::to_string(link.record_index) + ":" +
                  std::to_string(link.from_slot) + "->" +
                  std::to_string(link.to_slot));
  }
  return out;
}

class DeterministicMatchersTest : public ::testing::Test {
 protected:
  DeterministicMatchersTest()
      : types_(IdentifierTypeRegistry::WithBuiltins()) {}

  // A record whose identifiers are "type:value" keys, in the given slot order
  // (the matchers must not rely on the parser's sort, except SameRecord's
  // slot 0 anchor).
  Record MakeRecord(std::initializer_list<std::string_view> keys) const {
    Record record;
    record.record_id = "r";
    for (std::string_view key : keys) {
      size_t colon = key.find(':');
      std::optional<TypeId> type = types_.Find(key.substr(0, colon));
      EXPECT_TRUE(type.has_value()) << key;
      record.identifiers.push_back(
          {type.value_or(0), std::string(key.substr(colon + 1))});
    }
    return record;
  }

  static std::vector<std::string> Run(const Matcher& matcher,
                                      const std::vector<Record>& records) {
    std::vector<RecordLink> links;
    matcher.Match(absl::MakeConstSpan(records), &links);
    return Render(links);
  }

  IdentifierTypeRegistry types_;
};

// --- AuthenticatedEventMatcher
// -------------------------------------------------

TEST_F(DeterministicMatchersTest,
       AuthenticatedEventLinksAccountToEveryOtherIdentifier) {
  AuthenticatedEventMatcher matcher(types_);
  std::vector<Record> records = {
      MakeRecord({"account_id:u1", "email:a@example.com", "phone:+15550001",
                  "device_id:d1"})};
  // A star from the account: k-1 links, not a clique.
  EXPECT_THAT(Run(matcher, records), ElementsAre("0:0->1", "0:0->2", "0:0->3"));
}

TEST_F(DeterministicMatchersTest,
       AuthenticatedEventPivotsOnTheAccountWhereverItIs) {
  AuthenticatedEventMatcher matcher(types_);
  std::vector<Record> records = {
      MakeRecord({"email:a@example.com", "account_id:u1", "device_id:d1"})};
  EXPECT_THAT(Run(matcher, records), ElementsAre("0:1->0", "0:1->2"));
}

TEST_F(DeterministicMatchersTest,
       AuthenticatedEventIgnoresRecordsWithoutAnAccount) {
  AuthenticatedEventMatcher matcher(types_);
  std::vector<Record> records = {
      MakeRecord({"email:a@example.com", "device_id:d1"}),
      MakeRecord({"loyalty_card:1234", "phone:+15550001"}),
      MakeRecord({"social:twitter:bob", "email:b@example.com"})};
  EXPECT_THAT(Run(matcher, records), IsEmpty());
}

TEST_F(DeterministicMatchersTest,
       AuthenticatedEventIgnoresRecordsWithOneIdentifier) {
  AuthenticatedEventMatcher matcher(types_);
  std::vector<Record> records = {
      MakeRecord({"account_id:u1"}), MakeRecord({}),
      MakeRecord({"account_id:u2", "email:a@example.com"})};
  EXPECT_THAT(Run(matcher, records), ElementsAre("2:0->1"));
}

TEST_F(DeterministicMatchersTest,
       AuthenticatedEventWithTwoAccountsPivotsOnTheFirst) {
  // The graph refuses the account-account link later; the matcher reports it.
  AuthenticatedEventMatcher matcher(types_);
  std::vector<Record> records = {
      MakeRecord({"account_id:u1", "account_id:u2", "device_id:d1"})};
  EXPECT_THAT(Run(matcher, records), ElementsAre("0:0->1", "0:0->2"));
}

TEST_F(DeterministicMatchersTest, RecordIndexIsRelativeToTheSpan) {
  AuthenticatedEventMatcher matcher(types_);
  std::vector<Record> records = {
      MakeRecord({"account_id:u0", "email:a@example.com"}),
      MakeRecord({"email:b@example.com", "device_id:d1"}),
      MakeRecord({"account_id:u2", "device_id:d2", "phone:+15550002"})};
  EXPECT_THAT(Run(matcher, records), ElementsAre("0:0->1", "2:0->1", "2:0->2"));
  // A chunk starting at record 1: indexes restart at 0.
  std::vector<RecordLink> links;
  matcher.Match(absl::MakeConstSpan(records).subspan(1), &links);
  EXPECT_THAT(Render(links), ElementsAre("1:0->1", "1:0->2"));
}

TEST_F(DeterministicMatchersTest, MatchAppendsToExistingLinks) {
  AuthenticatedEventMatcher matcher(types_);
  std::vector<Record> records = {
      MakeRecord({"account_id:u1", "email:a@example.com"})};
  std::vector<RecordLink> links = {{7, 1, 2}};
  matcher.Match(absl::MakeConstSpan(records), &links);
  EXPECT_THAT(Render(links), ElementsAre("7:1->2", "0:0->1"));
}

TEST_F(DeterministicMatchersTest, EmptyInputGivesNoLinks) {
  std::vector<Record> records;
  for (const auto& matcher : MakeDeterministicMatchers(types_)) {
    EXPECT_THAT(Run(*matcher, records), IsEmpty()) << matcher->name();
  }
}

// --- LoyaltyCardMatcher and SocialLoginMatcher
// ----------------------------------

TEST_F(DeterministicMatchersTest, LoyaltyCardLinksCardToEveryOtherIdentifier) {
  LoyaltyCardMatcher matcher(types_);
  std::vector<Record> records = {
      MakeRecord(
          {"phone:+15550001", "loyalty_card:1234", "email:a@example.com"}),
      MakeRecord({"loyalty_card:5678"}),
      MakeRecord({"email:b@example.com", "device_id:d1"}),
      MakeRecord({"account_id:u1", "loyalty_card:9999"})};
  EXPECT_THAT(Run(matcher, records), ElementsAre("0:1->0", "0:1->2", "3:1->0"));
}

TEST_F(DeterministicMatchersTest,
       SocialLoginLinksHandleToEveryOtherIdentifier) {
  SocialLoginMatcher matcher(types_);
  std::vector<Record> records = {
      MakeRecord({"email:a@example.com", "social:twitter:bob", "device_id:d1"}),
      MakeRecord({"social:twitter:alice"}),
      MakeRecord({"email:b@example.com", "device_id:d2"}),
      MakeRecord({"social:github:carol", "social:twitter:carol"})};
  EXPECT_THAT(Run(matcher, records), ElementsAre("0:1->0", "0:1->2", "3:0->1"));
}

TEST_F(DeterministicMatchersTest,
       StrongMatchersEachFireOnARecordWithSeveralPivots) {
  std::vector<Record> records = {
      MakeRecord({"account_id:u1", "email:a@example.com", "loyalty_card:1234",
                  "social:twitter:bob"})};
  EXPECT_THAT(Run(AuthenticatedEventMatcher(types_), records),
              ElementsAre("0:0->1", "0:0->2", "0:0->3"));
  EXPECT_THAT(Run(LoyaltyCardMatcher(types_), records),
              ElementsAre("0:2->0", "0:2->1", "0:2->3"));
  EXPECT_THAT(Run(SocialLoginMatcher(types_), records),
              ElementsAre("0:3->0", "0:3->1", "0:3->2"));
  EXPECT_THAT(Run(SameRecordMatcher(types_), records), IsEmpty());
}

// --- SameRecordMatcher
// ------------------------------------------------------------

TEST_F(DeterministicMatchersTest, SameRecordLinksAnchorWhenNoStrongerEvidence) {
  SameRecordMatcher matcher(types_);
  std::vector<Record> records = {
      MakeRecord({"email:a@example.com", "phone:+15550001", "device_id:d1"}),
      MakeRecord({"email:b@example.com"}),
      MakeRecord({"device_id:d2", "device_id:d3"})};
  EXPECT_THAT(Run(matcher, records), ElementsAre("0:0->1", "0:0->2", "2:0->1"));
}

TEST_F(DeterministicMatchersTest, SameRecordDefersToAccountCardAndSocial) {
  SameRecordMatcher matcher(types_);
  std::vector<Record> records = {
      MakeRecord({"email:a@example.com", "account_id:u1"}),
      MakeRecord({"email:a@example.com", "loyalty_card:1234"}),
      MakeRecord(
          {"email:a@example.com", "device_id:d1", "social:twitter:bob"})};
  EXPECT_THAT(Run(matcher, records), IsEmpty());
}

TEST_F(DeterministicMatchersTest, SameRecordPivotsOnSlotZero) {
  // Slot 0 is the anchor whatever its type (the parser puts the
  // highest-priority identifier there).
  SameRecordMatcher matcher(types_);
  std::vector<Record> records = {
      MakeRecord({"device_id:d1", "email:a@example.com", "phone:+15550001"})};
  EXPECT_THAT(Run(matcher, records), ElementsAre("0:0->1", "0:0->2"));
}

TEST_F(DeterministicMatchersTest, RegistryWithoutPivotTypes) {
  // A registry with no account, card or social type: the strong matchers never
  // fire, and every multi-identifier record is same-record evidence.
  IdentifierTypeRegistry types;
  IdentifierTypeSpec email;
  email.name = "email";
  IdentifierTypeSpec cookie;
  cookie.name = "cookie";
  ASSERT_TRUE(types.Add(email).ok());
  ASSERT_TRUE(types.Add(cookie).ok());
  Record record;
  record.identifiers = {{*types.Find("email"), "a@example.com"},
                        {*types.Find("cookie"), "c1"},
                        {*types.Find("cookie"), "c2"}};
  std::vector<Record> records = {record};
  std::vector<std::unique_ptr<Matcher>> matchers =
      MakeDeterministicMatchers(types);
  ASSERT_EQ(matchers.size(), 4u);
  EXPECT_THAT(Run(*matchers[0], records), IsEmpty());
  EXPECT_THAT(Run(*matchers[1], records), IsEmpty());
  EXPECT_THAT(Run(*matchers[2], records), IsEmpty());
  EXPECT_THAT(Run(*matchers[3], records), ElementsAre("0:0->1", "0:0->2"));
}

TEST_F(DeterministicMatchersTest, RegistryWithCustomTypesKeepsPivotsByName) {
  // Custom types come after the built-ins; the matchers find theirs by name.
  IdentifierTypeSpec crm;
  crm.name = "crm_id";
  crm.priority = 5;
  ASSERT_TRUE(types_.Add(crm).ok());
  std::vector<Record> records = {
      MakeRecord({"crm_id:c1", "account_id:u1", "email:a@x.com"}),
      MakeRecord({"crm_id:c2", "email:b@x.com"})};
  EXPECT_THAT(Run(AuthenticatedEventMatcher(types_), records),
              ElementsAre("0:1->0", "0:1->2"));
  EXPECT_THAT(Run(SameRecordMatcher(types_), records), ElementsAre("1:0->1"));
}

TEST_F(DeterministicMatchersTest,
       EveryRecordIsCoveredByExactlyOneKindOfEvidence) {
  // Across all four matchers: a record with >= 2 identifiers produces links
  // from the strong matchers xor from same_record; links never point a slot
  // at itself and stay in range.
  std::vector<Record> records = {
      MakeRecord({"account_id:u1", "email:a@example.com"}),
      MakeRecord({"email:a@example.com", "device_id:d1"}),
      MakeRecord({"loyalty_card:1", "phone:+15550001", "device_id:d2"}),
      MakeRecord({"social:twitter:bob", "email:b@example.com"}),
      MakeRecord({"phone:+15550003"}),
      MakeRecord({"device_id:d3", "device_id:d4", "device_id:d5",
                  "email:c@example.com"})};
  std::vector<std::unique_ptr<Matcher>> matchers =
      MakeDeterministicMatchers(types_);
  std::vector<int> strong(records.size(), 0);
  std::vector<int> weak(records.size(), 0);
  for (size_t matcher_idx = 0; matcher_idx < matchers.size(); ++matcher_idx) {
    std::vector<RecordLink> links;
    matchers[matcher_idx]->Match(absl::MakeConstSpan(records), &links);
    for (const RecordLink& link : links) {
      ASSERT_LT(link.record_index, records.size());
      const Record& record = records[link.record_index];
      EXPECT_NE(link.from_slot, link.to_slot);
      EXPECT_LT(link.from_slot, record.identifiers.size());
      EXPECT_LT(link.to_slot, record.identifiers.size());
      (matcher_idx == 3 ? weak : strong)[link.record_index]++;
    }
  }
  EXPECT_THAT(strong, ElementsAre(1, 0, 2, 1, 0, 0));
  EXPECT_THAT(weak, ElementsAre(0, 1, 0, 0, 0, 3));
}

// --- MakeDeterministicMatchers
// ---------------------------------------------------

TEST_F(DeterministicMatchersTest, MakeDeterministicMatchersOrderAndNames) {
  std::vector<std::unique_ptr<Matcher>> matchers =
      MakeDeterministicMatchers(types_);
  std::vector<std::string> names;
  for (const auto& matcher : matchers) {
    names.emplace_back(matcher->name());
    EXPECT_EQ(matcher->kind(), LinkKind::kDeterministic) << matcher->name();
  }
  // The index is the link's matcher id: this order is part of the output.
  EXPECT_THAT(names, ElementsAre("authenticated_event", "loyalty_card",
                                 "social_login", "same_record"));
  ASSERT_EQ(matchers.size(), 4u);
  EXPECT_FLOAT_EQ(matchers[0]->score(), kAuthenticatedEventScore);
  EXPECT_FLOAT_EQ(matchers[1]->score(), kLoyaltyCardScore);
  EXPECT_FLOAT_EQ(matchers[2]->score(), kSocialLoginScore);
  EXPECT_FLOAT_EQ(matchers[3]->score(), kSameRecordScore);
  // Weaker evidence scores lower, same_record lowest.
  EXPECT_GT(matchers[0]->score(), matchers[1]->score());
  EXPECT_GT(matchers[1]->score(), matchers[2]->score());
  EXPECT_GT(matchers[2]->score(), matchers[3]->score());
  EXPECT_FLOAT_EQ(matchers[0]->score(), 1.0f);
}

TEST_F(DeterministicMatchersTest, FindSlotReturnsTheFirstSlotOfAType) {
  Record record = MakeRecord({"email:a", "device_id:d1", "device_id:d2"});
  EXPECT_EQ(FindSlot(record, types_.Find("device_id")),
            std::optional<uint8_t>(1));
  EXPECT_EQ(FindSlot(record, types_.Find("email")), std::optional<uint8_t>(0));
  EXPECT_EQ(FindSlot(record, types_.Find("phone")), std::nullopt);
  EXPECT_EQ(FindSlot(record, std::nullopt), std::nullopt);
}

TEST_F(DeterministicMatchersTest, LargestRecordKeepsSlotsInRange) {
  // The parser caps a record at 255 identifiers, the most a uint8_t slot holds.
  Record record;
  record.identifiers.push_back({*types_.Find("email"), "a@example.com"});
  for (int i = 1; i < 255; ++i) {
    record.identifiers.push_back(
        {*types_.Find("device_id"), absl::StrCat("d", i)});
  }
  std::vector<Record> records = {record};
  std::vector<RecordLink> links;
  SameRecordMatcher(types_).Match(absl::MakeConstSpan(records), &links);
  ASSERT_EQ(links.size(), 254u);
  EXPECT_EQ(links.back().to_slot, 254);
}

}  // namespace
}  // namespace idstitch
