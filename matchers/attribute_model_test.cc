#include "matchers/attribute_model.h"

#include <cmath>
#include <map>
#include <random>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/status_matchers.h"

namespace idstitch {
namespace {

constexpr double kTruePrior = 0.25;
constexpr double kNullRate = 0.1;

// A known model: per field, m puts 0.6 on exact and 0.25 on the level below;
// u puts 0.85 on else and 0.05 on exact; the rest is shared evenly.
AttributeModel KnownModel() {
  AttributeModel model;
  for (int f = 0; f < kNumAttributeFields; ++f) {
    FieldModel& fm = model.mutable_field(static_cast<AttributeField>(f));
    const int levels = static_cast<int>(fm.m.size());
    const int middle = levels - 3;  // levels strictly between else and the one below exact
    for (int level = 0; level < levels; ++level) {
      fm.m[level] = level == levels - 1 ? 0.6 : level == levels - 2 ? 0.25 : 0.15 / (middle + 1);
      fm.u[level] = level == 0 ? 0.85 : level == levels - 1 ? 0.05 : 0.1 / (levels - 2);
    }
  }
  return model;
}

int Draw(std::mt19937_64& rng, const std::vector<double>& p) {
  double x = std::uniform_real_distribution<double>(0, 1)(rng);
  for (size_t level = 0; level < p.size(); ++level) {
    if ((x -= p[level]) < 0) return static_cast<int>(level);
  }
  return static_cast<int>(p.size()) - 1;
}

// Comparison patterns drawn from `model` with prior kTruePrior (seeded).
std::vector<ComparisonPattern> Sample(const AttributeModel& model, int pairs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::map<std::array<int8_t, kNumAttributeFields>, uint64_t> counts;
  for (int k = 0; k < pairs; ++k) {
    const bool match = std::uniform_real_distribution<double>(0, 1)(rng) < kTruePrior;
    std::array<int8_t, kNumAttributeFields> levels;
    for (int f = 0; f < kNumAttributeFields; ++f) {
      const FieldModel& fm = model.field(static_cast<AttributeField>(f));
      const int level = Draw(rng, match ? fm.m : fm.u);
      levels[f] = std::uniform_real_distribution<double>(0, 1)(rng) < kNullRate
                      ? kNullLevel : static_cast<int8_t>(level);
    }
    ++counts[levels];
  }
  std::vector<ComparisonPattern> patterns;
  for (const auto& [levels, count] : counts) patterns.push_back({levels, count});
  return patterns;
}

TEST(AttributeModelTest, EmRecoversMWithFixedU) {
  const AttributeModel truth = KnownModel();
  const std::vector<ComparisonPattern> patterns = Sample(truth, 50000, 7);
  AttributeModel model;  // default start
  for (int f = 0; f < kNumAttributeFields; ++f) {
    const auto field = static_cast<AttributeField>(f);
    model.mutable_field(field).u = truth.field(field).u;
  }
  EmOptions options;
  options.max_iterations = 100;
  const EmResult result = RunExpectationMaximisation(patterns, options, &model);
  EXPECT_TRUE(result.converged);
  EXPECT_NEAR(result.prior, kTruePrior, 0.01);
  for (int f = 0; f < kNumAttributeFields; ++f) {
    const auto field = static_cast<AttributeField>(f);
    for (size_t level = 0; level < truth.field(field).m.size(); ++level) {
      EXPECT_NEAR(model.field(field).m[level], truth.field(field).m[level], 0.02)
          << AttributeFieldName(field) << " level " << level;
    }
  }
}

TEST(AttributeModelTest, EmRecoversMAndU) {
  const AttributeModel truth = KnownModel();
  const std::vector<ComparisonPattern> patterns = Sample(truth, 50000, 11);
  AttributeModel model;
  EmOptions options;
  options.max_iterations = 200;
  options.estimate_u = true;
  const EmResult result = RunExpectationMaximisation(patterns, options, &model);
  EXPECT_NEAR(result.prior, kTruePrior, 0.015);
  for (int f = 0; f < kNumAttributeFields; ++f) {
    const auto field = static_cast<AttributeField>(f);
    for (size_t level = 0; level < truth.field(field).m.size(); ++level) {
      EXPECT_NEAR(model.field(field).m[level], truth.field(field).m[level], 0.03);
      EXPECT_NEAR(model.field(field).u[level], truth.field(field).u[level], 0.03);
    }
  }
}

TEST(AttributeModelTest, EmLeavesUnusedFieldsAlone) {
  const AttributeModel truth = KnownModel();
  AttributeModel model;
  const AttributeModel start = model;
  EmOptions options;
  options.use_field[static_cast<int>(AttributeField::kDob)] = false;
  RunExpectationMaximisation(Sample(truth, 5000, 3), options, &model);
  EXPECT_EQ(model.field(AttributeField::kDob).m, start.field(AttributeField::kDob).m);
  EXPECT_NE(model.field(AttributeField::kFirstName).m, start.field(AttributeField::kFirstName).m);
}

TEST(AttributeModelTest, WeightsAndExplanation) {
  AttributeModel model = KnownModel();
  model.set_prior(0.5);
  EXPECT_DOUBLE_EQ(model.PriorWeight(), 0.0);
  const int exact = ExactLevel(AttributeField::kFirstName);
  EXPECT_DOUBLE_EQ(model.LevelWeight(AttributeField::kFirstName, exact), std::log2(0.6 / 0.05));
  EXPECT_DOUBLE_EQ(model.LevelWeight(AttributeField::kFirstName, kNullLevel), 0.0);
  // Term frequency: a value held by 1% of profiles replaces u of the exact level.
  EXPECT_DOUBLE_EQ(model.LevelWeight(AttributeField::kFirstName, exact, 0.01), std::log2(0.6 / 0.01));
  // ... but only on fields that use term frequencies.
  model.mutable_field(AttributeField::kFirstName).term_frequency = false;
  EXPECT_DOUBLE_EQ(model.LevelWeight(AttributeField::kFirstName, exact, 0.01), std::log2(0.6 / 0.05));

  std::vector<int8_t> levels(kNumAttributeFields, kNullLevel);
  levels[0] = static_cast<int8_t>(exact);
  levels[2] = 0;
  const std::vector<FieldExplanation> explained = model.Explain(levels);
  ASSERT_EQ(explained.size(), static_cast<size_t>(kNumAttributeFields));
  EXPECT_EQ(explained[0].field, "first_name");
  EXPECT_EQ(explained[0].level, "exact");
  EXPECT_EQ(explained[2].level, "else");
  EXPECT_DOUBLE_EQ(explained[2].weight, std::log2(0.15 / 2 / 0.85));
  EXPECT_EQ(explained[1].level, "null");
  EXPECT_DOUBLE_EQ(model.MatchWeight(levels), explained[0].weight + explained[2].weight);
  EXPECT_NEAR(MatchProbabilityFromWeight(std::log2(9.0)), 0.9, 1e-12);
}

TEST(AttributeModelTest, JsonRoundTrip) {
  AttributeModel model = KnownModel();
  model.set_prior(0.000123);
  model.mutable_field(AttributeField::kCity).term_frequency = false;
  const std::string json = model.ToJson();
  absl::StatusOr<AttributeModel> loaded = AttributeModel::FromJson(json);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->ToJson(), json);
  EXPECT_EQ(loaded->prior(), model.prior());
  for (int f = 0; f < kNumAttributeFields; ++f) {
    const auto field = static_cast<AttributeField>(f);
    EXPECT_EQ(loaded->field(field).m, model.field(field).m);
    EXPECT_EQ(loaded->field(field).u, model.field(field).u);
    EXPECT_EQ(loaded->field(field).term_frequency, model.field(field).term_frequency);
  }
}

TEST(AttributeModelTest, FromJsonRejectsBadModels) {
  EXPECT_THAT(AttributeModel::FromJson("{not json"), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(AttributeModel::FromJson("[]"), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(AttributeModel::FromJson(R"({"format":"other","version":1})"),
              StatusIs(absl::StatusCode::kDataLoss));
  std::string json = AttributeModel().ToJson();
  const size_t at = json.find("\"prior\": ");
  ASSERT_NE(at, std::string::npos);
  std::string bad_prior = json;
  bad_prior.replace(at, std::string("\"prior\": ").size(), "\"prior\": 1.5, \"x\": ");
  EXPECT_THAT(AttributeModel::FromJson(bad_prior), StatusIs(absl::StatusCode::kInvalidArgument));
  std::string renamed = json;
  renamed.replace(renamed.find("\"jaro_winkler>=0.88\""), 20, "\"jaro_winkler>=0.77\"");
  EXPECT_THAT(AttributeModel::FromJson(renamed), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace idstitch
