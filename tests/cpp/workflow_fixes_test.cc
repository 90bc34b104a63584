// Regression tests for the case workflow and the whole-class transfer:
//   1. a child in school never gets an open case, and no case opens after
//      the evaluation date;
//   2. a return to school (M3.3) makes the child in_school again in
//      kcbx cases and kcbx run (ledgers, lists, indicators), unless a later
//      last_attended shows a new absence; an earlier closure survives a new
//      case; the pack's workflow `event_dates` key is validated;
//   3. kcbx cases rejects records a pack check refuses (read = accepted +
//      rejected), and evaluate_cases reports them;
//   4. the events file's key column follows the pack's key field;
//   5. kcbx transfer: a registration dated after --as-of is not made yet.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "kcbx/cases.h"
#include "kcbx/kcbx.h"
#include "kcbx/transfer.h"
#include "reliability_support.h"
#include "dates_support.h"

namespace kcbx {
namespace {

using testing_support::read_file;
using testing_support::run_kcbx;
using testing_support::shell_quote;
using testing_support::temp_dir;
using testing_support::write_file;

using kcbx::testing::day;

// Students (student_id,registry,birth_date,last_attended[,poor]) and events
// through the C++ API, with the batch filled from the events as the
// commands do.
struct CaseRun {
  RulePack pack;
  Engine engine;
  Batch batch;
  BatchResult result;
  EventLog events;
  CaseReport report;

  CaseRun(const RulePack& p, const std::vector<std::vector<std::string>>& rows, const std::string& events_csv,
      Date as_of, bool fill = true)
      : pack(p), engine(p) {
    BatchBuilder b(pack);
    EXPECT_TRUE(b.set_columns({"student_id", "registry", "birth_date", "last_attended"}).empty());
    int64_t row = 2;
    for (const auto& r : rows) {
      std::vector<std::string_view> cells(r.begin(), r.end());
      EXPECT_FALSE(b.add_row(std::span<const std::string_view>(cells), row++));
    }
    Batch read = b.finish();
    std::istringstream in(events_csv);
    events = read_events(pack, in, "events.csv");
    batch = fill ? with_event_dates(pack, read, events, as_of) : read;
    result = engine.classify(batch, as_of);
    report = evaluate_cases(engine, batch, result, events, nullptr, as_of);
  }

