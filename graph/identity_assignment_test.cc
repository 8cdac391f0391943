#include "graph/identity_assignment.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <xxhash.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "graph/identifier_dictionary.h"
#include "graph/union_find.h"
#include "resolver/identifier_types.h"
#include "resolver/types.h"

namespace idstitch {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::UnorderedElementsAre;

// One run's identifiers and components. Identifiers are named "type:value".
class TestRun {
 public:
  TestRun() : types_(IdentifierTypeRegistry::WithBuiltins()) {}
  explicit TestRun(IdentifierTypeRegistry types) : types_(std::move(types)) {}

  NodeId Node(std::string_view key) {
    size_t colon = key.find(':');
    std::optional<TypeId> type = types_.Find(key.substr(0, colon));
    EXPECT_TRUE(type.has_value()) << key;
    NodeId node = dictionary_.Intern(type.value_or(0), key.substr(colon + 1));
    components_.Resize(dictionary_.size());
    return node;
  }

  // Puts all of `keys` into one identity.
  void Join(std::initializer_list<std::string_view> keys) {
    NodeId first = Node(*keys.begin());
    for (std::string_view key : keys) components_.Union(first, Node(key));
  }

  std::string Key(NodeId node) const {
    return types_.spec(dictionary_.type(node)).name + ":" +
           std::string(dictionary_.value(node));
  }

  // Previous IDs are given by identifier key; keys this run never saw are
  // skipped, as LoadPreviousRun does.
  void SetPrevious(const std::map<std::string, std::string>& id_of_key,
                   const std::map<std::string, int64_t>& first_seen = {}) {
    previous_.emplace();
    for (const auto& [key, id] : id_of_key) {
      size_t colon = key.find(':');
      std::optional<NodeId> node =
          dictionary_.Find(*types_.Find(std::string_view(key).substr(0, colon)),
                           std::string_view(key).substr(colon + 1));
      // Every ID of the map, seen or not, as LoadPreviousRun records them;
      // without record_all_ids_, only those of identifiers seen.
      if (node.has_value()) {
        previous_->SetIdOfNode(*node, AddId(id));
      } else if (record_all_ids_) {
        AddId(id);
      }
    }
    for (const auto& [id, ts] : first_seen) previous_->SetFirstSeen(AddId(id), ts);
  }

  PreviousIdentities::IdIndex AddId(std::string_view id) {
    absl::StatusOr<PreviousIdentities::IdIndex> index = previous_->AddId(id);
    EXPECT_TRUE(index.ok()) << index.status();
    return index.value_or(0);
  }

  void set_record_all_ids(bool record) { record_all_ids_ = record; }

  IdentityAssignment Assign() {
    return AssignIdentities(dictionary_, types_, components_,
                            previous_.has_value() ? &*previous_ : nullptr);
  }

  // The ID of the identity holding `key`.
  std::string IdOf(const IdentityAssignment& assignment, std::string_view key) {
    return assignment.identities[assignment.identity_of_node[Node(key)]].id;
  }

  // "id-...={email:a,phone:b} ..." in assignment order, members in their
  // stored (canonical) order.
  std::string Render(const IdentityAssignment& assignment) const {
    std::string out;
    for (const Identity& identity : assignment.identities) {
      if (!out.empty()) out += ' ';
      out += identity.id + "={";
      for (size_t i = 0; i < identity.members.size(); ++i) {
        if (i > 0) out += ',';
        out += Key(identity.members[i]);
      }
      out += '}';
    }
    return out;
  }

  // identity_map rows (key -> ID), as the next run would read them.
  std::map<std::string, std::string> Map(
      const IdentityAssignment& assignment) const {
    std::map<std::string, std::string> map;
    for (const Identity& identity : assignment.identities) {
      for (NodeId node : identity.members) map[Key(node)] = identity.id;
    }
    return map;
  }

  IdentifierDictionary& dictionary() { return dictionary_; }
  const IdentifierTypeRegistry& types() const { return types_; }

 private:
  IdentifierTypeRegistry types_;
  IdentifierDictionary dictionary_;
  UnionFind components_;
  std::optional<PreviousIdentities> previous_;
  bool record_all_ids_ = true;
};

std::string KindName(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kNew:
      return "new";
    case ChangeKind::kMerged:
      return "merged";
    case ChangeKind::kSplit:
      return "split";
  }
  return "?";
}

