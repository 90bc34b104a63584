// Typed column input: a Batch built straight from typed arrays — Arrow
// buffers (through the Arrow C Data Interface) or numpy arrays — without a
// text cell per value. Columns are matched to the pack's fields by name or
// Chinese alias, exactly as CSV headers are, and every row is validated as
// BatchBuilder::add_row validates a CSV record: the same checks in the same
// order with the same reject reasons (text columns go through the very same
// cell parser; typed columns get the type-specific part of it).
//
//   std::string ids = "G1G2";
//   std::vector<int32_t> id_offsets = {0, 2, 4};            // Arrow utf8
//   std::vector<int32_t> born = {14000, 14100};              // date32 days
//   std::vector<kcbx::ColumnView> columns = {
//       {"student_id", {{.type = kcbx::ArrayType::kString, .length = 2,
//                        .values = ids.data(), .offsets = id_offsets.data()}}},
//       {"birth_date", {{.type = kcbx::ArrayType::kDate32, .length = 2, .values = born.data()}}},
//       ...};
//   kcbx::ColumnsBatch in = kcbx::batch_from_columns(pack, columns);
//   kcbx::BatchResult r = engine.classify(in.batch, as_of);  // in.rejects: the refused rows
#ifndef KCBX_COLUMNS_H_
#define KCBX_COLUMNS_H_

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "kcbx/batch.h"
#include "kcbx/rule_pack.h"

namespace kcbx {

// The physical layout of one chunk of a column (Arrow's names in brackets).
enum class ArrayType {
  kNull,         // every value null [null]
  kBoolBits,     // bit-packed, least significant bit first [bool]
  kBoolBytes,    // one byte per value, 0 false, else true (numpy bool)
  kInt8, kInt16, kInt32, kInt64,
  kUInt8, kUInt16, kUInt32, kUInt64,
  kFloat32, kFloat64,  // NaN is read as null (pandas' missing value)
  kDate32,       // i32 days since 1970-01-01 [date32]
  kDate64,       // i64 milliseconds since 1970-01-01 [date64]
  // i64 time points; the date is the UTC day they fall on; INT64_MIN (NaT)
  // is null [timestamp, numpy datetime64]
  kTimestampDays, kTimestampS, kTimestampMs, kTimestampUs, kTimestampNs,
  kString,       // i32 offsets (length + 1) and UTF-8 data [utf8]
  kLargeString,  // i64 offsets and UTF-8 data [large_utf8]
  kStringView,   // 16-byte views and data buffers [utf8_view]
  kDictionary,   // integer indices into `dictionary` [dictionary]
};

// One contiguous piece of a column: an Arrow array or a numpy array. The
// pointers are borrowed; nothing is copied while describing them.
struct ColumnChunk {
  ArrayType type = ArrayType::kNull;
  int64_t length = 0;
  // Arrow's slice offset, in values: applies to `values`, `offsets`, the
  // views and `validity` (not to the data a string offset points into).
  int64_t offset = 0;
  // Fixed-width values; for kString/kLargeString the UTF-8 data; for
  // kStringView the 16-byte views; for kDictionary the indices.
  const void* values = nullptr;
  // kString: int32_t[offset + length + 1]; kLargeString: int64_t[...].
  const void* offsets = nullptr;
  // Arrow validity bitmap (LSB first); null means every value is present.
  const uint8_t* validity = nullptr;
  // kStringView: the variadic data buffers the views point into.
  std::vector<const char*> buffers;
  // kDictionary: the type of the indices (an integer type) and the values
  // (any other ArrayType); each dictionary entry is converted once.
  ArrayType index_type = ArrayType::kInt32;
  const ColumnChunk* dictionary = nullptr;
};

// A named column: its chunks, in order (an Arrow chunked array). Chunk
// boundaries may differ between the columns of one input.
struct ColumnView {
  std::string name;
  std::vector<ColumnChunk> chunks;
};

struct ColumnOptions {
  // Names the input in diagnostics (missing or duplicate columns).
  std::string source = "<columns>";
  // The row number of the first value: Reject::row and Batch::row_number
  // count from here (0: DataFrame positions; 2: CSV lines after a header).
  int64_t first_row = 0;
  // true: string values stay in the caller's buffers, which must then
  // outlive the Batch and every BatchResult made from it (bindings that
  // classify within one call). false: they are copied into the Batch.
  bool borrow_strings = false;
  // Threads converting columns; 0 = one per core.
  int threads = 0;
  // Fields to store in the Batch (as BatchBuilder::keep_only): the others
  // are converted and checked, so rejects are the same, but not kept.
  // Empty: all.
  std::vector<std::string> keep;
  // Find the records whose key (the pack's key field, when it is text)
  // holds an ID number, as ColumnsBatch::key_id_numbers, for a caller that
  // shows keys and must mask them (a student number is often "G" + the ID
  // number). Looked for while each key is converted and in the cache: a
  // second pass over a million keys took 18 ms of the threads' time.
  bool find_key_id_numbers = false;
};

// A value type that cannot be a field's type (a float column for a date
// field). what() names the column, the field and both types.
class ColumnTypeError : public std::invalid_argument {
 public:
  ColumnTypeError(std::string column, const std::string& message)
      : std::invalid_argument(message), column_(std::move(column)) {}
  const std::string& column() const { return column_; }

 private:
  std::string column_;
};

struct ColumnsBatch {
  Batch batch;                     // the accepted rows, in input order
  std::vector<Reject> rejects;     // the refused rows, by row number
  std::vector<std::string> notes;  // ignored columns
  int64_t read = 0;                // read == batch.size() + rejects.size()
  // With ColumnOptions::find_key_id_numbers: whether the search ran (the
  // key is a text field), and the records of `batch` (indices, ascending)
  // whose key holds an ID number: 18 digits (or 17 and X) that pass every
  // check of one, inside a longer text or alone, or a 15-digit
  // first-generation number.
  bool key_id_numbers_found = false;
  std::vector<size_t> key_id_numbers;
};

// Builds a Batch from columns. Which column types a field accepts:
//   bool    bool, integers and floats holding 0/1, text
//   int     integers, floats holding whole numbers, text
//   number  integers, floats, text
//   date    date32/64, timestamps, text (YYYY-MM-DD)
//   string  text, integers (as decimal digits)
//   enum, set  text (value names or Chinese aliases, sets as "a;b" or "a；b")
// where text is kString/kLargeString/kStringView or a dictionary of them;
// a dictionary of any accepted type is accepted and each entry converted
// once. Text is trimmed of surrounding spaces and tabs; an empty text is
// null. Throws kcbx::Error (codes missing-column, duplicate-column,
// column-length) when the columns cannot be used at all, and
// ColumnTypeError for a column type a field does not accept. Bad values
// never throw: their rows become rejects. Thread-safe.
ColumnsBatch batch_from_columns(const RulePack& rules,
                                std::span<const ColumnView> columns,
                                const ColumnOptions& options = {});

}  // namespace kcbx

#endif  // KCBX_COLUMNS_H_