  std::vector<const Case*> cases_of(const std::string& id) const {
    std::vector<const Case*> out;
    for (const auto& c : report.cases)
      if (c.student_id == id) out.push_back(&c);
    return out;
  }
  std::string reason(int64_t row) const {
    for (const auto& r : report.event_rejects)
      if (r.row == row) return r.reason;
    for (const auto& r : events.rejects)
      if (r.row == row) return r.reason;
    return "";
  }
};

std::string opt(const std::optional<Date>& d) { return d ? d->format() : "-"; }

// ---- 1. No open case for a child in school; never opened after as_of --------

TEST(WorkflowFixes, ChildInSchoolWithAnOldReturnHasNoOpenCase) {
  // R2 attended up to 10-15 (in school on 10-20); the return of 09-14 ended
  // an earlier absence: a closed case, opened on its first event, never
  // the future date suspected_since (10-23) would give.
  CaseRun r(default_rules(), {{"R2", "enrolled", "2010-03-01", "2019-10-15"}},
        "student_id,date,type,person,note\nR2,2019-09-14,returned,T,\n", day("2019-10-20"));
  EXPECT_EQ(r.result.value(0, 0), "in_school");
  EXPECT_EQ(r.result.rule(0, 0), "attending");
  ASSERT_EQ(r.report.cases.size(), 1u);
  const Case& c = r.report.cases[0];
  EXPECT_TRUE(c.closed);
  EXPECT_EQ(opt(c.opened), "2019-09-14");
  EXPECT_EQ(opt(c.closed_on), "2019-09-14");
  EXPECT_EQ(c.status, "in_school");
  EXPECT_EQ(c.stage, "");
  EXPECT_EQ(r.report.events_applied, 1);
  EXPECT_TRUE(r.report.event_rejects.empty());
  EXPECT_TRUE(r.report.accountability.empty());
}

TEST(WorkflowFixes, EventsOfAChildWithoutACaseAreRejectedNotMadeACase) {
  CaseRun r(default_rules(),
        {{"IN", "enrolled", "2010-03-01", ""}, {"R3", "enrolled", "2010-03-01", "2019-10-15"}},
        "student_id,date,type,person,note\n"
        "IN,2019-10-01,home_visit,T,\n"        // row 2: in school, no case
        "R3,2019-09-10,home_visit,T,\n"        // row 3: ended by the return
        "R3,2019-09-14,returned,T,\n"          // row 4
        "R3,2019-09-20,home_visit,T,\n",       // row 5: after that closure
        day("2019-10-20"));
  EXPECT_TRUE(r.cases_of("IN").empty());
  EXPECT_EQ(r.reason(2), "no open case: the student's status is in_school");
  const auto r3 = r.cases_of("R3");
  ASSERT_EQ(r3.size(), 1u);
  EXPECT_TRUE(r3[0]->closed);
  EXPECT_EQ(opt(r3[0]->opened), "2019-09-10");
  EXPECT_EQ(opt(r3[0]->closed_on), "2019-09-14");
  EXPECT_EQ(r.reason(5), "after the case was closed on 2019-09-14");
  EXPECT_EQ(r.report.events_applied, 2);
  for (const auto& c : r.report.cases) EXPECT_TRUE(c.closed) << c.student_id;
}

// workflow.events_after (Guizhou: last_attended): a visit during the
// absence before the case opened counts from the opening day (S2.1); one
// on or before the last day at school is no event of the case. Without
// the key, none before the opening counts.
TEST(WorkflowFixes, VisitsDuringTheAbsenceBeforeTheCaseOpenedCount) {
  const std::string events =
      "student_id,date,type,person,note\n"
      "E1,2019-09-02,home_visit,T,\n"    // row 2: the last day at school
      "E1,2019-09-04,home_visit,T,\n"    // row 3: counts
      "E1,2019-09-06,home_visit,T,\n"    // row 4: counts: home_visits done on 09-10
      "E1,2019-09-12,school_report,P,\n"; // row 5: within 3 days of 09-10
  const std::vector<std::vector<std::string>> rows = {{"E1", "enrolled", "2010-03-01", "2019-09-02"}};
  CaseRun r(default_rules(), rows, events, day("2019-09-20"));
  const auto e1 = r.cases_of("E1");
  ASSERT_EQ(e1.size(), 1u);
  EXPECT_EQ(opt(e1[0]->opened), "2019-09-10");
  EXPECT_EQ(e1[0]->stage, "township_persuasion");
  ASSERT_GE(e1[0]->stages.size(), 2u);
  EXPECT_EQ(opt(e1[0]->stages[0].completed), "2019-09-10");
  EXPECT_EQ(opt(e1[0]->stages[1].due), "2019-09-13");
  EXPECT_TRUE(r.report.accountability.empty());
  EXPECT_EQ(r.reason(2), "dated 2019-09-02, before the case opened on 2019-09-10 and not after last_attended (2019-09-02)");
  // The key removed: the early visits are rejected, the report is early.
  std::string text = default_rules().source();
  const size_t at = text.find("  events_after: last_attended\n");
  ASSERT_NE(at, std::string::npos);
  text.erase(at, std::string("  events_after: last_attended\n").size());
  CaseRun without(parse_rules(text, "no_early.yaml"), rows, events, day("2019-09-20"));
  EXPECT_EQ(without.reason(3), "dated 2019-09-04, before the case opened on 2019-09-10");
  EXPECT_EQ(without.cases_of("E1").at(0)->stage, "home_visits");
}

TEST(WorkflowFixes, EventsOfOneDayFollowTheWorkflowNotTheFileOrder) {
  // B's second visit and the school's report on the same day (S2.2: the
  // report is due within 3 days of the second visit): on time whichever
  // line comes first. C's visit and return on one day: the visit counts.
  const std::string head = "student_id,date,type,person,note\n";
  const std::string b =
      "B,2019-09-10,home_visit,T,\n"
      "B,2019-09-12,school_report,P,\n"
      "B,2019-09-12,home_visit,T,\n";
  const std::string c =
      "C,2019-09-10,home_visit,T,\n"
      "C,2019-09-12,returned,T,\n"
      "C,2019-09-12,home_visit,T,\n";
  const std::vector<std::vector<std::string>> rows = {{"B", "enrolled", "2007-05-05", "2019-09-01"},
                                                      {"C", "enrolled", "2007-05-05", "2019-09-01"}};
  for (const std::string& events : {head + b + c, head + c + b}) {
    CaseRun r(default_rules(), rows, events, day("2019-11-15"));
    EXPECT_TRUE(r.report.event_rejects.empty()) << r.report.event_rejects.front().reason;
    const auto bc = r.cases_of("B");
    ASSERT_EQ(bc.size(), 1u);
    ASSERT_GE(bc[0]->stages.size(), 2u);
    EXPECT_EQ(opt(bc[0]->stages[1].completed), "2019-09-12");
    EXPECT_EQ(bc[0]->stages[1].days_late, 0);
    EXPECT_EQ(bc[0]->stage, "township_persuasion");
    const auto cc = r.cases_of("C");
    ASSERT_EQ(cc.size(), 1u);
    EXPECT_TRUE(cc[0]->closed);
    EXPECT_EQ(cc[0]->stages[0].done, 2);
    for (const auto& a : r.report.accountability) EXPECT_NE(a.stage, "school_report") << a.student_id;
  }
}

// An event type two stages count (a visit, then a follow-up visit after
// the report): on one day, the visit listed before the report still counts
// for the follow-up once the report is in.
TEST(WorkflowFixes, ADayOfEventsSettlesATypeTwoStagesCount) {
  const RulePack pack = parse_rules(
      "meta: {name: f, version: 0.1.0, extends: guizhou}\n"
      "workflow:\n"
      "  stages:\n"
      "    - {id: followup, after: school_report, role: teacher, action: follow-up visit, event: home_visit}\n",
      "f.yaml");
  CaseRun r(pack, {{"F", "enrolled", "2007-05-05", "2019-09-01"}},
            "student_id,date,type,person,note\n"
            "F,2019-09-10,home_visit,T,\nF,2019-09-11,home_visit,T,\n"
            "F,2019-09-12,home_visit,T,\nF,2019-09-12,school_report,P,\n",
            day("2019-11-15"));
  EXPECT_TRUE(r.report.event_rejects.empty()) << r.report.event_rejects.front().reason;
  const auto f = r.cases_of("F");
  ASSERT_EQ(f.size(), 1u);
  ASSERT_GE(f[0]->stages.size(), 3u);
  EXPECT_EQ(f[0]->stages[2].stage, "followup");
  EXPECT_EQ(opt(f[0]->stages[2].completed), "2019-09-12");
  EXPECT_EQ(f[0]->stage, "township_persuasion");
}

TEST(WorkflowFixes, ADutyLeftUndoneWhenTheChildReturnedStaysAccountable) {
  // Visits on 09-10 and 09-11: the report was due 09-14. X3 returned on
  // 10-01 without one (17 days late when the case closed); X2's report came
  // on 09-20 (6 days late). Both lapses stay on the list after the return.
  CaseRun r(default_rules(),
            {{"X2", "enrolled", "2007-05-05", "2019-09-01"}, {"X3", "enrolled", "2007-05-05", "2019-09-01"}},
            "student_id,date,type,person,note\n"
            "X2,2019-09-10,home_visit,T,\nX2,2019-09-11,home_visit,T,\nX2,2019-09-20,school_report,P,\n"
            "X2,2019-10-01,returned,T,\n"
            "X3,2019-09-10,home_visit,T,\nX3,2019-09-11,home_visit,T,\nX3,2019-10-01,returned,T,\n",
            day("2019-11-15"));
  std::map<std::string, const Accountability*> by_student;
  for (const auto& a : r.report.accountability) by_student[a.student_id + "/" + a.stage] = &a;
  ASSERT_TRUE(by_student.count("X2/school_report"));
  EXPECT_EQ(by_student["X2/school_report"]->days_late, 6);
  ASSERT_TRUE(by_student.count("X3/school_report"));
  const Accountability& x3 = *by_student["X3/school_report"];
  EXPECT_EQ(x3.due.format(), "2019-09-14");
  EXPECT_FALSE(x3.done_on);
  EXPECT_EQ(x3.days_late, 17);
  EXPECT_EQ(x3.lapsed.role, "principal");
  // Nothing after the report was due: X2's persuasion stage (due 09-20 +
  // its period) had not lapsed by the return.
  EXPECT_EQ(r.report.accountability.size(), 2u);
  // The case itself is closed and overdue no more.
  for (const Case* c : r.cases_of("X3")) {
    EXPECT_TRUE(c->closed);
    EXPECT_EQ(c->days_overdue, 0);
  }
}

TEST(WorkflowFixes, AnEarlierCaseOpensOnItsOpenedOnWithinItsEvents) {
  // U last attended 09-01: suspected (the case opens) on 09-09. A visit on
  // 08-30, before the last day at school, is before the case opened,
  // whether or not a return closes it.
  for (const bool returned : {false, true}) {
    std::string events =
        "student_id,date,type,person,note\n"
        "U,2019-08-30,home_visit,T,\n"  // row 2
        "U,2019-09-10,home_visit,T,\n"
        "U,2019-09-11,school_report,P,\n";
    if (returned) events += "U,2019-09-20,returned,T,\n";
    CaseRun r(default_rules(), {{"U", "enrolled", "2007-05-05", "2019-09-01"}}, events, day("2019-11-15"));
    EXPECT_EQ(r.reason(2), "dated 2019-08-30, before the case opened on 2019-09-09 and not after last_attended "
                           "(2019-09-01)")
        << returned;
    const auto u = r.cases_of("U");
    ASSERT_EQ(u.size(), 1u);
    EXPECT_EQ(opt(u[0]->opened), "2019-09-09");
    EXPECT_EQ(u[0]->closed, returned);
  }
}

// A child off the registry is a dropout at once (D2): the case opens the
// day after the last day attended, so the visits and the report made since
// count (they were rejected as before a case opened a week later).
TEST(WorkflowFixes, ACaseOfAChildWhoLeftOpensTheDayAfterTheLastDayAttended) {
  CaseRun r(default_rules(), {{"L1", "left", "2010-03-01", "2019-09-01"}},
            "student_id,date,type,person,note\n"
            "L1,2019-09-03,home_visit,T,\n"
            "L1,2019-09-05,home_visit,T,\n"
            "L1,2019-09-07,school_report,P,\n",
            day("2019-09-20"));
  EXPECT_EQ(r.result.value(0, 0), "dropout");
  ASSERT_EQ(r.report.cases.size(), 1u);
  const Case& c = r.report.cases[0];
  EXPECT_EQ(opt(c.opened), "2019-09-02");
  EXPECT_EQ(c.stage, "township_persuasion");
  EXPECT_EQ(r.report.events_applied, 3);
  EXPECT_TRUE(r.report.event_rejects.empty());
}

TEST(WorkflowFixes, CaseNeverOpensAfterTheEvaluationDate) {
  // A pack whose opened_on lies in the future for an open record.
  std::string text = default_rules().source();
  const std::string from = "  opened_on: if registry = left then dropout_since else suspected_since\n";
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, from.size(), "  opened_on: as_of + 5 days\n");
  CaseRun r(parse_rules(text, "future.yaml"), {{"A", "enrolled", "2008-03-01", "2019-09-01"}}, "student_id,date,type\n",
        day("2019-11-15"));
  ASSERT_EQ(r.report.cases.size(), 1u);
  EXPECT_FALSE(r.report.cases[0].closed);
  EXPECT_EQ(opt(r.report.cases[0].opened), "2019-11-15");
}

TEST(WorkflowFixes, CasesCommandShowsNoOpenCaseForAChildInSchool) {
  const auto dir = temp_dir("wf");
  write_file(dir / "m1.csv", "student_id,registry,birth_date,last_attended\nR2,enrolled,2010-03-01,2019-10-15\n");
  write_file(dir / "m2e.csv", "student_id,date,type,person,note\nR2,2019-09-14,returned,T,\n");
  const std::string files = "--students " + shell_quote((dir / "m1.csv").string()) + " --events " +
                            shell_quote((dir / "m2e.csv").string()) + " --as-of 2019-10-20";
  auto run = run_kcbx(dir, "cases " + files);
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, "student_id,status,opened,stage,clause,next_action,role,role_alias,person,phone,due,"
                     "days_overdue,escalation\n");
  EXPECT_NE(run.err.find("cases: 0 open (0 overdue), 1 closed; 0 accountability entries"), std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("events: read 1 = applied 1 + rejected 0"), std::string::npos) << run.err;
  run = run_kcbx(dir, "cases --all " + files);
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("\nR2,in_school,2019-09-14,closed,,,,,,,,0,\n"), std::string::npos) << run.out;

  // kcbx run: nobody on the responsibility list.
  run = run_kcbx(dir, "run " + files + " --out " + shell_quote((dir / "out").string()) + " --format csv");
  ASSERT_EQ(run.code, 0) << run.err;
  const std::string resp = read_file(dir / "out" / "responsibility.csv");
  EXPECT_EQ(std::count(resp.begin(), resp.end(), '\n'), 1) << resp;  // the header only
}