// Checks what every assignment must satisfy, with or without a previous map.
void ExpectConsistent(TestRun& run, const IdentityAssignment& assignment) {
  std::set<std::string> ids;
  size_t members = 0;
  for (size_t index = 0; index < assignment.identities.size(); ++index) {
    const Identity& identity = assignment.identities[index];
    EXPECT_THAT(identity.id, MatchesRegex("id-[0-9a-f]{16}|id-.*"))
        << identity.id;
    EXPECT_TRUE(ids.insert(identity.id).second)
        << "duplicate ID " << identity.id;
    ASSERT_FALSE(identity.members.empty());
    EXPECT_EQ(identity.canonical, identity.members.front());
    for (NodeId node : identity.members) {
      EXPECT_EQ(assignment.identity_of_node[node], index);
      ++members;
    }
    if (index > 0) {
      EXPECT_LT(assignment.identities[index - 1].id, identity.id);
    }
  }
  EXPECT_EQ(members, run.dictionary().size());
  EXPECT_EQ(assignment.identity_of_node.size(), run.dictionary().size());
  for (size_t i = 1; i < assignment.changes.size(); ++i) {
    const IdentityChange& x = assignment.changes[i - 1];
    const IdentityChange& y = assignment.changes[i];
    EXPECT_TRUE(std::tie(x.kind, x.identity_id) <
                std::tie(y.kind, y.identity_id))
        << "changes sorted by (kind, identity_id)";
  }
}

// --- DeriveIdentityId
// ----------------------------------------------------------

// The IDs of the identities flagged new, in ID order (as changes.jsonl lists them).
std::vector<std::string> NewIds(const IdentityAssignment& assignment) {
  std::vector<std::string> ids;
  for (const Identity& identity : assignment.identities) {
    if (identity.is_new) ids.push_back(identity.id);
  }
  return ids;
}

TEST(IdentityAssignmentTest, DeriveIdentityIdIsPinned) {
  // Regression pins: changing these renames every identity of every user.
  EXPECT_EQ(DeriveIdentityId("email", "a@example.com"), "id-e74c6460fbf585ac");
  EXPECT_EQ(DeriveIdentityId("account_id", "u-1001"), "id-e88d8afde0bf7685");
  EXPECT_EQ(DeriveIdentityId("email", "a@example.com", 1),
            "id-6213dc63ebf69b6e");
}

TEST(IdentityAssignmentTest, IdentityIdHashIsXxh3OfTypeColonValueAtEveryLength) {
  // The key is built on the stack up to 128 bytes and on the heap beyond:
  // both must hash "type:value" exactly, empty values included.
  for (size_t length : {size_t{0}, size_t{1}, size_t{120}, size_t{122}, size_t{123},
                        size_t{500}, size_t{70000}}) {
    const std::string value(length, 'v');
    const std::string key = "email:" + value;
    for (uint32_t salt : {0u, 3u}) {
      EXPECT_EQ(IdentityIdHash("email", value, salt),
                XXH3_64bits_withSeed(key.data(), key.size(), 0x6964737469746368ULL + salt))
          << length;
    }
  }
}

TEST(IdentityAssignmentTest, FormatIdentityIdIsFixedWidthLowercaseHex) {
  EXPECT_EQ(FormatIdentityId(0), "id-0000000000000000");
  EXPECT_EQ(FormatIdentityId(UINT64_MAX), "id-ffffffffffffffff");
  std::mt19937_64 rng(17);
  for (int i = 0; i < 10000; ++i) {
    const uint64_t hash = rng() >> (rng() % 64);
    ASSERT_EQ(FormatIdentityId(hash), absl::StrFormat("id-%016x", hash)) << hash;
  }
}

TEST(IdentityAssignmentTest, DeriveIdentityIdFormatAndInputs) {
  std::string id = DeriveIdentityId("email", "a@example.com");
  EXPECT_THAT(id, MatchesRegex("id-[0-9a-f]{16}"));
  EXPECT_EQ(DeriveIdentityId("email", "a@example.com"), id);
  EXPECT_NE(DeriveIdentityId("email", "b@example.com"), id);
  EXPECT_NE(DeriveIdentityId("social", "a@example.com"), id);
  EXPECT_NE(DeriveIdentityId("email", "a@example.com", 1), id);
  EXPECT_NE(DeriveIdentityId("email", "a@example.com", 1),
            DeriveIdentityId("email", "a@example.com", 2));
  // The type name is part of the key: same value, different types.
  EXPECT_NE(DeriveIdentityId("account_id", "42"),
            DeriveIdentityId("loyalty_card", "42"));
  EXPECT_THAT(DeriveIdentityId("email", ""), MatchesRegex("id-[0-9a-f]{16}"));
}

// --- Without a previous map
// ---------------------------------------------------

