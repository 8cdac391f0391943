#include "resolver/link_aggregator.h"

#include <map>
#include <random>
#include <tuple>

#include <gtest/gtest.h>

namespace idstitch {
namespace {

TEST(LinkAggregatorTest, OneLinkPerPairAndMatcherInFirstAppearanceOrder) {
  LinkAggregator aggregator;
  EXPECT_EQ(aggregator.Add(7, 3, 0, LinkKind::kDeterministic, 1.0f), 0u);
  EXPECT_EQ(aggregator.Add(3, 7, 0, LinkKind::kDeterministic, 1.0f), 0u);  // same pair
  EXPECT_EQ(aggregator.Add(3, 7, 2, LinkKind::kDeterministic, 0.97f), 1u);  // other matcher
  EXPECT_EQ(aggregator.Add(7, 3, 2, LinkKind::kDeterministic, 0.97f), 1u);
  EXPECT_EQ(aggregator.Add(1, 2, 0, LinkKind::kDeterministic, 1.0f), 2u);
  const std::vector<Link>& links = aggregator.links();
  ASSERT_EQ(links.size(), 3u);
  EXPECT_EQ(std::tie(links[0].a, links[0].b, links[0].matcher), std::make_tuple(3u, 7u, 0));
  EXPECT_EQ(std::tie(links[1].a, links[1].b, links[1].matcher), std::make_tuple(3u, 7u, 2));
  EXPECT_FLOAT_EQ(links[1].score, 0.97f);
}

TEST(LinkAggregatorTest, MatchesAMapOverManyRandomLinksThroughGrowth) {
  // Pairs from a small node range repeat; several matchers per pair.
  LinkAggregator aggregator;
  std::map<std::tuple<NodeId, NodeId, uint8_t>, uint32_t> reference;
  std::mt19937 rng(3);
  for (int i = 0; i < 300000; ++i) {
    NodeId x = rng() % 40000, y = rng() % 40000;
    if (x == y) continue;
    const uint8_t matcher = static_cast<uint8_t>(rng() % 3);
    const auto key = std::make_tuple(std::min(x, y), std::max(x, y), matcher);
    const uint32_t expected =
        reference.emplace(key, static_cast<uint32_t>(reference.size())).first->second;
    ASSERT_EQ(aggregator.Add(x, y, matcher, LinkKind::kDeterministic, 1.0f), expected) << i;
  }
  ASSERT_EQ(aggregator.links().size(), reference.size());
  for (const auto& [key, index] : reference) {
    const Link& link = aggregator.links()[index];
    EXPECT_EQ(std::make_tuple(link.a, link.b, link.matcher), key);
  }
}

}  // namespace
}  // namespace idstitch
