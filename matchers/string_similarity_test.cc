#include "matchers/string_similarity.h"

#include <gtest/gtest.h>

namespace idstitch {
namespace {

// Published values: Winkler (1990) / the Jaro-Winkler article's examples.
TEST(StringSimilarityTest, JaroKnownValues) {
  EXPECT_NEAR(JaroSimilarity("MARTHA", "MARHTA"), 0.9444, 1e-4);
  EXPECT_NEAR(JaroSimilarity("DWAYNE", "DUANE"), 0.8222, 1e-4);
  EXPECT_NEAR(JaroSimilarity("DIXON", "DICKSONX"), 0.7667, 1e-4);
  EXPECT_EQ(JaroSimilarity("abc", "abc"), 1.0);
  EXPECT_EQ(JaroSimilarity("", "abc"), 0.0);
  EXPECT_EQ(JaroSimilarity("abc", "xyz"), 0.0);
}

TEST(StringSimilarityTest, JaroWinklerKnownValues) {
  EXPECT_NEAR(JaroWinklerSimilarity("MARTHA", "MARHTA"), 0.9611, 1e-4);
  EXPECT_NEAR(JaroWinklerSimilarity("DWAYNE", "DUANE"), 0.84, 1e-4);
  EXPECT_NEAR(JaroWinklerSimilarity("DIXON", "DICKSONX"), 0.8133, 1e-4);
  EXPECT_EQ(JaroWinklerSimilarity("", ""), 1.0);
}

TEST(StringSimilarityTest, JaroWinklerIsSymmetric) {
  EXPECT_DOUBLE_EQ(JaroWinklerSimilarity("DICKSONX", "DIXON"),
                   JaroWinklerSimilarity("DIXON", "DICKSONX"));
}

TEST(StringSimilarityTest, JaroWinklerUpperBoundBounds) {
  const char* words[] = {"martha", "marhta", "dwayne", "duane", "dixon", "dicksonx", "",
                         "a", "abcdefghijklmnopqrstuvwxyz0123456789", "zzz", "mitchell"};
  for (const char* a : words) {
    for (const char* b : words) {
      EXPECT_GE(JaroWinklerUpperBound(a, b) + 1e-12, JaroWinklerSimilarity(a, b)) << a << "/" << b;
    }
  }
}

// The unrestricted distance: "ca" -> "ac" -> "abc" is 2 edits (OSA says 3).
TEST(StringSimilarityTest, DamerauLevenshteinIsUnrestricted) {
  EXPECT_EQ(DamerauLevenshteinDistance("CA", "ABC"), 2);
  EXPECT_EQ(DamerauLevenshteinDistance("kitten", "sitting"), 3);
  EXPECT_EQ(DamerauLevenshteinDistance("", "abc"), 3);
  EXPECT_EQ(DamerauLevenshteinDistance("abc", ""), 3);
  EXPECT_EQ(DamerauLevenshteinDistance("abcdef", "abcdef"), 0);
  EXPECT_EQ(DamerauLevenshteinDistance("19560409", "19564009"), 1);  // adjacent transposition
  EXPECT_EQ(DamerauLevenshteinDistance("19560409", "19480409"), 2);
}

TEST(StringSimilarityTest, BoundedDamerauLevenshteinAgreesBelowLimit) {
  const char* words[] = {"", "a", "ab", "ba", "abc", "acb", "ca", "abcd", "abdc", "xbcd",
                         "aabb", "abab", "smith", "smyth", "smiht", "msith", "19560409"};
  for (const char* a : words) {
    for (const char* b : words) {
      const int exact = DamerauLevenshteinDistance(a, b);
      for (int limit : {0, 1, 2, 3}) {
        EXPECT_EQ(BoundedDamerauLevenshtein(a, b, limit), std::min(exact, limit + 1))
            << a << "/" << b << " limit " << limit;
      }
    }
  }
}

TEST(StringSimilarityTest, SoundexKnownCodes) {
  EXPECT_EQ(Soundex("Robert"), "R163");
  EXPECT_EQ(Soundex("Rupert"), "R163");
  EXPECT_EQ(Soundex("Rubin"), "R150");
  EXPECT_EQ(Soundex("Ashcraft"), "A261");  // h does not separate s and c
  EXPECT_EQ(Soundex("Tymczak"), "T522");
  EXPECT_EQ(Soundex("Pfister"), "P236");
  EXPECT_EQ(Soundex("Honeyman"), "H555");
  EXPECT_EQ(Soundex("Lee"), "L000");
  EXPECT_EQ(Soundex("o'brien"), "O165");
  EXPECT_EQ(Soundex("123"), "");
}

}  // namespace
}  // namespace idstitch
