#include "resolver/record_spill.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

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

// One record as written, and as read back.
struct SpilledRecord {
  std::string record_id;
  int64_t ts = kNoTimestamp;
  uint16_t event = 0;
  std::vector<NodeId> nodes;
};

// Reads the spill to its end in batches of `batch_size` records. Fails the
// test on an error.
std::vector<SpilledRecord> ReadAll(RecordSpill& spill, size_t batch_size) {
  std::vector<SpilledRecord> records;
  SpilledBatch batch;
  while (true) {
    absl::Status read = spill.ReadBatch(batch_size, &batch);
    EXPECT_TRUE(read.ok()) << read;
    if (!read.ok() || batch.size() == 0) break;
    EXPECT_LE(batch.size(), batch_size);
    for (size_t i = 0; i < batch.size(); ++i) {
      SpilledRecord record;
      record.record_id = std::string(batch.record_id(i));
      record.ts = batch.ts(i);
      record.event = batch.event(i);
      for (size_t k = 0; k < batch.node_count(i); ++k) record.nodes.push_back(batch.node(i, k));
      records.push_back(std::move(record));
    }
  }
  return records;
}

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
  // Batches of 1000 end exactly at the last record; the next read is empty.
  std::vector<SpilledRecord> got = ReadAll(**spill, 1000);
  ASSERT_EQ(got.size(), static_cast<size_t>(kRecords));
  for (int i = 0; i < kRecords; ++i) ExpectSame(got[i], MakeRecord(i), i);
  SpilledBatch batch;
  ASSERT_TRUE((*spill)->ReadBatch(10, &batch).ok());  // and stays at the end
  EXPECT_EQ(batch.size(), 0u);
}

TEST(RecordSpillTest, BatchSizesDoNotChangeWhatIsRead) {
  for (size_t batch_size : {1, 7, 4096}) {
    absl::StatusOr<std::unique_ptr<RecordSpill>> spill =
        RecordSpill::Create(testing::CurrentTestDir());
    ASSERT_TRUE(spill.ok()) << spill.status();
    for (int i = 0; i < 3000; ++i) {
      SpilledRecord record = MakeRecord(i);
      (*spill)->Write(record.record_id, record.ts, record.event, record.nodes);
    }
    ASSERT_TRUE((*spill)->FinishWriting().ok());
    std::vector<SpilledRecord> got = ReadAll(**spill, batch_size);
    ASSERT_EQ(got.size(), 3000u) << batch_size;
    for (int i = 0; i < 3000; ++i) ExpectSame(got[i], MakeRecord(i), i);
  }
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
  std::vector<SpilledRecord> got = ReadAll(**spill, 4);  // a batch ends mid-log
  ASSERT_EQ(got.size(), written.size());
  for (size_t i = 0; i < written.size(); ++i) ExpectSame(got[i], written[i], static_cast<int>(i));
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
  std::vector<SpilledRecord> got = ReadAll(**spill, 100);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].record_id, id);
  EXPECT_EQ(got[1].record_id, "next");
  EXPECT_EQ(got[1].ts, 3);
  EXPECT_EQ(got[1].event, 4);
  EXPECT_THAT(got[1].nodes, ElementsAreArray(nodes));
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
  std::vector<SpilledRecord> got = ReadAll(**spill, 64);
  ASSERT_EQ(got.size(), written.size());
  for (size_t i = 0; i < written.size(); ++i) ExpectSame(got[i], written[i], static_cast<int>(i));
}

// The spill's file descriptor, found through /proc: the file is unlinked.
int SpillDescriptor(const std::string& dir) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code error;
    std::string target = std::filesystem::read_symlink(entry.path(), error).string();
    if (!error && target.rfind(dir + "/.idstitch-spill-", 0) == 0) {
      return std::stoi(entry.path().filename().string());
    }
  }
  return -1;
}

TEST(RecordSpillTest, TruncatedSpillIsDataLossNamingTheDirectory) {
  // Three records of 26 bytes (length 2, id 1, ts 8, event 2, count 1, three
  // node ids 12); the file cut inside the last one's node ids, its fixed
  // fields, and its length.
  for (off_t size : {76, 60, 53}) {
    std::string dir = testing::CurrentTestDir();
    absl::StatusOr<std::unique_ptr<RecordSpill>> spill = RecordSpill::Create(dir);
    ASSERT_TRUE(spill.ok()) << spill.status();
    std::vector<NodeId> nodes = {1, 2, 3};
    for (int i = 0; i < 3; ++i) (*spill)->Write("r", i, 0, nodes);
    ASSERT_TRUE((*spill)->FinishWriting().ok());
    const int fd = SpillDescriptor(dir);
    ASSERT_GE(fd, 0);
    struct stat file;
    ASSERT_EQ(fstat(fd, &file), 0);
    ASSERT_EQ(file.st_size, 3 * 26);
    ASSERT_EQ(ftruncate(fd, size), 0);
    SpilledBatch batch;
    absl::Status read = (*spill)->ReadBatch(10, &batch);
    EXPECT_THAT(read, StatusIs(absl::StatusCode::kDataLoss)) << size;
    EXPECT_THAT(std::string(read.message()), ::testing::HasSubstr(dir)) << size;
  }
}

TEST(RecordSpillTest, EmptySpillReadsNothing) {
  absl::StatusOr<std::unique_ptr<RecordSpill>> spill = RecordSpill::Create(testing::CurrentTestDir());
  ASSERT_TRUE(spill.ok()) << spill.status();
  EXPECT_EQ((*spill)->records(), 0u);
  ASSERT_TRUE((*spill)->FinishWriting().ok());
  SpilledBatch batch;
  absl::Status read = (*spill)->ReadBatch(10, &batch);
  ASSERT_TRUE(read.ok()) << read;
  EXPECT_EQ(batch.size(), 0u);
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
  std::vector<SpilledRecord> got_b = ReadAll(**b, 10);
  ASSERT_EQ(got_b.size(), 1u);
  EXPECT_EQ(got_b[0].record_id, "b");
  std::vector<SpilledRecord> got_a = ReadAll(**a, 10);
  ASSERT_EQ(got_a.size(), 1u);
  EXPECT_EQ(got_a[0].record_id, "a");
  EXPECT_THAT(got_a[0].nodes, ElementsAreArray(nodes_a));
}

TEST(RecordSpillTest, CreateInMissingDirectoryIsUnavailable) {
  std::string dir = testing::CurrentTestDir() + "/missing/deeper";
  absl::StatusOr<std::unique_ptr<RecordSpill>> spill = RecordSpill::Create(dir);
  EXPECT_THAT(spill, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(std::string(spill.status().message()), ::testing::HasSubstr(dir));
}

}  // namespace
}  // namespace idstitch
