// File: matchers/string_similarity.h
// String similarity and phonetic codes for the attribute matcher's comparison
// levels and blocking keys: Jaro, Jaro-Winkler, Damerau-Levenshtein (the
// unrestricted "true" distance, not optimal string alignment) and American
// Soundex. All functions work on bytes; callers pass lowercase ASCII or UTF-8
// (multi-byte characters then count as several edits, which only makes the
// fuzzy levels a little stricter for non-ASCII names).
#ifndef IDSTITCH_MATCHERS_STRING_SIMILARITY_H_
#define IDSTITCH_MATCHERS_STRING_SIMILARITY_H_

#include <string>
#include <string_view>

namespace idstitch {

// Jaro similarity in [0, 1]: 1 for equal strings, 0 if either is empty (and
// they differ) or no characters match within the window.
double JaroSimilarity(std::string_view a, std::string_view b);

// Jaro-Winkler similarity with prefix scale 0.1 and a common prefix of at most
// 4 characters (Winkler 1990), e.g. "martha"/"marhta" = 0.9611.
double JaroWinklerSimilarity(std::string_view a, std::string_view b);

// A cheap upper bound of JaroWinklerSimilarity(a, b) from the characters the
// two strings share regardless of position (a 32-bucket histogram): callers
// skip the exact computation when the bound is below their lowest band.
double JaroWinklerUpperBound(std::string_view a, std::string_view b);

// Unrestricted Damerau-Levenshtein distance (Lowrance-Wagner): insertions,
// deletions, substitutions and transpositions of adjacent characters, where a
// transposed pair may be edited again, so "ca"/"abc" = 2 (optimal string
// alignment, the restricted variant, gives 3).
int DamerauLevenshteinDistance(std::string_view a, std::string_view b);

// As DamerauLevenshteinDistance, but stops early and returns `limit + 1` as
// soon as the distance is known to exceed `limit`. Cheap for short limits.
int BoundedDamerauLevenshtein(std::string_view a, std::string_view b, int limit);

// American Soundex (letter + 3 digits; H and W do not separate equal codes),
// e.g. "Robert" and "Rupert" -> "R163", "Tymczak" -> "T522". Non-letters are
// ignored; returns "" if `text` has no ASCII letter.
std::string Soundex(std::string_view text);

}  // namespace idstitch

#endif  // IDSTITCH_MATCHERS_STRING_SIMILARITY_H_
