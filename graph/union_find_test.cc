#include "graph/union_find.h"

#include <algorithm>
#include <map>
#include <random>
#include <string>

#include <gtest/gtest.h>

namespace idstitch {
namespace {

// Renders the partition canonically: "{0,1} {2}" with sets ordered by member.
std::string ToString(UnionFind& uf) {
  std::map<NodeId, std::vector<NodeId>> sets;
  for (NodeId node = 0; node < uf.size(); ++node) sets[uf.Find(node)].push_back(node);
  std::vector<std::vector<NodeId>> ordered;
  for (auto& [root, members] : sets) ordered.push_back(members);
  std::sort(ordered.begin(), ordered.end());
  std::string out;
  for (const auto& members : ordered) {
    if (!out.empty()) out += ' ';
    out += '{';
    for (size_t i = 0; i < members.size(); ++i) {
      if (i) out += ',';
      out += std::to_string(members[i]);
    }
    out += '}';
  }
  return out;
}

TEST(UnionFindTest, UnionJoinsSets) {
  UnionFind uf(5);
  EXPECT_EQ(uf.num_sets(), 5u);
  uf.Union(0, 1);
  uf.Union(3, 4);
  uf.Union(1, 0);  // already joined
  EXPECT_EQ(ToString(uf), "{0,1} {2} {3,4}");
  EXPECT_EQ(uf.num_sets(), 3u);
  EXPECT_EQ(uf.set_size(4), 2u);
  EXPECT_TRUE(uf.Connected(3, 4));
  EXPECT_FALSE(uf.Connected(0, 2));
}

TEST(UnionFindTest, LargerSetKeepsItsRoot) {
  UnionFind uf(4);
  NodeId big = uf.Union(0, 1);
  big = uf.Union(big, 2);
  EXPECT_EQ(uf.Union(3, 0), big);
}

TEST(UnionFindTest, MergeIsOrderIndependent) {
  std::mt19937 rng(11);
  std::vector<std::pair<NodeId, NodeId>> edges;
  for (int i = 0; i < 300; ++i) edges.emplace_back(rng() % 400, rng() % 400);
  UnionFind forward(400);
  for (auto [a, b] : edges) forward.Union(a, b);
  std::shuffle(edges.begin(), edges.end(), rng);
  UnionFind shuffled(400);
  for (auto [a, b] : edges) shuffled.Union(b, a);
  EXPECT_EQ(ToString(forward), ToString(shuffled));
  EXPECT_EQ(forward.num_sets(), shuffled.num_sets());
}

TEST(UnionFindTest, AbsorbCombinesPartialForests) {
  UnionFind left(6), right(4);
  left.Union(0, 1);
  left.Union(4, 5);
  right.Union(1, 2);
  right.Union(3, 3);
  left.Absorb(right);
  EXPECT_EQ(ToString(left), "{0,1,2} {3} {4,5}");
}

TEST(UnionFindTest, IsolateResetsOneWholeSet) {
  UnionFind uf(6);
  uf.Union(0, 1);
  uf.Union(1, 2);
  uf.Union(3, 4);
  uf.Isolate({0, 1, 2});
  EXPECT_EQ(ToString(uf), "{0} {1} {2} {3,4} {5}");
  EXPECT_EQ(uf.num_sets(), 5u);
  uf.Union(2, 1);
  EXPECT_EQ(uf.FindRoot(1), uf.FindRoot(2));
  EXPECT_NE(uf.FindRoot(0), uf.FindRoot(1));
  EXPECT_EQ(uf.FindRoot(4), uf.Find(3));
}

TEST(UnionFindTest, ResizeAddsSingletons) {
  UnionFind uf(2);
  uf.Union(0, 1);
  uf.Resize(4);
  EXPECT_EQ(ToString(uf), "{0,1} {2} {3}");
  EXPECT_EQ(uf.num_sets(), 3u);
}

TEST(UnionFindTest, PrefetchParentReturnsTheParent) {
  UnionFind forest(4);
  EXPECT_EQ(forest.PrefetchParent(2), 2u);  // a singleton is its own parent
  const NodeId root = forest.Union(1, 2);
  const NodeId child = root == 1 ? 2 : 1;
  EXPECT_EQ(forest.PrefetchParent(child), root);
  EXPECT_EQ(forest.PrefetchParent(root), root);
}

}  // namespace
}  // namespace idstitch
