// File: graph/identifier_dictionary.h
// Maps each (identifier type, normalized value) to a dense NodeId.
// An open-addressing table (linear probing) keyed by the identifier's 64-bit
// XXH3 hash; the full key is kept in an arena and compared on every probe, so
// two different identifiers whose hashes collide still get two different
// nodes. The arena is a list of chunks (up to 1 MiB each) that never move:
// growing it copies nothing. A node costs 8 bytes of entry, its value's bytes
// and 2-4 table slots of 4 bytes while interning (1.3-2.7 after ShrinkToFit):
// the hash is recomputed (a few ns) rather than stored. The hash also picks a
// shard (the top bits), which is how a distributed driver will partition the
// dictionary across processes.
// Thread safety: const methods may run concurrently; Intern() needs exclusive
// access.
#ifndef IDSTITCH_GRAPH_IDENTIFIER_DICTIONARY_H_
#define IDSTITCH_GRAPH_IDENTIFIER_DICTIONARY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "resolver/prefetch.h"
#include "resolver/types.h"

namespace idstitch {

// XXH3-64 of the identifier's canonical key (type byte, then value), seeded so
// that the hash (and everything derived from it) is the same in every process
// and every run.
uint64_t HashIdentifier(TypeId type, std::string_view value);

class IdentifierDictionary {
 public:
  IdentifierDictionary();

  // Returns the node of (type, value), adding it if new. `hash` must be
  // HashIdentifier(type, value) (callers compute it in parallel stages).
  NodeId Intern(TypeId type, std::string_view value, uint64_t hash);
  NodeId Intern(TypeId type, std::string_view value) {
    return Intern(type, value, HashIdentifier(type, value));
  }

  // `hash`, if given, must be HashIdentifier(type, value).
  std::optional<NodeId> Find(TypeId type, std::string_view value, uint64_t hash) const;
  std::optional<NodeId> Find(TypeId type, std::string_view value) const {
    return Find(type, value, HashIdentifier(type, value));
  }

  // Hints that Intern/Find of an identifier with this hash comes soon: a
  // caller with a batch of hashes overlaps the table's cache misses.
  void Prefetch(uint64_t hash) const {
    __builtin_prefetch(slots_.data() + (hash & (slots_.size() - 1)));
  }

  // Hints that value(node) comes soon, for loops that visit nodes in an
  // order unrelated to NodeId (an identity's members): PrefetchEntry some
  // iterations ahead, then PrefetchValue (which reads the entry) fewer ahead,
  // so the two dependent cache misses overlap other work.
  void PrefetchEntry(NodeId node) const { PrefetchForRead(nodes_.data() + node); }
  void PrefetchValue(NodeId node) const {
    const NodeEntry& entry = nodes_[node];
    if (entry.length != 0) PrefetchForRead(ArenaBytes(entry.offset));
  }

  size_t size() const { return nodes_.size(); }
  TypeId type(NodeId node) const { return nodes_[node].type; }
  std::string_view value(NodeId node) const {
    const NodeEntry& entry = nodes_[node];
    if (entry.length == 0) return {};  // forgotten: offset points nowhere
    return std::string_view(ArenaBytes(entry.offset), entry.length);
  }
  // HashIdentifier(type(node), value(node)), recomputed.
  uint64_t hash(NodeId node) const { return HashIdentifier(type(node), value(node)); }

  // Erasure: overwrites the node's stored value with zeros and empties it, so
  // the value is no longer held nor found; interning it again makes a new
  // node. The NodeId stays allocated (with an empty value).
  void Forget(NodeId node);

  // Releases the growth slack once interning is over: node entries grow by
  // doubling (up to half unused), the arena's last chunk may be mostly
  // unused, and the slot table, kept under 1/2 full while interning, is
  // rebuilt at up to 3/4 full. Lookups stay fast; the next Intern() grows it
  // back.
  void ShrinkToFit();

  // Bytes held by the table, node entries and key arena (for the run report).
  size_t MemoryBytes() const;

 private:
  struct NodeEntry {
    uint64_t offset : 40;  // chunk index << kChunkBits | offset in the chunk
    uint64_t length : 16;
    uint64_t type : 8;
  };
  // A value never straddles two chunks, and chunks never move: the arena
  // grows without copying (doubling a flat arena copied it all and briefly
  // held it twice: ~100 MB at ten million events).
  struct ArenaChunk {
    std::unique_ptr<char[]> bytes;
    uint32_t used = 0;
    uint32_t capacity = 0;
  };
  static constexpr int kChunkBits = 20;  // at most 1 MiB per chunk; values are under 64 KiB
  const char* ArenaBytes(uint64_t offset) const {
    return chunks_[offset >> kChunkBits].bytes.get() + (offset & ((uint64_t{1} << kChunkBits) - 1));
  }
  // Copies `value` into the arena, returns its offset.
  uint64_t Store(std::string_view value);
  static constexpr uint32_t kEmptySlot = UINT32_MAX;
  static constexpr uint64_t kForgotten = (uint64_t{1} << 40) - 1;  // NodeEntry::offset

  bool KeyEquals(NodeId node, TypeId type, std::string_view value) const;
  void Grow() { Rehash(slots_.size() * 2); }
  void Rehash(size_t slot_count);

  std::vector<uint32_t> slots_;  // NodeId or kEmptySlot; size is a power of 2
  std::vector<NodeEntry> nodes_;
  std::vector<ArenaChunk> chunks_;
};

}  // namespace idstitch

#endif  // IDSTITCH_GRAPH_IDENTIFIER_DICTIONARY_H_
