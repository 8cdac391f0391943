#include "resolver/serve_command.h"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "resolver/absl_compat.h"
#include "resolver/atomic_file.h"
#include "resolver/http_api.h"
#include "resolver/identity_service.h"
#include "resolver/status_macros.h"

namespace idstitch {
namespace {

absl::Status ParseListen(const std::string& listen, HttpOptions* http) {
  const size_t colon = listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(AsAbsl(std::string_view(listen).substr(colon + 1)), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen '", listen, "': expected HOST:PORT, e.g. 127.0.0.1:8080"));
  }
  http->host = listen.substr(0, colon);
  http->port = port;
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadToken(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(path, ": cannot read the token file"));
  std::stringstream text;
  text << in.rdbuf();
  std::string token(AsStd(absl::StripAsciiWhitespace(text.str())));
  if (token.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": the token file is empty"));
  return token;
}

}  // namespace

absl::Status RunServe(ResolverOptions options, const ServeFlags& flags) {
  HttpOptions http;
  RETURN_IF_ERROR(ParseListen(flags.listen, &http));
  http.max_body_bytes = flags.max_body_bytes;
  if (!flags.token_file.empty()) {
    ASSIGN_OR_RETURN(http.token, ReadToken(flags.token_file));
  }
  // Signals go to one waiting thread, never to a worker: block them before
  // any thread starts (threads inherit the mask).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::error_code error;
  std::filesystem::create_directories(flags.data_dir, error);
  ASSIGN_OR_RETURN(std::unique_ptr<IdentityService> service,
                   IdentityService::Open(std::move(options), flags.data_dir));
  if (!flags.from.empty()) {
    // A restart with the same command line must not fail: seed only once.
    if (service->Stats().identifiers > 0) {
      fprintf(stderr, "idstitch: --from ignored: the store already holds identifiers\n");
    } else {
      RETURN_IF_ERROR(service->SeedFromBatch(flags.from));
    }
  }
  HttpApi api(*service, http);
  ASSIGN_OR_RETURN(int port, api.Bind());
  if (!flags.port_file.empty()) {
    ASSIGN_OR_RETURN(auto file, AtomicFile::Create(flags.port_file));
    file->Append(absl::StrCat(port, "\n"));
    RETURN_IF_ERROR(file->Commit());
  }
  const ServiceStats stats = service->Stats();
  fprintf(stderr, "idstitch: serving %s on http://%s:%d (%llu identifiers, %llu identities)\n",
          flags.data_dir.c_str(), http.host.c_str(), port,
          static_cast<unsigned long long>(stats.identifiers),
          static_cast<unsigned long long>(stats.identities));
  std::thread waiter([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    if (signal != 0) api.Stop();
  });
  api.Serve();  // returns after Stop(), once requests in flight are answered
  // Wake the waiter if Serve() ended for another reason (it ignores a second signal).
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  fprintf(stderr, "idstitch: stopped; the store is closed cleanly\n");
  return absl::OkStatus();
}

absl::Status RunExport(ResolverOptions options, const std::string& data_dir,
                       const std::string& out_dir) {
  if (!std::filesystem::exists(data_dir)) {
    return absl::NotFoundError(absl::StrCat(data_dir, ": no such store"));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<IdentityService> service,
                   IdentityService::Open(std::move(options), data_dir));
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  return service->Export(out_dir);
}

}  // namespace idstitch
