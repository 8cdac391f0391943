// File: matchers/attribute_blocking.h
// Blocking for the attribute matcher: which pairs of profiles get compared at
// all. A blocking rule is a conjunction of keys (same postcode; same surname
// Soundex code; same first name and birth year, ...); a pair is a candidate if
// any rule puts both profiles in one block. Blocks above a size cap are
// skipped and counted, so the cost of the cap in recall is visible.
#ifndef IDSTITCH_MATCHERS_ATTRIBUTE_BLOCKING_H_
#define IDSTITCH_MATCHERS_ATTRIBUTE_BLOCKING_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "matchers/attribute_comparison.h"

namespace idstitch {

// One component of a blocking rule; its text form is in brackets.
enum class BlockingKey : uint8_t {
  kFirstName,          // first_name
  kLastName,           // last_name
  kFirstNameSoundex,   // soundex(first_name)
  kLastNameSoundex,    // soundex(last_name)
  kFirstInitial,       // initial(first_name)
  kDob,                // dob
  kBirthYear,          // year(dob)
  kPostcode,           // postcode
  kAddress,            // address
  kCity,               // city
  kEmail,              // email
  kEmailLocalPart,     // local(email): before the '@'
  kNamesSoundex,       // soundex(names_sorted): both names' codes, sorted (swaps)
};

// A conjunction of keys; a profile missing any of them is in no block of it.
struct BlockingRule {
  std::vector<BlockingKey> keys;
};

// Parses "postcode", "soundex(last_name)", "first_name+year(dob)", ... (keys
// joined by '+', spaces ignored). InvalidArgument for an unknown key or an
// empty rule.
absl::StatusOr<BlockingRule> ParseBlockingRule(std::string_view text);

// The text form of `rule`, as ParseBlockingRule reads it.
std::string BlockingRuleName(const BlockingRule& rule);

// The field a key is derived from (the field whose agreement the rule
// forces); soundex(names_sorted) counts as last_name.
AttributeField BlockingKeyField(BlockingKey key);

// Defaults chosen for recall: any one of postcode, birth date, surname sound
// code, first name + birth year, email, email local part, first-name sound
// code + city, or both names' sound codes in either order puts a pair up for
// comparison, so a pair is missed only if it disagrees on all of them.
std::vector<BlockingRule> DefaultBlockingRules();

// The rules of the EM sessions that estimate m: one per strong agreement
// (postcode, dob, soundex(last_name), first_name+year(dob), email), so every
// field is estimated on pairs that were not chosen for agreeing on it.
std::vector<BlockingRule> DefaultTrainingRules();

// What blocking did, for the run report.
struct BlockingStats {
  uint64_t candidate_pairs = 0;      // distinct pairs compared
  uint64_t blocks_capped = 0;        // blocks skipped for exceeding the cap
  uint64_t pairs_lost_to_cap = 0;    // pairs (with repeats across rules) in those blocks
  uint64_t largest_block = 0;        // largest block kept
  std::vector<uint64_t> pairs_per_rule;  // before removing pairs found by several rules
};

// A pair of profile indices (into PreparedAttributes), a < b.
struct CandidatePair {
  uint32_t a = 0;
  uint32_t b = 0;
  friend bool operator<(const CandidatePair& x, const CandidatePair& y) {
    return x.a != y.a ? x.a < y.a : x.b < y.b;
  }
  friend bool operator==(const CandidatePair& x, const CandidatePair& y) {
    return x.a == y.a && x.b == y.b;
  }
};

// Streams the distinct candidate pairs of `rules` to `consume` in chunks of at
// most `chunk_size` pairs, each pair exactly once, in an order fixed by the
// input (rule by rule, block by block). Memory is O(profiles x rules) plus one
// chunk, whatever the number of pairs: a pair is emitted by the first rule
// that blocks it, and later rules skip it by comparing the earlier rules'
// block keys of its two profiles (kept as 64-bit hashes; a collision, about
// pairs/2^64 likely, would add or skip one pair). Blocks of more than
// `max_block_size` profiles are skipped (counted in `stats`). With
// `link_only`, pairs of profiles from the same source are left out. `stats`
// may be null. REQUIRES: chunk_size > 0.
void ForEachCandidateChunk(
    const PreparedAttributes& prepared, absl::Span<const BlockingRule> rules,
    size_t max_block_size, bool link_only, size_t chunk_size,
    const std::function<void(absl::Span<const CandidatePair>)>& consume, BlockingStats* stats);

// All distinct candidate pairs, sorted; for small inputs and tests (the
// matcher streams them with ForEachCandidateChunk).
std::vector<CandidatePair> GenerateCandidatePairs(const PreparedAttributes& prepared,
                                                  absl::Span<const BlockingRule> rules,
                                                  size_t max_block_size, bool link_only,
                                                  BlockingStats* stats);

}  // namespace idstitch

#endif  // IDSTITCH_MATCHERS_ATTRIBUTE_BLOCKING_H_
