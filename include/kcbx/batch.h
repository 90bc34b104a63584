// Columnar records and results.
//
// A Batch holds records as typed columns, one per field of a rule pack
// (dates as day numbers, enums as value indices, sets as bitmasks). Build one
// from text rows with BatchBuilder, from a CSV file with StudentReader
// (kcbx/csv.h) or from typed columns with batch_from_columns
// (kcbx/columns.h), which all validate a record alike; then give it to
// Engine::classify, which returns a BatchResult.
//
//   kcbx::BatchBuilder b(pack);
//   b.set_columns({"student_id", "registry", "birth_date"});
//   if (auto reject = b.add_row({"G1", "enrolled", "2010-01-01"}, 2)) ...
//   kcbx::Batch batch = b.finish();
#ifndef KCBX_BATCH_H_
#define KCBX_BATCH_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kcbx/date.h"
#include "kcbx/diagnostic.h"
#include "kcbx/rule_pack.h"

namespace kcbx {

namespace detail {
struct BatchData;
struct ResultData;
}  // namespace detail

// A record that could not be used: where it was and why. Never holds the
// record's personal data beyond its student_id.
struct Reject {
  int64_t row = 0;          // line of the input file (header = 1)
  std::string student_id;   // "" when unreadable
  std::string column;       // the field at fault, "" for the whole record
  std::string reason;
};

class Batch {
 public:
  Batch();
  size_t size() const;
  // The input row number of record i (as given to BatchBuilder::add_row).
  int64_t row_number(size_t i) const;
  // The value of field `field` of record i as text ("" for null); for
  // outputs. Throws std::out_of_range for an unknown field or one the
  // batch did not keep.
  std::string cell(size_t i, std::string_view field) const;

  // Memory held: the fixed-width columns, their validity and the row
  // numbers; and apart, the bytes of the string values kept.
  size_t column_bytes() const;
  size_t string_bytes() const;

  const detail::BatchData& data() const { return *data_; }
  explicit Batch(std::shared_ptr<const detail::BatchData> data)
      : data_(std::move(data)) {}

 private:
  std::shared_ptr<const detail::BatchData> data_;
};

// Builds a Batch from text cells, validating each one against the pack.
class BatchBuilder {
 public:
  explicit BatchBuilder(const RulePack& rules);
  ~BatchBuilder();
  BatchBuilder(BatchBuilder&&) noexcept;
  BatchBuilder& operator=(BatchBuilder&&) noexcept;

  // Maps input columns to fields by field name or Chinese alias (ASCII
  // case-insensitive, surrounding spaces ignored). Unknown columns are
  // ignored and listed in `notes`. Returns file-level problems: a required
  // field without a column, two columns for one field.
  std::vector<Diagnostic> set_columns(std::span<const std::string> header,
                                      const std::string& file = "<input>");
  std::vector<Diagnostic> set_columns(std::initializer_list<std::string> header,
                                      const std::string& file = "<input>");
  const std::vector<std::string>& notes() const;

  // Adds one record; `cells` follow the header. Returns the reject when a
  // cell is invalid, a required value is missing, the record has the wrong
  // number of cells or repeats a unique value; the record is then not added.
  std::optional<Reject> add_row(std::span<const std::string_view> cells,
                                int64_t row_number);
  std::optional<Reject> add_row(std::initializer_list<std::string_view> cells,
                                int64_t row_number);

  // The record's key (student_id) as a reject names it — trimmed, at most
  // 64 bytes, ID numbers in it masked — or "" when the record has no such
  // cell or it is not valid UTF-8. For records rejected before add_row
  // (an unreadable line).
  std::string record_key(std::span<const std::string_view> cells) const;

  size_t size() const;
  // Stores only the fields named (and every unique field); the others are
  // still read and validated, so a record is rejected exactly as before,
  // but take no memory. Use Engine::fields_read for what classify needs.
  // Empty: every field (the default). Unknown names are ignored.
  void keep_only(std::span<const std::string> fields);

  // Memory the duplicate check of each unique field may take for the
  // values seen before it moves them to a temporary file in $TMPDIR (else
  // /tmp), deleted when the builder goes: 256 MiB by default, about 13
  // million values. Past it, memory grows by 2 bytes a value instead of
  // about 20, and a lookup reads the file only when a value may be there.
  // Call before the first add_row; throws std::logic_error after it.
  void set_unique_memory(size_t bytes);

  // Returns the records added since the last finish() and starts anew
  // (unique values stay remembered across batches of one input).
  Batch finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The results of Engine::classify, column by column. Every accessor taking
// a record index `i` (or a table or output index) throws std::out_of_range
// for one past the end.
class BatchResult {
 public:
  BatchResult();
  size_t size() const;

  // Records refused by a pack check (the first failing check).
  bool rejected(size_t i) const;
  // The check's message, or "".
  std::string_view reject_reason(size_t i) const;
  // The field the check names (its `column`, else the first field its
  // condition reads, through derived values, that record i has a value
  // in): birth_date for "birth_date does not match ...", id_number for a
  // birth date after as_of read from the ID number; "" when none.
  std::string_view reject_column(size_t i) const;

  size_t table_count() const;
  const std::string& table_name(size_t t) const;
  // The value index decided by table t for record i, -1 when no row matched
  // (or the record was rejected).
  int32_t code(size_t t, size_t i) const;
  // Name of the value, its matched row id and clause; "" when none. For a
  // collect table, every matched value, row and clause joined by ';'.
  std::string value(size_t t, size_t i) const;
  std::string rule(size_t t, size_t i) const;
  std::string clause(size_t t, size_t i) const;
  // Collect tables: the set of value indices (bit k = value k).
  uint64_t value_set(size_t t, size_t i) const;
  // Raw codes of table t (size() entries) for bindings.
  const int32_t* codes(size_t t) const;
  const int32_t* rows(size_t t) const;

  // The pack's `outputs` (derived values): names and formatted values.
  size_t output_count() const;
  const std::string& output_name(size_t o) const;
  std::string output(size_t o, size_t i) const;

  // Workflow (when the pack has one): whether record i has a case, and the
  // date it opened (nullopt when the pack's opened_on is null for it).
  bool case_open(size_t i) const;
  // The pack's ledger and indicator conditions for record i: bit k is
  // condition k (see Engine::flag_names()); 0 for rejected records.
  // has_flags(): whether they were computed (ClassifyOptions::flags).
  uint64_t flags(size_t i) const;
  bool has_flags() const;
  std::optional<Date> case_opened_on(size_t i) const;

  const detail::ResultData& data() const { return *data_; }
  explicit BatchResult(std::shared_ptr<const detail::ResultData> data)
      : data_(std::move(data)) {}

 private:
  std::shared_ptr<const detail::ResultData> data_;
};

}  // namespace kcbx

#endif  // KCBX_BATCH_H_
