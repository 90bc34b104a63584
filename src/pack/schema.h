// The rule-pack format as data: the keys each YAML map may hold, the words
// some keys take, and the limits. The loader (load.cc) and the validator
// read these lists, and tests/cpp/docs_test.cc checks docs/rule-packs.md
// (and .zh.md) against them, so the reference cannot drift from the code.
// Private to the library.
#ifndef KCBX_PACK_SCHEMA_H_
#define KCBX_PACK_SCHEMA_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace kcbx::detail::schema {

using Keys = std::span<const char* const>;

// ---- Rule pack maps ---------------------------------------------------------

inline constexpr const char* kPack[] = {
    "meta",   "clauses", "fields",     "parameters", "derive",   "checks",
    "tables", "outputs", "levels",     "roles",      "lines",    "workflow",
    "ledgers", "indicators", "lists",  "calendar",   "transfer", "school_calendar",
    "division_codes"};
inline constexpr const char* kMeta[] = {"name",  "version",     "jurisdiction",
                                        "title", "description", "extends"};
inline constexpr const char* kClause[] = {"zh", "en", "override"};
inline constexpr const char* kEnumValue[] = {"alias", "en", "override"};
inline constexpr const char* kField[] = {
    "alias",   "type",   "values", "values_from", "required",
    "unique",  "default", "format", "description", "override"};
inline constexpr const char* kParameter[] = {
    "type", "unit", "clause", "description", "value", "values", "override", "from"};
inline constexpr const char* kParameterValue[] = {"from", "value"};
inline constexpr const char* kDerive[] = {"expr", "clause", "description", "override"};
inline constexpr const char* kCheck[] = {"id",     "require", "message", "column",
                                         "clause", "replace", "remove"};
inline constexpr const char* kTable[] = {"hit_policy", "values", "values_from",
                                         "rows", "description", "override"};
inline constexpr const char* kRow[] = {"id",     "when",  "then",    "clause", "note",
                                       "before", "after", "replace", "remove"};
inline constexpr const char* kLevel[] = {"alias", "field", "fields", "prefix", "override"};
inline constexpr const char* kRole[] = {"alias",  "line",        "level",
                                        "duties", "from_record", "override"};
inline constexpr const char* kDuty[] = {"id", "text", "clause"};
inline constexpr const char* kLine[] = {"alias", "chain", "override"};
inline constexpr const char* kWorkflow[] = {"opens_when", "opened_on", "closes_on", "events_after",
                                            "progress_note", "continuing_note",
                                            "events", "stages", "event_dates", "override"};
inline constexpr const char* kStage[] = {
    "id",        "alias",    "role",   "action",   "event",  "events", "count",
    "due_after", "due_from", "count_by", "when", "clause", "override", "before", "after",  "remove"};
inline constexpr const char* kLedgers[] = {"include", "levels",  "columns",   "totals_by",
                                           "special", "key_groups", "override"};
inline constexpr const char* kLedgerColumn[] = {"name", "alias", "case"};
inline constexpr const char* kGroup[] = {"alias", "when"};
inline constexpr const char* kIndicator[] = {"alias",   "clause",  "numerator",
                                             "denominator", "count", "at_least",
                                             "at_most", "as_of",   "override", "remove"};
inline constexpr const char* kList[] = {"alias", "kind",     "group_by", "roles",
                                        "eligible", "receiving", "override", "remove"};
inline constexpr const char* kCalendar[] = {"id",     "alias",  "reporter",
                                            "recipient", "clause", "days",
                                            "months", "data_as_of", "override", "remove"};
inline constexpr const char* kTransfer[] = {"notify_within", "notify_clause",
                                            "inspect_within", "inspect_clause",
                                            "school_field",  "name_field",
                                            "lost_clause",   "school_roles",
                                            "local_roles",   "override"};
inline constexpr const char* kSchoolCalendar[] = {"holidays", "make_up_days", "override"};

// ---- Words some keys take ---------------------------------------------------

inline constexpr const char* kTypes[] = {"bool",     "int",    "number", "date",
                                         "duration", "string", "enum",   "set"};
inline constexpr const char* kHitPolicies[] = {"first", "unique", "collect"};
inline constexpr const char* kFieldFormats[] = {"id_number", "division_code"};
inline constexpr const char* kDueFrom[] = {"stage_start", "case_opened"};
inline constexpr const char* kCountBy[] = {"event", "day"};
inline constexpr const char* kListKinds[] = {"problem", "responsibility", "closure",
                                             "accountability", "aid_gaps"};
