// The YAML rule-test runner (kcbx test): the shipped test files pass and
// leave no coverage gap (this is how rules/guizhou.tests.yaml runs in CI);
// a failing test is reported at the test's line with expected and actual and
// fails the command; a test that expects nothing is an error; expect_error
// on records and packs; the effective-date sweep; overlapping rows of unique
// tables; messages in Chinese.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "kcbx/kcbx.h"
#include "kcbx/rule_tests.h"
#include "pack/messages.h"

namespace {

std::string test_file(const std::string& body) {
  return "pack: " KCBX_SOURCE_DIR "/rules/guizhou.yaml\nas_of: 2019-10-10\ntests:\n" + body;
}

kcbx::RuleTestReport run(const std::string& yaml, const std::string& file = "t.tests.yaml") {
  return kcbx::run_rule_tests(yaml, file);
}

std::string all(const kcbx::RuleTestReport& r) {
  std::string s = r.format(true);
  for (const auto& d : r.diagnostics) s += d.format() + "\n";
  return s;
}

std::string all_diags(const std::vector<kcbx::Diagnostic>& ds) {
  std::string s;
  for (const auto& d : ds) s += d.format() + "\n";
  return s;
}

const kcbx::Diagnostic* find_code(const kcbx::RuleTestReport& r, const std::string& code) {
  for (const auto& d : r.diagnostics)
    if (d.code == code) return &d;
  return nullptr;
}

// ---- The shipped tests (CI) ----------------------------------------------------

TEST(RuleTests, GuizhouTestsPassAndCoverEveryRowStageAndDeadline) {
  const kcbx::RuleTestReport r = kcbx::run_rule_tests({KCBX_SOURCE_DIR "/rules/guizhou.tests.yaml"});
  EXPECT_TRUE(r.ok()) << all(r);
  EXPECT_GT(r.tests.size(), 20u);
  EXPECT_EQ(r.failed(), 0u) << all(r);
  ASSERT_EQ(r.packs.size(), 1u);
  EXPECT_TRUE(r.uncovered.empty()) << all(r);
  // The sweep lists the deadlines Guizhou leaves unset on purpose.
  const kcbx::Diagnostic* unset = find_code(r, "parameter-unset");
  ASSERT_NE(unset, nullptr);
  EXPECT_EQ(unset->severity, kcbx::Severity::kNote);
  EXPECT_NE(unset->message.find("home_visit_within"), std::string::npos);
  EXPECT_EQ(find_code(r, "parameter-gap"), nullptr) << all(r);
}

TEST(RuleTests, NeighbourExampleTestsPass) {
  const kcbx::RuleTestReport r =
      kcbx::run_rule_tests({KCBX_SOURCE_DIR "/examples/provinces/neighbour.tests.yaml"});
  EXPECT_TRUE(r.ok()) << all(r);
  EXPECT_EQ(r.failed(), 0u) << all(r);
  // Rows and stages it inherits untested are listed, not hidden.
  EXPECT_FALSE(r.uncovered.empty());
}

TEST(RuleTests, FoldersRunEveryTestsFile) {
  const kcbx::RuleTestReport r = kcbx::run_rule_tests({KCBX_SOURCE_DIR "/examples/provinces"});
  EXPECT_EQ(r.files, 1u);
  EXPECT_TRUE(r.ok()) << all(r);
}

// ---- Failures -------------------------------------------------------------------

TEST(RuleTests, AFailingTestNamesItsLineExpectedAndActual) {
  const auto r = run(test_file(R"(  - name: passes
    records:
      - {student_id: A, registry: enrolled, birth_date: 2010-03-01}
    expect: {status: in_school}
  - name: week not month
    records:
      - {student_id: B, registry: enrolled, birth_date: 2010-03-01, last_attended: 2019-10-01}
    expect: {status: dropout, rule: absent_over_week}
)"));
  ASSERT_EQ(r.tests.size(), 2u);
  EXPECT_TRUE(r.tests[0].passed());
  EXPECT_FALSE(r.tests[1].passed());
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.failed(), 1u);
  const std::string out = r.format();
  EXPECT_NE(out.find("t.tests.yaml:8: FAIL week not month: B: expected status=dropout, got suspected_dropout\n"),
            std::string::npos)
      << out;
  // Only what differs is reported; the context shows the rows tried.
  EXPECT_EQ(out.find("rule="), std::string::npos) << out;
  EXPECT_NE(out.find("status/absent_over_week=true"), std::string::npos) << out;
  EXPECT_NE(out.find("1 failed"), std::string::npos);
}

// A test copied from real data holds real ID numbers: a failure shows
// them masked, in the record's key, the value got and the context, as
// every other output (DESIGN: masked unless --no-mask).
TEST(RuleTests, AFailureShowsIdNumbersMasked) {
  const std::string id = "520102201003151236";
  const auto r = run(test_file("  - name: leak\n"
                               "    records:\n"
                               "      - {student_id: G" + id + ", id_number: '" + id + "', name: '" + id +
                               "', registry: enrolled, birth_date: 2010-03-15}\n"
                               "    expect: {status: dropout, id_number: x, name: y}\n"));
  ASSERT_EQ(r.tests.size(), 1u);
  ASSERT_FALSE(r.tests[0].passed());
  const std::string out = r.format();
  EXPECT_EQ(out.find(id), std::string::npos) << out;
  EXPECT_NE(out.find("G520102********1236: expected status=dropout"), std::string::npos) << out;
  EXPECT_NE(out.find("got 520102********1236"), std::string::npos) << out;
}

// A records file that is empty, or a folder, fails its test with the
// reader's reason: no expectation passes on no record at all.
TEST(RuleTests, AnEmptyOrFolderRecordsFileFailsTheTest) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("kcbx_rt_records_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "folder");
  { std::ofstream(dir / "empty.csv"); }
  auto with_records = [&](const std::string& path) {
    return run(test_file("  - name: t\n    records: " + path +
                         "\n    expect: {student_id: GNOPE, status: dropout}\n"));
  };
  const auto empty = with_records((dir / "empty.csv").string());
  ASSERT_EQ(empty.tests.size(), 1u);
  EXPECT_FALSE(empty.tests[0].passed()) << all(empty);
  EXPECT_NE(all(empty).find("the file is empty"), std::string::npos) << all(empty);
  const auto folder = with_records((dir / "folder").string());
  ASSERT_EQ(folder.tests.size(), 1u);
  EXPECT_FALSE(folder.tests[0].passed());
  EXPECT_NE(all(folder).find("it is a folder, not a file"), std::string::npos) << all(folder);
  std::filesystem::remove_all(dir);
}

// A deadline in school days (工作日, SPEC S2.2's [param] days): an int
// parameter with `unit: school days`, counted on the pack's school
// calendar, holidays and make-up days included; its value is the one in
// force when the duty arose, as a duration's. Other int parameters are
// refused as deadlines, with the fix.
TEST(RuleTests, ADeadlineInSchoolDaysCountsTheSchoolCalendar) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("kcbx_rt_school_days_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "sd.yaml") <<
      "meta: {name: sd, extends: guizhou}\n"
      "parameters:\n"
      "  report_within_school_days: {type: int, unit: school days, clause: S2.2, value: 3, description: 3个工作日}\n"
      "school_calendar:\n"
      "  holidays: [2019-09-13, 2019-10-01..2019-10-07]\n"
      "  make_up_days: [2019-09-29, 2019-10-12]\n"
      "workflow:\n"
      "  stages:\n"
      "    - {id: school_report, override: true, due_after: report_within_school_days}\n";
  std::ofstream(dir / "sd.tests.yaml") <<
      "pack: sd.yaml\n"
      "tests:\n"
      "  - name: three school days after the second visit on Thursday 12 September, Friday 13th a holiday\n"
      "    as_of: 2019-09-20\n"
      "    records:\n"
      "      - {student_id: C2, registry: enrolled, birth_date: 2010-01-01, last_attended: 2019-09-01}\n"
      "    events:\n"
      "      - {student_id: C2, date: 2019-09-10, type: home_visit, person: 张老师}\n"
      "      - {student_id: C2, date: 2019-09-12, type: home_visit, person: 张老师}\n"
      "    expect:\n"
      "      student_id: C2\n"
      "      case: {stage: school_report, due: 2019-09-18, days_overdue: 2}\n"
      "  - name: across National Day, a make-up Sunday counts\n"
      "    as_of: 2019-10-20\n"
      "    records:\n"
      "      - {student_id: C3, registry: enrolled, birth_date: 2010-01-01, last_attended: 2019-09-16}\n"
      "    events:\n"
      "      - {student_id: C3, date: 2019-09-26, type: home_visit}\n"
      "      - {student_id: C3, date: 2019-09-27, type: home_visit}\n"
      "    expect:\n"
      "      student_id: C3\n"
      "      case: {stage: school_report, due: 2019-10-08, days_overdue: 12}\n";
  const kcbx::RuleTestReport r = kcbx::run_rule_tests({(dir / "sd.tests.yaml").string()});
  EXPECT_TRUE(r.ok()) << all(r);
  EXPECT_EQ(r.tests.size(), 2u);
  const auto ds = kcbx::check_rules("meta: {name: x, extends: guizhou}\n"
                                    "parameters:\n  days3: {type: int, clause: S2.2, value: 3}\n"
                                    "workflow:\n  stages:\n    - {id: school_report, override: true, due_after: days3}\n",
                                    "x.yaml");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].format(), "x.yaml:6:54: error: 'due_after' names int parameter 'days3': a deadline in school days "
                            "needs 'unit: school days' on it (counted on the school_calendar); else name a duration "
                            "parameter [wrong-type]");
  EXPECT_EQ(kcbx::detail::localized_message(ds[0], "zh").rfind("'due_after' 引用的是 int 参数 'days3'", 0), 0u);
  // Warned of: a negative count, and a duration that says school days.
  const auto warned = kcbx::check_rules("meta: {name: x, extends: guizhou}\n"
                                        "parameters:\n  back: {type: int, unit: school days, clause: S2.2, value: -3}\n"
                                        "  cal: {type: duration, unit: school days, clause: S2.2, value: 3 days}\n"
                                        "workflow:\n  stages:\n    - {id: school_report, override: true, due_after: back}\n"
                                        "    - {id: home_visits, override: true, due_after: cal}\n",
                                        "x.yaml");
  std::vector<std::string> codes;
  for (const auto& d : warned) codes.push_back(d.code);
  EXPECT_EQ(codes, (std::vector<std::string>{"negative-duration", "school-days-duration"})) << all_diags(warned);
  std::filesystem::remove_all(dir);
}

