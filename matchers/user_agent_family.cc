#include "matchers/user_agent_family.h"

#include <array>
#include <cstddef>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "resolver/absl_compat.h"

namespace idstitch {
namespace {

// Substrings (of the lowercased agent) that mark automated traffic. Matching
// "bot" alone is deliberate: "Googlebot", "bingbot", "AhrefsBot", ... and no
// mainstream browser or app agent contains it.
constexpr std::array<std::string_view, 13> kBotMarkers = {
    "bot",      "crawler",  "spider", "slurp",          "python-requests",
    "curl/",    "wget/",    "headless", "go-http-client", "java/",
    "okhttp/",  "httpclient", "facebookexternalhit",
};

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// Major version after `token` ("chrome/" in "chrome/131.0.0.0" -> 131).
int MajorAfter(std::string_view lower, std::string_view token) {
  size_t pos = lower.find(token);
  if (pos == std::string_view::npos) return -1;
  pos += token.size();
  int major = -1;
  // Six digits bound the value: version strings are short, and this keeps
  // int arithmetic far from overflow on hostile input.
  for (size_t i = pos; i < lower.size() && i < pos + 6; ++i) {
    const char c = lower[i];
    if (c < '0' || c > '9') break;
    major = (major < 0 ? 0 : major * 10) + (c - '0');
  }
  return major;
}

// Trims spaces and a trailing " Build/..." (Android WebView agents).
std::string_view TrimModel(std::string_view model) {
  const size_t build = model.find(" Build/");
  if (build != std::string_view::npos) model = model.substr(0, build);
  while (!model.empty() && model.front() == ' ') model.remove_prefix(1);
  while (!model.empty() && model.back() == ' ') model.remove_suffix(1);
  return model;
}

// The model in "(Linux; Android 14; Pixel 8)" (the field after the Android
// version) or the "iPhone14,2" / "iPad7,11" token of an app agent. `ua` is the
// original agent (models keep their case); `lower` its lowercase copy.
std::string FindModel(std::string_view ua, std::string_view lower, OsFamily os) {
  if (os == OsFamily::kAndroid) {
    const size_t android = lower.find("android");
    if (android == std::string_view::npos) return "";
    const size_t semi = lower.find(';', android);
    if (semi == std::string_view::npos) return "";
    const size_t end = lower.find_first_of(";)", semi + 1);
    if (end == std::string_view::npos) return "";
    const std::string_view model = TrimModel(ua.substr(semi + 1, end - semi - 1));
    // Chrome's reduced agent writes a fixed "K" instead of the model.
    if (model.empty() || model == "K") return "";
    return std::string(model);
  }
  for (std::string_view prefix : {"iphone", "ipad"}) {
    size_t pos = lower.find(prefix);
    while (pos != std::string_view::npos) {
      const size_t digits = pos + prefix.size();
      if (digits < lower.size() && lower[digits] >= '0' && lower[digits] <= '9') {
        size_t end = digits;
        while (end < lower.size() &&
               ((lower[end] >= '0' && lower[end] <= '9') || lower[end] == ',')) {
          ++end;
        }
        return std::string(ua.substr(pos, end - pos));
      }
      pos = lower.find(prefix, digits);
    }
  }
  return "";
}

void ClassifyOs(std::string_view lower, bool mozilla, UserAgentFamily& f) {
  if (Contains(lower, "ipad")) {
    f.os = OsFamily::kIpados;
    f.device_class = DeviceClass::kTablet;
  } else if (Contains(lower, "iphone") || Contains(lower, "ipod") ||
             Contains(lower, "; ios ")) {
    f.os = OsFamily::kIos;
    f.device_class = DeviceClass::kPhone;
  } else if (Contains(lower, "android")) {
    f.os = OsFamily::kAndroid;
    // Browsers follow Google's rule ("Mobile" marks a phone); app agents do
    // not, so only a tablet token or a Galaxy Tab model (SM-T, SM-X) says
    // tablet there.
    const bool tablet_model = Contains(lower, "; sm-t") || Contains(lower, "; sm-x");
    const bool tablet = Contains(lower, "tablet") || tablet_model ||
                        (mozilla && !Contains(lower, "mobile"));
    f.device_class = tablet ? DeviceClass::kTablet : DeviceClass::kPhone;
  } else if (Contains(lower, " cros ")) {
    f.os = OsFamily::kChromeOs;
    f.device_class = DeviceClass::kDesktop;
  } else if (Contains(lower, "windows")) {
    f.os = OsFamily::kWindows;
    f.device_class = DeviceClass::kDesktop;
  } else if (Contains(lower, "macintosh") || Contains(lower, "mac os x")) {
    f.os = OsFamily::kMacos;
    f.device_class = DeviceClass::kDesktop;
  } else if (Contains(lower, "linux") || Contains(lower, "x11")) {
    f.os = OsFamily::kLinux;
    f.device_class = DeviceClass::kDesktop;
  }
}

void ClassifyBrowser(std::string_view lower, bool mozilla, UserAgentFamily& f) {
  if (!mozilla) {
    // "ShopApp/6.1.2 (...)": a product token first means a native app.
    const size_t slash = lower.find('/');
    const size_t space = lower.find(' ');
    if (slash != std::string_view::npos && slash > 0 &&
        (space == std::string_view::npos || slash < space)) {
      f.browser = BrowserFamily::kApp;
      f.browser_major = MajorAfter(lower, lower.substr(0, slash + 1));
    }
    return;
  }
  struct Token {
    std::string_view token;
    BrowserFamily family;
  };
  // Order matters: Edge, Opera and Samsung agents also say "Chrome/", and
  // Chrome agents also say "Safari/".
  static constexpr Token kTokens[] = {
      {"edg/", BrowserFamily::kEdge},          {"edga/", BrowserFamily::kEdge},
      {"edgios/", BrowserFamily::kEdge},       {"opr/", BrowserFamily::kOpera},
      {"samsungbrowser/", BrowserFamily::kSamsung},
      {"firefox/", BrowserFamily::kFirefox},   {"fxios/", BrowserFamily::kFirefox},
      {"crios/", BrowserFamily::kChrome},      {"chrome/", BrowserFamily::kChrome},
      {"version/", BrowserFamily::kSafari},
  };
  for (const Token& t : kTokens) {
    if (Contains(lower, t.token)) {
      f.browser = t.family;
      f.browser_major = MajorAfter(lower, t.token);
      return;
    }
  }
  f.browser = BrowserFamily::kOther;
}

}  // namespace

UserAgentFamily ParseUserAgent(std::string_view user_agent) {
  UserAgentFamily f;
  if (user_agent.empty()) return f;
  const std::string lower = absl::AsciiStrToLower(AsAbsl(user_agent));
  for (std::string_view marker : kBotMarkers) {
    if (Contains(lower, marker)) {
      f.bot = true;
      break;
    }
  }
  f.kiosk = Contains(lower, "kiosk");
  const bool mozilla = lower.rfind("mozilla/", 0) == 0;
  ClassifyOs(lower, mozilla, f);
  ClassifyBrowser(lower, mozilla, f);
  f.model = FindModel(user_agent, lower, f.os);
  return f;
}

std::string_view OsFamilyName(OsFamily os) {
  switch (os) {
    case OsFamily::kIos: return "ios";
    case OsFamily::kIpados: return "ipados";
    case OsFamily::kMacos: return "macos";
    case OsFamily::kWindows: return "windows";
    case OsFamily::kAndroid: return "android";
    case OsFamily::kLinux: return "linux";
    case OsFamily::kChromeOs: return "chromeos";
    case OsFamily::kUnknown: break;
  }
  return "unknown";
}

std::string_view DeviceClassName(DeviceClass device_class) {
  switch (device_class) {
    case DeviceClass::kPhone: return "phone";
    case DeviceClass::kTablet: return "tablet";
    case DeviceClass::kDesktop: return "desktop";
    case DeviceClass::kUnknown: break;
  }
  return "unknown";
}

std::string_view BrowserFamilyName(BrowserFamily browser) {
  switch (browser) {
    case BrowserFamily::kApp: return "app";
    case BrowserFamily::kSafari: return "safari";
    case BrowserFamily::kChrome: return "chrome";
    case BrowserFamily::kEdge: return "edge";
    case BrowserFamily::kFirefox: return "firefox";
    case BrowserFamily::kSamsung: return "samsung";
    case BrowserFamily::kOpera: return "opera";
    case BrowserFamily::kOther: return "other";
    case BrowserFamily::kUnknown: break;
  }
  return "unknown";
}

std::string DescribeUserAgentFamily(const UserAgentFamily& family) {
  std::string out = absl::StrCat(AsAbsl(OsFamilyName(family.os)), "/",
                                 AsAbsl(DeviceClassName(family.device_class)), "/",
                                 AsAbsl(BrowserFamilyName(family.browser)));
  if (family.browser_major >= 0) absl::StrAppend(&out, "/", family.browser_major);
  if (!family.model.empty()) absl::StrAppend(&out, "/", family.model);
  if (family.bot) absl::StrAppend(&out, "/bot");
  if (family.kiosk) absl::StrAppend(&out, "/kiosk");
  return out;
}

}  // namespace idstitch
