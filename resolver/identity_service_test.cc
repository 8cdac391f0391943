#include "resolver/identity_service.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_split.h"
#include "tests/status_matchers.h"
#include "tests/test_support.h"

namespace idstitch {
namespace {

using ::idstitch::testing::CurrentTestDir;
using ::idstitch::testing::PartitionOfIdentityMap;
using ::idstitch::testing::ReadFile;
using ::idstitch::testing::ReadLines;
using ::idstitch::testing::RunIdstitch;
using ::idstitch::testing::SourceDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::unique_ptr<IdentityService> OpenService(const std::string& dir) {
  absl::StatusOr<std::unique_ptr<IdentityService>> service =
      IdentityService::Open(ResolverOptions(), dir);
  EXPECT_TRUE(service.ok()) << service.status();
  return service.ok() ? std::move(service).value() : nullptr;
}

// Feeds `input` one record per request, exports, and returns the partition.
std::string ServicePartition(const std::string& input, const std::string& dir) {
  std::filesystem::create_directories(dir);
  std::unique_ptr<IdentityService> service = OpenService(dir + "/store");
  if (service == nullptr) return "";
  for (const std::string& line : ReadLines(input)) {
    absl::StatusOr<std::vector<EventResult>> results = service->AddEvents(line);
    EXPECT_TRUE(results.ok()) << results.status() << " for " << line;
  }
  EXPECT_OK(service->Export(dir));
  return PartitionOfIdentityMap(ReadFile(dir + "/identity_map.csv"));
}

std::string BatchPartition(const std::string& input, const std::string& dir) {
  EXPECT_EQ(RunIdstitch({"resolve", input, "--out", dir + "/batch", "--no-colocation", "--quiet"}), 0);
  return PartitionOfIdentityMap(ReadFile(dir + "/batch/identity_map.csv"));
}

// Record by record, the service reaches the batch partition on inputs where
// merge order does not matter. kiosk_hub and household_tablet are here too:
// their hubs are discovered and quarantined after their links were applied,
// and recomputation gives the batch answer.
TEST(IdentityServiceTest, OneByOneGivesTheBatchPartitionOnTheGoldenFixtures) {
  for (const char* fixture :
       {"basic_sign_in", "loyalty_and_social", "blocked_values", "kiosk_hub", "household_tablet"}) {
    SCOPED_TRACE(fixture);
    const std::string input = SourceDir() + "/fixtures/" + fixture + "/input.jsonl";
    const std::string dir = CurrentTestDir() + "/" + fixture;
    EXPECT_EQ(ServicePartition(input, dir), BatchPartition(input, dir));
  }
}

TEST(IdentityServiceTest, OneByOneGivesTheBatchPartitionOnGeneratedData) {
  const std::string dir = CurrentTestDir();
  ASSERT_EQ(RunIdstitch({"gen", "--people", "150", "--seed", "3", "--out", dir + "/data", "--quiet"}), 0);
  const std::string input = dir + "/data/events.jsonl";
  const std::string batch = BatchPartition(input, dir);
  const std::string service = ServicePartition(input, dir);
  // Where merge order decides (a per-identity limit reached by different
  // links first, a shared test card), the two may differ: on this seed 6 of
  // 200 batch identities (3%) do. Guard against more than 5%.
  std::vector<std::string> batch_lines = absl::StrSplit(batch, '\n');
  std::vector<std::string> service_lines = absl::StrSplit(service, '\n');
  std::vector<std::string> only_batch;
  std::set_difference(batch_lines.begin(), batch_lines.end(), service_lines.begin(),
                      service_lines.end(), std::back_inserter(only_batch));
  EXPECT_LE(only_batch.size(), batch_lines.size() / 20)
      << only_batch.size() << " of " << batch_lines.size() << " batch identities differ";
}

TEST(IdentityServiceTest, EventsResolveLookupAndChangeFeed) {
  std::unique_ptr<IdentityService> service = OpenService(CurrentTestDir() + "/store");
  ASSERT_NE(service, nullptr);
  absl::StatusOr<std::vector<EventResult>> first = service->AddEvents(
      R"([{"record_id":"r1","ts":"2026-02-01T10:00:00Z","email":"Jane.Doe@Gmail.com","device_id":"d1"},
          {"record_id":"r2","ts":"2026-02-02T10:00:00Z","phone":"(415) 555-0132","device_id":"d2"}])");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 2u);
  EXPECT_TRUE((*first)[0].created);
  const std::string jane = (*first)[0].identity_id;
  const std::string phone = (*first)[1].identity_id;
  // An account seen with both devices joins them; the older identity's ID
  // survives.
  absl::StatusOr<std::vector<EventResult>> join = service->AddEvents(
      R"({"record_id":"r3","ts":"2026-02-03T10:00:00Z","account_id":"u1","device_id":"d1","email":"janedoe@gmail.com","phone":"+1 415 555 0132"})");
  ASSERT_TRUE(join.ok()) << join.status();
  EXPECT_EQ((*join)[0].identity_id, jane);
  EXPECT_THAT((*join)[0].merged, ElementsAre(phone));