TEST(IdentityAssignmentTest, WithoutPreviousEveryIdentityIsNew) {
  TestRun run;
  run.Join({"account_id:u1", "email:a@example.com", "device_id:d1"});
  run.Join({"phone:+15550001", "device_id:d2"});
  run.Node("email:lonely@example.com");
  IdentityAssignment assignment = run.Assign();
  ExpectConsistent(run, assignment);
  ASSERT_EQ(assignment.identities.size(), 3u);
  EXPECT_THAT(assignment.changes, IsEmpty());  // new identities are flagged, not listed
  std::set<std::string> new_ids;
  for (const Identity& identity : assignment.identities) {
    EXPECT_TRUE(identity.is_new);
    new_ids.insert(identity.id);
  }
  EXPECT_EQ(new_ids, std::set<std::string>(
                         {DeriveIdentityId("account_id", "u1"),
                          DeriveIdentityId("phone", "+15550001"),
                          DeriveIdentityId("email", "lonely@example.com")}));
  EXPECT_EQ(run.IdOf(assignment, "device_id:d1"),
            DeriveIdentityId("account_id", "u1"));
  EXPECT_EQ(run.IdOf(assignment, "device_id:d2"),
            DeriveIdentityId("phone", "+15550001"));
}

TEST(IdentityAssignmentTest, EmptyRunHasNoIdentities) {
  TestRun run;
  IdentityAssignment assignment = run.Assign();
  EXPECT_THAT(assignment.identities, IsEmpty());
  EXPECT_THAT(assignment.identity_of_node, IsEmpty());
  EXPECT_THAT(assignment.changes, IsEmpty());
  run.SetPrevious({{"email:a@example.com", "id-old"}});
  assignment = run.Assign();
  EXPECT_THAT(assignment.identities, IsEmpty());
  EXPECT_THAT(assignment.changes, IsEmpty());
}

TEST(IdentityAssignmentTest, CanonicalMemberIsLowestPriorityThenValue) {
  TestRun run;
  run.Join({"device_id:d", "email:z@example.com", "phone:+15550001",
            "email:b@example.com"});
  IdentityAssignment assignment = run.Assign();
  ASSERT_EQ(assignment.identities.size(), 1u);
  const Identity& identity = assignment.identities[0];
  EXPECT_EQ(run.Key(identity.canonical), "email:b@example.com");
  std::vector<std::string> members;
  for (NodeId node : identity.members) members.push_back(run.Key(node));
  EXPECT_THAT(members, ElementsAre("email:b@example.com", "email:z@example.com",
                                   "phone:+15550001", "device_id:d"));
  EXPECT_EQ(identity.id, DeriveIdentityId("email", "b@example.com"));
}

TEST(IdentityAssignmentTest, CanonicalMemberTiesOnPriorityBreakByTypeName) {
  IdentifierTypeRegistry types;
  IdentifierTypeSpec zeta;
  zeta.name = "zeta";
  zeta.priority = 5;
  IdentifierTypeSpec alpha = zeta;
  alpha.name = "alpha";
  IdentifierTypeSpec trusted = zeta;
  trusted.name = "trusted";
  trusted.priority = 7;
  ASSERT_TRUE(
      types.Add(zeta).ok());  // TypeId 0: registration order must not matter
  ASSERT_TRUE(types.Add(trusted).ok());
  ASSERT_TRUE(types.Add(alpha).ok());
  TestRun run(std::move(types));
  run.Join({"trusted:a", "zeta:a", "alpha:z", "alpha:y"});
  IdentityAssignment assignment = run.Assign();
  ASSERT_EQ(assignment.identities.size(), 1u);
  EXPECT_EQ(run.Render(assignment), DeriveIdentityId("alpha", "y") +
                                        "={alpha:y,alpha:z,zeta:a,trusted:a}");
  // The incremental graph's comparison gives the batch sort's order.
  const std::vector<NodeId>& members = assignment.identities[0].members;
  for (size_t i = 0; i < members.size(); ++i) {
    for (size_t j = 0; j < members.size(); ++j) {
      EXPECT_EQ(CanonicalMemberLess(run.dictionary(), run.types(), members[i], members[j]), i < j)
          << i << " " << j;
    }
  }
}

