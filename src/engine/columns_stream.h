// batch_from_columns for one input converted in several calls: the CSV
// reader's batches, each a few thousand records split into text columns.
// Private to the library.
//
// Across calls, a record must be judged as BatchBuilder::add_row judges it
// reading the whole input record by record: a unique value accepted in an
// earlier call makes this call's record a duplicate ("first on row N" of
// that call), and rows are numbered by the input's lines, which a quoted
// line break makes skip.
#ifndef KCBX_ENGINE_COLUMNS_STREAM_H_
#define KCBX_ENGINE_COLUMNS_STREAM_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "engine/seen_values.h"
#include "kcbx/columns.h"

namespace kcbx::detail {

struct ColumnsStream {
  // The row number of each row of this call (Reject::row,
  // Batch::row_number, "first on row"), ascending. Empty: first_row + the
  // row's position, as batch_from_columns numbers them.
  std::span<const int64_t> row_numbers;
  // By field index: the values of each unique field that earlier calls
  // accepted (null for the other fields); this call adds its own accepted
  // records' values. Sized to the pack's fields by the first call.
  std::vector<std::unique_ptr<SeenValues>> seen;
  // Memory of each set before it spills (SeenValues).
  size_t unique_memory = SeenValues::kDefaultMemory;
  // The batch is held long (a file loaded whole), at 64 bytes a student
  // or less: the ID numbers' birth dates (ColumnData::birth_days), which
  // spare the rules 8 ns a number, are not kept, and the columns and
  // strings are cut to the accepted rows whenever a row is rejected.
  bool compact = false;
};

ColumnsBatch batch_from_columns(const RulePack& rules, std::span<const ColumnView> columns,
                                const ColumnOptions& options, ColumnsStream& stream);

}  // namespace kcbx::detail

#endif  // KCBX_ENGINE_COLUMNS_STREAM_H_
