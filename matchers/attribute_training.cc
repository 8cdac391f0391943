// TrainAttributeModel (declared in attribute_matcher.h): u from seeded random
// pairs, m by one EM session per training rule, the prior from the expected
// number of matches among all candidate pairs.
#include <algorithm>
#include <array>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "matchers/attribute_matcher.h"
#include "resolver/thread_arena.h"
#include "tbb/blocked_range.h"
#include "tbb/enumerable_thread_specific.h"
#include "tbb/parallel_for.h"

namespace idstitch {
namespace {

constexpr size_t kSamplesPerTask = 8192;
// Draws per sampled pair before giving up on finding two distinct profiles
// (of different sources with link_only).
constexpr int kSampleAttempts = 16;

using LevelCounts = std::array<std::vector<uint64_t>, kNumAttributeFields>;

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

LevelCounts EmptyCounts() {
  LevelCounts counts;
  for (int f = 0; f < kNumAttributeFields; ++f) {
    counts[f].assign(NumComparisonLevels(static_cast<AttributeField>(f)), 0);
  }
  return counts;
}

// Level counts over random pairs. Pair k is a pure function of (seed, k), and
// integer counts add up the same in any order: deterministic for any threads.
LevelCounts CountRandomPairLevels(const PreparedAttributes& prepared,
                                  const AttributeMatcherOptions& options) {
  const uint64_t n = prepared.size();
  tbb::enumerable_thread_specific<LevelCounts> local(EmptyCounts);
  tbb::task_arena arena = ThreadArena(options.max_threads);
  arena.execute([&] {
    tbb::parallel_for(
        tbb::blocked_range<uint64_t>(0, options.u_sample_pairs, kSamplesPerTask),
        [&](const tbb::blocked_range<uint64_t>& range) {
          LevelCounts& counts = local.local();
          std::array<int8_t, kNumAttributeFields> levels;
          for (uint64_t k = range.begin(); k < range.end(); ++k) {
            for (int attempt = 0; attempt < kSampleAttempts; ++attempt) {
              const uint64_t h1 = SplitMix64(options.seed ^ SplitMix64(k * kSampleAttempts + attempt));
              const uint64_t h2 = SplitMix64(h1);
              const size_t i = h1 % n, j = h2 % n;
              if (i == j || (options.link_only && prepared.source(i) == prepared.source(j))) continue;
              CompareAttributes(prepared, i, j, levels.data());
              for (int f = 0; f < kNumAttributeFields; ++f) {
                if (levels[f] != kNullLevel) ++counts[f][levels[f]];
              }
              break;
            }
          }
        });
  });
  LevelCounts total = EmptyCounts();
  for (const LevelCounts& counts : local) {
    for (int f = 0; f < kNumAttributeFields; ++f) {
      for (size_t level = 0; level < counts[f].size(); ++level) total[f][level] += counts[f][level];
    }
  }
  return total;
}

// Counts of distinct level vectors, added chunk by chunk.
class PatternCounter {
 public:
  void Add(const std::vector<int8_t>& levels) {
    for (size_t k = 0; k < levels.size(); k += kNumAttributeFields) {
      uint64_t key = 0;
      for (int f = 0; f < kNumAttributeFields; ++f) {
        key = (key << 8) | static_cast<uint8_t>(levels[k + f] + 1);
      }
      ++counts_[key];
      ++pairs_;
    }
  }
  uint64_t pairs() const { return pairs_; }

  // The patterns sorted by levels.
  std::vector<ComparisonPattern> Patterns() const {
    std::vector<ComparisonPattern> patterns;
    patterns.reserve(counts_.size());
    for (const auto& [key, count] : counts_) {
      ComparisonPattern pattern;
      for (int f = kNumAttributeFields - 1, shift = 0; f >= 0; --f, shift += 8) {
        pattern.levels[f] = static_cast<int8_t>(static_cast<int>((key >> shift) & 0xff) - 1);
      }
      pattern.count = count;
      patterns.push_back(pattern);
    }
    // Hash-map order must not reach the EM sums.
    std::sort(patterns.begin(), patterns.end(), [](const ComparisonPattern& x,
                                                   const ComparisonPattern& y) {
      return x.levels < y.levels;
    });
    return patterns;
  }

