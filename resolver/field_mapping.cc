#include "resolver/absl_compat.h"
#include "resolver/field_mapping.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace idstitch {
namespace {

constexpr std::pair<std::string_view, StandardField> kStandardFields[] = {
    {"record_id", StandardField::kRecordId}, {"ts", StandardField::kTimestamp},
    {"event", StandardField::kEvent},        {"ip", StandardField::kIp},
    {"user_agent", StandardField::kUserAgent}, {"first_name", StandardField::kFirstName},
    {"last_name", StandardField::kLastName}, {"dob", StandardField::kDob},
    {"postcode", StandardField::kPostcode},  {"address", StandardField::kAddress},
    {"city", StandardField::kCity},
};

}  // namespace

bool FieldMapping::IsStandardFieldName(std::string_view name) {
  for (const auto& [standard_name, field] : kStandardFields) {
    if (standard_name == name) return true;
  }
  return false;
}

absl::StatusOr<FieldMapping> FieldMapping::Create(
    const IdentifierTypeRegistry& types,
    const std::vector<std::pair<std::string, std::string>>& renames) {
  FieldMapping mapping;
  auto resolve = [&](std::string_view name) -> std::optional<FieldTarget> {
    for (const auto& [standard_name, field] : kStandardFields) {
      if (standard_name == name) return FieldTarget{field, 0};
    }
    if (auto type = types.Find(name)) {
      return FieldTarget{StandardField::kIdentifier, *type};
    }
    return std::nullopt;
  };
  for (const auto& [name, field] : kStandardFields) {
    mapping.targets_[std::string(name)] = {field, 0};
  }
  for (TypeId type = 0; type < types.size(); ++type) {
    mapping.targets_[types.spec(type).name] = {StandardField::kIdentifier, type};
  }
  for (const auto& [source, target] : renames) {
    std::optional<FieldTarget> resolved = resolve(target);
    if (!resolved.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "field mapping ", source, "=", target, ": '", target,
          "' is neither a standard field nor an identifier type"));
    }
    if (source.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("field mapping =", target, ": empty source column"));
    }
    mapping.targets_[source] = *resolved;
  }
  mapping.IndexByLength();
  return mapping;
}

void FieldMapping::IndexByLength() {
  by_length_.assign(kShortName, {});
  signatures_by_length_.assign(kSignatureName + 1, {});
  // Bucket order only matters for speed (names are distinct); sorted so that
  // the layout is the same in every run.
  std::vector<std::pair<std::string, FieldTarget>> names(targets_.begin(), targets_.end());
  std::sort(names.begin(), names.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  for (auto& [name, target] : names) {
    if (name.empty()) continue;  // refused by Create(); never a key
    if (name.size() <= kSignatureName) {
      signatures_by_length_[name.size()].emplace_back(SignatureOf(name), target);
    } else if (name.size() < kShortName) {
      by_length_[name.size()].emplace_back(std::move(name), target);
    }
  }
}

FieldMapping::Signature FieldMapping::SignatureOf(std::string_view name) {
  // Fixed-size loads (no call into memcpy); for 8-16 bytes the two words
  // overlap, for 4-7 the two halves do, and 1-3 bytes are all read.
  const char* p = name.data();
  const size_t n = name.size();
  if (n >= 8) {
    uint64_t first, last;
    std::memcpy(&first, p, 8);
    std::memcpy(&last, p + n - 8, 8);
    return {first, last};
  }
  if (n >= 4) {
    uint32_t first, last;
    std::memcpy(&first, p, 4);
    std::memcpy(&last, p + n - 4, 4);
    return {first, last};
  }
  const auto byte = [&](size_t i) { return uint64_t{static_cast<unsigned char>(p[i])}; };
  return {byte(0) | byte(n / 2) << 8 | byte(n - 1) << 16, 0};
}

FieldTarget FieldMapping::Lookup(std::string_view name) const {
  if (!name.empty() && name.size() <= kSignatureName) {
    const Signature signature = SignatureOf(name);
    for (const auto& [candidate, target] : signatures_by_length_[name.size()]) {
      if (candidate == signature) return target;
    }
    return FieldTarget{};
  }
  if (name.size() < kShortName) {
    // 17 to 31 bytes (and the empty name, whose bucket is empty).
    for (const auto& [candidate, target] : by_length_[name.size()]) {
      if (std::memcmp(candidate.data(), name.data(), name.size()) == 0) return target;
    }
    return FieldTarget{};
  }
  auto it = targets_.find(AsAbsl(name));
  return it == targets_.end() ? FieldTarget{} : it->second;
}

}  // namespace idstitch
