// Tools for rule authors: YAML rule tests (`kcbx test`) and pack
// comparison (`kcbx diff`).
//
// A test file names a pack and lists tests; each test gives an evaluation
// date, input records, optionally events and an officials roster, and what
// it expects: statuses, rule ids, derived values, case stages, due dates,
// indicator values, or that a record or the pack is refused
// (docs/rule-packs.md "Tests").
//
//   kcbx::RuleTestReport r = kcbx::run_rule_tests({"rules/guizhou.tests.yaml"});
//   std::cout << r.format();          // failures as file:line: FAIL name: ...
//   if (!r.ok()) return 1;
//
//   kcbx::PackDiff d = kcbx::diff_packs(kcbx::default_rules(),
//                                       kcbx::load_rules("neighbour.yaml"));
//   std::cout << kcbx::format_diff(d);
#ifndef KCBX_RULE_TESTS_H_
#define KCBX_RULE_TESTS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kcbx/date.h"
#include "kcbx/diagnostic.h"
#include "kcbx/rule_pack.h"

namespace kcbx {

// ---- YAML rule tests ----------------------------------------------------------

struct RuleTestOptions {
  // "": each file tests the pack its `pack:` names; otherwise this pack (an
  // embedded name or a path) replaces it for every file.
  std::string rules;
  // Evaluate each pack at every effective date of its parameters and one
  // day either side, reporting dates on which a parameter it uses has no
  // value (see sweep_parameters).
  bool sweep = true;
};

// One way a test did not get what it expected.
struct TestFailure {
  std::string record;    // the record's key (student_id) or "record N"; "" for the test
  std::string key;       // what was checked: "status", "case.due", "indicator consolidation_rate"
  std::string expected;  // as written in the test ("" for null)
  std::string actual;    // what the pack gave ("" for null)
  // "mismatch", or what went wrong otherwise: "rejected" (the record was
  // refused), "accepted" (expect_error, but it was not), "error" (the pack
  // or input was refused), "no-error", "missing" (no such record/case or
  // indicator), "event-rejected", "roster-rejected", "test-error" (the test
  // cannot show what it says: a bad as_of, a column no field reads, an
  // expected value the pack does not have; also reported as a diagnostic).
  std::string kind = "mismatch";

  // "expected status=dropout, got suspected_dropout" (lang "zh": Chinese),
  // every ID number in it masked (the fields hold the values as they are).
  std::string text(std::string_view lang = "en") const;
};

struct TestResult {
  SourceLocation where;  // the test's `- name:` line
  std::string name;
  std::string pack;      // RulePack::id() of the pack it ran on; "" when refused
  std::vector<TestFailure> failures;
  // For failed tests: the rows tried and the values read for each failing
  // record, to show beside the failure.
  std::vector<std::string> context;
  bool passed() const { return failures.empty(); }
};

// A table row, workflow stage or stage deadline no test exercised. A row is
// exercised when some test record matched it; a stage when some test case
// reached it; a deadline (a stage with `due_after`) when some test checked
// `due` or `days_overdue` of a case in that stage, or listed it in `lapsed`.
struct CoverageGap {
  std::string pack;   // RulePack::id()
  std::string kind;   // "row", "stage" or "deadline"
  std::string name;   // "status/absent_over_week", "home_visits", "school_report (report_within)"
  SourceLocation where;
};

struct RuleTestReport {
  std::vector<TestResult> tests;
  // Problems with the test files themselves (errors: a test that expects
  // nothing, an unknown key, an unreadable CSV), pack warnings (overlapping
  // unique rows), and the sweep's warnings and notes.
  std::vector<Diagnostic> diagnostics;
  // For each pack a test file names (or options.rules), what no test
  // exercised, in pack order.
  std::vector<CoverageGap> uncovered;
  std::vector<std::string> packs;  // ids of those packs
  size_t files = 0;

