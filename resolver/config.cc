#include "resolver/absl_compat.h"
#include "resolver/config.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "resolver/field_mapping.h"
#include "resolver/status_macros.h"

namespace idstitch {
namespace {

using Json = nlohmann::json;

absl::Status ConfigError(std::string_view source, std::string_view key,
                         std::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat(AsAbsl(source), ": key \"", AsAbsl(key), "\": ", AsAbsl(problem)));
}

absl::StatusOr<int64_t> GetInt(const Json& value, std::string_view source,
                               std::string_view key, int64_t min, int64_t max) {
  if (!value.is_number_integer()) return ConfigError(source, key, "expected an integer");
  int64_t v = value.get<int64_t>();
  if (v < min || v > max) {
    return ConfigError(source, key, absl::StrCat("must be in [", min, ", ", max, "]"));
  }
  return v;
}

absl::StatusOr<std::vector<std::string>> GetStrings(const Json& value,
                                                    std::string_view source,
                                                    std::string_view key) {
  if (!value.is_array()) return ConfigError(source, key, "expected an array of strings");
  std::vector<std::string> out;
  for (const Json& item : value) {
    if (!item.is_string()) return ConfigError(source, key, "expected an array of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

absl::Status ApplyIdentifierType(const std::string& name, const Json& spec,
                                 std::string_view source, ResolverOptions* options) {
  std::string key = absl::StrCat("identifier_types.", name);
  if (!spec.is_object()) return ConfigError(source, key, "expected an object");
  if (FieldMapping::IsStandardFieldName(name)) {
    return ConfigError(source, key, "is a standard field name; pick another type name");
  }
  std::optional<TypeId> existing = options->types.Find(name);
  IdentifierTypeSpec updated =
      existing ? options->types.spec(*existing) : IdentifierTypeSpec{name};
  bool has_normalizer = false;
  for (const auto& [field, value] : spec.items()) {
    std::string field_key = absl::StrCat(key, ".", field);
    if (field == "normalizer") {
      if (!value.is_string()) return ConfigError(source, field_key, "expected a string");
      absl::StatusOr<NormalizerKind> kind = ParseNormalizerKind(value.get<std::string>());
      if (!kind.ok()) return ConfigError(source, field_key, AsStd(kind.status().message()));
      updated.normalizer = *kind;
      has_normalizer = true;
    } else if (field == "priority") {
      ASSIGN_OR_RETURN(updated.priority, GetInt(value, source, field_key, 0, 1000000));
    } else if (field == "limit") {
      ASSIGN_OR_RETURN(updated.max_per_identity,
                       GetInt(value, source, field_key, 0, 1000000));
    } else if (field == "hub_cap") {
      ASSIGN_OR_RETURN(updated.hub_cap, GetInt(value, source, field_key, 0, 100000000));
    } else {
      return ConfigError(source, field_key,
                         "unknown key (expected normalizer, priority, limit, hub_cap)");
    }
  }
  if (existing) {
    options->types.mutable_spec(*existing) = updated;
    return absl::OkStatus();
  }
  if (!has_normalizer) {
    return ConfigError(source, key, "a new identifier type needs a \"normalizer\"");
  }
  absl::StatusOr<TypeId> added = options->types.Add(updated);
  if (!added.ok()) return ConfigError(source, key, AsStd(added.status().message()));
  return absl::OkStatus();
}

absl::Status ApplyKey(const std::string& key, const Json& value, std::string_view source,
                      ResolverOptions* options, bool* use_default_blocklist,
                      std::vector<std::string>* extra_values,
                      std::vector<std::string>* extra_regexes) {
  if (key == "fields") {
    if (!value.is_object()) return ConfigError(source, key, "expected an object");
    for (const auto& [from, to] : value.items()) {
      if (!to.is_string()) return ConfigError(source, "fields." + from, "expected a string");
      options->field_map.emplace_back(from, to.get<std::string>());
    }
  } else if (key == "identifier_types") {
    if (!value.is_object()) return ConfigError(source, key, "expected an object");
    for (const auto& [name, spec] : value.items()) {
      RETURN_IF_ERROR(ApplyIdentifierType(name, spec, source, options));
    }
  } else if (key == "phone_default_region") {
    if (!value.is_string()) return ConfigError(source, key, "expected a string");
    options->normalizer.phone_default_region = value.get<std::string>();
  } else if (key == "fold_gmail") {
    if (!value.is_boolean()) return ConfigError(source, key, "expected true or false");
    options->normalizer.fold_gmail = value.get<bool>();
  } else if (key == "use_default_blocklist") {
    if (!value.is_boolean()) return ConfigError(source, key, "expected true or false");
    *use_default_blocklist = value.get<bool>();
  } else if (key == "blocked_values") {
    ASSIGN_OR_RETURN(*extra_values, GetStrings(value, source, key));
  } else if (key == "blocked_regexes") {
    ASSIGN_OR_RETURN(*extra_regexes, GetStrings(value, source, key));
  } else if (key == "max_field_length") {
    ASSIGN_OR_RETURN(options->max_field_length, GetInt(value, source, key, 1, 65535));
  } else if (key == "max_line_length") {
    ASSIGN_OR_RETURN(options->max_line_length,
                     GetInt(value, source, key, 16, int64_t{1} << 30));
  } else if (key == "max_errors") {
    ASSIGN_OR_RETURN(options->max_errors, GetInt(value, source, key, 0, INT64_MAX));
  } else if (key == "attribute_matcher") {
    if (!value.is_boolean()) return ConfigError(source, key, "expected true or false");
    options->probabilistic.attribute_matching = value.get<bool>();
  } else if (key == "colocation") {
    if (!value.is_boolean()) return ConfigError(source, key, "expected true or false");
    options->probabilistic.colocation = value.get<bool>();
  } else if (key == "link_only") {
    if (!value.is_boolean()) return ConfigError(source, key, "expected true or false");
    options->probabilistic.attribute.link_only = value.get<bool>();
  } else if (key == "threads") {
    ASSIGN_OR_RETURN(options->max_threads, GetInt(value, source, key, 0, 1024));
  } else {
    return ConfigError(source, key, "unknown key");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyConfigText(std::string_view text, std::string_view source,
                             ResolverOptions* options) {
  Json root = Json::parse(text, nullptr, /*allow_exceptions=*/false,
                          /*ignore_comments=*/true);
  if (root.is_discarded()) {
    // Re-parse with exceptions only to get nlohmann's line/column message.
    try {
      Json ignored = Json::parse(text, nullptr, true, true);
      (void)ignored;
    } catch (const Json::parse_error& error) {
      return absl::InvalidArgumentError(
          absl::StrCat(AsAbsl(source), ": malformed JSON: ", error.what()));
    }
    return absl::InvalidArgumentError(absl::StrCat(AsAbsl(source), ": malformed JSON"));
  }
  if (!root.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(AsAbsl(source), ": expected a JSON object"));
  }
  bool use_default_blocklist = true;
  std::vector<std::string> extra_values, extra_regexes;
  for (const auto& [key, value] : root.items()) {
    RETURN_IF_ERROR(ApplyKey(key, value, source, options, &use_default_blocklist,
                             &extra_values, &extra_regexes));
  }
  NormalizerOptions& normalizer = options->normalizer;
  if (!use_default_blocklist) {
    normalizer.blocked_values.clear();
    normalizer.blocked_regexes.clear();
  }
  normalizer.blocked_values.insert(normalizer.blocked_values.end(),
                                   extra_values.begin(), extra_values.end());
  normalizer.blocked_regexes.insert(normalizer.blocked_regexes.end(),
                                    extra_regexes.begin(), extra_regexes.end());
  return ValidateOptions(*options);
}

absl::Status LoadConfigFile(const std::string& path, ResolverOptions* options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read config file"));
  std::stringstream text;
  text << in.rdbuf();
  return ApplyConfigText(text.str(), path, options);
}

absl::Status AddFieldMapping(std::string_view mapping, ResolverOptions* options) {
  size_t eq = mapping.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == mapping.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--field ", AsAbsl(mapping), ": expected SOURCE=TARGET"));
  }
  options->field_map.emplace_back(std::string(mapping.substr(0, eq)),
                                  std::string(mapping.substr(eq + 1)));
  return absl::OkStatus();
}

absl::Status ValidateOptions(const ResolverOptions& options) {
  if (options.max_field_length < 1 || options.max_field_length > 65535) {
    return absl::InvalidArgumentError("max_field_length must be in [1, 65535]");
  }
  if (options.max_errors < 0) return absl::InvalidArgumentError("max_errors must be >= 0");
  if (options.max_threads < 0) return absl::InvalidArgumentError("threads must be >= 0");
  // Checked here, before any input is read, not when the matchers start.
  if (options.probabilistic.attribute_matching) {
    absl::Status status = ValidateAttributeMatcherOptions(options.probabilistic.attribute);
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("attribute matcher (--attribute-threshold, --link-only): ", status.message()));
    }
  }
  if (options.probabilistic.colocation) {
    absl::Status status = ValidateColocationOptions(options.probabilistic.colocation_options);
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("co-location matcher (--colocation-threshold): ", status.message()));
    }
  }
  return FieldMapping::Create(options.types, options.field_map).status();
}

}  // namespace idstitch
