#include "resolver/block_writer.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <random>
#include <string>

#include "tests/test_support.h"

namespace idstitch {
namespace {

constexpr size_t kBlock = BlockWriter::kBlockBytes;

int OpenNew(const std::string& path) {
  return open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
}

// Pieces of awkward sizes: empty, tiny, block-sized, 4096-multiples, larger
// than a block, so that copies straddle block ends.
std::vector<std::string> RandomPieces(uint32_t seed, size_t total) {
  std::mt19937 random(seed);
  const size_t sizes[] = {0, 1, 7, 4095, 4096, 8192, kBlock - 1, kBlock, kBlock + 1, 3 * kBlock + 5};
  std::vector<std::string> pieces;
  size_t bytes = 0;
  char next = 'a';
  while (bytes < total) {
    size_t size = random() % 4 == 0 ? sizes[random() % std::size(sizes)] : random() % 300;
    std::string piece(size, ' ');
    for (char& c : piece) {
      c = next;
      next = next == 'z' ? 'a' : static_cast<char>(next + 1);
    }
    bytes += size;
    pieces.push_back(std::move(piece));
  }
  return pieces;
}

TEST(BlockWriterTest, WritesEveryByteInOrderDirectOrBuffered) {
  for (bool try_direct : {true, false}) {
    const std::string path = testing::CurrentTestDir() + "/out.bin";
    const int fd = OpenNew(path);
    ASSERT_GE(fd, 0);
    std::string expected;
    {
      BlockWriter writer(fd, try_direct);
      for (const std::string& piece : RandomPieces(try_direct ? 1 : 2, 9 * kBlock)) {
        writer.Append(piece);
        expected += piece;
      }
      ASSERT_EQ(writer.Finish(), 0);
      EXPECT_EQ(testing::ReadFile(path), expected);
      // Appending after Finish continues the file.
      for (const std::string& piece : RandomPieces(3, 2 * kBlock)) {
        writer.Append(piece);
        expected += piece;
      }
      ASSERT_EQ(writer.Finish(), 0);
      EXPECT_EQ(writer.bytes_appended(), expected.size());
    }
    close(fd);
    EXPECT_EQ(testing::ReadFile(path), expected) << "try_direct " << try_direct;
  }
}

TEST(BlockWriterTest, FullBlocksStayDirectWhereTheFilesystemAllowsIt) {
  const std::string path = testing::CurrentTestDir() + "/out.bin";
  const int fd = OpenNew(path);
  ASSERT_GE(fd, 0);
  BlockWriter writer(fd);
  if (!writer.direct()) GTEST_SKIP() << "this filesystem refuses O_DIRECT";
  // An alignment mistake would make the first direct write fail and the
  // writer fall back for good: correct output, but the speed gone.
  writer.Append(std::string(3 * kBlock + 10, 'x'));
  writer.Append(std::string(kBlock, 'y'));
  EXPECT_TRUE(writer.direct());
  ASSERT_EQ(writer.Finish(), 0);
  EXPECT_FALSE(writer.direct());  // the tail ended off a block boundary
  close(fd);
  EXPECT_EQ(testing::ReadFile(path), std::string(3 * kBlock + 10, 'x') + std::string(kBlock, 'y'));
}

TEST(BlockWriterTest, RefusedDirectWriteFallsBackAndReportsTheRealFailure) {
  // A file-size limit off any block boundary: the direct write is refused or
  // cut short, the writer goes buffered, which writes up to the limit and
  // then fails with EFBIG. This test runs in its own process under ctest.
  const std::string path = testing::CurrentTestDir() + "/too_big.bin";
  const int fd = OpenNew(path);
  ASSERT_GE(fd, 0);
  rlimit old_limit;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  sighandler_t old_handler = signal(SIGXFSZ, SIG_IGN);
  rlimit small = old_limit;
  small.rlim_cur = (1 << 20) + 100;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string content;
  for (size_t i = 0; i < 3 * kBlock; ++i) content.push_back(static_cast<char>('a' + i % 26));
  int error;
  {
    BlockWriter writer(fd);
    writer.Append(content);
    error = writer.Finish();
    EXPECT_FALSE(writer.direct());
  }
  setrlimit(RLIMIT_FSIZE, &old_limit);
  signal(SIGXFSZ, old_handler);
  close(fd);
  EXPECT_EQ(error, EFBIG);
  EXPECT_EQ(testing::ReadFile(path), content.substr(0, (1 << 20) + 100));
}

}  // namespace
}  // namespace idstitch
