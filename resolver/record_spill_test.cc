#include "resolver/record_spill.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/status_matchers.h"
#include "tests/test_support.h"

namespace idstitch {
namespace {

using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using testing::DirectoryEntries;

// The i-th record of a varied test log.
SpilledRecord MakeRecord(int i) {
  SpilledRecord record;
  switch (i % 5) {
    case 0: record.record_id = ""; break;
    case 1: record.record_id = absl::StrCat("r-", i); break;
    case 2: record.record_id = std::string(1 + i % 300, static_cast<char>('a' + i % 26)); break;
    case 3: record.record_id = std::string("bin\0\n\xff", 6) + std::to_string(i); break;
    default: record.record_id = absl::StrCat("/data/in.jsonl:", i); break;
  }
  switch (i % 4) {
    case 0: record.ts = kNoTimestamp; break;
    case 1: record.ts = 1771338753 + i; break;
    case 2: record.ts = -i; break;
    default: record.ts = std::numeric_limits<int64_t>::max() - i; break;
  }
  record.event = static_cast<uint16_t>(i % 3 == 0 ? 0 : (i * 7919) % 65536);
  size_t count = i % 7 == 0 ? 1 : static_cast<size_t>(i % 201);  // 0..200 nodes
  for (size_t n = 0; n < count; ++n) {
    record.nodes.push_back(static_cast<NodeId>(i * 1000003u + n * 7u));
  }
  return record;
}

void ExpectSame(const SpilledRecord& got, const SpilledRecord& want, int i) {
  EXPECT_EQ(got.record_id, want.record_id) << "record " << i;
  EXPECT_EQ(got.ts, want.ts) << "record " << i;
  EXPECT_EQ(got.event, want.event) << "record " << i;
  EXPECT_THAT(got.nodes, ElementsAreArray(want.nodes)) << "record " << i;
}

TEST(RecordSpillTest, RoundTripsManyRecords) {
  absl::StatusOr<std::unique_ptr<RecordSpill>> spill = RecordSpill::Create(testing::CurrentTestDir());
  ASSERT_TRUE(spill.ok()) << spill.status();
  constexpr int kRecords = 5000;
  for (int i = 0; i < kRecords; ++i) {
    SpilledRecord record = MakeRecord(i);
    (*spill)->Write(record.record_id, record.ts, record.event, record.nodes);
  }
  EXPECT_EQ((*spill)->records(), static_cast<uint64_t>(kRecords));
  ASSERT_TRUE((*spill)->FinishWriting().ok());
  SpilledRecord got;
  for (int i = 0; i < kRecords; ++i) {
    absl::StatusOr<bool> more = (*spill)->Read(&got);
    ASSERT_TRUE(more.ok()) << more.status();
    ASSERT_TRUE(*more) << "ended early at record " << i;
    ExpectSame(got, MakeRecord(i), i);
  }
  absl::StatusOr<bool> end = (*spill)->Read(&got);
  ASSERT_TRUE(end.ok()) << end.status();
  EXPECT_FALSE(*end);
  end = (*spill)->Read(&got);  // and stays at the end
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(*end);
}

TEST(RecordSpillTest, RoundTripsBoundaryNodeCounts) {
  absl::StatusOr<std::unique_ptr<RecordSpill>> spill = RecordSpill::Create(testing::CurrentTestDir());
  ASSERT_TRUE(spill.ok()) << spill.status();
  const std::vector<size_t> counts = {0, 1, 2, 200, 255, 1};
  std::vector<SpilledRecord> written;
  for (size_t count : counts) {
    SpilledRecord record;
    record.record_id = absl::StrCat("n", count);
    record.ts = count == 1 ? kNoTimestamp : static_cast<int64_t>(count);
    record.event = static_cast<uint16_t>(count == 200 ? 65535 : count);
    for (size_t n = 0; n < count; ++n) {
      record.nodes.push_back(n % 2 ? std::numeric_limits<NodeId>::max() - n
                                   : static_cast<NodeId>(n));
    }
    (*spill)->Write(record.record_id, record.ts, record.event, record.nodes);
    written.push_back(record);
  }
  ASSERT_TRUE((*spill)->FinishWriting().ok());
  SpilledRecord got;
  got.nodes = {9, 9, 9};  // stale contents must be replaced
  for (size_t i = 0; i < written.size(); ++i) {
    ASSERT_TRUE((*spill)->Read(&got).value());
    ExpectSame(got, written[i], static_cast<int>(i));
  }
  EXPECT_FALSE((*spill)->Read(&got).value());
}

TEST(RecordSpillTest, RoundTripsLongestRecordId) {
  absl::StatusOr<std::unique_ptr<RecordSpill>> spill = RecordSpill::Create(testing::CurrentTestDir());
  ASSERT_TRUE(spill.ok()) << spill.status();
  std::string id(65535, 'z');
  id[0] = 'a';
  id.back() = 'b';
  std::vector<NodeId> nodes = {4, 5};
  (*spill)->Write(id, 1, 2, nodes);
  (*spill)->Write("next", 3, 4, nodes);
  ASSERT_TRUE((*spill)->FinishWriting().ok());
  SpilledRecord got;
  ASSERT_TRUE((*spill)->Read(&got).value());
  EXPECT_EQ(got.record_id, id);
  ASSERT_TRUE((*spill)->Read(&got).value());
  EXPECT_EQ(got.record_id, "next");
  EXPECT_EQ(got.ts, 3);
  EXPECT_EQ(got.event, 4);
}

TEST(RecordSpillTest, RecordsStraddlingTheReadBufferRoundTrip) {
  // ~6 MB of records of every size up to 60 KB: many cross the 1 MiB
  // boundaries of the reader's buffer, in their length, id or node ids.
  absl::StatusOr<std::unique_ptr<RecordSpill>> spill = RecordSpill::Create(testing::CurrentTestDir());
  ASSERT_TRUE(spill.ok()) << spill.status();
  std::vector<SpilledRecord> written;
  for (int i = 0; i < 400; ++i) {
    SpilledRecord record;
    record.record_id = std::string(static_cast<size_t>(i * 7919) % 60000, static_cast<char>('a' + i % 26));
    record.ts = i * 1000003LL;
    record.event = static_cast<uint16_t>(i);
    for (int n = 0; n < 1 + (i * 37) % 255; ++n) record.nodes.push_back(static_cast<NodeId>(i * 1000 + n));
    (*spill)->Write(record.record_id, record.ts, record.event, record.nodes);
    written.push_back(std::move(record));
  }
  ASSERT_TRUE((*spill)->FinishWriting().ok());
  SpilledRecord got;
  for (size_t i = 0; i < written.size(); ++i) {
    ASSERT_TRUE((*spill)->Read(&got).value()) << i;
    ExpectSame(got, written[i], static_cast<int>(i));
  }
  EXPECT_FALSE((*spill)->Read(&got).value());
}

TEST(RecordSpillTest, EmptySpillReadsNothing) {
  absl::StatusOr<std::unique_ptr<RecordSpill>> spill = RecordSpill::Create(testing::CurrentTestDir());
  ASSERT_TRUE(spill.ok()) << spill.status();
  EXPECT_EQ((*spill)->records(), 0u);
  ASSERT_TRUE((*spill)->FinishWriting().ok());
  SpilledRecord got;
  absl::StatusOr<bool> more = (*spill)->Read(&got);
  ASSERT_TRUE(more.ok()) << more.status();
  EXPECT_FALSE(*more);
}

TEST(RecordSpillTest, LeavesNoFileInTheDirectory) {
  std::string dir = testing::CurrentTestDir();
  absl::StatusOr<std::unique_ptr<RecordSpill>> spill = RecordSpill::Create(dir);
  ASSERT_TRUE(spill.ok()) << spill.status();
  std::vector<NodeId> nodes = {1};
  (*spill)->Write("r", 1, 0, nodes);
  EXPECT_THAT(DirectoryEntries(dir), IsEmpty());
  spill->reset();
  EXPECT_THAT(DirectoryEntries(dir), IsEmpty());
}

TEST(RecordSpillTest, SeveralSpillsInOneDirectoryAreIndependent) {
  std::string dir = testing::CurrentTestDir();
  absl::StatusOr<std::unique_ptr<RecordSpill>> a = RecordSpill::Create(dir);
  absl::StatusOr<std::unique_ptr<RecordSpill>> b = RecordSpill::Create(dir);
  ASSERT_TRUE(a.ok() && b.ok());
  std::vector<NodeId> nodes_a = {1, 2}, nodes_b = {3};
  (*a)->Write("a", 1, 1, nodes_a);
  (*b)->Write("b", 2, 2, nodes_b);
  ASSERT_TRUE((*a)->FinishWriting().ok());
  ASSERT_TRUE((*b)->FinishWriting().ok());
  SpilledRecord got;
  ASSERT_TRUE((*b)->Read(&got).value());
  EXPECT_EQ(got.record_id, "b");
  EXPECT_FALSE((*b)->Read(&got).value());
  ASSERT_TRUE((*a)->Read(&got).value());
  EXPECT_EQ(got.record_id, "a");
  EXPECT_THAT(got.nodes, ElementsAreArray(nodes_a));
  EXPECT_FALSE((*a)->Read(&got).value());
}

TEST(RecordSpillTest, CreateInMissingDirectoryIsUnavailable) {
  std::string dir = testing::CurrentTestDir() + "/missing/deeper";
  absl::StatusOr<std::unique_ptr<RecordSpill>> spill = RecordSpill::Create(dir);
  EXPECT_THAT(spill, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(std::string(spill.status().message()), ::testing::HasSubstr(dir));
}

}  // namespace
}  // namespace idstitch