 private:
  absl::flat_hash_map<uint64_t, uint64_t> counts_;
  uint64_t pairs_ = 0;
};

// The comparison patterns of the candidate pairs of `rules`, streamed so
// that memory does not grow with the number of pairs.
PatternCounter CountCandidatePatterns(const PreparedAttributes& prepared,
                                      absl::Span<const BlockingRule> rules,
                                      const AttributeMatcherOptions& options) {
  constexpr size_t kPairsPerChunk = size_t{1} << 20;
  PatternCounter counter;
  ForEachCandidateChunk(prepared, rules, options.max_block_size, options.link_only,
                        kPairsPerChunk,
                        [&](absl::Span<const CandidatePair> chunk) {
                          counter.Add(CompareCandidatePairs(prepared, chunk, options.max_threads));
                        },
                        nullptr);
  return counter;
}

double TotalPairs(const PreparedAttributes& prepared, bool link_only) {
  const double n = static_cast<double>(prepared.size());
  if (!link_only) return n * (n - 1) / 2;
  absl::flat_hash_map<uint32_t, double> per_source;
  for (size_t i = 0; i < prepared.size(); ++i) per_source[prepared.source(i)] += 1;
  double same = 0;
  for (const auto& [source, count] : per_source) same += count * count;
  return (n * n - same) / 2;
}

}  // namespace

absl::StatusOr<AttributeModel> TrainAttributeModel(absl::Span<const AttributeProfile> profiles,
                                                   const AttributeMatcherOptions& options) {
  absl::Status valid = ValidateAttributeMatcherOptions(options);
  if (!valid.ok()) return valid;
  if (profiles.size() < 2) return absl::InvalidArgumentError("need at least two profiles to train");
  const PreparedAttributes prepared(profiles);
  const double total_pairs = TotalPairs(prepared, options.link_only);
  if (total_pairs < 1) return absl::InvalidArgumentError("no pair of profiles to compare");

  AttributeModel model;
  const LevelCounts u_counts = CountRandomPairLevels(prepared, options);
  for (int f = 0; f < kNumAttributeFields; ++f) {
    uint64_t present = 0;
    for (uint64_t count : u_counts[f]) present += count;
    if (present == 0) continue;  // never observed: the field weighs 0 anyway (null)
    FieldModel& fm = model.mutable_field(static_cast<AttributeField>(f));
    for (size_t level = 0; level < fm.u.size(); ++level) {
      fm.u[level] = static_cast<double>(u_counts[f][level]) / static_cast<double>(present);
    }
  }
  model.ClampProbabilities();

  // m: one EM session per training rule, leaving out the fields it forces.
  const AttributeModel start = model;
  std::array<std::vector<double>, kNumAttributeFields> m_sum;
  std::array<int, kNumAttributeFields> sessions{};
  for (int f = 0; f < kNumAttributeFields; ++f) m_sum[f].assign(model.field(static_cast<AttributeField>(f)).m.size(), 0);
  for (const BlockingRule& rule : options.training_rules) {
    const BlockingRule rules[] = {rule};
    const PatternCounter counter = CountCandidatePatterns(prepared, rules, options);
    if (counter.pairs() == 0) continue;
    const std::vector<ComparisonPattern> patterns = counter.Patterns();
    EmOptions em;
    em.max_iterations = options.em_max_iterations;
    em.tolerance = options.em_tolerance;
    for (BlockingKey key : rule.keys) em.use_field[static_cast<int>(BlockingKeyField(key))] = false;
    AttributeModel session = start;
    RunExpectationMaximisation(patterns, em, &session);
    for (int f = 0; f < kNumAttributeFields; ++f) {
      if (!em.use_field[f]) continue;
      bool observed = false;
      for (const ComparisonPattern& pattern : patterns) observed |= pattern.levels[f] != kNullLevel;
      if (!observed) continue;
      const FieldModel& fm = session.field(static_cast<AttributeField>(f));
      for (size_t level = 0; level < fm.m.size(); ++level) m_sum[f][level] += fm.m[level];
      ++sessions[f];
    }
  }
  for (int f = 0; f < kNumAttributeFields; ++f) {
    if (sessions[f] == 0) continue;
    FieldModel& fm = model.mutable_field(static_cast<AttributeField>(f));
    for (size_t level = 0; level < fm.m.size(); ++level) fm.m[level] = m_sum[f][level] / sessions[f];
  }
  model.ClampProbabilities();

  // Prior: the share of matches EM expects among all candidate pairs, scaled
  // to all pairs (candidates hold nearly every match; the rest almost none).
  const PatternCounter candidates =
      CountCandidatePatterns(prepared, options.blocking_rules, options);
  if (candidates.pairs() > 0) {
    EmOptions em;
    em.max_iterations = options.em_max_iterations;
    em.tolerance = options.em_tolerance;
    em.estimate_m = false;
    const EmResult result = RunExpectationMaximisation(candidates.Patterns(), em, &model);
    model.set_prior(result.prior * static_cast<double>(candidates.pairs()) / total_pairs);
  }
  return model;
}

}  // namespace idstitch
