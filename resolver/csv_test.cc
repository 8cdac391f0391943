#include "resolver/csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/status_matchers.h"

namespace idstitch {
namespace {

using ::testing::ElementsAre;

TEST(CsvTest, SplitsPlainAndQuotedFields) {
  std::vector<std::string> fields;
  ASSERT_TRUE(SplitCsvRow(R"(a,"b,c","say ""hi""",,"")", &fields).ok());
  EXPECT_THAT(fields, ElementsAre("a", "b,c", "say \"hi\"", "", ""));
}

TEST(CsvTest, QuotedFieldMaySpanLines) {
  EXPECT_FALSE(CsvRowIsComplete("1,\"line one"));
  EXPECT_TRUE(CsvRowIsComplete("1,\"line one\nline two\""));
  std::vector<std::string> fields;
  ASSERT_TRUE(SplitCsvRow("1,\"line one\nline two\"", &fields).ok());
  EXPECT_THAT(fields, ElementsAre("1", "line one\nline two"));
}

TEST(CsvTest, RejectsMalformedQuoting) {
  std::vector<std::string> fields;
  EXPECT_THAT(SplitCsvRow("a,\"open", &fields),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SplitCsvRow("a,\"x\"y", &fields),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SplitCsvRow("a,b\"c", &fields),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CsvTest, QuotesOnlyWhenNeeded) {
  std::string out;
  AppendCsvField("plain", &out);
  out.push_back(',');
  AppendCsvField("a,\"b\"", &out);
  EXPECT_EQ(out, "plain,\"a,\"\"b\"\"\"");
  std::vector<std::string> fields;
  ASSERT_TRUE(SplitCsvRow(out, &fields).ok());
  EXPECT_THAT(fields, ElementsAre("plain", "a,\"b\""));
}

}  // namespace
}  // namespace idstitch
