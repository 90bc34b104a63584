// Case workflow on hand-built scenarios: exact due dates, overdue days,
// accountability, rejected events; and a pack with another deadline.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

#include "kcbx/kcbx.h"
#include "kcbx/cases.h"
#include "kcbx/transfer.h"

namespace kcbx {
namespace {

const Date kAsOf = Date::from_ymd(2019, 11, 15);

struct Scenario {
  RulePack pack;
  Engine engine;
  Batch batch;
  BatchResult result;
  EventLog events;
  CaseReport report;

  Scenario(RulePack p, const std::string& events_csv)
      : pack(p), engine(p) {
    BatchBuilder b(pack);
    b.set_columns({"student_id", "registry", "birth_date", "last_attended"});
    // All absent since 09-01: suspected from 09-09, dropout from 10-10.
    for (const char* id : {"A", "B", "C", "D", "E", "F"})
      EXPECT_FALSE(b.add_row({id, "enrolled", "2008-03-01", "2019-09-01"}, 2));
    EXPECT_FALSE(b.add_row({"IN", "enrolled", "2008-03-01", ""}, 9));
    batch = b.finish();
    result = engine.classify(batch, kAsOf);
    std::istringstream in(events_csv);
    events = read_events(pack, in, "events.csv");
    report = evaluate_cases(engine, batch, result, events, nullptr, kAsOf);
  }

