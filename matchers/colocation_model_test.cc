#include "matchers/colocation_model.h"

#include <gtest/gtest.h>

#include <cmath>

namespace idstitch {
namespace {

UaRelation Relate(const char* a, const char* b, bool disjoint = false) {
  return RelateUserAgents(ParseUserAgent(a), ParseUserAgent(b), std::string(a) == b,
                          disjoint);
}

constexpr char kIphoneApp[] = "ShopApp/6.2.1 (iPhone14,2; iOS 17.3; Scale/3.00)";
constexpr char kIphoneSafari[] =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1";
constexpr char kAndroidApp[] = "ShopApp/6.1.0 (Linux; Android 14; Pixel 8)";
constexpr char kAndroidOtherModel[] = "ShopApp/6.1.0 (Linux; Android 14; SM-S918B)";
constexpr char kMac[] =
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Version/17.2 Safari/605.1.15";
constexpr char kTablet[] = "ShopApp/6.0.3 (Linux; Android 13; SM-X710)";

TEST(ColocationModelTest, RelatesUserAgentFamilies) {
  EXPECT_EQ(UaRelation::kCookieChurn, Relate(kMac, kMac, /*disjoint=*/true));
  EXPECT_EQ(UaRelation::kConcurrentTwin, Relate(kMac, kMac, /*disjoint=*/false));
  EXPECT_EQ(UaRelation::kSamePhone, Relate(kIphoneApp, kIphoneSafari));
  EXPECT_EQ(UaRelation::kEcosystemMatch, Relate(kIphoneSafari, kMac));
  EXPECT_EQ(UaRelation::kEcosystemMismatch, Relate(kMac, kAndroidApp));
  EXPECT_EQ(UaRelation::kPhoneConflict, Relate(kIphoneApp, kAndroidApp));
  EXPECT_EQ(UaRelation::kPhoneConflict, Relate(kAndroidApp, kAndroidOtherModel));
  EXPECT_EQ(UaRelation::kSharedTablet, Relate(kTablet, kAndroidApp));
  EXPECT_EQ(UaRelation::kUnknown, Relate("", kMac));
}

TEST(ColocationModelTest, ScoreIsPriorPlusTerms) {
  ColocationModel model;
  ColocationEvidence ev;
  ev.seed_ip_persons = EstimatePersonsBehindIp(model, 4, 1);
  EXPECT_DOUBLE_EQ(3.0, ev.seed_ip_persons);  // the floor
  ev.ua_relation = UaRelation::kSamePhone;
  ev.shared_days = 3;
  const ColocationScore s = ScoreColocation(model, ev);
  EXPECT_NEAR(std::log(0.5), s.prior_log_odds, 1e-12);
  EXPECT_DOUBLE_EQ(model.same_phone_llr, s.ua_llr);
  EXPECT_DOUBLE_EQ(2 * model.shared_day_llr, s.time_llr);
  EXPECT_NEAR(s.prior_log_odds + s.ua_llr + s.time_llr, s.log_odds, 1e-12);
  EXPECT_NEAR(1 / (1 + std::exp(-s.log_odds)), s.probability, 1e-12);
}

TEST(ColocationModelTest, RareAgentsAndSmallPlacesWeighMore) {
  ColocationModel model;
  EXPECT_GT(CookieChurnLlr(model, 5, 100000), CookieChurnLlr(model, 5000, 100000));
  EXPECT_EQ(0.0, CookieChurnLlr(model, 90000, 100000));  // clamped at 0
  EXPECT_DOUBLE_EQ(model.max_cookie_churn_llr, CookieChurnLlr(model, 0, 10000000));
  EXPECT_GT(ExtraPlaceLlr(model, 20, 10000), ExtraPlaceLlr(model, 200, 10000));
  EXPECT_EQ(0.0, ExtraPlaceLlr(model, 5000, 10000));
  // Two browsers of one build alive at once halve the churn odds.
  ColocationEvidence ev;
  ev.seed_ip_persons = 3;
  ev.ua_relation = UaRelation::kCookieChurn;
  ev.agent_devices = 10;
  ev.devices_with_agent = 10000;
  const double one = ScoreColocation(model, ev).ua_llr;
  ev.concurrent_browsers = 2;
  EXPECT_NEAR(one - std::log(2.0), ScoreColocation(model, ev).ua_llr, 1e-12);
}

}  // namespace
}  // namespace idstitch
