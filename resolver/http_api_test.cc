#include "resolver/http_api.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/test_support.h"

namespace idstitch {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// A service and its API on a free loopback port, served from a thread.
class HttpApiTest : public ::testing::Test {
 protected:
  void Start(HttpOptions options = HttpOptions()) {
    absl::StatusOr<std::unique_ptr<IdentityService>> service =
        IdentityService::Open(ResolverOptions(), testing::CurrentTestDir() + "/store");
    ASSERT_TRUE(service.ok()) << service.status();
    service_ = *std::move(service);
    options.port = 0;
    api_ = std::make_unique<HttpApi>(*service_, options);
    absl::StatusOr<int> port = api_->Bind();
    ASSERT_TRUE(port.ok()) << port.status();
    port_ = *port;
    server_ = std::thread([this] { api_->Serve(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
  }

  void TearDown() override {
    if (api_ != nullptr) api_->Stop();
    if (server_.joinable()) server_.join();
  }

  std::unique_ptr<IdentityService> service_;
  std::unique_ptr<HttpApi> api_;
  std::thread server_;
  int port_ = 0;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpApiTest, EndpointsAnswerJson) {
  Start();
  auto events = client_->Post("/v1/events",
                              R"([{"record_id":"r1","ts":"2026-01-01T00:00:00Z","email":"a@x.com","device_id":"d1"},
                                  {"record_id":"r2","phone":"+14155550132","device_id":"d2"}])",
                              "application/json");
  ASSERT_TRUE(events);
  EXPECT_EQ(events->status, 200);
  EXPECT_THAT(events->body, HasSubstr("\"created\":true"));
  auto merge = client_->Post("/v1/events", R"({"record_id":"r3","account_id":"u1","device_id":"d1","phone":"+14155550132"})",
                             "application/json");
  ASSERT_TRUE(merge);
  EXPECT_THAT(merge->body, HasSubstr("\"merged\":[\"id-"));

  auto resolve = client_->Get("/v1/resolve?type=phone&value=%28415%29%20555-0132");
  ASSERT_TRUE(resolve);
  EXPECT_EQ(resolve->status, 200);
  EXPECT_THAT(resolve->body, HasSubstr("\"account_id\":[\"u1\"]"));
  const std::string id = resolve->body.substr(resolve->body.find("id-"), 19);

  auto identity = client_->Get("/v1/identities/" + id);
  ASSERT_TRUE(identity);
  EXPECT_EQ(identity->status, 200);
  EXPECT_THAT(identity->body, HasSubstr("\"records\":3"));
  EXPECT_THAT(identity->body, HasSubstr("\"first_seen\":\"2026-01-01T00:00:00Z\""));

  auto changes = client_->Get("/v1/changes?after=0&limit=2");
  ASSERT_TRUE(changes);
  EXPECT_THAT(changes->body, HasSubstr("\"next_after\":2"));
  auto merged_away = service_->Changes(2, 1);
  ASSERT_TRUE(merged_away.ok() && merged_away->size() == 1);
  const std::string& merged_json = (*merged_away)[0].json;
  const std::string old_id = merged_json.substr(merged_json.find("\"merged\":[\"") + 11, 19);
  auto old = client_->Get("/v1/identities/" + old_id);
  ASSERT_TRUE(old);
  EXPECT_THAT(old->body, HasSubstr("\"merged_into\":\"" + id + "\""));

  auto explain = client_->Get("/v1/explain?a=email:a@x.com&b=account_id:u1");
  ASSERT_TRUE(explain);
  EXPECT_EQ(explain->status, 200);
  EXPECT_THAT(explain->body, HasSubstr("authenticated_event"));

  auto erase = client_->Delete("/v1/identifiers?type=email&value=a@x.com");
  ASSERT_TRUE(erase);
  EXPECT_EQ(erase->status, 200);
  auto gone = client_->Get("/v1/resolve?type=email&value=a@x.com");
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 404);
  EXPECT_THAT(gone->body, HasSubstr("\"code\":\"NOT_FOUND\""));

