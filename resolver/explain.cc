#include "resolver/explain.h"

#include <fstream>
#include <vector>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "resolver/csv.h"

namespace idstitch {
namespace {

struct LinkRow {
  std::string a, b;  // "type:value"
  std::string matcher, kind, score, evidence, outcome, explanation;
};

// Reads a CSV with a header into rows of named fields; rows may span lines.
absl::StatusOr<std::vector<std::vector<std::string>>> ReadCsv(const std::string& path,
                                                             size_t columns) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  std::vector<std::vector<std::string>> rows;
  std::string line, row;
  std::vector<std::string> fields;
  uint64_t line_number = 0;
  bool header = true;
  while (std::getline(in, line)) {
    ++line_number;
    row += line;
    if (!CsvRowIsComplete(row)) {
      row.push_back('\n');
      continue;
    }
    absl::Status status = SplitCsvRow(row, &fields);
    row.clear();
    if (!status.ok() || fields.size() < columns) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", line_number, ": malformed row"));
    }
    if (header) {
      header = false;
      continue;
    }
    rows.push_back(fields);
  }
  if (!row.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": unterminated quoted field at the end"));
  }
  return rows;
}

std::string DescribeLink(const LinkRow& link) {
  std::string text = absl::StrCat("  ", link.a, "  --", link.matcher, " (", link.kind, ", score ",
                                  link.score, ", evidence ", link.evidence, ")-->  ", link.b);
  if (!link.explanation.empty()) absl::StrAppend(&text, "\n      ", link.explanation);
  return text + "\n";
}

}  // namespace

absl::StatusOr<std::string> ExplainIdentifiers(const std::string& out_dir, const std::string& a,
                                               const std::string& b) {
  for (const std::string& id : {a, b}) {
    if (id.find(':') == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("'", id, "': expected type:value"));
    }
  }
  absl::StatusOr<std::vector<std::vector<std::string>>> map_rows =
      ReadCsv(out_dir + "/identity_map.csv", 3);
  if (!map_rows.ok()) return map_rows.status();
  absl::flat_hash_map<std::string, std::string> identity_of;
  for (const auto& row : *map_rows) identity_of[row[0] + ":" + row[1]] = row[2];
  for (const std::string& id : {a, b}) {
    if (!identity_of.contains(id)) {
      return absl::NotFoundError(absl::StrCat(id, ": not in ", out_dir, "/identity_map.csv"));
    }
  }
  absl::StatusOr<std::vector<std::vector<std::string>>> link_rows =
      ReadCsv(out_dir + "/links.csv", 11);
  if (absl::IsNotFound(link_rows.status())) {
    return absl::NotFoundError(absl::StrCat(link_rows.status().message(),
                                            " (run idstitch resolve with --links)"));
  }
  if (!link_rows.ok()) return link_rows.status();
  std::vector<LinkRow> links;
  for (const auto& row : *link_rows) {
    links.push_back({row[0] + ":" + row[1], row[2] + ":" + row[3], row[4], row[5], row[6], row[7],
                     row[10], row.size() > 11 ? row[11] : ""});
  }

  // Copies: the lookups below must not insert into the map they read.
  const std::string identity_a = identity_of.at(a);
  const std::string identity_b = identity_of.at(b);
  auto identity = [&](const std::string& id) -> std::string {
    auto it = identity_of.find(id);
    return it == identity_of.end() ? "" : it->second;
  };
  std::string text = absl::StrCat(a, " is in ", identity_a, "\n", b, " is in ", identity_b, "\n");
  if (identity_a != identity_b) {
    text += "They are apart.";
    bool reason = false;
    for (const LinkRow& link : links) {
      bool between = (identity(link.a) == identity_a && identity(link.b) == identity_b) ||
                     (identity(link.a) == identity_b && identity(link.b) == identity_a);
      bool hub = link.outcome == "hub" && (link.a == a || link.b == a || link.a == b || link.b == b);
      if ((between && link.outcome == "refused") || hub) {
        if (!reason) text += " Links that would have joined them:\n";
        reason = true;
        absl::StrAppend(&text, link.outcome == "hub" ? "  [quarantined hub]" : "  [refused: merge limit]",
                        "\n", DescribeLink(link));
      }
    }
    if (!reason) text += " No link connects their identities.\n";
    return text;
  }

  // Shortest path over applied links, with Boost.Graph's breadth-first search.
  absl::flat_hash_map<std::string, size_t> vertex;
  std::vector<const LinkRow*> edge_links;
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
  Graph graph;
  auto vertex_of = [&](const std::string& id) {
    auto [it, added] = vertex.emplace(id, vertex.size());
    if (added) boost::add_vertex(graph);
    return it->second;
  };
  absl::flat_hash_map<std::pair<size_t, size_t>, const LinkRow*> link_of_edge;
  for (const LinkRow& link : links) {
    if (link.outcome != "applied") continue;
    size_t u = vertex_of(link.a), v = vertex_of(link.b);
    boost::add_edge(u, v, graph);
    link_of_edge[{std::min(u, v), std::max(u, v)}] = &link;
  }
  if (a == b) return text + "They are the same identifier.\n";
  if (!vertex.contains(a) || !vertex.contains(b)) {
    return text + "No applied link path found (was links.csv written by the same run?).\n";
  }
  std::vector<size_t> predecessor(boost::num_vertices(graph), SIZE_MAX);
  size_t source = vertex[a];
  predecessor[source] = source;
  boost::breadth_first_search(
      graph, source,
      boost::visitor(boost::make_bfs_visitor(
          boost::record_predecessors(predecessor.data(), boost::on_tree_edge()))));
  size_t target = vertex[b];
  if (predecessor[target] == SIZE_MAX) return text + "No applied link path found.\n";
  std::vector<const LinkRow*> path;
  for (size_t v = target; v != source; v = predecessor[v]) {
    size_t u = predecessor[v];
    path.push_back(link_of_edge[{std::min(u, v), std::max(u, v)}]);
  }
  absl::StrAppend(&text, "Joined by ", path.size(), " link(s):\n");
  for (auto it = path.rbegin(); it != path.rend(); ++it) text += DescribeLink(**it);
  return text;
}

}  // namespace idstitch
