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

// Every byte value at every position of strings up to five words long, in a
// background of plain ASCII and of UTF-8 high bytes (whose set top bits are
// what a word-at-a-time test could mistake for a hit), against a byte loop.
TEST(JsonEscapeTest, NeedsJsonEscapeAgreesWithAByteLoopForEveryByteAtEveryPosition) {
  int disagreements = 0;
  for (char background : {'a', '\xc3', '\x7f', '\x80', '\xff', '\x21', '\x1f'}) {
    for (size_t length = 1; length <= 40; ++length) {
      for (size_t position = 0; position < length; ++position) {
        for (int value = 0; value < 256; ++value) {
          std::string text(length, background);
          text[position] = static_cast<char>(value);
          bool expected = false;
          for (char ch : text) {
            const unsigned char c = static_cast<unsigned char>(ch);
            expected |= c < 0x20 || c == '"' || c == '\\';
          }
          disagreements += NeedsJsonEscape(text) != expected;
        }
      }
    }
  }
  EXPECT_EQ(disagreements, 0);
  EXPECT_FALSE(NeedsJsonEscape(""));
}

}  // namespace
}  // namespace idstitch
