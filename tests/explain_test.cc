// `idstitch explain` on a resolved fixture: the path of links joining two
// identifiers, or why they are apart.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "resolver/explain.h"
#include "tests/status_matchers.h"
#include "tests/test_support.h"

namespace idstitch {
namespace {

using ::testing::HasSubstr;
using testing::MakeTempDir;
using testing::RunIdstitch;
using testing::SourceDir;

std::string ResolveFixture(const std::string& name, bool links = true) {
  std::string out = MakeTempDir("explain-" + name);
  std::vector<std::string> args = {"resolve", SourceDir() + "/fixtures/" + name + "/input.jsonl",
                                   "--out", out, "--quiet"};
  if (links) args.push_back("--links");
  EXPECT_EQ(RunIdstitch(args), 0);
  return out;
}

TEST(ExplainTest, PathOfLinksJoiningTwoIdentifiers) {
  std::string out = ResolveFixture("household_tablet");
  auto text = ExplainIdentifiers(out, "device_id:phone-ann", "device_id:tablet-family");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_THAT(*text, HasSubstr("Joined by 2 link(s)"));
  EXPECT_THAT(*text, HasSubstr("account_id:acct-ann  --authenticated_event (deterministic"));
}

TEST(ExplainTest, RefusedMergeExplainsWhyApart) {
  std::string out = ResolveFixture("household_tablet");
  auto text = ExplainIdentifiers(out, "account_id:acct-tom", "device_id:tablet-family");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_THAT(*text, HasSubstr("They are apart"));
  EXPECT_THAT(*text, HasSubstr("[refused: merge limit]"));
}

TEST(ExplainTest, QuarantinedHubExplainsWhyApart) {
  std::string out = ResolveFixture("kiosk_hub");
  auto text = ExplainIdentifiers(out, "email:customer1@example.com", "device_id:kiosk-store-42");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_THAT(*text, HasSubstr("[quarantined hub]"));
}

// links.csv carries each link's first and last record time. They are kept
// beside the links (not in them) only for --links, and permuted with them by
// the canonical sort: a wrong permutation shows here as another link's times.
TEST(ExplainTest, LinksCsvKeepsEachLinksOwnTimes) {
  std::string dir = MakeTempDir("links-times");
  testing::WriteFile(dir + "/in.jsonl",
                     R"({"record_id":"r1","ts":"2026-01-05T10:00:00Z","event":"sign_in","account_id":"A1","email":"one@example.com"}
{"record_id":"r2","ts":"2026-01-01T08:00:00Z","event":"sign_in","account_id":"A2","email":"two@example.com"}
{"record_id":"r3","ts":"2026-03-09T12:30:00Z","event":"sign_in","account_id":"A1","email":"one@example.com"}
{"record_id":"r4","event":"sign_in","account_id":"A3","email":"three@example.com"}
{"record_id":"r5","ts":"2026-02-02T02:02:02Z","event":"sign_in","account_id":"A1","email":"one@example.com"}
)");
  ASSERT_EQ(RunIdstitch({"resolve", dir + "/in.jsonl", "--out", dir + "/out", "--links",
                         "--no-colocation", "--quiet"}),
            0);
  const std::string links = testing::ReadFile(dir + "/out/links.csv");
  EXPECT_THAT(links, HasSubstr(",one@example.com,authenticated_event,deterministic,1,3,"
                               "2026-01-05T10:00:00Z,2026-03-09T12:30:00Z,applied,"));
  EXPECT_THAT(links, HasSubstr(",two@example.com,authenticated_event,deterministic,1,1,"
                               "2026-01-01T08:00:00Z,2026-01-01T08:00:00Z,applied,"));
  EXPECT_THAT(links, HasSubstr(",three@example.com,authenticated_event,deterministic,1,1,,,applied,"));
}

TEST(ExplainTest, ErrorsNameWhatIsMissing) {
  std::string out = ResolveFixture("household_tablet", /*links=*/false);
  EXPECT_THAT(ExplainIdentifiers(out, "account_id:acct-ann", "device_id:phone-ann"),
              StatusIs(absl::StatusCode::kNotFound));
  std::string with_links = ResolveFixture("household_tablet");
  EXPECT_THAT(ExplainIdentifiers(with_links, "account_id:nobody", "device_id:phone-ann"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(ExplainIdentifiers(with_links, "no-colon", "device_id:phone-ann"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  std::string err;
  EXPECT_EQ(RunIdstitch({"explain", "--out", with_links, "account_id:nobody", "device_id:x"}, &err),
            3);
  EXPECT_THAT(err, HasSubstr("account_id:nobody: not in"));
}

}  // namespace
}  // namespace idstitch
