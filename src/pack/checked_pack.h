// A pack after validation: names resolved, every expression parsed and
// typed, parameter values evaluated, derived values and tables ordered by
// dependency. Immutable once built; shared by RulePack and Engine.
#ifndef KCBX_PACK_CHECKED_PACK_H_
#define KCBX_PACK_CHECKED_PACK_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "expr/ast.h"
#include "expr/school_days.h"
#include "pack/pack.h"

namespace kcbx::detail {

// One evaluated parameter value: 8 payload bytes as the VM stores them, or
// text for strings.
struct ScalarValue {
  TypeKind kind = TypeKind::kInt;
  int64_t bits = 0;
  std::string text;
};

struct ParamPeriod {
  std::optional<Date> from;
  ScalarValue value;
  SourceLocation where;  // where this value was written
};

// A derived value or a table, in evaluation order.
struct Item {
  enum Kind { kDerive, kTable } kind;
  int index;
};

struct FieldInfo {
  Type type;
  bool nullable = false;
  bool id_number = false;      // format: id_number
  bool division_code = false;  // format: division_code
  std::optional<ScalarValue> default_value;
};

struct CheckedStage {
  int role = -1;
  std::vector<int> events;  // event codes that count
  int count = 1;
  int count_param = -1;     // int parameter holding the count (in force when the stage starts), or -1
  int due_param = -1;       // deadline parameter (deadline_after), -1: no deadline
  bool from_case_opened = false;
  bool count_days = false;  // count_by: day (events of one day count once)
  int when_flag = -1;       // CheckedPack::flags index of `when`, or -1: the stage always applies
};

struct CheckedWorkflow {
  bool present = false;
  ExprPtr opens_when;
  ExprPtr opened_on;        // may be null: then opened on the first event
  int closes_on = -1;       // event code
  int events_after = -1;    // date field (WorkflowDef::events_after), or -1
  std::vector<CheckedStage> stages;
  // workflow `event_dates`: a date field and the event codes that fill it.
  struct EventDate {
    int field = -1;
    std::vector<int> events;
  };
  std::vector<EventDate> event_dates;
};

// A threshold or date: a parameter (in force on the evaluation date) or a
// literal value.
struct ParamOrValue {
  int param = -1;
  std::optional<ScalarValue> value;
  bool set() const { return param >= 0 || value.has_value(); }
};

struct CheckedLedgers {
  bool present = false;
  int include_flag = -1;
  std::vector<int> levels;          // level indices
  int totals_table = -1;
  std::vector<int> special_flags;   // by LedgersDef::special
  std::vector<int> group_flags;     // by LedgersDef::key_groups
};

struct CheckedIndicator {
  int numerator_flag = -1, denominator_flag = -1, count_flag = -1;
  ParamOrValue at_least, at_most;
  ParamOrValue as_of;  // date: judged on its own date
};

struct CheckedPack {
  std::shared_ptr<const Pack> pack;
  std::vector<FieldInfo> fields;
  std::vector<ExprPtr> derives;      // by derive index
  std::vector<Type> derive_types;
  std::vector<bool> derive_nullable;
  std::vector<std::vector<ExprPtr>> rows;        // [table][row]; null: always
  std::vector<bool> table_total;  // first-hit table whose last row always matches
  std::vector<std::vector<int>> row_outputs;     // [table][row]: value code
  std::vector<ExprPtr> checks;
  // The field each check's reject names (its `column`, else the first
  // field its condition reads, through derived values); "" when none.
  std::vector<std::string> check_columns;
  // For a check without `column:`, every field its condition reads, through
  // derived values, in order (field indexes): the reject names the first of
  // them the record has a value for (`birth <= as_of` names id_number when
  // the birth date came from it). Empty when the check names its column.
  std::vector<std::vector<int>> check_fields;
  std::vector<std::vector<ParamPeriod>> params;  // sorted by from
  std::vector<Item> order;
  // Names each derive/row/check expression reads (for explanations).
  std::vector<std::vector<std::string>> derive_reads;
  std::vector<std::vector<std::vector<std::string>>> row_reads;
  std::vector<std::vector<std::string>> row_params;  // params read by table rows (flattened per table)

  // Responsibility: by role, its level and line index; by level, the
  // field indices its key is read from; by line, its role indices.
  std::vector<int> role_level;
  std::vector<int> role_line;
  std::vector<std::vector<int>> level_fields;
  std::vector<std::vector<int>> line_roles;
  CheckedWorkflow workflow;
  // The pack's school_calendar for school_days_between and add_school_days
  // (null: Monday to Friday); every program compiled from the pack shares it.
  std::shared_ptr<const SchoolDays> school_days;
  // Named per-record conditions counted by ledgers and indicators; the
  // engine computes them into a bit set per record (at most 64).
  std::vector<ExprPtr> flags;
  std::vector<std::string> flag_names;
  CheckedLedgers ledgers;
  std::vector<CheckedIndicator> indicators;
  int level_index(std::string_view name) const;
  // The value of `p` on `on` as a number (literal or parameter); nullopt
  // when unset or the parameter has no value then.
  std::optional<double> number_on(const ParamOrValue& p, Date on) const;
  std::optional<Date> date_on(const ParamOrValue& p, Date on) const;
  // Duration parameter `p`'s value in force on `on`, or nullopt.
  std::optional<Duration> duration_on(int p, Date on) const;
  // The due date of a duty that arose on `from` under deadline parameter
  // `p` (a stage's due_after, the transfer's notify_within and
  // inspect_within), with its value in force on `from`: a duration after
  // it, or, for an int parameter in school days (is_school_day_deadline),
  // that many school days after it on the pack's school calendar (工作日:
  // a calendar that lists the statutory holidays and make-up days).
  // nullopt: no deadline (no parameter, or no value then).
  std::optional<Date> deadline_after(int p, Date from) const;
  // Whether int parameter `p` counts school days: its `unit` is
  // "school days" (or "school day").
  bool is_school_day_deadline(int p) const;
  // How many events complete `stage` when it started on `start`: its count,
  // or its count parameter's value in force on that day (before the first
  // value, the first value).
  int stage_count(const CheckedStage& stage, Date start) const;

