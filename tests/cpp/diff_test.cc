// kcbx diff on known packs: the Guizhou pack against the example province
// built on it (parameters with their dates, a row added at its position, a
// role, a line, deadlines), and the status changes a students file sees when
// suspected dropout starts after 3 days instead of 7.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "kcbx/kcbx.h"
#include "kcbx/rule_tests.h"

namespace {

namespace fs = std::filesystem;

const kcbx::PackChange* find(const kcbx::PackDiff& d, const std::string& section, const std::string& name) {
  for (const auto& c : d.changes)
    if (c.section == section && c.name == name) return &c;
  return nullptr;
}

std::string listing(const kcbx::PackDiff& d) { return kcbx::format_diff(d); }

TEST(Diff, SamePackHasNoChanges) {
  const kcbx::RulePack g = kcbx::default_rules();
  const kcbx::PackDiff d = kcbx::diff_packs(g, g);
  EXPECT_TRUE(d.changes.empty()) << listing(d);
  EXPECT_NE(kcbx::format_diff(d).find("the packs make the same rules"), std::string::npos);
}

TEST(Diff, GuizhouAgainstTheNeighbourProvince) {
  const kcbx::RulePack a = kcbx::default_rules();
  const kcbx::RulePack b = kcbx::load_rules(KCBX_SOURCE_DIR "/examples/provinces/neighbour.yaml");
  const kcbx::PackDiff d = kcbx::diff_packs(a, b);
  const std::string text = listing(d);

  const auto* p = find(d, "parameter", "suspected_after");
  ASSERT_NE(p, nullptr) << text;
  EXPECT_EQ(p->change, "changed");
  EXPECT_EQ(p->before, "7 days");
  EXPECT_EQ(p->after, "7 days, from 2021-09-01: 5 days");
  EXPECT_EQ(p->where_a.file, "<embedded:guizhou>");
  EXPECT_NE(p->where_b.file.find("neighbour.yaml"), std::string::npos);
  EXPECT_EQ(p->where_b.line, 21);

  const auto* unset = find(d, "parameter", "home_visit_within");
  ASSERT_NE(unset, nullptr);
  EXPECT_EQ(unset->before, "(unset)");
  EXPECT_EQ(unset->after, "from 2021-09-01: 7 days");

  const auto* month = find(d, "parameter", "dropout_after");
  ASSERT_NE(month, nullptr);
  EXPECT_EQ(month->after, "1 month, from 2021-09-01: 30 days");

  const auto* row = find(d, "row", "status/migrant_unregistered");
  ASSERT_NE(row, nullptr) << text;
  EXPECT_EQ(row->change, "added");
  EXPECT_EQ(row->after, "position 7 of 14, after over_age");
  EXPECT_EQ(find(d, "row", "status/young_unregistered"), nullptr) << "shifted rows are not moved rows\n" << text;

  const auto* field = find(d, "field", "migrant");
  ASSERT_NE(field, nullptr);
  EXPECT_EQ(field->change, "added");

  const auto* role = find(d, "role", "grade_head");
  ASSERT_NE(role, nullptr);
  EXPECT_EQ(role->change, "added");

  const auto* line = find(d, "line", "education");
  ASSERT_NE(line, nullptr);
  EXPECT_EQ(line->before, "chain: [teacher, principal, bureau_director, county_head]");
  EXPECT_EQ(line->after, "chain: [teacher, grade_head, principal, bureau_director, county_head]");

  const auto* deadline = find(d, "deadline", "school_report");
  ASSERT_NE(deadline, nullptr) << text;
  EXPECT_EQ(deadline->before, "report_within = 3 days after the stage starts");
  EXPECT_EQ(deadline->after, "report_within = 3 days, from 2021-09-01: 5 days after the stage starts");
  ASSERT_NE(find(d, "deadline", "home_visits"), nullptr);
  EXPECT_EQ(find(d, "deadline", "notice"), nullptr);  // unset in both
  EXPECT_EQ(find(d, "stage", "home_visits"), nullptr);

  EXPECT_NE(text.find("parameters:\n  ~ suspected_after: 7 days  ->  7 days, from 2021-09-01: 5 days\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("table rows:\n  + status/migrant_unregistered: position 7 of 14, after over_age\n"),
            std::string::npos)
      << text;
}

TEST(Diff, RowsRemovedChangedAndMoved) {
  const std::string ext = R"(meta: {name: x, extends: guizhou}
tables:
  status:
    rows:
      - {id: absent_over_month, remove: true}
      - {id: over_age, replace: true, when: age > scope_max_age, then: not_applicable, clause: D5c}
      - {id: approved_leave, replace: true, before: completed, when: "registry in [suspended, deferred]",
         then: not_counted, clause: D5}
)";
  const kcbx::PackDiff d = kcbx::diff_packs(kcbx::default_rules(), kcbx::parse_rules(ext, "x.yaml"));
  const auto* removed = find(d, "row", "status/absent_over_month");
  ASSERT_NE(removed, nullptr);
  EXPECT_EQ(removed->change, "removed");
  EXPECT_EQ(removed->before, "position 12 of 13, after over_age_poor_dropout");
  const auto* changed = find(d, "row", "status/over_age");
  ASSERT_NE(changed, nullptr);
  EXPECT_EQ(changed->before, "when: age > scope_max_age and not (poor and registry = enrolled)");
  EXPECT_EQ(changed->after, "when: age > scope_max_age");
  EXPECT_EQ(changed->where_b.format(), "x.yaml:6:14");  // the row id
  int moved = 0;
  for (const auto& c : d.changes)
    if (c.change == "moved") {
      ++moved;
      EXPECT_EQ(c.name, "status/approved_leave");
      EXPECT_EQ(c.before, "position 4 of 13, after attending");
      EXPECT_EQ(c.after, "position 1 of 12, before completed");
    }
  EXPECT_EQ(moved, 1) << kcbx::format_diff(d);
}

class DiffStudents : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kcbx_diff_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "students.csv") << "student_id,registry,birth_date,last_attended\n"
                                            "S1,enrolled,2010-03-01,2019-10-08\n"
                                            "S2,enrolled,2010-03-01,2019-10-05\n"
                                            "S3,enrolled,2010-03-01,2019-10-03\n"
                                            "S4,enrolled,2010-03-01,2019-09-20\n"
                                            "S5,enrolled,2010-03-01,2019-09-05\n"
                                            "S6,completed,2003-03-01,\n";
    std::ofstream(dir_ / "three.yaml") << "meta: {name: three, extends: guizhou}\n"
                                          "parameters:\n"
                                          "  suspected_after: {override: true, from: 2000-01-01, value: 3 days}\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(DiffStudents, ThreeDaysInsteadOfSeven) {
  const kcbx::RulePack a = kcbx::default_rules();
  const kcbx::RulePack b = kcbx::load_rules((dir_ / "three.yaml").string());
  const kcbx::StudentsDiff s =
      kcbx::diff_students(a, b, (dir_ / "students.csv").string(), *kcbx::Date::parse("2019-10-10"));
  EXPECT_EQ(s.table, "status");
  EXPECT_EQ(s.records, 6);
  EXPECT_EQ(s.changed, 3);
  ASSERT_EQ(s.shifts.size(), 2u);
  EXPECT_EQ(s.shifts[0].value_a, "in_school");
  EXPECT_EQ(s.shifts[0].rule_a, "attending");
  EXPECT_EQ(s.shifts[0].value_b, "suspected_dropout");
  EXPECT_EQ(s.shifts[0].rule_b, "absent_over_week");
  EXPECT_EQ(s.shifts[0].count, 2);
  EXPECT_EQ(s.shifts[0].examples, (std::vector<std::string>{"S2", "S3"}));
  EXPECT_EQ(s.shifts[1].rule_a, "absent_over_week");
  EXPECT_EQ(s.shifts[1].rule_b, "absent_over_month");
  EXPECT_EQ(s.shifts[1].count, 1);

  const kcbx::PackDiff d = kcbx::diff_packs(a, b);
  const std::string text = kcbx::format_diff(d, &s);
  EXPECT_NE(text.find("status on 2019-10-10: 3 of 6 children change\n"), std::string::npos) << text;
  EXPECT_NE(text.find("in_school (attending)"), std::string::npos) << text;
  EXPECT_NE(text.find("suspected_dropout (absent_over_week)         2  S2, S3\n"), std::string::npos) << text;
  const auto* p = find(d, "parameter", "suspected_after");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->after, "7 days, from 2000-01-01: 3 days");
}

TEST_F(DiffStudents, Command) {
  const std::string cli = KCBX_CLI;
  if (cli.empty()) GTEST_SKIP() << "the kcbx command is not built";
  auto code = [](const std::string& cmd) {
    const int st = std::system(cmd.c_str());
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  };
  const std::string three = (dir_ / "three.yaml").string();
  const std::string students = (dir_ / "students.csv").string();
  const std::string out = (dir_ / "out.txt").string();
  EXPECT_EQ(code(cli + " diff guizhou " + three + " --students " + students + " --as-of 2019-10-10 > " + out), 0);
  std::ifstream in(out);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("3 of 6 children change"), std::string::npos) << text;
  EXPECT_EQ(code(cli + " diff guizhou " + three + " --students " + students + " 2>/dev/null"), 2);
  EXPECT_EQ(code(cli + " diff guizhou " + (dir_ / "nope.yaml").string() + " 2>/dev/null"), 1);
}

}  // namespace
