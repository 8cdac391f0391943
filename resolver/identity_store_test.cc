#include "resolver/identity_store.h"

#include <filesystem>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "graph/identity_assignment.h"
#include "tests/status_matchers.h"
#include "tests/test_support.h"

namespace idstitch {
namespace {

using ::idstitch::testing::CurrentTestDir;

class IdentityStoreTest : public ::testing::Test {
 protected:
  IdentityStoreTest() : types_(IdentifierTypeRegistry::WithBuiltins()) {}

  IncrementalGraph NewGraph() const {
    return IncrementalGraph(types_, {LinkKind::kDeterministic}, {1.0f});
  }
  TypeId Type(std::string_view name) const { return *types_.Find(name); }

  void Add(IncrementalGraph& graph, std::vector<std::pair<std::string, std::string>> ids,
           int64_t ts, std::vector<ServiceChange>* changes) {
    std::vector<Identifier> identifiers;
    for (const auto& [type, value] : ids) identifiers.push_back({Type(type), value});
    std::vector<RecordLinks> links;
    for (size_t slot = 1; slot < identifiers.size(); ++slot) {
      links.push_back({0, 0, static_cast<uint8_t>(slot)});
    }
    graph.AddRecord(identifiers, ts, links, changes);
  }

  // "type:value=identity" for every live identifier, sorted.
  std::string Render(const IncrementalGraph& graph) const {
    std::vector<std::string> rows;
    for (NodeId node = 0; node < graph.dictionary().size(); ++node) {
      if (!graph.alive(node)) continue;
      rows.push_back(types_.spec(graph.dictionary().type(node)).name + ":" +
                     std::string(graph.dictionary().value(node)) + "=" + graph.IdentityIdOf(node));
    }
    std::sort(rows.begin(), rows.end());
    std::string out;
    for (const std::string& row : rows) out += row + "\n";
    return out;
  }

  IdentifierTypeRegistry types_;
};

TEST_F(IdentityStoreTest, CommittedStateSurvivesReopening) {
  const std::string dir = CurrentTestDir() + "/store";
  IncrementalGraph graph = NewGraph();
  std::string expected;
  {
    absl::StatusOr<std::unique_ptr<IdentityStore>> store = IdentityStore::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_THAT((*store)->Load(graph), IsOkAndHolds(1u));
    std::vector<ServiceChange> changes;
    Add(graph, {{"email", "a@x.com"}, {"device_id", "d1"}}, 100, &changes);
    Add(graph, {{"phone", "+14155550132"}}, 150, &changes);
    Add(graph, {{"email", "a@x.com"}, {"phone", "+14155550132"}}, 200, &changes);
    ASSERT_OK((*store)->Commit(graph, graph.TakeDirty(), {{"r1", Type("email"), "a@x.com"}},
                               {"{\"change\":1}", "{\"change\":2}"}, 1));
    Add(graph, {{"email", "b@x.com"}, {"device_id", "d2"}}, 300, &changes);
    ASSERT_TRUE(graph.Erase(Type("device_id"), "d1", &changes));
    ASSERT_OK((*store)->Commit(graph, graph.TakeDirty(), {}, {"{\"change\":3}"}, 3));
    expected = Render(graph);
    // A second process (or a second open) may not use the store meanwhile.
    EXPECT_THAT(IdentityStore::Open(dir), StatusIs(absl::StatusCode::kFailedPrecondition));
  }
  absl::StatusOr<std::unique_ptr<IdentityStore>> store = IdentityStore::Open(dir);
  ASSERT_TRUE(store.ok()) << store.status();
  IncrementalGraph restored = NewGraph();
  ASSERT_THAT((*store)->Load(restored), IsOkAndHolds(4u));
  EXPECT_EQ(Render(restored), expected);
  EXPECT_FALSE(restored.Find(Type("device_id"), "d1").has_value());
  // The merged-away phone identity still points at its survivor.
  const std::string phone_only = DeriveIdentityId("phone", "+14155550132");
  EXPECT_EQ(restored.SurvivorOf(phone_only), DeriveIdentityId("email", "a@x.com"));

  absl::StatusOr<std::vector<StoredChange>> changes = (*store)->ChangesAfter(1, 10);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[0].seq, 2u);
  EXPECT_EQ((*changes)[1].json, "{\"change\":3}");
  EXPECT_THAT((*store)->ChangesAfter(0, 1), IsOkAndHolds(::testing::SizeIs(1)));

  absl::StatusOr<std::optional<AppliedRecord>> record = (*store)->FindRecord("r1");
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_EQ((*record)->anchor_value, "a@x.com");
  EXPECT_THAT((*store)->FindRecord("r2"), IsOkAndHolds(::testing::Eq(std::nullopt)));
}

TEST_F(IdentityStoreTest, AnotherTypeRegistryIsRefused) {
  const std::string dir = CurrentTestDir() + "/store";
  {
    auto store = IdentityStore::Open(dir);
    ASSERT_TRUE(store.ok());
    IncrementalGraph graph = NewGraph();
    ASSERT_TRUE((*store)->Load(graph).ok());
  }
  IdentifierTypeRegistry other = IdentifierTypeRegistry::WithBuiltins();
  ASSERT_TRUE(other.Add({"crm_key", NormalizerKind::kExact, 15, 1, 5}).ok());
  IncrementalGraph graph(other, {LinkKind::kDeterministic}, {1.0f});
  auto store = IdentityStore::Open(dir);
  ASSERT_TRUE(store.ok());
  EXPECT_THAT((*store)->Load(graph), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(IdentityStoreTest, RecordErasedInItsOwnBatchNamesNothing) {
  const std::string dir = CurrentTestDir() + "/store";
  {
    auto store = IdentityStore::Open(dir);
    ASSERT_TRUE(store.ok());
    IncrementalGraph graph = NewGraph();
    ASSERT_TRUE((*store)->Load(graph).ok());
    std::vector<ServiceChange> changes;
    Add(graph, {{"email", "gone@x.com"}}, 100, &changes);
    ASSERT_TRUE(graph.Erase(Type("email"), "gone@x.com", &changes));
    AppliedRecord record{"r1", Type("email"), "", /*anchor_erased=*/true};
    ASSERT_OK((*store)->Commit(graph, graph.TakeDirty(), {record}, {}, 1));
    absl::StatusOr<std::optional<AppliedRecord>> found = (*store)->FindRecord("r1");
    ASSERT_TRUE(found.ok() && found->has_value());
    EXPECT_TRUE((*found)->anchor_erased);
    EXPECT_THAT((*store)->AllRecords(), IsOkAndHolds(::testing::IsEmpty()));
  }
  {
    auto store = IdentityStore::Open(dir);  // rewrites the MANIFEST
    ASSERT_TRUE(store.ok());
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    EXPECT_EQ(idstitch::testing::ReadFile(entry.path().string()).find("gone@x.com"), std::string::npos)
        << entry.path();
  }
}

TEST_F(IdentityStoreTest, UnopenableDirectoryIsAnError) {
  const std::string file = CurrentTestDir() + "/not_a_dir";
  idstitch::testing::WriteFile(file, "x");
  EXPECT_FALSE(IdentityStore::Open(file).ok());
}

}  // namespace
}  // namespace idstitch