// Every stage done and the child still away: the case stays open, owned
// by the last stage's role with its action (SPEC M3.1), nothing overdue.
TEST(WorkflowFixes, ACaseWithEveryStageDoneKeepsItsOwner) {
  CaseRun r(default_rules(), {{"Z", "enrolled", "2007-05-05", "2019-09-01"}},
            "student_id,date,type,person,note\n"
            "Z,2019-09-10,home_visit,T,\nZ,2019-09-11,home_visit,T,\nZ,2019-09-12,school_report,P,\n"
            "Z,2019-09-20,township_persuasion,H,\nZ,2019-09-25,township_persuasion,H,\n"
            "Z,2019-10-01,notice_issued,H,\nZ,2019-10-10,administrative_measure,C,\n",
            day("2019-11-15"));
  EXPECT_TRUE(r.report.event_rejects.empty()) << r.report.event_rejects.front().reason;
  const auto z = r.cases_of("Z");
  ASSERT_EQ(z.size(), 1u);
  EXPECT_FALSE(z[0]->closed);
  EXPECT_EQ(z[0]->stage, "further_measures");
  EXPECT_EQ(z[0]->responsible.role, "county_head");
  EXPECT_NE(z[0]->next_action.find("every stage done; until the child returns"), std::string::npos)
      << z[0]->next_action;
  EXPECT_FALSE(z[0]->due);
  EXPECT_EQ(z[0]->days_overdue, 0);
}

// The notes added to a next action are the pack's to word, in its own
// language: a Chinese pack's official reads no English in 问题清单.
TEST(WorkflowFixes, APackWordsTheNotesOfTheNextAction) {
  const RulePack zh = parse_rules(
      "meta: {name: zh, version: 0.1.0, extends: guizhou}\n"
      "workflow:\n"
      "  progress_note: （已完成 {done}/{needed} 次）\n"
      "  continuing_note: （各阶段均已完成，持续至学生返校）\n",
      "zh.yaml");
  CaseRun visits(zh, {{"A", "enrolled", "2007-05-05", "2019-09-01"}},
                 "student_id,date,type,person,note\nA,2019-09-10,home_visit,T,\n", day("2019-09-20"));
  ASSERT_EQ(visits.cases_of("A").size(), 1u);
  EXPECT_EQ(visits.cases_of("A")[0]->next_action, "home visit with village cadres (家访)（已完成 1/2 次）");
  CaseRun done(zh, {{"Z", "enrolled", "2007-05-05", "2019-09-01"}},
               "student_id,date,type,person,note\n"
               "Z,2019-09-10,home_visit,T,\nZ,2019-09-11,home_visit,T,\nZ,2019-09-12,school_report,P,\n"
               "Z,2019-09-20,township_persuasion,H,\nZ,2019-09-25,township_persuasion,H,\n"
               "Z,2019-10-01,notice_issued,H,\nZ,2019-10-10,administrative_measure,C,\n",
               day("2019-11-15"));
  ASSERT_EQ(done.cases_of("Z").size(), 1u);
  EXPECT_EQ(done.cases_of("Z")[0]->next_action, "administrative or legal measures (四个一批)（各阶段均已完成，持续至学生返校）");
  // An ASCII note is added after a space; a placeholder other than
  // {done} and {needed} is refused where it is written.
  const RulePack en = parse_rules("meta: {name: en, extends: guizhou}\nworkflow:\n  progress_note: \"[{done}/{needed}]\"\n",
                                  "en.yaml");
  CaseRun ascii(en, {{"A", "enrolled", "2007-05-05", "2019-09-01"}},
                "student_id,date,type,person,note\nA,2019-09-10,home_visit,T,\n", day("2019-09-20"));
  EXPECT_EQ(ascii.cases_of("A")[0]->next_action, "home visit with village cadres (家访) [1/2]");
  const auto ds = kcbx::check_rules("meta: {name: t, extends: guizhou}\nworkflow:\n  progress_note: \"{done} of {need}\"\n",
                                    "t.yaml");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].code, "unknown-name");
  EXPECT_EQ(ds[0].where.format(), "t.yaml:3:18");
  EXPECT_NE(ds[0].message.find("'{need}' is neither"), std::string::npos) << ds[0].message;
}

// Rejects are listed in row order: a pack check's (found when the chunk is
// classified) among the reader's, the workflow's among the events reader's.
TEST(WorkflowFixes, RejectsAreInRowOrder) {
  const auto dir = temp_dir("wf");
  write_file(dir / "s.csv",
             "student_id,registry,birth_date,last_attended\n"
             "A,enrolled,2030-01-01,\n"             // line 2: born after as_of (a pack check)
             "B,enroled,2010-01-01,\n"              // line 3: a bad cell (the reader)
             "C,enrolled,2008-03-01,2019-09-01\n");
  write_file(dir / "e.csv",
             "student_id,date,type,person,note\n"
             "C,2019-08-01,home_visit,T,\n"         // line 2: before the case opened (the workflow)
             "C,2019-09-10,bad_type,T,\n");         // line 3: unknown type (the reader)
  const std::string files = "--students " + shell_quote((dir / "s.csv").string()) + " --events " +
                            shell_quote((dir / "e.csv").string()) + " --as-of 2019-11-15";
  auto run = run_kcbx(dir, "run " + files + " --out " + shell_quote((dir / "out").string()) + " --format csv");
  ASSERT_EQ(run.code, 0) << run.err;
  const std::string rejects = read_file(dir / "out" / "rejects.csv");
  const std::vector<std::string> order = {"students,2,", "students,3,", "events,2,", "events,3,"};
  size_t at = 0;
  for (const auto& o : order) {
    const size_t found = rejects.find(o, at);
    ASSERT_NE(found, std::string::npos) << o << " in order in " << rejects;
    at = found;
  }
  run = run_kcbx(dir, "cases " + files + " --rejects " + shell_quote((dir / "r.csv").string()));
  ASSERT_EQ(run.code, 0) << run.err;
  const std::string cases_rejects = read_file(dir / "r.csv");
  at = 0;
  for (const auto& o : order) {
    const size_t found = cases_rejects.find(o, at);
    ASSERT_NE(found, std::string::npos) << o << " in order in " << cases_rejects;
    at = found;
  }
}

