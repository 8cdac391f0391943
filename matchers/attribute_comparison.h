// File: matchers/attribute_comparison.h
// The attribute matcher's view of a record: its person attributes
// (AttributeProfile), their normalized form (PreparedAttributes: lowercase,
// birth dates as YYYYMMDD, value frequencies for term-frequency adjustment)
// and the comparison of two of them field by field into comparison levels
// (exact, fuzzy bands, else, or null when either side is missing). The levels
// are what the Fellegi-Sunter model (attribute_model.h) weighs.
#ifndef IDSTITCH_MATCHERS_ATTRIBUTE_COMPARISON_H_
#define IDSTITCH_MATCHERS_ATTRIBUTE_COMPARISON_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/types/span.h"

namespace idstitch {

// The person attributes of one record (or of one identifier's record),
// trimmed; an empty string is a missing value.
struct AttributeProfile {
  uint32_t id = 0;      // the caller's dense index; links name profiles by it
  uint32_t source = 0;  // input file; with link_only, only pairs across sources
  std::string first_name;
  std::string last_name;
  std::string dob;  // YYYY-MM-DD, YYYYMMDD or DD/MM/YYYY; anything else compared as text
  std::string postcode;
  std::string address;
  std::string city;
  std::string email;
};

// The compared fields, in the order of AttributeLink::levels.
enum class AttributeField : uint8_t {
  kFirstName = 0,
  kLastName,
  kDob,
  kPostcode,
  kAddress,
  kCity,
  kEmail,
};
inline constexpr int kNumAttributeFields = 7;

// Level of a field whose value is missing on either side: weight 0.
inline constexpr int8_t kNullLevel = -1;

// "first_name", "last_name", "dob", "postcode", "address", "city", "email".
std::string_view AttributeFieldName(AttributeField field);

// Number of (non-null) comparison levels of `field`. Level 0 is always "else"
// (no agreement) and the highest level is "exact".
int NumComparisonLevels(AttributeField field);

// Name of a level for explanations, e.g. "exact", "jaro_winkler>=0.92";
// "null" for kNullLevel. REQUIRES: kNullLevel <= level < NumComparisonLevels.
std::string_view ComparisonLevelName(AttributeField field, int level);

// The exact level of `field` (NumComparisonLevels(field) - 1).
inline int ExactLevel(AttributeField field) { return NumComparisonLevels(field) - 1; }

// Normalizes one value of `field`: ASCII lowercase; names keep letters and
// digits only; postcodes drop spaces; addresses and cities collapse
// punctuation and spaces into single spaces; dates become YYYYMMDD when they
// parse as one of the accepted forms with a plausible month and day.
std::string NormalizeAttribute(AttributeField field, std::string_view value);

// Normalized attributes of a set of profiles, with a dense id per distinct
// value of each field (0: missing) and the relative frequency of each value
// among the non-missing ones (for term-frequency adjustment). Immutable after
// construction; safe to share across threads.
class PreparedAttributes {
 public:
  explicit PreparedAttributes(absl::Span<const AttributeProfile> profiles);

  size_t size() const { return sources_.size(); }
  uint32_t source(size_t index) const { return sources_[index]; }
  const std::string& value(AttributeField field, size_t index) const {
    return values_[static_cast<int>(field)][index];
  }
  // 0 if the value is missing.
  uint32_t value_id(AttributeField field, size_t index) const {
    return value_ids_[static_cast<int>(field)][index];
  }
  // Fraction of non-missing values of `field` equal to this profile's value;
  // 0 if missing.
  double value_frequency(AttributeField field, size_t index) const {
    const int f = static_cast<int>(field);
    return frequencies_[f][value_ids_[f][index]];
  }

 private:
  std::vector<uint32_t> sources_;
  std::array<std::vector<std::string>, kNumAttributeFields> values_;
  std::array<std::vector<uint32_t>, kNumAttributeFields> value_ids_;
  // Indexed by value id; [0] = 0 for missing.
  std::array<std::vector<double>, kNumAttributeFields> frequencies_;
};

// Compares profiles `i` and `j` (indices into `prepared`) and writes one level
// per field into `levels[0..kNumAttributeFields)`. Thread-safe.
void CompareAttributes(const PreparedAttributes& prepared, size_t i, size_t j,
                       int8_t* levels);

}  // namespace idstitch

#endif  // IDSTITCH_MATCHERS_ATTRIBUTE_COMPARISON_H_
