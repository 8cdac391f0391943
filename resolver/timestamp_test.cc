#include "resolver/timestamp.h"

#include <cstdio>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "resolver/absl_compat.h"
#include "resolver/types.h"

namespace idstitch {
namespace {

// What Abseil alone makes of an RFC 3339 text: the reference the fast path
// must reproduce.
bool AbseilParse(const std::string& text, int64_t* seconds) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, AsAbsl(text), &time, &error)) return false;
  *seconds = absl::ToUnixSeconds(time);
  return true;
}

std::string AbseilFormat(int64_t seconds) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(seconds),
                          absl::UTCTimeZone());
}

TEST(TimestampTest, DaysFromCivilKnownDates) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(2026, 2, 17), 20501);
  EXPECT_EQ(DaysFromCivil(0, 1, 1), -719528);
}

TEST(TimestampTest, ParseAgreesWithAbseilOnRandomTexts) {
  std::mt19937_64 rng(7);
  char text[64];
  for (int i = 0; i < 20000; ++i) {
    // Fields slightly out of range too (month 13, day 31 in April, hour 24,
    // offset minute 60), so both accepting and rejecting are compared.
    const int year = static_cast<int>(rng() % 10000);
    const int month = static_cast<int>(rng() % 14);
    const int day = static_cast<int>(rng() % 33);
    const int hour = static_cast<int>(rng() % 25);
    const int minute = static_cast<int>(rng() % 61);
    const int second = static_cast<int>(rng() % 61);
    int n = std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d", year, month, day,
                          hour, minute, second);
    if (rng() % 3 == 0) n += std::snprintf(text + n, sizeof(text) - n, ".%llu",
                                           static_cast<unsigned long long>(rng() % 1000000));
    switch (rng() % 3) {
      case 0: std::snprintf(text + n, sizeof(text) - n, "Z"); break;
      default:
        std::snprintf(text + n, sizeof(text) - n, "%c%02d:%02d", rng() % 2 ? '+' : '-',
                      static_cast<int>(rng() % 25), static_cast<int>(rng() % 61));
    }
    int64_t expected = 0, actual = 0;
    const bool abseil_ok = AbseilParse(text, &expected);
    ASSERT_EQ(ParseTimestamp(text, &actual), abseil_ok) << text;
    if (abseil_ok) {
      ASSERT_EQ(actual, expected) << text;
    }
  }
}

TEST(TimestampTest, ParseAgreesWithAbseilOnLeapDays) {
  for (const char* text : {"2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2000-02-29T12:00:00Z",
                           "1900-02-29T12:00:00Z", "2026-04-31T00:00:00Z", "2026-12-31T23:59:59Z",
                           "2026-02-17t14:32:33z", "2026-02-17T14:32:60Z"}) {
    int64_t expected = 0, actual = 0;
    const bool abseil_ok = AbseilParse(text, &expected);
    ASSERT_EQ(ParseTimestamp(text, &actual), abseil_ok) << text;
    if (abseil_ok) {
      EXPECT_EQ(actual, expected) << text;
    }
  }
}

TEST(TimestampTest, FormatAgreesWithAbseil) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20000; ++i) {
    // Years about -300 to 10300: covers the hand-written range and both edges.
    const int64_t seconds = static_cast<int64_t>(rng() % 650'000'000'000ULL) - 72'000'000'000LL;
    ASSERT_EQ(FormatTimestamp(seconds), AbseilFormat(seconds)) << seconds;
  }
  for (int64_t seconds : {int64_t{0}, int64_t{-1}, int64_t{86399}, int64_t{951782400},
                          int64_t{-30610224000}, int64_t{-30610224001}, int64_t{253402300799},
                          int64_t{253402300800}}) {
    EXPECT_EQ(FormatTimestamp(seconds), AbseilFormat(seconds)) << seconds;
  }
  EXPECT_EQ(FormatTimestamp(1771338753), "2026-02-17T14:32:33Z");
  EXPECT_EQ(FormatTimestamp(kNoTimestamp), "");
}

}  // namespace
}  // namespace idstitch