// kcbx run's calendar lists the reports due in the next 15 days, or in
// --calendar-days N.
TEST(WorkflowFixes, RunCalendarDaysSetsTheWindow) {
  const auto dir = temp_dir("wf");
  write_file(dir / "s.csv", "student_id,registry,birth_date,last_attended\nC,enrolled,2008-03-01,\n");
  const std::string files = "--students " + shell_quote((dir / "s.csv").string()) + " --as-of 2019-11-16 --format csv";
  auto lines = [&](const std::string& extra) {
    const auto out = dir / ("out" + std::to_string(extra.size()));
    const auto r = run_kcbx(dir, "run " + files + extra + " --out " + shell_quote(out.string()));
    EXPECT_EQ(r.code, 0) << r.err;
    const std::string cal = read_file(out / "calendar.csv");
    return std::count(cal.begin(), cal.end(), '\n') - 1;
  };
  // From 11-16: 15 days hold the half-month reports of 11-30; 40 days also
  // December's; none on 11-16 itself.
  const auto fifteen = lines("");
  const auto none = lines(" --calendar-days 0");
  const auto forty = lines(" --calendar-days 40");
  EXPECT_EQ(none, 0);
  EXPECT_GT(fifteen, 0);
  EXPECT_GT(forty, fifteen);
  EXPECT_NE(run_kcbx(dir, "run " + files + " --calendar-days -1 --out " + shell_quote((dir / "o").string())).code, 0);
}

// ---- 2. Back at school: in_school again --------------------------------------

const char* kReturnEvents =
    "student_id,date,type,person,note\n"
    "D1,2019-09-12,home_visit,t,\n"   // 2
    "D1,2019-10-20,returned,t,\n"     // 3: back; last_attended 09-01
    "D2,2019-09-12,home_visit,t,\n"   // 4
    "D2,2019-10-15,returned,t,\n"     // 5: back, then absent again
    "D2,2019-11-12,home_visit,t,\n"   // 6: the new case
    "D3,2019-09-12,home_visit,t,\n";  // 7: still away

std::vector<std::vector<std::string>> return_students() {
  return {{"D1", "enrolled", "2008-03-01", "2019-09-01"},
          {"D2", "enrolled", "2008-03-01", "2019-11-01"},
          {"D3", "enrolled", "2008-03-01", "2019-09-01"}};
}

TEST(WorkflowFixes, ReturnedChildIsInSchoolAgain) {
  CaseRun r(default_rules(), return_students(), kReturnEvents, day("2019-11-15"));
  // D1: the return closes the case; the status table's `returned` row.
  EXPECT_EQ(r.result.value(0, 0), "in_school");
  EXPECT_EQ(r.result.rule(0, 0), "returned");
  EXPECT_EQ(r.result.clause(0, 0), "M3.3");
  EXPECT_EQ(r.batch.cell(0, "returned_on"), "2019-10-20");
  const auto d1 = r.cases_of("D1");
  ASSERT_EQ(d1.size(), 1u);
  EXPECT_TRUE(d1[0]->closed);
  EXPECT_EQ(d1[0]->status, "in_school");
  EXPECT_EQ(opt(d1[0]->opened), "2019-09-09");
  EXPECT_EQ(opt(d1[0]->closed_on), "2019-10-20");
  // D2: attended up to 11-01, after the return: the record's own status
  // stands, a new case opened on 11-09, and the earlier closure is kept.
  EXPECT_EQ(r.result.value(0, 1), "suspected_dropout");
  EXPECT_EQ(r.result.rule(0, 1), "absent_over_week");
  const auto d2 = r.cases_of("D2");
  ASSERT_EQ(d2.size(), 2u);
  EXPECT_TRUE(d2[0]->closed);
  EXPECT_EQ(opt(d2[0]->opened), "2019-09-12");
  EXPECT_EQ(opt(d2[0]->closed_on), "2019-10-15");
  EXPECT_EQ(d2[0]->status, "suspected_dropout");
  EXPECT_FALSE(d2[1]->closed);
  EXPECT_EQ(opt(d2[1]->opened), "2019-11-09");
  EXPECT_EQ(d2[1]->stage, "home_visits");
  EXPECT_EQ(d2[1]->next_action, "home visit with village cadres (家访) (1 of 2 done)");
  // D3: no return.
  EXPECT_EQ(r.result.value(0, 2), "dropout");
  EXPECT_EQ(r.report.events_applied, 6);
  EXPECT_TRUE(r.report.event_rejects.empty());
}

TEST(WorkflowFixes, ARepeatedReturnIsRejectedNotACaseOfItsOwn) {
  // Two returns (the same day, then the next day) after one case: the case
  // is closed once; the repeats close nothing and are rejected.
  const std::string events =
      "student_id,date,type,person,note\n"
      "R1,2019-09-12,home_visit,T,\n"
      "R1,2019-10-15,returned,T,\n"
      "R1,2019-10-15,returned,T,\n"
      "R1,2019-10-16,returned,T,\n";
  CaseRun r(default_rules(), {{"R1", "enrolled", "2010-03-01", "2019-09-01"}}, events, day("2019-11-20"));
  const auto c = r.cases_of("R1");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_TRUE(c[0]->closed);
  EXPECT_EQ(opt(c[0]->opened), "2019-09-09");
  EXPECT_EQ(opt(c[0]->closed_on), "2019-10-15");
  EXPECT_EQ(r.report.events_applied, 2);
  EXPECT_EQ(r.reason(4), "after the case was closed on 2019-10-15");
  EXPECT_EQ(r.reason(5), "after the case was closed on 2019-10-15");
}

TEST(WorkflowFixes, EvaluateCasesSeesTheReturnEvenWithAnUnfilledResult) {
  // A caller that classified the records as read (the Python binding, an
  // older program) still gets the statuses the events make.
  CaseRun r(default_rules(), return_students(), kReturnEvents, day("2019-11-15"), /*fill=*/false);
  EXPECT_EQ(r.result.value(0, 0), "dropout");  // the caller's own result
  const auto d1 = r.cases_of("D1");
  ASSERT_EQ(d1.size(), 1u);
  EXPECT_EQ(d1[0]->status, "in_school");
  EXPECT_TRUE(d1[0]->closed);
  EXPECT_EQ(opt(d1[0]->opened), "2019-09-09");
  ASSERT_EQ(r.cases_of("D2").size(), 2u);
}

TEST(WorkflowFixes, EventDatesKeepALaterValueOfTheRecordAndIgnoreFutureEvents) {
  const RulePack pack = default_rules();
  BatchBuilder b(pack);
  ASSERT_TRUE(b.set_columns({"student_id", "registry", "birth_date", "last_attended", "returned_on"}).empty());
  EXPECT_FALSE(b.add_row({"A", "enrolled", "2008-03-01", "2019-09-01", "2019-10-30"}, 2));
  EXPECT_FALSE(b.add_row({"B", "enrolled", "2008-03-01", "2019-09-01", ""}, 3));
  EXPECT_FALSE(b.add_row({"C", "enrolled", "2008-03-01", "2019-09-01", ""}, 4));
  const Batch read = b.finish();
  std::istringstream in(
      "student_id,date,type\nA,2019-10-20,returned\nB,2019-10-01,returned\nB,2019-10-05,返校复学\n"
      "B,2019-12-01,returned\nC,2019-10-01,home_visit\n");
  const EventLog events = read_events(pack, in);
  const Batch filled = with_event_dates(pack, read, events, day("2019-11-15"));
  EXPECT_EQ(filled.cell(0, "returned_on"), "2019-10-30");  // the record's own, later
  EXPECT_EQ(filled.cell(1, "returned_on"), "2019-10-05");  // 12-01 is after as_of
  EXPECT_EQ(filled.cell(2, "returned_on"), "");
  EXPECT_EQ(read.cell(1, "returned_on"), "");  // the input is untouched
  // Nothing to fill: the same records back.
  std::istringstream none("student_id,date,type\nC,2019-10-01,home_visit\n");
  const Batch same = with_event_dates(pack, read, read_events(pack, none), day("2019-11-15"));
  EXPECT_EQ(&same.data(), &read.data());
}

