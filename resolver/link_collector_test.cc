#include "resolver/link_collector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <tuple>

namespace idstitch {
namespace {

struct Expected {
  uint32_t records = 0;
  LinkSeen seen;
};

// Random record links over few nodes, so most repeat; enough of them that
// the collector sorts and merges several batches before Finish().
TEST(LinkCollectorTest, EqualsAMapOverRandomLinksAcrossCompactions) {
  for (bool keep_seen : {false, true}) {
    std::mt19937 random(keep_seen ? 7 : 8);
    // Small batches: the same merge code, run a few hundred times.
    LinkCollector collector(keep_seen, /*min_batch=*/1000);
    // Every add, sorted and folded at the end: the expected aggregation.
    std::vector<std::tuple<NodeId, NodeId, uint8_t, int64_t>> adds_made;
    const size_t adds = 200000;
    for (size_t i = 0; i < adds; ++i) {
      NodeId x = random() % 300, y = random() % 300;
      if (x == y) continue;
      // Some pairs far apart, so the 64-bit pair key uses its high half.
      if (i % 97 == 0) y += 4000000000u;
      const uint8_t matcher = random() % 4;
      const int64_t ts = random() % 10 == 0 ? kNoTimestamp : 1700000000 + random() % 1000000;
      collector.Add(x, y, matcher, ts);
      adds_made.emplace_back(std::min(x, y), std::max(x, y), matcher, ts);
    }
    std::sort(adds_made.begin(), adds_made.end());
    std::vector<std::pair<std::tuple<NodeId, NodeId, uint8_t>, Expected>> expected;
    for (const auto& [a, b, matcher, ts] : adds_made) {
      const std::tuple<NodeId, NodeId, uint8_t> key(a, b, matcher);
      if (expected.empty() || expected.back().first != key) expected.push_back({key, {}});
      ++expected.back().second.records;
      expected.back().second.seen.Add(ts);
    }
    EXPECT_GT(collector.merged_size(), 0u) << "no batch was merged before Finish";
    const std::vector<LinkKind> kinds = {LinkKind::kDeterministic, LinkKind::kProbabilistic,
                                         LinkKind::kDeterministic, LinkKind::kDeterministic};
    const std::vector<float> scores = {1.0f, 0.5f, 0.9f, 0.25f};
    std::vector<Link> links;
    std::vector<LinkSeen> seen;
    collector.Finish(kinds, scores, &links, &seen);
    ASSERT_EQ(links.size(), expected.size());
    ASSERT_EQ(seen.size(), keep_seen ? links.size() : 0u);
    size_t mismatches = 0, first_mismatch = 0;
    for (size_t i = 0; i < expected.size(); ++i) {  // sorted by (a, b, matcher), as the collector
      const auto& [key, e] = expected[i];
      const auto [a, b, matcher] = key;
      bool same = links[i].a == a && links[i].b == b && links[i].matcher == matcher &&
                  links[i].kind == kinds[matcher] && links[i].score == scores[matcher] &&
                  links[i].evidence == e.records;
      if (keep_seen) same &= seen[i].first == e.seen.first && seen[i].last == e.seen.last;
      if (!same && mismatches++ == 0) first_mismatch = i;
    }
    EXPECT_EQ(mismatches, 0u) << "first at link " << first_mismatch << ", keep_seen " << keep_seen;
  }
}

TEST(LinkCollectorTest, OrientsEachLinkSmallerNodeFirst) {
  LinkCollector collector(/*keep_seen=*/true);
  collector.Add(9, 2, 0, 100);
  collector.Add(2, 9, 0, kNoTimestamp);
  collector.Add(2, 9, 1, 50);
  EXPECT_EQ(collector.merged_size(), 0u);  // a small run is only sorted at the end
  EXPECT_EQ(collector.pending_size(), 3u);
  std::vector<Link> links;
  std::vector<LinkSeen> seen;
  collector.Finish({LinkKind::kDeterministic, LinkKind::kDeterministic}, {1.0f, 1.0f}, &links,
                   &seen);
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].a, 2u);
  EXPECT_EQ(links[0].b, 9u);
  EXPECT_EQ(links[0].matcher, 0);
  EXPECT_EQ(links[0].evidence, 2u);
  EXPECT_EQ(seen[0].first, 100);  // the untimed record changes nothing
  EXPECT_EQ(seen[0].last, 100);
  EXPECT_EQ(links[1].matcher, 1);
  EXPECT_EQ(links[1].evidence, 1u);
  EXPECT_EQ(seen[1].first, 50);
}

TEST(LinkCollectorTest, NothingAddedGivesNoLinks) {
  LinkCollector collector(/*keep_seen=*/false);
  std::vector<Link> links(3);
  std::vector<LinkSeen> seen(3);
  collector.Finish({}, {}, &links, &seen);
  EXPECT_TRUE(links.empty());
  EXPECT_TRUE(seen.empty());
}

}  // namespace
}  // namespace idstitch