TEST(IdentityAssignmentTest, IdsDoNotDependOnInternOrder) {
  std::vector<std::vector<std::string>> partition = {
      {"account_id:u1", "email:a@example.com", "device_id:d1", "device_id:d2"},
      {"email:b@example.com", "phone:+15550001"},
      {"device_id:d3"},
      {"loyalty_card:1234", "social:twitter:bob", "phone:+15550002"}};
  std::string expected;
  std::mt19937 rng(3);
  for (int trial = 0; trial < 30; ++trial) {
    std::vector<std::string> keys;
    for (const auto& identity : partition)
      keys.insert(keys.end(), identity.begin(), identity.end());
    std::shuffle(keys.begin(), keys.end(), rng);
    TestRun run;
    for (const std::string& key : keys) run.Node(key);
    std::vector<std::vector<std::string>> shuffled = partition;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    for (auto& identity : shuffled) {
      std::shuffle(identity.begin(), identity.end(), rng);
      for (const std::string& key : identity) {
        run.Join({std::string_view(identity[0]), std::string_view(key)});
      }
    }
    IdentityAssignment assignment = run.Assign();
    ExpectConsistent(run, assignment);
    std::string rendered = run.Render(assignment);
    if (trial == 0) expected = rendered;
    EXPECT_EQ(rendered, expected) << "trial " << trial;
  }
  EXPECT_THAT(expected,
              ::testing::HasSubstr(DeriveIdentityId("account_id", "u1") +
                                   "={account_id:u1,email:a@example.com,"
                                   "device_id:d1,device_id:d2}"));
}

// --- With a previous map
// --------------------------------------------------------

TEST(IdentityAssignmentTest, UnchangedIdentityKeepsItsId) {
  TestRun run;
  run.Join({"email:a@example.com", "phone:+15550001"});
  run.SetPrevious(
      {{"email:a@example.com", "id-old"}, {"phone:+15550001", "id-old"}});
  IdentityAssignment assignment = run.Assign();
  ExpectConsistent(run, assignment);
  ASSERT_EQ(assignment.identities.size(), 1u);
  EXPECT_EQ(assignment.identities[0].id, "id-old");
  EXPECT_NE(DeriveIdentityId("email", "a@example.com"), "id-old");
  EXPECT_THAT(assignment.changes, IsEmpty());
  EXPECT_FALSE(assignment.identities[0].is_new);
}

TEST(IdentityAssignmentTest,
     GrownIdentityKeepsItsIdEvenWithANewCanonicalMember) {
  TestRun run;
  // The account is new and now the canonical member, which would derive a
  // different ID; the identity keeps the one it had.
  std::string old_id = DeriveIdentityId("email", "a@example.com");
  run.Join({"email:a@example.com", "device_id:d1", "account_id:u1"});
  run.SetPrevious({{"email:a@example.com", old_id}, {"device_id:d1", old_id}});
  IdentityAssignment assignment = run.Assign();
  ExpectConsistent(run, assignment);
  ASSERT_EQ(assignment.identities.size(), 1u);
  EXPECT_EQ(run.Key(assignment.identities[0].canonical), "account_id:u1");
  EXPECT_EQ(assignment.identities[0].id, old_id);
  EXPECT_THAT(assignment.changes, IsEmpty());
  EXPECT_FALSE(assignment.identities[0].is_new);
}

TEST(IdentityAssignmentTest, BrandNewIdentityIsReportedNew) {
  TestRun run;
  run.Join({"email:a@example.com", "phone:+15550001"});
  run.Join({"email:new@example.com", "device_id:d9"});
  run.SetPrevious(
      {{"email:a@example.com", "id-old"}, {"phone:+15550001", "id-old"}});
  IdentityAssignment assignment = run.Assign();
  ExpectConsistent(run, assignment);
  EXPECT_EQ(run.IdOf(assignment, "phone:+15550001"), "id-old");
  std::string fresh = DeriveIdentityId("email", "new@example.com");
  EXPECT_EQ(run.IdOf(assignment, "device_id:d9"), fresh);
  EXPECT_THAT(assignment.changes, IsEmpty());
  ASSERT_EQ(assignment.identities.size(), 2u);
  for (const Identity& identity : assignment.identities) {
    EXPECT_EQ(identity.is_new, identity.id == fresh) << identity.id;
  }
}

TEST(IdentityAssignmentTest, MergeKeepsTheEarliestFirstSeen) {
  TestRun run;
  run.Join({"email:a@example.com", "phone:+15550001", "device_id:d1"});
  // "id-b" is lexicographically larger but older: it survives.
  run.SetPrevious({{"email:a@example.com", "id-a"},
                   {"phone:+15550001", "id-b"},
                   {"device_id:d1", "id-c"}},
                  {{"id-a", 300}, {"id-b", 100}, {"id-c", 200}});
  IdentityAssignment assignment = run.Assign();
  ExpectConsistent(run, assignment);
  ASSERT_EQ(assignment.identities.size(), 1u);
  EXPECT_EQ(assignment.identities[0].id, "id-b");
  ASSERT_EQ(assignment.changes.size(), 1u);
  const IdentityChange& change = assignment.changes[0];
  EXPECT_EQ(change.kind, ChangeKind::kMerged);
  EXPECT_EQ(change.identity_id, "id-b");
  EXPECT_THAT(change.others, UnorderedElementsAre("id-a", "id-c"));
}