TEST(WorkflowFixes, RunCountsAReturnedChildInSchoolInLedgersListsAndIndicators) {
  const auto dir = temp_dir("wf");
  write_file(dir / "s.csv",
             "student_id,registry,birth_date,last_attended,poor,division_code,school_id,class_id\n"
             "D1,enrolled,2008-03-01,2019-09-01,true,520102100001,S1,1\n"
             "D2,enrolled,2008-03-01,2019-11-01,true,520102100001,S1,1\n"
             "D3,enrolled,2008-03-01,2019-09-01,true,520102100001,S1,1\n"
             "D4,enrolled,2008-03-01,,true,520102100001,S1,1\n");
  write_file(dir / "e.csv", kReturnEvents);
  const auto run = run_kcbx(dir, "run --students " + shell_quote((dir / "s.csv").string()) + " --events " +
                                     shell_quote((dir / "e.csv").string()) + " --as-of 2019-11-15 --out " +
                                     shell_quote((dir / "out").string()) + " --format csv");
  ASSERT_EQ(run.code, 0) << run.err;
  auto table = [&](const char* name) {
    std::string t = read_file(dir / "out" / name);
    if (t.rfind("\xEF\xBB\xBF", 0) == 0) t.erase(0, 3);
    t.erase(std::remove(t.begin(), t.end(), '\r'), t.end());  // CRLF, for Excel
    return t;
  };
  // Only D3 (dropout) is on the village ledger; D1 is back at school, D2
  // a suspected dropout (not counted out).
  const std::string ledger = table("ledger_village.csv");
  EXPECT_EQ(std::count(ledger.begin(), ledger.end(), '\n'), 2) << ledger;
  EXPECT_NE(ledger.find("\n520102100001,D3,"), std::string::npos) << ledger;
  // The closure list keeps both closures, with the children's statuses now.
  EXPECT_EQ(table("closures.csv"),
            "student_id,jurisdiction,status,opened,closed_on,days_open\n"
            "D1,520102100001,in_school,2019-09-09,2019-10-20,41\n"
            "D2,520102100001,suspected_dropout,2019-09-12,2019-10-15,33\n");
  // Responsibility list: the open cases only (D2's new case, D3).
  const std::string resp = table("responsibility.csv");
  EXPECT_EQ(std::count(resp.begin(), resp.end(), '\n'), 3) << resp;
  EXPECT_EQ(resp.find("\nD1,"), std::string::npos) << resp;
  // T3 consolidation: D1 and D4 in school of 4; T5 the same for the poor.
  const std::string ind = table("indicators.csv");
  EXPECT_NE(ind.find("consolidation_rate,九年义务教育巩固率,T3,all,520000,2019-11-15,2,4,0.5,at_least,0.95,missed"),
            std::string::npos)
      << ind;
  EXPECT_NE(ind.find("poor_consolidation_rate,建档立卡贫困家庭子女义务教育巩固率,T5,all,520000,2019-11-15,2,4,0.5,"),
            std::string::npos)
      << ind;
  const std::string summary = table("summary.csv");
  EXPECT_NE(summary.find("status,in_school,在校,all,2\n"), std::string::npos) << summary;
  EXPECT_NE(summary.find("status,dropout,辍学,all,1\n"), std::string::npos) << summary;
  EXPECT_NE(summary.find("status,suspected_dropout,疑似辍学,all,1\n"), std::string::npos) << summary;
  EXPECT_NE(summary.find("cases,open,在办,all,2\n"), std::string::npos) << summary;
  EXPECT_NE(summary.find("cases,closed,已关闭,all,2\n"), std::string::npos) << summary;
  EXPECT_NE(summary.find("events,rejected,拒收,,0\n"), std::string::npos) << summary;

  // kcbx cases --all shows the same statuses.
  const auto cases = run_kcbx(dir, "cases --all --students " + shell_quote((dir / "s.csv").string()) +
                                       " --events " + shell_quote((dir / "e.csv").string()) + " --as-of 2019-11-15");
  ASSERT_EQ(cases.code, 0) << cases.err;
  EXPECT_NE(cases.out.find("\nD1,in_school,2019-09-09,closed,"), std::string::npos) << cases.out;
  EXPECT_NE(cases.out.find("\nD2,suspected_dropout,2019-09-12,closed,"), std::string::npos) << cases.out;
  EXPECT_NE(cases.out.find("\nD2,suspected_dropout,2019-11-09,home_visits,"), std::string::npos) << cases.out;
  EXPECT_NE(cases.err.find("cases: 2 open (0 overdue), 2 closed"), std::string::npos) << cases.err;
}

TEST(WorkflowFixes, EachInputFileMayHaveItsOwnEncoding) {
  // Students exported as GB18030 beside an events file kept in UTF-8: read
  // with the students' encoding, the events' Chinese types are garbled
  // and rejected; with --events-encoding they are read.
  const auto dir = temp_dir("wf_enc");
  write_file(dir / "s.csv",
             "student_id,registry,birth_date,last_attended,division_code,school_id,class_id\n"
             "E1,enrolled,2008-03-01,2019-09-01,520102100001,S1,1\n");
  write_file(dir / "e.csv", "student_id,date,type\nE1,2019-09-20,家访\nE1,2019-09-25,家访\n");
  const std::string args = "--students " + shell_quote((dir / "s.csv").string()) + " --events " +
                           shell_quote((dir / "e.csv").string()) + " --as-of 2019-11-15 --encoding gb18030";
  auto run = [&](const char* out, const std::string& extra) {
    const auto r = run_kcbx(dir, "run --format csv --out " + shell_quote((dir / out).string()) + " " + args + extra);
    EXPECT_EQ(r.code, 0) << r.err;
    return read_file(dir / out / "summary.csv");
  };
  EXPECT_NE(run("a", "").find("events,rejected,拒收,,2"), std::string::npos);
  EXPECT_NE(run("b", " --events-encoding utf-8").find("events,rejected,拒收,,0"), std::string::npos);
  const auto garbled = run_kcbx(dir, "cases " + args);
  const auto read = run_kcbx(dir, "cases " + args + " --events-encoding utf-8");
  ASSERT_EQ(garbled.code, 0) << garbled.err;
  ASSERT_EQ(read.code, 0) << read.err;
  EXPECT_NE(garbled.err.find("events: read 2 = applied 0 + rejected 2"), std::string::npos) << garbled.err;
  EXPECT_NE(read.err.find("events: read 2 = applied 2 + rejected 0"), std::string::npos) << read.err;
}

TEST(WorkflowFixes, EventDatesKeyIsValidatedWithPositions) {
  std::string text = default_rules().source();
  const std::string from = "    returned_on: returned\n";
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
  auto diags_for = [&](const std::string& entry) {
    std::string t = text;
    t.replace(at, from.size(), entry);
    return check_rules(t, "p.yaml");
  };
  auto only_error = [](const std::vector<Diagnostic>& ds) {
    std::vector<Diagnostic> errors;
    for (const auto& d : ds)
      if (d.severity == Severity::kError) errors.push_back(d);
    EXPECT_EQ(errors.size(), 1u);
    return errors.empty() ? Diagnostic{} : errors.front();
  };
  Diagnostic d = only_error(diags_for("    name: returned\n"));
  EXPECT_EQ(d.code, "wrong-type");
  EXPECT_EQ(d.message, "'event_dates' fills date fields; 'name' is not a date");
  EXPECT_EQ(d.where.format(), "p.yaml:" + std::to_string(line) + ":5");
  d = only_error(diags_for("    returned_at: returned\n"));
  EXPECT_EQ(d.code, "unknown-name");
  EXPECT_EQ(d.message, "unknown field 'returned_at'; did you mean 'returned_on'?");
  EXPECT_EQ(d.where.format(), "p.yaml:" + std::to_string(line) + ":5");
  d = only_error(diags_for("    returned_on: [returned, came_back]\n"));
  EXPECT_EQ(d.code, "unknown-value");
  EXPECT_EQ(d.message, "unknown event type 'came_back'");
  EXPECT_EQ(d.where.format(), "p.yaml:" + std::to_string(line) + ":29");  // at came_back
  for (const auto& x : diags_for("    returned_on: [returned, 返校复学]\n"))
    EXPECT_NE(x.severity, Severity::kError) << x.format();
}

