#include "graph/previous_identities.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace idstitch {
namespace {

using ::testing::HasSubstr;

TEST(PreviousIdentitiesTest, SameTextSameNumberInOrderOfFirstMention) {
  PreviousIdentities previous;
  EXPECT_EQ(previous.AddId("id-b").value(), 0u);
  EXPECT_EQ(previous.AddId("id-a").value(), 1u);
  EXPECT_EQ(previous.AddId("id-b").value(), 0u);
  EXPECT_EQ(previous.id_count(), 2u);
  EXPECT_EQ(previous.id(1), "id-a");
  EXPECT_EQ(previous.Find("id-a"), 1u);
  EXPECT_EQ(previous.Find("id-c"), std::nullopt);
}

TEST(PreviousIdentitiesTest, EmptyAndOverlongIdsAreRejected) {
  PreviousIdentities previous;
  EXPECT_THAT(previous.AddId("").status().message(), HasSubstr("empty"));
  const std::string longest(PreviousIdentities::kMaxIdLength, 'x');
  EXPECT_TRUE(previous.AddId(longest).ok());
  absl::StatusOr<PreviousIdentities::IdIndex> overlong = previous.AddId(longest + "x");
  EXPECT_EQ(overlong.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(previous.id_count(), 1u);
  // IDs are written into JSON and line-based files.
  EXPECT_THAT(previous.AddId("id-\xff").status().message(), HasSubstr("UTF-8"));
  EXPECT_THAT(previous.AddId("id\n2").status().message(), HasSubstr("control character"));
  EXPECT_TRUE(previous.AddId("id-caf\xc3\xa9").ok());
}

TEST(PreviousIdentitiesTest, NodesAndFirstSeenDefaultToNone) {
  PreviousIdentities previous(/*node_count=*/4);
  const PreviousIdentities::IdIndex id = previous.AddId("id-1").value();
  EXPECT_EQ(previous.first_seen(id), kNoTimestamp);
  previous.SetFirstSeen(id, 1700000000);
  EXPECT_EQ(previous.first_seen(id), 1700000000);
  previous.SetIdOfNode(2, id);
  EXPECT_EQ(previous.id_of_node(2), id);
  EXPECT_EQ(previous.id_of_node(0), PreviousIdentities::kNoId);
  // Past the hinted size: it grows, and nodes beyond it have no ID.
  previous.SetIdOfNode(10, id);
  EXPECT_EQ(previous.id_of_node(10), id);
  EXPECT_EQ(previous.id_of_node(9), PreviousIdentities::kNoId);
  EXPECT_EQ(previous.id_of_node(1000), PreviousIdentities::kNoId);
}

}  // namespace
}  // namespace idstitch
