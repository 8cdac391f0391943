#include "graph/incremental_graph.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "graph/identity_assignment.h"

namespace idstitch {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class IncrementalGraphTest : public ::testing::Test {
 protected:
  IncrementalGraphTest()
      : types_(IdentifierTypeRegistry::WithBuiltins()),
        graph_(types_, {LinkKind::kDeterministic}, {1.0f}) {}

  TypeId Type(std::string_view name) const { return *types_.Find(name); }

  // One record whose identifiers are all linked to the first (a star, as
  // the authenticated-event matcher links an account to its devices).
  ApplyResult Add(std::vector<std::pair<std::string, std::string>> ids, int64_t ts) {
    std::vector<Identifier> identifiers;
    for (const auto& [type, value] : ids) identifiers.push_back({Type(type), value});
    std::vector<RecordLinks> links;
    for (size_t slot = 1; slot < identifiers.size(); ++slot) {
      links.push_back({0, 0, static_cast<uint8_t>(slot)});
    }
    return graph_.AddRecord(identifiers, ts, links, &changes_);
  }

  std::string IdOf(std::string_view type, std::string_view value) const {
    std::optional<NodeId> node = graph_.Find(Type(type), value);
    return node.has_value() ? graph_.IdentityIdOf(*node) : "(none)";
  }

  std::vector<std::string> Members(std::string_view type, std::string_view value) const {
    std::vector<std::string> out;
    for (NodeId node : graph_.MembersOf(*graph_.Find(Type(type), value))) {
      out.push_back(types_.spec(graph_.dictionary().type(node)).name + ":" +
                    std::string(graph_.dictionary().value(node)));
    }
    return out;
  }

  std::vector<std::string> ChangeKinds() const {
    static constexpr const char* kNames[] = {"created", "merged", "split", "erased"};
    std::vector<std::string> out;
    for (const ServiceChange& change : changes_) out.push_back(kNames[static_cast<int>(change.kind)]);
    return out;
  }

