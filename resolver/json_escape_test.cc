#include "resolver/json_escape.h"

#include <string>

#include <gtest/gtest.h>

namespace idstitch {
namespace {

std::string Escaped(std::string_view text) {
  std::string out = "prefix:";
  AppendJsonString(text, &out);
  return out;
}

TEST(JsonEscapeTest, QuotesAndEscapesOnlyWhatJsonRequires) {
  EXPECT_EQ(Escaped(""), "prefix:\"\"");
  EXPECT_EQ(Escaped("jane@example.com"), "prefix:\"jane@example.com\"");
  EXPECT_EQ(Escaped("a\"b\\c"), "prefix:\"a\\\"b\\\\c\"");
  EXPECT_EQ(Escaped("\"start and end\\"), "prefix:\"\\\"start and end\\\\\"");
  EXPECT_EQ(Escaped("line\nbreak\r\ttab"), "prefix:\"line\\nbreak\\r\\ttab\"");
  EXPECT_EQ(Escaped(std::string("nul\0bell\x07", 9)), "prefix:\"nul\\u0000bell\\u0007\"");
  EXPECT_EQ(Escaped("\x1f"), "prefix:\"\\u001f\"");
  // UTF-8 and DEL pass through unchanged.
  EXPECT_EQ(Escaped("Zoë 東京 \x7f"), "prefix:\"Zoë 東京 \x7f\"");
}

}  // namespace
}  // namespace idstitch
