#include "resolver/atomic_file.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "resolver/write_fully.h"

namespace idstitch {

absl::StatusOr<std::unique_ptr<AtomicFile>> AtomicFile::Create(const std::string& path) {
  std::filesystem::path target(path);
  std::string temp_path =
      (target.parent_path() / absl::StrCat(".", target.filename().string(), ".tmp-XXXXXX"))
          .string();
  int fd = mkstemp(temp_path.data());
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat(path, ": cannot create output: ", strerror(errno)));
  }
  // mkstemp creates 0600; outputs are meant to be read by other tools and users.
  fchmod(fd, 0644);
  return std::unique_ptr<AtomicFile>(new AtomicFile(path, temp_path, fd));
}

AtomicFile::AtomicFile(std::string path, std::string temp_path, int fd)
    : path_(std::move(path)), temp_path_(std::move(temp_path)), fd_(fd) {}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) close(fd_);
  if (!committed_) unlink(temp_path_.c_str());
}

void AtomicFile::WriteAll(std::string_view text) {
  if (write_failed_ || text.empty()) return;
  write_errno_ = WriteFully(fd_, text);
  write_failed_ = write_errno_ != 0;
  if (!write_failed_) AfterWrite(text.size());
}

void AtomicFile::AppendPieces(const std::vector<std::string>& pieces) {
  synced_ = false;
  FlushBuffer();
  std::vector<iovec> pending;
  for (const std::string& piece : pieces) {
    if (!piece.empty()) pending.push_back({const_cast<char*>(piece.data()), piece.size()});
  }
  size_t first = 0;
  while (!write_failed_ && first < pending.size()) {
    const int count = static_cast<int>(std::min<size_t>(pending.size() - first, IOV_MAX));
    ssize_t n = writev(fd_, pending.data() + first, count);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      write_failed_ = true;
      write_errno_ = n < 0 ? errno : ENOSPC;
      return;
    }
    AfterWrite(static_cast<size_t>(n));
    // Skip what was written: whole pieces, then part of one.
    size_t left = static_cast<size_t>(n);
    while (first < pending.size() && left >= pending[first].iov_len) left -= pending[first++].iov_len;
    if (left > 0) {
      pending[first].iov_base = static_cast<char*>(pending[first].iov_base) + left;
      pending[first].iov_len -= left;
    }
  }
}

void AtomicFile::AfterWrite(size_t bytes) {
  bytes_written_ += bytes;
  // Start writing back what is complete, without waiting: the final fsync
  // then finds most of a large file already on disk.
  constexpr uint64_t kWritebackBytes = uint64_t{8} << 20;
  if (!write_failed_ && bytes_written_ - writeback_started_ >= kWritebackBytes) {
    sync_file_range(fd_, static_cast<off_t>(writeback_started_),
                    static_cast<off_t>(bytes_written_ - writeback_started_),
                    SYNC_FILE_RANGE_WRITE);
    writeback_started_ = bytes_written_;
  }
}

void AtomicFile::FlushBuffer() {
  WriteAll(buffer_);
  buffer_.clear();
}

absl::Status AtomicFile::Sync() {
  if (synced_) return absl::OkStatus();
  FlushBuffer();
  if (!write_failed_ && fsync(fd_) != 0) {
    write_failed_ = true;
    write_errno_ = errno;
  }
  if (write_failed_) {
    return absl::UnavailableError(
        absl::StrCat(path_, ": write failed: ", strerror(write_errno_ ? write_errno_ : EIO)));
  }
  synced_ = true;
  return absl::OkStatus();
}

absl::Status AtomicFile::Commit() {
  absl::Status synced = Sync();
  int error = write_errno_;
  bool ok = synced.ok();
  if (close(fd_) != 0 && ok) {
    ok = false;
    error = errno;
  }
  fd_ = -1;
  if (!ok) {
    return absl::UnavailableError(
        absl::StrCat(path_, ": write failed: ", strerror(error ? error : EIO)));
  }
  if (rename(temp_path_.c_str(), path_.c_str()) != 0) {
    return absl::UnavailableError(
        absl::StrCat(path_, ": cannot rename into place: ", strerror(errno)));
  }
  committed_ = true;
  return absl::OkStatus();
}

}  // namespace idstitch
