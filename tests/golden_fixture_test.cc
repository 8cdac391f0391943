// Runs every hand-written case in fixtures/<case>/ (input.jsonl or input.csv,
// optional config.json) through a batch job and compares the identities with
// the case's expected_identities.txt.
#include <filesystem>

#include <gtest/gtest.h>

#include "resolver/batch_job.h"
#include "resolver/config.h"
#include "tests/test_support.h"

namespace idstitch {
namespace {

using testing::FileExists;
using testing::MakeTempDir;
using testing::PartitionOfIdentityMap;
using testing::ReadFile;
using testing::SortLines;

std::vector<std::string> FixtureCases() {
  std::vector<std::string> cases;
  for (const auto& entry :
       std::filesystem::directory_iterator(testing::SourceDir() + "/fixtures")) {
    if (entry.is_directory() && FileExists(entry.path() / "expected_identities.txt")) {
      cases.push_back(entry.path().filename().string());
    }
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

class GoldenFixtureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenFixtureTest, IdentitiesMatchExpected) {
  std::string dir = testing::SourceDir() + "/fixtures/" + GetParam();
  ResolverOptions options;
  options.show_progress = false;
  options.max_threads = 2;
  if (FileExists(dir + "/config.json")) {
    ASSERT_TRUE(LoadConfigFile(dir + "/config.json", &options).ok());
  }
  std::string input = FileExists(dir + "/input.csv") ? dir + "/input.csv" : dir + "/input.jsonl";
  auto job = BatchJob::Create(options);
  ASSERT_TRUE(job.ok()) << job.status();
  std::string out = MakeTempDir("golden-" + GetParam());
  auto summary = (*job)->Run({input}, out);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(PartitionOfIdentityMap(ReadFile(out + "/identity_map.csv")),
            SortLines(ReadFile(dir + "/expected_identities.txt")));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, GoldenFixtureTest, ::testing::ValuesIn(FixtureCases()),
                         [](const auto& info) { return info.param; });

TEST(GoldenFixtureTest, AllCasesFound) { EXPECT_GE(FixtureCases().size(), 6u); }

}  // namespace
}  // namespace idstitch
