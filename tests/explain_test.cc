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
