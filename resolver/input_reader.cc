#include "resolver/input_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "resolver/csv.h"

namespace idstitch {
namespace {

// zlib reads straight into our buffer only for requests of at least twice
// its own buffer; smaller ones are copied through it. A chunk's read is
// about a chunk (256 KiB by default).
constexpr size_t kZlibBuffer = 1 << 16;
// Reads past a chunk's worth (a long line, a CSV header) go this far at a time.
constexpr size_t kMoreBytes = 1 << 17;
static_assert(kMoreBytes >= 2 * kZlibBuffer);
// The smallest read towards a chunk (a tiny chunk size, in tests).
constexpr size_t kMinReadBytes = 1 << 12;
// How far ahead of the reader the kernel is asked to bring the file into the
// page cache. Its own read-ahead (128 KiB) runs only while the reader waits
// on the disk, which then idles while the pipeline parses: the serial read
// stage of a cold 10M-event file was busy 3-4.6 s against 0.6 s warm.
constexpr int64_t kReadAheadBytes = int64_t{128} << 20;
// The kernel acts on only part of a large WILLNEED request (256 MiB asked at
// once and a second's pause left the read 14x slower than cached; 2 MiB
// requests over the same range left it cached), so the window is asked for in
// steps.
constexpr int64_t kReadAheadStep = int64_t{2} << 20;

gzFile AsGz(void* gz) { return static_cast<gzFile>(gz); }

uint64_t CountNewlines(const char* begin, size_t size) {
  uint64_t count = 0;
  const char* end = begin + size;
  for (const char* p = begin; (p = static_cast<const char*>(memchr(p, '\n', end - p)));
       ++p) {
    ++count;
  }
  return count;
}

}  // namespace

absl::StatusOr<InputFormat> ResolveFormat(const std::string& path, InputFormat format) {
  if (format != InputFormat::kAuto) return format;
  if (path == "-") return InputFormat::kJsonl;
  std::string lower = absl::AsciiStrToLower(path);
  absl::string_view name = lower;
  if (absl::EndsWith(name, ".gz")) name.remove_suffix(3);
  if (absl::EndsWith(name, ".jsonl") || absl::EndsWith(name, ".ndjson") ||
      absl::EndsWith(name, ".json")) {
    return InputFormat::kJsonl;
  }
  if (absl::EndsWith(name, ".csv")) return InputFormat::kCsv;
  return absl::InvalidArgumentError(absl::StrCat(
      path, ": cannot tell the format from the extension; name it .jsonl or .csv "
            "(optionally .gz) or pass --format"));
}

absl::StatusOr<std::unique_ptr<InputReader>> InputReader::Open(
    const std::string& path, uint32_t file_index, InputFormat format,
    size_t max_line_length, size_t chunk_bytes) {
  const int fd = path == "-" ? dup(STDIN_FILENO) : open(path.c_str(), O_RDONLY | O_CLOEXEC);
  gzFile gz = fd < 0 ? nullptr : gzdopen(fd, "rb");
  if (gz == nullptr) {
    int error = errno;
    if (fd >= 0) close(fd);
    std::string message = absl::StrCat(path, ": cannot open: ", strerror(error));
    if (error == EACCES) return absl::PermissionDeniedError(message);
    return absl::NotFoundError(message);
  }
  gzbuffer(gz, kZlibBuffer);
  std::unique_ptr<InputReader> reader(
      new InputReader(path, file_index, format, max_line_length, chunk_bytes, gz));
  struct stat info;
  if (fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) {
    reader->read_ahead_fd_ = fd;
    reader->read_ahead_end_ = info.st_size;
  }
  if (format == InputFormat::kCsv) {
    absl::StatusOr<bool> header = reader->ReadCsvHeader();
    if (!header.ok()) return header.status();
  }
  return reader;
}

InputReader::InputReader(std::string path, uint32_t file_index, InputFormat format,
                         size_t max_line_length, size_t chunk_bytes, void* gz)
    : path_(std::move(path)), file_index_(file_index), format_(format),
      max_line_length_(max_line_length), chunk_bytes_(chunk_bytes), gz_(gz) {}

InputReader::~InputReader() { gzclose(AsGz(gz_)); }

void InputReader::AdviseReadAhead() {
  const int64_t position = gzoffset(AsGz(gz_));  // in the file, compressed or not
  if (position < 0) return;
  advised_until_ = std::max(advised_until_, position);
  while (advised_until_ < std::min(position + kReadAheadBytes, read_ahead_end_)) {
    if (posix_fadvise(read_ahead_fd_, advised_until_, kReadAheadStep, POSIX_FADV_WILLNEED) != 0) {
      read_ahead_fd_ = -1;  // only a hint: reading goes on without it
      return;
    }
    advised_until_ += kReadAheadStep;
  }
}

absl::StatusOr<bool> InputReader::Fill() {
  if (eof_) return false;
  // Up to a chunk's worth pending, or more if a chunk's worth is not enough.
  const size_t pending_bytes = end_ - begin_;
  const size_t read_bytes = pending_bytes < chunk_bytes_
                                ? std::max(chunk_bytes_ - pending_bytes, kMinReadBytes)
                                : kMoreBytes;
  // Room for the read, a closing newline and a chunk's padding.
  const size_t needed = read_bytes + 1 + kChunkPadding;
  if (end_ + needed > capacity_) {
    if (pending_bytes + needed > capacity_) {
      const size_t capacity = std::max(2 * capacity_, pending_bytes + needed);
      std::unique_ptr<char[]> bigger = std::make_unique_for_overwrite<char[]>(capacity);
      if (pending_bytes > 0) std::memcpy(bigger.get(), buffer_.get() + begin_, pending_bytes);
      buffer_ = std::move(bigger);
      capacity_ = capacity;
    } else if (pending_bytes > 0) {
      std::memmove(buffer_.get(), buffer_.get() + begin_, pending_bytes);
    }
    begin_ = 0;
    end_ = pending_bytes;
  }
  if (read_ahead_fd_ >= 0) AdviseReadAhead();
  int got = gzread(AsGz(gz_), buffer_.get() + end_, static_cast<unsigned>(read_bytes));
  if (got < 0) {
    int code = 0;
    const char* message = gzerror(AsGz(gz_), &code);
    return absl::DataLossError(absl::StrCat(path_, ": read error: ", message));
  }
  // Spreadsheet exports often start with a UTF-8 byte order mark; it is not
  // part of the first field name or JSON object.
  const bool byte_order_mark =
      bytes_read_ == 0 && got >= 3 && std::memcmp(buffer_.get() + end_, "\xEF\xBB\xBF", 3) == 0;
  end_ += got;
  if (byte_order_mark) Consume(3);
  bytes_read_ += got;
  if (got > 0) empty_ = false;
  if (got == 0) {
    // zlib returns 0 with Z_BUF_ERROR when a gzip stream ends early.
    int code = Z_OK;
    gzerror(AsGz(gz_), &code);
    if (code == Z_BUF_ERROR) {
      return absl::DataLossError(absl::StrCat(path_, ": truncated gzip stream"));
    }
    eof_ = true;
    // A last line without its newline is still a line.
    if (end_ > begin_ && buffer_[end_ - 1] != '\n') buffer_[end_++] = '\n';
    return false;
  }
  return true;
}

size_t InputReader::CutPoint(size_t limit) const {
  const std::string_view text = pending().substr(0, limit);
  if (format_ == InputFormat::kJsonl) {
    size_t last_newline = text.rfind('\n');
    return last_newline == std::string_view::npos ? 0 : last_newline + 1;
  }
  // CSV: the end of the last whole row before the limit.
  size_t cut = 0;
  for (size_t end; (end = FindCsvRowEnd(text, cut)) != std::string_view::npos;) cut = end + 1;
  return cut;
}

absl::StatusOr<bool> InputReader::ReadCsvHeader() {
  while (true) {
    const std::string_view text = pending();
    size_t row_end = FindCsvRowEnd(text, 0);
    size_t cut = row_end == std::string_view::npos ? 0 : row_end + 1;
    if (cut > 0) {
      std::string_view row(text.data(), cut - 1);
      if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
      absl::Status split = SplitCsvRow(row, &csv_header_);
      if (!split.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(path_, ":", next_line_, ": bad CSV header: ", split.message()));
      }
      next_line_ += CountNewlines(text.data(), cut);
      Consume(cut);
      return true;
    }
    if (text.size() > max_line_length_) {
      return absl::InvalidArgumentError(
          absl::StrCat(path_, ":1: CSV header longer than ", max_line_length_, " bytes"));
    }
    if (eof_) {
      if (text.empty()) return false;
      return absl::InvalidArgumentError(
          absl::StrCat(path_, ":1: bad CSV header: unterminated quote"));
    }
    absl::StatusOr<bool> more = Fill();
    if (!more.ok()) return more.status();
  }
}

