#include "engine/check_rejects.h"

#include <algorithm>
#include <string>
#include <vector>

#include "engine/plan.h"
#include "io/id_number.h"
#include "io/rejects_order.h"
#include "kcbx/engine.h"
#include "pack/checked_pack.h"

namespace kcbx::detail {

void drop_check_rejects(const RulePack& rules, Date as_of, StudentFile& students) {
  Batch& batch = students.batch;
  if (batch.size() == 0) return;
  ClassifyOptions what;  // the checks alone
  what.flags = what.cases = what.all_tables = what.outputs = false;
  const BatchResult checked = Engine(rules).classify(batch, as_of, what);
  std::vector<uint8_t> drop(batch.size(), 0);
  const std::string key = rules.checked().key_field();
  bool any = false;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!checked.rejected(i)) continue;
    drop[i] = 1;
    any = true;
    students.rejects.push_back({batch.row_number(i), key.empty() ? "" : masked_key(batch.cell(i, key)),
                                std::string(checked.reject_column(i)), std::string(checked.reject_reason(i))});
    --students.counts.accepted;
    ++students.counts.rejected;
  }
  if (!any) return;
  batch = without_rows(batch, drop);
  sort_by_row(students.rejects);
}

}  // namespace kcbx::detail
