// File: matchers/attribute_model.h
// The Fellegi-Sunter model of the attribute matcher: for every field and
// comparison level, m = P(level | same person) and u = P(level | different
// people), and the prior lambda = P(two random profiles are one person). A
// pair's match weight is log2(lambda / (1 - lambda)) plus the sum over fields
// of log2(m / u) (null levels weigh 0; exact agreement on a value of frequency
// f uses u = f instead, the term-frequency adjustment). Also: EM over
// comparison patterns, and the JSON form of a trained model.
#ifndef IDSTITCH_MATCHERS_ATTRIBUTE_MODEL_H_
#define IDSTITCH_MATCHERS_ATTRIBUTE_MODEL_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "matchers/attribute_comparison.h"

namespace idstitch {

// Probabilities are kept in [kMinProbability, 1 - kMinProbability] so that no
// level has an infinite weight.
inline constexpr double kMinProbability = 1e-6;

// m and u of every level of one field.
struct FieldModel {
  bool term_frequency = false;  // adjust u of the exact level by the value's frequency
  std::vector<double> m;        // one per level, NumComparisonLevels(field)
  std::vector<double> u;
};

// A field's contribution to one pair's weight, for explanations.
struct FieldExplanation {
  std::string_view field;
  std::string_view level;  // "null" when either side is missing
  double weight = 0;       // log2 Bayes factor, term-frequency adjusted
};

// Thread safety: const methods may be called concurrently.
class AttributeModel {
 public:
  // A starting point for EM: m rising towards the exact level, u falling,
  // prior 1e-4, term-frequency adjustment on names, postcode and city.
  AttributeModel();

  double prior() const { return prior_; }
  // Clamped into [kMinProbability, 1 - kMinProbability].
  void set_prior(double prior);
  // log2(prior / (1 - prior)).
  double PriorWeight() const;

  const FieldModel& field(AttributeField field) const { return fields_[static_cast<int>(field)]; }
  // Mutable access for training; callers keep m and u the level count long.
  FieldModel& mutable_field(AttributeField field) { return fields_[static_cast<int>(field)]; }
  // Clamps every m and u into [kMinProbability, 1 - kMinProbability].
  void ClampProbabilities();

  // log2(m / u) of `level` of `field`; 0 for kNullLevel. If `value_frequency`
  // > 0, the field uses term frequencies and `level` is exact, u is replaced by
  // the frequency of the agreed value.
  double LevelWeight(AttributeField field, int level, double value_frequency = 0) const;

  // Prior weight plus the level weights; `value_frequencies` (one per field,
  // 0 where not applicable) may be empty.
  double MatchWeight(absl::Span<const int8_t> levels,
                     absl::Span<const double> value_frequencies = {}) const;

  // Per field: its level name and weight, in field order.
  std::vector<FieldExplanation> Explain(absl::Span<const int8_t> levels,
                                        absl::Span<const double> value_frequencies = {}) const;

  // Pretty-printed JSON (format "idstitch.attribute_model", version 1).
  std::string ToJson() const;
  // DataLoss if `json` is not a model of this format; InvalidArgument if its
  // fields or levels differ from this build's comparisons or a probability is
  // outside (0, 1).
  static absl::StatusOr<AttributeModel> FromJson(std::string_view json);

 private:
  double prior_;
  std::array<FieldModel, kNumAttributeFields> fields_;
};

// Converts a match weight into a probability: 2^w / (1 + 2^w).
double MatchProbabilityFromWeight(double weight);

// A distinct vector of comparison levels and how many pairs had it; EM runs
// over these, so its cost does not grow with the number of pairs.
struct ComparisonPattern {
  std::array<int8_t, kNumAttributeFields> levels{};
  uint64_t count = 0;
};

struct EmOptions {
  int max_iterations = 25;
  double tolerance = 1e-5;  // stop once no m, u or prior moves more than this
  bool estimate_m = true;   // false: only the prior among the patterns is estimated
  bool estimate_u = false;  // false: u stays as given (estimated from random pairs)
  // Starting share of matches among the patterns' pairs (blocked pairs are
  // far richer in matches than random pairs).
  double initial_prior = 0.1;
  // Fields whose levels take part; the others are treated as null (Splink
  // leaves out the fields a training blocking rule forces to agree).
  std::array<bool, kNumAttributeFields> use_field{true, true, true, true, true, true, true};
};

struct EmResult {
  int iterations = 0;
  bool converged = false;
  double prior = 0;  // fraction of the patterns' pairs estimated to match
};

// Fellegi-Sunter EM with conditional independence: updates m (and u if
// asked) of the used fields of `*model` from `patterns`, starting at the
// model's values and `options.initial_prior`. The model's own prior is left
// unchanged: the prior among candidate pairs is not that of random pairs (it
// is returned instead).
EmResult RunExpectationMaximisation(absl::Span<const ComparisonPattern> patterns,
                                    const EmOptions& options, AttributeModel* model);

}  // namespace idstitch

#endif  // IDSTITCH_MATCHERS_ATTRIBUTE_MODEL_H_
