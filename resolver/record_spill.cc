#include "resolver/record_spill.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace idstitch {
namespace {

constexpr size_t kStdioBuffer = 1 << 20;

}  // namespace

absl::StatusOr<std::unique_ptr<RecordSpill>> RecordSpill::Create(const std::string& directory) {
  std::string path = absl::StrCat(directory, "/.idstitch-spill-XXXXXX");
  int fd = mkstemp(path.data());
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat(directory, ": cannot create a temporary file: ", strerror(errno)));
  }
  unlink(path.c_str());
  FILE* file = fdopen(fd, "w+b");
  if (file == nullptr) {
    close(fd);
    return absl::UnavailableError(absl::StrCat(directory, ": fdopen: ", strerror(errno)));
  }
  setvbuf(file, nullptr, _IOFBF, kStdioBuffer);
  return std::unique_ptr<RecordSpill>(new RecordSpill(file));
}

RecordSpill::~RecordSpill() { fclose(file_); }

void RecordSpill::Write(std::string_view record_id, int64_t ts, uint16_t event,
                        absl::Span<const NodeId> nodes) {
  // record_id length is bounded by max_field_length (<= 65535) or FILE:LINE.
  uint16_t id_length = static_cast<uint16_t>(std::min<size_t>(record_id.size(), 65535));
  uint8_t count = static_cast<uint8_t>(nodes.size());
  bool ok = fwrite(&id_length, sizeof(id_length), 1, file_) == 1 &&
            fwrite(record_id.data(), 1, id_length, file_) == id_length &&
            fwrite(&ts, sizeof(ts), 1, file_) == 1 &&
            fwrite(&event, sizeof(event), 1, file_) == 1 &&
            fwrite(&count, sizeof(count), 1, file_) == 1 &&
            (count == 0 || fwrite(nodes.data(), sizeof(NodeId), count, file_) == count);
  if (!ok) write_failed_ = true;
  ++records_;
}

absl::Status RecordSpill::FinishWriting() {
  if (write_failed_ || fflush(file_) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot write the temporary record log: ", strerror(errno)));
  }
  rewind(file_);
  return absl::OkStatus();
}

absl::StatusOr<bool> RecordSpill::Read(SpilledRecord* record) {
  uint16_t id_length;
  if (fread(&id_length, sizeof(id_length), 1, file_) != 1) {
    if (feof(file_)) return false;
    return absl::DataLossError("temporary record log unreadable");
  }
  uint8_t count;
  record->record_id.resize(id_length);
  bool ok = fread(record->record_id.data(), 1, id_length, file_) == id_length &&
            fread(&record->ts, sizeof(record->ts), 1, file_) == 1 &&
            fread(&record->event, sizeof(record->event), 1, file_) == 1 &&
            fread(&count, sizeof(count), 1, file_) == 1;
  if (ok) {
    record->nodes.resize(count);
    ok = count == 0 || fread(record->nodes.data(), sizeof(NodeId), count, file_) == count;
  }
  if (!ok) return absl::DataLossError("temporary record log truncated");
  return true;
}

}  // namespace idstitch
