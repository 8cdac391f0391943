// identities.jsonl activity (records, records by event, first and last seen)
// with few event names (counted in a dense identities x events table) and
// with many (counted in a hash map): both must give the same figures.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "tests/test_support.h"

namespace idstitch {
namespace {

using ::testing::HasSubstr;
using testing::MakeTempDir;
using testing::ReadFile;
using testing::RunIdstitch;
using testing::WriteFile;

// `people` records, each its own person and event name, then a second
// record for person 0 with person 1's event name.
std::string ResolveDistinctEvents(int people) {
  std::string dir = MakeTempDir(absl::StrCat("activity-", people));
  std::string input;
  for (int i = 0; i < people; ++i) {
    absl::StrAppend(&input, R"({"record_id":"r)", i, R"(","ts":"2026-01-0)", 1 + i % 9,
                    R"(T00:00:00Z","event":"ev)", i, R"(","email":"p)", i, "@example.com\"}\n");
  }
  absl::StrAppend(&input, R"({"record_id":"again","ts":"2026-02-01T00:00:00Z","event":"EV1","email":"p0@example.com"})",
                  "\n");
  WriteFile(dir + "/in.jsonl", input);
  EXPECT_EQ(RunIdstitch({"resolve", dir + "/in.jsonl", "--out", dir + "/out", "--quiet",
                         "--no-colocation"}),
            0);
  return ReadFile(dir + "/out/identities.jsonl");
}

TEST(IdentityActivityTest, FewAndManyEventNamesCountAlike) {
  // 3 people x 4 names: dense. 400 people x 401 names: past 2 counters per
  // record and 2^16 cells, so the hash map.
  for (int people : {3, 400}) {
    const std::string identities = ResolveDistinctEvents(people);
    EXPECT_THAT(identities,
                HasSubstr(R"("members":{"email":["p0@example.com"]},"records":2,)"
                          R"("events":{"ev0":1,"ev1":1},"first_seen":"2026-01-01T00:00:00Z",)"
                          R"("last_seen":"2026-02-01T00:00:00Z"})"))
        << people;
    EXPECT_THAT(identities,
                HasSubstr(R"("members":{"email":["p2@example.com"]},"records":1,)"
                          R"("events":{"ev2":1},"first_seen":"2026-01-03T00:00:00Z",)"
                          R"("last_seen":"2026-01-03T00:00:00Z"})"))
        << people;
  }
}

// Event names are listed by name, whatever order they were first seen in
// (which is their id order), and quoted as JSON.
TEST(IdentityActivityTest, EventNamesAreSortedByNameAndEscaped) {
  std::string dir = MakeTempDir("activity-names");
  std::string input;
  for (const char* event : {"zeta", "quote\\\"d", "alpha", "zeta", "tab\\tin"}) {
    absl::StrAppend(&input, R"({"email":"p@example.com","event":")", event, "\"}\n");
  }
  WriteFile(dir + "/in.jsonl", input);
  ASSERT_EQ(RunIdstitch({"resolve", dir + "/in.jsonl", "--out", dir + "/out", "--quiet",
                         "--no-colocation"}),
            0);
  EXPECT_THAT(ReadFile(dir + "/out/identities.jsonl"),
              HasSubstr(R"("events":{"alpha":1,"quote\"d":1,"tab\tin":1,"zeta":2})"));
}

}  // namespace
}  // namespace idstitch