size_t InputReader::FirstOverlongRow(size_t cut, size_t* row_end) const {
  // No row inside [0, cut) is longer than cut: with the default limits (1 MiB
  // rows, 256 KiB chunks) this skips a serial pass over every line.
  if (cut <= max_line_length_) return std::string::npos;
  if (format_ == InputFormat::kJsonl) {
    // memchr from newline to newline: this runs in the pipeline's serial stage.
    const char* data = pending().data();
    size_t row_start = 0;
    while (row_start < cut) {
      const void* newline = memchr(data + row_start, '\n', cut - row_start);
      size_t end = newline ? static_cast<const char*>(newline) - data : cut;
      if (end - row_start > max_line_length_) {
        *row_end = end;
        return row_start;
      }
      row_start = end + 1;
    }
    return std::string::npos;
  }
  const std::string_view text = pending().substr(0, cut);
  for (size_t row_start = 0; row_start < cut;) {
    size_t end = FindCsvRowEnd(text, row_start);
    if (end == std::string_view::npos) end = cut;
    if (end - row_start > max_line_length_) {
      *row_end = end;
      return row_start;
    }
    row_start = end + 1;
  }
  return std::string::npos;
}

absl::StatusOr<bool> InputReader::SkipOverlongLine(InputChunk* chunk) {
  // Longer than the limit and no end in sight: discard it as it streams in.
  chunk->overlong_lines.push_back(next_line_);
  while (true) {
    const std::string_view text = pending();
    size_t newline = text.find('\n');
    if (newline != std::string_view::npos) {
      Consume(newline + 1);
      ++next_line_;
      return true;
    }
    Consume(text.size());
    absl::StatusOr<bool> more = Fill();
    if (!more.ok()) return more.status();
    if (!*more && pending().empty()) {
      ++next_line_;
      return true;
    }
  }
}

