#include "graph/incremental_graph.h"

#include <algorithm>
#include <tuple>

#include "graph/identity_assignment.h"
#include "resolver/absl_compat.h"

namespace idstitch {
namespace {

void Combine(NodeActivity& into, const NodeActivity& from) {
  if (from.first_seen != kNoTimestamp &&
      (into.first_seen == kNoTimestamp || from.first_seen < into.first_seen)) {
    into.first_seen = from.first_seen;
  }
  if (from.last_seen != kNoTimestamp &&
      (into.last_seen == kNoTimestamp || from.last_seen > into.last_seen)) {
    into.last_seen = from.last_seen;
  }
  into.records += from.records;
}

// Unknown first_seen counts as younger than any known time.
int64_t AgeKey(int64_t first_seen) { return first_seen == kNoTimestamp ? INT64_MAX : first_seen; }

}  // namespace

IncrementalGraph::IncrementalGraph(const IdentifierTypeRegistry& types,
                                   std::vector<LinkKind> matcher_kinds,
                                   std::vector<float> matcher_scores)
    : types_(types),
      matcher_kinds_(std::move(matcher_kinds)),
      matcher_scores_(std::move(matcher_scores)),
      limited_index_(types.size(), -1) {
  for (TypeId type = 0; type < types_.size(); ++type) {
    if (types_.spec(type).max_per_identity > 0) {
      limited_index_[type] = static_cast<int>(limits_.size());
      limits_.push_back(static_cast<uint32_t>(types_.spec(type).max_per_identity));
    }
  }
}

// --- Nodes and links ------------------------------------------------------

NodeId IncrementalGraph::Intern(const Identifier& id) {
  const size_t before = dictionary_.size();
  const NodeId node = dictionary_.Intern(id.type, id.value);
  if (node < before) return node;
  forest_.Resize(dictionary_.size());
  alive_.push_back(true);
  quarantined_.push_back(false);
  activity_.emplace_back();
  adjacency_.emplace_back();
  members_.push_back({node});
  identity_activity_.emplace_back();
  limit_counts_.resize(dictionary_.size() * limits_.size(), 0);
  if (limited_index_[id.type] >= 0) {
    limit_counts_[size_t{node} * limits_.size() + limited_index_[id.type]] = 1;
  }
  ++alive_count_;
  dirty_nodes_.insert(node);
  return node;
}

uint32_t IncrementalGraph::AddOrUpdateLink(NodeId a, NodeId b, uint8_t matcher, int64_t ts,
                                           bool* added) {
  const auto key = std::make_tuple(std::min(a, b), std::max(a, b), matcher);
  auto [it, inserted] = link_index_.emplace(key, static_cast<uint32_t>(links_.size()));
  *added = inserted;
  if (inserted) {
    GraphLink graph_link;
    graph_link.link = {a, b, matcher, matcher_kinds_[matcher], matcher_scores_[matcher], 0};
    OrientLinkCanonically(dictionary_, graph_link.link);
    graph_link.pending = true;
    links_.push_back(graph_link);
    adjacency_[a].push_back(it->second);
    adjacency_[b].push_back(it->second);
  }
  GraphLink& graph_link = links_[it->second];
  ++graph_link.link.evidence;
  graph_link.seen.Add(ts);
  dirty_links_.insert(it->second);
  return it->second;
}

// --- Identities -----------------------------------------------------------

bool IncrementalGraph::MemberLess(NodeId x, NodeId y) const {
  return CanonicalMemberLess(dictionary_, types_, x, y);
}

NodeId IncrementalGraph::Canonical(const std::vector<NodeId>& members) const {
  return *std::min_element(members.begin(), members.end(),
                           [&](NodeId x, NodeId y) { return MemberLess(x, y); });
}

std::string IncrementalGraph::FreshId(NodeId canonical) {
  const std::string& type_name = types_.spec(dictionary_.type(canonical)).name;
  for (uint32_t salt = 0;; ++salt) {
    std::string id = DeriveIdentityId(type_name, dictionary_.value(canonical), salt);
    if (issued_.insert(id).second) {
      dirty_.issued.push_back(id);
      return id;
    }
  }
}

void IncrementalGraph::MarkMembersDirty(NodeId root) {
  for (NodeId member : members_[root]) dirty_nodes_.insert(member);
}

void IncrementalGraph::SetRootId(NodeId root, std::string id) {
  id_root_[id] = root;
  root_id_[root] = std::move(id);
  MarkMembersDirty(root);
}

int IncrementalGraph::LimitViolation(NodeId root_a, NodeId root_b) const {
  const size_t n = limits_.size();
  for (size_t i = 0; i < n; ++i) {
    if (limit_counts_[root_a * n + i] + limit_counts_[root_b * n + i] > limits_[i]) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

NodeId IncrementalGraph::Merge(NodeId root_a, NodeId root_b) {
  const NodeId root = forest_.Union(root_a, root_b);
  const NodeId other = root == root_a ? root_b : root_a;
  std::vector<NodeId>& into = members_[root];
  into.insert(into.end(), members_[other].begin(), members_[other].end());
  members_[other].clear();
  members_[other].shrink_to_fit();
  const size_t n = limits_.size();
  for (size_t i = 0; i < n; ++i) limit_counts_[root * n + i] += limit_counts_[other * n + i];
  Combine(identity_activity_[root], identity_activity_[other]);
  return root;
}

bool IncrementalGraph::ApplyLink(uint32_t index, std::vector<ServiceChange>* changes,
                                 std::vector<std::string>* merged_ids) {
  GraphLink& graph_link = links_[index];
  graph_link.pending = false;
  dirty_links_.insert(index);
  const Link& link = graph_link.link;
  if (quarantined_[link.a] || quarantined_[link.b]) {
    graph_link.outcome = LinkOutcome::kHub;
    return false;
  }
  const NodeId root_a = forest_.Find(link.a), root_b = forest_.Find(link.b);
  if (root_a == root_b) {
    graph_link.outcome = LinkOutcome::kRedundant;
    return false;
  }
  if (LimitViolation(root_a, root_b) >= 0) {
    graph_link.outcome = LinkOutcome::kRefused;
    ++refused_;
    return false;
  }
  graph_link.outcome = LinkOutcome::kApplied;
  // The older identity's ID survives; a side without an ID yet (new in
  // this record) simply joins.
  auto id_a = root_id_.find(root_a), id_b = root_id_.find(root_b);
  std::string survivor, retired;
  if (id_a != root_id_.end() && id_b != root_id_.end()) {
    const auto key_a = std::make_pair(AgeKey(identity_activity_[root_a].first_seen), id_a->second);
    const auto key_b = std::make_pair(AgeKey(identity_activity_[root_b].first_seen), id_b->second);
    survivor = key_a < key_b ? id_a->second : id_b->second;
    retired = key_a < key_b ? id_b->second : id_a->second;
  } else if (id_a != root_id_.end()) {
    survivor = id_a->second;
  } else if (id_b != root_id_.end()) {
    survivor = id_b->second;
  }
  root_id_.erase(root_a);
  root_id_.erase(root_b);
  const NodeId root = Merge(root_a, root_b);
  if (!survivor.empty()) SetRootId(root, survivor);
  if (!retired.empty()) {
    ++merges_;
    id_root_.erase(retired);
    retired_[retired] = survivor;
    dirty_.retired.emplace_back(retired, survivor);
    merged_ids->push_back(retired);
    changes->push_back({ServiceChangeKind::kMerged, survivor, {retired}});
  }
  return true;
}

// --- Hubs and recomputation ----------------------------------------------

bool IncrementalGraph::BecomesHub(NodeId node, TypeId neighbor_type) const {
  const IdentifierTypeSpec& spec = types_.spec(neighbor_type);
  if (quarantined_[node] || spec.hub_cap <= 0 ||
      spec.priority > types_.spec(dictionary_.type(node)).priority) {
    return false;
  }
  std::vector<NodeId> neighbors;
  for (uint32_t index : adjacency_[node]) {
    const Link& link = links_[index].link;
    if (!links_[index].alive) continue;
    const NodeId other = link.a == node ? link.b : link.a;
    if (dictionary_.type(other) == neighbor_type) neighbors.push_back(other);
  }
  std::sort(neighbors.begin(), neighbors.end());
  const size_t distinct = std::unique(neighbors.begin(), neighbors.end()) - neighbors.begin();
  return distinct > static_cast<size_t>(spec.hub_cap);
}

void IncrementalGraph::Quarantine(NodeId node, std::vector<ServiceChange>* changes) {
  quarantined_[node] = true;
  dirty_nodes_.insert(node);
  for (uint32_t index : adjacency_[node]) {
    if (!links_[index].alive) continue;
    links_[index].outcome = LinkOutcome::kHub;
    dirty_links_.insert(index);
  }
  const NodeId root = forest_.Find(node);
  if (members_[root].size() < 2) return;
  auto id = root_id_.find(root);
  Recompute(members_[root], id == root_id_.end() ? std::string() : id->second, changes);
}

void IncrementalGraph::Recompute(std::vector<NodeId> members, const std::string& old_id,
                                 std::vector<ServiceChange>* changes) {
  const NodeId old_root = forest_.Find(members.front());
  root_id_.erase(old_root);
  if (!old_id.empty()) id_root_.erase(old_id);
  forest_.Isolate(members);
  const size_t n = limits_.size();
  for (NodeId node : members) {
    members_[node] = {node};
    identity_activity_[node] = activity_[node];
    std::fill(limit_counts_.begin() + node * n, limit_counts_.begin() + (node + 1) * n, 0);
    const int limited = limited_index_[dictionary_.type(node)];
    if (limited >= 0) limit_counts_[size_t{node} * n + limited] = 1;
    dirty_nodes_.insert(node);
  }
  // The live, settled links with both ends inside, in the canonical order.
  absl::flat_hash_set<NodeId> inside(members.begin(), members.end());
  std::vector<uint32_t> inner;
  for (NodeId node : members) {
    for (uint32_t index : adjacency_[node]) {
      const GraphLink& graph_link = links_[index];
      if (!graph_link.alive || graph_link.pending || graph_link.link.a != node) continue;
      if (inside.contains(graph_link.link.b)) inner.push_back(index);
    }
  }
  std::sort(inner.begin(), inner.end(), [&](uint32_t x, uint32_t y) {
    return CanonicalLinkLess(dictionary_, types_, links_[x].link, links_[y].link);
  });
  for (uint32_t index : inner) {
    GraphLink& graph_link = links_[index];
    dirty_links_.insert(index);
    const Link& link = graph_link.link;
    if (quarantined_[link.a] || quarantined_[link.b]) {
      graph_link.outcome = LinkOutcome::kHub;
      continue;
    }
    const NodeId root_a = forest_.Find(link.a), root_b = forest_.Find(link.b);
    if (root_a == root_b) {
      graph_link.outcome = LinkOutcome::kRedundant;
    } else if (LimitViolation(root_a, root_b) >= 0) {
      graph_link.outcome = LinkOutcome::kRefused;
    } else {
      graph_link.outcome = LinkOutcome::kApplied;
      Merge(root_a, root_b);
    }
  }
  if (old_id.empty()) return;  // a new identity: AddRecord names the parts
  // The largest part keeps the ID (ties: the part whose canonical member
  // comes first); the others get new IDs.
  std::vector<NodeId> roots;
  for (NodeId node : members) {
    if (forest_.Find(node) == node) roots.push_back(node);
  }
  auto part_less = [&](NodeId x, NodeId y) {
    if (members_[x].size() != members_[y].size()) return members_[x].size() > members_[y].size();
    return MemberLess(Canonical(members_[x]), Canonical(members_[y]));
  };
  std::sort(roots.begin(), roots.end(), part_less);
  SetRootId(roots.front(), old_id);
  if (roots.size() == 1) return;
  ServiceChange split{ServiceChangeKind::kSplit, old_id, {}};
  for (size_t i = 1; i < roots.size(); ++i) {
    std::string id = FreshId(Canonical(members_[roots[i]]));
    split.others.push_back(id);
    SetRootId(roots[i], std::move(id));
  }
  changes->push_back(std::move(split));
}

// --- Operations -------------------------------------------------------------

ApplyResult IncrementalGraph::AddRecord(absl::Span<const Identifier> identifiers, int64_t ts,
                                        absl::Span<const RecordLinks> links,
                                        std::vector<ServiceChange>* changes) {
  std::vector<NodeId> nodes;
  nodes.reserve(identifiers.size());
  for (const Identifier& id : identifiers) nodes.push_back(Intern(id));

  std::vector<uint32_t> added;
  for (const RecordLinks& record_link : links) {
    const NodeId a = nodes[record_link.from_slot], b = nodes[record_link.to_slot];
    if (a == b) continue;
    bool is_new = false;
    const uint32_t index = AddOrUpdateLink(a, b, record_link.matcher, ts, &is_new);
    if (is_new) added.push_back(index);
  }
  std::sort(added.begin(), added.end(), [&](uint32_t x, uint32_t y) {
    return CanonicalLinkLess(dictionary_, types_, links_[x].link, links_[y].link);
  });
  ApplyResult result;
  for (uint32_t index : added) {
    const Link link = links_[index].link;
    // A new neighbor can push an end over its hub cap: quarantine it before
    // this link joins anything.
    if (BecomesHub(link.a, dictionary_.type(link.b))) Quarantine(link.a, changes);
    if (BecomesHub(link.b, dictionary_.type(link.a))) Quarantine(link.b, changes);
    ApplyLink(index, changes, &result.merged);
  }

  NodeId anchor = nodes.front();
  for (NodeId node : nodes) {
    if (!quarantined_[node]) {
      anchor = node;
      break;
    }
  }
  for (NodeId node : nodes) {
    NodeActivity seen;
    seen.first_seen = seen.last_seen = ts;
    seen.records = node == anchor ? 1 : 0;
    Combine(activity_[node], seen);
    Combine(identity_activity_[forest_.Find(node)], seen);
    dirty_nodes_.insert(node);
  }
  for (NodeId node : nodes) {
    const NodeId root = forest_.Find(node);
    if (root_id_.contains(root)) continue;
    std::string id = FreshId(Canonical(members_[root]));
    changes->push_back({ServiceChangeKind::kCreated, id, {}});
    if (root == forest_.Find(anchor)) result.created = true;
    SetRootId(root, std::move(id));
  }
  result.identity_id = root_id_.at(forest_.Find(anchor));
  return result;
}

bool IncrementalGraph::Erase(TypeId type, std::string_view value,
                             std::vector<ServiceChange>* changes) {
  const std::optional<NodeId> found = Find(type, value);
  if (!found.has_value()) return false;
  const NodeId node = *found;
  const NodeId root = forest_.Find(node);
  const std::string old_id = root_id_.at(root);
  std::vector<NodeId> members = members_[root];
  for (uint32_t index : adjacency_[node]) {
    GraphLink& graph_link = links_[index];
    if (!graph_link.alive) continue;
    graph_link.alive = false;
    const Link& link = graph_link.link;
    link_index_.erase(std::make_tuple(std::min(link.a, link.b), std::max(link.a, link.b),
                                      link.matcher));
    dirty_.removed_links.push_back({dictionary_.type(link.a), std::string(dictionary_.value(link.a)),
                                    dictionary_.type(link.b), std::string(dictionary_.value(link.b)),
                                    link.matcher});
    dirty_links_.erase(index);
  }
  adjacency_[node].clear();
  changes->push_back({ServiceChangeKind::kErased, old_id, {}});
  members.erase(std::find(members.begin(), members.end(), node));
  // Take the erased node out of its set first, so the rest is recomputed as
  // one whole set.
  root_id_.erase(root);
  const std::vector<NodeId> whole_set = std::move(members_[root]);
  forest_.Isolate(whole_set);
  for (NodeId member : whole_set) members_[member] = {member};
  members_[node].clear();
  if (members.empty()) {
    id_root_.erase(old_id);
  } else {
    for (NodeId member : members) forest_.Union(members.front(), member);
    const NodeId rest_root = forest_.Find(members.front());
    members_[rest_root] = members;
    root_id_[rest_root] = old_id;
    Recompute(members, old_id, changes);
  }
  alive_[node] = false;
  quarantined_[node] = false;
  activity_[node] = {};
  identity_activity_[node] = {};
  --alive_count_;
  dirty_nodes_.erase(node);
  dirty_.erased.emplace_back(type, std::string(value));
  dictionary_.Forget(node);
  return true;
}

// --- Lookups ----------------------------------------------------------------

std::optional<NodeId> IncrementalGraph::Find(TypeId type, std::string_view value) const {
  std::optional<NodeId> node = dictionary_.Find(type, value);
  if (node.has_value() && !alive_[*node]) return std::nullopt;
  return node;
}

const std::string& IncrementalGraph::IdentityIdOf(NodeId node) const {
  return root_id_.at(forest_.FindRoot(node));
}

std::vector<NodeId> IncrementalGraph::MembersOf(NodeId node) const {
  std::vector<NodeId> members = members_[forest_.FindRoot(node)];
  std::sort(members.begin(), members.end(), [&](NodeId x, NodeId y) { return MemberLess(x, y); });
  return members;
}

std::optional<NodeId> IncrementalGraph::RootOfId(std::string_view identity_id) const {
  auto it = id_root_.find(AsAbsl(identity_id));
  if (it == id_root_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> IncrementalGraph::SurvivorOf(std::string_view identity_id) const {
  std::string current(identity_id);
  // Chains are short (one hop per merge that retired an ID); the bound only
  // guards against a corrupt store.
  for (size_t hops = 0; hops <= retired_.size(); ++hops) {
    if (id_root_.contains(current)) return current;
    auto it = retired_.find(current);
    if (it == retired_.end()) return std::nullopt;
    current = it->second;
  }
  return std::nullopt;
}

NodeActivity IncrementalGraph::IdentityActivity(NodeId node) const {
  return identity_activity_[forest_.FindRoot(node)];
}

std::vector<const GraphLink*> IncrementalGraph::IncidentLinks(NodeId node) const {
  std::vector<const GraphLink*> out;
  for (uint32_t index : adjacency_[node]) {
    if (links_[index].alive) out.push_back(&links_[index]);
  }
  return out;
}

std::vector<const GraphLink*> IncrementalGraph::LinksOf(NodeId node) const {
  std::vector<const GraphLink*> out;
  for (NodeId member : members_[forest_.FindRoot(node)]) {
    for (uint32_t index : adjacency_[member]) {
      const GraphLink& graph_link = links_[index];
      if (graph_link.alive && graph_link.link.a == member) out.push_back(&graph_link);
    }
  }
  return out;
}

// --- Persistence ------------------------------------------------------------

IncrementalGraph::Dirty IncrementalGraph::TakeDirty() {
  Dirty out = std::move(dirty_);
  dirty_ = Dirty();
  out.nodes.assign(dirty_nodes_.begin(), dirty_nodes_.end());
  std::sort(out.nodes.begin(), out.nodes.end());
  out.links.assign(dirty_links_.begin(), dirty_links_.end());
  std::sort(out.links.begin(), out.links.end());
  dirty_nodes_.clear();
  dirty_links_.clear();
  return out;
}

IncrementalGraph::Dirty IncrementalGraph::Everything() const {
  Dirty out;
  for (NodeId node = 0; node < dictionary_.size(); ++node) {
    if (alive_[node]) out.nodes.push_back(node);
  }
  for (uint32_t index = 0; index < links_.size(); ++index) {
    if (links_[index].alive) out.links.push_back(index);
  }
  out.retired.assign(retired_.begin(), retired_.end());
  std::sort(out.retired.begin(), out.retired.end());
  out.issued.assign(issued_.begin(), issued_.end());
  std::sort(out.issued.begin(), out.issued.end());
  return out;
}

void IncrementalGraph::RestoreNode(TypeId type, std::string_view value,
                                   const std::string& identity_id, const NodeActivity& activity,
                                   bool quarantined) {
  const NodeId node = Intern({type, std::string(value)});
  activity_[node] = activity;
  identity_activity_[node] = activity;
  quarantined_[node] = quarantined;
  issued_.insert(identity_id);
  auto it = id_root_.find(identity_id);
  if (it == id_root_.end()) {
    root_id_[node] = identity_id;
    id_root_[identity_id] = node;
    return;
  }
  const NodeId root = it->second;
  root_id_.erase(root);
  const NodeId merged = Merge(root, node);
  root_id_[merged] = identity_id;
  id_root_[identity_id] = merged;
}

void IncrementalGraph::RestoreLink(TypeId type_a, std::string_view value_a, TypeId type_b,
                                   std::string_view value_b, const Link& fields,
                                   const LinkSeen& seen, LinkOutcome outcome) {
  const std::optional<NodeId> a = Find(type_a, value_a), b = Find(type_b, value_b);
  if (!a.has_value() || !b.has_value() || fields.matcher >= matcher_kinds_.size()) return;
  GraphLink graph_link;
  graph_link.link = fields;
  graph_link.seen = seen;
  graph_link.link.a = *a;
  graph_link.link.b = *b;
  graph_link.outcome = outcome;
  const uint32_t index = static_cast<uint32_t>(links_.size());
  link_index_[std::make_tuple(std::min(*a, *b), std::max(*a, *b), fields.matcher)] = index;
  links_.push_back(graph_link);
  adjacency_[*a].push_back(index);
  adjacency_[*b].push_back(index);
}

void IncrementalGraph::RestoreRetired(const std::string& old_id, const std::string& survivor) {
  retired_[old_id] = survivor;
  issued_.insert(old_id);
}

bool IncrementalGraph::RestoreIdentityActivity(std::string_view identity_id,
                                               const NodeActivity& activity) {
  const std::optional<NodeId> root = RootOfId(identity_id);
  if (!root.has_value()) return false;
  const NodeId canonical = Canonical(members_[*root]);
  Combine(activity_[canonical], activity);
  Combine(identity_activity_[*root], activity);
  return true;
}

void IncrementalGraph::RestoreIssued(const std::string& id) { issued_.insert(id); }

void IncrementalGraph::FinishRestore() {
  merges_ = 0;
  refused_ = 0;
  dirty_nodes_.clear();
  dirty_links_.clear();
  dirty_ = Dirty();
}

}  // namespace idstitch
