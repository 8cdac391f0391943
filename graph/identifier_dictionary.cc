#include "graph/identifier_dictionary.h"

#include <xxhash.h>

#include <algorithm>
#include <cassert>
#include <cstring>

#include "tbb/blocked_range.h"
#include "tbb/parallel_for.h"

namespace idstitch {
namespace {

// Fixed forever: node hashes order links canonically and seed identity IDs.
constexpr uint64_t kIdentifierHashSeed = 0x1d5717c4a9e3b5f1ULL;
constexpr size_t kInitialSlots = 1 << 10;
// Chunk i holds up to 4 KiB << i, capped at 1 MiB: a small dictionary (the
// service's, a test's) stays small.
constexpr int kFirstChunkBits = 12;

}  // namespace

uint64_t HashIdentifier(TypeId type, std::string_view value) {
  // The type goes into the seed, so "email:x" and "phone:x" hash apart.
  return XXH3_64bits_withSeed(value.data(), value.size(), kIdentifierHashSeed + type);
}

IdentifierDictionary::IdentifierDictionary() : slots_(kInitialSlots, kEmptySlot) {}

bool IdentifierDictionary::KeyEquals(NodeId node, TypeId type,
                                     std::string_view value) const {
  const NodeEntry& entry = nodes_[node];
  return entry.type == type && entry.length == value.size() && entry.offset != kForgotten &&
         (value.empty() || std::memcmp(ArenaBytes(entry.offset), value.data(), value.size()) == 0);
}

uint64_t IdentifierDictionary::Store(std::string_view value) {
  // An empty value is never read: any offset will do, and this one cannot
  // point past a full chunk.
  if (value.empty()) return 0;
  if (chunks_.empty() || chunks_.back().capacity - chunks_.back().used < value.size()) {
    const size_t bits = std::min<size_t>(kFirstChunkBits + chunks_.size(), kChunkBits);
    const size_t capacity = std::max(size_t{1} << bits, value.size());
    assert(capacity <= (size_t{1} << kChunkBits));
    ArenaChunk chunk;
    chunk.bytes.reset(new char[capacity]);
    chunk.capacity = static_cast<uint32_t>(capacity);
    chunks_.push_back(std::move(chunk));
  }
  ArenaChunk& chunk = chunks_.back();
  const uint64_t offset = (uint64_t{chunks_.size() - 1} << kChunkBits) | chunk.used;
  std::memcpy(chunk.bytes.get() + chunk.used, value.data(), value.size());
  chunk.used += static_cast<uint32_t>(value.size());
  return offset;
}

NodeId IdentifierDictionary::Intern(TypeId type, std::string_view value,
                                    uint64_t hash) {
  // Options cap field length far below 64 KiB (ValidateOptions); the 16-bit
  // length field relies on it.
  assert(value.size() < (size_t{1} << 16));
  size_t mask = slots_.size() - 1;
  for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
    uint32_t node = slots_[slot];
    if (node == kEmptySlot) {
      NodeId new_node = static_cast<NodeId>(nodes_.size());
      nodes_.push_back({Store(value), value.size(), type});
      slots_[slot] = new_node;
      // Keep the load factor under 1/2 so probe chains stay short.
      if (nodes_.size() * 2 > slots_.size()) Grow();
      return new_node;
    }
    if (KeyEquals(node, type, value)) return node;
  }
}

std::optional<NodeId> IdentifierDictionary::Find(TypeId type, std::string_view value,
                                                 uint64_t hash) const {
  size_t mask = slots_.size() - 1;
  for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
    uint32_t node = slots_[slot];
    if (node == kEmptySlot) return std::nullopt;
    if (KeyEquals(node, type, value)) return node;
  }
}

void IdentifierDictionary::Forget(NodeId node) {
  NodeEntry& entry = nodes_[node];
  if (entry.offset == kForgotten) return;  // already: nothing left to overwrite
  // An empty value was never stored (its offset may name no chunk at all).
  if (entry.length > 0) {
    char* bytes = const_cast<char*>(ArenaBytes(entry.offset));  // the arena is ours to write
    std::fill(bytes, bytes + entry.length, '\0');
  }
  entry.length = 0;
  // Without a stored hash, only this marks the node as matching nothing
  // (not even an empty value of its type).
  entry.offset = kForgotten;
}

void IdentifierDictionary::ShrinkToFit() {
  nodes_.shrink_to_fit();
  if (!chunks_.empty() && chunks_.back().used < chunks_.back().capacity) {
    // Only the last chunk is ever filled further, so only its room is
    // slack worth returning (earlier ones keep tails shorter than the value
    // that did not fit); offsets into it stay valid.
    // (A chunk is made for a non-empty value, so `used` is never 0.)
    ArenaChunk& last = chunks_.back();
    std::unique_ptr<char[]> fitted(new char[last.used]);
    std::memcpy(fitted.get(), last.bytes.get(), last.used);
    last.bytes = std::move(fitted);
    last.capacity = last.used;
  }
  size_t slot_count = kInitialSlots;
  while (slot_count * 3 < nodes_.size() * 4) slot_count *= 2;
  if (slot_count < slots_.size()) Rehash(slot_count);
}

void IdentifierDictionary::Rehash(size_t slot_count) {
  std::vector<uint32_t> grown(slot_count, kEmptySlot);
  size_t mask = grown.size() - 1;
  // Hashes are not stored: recompute them in parallel, place them serially.
  std::vector<uint64_t> hashes(nodes_.size());
  tbb::parallel_for(tbb::blocked_range<size_t>(0, nodes_.size(), 4096),
                    [&](const tbb::blocked_range<size_t>& range) {
                      for (size_t node = range.begin(); node < range.end(); ++node) {
                        hashes[node] = hash(static_cast<NodeId>(node));
                      }
                    });
  for (NodeId node = 0; node < nodes_.size(); ++node) {
    size_t slot = hashes[node] & mask;
    while (grown[slot] != kEmptySlot) slot = (slot + 1) & mask;
    grown[slot] = node;
  }
  slots_.swap(grown);
}

size_t IdentifierDictionary::MemoryBytes() const {
  size_t arena_bytes = chunks_.capacity() * sizeof(ArenaChunk);
  for (const ArenaChunk& chunk : chunks_) arena_bytes += chunk.capacity;
  return slots_.capacity() * sizeof(uint32_t) + nodes_.capacity() * sizeof(NodeEntry) +
         arena_bytes;
}

}  // namespace idstitch
