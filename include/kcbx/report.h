// The main job: one pass over a students file that classifies every record,
// opens and advances the cases, and aggregates what the pack's `ledgers`,
// `indicators`, `lists` and `calendar` sections ask for, per jurisdiction at
// every level.
//
//   kcbx::Engine engine(kcbx::default_rules());
//   kcbx::EventLog events = kcbx::read_events(engine.rules(), "events.csv");
//   kcbx::Roster roster = kcbx::read_roster(engine.rules(), "officials.csv");
//   kcbx::ReportWriter out("out", {});                  // CSV, xlsx and JSON
//   kcbx::RunOptions o;
//   o.as_of = *kcbx::Date::parse("2019-11-15");
//   kcbx::RunReport r = kcbx::run(engine, "students.csv", &events, &roster, o, &out);
//   out.commit(r);                                      // files appear whole
//
// Memory stays bounded by the chunk size plus what the lists need (the
// records with a case, on a ledger or named by an event) and one row of
// counters per jurisdiction; per-child tables are streamed to the sink.
// C++ knows levels (a field, or its first N characters), counting flags,
// rates against thresholds, list kinds and days of the month; every
// status, role and clause comes from the pack.
#ifndef KCBX_REPORT_H_
#define KCBX_REPORT_H_

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "kcbx/cases.h"
#include "kcbx/csv.h"
#include "kcbx/date.h"
#include "kcbx/engine.h"
#include "kcbx/responsibility.h"
#include "kcbx/rule_pack.h"

