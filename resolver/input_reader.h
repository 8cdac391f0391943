// File: resolver/input_reader.h
// Streams one input (a file, gzip-compressed or not, or "-" for stdin) as
// chunks of whole records, so that memory stays bounded whatever the size of
// the log. JSONL chunks end at a newline; CSV chunks end at a newline outside
// quotes (a quoted field may span lines) and the header row is read first.
// Each chunk is followed by simdjson's padding so it can be parsed in place.
// Thread safety: one reader per thread; chunks are independent values.
#ifndef IDSTITCH_RESOLVER_INPUT_READER_H_
#define IDSTITCH_RESOLVER_INPUT_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "resolver/options.h"

namespace idstitch {

struct InputChunk {
  uint32_t file_index = 0;
  uint64_t first_line = 1;  // line number of the chunk's first line
  size_t size = 0;          // bytes of whole lines
  // Lines longer than max_line_length, skipped unread: their line numbers.
  std::vector<uint64_t> overlong_lines;

  // The chunk's lines, followed by at least kChunkPadding readable bytes.
  std::string_view lines() const { return {buffer.get() + offset, size}; }
  // Bytes readable from lines().data() on (>= size + kChunkPadding).
  size_t readable() const { return capacity - offset; }

  // The buffer the reader read the lines into, handed over whole rather than
  // copied; the lines start at `offset`. The reader takes it back, as the
  // buffer for its next reads, when it fills this chunk again.
  std::unique_ptr<char[]> buffer;
  size_t capacity = 0;
  size_t offset = 0;
};

inline constexpr size_t kChunkPadding = 64;  // >= SIMDJSON_PADDING

class InputReader {
 public:
  // Opens `path` ("-": stdin). NotFound / PermissionDenied naming the path if
  // it cannot be opened. For CSV, also reads the header row (empty if the
  // file is empty).
  static absl::StatusOr<std::unique_ptr<InputReader>> Open(
      const std::string& path, uint32_t file_index, InputFormat format,
      // 256 KiB: a chunk and the records parsed from it stay in a core's L2
      // (1 MiB chunks made ingest 10-15% slower, bench/ab_compare.sh).
      size_t max_line_length, size_t chunk_bytes = 1 << 18);
  ~InputReader();

  // Fills `*chunk` with the next records. Returns false at the end of the
  // input; DataLoss naming the path for a read error (a corrupt gzip stream).
  absl::StatusOr<bool> Next(InputChunk* chunk);

  const std::vector<std::string>& csv_header() const { return csv_header_; }
  bool empty() const { return empty_; }
  // Uncompressed bytes read so far (for progress).
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  InputReader(std::string path, uint32_t file_index, InputFormat format,
              size_t max_line_length, size_t chunk_bytes, void* gz);
  absl::StatusOr<bool> Fill();  // appends to the pending bytes; false at EOF
  // Asks the kernel to read the file on ahead of us (posix_fadvise WILLNEED).
  void AdviseReadAhead();
  // Gives pending()[0, cut) to `chunk` with the whole buffer (see buffer_).
  void HandOver(size_t cut, InputChunk* chunk);
  // The bytes read but not yet handed out.
  std::string_view pending() const { return {buffer_.get() + begin_, end_ - begin_}; }
  void Consume(size_t bytes) { begin_ += bytes; }
  // Length of the longest prefix of pending()[0, limit) ending in a record
  // boundary, 0 if none.
  size_t CutPoint(size_t limit) const;
  absl::StatusOr<bool> ReadCsvHeader();
  // Start of the first row in pending()[0, cut) longer than max_line_length
  // (its end in *row_end), or npos.
  size_t FirstOverlongRow(size_t cut, size_t* row_end) const;
  // Skips the overlong line at the front of the buffer, reading on as needed.
  absl::StatusOr<bool> SkipOverlongLine(InputChunk* chunk);

  std::string path_;
  uint32_t file_index_;
  InputFormat format_;
  size_t max_line_length_;
  size_t chunk_bytes_;
  void* gz_;  // gzFile; void* keeps zlib out of this header
  // gz_'s descriptor (owned by gz_) if it is a regular file, else -1: pipes
  // and terminals have no page cache to fill ahead.
  int read_ahead_fd_ = -1;
  int64_t advised_until_ = 0;  // file offset read-ahead was asked up to
  int64_t read_ahead_end_ = 0;  // the file's size when opened
  // Pending bytes are buffer_[begin_, end_). Reads are sized to end about a
  // chunk past begin_, so a chunk takes the buffer whole and only the partial
  // line after its cut is copied, into the chunk's previous buffer, which
  // becomes this one (HandOver). Copying each chunk out was 2.6% of a run's
  // instructions; a std::string also zero-filled each read's space first.
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  bool empty_ = true;
  uint64_t next_line_ = 1;
  uint64_t bytes_read_ = 0;
  std::vector<std::string> csv_header_;
};

// The format `path` is read as: `format` unless kAuto, else by extension
// (.jsonl/.ndjson/.json and .csv, before an optional .gz); stdin is JSONL.
// InvalidArgument naming the path if the extension says nothing.
absl::StatusOr<InputFormat> ResolveFormat(const std::string& path, InputFormat format);

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_INPUT_READER_H_
