// kcbx diff on known packs: the Guizhou pack against the example province
// built on it (parameters with their dates, a row added at its position, a
// role, a line, deadlines), and the status changes a students file sees when
// suspected dropout starts after 3 days instead of 7.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
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

// A deadline's change is located, in each pack, where it was made: the
// stage's due_from, or the parameter's value.
TEST(Diff, ADeadlineChangeIsLocatedWhereItWasMade) {
  const std::string a = "meta: {name: d, extends: guizhou}\n";
  const std::string b = "meta: {name: d, extends: guizhou}\nworkflow:\n  stages:\n"
                        "    - {id: school_report, override: true, due_from: case_opened}\n"
                        "parameters:\n  home_visit_within: {override: true, values: [{value: 5 days}]}\n";
  const kcbx::PackDiff d = kcbx::diff_packs(kcbx::parse_rules(a, "a.yaml"), kcbx::parse_rules(b, "b.yaml"));
  const auto* from = find(d, "deadline", "school_report");
  ASSERT_NE(from, nullptr);
  EXPECT_EQ(from->where_b.format(), "b.yaml:4:53");  // case_opened
  EXPECT_NE(from->where_a.file.find("guizhou"), std::string::npos);
  const auto* value = find(d, "deadline", "home_visits");
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(value->where_b.line, 6);
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

// A stage overridden key by key is the extension's now: diff points at the
// extension's line.
TEST(Diff, AStageOverrideIsPlacedAtTheExtensionsLine) {
  const std::string ext = "meta: {name: x, extends: guizhou}\n"
                          "workflow:\n"
                          "  stages:\n"
                          "    - {id: school_report, override: true, role: teacher}\n";
  const kcbx::PackDiff d = kcbx::diff_packs(kcbx::default_rules(), kcbx::parse_rules(ext, "x.yaml"));
  const auto* changed = find(d, "stage", "school_report");
  ASSERT_NE(changed, nullptr) << kcbx::format_diff(d);
  EXPECT_EQ(changed->after, "role: teacher");
  EXPECT_EQ(changed->where_b.format(), "x.yaml:4:12");
  // An event type the extension adds: at the extension's workflow too.
  const std::string events = "meta: {name: x, extends: guizhou}\n"
                             "workflow:\n"
                             "  events: {phone_call: 电话联系}\n";
  const kcbx::PackDiff e = kcbx::diff_packs(kcbx::default_rules(), kcbx::parse_rules(events, "x.yaml"));
  const auto* added = find(e, "workflow", "workflow");
  ASSERT_NE(added, nullptr) << kcbx::format_diff(e);
  EXPECT_EQ(added->where_b.file, "x.yaml") << kcbx::format_diff(e);
}

// `text` with the one occurrence of `from` replaced by `to`.
std::string edit(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at == std::string::npos) return text;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

// The 1-based line of `needle` in `text`.
int line_of(const std::string& text, const std::string& needle) {
  const size_t at = text.find(needle);
  EXPECT_NE(at, std::string::npos) << needle;
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
}

// Ledgers and calendar entries decide no status, yet they are what a
// province reports: two packs that keep different ledgers or report to
// different offices are not the same rules.
TEST(Diff, LedgersAndCalendarEntries) {
  const kcbx::RulePack a = kcbx::default_rules();
  std::string t = a.source();
  t = edit(t, "  include: counted_out\n", "  include: counted_out and in_scope\n");
  t = edit(t, "  levels: [village, township, county, prefecture]\n", "  levels: [village, township, county]\n");
  t = edit(t, "    - {name: name, alias: 姓名}\n", "    - {name: name, alias: 学生姓名}\n");
  t = edit(t, "    - {name: address, alias: 家庭住址}\n", "    - {name: birth_date, alias: 家庭住址}\n");
  t = edit(t, "    - {name: aid, alias: 辍学前享受资助情况}\n", "    - {name: stage, alias: 阶段, case: true}\n");
  t = edit(t, "    poor: {alias: 建档立卡贫困户学生失学辍学专门台账,", "    poor: {alias: 贫困户学生辍学专门台账,");
  t = edit(t, "    orphan: {alias: 孤儿, when: orphan and counted_out}\n", "");
  t = edit(t, "when: left_behind and counted_out}\n",
           "when: left_behind}\n    poor_left_behind: {alias: 贫困留守, when: poor and left_behind}\n");
  t = edit(t, "recipient: 县级人民政府和教育行政部门,", "recipient: 县级人民政府,");
  t = edit(t, "alias: 市州月中报,", "alias: 市州月中报告,");
  const kcbx::RulePack b = kcbx::parse_rules(t, "b.yaml");
  const kcbx::PackDiff d = kcbx::diff_packs(a, b);
  const std::string text = listing(d);
  EXPECT_EQ(text.find("the packs make the same rules"), std::string::npos) << text;

  const auto* ledgers = find(d, "ledgers", "ledgers");
  ASSERT_NE(ledgers, nullptr) << text;
  EXPECT_EQ(ledgers->before, "include: counted_out; levels: [village, township, county, prefecture]");
  EXPECT_EQ(ledgers->after, "include: counted_out and in_scope; levels: [village, township, county]");

  const auto* aliased = find(d, "ledger column", "name");
  ASSERT_NE(aliased, nullptr) << text;
  EXPECT_EQ(aliased->change, "changed");
  EXPECT_EQ(aliased->before, "alias: 姓名");
  EXPECT_EQ(aliased->after, "alias: 学生姓名");
  const auto* renamed_from = find(d, "ledger column", "address");
  ASSERT_NE(renamed_from, nullptr) << text;
  EXPECT_EQ(renamed_from->change, "removed");
  const auto* renamed_to = find(d, "ledger column", "birth_date");
  ASSERT_NE(renamed_to, nullptr) << text;
  EXPECT_EQ(renamed_to->change, "added");
  EXPECT_EQ(renamed_to->after, "position 10 of 12, after guardian");
  EXPECT_EQ(renamed_to->where_b.line, line_of(t, "{name: birth_date, alias: 家庭住址}"));
  const auto* dropped = find(d, "ledger column", "aid");
  ASSERT_NE(dropped, nullptr) << text;
  EXPECT_EQ(dropped->change, "removed");
  const auto* added = find(d, "ledger column", "stage");
  ASSERT_NE(added, nullptr) << text;
  EXPECT_EQ(added->change, "added");

  const auto* special = find(d, "special ledger", "poor");
  ASSERT_NE(special, nullptr) << text;
  EXPECT_EQ(special->before, "alias: 建档立卡贫困户学生失学辍学专门台账");
  EXPECT_EQ(special->after, "alias: 贫困户学生辍学专门台账");
  const auto* orphan = find(d, "key group", "orphan");
  ASSERT_NE(orphan, nullptr) << text;
  EXPECT_EQ(orphan->change, "removed");
  const auto* left = find(d, "key group", "left_behind");
  ASSERT_NE(left, nullptr) << text;
  EXPECT_EQ(left->before, "when: left_behind and counted_out");
  EXPECT_EQ(left->after, "when: left_behind");
  const auto* poor_left = find(d, "key group", "poor_left_behind");
  ASSERT_NE(poor_left, nullptr) << text;
  EXPECT_EQ(poor_left->change, "added");
  EXPECT_EQ(poor_left->where_b.line, line_of(t, "poor_left_behind:"));

  const auto* recipient = find(d, "calendar", "township_half_month");
  ASSERT_NE(recipient, nullptr) << text;
  EXPECT_EQ(recipient->before, "recipient: 县级人民政府和教育行政部门");
  EXPECT_EQ(recipient->after, "recipient: 县级人民政府");
  const auto* alias = find(d, "calendar", "prefecture_mid_month");
  ASSERT_NE(alias, nullptr) << text;
  EXPECT_EQ(alias->before, "alias: 市州月中报");

  EXPECT_NE(text.find("key groups:\n  - orphan\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  + poor_left_behind\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ledger columns:\n  ~ name: alias: 姓名  ->  alias: 学生姓名\n"), std::string::npos) << text;
  EXPECT_EQ(d.changes.size(), 12u) << text;
}

// The probe's case: an extension whose only change is a key group (it
// must restate the whole ledgers section to change a part of it).
TEST(Diff, AnExtensionThatAddsAKeyGroup) {
  const std::string g = kcbx::default_rules().source();
  const size_t from = g.find("\nledgers:\n") + 1;
  const size_t to = g.find("\n\n", from);
  const std::string ext = "meta: {name: guizhou, version: 1.0.0, jurisdiction: \"520000\", extends: guizhou}\n" +
                          edit(g.substr(from, to - from), "ledgers:\n", "ledgers:\n  override: true\n") +
                          "\n    migrant: {alias: 随迁子女, when: no_hukou and left_behind}\n";
  const kcbx::PackDiff d = kcbx::diff_packs(kcbx::default_rules(), kcbx::parse_rules(ext, "ext.yaml"));
  const std::string text = listing(d);
  ASSERT_EQ(d.changes.size(), 1u) << text;
  EXPECT_EQ(d.changes[0].section, "key group");
  EXPECT_EQ(d.changes[0].change, "added");
  EXPECT_EQ(d.changes[0].name, "migrant");
  EXPECT_EQ(d.changes[0].where_b.format(), "ext.yaml:" + std::to_string(line_of(ext, "migrant:")) + ":5");
  EXPECT_NE(text.find("key groups:\n  + migrant\n      (B ext.yaml:"), std::string::npos) << text;
}

// The rest of what a pack says besides its rows and parameters: outputs,
// duties, roles read from the record, event dates and event labels, stage,
// level, indicator and list aliases, the transfer's clauses, and sections
// one pack lacks.
TEST(Diff, EverythingElseAPackSays) {
  const kcbx::RulePack a = kcbx::default_rules();
  std::string t = a.source();
  t = edit(t, "outputs: [age, suspected_since, dropout_since]", "outputs: [age, suspected_since]");
  t = edit(t, "      - {text: 参与学校开展的劝返复学工作, clause: R2}", "      - {text: 参与学校开展的劝返复学工作, clause: S2.1}");
  t = edit(t, "    returned_on: returned\n", "    returned_on: [returned, home_visit]\n");
  t = edit(t, "    home_visit: 家访\n", "    home_visit: 入户家访\n");
  t = edit(t, "      alias: 学校上报\n", "      alias: 学校报告\n");
  t = edit(t, "  county:    {alias: 县,", "  county:    {alias: 县(区),");
  t = edit(t, "    alias: 九年义务教育巩固率\n", "    alias: 义务教育巩固率\n");
  t = edit(t, "problems: {alias: 问题清单,", "problems: {alias: 问题台账,");
  t = edit(t, "  notify_clause: S1.4\n", "  notify_clause: S1.5\n");
  const kcbx::PackDiff d = kcbx::diff_packs(a, kcbx::parse_rules(t, "b.yaml"));
  const std::string text = listing(d);
  auto expect = [&](const char* section, const char* name, const std::string& after) {
    const auto* c = find(d, section, name);
    ASSERT_NE(c, nullptr) << section << " " << name << "\n" << text;
    EXPECT_NE(c->after.find(after), std::string::npos) << c->after;
  };
  ASSERT_NE(find(d, "output", "dropout_since"), nullptr) << text;
  EXPECT_EQ(find(d, "output", "dropout_since")->change, "removed");
  expect("role", "teacher", "2: 参与学校开展的劝返复学工作 (S2.1)");
  expect("event date", "returned_on", "events: [returned, home_visit]");
  expect("workflow", "workflow", "event labels: home_visit: 入户家访");
  expect("stage", "school_report", "alias: 学校报告");
  expect("level", "county", "alias: 县(区)");
  expect("indicator", "consolidation_rate", "alias: 义务教育巩固率");
  expect("list", "problems", "alias: 问题台账");
  expect("transfer", "transfer", "notify_clause: S1.5");
  EXPECT_EQ(d.changes.size(), 9u) << text;

  // A section one pack lacks is added or removed whole.
  std::string none = a.source();
  none = none.substr(0, none.find("\nledgers:\n") + 1) + none.substr(none.find("\n# Targets"));
  const kcbx::PackDiff gone = kcbx::diff_packs(a, kcbx::parse_rules(none, "none.yaml"));
  const auto* removed = find(gone, "ledgers", "ledgers");
  ASSERT_NE(removed, nullptr) << listing(gone);
  EXPECT_EQ(removed->change, "removed");
  EXPECT_EQ(find(gone, "key group", "orphan"), nullptr) << listing(gone);
  EXPECT_NE(listing(gone).find("ledgers:\n  - ledgers\n"), std::string::npos) << listing(gone);
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
  EXPECT_EQ(s.status_changed, 3);
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
  EXPECT_NE(text.find("status on 2019-10-10: 3 of 6 children change status\n"), std::string::npos) << text;
  EXPECT_NE(text.find("in_school (attending)"), std::string::npos) << text;
  EXPECT_NE(text.find("suspected_dropout (absent_over_week)         2  S2, S3\n"), std::string::npos) << text;
  const auto* p = find(d, "parameter", "suspected_after");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->after, "7 days, from 2000-01-01: 3 days");
}

