// File: resolver/link_collector.h
// Aggregates the links that ingest's records produce into one Link per
// (a, b, matcher), a < b, counting the records behind each, by sorting
// rather than hashing. Ingest's serial stage only appends a 16-byte entry per
// record link; sorting runs in parallel over sequential memory, where a hash
// table of the distinct links outgrew the cache at ten million events (a
// cache miss per record link) and its doubling touched fresh memory.
//
// Appended entries are sorted and merged into the aggregated run whenever
// they reach half its size (at least 2^20 entries), so memory stays
// proportional to the distinct links, not to the records, and every entry is
// merged a bounded number of times on average.
//
// Links come out ordered by (a, b, matcher): node ids, so input order; the
// identity graph orders them canonically.
// Thread safety: none (one serial stage); it sorts with TBB in the caller's
// arena.
#ifndef IDSTITCH_RESOLVER_LINK_COLLECTOR_H_
#define IDSTITCH_RESOLVER_LINK_COLLECTOR_H_

#include <cstdint>
#include <vector>

#include "resolver/types.h"

namespace idstitch {

class LinkCollector {
 public:
  // Below this many waiting entries, nothing is sorted before Finish().
  static constexpr size_t kMinBatch = size_t{1} << 20;

  // With `keep_seen`, each link's first and last record time is kept too
  // (32-byte entries instead of 16). `min_batch` is for tests.
  explicit LinkCollector(bool keep_seen, size_t min_batch = kMinBatch)
      : keep_seen_(keep_seen), counts_{min_batch}, with_seen_{min_batch} {}

  // One record's link. REQUIRES: x != y.
  void Add(NodeId x, NodeId y, uint8_t matcher, int64_t ts) {
    const uint64_t pair = NodePairKey(x, y);
    if (keep_seen_) {
      with_seen_.Add({pair, matcher, 1, {ts, ts}});
    } else {
      counts_.Add({pair, matcher, 1});
    }
  }

  // The aggregated links, kind and score from the per-matcher tables, and
  // (with keep_seen) their seen times, parallel to them.
  void Finish(const std::vector<LinkKind>& kinds, const std::vector<float>& scores,
              std::vector<Link>* links, std::vector<LinkSeen>* seen);

  // Sizes for tests: entries aggregated so far, entries waiting.
  size_t merged_size() const { return keep_seen_ ? with_seen_.merged.size() : counts_.merged.size(); }
  size_t pending_size() const {
    return keep_seen_ ? with_seen_.pending.size() : counts_.pending.size();
  }

 private:
  struct CountEntry {
    uint64_t pair;  // (min << 32) | max
    uint32_t matcher;
    uint32_t records;
    void Absorb(const CountEntry& other) { records += other.records; }
  };
  struct SeenEntry {
    uint64_t pair;
    uint32_t matcher;
    uint32_t records;
    LinkSeen seen;
    void Absorb(const SeenEntry& other) {
      records += other.records;
      seen.Add(other.seen.first);
      seen.Add(other.seen.last);
    }
  };

  template <typename Entry>
  struct Run {
    size_t min_batch;
    std::vector<Entry> merged;   // sorted by (pair, matcher), distinct
    std::vector<Entry> pending;  // as appended
    void Add(const Entry& entry) {
      pending.push_back(entry);
      if (pending.size() >= min_batch && pending.size() >= merged.size() / 2) Compact();
    }
    void Compact();
  };

  bool keep_seen_;
  Run<CountEntry> counts_;
  Run<SeenEntry> with_seen_;
};

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_LINK_COLLECTOR_H_
