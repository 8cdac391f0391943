#include "graph/identity_graph.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "graph/identifier_dictionary.h"
#include "resolver/identifier_types.h"
#include "resolver/types.h"

namespace idstitch {
namespace {

using ::testing::ElementsAre;

// A dictionary plus the registry it is typed against. Identifiers are named
// "type:value" (split at the first ':', so social values may contain one).
class TestGraph {
 public:
  TestGraph() : types_(IdentifierTypeRegistry::WithBuiltins()) {}
  explicit TestGraph(IdentifierTypeRegistry types) : types_(std::move(types)) {}

  TypeId Type(std::string_view name) const {
    std::optional<TypeId> type = types_.Find(name);
    EXPECT_TRUE(type.has_value()) << "unknown type " << name;
    return type.value_or(0);
  }

  NodeId Node(std::string_view key) {
    size_t colon = key.find(':');
    TypeId type = Type(key.substr(0, colon));
    std::string_view value = key.substr(colon + 1);
    uint64_t hash = HashIdentifier(type, value);
    // Colliding hashes stand for the (rare) equal 64-bit hashes of different
    // identifiers: every tie-break must then fall back to the full key.
    if (colliding_hashes_) hash %= 3;
    return dictionary_.Intern(type, value, hash);
  }

  void set_colliding_hashes(bool colliding) { colliding_hashes_ = colliding; }

  std::string Key(NodeId node) const {
    return types_.spec(dictionary_.type(node)).name + ":" +
           std::string(dictionary_.value(node));
  }

  // A link between two identifiers, a < b as the Link contract requires.
  Link MakeLink(std::string_view x, std::string_view y,
                LinkKind kind = LinkKind::kDeterministic, float score = 1.0f,
                uint8_t matcher = 0) {
    return MakeNodeLink(Node(x), Node(y), kind, score, matcher);
  }

  static Link MakeNodeLink(NodeId x, NodeId y, LinkKind kind, float score,
                           uint8_t matcher) {
    Link link;
    link.a = std::min(x, y);
    link.b = std::max(x, y);
    link.kind = kind;
    link.score = score;
    link.matcher = matcher;
    link.evidence = 1;
    return link;
  }

  IdentityGraphResult Build(std::vector<Link>& links) {
    return BuildIdentityGraph(dictionary_, types_, links);
  }

  // The partition as "{account_id:a,email:x} {device_id:d}": members sorted,
  // identities sorted by their member lists. Independent of NodeIds.
  std::string Partition(UnionFind& components) const {
    std::map<NodeId, std::vector<std::string>> by_root;
    for (NodeId node = 0; node < dictionary_.size(); ++node) {
      by_root[components.Find(node)].push_back(Key(node));
    }
    std::vector<std::vector<std::string>> identities;
    for (auto& [root, members] : by_root) {
      std::sort(members.begin(), members.end());
      identities.push_back(std::move(members));
    }
    std::sort(identities.begin(), identities.end());
    std::string out;
    for (const auto& members : identities) {
      if (!out.empty()) out += ' ';
      out += '{';
      for (size_t i = 0; i < members.size(); ++i) {
        if (i > 0) out += ',';
        out += members[i];
      }
      out += '}';
    }
    return out;
  }

  // "x-y" with the two ends in key order (NodeId order depends on interning).
  std::string LinkKey(const Link& link) const {
    std::string x = Key(link.a);
    std::string y = Key(link.b);
    if (y < x) std::swap(x, y);
    return x + "-" + y;
  }

  IdentifierDictionary& dictionary() { return dictionary_; }
  const IdentifierTypeRegistry& types() const { return types_; }
  IdentifierTypeRegistry& mutable_types() { return types_; }

