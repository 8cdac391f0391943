#include "resolver/identity_store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "resolver/absl_compat.h"
#include "resolver/status_macros.h"

namespace idstitch {
namespace {

// Row prefixes. Keys hold raw identifier bytes; values are tab-separated
// text (identity IDs and numbers never contain tabs).
constexpr char kNodePrefix = 'n';
constexpr char kLinkPrefix = 'l';
constexpr char kRecordPrefix = 'e';
constexpr char kRetiredPrefix = 'r';
constexpr char kIssuedPrefix = 'i';
constexpr char kChangePrefix = 'c';
// Anchor index: anchor key + record ID -> "", so an erasure finds the record
// rows that name the erased value.
constexpr char kAnchorPrefix = 'a';
// Metadata rows.
const std::string kTypesKey = "m/types";          // identifier type names, in TypeId order
const std::string kScrubPendingKey = "m/scrub";   // an erasure awaits compaction

std::string NodeKey(TypeId type, std::string_view value) {
  std::string key(1, kNodePrefix);
  key.push_back(static_cast<char>(type));
  key.append(value);
  return key;
}

std::string LinkKey(TypeId type_a, std::string_view value_a, TypeId type_b,
                    std::string_view value_b, uint8_t matcher) {
  std::string key(1, kLinkPrefix);
  key.push_back(static_cast<char>(type_a));
  key.push_back(static_cast<char>(value_a.size() >> 8));
  key.push_back(static_cast<char>(value_a.size() & 0xff));
  key.append(value_a);
  key.push_back(static_cast<char>(type_b));
  key.append(value_b);
  key.push_back(static_cast<char>(matcher));
  return key;
}

std::string AnchorPrefix(TypeId type, std::string_view value) {
  std::string key(1, kAnchorPrefix);
  key.push_back(static_cast<char>(type));
  key.push_back(static_cast<char>(value.size() >> 8));
  key.push_back(static_cast<char>(value.size() & 0xff));
  key.append(value);
  return key;
}

std::string ChangeKey(uint64_t seq) {
  std::string key(1, kChangePrefix);
  for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<char>(seq >> shift));
  return key;
}

uint64_t ChangeSeq(std::string_view key) {
  uint64_t seq = 0;
  for (size_t i = 1; i < 9 && i < key.size(); ++i) seq = (seq << 8) | static_cast<uint8_t>(key[i]);
  return seq;
}

std::vector<std::string_view> SplitTabs(std::string_view text) {
  std::vector<std::string_view> fields;
  for (size_t begin = 0;;) {
    const size_t tab = text.find('\t', begin);
    fields.push_back(text.substr(begin, tab == std::string_view::npos ? tab : tab - begin));
    if (tab == std::string_view::npos) return fields;
    begin = tab + 1;
  }
}

std::string TimeText(int64_t ts) { return ts == kNoTimestamp ? "-" : absl::StrCat(ts); }

bool ParseTime(std::string_view text, int64_t* ts) {
  if (text == "-") {
    *ts = kNoTimestamp;
    return true;
  }
  return absl::SimpleAtoi(AsAbsl(text), ts);
}

absl::Status FromRocks(const rocksdb::Status& status, std::string_view what) {
  if (status.ok()) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(AsAbsl(what), ": ", status.ToString()));
}

absl::Status BadRow(std::string_view kind, std::string_view key) {
  return absl::DataLossError(absl::StrCat("store: malformed ", AsAbsl(kind), " row (key of ",
                                          key.size(), " bytes)"));
}

// Calls `row` for every key with `prefix`, in key order, until it fails.
template <typename Row>
absl::Status ScanPrefix(rocksdb::DB& db, char prefix, Row row) {
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions()));
  const std::string start(1, prefix);
  for (it->Seek(start); it->Valid() && it->key().starts_with(start); it->Next()) {
    absl::Status status = row(std::string_view(it->key().data(), it->key().size()),
                              std::string_view(it->value().data(), it->value().size()));
    if (!status.ok()) return status;
  }
  return FromRocks(it->status(), "store scan");
}

}  // namespace

