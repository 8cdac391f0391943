#include "resolver/http_api.h"

#include <httplib.h>

#include <array>
#include <atomic>
#include <chrono>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "resolver/absl_compat.h"
#include "resolver/json_escape.h"
#include "resolver/timestamp.h"

namespace idstitch {
namespace {

constexpr size_t kDefaultChangeLimit = 100;
constexpr size_t kMaxChangeLimit = 10000;
constexpr size_t kKeepAliveRequests = 100000;

// Latency buckets (seconds) of the /metrics histogram.
constexpr std::array<double, 12> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                             0.01,   0.025,   0.05,   0.1,   0.5,    1.0};

enum Route { kEvents, kResolve, kIdentity, kExplain, kErase, kChanges, kHealth, kMetrics,
             kOther, kNumRoutes };
constexpr const char* kRouteNames[kNumRoutes] = {"events",  "resolve", "identity", "explain",
                                                 "erase",   "changes", "healthz",  "metrics",
                                                 "other"};

struct RouteMetrics {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> errors{0};  // 4xx and 5xx
  std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets{};
  std::atomic<uint64_t> micros_total{0};
};

int HttpStatusOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument: return 400;
    case absl::StatusCode::kNotFound: return 404;
    case absl::StatusCode::kFailedPrecondition: return 409;
    case absl::StatusCode::kUnavailable: return 503;
    default: return 500;
  }
}

std::string ErrorJson(std::string_view code, std::string_view message) {
  std::string out = "{\"error\":{\"code\":";
  AppendJsonString(code, &out);
  out += ",\"message\":";
  AppendJsonString(message, &out);
  out += "}}";
  return out;
}

void SendError(httplib::Response& res, int http_status, std::string_view code,
               std::string_view message) {
  res.status = http_status;
  res.set_content(ErrorJson(code, message), "application/json");
}

void SendStatus(httplib::Response& res, const absl::Status& status) {
  SendError(res, HttpStatusOf(status), absl::StatusCodeToString(status.code()),
            AsStd(status.message()));
}