 private:
  IdentifierTypeRegistry types_;
  IdentifierDictionary dictionary_;
  bool colliding_hashes_ = false;
};

const char* OutcomeName(LinkOutcome outcome) {
  switch (outcome) {
    case LinkOutcome::kApplied:
      return "applied";
    case LinkOutcome::kRedundant:
      return "redundant";
    case LinkOutcome::kRefused:
      return "refused";
    case LinkOutcome::kHub:
      return "hub";
  }
  return "?";
}

// The outcome of the (only) sorted link between x and y.
LinkOutcome OutcomeOf(TestGraph& graph, const std::vector<Link>& sorted_links,
                      const IdentityGraphResult& result, std::string_view x,
                      std::string_view y) {
  NodeId nx = graph.Node(x);
  NodeId ny = graph.Node(y);
  for (size_t link_idx = 0; link_idx < sorted_links.size(); ++link_idx) {
    const Link& link = sorted_links[link_idx];
    if ((link.a == nx && link.b == ny) || (link.a == ny && link.b == nx)) {
      return result.outcomes[link_idx];
    }
  }
  ADD_FAILURE() << "no link " << x << "-" << y;
  return LinkOutcome::kApplied;
}

TEST(IdentityGraphTest, LinksJoinIdentities) {
  TestGraph graph;
  std::vector<Link> links = {graph.MakeLink("account_id:a", "email:x"),
                             graph.MakeLink("email:x", "device_id:d")};
  graph.Node("phone:+15550001");  // seen, never linked
  IdentityGraphResult result = graph.Build(links);
  EXPECT_EQ(graph.Partition(result.components),
            "{account_id:a,device_id:d,email:x} {phone:+15550001}");
  EXPECT_THAT(result.outcomes,
              ElementsAre(LinkOutcome::kApplied, LinkOutcome::kApplied));
  EXPECT_EQ(result.links_redundant, 0u);
  EXPECT_EQ(result.links_skipped_hub, 0u);
  EXPECT_TRUE(result.refused.empty());
  EXPECT_TRUE(result.hubs.empty());
  EXPECT_EQ(result.components.size(), graph.dictionary().size());
  EXPECT_EQ(result.quarantined.size(), graph.dictionary().size());
}

TEST(IdentityGraphTest, NoLinksGivesSingletons) {
  TestGraph graph;
  graph.Node("email:x");
  graph.Node("device_id:d");
  std::vector<Link> links;
  IdentityGraphResult result = graph.Build(links);
  EXPECT_EQ(graph.Partition(result.components), "{device_id:d} {email:x}");
  EXPECT_TRUE(result.outcomes.empty());
  EXPECT_EQ(result.components.num_sets(), 2u);
}

TEST(IdentityGraphTest, RedundantLinksAreCounted) {
  TestGraph graph;
  // A triangle: the canonical order applies account-email (10,20) and
  // account-device (10,60) first, so email-device (20,60) is redundant.
  std::vector<Link> links = {graph.MakeLink("email:x", "device_id:d"),
                             graph.MakeLink("account_id:a", "device_id:d"),
                             graph.MakeLink("account_id:a", "email:x")};
  IdentityGraphResult result = graph.Build(links);
  EXPECT_EQ(graph.Partition(result.components),
            "{account_id:a,device_id:d,email:x}");
  EXPECT_EQ(result.links_redundant, 1u);
  EXPECT_EQ(OutcomeOf(graph, links, result, "email:x", "device_id:d"),
            LinkOutcome::kRedundant);
  EXPECT_EQ(OutcomeOf(graph, links, result, "account_id:a", "email:x"),
            LinkOutcome::kApplied);
  EXPECT_EQ(OutcomeOf(graph, links, result, "account_id:a", "device_id:d"),
            LinkOutcome::kApplied);
}

TEST(IdentityGraphTest, DuplicateLinkFromAnotherMatcherIsRedundant) {
  TestGraph graph;
  std::vector<Link> links = {
      graph.MakeLink("email:x", "device_id:d", LinkKind::kDeterministic, 0.9f,
                     3),
      graph.MakeLink("email:x", "device_id:d", LinkKind::kProbabilistic, 0.95f,
                     5)};
  IdentityGraphResult result = graph.Build(links);
  EXPECT_EQ(graph.Partition(result.components), "{device_id:d,email:x}");
  // The deterministic one comes first and joins; the probabilistic one is
  // redundant.
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].kind, LinkKind::kDeterministic);
  EXPECT_THAT(result.outcomes,
              ElementsAre(LinkOutcome::kApplied, LinkOutcome::kRedundant));
  EXPECT_EQ(result.links_redundant, 1u);
}

TEST(IdentityGraphTest, OutcomesAreParallelToSortedLinks) {
  TestGraph graph;
  std::vector<Link> links = {graph.MakeLink("device_id:d1", "email:y",
                                            LinkKind::kProbabilistic, 0.8f, 4),
                             graph.MakeLink("account_id:a", "device_id:d1"),
                             graph.MakeLink("account_id:b", "device_id:d1",
                                            LinkKind::kDeterministic, 0.9f, 0),
                             graph.MakeLink("email:x", "phone:+15550001",
                                            LinkKind::kDeterministic, 0.9f, 3),
                             graph.MakeLink("account_id:a", "email:x"),
                             graph.MakeLink("email:x", "device_id:d1",
                                            LinkKind::kDeterministic, 0.9f, 3)};
  std::vector<Link> expected_order = links;
  SortLinksCanonically(graph.dictionary(), graph.types(), expected_order);

  IdentityGraphResult result = graph.Build(links);
  ASSERT_EQ(result.outcomes.size(), links.size());
  ASSERT_EQ(links.size(), expected_order.size());
  for (size_t link_idx = 0; link_idx < links.size(); ++link_idx) {
    EXPECT_EQ(graph.LinkKey(links[link_idx]),
              graph.LinkKey(expected_order[link_idx]))
        << "links are sorted in place into the canonical order";
  }
  EXPECT_EQ(OutcomeOf(graph, links, result, "account_id:a", "email:x"),
            LinkOutcome::kApplied);
  EXPECT_EQ(OutcomeOf(graph, links, result, "email:x", "device_id:d1"),
            LinkOutcome::kRedundant);  // a-d1 came first (priority 10 < 20)
  EXPECT_EQ(OutcomeOf(graph, links, result, "account_id:b", "device_id:d1"),
            LinkOutcome::kRefused);
  EXPECT_EQ(OutcomeOf(graph, links, result, "device_id:d1", "email:y"),
            LinkOutcome::kApplied);
  // Every counter agrees with the outcomes.
  size_t redundant = std::count(result.outcomes.begin(), result.outcomes.end(),
                                LinkOutcome::kRedundant);
  size_t refused = std::count(result.outcomes.begin(), result.outcomes.end(),
                              LinkOutcome::kRefused);
  EXPECT_EQ(result.links_redundant, redundant);
  EXPECT_EQ(result.refused.size(), refused);
}

