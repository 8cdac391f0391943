#include "resolver/link_aggregator.h"

#include <algorithm>

namespace idstitch {
namespace {

constexpr size_t kInitialSlots = 1 << 12;

}  // namespace

LinkAggregator::LinkAggregator() : slots_(kInitialSlots), mask_(kInitialSlots - 1) {}

uint32_t LinkAggregator::Add(NodeId x, NodeId y, uint8_t matcher, LinkKind kind, float score) {
  const uint64_t pair = NodePairKey(x, y);
  size_t slot = SlotHash(pair) & mask_;
  while (slots_[slot].link != kNone && slots_[slot].pair != pair) slot = (slot + 1) & mask_;
  Slot& found = slots_[slot];
  if (found.link != kNone) {
    for (uint32_t link = found.link; link != kNone; link = next_same_pair_[link]) {
      if (links_[link].matcher == matcher) return link;
    }
  }
  const uint32_t link = static_cast<uint32_t>(links_.size());
  links_.push_back({static_cast<NodeId>(pair >> 32), static_cast<NodeId>(pair), matcher, kind,
                    score, 0});
  if (found.link == kNone) {
    found = {pair, link};
    next_same_pair_.push_back(kNone);
    // Linear probing stays short under 70% full.
    if (++pairs_ * 10 > slots_.size() * 7) Grow();
  } else {
    // Another matcher on a known pair: chained after the pair's first link.
    next_same_pair_.push_back(next_same_pair_[found.link]);
    next_same_pair_[found.link] = link;
  }
  return link;
}

void LinkAggregator::Grow() {
  std::vector<Slot> grown(slots_.size() * 2);
  const size_t mask = grown.size() - 1;
  for (const Slot& slot : slots_) {
    if (slot.link == kNone) continue;
    size_t at = SlotHash(slot.pair) & mask;
    while (grown[at].link != kNone) at = (at + 1) & mask;
    grown[at] = slot;
  }
  slots_.swap(grown);
  mask_ = mask;
}

}  // namespace idstitch
