#include "resolver/input_reader.h"

#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "resolver/csv.h"

namespace idstitch {
namespace {

// zlib reads straight into our buffer only for requests of at least twice
// its own buffer; smaller ones are copied through it.
constexpr size_t kZlibBuffer = 1 << 18;
constexpr size_t kReadBytes = 1 << 20;
static_assert(kReadBytes >= 2 * kZlibBuffer);

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
  gzFile gz;
  if (path == "-") {
    gz = gzdopen(dup(STDIN_FILENO), "rb");
  } else {
    gz = gzopen(path.c_str(), "rb");
  }
  if (gz == nullptr) {
    int error = errno;
    std::string message = absl::StrCat(path, ": cannot open: ", strerror(error));
    if (error == EACCES) return absl::PermissionDeniedError(message);
    return absl::NotFoundError(message);
  }
  gzbuffer(gz, kZlibBuffer);
  std::unique_ptr<InputReader> reader(
      new InputReader(path, file_index, format, max_line_length, chunk_bytes, gz));
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

absl::StatusOr<bool> InputReader::Fill() {
  if (eof_) return false;
  size_t old_size = buffer_.size();
  buffer_.resize(old_size + kReadBytes);
  int got = gzread(AsGz(gz_), buffer_.data() + old_size, kReadBytes);
  if (got < 0) {
    int code = 0;
    const char* message = gzerror(AsGz(gz_), &code);
    buffer_.resize(old_size);
    return absl::DataLossError(absl::StrCat(path_, ": read error: ", message));
  }
  buffer_.resize(old_size + got);
  // Spreadsheet exports often start with a UTF-8 byte order mark; it is not
  // part of the first field name or JSON object.
  if (bytes_read_ == 0 && absl::StartsWith(buffer_, "\xEF\xBB\xBF")) buffer_.erase(0, 3);
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
    if (!buffer_.empty() && buffer_.back() != '\n') buffer_.push_back('\n');
    return false;
  }
  return true;
}

size_t InputReader::CutPoint(size_t limit) {
  limit = std::min(limit, buffer_.size());
  if (format_ == InputFormat::kJsonl) {
    for (size_t i = limit; i > 0; --i) {
      if (buffer_[i - 1] == '\n') return i;
    }
    return 0;
  }
  // CSV: the end of the last whole row before the limit.
  std::string_view text(buffer_.data(), limit);
  size_t cut = 0;
  for (size_t end; (end = FindCsvRowEnd(text, cut)) != std::string_view::npos;) cut = end + 1;
  return cut;
}

absl::StatusOr<bool> InputReader::ReadCsvHeader() {
  while (true) {
    size_t row_end = FindCsvRowEnd(buffer_, 0);
    size_t cut = row_end == std::string::npos ? 0 : row_end + 1;
    if (cut > 0) {
      std::string_view row(buffer_.data(), cut - 1);
      if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
      absl::Status split = SplitCsvRow(row, &csv_header_);
      if (!split.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(path_, ":", next_line_, ": bad CSV header: ", split.message()));
      }
      next_line_ += CountNewlines(buffer_.data(), cut);
      buffer_.erase(0, cut);
      return true;
    }
    if (buffer_.size() > max_line_length_) {
      return absl::InvalidArgumentError(
          absl::StrCat(path_, ":1: CSV header longer than ", max_line_length_, " bytes"));
    }
    if (eof_) {
      if (buffer_.empty()) return false;
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
    const char* data = buffer_.data();
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
  std::string_view text(buffer_.data(), cut);
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
    size_t newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      buffer_.erase(0, newline + 1);
      ++next_line_;
      return true;
    }
    buffer_.clear();
    absl::StatusOr<bool> more = Fill();
    if (!more.ok()) return more.status();
    if (!*more && buffer_.empty()) {
      ++next_line_;
      return true;
    }
  }
}

absl::StatusOr<bool> InputReader::Next(InputChunk* chunk) {
  chunk->file_index = file_index_;
  chunk->overlong_lines.clear();
  while (true) {
    while (!eof_ && buffer_.size() < chunk_bytes_) {
      absl::StatusOr<bool> more = Fill();
      if (!more.ok()) return more.status();
    }
    size_t cut = CutPoint(chunk_bytes_);
    if (cut == 0 && buffer_.size() > chunk_bytes_) cut = CutPoint(buffer_.size());
    // A CSV file ending inside a quoted field: hand the rest over whole, so
    // the parser reports it as malformed rather than waiting forever.
    if (cut == 0 && eof_) cut = buffer_.size();
    if (cut > 0) {
      size_t row_end = 0;
      size_t overlong = FirstOverlongRow(cut, &row_end);
      if (overlong == 0) {
        chunk->overlong_lines.push_back(next_line_);
        size_t skip = std::min(row_end + 1, buffer_.size());
        next_line_ += std::max<uint64_t>(1, CountNewlines(buffer_.data(), skip));
        buffer_.erase(0, skip);
        continue;
      }
      if (overlong != std::string::npos) cut = overlong;
      chunk->first_line = next_line_;
      next_line_ += CountNewlines(buffer_.data(), cut);
      // The buffer becomes the chunk and the chunk's old storage the buffer:
      // only the bytes after the cut are copied, not the chunk.
      chunk->data.swap(buffer_);
      buffer_.assign(chunk->data, cut, std::string::npos);
      chunk->data.resize(cut);
      chunk->data.append(kChunkPadding, '\0');
      chunk->size = cut;
      return true;
    }
    if (buffer_.empty() && eof_) {
      if (chunk->overlong_lines.empty()) return false;
      // Only skipped lines remain: hand them over so they are reported.
      chunk->first_line = next_line_;
      chunk->data.assign(kChunkPadding, '\0');
      chunk->size = 0;
      return true;
    }
    if (buffer_.size() > max_line_length_) {
      absl::StatusOr<bool> skipped = SkipOverlongLine(chunk);
      if (!skipped.ok()) return skipped.status();
      continue;
    }
    absl::StatusOr<bool> more = Fill();
    if (!more.ok()) return more.status();
  }
}

}  // namespace idstitch
