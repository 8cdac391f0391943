// File: resolver/link_aggregator.h
// Aggregates links into one Link per (a, b, matcher), a < b, in order of
// first appearance, counting the adds behind each. An open-addressing table
// keyed by the node pair (16-byte slots, kept under 70% full); links of other
// matchers on the same pair are chained. Used by the probabilistic stage,
// which keeps one best-scored link per pair; ingest's far more numerous
// record links go through resolver/link_collector (sorting, not hashing).
// Thread safety: none.
#ifndef IDSTITCH_RESOLVER_LINK_AGGREGATOR_H_
#define IDSTITCH_RESOLVER_LINK_AGGREGATOR_H_

#include <cstdint>
#include <vector>

#include "resolver/types.h"

namespace idstitch {

class LinkAggregator {
 public:
  LinkAggregator();

  // The link (x, y, matcher), added with `kind`/`score` if new; its index in
  // links() (== links().size() before the call when new). REQUIRES: x != y.
  uint32_t Add(NodeId x, NodeId y, uint8_t matcher, LinkKind kind, float score);

  std::vector<Link>& links() { return links_; }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  struct Slot {
    uint64_t pair = 0;      // (min << 32) | max
    uint32_t link = kNone;  // first link of the pair; kNone: empty slot
  };

  static uint64_t SlotHash(uint64_t pair) {
    // A 64-bit mixer (murmur3's finalizer): node ids are dense and small.
    pair ^= pair >> 33;
    pair *= 0xff51afd7ed558ccdULL;
    pair ^= pair >> 33;
    pair *= 0xc4ceb9fe1a85ec53ULL;
    return pair ^ (pair >> 33);
  }
  void Grow();

  std::vector<Slot> slots_;
  size_t mask_;
  size_t pairs_ = 0;
  std::vector<Link> links_;
  std::vector<uint32_t> next_same_pair_;  // per link: the pair's next link, or kNone
};

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_LINK_AGGREGATOR_H_