  IdentifierTypeRegistry types_;
  IncrementalGraph graph_;
  std::vector<ServiceChange> changes_;
};

TEST_F(IncrementalGraphTest, NewRecordCreatesOneIdentityNamedByItsCanonicalMember) {
  ApplyResult result = Add({{"email", "a@x.com"}, {"device_id", "d1"}}, 100);
  EXPECT_TRUE(result.created);
  EXPECT_EQ(result.identity_id, DeriveIdentityId("email", "a@x.com"));
  EXPECT_THAT(ChangeKinds(), ElementsAre("created"));
  EXPECT_EQ(IdOf("device_id", "d1"), result.identity_id);
  EXPECT_EQ(graph_.num_identities(), 1u);
  EXPECT_EQ(graph_.num_identifiers(), 2u);
}

TEST_F(IncrementalGraphTest, MergeKeepsTheOlderIdentitysId) {
  const std::string older = Add({{"email", "a@x.com"}}, 100).identity_id;
  const std::string younger = Add({{"device_id", "d1"}}, 200).identity_id;
  changes_.clear();
  ApplyResult result = Add({{"email", "a@x.com"}, {"device_id", "d1"}}, 300);
  EXPECT_FALSE(result.created);
  EXPECT_EQ(result.identity_id, older);
  EXPECT_THAT(result.merged, ElementsAre(younger));
  EXPECT_THAT(ChangeKinds(), ElementsAre("merged"));
  EXPECT_EQ(graph_.SurvivorOf(younger), older);
  EXPECT_FALSE(graph_.RootOfId(younger).has_value());
  const NodeActivity activity = graph_.IdentityActivity(*graph_.Find(Type("email"), "a@x.com"));
  EXPECT_EQ(activity.first_seen, 100);
  EXPECT_EQ(activity.last_seen, 300);
  EXPECT_EQ(activity.records, 3u);
}

TEST_F(IncrementalGraphTest, PerIdentityLimitRefusesTheMerge) {
  // account_id allows one per identity: a device used by two accounts joins
  // the first and the second link is refused.
  Add({{"account_id", "u1"}, {"device_id", "d1"}}, 100);
  Add({{"account_id", "u2"}, {"device_id", "d1"}}, 200);
  EXPECT_NE(IdOf("account_id", "u1"), IdOf("account_id", "u2"));
  EXPECT_EQ(IdOf("device_id", "d1"), IdOf("account_id", "u1"));
  EXPECT_EQ(graph_.refused_merges(), 1u);
}

TEST_F(IncrementalGraphTest, DeviceBecomingAHubIsQuarantinedAndItsIdentitySplits) {
  // device_id's hub cap for emails is 10: the 11th email makes the shared
  // tablet a hub, and the identities it had joined come apart again.
  for (int i = 0; i < 11; ++i) {
    Add({{"email", "user" + std::to_string(i) + "@x.com"}, {"device_id", "tablet"}}, 100 + i);
  }
  const NodeId tablet = *graph_.Find(Type("device_id"), "tablet");
  EXPECT_TRUE(graph_.quarantined(tablet));
  EXPECT_THAT(Members("device_id", "tablet"), ElementsAre("device_id:tablet"));
  for (int i = 0; i < 11; ++i) {
    EXPECT_THAT(Members("email", "user" + std::to_string(i) + "@x.com"),
                ElementsAre("email:user" + std::to_string(i) + "@x.com"));
  }
  EXPECT_THAT(ChangeKinds(), ::testing::Contains("split"));
}

TEST_F(IncrementalGraphTest, EraseRemovesTheIdentifierAndTheLargestPartKeepsTheId) {
  // a@x.com links d1 and d2; d2 links d3. Erasing a@x.com leaves {d1} and
  // {d2, d3}: the larger part keeps the ID.
  Add({{"email", "a@x.com"}, {"device_id", "d1"}}, 100);
  Add({{"email", "a@x.com"}, {"device_id", "d2"}}, 110);
  std::vector<Identifier> pair = {{Type("device_id"), "d2"}, {Type("device_id"), "d3"}};
  std::vector<RecordLinks> link = {{0, 0, 1}};
  graph_.AddRecord(pair, 120, link, &changes_);
  const std::string id = IdOf("email", "a@x.com");
  changes_.clear();
  ASSERT_TRUE(graph_.Erase(Type("email"), "a@x.com", &changes_));
  EXPECT_EQ(IdOf("email", "a@x.com"), "(none)");
  EXPECT_EQ(IdOf("device_id", "d2"), id);
  EXPECT_EQ(IdOf("device_id", "d3"), id);
  EXPECT_NE(IdOf("device_id", "d1"), id);
  EXPECT_THAT(ChangeKinds(), ElementsAre("erased", "split"));
  EXPECT_EQ(changes_[1].others, std::vector<std::string>{IdOf("device_id", "d1")});
  EXPECT_EQ(graph_.dictionary().value(graph_.dictionary().size() - 4), "");  // bytes forgotten
  EXPECT_FALSE(graph_.Erase(Type("email"), "a@x.com", &changes_));
  IncrementalGraph::Dirty dirty = graph_.TakeDirty();
  ASSERT_EQ(dirty.erased.size(), 1u);
  EXPECT_EQ(dirty.erased[0].second, "a@x.com");
  EXPECT_EQ(dirty.removed_links.size(), 2u);
}

TEST_F(IncrementalGraphTest, ErasedValueSeenAgainIsANewIdentifier) {
  Add({{"email", "a@x.com"}, {"device_id", "d1"}}, 100);
  ASSERT_TRUE(graph_.Erase(Type("email"), "a@x.com", &changes_));
  ApplyResult again = Add({{"email", "a@x.com"}}, 200);
  EXPECT_TRUE(again.created);
  EXPECT_THAT(Members("email", "a@x.com"), ElementsAre("email:a@x.com"));
  EXPECT_EQ(graph_.num_identifiers(), 2u);
}

TEST_F(IncrementalGraphTest, RestoreFromDirtyRowsRebuildsTheSameIdentities) {
  Add({{"email", "a@x.com"}, {"device_id", "d1"}}, 100);
  Add({{"phone", "+14155550132"}}, 150);
  Add({{"email", "a@x.com"}, {"phone", "+14155550132"}}, 200);
  Add({{"account_id", "u2"}, {"device_id", "d1"}}, 250);
  IncrementalGraph restored(types_, {LinkKind::kDeterministic}, {1.0f});
  const IdentifierDictionary& dictionary = graph_.dictionary();
  for (NodeId node = 0; node < dictionary.size(); ++node) {
    restored.RestoreNode(dictionary.type(node), dictionary.value(node), graph_.IdentityIdOf(node),
                         graph_.activity(node), graph_.quarantined(node));
  }
  IncrementalGraph::Dirty dirty = graph_.TakeDirty();
  for (uint32_t index : dirty.links) {
    const GraphLink& link = graph_.link(index);
    restored.RestoreLink(dictionary.type(link.link.a), dictionary.value(link.link.a),
                         dictionary.type(link.link.b), dictionary.value(link.link.b), link.link,
                         link.seen, link.outcome);
  }
  for (const auto& [old_id, survivor] : dirty.retired) restored.RestoreRetired(old_id, survivor);
  restored.FinishRestore();
  for (NodeId node = 0; node < dictionary.size(); ++node) {
    const std::optional<NodeId> other = restored.Find(dictionary.type(node), dictionary.value(node));
    ASSERT_TRUE(other.has_value());
    EXPECT_EQ(restored.IdentityIdOf(*other), graph_.IdentityIdOf(node));
    EXPECT_EQ(restored.MembersOf(*other).size(), graph_.MembersOf(node).size());
  }
  EXPECT_EQ(restored.num_identities(), graph_.num_identities());
  EXPECT_THAT(restored.TakeDirty().nodes, IsEmpty());
}

}  // namespace
}  // namespace idstitch
