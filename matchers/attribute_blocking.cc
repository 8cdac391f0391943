#include "matchers/attribute_blocking.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include <xxhash.h>

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

void ForEachCandidateChunk(
    const PreparedAttributes& prepared, absl::Span<const BlockingRule> rules,
    size_t max_block_size, bool link_only, size_t chunk_size,
    const std::function<void(absl::Span<const CandidatePair>)>& consume, BlockingStats* stats) {
  assert(chunk_size > 0);
  BlockingStats local;
  const size_t n = prepared.size();
  const size_t num_rules = rules.size();
  // key_hashes[i * num_rules + r]: profile i's block key under rule r, 0 when
  // it has none or its block was capped (then no pair of it is in that block).
  std::vector<uint64_t> key_hashes(n * num_rules, 0);
  std::vector<std::pair<uint64_t, uint32_t>> keyed;  // (key hash, profile), sorted
  std::vector<CandidatePair> chunk;
  chunk.reserve(chunk_size);
  auto emit = [&](uint32_t a, uint32_t b) {
    chunk.push_back({a, b});
    ++local.candidate_pairs;
    if (chunk.size() == chunk_size) {
      consume(chunk);
      chunk.clear();
    }
  };
  for (size_t r = 0; r < num_rules; ++r) {
    keyed.clear();
    for (size_t i = 0; i < n; ++i) {
      const std::string key = BlockKey(prepared, rules[r], i);
      if (key.empty()) continue;
      const uint64_t hash = std::max<uint64_t>(XXH3_64bits(key.data(), key.size()), 1);
      key_hashes[i * num_rules + r] = hash;
      keyed.emplace_back(hash, static_cast<uint32_t>(i));
    }
    std::sort(keyed.begin(), keyed.end());
    // Whether an earlier rule already put a and b in one kept block.
    auto covered_earlier = [&](uint32_t a, uint32_t b) {
      const uint64_t* ka = &key_hashes[size_t{a} * num_rules];
      const uint64_t* kb = &key_hashes[size_t{b} * num_rules];
      for (size_t earlier = 0; earlier < r; ++earlier) {
        if (ka[earlier] != 0 && ka[earlier] == kb[earlier]) return true;
      }
      return false;
    };
    uint64_t rule_pairs = 0;
    for (size_t begin = 0; begin < keyed.size();) {
      size_t end = begin + 1;
      while (end < keyed.size() && keyed[end].first == keyed[begin].first) ++end;
      const uint64_t block = end - begin;
      if (block > max_block_size) {
        ++local.blocks_capped;
        local.pairs_lost_to_cap += block * (block - 1) / 2;
        for (size_t x = begin; x < end; ++x) key_hashes[size_t{keyed[x].second} * num_rules + r] = 0;
        begin = end;
        continue;
      }
      local.largest_block = std::max(local.largest_block, block);
      for (size_t x = begin; x < end; ++x) {
        for (size_t y = x + 1; y < end; ++y) {
          const uint32_t a = keyed[x].second, b = keyed[y].second;  // a < b: sorted by index
          if (link_only && prepared.source(a) == prepared.source(b)) continue;
          ++rule_pairs;
          if (!covered_earlier(a, b)) emit(a, b);
        }
      }
      begin = end;
    }
    local.pairs_per_rule.push_back(rule_pairs);
  }
  if (!chunk.empty()) consume(chunk);
  if (stats != nullptr) *stats = std::move(local);
}

std::vector<CandidatePair> GenerateCandidatePairs(const PreparedAttributes& prepared,
                                                  absl::Span<const BlockingRule> rules,
                                                  size_t max_block_size, bool link_only,
                                                  BlockingStats* stats) {
  constexpr size_t kChunk = 1 << 16;
  std::vector<CandidatePair> pairs;
  ForEachCandidateChunk(
      prepared, rules, max_block_size, link_only, kChunk,
      [&](absl::Span<const CandidatePair> chunk) { pairs.insert(pairs.end(), chunk.begin(), chunk.end()); },
      stats);
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

}  // namespace idstitch
