#include "matchers/attribute_comparison.h"

#include <cstddef>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "matchers/string_similarity.h"

namespace idstitch {
namespace {

// Level tables. Bands follow Splink's defaults for names (Jaro-Winkler 0.92
// and 0.88) and dates (one or two edits, day and month swapped).
constexpr std::string_view kNameLevels[] = {
    "else", "jaro_winkler>=0.88", "damerau_levenshtein<=1|jaro_winkler>=0.92",
    "swapped_first_last", "exact"};
constexpr std::string_view kDateLevels[] = {
    "else", "damerau_levenshtein<=2", "damerau_levenshtein<=1|day_month_swapped", "exact"};
constexpr std::string_view kPostcodeLevels[] = {"else", "damerau_levenshtein<=1", "exact"};
constexpr std::string_view kAddressLevels[] = {"else", "jaro_winkler>=0.80",
                                               "jaro_winkler>=0.90", "exact"};
constexpr std::string_view kCityLevels[] = {"else", "jaro_winkler>=0.88", "exact"};
constexpr std::string_view kEmailLevels[] = {
    "else", "jaro_winkler>=0.88", "same_local_part|damerau_levenshtein<=1", "exact"};

constexpr double kNameHighJaroWinkler = 0.92;
constexpr double kNameLowJaroWinkler = 0.88;
constexpr double kAddressHighJaroWinkler = 0.90;
constexpr double kAddressLowJaroWinkler = 0.80;
constexpr double kCityJaroWinkler = 0.88;
constexpr double kEmailJaroWinkler = 0.88;
constexpr size_t kDateLength = 8;  // YYYYMMDD

absl::Span<const std::string_view> LevelTable(AttributeField field) {
  switch (field) {
    case AttributeField::kFirstName:
    case AttributeField::kLastName:
      return kNameLevels;
    case AttributeField::kDob:
      return kDateLevels;
    case AttributeField::kPostcode:
      return kPostcodeLevels;
    case AttributeField::kAddress:
      return kAddressLevels;
    case AttributeField::kCity:
      return kCityLevels;
    case AttributeField::kEmail:
      return kEmailLevels;
  }
  return {};
}

// Jaro-Winkler similarity, or 0 when its cheap upper bound shows it is
// below `lowest_band` (most pairs, random pairs above all, are far apart).
double BandedJaroWinkler(std::string_view a, std::string_view b, double lowest_band) {
  if (JaroWinklerUpperBound(a, b) < lowest_band) return 0.0;
  return JaroWinklerSimilarity(a, b);
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || static_cast<unsigned char>(c) >= 0x80; }

// Keeps letters, digits and non-ASCII bytes; `separator` (if not 0) replaces
// each run of anything else, trimmed at both ends.
std::string Squeeze(std::string_view value, char separator) {
  std::string out;
  out.reserve(value.size());
  bool pending = false;
  for (char raw : value) {
    const char c = Lower(raw);
    if (IsAlnum(c)) {
      if (pending && !out.empty()) out.push_back(separator);
      pending = false;
      out.push_back(c);
    } else {
      pending = separator != 0;
    }
  }
  return out;
}

bool AllDigits(std::string_view text) {
  for (char c : text) {
    if (!IsDigit(c)) return false;
  }
  return !text.empty();
}

std::string NormalizeDate(std::string_view value) {
  // YYYY-MM-DD (ISO), DD/MM/YYYY (day first, as in the UK and Australia).
  if (value.size() == 10 && value[4] == '-' && value[7] == '-') {
    std::string out = std::string(value.substr(0, 4)) + std::string(value.substr(5, 2)) +
                      std::string(value.substr(8, 2));
    if (AllDigits(out)) return out;
  }
  if (value.size() == 10 && value[2] == '/' && value[5] == '/') {
    std::string out = std::string(value.substr(6, 4)) + std::string(value.substr(3, 2)) +
                      std::string(value.substr(0, 2));
    if (AllDigits(out)) return out;
  }
  std::string out;
  for (char c : value) {
    if (c != ' ') out.push_back(Lower(c));
  }
  return out;
}

int8_t CompareNames(const PreparedAttributes& p, AttributeField field, AttributeField other,
                    size_t i, size_t j) {
  const std::string& a = p.value(field, i);
  const std::string& b = p.value(field, j);
  if (p.value_id(field, i) == p.value_id(field, j)) return 4;
  // Given name and surname entered in each other's boxes.
  if (!p.value(other, i).empty() && a == p.value(other, j) && b == p.value(other, i)) return 3;
  if (BoundedDamerauLevenshtein(a, b, 1) <= 1) return 2;
  const double jw = BandedJaroWinkler(a, b, kNameLowJaroWinkler);
  if (jw >= kNameHighJaroWinkler) return 2;
  if (jw >= kNameLowJaroWinkler) return 1;
  return 0;
}

int8_t CompareDates(const std::string& a, const std::string& b) {
  if (a == b) return 3;
  const int distance = BoundedDamerauLevenshtein(a, b, 2);
  if (distance <= 1) return 2;
  if (a.size() == kDateLength && b.size() == kDateLength &&
      a.compare(0, 4, b, 0, 4) == 0 && a.compare(4, 2, b, 6, 2) == 0 &&
      a.compare(6, 2, b, 4, 2) == 0) {
    return 2;
  }
  return distance <= 2 ? 1 : 0;
}

int8_t CompareEmails(const std::string& a, const std::string& b) {
  if (a == b) return 3;
  const size_t at_a = a.find('@'), at_b = b.find('@');
  if (at_a != std::string::npos && at_a == at_b && a.compare(0, at_a, b, 0, at_b) == 0) return 2;
  if (BoundedDamerauLevenshtein(a, b, 1) <= 1) return 2;
  return BandedJaroWinkler(a, b, kEmailJaroWinkler) >= kEmailJaroWinkler ? 1 : 0;
}

}  // namespace

std::string_view AttributeFieldName(AttributeField field) {
  switch (field) {
    case AttributeField::kFirstName: return "first_name";
    case AttributeField::kLastName: return "last_name";
    case AttributeField::kDob: return "dob";
    case AttributeField::kPostcode: return "postcode";
    case AttributeField::kAddress: return "address";
    case AttributeField::kCity: return "city";
    case AttributeField::kEmail: return "email";
  }
  return "";
}

int NumComparisonLevels(AttributeField field) {
  return static_cast<int>(LevelTable(field).size());
}

std::string_view ComparisonLevelName(AttributeField field, int level) {
  if (level == kNullLevel) return "null";
  return LevelTable(field)[level];
}

std::string NormalizeAttribute(AttributeField field, std::string_view value) {
  switch (field) {
    case AttributeField::kFirstName:
    case AttributeField::kLastName:
    case AttributeField::kPostcode:
      return Squeeze(value, 0);
    case AttributeField::kDob:
      return NormalizeDate(value);
    case AttributeField::kAddress:
    case AttributeField::kCity:
      return Squeeze(value, ' ');
    case AttributeField::kEmail: {
      std::string out;
      for (char c : value) {
        if (c != ' ') out.push_back(Lower(c));
      }
      return out;
    }
  }
  return std::string(value);
}

PreparedAttributes::PreparedAttributes(absl::Span<const AttributeProfile> profiles) {
  const size_t n = profiles.size();
  sources_.resize(n);
  for (size_t i = 0; i < n; ++i) sources_[i] = profiles[i].source;
  for (int f = 0; f < kNumAttributeFields; ++f) {
    const auto field = static_cast<AttributeField>(f);
    values_[f].resize(n);
    value_ids_[f].assign(n, 0);
    absl::flat_hash_map<std::string, uint32_t> ids;
    std::vector<uint64_t> counts(1, 0);
    uint64_t present = 0;
    for (size_t i = 0; i < n; ++i) {
      const AttributeProfile& profile = profiles[i];
      const std::string* raw = nullptr;
      switch (field) {
        case AttributeField::kFirstName: raw = &profile.first_name; break;
        case AttributeField::kLastName: raw = &profile.last_name; break;
        case AttributeField::kDob: raw = &profile.dob; break;
        case AttributeField::kPostcode: raw = &profile.postcode; break;
        case AttributeField::kAddress: raw = &profile.address; break;
        case AttributeField::kCity: raw = &profile.city; break;
        case AttributeField::kEmail: raw = &profile.email; break;
      }
      values_[f][i] = NormalizeAttribute(field, *raw);
      if (values_[f][i].empty()) continue;
      // Ids in first-seen order: they only serve equality and frequency
      // look-ups, so their numbering never reaches an output.
      auto [it, inserted] = ids.try_emplace(values_[f][i], static_cast<uint32_t>(counts.size()));
      if (inserted) counts.push_back(0);
      value_ids_[f][i] = it->second;
      ++counts[it->second];
      ++present;
    }
    frequencies_[f].assign(counts.size(), 0.0);
    for (size_t id = 1; id < counts.size(); ++id) {
      frequencies_[f][id] = static_cast<double>(counts[id]) / static_cast<double>(present);
    }
  }
}

void CompareAttributes(const PreparedAttributes& p, size_t i, size_t j, int8_t* levels) {
  for (int f = 0; f < kNumAttributeFields; ++f) {
    const auto field = static_cast<AttributeField>(f);
    if (p.value_id(field, i) == 0 || p.value_id(field, j) == 0) {
      levels[f] = kNullLevel;
      continue;
    }
    const std::string& a = p.value(field, i);
    const std::string& b = p.value(field, j);
    switch (field) {
      case AttributeField::kFirstName:
        levels[f] = CompareNames(p, field, AttributeField::kLastName, i, j);
        break;
      case AttributeField::kLastName:
        levels[f] = CompareNames(p, field, AttributeField::kFirstName, i, j);
        break;
      case AttributeField::kDob:
        levels[f] = CompareDates(a, b);
        break;
      case AttributeField::kPostcode:
        levels[f] = a == b ? 2 : (BoundedDamerauLevenshtein(a, b, 1) <= 1 ? 1 : 0);
        break;
      case AttributeField::kAddress: {
        if (a == b) {
          levels[f] = 3;
          break;
        }
        const double jw = BandedJaroWinkler(a, b, kAddressLowJaroWinkler);
        levels[f] = jw >= kAddressHighJaroWinkler ? 2 : (jw >= kAddressLowJaroWinkler ? 1 : 0);
        break;
      }
      case AttributeField::kCity: {
        levels[f] = a == b ? 2 : (BandedJaroWinkler(a, b, kCityJaroWinkler) >= kCityJaroWinkler ? 1 : 0);
        break;
      }
      case AttributeField::kEmail:
        levels[f] = CompareEmails(a, b);
        break;
    }
  }
}

}  // namespace idstitch
