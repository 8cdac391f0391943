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

TEST(CsvTest, RowEndIgnoresNewlinesInQuotedFields) {
  std::string_view text = "a,\"x\ny\",b\nc,d\n";
  EXPECT_EQ(FindCsvRowEnd(text, 0), 9u);
  EXPECT_EQ(FindCsvRowEnd(text, 10), 13u);
  EXPECT_EQ(FindCsvRowEnd("a,\"open\n", 0), std::string_view::npos);
  EXPECT_EQ(FindCsvRowEnd("a,\"say \"\"hi\"\"\"\nnext\n", 0), 14u);
}

TEST(CsvTest, StrayQuoteInUnquotedFieldDoesNotSwallowRows) {
  // The quote in a"b is not at a field start: the row still ends at its
  // newline (and SplitCsvRow rejects that row alone).
  std::string_view text = "r1,a\"b@x.com,d1\nr2,c@x.com,d2\n";
  EXPECT_EQ(FindCsvRowEnd(text, 0), 15u);
  EXPECT_TRUE(CsvRowIsComplete("r1,a\"b@x.com,d1"));
  std::vector<std::string> fields;
  EXPECT_THAT(SplitCsvRow("r1,a\"b@x.com,d1", &fields),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace idstitch