TEST(IdentityGraphTest, SortPutsDeterministicFirstThenPriorityThenScore) {
  TestGraph graph;
  std::vector<Link> links = {
      graph.MakeLink("account_id:a", "email:e3", LinkKind::kProbabilistic, 1.0f,
                     4),
      graph.MakeLink("email:e1", "phone:+15550001"),  // (20,30)
      graph.MakeLink("account_id:a", "device_id:d"),  // (10,60)
      graph.MakeLink("account_id:a", "email:e2", LinkKind::kDeterministic,
                     0.5f),                        // (10,20)
      graph.MakeLink("account_id:a", "email:e1"),  // (10,20)
  };
  SortLinksCanonically(graph.dictionary(), graph.types(), links);
  std::vector<std::string> order;
  for (const Link& link : links) order.push_back(graph.LinkKey(link));
  EXPECT_THAT(
      order, ElementsAre("account_id:a-email:e1", "account_id:a-email:e2",
                         "account_id:a-device_id:d", "email:e1-phone:+15550001",
                         "account_id:a-email:e3"));
}

// The packed sort key against the order spelled out field by field: kind,
// lower then higher priority (ints, with ties), score descending, then the
// ends' hashes, then the matcher. Types with equal and negative priorities
// and scores of 0, -0 and 1 are where packing goes wrong.
TEST(IdentityGraphTest, CanonicalSortFollowsTheFieldOrder) {
  IdentifierTypeRegistry types = IdentifierTypeRegistry::WithBuiltins();
  for (auto [name, priority] : {std::pair{"crm_a", -5}, {"crm_b", -5}, {"crm_c", 7000}}) {
    IdentifierTypeSpec spec;
    spec.name = name;
    spec.priority = priority;
    ASSERT_TRUE(types.Add(spec).ok());
  }
  TestGraph graph(types);
  const std::vector<std::string> type_names = {"crm_a", "crm_b", "crm_c", "email", "device_id"};
  std::mt19937 random(11);
  const float scores[] = {1.0f, 0.0f, -0.0f, 0.5f, 0.97f, 0.25f};
  std::vector<Link> links;
  std::set<std::tuple<NodeId, NodeId, uint8_t>> seen_keys;
  for (int i = 0; i < 3000; ++i) {
    const std::string x = type_names[random() % type_names.size()] + ":v" +
                          std::to_string(random() % 60);
    const std::string y = type_names[random() % type_names.size()] + ":v" +
                          std::to_string(random() % 60);
    NodeId nx = graph.Node(x), ny = graph.Node(y);
    if (nx == ny) continue;
    const uint8_t matcher = random() % 3;
    if (!seen_keys.insert({std::min(nx, ny), std::max(nx, ny), matcher}).second) continue;
    links.push_back(TestGraph::MakeNodeLink(
        nx, ny, random() % 2 ? LinkKind::kDeterministic : LinkKind::kProbabilistic,
        scores[random() % std::size(scores)], matcher));
  }
  const IdentifierDictionary& dictionary = graph.dictionary();
  auto field_order = [&](const Link& l) {
    const int pa = types.spec(dictionary.type(l.a)).priority;
    const int pb = types.spec(dictionary.type(l.b)).priority;
    const uint64_t ha = dictionary.hash(l.a), hb = dictionary.hash(l.b);
    return std::make_tuple(static_cast<int>(l.kind), std::min(pa, pb), std::max(pa, pb),
                           -l.score, std::min(ha, hb), std::max(ha, hb), l.matcher);
  };
  std::vector<Link> expected = links;
  std::stable_sort(expected.begin(), expected.end(), [&](const Link& l, const Link& r) {
    return field_order(l) < field_order(r);
  });
  SortLinksCanonically(dictionary, types, links, nullptr);
  ASSERT_EQ(links.size(), expected.size());
  for (size_t i = 0; i < links.size(); ++i) {
    ASSERT_EQ(field_order(links[i]), field_order(expected[i])) << "at " << i;
  }
}

