// File: resolver/status_macros.h
// RETURN_IF_ERROR and ASSIGN_OR_RETURN for absl::Status / absl::StatusOr.
// Debian 12's Abseil (20220623) predates ABSL_RETURN_IF_ERROR, so the project
// defines the two macros once, here.
#ifndef IDSTITCH_RESOLVER_STATUS_MACROS_H_
#define IDSTITCH_RESOLVER_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define IDSTITCH_CONCAT_INNER_(a, b) a##b
#define IDSTITCH_CONCAT_(a, b) IDSTITCH_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status) and returns it from the caller if not OK.
#define RETURN_IF_ERROR(expr)                 \
  do {                                        \
    ::absl::Status idstitch_status_ = (expr); \
    if (!idstitch_status_.ok()) return idstitch_status_; \
  } while (0)

// `lhs` = value of `rexpr` (an absl::StatusOr<T>), or returns its status.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  ASSIGN_OR_RETURN_IMPL_(IDSTITCH_CONCAT_(idstitch_or_, __LINE__), lhs, rexpr)

#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                           \
  if (!tmp.ok()) return tmp.status();           \
  lhs = std::move(tmp).value()

#endif  // IDSTITCH_RESOLVER_STATUS_MACROS_H_
