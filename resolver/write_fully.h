// File: resolver/write_fully.h
// write(2) until every byte is written: retries short writes and EINTR.
// Used by the files the engine writes through its own buffers (AtomicFile,
// RecordSpill).
#ifndef IDSTITCH_RESOLVER_WRITE_FULLY_H_
#define IDSTITCH_RESOLVER_WRITE_FULLY_H_

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string_view>

namespace idstitch {

// Returns 0, or the errno of the failure (ENOSPC if write() wrote nothing).
inline int WriteFully(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? errno : ENOSPC;
    text.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

// The same with pwrite(2) at `offset` (the file position is not used).
inline int PwriteFully(int fd, std::string_view text, uint64_t offset) {
  while (!text.empty()) {
    const ssize_t n = pwrite(fd, text.data(), text.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? errno : ENOSPC;
    text.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return 0;
}

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_WRITE_FULLY_H_
