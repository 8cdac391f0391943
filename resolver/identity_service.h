// File: resolver/identity_service.h
// The incremental identity service behind `idstitch serve`: records arrive
// one or a few at a time, are normalized and matched exactly as in batch
// (same normalizer, field mapping and deterministic matchers), applied to an
// IncrementalGraph and made durable in an IdentityStore before the call
// returns.
// Writes go through one writer thread that takes every request queued so
// far, applies them under an exclusive lock (memory only), releases the lock
// and commits them in one synced RocksDB batch (group commit); readers take a
// shared lock, so lookups run in parallel with each other and are blocked
// only while a batch is applied in memory, never during disk I/O.
// Probabilistic matchers (co-location, attribute) do not run here.
// Thread safety: every public method is thread-safe.
#ifndef IDSTITCH_RESOLVER_IDENTITY_SERVICE_H_
#define IDSTITCH_RESOLVER_IDENTITY_SERVICE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "resolver/identity_store.h"
#include "resolver/options.h"

namespace idstitch {

struct EventResult {
  std::string record_id;
  std::string identity_id;  // empty if the record had no usable identifier
  std::vector<std::string> merged;  // IDs merged into identity_id by this record
  bool created = false;             // identity_id is new
  bool duplicate = false;           // record_id was applied before: nothing changed
  std::vector<std::string> warnings;  // fields dropped (e.g. an invalid email)
};

struct IdentityView {
  std::string identity_id;
  std::vector<std::pair<std::string, std::string>> members;  // (type, value), canonical order
  NodeActivity activity;
};

// {"type":["value",...],...} in member order (the API's and export's form).
void AppendMembersJson(const IdentityView& view, std::string* out);

// An identity ID's state: live (view set) or merged into `survivor`.
struct IdentityLookup {
  std::optional<IdentityView> view;
  std::string survivor;
};

struct ServiceStats {
  uint64_t identifiers = 0;
  uint64_t identities = 0;
  uint64_t merges = 0;
  uint64_t refused_merges = 0;
  uint64_t records_applied = 0;
  uint64_t duplicates = 0;
  uint64_t commits = 0;
};

class IdentityService {
 public:
  // Opens the store in `data_dir` and rebuilds the graph from it. Errors of
  // IdentityStore::Open/Load, or InvalidArgument for bad options.
  static absl::StatusOr<std::unique_ptr<IdentityService>> Open(ResolverOptions options,
                                                               const std::string& data_dir);
  ~IdentityService();

  // `json` is one record object or an array of them (the batch input's
  // fields; record_id required). All records are parsed first: any rejected
  // record fails the whole call (InvalidArgument naming its index and
  // reason) and nothing is applied. Returns once the records are durable.
  // Unavailable if a commit failed earlier (see the file comment).
  absl::StatusOr<std::vector<EventResult>> AddEvents(std::string_view json);

  // The identity holding (type, raw value); the value is normalized as in
  // batch. NotFound if unknown or erased; InvalidArgument for an unknown type
  // or a value that does not normalize.
  absl::StatusOr<IdentityView> Resolve(std::string_view type, std::string_view raw_value) const;
  // NotFound if the ID was never issued or its identity was erased.
  absl::StatusOr<IdentityLookup> GetIdentity(std::string_view identity_id) const;
  // "type:value" each. The applied links joining them (a shortest path), or
  // why they are apart.
  absl::StatusOr<std::string> Explain(std::string_view a, std::string_view b) const;
  // GDPR erasure of (type, raw value). NotFound if unknown.
  absl::Status Erase(std::string_view type, std::string_view raw_value);
  absl::StatusOr<std::vector<StoredChange>> Changes(uint64_t after, size_t limit) const;
  ServiceStats Stats() const;

  // Seeds an empty store from a batch run's output directory
  // (identity_map.csv, and links.csv if the run wrote it). FailedPrecondition
  // if the store already holds identifiers.
  absl::Status SeedFromBatch(const std::string& out_dir);
  // Writes identity_map.csv, assignments.csv, identities.jsonl and
  // changes.jsonl into `out_dir`, as a batch run names them.
  absl::Status Export(const std::string& out_dir) const;

 private:
  struct Impl;
  explicit IdentityService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_IDENTITY_SERVICE_H_