TEST(RuleTests, AFileWithoutTestsIsAnError) {
  const auto r = run("pack: guizhou\nas_of: 2019-10-10\ntests: []\n");
  EXPECT_FALSE(r.ok());
  const kcbx::Diagnostic* d = find_code(r, "no-tests");
  ASSERT_NE(d, nullptr) << all(r);
  EXPECT_EQ(d->where.format(), "t.tests.yaml:3:8");
}

TEST(RuleTests, ATestWithoutExpectationIsAnError) {
  const auto r = run(test_file(R"(  - name: forgot
    records:
      - {student_id: A, registry: enrolled, birth_date: 2010-03-01}
)"));
  const kcbx::Diagnostic* d = find_code(r, "no-expectation");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->where.format(), "t.tests.yaml:4:5");
  EXPECT_NE(d->message.find("would always pass"), std::string::npos);
  EXPECT_FALSE(r.ok());
  // Counted, and never as passed.
  ASSERT_EQ(r.tests.size(), 1u);
  EXPECT_FALSE(r.tests[0].passed());
  EXPECT_EQ(r.passed(), 0u);
}

// An expectation that cannot say which record it is about is an error in
// the test, and the test is counted as failed, never as passed.
TEST(RuleTests, ATestThatCannotSayWhichRecordFails) {
  const auto r = run(test_file(R"(  - name: which
    records:
      - {student_id: B7, registry: enrolled, birth_date: 2010-03-01}
      - {student_id: B8, registry: left, birth_date: 2010-03-01}
    expect: {status: in_school}
  - name: both
    records:
      - {student_id: B7, registry: enrolled, birth_date: 2010-03-01}
      - {student_id: B8, registry: left, birth_date: 2010-03-01}
    expect: {record: 1, student_id: B8, status: in_school}
)"));
  ASSERT_NE(find_code(r, "missing-key"), nullptr) << all(r);
  const kcbx::Diagnostic* both = find_code(r, "conflicting-keys");
  ASSERT_NE(both, nullptr) << all(r);
  EXPECT_EQ(both->where.format(), "t.tests.yaml:13:22");
  ASSERT_EQ(r.tests.size(), 2u);
  EXPECT_EQ(r.passed(), 0u);
  EXPECT_NE(r.format().find("2 tests, 0 passed, 2 failed"), std::string::npos) << r.format();
  // A second test reusing the wrong expectation (a YAML alias) fails too,
  // though its error is the same place, reported once.
  const auto reused = run(test_file(R"(  - name: first
    records:
      - {student_id: B7, registry: enrolled, birth_date: 2010-03-01}
      - {student_id: B8, registry: left, birth_date: 2010-03-01}
    expect: &e {record: 1, student_id: B8, status: in_school}
  - name: second
    records:
      - {student_id: B7, registry: enrolled, birth_date: 2010-03-01}
      - {student_id: B8, registry: left, birth_date: 2010-03-01}
    expect: *e
)"));
  ASSERT_EQ(reused.tests.size(), 2u);
  EXPECT_EQ(reused.passed(), 0u) << reused.format();
}

TEST(RuleTests, UnknownNamesGetSuggestions) {
  const auto r = run(test_file(R"(  - name: typos
    records:
      - {student_id: A, registy: enrolled, registry: enrolled, birth_date: 2010-03-01}
    expect: {stauts: in_school, case: {stag: x}}
    indicatrs: {}
)"));
  std::string messages;
  for (const auto& d : r.diagnostics) messages += d.format() + "\n";
  EXPECT_NE(messages.find("'registy' is not a column of records; did you mean 'registry'?"), std::string::npos)
      << messages;
  EXPECT_NE(messages.find("'stauts' is no table, derived value or field of the pack; did you mean 'status'?"),
            std::string::npos)
      << messages;
  EXPECT_NE(messages.find("unknown key 'stag' in case expectation; did you mean 'stage'?"), std::string::npos)
      << messages;
  EXPECT_NE(messages.find("unknown key 'indicatrs' in test; did you mean 'indicators'?"), std::string::npos)
      << messages;
  EXPECT_FALSE(r.ok());
}

// A test written for another pack: its column, table and stage names are
// answered with this pack's, and a test that expects a case the record
// does not open says so plainly; yes/no values read true/false.
TEST(RuleTests, NamesFromAnotherPackAreAnsweredWithThisPacksOwn) {
  const auto r = run(test_file(R"(  - name: keyed by another name
    records: [{student_id: A, registry: enrolled, birth_date: 2010-03-01, last_attended: 2019-09-01}]
    events:
      - {xuehao: A, date: 2019-09-12, type: home_visit}
    expect: {case: {stage: home_visits}}
  - name: misspelt stage
    records: [{student_id: C, registry: enrolled, birth_date: 2010-03-01, last_attended: 2019-09-01}]
    expect: {case: {stage: visit}}
  - name: in school
    records: [{student_id: B, registry: enrolled, birth_date: 2010-03-01, last_attended: 2019-10-08}]
    expect: {status: dropout, case: {stage: home_visits}}
)"));
  std::string messages;
  for (const auto& d : r.diagnostics) messages += d.format() + "\n";
  EXPECT_NE(messages.find("'xuehao' is not a column of events (its columns: student_id, date, type, person, note)"),
            std::string::npos)
      << messages;
  EXPECT_NE(messages.find("'visit' is no stage of the workflow"), std::string::npos) << messages;
  const std::string out = r.format();
  EXPECT_NE(out.find("the test itself is wrong: 'visit' is no stage"), std::string::npos) << out;
  EXPECT_NE(out.find("B: no case found\n"), std::string::npos) << out;
  EXPECT_NE(out.find("absent_too_long=false"), std::string::npos) << out;
  EXPECT_EQ(out.find("absent_too_long=0"), std::string::npos) << out;
  EXPECT_FALSE(r.ok());
}

// A test that cannot show what it says is an error and a failure, never
// a pass: a bad as_of (it ran on the file's date instead), a cell no field
// reads (the record was read without it), an expected value the pack does
// not have.
TEST(RuleTests, ATestThatCannotShowWhatItSaysFails) {
  const auto r = run(test_file(R"(  - name: bad date
    as_of: 2019-10-1
    records: [{student_id: A, registry: enrolled, birth_date: 2010-03-01, last_attended: 2019-10-08}]
    expect: {status: in_school}
  - name: misspelt column
    records: [{student_id: B, registry: enrolled, birth_date: 2010-03-01, last_attened: 2019-09-01}]
    expect: {status: in_school}
  - name: no such value
    records: [{student_id: C, registry: enrolled, birth_date: 2010-03-01, last_attended: 2019-09-01}]
    expect: {status: suspected}
  - name: no such aid
    records: [{student_id: D, registry: enrolled, birth_date: 2010-03-01, last_attended: 2019-10-08}]
    expect: {eligible_aid: [two_free, nutrtion]}
  - name: no such name
    records: [{student_id: E, registry: enrolled, birth_date: 2010-03-01, last_attended: 2019-09-01}]
    expect: {dropout_date: 2019-10-10}
  - name: no such case key
    records: [{student_id: F, registry: enrolled, birth_date: 2010-03-01, last_attended: 2019-09-01}]
    expect: {case: {due_date: 2019-10-10}}
  - name: no such indicator
    records: [{student_id: G, registry: enrolled, birth_date: 2010-03-01, last_attended: 2019-09-01}]
    indicators: {consolidaton_rate: 0.5}
  - name: an expected date not written YYYY-MM-DD
    records: [{student_id: H, registry: enrolled, birth_date: 2010-03-01, last_attended: 2019-09-01}]
    expect: {suspected_since: 2019-9-9}
  - name: a case's date not written YYYY-MM-DD
    records: [{student_id: I, registry: enrolled, birth_date: 2010-03-01, last_attended: 2019-09-01}]
    expect: {case: {opened: 2019/09/09}}
)"));
  EXPECT_EQ(r.tests.size(), 9u);
  EXPECT_EQ(r.passed(), 0u) << all(r);
  EXPECT_FALSE(r.ok());
  for (const auto& t : r.tests) {
    ASSERT_FALSE(t.failures.empty()) << t.name;
    EXPECT_EQ(t.failures.front().kind, "test-error") << t.name << "\n" << all(r);
  }
  ASSERT_NE(find_code(r, "bad-date"), nullptr);
  ASSERT_NE(find_code(r, "unknown-column"), nullptr);
  const auto* value = find_code(r, "unknown-value");
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(value->message, "'suspected' is not a value of status; did you mean 'suspected_dropout'?") << all(r);
  EXPECT_NE(all(r).find("FAIL no such aid: D: the test itself is wrong: 'nutrtion' is not a value of eligible_aid; "
                        "did you mean 'nutrition'?"),
            std::string::npos)
      << all(r);
  EXPECT_NE(all(r).find("H: the test itself is wrong: '2019-9-9' is not a date; write YYYY-MM-DD"), std::string::npos)
      << all(r);
  EXPECT_NE(all(r).find("I: the test itself is wrong: '2019/09/09' is not a date; write YYYY-MM-DD"), std::string::npos)
      << all(r);
}

TEST(RuleTests, RecordsRefusedWithAMessage) {
  const auto r = run(test_file(R"(  - name: refused
    records:
      - {student_id: A, registry: enrolled, birth_date: 2020-01-01}
      - {student_id: B, registry: enroled, birth_date: 2010-03-01}
    expect:
      - {student_id: A, expect_error: after the evaluation date}
      - {record: 2, expect_error: is not a value of registry}
  - name: wrong message
    records:
      - {student_id: A, registry: enrolled, birth_date: 2020-01-01}
    expect: {expect_error: over 120 years}
  - name: accepted after all
    records:
      - {student_id: A, registry: enrolled, birth_date: 2010-03-01}
    expect: {expect_error: over 120 years}
  - name: an unexpected rejection fails
    records:
      - {student_id: A, registry: enrolled, birth_date: 2010-03-01}
      - {student_id: B, registry: enrolled, birth_date: 1890-01-01}
    expect: {student_id: A, status: in_school}
)"));
  ASSERT_EQ(r.tests.size(), 4u) << all(r);
  EXPECT_TRUE(r.tests[0].passed()) << all(r);
  ASSERT_EQ(r.tests[1].failures.size(), 1u);
  EXPECT_EQ(r.tests[1].failures[0].actual, "the birth date is after the evaluation date");
  ASSERT_EQ(r.tests[2].failures.size(), 1u);
  EXPECT_EQ(r.tests[2].failures[0].kind, "accepted");
  ASSERT_EQ(r.tests[3].failures.size(), 1u);
  EXPECT_EQ(r.tests[3].failures[0].kind, "rejected");
  EXPECT_EQ(r.tests[3].failures[0].record, "B");
}

TEST(RuleTests, PacksRefusedWithAMessage) {
  const auto r = run(test_file(R"(  - name: refused as expected
    pack_yaml: |
      meta: {name: x, extends: guizhou}
      parameters:
        suspected_after: {type: duration, value: 3 days}
    expect_error: already exists in the base pack
  - name: refused with another message
    pack_yaml: |
      meta: {name: x, extends: guizhou}
      derive:
        y: {expr: agee + 1}
    expect_error: already exists
)"));
  ASSERT_EQ(r.tests.size(), 2u);
  EXPECT_TRUE(r.tests[0].passed()) << all(r);
  ASSERT_EQ(r.tests[1].failures.size(), 1u);
  const std::string got = r.tests[1].failures[0].text();
  EXPECT_NE(got.find("expected an error with 'already exists', got: unknown name 'agee'; did you mean 'age'?"),
            std::string::npos)
      << got;
}

// A deadline is the one in force when the duty arose: the report due 3
// days after the second visit (S2.2) stays due 08-23 for visits made in
// August when 5 days comes into force on 09-01, and a report made 08-24 is
// late whenever the case is looked at; a duty that arises after the change
// gets the new deadline.
TEST(RuleTests, ADeadlineIsTheOneInForceWhenTheDutyArose) {
  const std::string pack = R"(    pack_yaml: |
      meta: {name: later_deadline, extends: guizhou}
      parameters:
        report_within: {override: true, from: 2021-09-01, value: 5 days}
    defaults: {registry: enrolled, birth_date: 2012-03-01}
)";
  const auto r = run(test_file("  - name: before the change\n    as_of: 2021-08-31\n" + pack + R"(    records: [{student_id: D1, last_attended: 2021-08-01}]
    events:
      - {student_id: D1, date: 2021-08-15, type: home_visit}
      - {student_id: D1, date: 2021-08-20, type: home_visit}
    expect: {case: {stage: school_report, due: 2021-08-23, days_overdue: 8}}
  - name: after the change, the duty arose before it
    as_of: 2021-09-10
)" + pack + R"(    records: [{student_id: D1, last_attended: 2021-08-01}]
    events:
      - {student_id: D1, date: 2021-08-15, type: home_visit}
      - {student_id: D1, date: 2021-08-20, type: home_visit}
      - {student_id: D1, date: 2021-08-24, type: school_report}
    expect: {case: {stage: township_persuasion, lapsed: [school_report]}}
  - name: a duty that arose after the change
    as_of: 2021-09-20
)" + pack + R"(    records: [{student_id: D2, last_attended: 2021-08-20}]
    events:
      - {student_id: D2, date: 2021-09-02, type: home_visit}
      - {student_id: D2, date: 2021-09-08, type: home_visit}
    expect: {case: {stage: school_report, due: 2021-09-13, days_overdue: 7}}
)"));
  ASSERT_EQ(r.tests.size(), 3u) << all(r);
  for (const auto& t : r.tests) EXPECT_TRUE(t.passed()) << t.name << "\n" << all(r);
}

// The number of home visits before the school reports (S2.2, [param]) from
// a parameter, its value in force on the day the stage started: 3 visits
// from 2021-09-01, so a case whose visits began in August keeps needing 2.
TEST(RuleTests, AStagesCountFromAParameter) {
  const std::string pack = R"(    pack_yaml: |
      meta: {name: three_visits, extends: guizhou}
      parameters:
        visits_before_report:
          type: int
          clause: S2.2
          values: [{value: 2}, {from: 2021-09-01, value: 3}]
      workflow:
        stages:
          - {id: home_visits, override: true, count: visits_before_report}
    defaults: {registry: enrolled, birth_date: 2012-03-01}
)";
  const auto r = run(test_file("  - name: opened in August, two visits\n    as_of: 2021-09-20\n" + pack + R"(    records: [{student_id: A, last_attended: 2021-08-01}]
    events:
      - {student_id: A, date: 2021-08-15, type: home_visit}
      - {student_id: A, date: 2021-09-05, type: home_visit}
    expect: {case: {stage: school_report}}
  - name: opened in September, three visits
    as_of: 2021-10-20
)" + pack + R"(    records: [{student_id: B, last_attended: 2021-09-01}]
    events:
      - {student_id: B, date: 2021-09-15, type: home_visit}
      - {student_id: B, date: 2021-09-20, type: home_visit}
    expect: {case: {stage: home_visits, next_action: 'home visit with village cadres (家访) (2 of 3 done)'}}
)"));
  ASSERT_EQ(r.tests.size(), 2u) << all(r);
  for (const auto& t : r.tests) EXPECT_TRUE(t.passed()) << t.name << "\n" << all(r);
}

TEST(RuleTests, CasesIndicatorsAndDerivedValues) {
  const auto r = run(test_file(R"(  - name: all kinds
    as_of: 2019-09-20
    records:
      - {student_id: A, registry: enrolled, birth_date: 2010-03-01, last_attended: 2019-09-01}
      - {student_id: B, registry: enrolled, birth_date: 2010-03-01}
    events:
      - {student_id: A, date: 2019-09-10, type: home_visit}
    expect:
      - student_id: A
        absent_days: 19
        suspected_since: 2019-09-09
        case: {stage: home_visits, next_action: home visit with village cadres (家访) (1 of 2 done), due: null}
      - {student_id: B, case: none, attending: true}
    indicators:
      consolidation_rate: {value: 0.5, numerator: 1, denominator: 2}
)"));
  ASSERT_EQ(r.tests.size(), 1u);
  EXPECT_TRUE(r.tests[0].passed()) << all(r);
}

TEST(RuleTests, DefaultsMeetAliasesAndRuleListsAreLists) {
  // A default by a field's name and a record giving the field by its alias
  // are one column; a collect table's rule ids may be a YAML list.
  const auto r = run(test_file(R"(  - name: alias and default
    defaults: {registry: enrolled, birth_date: 2010-03-01}
    records:
      - {学籍号: A, 学籍状态: left}
      - {student_id: B, 出生日期: 2011-03-01, division_code: "520102100001"}
    expect:
      - {student_id: A, status: dropout}
      - student_id: B
        status: in_school
        age: 8
        eligible_aid_rule: [nutrition_rural, two_free_all]
)"));
  ASSERT_EQ(r.tests.size(), 1u) << all(r);
  EXPECT_TRUE(r.tests[0].passed()) << all(r);
}

// ---- The sweep ------------------------------------------------------------------

TEST(RuleTests, SweepFindsDatesWithoutAValue) {
  const kcbx::RulePack p = kcbx::parse_rules(R"(meta: {name: t}
fields:
  student_id: {type: string, required: true, unique: true}
  n: {type: int}
parameters:
  limit:
    type: int
    values:
      - {from: 2020-01-01, value: 5}
      - {from: 2021-01-01, value: 6}
  unused: {type: int, values: [{from: 2019-06-01, value: 1}]}
  open_question: {type: duration}
tables:
  status:
    values: [a, b]
    rows:
      - {id: big, when: n > limit, then: a}
      - {id: small, then: b}
)",
                                             "sweep.yaml");
  const auto ds = kcbx::sweep_parameters(p);
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds[0].code, "parameter-gap");
  EXPECT_EQ(ds[0].severity, kcbx::Severity::kWarning);
  EXPECT_EQ(ds[0].where.format(), "sweep.yaml:9:9");
  // 2019-05-31..2019-06-02 and 2019-12-31: before limit's first value.
  EXPECT_NE(ds[0].message.find("has no value in force on 4 of the swept dates, from 2019-05-31 to 2019-12-31"),
            std::string::npos)
      << ds[0].message;
  EXPECT_EQ(ds[1].code, "parameter-unset");
  EXPECT_EQ(ds[1].severity, kcbx::Severity::kNote);
  EXPECT_NE(ds[1].message.find("open_question"), std::string::npos);
}

// ---- Overlapping unique rows (validation) -------------------------------------

constexpr const char* kUnique = R"(meta: {name: u}
fields:
  student_id: {type: string, required: true, unique: true}
  age: {type: int}
  kind: {type: enum, values: [a, b, c]}
  flag: {type: bool, default: "false"}
parameters:
  adult: {type: int, value: 18}
tables:
  band:
    hit_policy: unique
    values: [child, teen, adult, special]
    rows:
      - {id: child, when: age < 13, then: child}
      - {id: teen, when: age >= 13 and age < adult, then: teen}
      - {id: grown, when: age >= adult, then: adult}
      - {id: special, when: "kind in [b, c] and flag and age > 16", then: special}
)";

TEST(Overlap, UniqueTablesReportOverlapsWithAnExample) {
  const auto ds = kcbx::check_rules(kUnique, "u.yaml");
  std::vector<kcbx::Diagnostic> overlaps;
  for (const auto& d : ds)
    if (d.code == "overlapping-rows") overlaps.push_back(d);
  ASSERT_EQ(overlaps.size(), 2u) << ds.size();
  for (const auto& d : overlaps) EXPECT_EQ(d.severity, kcbx::Severity::kWarning);
  // teen/special overlap at 17, grown/special at 18 and above.
  EXPECT_EQ(overlaps[0].where.format(), "u.yaml:17:9");
  EXPECT_NE(overlaps[0].message.find("rows 'teen' (line 15) and 'special' of unique table 'band' both match a "
                                     "record such as age=17, kind=b, flag=true"),
            std::string::npos)
      << overlaps[0].message;
  EXPECT_NE(overlaps[1].message.find("'grown'"), std::string::npos);
  // The pack still loads: a warning, not an error.
  EXPECT_NO_THROW((void)kcbx::parse_rules(kUnique, "u.yaml"));
}

TEST(Overlap, ExclusiveRowsAreQuiet) {
  std::string text = kUnique;
  text.replace(text.find("age > 16"), 8, "age > 16 and age < 13");
  for (const auto& d : kcbx::check_rules(text, "u.yaml")) EXPECT_NE(d.code, "overlapping-rows") << d.format();
}

TEST(Overlap, GuizhouHasNoUniqueTablesToReport) {
  for (const auto& d : kcbx::check_rules(kcbx::default_rules().source(), "g.yaml"))
    EXPECT_NE(d.severity, kcbx::Severity::kError) << d.format();
}

// ---- Chinese messages -----------------------------------------------------------

TEST(Messages, ChineseKeepsCodeNamesAndSuggestion) {
  kcbx::Diagnostic d{kcbx::Severity::kError, {"p.yaml", 3, 5}, "unknown-name",
                     "unknown name 'agee'; did you mean 'age'?"};
  EXPECT_EQ(kcbx::detail::localized_message(d, "zh"), "未知的名称 'agee'；是否应为 'age'？");
  EXPECT_EQ(kcbx::detail::localized_message(d, "en"), d.message);
  kcbx::Diagnostic e{kcbx::Severity::kError, {}, "unknown-override",
                     "role 'x' is not in the base pack; to add it, drop 'override'"};
  EXPECT_EQ(kcbx::detail::localized_message(e, "zh"), "基础规则包中没有角色 'x'；如要新增，请去掉 'override'");
}

bool has_cjk(const std::string& s) {
  for (size_t i = 0; i + 2 < s.size(); ++i)
    if (static_cast<unsigned char>(s[i]) >= 0xE4 && static_cast<unsigned char>(s[i]) <= 0xE9) return true;
  return false;
}

// Broken packs of many kinds: every diagnostic has a Chinese text with the
// names it quoted.
TEST(Messages, EveryPackDiagnosticIsTranslated) {
  const std::vector<std::string> broken = {
      "meta: {name: x}\nfeilds: {}\n",
      "meta: {name: x}\nfields:\n  a: {type: strng}\n",
      "meta: {name: x}\nfields:\n  a: {type: int}\nderive:\n  b: a + c\n  c: b\n",
      "meta: {name: x}\nfields:\n  a: {type: int}\ntables:\n  t:\n    hit_policy: firts\n    values: [p]\n    "
      "rows:\n      - {id: r, when: a > \"x\", then: q}\n",
      "meta: {name: x}\nparameters:\n  p: {type: duration, value: 3}\nderive:\n  d: as_of + 3\n  e: "
      "foo(1)\n  f: if true then 1 else \"a\"\n",
      "meta: {name: x, extends: guizhou}\nparameters:\n  scope_min_age: {type: int, value: 5}\n  nope: "
      "{override: true, from: 2020-01-01, value: 1}\ntables:\n  status:\n    rows:\n      - {id: zzz, remove: "
      "true}\n      - {id: attending, when: \"true\", then: in_school}\n",
      "meta: {name: x}\nclauses: {A: a}\nfields:\n  a: {type: int}\ntables:\n  t:\n    values: [p]\n    rows:\n "
      "     - {id: r, then: p, clause: B}\n      - {id: r, then: p}\n",
      "meta: {name: x, jurisdiction: \"53000X\"}\nfields:\n  a: {type: date}\nderive:\n  b: latest_month_day(a, 31, "
      "8)\n  c: latest_month_day(a, 6, 31)\n  d: latest_month_day(a, m, 32)\n  m: month(a)\n",
      "meta: {name: x, extends: guizhou}\nledgers:\n  override: true\n  include: counted_out\n  levels: [village]\n"
      "  totals_by: eligible_aid\n",
      "meta: {name: x, extends: guizhou}\nledgers:\n  levels: [village]\n",
      "meta: {name: x, extends: guizhou}\nfields:\n  poor: {override: true, type: int}\n",
      "meta: {name: x, extends: guizhou}\nworkflow:\n  opens_when: status = dropout\n",
      "meta: {name: x}\nfields:\n  a: {type: int}\nparameters:\n  day0: {type: date, value: 2019-9-1}\n"
      "derive:\n  e:\n  f: {expr: }\ntables:\n  t:\n    values: [p]\n    rows:\n      - {id: r, when: , then: }\n",
  };
  int checked = 0;
  for (const auto& text : broken) {
    for (const auto& d : kcbx::check_rules(text, "x.yaml")) {
      const std::string zh = kcbx::detail::localized_message(d, "zh");
      EXPECT_TRUE(has_cjk(zh)) << d.format() << " -> " << zh;
      EXPECT_EQ(zh.find("（" + d.code + "）"), std::string::npos) << "untranslated: " << d.format();
      // Every quoted name survives.
      for (size_t q = d.message.find('\''); q != std::string::npos; q = d.message.find('\'', q + 1)) {
        const size_t end = d.message.find('\'', q + 1);
        if (end == std::string::npos) break;
        const std::string name = d.message.substr(q, end - q + 1);
        if (name.find(' ') == std::string::npos)
          EXPECT_NE(zh.find(name), std::string::npos) << d.format() << " -> " << zh;
        q = end;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 12);
}

// ---- The command ----------------------------------------------------------------

int exit_code(const std::string& cmd) {
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(TestCommand, ExitCodesAndOutput) {
  const std::string cli = KCBX_CLI;
  if (cli.empty()) GTEST_SKIP() << "the kcbx command is not built";
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("kcbx_test_cmd_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream(dir / "bad.tests.yaml") << test_file(R"(  - name: wrong on purpose
    records:
      - {student_id: A, registry: enrolled, birth_date: 2010-03-01}
    expect: {status: dropout}
)");
  }
  const std::string out = (dir / "out.txt").string();
  EXPECT_EQ(exit_code(cli + " test " + KCBX_SOURCE_DIR "/rules/guizhou.tests.yaml --coverage > " + out + " 2>&1"), 0);
  {
    std::ifstream in(out);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("every row, stage and deadline is exercised"), std::string::npos) << text;
  }
  EXPECT_EQ(exit_code(cli + " test " + (dir / "bad.tests.yaml").string() + " > " + out + " 2>&1"), 1);
  {
    std::ifstream in(out);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("bad.tests.yaml:4: FAIL wrong on purpose: A: expected status=dropout, got in_school"),
              std::string::npos)
        << text;
  }
  EXPECT_EQ(exit_code(cli + " test " + (dir / "bad.tests.yaml").string() + " --lang zh > " + out + " 2>&1"), 1);
  {
    std::ifstream in(out);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("期望 status=dropout，实际为 in_school"), std::string::npos) << text;
  }
  EXPECT_EQ(exit_code(cli + " test " + (dir / "missing.tests.yaml").string() + " > " + out + " 2>&1"), 1);
  EXPECT_EQ(exit_code(cli + " test --lang fr " + (dir / "bad.tests.yaml").string() + " > " + out + " 2>&1"), 2);
  fs::remove_all(dir);
}

// An inline event the engine rejects is named by its line in the test file,
// not by a row of the CSV text made from the events.
TEST(RuleTests, ARejectedInlineEventIsNamedByItsLine) {
  const kcbx::RuleTestReport r = run(test_file(
      "  - name: events\n"                                              // line 4
      "    records:\n"
      "      - {student_id: G1, registry: enrolled, birth_date: 2010-03-01, last_attended: 2019-09-01}\n"
      "    events:\n"
      "      - {student_id: G1, date: 2019-09-10, type: home_visit}\n"  // line 8
      "      - {student_id: G1, date: 2019-08-30, type: home_visit}\n"  // line 9: before the case
      "    expect: {status: dropout}\n"));
  const std::string text = r.format(false);
  EXPECT_NE(text.find("t.tests.yaml:4: FAIL events: G1: event at line 9 was rejected: dated 2019-08-30, before the "
                      "case opened on 2019-09-09"),
            std::string::npos)
      << text;
}

// A test pins down an event rejection with its expect_error: the event is
// then expected, not a failure; another reason, or no rejection, fails.
TEST(RuleTests, ExpectErrorExpectsARejectedEvent) {
  auto with = [](const std::string& date, const std::string& fragment) {
    return run(test_file("  - name: events\n"
                         "    records:\n"
                         "      - {student_id: G1, registry: enrolled, birth_date: 2010-03-01, last_attended: 2019-09-01}\n"
                         "    events:\n"
                         "      - {student_id: G1, date: " + date + ", type: home_visit}\n"
                         "    expect: {status: dropout}\n"
                         "    expect_error: " + fragment + "\n"));
  };
  const kcbx::RuleTestReport ok = with("2019-08-30", "before the case opened");
  EXPECT_EQ(ok.passed(), 1u) << ok.format(false);
  const kcbx::RuleTestReport other = with("2019-08-30", "does not apply");
  EXPECT_EQ(other.passed(), 0u) << other.format(false);
  EXPECT_NE(other.format(false).find("was rejected: dated 2019-08-30"), std::string::npos) << other.format(false);
  const kcbx::RuleTestReport none = with("2019-09-10", "before the case opened");
  EXPECT_EQ(none.passed(), 0u) << none.format(false);
}

// An expectation names a field by its alias, as a record does; a number or
// yes/no value written as neither is the test's error, not a mismatch.
TEST(RuleTests, ExpectationsNameFieldsByAliasAndCheckTheirType) {
  const std::string record =
      "    records:\n"
      "      - {student_id: G1, registry: enrolled, birth_date: 2010-03-01, last_attended: 2019-09-01}\n";
  const kcbx::RuleTestReport ok =
      run(test_file("  - name: alias\n" + record + "    expect: {最后到校日期: 2019-09-01, 年级: null, 建档立卡: false}\n"));
  EXPECT_EQ(ok.passed(), 1u) << ok.format(false);
  const kcbx::RuleTestReport bad =
      run(test_file("  - name: words\n" + record + "    expect: {age: nine, poor: maybe}\n"));
  EXPECT_EQ(bad.passed(), 0u);
  const std::string text = bad.format(false);
  EXPECT_NE(text.find("'nine' is not a number, and age is int"), std::string::npos) << text;
  EXPECT_NE(text.find("'maybe' is not a yes/no value (true/false), and poor is bool"), std::string::npos) << text;
}

}  // namespace