IdentityStore::IdentityStore(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {
  scrubber_ = std::thread([this] { ScrubLoop(); });
}

IdentityStore::~IdentityStore() {
  {
    std::lock_guard<std::mutex> lock(scrub_mutex_);
    stopping_ = true;
  }
  scrub_ready_.notify_all();
  scrubber_.join();  // pending scrubs finish first: an erasure is not half done
}

void IdentityStore::ScrubLoop() {
  while (true) {
    std::vector<std::string> keys;
    {
      std::unique_lock<std::mutex> lock(scrub_mutex_);
      scrub_ready_.wait(lock, [&] { return stopping_ || !scrub_keys_.empty(); });
      if (scrub_keys_.empty()) return;
      keys.assign(scrub_keys_.begin(), scrub_keys_.end());
      scrub_keys_.clear();
    }
    absl::Status status = Scrub(&keys);
    bool idle = false;
    {
      std::lock_guard<std::mutex> lock(scrub_mutex_);
      idle = scrub_keys_.empty();
    }
    // The marker stays on failure, so the next start compacts everything.
    if (status.ok() && idle) {
      rocksdb::WriteOptions options;
      options.sync = true;
      db_->Delete(options, kScrubPendingKey);
    }
  }
}

absl::StatusOr<std::unique_ptr<IdentityStore>> IdentityStore::Open(const std::string& dir) {
  rocksdb::Options options;
  options.create_if_missing = true;
  // The service syncs each commit itself; keep RocksDB's log in the store dir.
  options.keep_log_file_num = 4;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(options, dir, &raw);
  if (status.IsIOError() && status.ToString().find("lock") != std::string::npos) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, ": the store is in use by another process (", status.ToString(), ")"));
  }
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat(dir, ": cannot open the store: ", status.ToString()));
  }
  return std::unique_ptr<IdentityStore>(new IdentityStore(std::unique_ptr<rocksdb::DB>(raw)));
}

