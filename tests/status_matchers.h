// File: tests/status_matchers.h
// StatusIs(code) and IsOkAndHolds(matcher) gMock matchers for absl::Status and
// absl::StatusOr<T>, and ASSERT_OK / EXPECT_OK; Debian 12's Abseil ships none.
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

MATCHER_P(IsOkAndHolds, inner, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status().ToString();
    return false;
  }
  return ::testing::ExplainMatchResult(inner, *arg, result_listener);
}

#define ASSERT_OK(expr) ASSERT_EQ(::idstitch::GetStatus(expr), ::absl::OkStatus())
#define EXPECT_OK(expr) EXPECT_EQ(::idstitch::GetStatus(expr), ::absl::OkStatus())

}  // namespace idstitch

#endif  // IDSTITCH_TESTS_STATUS_MATCHERS_H_
