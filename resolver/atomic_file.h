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
#include "resolver/block_writer.h"

namespace idstitch {

class AtomicFile {
 public:
  // Creates the temp file for `path`. Unavailable naming the path on failure.
  static absl::StatusOr<std::unique_ptr<AtomicFile>> Create(const std::string& path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;  // owns a file descriptor
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Buffered (resolver/block_writer: large blocks, O_DIRECT where the
  // filesystem allows, written on a thread of its own); errors surface at
  // Sync() or Commit().
  void Append(std::string_view text) {
    synced_ = false;
    writer_->Append(text);
  }
  // Appends every piece in order.
  void AppendPieces(const std::vector<std::string>& pieces) {
    for (const std::string& piece : pieces) Append(piece);
  }
  // Flushes and syncs the temp file (Commit() does it if not done): files
  // synced side by side wait for the disk once, not once each.
  absl::Status Sync();
  // Flushes, syncs and renames the temp file over the target. Nothing may be
  // appended afterwards.
  absl::Status Commit();
  const std::string& path() const { return path_; }

 private:
  AtomicFile(std::string path, std::string temp_path, int fd);

  std::string path_;
  std::string temp_path_;
  int fd_;
  std::unique_ptr<BlockWriter> writer_;
  int write_errno_ = 0;
  bool synced_ = false;
  bool write_failed_ = false;
  bool committed_ = false;
};

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_ATOMIC_FILE_H_
