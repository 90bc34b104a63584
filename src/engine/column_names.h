// Which field of a pack each input column is, by its name: the one rule
// for a CSV header (BatchBuilder::set_columns) and for a table's column
// names (batch_from_columns), so that a file and a DataFrame with the same
// names read the same fields. Private to the library.
#ifndef KCBX_ENGINE_COLUMN_NAMES_H_
#define KCBX_ENGINE_COLUMN_NAMES_H_

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pack/pack.h"

namespace kcbx::detail {

// `s` without the spaces around it: spaces and tabs, and the spaces
// Chinese Excel users type around a heading or a cell, the ideographic
// space U+3000 (full-width mode) and the no-break space U+00A0 (pasted
// from a web page), and the invisible characters text copied from a web
// page or a document brings along, the zero-width space U+200B and the
// zero-width no-break space U+FEFF (a byte order mark inside a file):
// with them a student number would not be a duplicate of the same number
// without. "学籍号　" is 学籍号. Every reader's headings and cells.
std::string_view trim_spaces(std::string_view s);

struct ColumnMatch {
  std::vector<int> field_column;  // per field: its column, or -1
  std::vector<int> column_field;  // per column: its field, or -1
  // A column that is no field of the pack ("column 3 'remark' is not a
  // field of the pack; ignored"), in column order.
  std::vector<std::string> notes;
  // A column naming a field an earlier column named already (the earlier
  // one keeps the field): the callers word it, by position or by name.
  struct Duplicate {
    size_t first, second, field;
  };
  std::vector<Duplicate> duplicates;
  std::vector<size_t> missing;  // required fields without a column
};

// A name matches a field by its name (ASCII case ignored) or its alias
// (exactly), after trimming spaces and tabs. A byte order mark left at the
// start of the first name (a file read with the wrong encoding, or saved
// with two) is ignored.
ColumnMatch match_columns(const Pack& pack, std::span<const std::string_view> names);

// "required field 'id_number' (身份证号) has no column".
std::string missing_column_message(const FieldDef& field);

// `name` trimmed of spaces and tabs, and of a byte order mark when
// `first` (the first column), as match_columns reads it.
std::string_view column_name(std::string_view name, bool first);

}  // namespace kcbx::detail

#endif  // KCBX_ENGINE_COLUMN_NAMES_H_