  const Case& find(const std::string& id) const {
    for (const auto& c : report.cases)
      if (c.student_id == id) return c;
    ADD_FAILURE() << "no case " << id;
    static Case none;
    return none;
  }
};

const char* kEvents =
    "student_id,date,type,person,note\n"
    "A,2019-09-12,home_visit,t,\n"
    "A,2019-09-20,家访,t,\n"                    // Chinese alias
    "B,2019-09-12,home_visit,t,\n"
    "B,2019-09-20,home_visit,t,\n"
    "B,2019-09-22,school_report,p,\n"           // on time: due 09-23
    "B,2019-10-01,township_persuasion,h,\n"
    "B,2019-10-10,township_persuasion,h,\n"
    "C,2019-09-12,home_visit,t,\n"
    "C,2019-09-20,home_visit,t,\n"
    "C,2019-09-25,school_report,p,\n"           // two days late
    "D,2019-09-12,home_visit,t,\n"
    "D,2019-10-20,returned,t,\n"                // closed
    "D,2019-10-25,home_visit,t,\n"              // after closing: rejected
    "E,2019-09-12,home_visit,t,\n"
    "E,2019-09-13,home_visit,t,\n"
    "E,2019-09-14,notice_issued,h,\n"           // before report and persuasions
    "F,2019-11-20,home_visit,t,\n"              // after as_of
    "F,2019-09-01,home_visit,t,\n"              // before the case opened (09-09), not after the last day
    "F,2019-09-10,home_visit,t,\n"
    "F,2019-09-10,home_visit,t,\n"              // exact repeat
    "IN,2019-09-10,home_visit,t,\n"             // no case: in school
    "ZZ,2019-09-10,home_visit,t,\n"             // unknown student
    "A,2019-13-01,home_visit,t,\n"              // bad date
    "A,2019-09-30,house_visit,t,\n";            // unknown type

TEST(Cases, StagesDueDatesAndOverdue) {
  Scenario s(default_rules(), kEvents);
  // A: visits complete on 09-20; the school report was due 09-23.
  const Case& a = s.find("A");
  EXPECT_EQ(a.status, "dropout");
  ASSERT_TRUE(a.opened);
  EXPECT_EQ(a.opened->format(), "2019-09-09");
  EXPECT_EQ(a.stage, "school_report");
  EXPECT_EQ(a.clause, "S2.2");
  EXPECT_EQ(a.responsible.role, "principal");
  ASSERT_TRUE(a.due);
  EXPECT_EQ(a.due->format(), "2019-09-23");
  EXPECT_EQ(a.days_overdue, 53);  // 09-23 .. 11-15
  // B: report on time, two persuasions done: the notice is next, with no
  // deadline in the Guizhou pack (the document sets none).
  const Case& b = s.find("B");
  EXPECT_EQ(b.stage, "notice");
  EXPECT_FALSE(b.due);
  EXPECT_EQ(b.days_overdue, 0);
  EXPECT_EQ(b.responsible.role, "township_head");
  // C: reported late; now at township persuasion (no deadline).
  const Case& c = s.find("C");
  EXPECT_EQ(c.stage, "township_persuasion");
  EXPECT_NE(c.next_action.find("0 of 2"), std::string::npos);
  // A case whose first stage has no deadline.
  const Case& e = s.find("E");
  EXPECT_EQ(e.stage, "school_report");
  // D: closed by the returned event.
  const Case& d = s.find("D");
  EXPECT_TRUE(d.closed);
  ASSERT_TRUE(d.closed_on);
  EXPECT_EQ(d.closed_on->format(), "2019-10-20");
  EXPECT_TRUE(d.stage.empty());
  // Back at school: in school again (SPEC Statuses, M3.3), and the case
  // opened when the absence made the child a suspected dropout.
  EXPECT_EQ(d.status, "in_school");
  ASSERT_TRUE(d.opened);
  EXPECT_EQ(d.opened->format(), "2019-09-09");
}

TEST(Cases, AccountabilityForLapsedAndLateDuties) {
  Scenario s(default_rules(), kEvents);
  int late_a = 0, late_c = 0;
  for (const auto& x : s.report.accountability) {
    if (x.student_id == "A" && x.stage == "school_report") {
      ++late_a;
      EXPECT_EQ(x.due.format(), "2019-09-23");
      EXPECT_FALSE(x.done_on);
      EXPECT_EQ(x.days_late, 53);
      EXPECT_EQ(x.lapsed.role, "principal");
    }
    if (x.student_id == "C" && x.stage == "school_report") {
      ++late_c;
      ASSERT_TRUE(x.done_on);
      EXPECT_EQ(x.done_on->format(), "2019-09-25");
      EXPECT_EQ(x.days_late, 2);
    }
    EXPECT_NE(x.student_id, "B");  // B was on time
  }
  EXPECT_EQ(late_a, 1);
  EXPECT_EQ(late_c, 1);
}

TEST(Cases, NonsenseEventsAreRejectedNeverApplied) {
  Scenario s(default_rules(), kEvents);
  auto reason_for = [&](int64_t row) -> std::string {
    for (const auto& r : s.report.event_rejects)
      if (r.row == row) return r.reason;
    for (const auto& r : s.events.rejects)
      if (r.row == row) return r.reason;
    return "";
  };
  EXPECT_NE(reason_for(14).find("after the case was closed"), std::string::npos);
  EXPECT_NE(reason_for(17).find("before stage 'school_report' is complete"), std::string::npos);
  EXPECT_NE(reason_for(18).find("after the evaluation date"), std::string::npos);
  EXPECT_NE(reason_for(19).find("before the case opened"), std::string::npos);
  EXPECT_NE(reason_for(21).find("repeats"), std::string::npos);
  EXPECT_NE(reason_for(22).find("no open case"), std::string::npos);
  EXPECT_NE(reason_for(23).find("unknown student"), std::string::npos);
  EXPECT_NE(reason_for(24).find("not a date"), std::string::npos);
  EXPECT_NE(reason_for(25).find("did you mean 'home_visit'"), std::string::npos);
  // Nothing lost: every event row is applied or rejected.
  EXPECT_EQ(s.events.read, static_cast<int64_t>(s.events.events.size() + s.events.rejects.size()));
  EXPECT_EQ(static_cast<int64_t>(s.events.events.size()),
            s.report.events_applied + static_cast<int64_t>(s.report.event_rejects.size()));
}

// count_by is the pack's: Guizhou counts home visits by day (a joint visit
// logged by the teacher and the village cadre is one); a pack counting
// events takes the two rows as two visits. And a duty done early (the
// report before the second visit) is done when its stage begins, not
// rejected, unless its stage never begins before the child is back.
TEST(Cases, VisitsCountByDayAsThePackSaysAndEarlyDutiesWait) {
  const char* events =
      "student_id,date,type,person,note\n"
      "A,2019-09-10,home_visit,teacher,\n"
      "A,2019-09-10,home_visit,cadre,\n"
      "B,2019-09-10,home_visit,t,\n"
      "B,2019-09-11,school_report,p,\n"
      "B,2019-09-12,home_visit,t,\n"
      "C,2019-09-10,home_visit,t,\n"
      "C,2019-09-11,school_report,p,\n"   // its stage never begins: rejected
      "C,2019-09-13,returned,t,\n";
  Scenario by_day(default_rules(), events);
  EXPECT_NE(by_day.find("A").next_action.find("(1 of 2 done)"), std::string::npos) << by_day.find("A").next_action;
  const Case& b = by_day.find("B");
  EXPECT_EQ(b.stage, "township_persuasion");
  ASSERT_EQ(b.stages.size(), 3u);
  ASSERT_TRUE(b.stages[1].completed);
  EXPECT_EQ(b.stages[1].completed->format(), "2019-09-12");  // the day its stage began
  for (const auto& x : by_day.report.accountability) EXPECT_NE(x.student_id, "B") << x.stage;
  ASSERT_EQ(by_day.report.event_rejects.size(), 1u);
  EXPECT_EQ(by_day.report.event_rejects[0].row, 8);
  EXPECT_EQ(by_day.report.event_rejects[0].reason,
            "'school_report' before stage 'home_visits' is complete (1 of 2 home_visit)");

  std::string text = default_rules().source();
  const size_t at = text.find("count_by: day");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 13, "count_by: event");
  Scenario by_event(parse_rules(text, "events.yaml"), events);
  EXPECT_EQ(by_event.find("A").stage, "school_report");
}

// A stage's `when` is the pack's: Guizhou's school stages are not a
// never-registered child's (no school); the case starts at the township's
// persuasion, and a home visit logged for that child is said not to apply.
// The same holds when the result given was classified without flags.
TEST(Cases, AStageThatDoesNotApplyIsPassedOver) {
  const RulePack pack = default_rules();
  const Engine engine(pack);
  BatchBuilder b(pack);
  b.set_columns({"student_id", "registry", "birth_date"});
  EXPECT_FALSE(b.add_row({"O1", "none", "2009-03-01"}, 2));
  const Batch batch = b.finish();
  std::istringstream in("student_id,date,type,person\nO1,2019-09-20,home_visit,t\n"
                        "O1,2019-09-22,township_persuasion,p\nO1,2019-09-25,township_persuasion,p\n");
  const EventLog log = read_events(pack, in, "events.csv");
  ClassifyOptions status_only;
  status_only.flags = status_only.cases = status_only.all_tables = status_only.outputs = false;
  for (const BatchResult& result : {engine.classify(batch, kAsOf), engine.classify(batch, kAsOf, status_only)}) {
    const CaseReport r = evaluate_cases(engine, batch, result, log, nullptr, kAsOf);
    ASSERT_EQ(r.cases.size(), 1u);
    EXPECT_EQ(r.cases[0].stage, "notice");
    EXPECT_EQ(r.cases[0].responsible.role, "township_head");
    for (const auto& p : r.cases[0].stages) EXPECT_NE(p.stage, "home_visits");
    ASSERT_EQ(r.event_rejects.size(), 1u);
    EXPECT_EQ(r.event_rejects[0].reason, "stage 'home_visits' does not apply to this child (when: registry != none)");
    EXPECT_TRUE(r.accountability.empty());
  }
}

TEST(Cases, AnotherDeadlineInThePackChangesResultsWithoutRebuild) {
  std::string text = default_rules().source();
  // The report deadline: 3 days -> 5 days; and give persuasions 10 days.
  std::string five = text;
  const size_t report = five.find("report_within:");
  ASSERT_NE(report, std::string::npos);
  const size_t value = five.find("value: 3 days", report);
  five.replace(value, 13, "value: 5 days");
  const size_t pers = five.find("persuasion_within:");
  const size_t desc = five.find("\n", five.find("description:", pers));
  five.insert(desc + 1, "    value: 10 days\n");
  Scenario s(parse_rules(five, "five.yaml"), kEvents);
  const Case& a = s.find("A");
  ASSERT_TRUE(a.due);
  EXPECT_EQ(a.due->format(), "2019-09-25");
  EXPECT_EQ(a.days_overdue, 51);
  const Case& c = s.find("C");  // reported 09-25: on time now
  EXPECT_EQ(c.stage, "township_persuasion");
  ASSERT_TRUE(c.due);
  EXPECT_EQ(c.due->format(), "2019-10-05");  // 09-25 + 10 days
  EXPECT_EQ(c.days_overdue, 41);
  for (const auto& x : s.report.accountability)
    EXPECT_FALSE(x.student_id == "C" && x.stage == "school_report");
}

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(Transfer, LostLateAndReroutedPupils) {
  const std::string g6 = write_temp(
      "g6.csv",
      "student_id,id_number,name,school_id,receiving_school\n"
      "P1,,甲,S1,J1\n"          // registered as planned
      "P2,,乙,S1,J1\n"          // registered late
      "P3,,丙,S1,J1\n"          // registered at another junior school
      "P4,11010519491231002X,丁,S2,J1\n"  // matched by ID number
      "P5,,戊,S2,J1\n"          // lost
      "P6,,己,S2,\n");          // no receiving school: rejected
  const std::string g7 = write_temp(
      "g7.csv",
      "student_id,id_number,school_id,registered_on\n"
      "P1,,J1,2019-08-30\n"
      "P2,,J1,2019-09-05\n"
      "P3,,J2,2019-08-31\n"
      "Q4,11010519491231002X,J1,2019-08-31\n");
  TransferOptions o;
  o.registration_deadline = Date::from_ymd(2019, 9, 1);
  o.as_of = Date::from_ymd(2019, 9, 10);
  TransferReport r = reconcile_transfer(default_rules(), g6, g7, o);
  ASSERT_EQ(r.rows.size(), 5u);
  EXPECT_EQ(r.rows[0].outcome, TransferOutcome::kRegistered);
  EXPECT_EQ(r.rows[1].outcome, TransferOutcome::kLate);
  // P2 came on 09-05, the day after the notice was due (09-04): the
  // lapse of that day stays after the registration.
  EXPECT_EQ(r.rows[1].notify_overdue_days, 1);
  EXPECT_EQ(r.rows[2].outcome, TransferOutcome::kRegisteredElsewhere);
  EXPECT_EQ(r.rows[2].registered_school, "J2");
  EXPECT_EQ(r.rows[3].outcome, TransferOutcome::kRegistered);
  EXPECT_EQ(r.rows[3].matched_by, "id_number");
  EXPECT_EQ(r.rows[4].outcome, TransferOutcome::kLost);
  ASSERT_TRUE(r.rows[4].notify_due);
  EXPECT_EQ(r.rows[4].notify_due->format(), "2019-09-04");     // S1.4: 3 days
  EXPECT_EQ(r.rows[4].notify_overdue_days, 6);
  ASSERT_TRUE(r.rows[4].inspection_due);
  EXPECT_EQ(r.rows[4].inspection_due->format(), "2019-09-16");  // S1.5: 15 days
  EXPECT_FALSE(r.rows[2].notify_due);  // re-routed is not lost
  ASSERT_EQ(r.rejects.size(), 1u);
  EXPECT_EQ(r.rejects[0].row, 7);
  EXPECT_EQ(r.grade6_read, 6);
  EXPECT_TRUE(r.notes.empty());
}

// The receiving schools' system saves GB18030, the hand-over roster is
// UTF-8: each file is read in its own encoding (--grade7-encoding), from
// streams as from files.
TEST(Transfer, EachFileInItsOwnEncodingFromStreams) {
  std::istringstream g6(
      "student_id,name,school_id,receiving_school\n"
      "P1,甲,S1,第一中学\n"
      "P2,乙,S1,第一中学\n");
  const std::string g7_text =
      "student_id,school_id,registered_on\n"
      "P1,\xB5\xDA\xD2\xBB\xD6\xD0\xD1\xA7,2019-08-30\n";  // 第一中学 in GB18030
  TransferOptions o;
  o.registration_deadline = Date::from_ymd(2019, 9, 1);
  o.as_of = Date::from_ymd(2019, 9, 10);
  o.grade7_encoding = "gb18030";
  std::istringstream g7(g7_text);
  TransferReport r = reconcile_transfer(default_rules(), g6, g7, o, "g6", "g7");
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].outcome, TransferOutcome::kRegistered);
  EXPECT_EQ(r.rows[0].registered_school, "第一中学");
  EXPECT_EQ(r.rows[1].outcome, TransferOutcome::kLost);
  EXPECT_EQ(r.grade7_read, 1);
  EXPECT_EQ(r.grade7_rejected, 0);

  // Read as UTF-8 (the default: the grade-6 file's encoding), the same
  // bytes are no school name: the row is rejected and P1 is lost.
  std::istringstream g6_again(
      "student_id,name,school_id,receiving_school\n"
      "P1,甲,S1,第一中学\n");
  std::istringstream g7_again(g7_text);
  o.grade7_encoding.clear();
  TransferReport wrong = reconcile_transfer(default_rules(), g6_again, g7_again, o, "g6", "g7");
  EXPECT_EQ(wrong.grade7_rejected, 1);
  EXPECT_EQ(wrong.rows[0].outcome, TransferOutcome::kLost);
}