namespace kcbx {

// ---- Report calendar (SPEC M1, M2.2, M2.4) ----------------------------------

// A report due on `date` by the pack's `calendar` section.
struct CalendarEntry {
  Date date;
  std::string id;
  std::string alias;
  std::string reporter;        // as written: a role name or free text
  std::string reporter_alias;  // the role's Chinese alias when it names one
  std::string recipient;
  Date data_as_of;             // the day the reported data describes
  std::string clause;
};

// Every report due from `from` to `to` (both included), by date then pack
// order. A numeric day past the month's end falls on its last day (once,
// even when 'last' is listed too); 'day N' data is as of the latest day N on
// or before the due date. Throws std::invalid_argument when to < from.
std::vector<CalendarEntry> calendar_due(const RulePack& rules, Date from, Date to);

// ---- Output tables -----------------------------------------------------------

enum class ColumnType { kText, kInteger, kNumber, kBool, kDate };

struct Column {
  std::string name;    // English snake_case: the CSV header and JSON key
  std::string header;  // the workbook header (Chinese); "" = name
  ColumnType type = ColumnType::kText;
  // Value -> label for the workbook (enum values, statuses). A cell holding
  // several values separated by ';' is labelled value by value.
  std::vector<std::pair<std::string, std::string>> labels;
  // >= 0: on rows where that column's cell is not empty (a rate's
  // denominator), the workbook shows this number as a percentage.
  int percent_if = -1;
  // >= 0: the number this one is judged against (a rate's target): the
  // workbook shows both percentages with as many decimals (2 to 6) as it
  // takes for them to read differently when they differ.
  int percent_against = -1;
};

struct TableSpec {
  std::string name;   // file stem, e.g. "ledger_village"
  std::string title;  // workbook sheet name, e.g. "村台账"
  std::vector<Column> columns;
  // Not empty: the workbook ends the table with a row of this label in its
  // first column and, under each integer column, the column's sum (an Excel
  // SUM formula over the rows above, so that it follows an official's
  // edits). CSV and JSON stay one row per jurisdiction or record: a sum
  // row there would be counted twice by whoever adds the column up.
  std::string total_label = {};
};

// Receives the tables of a run row by row. Each table is opened once before
// its rows; rows of different tables may interleave (per-child lists are
// streamed while the input is read). Cells follow the columns; "" is empty.
// Called from one thread at a time.
class ReportSink {
 public:
  virtual ~ReportSink() = default;
  virtual void open_table(size_t table, const TableSpec& spec) = 0;
  virtual void add_row(size_t table, std::span<const std::string> cells) = 0;
};

// ---- Results -----------------------------------------------------------------

struct NamedCount {
  std::string name;
  std::string alias;
  int64_t count = 0;
};

// Counts for one jurisdiction of one level (level "" is the whole input,
// its jurisdiction the pack's meta.jurisdiction).
struct JurisdictionTotals {
  std::string level;
  std::string jurisdiction;   // the level's key; "" when records lack it
  int64_t records = 0;        // accepted records
  int64_t on_ledger = 0;      // records the ledgers include
  std::vector<int64_t> by_status;   // by RunReport::statuses
  std::vector<int64_t> special;     // by RunReport::special
  std::vector<int64_t> key_groups;  // by RunReport::key_groups
  std::vector<int64_t> aid_gaps;    // by RunReport::aid_lists
  int64_t cases_open = 0, cases_closed = 0, cases_overdue = 0;
};

// One indicator (SPEC T) for one jurisdiction.
struct IndicatorResult {
  std::string indicator;
  std::string alias;
  std::string clause;
  std::string level;          // "" = the whole input
  std::string jurisdiction;
  Date judged_on;             // the run's as_of, or the indicator's own date
  bool is_rate = true;        // false: a count
  int64_t numerator = 0;      // the count, for counts
  int64_t denominator = 0;
  std::optional<double> value;      // rate (nullopt when denominator = 0) or count
  std::optional<double> threshold;  // from the pack, on judged_on
  std::string comparison;           // "at_least", "at_most" or ""
  std::optional<bool> met;          // nullopt: nothing to judge
  // The indicator's own date (`as_of` in the pack) when it is after the
  // run's: not judged yet (met is null); the counts are the run's date's.
  std::optional<Date> due_on;
};

// An indicator over all jurisdictions of a level.
struct TargetSummary {
  std::string indicator;
  std::string alias;
  std::string clause;
  IndicatorResult overall;  // level ""
  struct Level {
    std::string level;
    int64_t met = 0, missed = 0, no_data = 0;
    int64_t pending = 0;  // judged on a later date (IndicatorResult::due_on)
  };
  std::vector<Level> levels;
};

struct RunReport {
  std::string pack_id;
  Date as_of;
  // Students: read == accepted + rejected, where rejected counts unreadable
  // rows and records failing a pack check.
  ReadCounts students;
  int64_t events_read = 0, events_applied = 0, events_rejected = 0;
  int64_t officials_read = 0, officials_posts = 0, officials_rejected = 0;

