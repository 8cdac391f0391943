#include "resolver/atomic_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/status_matchers.h"
#include "tests/test_support.h"

namespace idstitch {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::DirectoryEntries;

void WriteBytes(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

TEST(AtomicFileTest, CommitMakesTheFileAppearWithItsContent) {
  std::string dir = testing::CurrentTestDir();
  std::string path = dir + "/identity_map.tsv";
  absl::StatusOr<std::unique_ptr<AtomicFile>> file = AtomicFile::Create(path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ((*file)->path(), path);
  (*file)->Append("identifier\tidentity\n");
  (*file)->Append("email:a@x.com\tI1\n");
  EXPECT_FALSE(std::filesystem::exists(path));  // not before Commit
  ASSERT_TRUE((*file)->Commit().ok());
  EXPECT_EQ(testing::ReadFile(path), "identifier\tidentity\nemail:a@x.com\tI1\n");
  file->reset();
  EXPECT_THAT(DirectoryEntries(dir), ElementsAre("identity_map.tsv"));  // no temp left
}

TEST(AtomicFileTest, EmptyCommitCreatesAnEmptyFile) {
  std::string path = testing::CurrentTestDir() + "/empty.csv";
  absl::StatusOr<std::unique_ptr<AtomicFile>> file = AtomicFile::Create(path);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE((*file)->Commit().ok());
  ASSERT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(std::filesystem::file_size(path), 0u);
}

TEST(AtomicFileTest, LargeContentIsWrittenWhole) {
  std::string path = testing::CurrentTestDir() + "/big.csv";
  absl::StatusOr<std::unique_ptr<AtomicFile>> file = AtomicFile::Create(path);
  ASSERT_TRUE(file.ok()) << file.status();
  std::string expected;
  for (int i = 0; i < 200000; ++i) {  // about 3.5 MB, several internal flushes
    std::string line = absl::StrCat("row-", i, ",", i * 31, "\n");
    (*file)->Append(line);
    expected += line;
  }
  ASSERT_TRUE((*file)->Commit().ok());
  EXPECT_EQ(testing::ReadFile(path), expected);
}

TEST(AtomicFileTest, PiecesOfEverySizeKeepTheirOrder) {
  // Small pieces are buffered; a piece of 1 MiB or more bypasses the buffer
  // after flushing it, so what came before must still come first.
  std::string path = testing::CurrentTestDir() + "/mixed.txt";
  absl::StatusOr<std::unique_ptr<AtomicFile>> file = AtomicFile::Create(path);
  ASSERT_TRUE(file.ok()) << file.status();
  std::string expected;
  for (size_t size : {size_t{10}, size_t{3} << 20, size_t{5}, (size_t{1} << 20) - 3,
                      size_t{1} << 20, size_t{7}, size_t{900000}, size_t{200000}}) {
    std::string piece(size, static_cast<char>('a' + expected.size() % 26));
    (*file)->Append(piece);
    expected += piece;
  }
  ASSERT_TRUE((*file)->Commit().ok());
  EXPECT_EQ(testing::ReadFile(path), expected);
}

TEST(AtomicFileTest, AppendedPiecesFollowBufferedTextInOrder) {
  std::string path = testing::CurrentTestDir() + "/pieces.txt";
  absl::StatusOr<std::unique_ptr<AtomicFile>> file = AtomicFile::Create(path);
  ASSERT_TRUE(file.ok()) << file.status();
  std::string expected = "header\n";
  (*file)->Append("header\n");
  for (int round = 0; round < 3; ++round) {
    std::vector<std::string> pieces;
    for (int i = 0; i < 2000; ++i) {  // more pieces than one writev() takes
      pieces.push_back(i % 7 == 0 ? "" : absl::StrCat(round, "-", i, std::string(i % 300, 'x'), "\n"));
      expected += pieces.back();
    }
    (*file)->AppendPieces(pieces);
    (*file)->Append("between\n");
    expected += "between\n";
  }
  ASSERT_TRUE((*file)->Commit().ok());
  EXPECT_EQ(testing::ReadFile(path), expected);
}

TEST(AtomicFileTest, AppendingAfterSyncIsStillCommitted) {
  std::string path = testing::CurrentTestDir() + "/resynced.txt";
  absl::StatusOr<std::unique_ptr<AtomicFile>> file = AtomicFile::Create(path);
  ASSERT_TRUE(file.ok()) << file.status();
  (*file)->Append("a\n");
  ASSERT_TRUE((*file)->Sync().ok());
  (*file)->Append("b\n");
  ASSERT_TRUE((*file)->Sync().ok());
  (*file)->AppendPieces({"c\n", "d\n"});
  ASSERT_TRUE((*file)->Commit().ok());
  EXPECT_EQ(testing::ReadFile(path), "a\nb\nc\nd\n");
}

TEST(AtomicFileTest, DestroyingWithoutCommitLeavesNothing) {
  std::string dir = testing::CurrentTestDir();
  std::string path = dir + "/out.tsv";
  {
    absl::StatusOr<std::unique_ptr<AtomicFile>> file = AtomicFile::Create(path);
    ASSERT_TRUE(file.ok()) << file.status();
    (*file)->Append(std::string(3 << 20, 'x'));  // some of it already flushed to disk
    (*file)->Append("tail");
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_THAT(DirectoryEntries(dir), IsEmpty());
}

TEST(AtomicFileTest, DestroyingWithoutCommitKeepsTheOldFile) {
  std::string dir = testing::CurrentTestDir();
  std::string path = dir + "/out.tsv";
  WriteBytes(path, "old\n");
  {
    absl::StatusOr<std::unique_ptr<AtomicFile>> file = AtomicFile::Create(path);
    ASSERT_TRUE(file.ok()) << file.status();
    (*file)->Append("new\n");
  }
  EXPECT_EQ(testing::ReadFile(path), "old\n");
  EXPECT_THAT(DirectoryEntries(dir), ElementsAre("out.tsv"));
}

TEST(AtomicFileTest, CommitReplacesAnExistingFile) {
  std::string dir = testing::CurrentTestDir();
  std::string path = dir + "/out.tsv";
  WriteBytes(path, "old content\n");
  absl::StatusOr<std::unique_ptr<AtomicFile>> file = AtomicFile::Create(path);
  ASSERT_TRUE(file.ok()) << file.status();
  (*file)->Append(std::string(2 << 20, 'n'));  // past the internal buffer
  (*file)->Append("\n");
  EXPECT_EQ(testing::ReadFile(path), "old content\n");  // old content until Commit
  ASSERT_TRUE((*file)->Commit().ok());
  EXPECT_EQ(testing::ReadFile(path), std::string(2 << 20, 'n') + "\n");
  file->reset();
  EXPECT_THAT(DirectoryEntries(dir), ElementsAre("out.tsv"));
}

TEST(AtomicFileTest, TwoFilesInOneDirectory) {
  std::string dir = testing::CurrentTestDir();
  absl::StatusOr<std::unique_ptr<AtomicFile>> a = AtomicFile::Create(dir + "/a.csv");
  absl::StatusOr<std::unique_ptr<AtomicFile>> b = AtomicFile::Create(dir + "/b.csv");
  ASSERT_TRUE(a.ok() && b.ok());
  (*a)->Append("a");
  (*b)->Append("b");
  ASSERT_TRUE((*b)->Commit().ok());
  ASSERT_TRUE((*a)->Commit().ok());
  EXPECT_EQ(testing::ReadFile(dir + "/a.csv"), "a");
  EXPECT_EQ(testing::ReadFile(dir + "/b.csv"), "b");
}

TEST(AtomicFileTest, CreateInMissingDirectoryIsUnavailable) {
  std::string path = testing::CurrentTestDir() + "/missing/out.tsv";
  absl::StatusOr<std::unique_ptr<AtomicFile>> file = AtomicFile::Create(path);
  EXPECT_THAT(file, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(std::string(file.status().message()), HasSubstr(path));
}

TEST(AtomicFileTest, FailedRenameIsUnavailableAndLeavesNoTempFile) {
  std::string dir = testing::CurrentTestDir();
  std::string path = dir + "/out";
  std::filesystem::create_directories(path + "/occupied");  // a non-empty directory
  absl::StatusOr<std::unique_ptr<AtomicFile>> file = AtomicFile::Create(path);
  ASSERT_TRUE(file.ok()) << file.status();
  (*file)->Append("data");
  absl::Status status = (*file)->Commit();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(std::string(status.message()), HasSubstr(path));
  file->reset();
  EXPECT_THAT(DirectoryEntries(dir), ElementsAre("out"));
  EXPECT_TRUE(std::filesystem::is_directory(path));
}

}  // namespace
}  // namespace idstitch