// 11010519491231002X and 11010519491231002x are one number: the pupil is
// matched across the files, and found twice in one file.
TEST(Transfer, ALowerCaseCheckCharacterIsTheSameNumber) {
  const std::string g6 = write_temp("g6x.csv",
                                    "id_number,name,school_id,receiving_school\n"
                                    "11010519491231002X,赵,S1,J1\n"
                                    "11010519491231002x,赵,S1,J1\n");
  const std::string g7 = write_temp("g7x.csv",
                                    "id_number,school_id,registered_on\n"
                                    "11010519491231002x,J1,2019-09-01\n");
  TransferOptions o;
  o.registration_deadline = Date::from_ymd(2019, 9, 10);
  o.as_of = Date::from_ymd(2019, 9, 30);
  TransferReport r = reconcile_transfer(default_rules(), g6, g7, o);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].outcome, TransferOutcome::kRegistered);
  EXPECT_EQ(r.rows[0].matched_by, "id_number");
  // Listed by ID number only: named by it (the command masks it).
  EXPECT_EQ(r.rows[0].student_id, "11010519491231002X");
  ASSERT_EQ(r.rejects.size(), 1u);
  EXPECT_EQ(r.rejects[0].row, 3);
}

// A grade-7 date column under another name is not read: said, since every
// registration then counts as on time (P2's late one too).
TEST(Transfer, ColumnsNothingReadsAreNoted) {
  const std::string g6 = write_temp("g6n.csv",
                                    "student_id,name,school_id,receiving_school,remark\n"
                                    "P2,乙,S1,J1,x\n");
  const std::string g7 = write_temp("g7n.csv",
                                    "student_id,school_id,date\n"
                                    "P2,J1,2019-09-05\n");
  TransferOptions o;
  o.registration_deadline = Date::from_ymd(2019, 9, 1);
  o.as_of = Date::from_ymd(2019, 9, 10);
  TransferReport r = reconcile_transfer(default_rules(), g6, g7, o);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].outcome, TransferOutcome::kRegistered);
  EXPECT_EQ(r.notes, (std::vector<std::string>{
                         "grade-6 file: column 5 'remark' is not read; ignored",
                         "grade-7 file: column 3 'date' is not read; ignored",
                         "grade-7 file has no registered_on (报到日期) column: every registration counts as on time"}));
}