TEST(IdentityGraphTest, SortIsIndependentOfInputOrder) {
  TestGraph graph;
  std::vector<Link> links;
  std::mt19937 rng(7);
  const char* keys[] = {"account_id:a",  "account_id:b", "email:x",
                        "email:y",       "phone:+1",     "loyalty_card:42",
                        "social:tw:bob", "device_id:d1", "device_id:d2"};
  for (const char* x : keys) {
    for (const char* y : keys) {
      if (std::string_view(x) >= std::string_view(y)) continue;
      LinkKind kind =
          rng() % 2 ? LinkKind::kDeterministic : LinkKind::kProbabilistic;
      links.push_back(graph.MakeLink(x, y, kind, (rng() % 3) * 0.25f + 0.5f,
                                     static_cast<uint8_t>(rng() % 3)));
    }
  }
  std::vector<Link> sorted = links;
  SortLinksCanonically(graph.dictionary(), graph.types(), sorted);
  for (size_t i = 1; i < sorted.size(); ++i) {
    EXPECT_LE(sorted[i - 1].kind, sorted[i].kind)
        << "deterministic before probabilistic";
  }
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<Link> shuffled = links;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    SortLinksCanonically(graph.dictionary(), graph.types(), shuffled);
    ASSERT_EQ(shuffled.size(), sorted.size());
    for (size_t i = 0; i < sorted.size(); ++i) {
      EXPECT_EQ(shuffled[i].a, sorted[i].a);
      EXPECT_EQ(shuffled[i].b, sorted[i].b);
      EXPECT_EQ(shuffled[i].kind, sorted[i].kind);
      EXPECT_EQ(shuffled[i].matcher, sorted[i].matcher);
    }
  }
}

// --- Per-identity limits -----------------------------------------------------

TEST(IdentityGraphTest, HouseholdTabletJoinsExactlyOneAccount) {
  TestGraph graph;
  std::vector<Link> links = {
      graph.MakeLink("account_id:alice", "device_id:tablet"),
      graph.MakeLink("account_id:bob", "device_id:tablet")};
  std::vector<Link> canonical = links;
  SortLinksCanonically(graph.dictionary(), graph.types(), canonical);
  // Same kind, priorities and score: the hashes decide, and the link that
  // comes first in the canonical order wins.
  std::string winner = graph.Key(graph.dictionary().type(canonical[0].a) ==
                                         graph.Type("account_id")
                                     ? canonical[0].a
                                     : canonical[0].b);
  std::string loser =
      winner == "account_id:alice" ? "account_id:bob" : "account_id:alice";

  IdentityGraphResult result = graph.Build(links);
  EXPECT_EQ(graph.Partition(result.components),
            winner < loser
                ? "{" + winner + ",device_id:tablet} {" + loser + "}"
                : "{" + loser + "} {" + winner + ",device_id:tablet}");
  EXPECT_THAT(result.outcomes,
              ElementsAre(LinkOutcome::kApplied, LinkOutcome::kRefused));
  ASSERT_EQ(result.refused.size(), 1u);
  const RefusedMerge& refused = result.refused[0];
  EXPECT_EQ(graph.LinkKey(refused.link), loser + "-device_id:tablet");
  EXPECT_EQ(refused.limited_type, graph.Type("account_id"));
  EXPECT_EQ(refused.count_a, 1u);
  EXPECT_EQ(refused.count_b, 1u);

  // The same winner whatever the input order and node numbering.
  for (int reversed = 0; reversed < 2; ++reversed) {
    TestGraph other;
    if (reversed) other.Node("device_id:tablet");
    other.Node("account_id:bob");
    other.Node("account_id:alice");
    std::vector<Link> other_links = {
        other.MakeLink("account_id:bob", "device_id:tablet"),
        other.MakeLink("account_id:alice", "device_id:tablet")};
    if (reversed) std::swap(other_links[0], other_links[1]);
    IdentityGraphResult other_result = other.Build(other_links);
    EXPECT_EQ(other.Partition(other_result.components),
              graph.Partition(result.components));
  }
}

TEST(IdentityGraphTest, HigherScoreWinsALimitConflict) {
  for (int swap = 0; swap < 2; ++swap) {
    TestGraph graph;
    std::string strong = swap ? "account_id:bob" : "account_id:alice";
    std::string weak = swap ? "account_id:alice" : "account_id:bob";
    std::vector<Link> links = {
        graph.MakeLink(weak, "device_id:tablet", LinkKind::kDeterministic, 0.9f,
                       3),
        graph.MakeLink(strong, "device_id:tablet", LinkKind::kDeterministic,
                       1.0f, 0)};
    IdentityGraphResult result = graph.Build(links);
    TestGraph expected;
    expected.Node(strong);
    expected.Node(weak);
    expected.Node("device_id:tablet");
    std::vector<Link> expected_links = {
        expected.MakeLink(strong, "device_id:tablet")};
    IdentityGraphResult expected_result = expected.Build(expected_links);
    EXPECT_EQ(graph.Partition(result.components),
              expected.Partition(expected_result.components));
    ASSERT_EQ(result.refused.size(), 1u);
    EXPECT_EQ(graph.LinkKey(result.refused[0].link),
              weak + "-device_id:tablet");
  }
}

TEST(IdentityGraphTest, DeterministicLinksApplyBeforeProbabilistic) {
  // A probabilistic link with a perfect score still loses a limit conflict to
  // a weak deterministic one, whichever account hashes lower.
  for (int swap = 0; swap < 2; ++swap) {
    TestGraph graph;
    std::string det = swap ? "account_id:bob" : "account_id:alice";
    std::string prob = swap ? "account_id:alice" : "account_id:bob";
    std::vector<Link> links = {
        graph.MakeLink(prob, "device_id:tablet", LinkKind::kProbabilistic, 1.0f,
                       0),
        graph.MakeLink(det, "device_id:tablet", LinkKind::kDeterministic, 0.5f,
                       3)};
    IdentityGraphResult result = graph.Build(links);
    ASSERT_EQ(links.size(), 2u);
    EXPECT_EQ(links[0].kind, LinkKind::kDeterministic);
    EXPECT_THAT(result.outcomes,
                ElementsAre(LinkOutcome::kApplied, LinkOutcome::kRefused));
    EXPECT_TRUE(result.components.Connected(graph.Node(det),
                                            graph.Node("device_id:tablet")));
    EXPECT_FALSE(result.components.Connected(graph.Node(prob),
                                             graph.Node("device_id:tablet")));
  }
}

