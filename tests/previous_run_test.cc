// --previous: identities keep their IDs across runs; merges keep the oldest ID
// and splits are logged; the change log says what moved.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "graph/previous_identities.h"
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

// Runs one resolve of a single email against a hand-written previous
// directory; returns the run's status.
absl::Status ResolveAgainst(const std::string& dir, const std::string& identity_map,
                            const std::string* identities = nullptr) {
  WriteFile(dir + "/in.jsonl", R"({"email":"a@example.com"})" "\n");
  std::filesystem::create_directories(dir + "/prev");
  WriteFile(dir + "/prev/identity_map.csv", identity_map);
  if (identities != nullptr) WriteFile(dir + "/prev/identities.jsonl", *identities);
  ResolverOptions options;
  options.show_progress = false;
  options.previous_dir = dir + "/prev";
  auto job = BatchJob::Create(options);
  EXPECT_TRUE(job.ok());
  return (*job)->Run({dir + "/in.jsonl"}, dir + "/out").status();
}

constexpr char kMapHeader[] = "identifier_type,identifier,identity_id\n";

TEST(PreviousRunTest, WrongHeaderIsAnErrorNamingTheFile) {
  std::string dir = MakeTempDir("previous-header");
  absl::Status status = ResolveAgainst(dir, "type,value,id\nemail,a@example.com,id-1\n");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("identity_map.csv:1: expected header"));
  // An empty map has no header either.
  status = ResolveAgainst(MakeTempDir("previous-empty"), "");
  EXPECT_THAT(status.message(), HasSubstr("identity_map.csv:1: expected header"));
}

TEST(PreviousRunTest, MalformedRowsAreErrorsNamingTheLine) {
  std::string dir = MakeTempDir("previous-columns");
  absl::Status status =
      ResolveAgainst(dir, std::string(kMapHeader) + "email,a@example.com,id-1\nemail,b@example.com\n");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("identity_map.csv:3: expected 3 columns"));

  status = ResolveAgainst(MakeTempDir("previous-empty-id"),
                          std::string(kMapHeader) + "email,a@example.com,\n");
  EXPECT_THAT(status.message(), HasSubstr("identity_map.csv:2: expected 3 columns"));

  status = ResolveAgainst(MakeTempDir("previous-quote"),
                          std::string(kMapHeader) + "email,a@exa\"mple.com,id-1\n");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("identity_map.csv:2:"));

  status = ResolveAgainst(MakeTempDir("previous-long-id"),
                          std::string(kMapHeader) + "email,a@example.com," +
                              std::string(PreviousIdentities::kMaxIdLength + 1, 'x') + "\n");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("identity_map.csv:2: field identity_id:"));
}

TEST(PreviousRunTest, ErrorsFarIntoALargeMapNameTheirLine) {
  // Many chunks of rows (read and parsed in parallel): the line number is
  // still the file's, and the first bad row in file order is the one named.
  std::string map = kMapHeader;
  for (int i = 0; i < 30000; ++i) {
    map += "email,user" + std::to_string(i) + "@example.com,id-" + std::to_string(i) + "\n";
  }
  map += "email,only-two-columns\n";  // line 30002
  for (int i = 0; i < 30000; ++i) map += "email,x" + std::to_string(i) + "\n";
  absl::Status status = ResolveAgainst(MakeTempDir("previous-large"), map);
  EXPECT_THAT(status.message(), HasSubstr("identity_map.csv:30002: expected 3 columns"));
}

TEST(PreviousRunTest, IdsSharingLongPrefixesKeepTheirOrder) {
  // Two kept IDs alike in their first 20 bytes (past the sort key's 15), and
  // one with bytes >= 0x80: identities are listed in ID order, byte by byte.
  std::string dir = MakeTempDir("previous-prefix");
  WriteFile(dir + "/in.jsonl", R"({"email":"a@example.com"})" "\n" R"({"email":"b@example.com"})" "\n"
                               R"({"email":"c@example.com"})" "\n");
  std::filesystem::create_directories(dir + "/prev");
  WriteFile(dir + "/prev/identity_map.csv", std::string(kMapHeader) +
                                                "email,a@example.com,legacy-0000000000000-b\n"
                                                "email,b@example.com,legacy-0000000000000-a\n"
                                                "email,c@example.com,legacy-\xc3\xa9\n");
  std::string out = Resolve(dir + "/in.jsonl", dir + "/prev");
  EXPECT_EQ(IdOf(out, "email,a@example.com"), "legacy-0000000000000-b");
  std::string identities = ReadFile(out + "/identities.jsonl");
  size_t first = identities.find("legacy-0000000000000-a");
  size_t second = identities.find("legacy-0000000000000-b");
  size_t third = identities.find("legacy-\xc3\xa9");
  ASSERT_NE(third, std::string::npos);
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
}

TEST(PreviousRunTest, IdThatIsNotUtf8IsAnError) {
  absl::Status status = ResolveAgainst(MakeTempDir("previous-utf8"),
                                       std::string(kMapHeader) + "email,a@example.com,id-\xff\n");
  EXPECT_THAT(status.message(), HasSubstr("identity_map.csv:2: field identity_id: identity_id is not valid UTF-8"));
}

TEST(PreviousRunTest, QuotedIdentityIdIsKept) {
  std::string dir = MakeTempDir("previous-quoted");
  ASSERT_TRUE(ResolveAgainst(dir, std::string(kMapHeader) +
                                      "email,a@example.com,\"legacy, \"\"42\"\"\"\n").ok());
  EXPECT_EQ(IdOf(dir + "/out", "email,a@example.com"), "\"legacy, \"\"42\"\"\"");
}

TEST(PreviousRunTest, MalformedIdentitiesLineIsAnErrorNamingTheLine) {
  std::string dir = MakeTempDir("previous-identities");
  std::string identities = R"({"identity_id":"id-1","first_seen":"2026-01-01T00:00:00Z"})" "\n"
                           "not json\n";
  absl::Status status = ResolveAgainst(
      dir, std::string(kMapHeader) + "email,a@example.com,id-1\n", &identities);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("identities.jsonl:2: expected a JSON object"));

  identities = R"({"identity_id":""})" "\n";
  status = ResolveAgainst(MakeTempDir("previous-identities-empty"),
                          std::string(kMapHeader) + "email,a@example.com,id-1\n", &identities);
  EXPECT_THAT(status.message(), HasSubstr("identities.jsonl:1: field identity_id: empty"));
}

TEST(PreviousRunTest, IdOnlyInIdentitiesIsNeverReissued) {
  // identities.jsonl names an ID whose identifiers are not in the map (a
  // hand-trimmed map): a fresh ID still may not take it.
  std::string dir = MakeTempDir("previous-reserved");
  const std::string fresh = IdOf(Resolve([&] {
    WriteFile(dir + "/alone.jsonl", R"({"email":"a@example.com"})" "\n");
    return dir + "/alone.jsonl";
  }(), ""), "email,a@example.com");
  ASSERT_FALSE(fresh.empty());
  std::string identities = R"({"identity_id":")" + fresh + R"("})" "\n";
  ASSERT_TRUE(ResolveAgainst(dir, std::string(kMapHeader) + "email,z@example.com,id-z\n",
                             &identities).ok());
  const std::string id = IdOf(dir + "/out", "email,a@example.com");
  EXPECT_FALSE(id.empty());
  EXPECT_NE(id, fresh);
}

}  // namespace
}  // namespace idstitch