  size_t passed() const;
  size_t failed() const;
  // True when every test passed and no diagnostic is an error.
  bool ok() const;
  // One line per failure, "file:line: FAIL name: expected status=dropout,
  // got suspected_dropout", each followed by its context indented, then a
  // summary line; with `coverage`, the gaps. Diagnostics are not included
  // (print them with their carets). lang "zh" gives Chinese text.
  std::string format(bool coverage = false, std::string_view lang = "en") const;
};

// Runs the test files at `paths`; a directory stands for every *.tests.yaml
// below it. Never throws over a broken test, record or pack: each is reported
// in the result. Throws kcbx::Error when a path does not exist or cannot be
// read. Not thread-safe only in that it reads files; the result is a value.
RuleTestReport run_rule_tests(const std::vector<std::string>& paths,
                              const RuleTestOptions& options = {});

// Runs one test file given as text; `file` names it in messages and anchors
// relative paths (the pack, CSV files).
RuleTestReport run_rule_tests(std::string_view yaml, const std::string& file,
                              const RuleTestOptions& options = {});

// The effective-date sweep: evaluates `rules` at every date a parameter's
// value changes and one day either side, and reports each date on which a
// parameter the pack uses (in an expression, a stage deadline, an indicator
// threshold or the transfer section) has no value in force, as a warning
// ("parameter-gap"). Parameters with no value at all are unset by design: a
// note lists them ("parameter-unset").
std::vector<Diagnostic> sweep_parameters(const RulePack& rules);

// ---- Comparing packs ---------------------------------------------------------

// One difference between two packs.
struct PackChange {
  // "meta", "field", "parameter", "derive", "output", "check", "row",
  // "table", "role", "line", "workflow", "event date", "stage", "deadline",
  // "level", "ledgers", "ledger column", "special ledger", "key group",
  // "indicator", "list", "calendar", "clause", "transfer", "school calendar".
  std::string section;
  std::string change;  // "added", "removed", "changed", "moved"
  std::string name;    // "suspected_after", "status/migrant_unregistered"
  std::string before;  // A's value (empty when added)
  std::string after;   // B's value (empty when removed)
  SourceLocation where_a;
  SourceLocation where_b;
};

struct PackDiff {
  std::string pack_a;  // RulePack::id()
  std::string pack_b;
  std::vector<PackChange> changes;  // by section, in pack order
};

// What differs between `a` and `b`: parameters (every value with its
// effective date), fields, derived values, outputs, checks, table rows (by
// id, with their position), tables, roles and duties, lines, the workflow
// (events, event dates, stages and their deadlines), levels, ledgers (their
// columns, special ledgers and key groups), indicators, lists, calendar
// entries, clauses and transfer. Descriptions and notes are not compared.
PackDiff diff_packs(const RulePack& a, const RulePack& b);

// How the statuses of the same children differ between two packs.
struct StatusShift {
  std::string value_a, rule_a;  // "(rejected)" for a refused record
  std::string value_b, rule_b;
  int64_t count = 0;
  std::vector<std::string> examples;  // up to 5 student ids (ID numbers in them masked unless asked)
};

struct StudentsDiff {
  std::string table;  // the first table (status)
  Date as_of;
  int64_t records = 0;  // records read
  // Of those, refused by each pack: by the reader (a bad cell, a duplicate
  // key) or by a pack check. read = accepted + rejected for each.
  int64_t rejected_a = 0, rejected_b = 0;
  int64_t changed = 0;  // records whose value or rule differs
  int64_t status_changed = 0;  // of those, records whose value differs (the rest: only the row)
  std::vector<StatusShift> shifts;  // most frequent first
};

// Classifies the students CSV at `path` with both packs on `as_of` and
// groups the records whose first table's value or row changes by (value,
// row in A) -> (value, row in B). Records are paired by their key field
// (student_id), else by row. An ID number in a key shown as an example is
// masked unless `mask` is false. Throws kcbx::Error when the file cannot be
// read with either pack or a parameter has no value on `as_of`.
StudentsDiff diff_students(const RulePack& a, const RulePack& b,
                           const std::string& path, Date as_of,
                           const std::string& encoding = "utf-8", bool mask = true);

// Readable text of a diff, section by section; with `students`, the table
// of status changes.
std::string format_diff(const PackDiff& diff, const StudentsDiff* students = nullptr);

}  // namespace kcbx

#endif  // KCBX_RULE_TESTS_H_