TEST(IdentityAssignmentTest, MergeSurvivorDoesNotDependOnMemberCounts) {
  TestRun run;
  // The older identity has fewer members here: age decides, not size.
  run.Join({"email:a@example.com", "email:b@example.com", "email:c@example.com",
            "phone:+15550001"});
  run.SetPrevious({{"email:a@example.com", "id-big"},
                   {"email:b@example.com", "id-big"},
                   {"email:c@example.com", "id-big"},
                   {"phone:+15550001", "id-small"}},
                  {{"id-big", 500}, {"id-small", 10}});
  IdentityAssignment assignment = run.Assign();
  ASSERT_EQ(assignment.identities.size(), 1u);
  EXPECT_EQ(assignment.identities[0].id, "id-small");
  ASSERT_EQ(assignment.changes.size(), 1u);
  EXPECT_THAT(assignment.changes[0].others, ElementsAre("id-big"));
}

TEST(IdentityAssignmentTest, MergeWithEqualFirstSeenKeepsTheSmallerId) {
  TestRun run;
  run.Join({"email:a@example.com", "phone:+15550001"});
  run.SetPrevious(
      {{"email:a@example.com", "id-9"}, {"phone:+15550001", "id-1"}},
      {{"id-9", 100}, {"id-1", 100}});
  IdentityAssignment assignment = run.Assign();
  EXPECT_EQ(assignment.identities[0].id, "id-1");
  ASSERT_EQ(assignment.changes.size(), 1u);
  EXPECT_EQ(assignment.changes[0].kind, ChangeKind::kMerged);
  EXPECT_THAT(assignment.changes[0].others, ElementsAre("id-9"));
}

TEST(IdentityAssignmentTest, MergeWithUnknownFirstSeenKeepsTheSmallerId) {
  TestRun run;
  run.Join({"email:a@example.com", "phone:+15550001"});
  run.SetPrevious(
      {{"email:a@example.com", "id-9"}, {"phone:+15550001", "id-1"}});
  IdentityAssignment assignment = run.Assign();
  EXPECT_EQ(assignment.identities[0].id, "id-1");
  EXPECT_THAT(assignment.changes[0].others, ElementsAre("id-9"));
}

TEST(IdentityAssignmentTest, UnknownFirstSeenIsYoungerThanAnyKnownTime) {
  // Unknown: absent from first_seen, or present as kNoTimestamp.
  for (bool absent : {true, false}) {
    TestRun run;
    run.Join({"email:a@example.com", "phone:+15550001"});
    std::map<std::string, int64_t> first_seen = {
        {"id-9", 4102444800}};  // year 2100
    if (!absent) first_seen["id-1"] = kNoTimestamp;
    run.SetPrevious(
        {{"email:a@example.com", "id-9"}, {"phone:+15550001", "id-1"}},
        first_seen);
    IdentityAssignment assignment = run.Assign();
    EXPECT_EQ(assignment.identities[0].id, "id-9");
    ASSERT_EQ(assignment.changes.size(), 1u);
    EXPECT_THAT(assignment.changes[0].others, ElementsAre("id-1"));
  }
}

TEST(IdentityAssignmentTest, SplitPartWithMostMembersKeepsTheId) {
  TestRun run;
  run.Join({"email:z@example.com", "phone:+15550001", "device_id:d1"});
  run.Join({"email:a@example.com"});
  run.SetPrevious({{"email:a@example.com", "id-old"},
                   {"email:z@example.com", "id-old"},
                   {"phone:+15550001", "id-old"},
                   {"device_id:d1", "id-old"}});
  IdentityAssignment assignment = run.Assign();
  ExpectConsistent(run, assignment);
  // The larger part keeps the ID although the other part holds the
  // canonically first identifier.
  EXPECT_EQ(run.IdOf(assignment, "phone:+15550001"), "id-old");
  std::string fresh = run.IdOf(assignment, "email:a@example.com");
  EXPECT_EQ(fresh, DeriveIdentityId("email", "a@example.com"));
  ASSERT_EQ(assignment.changes.size(), 1u);
  for (const Identity& identity : assignment.identities) {
    EXPECT_FALSE(identity.is_new) << "the split-off part is not also new: " << identity.id;
  }
  const IdentityChange& change = assignment.changes[0];
  EXPECT_EQ(change.kind, ChangeKind::kSplit);
  EXPECT_EQ(change.identity_id, "id-old");
  EXPECT_EQ(change.kept_by, "id-old");
  EXPECT_THAT(change.others, ElementsAre(fresh));
}