// DESIGN: ID numbers are masked in every output, and no bad row is
// dropped unseen. A key holding an ID number ("G" + the number) is shown
// masked among the examples, and each pack's rejects are counted.
// A child decided by another row of the same status is listed among the
// shifts but not counted as a change of status.
TEST_F(DiffStudents, ARowOnlyChangeIsNotAChangeOfStatus) {
  std::ofstream(dir_ / "renamed.yaml")
      << "meta: {name: renamed, extends: guizhou}\n"
         "tables:\n"
         "  status:\n"
         "    rows:\n"
         "      - {id: completed, remove: true}\n"
         "      - {id: finished, when: registry = completed, then: completed, clause: D2, before: under_age}\n";
  const kcbx::RulePack a = kcbx::default_rules();
  const kcbx::RulePack b = kcbx::load_rules((dir_ / "renamed.yaml").string());
  const kcbx::StudentsDiff s =
      kcbx::diff_students(a, b, (dir_ / "students.csv").string(), *kcbx::Date::parse("2019-10-10"));
  EXPECT_EQ(s.changed, 1);
  EXPECT_EQ(s.status_changed, 0);
  const std::string text = kcbx::format_diff(kcbx::diff_packs(a, b), &s);
  EXPECT_NE(text.find("status on 2019-10-10: 0 of 6 children change status; 1 more keep it, decided by another row\n"),
            std::string::npos)
      << text;
}

