#include "resolver/atomic_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/status_matchers.h"

namespace idstitch {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A fresh, empty directory for the running test.
std::string TestDir() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                              "atomic_file_test" / info->name();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::vector<std::string> DirectoryEntries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteBytes(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

TEST(AtomicFileTest, CommitMakesTheFileAppearWithItsContent) {
  std::string dir = TestDir();
  std::string path = dir + "/identity_map.tsv";
  absl::StatusOr<std::unique_ptr<AtomicFile>> file = AtomicFile::Create(path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ((*file)->path(), path);
  (*file)->Append("identifier\tidentity\n");
  (*file)->Append("email:a@x.com\tI1\n");
  EXPECT_FALSE(std::filesystem::exists(path));  // not before Commit
  ASSERT_TRUE((*file)->Commit().ok());
  EXPECT_EQ(ReadBytes(path), "identifier\tidentity\nemail:a@x.com\tI1\n");
  file->reset();
  EXPECT_THAT(DirectoryEntries(dir), ElementsAre("identity_map.tsv"));  // no temp left
}

TEST(AtomicFileTest, EmptyCommitCreatesAnEmptyFile) {
  std::string path = TestDir() + "/empty.csv";
  absl::StatusOr<std::unique_ptr<AtomicFile>> file = AtomicFile::Create(path);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE((*file)->Commit().ok());
  ASSERT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(std::filesystem::file_size(path), 0u);
}

TEST(AtomicFileTest, LargeContentIsWrittenWhole) {
  std::string path = TestDir() + "/big.csv";
  absl::StatusOr<std::unique_ptr<AtomicFile>> file = AtomicFile::Create(path);
  ASSERT_TRUE(file.ok()) << file.status();
  std::string expected;
  for (int i = 0; i < 200000; ++i) {  // about 3.5 MB, several internal flushes
    std::string line = absl::StrCat("row-", i, ",", i * 31, "\n");
    (*file)->Append(line);
    expected += line;
  }
  ASSERT_TRUE((*file)->Commit().ok());
  EXPECT_EQ(ReadBytes(path), expected);
}

TEST(AtomicFileTest, DestroyingWithoutCommitLeavesNothing) {
  std::string dir = TestDir();
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
  std::string dir = TestDir();
  std::string path = dir + "/out.tsv";
  WriteBytes(path, "old\n");
  {
    absl::StatusOr<std::unique_ptr<AtomicFile>> file = AtomicFile::Create(path);
    ASSERT_TRUE(file.ok()) << file.status();
    (*file)->Append("new\n");
  }
  EXPECT_EQ(ReadBytes(path), "old\n");
  EXPECT_THAT(DirectoryEntries(dir), ElementsAre("out.tsv"));
}

TEST(AtomicFileTest, CommitReplacesAnExistingFile) {
  std::string dir = TestDir();
  std::string path = dir + "/out.tsv";
  WriteBytes(path, "old content\n");
  absl::StatusOr<std::unique_ptr<AtomicFile>> file = AtomicFile::Create(path);
  ASSERT_TRUE(file.ok()) << file.status();
  (*file)->Append(std::string(2 << 20, 'n'));  // past the internal buffer
  (*file)->Append("\n");
  EXPECT_EQ(ReadBytes(path), "old content\n");  // old content until Commit
  ASSERT_TRUE((*file)->Commit().ok());
  EXPECT_EQ(ReadBytes(path), std::string(2 << 20, 'n') + "\n");
  file->reset();
  EXPECT_THAT(DirectoryEntries(dir), ElementsAre("out.tsv"));
}

TEST(AtomicFileTest, TwoFilesInOneDirectory) {
  std::string dir = TestDir();
  absl::StatusOr<std::unique_ptr<AtomicFile>> a = AtomicFile::Create(dir + "/a.csv");
  absl::StatusOr<std::unique_ptr<AtomicFile>> b = AtomicFile::Create(dir + "/b.csv");
  ASSERT_TRUE(a.ok() && b.ok());
  (*a)->Append("a");
  (*b)->Append("b");
  ASSERT_TRUE((*b)->Commit().ok());
  ASSERT_TRUE((*a)->Commit().ok());
  EXPECT_EQ(ReadBytes(dir + "/a.csv"), "a");
  EXPECT_EQ(ReadBytes(dir + "/b.csv"), "b");
}

TEST(AtomicFileTest, CreateInMissingDirectoryIsUnavailable) {
  std::string path = TestDir() + "/missing/out.tsv";
  absl::StatusOr<std::unique_ptr<AtomicFile>> file = AtomicFile::Create(path);
  EXPECT_THAT(file, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(std::string(file.status().message()), HasSubstr(path));
}

TEST(AtomicFileTest, FailedRenameIsUnavailableAndLeavesNoTempFile) {
  std::string dir = TestDir();
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