TEST(IdentityAssignmentTest, SplitTieGoesToTheCanonicallyFirstPart) {
  TestRun run;
  run.Join({"email:z@example.com", "device_id:d2"});
  run.Join({"email:a@example.com", "device_id:d1"});
  run.SetPrevious({{"email:a@example.com", "id-old"},
                   {"email:z@example.com", "id-old"},
                   {"device_id:d1", "id-old"},
                   {"device_id:d2", "id-old"}});
  IdentityAssignment assignment = run.Assign();
  ExpectConsistent(run, assignment);
  EXPECT_EQ(run.IdOf(assignment, "email:a@example.com"), "id-old");
  EXPECT_EQ(run.IdOf(assignment, "email:z@example.com"),
            DeriveIdentityId("email", "z@example.com"));
  ASSERT_EQ(assignment.changes.size(), 1u);
  EXPECT_EQ(assignment.changes[0].kept_by, "id-old");
}

TEST(IdentityAssignmentTest, ThreeWaySplitListsEveryOtherPart) {
  TestRun run;
  run.Join({"email:e1@example.com", "email:e2@example.com"});
  run.Join({"phone:+15550001"});
  run.Join({"device_id:d1"});
  run.Join({"device_id:new"});  // never in the previous map: kNew
  run.SetPrevious({{"email:e1@example.com", "id-old"},
                   {"email:e2@example.com", "id-old"},
                   {"phone:+15550001", "id-old"},
                   {"device_id:d1", "id-old"}});
  IdentityAssignment assignment = run.Assign();
  ExpectConsistent(run, assignment);
  std::string phone_id = run.IdOf(assignment, "phone:+15550001");
  std::string device_id = run.IdOf(assignment, "device_id:d1");
  std::string new_id = run.IdOf(assignment, "device_id:new");
  EXPECT_EQ(run.IdOf(assignment, "email:e2@example.com"), "id-old");
  EXPECT_THAT(NewIds(assignment), ElementsAre(new_id));
  ASSERT_EQ(assignment.changes.size(), 1u);
  const IdentityChange& split = assignment.changes[0];
  EXPECT_EQ(split.kind, ChangeKind::kSplit);
  EXPECT_EQ(split.identity_id, "id-old");
  EXPECT_EQ(split.kept_by, "id-old");
  std::vector<std::string> others = {phone_id, device_id};
  std::sort(others.begin(), others.end());
  EXPECT_EQ(split.others, others);
}

TEST(IdentityAssignmentTest, SplitOffPartDoesNotReuseTheOldCanonicalId) {
  TestRun run;
  // The old ID was derived from email:a, which is now alone and in the
  // smaller part: its fresh ID must not be the old one again.
  std::string old_id = DeriveIdentityId("email", "a@example.com");
  run.Join({"email:b@example.com", "email:c@example.com"});
  run.Join({"email:a@example.com"});
  run.SetPrevious({{"email:a@example.com", old_id},
                   {"email:b@example.com", old_id},
                   {"email:c@example.com", old_id}});
  IdentityAssignment assignment = run.Assign();
  ExpectConsistent(run, assignment);
  EXPECT_EQ(run.IdOf(assignment, "email:b@example.com"), old_id);
  EXPECT_EQ(run.IdOf(assignment, "email:a@example.com"),
            DeriveIdentityId("email", "a@example.com", 1));
}

TEST(IdentityAssignmentTest, FreshIdsNeverCollideWithPreviousIds) {
  TestRun run;
  // A previous identity happens to hold the ID a brand-new identity would
  // derive; the new one gets the next salt.
  std::string taken = DeriveIdentityId("email", "new@example.com");
  run.Join({"phone:+15550001"});
  run.Join({"email:new@example.com"});
  run.SetPrevious({{"phone:+15550001", taken}});
  IdentityAssignment assignment = run.Assign();
  ExpectConsistent(run, assignment);
  EXPECT_EQ(run.IdOf(assignment, "phone:+15550001"), taken);
  std::string fresh = run.IdOf(assignment, "email:new@example.com");
  EXPECT_EQ(fresh, DeriveIdentityId("email", "new@example.com", 1));
  EXPECT_THAT(NewIds(assignment), ElementsAre(fresh));
  EXPECT_THAT(assignment.changes, IsEmpty());
}

TEST(IdentityAssignmentTest, MergedAwayIdIsNotReused) {
  TestRun run;
  // id-young merges into id-old; a new identity deriving id-young must not
  // get it back.
  std::string young = DeriveIdentityId("device_id", "d9");
  run.Join({"email:a@example.com", "phone:+15550001"});
  run.Join({"device_id:d9"});
  run.SetPrevious(
      {{"email:a@example.com", "id-old"}, {"phone:+15550001", young}},
      {{"id-old", 1}, {young, 2}});
  IdentityAssignment assignment = run.Assign();
  ExpectConsistent(run, assignment);
  EXPECT_EQ(run.IdOf(assignment, "phone:+15550001"), "id-old");
  EXPECT_EQ(run.IdOf(assignment, "device_id:d9"),
            DeriveIdentityId("device_id", "d9", 1));
}

