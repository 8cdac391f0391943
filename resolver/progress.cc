#include "resolver/progress.h"

#include <unistd.h>

#include <cstdio>

namespace idstitch {

Progress::Progress(bool enabled)
    : enabled_(enabled && isatty(STDERR_FILENO)),
      start_(absl::Now()),
      last_print_(absl::InfinitePast()) {}

void Progress::Update(uint64_t records, uint64_t bytes) {
  if (!enabled_) return;
  absl::Time now = absl::Now();
  if (now - last_print_ < absl::Milliseconds(500)) return;
  last_print_ = now;
  Print("reading", records, bytes);
}

void Progress::Print(std::string_view stage, uint64_t records, uint64_t bytes) {
  double seconds = absl::ToDoubleSeconds(absl::Now() - start_);
  double rate = seconds > 0 ? records / seconds : 0;
  fprintf(stderr, "\r%.*s: %llu records, %.0f records/s, %.1f MB, %.1f s   ",
          static_cast<int>(stage.size()), stage.data(),
          static_cast<unsigned long long>(records), rate, bytes / 1e6, seconds);
  fflush(stderr);
}

void Progress::Finish(std::string_view stage, uint64_t records, uint64_t bytes) {
  if (!enabled_) return;
  Print(stage, records, bytes);
  fputc('\n', stderr);
}

}  // namespace idstitch
