// Rejects are listed in row order everywhere (a file's lines, a table's
// positions): a reader, the pack's checks and the workflow each find theirs
// in another order, and the lists are merged before they are shown.
#ifndef KCBX_IO_REJECTS_ORDER_H_
#define KCBX_IO_REJECTS_ORDER_H_

#include <algorithm>
#include <vector>

#include "kcbx/batch.h"

namespace kcbx::detail {

// By row; rejects of one row keep their order.
inline void sort_by_row(std::vector<Reject>& rejects) {
  std::stable_sort(rejects.begin(), rejects.end(), [](const Reject& a, const Reject& b) { return a.row < b.row; });
}

// `first` and `then` as one list by row (of one row, first's before then's).
inline std::vector<Reject> merged_by_row(std::vector<Reject> first, const std::vector<Reject>& then) {
  first.insert(first.end(), then.begin(), then.end());
  sort_by_row(first);
  return first;
}

}  // namespace kcbx::detail

#endif  // KCBX_IO_REJECTS_ORDER_H_
