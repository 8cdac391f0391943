// File: resolver/record_spill.h
// A temporary binary log of every accepted record (record_id, timestamp,
// event, node ids), written while reading the input and read back once the
// identities are known, to write assignments.csv and the per-identity event
// counts. It keeps the run's memory proportional to the number of distinct
// identifiers, not to the number of records. The file is unlinked as soon as
// it is created, so a crash leaves nothing behind.
// Thread safety: none; used by the pipeline's serial stages only.
#ifndef IDSTITCH_RESOLVER_RECORD_SPILL_H_
#define IDSTITCH_RESOLVER_RECORD_SPILL_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "resolver/types.h"

namespace idstitch {

// Records read back from the spill, in write order: their bytes in one
// buffer, as they were written, and a fixed-size entry per record. Reading a
// batch copies each record once, with no per-record strings or vectors (the
// writer of assignments.csv reads every record of the run, serially).
class SpilledBatch {
 public:
  size_t size() const { return entries_.size(); }
  std::string_view record_id(size_t i) const {
    return {bytes_.data() + entries_[i].offset + kHeadBytes, entries_[i].id_length};
  }
  int64_t ts(size_t i) const { return entries_[i].ts; }
  uint16_t event(size_t i) const { return entries_[i].event; }
  // The record's node ids, in its identifier order (anchor first).
  size_t node_count(size_t i) const { return entries_[i].node_count; }
  NodeId node(size_t i, size_t k) const {
    // The node ids follow the id, ts, event and count, as written; the bytes
    // need not be aligned for a NodeId.
    const Entry& entry = entries_[i];
    NodeId node;
    std::memcpy(&node,
                bytes_.data() + entry.offset + kHeadBytes + entry.id_length + kFixedBytes +
                    k * sizeof(NodeId),
                sizeof(NodeId));
    return node;
  }

 private:
  friend class RecordSpill;
  // A record's encoding: id length, id, then these fixed fields (ts, event,
  // node count), then its node ids.
  static constexpr size_t kHeadBytes = sizeof(uint16_t);
  static constexpr size_t kFixedBytes = sizeof(int64_t) + sizeof(uint16_t) + sizeof(uint8_t);
  struct Entry {
    size_t offset;  // of the record's bytes in bytes_
    int64_t ts;
    uint16_t id_length;
    uint16_t event;
    uint8_t node_count;
  };
  std::string bytes_;
  std::vector<Entry> entries_;
};

class RecordSpill {
 public:
  // Creates the spill file in `directory`. Unavailable naming it on failure.
  static absl::StatusOr<std::unique_ptr<RecordSpill>> Create(const std::string& directory);
  ~RecordSpill();
  RecordSpill(const RecordSpill&) = delete;  // owns a file descriptor
  RecordSpill& operator=(const RecordSpill&) = delete;

  void Write(std::string_view record_id, int64_t ts, uint16_t event,
             absl::Span<const NodeId> nodes);
  // Ends writing; later ReadBatch() calls return the records in write order.
  absl::Status FinishWriting();
  // Replaces `*batch` with the next records, at most `max_records` (> 0); an
  // empty batch at the end. DataLoss if the file is truncated or unreadable.
  absl::Status ReadBatch(size_t max_records, SpilledBatch* batch);
  uint64_t records() const { return records_; }

 private:
  RecordSpill(std::string directory, int fd) : directory_(std::move(directory)), fd_(fd) {}
  void FlushWrites();
  // Makes at least `bytes` unread bytes available; false at the end of file.
  bool Fill(size_t bytes);

  // Records are tiny (~30 bytes): they go through one buffer each way and
  // the file sees megabyte-sized read()/write() calls.
  absl::Status ReadError(std::string_view what) const;

  std::string directory_;  // for messages: the file itself is unlinked
  int fd_;
  std::string buffer_;
  size_t read_position_ = 0;
  int read_errno_ = 0;  // set when read() failed
  uint64_t records_ = 0;
  bool write_failed_ = false;
  int write_errno_ = 0;
};

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_RECORD_SPILL_H_
