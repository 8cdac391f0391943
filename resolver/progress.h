// File: resolver/progress.h
// A one-line progress display on stderr for long runs (records, records/s,
// MB read, elapsed), redrawn at most twice a second. Silent when disabled or
// when stderr is not a terminal, so logs and CI output stay clean.
// Thread safety: Update() from one thread at a time.
#ifndef IDSTITCH_RESOLVER_PROGRESS_H_
#define IDSTITCH_RESOLVER_PROGRESS_H_

#include <cstdint>
#include <string_view>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace idstitch {

class Progress {
 public:
  // `enabled` is further gated on isatty(stderr).
  explicit Progress(bool enabled);
  void Update(uint64_t records, uint64_t bytes);
  // Prints a final line (if enabled) and ends it with a newline.
  void Finish(std::string_view stage, uint64_t records, uint64_t bytes);

 private:
  void Print(std::string_view stage, uint64_t records, uint64_t bytes);
  bool enabled_;
  absl::Time start_;
  absl::Time last_print_;
};

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_PROGRESS_H_
