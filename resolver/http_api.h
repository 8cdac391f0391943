// File: resolver/http_api.h
// The HTTP/JSON API of `idstitch serve` over an IdentityService (cpp-httplib):
// POST /v1/events, GET /v1/resolve, GET /v1/identities/{id}, GET /v1/explain,
// DELETE /v1/identifiers, GET /v1/changes, GET /healthz, GET /metrics
// (Prometheus text). Every error is JSON {"error":{"code":...,"message":...}}
// with a 4xx/5xx status; with a token, every endpoint but /healthz needs
// "Authorization: Bearer <token>". Request bodies are capped (413 beyond).
// Thread safety: handlers run on the server's thread pool; Stop() may be
// called from any thread and lets requests in flight finish.
#ifndef IDSTITCH_RESOLVER_HTTP_API_H_
#define IDSTITCH_RESOLVER_HTTP_API_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "resolver/identity_service.h"

namespace idstitch {

struct HttpOptions {
  std::string host = "127.0.0.1";  // loopback unless told otherwise
  int port = 8080;                 // 0: any free port (see Bind)
  std::string token;               // empty: no authentication
  size_t max_body_bytes = 4 << 20;
  int read_timeout_seconds = 10;
};

class HttpApi {
 public:
  HttpApi(IdentityService& service, HttpOptions options);
  ~HttpApi();

  // Binds the listening socket; returns the port. Unavailable if it cannot.
  absl::StatusOr<int> Bind();
  // Serves until Stop(). REQUIRES: Bind() succeeded.
  void Serve();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_HTTP_API_H_
