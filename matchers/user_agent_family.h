// File: matchers/user_agent_family.h
// A small, allocation-light user-agent classifier for the co-location matcher
// (matchers/colocation_matcher.h): it reduces a User-Agent header to the few
// facts that tell whether two devices can belong to one user: the OS family,
// the device class (phone, tablet, desktop), the browser family (or a native
// app), the browser's major version, the hardware model when the agent names
// one, and whether the agent is a bot/crawler/script or a store kiosk.
// It is not a full UA database: unknown agents come back as kUnknown fields,
// which the matcher treats as "no evidence" rather than as a mismatch.
#ifndef IDSTITCH_MATCHERS_USER_AGENT_FAMILY_H_
#define IDSTITCH_MATCHERS_USER_AGENT_FAMILY_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace idstitch {

enum class OsFamily : uint8_t {
  kUnknown,
  kIos,     // iPhone / iPod
  kIpados,  // iPad (including iPads reporting "iPadOS" in app agents)
  kMacos,
  kWindows,
  kAndroid,
  kLinux,  // desktop Linux / X11
  kChromeOs,
};

enum class DeviceClass : uint8_t { kUnknown, kPhone, kTablet, kDesktop };

enum class BrowserFamily : uint8_t {
  kUnknown,
  kApp,  // a native app's own agent ("ShopApp/6.1.2 (...)"), not a browser
  kSafari,
  kChrome,
  kEdge,
  kFirefox,
  kSamsung,
  kOpera,
  kOther,  // "Mozilla/5.0 ..." with no recognized browser token
};

// What ParseUserAgent() extracts. Thread safety: a plain value.
struct UserAgentFamily {
  OsFamily os = OsFamily::kUnknown;
  DeviceClass device_class = DeviceClass::kUnknown;
  BrowserFamily browser = BrowserFamily::kUnknown;
  int browser_major = -1;  // major version of the browser or app; -1 unknown
  // Hardware model when the agent names it ("iPhone14,2", "Pixel 7",
  // "SM-S918B"), as written; empty when absent (desktop and iOS Safari
  // agents never name one).
  std::string model;
  bool bot = false;    // crawler, monitoring or HTTP-library agent
  bool kiosk = false;  // a shared in-store device ("kiosk" in the agent)

  friend bool operator==(const UserAgentFamily&,
                         const UserAgentFamily&) = default;
};

// Classifies `user_agent`. Never fails: an empty or unrecognized agent gives
// an all-kUnknown family (bot and kiosk false).
UserAgentFamily ParseUserAgent(std::string_view user_agent);

// Short names for reports and tests: "ios", "phone", "safari", ...
std::string_view OsFamilyName(OsFamily os);
std::string_view DeviceClassName(DeviceClass device_class);
std::string_view BrowserFamilyName(BrowserFamily browser);

// "os/class/browser[/major][/model][/bot][/kiosk]", e.g.
// "android/phone/chrome/131/Pixel 7". For tests and link explanations.
std::string DescribeUserAgentFamily(const UserAgentFamily& family);

}  // namespace idstitch

#endif  // IDSTITCH_MATCHERS_USER_AGENT_FAMILY_H_