TEST(IdentityGraphTest, MoreTrustedTypesApplyFirst) {
  // account-email (10,20) and account-device (10,60) come before
  // email-device (20,60), which would put two accounts together.
  TestGraph graph;
  std::vector<Link> links = {graph.MakeLink("email:x", "device_id:d"),
                             graph.MakeLink("account_id:b", "device_id:d"),
                             graph.MakeLink("account_id:a", "email:x")};
  IdentityGraphResult result = graph.Build(links);
  EXPECT_EQ(graph.Partition(result.components),
            "{account_id:a,email:x} {account_id:b,device_id:d}");
  ASSERT_EQ(result.refused.size(), 1u);
  EXPECT_EQ(graph.LinkKey(result.refused[0].link), "device_id:d-email:x");
  EXPECT_EQ(OutcomeOf(graph, links, result, "email:x", "device_id:d"),
            LinkOutcome::kRefused);
}

TEST(IdentityGraphTest, RefusedMergeRecordsCountsPerSide) {
  IdentifierTypeRegistry types = IdentifierTypeRegistry::WithBuiltins();
  types.mutable_spec(*types.Find("email")).max_per_identity = 2;
  TestGraph graph(std::move(types));
  // The account collects two emails; the third email, already joined to a
  // phone, would make three.
  std::vector<Link> links = {graph.MakeLink("account_id:a", "email:e1"),
                             graph.MakeLink("account_id:a", "email:e2"),
                             graph.MakeLink("email:e3", "phone:+15550001"),
                             graph.MakeLink("phone:+15550001", "device_id:d"),
                             graph.MakeLink("email:e2", "phone:+15550001",
                                            LinkKind::kProbabilistic, 0.9f, 4)};
  IdentityGraphResult result = graph.Build(links);
  EXPECT_EQ(graph.Partition(result.components),
            "{account_id:a,email:e1,email:e2} "
            "{device_id:d,email:e3,phone:+15550001}");
  ASSERT_EQ(result.refused.size(), 1u);
  const RefusedMerge& refused = result.refused[0];
  EXPECT_EQ(graph.LinkKey(refused.link), "email:e2-phone:+15550001");
  EXPECT_EQ(refused.link.kind, LinkKind::kProbabilistic);
  EXPECT_EQ(refused.limited_type, graph.Type("email"));
  // count_a belongs to link.a's side, count_b to link.b's.
  bool a_is_account_side = refused.link.a == graph.Node("email:e2");
  EXPECT_EQ(refused.count_a, a_is_account_side ? 2u : 1u);
  EXPECT_EQ(refused.count_b, a_is_account_side ? 1u : 2u);
}

TEST(IdentityGraphTest, LimitIsCheckedOnWholeIdentities) {
  // Neither link touches two accounts directly: the refusal comes from the
  // identities the ends already belong to.
  TestGraph graph;
  std::vector<Link> links = {graph.MakeLink("account_id:a", "email:x"),
                             graph.MakeLink("account_id:b", "email:y"),
                             graph.MakeLink("email:x", "device_id:d"),
                             graph.MakeLink("email:y", "device_id:d")};
  IdentityGraphResult result = graph.Build(links);
  ASSERT_EQ(result.refused.size(), 1u);
  EXPECT_EQ(result.refused[0].limited_type, graph.Type("account_id"));
  EXPECT_FALSE(result.components.Connected(graph.Node("account_id:a"),
                                           graph.Node("account_id:b")));
  EXPECT_EQ(result.components.num_sets(), 2u);
}

TEST(IdentityGraphTest, UnlimitedTypeIsNeverRefused) {
  IdentifierTypeRegistry types = IdentifierTypeRegistry::WithBuiltins();
  IdentifierTypeSpec cookie;
  cookie.name = "cookie";
  cookie.priority = 70;
  ASSERT_TRUE(types.Add(cookie).ok());
  TestGraph graph(std::move(types));
  std::vector<Link> links;
  for (int i = 0; i < 50; ++i) {
    links.push_back(graph.MakeLink("email:x", "cookie:c" + std::to_string(i)));
  }
  IdentityGraphResult result = graph.Build(links);
  EXPECT_TRUE(result.refused.empty());
  EXPECT_TRUE(result.hubs.empty());  // cookie has no hub_cap either
  EXPECT_EQ(result.components.num_sets(), 1u);
}

// --- Hubs --------------------------------------------------------------------