  auto health = client_->Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->body, "{\"status\":\"ok\"}");
  auto metrics = client_->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_THAT(metrics->body, HasSubstr("idstitch_http_requests_total{route=\"events\"} 2"));
  EXPECT_THAT(metrics->body, HasSubstr("idstitch_merges_total 1"));
  EXPECT_THAT(metrics->body, HasSubstr("idstitch_http_request_seconds_bucket{route=\"resolve\",le=\"+Inf\"} 2"));
}

TEST_F(HttpApiTest, ClientErrorsAreJsonWithCodes) {
  HttpOptions options;
  options.max_body_bytes = 1024;
  Start(options);
  struct Case {
    std::string method, path, body;
    int status;
    std::string code;
  };
  const Case cases[] = {
      {"POST", "/v1/events", "{not json", 400, "INVALID_ARGUMENT"},
      {"POST", "/v1/events", R"({"email":"a@x.com"})", 400, "INVALID_ARGUMENT"},
      {"POST", "/v1/events", std::string(4096, '['), 413, "PAYLOAD_TOO_LARGE"},
      {"GET", "/v1/resolve?type=email", "", 400, "INVALID_ARGUMENT"},
      {"GET", "/v1/resolve?type=shoe&value=1", "", 400, "INVALID_ARGUMENT"},
      {"GET", "/v1/resolve?type=email&value=nobody@x.com", "", 404, "NOT_FOUND"},
      {"GET", "/v1/identities/id-0000000000000000", "", 404, "NOT_FOUND"},
      {"GET", "/v1/changes?after=x", "", 400, "INVALID_ARGUMENT"},
      {"GET", "/v1/changes?limit=0", "", 400, "INVALID_ARGUMENT"},
      {"GET", "/v1/explain?a=email", "", 400, "INVALID_ARGUMENT"},
      {"DELETE", "/v1/identifiers?type=email&value=nobody@x.com", "", 404, "NOT_FOUND"},
      {"GET", "/v2/nothing", "", 404, "NOT_FOUND"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.method + " " + c.path);
    httplib::Result result = c.method == "POST"   ? client_->Post(c.path, c.body, "application/json")
                             : c.method == "GET"  ? client_->Get(c.path)
                                                  : client_->Delete(c.path);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, c.status);
    EXPECT_THAT(result->body, HasSubstr("\"code\":\"" + c.code + "\""));
  }
}