// ---- 3. Records a pack check refuses -----------------------------------------

TEST(WorkflowFixes, CasesRejectsRecordsAPackCheckRefuses) {
  CaseRun r(default_rules(),
        {{"OK", "enrolled", "2010-03-01", "2019-09-01"}, {"FUT", "enrolled", "2030-03-01", "2019-09-01"}},
        "student_id,date,type\nFUT,2019-09-12,home_visit\n", day("2019-10-20"));
  ASSERT_EQ(r.report.student_rejects.size(), 1u);
  EXPECT_EQ(r.report.student_rejects[0].row, 3);
  EXPECT_EQ(r.report.student_rejects[0].student_id, "FUT");
  EXPECT_EQ(r.report.student_rejects[0].reason, "the birth date is after the evaluation date");
  EXPECT_TRUE(r.cases_of("FUT").empty());
  EXPECT_EQ(r.reason(2), "the student's record was rejected");

  const auto dir = temp_dir("wf");
  write_file(dir / "s.csv",
             "student_id,registry,birth_date,last_attended\nOK,enrolled,2010-03-01,2019-09-01\n"
             "FUT,enrolled,2030-03-01,2019-09-01\n");
  const auto run = run_kcbx(dir, "cases --students " + shell_quote((dir / "s.csv").string()) +
                                     " --as-of 2019-10-20 --rejects " + shell_quote((dir / "rj.csv").string()));
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.err.find("students: read 2 = accepted 1 + rejected 1"), std::string::npos) << run.err;
  EXPECT_EQ(read_file(dir / "rj.csv"),
            "file,row,student_id,column,reason\nstudents,3,FUT,birth_date,the birth date is after the evaluation date\n");
  // The same reason as kcbx classify gives.
  const auto cls = run_kcbx(dir, "classify --students " + shell_quote((dir / "s.csv").string()) +
                                     " --as-of 2019-10-20 --rejects " + shell_quote((dir / "rc.csv").string()));
  ASSERT_EQ(cls.code, 0) << cls.err;
  EXPECT_NE(read_file(dir / "rc.csv").find("3,FUT,birth_date,the birth date is after the evaluation date"),
            std::string::npos);
}

// ---- 4. The events key column follows the pack --------------------------------

RulePack renamed_key_pack() {
  std::string text = default_rules().source();
  const std::string from = "  student_id:       {alias: 学籍号,";
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos);
  text.replace(at, from.size(), "  pupil_no: {alias: 学号,");
  return parse_rules(text, "renamed.yaml");
}

TEST(WorkflowFixes, EventsKeyColumnIsThePacksKeyField) {
  const RulePack pack = renamed_key_pack();
  BatchBuilder b(pack);
  ASSERT_TRUE(b.set_columns({"pupil_no", "registry", "birth_date", "last_attended"}).empty());
  EXPECT_FALSE(b.add_row({"P1", "enrolled", "2008-03-01", "2019-09-01"}, 2));
  const Batch batch = b.finish();
  const Engine engine(pack);
  for (const char* header : {"pupil_no,date,type\n", "学号,date,type\n"}) {
    std::istringstream in(std::string(header) + "P1,2019-09-12,home_visit\nZ9,2019-09-12,home_visit\n,2019-09-12,home_visit\n");
    const EventLog log = read_events(pack, in);
    ASSERT_EQ(log.events.size(), 2u) << header;
    ASSERT_EQ(log.rejects.size(), 1u);
    EXPECT_EQ(log.rejects[0].column, "pupil_no");
    EXPECT_EQ(log.rejects[0].reason, "pupil_no is empty");
    const CaseReport r = evaluate_cases(engine, batch, engine.classify(batch, day("2019-11-15")), log, nullptr,
                                        day("2019-11-15"));
    ASSERT_EQ(r.cases.size(), 1u);
    EXPECT_EQ(r.cases[0].student_id, "P1");
    EXPECT_EQ(r.cases[0].next_action, "home visit with village cadres (家访) (1 of 2 done)");
    ASSERT_EQ(r.event_rejects.size(), 1u);
    EXPECT_EQ(r.event_rejects[0].column, "pupil_no");
    EXPECT_EQ(r.event_rejects[0].reason, "unknown student: no record with this pupil_no");
  }
  // student_id is no column of this pack's events files.
  std::istringstream wrong("student_id,date,type\nP1,2019-09-12,home_visit\n");
  try {
    read_events(pack, wrong, "ev.csv");
    FAIL() << "expected kcbx::Error";
  } catch (const Error& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].format(), "ev.csv:1:1: error: the events file has no 'pupil_no' (学号) column [missing-column]");
  }
}

// Two columns for one thing: which is meant cannot be told, so the file
// is refused (the students file, the roster and the transfer files are).
TEST(WorkflowFixes, AnEventsFileWithTwoColumnsForOneThingIsRefused) {
  std::istringstream twice("student_id,学籍号,date,type,date\nS1,S3,2019-09-10,home_visit,2019-09-11\n");
  try {
    read_events(default_rules(), twice, "ev.csv");
    FAIL() << "expected kcbx::Error";
  } catch (const Error& e) {
    ASSERT_EQ(e.diagnostics().size(), 2u);
    EXPECT_EQ(e.diagnostics()[0].format(),
              "ev.csv:1:1: error: columns 1 'student_id' and 2 '学籍号' are both the events' student_id [duplicate-column]");
    EXPECT_EQ(e.diagnostics()[1].code, "duplicate-column");
  }
  // A header saved in GBK (学籍号 as D1A7 BCAE BAC5) is no UTF-8: the flag
  // that reads it is named.
  std::istringstream gbk("\xD1\xA7\xBC\xAE\xBA\xC5,date,type\nS1,2019-09-10,home_visit\n");
  try {
    read_events(default_rules(), gbk, "ev.csv");
    FAIL() << "expected kcbx::Error";
  } catch (const Error& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].code, "bad-header");
    EXPECT_NE(e.diagnostics()[0].message.find("--events-encoding gb18030"), std::string::npos);
  }
  // Names in another case, or with an ideographic space after them, are
  // the same columns, as in the students file.
  std::istringstream cased("Student_ID,Date\u3000,TYPE\nS1,2019-09-10,home_visit\n");
  const EventLog log = read_events(default_rules(), cased, "ev.csv");
  ASSERT_EQ(log.events.size(), 1u);
  EXPECT_EQ(log.events[0].student_id, "S1");
}

TEST(WorkflowFixes, CasesCommandHeadsTheKeyColumnWithThePacksName) {
  const auto dir = temp_dir("wf");
  std::string text = default_rules().source();
  const std::string from = "  student_id:       {alias: 学籍号,";
  text.replace(text.find(from), from.size(), "  pupil_no: {alias: 学号,");
  write_file(dir / "p.yaml", text);
  write_file(dir / "s.csv", "pupil_no,registry,birth_date,last_attended\nP1,enrolled,2008-03-01,2019-09-01\n");
  write_file(dir / "e.csv", "学号,日期,类型\nP1,2019-09-12,家访\n");
  const auto run = run_kcbx(dir, "cases --rules " + shell_quote((dir / "p.yaml").string()) + " --students " +
                                     shell_quote((dir / "s.csv").string()) + " --events " +
                                     shell_quote((dir / "e.csv").string()) + " --as-of 2019-11-15 --accountability " +
                                     shell_quote((dir / "acc.csv").string()));
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out,
            "pupil_no,status,opened,stage,clause,next_action,role,role_alias,person,phone,due,days_overdue,escalation\n"
            "P1,dropout,2019-09-09,home_visits,S2.1,home visit with village cadres (家访) (1 of 2 done),teacher,师长,,,,0,\n");
  EXPECT_EQ(read_file(dir / "acc.csv"), "pupil_no,stage,clause,due,done_on,days_late,role,role_alias,person,post,supervisors\n");
}