TEST(IdentityGraphTest, HubIsQuarantined) {
  TestGraph graph;
  // account_id's hub_cap is 5: a kiosk linked to six accounts is a hub.
  std::vector<Link> links;
  for (int i = 0; i < 6; ++i) {
    links.push_back(
        graph.MakeLink("account_id:a" + std::to_string(i), "device_id:kiosk"));
  }
  links.push_back(graph.MakeLink("email:x", "device_id:kiosk"));
  links.push_back(graph.MakeLink("account_id:a0", "email:y"));
  IdentityGraphResult result = graph.Build(links);

  ASSERT_EQ(result.hubs.size(), 1u);
  EXPECT_EQ(graph.Key(result.hubs[0].node), "device_id:kiosk");
  EXPECT_EQ(result.hubs[0].neighbor_type, graph.Type("account_id"));
  EXPECT_EQ(result.hubs[0].distinct_neighbors, 6u);
  EXPECT_TRUE(result.quarantined[graph.Node("device_id:kiosk")]);
  EXPECT_FALSE(result.quarantined[graph.Node("account_id:a0")]);
  EXPECT_FALSE(result.quarantined[graph.Node("email:x")]);

  // Every link touching the hub is skipped; the others apply.
  EXPECT_EQ(result.links_skipped_hub, 7u);
  for (size_t link_idx = 0; link_idx < links.size(); ++link_idx) {
    bool touches_hub = graph.LinkKey(links[link_idx]).find("device_id:kiosk") !=
                       std::string::npos;
    EXPECT_EQ(result.outcomes[link_idx],
              touches_hub ? LinkOutcome::kHub : LinkOutcome::kApplied)
        << graph.LinkKey(links[link_idx]);
  }
  EXPECT_EQ(
      graph.Partition(result.components),
      "{account_id:a0,email:y} {account_id:a1} {account_id:a2} {account_id:a3} "
      "{account_id:a4} {account_id:a5} {device_id:kiosk} {email:x}");
  EXPECT_TRUE(result.refused.empty());
}

TEST(IdentityGraphTest, AtHubCapIsNotAHub) {
  TestGraph graph;
  // Five distinct accounts (one of them linked twice, by two matchers) is at
  // the cap, not over it: the device joins one account, the rest are refused.
  std::vector<Link> links;
  for (int i = 0; i < 5; ++i) {
    links.push_back(
        graph.MakeLink("account_id:a" + std::to_string(i), "device_id:tablet"));
  }
  links.push_back(graph.MakeLink("account_id:a0", "device_id:tablet",
                                 LinkKind::kDeterministic, 0.9f, 3));
  IdentityGraphResult result = graph.Build(links);
  EXPECT_TRUE(result.hubs.empty());
  EXPECT_EQ(result.links_skipped_hub, 0u);
  std::set<std::string> refused_pairs;
  for (const RefusedMerge& refused : result.refused) {
    refused_pairs.insert(graph.LinkKey(refused.link));
  }
  EXPECT_EQ(refused_pairs.size(), 4u);
  EXPECT_EQ(result.components.set_size(graph.Node("device_id:tablet")), 2u);
}

TEST(IdentityGraphTest, HubCapIsPerNeighborType) {
  TestGraph graph;
  // Four accounts and six emails: 10 neighbors, but neither type over its cap
  // (account 5, email 10).
  std::vector<Link> links;
  for (int i = 0; i < 4; ++i) {
    links.push_back(
        graph.MakeLink("account_id:a" + std::to_string(i), "device_id:d"));
  }
  for (int i = 0; i < 6; ++i) {
    links.push_back(
        graph.MakeLink("email:e" + std::to_string(i), "device_id:d"));
  }
  IdentityGraphResult result = graph.Build(links);
  EXPECT_TRUE(result.hubs.empty());
  // Eleven emails is over email's cap of 10.
  for (int i = 6; i < 11; ++i) {
    links.push_back(
        graph.MakeLink("email:e" + std::to_string(i), "device_id:d"));
  }
  result = graph.Build(links);
  ASSERT_EQ(result.hubs.size(), 1u);
  EXPECT_EQ(result.hubs[0].neighbor_type, graph.Type("email"));
  EXPECT_EQ(result.hubs[0].distinct_neighbors, 11u);
  EXPECT_EQ(result.components.num_sets(), graph.dictionary().size());
}

TEST(IdentityGraphTest, HubsAreSortedByNodeHash) {
  TestGraph graph;
  std::vector<Link> links;
  for (const char* hub :
       {"device_id:h1", "device_id:h2", "device_id:h3", "email:h4"}) {
    for (int i = 0; i < 6; ++i) {
      links.push_back(graph.MakeLink(hub, "account_id:a" + std::to_string(i)));
    }
  }
  IdentityGraphResult result = graph.Build(links);
  ASSERT_EQ(result.hubs.size(), 4u);
  for (size_t i = 1; i < result.hubs.size(); ++i) {
    EXPECT_LT(graph.dictionary().hash(result.hubs[i - 1].node),
              graph.dictionary().hash(result.hubs[i].node));
  }
  EXPECT_EQ(result.links_skipped_hub, links.size());
  EXPECT_EQ(result.components.num_sets(), graph.dictionary().size());
}

// --- Canonical order independence
// ---------------------------------------------

