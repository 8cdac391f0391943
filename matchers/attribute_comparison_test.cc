#include "matchers/attribute_comparison.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace idstitch {
namespace {

std::string LevelName(AttributeField field, const AttributeProfile& a, const AttributeProfile& b) {
  const std::vector<AttributeProfile> profiles = {a, b};
  const PreparedAttributes prepared(profiles);
  int8_t levels[kNumAttributeFields];
  CompareAttributes(prepared, 0, 1, levels);
  return std::string(ComparisonLevelName(field, levels[static_cast<int>(field)]));
}

AttributeProfile Person() {
  AttributeProfile p;
  p.first_name = "Mitchell";
  p.last_name = "Green";
  p.dob = "19560409";
  p.postcode = "2119";
  p.address = "7 wallaby place";
  p.city = "cleveland";
  p.email = "mitchell.green@example.com";
  return p;
}

TEST(AttributeComparisonTest, NormalizesDates) {
  EXPECT_EQ(NormalizeAttribute(AttributeField::kDob, "1956-04-09"), "19560409");
  EXPECT_EQ(NormalizeAttribute(AttributeField::kDob, "09/04/1956"), "19560409");
  EXPECT_EQ(NormalizeAttribute(AttributeField::kDob, "19560409"), "19560409");
  EXPECT_EQ(NormalizeAttribute(AttributeField::kDob, "April 1956"), "april1956");
}

TEST(AttributeComparisonTest, NormalizesText) {
  EXPECT_EQ(NormalizeAttribute(AttributeField::kLastName, " O'Brien "), "obrien");
  EXPECT_EQ(NormalizeAttribute(AttributeField::kPostcode, "SW1A 1AA"), "sw1a1aa");
  EXPECT_EQ(NormalizeAttribute(AttributeField::kAddress, " 7,  Wallaby  Place. "), "7 wallaby place");
  EXPECT_EQ(NormalizeAttribute(AttributeField::kEmail, " A.B@X.com"), "a.b@x.com");
}

TEST(AttributeComparisonTest, NameLevels) {
  AttributeProfile a = Person(), b = Person();
  EXPECT_EQ(LevelName(AttributeField::kFirstName, a, b), "exact");
  b.first_name = "mitchel";  // one deletion
  EXPECT_EQ(LevelName(AttributeField::kFirstName, a, b), "damerau_levenshtein<=1|jaro_winkler>=0.92");
  a.first_name = "robert";
  b.first_name = "rob";  // Jaro-Winkler 0.883
  EXPECT_EQ(LevelName(AttributeField::kFirstName, a, b), "jaro_winkler>=0.88");
  b.first_name = "alice";
  EXPECT_EQ(LevelName(AttributeField::kFirstName, a, b), "else");
  b.first_name = "";
  EXPECT_EQ(LevelName(AttributeField::kFirstName, a, b), "null");
}

TEST(AttributeComparisonTest, SwappedNames) {
  AttributeProfile a = Person(), b = Person();
  std::swap(b.first_name, b.last_name);
  EXPECT_EQ(LevelName(AttributeField::kFirstName, a, b), "swapped_first_last");
  EXPECT_EQ(LevelName(AttributeField::kLastName, a, b), "swapped_first_last");
}

TEST(AttributeComparisonTest, DateLevels) {
  AttributeProfile a = Person(), b = Person();
  b.dob = "1956-04-09";
  EXPECT_EQ(LevelName(AttributeField::kDob, a, b), "exact");
  b.dob = "19560904";  // day and month swapped
  EXPECT_EQ(LevelName(AttributeField::kDob, a, b), "damerau_levenshtein<=1|day_month_swapped");
  b.dob = "19480409";  // two digits of the year
  EXPECT_EQ(LevelName(AttributeField::kDob, a, b), "damerau_levenshtein<=2");
  b.dob = "19871123";
  EXPECT_EQ(LevelName(AttributeField::kDob, a, b), "else");
}

TEST(AttributeComparisonTest, OtherFieldLevels) {
  AttributeProfile a = Person(), b = Person();
  b.postcode = "2191";
  EXPECT_EQ(LevelName(AttributeField::kPostcode, a, b), "damerau_levenshtein<=1");
  b.address = "7 wallaby pl";
  EXPECT_EQ(LevelName(AttributeField::kAddress, a, b), "jaro_winkler>=0.90");
  b.city = "clevland";
  EXPECT_EQ(LevelName(AttributeField::kCity, a, b), "jaro_winkler>=0.88");
  b.email = "mitchell.green@other.org";
  EXPECT_EQ(LevelName(AttributeField::kEmail, a, b), "same_local_part|damerau_levenshtein<=1");
}

TEST(AttributeComparisonTest, ValueFrequencies) {
  std::vector<AttributeProfile> profiles(4, Person());
  profiles[3].last_name = "brown";
  profiles[2].last_name = "";
  const PreparedAttributes prepared(profiles);
  EXPECT_DOUBLE_EQ(prepared.value_frequency(AttributeField::kLastName, 0), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(prepared.value_frequency(AttributeField::kLastName, 3), 1.0 / 3.0);
  EXPECT_EQ(prepared.value_frequency(AttributeField::kLastName, 2), 0.0);
  EXPECT_EQ(prepared.value_id(AttributeField::kLastName, 0), prepared.value_id(AttributeField::kLastName, 1));
}

}  // namespace
}  // namespace idstitch