TEST(IdentityAssignmentTest, MergeAndSplitTogether) {
  TestRun run;
  // Previous: A = {e1, e2, e3}, B = {p1, p2}. Now: {e1, e2, p1} and {e3}, {p2}.
  run.Join({"email:e1@example.com", "email:e2@example.com", "phone:+15550001"});
  run.Join({"email:e3@example.com"});
  run.Join({"phone:+15550002"});
  run.SetPrevious({{"email:e1@example.com", "id-a"},
                   {"email:e2@example.com", "id-a"},
                   {"email:e3@example.com", "id-a"},
                   {"phone:+15550001", "id-b"},
                   {"phone:+15550002", "id-b"}},
                  {{"id-a", 50}, {"id-b", 20}});
  IdentityAssignment assignment = run.Assign();
  ExpectConsistent(run, assignment);
  // The big part claims id-a (2 of 3) and id-b (tie 1-1, canonically first),
  // and id-b is older.
  EXPECT_EQ(run.IdOf(assignment, "email:e1@example.com"), "id-b");
  std::string e3 = run.IdOf(assignment, "email:e3@example.com");
  std::string p2 = run.IdOf(assignment, "phone:+15550002");
  std::vector<std::string> rendered;
  for (const IdentityChange& change : assignment.changes) {
    std::vector<std::string> others = change.others;
    rendered.push_back(KindName(change.kind) + " " + change.identity_id + " [" +
                       (others.empty() ? "" : others[0]) +
                       (others.size() > 1 ? "," + others[1] : "") + "] " +
                       change.kept_by);
  }
  EXPECT_THAT(rendered,
              ElementsAre("merged id-b [id-a] ", "split id-a [" + e3 + "] id-b",
                          "split id-b [" + p2 + "] id-b"));
}

// --- Across runs and orders
// ------------------------------------------------------

TEST(IdentityAssignmentTest, SecondRunOverTheSameInputChangesNothing) {
  TestRun first;
  first.Join({"account_id:u1", "email:a@example.com"});
  first.Join({"phone:+15550001", "device_id:d1"});
  first.Node("social:twitter:bob");
  IdentityAssignment first_assignment = first.Assign();

  TestRun second;
  second.Node("device_id:d1");  // other NodeIds
  second.Join({"social:twitter:bob"});
  second.Join({"phone:+15550001", "device_id:d1"});
  second.Join({"email:a@example.com", "account_id:u1"});
  second.SetPrevious(first.Map(first_assignment));
  IdentityAssignment second_assignment = second.Assign();
  EXPECT_EQ(second.Render(second_assignment), first.Render(first_assignment));
  EXPECT_THAT(second_assignment.changes, IsEmpty());
}

TEST(IdentityAssignmentTest, RandomRunsAreOrderIndependentAndCollisionFree) {
  const char* const kTypes[] = {"account_id", "email", "phone", "device_id"};
  for (uint32_t seed = 0; seed < 200; ++seed) {
    std::mt19937 rng(seed);
    size_t num_keys = 2 + rng() % 20;
    std::vector<std::string> keys;
    for (size_t i = 0; i < num_keys; ++i) {
      keys.push_back(std::string(kTypes[rng() % 4]) + ":k" + std::to_string(i));
    }
    // A previous map: random groups, some IDs derived (so they can collide
    // with fresh ones), with random first_seen.
    std::map<std::string, std::string> previous;
    std::map<std::string, int64_t> first_seen;
    for (const std::string& key : keys) {
      if (rng() % 4 == 0) continue;  // new this run
      std::string id =
          rng() % 2 ? DeriveIdentityId("email", "k" + std::to_string(rng() % 8))
                    : "id-p" + std::to_string(rng() % 5);
      previous[key] = id;
      if (rng() % 2) first_seen[id] = rng() % 3;
    }
    std::vector<std::pair<size_t, size_t>> joins;
    for (size_t i = 0; i < num_keys; ++i)
      joins.emplace_back(rng() % num_keys, rng() % num_keys);

    std::string expected_render;
    std::vector<std::string> expected_changes;
    for (int trial = 0; trial < 3; ++trial) {
      std::vector<size_t> order(num_keys);
      for (size_t i = 0; i < num_keys; ++i) order[i] = i;
      std::shuffle(order.begin(), order.end(), rng);
      TestRun run;
      for (size_t index : order) run.Node(keys[index]);
      std::vector<std::pair<size_t, size_t>> shuffled = joins;
      std::shuffle(shuffled.begin(), shuffled.end(), rng);
      for (auto [x, y] : shuffled) run.Join({keys[x], keys[y]});
      run.SetPrevious(previous, first_seen);
      IdentityAssignment assignment = run.Assign();
      ExpectConsistent(run, assignment);

      // Fresh IDs are never a previous ID of another identity: every
      // identity holding a previous ID holds one of its own members'.
      std::set<std::string> previous_ids;
      for (const auto& [key, id] : previous) previous_ids.insert(id);
      for (const Identity& identity : assignment.identities) {
        if (!previous_ids.count(identity.id)) continue;
        bool own = false;
        for (NodeId node : identity.members) {
          auto it = previous.find(run.Key(node));
          own = own || (it != previous.end() && it->second == identity.id);
        }
        EXPECT_TRUE(own) << "seed " << seed << ": " << identity.id << " reused";
      }
      std::vector<std::string> changes;
      for (const IdentityChange& change : assignment.changes) {
        std::string line = KindName(change.kind) + " " + change.identity_id +
                           " " + change.kept_by;
        for (const std::string& other : change.others) line += " " + other;
        changes.push_back(line);
      }
      std::string rendered = run.Render(assignment);
      if (trial == 0) {
        expected_render = rendered;
        expected_changes = changes;
      }
      EXPECT_EQ(rendered, expected_render) << "seed " << seed;
      EXPECT_EQ(changes, expected_changes) << "seed " << seed;
    }
  }
}

