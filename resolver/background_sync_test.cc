#include "resolver/background_sync.h"

#include <signal.h>
#include <sys/resource.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/test_support.h"

namespace idstitch {
namespace {

using ::testing::HasSubstr;

TEST(BackgroundSyncTest, FilesStartedFromSeveralThreadsAreSyncedAndCommitted) {
  const std::string dir = testing::CurrentTestDir();
  std::vector<std::unique_ptr<AtomicFile>> files;
  for (int i = 0; i < 6; ++i) {
    absl::StatusOr<std::unique_ptr<AtomicFile>> file =
        AtomicFile::Create(dir + "/f" + std::to_string(i));
    ASSERT_TRUE(file.ok()) << file.status();
    (*file)->Append(std::string(100000 * (i + 1), static_cast<char>('a' + i)));
    files.push_back(*std::move(file));
  }
  BackgroundSync syncs;
  std::vector<std::thread> starters;
  for (int i = 0; i < 6; ++i) starters.emplace_back([&, i] { syncs.Start(files[i].get()); });
  for (std::thread& starter : starters) starter.join();
  ASSERT_TRUE(syncs.Wait().ok());
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(files[i]->Commit().ok());
    EXPECT_EQ(testing::ReadFile(dir + "/f" + std::to_string(i)),
              std::string(100000 * (i + 1), static_cast<char>('a' + i)));
  }
}

TEST(BackgroundSyncTest, AFailedWriteIsReportedNamingTheFile) {
  // A file size limit makes write() fail with EFBIG (SIGXFSZ ignored); this
  // test runs in its own process under ctest, and restores both anyway.
  const std::string path = testing::CurrentTestDir() + "/too_big.csv";
  absl::StatusOr<std::unique_ptr<AtomicFile>> file = AtomicFile::Create(path);
  ASSERT_TRUE(file.ok()) << file.status();
  rlimit old_limit;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  sighandler_t old_handler = signal(SIGXFSZ, SIG_IGN);
  rlimit small = old_limit;
  small.rlim_cur = 1 << 20;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  (*file)->Append(std::string(3 << 20, 'x'));
  BackgroundSync syncs;
  syncs.Start(file->get());
  absl::Status status = syncs.Wait();
  setrlimit(RLIMIT_FSIZE, &old_limit);
  signal(SIGXFSZ, old_handler);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(status.message()), HasSubstr(path));
  EXPECT_FALSE((*file)->Commit().ok());
}

}  // namespace
}  // namespace idstitch