// Ledger columns with `case: true` read these values of the child's case.
inline constexpr const char* kLedgerCaseColumns[] = {
    "persuasion_status", "stage", "next_action", "due", "days_overdue", "opened",
    "responsible"};
// calendar data_as_of: these words, or "day N".
inline constexpr const char* kDataAsOf[] = {"same_day", "previous_month_end", "day N"};

// ---- YAML rule tests (kcbx test; src/pack/rule_tests.cc) --------------------

inline constexpr const char* kTestFile[] = {"pack", "as_of", "defaults", "tests"};
inline constexpr const char* kTest[] = {
    "name",   "as_of",  "pack",       "pack_yaml",    "defaults", "records",
    "events", "roster", "expect",     "indicators",   "expect_error"};
// Keys of one record's expectation besides the pack's own names (tables,
// derived values, fields, outputs) and its key field (student_id).
inline constexpr const char* kExpectation[] = {"record", "rule", "clause", "case",
                                               "expect_error"};
inline constexpr const char* kCaseExpectation[] = {
    "stage", "next_action", "due", "days_overdue", "opened", "closed",
    "responsible", "role", "lapsed"};
inline constexpr const char* kIndicatorExpectation[] = {"value", "numerator",
                                                        "denominator", "met"};

// ---- Limits (docs/rule-packs.md "Limits") ------------------------------------

inline constexpr size_t kMaxPackBytes = 4u << 20;  // 4 MiB of YAML
inline constexpr int kMaxYamlDepth = 64;
inline constexpr long kMaxYamlNodes = 200000;
inline constexpr size_t kMaxRows = 10000;           // table rows in a pack
inline constexpr size_t kMaxItems = 10000;          // named items
// school_calendar: days listed in all, ranges counted day by day (a
// century of holidays and vacations).
inline constexpr int64_t kMaxSchoolCalendarDays = 36600;
inline constexpr size_t kMaxDomainValues = 64;      // enum/set values (u64 sets)
inline constexpr size_t kMaxCollectRows = 64;       // rows of a collect table
inline constexpr size_t kMaxFlags = 64;             // ledger/indicator conditions
inline constexpr int kMaxExtendsChain = 16;
// Enforced by the expression parser (src/expr/parse.cc); the docs test
// checks them by behaviour.
inline constexpr size_t kMaxExprBytes = 16 * 1024;
inline constexpr int kMaxExprNesting = 100;

// ---- For the documentation check --------------------------------------------

struct KeyList {
  const char* name;  // the marker in the docs: <!-- keys: NAME -->
  Keys keys;
};

inline constexpr KeyList kKeyLists[] = {
    {"pack", kPack},
    {"meta", kMeta},
    {"clause", kClause},
    {"enum-value", kEnumValue},
    {"field", kField},
    {"parameter", kParameter},
    {"parameter-value", kParameterValue},
    {"derive", kDerive},
    {"check", kCheck},
    {"table", kTable},
    {"row", kRow},
    {"level", kLevel},
    {"role", kRole},
    {"duty", kDuty},
    {"line", kLine},
    {"workflow", kWorkflow},
    {"stage", kStage},
    {"ledgers", kLedgers},
    {"ledger-column", kLedgerColumn},
    {"group", kGroup},
    {"indicator", kIndicator},
    {"list", kList},
    {"calendar", kCalendar},
    {"transfer", kTransfer},
    {"school_calendar", kSchoolCalendar},
    {"types", kTypes},
    {"hit-policies", kHitPolicies},
    {"field-formats", kFieldFormats},
    {"due-from", kDueFrom},
    {"count-by", kCountBy},
    {"list-kinds", kListKinds},
    {"ledger-case-columns", kLedgerCaseColumns},
    {"data-as-of", kDataAsOf},
    {"test-file", kTestFile},
    {"test", kTest},
    {"expectation", kExpectation},
    {"case-expectation", kCaseExpectation},
    {"indicator-expectation", kIndicatorExpectation},
};

inline bool contains(Keys keys, std::string_view word) {
  for (const char* k : keys)
    if (word == k) return true;
  return false;
}

}  // namespace kcbx::detail::schema

#endif  // KCBX_PACK_SCHEMA_H_