TEST_F(HttpApiTest, BearerTokenGuardsEverythingButHealth) {
  HttpOptions options;
  options.token = "s3cret";
  Start(options);
  auto denied = client_->Get("/v1/resolve?type=email&value=a@x.com");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
  EXPECT_THAT(denied->body, HasSubstr("UNAUTHENTICATED"));
  auto wrong = client_->Get("/metrics", {{"Authorization", "Bearer s3creT"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  auto allowed = client_->Get("/v1/resolve?type=email&value=a@x.com", {{"Authorization", "Bearer s3cret"}});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 404);  // authenticated, just unknown
  auto health = client_->Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

// Thousands of random and mutated requests: every answer is a status below
// 500 with a JSON body, and the server still serves afterwards.
TEST_F(HttpApiTest, FuzzedRequestsNeverCrashOrAnswer5xx) {
  HttpOptions options;
  options.max_body_bytes = 8192;
  Start(options);
  const std::string seeds[] = {
      R"({"record_id":"r1","email":"a@x.com","device_id":"d1","ts":"2026-01-01T00:00:00Z"})",
      R"([{"record_id":"r2","phone":"(415) 555-0132","account_id":"u1"},{"record_id":"r3","social":"twitter:@a"}])",
      R"({"record_id":"r4","loyalty_card":"6035 0076 6243 1650","event":"purchase","ip":"1.2.3.4"})"};
  const std::string paths[] = {"/v1/resolve?type=email&value=a%40x.com", "/v1/identities/id-",
                               "/v1/explain?a=email:a@x.com&b=device_id:d1", "/v1/changes?after=",
                               "/v1/identifiers?type=phone&value=", "/metrics", "/v1/events"};
  std::mt19937_64 rng(20261123);
  auto mutate = [&](std::string text) {
    const int edits = 1 + static_cast<int>(rng() % 6);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const size_t at = rng() % text.size();
      switch (rng() % 5) {
        case 0: text[at] = static_cast<char>(rng() % 256); break;
        case 1: text.erase(at, 1 + rng() % 8); break;
        case 2: text.insert(at, 1, "{}[]\",:\\\x00\xff"[rng() % 12]); break;
        case 3: text.insert(at, text.substr(rng() % text.size(), rng() % 32)); break;
        default: text = text.substr(0, at); break;
      }
    }
    return text;
  };
  int answered = 0;
  for (int i = 0; i < 3000; ++i) {
    const int kind = static_cast<int>(rng() % 4);
    auto send = [&]() -> httplib::Result {
      if (kind <= 1) {
        const std::string body = kind == 0 ? mutate(seeds[rng() % 3]) : std::string(rng() % 64, 'x');
        return client_->Post("/v1/events", body, "application/json");
      }
      std::string path = mutate(paths[rng() % 7]);
      if (path.empty() || path[0] != '/') path = "/" + path;
      return kind == 2 ? client_->Get(path) : client_->Delete(path);
    };
    httplib::Result result = send();
    if (!result) continue;  // a request line the client itself refuses to send
    ++answered;
    ASSERT_LT(result->status, 500) << result->body;
    if (result->status != 200 || result->get_header_value("Content-Type") == "application/json") {
      EXPECT_THAT(result->body, StartsWith("{")) << result->status;
    }
  }
  EXPECT_GT(answered, 2500);
  auto health = client_->Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

// A body without Content-Length would be read until the connection closes,
// past the size limit: refused with 411 before it is read.
TEST_F(HttpApiTest, BodyWithoutLengthIsRefused) {
  Start();
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port_));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  const std::string request =
      "POST /v1/events HTTP/1.1\r\nHost: x\r\n\r\n{\"record_id\":\"r\",\"email\":\"a@x.com\"}";
  ASSERT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  // The answer may arrive in several reads; the server closes after it.
  timeval timeout{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  std::string answer;
  char buffer[512];
  for (ssize_t got; (got = read(fd, buffer, sizeof(buffer))) > 0;) answer.append(buffer, got);
  close(fd);
  EXPECT_THAT(answer, HasSubstr("HTTP/1.1 411"));
  EXPECT_THAT(answer, HasSubstr("LENGTH_REQUIRED"));
  EXPECT_EQ(service_->Stats().identifiers, 0u);
}

// Malformed HTTP on a raw socket: random bytes and broken request lines.
// Whatever comes back must not be a 5xx, and the server must keep serving.
TEST_F(HttpApiTest, MalformedHttpNeverCrashesTheServer) {
  Start();
  const std::string seeds[] = {
      "GET /v1/resolve?type=email&value=a@x.com HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n{\"record_id\":\"r\",\"email\":\"a@x.com\"}",
      "POST /v1/events HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
      "DELETE /v1/identifiers?type=email&value=%zz HTTP/1.0\r\n\r\n"};
  std::mt19937_64 rng(7);
  for (int i = 0; i < 400; ++i) {
    std::string request = seeds[rng() % 4];
    if (i % 4 == 0) {
      request.assign(rng() % 200, '\0');
      for (char& c : request) c = static_cast<char>(rng() % 256);
    } else {
      for (int e = 0; e < 3; ++e) request[rng() % request.size()] = static_cast<char>(rng() % 256);
    }
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port_));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    timeval timeout{0, 200000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    (void)!write(fd, request.data(), request.size());
    shutdown(fd, SHUT_WR);
    char buffer[256] = {};
    const ssize_t got = read(fd, buffer, sizeof(buffer) - 1);
    close(fd);
    if (got > 12) {
      const std::string head(buffer, static_cast<size_t>(got));
      EXPECT_EQ(head.find("HTTP/1.1 5"), std::string::npos) << head;
    }
  }
  auto health = client_->Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

}  // namespace
}  // namespace idstitch
