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
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "resolver/types.h"

namespace idstitch {

struct SpilledRecord {
  std::string record_id;
  int64_t ts = kNoTimestamp;
  uint16_t event = 0;
  std::vector<NodeId> nodes;  // in the record's identifier order (anchor first)
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
  // Ends writing; later Read() calls return the records in write order.
  absl::Status FinishWriting();
  // False at the end; DataLoss if the file is truncated or unreadable.
  absl::StatusOr<bool> Read(SpilledRecord* record);
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