// cases --accountability has the run's person, post and supervisors, and a
// school code that is an ID number is masked there as in the run.
TEST(WorkflowFixes, CasesAccountabilityHasThePostMasked) {
  const auto dir = temp_dir("wf");
  const std::string school = "520102198001011008";  // an ID number typed as a school code
  write_file(dir / "s.csv", "student_id,registry,birth_date,last_attended,school_id,class_id\n"
                            "A1,enrolled,2008-03-01,2019-09-01," + school + ",1\n");
  write_file(dir / "e.csv", "student_id,date,type,person,note\n"
                            "A1,2019-09-12,home_visit,T,\nA1,2019-09-13,home_visit,T,\n");
  write_file(dir / "o.csv", "role,person,jurisdiction,phone\nprincipal,校长,"  + school + ",1\n");
  const auto run = run_kcbx(dir, "cases --students " + shell_quote((dir / "s.csv").string()) + " --events " +
                                     shell_quote((dir / "e.csv").string()) + " --officials " +
                                     shell_quote((dir / "o.csv").string()) + " --as-of 2019-11-15 --accountability " +
                                     shell_quote((dir / "acc.csv").string()));
  ASSERT_EQ(run.code, 0) << run.err;
  const std::string acc = read_file(dir / "acc.csv");
  EXPECT_EQ(acc.find(school), std::string::npos) << acc;
  EXPECT_NE(acc.find(",school_report,S2.2,2019-09-16,,60,principal,校长,校长,520102********1008,"), std::string::npos)
      << acc;
}

// ---- 5. Transfer: a registration after as_of is not made yet ------------------

TEST(WorkflowFixes, TransferRegistrationAfterAsOfIsNotDone) {
  const auto dir = temp_dir("wf");
  write_file(dir / "g6b.csv", "student_id,name,school_id,receiving_school\nB1,x,P01,J01\nB2,y,P01,J01\n");
  write_file(dir / "g7b.csv", "student_id,name,school_id,registered_on\nB1,x,J01,2019-09-20\nB2,y,J02,2019-09-20\n");
  TransferOptions o;
  o.registration_deadline = day("2019-09-01");
  o.as_of = day("2019-09-05");
  TransferReport r = reconcile_transfer(default_rules(), (dir / "g6b.csv").string(), (dir / "g7b.csv").string(), o);
  ASSERT_EQ(r.rows.size(), 2u);
  for (const TransferRow& row : r.rows) {
    EXPECT_EQ(row.outcome, TransferOutcome::kLost) << row.student_id;
    EXPECT_EQ(row.registered_school, "");
    EXPECT_FALSE(row.registered_on);
    EXPECT_EQ(row.matched_by, "");
    EXPECT_EQ(opt(row.notify_due), "2019-09-04");
    EXPECT_EQ(row.notify_overdue_days, 1);
  }
  // On 09-25 both registrations have happened.
  o.as_of = day("2019-09-25");
  r = reconcile_transfer(default_rules(), (dir / "g6b.csv").string(), (dir / "g7b.csv").string(), o);
  EXPECT_EQ(r.rows[0].outcome, TransferOutcome::kLate);
  EXPECT_EQ(opt(r.rows[0].notify_due), "2019-09-04");
  // Unaccounted for from the notice's due date to the registration: the
  // lapse stays, counted to 09-20.
  EXPECT_EQ(r.rows[0].notify_overdue_days, 16);
  EXPECT_EQ(r.rows[1].outcome, TransferOutcome::kRegisteredElsewhere);
  EXPECT_EQ(r.rows[1].registered_school, "J02");
  // Registered late at another school: not in time either (S1.4), and the
  // lapse stays as for a late pupil at the planned school.
  EXPECT_EQ(opt(r.rows[1].notify_due), "2019-09-04");
  EXPECT_EQ(r.rows[1].notify_overdue_days, 16);

  const auto run = run_kcbx(dir, "transfer --grade6 " + shell_quote((dir / "g6b.csv").string()) + " --grade7 " +
                                     shell_quote((dir / "g7b.csv").string()) +
                                     " --registration-deadline 2019-09-01 --as-of 2019-09-05 --all");
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("\nB1,x,P01,J01,,,lost,,2019-09-04,1,S1.4,2019-09-16,S1.5\n"), std::string::npos) << run.out;
}

// S1.4 judges a pupil "not registered in time" after the registration
// deadline: on or before it, an unregistered pupil is pending, not lost.
TEST(WorkflowFixes, TransferBeforeTheDeadlineIsPendingNotLost) {
  const auto dir = temp_dir("wf");
  write_file(dir / "g6.csv", "student_id,name,school_id,receiving_school\nB1,x,P01,J01\nB2,y,P01,J01\n");
  write_file(dir / "g7.csv", "student_id,name,school_id,registered_on\nB1,x,J01,2019-08-30\n");
  TransferOptions o;
  o.registration_deadline = day("2019-09-01");
  for (const char* as_of : {"2019-08-31", "2019-09-01"}) {
    o.as_of = day(as_of);
    const TransferReport r =
        reconcile_transfer(default_rules(), (dir / "g6.csv").string(), (dir / "g7.csv").string(), o);
    EXPECT_EQ(r.rows[0].outcome, TransferOutcome::kRegistered) << as_of;
    EXPECT_EQ(r.rows[1].outcome, TransferOutcome::kPending) << as_of;
    EXPECT_EQ(opt(r.rows[1].notify_due), "2019-09-04");
    EXPECT_EQ(r.rows[1].notify_overdue_days, 0);
  }
  o.as_of = day("2019-09-02");  // the day after: not registered in time
  EXPECT_EQ(reconcile_transfer(default_rules(), (dir / "g6.csv").string(), (dir / "g7.csv").string(), o)
                .rows[1].outcome,
            TransferOutcome::kLost);
}

// A pupil twice in one file is a reject naming the first row (never two
// outcomes, never a silent pick of one registration); two columns for one
// field make the file unusable; an ID number in a name or school column
// is masked in the output; the rejects name their file.
TEST(WorkflowFixes, TransferDuplicatesAreRejectedAndOutputsMasked) {
  const auto dir = temp_dir("wf");
  const std::string id = "520102201003151236";
  write_file(dir / "g6.csv", "student_id,name,school_id,receiving_school\n"
                             "B1," + id + ",P01,J01\n"   // 2: a name that is an ID number
                             "B2,y,P01,J01\n"            // 3
                             "B2,y,P01,J01\n");          // 4: listed twice
  write_file(dir / "g7.csv", "student_id,name,school_id,registered_on\n"
                             "B1,x,J01,2019-08-30\n"
                             "B2,y,J01,2019-08-30\n"     // 3
                             "B2,y,J02,2019-08-31\n");   // 4: registered twice
  TransferOptions o;
  o.registration_deadline = day("2019-09-01");
  o.as_of = day("2019-09-10");
  const TransferReport r =
      reconcile_transfer(default_rules(), (dir / "g6.csv").string(), (dir / "g7.csv").string(), o);
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[1].registered_school, "J01");
  ASSERT_EQ(r.rejects.size(), 2u);
  EXPECT_EQ(r.grade6_rejected, 1);
  EXPECT_EQ(r.grade7_rejected, 1);
  EXPECT_EQ(r.rejects[0].row, 4);
  EXPECT_EQ(r.rejects[0].reason, "duplicate student_id (first on row 3)");
  EXPECT_EQ(r.rejects[1].reason, "duplicate student_id (first on row 3)");

  const auto run = run_kcbx(dir, "transfer --grade6 " + shell_quote((dir / "g6.csv").string()) + " --grade7 " +
                                     shell_quote((dir / "g7.csv").string()) +
                                     " --registration-deadline 2019-09-01 --as-of 2019-09-10 --all --rejects " +
                                     shell_quote((dir / "rj.csv").string()));
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out.find(id), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("B1,520102********1236,P01"), std::string::npos) << run.out;
  EXPECT_NE(run.err.find("grade 6 read 3 = accepted 2 + rejected 1; grade 7 read 3 = accepted 2 + rejected 1"),
            std::string::npos)
      << run.err;
  const std::string rejects = read_file(dir / "rj.csv");
  EXPECT_NE(rejects.find("file,row,student_id,column,reason\ngrade6,4,B2,"), std::string::npos) << rejects;
  EXPECT_NE(rejects.find("\ngrade7,4,B2,"), std::string::npos) << rejects;

  // A row refused as a repeat keeps none of its keys: the pupil after it
  // with the refused row's ID number is no repeat.
  const std::string id2 = "520102201003151236";
  write_file(dir / "g6r.csv", "student_id,id_number,name,school_id,receiving_school\n"
                              "B1,,x,P01,J01\nB1," + id2 + ",x,P01,J01\nC1," + id2 + ",y,P01,J01\n");
  const TransferReport rr =
      reconcile_transfer(default_rules(), (dir / "g6r.csv").string(), (dir / "g7.csv").string(), o);
  ASSERT_EQ(rr.rejects.size(), 2u);  // B1 twice here; B2 twice in the grade-7 file
  EXPECT_EQ(rr.rejects[0].row, 3);
  EXPECT_EQ(rr.rows.size(), 2u);      // B1 and C1
  write_file(dir / "g6d.csv", "student_id,学籍号,school_id,receiving_school\nB1,B9,P01,J01\n");
  const auto dup = run_kcbx(dir, "transfer --grade6 " + shell_quote((dir / "g6d.csv").string()) + " --grade7 " +
                                     shell_quote((dir / "g7.csv").string()) +
                                     " --registration-deadline 2019-09-01 --as-of 2019-09-10");
  EXPECT_EQ(dup.code, 1) << dup.err;
  EXPECT_NE(dup.err.find("g6d.csv:1:12: error: columns 1 and 2 are both field 'student_id'"), std::string::npos) << dup.err;
}

}  // namespace
}  // namespace kcbx