TEST(Transfer, ColumnsFollowThePacksKeyAndIdNumberFields) {
  // Another province's pack: its key is xuehao (学籍号), its ID numbers sfz.
  const RulePack pack = parse_rules(R"(meta: {name: other, version: 1.0.0}
clauses:
  T1: {zh: 转出通知, en: notify}
fields:
  xuehao: {alias: 学籍号, type: string, required: true, unique: true}
  sfz: {alias: 身份证号, type: string, format: id_number}
  name: {type: string}
  school_id: {alias: 学校代码, type: string}
parameters:
  notify_days: {type: duration, value: 3 days}
  inspect_days: {type: duration, value: 15 days}
tables:
  status:
    values: [x]
    rows:
      - {id: r1, then: x, clause: T1}
transfer:
  notify_within: notify_days
  notify_clause: T1
  inspect_within: inspect_days
  inspect_clause: T1
)", "other.yaml");
  const std::string g6 = write_temp("o6.csv", "学籍号,身份证号,学校代码,receiving_school\nP1,,S1,J1\nP2,,S1,J1\n");
  const std::string g7 = write_temp("o7.csv", "学籍号,身份证号,学校代码,registered_on\nP1,,J1,2019-08-30\n");
  TransferOptions o;
  o.registration_deadline = Date::from_ymd(2019, 9, 1);
  o.as_of = Date::from_ymd(2019, 9, 10);
  const TransferReport r = reconcile_transfer(pack, g6, g7, o);
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].outcome, TransferOutcome::kRegistered);
  EXPECT_EQ(r.rows[0].matched_by, "xuehao");  // the pack's key, not Guizhou's student_id
  EXPECT_EQ(r.rows[1].outcome, TransferOutcome::kLost);
  const std::string bad = write_temp("o6b.csv", "student_id,school_id,receiving_school\nP1,S1,J1\n");
  try {
    (void)reconcile_transfer(pack, bad, g7, o);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("needs a xuehao or sfz column"), std::string::npos) << e.what();
  }
}