absl::StatusOr<uint64_t> IdentityStore::Load(IncrementalGraph& graph) {
  const IdentifierTypeRegistry& types = graph.types();
  std::string type_names;
  for (TypeId type = 0; type < types.size(); ++type) {
    absl::StrAppend(&type_names, type == 0 ? "" : ",", types.spec(type).name);
  }
  std::string stored_types;
  rocksdb::Status read = db_->Get(rocksdb::ReadOptions(), kTypesKey, &stored_types);
  if (read.IsNotFound()) {
    rocksdb::WriteOptions options;
    options.sync = true;
    RETURN_IF_ERROR(FromRocks(db_->Put(options, kTypesKey, type_names), "store write"));
  } else if (!read.ok()) {
    return FromRocks(read, "store read");
  } else if (stored_types != type_names) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the store was written with identifier types [", stored_types, "] but the config gives [",
        type_names, "]: start with the same --config"));
  }
  std::string pending;
  if (db_->Get(rocksdb::ReadOptions(), kScrubPendingKey, &pending).ok()) {
    // An erasure's compaction did not finish before the process stopped.
    RETURN_IF_ERROR(Scrub(nullptr));
    rocksdb::WriteOptions options;
    options.sync = true;
    RETURN_IF_ERROR(FromRocks(db_->Delete(options, kScrubPendingKey), "store write"));
  }
  absl::Status status = ScanPrefix(*db_, kNodePrefix, [&](std::string_view key, std::string_view value) {
    std::vector<std::string_view> fields = SplitTabs(value);
    NodeActivity activity;
    if (key.size() < 3 || static_cast<uint8_t>(key[1]) >= types.size() || fields.size() != 5 ||
        !ParseTime(fields[1], &activity.first_seen) ||
        !ParseTime(fields[2], &activity.last_seen) ||
        !absl::SimpleAtoi(AsAbsl(fields[3]), &activity.records)) {
      return BadRow("identifier", key);
    }
    graph.RestoreNode(static_cast<TypeId>(key[1]), key.substr(2), std::string(fields[0]), activity,
                      fields[4] == "1");
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  status = ScanPrefix(*db_, kLinkPrefix, [&](std::string_view key, std::string_view value) {
    if (key.size() < 6 || static_cast<uint8_t>(key[1]) >= types.size()) return BadRow("link", key);
    const size_t length_a = (static_cast<uint8_t>(key[2]) << 8) | static_cast<uint8_t>(key[3]);
    if (key.size() < 4 + length_a + 2 || static_cast<uint8_t>(key[4 + length_a]) >= types.size()) {
      return BadRow("link", key);
    }
    const std::string_view value_a = key.substr(4, length_a);
    const TypeId type_b = static_cast<TypeId>(key[4 + length_a]);
    const std::string_view value_b = key.substr(5 + length_a, key.size() - 6 - length_a);
    std::vector<std::string_view> fields = SplitTabs(value);
    Link link;
    LinkSeen seen;
    link.matcher = static_cast<uint8_t>(key.back());
    int outcome = 0, kind = 0;
    if (fields.size() != 6 || !absl::SimpleAtoi(AsAbsl(fields[0]), &link.evidence) ||
        !ParseTime(fields[1], &seen.first) || !ParseTime(fields[2], &seen.last) ||
        !absl::SimpleAtoi(AsAbsl(fields[3]), &outcome) || !absl::SimpleAtoi(AsAbsl(fields[4]), &kind) ||
        !absl::SimpleAtof(AsAbsl(fields[5]), &link.score) || outcome < 0 || outcome > 3 ||
        kind < 0 || kind > 1) {
      return BadRow("link", key);
    }
    link.kind = static_cast<LinkKind>(kind);
    graph.RestoreLink(static_cast<TypeId>(key[1]), value_a, type_b, value_b, link, seen,
                      static_cast<LinkOutcome>(outcome));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  status = ScanPrefix(*db_, kRetiredPrefix, [&](std::string_view key, std::string_view value) {
    graph.RestoreRetired(std::string(key.substr(1)), std::string(value));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  status = ScanPrefix(*db_, kIssuedPrefix, [&](std::string_view key, std::string_view) {
    graph.RestoreIssued(std::string(key.substr(1)));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  graph.FinishRestore();
  // The next sequence number follows the last stored change.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  it->SeekForPrev(ChangeKey(UINT64_MAX));
  if (it->Valid() && it->key().size() == 9 && it->key()[0] == kChangePrefix) {
    return ChangeSeq(std::string_view(it->key().data(), it->key().size())) + 1;
  }
  return uint64_t{1};
}

absl::Status IdentityStore::Commit(const IncrementalGraph& graph,
                                   const IncrementalGraph::Dirty& dirty,
                                   const std::vector<AppliedRecord>& records,
                                   const std::vector<std::string>& change_json,
                                   uint64_t first_seq) {
  rocksdb::WriteBatch batch;
  const IdentifierDictionary& dictionary = graph.dictionary();
  // Every key that held an erased value, to be compacted away after the write.
  std::vector<std::string> scrub;
  for (const auto& [type, value] : dirty.erased) {
    scrub.push_back(NodeKey(type, value));
    batch.Delete(scrub.back());
    // Records anchored on the value stay known (a replay stays a duplicate)
    // but no longer name it.
    const std::string prefix = AnchorPrefix(type, value);
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      const std::string record_key =
          std::string(1, kRecordPrefix) + it->key().ToString().substr(prefix.size());
      batch.Put(record_key, "");
      scrub.push_back(record_key);  // its older version names the value
      scrub.push_back(it->key().ToString());
      batch.Delete(scrub.back());
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "store scan"));
  }
  for (const RemovedLink& link : dirty.removed_links) {
    scrub.push_back(LinkKey(link.type_a, link.value_a, link.type_b, link.value_b, link.matcher));
    batch.Delete(scrub.back());
  }
  for (NodeId node : dirty.nodes) {
    if (!graph.alive(node)) continue;
    const NodeActivity& activity = graph.activity(node);
    batch.Put(NodeKey(dictionary.type(node), dictionary.value(node)),
              absl::StrCat(graph.IdentityIdOf(node), "\t", TimeText(activity.first_seen), "\t",
                           TimeText(activity.last_seen), "\t", activity.records, "\t",
                           graph.quarantined(node) ? "1" : "0"));
  }
  for (uint32_t index : dirty.links) {
    const GraphLink& graph_link = graph.link(index);
    if (!graph_link.alive) continue;
    const Link& link = graph_link.link;
    batch.Put(LinkKey(dictionary.type(link.a), dictionary.value(link.a), dictionary.type(link.b),
                      dictionary.value(link.b), link.matcher),
              absl::StrCat(link.evidence, "\t", TimeText(graph_link.seen.first), "\t",
                           TimeText(graph_link.seen.last), "\t", static_cast<int>(graph_link.outcome),
                           "\t", static_cast<int>(link.kind), "\t", link.score));
  }
  for (const auto& [old_id, survivor] : dirty.retired) {
    batch.Put(std::string(1, kRetiredPrefix) + old_id, survivor);
  }
  for (const std::string& id : dirty.issued) batch.Put(std::string(1, kIssuedPrefix) + id, "");
  for (const AppliedRecord& record : records) {
    if (record.anchor_erased) {  // erased later in this same batch
      batch.Put(std::string(1, kRecordPrefix) + record.record_id, "");
      continue;
    }
    std::string anchor(1, static_cast<char>(record.anchor_type));
    anchor.append(record.anchor_value);
    batch.Put(std::string(1, kRecordPrefix) + record.record_id, anchor);
    batch.Put(AnchorPrefix(record.anchor_type, record.anchor_value) + record.record_id, "");
  }
  for (size_t i = 0; i < change_json.size(); ++i) batch.Put(ChangeKey(first_seq + i), change_json[i]);
  rocksdb::WriteOptions options;
  options.sync = true;
  if (!scrub.empty()) batch.Put(kScrubPendingKey, "1");
  RETURN_IF_ERROR(FromRocks(db_->Write(options, &batch), "store commit"));
  if (!scrub.empty()) {
    // Compaction can take seconds on a large store: not on the writer's path.
    {
      std::lock_guard<std::mutex> lock(scrub_mutex_);
      scrub_keys_.insert(scrub_keys_.end(), scrub.begin(), scrub.end());
    }
    scrub_ready_.notify_one();
  }
  return absl::OkStatus();
}

absl::Status IdentityStore::Scrub(const std::vector<std::string>* keys) {
  // A delete only hides a value: the bytes stay in the WAL and in table files
  // (and the tombstone's key is the value) until a flush retires the WAL and
  // a bottommost compaction of the affected ranges rewrites the files.
  rocksdb::FlushOptions flush;
  flush.wait = true;
  RETURN_IF_ERROR(FromRocks(db_->Flush(flush), "store flush"));
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  if (keys == nullptr) return FromRocks(db_->CompactRange(compact, nullptr, nullptr), "store compaction");
  for (const std::string& key : *keys) {
    const rocksdb::Slice begin(key);
    const rocksdb::Slice end(key);
    RETURN_IF_ERROR(FromRocks(db_->CompactRange(compact, &begin, &end), "store compaction"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<AppliedRecord>> IdentityStore::FindRecord(
    const std::string& record_id) const {
  std::string anchor;
  rocksdb::Status status =
      db_->Get(rocksdb::ReadOptions(), std::string(1, kRecordPrefix) + record_id, &anchor);
  if (status.IsNotFound()) return std::optional<AppliedRecord>();
  if (!status.ok()) return FromRocks(status, "store read");
  if (anchor.empty()) return AppliedRecord{record_id, 0, "", /*anchor_erased=*/true};
  return AppliedRecord{record_id, static_cast<TypeId>(anchor[0]), anchor.substr(1)};
}

absl::StatusOr<std::vector<StoredChange>> IdentityStore::ChangesAfter(uint64_t after,
                                                                      size_t limit) const {
  std::vector<StoredChange> out;
  if (after == UINT64_MAX) return out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(ChangeKey(after + 1));
       it->Valid() && out.size() < limit && it->key().size() == 9 && it->key()[0] == kChangePrefix;
       it->Next()) {
    out.push_back({ChangeSeq(std::string_view(it->key().data(), it->key().size())),
                   it->value().ToString()});
  }
  absl::Status status = FromRocks(it->status(), "store scan");
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::vector<AppliedRecord>> IdentityStore::AllRecords() const {
  std::vector<AppliedRecord> out;
  absl::Status status = ScanPrefix(*db_, kRecordPrefix, [&](std::string_view key, std::string_view value) {
    if (value.empty()) return absl::OkStatus();  // its anchor was erased
    out.push_back({std::string(key.substr(1)), static_cast<TypeId>(value[0]),
                   std::string(value.substr(1))});
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

}  // namespace idstitch
