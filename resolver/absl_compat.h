// File: resolver/absl_compat.h
// Debian 12 builds Abseil with ABSL_OPTION_USE_STD_STRING_VIEW=0, so
// absl::string_view is its own type and does not accept a std::string_view.
// The project speaks std::string_view; AsAbsl() converts at the few calls into
// Abseil that take one (StrCat, SimpleAtoi, ParseTime, heterogeneous lookup).
#ifndef IDSTITCH_RESOLVER_ABSL_COMPAT_H_
#define IDSTITCH_RESOLVER_ABSL_COMPAT_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace idstitch {

inline absl::string_view AsAbsl(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}
inline std::string_view AsStd(absl::string_view text) {
  return std::string_view(text.data(), text.size());
}

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_ABSL_COMPAT_H_
