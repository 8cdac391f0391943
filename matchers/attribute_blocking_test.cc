#include "matchers/attribute_blocking.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/status_matchers.h"

namespace idstitch {
namespace {

std::string ToString(const std::vector<CandidatePair>& pairs) {
  std::string out;
  for (const CandidatePair& pair : pairs) {
    if (!out.empty()) out += ' ';
    out += std::to_string(pair.a) + "-" + std::to_string(pair.b);
  }
  return out;
}

AttributeProfile Make(std::string first, std::string last, std::string dob, std::string postcode) {
  AttributeProfile p;
  p.first_name = std::move(first);
  p.last_name = std::move(last);
  p.dob = std::move(dob);
  p.postcode = std::move(postcode);
  return p;
}

TEST(AttributeBlockingTest, ParsesAndNamesRules) {
  absl::StatusOr<BlockingRule> rule = ParseBlockingRule("first_name + year(dob)");
  ASSERT_TRUE(rule.ok()) << rule.status();
  EXPECT_EQ(BlockingRuleName(*rule), "first_name+year(dob)");
  EXPECT_THAT(ParseBlockingRule("shoe_size"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseBlockingRule(""), StatusIs(absl::StatusCode::kInvalidArgument));
  for (const BlockingRule& r : DefaultBlockingRules()) {
    absl::StatusOr<BlockingRule> again = ParseBlockingRule(BlockingRuleName(r));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->keys, r.keys);
  }
}

TEST(AttributeBlockingTest, UnionOfRulesSortedAndDistinct) {
  const std::vector<AttributeProfile> profiles = {
      Make("ann", "smith", "19800101", "2000"),  // 0
      Make("anne", "smyth", "19800101", "3000"), // 1: dob and soundex(last_name) with 0
      Make("bob", "jones", "19700505", "2000"),  // 2: postcode with 0
      Make("carl", "", "", ""),                  // 3: no key at all
  };
  const PreparedAttributes prepared(profiles);
  const std::vector<BlockingRule> rules = {{{BlockingKey::kPostcode}},
                                           {{BlockingKey::kDob}},
                                           {{BlockingKey::kLastNameSoundex}}};
  BlockingStats stats;
  const std::vector<CandidatePair> pairs = GenerateCandidatePairs(prepared, rules, 100, false, &stats);
  EXPECT_EQ("0-1 0-2", ToString(pairs));
  EXPECT_EQ(stats.candidate_pairs, 2u);
  EXPECT_THAT(stats.pairs_per_rule, ::testing::ElementsAre(1, 1, 1));
}

TEST(AttributeBlockingTest, SwappedNamesShareSortedSoundex) {
  const std::vector<AttributeProfile> profiles = {Make("isla", "hall", "", ""),
                                                  Make("hall", "isla", "", "")};
  const PreparedAttributes prepared(profiles);
  const std::vector<BlockingRule> rules = {{{BlockingKey::kNamesSoundex}}};
  EXPECT_EQ("0-1", ToString(GenerateCandidatePairs(prepared, rules, 100, false, nullptr)));
}

TEST(AttributeBlockingTest, CapSkipsAndReportsLargeBlocks) {
  std::vector<AttributeProfile> profiles;
  for (int i = 0; i < 10; ++i) profiles.push_back(Make("x", "y", "", "2000"));
  profiles.push_back(Make("x", "y", "", "3000"));
  profiles.push_back(Make("x", "y", "", "3000"));
  const PreparedAttributes prepared(profiles);
  const std::vector<BlockingRule> rules = {{{BlockingKey::kPostcode}}};
  BlockingStats stats;
  EXPECT_EQ("10-11", ToString(GenerateCandidatePairs(prepared, rules, 5, false, &stats)));
  EXPECT_EQ(stats.blocks_capped, 1u);
  EXPECT_EQ(stats.pairs_lost_to_cap, 45u);
  EXPECT_EQ(stats.largest_block, 2u);
}

TEST(AttributeBlockingTest, PairInACappedBlockComesFromALaterRule) {
  std::vector<AttributeProfile> profiles;
  for (int i = 0; i < 10; ++i) profiles.push_back(Make("x", "y", "", "2000"));
  profiles[3].dob = profiles[7].dob = "19800101";
  const PreparedAttributes prepared(profiles);
  const std::vector<BlockingRule> rules = {{{BlockingKey::kPostcode}}, {{BlockingKey::kDob}}};
  EXPECT_EQ("3-7", ToString(GenerateCandidatePairs(prepared, rules, 5, false, nullptr)));
}

TEST(AttributeBlockingTest, StreamsEachDistinctPairOnceInBoundedChunks) {
  std::vector<AttributeProfile> profiles;
  for (int i = 0; i < 40; ++i) {
    profiles.push_back(Make(i % 2 ? "ann" : "bob", i % 3 ? "smith" : "jones",
                            "1980010" + std::to_string(i % 4), std::to_string(i % 5)));
  }
  const PreparedAttributes prepared(profiles);
  const std::vector<BlockingRule> rules = DefaultBlockingRules();
  BlockingStats stats;
  const std::vector<CandidatePair> all = GenerateCandidatePairs(prepared, rules, 100, false, &stats);
  std::vector<CandidatePair> streamed;
  size_t largest_chunk = 0;
  ForEachCandidateChunk(prepared, rules, 100, false, 7,
                        [&](absl::Span<const CandidatePair> chunk) {
                          largest_chunk = std::max(largest_chunk, chunk.size());
                          streamed.insert(streamed.end(), chunk.begin(), chunk.end());
                        },
                        nullptr);
  EXPECT_EQ(largest_chunk, 7u);
  EXPECT_EQ(streamed.size(), stats.candidate_pairs);
  std::sort(streamed.begin(), streamed.end());
  EXPECT_TRUE(std::adjacent_find(streamed.begin(), streamed.end()) == streamed.end());
  EXPECT_EQ(ToString(streamed), ToString(all));
  // Every pair agreeing on some rule's key is a candidate: brute force.
  std::vector<CandidatePair> expected;
  for (uint32_t a = 0; a < profiles.size(); ++a) {
    for (uint32_t b = a + 1; b < profiles.size(); ++b) {
      const AttributeProfile& x = profiles[a];
      const AttributeProfile& y = profiles[b];
      if (x.postcode == y.postcode || x.dob == y.dob || x.last_name == y.last_name ||
          x.first_name == y.first_name) {
        expected.push_back({a, b});
      }
    }
  }
  EXPECT_EQ(ToString(streamed), ToString(expected));
}

TEST(AttributeBlockingTest, LinkOnlySkipsSameSource) {
  std::vector<AttributeProfile> profiles(3, Make("a", "b", "", "2000"));
  profiles[2].source = 1;
  const PreparedAttributes prepared(profiles);
  const std::vector<BlockingRule> rules = {{{BlockingKey::kPostcode}}};
  EXPECT_EQ("0-2 1-2", ToString(GenerateCandidatePairs(prepared, rules, 100, true, nullptr)));
}

}  // namespace
}  // namespace idstitch