  absl::StatusOr<IdentityView> view = service->Resolve("phone", "415-555-0132");
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->identity_id, jane);
  EXPECT_EQ(view->members.size(), 5u);
  EXPECT_EQ(view->activity.records, 3u);
  EXPECT_THAT(service->Resolve("email", "nobody@x.com"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(service->Resolve("shoe", "x"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(service->Resolve("email", "not-an-email"), StatusIs(absl::StatusCode::kInvalidArgument));

  absl::StatusOr<IdentityLookup> old = service->GetIdentity(phone);
  ASSERT_TRUE(old.ok());
  EXPECT_FALSE(old->view.has_value());
  EXPECT_EQ(old->survivor, jane);
  EXPECT_THAT(service->GetIdentity("id-nope"), StatusIs(absl::StatusCode::kNotFound));

  absl::StatusOr<std::vector<StoredChange>> changes = service->Changes(0, 100);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 3u);  // created, created, merged
  EXPECT_THAT((*changes)[2].json, HasSubstr("\"change\":\"merged\""));
  EXPECT_EQ((*changes)[2].seq, 3u);

  absl::StatusOr<std::string> explain = service->Explain("device_id:d2", "email:janedoe@gmail.com");
  ASSERT_TRUE(explain.ok()) << explain.status();
  EXPECT_THAT(*explain, HasSubstr("authenticated_event"));

  // A second account on d1 is refused (one account per identity); explain
  // names the refused link whichever identifier comes first.
  ASSERT_TRUE(service->AddEvents(R"({"record_id":"r4","account_id":"u2","device_id":"d1"})").ok());
  for (const auto& [a, b] : {std::pair("account_id:u1", "account_id:u2"),
                             std::pair("account_id:u2", "account_id:u1")}) {
    absl::StatusOr<std::string> apart = service->Explain(a, b);
    ASSERT_TRUE(apart.ok()) << apart.status();
    EXPECT_THAT(*apart, HasSubstr("Refused merge")) << a << " " << b;
  }
}

TEST(IdentityServiceTest, BadRecordsFailTheWholeRequestAndApplyNothing) {
  std::unique_ptr<IdentityService> service = OpenService(CurrentTestDir() + "/store");
  ASSERT_NE(service, nullptr);
  EXPECT_THAT(service->AddEvents("{not json"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(service->AddEvents("[]"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(service->AddEvents("[1]"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(service->AddEvents(R"({"email":"a@x.com"})"),
              StatusIs(absl::StatusCode::kInvalidArgument));  // no record_id
  absl::StatusOr<std::vector<EventResult>> mixed = service->AddEvents(
      R"([{"record_id":"ok","email":"a@x.com"},"not a record"])");
  EXPECT_THAT(mixed, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(service->Stats().identifiers, 0u);
  // A field-level problem drops the field and warns.
  absl::StatusOr<std::vector<EventResult>> warned =
      service->AddEvents(R"({"record_id":"w","email":"nope","device_id":"d9"})");
  ASSERT_TRUE(warned.ok()) << warned.status();
  EXPECT_THAT((*warned)[0].warnings, ElementsAre(HasSubstr("invalid_email")));
  // Only blocked junk: not an error, but nothing is linked.
  absl::StatusOr<std::vector<EventResult>> junk =
      service->AddEvents(R"({"record_id":"j","email":"test@test.com","event":"x"})");
  ASSERT_TRUE(junk.ok()) << junk.status();
  EXPECT_EQ((*junk)[0].identity_id, "");
  EXPECT_THAT((*junk)[0].warnings, ElementsAre(HasSubstr("no usable identifier")));
}

TEST(IdentityServiceTest, ErasureSplitsAndAReplayDoesNotBringTheValueBack) {
  const std::string test_dir = CurrentTestDir();
  const std::string dir = test_dir + "/store";
  std::unique_ptr<IdentityService> service = OpenService(dir);
  ASSERT_NE(service, nullptr);
  const std::string event = R"({"record_id":"r1","email":"a@x.com","device_id":"d1"})";
  ASSERT_TRUE(service->AddEvents(event).ok());
  ASSERT_TRUE(service->AddEvents(R"({"record_id":"r2","email":"a@x.com","device_id":"d2"})").ok());
  const std::string id = service->Resolve("email", "a@x.com")->identity_id;
  ASSERT_OK(service->Erase("email", "A@X.com"));
  EXPECT_THAT(service->Resolve("email", "a@x.com"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_NE(service->Resolve("device_id", "d1")->identity_id,
            service->Resolve("device_id", "d2")->identity_id);
  EXPECT_THAT(service->Erase("email", "a@x.com"), StatusIs(absl::StatusCode::kNotFound));
  // The old event again (same record_id): a duplicate, nothing comes back.
  absl::StatusOr<std::vector<EventResult>> replay = service->AddEvents(event);
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE((*replay)[0].duplicate);
  EXPECT_THAT(service->Resolve("email", "a@x.com"), StatusIs(absl::StatusCode::kNotFound));
  // Also after a restart; and then the erased value is in none of the
  // store's files (WAL, tables, MANIFEST, logs): deletes alone would leave
  // it there. The MANIFEST (file boundary keys) is rewritten on open.
  service.reset();
  service = OpenService(dir);
  ASSERT_NE(service, nullptr);
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    EXPECT_EQ(ReadFile(entry.path().string()).find("a@x.com"), std::string::npos)
        << entry.path() << " still holds the erased value";
  }
  EXPECT_THAT(service->Resolve("email", "a@x.com"), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(service->Export(test_dir));
  EXPECT_THAT(ReadFile(test_dir + "/identity_map.csv"), ::testing::Not(HasSubstr("a@x.com")));
  EXPECT_THAT(ReadFile(test_dir + "/changes.jsonl"), HasSubstr("\"change\":\"erased\""));
  // Seen again in a new event, it is a new identifier.
  absl::StatusOr<std::vector<EventResult>> fresh =
      service->AddEvents(R"({"record_id":"r9","email":"a@x.com"})");
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE((*fresh)[0].created);
}

TEST(IdentityServiceTest, RestartRecoversTheSameAnswers) {
  const std::string test_dir = CurrentTestDir();
  const std::string dir = test_dir + "/store";
  std::string before;
  {
    std::unique_ptr<IdentityService> service = OpenService(dir);
    ASSERT_NE(service, nullptr);
    for (const std::string& line : ReadLines(SourceDir() + "/fixtures/loyalty_and_social/input.jsonl")) {
      ASSERT_TRUE(service->AddEvents(line).ok());
    }
    std::filesystem::create_directories(test_dir + "/before");
    ASSERT_OK(service->Export(test_dir + "/before"));
  }
  std::unique_ptr<IdentityService> service = OpenService(dir);
  ASSERT_NE(service, nullptr);
  std::filesystem::create_directories(test_dir + "/after");
  ASSERT_OK(service->Export(test_dir + "/after"));
  for (const char* file : {"identity_map.csv", "assignments.csv", "identities.jsonl", "changes.jsonl"}) {
    EXPECT_EQ(ReadFile(test_dir + "/after/" + file), ReadFile(test_dir + "/before/" + file)) << file;
  }
}

TEST(IdentityServiceTest, SeedsFromABatchRun) {
  const std::string dir = CurrentTestDir();
  const std::string input = SourceDir() + "/fixtures/basic_sign_in/input.jsonl";
  ASSERT_EQ(RunIdstitch({"resolve", input, "--out", dir + "/batch", "--no-colocation", "--links",
                         "--quiet"}), 0);
  std::unique_ptr<IdentityService> service = OpenService(dir + "/store");
  ASSERT_NE(service, nullptr);
  ASSERT_OK(service->SeedFromBatch(dir + "/batch"));
  EXPECT_THAT(service->SeedFromBatch(dir + "/batch"), StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK(service->Export(dir));
  EXPECT_EQ(ReadFile(dir + "/identity_map.csv"), ReadFile(dir + "/batch/identity_map.csv"));
  // Activity comes from identities.jsonl: the seeded identity of the
  // fixture's first sign-in knows when it was first seen.
  absl::StatusOr<IdentityView> jane = service->Resolve("account_id", "acct-1");
  ASSERT_TRUE(jane.ok()) << jane.status();
  EXPECT_EQ(jane->activity.first_seen, 1769940000);  // 2026-02-01T10:00:00Z
  EXPECT_GT(jane->activity.records, 0u);
  EXPECT_THAT(service->SeedFromBatch(dir + "/missing"), StatusIs(absl::StatusCode::kNotFound));

  // A damaged identities.jsonl is an error naming the file and line.
  std::filesystem::create_directories(dir + "/damaged");
  std::filesystem::copy_file(dir + "/batch/identity_map.csv", dir + "/damaged/identity_map.csv");
  idstitch::testing::WriteFile(dir + "/damaged/identities.jsonl", "{\"identity_id\":\"x\"}\n");
  std::unique_ptr<IdentityService> fresh = OpenService(dir + "/store2");
  ASSERT_NE(fresh, nullptr);
  absl::Status damaged = fresh->SeedFromBatch(dir + "/damaged");
  EXPECT_THAT(damaged, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(damaged.message()), HasSubstr("identities.jsonl:1"));
}

}  // namespace
}  // namespace idstitch
