#include "resolver/record_spill.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "resolver/absl_compat.h"
#include "resolver/write_fully.h"

namespace idstitch {
namespace {

constexpr size_t kIoBytes = 1 << 20;

// Writes the raw bytes of a trivially copyable value; returns the end.
template <typename T>
char* PutBytes(const T& value, char* out) {
  std::memcpy(out, &value, sizeof(T));
  return out + sizeof(T);
}

template <typename T>
T TakeBytes(const std::string& in, size_t& position) {
  T value;
  std::memcpy(&value, in.data() + position, sizeof(T));
  position += sizeof(T);
  return value;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RecordSpill>> RecordSpill::Create(const std::string& directory) {
  std::string path = absl::StrCat(directory, "/.idstitch-spill-XXXXXX");
  int fd = mkstemp(path.data());
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat(directory, ": cannot create a temporary file: ", strerror(errno)));
  }
  unlink(path.c_str());
  return std::unique_ptr<RecordSpill>(new RecordSpill(directory, fd));
}

RecordSpill::~RecordSpill() { close(fd_); }

void RecordSpill::Write(std::string_view record_id, int64_t ts, uint16_t event,
                        absl::Span<const NodeId> nodes) {
  // record_id length is bounded by max_field_length (<= 65535) or FILE:LINE.
  uint16_t id_length = static_cast<uint16_t>(std::min<size_t>(record_id.size(), 65535));
  uint8_t count = static_cast<uint8_t>(nodes.size());
  // One resize and fixed-size copies: six appends, each checking capacity,
  // were 1.6% of a run's instructions in this serial stage.
  const size_t at = buffer_.size();
  buffer_.resize(at + sizeof(id_length) + id_length + sizeof(ts) + sizeof(event) + sizeof(count) +
                 sizeof(NodeId) * count);
  char* out = buffer_.data() + at;
  out = PutBytes(id_length, out);
  std::memcpy(out, record_id.data(), id_length);
  out = PutBytes(ts, out + id_length);
  out = PutBytes(event, out);
  out = PutBytes(count, out);
  std::memcpy(out, nodes.data(), sizeof(NodeId) * count);
  ++records_;
  if (buffer_.size() >= kIoBytes) FlushWrites();
}

void RecordSpill::FlushWrites() {
  if (!write_failed_) {
    write_errno_ = WriteFully(fd_, buffer_);
    write_failed_ = write_errno_ != 0;
  }
  buffer_.clear();
}

absl::Status RecordSpill::FinishWriting() {
  FlushWrites();
  if (write_failed_ || lseek(fd_, 0, SEEK_SET) != 0) {
    return absl::UnavailableError(absl::StrCat(directory_, ": cannot write the temporary record log: ",
                                               strerror(write_failed_ ? write_errno_ : errno)));
  }
  buffer_.clear();
  read_position_ = 0;
  return absl::OkStatus();
}

bool RecordSpill::Fill(size_t bytes) {
  if (buffer_.size() - read_position_ >= bytes) return true;
  buffer_.erase(0, read_position_);
  read_position_ = 0;
  const size_t want = std::max(bytes, kIoBytes);
  while (buffer_.size() < want) {
    const size_t before = buffer_.size();
    buffer_.resize(want);
    ssize_t n = read(fd_, buffer_.data() + before, want - before);
    if (n < 0 && errno == EINTR) {
      buffer_.resize(before);
      continue;
    }
    buffer_.resize(before + static_cast<size_t>(std::max<ssize_t>(n, 0)));
    if (n < 0) read_errno_ = errno;
    if (n <= 0) break;
  }
  return buffer_.size() >= bytes;
}

absl::Status RecordSpill::ReadError(std::string_view what) const {
  return absl::DataLossError(absl::StrCat(
      directory_, ": temporary record log ",
      read_errno_ != 0 ? absl::StrCat("unreadable (", strerror(read_errno_), ")")
                       : std::string("truncated"),
      " while reading ", AsAbsl(what)));
}

absl::Status RecordSpill::ReadBatch(size_t max_records, SpilledBatch* batch) {
  constexpr size_t kHeadBytes = SpilledBatch::kHeadBytes;
  constexpr size_t kFixedBytes = SpilledBatch::kFixedBytes;
  batch->bytes_.clear();
  batch->entries_.clear();
  while (batch->entries_.size() < max_records) {
    if (!Fill(kHeadBytes)) {
      if (read_errno_ == 0 && buffer_.size() == read_position_) break;  // the end
      return ReadError("a record's length");
    }
    size_t at = read_position_;
    const uint16_t id_length = TakeBytes<uint16_t>(buffer_, at);
    if (!Fill(kHeadBytes + id_length + kFixedBytes)) return ReadError("a record");
    at = read_position_ + kHeadBytes + id_length;  // Fill() may have moved the bytes
    SpilledBatch::Entry entry;
    entry.id_length = id_length;
    entry.ts = TakeBytes<int64_t>(buffer_, at);
    entry.event = TakeBytes<uint16_t>(buffer_, at);
    entry.node_count = TakeBytes<uint8_t>(buffer_, at);
    const size_t record_bytes = at - read_position_ + sizeof(NodeId) * entry.node_count;
    if (!Fill(record_bytes)) return ReadError("a record's identifiers");
    entry.offset = batch->bytes_.size();
    batch->bytes_.append(buffer_.data() + read_position_, record_bytes);
    batch->entries_.push_back(entry);
    read_position_ += record_bytes;
  }
  return absl::OkStatus();
}

}  // namespace idstitch