void AppendTime(int64_t ts, std::string* out) {
  if (ts == kNoTimestamp) {
    out->append("null");
  } else {
    AppendJsonString(FormatTimestamp(ts), out);
  }
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

struct HttpApi::Impl {
  IdentityService& service;
  HttpOptions options;
  httplib::Server server;
  std::array<RouteMetrics, kNumRoutes> metrics;

  Impl(IdentityService& s, HttpOptions o) : service(s), options(std::move(o)) {}

  void Record(Route route, int status, std::chrono::steady_clock::duration elapsed) {
    RouteMetrics& m = metrics[route];
    ++m.requests;
    if (status >= 400) ++m.errors;
    const double seconds = std::chrono::duration<double>(elapsed).count();
    size_t bucket = 0;
    while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
    ++m.buckets[bucket];
    m.micros_total += static_cast<uint64_t>(seconds * 1e6);
  }

  // Wraps a handler: times it and counts its status under `route`.
  httplib::Server::Handler Timed(Route route, httplib::Server::Handler handler) {
    return [this, route, handler](const httplib::Request& req, httplib::Response& res) {
      const auto start = std::chrono::steady_clock::now();
      handler(req, res);
      Record(route, res.status, std::chrono::steady_clock::now() - start);
    };
  }

  static bool Param(const httplib::Request& req, httplib::Response& res, const char* name,
                    std::string* out) {
    if (!req.has_param(name)) {
      SendError(res, 400, "INVALID_ARGUMENT", absl::StrCat("missing query parameter '", name, "'"));
      return false;
    }
    *out = req.get_param_value(name);
    return true;
  }

  void Events(const httplib::Request& req, httplib::Response& res) {
    absl::StatusOr<std::vector<EventResult>> results = service.AddEvents(req.body);
    if (!results.ok()) return SendStatus(res, results.status());
    std::string out = "{\"results\":[";
    for (size_t i = 0; i < results->size(); ++i) {
      const EventResult& r = (*results)[i];
      if (i > 0) out.push_back(',');
      out += "{\"record_id\":";
      AppendJsonString(r.record_id, &out);
      out += ",\"identity_id\":";
      if (r.identity_id.empty()) {
        out += "null";
      } else {
        AppendJsonString(r.identity_id, &out);
      }
      out += ",\"merged\":[";
      for (size_t m = 0; m < r.merged.size(); ++m) {
        if (m > 0) out.push_back(',');
        AppendJsonString(r.merged[m], &out);
      }
      absl::StrAppend(&out, "],\"created\":", r.created ? "true" : "false",
                      ",\"duplicate\":", r.duplicate ? "true" : "false");
      if (!r.warnings.empty()) {
        out += ",\"warnings\":[";
        for (size_t w = 0; w < r.warnings.size(); ++w) {
          if (w > 0) out.push_back(',');
          AppendJsonString(r.warnings[w], &out);
        }
        out += "]";
      }
      out += "}";
    }
    out += "]}";
    res.set_content(out, "application/json");
  }

  void Resolve(const httplib::Request& req, httplib::Response& res) {
    std::string type, value;
    if (!Param(req, res, "type", &type) || !Param(req, res, "value", &value)) return;
    absl::StatusOr<IdentityView> view = service.Resolve(type, value);
    if (!view.ok()) return SendStatus(res, view.status());
    std::string out = "{\"identity_id\":";
    AppendJsonString(view->identity_id, &out);
    out += ",\"members\":";
    AppendMembersJson(*view, &out);
    out += "}";
    res.set_content(out, "application/json");
  }

  void Identity(const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    absl::StatusOr<IdentityLookup> lookup = service.GetIdentity(id);
    if (!lookup.ok()) return SendStatus(res, lookup.status());
    std::string out = "{\"identity_id\":";
    if (!lookup->view.has_value()) {
      AppendJsonString(id, &out);
      out += ",\"merged_into\":";
      AppendJsonString(lookup->survivor, &out);
      out += "}";
      return res.set_content(out, "application/json");
    }
    const IdentityView& view = *lookup->view;
    AppendJsonString(view.identity_id, &out);
    out += ",\"members\":";
    AppendMembersJson(view, &out);
    absl::StrAppend(&out, ",\"records\":", view.activity.records, ",\"first_seen\":");
    AppendTime(view.activity.first_seen, &out);
    out += ",\"last_seen\":";
    AppendTime(view.activity.last_seen, &out);
    out += "}";
    res.set_content(out, "application/json");
  }

  void Explain(const httplib::Request& req, httplib::Response& res) {
    std::string a, b;
    if (!Param(req, res, "a", &a) || !Param(req, res, "b", &b)) return;
    absl::StatusOr<std::string> text = service.Explain(a, b);
    if (!text.ok()) return SendStatus(res, text.status());
    std::string out = "{\"explanation\":";
    AppendJsonString(*text, &out);
    out += "}";
    res.set_content(out, "application/json");
  }

  void Erase(const httplib::Request& req, httplib::Response& res) {
    std::string type, value;
    if (!Param(req, res, "type", &type) || !Param(req, res, "value", &value)) return;
    absl::Status status = service.Erase(type, value);
    if (!status.ok()) return SendStatus(res, status);
    res.set_content("{\"erased\":true}", "application/json");
  }

  void Changes(const httplib::Request& req, httplib::Response& res) {
    uint64_t after = 0;
    size_t limit = kDefaultChangeLimit;
    if (req.has_param("after") && !absl::SimpleAtoi(AsAbsl(req.get_param_value("after")), &after)) {
      return SendError(res, 400, "INVALID_ARGUMENT", "'after' must be a sequence number");
    }
    if (req.has_param("limit") &&
        (!absl::SimpleAtoi(AsAbsl(req.get_param_value("limit")), &limit) || limit == 0 ||
         limit > kMaxChangeLimit)) {
      return SendError(res, 400, "INVALID_ARGUMENT",
                       absl::StrCat("'limit' must be 1 to ", kMaxChangeLimit));
    }
    absl::StatusOr<std::vector<StoredChange>> changes = service.Changes(after, limit);
    if (!changes.ok()) return SendStatus(res, changes.status());
    std::string out = "{\"changes\":[";
    for (size_t i = 0; i < changes->size(); ++i) {
      if (i > 0) out.push_back(',');
      out += (*changes)[i].json;
    }
    absl::StrAppend(&out, "],\"next_after\":", changes->empty() ? after : changes->back().seq, "}");
    res.set_content(out, "application/json");
  }

  void Metrics(const httplib::Request&, httplib::Response& res) {
    const ServiceStats stats = service.Stats();
    std::string out =
        "# HELP idstitch_http_requests_total HTTP requests by route.\n"
        "# TYPE idstitch_http_requests_total counter\n";
    for (int r = 0; r < kNumRoutes; ++r) {
      absl::StrAppend(&out, "idstitch_http_requests_total{route=\"", kRouteNames[r], "\"} ",
                      metrics[r].requests.load(), "\n");
    }
    out += "# TYPE idstitch_http_errors_total counter\n";
    for (int r = 0; r < kNumRoutes; ++r) {
      absl::StrAppend(&out, "idstitch_http_errors_total{route=\"", kRouteNames[r], "\"} ",
                      metrics[r].errors.load(), "\n");
    }
    out += "# HELP idstitch_http_request_seconds Request latency by route.\n"
           "# TYPE idstitch_http_request_seconds histogram\n";
    for (int r = 0; r < kNumRoutes; ++r) {
      uint64_t cumulative = 0;
      for (size_t b = 0; b <= kBuckets.size(); ++b) {
        cumulative += metrics[r].buckets[b].load();
        absl::StrAppend(&out, "idstitch_http_request_seconds_bucket{route=\"", kRouteNames[r],
                        "\",le=\"", b < kBuckets.size() ? absl::StrCat(kBuckets[b]) : "+Inf",
                        "\"} ", cumulative, "\n");
      }
      absl::StrAppend(&out, "idstitch_http_request_seconds_sum{route=\"", kRouteNames[r], "\"} ",
                      metrics[r].micros_total.load() / 1e6, "\n",
                      "idstitch_http_request_seconds_count{route=\"", kRouteNames[r], "\"} ",
                      cumulative, "\n");
    }
    absl::StrAppend(&out, "# TYPE idstitch_identities gauge\nidstitch_identities ", stats.identities,
                    "\n# TYPE idstitch_identifiers gauge\nidstitch_identifiers ", stats.identifiers,
                    "\n# TYPE idstitch_merges_total counter\nidstitch_merges_total ", stats.merges,
                    "\n# TYPE idstitch_refused_merges_total counter\nidstitch_refused_merges_total ",
                    stats.refused_merges,
                    "\n# TYPE idstitch_records_applied_total counter\nidstitch_records_applied_total ",
                    stats.records_applied,
                    "\n# TYPE idstitch_duplicate_records_total counter\nidstitch_duplicate_records_total ",
                    stats.duplicates, "\n# TYPE idstitch_commits_total counter\nidstitch_commits_total ",
                    stats.commits, "\n");
    res.set_content(out, "text/plain; version=0.0.4");
  }

  void Install() {
    server.set_payload_max_length(options.max_body_bytes);
    // Headers and body go out as two writes: without TCP_NODELAY the body
    // waits for the client's delayed ACK (~40 ms a response).
    server.set_tcp_nodelay(true);
    // httplib closes a keep-alive connection after 5 requests by default;
    // reconnecting costs more than a lookup.
    server.set_keep_alive_max_count(kKeepAliveRequests);
    server.set_read_timeout(options.read_timeout_seconds, 0);
    server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      // Runs before the body is read. httplib 0.11 reads a body without a
      // length until the connection closes, past the size limit: refuse it.
      const bool has_body_method = req.method == "POST" || req.method == "PUT" || req.method == "PATCH";
      if (has_body_method && !req.has_header("Content-Length") &&
          req.get_header_value("Transfer-Encoding").find("chunked") == std::string::npos) {
        res.set_header("Connection", "close");
        SendError(res, 411, "LENGTH_REQUIRED", "a request body needs Content-Length or chunked encoding");
        Record(kOther, 411, std::chrono::steady_clock::duration::zero());
        return httplib::Server::HandlerResponse::Handled;
      }
      if (options.token.empty() || req.path == "/healthz") return httplib::Server::HandlerResponse::Unhandled;
      const std::string header = req.get_header_value("Authorization");
      constexpr std::string_view kBearer = "Bearer ";
      if (header.size() > kBearer.size() && std::string_view(header).substr(0, kBearer.size()) == kBearer &&
          ConstantTimeEquals(std::string_view(header).substr(kBearer.size()), options.token)) {
        return httplib::Server::HandlerResponse::Unhandled;
      }
      res.set_header("WWW-Authenticate", "Bearer");
      SendError(res, 401, "UNAUTHENTICATED", "a valid bearer token is required");
      Record(kOther, 401, std::chrono::steady_clock::duration::zero());
      return httplib::Server::HandlerResponse::Handled;
    });
    // Unknown paths, wrong methods, oversized bodies: httplib sets the status;
    // give every one a JSON body.
    server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return;
      const char* code = res.status == 404 ? "NOT_FOUND"
                         : res.status == 413 ? "PAYLOAD_TOO_LARGE"
                         : res.status == 405 ? "METHOD_NOT_ALLOWED"
                                             : "BAD_REQUEST";
      res.set_content(ErrorJson(code, absl::StrCat("HTTP status ", res.status)), "application/json");
    });
    server.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                    std::exception_ptr) {
      SendError(res, 500, "INTERNAL", "internal error");
    });
    using R = const httplib::Request&;
    using W = httplib::Response&;
    server.Post("/v1/events", Timed(kEvents, [this](R req, W res) { Events(req, res); }));
    server.Get("/v1/resolve", Timed(kResolve, [this](R req, W res) { Resolve(req, res); }));
    server.Get(R"(/v1/identities/([^/]+))",
               Timed(kIdentity, [this](R req, W res) { Identity(req, res); }));
    server.Get("/v1/explain", Timed(kExplain, [this](R req, W res) { Explain(req, res); }));
    server.Delete("/v1/identifiers", Timed(kErase, [this](R req, W res) { Erase(req, res); }));
    server.Get("/v1/changes", Timed(kChanges, [this](R req, W res) { Changes(req, res); }));
    server.Get("/healthz", Timed(kHealth, [](R, W res) {
                 res.set_content("{\"status\":\"ok\"}", "application/json");
               }));
    server.Get("/metrics", Timed(kMetrics, [this](R req, W res) { Metrics(req, res); }));
  }
};

HttpApi::HttpApi(IdentityService& service, HttpOptions options)
    : impl_(std::make_unique<Impl>(service, std::move(options))) {
  impl_->Install();
}

HttpApi::~HttpApi() { Stop(); }

absl::StatusOr<int> HttpApi::Bind() {
  if (impl_->options.port == 0) {
    const int port = impl_->server.bind_to_any_port(impl_->options.host);
    if (port < 0) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", impl_->options.host));
    }
    return port;
  }
  if (!impl_->server.bind_to_port(impl_->options.host, impl_->options.port)) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", impl_->options.host, ":",
                                               impl_->options.port, " (in use or not permitted)"));
  }
  return impl_->options.port;
}

void HttpApi::Serve() { impl_->server.listen_after_bind(); }

void HttpApi::Stop() {
  if (impl_->server.is_running()) impl_->server.stop();
}

}  // namespace idstitch
