// Cases: what must happen next for every child the pack's workflow opens a
// case for, who must do it, by when, and who is accountable for each lapse.
//
//   kcbx::EventLog events = kcbx::read_events(pack, "events.csv");
//   kcbx::Batch batch = kcbx::with_event_dates(pack, students.batch, events, as_of);
//   kcbx::BatchResult result = engine.classify(batch, as_of);
//   kcbx::CaseReport report = kcbx::evaluate_cases(engine, batch, result,
//                                                  events, &graph, as_of);
//   for (const kcbx::Case& c : report.cases) c.next_action, c.responsible.person, c.due;
//
// Stages, their events, counts, deadlines and roles all come from the pack's
// `workflow` section; C++ only walks them.
#ifndef KCBX_CASES_H_
#define KCBX_CASES_H_

#include <optional>
#include <string>
#include <vector>

#include "kcbx/batch.h"
#include "kcbx/date.h"
#include "kcbx/engine.h"
#include "kcbx/responsibility.h"

namespace kcbx {

// One row of an events file: `student_id,date,type[,person][,note]`, the
// first column named as the pack's record key (its name or alias).
struct Event {
  std::string student_id;  // the record key
  Date date;
  int type = -1;           // index of the event type in the pack
  std::string type_name;   // e.g. "home_visit"
  std::string person;
  std::string note;
  int64_t row = 0;
};

struct EventLog {
  std::vector<Event> events;
  std::vector<Reject> rejects;
  int64_t read = 0;  // read == events.size() + rejects.size() after reading
};

// Reads an events CSV (header student_id,date,type,person,note or 学籍号,
// 日期, 类型, 人员, 备注; the key column is named as the pack's key field —
// the first `unique` field — or its alias; type by name or Chinese alias).
// Malformed rows become rejects. Throws kcbx::Error when the file cannot be
// used at all or the pack has no workflow.
EventLog read_events(const RulePack& rules, const std::string& path,
                     const std::string& encoding = "utf-8");
EventLog read_events(const RulePack& rules, std::istream& in,
                     const std::string& file = "<events>",
                     const std::string& encoding = "utf-8");

// `students` with the date fields the pack's workflow `event_dates` names
// filled from the events: each receives the date of the record's latest
// event of its types on or before `as_of` (the record's own value when that
// is later). Classify this batch, not `students`, so that the statuses see
// the events (a child back at school, M3.3). Returns `students` itself when
// nothing changes.
Batch with_event_dates(const RulePack& rules, const Batch& students,
                       const EventLog& events, Date as_of);

// A stage a case went through.
struct StageProgress {
  std::string stage;
  int done = 0;
  int needed = 1;
  std::optional<Date> started;
  std::optional<Date> completed;
  std::optional<Date> due;
  int64_t days_late = 0;  // completed after due, or still open past due
};

struct Case {
  std::string student_id;
  size_t record = 0;            // index in the students batch
  std::string status;           // the child's status now (first table)
  std::optional<Date> opened;   // from the pack's opened_on, else the first event
  bool closed = false;          // a closing event (销号, M3.3)
  std::optional<Date> closed_on;
  // The current stage (empty when closed or when every stage is done).
  std::string stage;
  std::string stage_alias;
  std::string clause;
  std::string next_action;      // e.g. "home visit with village cadres (1 of 2 done)"
  Responsible responsible;      // who acts now
  std::optional<Date> due;      // nullopt: the pack sets no deadline
  int64_t days_overdue = 0;
  std::vector<StageProgress> stages;  // every stage reached so far
};

// A lapsed duty: the person whose deadline passed and each supervisor above
// on the same line (上级查下级, 层层责任倒查).
struct Accountability {
  std::string student_id;
  std::string stage;
  std::string clause;
  Date due;
  std::optional<Date> done_on;  // set when the duty was done late
  int64_t days_late = 0;
  Responsible lapsed;
  std::vector<Responsible> supervisors;
};

struct CaseReport {
  // Open and closed, in students order; a child's earlier cases (each ended
  // by a closing event) come before the current one.
  std::vector<Case> cases;
  std::vector<Accountability> accountability;
  std::vector<Reject> event_rejects;  // events that make no sense, with reasons
  // Records of `students` refused by a pack check (row, key, the check's
  // message): they have no case; add them to the students' rejects.
  std::vector<Reject> student_rejects;
  int64_t events_applied = 0;
};

// Evaluates the cases on `as_of`. `result` is engine.classify(students,
// as_of) — of with_event_dates(students); when the pack fills fields from
// events and `students` lacks them, the records are filled and classified
// again here, so every status is the one the events make. `graph` may be
// null (then no persons are named).
//
// A record has a current case when the pack's opens_when holds; it opens on
// opened_on (never after as_of), else on its first event. A child's events
// split at each closing event: a run of events ended by one is an earlier,
// closed case (opened on its first event, or on opened_on when that falls
// within it) when the record has no current case or the closing event is
// dated before the current case opened; otherwise the closing event closes
// the current case. So a child who came back and dropped out again keeps
// the earlier closure. Events for unknown students, dated after as_of or
// before their case opened, after the case closed, for a child without a
// case, for a stage whose earlier stages are not complete (a notice before
// two persuasions), or repeated exactly, are rejected with a reason and
// never applied.
CaseReport evaluate_cases(const Engine& engine, const Batch& students,
                          const BatchResult& result, const EventLog& events,
                          const ResponsibilityGraph* graph, Date as_of);

}  // namespace kcbx

#endif  // KCBX_CASES_H_
