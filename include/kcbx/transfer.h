// Whole-class transfer (整班移交, SPEC S1): reconciles the grade-6 hand-over
// roster with the grade-7 registrations and says who is lost, late or
// re-routed, with the notification (S1.4) and inspection (S1.5) due dates
// from the pack's parameters.
//
//   kcbx::TransferReport r = kcbx::reconcile_transfer(pack, "g6.csv", "g7.csv",
//       {.registration_deadline = d, .as_of = today});
#ifndef KCBX_TRANSFER_H_
#define KCBX_TRANSFER_H_

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "kcbx/batch.h"
#include "kcbx/csv.h"
#include "kcbx/date.h"
#include "kcbx/responsibility.h"
#include "kcbx/rule_pack.h"

namespace kcbx {

struct TransferOptions {
  Date registration_deadline;
  Date as_of;
  std::optional<Date> term_start;  // autumn term start; default: the deadline
  std::string encoding = "utf-8";
  // The grade-7 file's, when the receiving schools' system saves another
  // way (the command's --grade7-encoding); empty: `encoding`.
  std::string grade7_encoding;
};

enum class TransferOutcome {
  kRegistered,            // at the planned junior school, in time
  kLate,                  // at the planned school, after the deadline
  kRegisteredElsewhere,   // at another junior school: re-routed, not lost
  kLost,                  // not registered anywhere, the deadline passed
  kPending,               // not registered yet, on or before the deadline
};

const char* to_string(TransferOutcome outcome);

struct TransferRow {
  std::string student_id;  // the grade-6 file's; its ID number when it has none
  std::string name;
  std::string sending_school;
  std::string planned_school;
  std::string registered_school;  // "" when lost
  std::optional<Date> registered_on;
  TransferOutcome outcome = TransferOutcome::kLost;
  std::string matched_by;         // the pack's key or ID-number field: "student_id" or "id_number" in Guizhou's
  // S1.4: the receiving school notifies the sending school by this date.
  std::optional<Date> notify_due;
  // Days past notify_due: to the evaluation date for a lost pupil, to the
  // registration for a late one who came after the notice was due.
  int64_t notify_overdue_days = 0;
  // S1.5: the county bureau inspects by this date.
  std::optional<Date> inspection_due;
  std::string id_number;  // the grade-6 file's, "" when none
  // S1.6, filled by assign_lost_pupils for a lost pupil: the pack's
  // transfer.school_roles at the sending school, then at the planned
  // school, then its local_roles for the pupil's home. Empty otherwise.
  std::vector<Responsible> responsible;
};

struct TransferReport {
  std::vector<TransferRow> rows;       // one per grade-6 pupil, in file order
  // Both files' unusable rows: the grade-6 file's `grade6_rejected` first,
  // then the grade-7 file's. A pupil twice in one file (student number,
  // else ID number) is rejected on the later row. Each file reconciles
  // read = rows used + rejected.
  std::vector<Reject> rejects;
  int64_t grade6_read = 0, grade7_read = 0;
  int64_t grade6_rejected = 0, grade7_rejected = 0;
  std::string notify_clause, inspection_clause, lost_clause;
  // Columns of either file that nothing reads ("grade-7 file: column 4
  // 'date' is not read; ignored"), and a grade-7 file without
  // registered_on, whose registrations all count as on time.
  std::vector<std::string> notes;
};

// Grade-6 file columns: student_id, id_number, name, school_id (sending),
// receiving_school (planned) — or the pack's Chinese aliases, 接收学校.
// Grade-7 file: student_id, id_number, school_id (registered at), and
// optionally registered_on (报到日期). Pupils are matched by student_id,
// falling back to the ID number. A registration dated after as_of has not
// happened yet on as_of: the pupil counts as lost (pending while as_of is
// on or before the registration deadline). Deadlines come from the pack parameters
// named by `transfer_notify_within` and `transfer_inspection_within`
// (durations); absent parameters mean no due date. Throws kcbx::Error when a
// file cannot be used.
TransferReport reconcile_transfer(const RulePack& rules, const std::string& grade6_path,
                                  const std::string& grade7_path,
                                  const TransferOptions& options);

// The same from streams (CSV text in `options.encoding`); the names stand
// for the files in diagnostics.
TransferReport reconcile_transfer(const RulePack& rules, std::istream& grade6, std::istream& grade7,
                                  const TransferOptions& options,
                                  const std::string& grade6_name = "<grade6>",
                                  const std::string& grade7_name = "<grade7>");

// S1.6: a lost pupil's return is the work of both schools with the local
// government. Names, for each lost pupil of `report`, the holders of the
// pack's transfer.school_roles at the sending and the planned school and
// of its local_roles for the pupil's record in `students` (found by the
// pack's key, else by ID number), from `graph` (built on `students`, a
// batch of the same pack). A pupil not in `students` keeps the local roles
// with no person, as does a post the roster does not fill.
//
//   kcbx::ResponsibilityGraph graph(pack, roster, students.batch);
//   kcbx::assign_lost_pupils(pack, graph, students.batch, report);
void assign_lost_pupils(const RulePack& rules, const ResponsibilityGraph& graph, const Batch& students,
                        TransferReport& report);

// The same end to end, as `kcbx transfer --officials [--students]` and
// Python's Engine.transfer do it: the records of `students` (read for
// `rules`; may be empty) that the pack's checks refuse on `as_of` are
// moved to students.rejects, as classify rejects them, and are no pupil's
// home; the graph is built over `roster` and the rest, and each lost
// pupil of `report` is assigned.
//
//   kcbx::StudentFile students = kcbx::read_students(pack, "students.csv");
//   kcbx::assign_lost_pupils(pack, roster, students, options.as_of, report);
void assign_lost_pupils(const RulePack& rules, const Roster& roster, StudentFile& students, Date as_of,
                        TransferReport& report);

// TransferRow::responsible as one cell, the `responsible` column of kcbx
// transfer: "校长 张三 (S1); 校长 李四 (J1); 乡镇长 王五 (520102001)", each
// role's Chinese title (else its name), person ("(none)" for a post no one
// holds) and jurisdiction.
std::string responsible_text(const std::vector<Responsible>& who);

}  // namespace kcbx

#endif  // KCBX_TRANSFER_H_
