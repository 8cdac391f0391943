#include "matchers/attribute_blocking.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "matchers/string_similarity.h"
#include "resolver/absl_compat.h"

namespace idstitch {
namespace {

struct KeySpelling {
  BlockingKey key;
  std::string_view text;
};
constexpr KeySpelling kKeySpellings[] = {
    {BlockingKey::kFirstName, "first_name"},
    {BlockingKey::kLastName, "last_name"},
    {BlockingKey::kFirstNameSoundex, "soundex(first_name)"},
    {BlockingKey::kLastNameSoundex, "soundex(last_name)"},
    {BlockingKey::kFirstInitial, "initial(first_name)"},
    {BlockingKey::kDob, "dob"},
    {BlockingKey::kBirthYear, "year(dob)"},
    {BlockingKey::kPostcode, "postcode"},
    {BlockingKey::kAddress, "address"},
    {BlockingKey::kCity, "city"},
    {BlockingKey::kEmail, "email"},
    {BlockingKey::kEmailLocalPart, "local(email)"},
    {BlockingKey::kNamesSoundex, "soundex(names_sorted)"},
};
constexpr char kKeySeparator = '\x1f';
constexpr size_t kYearLength = 4;

std::string KeyPart(const PreparedAttributes& p, BlockingKey key, size_t i) {
  const std::string& value = p.value(BlockingKeyField(key), i);
  if (value.empty()) return value;
  switch (key) {
    case BlockingKey::kFirstNameSoundex:
    case BlockingKey::kLastNameSoundex:
      return Soundex(value);
    case BlockingKey::kFirstInitial:
      return value.substr(0, 1);
    case BlockingKey::kBirthYear:
      return value.size() == 8 ? value.substr(0, kYearLength) : std::string();
    case BlockingKey::kEmailLocalPart:
      return value.substr(0, value.find('@'));
    case BlockingKey::kNamesSoundex: {
      const std::string& first = p.value(AttributeField::kFirstName, i);
      if (first.empty()) return first;
      std::string a = Soundex(first), b = Soundex(value);
      if (b < a) std::swap(a, b);
      return a + b;
    }
    default:
      return value;
  }
}

// The block key of profile `i` under `rule`, or "" if a part is missing.
std::string BlockKey(const PreparedAttributes& p, const BlockingRule& rule, size_t i) {
  std::string out;
  for (BlockingKey key : rule.keys) {
    std::string part = KeyPart(p, key, i);
    if (part.empty()) return std::string();
    out.append(part);
    out.push_back(kKeySeparator);
  }
  return out;
}

}  // namespace

absl::StatusOr<BlockingRule> ParseBlockingRule(std::string_view text) {
  BlockingRule rule;
  std::string compact;
  for (char c : text) {
    if (c != ' ') compact.push_back(c);
  }
  std::string_view rest = compact;
  while (!rest.empty()) {
    const size_t plus = rest.find('+');
    const std::string_view part = rest.substr(0, plus);
    rest = plus == std::string_view::npos ? std::string_view() : rest.substr(plus + 1);
    const auto* it = std::find_if(std::begin(kKeySpellings), std::end(kKeySpellings),
                                  [&](const KeySpelling& s) { return s.text == part; });
    if (it == std::end(kKeySpellings)) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown blocking key '", AsAbsl(part), "' in rule '", AsAbsl(text), "'"));
    }
    rule.keys.push_back(it->key);
  }
  if (rule.keys.empty()) return absl::InvalidArgumentError("empty blocking rule");
  return rule;
}

std::string BlockingRuleName(const BlockingRule& rule) {
  std::string out;
  for (BlockingKey key : rule.keys) {
    if (!out.empty()) out.push_back('+');
    for (const KeySpelling& spelling : kKeySpellings) {
      if (spelling.key == key) out.append(spelling.text);
    }
  }
  return out;
}

AttributeField BlockingKeyField(BlockingKey key) {
  switch (key) {
    case BlockingKey::kFirstName:
    case BlockingKey::kFirstNameSoundex:
    case BlockingKey::kFirstInitial:
      return AttributeField::kFirstName;
    case BlockingKey::kLastName:
    case BlockingKey::kLastNameSoundex:
    case BlockingKey::kNamesSoundex:
      return AttributeField::kLastName;
    case BlockingKey::kDob:
    case BlockingKey::kBirthYear:
      return AttributeField::kDob;
    case BlockingKey::kPostcode:
      return AttributeField::kPostcode;
    case BlockingKey::kAddress:
      return AttributeField::kAddress;
    case BlockingKey::kCity:
      return AttributeField::kCity;
    case BlockingKey::kEmail:
    case BlockingKey::kEmailLocalPart:
      return AttributeField::kEmail;
  }
  return AttributeField::kFirstName;
}

std::vector<BlockingRule> DefaultBlockingRules() {
  return {
      {{BlockingKey::kPostcode}},
      {{BlockingKey::kDob}},
      {{BlockingKey::kLastNameSoundex}},
      {{BlockingKey::kFirstName, BlockingKey::kBirthYear}},
      {{BlockingKey::kEmail}},
      {{BlockingKey::kEmailLocalPart}},
      {{BlockingKey::kFirstNameSoundex, BlockingKey::kCity}},
      {{BlockingKey::kNamesSoundex}},
  };
}

std::vector<BlockingRule> DefaultTrainingRules() {
  return {
      {{BlockingKey::kPostcode}},
      {{BlockingKey::kDob}},
      {{BlockingKey::kLastNameSoundex}},
      {{BlockingKey::kFirstName, BlockingKey::kBirthYear}},
      {{BlockingKey::kEmail}},
  };
}

std::vector<CandidatePair> GenerateCandidatePairs(const PreparedAttributes& prepared,
                                                  absl::Span<const BlockingRule> rules,
                                                  size_t max_block_size, bool link_only,
                                                  BlockingStats* stats) {
  BlockingStats local;
  std::vector<CandidatePair> pairs;
  std::vector<std::pair<std::string, uint32_t>> keyed;
  for (const BlockingRule& rule : rules) {
    keyed.clear();
    for (size_t i = 0; i < prepared.size(); ++i) {
      std::string key = BlockKey(prepared, rule, i);
      if (!key.empty()) keyed.emplace_back(std::move(key), static_cast<uint32_t>(i));
    }
    std::sort(keyed.begin(), keyed.end());
    uint64_t rule_pairs = 0;
    for (size_t begin = 0; begin < keyed.size();) {
      size_t end = begin + 1;
      while (end < keyed.size() && keyed[end].first == keyed[begin].first) ++end;
      const uint64_t block = end - begin;
      if (block > max_block_size) {
        ++local.blocks_capped;
        local.pairs_lost_to_cap += block * (block - 1) / 2;
        begin = end;
        continue;
      }
      local.largest_block = std::max(local.largest_block, block);
      for (size_t x = begin; x < end; ++x) {
        for (size_t y = x + 1; y < end; ++y) {
          const uint32_t a = keyed[x].second, b = keyed[y].second;  // a < b: sorted by index
          if (link_only && prepared.source(a) == prepared.source(b)) continue;
          pairs.push_back({a, b});
          ++rule_pairs;
        }
      }
      begin = end;
    }
    local.pairs_per_rule.push_back(rule_pairs);
    // Deduplicate as we go so memory tracks distinct pairs, not the sum over rules.
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  }
  local.candidate_pairs = pairs.size();
  if (stats != nullptr) *stats = std::move(local);
  return pairs;
}

}  // namespace idstitch
