#include "matchers/deterministic_matchers.h"

namespace idstitch {

std::vector<std::unique_ptr<Matcher>> MakeDeterministicMatchers(
    const IdentifierTypeRegistry& types) {
  std::vector<std::unique_ptr<Matcher>> matchers;
  matchers.push_back(std::make_unique<AuthenticatedEventMatcher>(types));
  matchers.push_back(std::make_unique<LoyaltyCardMatcher>(types));
  matchers.push_back(std::make_unique<SocialLoginMatcher>(types));
  matchers.push_back(std::make_unique<SameRecordMatcher>(types));
  return matchers;
}

}  // namespace idstitch
