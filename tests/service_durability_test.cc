// Durability of `idstitch serve`: a client sends events one at a time, the
// server is killed with SIGKILL mid-stream, restarted on the same store, and
// its state must reflect every acknowledged event and equal a clean run over
// exactly the acknowledged events (plus, at most, the one in flight when the
// server died: it may have been committed without its answer arriving).
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "resolver/identity_service.h"
#include "tests/status_matchers.h"
#include "tests/test_support.h"

namespace idstitch {
namespace {

using ::idstitch::testing::CurrentTestDir;
using ::idstitch::testing::ReadFile;
using ::idstitch::testing::ReadLines;
using ::idstitch::testing::RunIdstitch;
using ::idstitch::testing::StartServer;

// The identity map and assignments of a clean in-process run over `events`, one per request.
std::string CleanRunMap(const std::vector<std::string>& events, const std::string& dir) {
  std::filesystem::create_directories(dir);
  absl::StatusOr<std::unique_ptr<IdentityService>> service =
      IdentityService::Open(ResolverOptions(), dir + "/store");
  if (!service.ok()) return "open failed: " + std::string(service.status().message());
  for (const std::string& event : events) {
    if (!(*service)->AddEvents(event).ok()) return "add failed";
  }
  if (!(*service)->Export(dir).ok()) return "export failed";
  return ReadFile(dir + "/identity_map.csv") + ReadFile(dir + "/assignments.csv");
}

TEST(ServiceDurabilityTest, KillNineLosesNoAcknowledgedEvent) {
  const std::string dir = CurrentTestDir();
  ASSERT_EQ(RunIdstitch({"gen", "--people", "60", "--seed", "11", "--out", dir + "/gen", "--quiet"}), 0);
  const std::vector<std::string> events = ReadLines(dir + "/gen/events.jsonl");
  ASSERT_GT(events.size(), 400u);
  const std::string data = dir + "/store";

  auto [pid, port] = StartServer({"--data", data}, dir + "/port");
  ASSERT_GT(port, 0) << ReadFile(dir + "/port.log");
  std::atomic<size_t> acknowledged{0};
  std::thread client([&, port = port] {
    httplib::Client http("127.0.0.1", port);
    for (size_t i = 0; i < events.size(); ++i) {
      httplib::Result result = http.Post("/v1/events", events[i], "application/json");
      if (!result || result->status != 200) return;  // the server is gone
      acknowledged = i + 1;
    }
  });
  while (acknowledged.load() < 200) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  client.join();
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  const size_t acked = acknowledged.load();
  ASSERT_LT(acked, events.size()) << "the server died after the last event";

  // Restart: recovery happens on open; the service must take new events.
  auto [pid2, port2] = StartServer({"--data", data}, dir + "/port");
  ASSERT_GT(port2, 0) << ReadFile(dir + "/port.log");
  {
    httplib::Client http("127.0.0.1", port2);
    auto health = http.Get("/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
  }
  ASSERT_EQ(kill(pid2, SIGTERM), 0);
  waitpid(pid2, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadFile(dir + "/port.log");

  ASSERT_EQ(RunIdstitch({"export", "--data", data, "--out", dir + "/export"}), 0);
  // The identity map and every record's assignment, as files.
  const std::string recovered = ReadFile(dir + "/export/identity_map.csv") +
                                ReadFile(dir + "/export/assignments.csv");
  const std::vector<std::string> acked_events(events.begin(), events.begin() + acked);
  const std::vector<std::string> with_in_flight(events.begin(), events.begin() + acked + 1);
  const std::string clean = CleanRunMap(acked_events, dir + "/clean");
  const std::string clean_plus_one = CleanRunMap(with_in_flight, dir + "/clean_plus_one");
  EXPECT_TRUE(recovered == clean || recovered == clean_plus_one)
      << "recovered state matches no clean run over the acknowledged events (" << acked << ")";
}

}  // namespace
}  // namespace idstitch