struct RandomGraph {
  std::vector<std::string> keys;  // "type:value"
  struct LinkSpec {
    size_t x, y;
    LinkKind kind;
    float score;
    uint8_t matcher;
  };
  std::vector<LinkSpec> links;
};

RandomGraph MakeRandomGraph(std::mt19937& rng) {
  static const char* const kTypes[] = {
      "account_id", "account_id",   "email",  "email",     "email",
      "phone",      "loyalty_card", "social", "device_id", "device_id"};
  static const float kScores[] = {1.0f, 0.97f, 0.9f, 0.75f};
  RandomGraph graph;
  size_t num_ids = 8 + rng() % 40;
  for (size_t i = 0; i < num_ids; ++i) {
    graph.keys.push_back(std::string(kTypes[rng() % std::size(kTypes)]) + ":v" +
                         std::to_string(i));
  }
  size_t num_links = num_ids / 2 + rng() % (2 * num_ids);
  for (size_t i = 0; i < num_links; ++i) {
    size_t x = rng() % num_ids;
    size_t y = rng() % num_ids;
    if (x == y) continue;
    LinkKind kind =
        rng() % 3 == 0 ? LinkKind::kProbabilistic : LinkKind::kDeterministic;
    graph.links.push_back({x, y, kind, kScores[rng() % std::size(kScores)],
                           static_cast<uint8_t>(rng() % 4)});
  }
  if (rng() % 3 == 0) {
    // A kiosk signed into by 4 to 7 accounts of its own (a hub over
    // account_id's cap of 5 from 6 on) and linked to random others.
    size_t hub = graph.keys.size();
    graph.keys.push_back("device_id:kiosk");
    size_t num_accounts = 4 + rng() % 4;
    for (size_t i = 0; i < num_accounts; ++i) {
      graph.keys.push_back("account_id:k" + std::to_string(i));
      graph.links.push_back(
          {hub, graph.keys.size() - 1, LinkKind::kDeterministic, 1.0f, 0});
    }
    for (size_t i = 0; i < num_ids; ++i) {
      if (rng() % 4 == 0)
        graph.links.push_back({hub, i, LinkKind::kDeterministic, 1.0f, 0});
    }
  }
  return graph;
}

// Builds `spec` with its identifiers interned in `intern_order` and its links
// shuffled, checks the result's invariants and renders everything that must
// not depend on NodeIds or input order.
std::string BuildAndRender(const RandomGraph& spec,
                           const IdentifierTypeRegistry& types,
                           const std::vector<size_t>& intern_order,
                           bool colliding_hashes, std::mt19937& rng) {
  TestGraph graph(types);
  graph.set_colliding_hashes(colliding_hashes);
  std::vector<NodeId> node_of(spec.keys.size());
  for (size_t index : intern_order)
    node_of[index] = graph.Node(spec.keys[index]);
  std::vector<Link> links;
  for (const RandomGraph::LinkSpec& link : spec.links) {
    links.push_back(TestGraph::MakeNodeLink(
        node_of[link.x], node_of[link.y], link.kind, link.score, link.matcher));
  }
  std::shuffle(links.begin(), links.end(), rng);
  IdentityGraphResult result = graph.Build(links);

  // Invariants.
  EXPECT_EQ(result.outcomes.size(), links.size());
  for (size_t link_idx = 0; link_idx < links.size(); ++link_idx) {
    const Link& link = links[link_idx];
    switch (result.outcomes[link_idx]) {
      case LinkOutcome::kApplied:
      case LinkOutcome::kRedundant:
        EXPECT_TRUE(result.components.Connected(link.a, link.b));
        break;
      case LinkOutcome::kRefused:
        // Identities only grow, so a refused pair can never have joined later.
        EXPECT_FALSE(result.components.Connected(link.a, link.b));
        break;
      case LinkOutcome::kHub:
        EXPECT_TRUE(result.quarantined[link.a] || result.quarantined[link.b]);
        break;
    }
  }
  std::map<NodeId, std::map<TypeId, int>> type_counts;
  for (NodeId node = 0; node < graph.dictionary().size(); ++node) {
    ++type_counts[result.components.Find(node)][graph.dictionary().type(node)];
    if (result.quarantined[node]) {
      EXPECT_EQ(result.components.set_size(node), 1u);
    }
  }
  for (const auto& [root, counts] : type_counts) {
    for (const auto& [type, count] : counts) {
      int limit = types.spec(type).max_per_identity;
      if (limit > 0) {
        EXPECT_LE(count, limit) << types.spec(type).name;
      }
    }
  }
  for (const RefusedMerge& refused : result.refused) {
    int limit = types.spec(refused.limited_type).max_per_identity;
    EXPECT_GT(static_cast<int>(refused.count_a + refused.count_b), limit);
  }

  // The rendering: partition, hubs, refusals and per-link outcomes.
  std::string out = graph.Partition(result.components) + "\nhubs:";
  for (const Hub& hub : result.hubs) {
    out += " " + graph.Key(hub.node) + "/" +
           types.spec(hub.neighbor_type).name + "/" +
           std::to_string(hub.distinct_neighbors);
  }
  out += "\nrefused:";
  for (const RefusedMerge& refused : result.refused) {
    // count_a/count_b follow link.a/link.b, i.e. NodeId order: render by key.
    uint32_t count_x = refused.count_a;
    uint32_t count_y = refused.count_b;
    if (graph.Key(refused.link.b) < graph.Key(refused.link.a))
      std::swap(count_x, count_y);
    out += " " + graph.LinkKey(refused.link) + "/" +
           types.spec(refused.limited_type).name + "/" +
           std::to_string(count_x) + "+" + std::to_string(count_y);
  }
  out += "\nlinks:";
  for (size_t link_idx = 0; link_idx < links.size(); ++link_idx) {
    const Link& link = links[link_idx];
    out += " " + graph.LinkKey(link) + "/" +
           std::to_string(static_cast<int>(link.kind)) + "/" +
           std::to_string(link.score) + "/" + std::to_string(link.matcher) +
           "=" + OutcomeName(result.outcomes[link_idx]);
  }
  out += "\nredundant=" + std::to_string(result.links_redundant) +
         " hub=" + std::to_string(result.links_skipped_hub);
  return out;
}

