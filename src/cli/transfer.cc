// kcbx transfer --grade6 F --grade7 F --registration-deadline D --as-of D:
// who was lost in the grade 6 -> 7 whole-class transfer (S1).
#include <iostream>
#include <map>
#include <memory>

#include <fmt/core.h>

#include "cli/common.h"
#include "io/id_number.h"
#include "io/output_file.h"
#include "pack/checked_pack.h"
#include "kcbx/csv.h"
#include "kcbx/transfer.h"

namespace kcbx::cli {

namespace {

struct TransferArgs {
  std::string grade6, grade7, deadline, as_of, term_start, rules, out, rejects, officials, students;
  std::string encoding = "utf-8";
  std::string grade7_encoding;
  bool all = false;
  bool no_mask = false;
};

int run_transfer(const TransferArgs& a) {
  if (!a.students.empty() && a.officials.empty())
    throw UsageError("--students is read for --officials (S1.6: who a lost pupil's return falls to); give both");
  TransferOptions o;
  o.registration_deadline = parse_date(a.deadline, "--registration-deadline");
  o.as_of = parse_date(a.as_of, "--as-of");
  if (!a.term_start.empty()) o.term_start = parse_date(a.term_start, "--term-start");
  o.encoding = a.encoding;
  o.grade7_encoding = a.grade7_encoding;
  RulePack pack = load_pack(a.rules);
  refuse_overlapping_files(pack,
                           {{"--grade6", a.grade6}, {"--grade7", a.grade7}, {"--officials", a.officials},
                            {"--students", a.students}},
                           {{"--out", a.out}, {"--rejects", a.rejects}});
  TransferReport r = reconcile_transfer(pack, a.grade6, a.grade7, o);
  // S1.6: who each lost pupil's persuasion falls to, from the roster (and
  // the students file for the pupil's home).
  std::unique_ptr<Roster> roster;
  StudentFile students;
  if (!a.officials.empty()) {
    if (!a.students.empty()) {
      ReadOptions ro;
      ro.encoding = a.encoding;
      students = read_students(pack, a.students, ro);
    }
    roster = std::make_unique<Roster>(read_roster(pack, a.officials, a.encoding));
    assign_lost_pupils(pack, *roster, students, o.as_of, r);  // drops what the checks refuse
  }
  std::unique_ptr<detail::OutputFile> file;
  std::ostream* out = &std::cout;
  if (!a.out.empty()) {
    file = std::make_unique<detail::OutputFile>(a.out);
    out = &file->stream();
  }
  // The first column is headed with the pack's key, as in kcbx cases.
  const detail::TransferDef& td = pack.checked().pack->transfer;
  *out << detail::csv_field(pack.checked().key_column()) << ','
       << detail::csv_field(td.name_field.empty() ? "name" : td.name_field.value)
       << ",sending_school,planned_school,registered_school,registered_on,outcome,"
          "matched_by,notify_due,notify_overdue_days,notify_clause,inspection_due,inspection_clause"
       << (roster ? ",responsible,lost_clause" : "") << '\n';
  std::map<std::string, int64_t> counts;
  // Every text cell: an ID number typed into a name or school column is
  // masked there too, as in the run's ledgers.
  auto text = [&](const std::string& v) {
    return detail::csv_field(a.no_mask ? v : detail::mask_embedded_id_numbers(v));
  };
  for (const auto& row : r.rows) {
    ++counts[to_string(row.outcome)];
    if (!a.all && row.outcome == TransferOutcome::kRegistered) continue;
    *out << text(row.student_id) << ',' << text(row.name) << ',' << text(row.sending_school) << ','
         << text(row.planned_school) << ',' << text(row.registered_school) << ','
         << (row.registered_on ? row.registered_on->format() : "") << ',' << to_string(row.outcome) << ','
         << row.matched_by << ',' << (row.notify_due ? row.notify_due->format() : "") << ','
         << row.notify_overdue_days << ',' << r.notify_clause << ','
         << (row.inspection_due ? row.inspection_due->format() : "") << ',' << r.inspection_clause;
    if (roster)
      *out << ',' << text(responsible_text(row.responsible)) << ','
           << (row.outcome == TransferOutcome::kLost ? r.lost_clause : "");
    *out << '\n';
  }
  if (file) file->commit();
  // Which file a reject is from: the grade-6 file's come first.
  auto file_of = [&](size_t k) { return static_cast<int64_t>(k) < r.grade6_rejected ? "grade6" : "grade7"; };
  if (!a.rejects.empty()) {
    detail::OutputFile f(a.rejects);
    f.stream() << "file,row," << detail::csv_field(pack.checked().key_column()) << ",column,reason\n";
    auto write = [&](const char* file, const Reject& x) {
      f.stream() << file << ',' << x.row << ',' << detail::csv_field(x.student_id) << ','
                 << detail::csv_field(x.column) << ',' << detail::csv_field(detail::mask_embedded_id_numbers(x.reason))
                 << '\n';
    };
    for (size_t k = 0; k < r.rejects.size(); ++k) write(file_of(k), r.rejects[k]);
    for (const Reject& x : students.rejects) write("students", x);
    if (roster)
      for (const Reject& x : roster->rejects) write("officials", x);
    f.commit();
  }
  std::cerr << fmt::format("kcbx transfer: grade 6 read {} = accepted {} + rejected {}; grade 7 read {} = "
                           "accepted {} + rejected {}\n",
                           r.grade6_read, r.grade6_read - r.grade6_rejected, r.grade6_rejected, r.grade7_read,
                           r.grade7_read - r.grade7_rejected, r.grade7_rejected);
  if (!a.students.empty() && roster)
    std::cerr << fmt::format("  students: read {} = accepted {} + rejected {}\n", students.counts.read,
                             students.counts.accepted, students.counts.rejected);
  if (roster)
    std::cerr << fmt::format("  officials: read {} = posts {} + rejected {}\n", roster->read, roster->posts.size(),
                             roster->rejects.size());
  for (const auto& [k, v] : counts) std::cerr << fmt::format("  {:<22} {}\n", k, v);
  for (const auto& note : r.notes) std::cerr << "  note: " << note << "\n";
  if (a.rejects.empty()) {
    std::vector<FileReject> listed;
    for (size_t k = 0; k < r.rejects.size(); ++k) listed.push_back({file_of(k), &r.rejects[k]});
    for (const Reject& x : students.rejects) listed.push_back({"students", &x});
    if (roster)
      for (const Reject& x : roster->rejects) listed.push_back({"officials", &x});
    list_rejects(pack.checked().key_column(), listed);
  }
  return kExitOk;
}

}  // namespace

Runner add_transfer(CLI::App& app) {
  auto a = std::make_shared<TransferArgs>();
  auto* cmd = app.add_subcommand("transfer", "Reconcile the grade 6 -> 7 whole-class transfer (S1)");
  cmd->add_option("--grade6", a->grade6, "Grade-6 hand-over roster CSV")->required();
  cmd->add_option("--grade7", a->grade7, "Grade-7 registrations CSV")->required();
  cmd->add_option("--registration-deadline", a->deadline, "Autumn registration deadline")->required();
  cmd->add_option("--as-of", a->as_of, "Evaluation date")->required();
  cmd->add_option("--term-start", a->term_start, "Autumn term start (default: the registration deadline)");
  cmd->add_option("--rules", a->rules, "Rule pack file (default: embedded Guizhou pack)");
  cmd->add_option("--out", a->out, "Output CSV (default: stdout)");
  cmd->add_option("--rejects", a->rejects, "Write unusable rows here");
  cmd->add_option("--encoding", a->encoding, "Input encoding")->check(encoding_check());
  cmd->add_option("--grade7-encoding", a->grade7_encoding, "The grade-7 file's encoding (default: --encoding)")
      ->check(encoding_check());
  cmd->add_option("--officials", a->officials,
                  "Officials roster CSV: name who each lost pupil's return falls to (S1.6)");
  cmd->add_option("--students", a->students, "Students CSV, for a lost pupil's home (with --officials)");
  cmd->add_flag("--all", a->all, "List pupils registered as planned too");
  cmd->add_flag("--no-mask", a->no_mask, "Do not mask ID numbers in the output (rejects stay masked)");
  return [a]() { return run_transfer(*a); };
}

}  // namespace kcbx::cli
