// Events of a student whose record was rejected. The workflow sees only the
// accepted records, so such an event is one of an unknown student; the
// callers that hold the students' rejects (kcbx cases, kcbx run, the
// Python module) say which row was refused instead, or the clerk goes
// looking for a child who is in the file.
#ifndef KCBX_WORKFLOW_REJECTED_STUDENTS_H_
#define KCBX_WORKFLOW_REJECTED_STUDENTS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kcbx/batch.h"

namespace kcbx::detail {

// How evaluate_cases begins the reason of an event whose student has no
// accepted record.
inline constexpr std::string_view kUnknownStudent = "unknown student";

inline bool is_unknown_student(const Reject& event_reject) {
  return std::string_view(event_reject.reason).substr(0, kUnknownStudent.size()) == kUnknownStudent;
}

inline std::string rejected_student_reason(int64_t student_row) {
  return "the student's record was rejected (row " + std::to_string(student_row) +
         " of the students): no case is evaluated for it";
}

// Whether a reject's key can name a student: it is shown as it was read.
// A key holding an ID number is shown masked, and two such keys with the
// same first 6 and last 4 characters mask alike, so a match on them could
// tell a child who is not in the file that their record was refused.
inline bool key_shown_whole(const Reject& r) {
  return !r.student_id.empty() && r.student_id.find('*') == std::string::npos;
}

// The event rejects of unknown students whose key is among
// `student_rejects` name the first such row (keys shown whole only).
inline void name_rejected_students(std::vector<Reject>& event_rejects, const std::vector<Reject>& student_rejects) {
  std::unordered_map<std::string_view, int64_t> row_of;
  for (const Reject& r : student_rejects)
    if (key_shown_whole(r)) row_of.emplace(r.student_id, r.row);
  if (row_of.empty()) return;
  for (Reject& e : event_rejects)
    if (is_unknown_student(e) && key_shown_whole(e))
      if (const auto it = row_of.find(e.student_id); it != row_of.end()) e.reason = rejected_student_reason(it->second);
}

}  // namespace kcbx::detail

#endif  // KCBX_WORKFLOW_REJECTED_STUDENTS_H_
