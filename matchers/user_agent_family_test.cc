#include "matchers/user_agent_family.h"

#include <gtest/gtest.h>

#include <string>

namespace idstitch {
namespace {

std::string Describe(const char* agent) {
  return DescribeUserAgentFamily(ParseUserAgent(agent));
}

TEST(UserAgentFamilyTest, ParsesTheGeneratorsAgents) {
  EXPECT_EQ("ios/phone/app/6/iPhone14,2",
            Describe("ShopApp/6.2.1 (iPhone14,2; iOS 17.3; Scale/3.00)"));
  EXPECT_EQ("android/phone/app/6/Pixel 8",
            Describe("ShopApp/6.1.0 (Linux; Android 14; Pixel 8)"));
  EXPECT_EQ("android/tablet/app/6/SM-X710",
            Describe("ShopApp/6.0.3 (Linux; Android 13; SM-X710)"));
  EXPECT_EQ("ipados/tablet/app/6/iPad13,4",
            Describe("ShopApp/6.4.0 (iPad13,4; iPadOS 17.2; Scale/2.00)"));
  EXPECT_EQ("ios/phone/safari/17",
            Describe("Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) "
                     "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 "
                     "Mobile/15E148 Safari/604.1"));
  EXPECT_EQ("android/phone/chrome/131/SM-S918B",
            Describe("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 "
                     "(KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"));
  EXPECT_EQ("macos/desktop/safari/17",
            Describe("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) "
                     "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 "
                     "Safari/605.1.15"));
  EXPECT_EQ("windows/desktop/edge/128",
            Describe("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                     "(KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36 Edg/128.0.0.0"));
  EXPECT_EQ("windows/desktop/firefox/130",
            Describe("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:130.0) "
                     "Gecko/20100101 Firefox/130.0"));
}

TEST(UserAgentFamilyTest, FlagsBotsAndKiosks) {
  EXPECT_TRUE(ParseUserAgent("Mozilla/5.0 (compatible; Googlebot/2.1; "
                             "+http://www.google.com/bot.html)").bot);
  EXPECT_TRUE(ParseUserAgent("python-requests/2.31.0").bot);
  EXPECT_TRUE(ParseUserAgent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
                             "(KHTML, like Gecko) HeadlessChrome/120.0.0.0 "
                             "Safari/537.36").bot);
  const UserAgentFamily kiosk =
      ParseUserAgent("ShopKiosk/2.4 (iPad7,11; iPadOS 16.7; store-kiosk)");
  EXPECT_TRUE(kiosk.kiosk);
  EXPECT_FALSE(kiosk.bot);
  EXPECT_EQ(DeviceClass::kTablet, kiosk.device_class);
  EXPECT_FALSE(ParseUserAgent("ShopApp/6.2.1 (iPhone14,2; iOS 17.3; Scale/3.00)").bot);
}

TEST(UserAgentFamilyTest, UnknownAgentsGiveNoEvidence) {
  EXPECT_EQ(UserAgentFamily(), ParseUserAgent(""));
  EXPECT_EQ("unknown/unknown/unknown", Describe("???"));
  // "Microsoft" holds "cros" but is not ChromeOS.
  EXPECT_EQ(OsFamily::kChromeOs,
            ParseUserAgent("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) "
                           "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
                           "Safari/537.36").os);
  EXPECT_EQ(OsFamily::kUnknown, ParseUserAgent("Microsoft Office/16.0").os);
  // Android browsers without "Mobile" are tablets (Google's convention).
  EXPECT_EQ(DeviceClass::kTablet,
            ParseUserAgent("Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 "
                           "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36")
                .device_class);
}

}  // namespace
}  // namespace idstitch
