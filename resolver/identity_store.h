// File: resolver/identity_store.h
// The service's durable state in an embedded RocksDB: every identifier with
// its identity ID and activity, every link with its evidence and outcome,
// retired and issued identity IDs, the record IDs already applied (for
// idempotent replays), and the change feed. The in-memory IncrementalGraph is
// rebuilt from it on start. Each Commit() is one atomic WriteBatch written to
// the WAL and fsynced before it returns, so a caller may acknowledge what it
// committed.
// Thread safety: Commit() from one thread at a time (the service's writer);
// the read methods may run concurrently with it (RocksDB is thread-safe).
#ifndef IDSTITCH_RESOLVER_IDENTITY_STORE_H_
#define IDSTITCH_RESOLVER_IDENTITY_STORE_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "graph/incremental_graph.h"

namespace rocksdb {
class DB;
}

namespace idstitch {

// One applied record, remembered by ID: its anchor identifier.
struct AppliedRecord {
  std::string record_id;
  TypeId anchor_type = 0;
  std::string anchor_value;
  bool anchor_erased = false;  // the anchor was erased: the record names nothing
};

// One entry of the change feed as stored: its sequence number and JSON.
struct StoredChange {
  uint64_t seq = 0;
  std::string json;
};

class IdentityStore {
 public:
  // Opens (creating if needed) the store in `dir`. FailedPrecondition if
  // another process holds it; Internal for other RocksDB errors.
  static absl::StatusOr<std::unique_ptr<IdentityStore>> Open(const std::string& dir);
  ~IdentityStore();

  // Rebuilds `graph` (empty) from the store and returns the next change
  // sequence number. DataLoss for a row that does not parse;
  // FailedPrecondition if the store was written with other identifier types
  // (another --config): its type numbers would name the wrong types.
  absl::StatusOr<uint64_t> Load(IncrementalGraph& graph);

  // Persists what `dirty` says changed in `graph`, the records applied and
  // the changes (numbered from `first_seq`), atomically and durably. After
  // an erasure a background thread flushes and compacts the erased keys, so
  // the value leaves the store's files, not only its live view; a durable
  // marker makes the next Load compact everything if the process died first.
  absl::Status Commit(const IncrementalGraph& graph, const IncrementalGraph::Dirty& dirty,
                      const std::vector<AppliedRecord>& records,
                      const std::vector<std::string>& change_json, uint64_t first_seq);

  // The anchor of an applied record, if it was applied.
  absl::StatusOr<std::optional<AppliedRecord>> FindRecord(const std::string& record_id) const;
  // Up to `limit` changes with seq > `after`, in order.
  absl::StatusOr<std::vector<StoredChange>> ChangesAfter(uint64_t after, size_t limit) const;
  // Every applied record whose anchor was not erased (for export), in record
  // ID order.
  absl::StatusOr<std::vector<AppliedRecord>> AllRecords() const;

 private:
  explicit IdentityStore(std::unique_ptr<rocksdb::DB> db);
  absl::Status Scrub(const std::vector<std::string>* keys);
  void ScrubLoop();

  std::unique_ptr<rocksdb::DB> db_;
  std::mutex scrub_mutex_;
  std::condition_variable scrub_ready_;
  std::deque<std::string> scrub_keys_;
  bool stopping_ = false;
  std::thread scrubber_;
};

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_IDENTITY_STORE_H_
