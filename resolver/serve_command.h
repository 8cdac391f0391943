// File: resolver/serve_command.h
// `idstitch serve` and `idstitch export`: wiring of the identity service, its
// store and the HTTP API to the command line, with SIGTERM/SIGINT handling
// (stop accepting, let requests in flight finish, close the store).
#ifndef IDSTITCH_RESOLVER_SERVE_COMMAND_H_
#define IDSTITCH_RESOLVER_SERVE_COMMAND_H_

#include <string>

#include "absl/status/status.h"
#include "resolver/options.h"

namespace idstitch {

struct ServeFlags {
  std::string data_dir;
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one
  std::string from;                        // batch output directory to seed from
  std::string token_file;
  std::string port_file;  // if set, the bound port is written here (for scripts)
  size_t max_body_bytes = 4 << 20;
};

// Runs the service until SIGTERM or SIGINT. `options` as for resolve.
absl::Status RunServe(ResolverOptions options, const ServeFlags& flags);

// Writes the store's identity map, assignments, identities and change log.
absl::Status RunExport(ResolverOptions options, const std::string& data_dir,
                       const std::string& out_dir);

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_SERVE_COMMAND_H_
