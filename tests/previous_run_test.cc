// --previous: identities keep their IDs across runs; merges keep the oldest ID
// and splits are logged; the change log says what moved.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "resolver/batch_job.h"
#include "tests/test_support.h"

namespace idstitch {
namespace {

using ::testing::HasSubstr;
using testing::MakeTempDir;
using testing::ReadFile;
using testing::WriteFile;

std::string Resolve(const std::string& input, const std::string& previous) {
  ResolverOptions options;
  options.show_progress = false;
  options.previous_dir = previous;
  auto job = BatchJob::Create(options);
  EXPECT_TRUE(job.ok());
  std::string out = MakeTempDir("prev-out-" + std::to_string(std::hash<std::string>()(input + previous)));
  auto summary = (*job)->Run({input}, out);
  EXPECT_TRUE(summary.ok()) << summary.status();
  return out;
}

// identity_id of `identifier` ("type,value") in an identity_map.csv.
std::string IdOf(const std::string& out, const std::string& identifier) {
  std::string map = ReadFile(out + "/identity_map.csv");
  size_t at = map.find("\n" + identifier + ",");
  if (at == std::string::npos) return "";
  size_t start = at + identifier.size() + 2;
  return map.substr(start, map.find('\n', start) - start);
}

TEST(PreviousRunTest, IdsSurviveAndMergesKeepTheOldest) {
  std::string dir = MakeTempDir("previous");
  // Run 1: two separate people; ann is seen first.
  WriteFile(dir + "/day1.jsonl",
            R"({"ts":"2026-01-01T00:00:00Z","email":"ann@example.com","device_id":"d-ann"})" "\n"
            R"({"ts":"2026-01-05T00:00:00Z","email":"ann.work@example.com","device_id":"d-work"})" "\n");
  std::string day1 = Resolve(dir + "/day1.jsonl", "");
  std::string ann = IdOf(day1, "email,ann@example.com");
  std::string work = IdOf(day1, "email,ann.work@example.com");
  ASSERT_FALSE(ann.empty());
  ASSERT_NE(ann, work);

  // Run 2: a new account links both, and its canonical member (the account)
  // would derive a new ID; the older of the two previous IDs survives.
  WriteFile(dir + "/day2.jsonl",
            ReadFile(dir + "/day1.jsonl") +
                R"({"ts":"2026-01-09T00:00:00Z","account_id":"A1","email":"ann@example.com"})" "\n"
                R"({"ts":"2026-01-09T00:00:00Z","account_id":"A1","email":"ann.work@example.com"})" "\n"
                R"({"ts":"2026-01-09T00:00:00Z","email":"new@example.com"})" "\n");
  std::string day2 = Resolve(dir + "/day2.jsonl", day1);
  EXPECT_EQ(IdOf(day2, "account_id,A1"), ann);
  EXPECT_EQ(IdOf(day2, "email,ann.work@example.com"), ann);
  std::string changes = ReadFile(day2 + "/changes.jsonl");
  EXPECT_THAT(changes, HasSubstr(R"({"change":"merged","identity_id":")" + ann +
                                 R"(","merged":[")" + work + R"("]})"));
  EXPECT_THAT(changes, HasSubstr(R"({"change":"new","identity_id":")" +
                                 IdOf(day2, "email,new@example.com") + "\"}"));

  // Run 3 without the account records: the identity splits again; the part
  // with most previous members keeps the ID, the other gets a new one.
  std::string day3 = Resolve(dir + "/day1.jsonl", day2);
  std::string kept = IdOf(day3, "email,ann@example.com");
  std::string other = IdOf(day3, "email,ann.work@example.com");
  EXPECT_NE(kept, other);
  EXPECT_TRUE(kept == ann || other == ann);
  EXPECT_THAT(ReadFile(day3 + "/changes.jsonl"), HasSubstr(R"("change":"split","identity_id":")" + ann));
}

TEST(PreviousRunTest, MissingPreviousMapIsAnError) {
  std::string dir = MakeTempDir("previous-missing");
  WriteFile(dir + "/in.jsonl", R"({"email":"a@example.com"})" "\n");
  ResolverOptions options;
  options.show_progress = false;
  options.previous_dir = dir + "/nowhere";
  auto job = BatchJob::Create(options);
  ASSERT_TRUE(job.ok());
  auto summary = (*job)->Run({dir + "/in.jsonl"}, dir + "/out");
  EXPECT_EQ(summary.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace idstitch