void InputReader::HandOver(size_t cut, InputChunk* chunk) {
  // Fill() left room for the padding after every read, so the chunk's lines
  // are followed by readable bytes: the rest of the read, then spare room.
  const size_t rest = end_ - (begin_ + cut);
  std::unique_ptr<char[]> next = std::move(chunk->buffer);
  size_t next_capacity = chunk->capacity;
  if (next == nullptr || next_capacity < std::max(capacity_, rest)) {
    // A new chunk, or one whose buffer a long line had grown less than ours.
    next_capacity = std::max(capacity_, rest);
    next = std::make_unique_for_overwrite<char[]>(next_capacity);
  }
  if (rest > 0) std::memcpy(next.get(), buffer_.get() + begin_ + cut, rest);
  chunk->buffer = std::move(buffer_);
  chunk->capacity = capacity_;
  chunk->offset = begin_;
  chunk->size = cut;
  buffer_ = std::move(next);
  capacity_ = next_capacity;
  begin_ = 0;
  end_ = rest;
}

absl::StatusOr<bool> InputReader::Next(InputChunk* chunk) {
  chunk->file_index = file_index_;
  chunk->overlong_lines.clear();
  while (true) {
    while (!eof_ && pending().size() < chunk_bytes_) {
      absl::StatusOr<bool> more = Fill();
      if (!more.ok()) return more.status();
    }
    size_t cut = CutPoint(chunk_bytes_);
    if (cut == 0 && pending().size() > chunk_bytes_) cut = CutPoint(pending().size());
    // A CSV file ending inside a quoted field: hand the rest over whole, so
    // the parser reports it as malformed rather than waiting forever.
    if (cut == 0 && eof_) cut = pending().size();
    if (cut > 0) {
      size_t row_end = 0;
      size_t overlong = FirstOverlongRow(cut, &row_end);
      if (overlong == 0) {
        chunk->overlong_lines.push_back(next_line_);
        size_t skip = std::min(row_end + 1, pending().size());
        next_line_ += std::max<uint64_t>(1, CountNewlines(pending().data(), skip));
        Consume(skip);
        continue;
      }
      if (overlong != std::string::npos) cut = overlong;
      chunk->first_line = next_line_;
      next_line_ += CountNewlines(pending().data(), cut);
      HandOver(cut, chunk);
      return true;
    }
    if (pending().empty() && eof_) {
      if (chunk->overlong_lines.empty()) return false;
      // Only skipped lines remain: hand them over so they are reported.
      chunk->first_line = next_line_;
      if (chunk->capacity < kChunkPadding) {
        chunk->buffer = std::make_unique<char[]>(kChunkPadding);
        chunk->capacity = kChunkPadding;
      }
      chunk->offset = 0;
      chunk->size = 0;
      return true;
    }
    if (pending().size() > max_line_length_) {
      absl::StatusOr<bool> skipped = SkipOverlongLine(chunk);
      if (!skipped.ok()) return skipped.status();
      continue;
    }
    absl::StatusOr<bool> more = Fill();
    if (!more.ok()) return more.status();
  }
}

}  // namespace idstitch