TEST(Transfer, TheSchoolAndNameFieldsAreThePacksOwn) {
  // Sichuan-style names: school (学校) and full_name (姓名), said in the
  // transfer section.
  const RulePack pack = parse_rules(R"(meta: {name: other, version: 1.0.0}
fields:
  pupil_no: {alias: 学籍号, type: string, required: true, unique: true}
  full_name: {alias: 姓名, type: string}
  school: {alias: 学校, type: string}
tables:
  status:
    values: [x]
    rows:
      - {id: r1, then: x}
transfer:
  school_field: school
  name_field: full_name
)", "other.yaml");
  const std::string g6 = write_temp("s6.csv", "学籍号,姓名,学校,receiving_school\nP1,张三,S1,J1\nP2,李四,S1,J1\n");
  const std::string g7 = write_temp("s7.csv", "学籍号,学校\nP1,J1\n");
  TransferOptions o;
  o.registration_deadline = Date::from_ymd(2019, 9, 1);
  o.as_of = Date::from_ymd(2019, 9, 10);
  const TransferReport r = reconcile_transfer(pack, g6, g7, o);
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].outcome, TransferOutcome::kRegistered);
  EXPECT_EQ(r.rows[0].name, "张三");
  EXPECT_EQ(r.rows[1].outcome, TransferOutcome::kLost);
  EXPECT_EQ(r.rows[1].sending_school, "S1");
  const std::string empty_school = write_temp("s6b.csv", "学籍号,学校,receiving_school\nP3,,J1\n");
  EXPECT_EQ(reconcile_transfer(pack, empty_school, g7, o).rejects.at(0).reason, "school is empty");
  // Without transfer.school_field, a pack with no school_id field is told
  // how to name its own.
  const RulePack unset = parse_rules(
      "meta: {name: o}\nfields:\n  pupil_no: {type: string, required: true, unique: true}\n"
      "  school: {type: string}\ntables:\n  status:\n    values: [x]\n    rows:\n      - {id: r1, then: x}\n",
      "o.yaml");
  try {
    (void)reconcile_transfer(unset, g6, g7, o);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("needs a school_id column (the pack has no school_id field: set transfer: "
                                         "{school_field: F}"),
              std::string::npos)
        << e.what();
  }
  // A field that is not a string, or not a field, is the pack's error.
  const auto d = check_rules("meta: {name: o}\nfields:\n  k: {type: string, unique: true}\n  n: {type: int}\n"
                             "transfer: {school_field: n, name_field: nam}\n", "o.yaml");
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].message, "'n' must be a string field");
  EXPECT_EQ(d[1].message, "unknown field 'nam'; did you mean 'n'?");
}

