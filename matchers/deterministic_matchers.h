// File: matchers/deterministic_matchers.h
// The four deterministic matchers. Each links identifiers seen together in one
// record, for one kind of evidence:
//  - AuthenticatedEventMatcher: the record carries an account_id (a signed-in
//    event, a purchase): the account is linked to the record's other identifiers.
//  - LoyaltyCardMatcher: a loyalty-card registration or scan: the card is linked
//    to the phone / email / device presented with it.
//  - SocialLoginMatcher: a social login: the handle is linked to the email and
//    device it signed in with.
//  - SameRecordMatcher: any other record with two or more identifiers (an
//    email-click landing on a device): the anchor is linked to the rest, with a
//    lower score, as the weakest deterministic evidence.
// Thread safety: immutable; Match() is thread-safe.
#ifndef IDSTITCH_MATCHERS_DETERMINISTIC_MATCHERS_H_
#define IDSTITCH_MATCHERS_DETERMINISTIC_MATCHERS_H_

#include "matchers/pivot_matcher.h"

namespace idstitch {

inline constexpr float kAuthenticatedEventScore = 1.0f;
inline constexpr float kLoyaltyCardScore = 0.98f;
inline constexpr float kSocialLoginScore = 0.97f;
inline constexpr float kSameRecordScore = 0.9f;

class AuthenticatedEventMatcher : public PivotMatcher {
 public:
  explicit AuthenticatedEventMatcher(const IdentifierTypeRegistry& types)
      : account_type_(types.Find("account_id")) {}
  std::string_view name() const override { return "authenticated_event"; }
  float score() const override { return kAuthenticatedEventScore; }

 protected:
  std::optional<uint8_t> Pivot(const Record& record) const override {
    return FindSlot(record, account_type_);
  }

 private:
  std::optional<TypeId> account_type_;
};

class LoyaltyCardMatcher : public PivotMatcher {
 public:
  explicit LoyaltyCardMatcher(const IdentifierTypeRegistry& types)
      : card_type_(types.Find("loyalty_card")) {}
  std::string_view name() const override { return "loyalty_card"; }
  float score() const override { return kLoyaltyCardScore; }

 protected:
  std::optional<uint8_t> Pivot(const Record& record) const override {
    return FindSlot(record, card_type_);
  }

 private:
  std::optional<TypeId> card_type_;
};

class SocialLoginMatcher : public PivotMatcher {
 public:
  explicit SocialLoginMatcher(const IdentifierTypeRegistry& types)
      : social_type_(types.Find("social")) {}
  std::string_view name() const override { return "social_login"; }
  float score() const override { return kSocialLoginScore; }

 protected:
  std::optional<uint8_t> Pivot(const Record& record) const override {
    return FindSlot(record, social_type_);
  }

 private:
  std::optional<TypeId> social_type_;
};

class SameRecordMatcher : public PivotMatcher {
 public:
  explicit SameRecordMatcher(const IdentifierTypeRegistry& types)
      : pivot_types_{types.Find("account_id"), types.Find("loyalty_card"),
                     types.Find("social")} {}
  std::string_view name() const override { return "same_record"; }
  float score() const override { return kSameRecordScore; }

 protected:
  // Applies only where no stronger matcher has a pivot; the anchor (slot 0,
  // the record's highest-priority identifier) is the pivot.
  std::optional<uint8_t> Pivot(const Record& record) const override {
    for (const std::optional<TypeId>& type : pivot_types_) {
      if (FindSlot(record, type).has_value()) return std::nullopt;
    }
    return uint8_t{0};
  }

 private:
  std::optional<TypeId> pivot_types_[3];
};

}  // namespace idstitch

#endif  // IDSTITCH_MATCHERS_DETERMINISTIC_MATCHERS_H_
