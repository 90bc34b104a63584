// Supervision between roles, as a Boost.Graph digraph: an edge r -> s when s
// is next above r on some line. Lines must make a DAG together, or an
// escalation could go round for ever.
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/depth_first_search.hpp>

#include "pack/checked_pack.h"

namespace kcbx::detail {

namespace {

using RoleGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS,
                                        boost::no_property, boost::property<boost::edge_index_t, int>>;

struct BackEdgeFinder : boost::default_dfs_visitor {
  explicit BackEdgeFinder(std::vector<int>& found) : found_(found) {}
  template <class Edge, class Graph>
  void back_edge(Edge e, const Graph& g) {
    found_.push_back(boost::get(boost::edge_index, g, e));
  }
  std::vector<int>& found_;
};

}  // namespace

void check_role_graph(const Pack& pack, const std::vector<std::vector<int>>& line_roles,
                      std::vector<Diagnostic>& diags) {
  RoleGraph g(pack.roles.size());
  // Edge index -> the chain entry (line, position) that made it.
  std::vector<std::pair<size_t, size_t>> origin;
  for (size_t l = 0; l < line_roles.size(); ++l) {
    const auto& chain = line_roles[l];
    for (size_t i = 0; i + 1 < chain.size(); ++i) {
      if (chain[i] < 0 || chain[i + 1] < 0) continue;
      boost::add_edge(static_cast<size_t>(chain[i]), static_cast<size_t>(chain[i + 1]),
                      static_cast<int>(origin.size()), g);
      origin.emplace_back(l, i + 1);
    }
  }
  std::vector<int> back;
  std::vector<boost::default_color_type> colors(boost::num_vertices(g));
  boost::depth_first_search(g, BackEdgeFinder(back),
                            boost::make_iterator_property_map(colors.begin(),
                                                              boost::get(boost::vertex_index, g)));
  for (int e : back) {
    const auto [l, i] = origin[static_cast<size_t>(e)];
    const LineDef& line = pack.lines[l];
    const Text& at = line.chain[i];
    diags.push_back({Severity::kError, at.where, "escalation-cycle",
                     "line '" + line.name.value + "' puts '" + at.value + "' above '" +
                         line.chain[i - 1].value + "', which closes a supervision cycle with another line"});
  }
}

}  // namespace kcbx::detail