// S1.6: a lost pupil's return falls to both schools and the local
// government: the pack's school roles at the sending and the planned
// school, its local roles for the pupil's home (read off the students
// file, by key or by ID number). Registered and late pupils name no one.
TEST(Transfer, LostPupilsAreTheCaseOfBothSchoolsAndTheirTownship) {
  const std::string g6 = write_temp("l6.csv",
                                    "student_id,id_number,name,school_id,receiving_school\n"
                                    "P1,,甲,S1,J1\n"                     // registered
                                    "P5,,戊,S2,J1\n"                     // lost; home by key
                                    "P6,11010519491231002X,己,S2,J2\n"   // lost; home by ID number
                                    "P7,,庚,S3,J1\n");                   // lost; not in the students file
  const std::string g7 = write_temp("l7.csv", "student_id,school_id,registered_on\nP1,J1,2019-08-30\n");
  TransferOptions o;
  o.registration_deadline = Date::from_ymd(2019, 9, 1);
  o.as_of = Date::from_ymd(2019, 9, 10);
  const RulePack& pack = default_rules();
  TransferReport r = reconcile_transfer(pack, g6, g7, o);
  EXPECT_EQ(r.lost_clause, "S1.6");
  std::istringstream roster_csv("role,person,jurisdiction\n"
                                "principal,张校长,S2\nprincipal,李校长,J1\n"  // no principal of J2 or S3
                                "township_head,王乡长,520102001\n");
  const Roster roster = read_roster(pack, roster_csv);
  std::istringstream students_csv("student_id,registry,birth_date,id_number,division_code,school_id\n"
                                  "P5,enrolled,2007-03-01,,520102001001,S2\n"
                                  "Q9,enrolled,,11010519491231002x,520102001002,S2\n");
  const StudentFile students = read_students(pack, students_csv);
  const ResponsibilityGraph graph(pack, roster, students.batch);
  assign_lost_pupils(pack, graph, students.batch, r);
  ASSERT_EQ(r.rows.size(), 4u);
  EXPECT_TRUE(r.rows[0].responsible.empty());
  EXPECT_EQ(responsible_text(r.rows[1].responsible), "校长 张校长 (S2); 校长 李校长 (J1); 乡镇长 王乡长 (520102001)");
  EXPECT_EQ(r.rows[1].responsible[0].role, "principal");
  EXPECT_EQ(r.rows[1].responsible[2].role, "township_head");
  EXPECT_EQ(responsible_text(r.rows[2].responsible), "校长 张校长 (S2); 校长 (none) (J2); 乡镇长 王乡长 (520102001)");
  EXPECT_EQ(responsible_text(r.rows[3].responsible), "校长 (none) (S3); 校长 李校长 (J1); 乡镇长 (none)");
}