TEST_F(DiffStudents, ExamplesAreMaskedAndRejectsCounted) {
  const std::string raw = "G520102201003151236";
  std::ofstream(dir_ / "pii.csv") << "student_id,registry,birth_date,last_attended\n"
                                  << raw << ",enrolled,2010-03-15,2019-10-05\n"
                                  << "S7,bogus,2010-03-01,2019-10-05\n";
  const kcbx::RulePack a = kcbx::default_rules();
  const kcbx::RulePack b = kcbx::load_rules((dir_ / "three.yaml").string());
  const std::string path = (dir_ / "pii.csv").string();
  const kcbx::Date as_of = *kcbx::Date::parse("2019-10-10");
  const kcbx::StudentsDiff s = kcbx::diff_students(a, b, path, as_of);
  EXPECT_EQ(s.records, 2);
  EXPECT_EQ(s.rejected_a, 1);
  EXPECT_EQ(s.rejected_b, 1);
  ASSERT_EQ(s.shifts.size(), 1u);
  EXPECT_EQ(s.shifts[0].examples, (std::vector<std::string>{"G520102********1236"}));
  const std::string text = kcbx::format_diff(kcbx::diff_packs(a, b), &s);
  EXPECT_EQ(text.find(raw.substr(1)), std::string::npos) << text;
  EXPECT_NE(text.find("A: read 2 = accepted 1 + rejected 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("B: read 2 = accepted 1 + rejected 1\n"), std::string::npos) << text;
  // Asked for (the command's --no-mask), the key in full.
  EXPECT_EQ(kcbx::diff_students(a, b, path, as_of, "utf-8", false).shifts[0].examples,
            (std::vector<std::string>{raw}));
}

// A file one of the packs cannot read is refused naming that pack.
TEST_F(DiffStudents, AFileOnePackCannotReadNamesThePack) {
  std::ofstream(dir_ / "extra.yaml") << "meta: {name: extra, extends: guizhou}\n"
                                        "fields:\n"
                                        "  household: {type: string, required: true, alias: 户号}\n";
  const kcbx::RulePack a = kcbx::default_rules();
  const kcbx::RulePack b = kcbx::load_rules((dir_ / "extra.yaml").string());
  try {
    (void)kcbx::diff_students(a, b, (dir_ / "students.csv").string(), *kcbx::Date::parse("2019-10-10"));
    FAIL() << "pack B needs a column the file lacks";
  } catch (const kcbx::Error& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].message,
              "pack B (" + b.id() + "): required field 'household' (户号) has no column");
  }
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
  EXPECT_NE(text.find("3 of 6 children change status"), std::string::npos) << text;
  // From standard input: read once, for both packs.
  EXPECT_EQ(code(cli + " diff guizhou " + three + " --students - --as-of 2019-10-10 < " + students + " > " + out), 0);
  std::ifstream piped(out);
  const std::string from_stdin((std::istreambuf_iterator<char>(piped)), std::istreambuf_iterator<char>());
  EXPECT_EQ(from_stdin, text);
  EXPECT_EQ(code(cli + " diff guizhou " + three + " --students " + students + " 2>/dev/null"), 2);
  EXPECT_EQ(code(cli + " diff guizhou " + (dir_ / "nope.yaml").string() + " 2>/dev/null"), 1);
}

}  // namespace
