// The responsibility graph: the pack's roles and lines (七长, 双线) made
// concrete by an officials roster. Each roster row is a post — a person
// holding a role for one jurisdiction — and each post is supervised by the
// post of the next role up its line whose jurisdiction contains it.
//
//   kcbx::Roster roster = kcbx::read_roster(pack, "officials.csv");
//   kcbx::ResponsibilityGraph g(pack, roster, students.batch);
//   auto who = g.responsible(students.batch, i, "teacher");    // the class teacher
//   auto up = g.escalation(students.batch, i, "teacher");      // teacher ... county head
//   g.write_dot(std::cout);
#ifndef KCBX_RESPONSIBILITY_H_
#define KCBX_RESPONSIBILITY_H_

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kcbx/batch.h"
#include "kcbx/rule_pack.h"

namespace kcbx {

namespace detail {
struct GraphData;
}

// One roster row: `role,person,jurisdiction[,phone]`.
struct Post {
  std::string role;          // role name from the pack (or its Chinese alias in the file)
  std::string person;
  std::string jurisdiction;  // level key: county/township/village code, school_id, school_id/class_id
  std::string phone;
  int64_t row = 0;           // line in the roster file
};

struct Roster {
  std::vector<Post> posts;
  std::vector<Reject> rejects;  // rows that could not be used, with reasons
  int64_t read = 0;             // read == posts.size() + rejects.size()
};

// Reads a roster CSV (UTF-8 or `encoding`; header names role, person,
// jurisdiction, phone or 角色, 姓名, 辖区, 电话). Unknown roles, empty
// cells, jurisdictions of the wrong shape for the role's level (a township
// head needs 9 digits) and duplicate posts become rejects. Throws kcbx::Error
// when the file cannot be opened or lacks a required column.
Roster read_roster(const RulePack& rules, const std::string& path,
                   const std::string& encoding = "utf-8");
Roster read_roster(const RulePack& rules, std::istream& in,
                   const std::string& file = "<roster>",
                   const std::string& encoding = "utf-8");

// A person resolved for a role.
struct Responsible {
  std::string role;        // role name
  std::string role_alias;  // e.g. 师长
  std::string line;
  std::string jurisdiction;
  std::string person;      // "" when no post covers the jurisdiction
  std::string phone;
};

// A problem found by ResponsibilityGraph::validate().
struct GraphIssue {
  std::string code;     // "uncovered-jurisdiction", "unknown-jurisdiction", ...
  std::string role;
  std::string jurisdiction;
  std::string message;
  int64_t row = 0;      // roster row, 0 when none
};

class ResponsibilityGraph {
 public:
  // Builds the graph of posts and supervision edges (Boost.Graph). Where a
  // containment is not visible in the codes (which county a school is in),
  // it is read off `students`: the jurisdiction most of the school's
  // students belong to.
  ResponsibilityGraph(const RulePack& rules, const Roster& roster,
                      const Batch& students);
  ~ResponsibilityGraph();
  ResponsibilityGraph(const ResponsibilityGraph&) = delete;
  ResponsibilityGraph& operator=(const ResponsibilityGraph&) = delete;

  // The person holding `role` for record i of `batch` (batch built for the
  // same pack). For roles read from the record (parents), the record's
  // value. Throws std::invalid_argument for an unknown role.
  Responsible responsible(const Batch& batch, size_t i, std::string_view role) const;

  // `role` for record i and every role above it on the role's line, bottom
  // up: whom a lapsed duty of `role` escalates to.
  std::vector<Responsible> escalation(const Batch& batch, size_t i,
                                      std::string_view role) const;
  // The person holding `role` for `jurisdiction` (a key of the role's
  // level: a school_id for a principal), or one with person "" when no post
  // does. Throws std::invalid_argument for an unknown role.
  Responsible holder(std::string_view role, std::string_view jurisdiction) const;

  // Jurisdictions present in `students` without a post for some role, posts
  // whose jurisdiction does not occur in `students` (or, for division codes,
  // is no known GB/T 2260 county, prefecture or province), and supervision
  // cycles.
  std::vector<GraphIssue> validate(const Batch& students) const;

  size_t post_count() const;
  size_t edge_count() const;

  // Graphviz DOT and GraphML, with Chinese role names as labels.
  void write_dot(std::ostream& out) const;
  void write_graphml(std::ostream& out) const;

 private:
  std::unique_ptr<detail::GraphData> data_;
};

}  // namespace kcbx

#endif  // KCBX_RESPONSIBILITY_H_
