// The compiled form of a pack's expressions: a linear list of typed
// instructions over slots, where a slot is a column of one batch (up to
// `batch_size` rows). Each instruction runs one tight loop over the whole
// batch, so interpretation costs once per batch, not once per row, and the
// loops vectorise.
//
// Slot storage by type: bool u8, int i64, number f64, date i32 (days since
// 1970-01-01), enum i32 (value index), set u64 (bit per value), duration
// Duration, string std::string_view. A nullable slot also has a validity
// column (u8, 1 = present); data under a null is zero, never garbage, so
// kernels need no branches for it.
#ifndef KCBX_EXPR_PROGRAM_H_
#define KCBX_EXPR_PROGRAM_H_

#include <algorithm>
#include <climits>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "expr/ast.h"
#include "expr/school_days.h"

namespace kcbx::detail {

enum class Op : uint8_t {
  // arithmetic
  kAddI, kSubI, kMulI, kNegI, kAddF, kSubF, kMulF, kDivF, kNegF, kIntToF,
  kDateAddDur, kDateSubDur, kDateDiff, kDurAdd, kDurSub, kDurNeg,
  // comparisons; Instr::cmp selects = != < <= > >=
  kCmpI, kCmpF, kCmpD /* i32: date, enum */, kCmpB, kCmpS,
  // logic (Kleene three-valued with nulls)
  kAnd, kOr, kNot,
  // membership
  kInMask /* enum in constant set: Instr::mask */, kInListI, kInListF,
  kInListD, kInListS, kSetHas, kSetCount, kSetMinus,
  // choice and nulls
  kSelect /* c ? a : b */, kIsNull, kCoalesce, kMin, kMax,
  // date functions
  kAgeOn, kAddMonths, kAddDays, kYear, kMonth, kDay, kLatestMonthDay,
  kWeekday, kSchoolDays, kAddSchoolDays,
  kIdBirthDate, kSubstr, kLength,
  // decision tables: a: condition, out: result codes, b: matched-row
  // indices, aux: row index, mask: output code; kTableFirst counts the rows
  // still unmatched into counter `c`, kSkipIfDone jumps past a table's
  // remaining rows (to `aux`) when that counter is 0.
  kTableFirst, kTableUnique, kTableCollect, kSkipIfDone,
  // fills `out` with the constant bits in `mask` (table and check setup)
  kFill,
  // out (u64) |= bit `aux` where condition `a` is true (per-record flags)
  kSetBit,
  // checks: rejects rows whose condition `a` is false (null passes);
  // out: reject column (i32, -1 = accepted), aux: check index.
  kCheck,
  // Selection for the later rows of a first-hit table (Program::Compaction
  // `aux`): once few records of the batch are still unmatched, kCompact
  // gathers them to the front of shadow columns and the rows that follow
  // run over those records only; kExpand scatters the table's result back
  // and restores the full batch.
  kCompact, kExpand,
  // The latest birth date whose age on the reference date `a` is at
  // least `b` + `aux` years (see CodeGen::emit_age_cutoff).
  kAgeCutoff,
};

enum class Cmp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };

struct Instr {
  Op op;
  Cmp cmp = Cmp::kEq;
  int out = -1, a = -1, b = -1, c = -1;
  uint32_t aux = 0;
  uint64_t mask = 0;
  int list = -1;  // index into Program::lists for kInList*
};

enum class SlotSource : uint8_t { kTemp, kField, kConst, kAsOf };

struct SlotInfo {
  TypeKind kind = TypeKind::kBool;
  int width = 1;         // bytes per element
  bool nullable = false;
  SlotSource source = SlotSource::kTemp;
  int field = -1;        // kField: field index
  bool persistent = false;  // derive results and table outputs: never reused
};

// Constant lists for `in`, stored as raw 8-byte values or strings.
struct ConstList {
  std::vector<int64_t> ints;
  std::vector<double> numbers;
  std::vector<std::string> strings;
};

