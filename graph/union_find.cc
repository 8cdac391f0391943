#include "graph/union_find.h"

#include <utility>

namespace idstitch {

UnionFind::UnionFind(size_t num_nodes) { Resize(num_nodes); }

void UnionFind::Resize(size_t num_nodes) {
  size_t old_size = parent_.size();
  if (num_nodes <= old_size) return;
  parent_.resize(num_nodes);
  size_.resize(num_nodes, 1);
  for (size_t node = old_size; node < num_nodes; ++node) {
    parent_[node] = static_cast<NodeId>(node);
  }
  num_sets_ += num_nodes - old_size;
}

NodeId UnionFind::Find(NodeId node) {
  // Path halving: every other node on the path points to its grandparent.
  while (parent_[node] != node) {
    parent_[node] = parent_[parent_[node]];
    node = parent_[node];
  }
  return node;
}

NodeId UnionFind::Union(NodeId a, NodeId b) {
  NodeId root_a = Find(a);
  NodeId root_b = Find(b);
  if (root_a == root_b) return root_a;
  if (size_[root_a] < size_[root_b] ||
      (size_[root_a] == size_[root_b] && root_b < root_a)) {
    std::swap(root_a, root_b);
  }
  parent_[root_b] = root_a;
  size_[root_a] += size_[root_b];
  --num_sets_;
  return root_a;
}

void UnionFind::Isolate(const std::vector<NodeId>& nodes) {
  size_t roots = 0;
  for (NodeId node : nodes) roots += parent_[node] == node;
  for (NodeId node : nodes) {
    parent_[node] = node;
    size_[node] = 1;
  }
  num_sets_ += nodes.size() - roots;
}

void UnionFind::Absorb(UnionFind& other) {
  Resize(other.size());
  for (NodeId node = 0; node < other.size(); ++node) {
    NodeId other_root = other.Find(node);
    if (other_root != node) Union(node, other_root);
  }
}

}  // namespace idstitch
