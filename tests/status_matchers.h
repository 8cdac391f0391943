// File: tests/status_matchers.h
// StatusIs(code) gMock matcher for absl::Status and absl::StatusOr<T>; Debian 12's
// Abseil ships no status matchers.
#ifndef IDSTITCH_TESTS_STATUS_MATCHERS_H_
#define IDSTITCH_TESTS_STATUS_MATCHERS_H_

#include <gmock/gmock.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace idstitch {

inline const absl::Status& GetStatus(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER_P(StatusIs, code, "has status code " + absl::StatusCodeToString(code)) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status.ToString();
  return status.code() == code;
}

}  // namespace idstitch

#endif  // IDSTITCH_TESTS_STATUS_MATCHERS_H_