void ExpectOrderIndependent(const IdentifierTypeRegistry& types,
                            uint32_t seed_base, bool colliding_hashes,
                            int* refusals_seen, int* hubs_seen) {
  for (uint32_t seed = seed_base; seed < seed_base + 150; ++seed) {
    std::mt19937 rng(seed);
    RandomGraph spec = MakeRandomGraph(rng);
    std::vector<size_t> order(spec.keys.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::string expected =
        BuildAndRender(spec, types, order, colliding_hashes, rng);
    if (expected.find("refused: ") != std::string::npos) ++*refusals_seen;
    if (expected.find("hubs: ") != std::string::npos) ++*hubs_seen;
    for (int trial = 0; trial < 4; ++trial) {
      std::shuffle(order.begin(), order.end(), rng);
      ASSERT_EQ(BuildAndRender(spec, types, order, colliding_hashes, rng),
                expected)
          << "seed " << seed;
    }
  }
}

TEST(IdentityGraphTest, ResultIsIndependentOfInternAndLinkOrder) {
  int refusals_seen = 0;
  int hubs_seen = 0;
  ExpectOrderIndependent(IdentifierTypeRegistry::WithBuiltins(), 1000,
                         /*colliding_hashes=*/false, &refusals_seen,
                         &hubs_seen);
  // The random graphs exercise both protections, not just plain unions.
  EXPECT_GT(refusals_seen, 50);
  EXPECT_GT(hubs_seen, 5);
}

TEST(IdentityGraphTest, ResultIsIndependentOfOrderUnderTightLimits) {
  // Small limits and caps on every type, so most graphs have conflicts
  // between several types at once.
  IdentifierTypeRegistry types = IdentifierTypeRegistry::WithBuiltins();
  for (TypeId type = 0; type < types.size(); ++type) {
    types.mutable_spec(type).max_per_identity = 1 + type % 3;
    types.mutable_spec(type).hub_cap = 3 + type % 2;
  }
  // Two types sharing a priority: the order falls through to the hashes.
  types.mutable_spec(*types.Find("phone")).priority =
      types.spec(*types.Find("email")).priority;
  int refusals_seen = 0;
  int hubs_seen = 0;
  ExpectOrderIndependent(types, 5000, /*colliding_hashes=*/false,
                         &refusals_seen, &hubs_seen);
  EXPECT_GT(refusals_seen, 100);
  EXPECT_GT(hubs_seen, 20);
}

TEST(IdentityGraphTest, ResultIsIndependentOfOrderWhenHashesCollide) {
  IdentifierTypeRegistry types = IdentifierTypeRegistry::WithBuiltins();
  for (TypeId type = 0; type < types.size(); ++type) {
    types.mutable_spec(type).max_per_identity = 1 + type % 2;
  }
  int refusals_seen = 0;
  int hubs_seen = 0;
  ExpectOrderIndependent(types, 9000, /*colliding_hashes=*/true, &refusals_seen,
                         &hubs_seen);
  EXPECT_GT(refusals_seen, 100);
}

}  // namespace
}  // namespace idstitch

namespace idstitch {
namespace {

TEST(IdentityGraphTest, AccountWithManyCookiesIsNotAHub) {
  TestGraph graph;
  // device_id's hub_cap is 200, but devices are less trusted than accounts:
  // a heavy user's 201 churned cookies do not make their account a hub; the
  // per-identity device limit (100) refuses the extra cookies instead.
  std::vector<Link> links;
  for (int i = 0; i < 201; ++i) {
    links.push_back(graph.MakeLink("account_id:heavy", "device_id:c" + std::to_string(i)));
  }
  IdentityGraphResult result = graph.Build(links);
  EXPECT_TRUE(result.hubs.empty());
  EXPECT_FALSE(result.quarantined[graph.Node("account_id:heavy")]);
  EXPECT_EQ(result.refused.size(), 101u);
  EXPECT_EQ(result.components.set_size(graph.Node("account_id:heavy")), 101u);
}

}  // namespace
}  // namespace idstitch