  int field_index(std::string_view name) const;
  // The field that names a record (student_id): the first unique field, or
  // the first field when none is unique; "" for a pack without fields.
  std::string key_field() const;
  // The key column's name in result tables and files: key_field(), or
  // "student_id" for a pack without fields.
  std::string key_column() const;
  int role_index(std::string_view name) const;
  int derive_index(std::string_view name) const;
  int table_index(std::string_view name) const;
  // A table's rule or clause column as the results name it: "rule" and
  // "clause" for the first table, "<table>_rule" and "<table>_clause" for
  // every table (the first too). The table's index, *clause telling which;
  // -1 for any other name.
  int table_rule_column(std::string_view name, bool* clause) const;
  int param_index(std::string_view name) const;
  // The clause text for an id, or "".
  std::string clause_text(std::string_view id) const;
  // The period of parameter `p` in force on `on`, or null.
  const ParamPeriod* param_on(int p, Date on) const;
};

// Reports cycles in the supervision graph that the lines make together
// (src/graph, the only user of Boost.Graph), at the edge that closes one.
void check_role_graph(const Pack& pack, const std::vector<std::vector<int>>& line_roles,
                      std::vector<Diagnostic>& diagnostics);

// Appends the names `e` reads (fields, parameters, derived values, tables).
void collect_reads(const Expr& e, std::vector<std::string>& out);

// Validates a loaded pack. Every problem becomes a diagnostic; the result is
// only usable when none is an error.
std::shared_ptr<CheckedPack> check_pack(std::shared_ptr<const Pack> pack,
                                        std::vector<Diagnostic>& diagnostics);

// A cell quoted for a reject reason: at most 40 bytes (never cut inside a
// UTF-8 character), an ID number in it masked ("'520102********1234'").
std::string quote_cell(std::string_view text);

// A date cell of a data file: YYYY-MM-DD, and the forms spreadsheets save
// a date in with the year first, so unambiguous: 2019/9/1 (Chinese Excel
// and WPS's default), 2019-9-1, 2019.9.1, 2019年9月1日, each optionally
// followed by a midnight time (2019/9/1 0:00, 00:00:00) where a date-time
// cell was saved. Anything else (9/1/2019, 2019-02-30) is nullopt. Rule
// packs keep YYYY-MM-DD alone (Date::parse): a pack is written, not saved.
std::optional<Date> parse_data_date(std::string_view text);

// The reason a date cell is refused ("'9/1/2019' is not a date ...").
std::string not_a_date(std::string_view text);

// Parses a cell's text as a value of a field type. Returns a reason on
// failure ("'abc' is not a date (YYYY-MM-DD)"); never throws.
std::optional<std::string> parse_cell(std::string_view text, const Type& type,
                                      const Pack& pack, ScalarValue& out);

// Calls `each(value)` for each value of a set cell's text, in order: the
// values are separated by ';' or by the full-width '；' that Chinese
// spreadsheets and input methods type, trimmed of spaces, empty ones
// skipped. Stops early when `each` returns false; returns whether it ran to
// the end. Inline: a CSV reader calls it for every row's cell.
template <typename Each>
bool for_each_set_value(std::string_view text, Each&& each) {
  constexpr std::string_view kFullWidth = "\xEF\xBC\x9B";  // U+FF1B '；'
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = start, width = 0;
    for (; end < text.size(); ++end) {
      if (text[end] == ';') {
        width = 1;
        break;
      }
      if (text[end] == kFullWidth[0] && text.substr(end, kFullWidth.size()) == kFullWidth) {
        width = kFullWidth.size();
        break;
      }
    }
    std::string_view value = text.substr(start, end - start);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    if (!value.empty() && !each(value)) return false;
    if (width == 0) break;
    start = end + width;
  }
  return true;
}

// Formats a VM value for output ("2019-09-09", "enrolled", "a;b", "12").
std::string format_value(const Type& type, const void* data, const Pack& pack);

// As format_value, but a yes/no value as true/false: the form a pack's
// expressions and rule tests write, shown where people read values
// (explanations, rule-test reports). format_value's 1/0 is the CSV
// outputs' form.
std::string format_value_for_reading(const Type& type, const void* data, const Pack& pack);

}  // namespace kcbx::detail

#endif  // KCBX_PACK_CHECKED_PACK_H_
