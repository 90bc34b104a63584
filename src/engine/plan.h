// The compiled plan of a pack and the column storage the engine reads and
// writes. Private to the library.
#ifndef KCBX_ENGINE_PLAN_H_
#define KCBX_ENGINE_PLAN_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "expr/program.h"
#include "kcbx/batch.h"
#include "kcbx/date.h"
#include "pack/checked_pack.h"
#include "util/buffer_cache.h"
#include "util/huge_pages.h"

namespace kcbx::detail {

// One column of values in VM layout (see expr/program.h).
struct ColumnData {
  Type type;
  int width = 1;
  // false: the field was validated on reading but not stored (see
  // BatchBuilder::keep_only); bytes and valid are empty.
  bool kept = true;
  // Not zeroed when sized: every writer writes each row it adds (a null's
  // bytes as zeros), and zeroing a million rows' columns first was a
  // tenth of a conversion from Python.
  RawVector<unsigned char> bytes;
  CachedVector<uint8_t> valid;  // empty: every value present
  // An ID-number field's birth dates, row by row (day numbers;
  // kNoBirthDate where a row has none), when the reader knew them from its
  // own check of every number: the rules' id_birth_date() then reads them
  // instead of parsing each number again (8 ns a number, a fifth of the
  // rules' time on Guizhou's pack). Empty: the rules parse `bytes`.
  RawVector<int32_t> birth_days;
  static constexpr int32_t kNoBirthDate = INT32_MIN;
  // format: id_number: values compare as id_number_for_comparison gives them.
  bool id_number = false;

  const void* at(size_t i) const { return bytes.data() + i * static_cast<size_t>(width); }
  bool present(size_t i) const { return valid.empty() || valid[i]; }
};

// Keeps string cells alive for the string_views in columns.
class StringArena {
 public:
  std::string_view keep(std::string_view s);
  size_t bytes() const { return total_; }
  // Takes over the strings `other` keeps: views into them stay valid, and
  // live as long as this arena. `other` is left empty.
  void adopt(StringArena&& other);

 private:
  // Small strings, packed into blocks that double in size from 64 KiB to
  // 4 MiB (a few strings cost little; millions reuse the buffer cache).
  std::vector<RawVector<char>> blocks_;
  std::vector<std::unique_ptr<char[]>> big_;  // one each
  size_t used_ = 0, total_ = 0;
};

struct BatchData {
  std::shared_ptr<const CheckedPack> pack;
  size_t rows = 0;
  std::vector<ColumnData> columns;  // by field index
  RawVector<int64_t> row_numbers;  // a million rows: 8 MB, kept between calls
  std::shared_ptr<StringArena> strings = std::make_shared<StringArena>();
};

// Appends the records of `piece` (a batch of the same pack, with the same
// fields kept) to `into`, taking over its strings: one input validated in
// several calls, kept as one batch. An ID-number column's birth dates are
// kept only when both have them. `expected_rows`: room reserved on the
// first piece (0: none, the columns grow as they go).
void append_rows(BatchData& into, Batch&& piece, size_t expected_rows = 0);
// Frees the columns' unused capacity.
void shrink_to_fit(BatchData& data);
// The records of `batch` whose `drop` is 0, in order, sharing its strings:
// a batch without the records the pack's checks refused, for a command
// that reads a whole file and uses what it accepts (kcbx graph).
Batch without_rows(const Batch& batch, const std::vector<uint8_t>& drop);

struct TableSlots {
  int out = -1;   // value codes (i32) or, for collect, a set (u64)
  int rows = -1;  // matched row (i32) or, for collect, a row bitmask (u64)
  HitPolicy policy = HitPolicy::kFirst;
  std::vector<int> conditions;  // trace programs only: slot per row, -1 always
};

struct CompiledProgram {
  Program program;
  std::vector<int> field_slots;   // by field index
  std::vector<int> fields_read;   // field indices read by the code or output
  std::vector<int> param_slots;   // by param index, -1 unused
  std::vector<int> derive_slots;  // by derive index
  std::vector<TableSlots> tables; // by table index
  int reject_slot = -1;
  std::vector<int> output_slots;  // by pack output
  std::vector<Type> output_types;
  int flags_slot = -1;        // u64: bit k = CheckedPack::flags[k]
  int case_open_slot = -1;    // workflow.opens_when (bool)
  int case_opened_slot = -1;  // workflow.opened_on (date, nullable)
};

struct Plan {
  std::shared_ptr<const CheckedPack> pack;
  CompiledProgram full;   // classify with ledger/indicator flags and cases
  CompiledProgram tables; // classify: every table and the outputs (the Python module's)
  CompiledProgram tables_only;  // every table, no outputs
  CompiledProgram fast;   // classify: statuses and outputs only
  CompiledProgram status; // classify: the first table's statuses only
  CompiledProgram trace;  // explain: every row condition kept
};

std::shared_ptr<const Plan> compile_plan(std::shared_ptr<const CheckedPack> pack);

// Sets literals, parameters in force on `as_of` and as_of itself into a
// frame and runs its prelude. Throws kcbx::Error when a parameter in use has
// no value on that date.
void bind_constants(const CompiledProgram& cp, const CheckedPack& pack,
                    Date as_of, Frame& frame);

struct ResultData {
  std::shared_ptr<const CheckedPack> pack;
  std::shared_ptr<StringArena> strings;  // keeps string outputs alive
  // String outputs that do not point into the batch (literals, parameter
  // values: the evaluation frame held them), copied per worker thread.
  std::vector<std::shared_ptr<StringArena>> output_strings;
  size_t rows = 0;
  // Every element of these is written by the evaluation (its program fills
  // each batch's rows), so they are sized without being zeroed first.
  RawVector<int32_t> reject;                // -1 or check index
  // (row, field) for a rejected row whose check's column is not its first
  // field read (CheckedPack::check_fields), by row.
  std::vector<std::pair<uint32_t, int32_t>> reject_fields;
  std::vector<RawVector<int32_t>> codes;    // first/unique tables
  std::vector<RawVector<int32_t>> matched;  // row index, -1 none, -2 ambiguous
  std::vector<RawVector<uint64_t>> sets;    // collect tables: value bits
  std::vector<RawVector<uint64_t>> row_sets;  // collect tables: row bits
  std::vector<std::string> table_names;
  std::vector<std::string> output_names;
  std::vector<ColumnData> outputs;
  std::vector<uint64_t> flags;     // empty without flags
  std::vector<uint8_t> case_open;  // empty without a workflow
  ColumnData case_opened;
};

}  // namespace kcbx::detail

#endif  // KCBX_ENGINE_PLAN_H_
