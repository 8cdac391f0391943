// File: resolver/timestamp.h
// Timestamps as the engine reads and writes them: Unix seconds from RFC 3339
// text or digits, and back to ISO-8601 UTC. The common shapes
// ("2026-02-17T14:32:33Z", with a fraction or a +hh:mm offset) take a fast
// path that gives exactly what Abseil's parser gives; anything else goes to
// Abseil, so the accepted language is Abseil's RFC3339_full.
#ifndef IDSTITCH_RESOLVER_TIMESTAMP_H_
#define IDSTITCH_RESOLVER_TIMESTAMP_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace idstitch {

// Parses "2026-02-17T14:32:33Z" (RFC 3339, any offset, optional fraction,
// truncated to the second) or Unix seconds given as digits (an optional
// fraction is truncated), surrounding whitespace ignored. False if neither.
bool ParseTimestamp(std::string_view text, int64_t* unix_seconds);

// ISO-8601 UTC ("2026-02-17T14:32:33Z"); "" for kNoTimestamp.
std::string FormatTimestamp(int64_t unix_seconds);
// The same appended to `out`, without a temporary string (writers format two
// per identity).
void AppendTimestamp(int64_t unix_seconds, std::string* out);

// Days since 1970-01-01 of a proleptic Gregorian date (month 1-12, day 1-31).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_TIMESTAMP_H_
