#include "resolver/atomic_file.h"

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
  // mkstemp creates 0600; outputs are meant to be read by other tools and users.
  if (fd >= 0) fchmod(fd, 0644);
  FILE* file = fd >= 0 ? fdopen(fd, "wb") : nullptr;
  if (file == nullptr) {
    if (fd >= 0) close(fd);
    return absl::UnavailableError(
        absl::StrCat(path, ": cannot create output: ", strerror(errno)));
  }
  return std::unique_ptr<AtomicFile>(new AtomicFile(path, temp_path, file));
}

AtomicFile::AtomicFile(std::string path, std::string temp_path, FILE* file)
    : path_(std::move(path)), temp_path_(std::move(temp_path)), file_(file) {}

AtomicFile::~AtomicFile() {
  if (file_ != nullptr) fclose(file_);
  if (!committed_) unlink(temp_path_.c_str());
}

void AtomicFile::FlushBuffer() {
  if (!buffer_.empty() && fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
    write_failed_ = true;
  }
  buffer_.clear();
}

absl::Status AtomicFile::Commit() {
  FlushBuffer();
  bool ok = !write_failed_ && fflush(file_) == 0 && fsync(fileno(file_)) == 0;
  int error = errno;
  ok = (fclose(file_) == 0) && ok;
  file_ = nullptr;
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