// The roles are the pack's: another province names its own, an extension
// empties a list, and a school role must hold a post per school.
TEST(Transfer, TheLostPupilsRolesAreThePacks) {
  const std::string base = std::string(KCBX_SOURCE_DIR) + "/rules/guizhou.yaml";
  const RulePack only_schools = parse_rules("meta: {name: p, version: 1.0.0, extends: " + base +
                                                "}\ntransfer: {override: true, local_roles: []}\n",
                                            "p.yaml");
  const std::string g6 = write_temp("m6.csv", "student_id,name,school_id,receiving_school\nP5,戊,S2,J1\n");
  const std::string g7 = write_temp("m7.csv", "student_id,school_id\n");
  TransferOptions o;
  o.registration_deadline = Date::from_ymd(2019, 9, 1);
  o.as_of = Date::from_ymd(2019, 9, 10);
  TransferReport r = reconcile_transfer(only_schools, g6, g7, o);
  EXPECT_EQ(r.lost_clause, "S1.6");  // kept from the base
  std::istringstream roster_csv("role,person,jurisdiction\nprincipal,张校长,S2\ntownship_head,王乡长,520102001\n");
  const Roster roster = read_roster(only_schools, roster_csv);
  std::istringstream students_csv("student_id,registry,birth_date,division_code,school_id\n"
                                  "P5,enrolled,2007-03-01,520102001001,S2\n");
  const StudentFile students = read_students(only_schools, students_csv);
  assign_lost_pupils(only_schools, ResponsibilityGraph(only_schools, roster, students.batch), students.batch, r);
  EXPECT_EQ(responsible_text(r.rows.at(0).responsible), "校长 张校长 (S2); 校长 (none) (J1)");
  const auto d = check_rules("meta: {name: p, version: 1.0.0, extends: " + base +
                                 "}\ntransfer: {override: true, school_roles: [teacher], local_roles: [township_haed]}\n",
                             "p.yaml");
  ASSERT_EQ(d.size(), 2u) << d[0].format();
  EXPECT_EQ(d[0].code, "wrong-level");
  EXPECT_EQ(d[0].message,
            "school role 'teacher' must hold a post per school (a level keyed by school_id alone); its level is "
            "'class'");
  EXPECT_EQ(d[1].message, "unknown role 'township_haed'; did you mean 'township_head'?");
  const auto twice = check_rules("meta: {name: p, version: 1.0.0, extends: " + base +
                                     "}\ntransfer: {override: true, local_roles: [township_head, township_head]}\n",
                                 "p.yaml");
  ASSERT_EQ(twice.size(), 1u);
  EXPECT_EQ(twice[0].code, "duplicate-name");
  EXPECT_NE(twice[0].message.find("role 'township_head' is listed twice (first at p.yaml:2:"), std::string::npos)
      << twice[0].message;
}

