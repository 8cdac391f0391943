#include "matchers/attribute_model.h"

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "resolver/absl_compat.h"

namespace idstitch {
namespace {

constexpr std::string_view kFormat = "idstitch.attribute_model";
constexpr int kVersion = 1;
constexpr double kDefaultPrior = 1e-4;
// Starting m: the exact level gets kStartExactM, the rest shares what is left
// with weights rising towards exact; u starts the opposite way.
constexpr double kStartExactM = 0.7;
constexpr double kStartElseU = 0.95;

double Clamp(double p) { return std::clamp(p, kMinProbability, 1.0 - kMinProbability); }

bool DefaultTermFrequency(AttributeField field) {
  return field == AttributeField::kFirstName || field == AttributeField::kLastName ||
         field == AttributeField::kPostcode || field == AttributeField::kCity;
}

}  // namespace

AttributeModel::AttributeModel() : prior_(kDefaultPrior) {
  for (int f = 0; f < kNumAttributeFields; ++f) {
    const auto field = static_cast<AttributeField>(f);
    const int levels = NumComparisonLevels(field);
    FieldModel& model = fields_[f];
    model.term_frequency = DefaultTermFrequency(field);
    model.m.assign(levels, 0);
    model.u.assign(levels, 0);
    // Non-exact levels: m in proportion to level (1, 2, ...), u in inverse.
    double m_rest = 0, u_rest = 0;
    for (int level = 0; level + 1 < levels; ++level) {
      m_rest += level + 1;
      u_rest += 1.0 / (level + 1);
    }
    for (int level = 0; level + 1 < levels; ++level) {
      model.m[level] = (1 - kStartExactM) * (level + 1) / m_rest;
      model.u[level] = level == 0 ? kStartElseU : (1 - kStartElseU) / (level + 1) / u_rest;
    }
    model.m[levels - 1] = kStartExactM;
    model.u[levels - 1] = (1 - kStartElseU) / levels / u_rest;
  }
  ClampProbabilities();
}

void AttributeModel::set_prior(double prior) { prior_ = Clamp(prior); }

double AttributeModel::PriorWeight() const { return std::log2(prior_ / (1 - prior_)); }

void AttributeModel::ClampProbabilities() {
  for (FieldModel& model : fields_) {
    for (double& m : model.m) m = Clamp(m);
    for (double& u : model.u) u = Clamp(u);
  }
}

double AttributeModel::LevelWeight(AttributeField field, int level, double value_frequency) const {
  if (level == kNullLevel) return 0;
  const FieldModel& model = fields_[static_cast<int>(field)];
  double u = model.u[level];
  if (value_frequency > 0 && model.term_frequency && level == ExactLevel(field)) {
    u = Clamp(value_frequency);
  }
  return std::log2(model.m[level] / u);
}

double AttributeModel::MatchWeight(absl::Span<const int8_t> levels,
                                   absl::Span<const double> value_frequencies) const {
  double weight = PriorWeight();
  for (int f = 0; f < kNumAttributeFields; ++f) {
    const double frequency = value_frequencies.empty() ? 0 : value_frequencies[f];
    weight += LevelWeight(static_cast<AttributeField>(f), levels[f], frequency);
  }
  return weight;
}

std::vector<FieldExplanation> AttributeModel::Explain(
    absl::Span<const int8_t> levels, absl::Span<const double> value_frequencies) const {
  std::vector<FieldExplanation> out;
  for (int f = 0; f < kNumAttributeFields; ++f) {
    const auto field = static_cast<AttributeField>(f);
    const double frequency = value_frequencies.empty() ? 0 : value_frequencies[f];
    out.push_back({AttributeFieldName(field), ComparisonLevelName(field, levels[f]),
                   LevelWeight(field, levels[f], frequency)});
  }
  return out;
}

std::string AttributeModel::ToJson() const {
  nlohmann::json fields = nlohmann::json::array();
  for (int f = 0; f < kNumAttributeFields; ++f) {
    const auto field = static_cast<AttributeField>(f);
    nlohmann::json levels = nlohmann::json::array();
    for (int level = 0; level < NumComparisonLevels(field); ++level) {
      levels.push_back({{"name", std::string(ComparisonLevelName(field, level))},
                        {"m", fields_[f].m[level]},
                        {"u", fields_[f].u[level]}});
    }
    fields.push_back({{"name", std::string(AttributeFieldName(field))},
                      {"term_frequency", fields_[f].term_frequency},
                      {"levels", std::move(levels)}});
  }
  nlohmann::json root = {{"format", std::string(kFormat)},
                         {"version", kVersion},
                         {"prior", prior_},
                         {"fields", std::move(fields)}};
  return root.dump(2) + "\n";
}

namespace {

bool IsProbability(const nlohmann::json& value) {
  return value.is_number() && value.get<double>() > 0 && value.get<double>() < 1;
}

absl::Status ReadField(const nlohmann::json& json, AttributeField field, FieldModel* out) {
  const std::string name(AttributeFieldName(field));
  if (!json.is_object() || !json.contains("name") || json["name"] != name) {
    return absl::InvalidArgumentError(absl::StrCat("model field '", name, "' missing or out of order"));
  }
  if (!json.contains("term_frequency") || !json["term_frequency"].is_boolean() ||
      !json.contains("levels") || !json["levels"].is_array()) {
    return absl::DataLossError(absl::StrCat("model field '", name, "' is malformed"));
  }
  const nlohmann::json& levels = json["levels"];
  if (static_cast<int>(levels.size()) != NumComparisonLevels(field)) {
    return absl::InvalidArgumentError(absl::StrCat("model field '", name, "' has ", levels.size(),
                                                   " levels, this build compares with ",
                                                   NumComparisonLevels(field)));
  }
  out->term_frequency = json["term_frequency"].get<bool>();
  out->m.clear();
  out->u.clear();
  for (size_t level = 0; level < levels.size(); ++level) {
    const nlohmann::json& entry = levels[level];
    const std::string expected(ComparisonLevelName(field, static_cast<int>(level)));
    if (!entry.is_object() || !entry.contains("name") || entry["name"] != expected) {
      return absl::InvalidArgumentError(
          absl::StrCat("model field '", name, "' level ", level, " is not '", expected, "'"));
    }
    if (!entry.contains("m") || !entry.contains("u") || !IsProbability(entry["m"]) ||
        !IsProbability(entry["u"])) {
      return absl::InvalidArgumentError(
          absl::StrCat("model field '", name, "' level '", expected, "': m and u must be in (0, 1)"));
    }
    out->m.push_back(entry["m"].get<double>());
    out->u.push_back(entry["u"].get<double>());
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<AttributeModel> AttributeModel::FromJson(std::string_view json) {
  // parse(..., allow_exceptions = false): a discarded value instead of a throw.
  const nlohmann::json root = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  if (root.is_discarded() || !root.is_object()) {
    return absl::DataLossError("attribute model is not a JSON object");
  }
  if (!root.contains("format") || root["format"] != std::string(kFormat) ||
      !root.contains("version") || root["version"] != kVersion) {
    return absl::DataLossError(absl::StrCat("not an ", AsAbsl(kFormat), " version ", kVersion));
  }
  if (!root.contains("prior") || !IsProbability(root["prior"])) {
    return absl::InvalidArgumentError("model prior must be in (0, 1)");
  }
  if (!root.contains("fields") || !root["fields"].is_array() ||
      root["fields"].size() != static_cast<size_t>(kNumAttributeFields)) {
    return absl::InvalidArgumentError(
        absl::StrCat("model must have ", kNumAttributeFields, " fields"));
  }
  AttributeModel model;
  model.prior_ = root["prior"].get<double>();
  for (int f = 0; f < kNumAttributeFields; ++f) {
    absl::Status status = ReadField(root["fields"][f], static_cast<AttributeField>(f), &model.fields_[f]);
    if (!status.ok()) return status;
  }
  return model;
}

double MatchProbabilityFromWeight(double weight) {
  const double odds = std::exp2(weight);
  return std::isinf(odds) ? 1.0 : odds / (1 + odds);
}

EmResult RunExpectationMaximisation(absl::Span<const ComparisonPattern> patterns,
                                    const EmOptions& options, AttributeModel* model) {
  EmResult result;
  double prior = Clamp(options.initial_prior);
  for (result.iterations = 1; result.iterations <= options.max_iterations; ++result.iterations) {
    // E-step: expected number of matching pairs per pattern, accumulated by
    // field and level (sums in pattern order, so the result is reproducible).
    std::array<std::vector<double>, kNumAttributeFields> match_mass, non_match_mass;
    for (int f = 0; f < kNumAttributeFields; ++f) {
      match_mass[f].assign(NumComparisonLevels(static_cast<AttributeField>(f)), 0);
      non_match_mass[f].assign(match_mass[f].size(), 0);
    }
    double total_match = 0, total = 0;
    for (const ComparisonPattern& pattern : patterns) {
      double log_odds = std::log(prior / (1 - prior));
      for (int f = 0; f < kNumAttributeFields; ++f) {
        const int level = pattern.levels[f];
        if (!options.use_field[f] || level == kNullLevel) continue;
        const FieldModel& fm = model->field(static_cast<AttributeField>(f));
        log_odds += std::log(fm.m[level] / fm.u[level]);
      }
      const double p_match = 1 / (1 + std::exp(-log_odds));
      const double count = static_cast<double>(pattern.count);
      total_match += p_match * count;
      total += count;
      for (int f = 0; f < kNumAttributeFields; ++f) {
        const int level = pattern.levels[f];
        if (!options.use_field[f] || level == kNullLevel) continue;
        match_mass[f][level] += p_match * count;
        non_match_mass[f][level] += (1 - p_match) * count;
      }
    }
    if (total == 0) break;
    // M-step.
    double change = std::abs(Clamp(total_match / total) - prior);
    prior = Clamp(total_match / total);
    for (int f = 0; f < kNumAttributeFields; ++f) {
      if (!options.use_field[f]) continue;
      FieldModel& fm = model->mutable_field(static_cast<AttributeField>(f));
      double match_sum = 0, non_match_sum = 0;
      for (size_t level = 0; level < fm.m.size(); ++level) {
        match_sum += match_mass[f][level];
        non_match_sum += non_match_mass[f][level];
      }
      for (size_t level = 0; level < fm.m.size(); ++level) {
        if (options.estimate_m && match_sum > 0) {
          const double m = Clamp(match_mass[f][level] / match_sum);
          change = std::max(change, std::abs(m - fm.m[level]));
          fm.m[level] = m;
        }
        if (options.estimate_u && non_match_sum > 0) {
          const double u = Clamp(non_match_mass[f][level] / non_match_sum);
          change = std::max(change, std::abs(u - fm.u[level]));
          fm.u[level] = u;
        }
      }
    }
    result.prior = prior;
    if (change < options.tolerance) {
      result.converged = true;
      break;
    }
  }
  result.iterations = std::min(result.iterations, options.max_iterations);
  return result;
}

}  // namespace idstitch
