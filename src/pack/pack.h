// The rule pack's syntax tree: what the YAML said, with the source position of
// every item, and nothing of yaml-cpp. The loader (load.cc) fills it; the
// checker (src/expr) and compiler (src/engine) read it.
#ifndef KCBX_PACK_PACK_H_
#define KCBX_PACK_PACK_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kcbx/date.h"
#include "kcbx/diagnostic.h"

namespace kcbx::detail {

// A scalar as written, with where it was written. `quoted` distinguishes
// "1" from 1 where that matters (it rarely does).
struct Text {
  std::string value;
  SourceLocation where;
  bool quoted = false;
  // Where parts of `value` sit in the file when the value is not a verbatim
  // copy of the source after `where` (block scalars, scalars folded over
  // several lines, escapes): value offsets from `offset` up to the next
  // anchor are at `line`, `column + (offset' - offset)`. Empty otherwise.
  struct Anchor {
    size_t offset = 0;
    int line = 0;
    int column = 0;
  };
  std::vector<Anchor> anchors;
  bool empty() const { return value.empty(); }
};

enum class TypeKind : uint8_t {
  kBool,
  kInt,
  kNumber,
  kDate,
  kDuration,
  kString,
  kEnum,
  kSet,  // a set of values of an enum domain, written "a;b" in CSV
};

// How an item of a pack that `extends:` another changes the base. Adding
// and overriding are different verbs: a new name must not exist in the base,
// and replacing one must say `override: true` (rows and checks: `replace`,
// `remove`, and `before`/`after` to place a new row).
struct Change {
  bool override_ = false;
  bool replace = false;
  bool remove = false;
  Text before;
  Text after;
  SourceLocation where;  // of the verb
  bool any() const { return override_ || replace || remove || !before.empty() || !after.empty(); }
};

const char* type_name(TypeKind kind);
std::optional<TypeKind> parse_type_name(std::string_view name);

struct EnumValueDef {
  Text name;
  Text alias;  // Chinese label; also accepted in CSV cells and expressions
  Text label_en;
  // In an extension, `override: true` relabels the base's value of this
  // name (see Merger::merge_values in extend.cc).
  Change change;
};

// An enum domain: the values an enum field, a set field or a table output may
// take. Domains are named after what declared them.
struct DomainDef {
  std::string name;
  SourceLocation where;
  std::vector<EnumValueDef> values;
};

struct FieldDef {
  Text name;
  Text alias;
  Text description;
  TypeKind type = TypeKind::kString;
  SourceLocation type_where;
  int domain = -1;          // for kEnum/kSet: index into Pack::domains
  Text values_from;         // for kEnum/kSet: share another field's domain
  bool required = false;
  bool unique = false;
  std::optional<Text> default_value;
  // For kString: "id_number" validates as a GB 11643 resident ID number,
  // "division_code" as a 12-digit statistical division code.
  Text format;
  SourceLocation where;
  Change change;
  // An extension wrote only `values:` for this field: new values (or
  // relabelled ones) for the base's enum or set field of this name.
  bool values_only = false;
};

struct ParamValueDef {
  std::optional<Date> from;  // nullopt: in force since always
  Text from_text;
  Text value;                // a constant expression of the parameter's type
  SourceLocation where;
};

struct ParamDef {
  Text name;
  Text from;  // an override's effective date (with `value`)
  bool history_given = false;  // `values:` (a whole history) was written
  TypeKind type = TypeKind::kInt;
  SourceLocation type_where;
  Text unit;
  Text clause;
  Text description;
  std::vector<ParamValueDef> values;  // sorted by `from` after loading
  SourceLocation where;
  Change change;
};

struct DeriveDef {
  Text name;
  Text expr;
  Text clause;
  Text description;
  SourceLocation where;
  Change change;
};

struct RowDef {
  Text id;
  Text when;  // empty: always matches
  Text then;  // an output value name (enum domain of the table)
  Text clause;
  Text note;
  SourceLocation where;
  Change change;
};

enum class HitPolicy : uint8_t { kFirst, kUnique, kCollect };

struct TableDef {
  Text name;    // also the name of its output in expressions and results
  HitPolicy hit_policy = HitPolicy::kFirst;
  Text hit_policy_text;
  Text description;
  int domain = -1;     // output values
  Text values_from;    // share a field's domain instead of declaring values
  std::vector<RowDef> rows;
  SourceLocation where;
  Change change;
  // Where the last extension that changed the base table's rows names it
  // (diagnostics about the merged rows point there); empty otherwise.
  SourceLocation rows_changed_at;
};

// A row-level validity rule: records for which `require` is false are
// rejected with `message`. Null counts as satisfied (SQL CHECK semantics),
// so that optional fields need no is_null guards.
struct CheckDef {
  Text id;
  Text require;
  Text message;
  Text column;  // the field a reject names; default: the first field `require` reads
  Text clause;
  SourceLocation where;
  Change change;
};

struct ClauseDef {
  Text id;
  Text zh;
  Text en;
  SourceLocation where;
  Change change;
};

// A GB/T 2260 division code newer than the list kcbx holds (revisions
// 1980-2019): known to the ID-number and division-code checks of this
// pack, as a county created since (澄江市 530481, 2019-12).
struct DivisionCodeDef {
  Text code;   // 6 digits
  Text name;   // its name (澄江市), for the reader
  int32_t value = -1;  // the code as a number; -1 when it is not 6 digits (an error)
};

// How a role's jurisdiction is read off a student record: a prefix of a
// division code (county 6, township 9, village 12 digits), a field as is
// (school_id, guardian), or several fields joined by '/' (school/class).
struct LevelDef {
  Text name;
  Text alias;
  std::vector<Text> fields;
  int prefix = 0;  // 0: the whole value
  SourceLocation where;
  Change change;
};

struct DutyDef {
  Text id;
  Text text;
  Text clause;
};

struct RoleDef {
  Text name;
  Text alias;   // Chinese title, the label in graphs and lists
  Text line;
  Text level;
  std::vector<DutyDef> duties;
  // true: the person is read from the record (the level's field), not from
  // the roster (parents: the student's guardian).
  bool from_record = false;
  SourceLocation where;
  Change change;
};

// A line of responsibility: roles from the bottom up; each is supervised by
// the next (teacher -> principal -> bureau director -> county head).
struct LineDef {
  Text name;
  Text alias;
  std::vector<Text> chain;
  SourceLocation where;
  Change change;
};

struct StageDef {
  Text id;
  Text alias;
  Text role;            // who acts
  Text action;          // what must happen, for the next-action column
  std::vector<Text> events;  // event types that count towards completion
  int count = 1;        // how many such events complete the stage
  Text count_param;     // or an int parameter holding that number (SPEC S2.2 "visits", S3.5 "attempts")
  Text due_after;       // duration parameter, or int with unit "school days"; unset parameter = no deadline
  Text due_from;        // "stage_start" (default) or "case_opened"
  Text count_by;        // "event" (default) or "day": a day's events count once (a joint visit)
  Text when;            // condition on the record: the stage applies only when true (default: always)
  Text clause;
  SourceLocation where;
  bool count_given = false;
  SourceLocation count_where;  // where `count` was written (an extension's own line)
  Change change;
};

// A date field filled from the events file (workflow `event_dates`): the
// date of the record's latest event of these types.
struct EventDateDef {
  Text field;
  std::vector<Text> events;
};

struct WorkflowDef {
  bool present = false;
  Text opens_when;  // bool expression: which records have a case
  Text opened_on;   // date expression (may be null): when the case opened
  Text closes_on;   // event type that closes a case (销号)
  // A date field: events after it and before the case opened (a home
  // visit on the third day of an absence) count for the case from the day
  // it opens. Empty: only events from the opening day count.
  Text events_after;
  // Text added to the next action, in the pack's language: a stage's
  // progress ({done} and {needed} are replaced by the counts), and the
  // last stage's when every stage is done and the child is not back.
  // Empty: the English defaults (cases.cc).
  Text progress_note;
  Text continuing_note;
  int event_domain = -1;
  std::vector<StageDef> stages;
  std::vector<EventDateDef> event_dates;
  SourceLocation where;
  // In an extension, `override: true` lets it change the base's
  // opens_when, opened_on, closes_on and event_dates entries (stages and
  // events merge by id either way).
  Change change;
};

// A named per-record condition counted per jurisdiction (a special ledger,
// a key group).
struct GroupDef {
  Text name;
  Text alias;
  Text when;
  SourceLocation where;
};

struct LedgerColumnDef {
  Text name;    // a field or derived value, or a case value (case: true)
  Text alias;   // Chinese header in the workbook
  bool from_case = false;
  SourceLocation where;
};

// The four ledgers (SPEC M2): who is on them, the per-child columns, the
// levels they are kept at, and the counts per jurisdiction.
struct LedgersDef {
  bool present = false;
  Text include;               // bool expression
  std::vector<Text> levels;   // level names, finest first
  std::vector<LedgerColumnDef> columns;
  Text totals_by;             // a table whose values are counted
  std::vector<GroupDef> special;     // special ledgers (poor households)
  std::vector<GroupDef> key_groups;  // counts per key group
  SourceLocation where;
  Change change;
};

// A target indicator (SPEC T): a rate numerator/denominator, or a count,
// compared with a threshold parameter, optionally on its own date.
struct IndicatorDef {
  Text name;
  Text alias;
  Text clause;
  Text numerator;    // bool expression (rates)
  Text denominator;  // bool expression (rates)
  Text count;        // bool expression (counts)
  Text at_least;     // parameter (number) or literal
  Text at_most;
  Text as_of;        // date parameter: judged on that date instead
  SourceLocation where;
  Change change;
};

struct ListDef {
  Text name;
  Text alias;
  Text kind;        // problem, responsibility, closure, accountability, aid_gaps
  Text group_by;    // problem: field
  std::vector<Text> roles;  // responsibility: roles named per case
  Text eligible;    // aid_gaps: collect table
  Text receiving;   // aid_gaps: set field
  SourceLocation where;
  Change change;
};

struct CalendarDef {
  Text id;
  Text alias;
  Text reporter;   // a role name or free text
  Text recipient;
  Text clause;
  std::vector<Text> days;  // day of month, or "last"
  std::vector<Text> months;  // 1..12: due in these months only; empty: every month
  Text data_as_of;         // same_day | previous_month_end | day N
  SourceLocation where;
  Change change;
};

// Whole-class transfer (S1): which duration parameters set the deadlines.
struct TransferDef {
  bool present = false;
  Text notify_within;    // after the registration deadline (S1.4)
  Text notify_clause;
  Text inspect_within;   // after the autumn term starts (S1.5)
  Text inspect_clause;
  // The string fields the rosters' school and name columns are read as
  // (by the field's name or alias); empty: school_id and name.
  Text school_field;
  Text name_field;
  // S1.6: a lost pupil's return is the work of both schools with the local
  // government. The roles held at a school (each of the sending and the
  // planned school) and the roles of the pupil's home (read off the
  // pupil's record in the students file) named for each lost pupil.
  Text lost_clause;
  std::vector<Text> school_roles;
  std::vector<Text> local_roles;
  bool school_roles_given = false, local_roles_given = false;  // an `override` may empty them
  SourceLocation where;
  Change change;
};

// The school days that school_days_between and add_school_days count
// (SPEC leaves calendar or school days to the pack): Monday to Friday, less
// `holidays`, plus `make_up_days` (调休 weekend days). Each item is a date
// or a range "YYYY-MM-DD..YYYY-MM-DD".
struct SchoolCalendarDef {
  bool present = false;
  std::vector<Text> holidays;
  std::vector<Text> make_up_days;
  SourceLocation where;
  Change change;
};

struct MetaDef {
  Text name;
  Text version;
  Text jurisdiction;
  Text title;
  Text description;
  Text extends;
};

struct Pack {
  std::string file;          // as given to the loader
  std::string source;        // the YAML text
  // Every file the pack was made from, base first (one for a plain pack):
  // what pickling and copies reload from.
  std::vector<std::pair<std::string, std::string>> sources;
  uint64_t source_hash = 0;  // FNV-1a of the text
  SourceLocation extends_at;          // its `extends:` (merged packs)
  std::vector<std::string> changed;   // what it overrode of its base, with where
  // The base an extension was merged onto, set by resolve_pack once merged
  // (the merge may still have reported errors: see build in rule_pack.cc);
  // null for a pack that extends nothing. Read only when the merged pack
  // has errors: was the base valid alone?
  std::shared_ptr<const Pack> base;
  MetaDef meta;
  std::vector<ClauseDef> clauses;
  std::vector<DomainDef> domains;
  std::vector<FieldDef> fields;
  std::vector<ParamDef> params;
  std::vector<DeriveDef> derives;
  std::vector<TableDef> tables;
  std::vector<CheckDef> checks;
  std::vector<Text> outputs;  // derived values written beside each result
  std::vector<LevelDef> levels;
  std::vector<RoleDef> roles;
  std::vector<LineDef> lines;
  WorkflowDef workflow;
  LedgersDef ledgers;
  std::vector<IndicatorDef> indicators;
  std::vector<ListDef> lists;
  std::vector<CalendarDef> calendar;
  TransferDef transfer;
  SchoolCalendarDef school_calendar;
  std::vector<DivisionCodeDef> division_codes;

  // Whether `code` is one of division_codes. Read where kcbx's own list
  // does not know a code (a reject's path), so a scan.
  bool adds_division_code(int32_t code) const {
    for (const auto& d : division_codes)
      if (d.value == code) return true;
    return false;
  }
};

// Loads a pack from YAML text. Every problem becomes a diagnostic; the
// returned pack is only meaningful when no error was reported.
std::shared_ptr<Pack> load_pack(std::string_view text, const std::string& file,
                                std::vector<Diagnostic>& diagnostics);

uint64_t fnv1a64(std::string_view text);

// Suggests the nearest of `candidates` to `name` (edit distance ≤ 2, or a
// shared prefix), or "" when none is close.
std::string nearest_name(std::string_view name,
                         const std::vector<std::string>& candidates);

}  // namespace kcbx::detail

#endif  // KCBX_PACK_PACK_H_
