// kcbx classify --students FILE --as-of DATE: the status of every record,
// with the rule and clause behind it. Streams: memory stays flat however
// large the file.
#include <chrono>
#include <fstream>
#include <iostream>
#include <algorithm>
#include <map>
#include <memory>

#include <fmt/core.h>

#include "cli/common.h"
#include "io/encoding.h"
#include "io/id_number.h"
#include "io/input_file.h"
#include "io/output_file.h"
#include "io/rejects_order.h"
#include "pack/checked_pack.h"
#include "kcbx/csv.h"
#include "kcbx/engine.h"

namespace kcbx::cli {

namespace {

struct ClassifyArgs {
  std::string students;
  std::string as_of;
  std::string rules;
  std::string out;
  std::string rejects;
  std::string encoding = "utf-8";
  bool explain = false;
  std::string explain_format;  // empty: not given (text)
  bool no_mask = false;
  int threads = 0;
};

// One line per explanation for a CSV cell.
std::string one_line(const Explanation& e) {
  std::string s;
  for (const auto& d : e.decisions) {
    if (!s.empty()) s += "; ";
    s += d.table + "=" + (d.value.empty() ? std::string("(none)") : d.value);
    if (!d.rule.empty()) s += " by " + d.rule + " [" + d.clause + "]";
  }
  std::string tried;
  for (const auto& t : e.tried) {
    if (!tried.empty()) tried += ", ";
    tried += t.rule + "=" + t.result;
  }
  s += " | tried " + tried + " | ";
  bool first = true;
  for (const auto& v : e.values) {
    if (!first) s += ", ";
    first = false;
    s += v.name + "=" + (v.value.empty() ? std::string("null") : v.value);
    // A parameter with several values over time says which one applied.
    if (v.kind == "parameter" && (!v.source.empty() || !v.effective_from.empty()))
      s += " (" + (v.effective_from.empty() ? std::string() : "from " + v.effective_from + ", ") + v.source + ")";
  }
  return s;
}

int run_classify(const ClassifyArgs& args) {
  keep_memory_for_streaming();
  ClassifyArgs a = args;
  const Date as_of = parse_date(a.as_of, "--as-of");
  if (!a.explain_format.empty() && a.explain_format != "text" && a.explain_format != "json")
    throw UsageError("--explain-format: expected text or json");
  // Asking for a format asks for the explanation.
  if (!a.explain_format.empty()) a.explain = true;
  else a.explain_format = "text";
  RulePack pack = load_pack(a.rules);
  refuse_overlapping_files(pack, {{"--students", a.students}}, {{"--out", a.out}, {"--rejects", a.rejects}});
  EngineOptions eo;
  eo.threads = a.threads;
  Engine engine(pack, eo);
  ClassifyOptions lean;
  lean.flags = lean.cases = lean.all_tables = false;
  // A parameter with no value on this date is an error before anything is
  // written (not after the header has gone to stdout).
  // (An explanation runs the full program: every parameter.)
  (void)engine.classify(Batch(), as_of, a.explain ? ClassifyOptions{} : lean);

  std::ifstream file;
  std::istream* in = &std::cin;
  if (a.students != "-") {
    detail::open_input(file, a.students, "students file");
    in = &file;
  }
  ReadOptions ro;
  ro.file = a.students == "-" ? "<stdin>" : a.students;
  ro.encoding = a.encoding;
  // Batches keep what the rules and the key column read: other columns are
  // checked (the same rejects) but take no memory. An explanation shows
  // every value, so it needs them all.
  if (!a.explain) {
    ro.keep = engine.fields_read(lean);
    ro.keep.push_back(pack.checked().key_field());
  }
  StudentReader reader(pack, *in, ro);

  std::unique_ptr<detail::OutputFile> out_file;
  std::ostream* out = &std::cout;
  if (!a.out.empty()) {
    out_file = std::make_unique<detail::OutputFile>(a.out);
    out = &out_file->stream();
  }
  std::unique_ptr<detail::OutputFile> rejects_file;
  if (!a.rejects.empty()) {
    rejects_file = std::make_unique<detail::OutputFile>(a.rejects);
    // The key column is named as in `kcbx run`'s files: the pack's key.
    rejects_file->stream() << "row," << detail::csv_field(pack.checked().key_column()) << ",column,reason\n";
  }

  // Header: the key field, then the engine's output columns.
  const std::string key = pack.checked().key_field();
  std::vector<std::string> columns = engine.output_columns(/*all_tables=*/false);
  std::string header = detail::csv_field(key);
  for (const auto& c : columns) header += "," + detail::csv_field(c);
  if (a.explain) header += ",explanation";
  *out << header << "\n";

  std::map<std::string, int64_t> by_status;
  int64_t check_rejected = 0;
  int64_t not_utf8 = 0;  // rows rejected as invalid UTF-8: maybe a GB18030 file
  Batch batch;
  std::string line;
  // Without --rejects the first rejected rows are listed after the summary
  // (a bad row is never dropped without a word), and the rest counted.
  constexpr size_t kListed = 20;
  std::vector<Reject> listed;
  auto write_rejects = [&](const std::vector<Reject>& rejects) {
    if (!rejects_file) {
      for (size_t i = 0; i < rejects.size() && listed.size() < kListed; ++i) listed.push_back(rejects[i]);
      return;
    }
    for (const auto& r : rejects)
      rejects_file->stream() << r.row << "," << detail::csv_field(r.student_id) << ","
                             << detail::csv_field(r.column) << "," << detail::csv_field(r.reason) << "\n";
  };
  while (reader.next(batch)) {
    BatchResult result = engine.classify(batch, as_of, lean);
    std::vector<Reject> late;
    for (size_t i = 0; i < result.size(); ++i) {
      std::string id = key.empty() ? std::string() : batch.cell(i, key);
      if (result.rejected(i)) {
        // Rejects are masked even with --no-mask, as the reader's are.
        ++check_rejected;
        late.push_back({batch.row_number(i), detail::masked_key(id), std::string(result.reject_column(i)),
                        std::string(result.reject_reason(i))});
        continue;
      }
      if (!a.no_mask) id = detail::mask_embedded_id_numbers(id);
      line = detail::csv_field(id);
      for (size_t t = 0; t < std::min<size_t>(1, result.table_count()); ++t) {
        line += ',';
        line += detail::csv_field(result.value(t, i));
        line += ',';
        line += detail::csv_field(result.rule(t, i));
        line += ',';
        line += detail::csv_field(result.clause(t, i));
      }
      for (size_t o = 0; o < result.output_count(); ++o) {
        if (!engine.output_listed(o, /*all_tables=*/false)) continue;
        line += ',';
        line += detail::csv_field(result.output(o, i));
      }
      if (a.explain) {
        const Explanation e = engine.explain(batch, i, as_of);
        line += ',';
        line += detail::csv_field(a.explain_format == "json" ? e.to_json() : one_line(e));
      }
      line += '\n';
      *out << line;
      if (result.table_count() > 0) {
        std::string value(result.value(0, i));
        ++by_status[value.empty() ? std::string("(no row matched)") : std::move(value)];
      }
    }
    // Reading rejects and check rejects of one chunk, in file order.
    std::vector<Reject> chunk = reader.take_rejects();
    for (const Reject& r : chunk) not_utf8 += r.reason.starts_with("invalid UTF-8");
    chunk.insert(chunk.end(), std::make_move_iterator(late.begin()), std::make_move_iterator(late.end()));
    detail::sort_by_row(chunk);
    write_rejects(chunk);
  }
  {
    const std::vector<Reject> tail = reader.take_rejects();  // rejected after the last batch
    for (const Reject& r : tail) not_utf8 += r.reason.starts_with("invalid UTF-8");
    write_rejects(tail);
  }
  if (out_file) out_file->commit();
  else out->flush();
  if (rejects_file) rejects_file->commit();

  const ReadCounts& c = reader.counts();
  const int64_t rejected = c.rejected + check_rejected;
  const int64_t accepted = c.accepted - check_rejected;
  std::cerr << "kcbx classify: " << pack.id() << ", as of " << as_of.format() << "\n";
  for (const auto& note : reader.notes()) std::cerr << "  note: " << note << "\n";
  std::cerr << fmt::format("  read {} = accepted {} + rejected {}\n", c.read, accepted, rejected);
  for (const auto& [status, n] : by_status) std::cerr << fmt::format("  {:<20} {}\n", status, n);
  if (not_utf8 > 0 && detail::is_utf8_encoding_name(a.encoding))
    std::cerr << "  (" << not_utf8
              << " rows are not valid UTF-8: if the file is GB18030 or GBK, as Excel saves it on "
                 "Chinese Windows, use --encoding gb18030)\n";
  if (rejected > 0 && !rejects_file) {
    std::cerr << "  rejected rows (row, " << pack.checked().key_column() << ", column: reason):\n";
    for (const Reject& r : listed)
      std::cerr << "    " << r.row << ", " << detail::mask_embedded_id_numbers(r.student_id) << ", "
                << (r.column.empty() ? "-" : r.column) << ": " << detail::mask_embedded_id_numbers(r.reason) << "\n";
    if (rejected > static_cast<int64_t>(listed.size()))
      std::cerr << "    ... and " << rejected - static_cast<int64_t>(listed.size()) << " more\n";
    std::cerr << "  (write every rejected row with --rejects FILE)\n";
  }
  return kExitOk;
}

}  // namespace

Runner add_classify(CLI::App& app) {
  auto a = std::make_shared<ClassifyArgs>();
  auto* cmd = app.add_subcommand("classify", "Give every student record its status, rule and clause");
  cmd->add_option("--students", a->students, "Students CSV (- for stdin)")->required();
  cmd->add_option("--as-of", a->as_of, "Evaluation date YYYY-MM-DD")->required();
  cmd->add_option("--rules", a->rules, "Rule pack file (default: embedded Guizhou pack)");
  cmd->add_option("--out", a->out, "Output CSV (default: stdout)");
  cmd->add_option("--rejects", a->rejects, "Write rejected rows here (row, student_id, column, reason)");
  cmd->add_option("--encoding", a->encoding, "Input encoding: utf-8 (default), gb18030, gbk")->check(encoding_check());
  cmd->add_flag("--explain", a->explain, "Add an explanation column (rows tried, values read)");
  cmd->add_option("--explain-format", a->explain_format, "text (default) or json; implies --explain");
  cmd->add_flag("--no-mask", a->no_mask, "Do not mask ID numbers in outputs");
  cmd->add_option("--threads", a->threads, "Worker threads (default: one per core)");
  return [a]() { return run_classify(*a); };
}

}  // namespace kcbx::cli
