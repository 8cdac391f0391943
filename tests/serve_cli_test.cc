// `idstitch serve` and `idstitch export` through the command line: seeding
// from a batch run (and restarting with the same command line), bad flags,
// a store held by a running server, clean shutdown on SIGTERM.
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/test_support.h"

namespace idstitch {
namespace {

using ::idstitch::testing::CurrentTestDir;
using ::idstitch::testing::ReadFile;
using ::idstitch::testing::RunIdstitch;
using ::idstitch::testing::SourceDir;
using ::idstitch::testing::StartServer;
using ::idstitch::testing::WriteFile;
using ::testing::HasSubstr;

int Stop(int pid) {
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(ServeCliTest, SeedsFromABatchRunAndRestartsWithTheSameCommandLine) {
  const std::string dir = CurrentTestDir();
  ASSERT_EQ(RunIdstitch({"resolve", SourceDir() + "/fixtures/basic_sign_in/input.jsonl", "--out",
                         dir + "/batch", "--links", "--no-colocation", "--quiet"}),
            0);
  WriteFile(dir + "/token", "  t0ken\n");
  const std::vector<std::string> args = {"--data", dir + "/store", "--from", dir + "/batch",
                                         "--token-file", dir + "/token"};
  for (int start = 0; start < 2; ++start) {
    auto [pid, port] = StartServer(args, dir + "/port");
    ASSERT_GT(port, 0) << ReadFile(dir + "/port.log");
    httplib::Client client("127.0.0.1", port);
    auto resolved = client.Get("/v1/resolve?type=account_id&value=acct-1",
                               {{"Authorization", "Bearer t0ken"}});
    ASSERT_TRUE(resolved);
    EXPECT_EQ(resolved->status, 200) << resolved->body;
    EXPECT_THAT(resolved->body, HasSubstr("jane"));
    EXPECT_EQ(Stop(pid), 0) << ReadFile(dir + "/port.log");
  }
  EXPECT_THAT(ReadFile(dir + "/port.log"), HasSubstr("--from ignored"));
  ASSERT_EQ(RunIdstitch({"export", "--data", dir + "/store", "--out", dir + "/export"}), 0);
  EXPECT_EQ(ReadFile(dir + "/export/identity_map.csv"), ReadFile(dir + "/batch/identity_map.csv"));
}

TEST(ServeCliTest, BadFlagsAndBusyStoresFailWithAMessage) {
  const std::string dir = CurrentTestDir();
  std::string err;
  EXPECT_EQ(RunIdstitch({"serve", "--data", dir + "/s", "--listen", "nowhere"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("expected HOST:PORT"));
  EXPECT_EQ(RunIdstitch({"serve", "--data", dir + "/s", "--token-file", dir + "/missing"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("cannot read the token file"));
  WriteFile(dir + "/empty_token", "\n");
  EXPECT_EQ(RunIdstitch({"serve", "--data", dir + "/s", "--token-file", dir + "/empty_token"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("token file is empty"));
  EXPECT_NE(RunIdstitch({"export", "--data", dir + "/none", "--out", dir + "/o"}, &err), 0);
  EXPECT_THAT(err, HasSubstr("no such store"));

  auto [pid, port] = StartServer({"--data", dir + "/store"}, dir + "/port");
  ASSERT_GT(port, 0) << ReadFile(dir + "/port.log");
  EXPECT_NE(RunIdstitch({"export", "--data", dir + "/store", "--out", dir + "/o"}, &err), 0);
  EXPECT_THAT(err, HasSubstr("in use by another process"));
  EXPECT_EQ(Stop(pid), 0);
}

}  // namespace
}  // namespace idstitch
