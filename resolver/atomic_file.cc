#include "resolver/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"

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
    : path_(std::move(path)), temp_path_(std::move(temp_path)), fd_(fd),
      writer_(std::make_unique<BlockWriter>(fd)) {}

AtomicFile::~AtomicFile() {
  writer_.reset();  // stops its thread before the descriptor closes
  if (fd_ >= 0) close(fd_);
  if (!committed_) unlink(temp_path_.c_str());
}

absl::Status AtomicFile::Sync() {
  if (synced_) return absl::OkStatus();
  if (!write_failed_) {
    write_errno_ = writer_->Finish();
    write_failed_ = write_errno_ != 0;
  }
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
  writer_.reset();  // joins its thread (idle after Sync) before the close
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
