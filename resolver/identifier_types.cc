#include "resolver/absl_compat.h"
#include "resolver/identifier_types.h"

#include <algorithm>
#include <tuple>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace idstitch {

IdentifierTypeRegistry IdentifierTypeRegistry::WithBuiltins() {
  IdentifierTypeRegistry registry;
  // Defaults follow what customer-data platforms ship: one login per person,
  // a handful of emails and phones, many browser cookies (they churn). Hub caps
  // sit well above what one household produces.
  registry.specs_ = {
      {"account_id", NormalizerKind::kExact, 10, 1, 5},
      {"email", NormalizerKind::kEmail, 20, 10, 10},
      {"phone", NormalizerKind::kPhone, 30, 5, 10},
      {"loyalty_card", NormalizerKind::kDigits, 40, 3, 5},
      {"social", NormalizerKind::kSocial, 50, 10, 10},
      {"device_id", NormalizerKind::kDevice, 60, 100, 200},
      // A profile record that carries person attributes but no identifier
      // (a CRM row, a Febrl record): the record itself is its identifier, so
      // the attribute matcher can link it. Never read from an input column.
      {std::string(kRecordTypeName), NormalizerKind::kExact, 1000, 0, 0},
  };
  return registry;
}

absl::StatusOr<TypeId> IdentifierTypeRegistry::Add(IdentifierTypeSpec spec) {
  if (spec.name.empty()) {
    return absl::InvalidArgumentError("identifier type name is empty");
  }
  for (char c : spec.name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          "identifier type name '", spec.name, "' must match [a-z0-9_]+"));
    }
  }
  if (Find(spec.name).has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("identifier type '", spec.name, "' is already defined"));
  }
  if (specs_.size() >= 255) {
    return absl::InvalidArgumentError("too many identifier types (max 255)");
  }
  if (spec.max_per_identity < 0 || spec.hub_cap < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "identifier type '", spec.name, "': limit and hub_cap must be >= 0"));
  }
  specs_.push_back(std::move(spec));
  return static_cast<TypeId>(specs_.size() - 1);
}

std::optional<TypeId> IdentifierTypeRegistry::Find(std::string_view name) const {
  for (size_t i = 0; i < specs_.size(); ++i) {
    if (specs_[i].name == name) return static_cast<TypeId>(i);
  }
  return std::nullopt;
}

std::vector<uint8_t> IdentifierTypeRegistry::OrderRanks() const {
  std::vector<TypeId> by_order(specs_.size());
  for (TypeId type = 0; type < specs_.size(); ++type) by_order[type] = type;
  std::sort(by_order.begin(), by_order.end(), [&](TypeId x, TypeId y) {
    return std::tie(specs_[x].priority, specs_[x].name) < std::tie(specs_[y].priority, specs_[y].name);
  });
  std::vector<uint8_t> ranks(specs_.size());
  for (size_t rank = 0; rank < by_order.size(); ++rank) {
    ranks[by_order[rank]] = static_cast<uint8_t>(rank);
  }
  return ranks;
}

absl::StatusOr<NormalizerKind> ParseNormalizerKind(std::string_view name) {
  static constexpr std::pair<std::string_view, NormalizerKind> kKinds[] = {
      {"exact", NormalizerKind::kExact},   {"lowercase", NormalizerKind::kLowercase},
      {"digits", NormalizerKind::kDigits}, {"email", NormalizerKind::kEmail},
      {"phone", NormalizerKind::kPhone},   {"device", NormalizerKind::kDevice},
      {"social", NormalizerKind::kSocial},
  };
  for (const auto& [kind_name, kind] : kKinds) {
    if (kind_name == name) return kind;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown normalizer '", AsAbsl(name),
      "' (expected exact, lowercase, digits, email, phone, device or social)"));
}

}  // namespace idstitch