  std::vector<std::string> levels;       // ledger levels, finest first
  std::vector<NamedCount> statuses;      // values of the ledgers' totals_by table (default: the main decision's)
  std::vector<NamedCount> special;       // special ledgers
  std::vector<NamedCount> key_groups;
  std::vector<NamedCount> aid_lists;     // aid_gaps lists: records with a gap
  int64_t on_ledger = 0;
  // Every jurisdiction of every level (levels in order, keys sorted), then
  // the whole input.
  std::vector<JurisdictionTotals> totals;
  std::vector<IndicatorResult> indicators;  // per indicator, level, key
  std::vector<TargetSummary> targets;
  std::vector<CalendarEntry> calendar;      // due within calendar_days of as_of
  int64_t cases_open = 0, cases_closed = 0, cases_overdue = 0;
  int64_t accountability = 0;
  std::vector<NamedCount> lists;            // rows written per list
  std::vector<std::string> notes;           // things the user should know
  double seconds = 0;                       // wall time of run()
};

struct RunOptions {
  Date as_of;
  std::string file = "<students>";  // names the input in diagnostics
  std::string encoding = "utf-8";
  bool mask_id_numbers = true;      // ID numbers masked in every table
  int calendar_days = 15;           // reports due in [as_of, as_of + this]; 0 to 36,600
  size_t batch_rows = 65536;        // records per chunk
  int64_t total_bytes = 0;          // input size for progress, 0 = unknown
  // Memory for the duplicate check before the values seen move to a
  // temporary file in $TMPDIR (ReadOptions::unique_memory).
  size_t unique_memory = size_t{256} << 20;
  // Records whose cases are evaluated at a time after the pass; their
  // cases are then kept compactly, so that a national run never holds
  // millions of full Case objects. Any value gives the same results.
  size_t case_slice_rows = 262144;
};

struct RunProgress {
  int64_t records = 0;      // rows read so far
  int64_t bytes = 0;        // input bytes consumed (0 when unknown)
  int64_t total_bytes = 0;  // 0 when unknown
  bool done = false;        // the input is read; lists are being written
};
using ProgressCallback = std::function<void(const RunProgress&)>;

// Runs the whole job over `students` (a CSV stream). `events` and `roster`
// may be null (no events; no persons named). Tables go to `sink` (may be
// null); `progress` (may be empty) is called after each chunk from the
// calling thread. Throws kcbx::Error when the input cannot be used at all
// (no header, a required column missing) or a parameter the pack needs has
// no value on as_of; bad rows are rejects, never errors.
RunReport run(const Engine& engine, std::istream& students, const EventLog* events,
              const Roster* roster, const RunOptions& options, ReportSink* sink = nullptr,
              const ProgressCallback& progress = {});
// The same over a file ("-" for stdin); total_bytes is taken from the file.
RunReport run(const Engine& engine, const std::string& students_path, const EventLog* events,
              const Roster* roster, const RunOptions& options, ReportSink* sink = nullptr,
              const ProgressCallback& progress = {});

// ---- Writing -------------------------------------------------------------------

struct WriterOptions {
  bool csv = true;    // <table>.csv, UTF-8 with BOM, English headers
  bool xlsx = true;   // one workbook, a sheet per table, Chinese headers
  bool json = true;   // <table>.json (an array of objects); the table named
                      // "summary" is summary.json (report_json) instead
  std::string workbook = "report.xlsx";
  // commit() lists the files it wrote in `.kcbx-outputs` in the folder, and
  // removes the files of an earlier list there that it did not write again
  // (an old report.xlsx after a run without the workbook), never any other
  // file. For a folder that holds one run's outputs, as `kcbx run --out`.
  bool replace_earlier = false;
  // The run's input files (students, events, roster, pack): an output that
  // is one of them is refused (kcbx::Error, before its table is written),
  // and none is removed as an earlier output. A folder may hold the inputs
  // of the run that writes into it, except under the outputs' names.
  std::vector<std::string> inputs;
};

// Writes the tables of a run into a folder. Every file is written beside its
// target and moved into place by commit(), so a failed run leaves no
// half-written file that looks complete.
class ReportWriter final : public ReportSink {
 public:
  // Creates `dir` when missing. Throws kcbx::Error when it cannot.
  ReportWriter(std::string dir, WriterOptions options);
  ~ReportWriter() override;
  ReportWriter(const ReportWriter&) = delete;
  ReportWriter& operator=(const ReportWriter&) = delete;

  void open_table(size_t table, const TableSpec& spec) override;
  void add_row(size_t table, std::span<const std::string> cells) override;

  // Adds summary.json (when JSON is on), finishes the workbook and moves
  // every file into place once all are written. Returns the paths written.
  // Throws kcbx::Error when a write failed; no file is ever left half
  // written. Without commit() (an exception in run()), nothing is kept.
  std::vector<std::string> commit(const RunReport& report);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// summary.json's content: a versioned JSON object ("kcbx.run/1").
std::string report_json(const RunReport& report);

}  // namespace kcbx

#endif  // KCBX_REPORT_H_
