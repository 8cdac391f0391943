// File: graph/union_find.h
// Disjoint sets over dense NodeIds: union by size, path halving on Find.
// Also absorbs another forest (a partial result from another shard or
// process), which is how a distributed driver combines its workers' graphs.
// Thread safety: none; one thread at a time (the identity graph is built by a
// single thread after the parallel matchers, see identity_graph.h).
#ifndef IDSTITCH_GRAPH_UNION_FIND_H_
#define IDSTITCH_GRAPH_UNION_FIND_H_

#include <cstdint>
#include <vector>

#include "resolver/prefetch.h"
#include "resolver/types.h"

namespace idstitch {

class UnionFind {
 public:
  explicit UnionFind(size_t num_nodes = 0);

  // Adds nodes so that size() == num_nodes (never shrinks).
  void Resize(size_t num_nodes);

  NodeId Find(NodeId node);
  // Find without path compression, for readers sharing the forest under a
  // shared lock (union by size keeps paths O(log n)).
  NodeId FindRoot(NodeId node) const {
    while (parent_[node] != node) node = parent_[node];
    return node;
  }
  // Joins the sets of a and b. Returns the new root, which is the root of the
  // larger set (ties: the smaller root id, so the result is order-free).
  NodeId Union(NodeId a, NodeId b);
  bool Connected(NodeId a, NodeId b) { return Find(a) == Find(b); }

  // Hints that Find(node) comes soon (callers walking edges in an order
  // unrelated to node ids overlap the parent array's cache misses).
  void Prefetch(NodeId node) const { __builtin_prefetch(parent_.data() + node); }
  // Its second stage, once the node's parent entry has arrived: the parent's
  // own entry and set size (after path halving, usually the root's, which
  // Find and Union read next). Returns the parent, for callers that keep
  // their own per-root data.
  NodeId PrefetchParent(NodeId node) const {
    const NodeId parent = parent_[node];
    PrefetchForRead(parent_.data() + parent);
    PrefetchForRead(size_.data() + parent);
    return parent;
  }

  uint32_t set_size(NodeId node) { return size_[Find(node)]; }
  size_t size() const { return parent_.size(); }
  size_t num_sets() const { return num_sets_; }

  // Makes each of `nodes` a singleton again. REQUIRES: `nodes` is a whole
  // set (every node whose root is among them), so no other node points into
  // it. Used to recompute one identity after an erasure or a new hub.
  void Isolate(const std::vector<NodeId>& nodes);

  // Bytes allocated for parents and sizes.
  size_t MemoryBytes() const {
    return parent_.capacity() * sizeof(NodeId) + size_.capacity() * sizeof(uint32_t);
  }

  // Unions every pair that is joined in `other` (same node numbering; other
  // may be smaller). Used to merge partial forests built elsewhere.
  void Absorb(UnionFind& other);

 private:
  std::vector<NodeId> parent_;
  std::vector<uint32_t> size_;
  size_t num_sets_ = 0;
};

}  // namespace idstitch

#endif  // IDSTITCH_GRAPH_UNION_FIND_H_