struct Program {
  std::vector<SlotInfo> slots;
  std::vector<Instr> prelude;  // constants: run once per call at n = 1
  std::vector<Instr> code;     // per batch
  std::vector<ConstList> lists;
  std::vector<int> prelude_slots;  // slots the prelude fills (broadcast)
  int counters = 0;                // for kTableFirst/kSkipIfDone
  // Literal constants: slot and 8-byte payload (or string) to place at
  // element 0 before the prelude runs.
  struct Literal {
    int slot;
    int64_t bits;
    std::string text;
    bool null = false;
  };
  std::vector<Literal> literals;
  // Parameters: slot and parameter index; the engine binds them per date.
  std::vector<std::pair<int, int>> params;
  int as_of_slot = -1;
  // Later rows of a first-hit table (kCompact/kExpand). `gather`: the slots
  // those rows read that were computed before them (fields, derived values,
  // the table's own result and row columns); `scatter`: what they write that
  // outlives them (the table's result and row columns). `rows`: the row
  // column, negative where no row has matched yet; `counter`: the table's
  // count of unmatched records.
  struct Compaction {
    std::vector<int> gather;
    std::vector<int> scatter;
    int rows = -1;
    int counter = -1;
    uint32_t group = 0;  // the table: its kExpand ends any of its compactions
  };
  std::vector<Compaction> compactions;
  // The pack's school calendar (school_days_between, add_school_days);
  // null: Monday to Friday.
  std::shared_ptr<const SchoolDays> school_days;
};

int width_of(TypeKind kind);

// Per-thread working memory for running a Program over batches.
class Frame {
 public:
  Frame(const Program& program, size_t batch_size);

  // Points field slot `slot` at external column memory (already offset to
  // the batch start). `valid` may be null for an all-present column.
  // `birth_days`: for an ID-number field, each row's birth date as
  // id_birth_date() gives it (INT32_MIN: none), or null to parse the
  // numbers.
  void bind_field(int slot, const void* data, const uint8_t* valid, const int32_t* birth_days = nullptr) {
    data_[static_cast<size_t>(slot)] = const_cast<void*>(data);
    valid_[static_cast<size_t>(slot)] = const_cast<uint8_t*>(valid);
    birth_days_[static_cast<size_t>(slot)] = birth_days;
  }
  // Points the data of a computed slot at caller memory (a result column,
  // already offset to the batch start), so that the program writes the
  // result in place; its validity column stays the frame's.
  void bind_result(int slot, void* data) { data_[static_cast<size_t>(slot)] = data; }
  // Writes element 0 of a slot (constants before the prelude).
  void set_scalar_bits(int slot, int64_t bits);
  void set_scalar_string(int slot, std::string_view text);
  void set_scalar_null(int slot);
  // Runs the prelude at n = 1 and broadcasts constant slots to batch size.
  void run_prelude();
  void run(size_t n);

  void* data(int slot) const { return data_[static_cast<size_t>(slot)]; }
  const uint8_t* valid(int slot) const { return valid_[static_cast<size_t>(slot)]; }
  size_t batch_size() const { return batch_size_; }

 private:
  void exec(const std::vector<Instr>& code, size_t n);

  // Results of a date function per input date, for one instruction: a
  // direct-mapped cache (a miss recomputes). Keys start at INT32_MIN, which
  // no clamped date takes. `context` is the constant the results depend on.
  struct DateMemo {
    static constexpr size_t kSize = 8192, kMask = kSize - 1;
    std::vector<int32_t> key = std::vector<int32_t>(kSize, INT32_MIN);
    std::vector<int32_t> value = std::vector<int32_t>(kSize, 0);
    int32_t context = INT32_MIN;
    void clear() { std::fill(key.begin(), key.end(), INT32_MIN); }
  };
  DateMemo& memo_for(size_t pc);
  bool is_prelude_slot(int slot) const;
  std::vector<std::unique_ptr<DateMemo>> memos_;

  const Program& program_;
  size_t batch_size_;
  std::vector<std::unique_ptr<uint64_t[]>> storage_;
  std::vector<void*> data_;
  std::vector<uint8_t*> valid_;
  std::vector<const int32_t*> birth_days_;  // per slot (bind_field); set aside while compacted
  std::vector<int64_t> counters_;
  std::vector<std::string> scalar_strings_;
  std::vector<uint8_t> ones_;     // batch_size ones: validity of an all-present slot
  std::vector<uint8_t> scratch_;  // batch_size bytes for one instruction's masks

  // Compaction state (kCompact/kExpand): shadow columns per slot, allocated
  // on first use; the selected record indices; the columns the shadows
  // replaced; which compaction is active and the batch's full size.
  void compact(const Program::Compaction& k, size_t& n);
  void expand(const Program::Compaction& k, size_t& n);
  struct Shadow {
    std::unique_ptr<uint64_t[]> data;
    std::unique_ptr<uint8_t[]> valid;
  };
  std::vector<Shadow> shadows_;
  std::vector<uint32_t> selection_;  // batch_size entries; the first selected_ in use
  size_t selected_ = 0;
  std::vector<std::pair<void*, uint8_t*>> replaced_;
  std::vector<const int32_t*> replaced_birth_days_;
  int compacted_ = -1;
  size_t full_n_ = 0;
};

}  // namespace kcbx::detail

#endif  // KCBX_EXPR_PROGRAM_H_
