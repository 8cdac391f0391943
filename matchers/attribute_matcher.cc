#include "matchers/attribute_matcher.h"

#include <algorithm>
#include <cmath>

#include "resolver/thread_arena.h"
#include "tbb/blocked_range.h"
#include "tbb/parallel_for.h"

namespace idstitch {
namespace {

// Pairs per TBB task: big enough to amortize scheduling, small enough to
// balance blocks of very different string lengths.
constexpr size_t kPairsPerTask = 4096;
// Candidate pairs scored per parallel pass: enough tasks for every core,
// about 15 MB of levels and weights.
constexpr size_t kPairsPerChunk = size_t{1} << 20;

}  // namespace

absl::Status ValidateAttributeMatcherOptions(const AttributeMatcherOptions& options) {
  if (!(options.match_probability_threshold > 0 && options.match_probability_threshold < 1)) {
    return absl::InvalidArgumentError("match_probability_threshold must be in (0, 1)");
  }
  if (options.max_block_size < 2) return absl::InvalidArgumentError("max_block_size must be >= 2");
  if (options.u_sample_pairs == 0) return absl::InvalidArgumentError("u_sample_pairs must be > 0");
  if (options.blocking_rules.empty()) return absl::InvalidArgumentError("no blocking rules");
  for (const BlockingRule& rule : options.blocking_rules) {
    if (rule.keys.empty()) return absl::InvalidArgumentError("empty blocking rule");
  }
  if (options.em_max_iterations < 1) {
    return absl::InvalidArgumentError("em_max_iterations must be >= 1");
  }
  if (options.max_threads < 0) return absl::InvalidArgumentError("max_threads must be >= 0");
  return absl::OkStatus();
}

std::vector<int8_t> CompareCandidatePairs(const PreparedAttributes& prepared,
                                          absl::Span<const CandidatePair> pairs, int max_threads) {
  std::vector<int8_t> levels(pairs.size() * kNumAttributeFields);
  // Each pair writes only its own slot: the result is the same for any
  // scheduling.
  ThreadArena(max_threads).execute([&] {
    tbb::parallel_for(tbb::blocked_range<size_t>(0, pairs.size(), kPairsPerTask),
                      [&](const tbb::blocked_range<size_t>& range) {
                        for (size_t k = range.begin(); k < range.end(); ++k) {
                          CompareAttributes(prepared, pairs[k].a, pairs[k].b,
                                            &levels[k * kNumAttributeFields]);
                        }
                      });
  });
  return levels;
}

std::array<double, kNumAttributeFields> ExactValueFrequencies(const PreparedAttributes& prepared,
                                                              size_t i, const int8_t* levels) {
  std::array<double, kNumAttributeFields> out{};
  for (int f = 0; f < kNumAttributeFields; ++f) {
    const auto field = static_cast<AttributeField>(f);
    if (levels[f] == ExactLevel(field)) out[f] = prepared.value_frequency(field, i);
  }
  return out;
}

std::vector<FieldExplanation> ExplainAttributeLink(const AttributeModel& model,
                                                   const AttributeLink& link) {
  std::vector<FieldExplanation> out = model.Explain(link.levels);
  for (size_t f = 0; f < out.size() && f < link.field_weights.size(); ++f) {
    out[f].weight = link.field_weights[f];
  }
  return out;
}

absl::StatusOr<std::vector<AttributeLink>> MatchAttributes(
    absl::Span<const AttributeProfile> profiles, const AttributeModel& model,
    const AttributeMatcherOptions& options, BlockingStats* stats) {
  absl::Status valid = ValidateAttributeMatcherOptions(options);
  if (!valid.ok()) return valid;
  const PreparedAttributes prepared(profiles);
  const double threshold_weight = std::log2(options.match_probability_threshold /
                                            (1 - options.match_probability_threshold));
  // Candidates arrive in chunks, so per-pair levels and weights (15 bytes a
  // pair) exist for one chunk at a time and memory does not grow with the
  // number of pairs.
  std::vector<int8_t> levels;
  std::vector<double> weights;
  std::vector<AttributeLink> links;
  auto score_chunk = [&](absl::Span<const CandidatePair> pairs) {
    levels.assign(pairs.size() * kNumAttributeFields, 0);
    weights.assign(pairs.size(), 0);
    ThreadArena(options.max_threads).execute([&] {
      tbb::parallel_for(tbb::blocked_range<size_t>(0, pairs.size(), kPairsPerTask),
                        [&](const tbb::blocked_range<size_t>& range) {
                          for (size_t k = range.begin(); k < range.end(); ++k) {
                            int8_t* pair_levels = &levels[k * kNumAttributeFields];
                            CompareAttributes(prepared, pairs[k].a, pairs[k].b, pair_levels);
                            const auto frequencies =
                                ExactValueFrequencies(prepared, pairs[k].a, pair_levels);
                            weights[k] = model.MatchWeight(
                                absl::MakeConstSpan(pair_levels, kNumAttributeFields),
                                frequencies);
                          }
                        });
    });
    for (size_t k = 0; k < pairs.size(); ++k) {
      if (weights[k] < threshold_weight) continue;
      AttributeLink link;
      link.a = std::min(profiles[pairs[k].a].id, profiles[pairs[k].b].id);
      link.b = std::max(profiles[pairs[k].a].id, profiles[pairs[k].b].id);
      link.match_weight = weights[k];
      link.match_probability = MatchProbabilityFromWeight(weights[k]);
      link.levels.assign(levels.begin() + k * kNumAttributeFields,
                         levels.begin() + (k + 1) * kNumAttributeFields);
      const auto frequencies = ExactValueFrequencies(prepared, pairs[k].a, link.levels.data());
      for (const FieldExplanation& field : model.Explain(link.levels, frequencies)) {
        link.field_weights.push_back(field.weight);
      }
      links.push_back(std::move(link));
    }
  };
  ForEachCandidateChunk(prepared, options.blocking_rules, options.max_block_size,
                        options.link_only, kPairsPerChunk, score_chunk, stats);
  // Candidates come in blocking order; links are sorted by id.
  std::sort(links.begin(), links.end(), [](const AttributeLink& x, const AttributeLink& y) {
    return x.a != y.a ? x.a < y.a : x.b < y.b;
  });
  return links;
}

}  // namespace idstitch
