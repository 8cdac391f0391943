#include "resolver/link_collector.h"

#include <tbb/parallel_for.h>

#include "resolver/parallel_sort.h"

namespace idstitch {
namespace {

template <typename Entry>
bool KeyLess(const Entry& x, const Entry& y) {
  return x.pair != y.pair ? x.pair < y.pair : x.matcher < y.matcher;
}

template <typename Entry>
bool SameKey(const Entry& x, const Entry& y) {
  return x.pair == y.pair && x.matcher == y.matcher;
}

// Appends `entry` to `out`, folding it into the last entry if it has the
// same key.
template <typename Entry>
void AppendCombined(const Entry& entry, std::vector<Entry>& out) {
  if (!out.empty() && SameKey(out.back(), entry)) {
    out.back().Absorb(entry);
  } else {
    out.push_back(entry);
  }
}

}  // namespace

template <typename Entry>
void LinkCollector::Run<Entry>::Compact() {
  // A lambda, not the function's address, so that the comparison inlines.
  ParallelSort(pending.begin(), pending.end(),
               [](const Entry& x, const Entry& y) { return KeyLess(x, y); });
  std::vector<Entry> combined;
  combined.reserve(merged.size() + pending.size());
  auto old = merged.begin();
  for (const Entry& entry : pending) {
    for (; old != merged.end() && KeyLess(*old, entry); ++old) AppendCombined(*old, combined);
    AppendCombined(entry, combined);
  }
  for (; old != merged.end(); ++old) AppendCombined(*old, combined);
  merged.swap(combined);
  pending.clear();
}

// Add() is inline in the header; its two entry types are compiled here.
template void LinkCollector::Run<LinkCollector::CountEntry>::Compact();
template void LinkCollector::Run<LinkCollector::SeenEntry>::Compact();

void LinkCollector::Finish(const std::vector<LinkKind>& kinds, const std::vector<float>& scores,
                           std::vector<Link>* links, std::vector<LinkSeen>* seen) {
  auto to_links = [&](auto& run) {
    if (!run.pending.empty()) run.Compact();
    run.pending = {};
    links->resize(run.merged.size());
    tbb::parallel_for(size_t{0}, run.merged.size(), [&](size_t i) {
      const auto& entry = run.merged[i];
      Link& link = (*links)[i];
      link.a = static_cast<NodeId>(entry.pair >> 32);
      link.b = static_cast<NodeId>(entry.pair & 0xffffffffu);
      link.matcher = static_cast<uint8_t>(entry.matcher);
      link.kind = kinds[entry.matcher];
      link.score = scores[entry.matcher];
      link.evidence = entry.records;
    });
  };
  if (keep_seen_) {
    to_links(with_seen_);
    seen->resize(with_seen_.merged.size());
    for (size_t i = 0; i < with_seen_.merged.size(); ++i) (*seen)[i] = with_seen_.merged[i].seen;
    with_seen_.merged = {};
  } else {
    to_links(counts_);
    seen->clear();
    counts_.merged = {};
  }
}

}  // namespace idstitch
