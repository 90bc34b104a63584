// kcbx graph --officials FILE [--students FILE]: the responsibility graph
// (posts and supervision, SPEC R) as Graphviz DOT or GraphML. Roster rejects
// and validation issues go to stderr as warnings (the first 20, then how
// many more), then a one-line summary.
// Phone numbers and students' personal data never appear on stderr.
#include <cstdint>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>

#include <fmt/core.h>

#include "cli/common.h"
#include "engine/check_rejects.h"
#include "io/input_file.h"
#include "io/output_file.h"
#include "kcbx/csv.h"
#include "kcbx/responsibility.h"

namespace kcbx::cli {

namespace {

struct GraphArgs {
  std::string officials;
  std::string students;
  std::string rules;
  std::string format = "dot";
  std::string out;
  std::string encoding = "utf-8";
  std::string as_of;
  bool all_warnings = false;
};

// Today's date where the command runs, for checks that need an evaluation
// date when none is given.
Date today() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  return Date::from_ymd(local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
}

std::string display_name(const std::string& path) { return path == "-" ? "<stdin>" : path; }

// The warnings on stderr: the first kShown, then how many more. A roster
// or students file with a problem on every row gave one line a row (205 on
// a probe roster), burying the summary; the summary counts them all, as
// classify lists its first 20 rejects.
class Warnings {
 public:
  // `all`: every warning (--all-warnings).
  explicit Warnings(bool all) : shown_(all ? INT64_MAX : 20) {}

  void add(const std::string& file, int64_t row, const std::string& code, const std::string& message) {
    if (++count_ > shown_) return;
    Diagnostic d;
    d.severity = Severity::kWarning;
    d.where.file = file;
    d.where.line = static_cast<int>(row);
    d.code = code;
    d.message = message;
    std::cerr << d.format() << "\n";
  }

  void add_rejects(const std::string& file, const std::vector<Reject>& rejects) {
    for (const auto& r : rejects)
      add(file, r.row, "rejected-row", r.column.empty() ? r.reason : r.column + ": " + r.reason);
  }

  // The line after the last warning shown, when some were not.
  void finish() const {
    if (count_ > shown_)
      std::cerr << fmt::format(
          "kcbx graph: ... and {} more warnings (the first {} of {} are shown; --all-warnings shows them all)\n",
          count_ - shown_, shown_, count_);
  }

 private:
  int64_t shown_;
  int64_t count_ = 0;
};

int run_graph(const GraphArgs& a) {
  if (a.format != "dot" && a.format != "graphml")
    throw UsageError("--format: expected dot or graphml, got '" + a.format + "'");
  if (a.officials == "-" && a.students == "-")
    throw UsageError("--officials and --students cannot both be read from stdin");
  // The date the pack's checks on the students are made on: refused when
  // there are no students to check (a mistyped command line, not ignored).
  if (!a.as_of.empty() && a.students.empty()) throw UsageError("--as-of needs --students (the records it checks)");
  const Date as_of = a.as_of.empty() ? today() : parse_date(a.as_of, "--as-of");
  RulePack pack = load_pack(a.rules);
  refuse_overlapping_files(pack, {{"--officials", a.officials}, {"--students", a.students}}, {{"--out", a.out}});

  const std::string officials_name = display_name(a.officials);
  Roster roster;
  if (a.officials == "-") roster = read_roster(pack, std::cin, officials_name, a.encoding);
  else roster = read_roster(pack, a.officials, a.encoding);

  // The whole students file as one batch: containment (which county a
  // school is in) and coverage need every record at once.
  Batch batch;
  ReadCounts student_counts;
  std::vector<Reject> student_rejects;
  const std::string students_name = display_name(a.students);
  if (!a.students.empty()) {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (a.students != "-") {
      detail::open_input(file, a.students, "students file");
      in = &file;
    }
    ReadOptions ro;
    ro.file = students_name;
    ro.encoding = a.encoding;
    ro.batch_rows = SIZE_MAX;
    StudentReader reader(pack, *in, ro);
    StudentFile students;
    reader.next(students.batch);
    students.rejects = reader.take_rejects();
    students.counts = reader.counts();
    // The pack's record checks, as classify makes them: a record they
    // refuse (a birth date that is not the ID number's) is rejected here
    // too, and neither places a school nor counts for coverage.
    detail::drop_check_rejects(pack, as_of, students);
    batch = std::move(students.batch);
    student_rejects = std::move(students.rejects);
    student_counts = students.counts;
  }

  ResponsibilityGraph graph(pack, roster, batch);
  const std::vector<GraphIssue> issues = graph.validate(batch);

  std::unique_ptr<detail::OutputFile> out_file;
  std::ostream* out = &std::cout;
  if (!a.out.empty()) {
    out_file = std::make_unique<detail::OutputFile>(a.out);
    out = &out_file->stream();
  }
  if (a.format == "graphml") graph.write_graphml(*out);
  else graph.write_dot(*out);
  if (out_file) out_file->commit();
  else out->flush();

  Warnings warnings(a.all_warnings);
  warnings.add_rejects(officials_name, roster.rejects);
  warnings.add_rejects(students_name, student_rejects);
  for (const auto& issue : issues) {
    // Issues about a post point at its roster row; coverage gaps have no
    // row and are about the students file (the roster when there is none).
    const bool at_post = issue.row > 0;
    warnings.add(at_post || a.students.empty() ? officials_name : students_name, issue.row, issue.code,
                 issue.message);
  }
  warnings.finish();
  std::string summary = fmt::format(
      "kcbx graph: {}: {} posts, {} edges, {} issues; officials read {} = accepted {} + rejected {}", pack.id(),
      graph.post_count(), graph.edge_count(), issues.size(), roster.read, roster.posts.size(),
      roster.rejects.size());
  if (!a.students.empty())
    summary += fmt::format("; students read {} = accepted {} + rejected {}", student_counts.read,
                           student_counts.accepted, student_counts.rejected);
  std::cerr << summary << "\n";
  return kExitOk;
}

}  // namespace

Runner add_graph(CLI::App& app) {
  auto a = std::make_shared<GraphArgs>();
  auto* cmd = app.add_subcommand("graph", "Write the responsibility graph (posts, supervision) as DOT or GraphML");
  cmd->add_option("--officials", a->officials, "Officials roster CSV: role,person,jurisdiction[,phone] (- for stdin)")
      ->required();
  cmd->add_option("--students", a->students,
                  "Students CSV (- for stdin): places schools in counties and checks coverage");
  cmd->add_option("--rules", a->rules, "Rule pack file (default: embedded Guizhou pack)");
  cmd->add_option("--format", a->format, "dot (default) or graphml");
  cmd->add_option("--out", a->out, "Output file (default: stdout)");
  cmd->add_option("--encoding", a->encoding, "Input encoding: utf-8 (default), gb18030, gbk")->check(encoding_check());
  cmd->add_option("--as-of", a->as_of,
                  "Evaluation date for the pack's record checks on --students (default: today)");
  cmd->add_flag("--all-warnings", a->all_warnings, "Show every warning (default: the first 20 and a count)");
  return [a]() { return run_graph(*a); };
}

}  // namespace kcbx::cli