// The students file gives lost pupils their homes only through records
// the pack accepts: one its checks refuse (born after the evaluation date)
// is rejected, as by classify, and is no one's home.
// The end-to-end overload reads the students as classify would: a record
// the pack's checks refuse is rejected and is no pupil's home; the others are.
TEST(Transfer, AssignFromTheRosterChecksTheStudentsFirst) {
  const RulePack& pack = default_rules();
  const std::string g6 = write_temp("a6.csv", "student_id,name,school_id,receiving_school\nP5,戊,S2,J1\nP6,己,S2,J1\n");
  const std::string g7 = write_temp("a7.csv", "student_id,school_id\n");
  TransferOptions o;
  o.registration_deadline = Date::from_ymd(2019, 9, 1);
  o.as_of = Date::from_ymd(2019, 9, 10);
  TransferReport r = reconcile_transfer(pack, g6, g7, o);
  std::istringstream roster_csv("role,person,jurisdiction\ntownship_head,王乡长,520102001\ntownship_head,李乡长,520102002\n");
  const Roster roster = read_roster(pack, roster_csv);
  std::istringstream students_csv("student_id,registry,birth_date,division_code,school_id\n"
                                  "P5,enrolled,2025-03-01,520102001001,S2\n"   // born after as_of
                                  "P6,enrolled,2007-03-01,520102002001,S2\n");
  StudentFile students = read_students(pack, students_csv);
  assign_lost_pupils(pack, roster, students, o.as_of, r);
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(responsible_text(r.rows[0].responsible), "校长 (none) (S2); 校长 (none) (J1); 乡镇长 (none)");
  EXPECT_EQ(responsible_text(r.rows[1].responsible), "校长 (none) (S2); 校长 (none) (J1); 乡镇长 李乡长 (520102002)");
  ASSERT_EQ(students.rejects.size(), 1u);
  EXPECT_EQ(students.rejects[0].student_id, "P5");
  EXPECT_EQ(students.rejects[0].column, "birth_date");
  EXPECT_EQ(students.counts.read, 2);
  EXPECT_EQ(students.counts.accepted + students.counts.rejected, 2);
}

TEST(Transfer, StudentsThePackRefusesAreNoPupilsHome) {
  if (std::string(KCBX_CLI).empty()) GTEST_SKIP() << "the kcbx command is not built";
  const std::string dir = ::testing::TempDir();
  const std::string g6 = write_temp("h6.csv", "student_id,name,school_id,receiving_school\nP5,戊,S2,J1\n");
  const std::string g7 = write_temp("h7.csv", "student_id,school_id\n");
  const std::string officials = write_temp("h_off.csv", "role,person,jurisdiction\ntownship_head,王乡长,520102001\n");
  const std::string students = write_temp("h_st.csv",
                                          "student_id,registry,birth_date,division_code,school_id\n"
                                          "P5,enrolled,2025-03-01,520102001001,S2\n");
  const std::string out = dir + "h_out.csv", rejects = dir + "h_rej.csv";
  const std::string cmd = std::string(KCBX_CLI) + " transfer --grade6 " + g6 + " --grade7 " + g7 +
                          " --registration-deadline 2019-09-01 --as-of 2019-09-10 --officials " + officials +
                          " --students " + students + " --out " + out + " --rejects " + rejects + " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream o(out), r(rejects);
  const std::string out_text((std::istreambuf_iterator<char>(o)), {}), rej_text((std::istreambuf_iterator<char>(r)), {});
  EXPECT_NE(out_text.find("乡镇长 (none)"), std::string::npos) << out_text;
  EXPECT_NE(rej_text.find("students,2,P5,birth_date,the birth date is after the evaluation date"), std::string::npos)
      << rej_text;
}

}  // namespace
}  // namespace kcbx
