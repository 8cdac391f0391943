#include "resolver/timestamp.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/time/time.h"
#include "resolver/absl_compat.h"
#include "resolver/types.h"

namespace idstitch {
namespace {

constexpr int64_t kSecondsPerDay = 86400;

bool IsIntegerToken(std::string_view token) {
  if (!token.empty() && token[0] == '-') token.remove_prefix(1);
  return !token.empty() && std::all_of(token.begin(), token.end(),
                                       [](char c) { return c >= '0' && c <= '9'; });
}

bool IsLeapYear(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned DaysInMonth(int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// The two decimal digits at text[at], or -1 if either is not a digit. The
// caller has checked the length.
int TwoDigits(std::string_view text, size_t at) {
  const unsigned high = static_cast<unsigned char>(text[at]) - '0';
  const unsigned low = static_cast<unsigned char>(text[at + 1]) - '0';
  return high < 10 && low < 10 ? static_cast<int>(high * 10 + low) : -1;
}

// "YYYY-MM-DDTHH:MM:SS[.digits](Z|+hh:mm|-hh:mm)" with every field in range.
// Returns false for anything else, which then goes to Abseil: the fast path
// never accepts what Abseil would reject, nor reads a value differently.
bool ParseCommonRfc3339(std::string_view text, int64_t* unix_seconds) {
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
      text[13] != ':' || text[16] != ':') {
    return false;
  }
  const int century = TwoDigits(text, 0), year_of_century = TwoDigits(text, 2);
  const int month = TwoDigits(text, 5), day = TwoDigits(text, 8);
  const int hour = TwoDigits(text, 11), minute = TwoDigits(text, 14), second = TwoDigits(text, 17);
  // Any -1 (a non-digit) makes the minimum negative.
  if (std::min({century, year_of_century, month, day, hour, minute, second}) < 0) return false;
  const int64_t year = century * 100 + year_of_century;
  if (month < 1 || month > 12 || day < 1 || day > static_cast<int>(DaysInMonth(year, month)) ||
      hour > 23 || minute > 59 || second > 59) {
    return false;
  }
  size_t at = 19;
  if (text[at] == '.') {
    const size_t digits_begin = ++at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
    if (at == digits_begin) return false;
  }
  int64_t offset_seconds = 0;
  if (at + 1 == text.size() && text[at] == 'Z') {
    // UTC.
  } else if (at + 6 == text.size() && (text[at] == '+' || text[at] == '-') &&
             text[at + 3] == ':') {
    const int offset_hours = TwoDigits(text, at + 1), offset_minutes = TwoDigits(text, at + 4);
    if (offset_hours < 0 || offset_minutes < 0 || offset_hours > 23 || offset_minutes > 59) {
      return false;
    }
    offset_seconds = (int64_t{offset_hours} * 60 + offset_minutes) * 60;
    if (text[at] == '-') offset_seconds = -offset_seconds;
  } else {
    return false;
  }
  *unix_seconds = DaysFromCivil(year, month, day) * kSecondsPerDay +
                  (int64_t{hour} * 60 + minute) * 60 + second - offset_seconds;
  return true;
}

}  // namespace

int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day) {
  // Eras of 400 years (146,097 days) with March as the first month, so the
  // leap day is the last day of a year.
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

bool ParseTimestamp(std::string_view text, int64_t* unix_seconds) {
  text = AsStd(absl::StripAsciiWhitespace(AsAbsl(text)));
  if (text.empty()) return false;
  if (ParseCommonRfc3339(text, unix_seconds)) return true;
  std::string_view whole = text.substr(0, text.find('.'));
  if (IsIntegerToken(whole)) {
    std::string_view fraction = text.substr(whole.size());
    if (!fraction.empty() &&
        (fraction.size() < 2 || !std::all_of(fraction.begin() + 1, fraction.end(),
                                             [](char c) { return c >= '0' && c <= '9'; }))) {
      return false;
    }
    return absl::SimpleAtoi(AsAbsl(whole), unix_seconds);
  }
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, AsAbsl(text), &time, &error)) return false;
  // absl::ParseTime also accepts "infinite-future" / "infinite-past".
  if (time == absl::InfiniteFuture() || time == absl::InfinitePast()) return false;
  *unix_seconds = absl::ToUnixSeconds(time);
  return true;
}

std::string FormatTimestamp(int64_t unix_seconds) {
  std::string text;
  AppendTimestamp(unix_seconds, &text);
  return text;
}

void AppendTimestamp(int64_t unix_seconds, std::string* text) {
  if (unix_seconds == kNoTimestamp) return;
  // Years 1000-9999 by hand (the output stage formats two per identity);
  // Abseil for the rest (it does not pad years to four digits).
  constexpr int64_t kFirst = -30610224000;  // 1000-01-01T00:00:00Z
  constexpr int64_t kEnd = 253402300800;    // 10000-01-01T00:00:00Z
  if (unix_seconds < kFirst || unix_seconds >= kEnd) {
    text->append(absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(unix_seconds),
                                  absl::UTCTimeZone()));
    return;
  }
  int64_t days = unix_seconds / kSecondsPerDay;
  int64_t second_of_day = unix_seconds % kSecondsPerDay;
  if (second_of_day < 0) {
    second_of_day += kSecondsPerDay;
    --days;
  }
  // Inverse of DaysFromCivil.
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t shifted_month = (5 * day_of_year + 2) / 153;
  const int64_t day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
  const int64_t month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
  const int64_t year = year_of_era + era * 400 + (month <= 2);
  char out[21];
  auto put = [&](int at, int64_t value, int width) {
    for (int i = width - 1; i >= 0; --i, value /= 10) out[at + i] = static_cast<char>('0' + value % 10);
  };
  put(0, year, 4);
  out[4] = '-';
  put(5, month, 2);
  out[7] = '-';
  put(8, day, 2);
  out[10] = 'T';
  put(11, second_of_day / 3600, 2);
  out[13] = ':';
  put(14, second_of_day / 60 % 60, 2);
  out[16] = ':';
  put(17, second_of_day % 60, 2);
  out[19] = 'Z';
  text->append(out, 20);
}

}  // namespace idstitch