// Three runs in which a previous identity's ID (id_x) is absent from the third
// run's identifiers while the identifier it was derived from is back on its
// own. The flags say how the third run learns of id_x; returns the ID the
// third run gives email:x.
std::string ThirdRunIdOfEmailX(bool via_first_seen, bool via_all_ids,
                               std::string* id_x) {
  // Run 1: one identity {email:x, phone:p, device:d}, ID = Derive(email:x).
  TestRun run1;
  run1.Join({"email:x@example.com", "phone:+15550001", "device_id:d1"});
  IdentityAssignment a1 = run1.Assign();
  *id_x = DeriveIdentityId("email", "x@example.com");
  EXPECT_EQ(run1.IdOf(a1, "phone:+15550001"), *id_x);

  // Run 2: the email splits off (joined by a new email:a); the larger part
  // keeps id_x, the email's part gets Derive(email:a).
  TestRun run2;
  run2.Join({"phone:+15550001", "device_id:d1"});
  run2.Join({"email:x@example.com", "email:a@example.com"});
  run2.SetPrevious(run1.Map(a1));
  IdentityAssignment a2 = run2.Assign();
  EXPECT_EQ(run2.IdOf(a2, "phone:+15550001"), *id_x);
  std::string id_x1 = run2.IdOf(a2, "email:x@example.com");
  EXPECT_NE(id_x1, *id_x);

  // Run 3: phone and device are not in this run's input; the two emails
  // split, email:a (canonically first) keeps id_x1, and email:x needs a
  // fresh ID. id_x still names the phone's identity in run 2's output.
  TestRun run3;
  run3.Join({"email:a@example.com"});
  run3.Join({"email:x@example.com"});
  std::map<std::string, int64_t> first_seen;
  if (via_first_seen) first_seen = {{*id_x, 1000}, {id_x1, 2000}};
  run3.set_record_all_ids(via_all_ids);
  run3.SetPrevious(run2.Map(a2), first_seen);
  IdentityAssignment a3 = run3.Assign();
  ExpectConsistent(run3, a3);
  EXPECT_EQ(run3.IdOf(a3, "email:a@example.com"), id_x1);
  return run3.IdOf(a3, "email:x@example.com");
}

TEST(IdentityAssignmentTest, FreshIdDoesNotReuseAPreviousIdAbsentFromThisRun) {
  // Regression: IdAllocator once reserved only the IDs of id_of_node (the
  // identifiers seen in this run) and re-issued id_x to email:x.
  std::string id_x;
  EXPECT_NE(
      ThirdRunIdOfEmailX(/*via_first_seen=*/true, /*via_all_ids=*/true, &id_x),
      id_x);
  EXPECT_EQ(ThirdRunIdOfEmailX(true, true, &id_x),
            DeriveIdentityId("email", "x@example.com", 1));
  // all_ids alone (identities.jsonl missing, or no timestamps) reserves it.
  EXPECT_NE(
      ThirdRunIdOfEmailX(/*via_first_seen=*/false, /*via_all_ids=*/true, &id_x),
      id_x);
  // first_seen alone (a caller that fills no all_ids) reserves it too.
  EXPECT_NE(
      ThirdRunIdOfEmailX(/*via_first_seen=*/true, /*via_all_ids=*/false, &id_x),
      id_x);
}

}  // namespace
}  // namespace idstitch
