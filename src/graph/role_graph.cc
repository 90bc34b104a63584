// Supervision between roles, as a Boost.Graph digraph: an edge r -> s when s
// is next above r on some line. Lines must make a DAG together, or an
// escalation could go round for ever.
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "pack/checked_pack.h"

namespace kcbx::detail {

namespace {

using RoleGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;

// Marks the roles reachable from the search's start, each with the role
// it was reached from (the way back names the lines that close a cycle).
struct Reach : boost::default_bfs_visitor {
  Reach(std::vector<char>& seen, std::vector<size_t>& from) : seen_(seen), from_(from) {}
  template <class Vertex, class Graph>
  void discover_vertex(Vertex v, const Graph&) {
    seen_[v] = 1;
  }
  template <class Edge, class Graph>
  void tree_edge(Edge e, const Graph& g) {
    from_[boost::target(e, g)] = boost::source(e, g);
  }
  std::vector<char>& seen_;
  std::vector<size_t>& from_;
};

}  // namespace

void check_role_graph(const Pack& pack, const std::vector<std::vector<int>>& line_roles,
                      std::vector<Diagnostic>& diags) {
  // Every step up a line, as (line, position of the role above).
  std::vector<std::pair<size_t, size_t>> steps;
  for (size_t l = 0; l < line_roles.size(); ++l)
    for (size_t i = 0; i + 1 < line_roles[l].size(); ++i)
      if (line_roles[l][i] >= 0 && line_roles[l][i + 1] >= 0) steps.emplace_back(l, i + 1);
  // The steps an extension writes come last, so that a cycle its new line
  // closes with the base's lines is reported at its own line, where the
  // author can change it (the base is valid on its own).
  const std::string& own = pack.extends_at.file;
  std::stable_partition(steps.begin(), steps.end(), [&](const std::pair<size_t, size_t>& st) {
    return own.empty() || pack.lines[st.first].chain[st.second].where.file != own;
  });
  // Added one at a time: the step whose upper role already reaches its
  // lower one is the step that closes a cycle; it is reported, not added.
  RoleGraph g(pack.roles.size());
  std::map<std::pair<size_t, size_t>, std::pair<size_t, size_t>> step_of;  // (below, above) -> its step
  std::vector<char> seen(pack.roles.size());
  std::vector<size_t> from(pack.roles.size());
  for (const auto& [l, i] : steps) {
    const auto below = static_cast<size_t>(line_roles[l][i - 1]);
    const auto above = static_cast<size_t>(line_roles[l][i]);
    std::fill(seen.begin(), seen.end(), 0);
    std::vector<boost::default_color_type> colors(boost::num_vertices(g));
    boost::breadth_first_search(
        g, above,
        boost::visitor(Reach(seen, from)).color_map(
            boost::make_iterator_property_map(colors.begin(), boost::get(boost::vertex_index, g))));
    if (!seen[below]) {
      boost::add_edge(below, above, g);
      step_of.emplace(std::pair{below, above}, std::pair{l, i});
      continue;
    }
    // The steps already in the graph that lead from `above` up to `below`,
    // by line ('education' (teacher > principal > county_head, where)), so
    // that the author finds the other half of the cycle.
    std::vector<std::pair<size_t, size_t>> path;
    for (size_t v = below; v != above; v = from[v]) {
      const auto it = step_of.find({from[v], v});
      if (it == step_of.end()) break;
      path.push_back(it->second);
    }
    std::reverse(path.begin(), path.end());
    std::string with;
    for (size_t k = 0; k < path.size(); ++k) {
      const auto [ol, oi] = path[k];
      const LineDef& other = pack.lines[ol];
      if (k == 0 || path[k - 1].first != ol) {
        if (k) with += "), ";
        with += "'" + other.name.value + "' (" + other.chain[oi - 1].value;
      }
      with += " > " + other.chain[oi].value;
      if (k + 1 == path.size() || path[k + 1].first != ol) with += ", " + other.chain[oi].where.format();
    }
    if (!with.empty()) with += ")";
    const LineDef& line = pack.lines[l];
    const Text& at = line.chain[i];
    diags.push_back({Severity::kError, at.where, "escalation-cycle",
                     "line '" + line.name.value + "' puts '" + at.value + "' above '" + line.chain[i - 1].value +
                         "', which closes a supervision cycle with another line" +
                         (with.empty() ? std::string() : ": " + with)});
  }
}

}  // namespace kcbx::detail
