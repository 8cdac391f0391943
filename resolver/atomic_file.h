// File: resolver/atomic_file.h
// An output file that appears whole or not at all: written to a hidden temp
// file in the target directory, then renamed over the target on Commit().
// A writer destroyed without Commit() removes its temp file, so a failed or
// interrupted run never leaves a half-written identity map.
// Thread safety: one writer per thread.
#ifndef IDSTITCH_RESOLVER_ATOMIC_FILE_H_
#define IDSTITCH_RESOLVER_ATOMIC_FILE_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace idstitch {

class AtomicFile {
 public:
  // Creates the temp file for `path`. Unavailable naming the path on failure.
  static absl::StatusOr<std::unique_ptr<AtomicFile>> Create(const std::string& path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;  // owns a file descriptor
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Buffered; errors surface at Commit(). Text of a megabyte or more goes
  // straight to the file.
  void Append(std::string_view text) {
    synced_ = false;
    if (buffer_.size() + text.size() >= kFlushBytes) {
      FlushBuffer();
      if (text.size() >= kFlushBytes) {
        WriteAll(text);
        return;
      }
    }
    buffer_.append(text);
  }
  // Appends every piece in order, written with one writev() (after what is
  // buffered) instead of copied into the buffer.
  void AppendPieces(const std::vector<std::string>& pieces);
  // Flushes and syncs the temp file (Commit() does it if not done): files
  // synced side by side wait for the disk once, not once each.
  absl::Status Sync();
  // Flushes, syncs and renames the temp file over the target.
  absl::Status Commit();
  const std::string& path() const { return path_; }

 private:
  static constexpr size_t kFlushBytes = 1 << 20;
  AtomicFile(std::string path, std::string temp_path, int fd);
  void FlushBuffer();
  void WriteAll(std::string_view text);
  void AfterWrite(size_t bytes);

  std::string path_;
  std::string temp_path_;
  int fd_;
  int write_errno_ = 0;
  uint64_t bytes_written_ = 0;
  uint64_t writeback_started_ = 0;  // bytes handed to sync_file_range
  bool synced_ = false;
  std::string buffer_;
  bool write_failed_ = false;
  bool committed_ = false;
};

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_ATOMIC_FILE_H_
