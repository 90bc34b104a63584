// The pack's record checks for students read for something other than
// classifying them: kcbx graph's coverage, kcbx transfer's lost pupils'
// homes. The records the checks refuse on `as_of` become rejects worded as
// classify's and leave the batch, so that every command reading a students
// file rejects the same records.
#ifndef KCBX_ENGINE_CHECK_REJECTS_H_
#define KCBX_ENGINE_CHECK_REJECTS_H_

#include "kcbx/csv.h"
#include "kcbx/date.h"
#include "kcbx/rule_pack.h"

namespace kcbx::detail {

// Checks `students` (read for `rules`) on `as_of`: refused records are
// removed from students.batch and added to students.rejects (in row order)
// and students.counts (accepted - 1, rejected + 1 each).
void drop_check_rejects(const RulePack& rules, Date as_of, StudentFile& students);

}  // namespace kcbx::detail

#endif  // KCBX_ENGINE_CHECK_REJECTS_H_
