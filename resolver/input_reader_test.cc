#include "resolver/input_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "resolver/csv.h"
#include "tests/status_matchers.h"

namespace idstitch {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr size_t kNoLimit = size_t{1} << 30;
constexpr int kTimeoutSeconds = 10;
constexpr size_t kBeyondReadAhead = 600000;  // longer than the reader's 256 KiB reads

// A fresh, empty directory for the running test.
std::string TestDir() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                              "input_reader_test" /
                              absl::StrCat(info->test_suite_name(), ".", info->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::string WriteFile(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  EXPECT_TRUE(out.good()) << path;
  return path;
}

std::string WriteGzip(const std::string& path, std::string_view content) {
  gzFile gz = gzopen(path.c_str(), "wb");
  EXPECT_NE(gz, nullptr) << path;
  if (gz == nullptr) return path;
  if (!content.empty()) {
    EXPECT_EQ(gzwrite(gz, content.data(), static_cast<unsigned>(content.size())),
              static_cast<int>(content.size()));
  }
  EXPECT_EQ(gzclose(gz), Z_OK);
  return path;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Content that does not compress, so that damage to a gzip stream is noticed.
std::string NoisyJsonl(int lines) {
  std::string content;
  uint64_t state = 12345;
  for (int line = 1; line <= lines; ++line) {
    absl::StrAppend(&content, "{\"n\":", line, ",\"noise\":\"");
    for (int i = 0; i < 40; ++i) {
      state = state * 6364136223846793005u + 1442695040888963407u;
      content.push_back(static_cast<char>('a' + (state >> 59)));
    }
    content.append("\"}\n");
  }
  return content;
}

// Reads every chunk of `path`; ASSERTs that each holds whole lines followed
// by the padding and that first_line follows on from the previous chunk.
std::vector<InputChunk> ReadChunks(const std::string& path, InputFormat format,
                                   size_t max_line_length, size_t chunk_bytes,
                                   std::unique_ptr<InputReader>* reader_out = nullptr) {
  std::vector<InputChunk> chunks;
  absl::StatusOr<std::unique_ptr<InputReader>> reader =
      InputReader::Open(path, 0, format, max_line_length, chunk_bytes);
  EXPECT_TRUE(reader.ok()) << reader.status();
  if (!reader.ok()) return chunks;
  uint64_t next_line = 0;
  while (true) {
    InputChunk chunk;
    absl::StatusOr<bool> more = (*reader)->Next(&chunk);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    EXPECT_GE(chunk.readable(), chunk.size + kChunkPadding);
    if (chunk.size > 0) {
      EXPECT_EQ(chunk.lines().back(), '\n');
    }
    if (next_line != 0) {
      // Skipped overlong lines come between the previous chunk and this one.
      EXPECT_EQ(chunk.first_line, next_line + chunk.overlong_lines.size());
    }
    next_line = chunk.first_line +
                std::count(chunk.lines().begin(), chunk.lines().end(), '\n');
    chunks.push_back(std::move(chunk));
    if (chunks.size() > 100000) {
      ADD_FAILURE() << "too many chunks";
      break;
    }
  }
  if (reader_out != nullptr) *reader_out = *std::move(reader);
  return chunks;
}

std::string Concatenate(const std::vector<InputChunk>& chunks) {
  std::string all;
  for (const InputChunk& chunk : chunks) all.append(chunk.lines());
  return all;
}

// Renders what a reader delivers as "LINE:TEXT|..." in line order, with
// "LINE:<overlong>" for skipped lines, long lines as "<N bytes>" and CR as
// "\r", eliding the middle of long inputs; then " error: STATUS" if a call
// failed, or "BROKEN ..." if a chunk breaks the chunk contract. Does not use
// gtest, so it can run in a child.
std::string Describe(const std::string& path, InputFormat format, size_t max_line_length,
                     size_t chunk_bytes) {
  absl::StatusOr<std::unique_ptr<InputReader>> reader =
      InputReader::Open(path, 0, format, max_line_length, chunk_bytes);
  if (!reader.ok()) return absl::StrCat("open error: ", reader.status().ToString());
  std::vector<std::pair<uint64_t, std::string>> lines;
  std::string trailer;
  for (int calls = 0; calls < 1000000; ++calls) {
    InputChunk chunk;
    absl::StatusOr<bool> more = (*reader)->Next(&chunk);
    if (!more.ok()) {
      trailer = absl::StrCat(" error: ", more.status().ToString());
      break;
    }
    if (!*more) break;
    for (uint64_t line : chunk.overlong_lines) lines.push_back({line, "<overlong>"});
    if (chunk.readable() < chunk.size + kChunkPadding ||
        (chunk.size > 0 && chunk.lines().back() != '\n')) {
      trailer = absl::StrCat(" BROKEN chunk at line ", chunk.first_line);
      break;
    }
    uint64_t line = chunk.first_line;
    size_t begin = 0;
    while (begin < chunk.size) {
      size_t end = chunk.lines().find('\n', begin);
      std::string text(chunk.lines().substr(begin, end - begin));
      if (text.size() > 40) text = absl::StrCat("<", text.size(), " bytes>");
      size_t cr = 0;
      while ((cr = text.find('\r', cr)) != std::string::npos) text.replace(cr, 1, "\\r");
      lines.push_back({line++, std::move(text)});
      begin = end + 1;
    }
  }
  std::stable_sort(lines.begin(), lines.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> parts;
  for (size_t i = 0; i < lines.size(); ++i) {
    // Long inputs: the first and last few lines tell enough.
    if (lines.size() > 20 && i == 5) {
      parts.push_back(absl::StrCat("...", lines.size() - 10, " more..."));
      i = lines.size() - 5;
    }
    parts.push_back(absl::StrCat(lines[i].first, ":", lines[i].second));
  }
  return absl::StrCat(absl::StrJoin(parts, "|"), trailer);
}

// Runs `body` in a child process and returns what it returned, or "TIMEOUT"
// if it had not finished after `seconds` (the child is then killed), so that
// a reader looping forever fails its test instead of hanging the suite.
std::string RunInChild(int seconds, const std::function<std::string()>& body) {
  int fds[2];
  if (pipe(fds) != 0) return "pipe failed";
  pid_t pid = fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    close(fds[0]);
    std::string out = body();
    size_t written = 0;
    while (written < out.size()) {
      ssize_t n = write(fds[1], out.data() + written, out.size() - written);
      if (n <= 0) _exit(2);
      written += static_cast<size_t>(n);
    }
    _exit(0);
  }
  close(fds[1]);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  std::string out;
  bool timed_out = false;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd poll_fd = {fds[0], POLLIN, 0};
    int ready = poll(&poll_fd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char buffer[4096];
    ssize_t n = read(fds[0], buffer, sizeof(buffer));
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  close(fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  if (timed_out) return "TIMEOUT";
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "CHILD CRASHED";
  return out;
}

std::string DescribeInChild(const std::string& path, InputFormat format, size_t max_line_length,
                            size_t chunk_bytes) {
  return RunInChild(kTimeoutSeconds,
                    [&] { return Describe(path, format, max_line_length, chunk_bytes); });
}

// --- JSONL chunking ---------------------------------------------------------

TEST(InputReaderTest, JsonlChunksHoldWholeLinesWithRightLineNumbers) {
  std::string dir = TestDir();
  std::vector<std::string> lines;
  std::string content;
  for (int i = 1; i <= 40; ++i) {
    std::string line =
        i % 9 == 0 ? "" : absl::StrCat("{\"n\":", i, ",\"p\":\"", std::string(i % 7 * 4, 'x'),
                                       "\"}");
    lines.push_back(line);
    absl::StrAppend(&content, line, "\n");
  }
  std::string path = WriteFile(dir + "/in.jsonl", content);
  std::unique_ptr<InputReader> reader;
  std::vector<InputChunk> chunks = ReadChunks(path, InputFormat::kJsonl, kNoLimit, 64, &reader);
  ASSERT_GT(chunks.size(), 10u);
  EXPECT_EQ(chunks[0].first_line, 1u);
  for (const InputChunk& chunk : chunks) {
    EXPECT_GT(chunk.size, 0u);
    EXPECT_LE(chunk.size, 64u);
    EXPECT_THAT(chunk.overlong_lines, IsEmpty());
    ASSERT_LE(chunk.first_line, lines.size());
    std::string first(chunk.lines().substr(0, chunk.lines().find('\n')));
    EXPECT_EQ(first, lines[chunk.first_line - 1]) << "chunk at line " << chunk.first_line;
  }
  EXPECT_EQ(Concatenate(chunks), content);
  EXPECT_FALSE(reader->empty());
  EXPECT_EQ(reader->bytes_read(), content.size());
}

TEST(InputReaderTest, ChunksCarryTheFileIndex) {
  std::string path = WriteFile(TestDir() + "/in.jsonl", "{}\n{}\n");
  absl::StatusOr<std::unique_ptr<InputReader>> reader =
      InputReader::Open(path, 7, InputFormat::kJsonl, kNoLimit, 4);
  ASSERT_TRUE(reader.ok()) << reader.status();
  InputChunk chunk;
  ASSERT_TRUE((*reader)->Next(&chunk).value());
  EXPECT_EQ(chunk.file_index, 7u);
}

TEST(InputReaderTest, LineLongerThanChunkBytesIsDeliveredWhole) {
  std::string long_line = absl::StrCat("{\"p\":\"", std::string(300, 'y'), "\"}");
  std::string content = absl::StrCat("{\"n\":1}\n", long_line, "\n{\"n\":3}\n");
  std::string path = WriteFile(TestDir() + "/in.jsonl", content);
  std::vector<InputChunk> chunks = ReadChunks(path, InputFormat::kJsonl, kNoLimit, 16);
  EXPECT_EQ(Concatenate(chunks), content);
  EXPECT_EQ(Describe(path, InputFormat::kJsonl, kNoLimit, 16),
            "1:{\"n\":1}|2:<308 bytes>|3:{\"n\":3}");
}

TEST(InputReaderTest, LastLineWithoutNewlineIsRead) {
  std::string path = WriteFile(TestDir() + "/in.jsonl", "{\"n\":1}\n{\"n\":2}");
  std::vector<InputChunk> chunks = ReadChunks(path, InputFormat::kJsonl, kNoLimit, 8);
  EXPECT_EQ(Concatenate(chunks), "{\"n\":1}\n{\"n\":2}\n");
  EXPECT_EQ(Describe(path, InputFormat::kJsonl, kNoLimit, 8), "1:{\"n\":1}|2:{\"n\":2}");
  EXPECT_EQ(Describe(path, InputFormat::kJsonl, kNoLimit, 1 << 20), "1:{\"n\":1}|2:{\"n\":2}");
}

TEST(InputReaderTest, SingleLineWithoutNewline) {
  std::string path = WriteFile(TestDir() + "/in.jsonl", "{\"n\":1}");
  EXPECT_EQ(Describe(path, InputFormat::kJsonl, kNoLimit, 1 << 20), "1:{\"n\":1}");
}

TEST(InputReaderTest, CrlfLinesAreWholeAndCounted) {
  std::string content = "{\"n\":1}\r\n{\"n\":2}\r\n\r\n{\"n\":4}\r\n";
  std::string path = WriteFile(TestDir() + "/in.jsonl", content);
  std::vector<InputChunk> chunks = ReadChunks(path, InputFormat::kJsonl, kNoLimit, 10);
  EXPECT_EQ(Concatenate(chunks), content);
  EXPECT_EQ(Describe(path, InputFormat::kJsonl, kNoLimit, 10),
            "1:{\"n\":1}\\r|2:{\"n\":2}\\r|3:\\r|4:{\"n\":4}\\r");
}

TEST(InputReaderTest, BlankLinesKeepLineNumbers) {
  std::string path = WriteFile(TestDir() + "/in.jsonl", "\n\n{\"n\":3}\n\n{\"n\":5}\n");
  EXPECT_EQ(Describe(path, InputFormat::kJsonl, kNoLimit, 4),
            "1:|2:|3:{\"n\":3}|4:|5:{\"n\":5}");
}

// --- gzip -----------------------------------------------------------------

TEST(InputReaderTest, GzipReadsTheSameAsPlain) {
  std::string dir = TestDir();
  std::string content = NoisyJsonl(2000);  // many chunks of 64 and 5000 bytes
  content.append("{\"last\":true}");       // and no final newline
  std::string plain = WriteFile(dir + "/in.jsonl", content);
  std::string gz = WriteGzip(dir + "/in.jsonl.gz", content);
  ASSERT_LT(ReadBytes(gz).size(), content.size() + 100);
  for (size_t chunk_bytes : {size_t{64}, size_t{5000}, size_t{1} << 20}) {
    std::unique_ptr<InputReader> plain_reader, gz_reader;
    std::vector<InputChunk> plain_chunks =
        ReadChunks(plain, InputFormat::kJsonl, kNoLimit, chunk_bytes, &plain_reader);
    std::vector<InputChunk> gz_chunks =
        ReadChunks(gz, InputFormat::kJsonl, kNoLimit, chunk_bytes, &gz_reader);
    EXPECT_EQ(Concatenate(gz_chunks), content + "\n") << chunk_bytes;
    EXPECT_EQ(Concatenate(gz_chunks), Concatenate(plain_chunks)) << chunk_bytes;
    ASSERT_EQ(gz_chunks.size(), plain_chunks.size()) << chunk_bytes;
    for (size_t i = 0; i < gz_chunks.size(); ++i) {
      EXPECT_EQ(gz_chunks[i].first_line, plain_chunks[i].first_line);
    }
    ASSERT_NE(gz_reader, nullptr);
    EXPECT_EQ(gz_reader->bytes_read(), content.size());
    EXPECT_EQ(plain_reader->bytes_read(), content.size());
  }
}

// Inputs of many reads (the reader reads 1 MiB at a time): the unread rest
// moves to the front of the buffer between reads, and a line longer than a
// read makes the buffer grow while holding it.
TEST(InputReaderTest, ManyReadsAndALineLongerThanAReadAreDeliveredWhole) {
  std::string dir = TestDir();
  std::string content = NoisyJsonl(30000);
  absl::StrAppend(&content, "{\"long\":\"", std::string(2'500'000, 'z'), "\"}\n");
  content += NoisyJsonl(30000);
  content.append("{\"last\":true}");  // no final newline
  ASSERT_GT(content.size(), size_t{5} << 20);
  std::string plain = WriteFile(dir + "/in.jsonl", content);
  std::string gz = WriteGzip(dir + "/in.jsonl.gz", content);
  for (const std::string& path : {plain, gz}) {
    for (size_t chunk_bytes : {size_t{4096}, size_t{1} << 18, size_t{3} << 20}) {
      std::unique_ptr<InputReader> reader;
      std::vector<InputChunk> chunks =
          ReadChunks(path, InputFormat::kJsonl, kNoLimit, chunk_bytes, &reader);
      EXPECT_EQ(Concatenate(chunks), content + "\n") << path << " " << chunk_bytes;
      ASSERT_FALSE(chunks.empty());
      // ReadChunks checked that line numbers follow on; the count must end right.
      const InputChunk& last = chunks.back();
      EXPECT_EQ(last.first_line - 1 +
                    std::count(last.lines().begin(), last.lines().end(), '\n'),
                60002u)
          << path << " " << chunk_bytes;
      EXPECT_EQ(reader->bytes_read(), content.size());
    }
  }
}

// The pipeline reuses a few chunks, several of them in flight at once: the
// reader takes each one's buffer back when it fills it again. Every chunk's
// lines must stay as delivered until then, whatever the later reads (long
// lines that grow the buffer, skipped overlong ones).
TEST(InputReaderTest, ReusedChunksKeepTheirLinesUntilFilledAgain) {
  std::string dir = TestDir();
  std::string content = NoisyJsonl(20000);
  absl::StrAppend(&content, "{\"long\":\"", std::string(700'000, 'y'), "\"}\n");
  content += NoisyJsonl(5000);
  absl::StrAppend(&content, "{\"overlong\":\"", std::string(3'000'000, 'x'), "\"}\n");
  content += NoisyJsonl(5000);
  const std::string without_overlong =
      NoisyJsonl(20000) + absl::StrCat("{\"long\":\"", std::string(700'000, 'y'), "\"}\n") +
      NoisyJsonl(5000) + NoisyJsonl(5000);
  std::string plain = WriteFile(dir + "/in.jsonl", content);
  std::string gz = WriteGzip(dir + "/in.jsonl.gz", content);
  for (const std::string& path : {plain, gz}) {
    for (size_t chunk_bytes : {size_t{100}, size_t{1} << 18}) {
      absl::StatusOr<std::unique_ptr<InputReader>> reader =
          InputReader::Open(path, 0, InputFormat::kJsonl, 1'000'000, chunk_bytes);
      ASSERT_TRUE(reader.ok()) << reader.status();
      constexpr size_t kInFlight = 5;
      std::vector<InputChunk> ring(kInFlight);
      std::vector<std::string> delivered(kInFlight);
      std::string all;
      size_t overlong = 0;
      for (size_t n = 0;; ++n) {
        InputChunk& chunk = ring[n % kInFlight];
        // Still what it was when handed out, kInFlight - 1 reads ago.
        ASSERT_EQ(chunk.lines(), delivered[n % kInFlight]) << path << " chunk " << n;
        absl::StatusOr<bool> more = (*reader)->Next(&chunk);
        ASSERT_TRUE(more.ok()) << more.status();
        if (!*more) break;
        ASSERT_GE(chunk.readable(), chunk.size + kChunkPadding);
        overlong += chunk.overlong_lines.size();
        delivered[n % kInFlight] = std::string(chunk.lines());
        all += delivered[n % kInFlight];
      }
      EXPECT_EQ(overlong, 1u) << path << " " << chunk_bytes;
      EXPECT_EQ(all, without_overlong) << path << " " << chunk_bytes;
    }
  }
}

TEST(InputReaderTest, GzipWithSeveralMembersReadsThemAll) {
  // `cat a.gz b.gz > c.gz` is a valid gzip file.
  std::string dir = TestDir();
  std::string first = WriteGzip(dir + "/a.gz", "{\"n\":1}\n");
  std::string second = WriteGzip(dir + "/b.gz", "{\"n\":2}\n");
  std::string path = WriteFile(dir + "/both.jsonl.gz", ReadBytes(first) + ReadBytes(second));
  EXPECT_EQ(Describe(path, InputFormat::kJsonl, kNoLimit, 1 << 20), "1:{\"n\":1}|2:{\"n\":2}");
}

TEST(InputReaderTest, CorruptGzipIsDataLoss) {
  std::string dir = TestDir();
  std::string gz = ReadBytes(WriteGzip(dir + "/good.gz", NoisyJsonl(5000)));
  ASSERT_GT(gz.size(), 1000u);
  for (size_t i = gz.size() / 2; i < gz.size() / 2 + 64; ++i) gz[i] = static_cast<char>(~gz[i]);
  std::string path = WriteFile(dir + "/bad.jsonl.gz", gz);
  std::string described = DescribeInChild(path, InputFormat::kJsonl, kNoLimit, 1 << 16);
  EXPECT_THAT(described, HasSubstr("error: DATA_LOSS"));
  EXPECT_THAT(described, HasSubstr("bad.jsonl.gz"));
}

TEST(InputReaderTest, TruncatedGzipIsDataLoss) {
  std::string dir = TestDir();
  std::string gz = ReadBytes(WriteGzip(dir + "/good.gz", NoisyJsonl(5000)));
  std::string path = WriteFile(dir + "/cut.jsonl.gz", gz.substr(0, gz.size() / 2));
  std::string described = DescribeInChild(path, InputFormat::kJsonl, kNoLimit, 1 << 16);
  EXPECT_THAT(described, HasSubstr("error: DATA_LOSS"));
}

TEST(InputReaderTest, PlainFileNamedGzIsReadAsIs) {
  // zlib reads non-gzip data transparently.
  std::string path = WriteFile(TestDir() + "/plain.jsonl.gz", "{\"n\":1}\n");
  EXPECT_EQ(Describe(path, InputFormat::kJsonl, kNoLimit, 1 << 20), "1:{\"n\":1}");
}

// --- Empty and missing files ----------------------------------------------

TEST(InputReaderTest, EmptyFileHasNoChunks) {
  std::string dir = TestDir();
  for (const std::string& path :
       {WriteFile(dir + "/empty.jsonl", ""), WriteGzip(dir + "/empty.jsonl.gz", "")}) {
    absl::StatusOr<std::unique_ptr<InputReader>> reader =
        InputReader::Open(path, 0, InputFormat::kJsonl, kNoLimit, 64);
    ASSERT_TRUE(reader.ok()) << reader.status();
    InputChunk chunk;
    absl::StatusOr<bool> more = (*reader)->Next(&chunk);
    ASSERT_TRUE(more.ok()) << more.status();
    EXPECT_FALSE(*more) << path;
    EXPECT_TRUE((*reader)->empty()) << path;
    EXPECT_EQ((*reader)->bytes_read(), 0u);
    more = (*reader)->Next(&chunk);  // still the end
    ASSERT_TRUE(more.ok());
    EXPECT_FALSE(*more);
  }
}

TEST(InputReaderTest, FileOfBlankLinesIsNotEmpty) {
  std::string path = WriteFile(TestDir() + "/blank.jsonl", "\n");
  std::unique_ptr<InputReader> reader;
  std::vector<InputChunk> chunks = ReadChunks(path, InputFormat::kJsonl, kNoLimit, 64, &reader);
  EXPECT_EQ(Concatenate(chunks), "\n");
  ASSERT_NE(reader, nullptr);
  EXPECT_FALSE(reader->empty());
}

TEST(InputReaderTest, MissingFileIsNotFound) {
  std::string path = TestDir() + "/no-such-file.jsonl";
  absl::StatusOr<std::unique_ptr<InputReader>> reader =
      InputReader::Open(path, 0, InputFormat::kJsonl, kNoLimit, 64);
  EXPECT_THAT(reader, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(std::string(reader.status().message()), HasSubstr(path));
  EXPECT_THAT(InputReader::Open(path, 0, InputFormat::kCsv, kNoLimit, 64),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(InputReaderTest, UnreadableFileIsPermissionDenied) {
  if (geteuid() == 0) {
    GTEST_SKIP() << "not a bug: running as root, which can read any file";
  }
  std::string path = WriteFile(TestDir() + "/locked.jsonl", "{}\n");
  std::filesystem::permissions(path, std::filesystem::perms::none);
  absl::StatusOr<std::unique_ptr<InputReader>> reader =
      InputReader::Open(path, 0, InputFormat::kJsonl, kNoLimit, 64);
  EXPECT_THAT(reader, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(std::string(reader.status().message()), HasSubstr(path));
}

TEST(InputReaderTest, DashReadsStdin) {
  std::string dir = TestDir();
  std::string plain = WriteFile(dir + "/in.jsonl", "{\"n\":1}\n{\"n\":2}");
  std::string gz = WriteGzip(dir + "/in.jsonl.gz", "{\"n\":1}\n{\"n\":2}");
  for (const std::string& path : {plain, gz}) {
    // The child's stdin is redirected; the test process keeps its own.
    std::string described = RunInChild(kTimeoutSeconds, [&] {
      FILE* in = fopen(path.c_str(), "rb");
      if (in == nullptr || dup2(fileno(in), STDIN_FILENO) < 0) return std::string("no stdin");
      return Describe("-", InputFormat::kJsonl, kNoLimit, 4);
    });
    EXPECT_EQ(described, "1:{\"n\":1}|2:{\"n\":2}") << path;
  }
}

// --- CSV ------------------------------------------------------------------

TEST(InputReaderTest, CsvHeaderIsTheFirstRowOnly) {
  std::string path = WriteFile(TestDir() + "/in.csv", "id,email\n1,a@x.com\n2,b@x.com\n");
  std::unique_ptr<InputReader> reader;
  std::vector<InputChunk> chunks = ReadChunks(path, InputFormat::kCsv, kNoLimit, 1 << 20, &reader);
  ASSERT_NE(reader, nullptr);
  EXPECT_THAT(reader->csv_header(), ElementsAre("id", "email"));
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].first_line, 2u);
  EXPECT_EQ(Concatenate(chunks), "1,a@x.com\n2,b@x.com\n");
}

TEST(InputReaderTest, CsvReadsHeaderFirst) {
  std::string path =
      WriteFile(TestDir() + "/in.csv", "record_id, email ,\"a,b\"\r\n1,a@x.com,x\n2,b@x.com,y\n");
  std::unique_ptr<InputReader> reader;
  std::vector<InputChunk> chunks = ReadChunks(path, InputFormat::kCsv, kNoLimit, 1 << 20, &reader);
  ASSERT_NE(reader, nullptr);
  EXPECT_THAT(reader->csv_header(), ElementsAre("record_id", " email ", "a,b"));
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].first_line, 2u);
  EXPECT_EQ(Concatenate(chunks), "1,a@x.com,x\n2,b@x.com,y\n");
}

// Small inputs with tiny chunks, and one of many 1 MiB reads (~3 MB) whose
// quoted newlines also fall across the reads.
TEST(InputReaderTest, CsvQuotedNewlinesAreNeverSplitAcrossChunks) {
  const std::vector<std::pair<int, std::vector<size_t>>> cases = {
      {30, {8, 16, 40, size_t{1} << 20}}, {100000, {4096, size_t{1} << 18}}};
  for (const auto& [rows, chunk_sizes] : cases) {
    std::string body;
    for (int row = 1; row <= rows; ++row) {
      if (row % 3 == 0) {
        absl::StrAppend(&body, row, ",\"line one\nline two, \"\"quoted\"\"\n\nend\",", row, "\n");
      } else {
        absl::StrAppend(&body, row, ",plain,", row, "\n");
      }
    }
    std::string content = absl::StrCat("id,note,n\n", body);
    std::string path = WriteFile(TestDir() + "/in.csv", content);
    for (size_t chunk_bytes : chunk_sizes) {
      std::unique_ptr<InputReader> reader;
      std::vector<InputChunk> chunks =
          ReadChunks(path, InputFormat::kCsv, kNoLimit, chunk_bytes, &reader);
      ASSERT_FALSE(chunks.empty());
      EXPECT_EQ(chunks[0].first_line, 2u);
      EXPECT_EQ(Concatenate(chunks), body) << chunk_bytes;
      for (const InputChunk& chunk : chunks) {
        std::string_view lines = chunk.lines();
        ASSERT_TRUE(CsvRowIsComplete(lines)) << "chunk at line " << chunk.first_line;
        // Every chunk starts with a row that starts with its id.
        ASSERT_TRUE(lines[0] >= '1' && lines[0] <= '9') << chunk.first_line;
      }
      ASSERT_NE(reader, nullptr);
      EXPECT_THAT(reader->csv_header(), ElementsAre("id", "note", "n"));
    }
  }
}

TEST(InputReaderTest, CsvHeaderWithQuotedNewline) {
  std::string path = WriteFile(TestDir() + "/in.csv", "\"first\nsecond\",b\n1,2\n");
  std::unique_ptr<InputReader> reader;
  std::vector<InputChunk> chunks = ReadChunks(path, InputFormat::kCsv, kNoLimit, 64, &reader);
  ASSERT_NE(reader, nullptr);
  EXPECT_THAT(reader->csv_header(), ElementsAre("first\nsecond", "b"));
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].first_line, 3u);
}

TEST(InputReaderTest, CsvHeaderOnly) {
  std::string dir = TestDir();
  for (const std::string& path :
       {WriteFile(dir + "/nl.csv", "a,b\n"), WriteFile(dir + "/no-nl.csv", "a,b")}) {
    std::unique_ptr<InputReader> reader;
    std::vector<InputChunk> chunks = ReadChunks(path, InputFormat::kCsv, kNoLimit, 64, &reader);
    ASSERT_NE(reader, nullptr);
    EXPECT_THAT(reader->csv_header(), ElementsAre("a", "b")) << path;
    EXPECT_THAT(chunks, IsEmpty()) << path;
    EXPECT_FALSE(reader->empty());
  }
}

TEST(InputReaderTest, EmptyCsvHasEmptyHeader) {
  std::string path = WriteFile(TestDir() + "/empty.csv", "");
  std::unique_ptr<InputReader> reader;
  std::vector<InputChunk> chunks = ReadChunks(path, InputFormat::kCsv, kNoLimit, 64, &reader);
  ASSERT_NE(reader, nullptr);
  EXPECT_THAT(reader->csv_header(), IsEmpty());
  EXPECT_THAT(chunks, IsEmpty());
  EXPECT_TRUE(reader->empty());
}

TEST(InputReaderTest, GzipCsvReadsTheSameAsPlain) {
  std::string dir = TestDir();
  std::string content = "id,email\n1,\"a\nb\"\n2,c\n3,d";
  std::string plain = WriteFile(dir + "/in.csv", content);
  std::string gz = WriteGzip(dir + "/in.csv.gz", content);
  std::unique_ptr<InputReader> reader;
  std::vector<InputChunk> chunks = ReadChunks(gz, InputFormat::kCsv, kNoLimit, 4, &reader);
  ASSERT_NE(reader, nullptr);
  EXPECT_THAT(reader->csv_header(), ElementsAre("id", "email"));
  EXPECT_EQ(Concatenate(chunks), "1,\"a\nb\"\n2,c\n3,d\n");
  EXPECT_EQ(Describe(gz, InputFormat::kCsv, kNoLimit, 4),
            Describe(plain, InputFormat::kCsv, kNoLimit, 4));
}

TEST(InputReaderTest, CsvUnterminatedQuoteInLastRowEnds) {
  std::string path = WriteFile(TestDir() + "/in.csv", "a,b\n1,x\n2,\"oops\n3,y\n");
  std::string described = DescribeInChild(path, InputFormat::kCsv, kNoLimit, 1 << 20);
  EXPECT_NE(described, "TIMEOUT");
  EXPECT_THAT(described, HasSubstr("2:1,x"));
  EXPECT_THAT(described, HasSubstr("3:2,\"oops"));
}

TEST(InputReaderTest, CsvUnterminatedQuoteInHeaderIsInvalidArgument) {
  std::string path = WriteFile(TestDir() + "/in.csv", "\"a,b\n1,2\n");
  std::string described = DescribeInChild(path, InputFormat::kCsv, kNoLimit, 1 << 20);
  EXPECT_THAT(described, HasSubstr("open error: INVALID_ARGUMENT"));
}

// --- Overlong lines ---------------------------------------------------------

TEST(InputReaderTest, OverlongLineBeyondReadAheadIsSkippedAndReported) {
  std::string content =
      absl::StrCat("{\"n\":1}\n", std::string(kBeyondReadAhead, 'x'), "\n{\"n\":3}\n");
  std::string path = WriteFile(TestDir() + "/in.jsonl", content);
  EXPECT_EQ(DescribeInChild(path, InputFormat::kJsonl, 1000, 64),
            "1:{\"n\":1}|2:<overlong>|3:{\"n\":3}");
}

TEST(InputReaderTest, OverlongLineIsNotKeptInAnyChunk) {
  std::string content =
      absl::StrCat("{\"n\":1}\n", std::string(kBeyondReadAhead, 'x'), "\n{\"n\":3}\n");
  std::string path = WriteFile(TestDir() + "/in.jsonl", content);
  std::vector<InputChunk> chunks = ReadChunks(path, InputFormat::kJsonl, 1000, 64);
  EXPECT_EQ(Concatenate(chunks), "{\"n\":1}\n{\"n\":3}\n");
  std::vector<uint64_t> overlong;
  for (const InputChunk& chunk : chunks) {
    overlong.insert(overlong.end(), chunk.overlong_lines.begin(), chunk.overlong_lines.end());
  }
  EXPECT_THAT(overlong, ElementsAre(2u));
}

TEST(InputReaderTest, OverlongFirstAndConsecutiveLines) {
  std::string x(kBeyondReadAhead, 'x');
  std::string content = absl::StrCat(x, "\n", x, "\n{\"n\":3}\n", x, "\n{\"n\":5}\n");
  std::string path = WriteFile(TestDir() + "/in.jsonl", content);
  EXPECT_EQ(DescribeInChild(path, InputFormat::kJsonl, 1000, 64),
            "1:<overlong>|2:<overlong>|3:{\"n\":3}|4:<overlong>|5:{\"n\":5}");
}

TEST(InputReaderTest, OverlongLastLineIsReported) {
  std::string content = absl::StrCat("{\"n\":1}\n", std::string(kBeyondReadAhead, 'x'), "\n");
  std::string path = WriteFile(TestDir() + "/in.jsonl", content);
  EXPECT_EQ(DescribeInChild(path, InputFormat::kJsonl, 1000, 64), "1:{\"n\":1}|2:<overlong>");
}

TEST(InputReaderTest, OverlongLastLineWithoutNewlineIsReported) {
  std::string content = absl::StrCat("{\"n\":1}\n", std::string(kBeyondReadAhead, 'x'));
  std::string path = WriteFile(TestDir() + "/in.jsonl", content);
  EXPECT_EQ(DescribeInChild(path, InputFormat::kJsonl, 1000, 64), "1:{\"n\":1}|2:<overlong>");
}

TEST(InputReaderTest, OverlongLineWithinReadAheadIsSkippedAndReported) {
  std::string dir = TestDir();
  std::string path = WriteFile(
      dir + "/small.jsonl", absl::StrCat("{\"n\":1}\n", std::string(100, 'x'), "\n{\"n\":3}\n"));
  EXPECT_EQ(DescribeInChild(path, InputFormat::kJsonl, 32, 64),
            "1:{\"n\":1}|2:<overlong>|3:{\"n\":3}");
  for (size_t length : {size_t{5000}, kBeyondReadAhead}) {
    // With the default 1 MiB chunks, the reader buffers 1 MiB before cutting.
    std::string longer_path =
        WriteFile(absl::StrCat(dir, "/", length, ".jsonl"),
                  absl::StrCat("{\"n\":1}\n", std::string(length, 'x'), "\n{\"n\":3}\n"));
    EXPECT_EQ(DescribeInChild(longer_path, InputFormat::kJsonl, 1000, 1 << 20),
              "1:{\"n\":1}|2:<overlong>|3:{\"n\":3}")
        << length;
  }
}

TEST(InputReaderTest, LineOfExactlyMaxLengthIsKept) {
  std::string line(1000, 'x');
  std::string content = absl::StrCat(line, "\n{\"n\":2}\n");
  std::string path = WriteFile(TestDir() + "/in.jsonl", content);
  EXPECT_EQ(DescribeInChild(path, InputFormat::kJsonl, 1000, 64), "1:<1000 bytes>|2:{\"n\":2}");
}

// --- ResolveFormat ----------------------------------------------------------

TEST(InputReaderResolveFormatTest, ByExtension) {
  EXPECT_EQ(ResolveFormat("a/b.jsonl", InputFormat::kAuto).value(), InputFormat::kJsonl);
  EXPECT_EQ(ResolveFormat("b.ndjson", InputFormat::kAuto).value(), InputFormat::kJsonl);
  EXPECT_EQ(ResolveFormat("b.json", InputFormat::kAuto).value(), InputFormat::kJsonl);
  EXPECT_EQ(ResolveFormat("b.jsonl.gz", InputFormat::kAuto).value(), InputFormat::kJsonl);
  EXPECT_EQ(ResolveFormat("b.ndjson.gz", InputFormat::kAuto).value(), InputFormat::kJsonl);
  EXPECT_EQ(ResolveFormat("b.csv", InputFormat::kAuto).value(), InputFormat::kCsv);
  EXPECT_EQ(ResolveFormat("dir.jsonl/b.csv.gz", InputFormat::kAuto).value(), InputFormat::kCsv);
}

TEST(InputReaderResolveFormatTest, StdinIsJsonl) {
  EXPECT_EQ(ResolveFormat("-", InputFormat::kAuto).value(), InputFormat::kJsonl);
  EXPECT_EQ(ResolveFormat("-", InputFormat::kCsv).value(), InputFormat::kCsv);
}

TEST(InputReaderResolveFormatTest, UnknownExtensionIsInvalidArgument) {
  for (const std::string path : {"events.txt", "events", "events.gz", "events.csv.bz2",
                                 "events.jsonl.zst", "csv", ""}) {
    absl::StatusOr<InputFormat> format = ResolveFormat(path, InputFormat::kAuto);
    EXPECT_THAT(format, StatusIs(absl::StatusCode::kInvalidArgument)) << path;
    if (!path.empty()) {
      EXPECT_THAT(std::string(format.status().message()), HasSubstr(path));
    }
  }
}

TEST(InputReaderResolveFormatTest, ExplicitFormatWins) {
  EXPECT_EQ(ResolveFormat("b.csv", InputFormat::kJsonl).value(), InputFormat::kJsonl);
  EXPECT_EQ(ResolveFormat("b.jsonl", InputFormat::kCsv).value(), InputFormat::kCsv);
  EXPECT_EQ(ResolveFormat("events.txt", InputFormat::kCsv).value(), InputFormat::kCsv);
}

}  // namespace
}  // namespace idstitch