namespace kcbx {
namespace {

// A pack whose workflow and roles are named its own way (home_visit ->
// jiafang, principal -> xiaozhang, a class_head beside the teacher):
// `generate --rules` writes its events and its roster, so its own run
// applies every event and fills every post (Guizhou's events were
// rejected and the new roles left empty).
TEST(WorkflowFixes, GenerateWritesThePacksEventsAndRoster) {
  const auto dir = temp_dir("gen");
  std::string pack = default_rules().source();
  auto replace_word = [&](const std::string& from, const std::string& to) {
    for (size_t at = 0; (at = pack.find(from, at)) != std::string::npos; at += to.size()) pack.replace(at, from.size(), to);
  };
  replace_word("home_visit:", "jiafang:");
  replace_word("event: home_visit", "event: jiafang");
  replace_word("principal", "xiaozhang");
  pack.insert(pack.find("\nlines:"), "\n  class_head:\n    alias: 班主任\n    line: education\n    level: class\n"
                                      "    duties:\n      - {text: 家访, clause: R2}\n");
  replace_word("role: teacher\n      action: home visit", "role: class_head\n      action: home visit");
  write_file(dir / "own.yaml", pack);
  auto at = [&](const std::string& name) { return shell_quote((dir / name).string()); };
  const auto gen = run_kcbx(dir, "generate --students 20000 --rules " + at("own.yaml") + " --out " + at("data"));
  ASSERT_EQ(gen.code, 0) << gen.err;
  const std::string events = read_file(dir / "data" / "events.csv");
  EXPECT_NE(events.find(",jiafang,"), std::string::npos);
  EXPECT_EQ(events.find(",home_visit,"), std::string::npos);
  const std::string roster = read_file(dir / "data" / "officials.csv");
  EXPECT_NE(roster.find("\nclass_head,"), std::string::npos);
  EXPECT_NE(roster.find("\nxiaozhang,"), std::string::npos);
  const auto cases = run_kcbx(dir, "cases --students " + at("data/students.csv") + " --events " +
                                       at("data/events.csv") + " --officials " + at("data/officials.csv") +
                                       " --as-of 2019-11-15 --rules " + at("own.yaml"));
  ASSERT_EQ(cases.code, 0) << cases.err;
  const size_t applied = cases.err.find(" = applied ");
  ASSERT_NE(applied, std::string::npos) << cases.err;
  const std::string counts = cases.err.substr(applied, cases.err.find('\n', applied) - applied);
  const int64_t rejected = std::stoll(counts.substr(counts.find("rejected ") + 9));
  const int64_t done = std::stoll(counts.substr(11));
  EXPECT_GT(done, 200) << cases.err;
  EXPECT_EQ(rejected, 0) << cases.err;  // events only for the cases the pack opens
  EXPECT_NE(cases.err.find("posts"), std::string::npos);
  EXPECT_NE(cases.err.find("+ rejected 0\n", cases.err.find("officials")), std::string::npos) << cases.err;
}

// The generated events follow the pack's thresholds, not Guizhou's: with
// suspicion after 10 days, no child absent 8-10 days has events, every
// case's events start on the day it opens, and the pack's own run applies
// every one of them (kcbx demo's figures).
TEST(WorkflowFixes, GeneratedEventsFollowThePacksThresholds) {
  const auto dir = temp_dir("gen_thresholds");
  write_file(dir / "ten.yaml",
             "meta: {name: ten, extends: guizhou}\n"
             "parameters:\n  suspected_after: {override: true, values: [{from: 1900-01-01, value: 10 days}]}\n");
  auto at = [&](const std::string& name) { return shell_quote((dir / name).string()); };
  for (const std::string& rules : std::vector<std::string>{"", " --rules " + at("ten.yaml")}) {
    const auto gen = run_kcbx(dir, "generate --students 30000 --seed 7 --out " + at("data") + rules);
    ASSERT_EQ(gen.code, 0) << gen.err;
    const auto cases = run_kcbx(dir, "cases --students " + at("data/students.csv") + " --events " +
                                         at("data/events.csv") + " --as-of 2019-11-15 --rejects " +
                                         at("rejects.csv") + rules);
    ASSERT_EQ(cases.code, 0) << cases.err;
    EXPECT_NE(cases.err.find("+ rejected 0\n", cases.err.find("events")), std::string::npos) << rules << cases.err
                                                                                              << read_file(dir / "rejects.csv");
    if (rules.empty()) continue;
    std::map<std::string, std::pair<std::string, std::string>> last;  // id -> (registry, last_attended)
    std::istringstream students(read_file(dir / "data" / "students.csv"));
    std::string line;
    std::getline(students, line);
    while (std::getline(students, line)) {
      std::vector<std::string> cells;
      std::stringstream ss(line);
      for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
      if (cells.size() > 10) last[cells[0]] = {cells[9], cells[10]};
    }
    std::istringstream events(read_file(dir / "data" / "events.csv"));
    std::getline(events, line);
    int checked = 0;
    while (std::getline(events, line)) {
      const std::string id = line.substr(0, line.find(','));
      const std::string date = line.substr(id.size() + 1, 10);
      const auto& [registry, attended] = last[id];
      ASSERT_FALSE(attended.empty()) << line;
      if (registry != "enrolled") continue;
      EXPECT_GE(Date::parse(date)->days(), Date::parse(attended)->days() + 11) << line;
      ++checked;
    }
    EXPECT_GT(checked, 100);
  }
}

// An extension adding a required field the generator cannot fill is told
// so, not told to "use a pack that extends guizhou" (it does).
TEST(WorkflowFixes, GenerateForAnExtensionWithARequiredFieldSaysWhatToDo) {
  const auto dir = temp_dir("genreq");
  write_file(dir / "extra.yaml", "meta: {name: extra, extends: guizhou}\nfields:\n"
                                 "  household: {type: string, required: true, alias: 户号}\n");
  const auto gen = run_kcbx(dir, "generate --students 10 --rules " + shell_quote((dir / "extra.yaml").string()) +
                                     " --out " + shell_quote((dir / "data").string()));
  EXPECT_EQ(gen.code, 2) << gen.err;
  EXPECT_NE(gen.err.find("its required field 'household' (户号); generate with the base pack and add the column "
                         "yourself, or give the field a default"),
            std::string::npos)
      << gen.err;
}

}  // namespace
}  // namespace kcbx
