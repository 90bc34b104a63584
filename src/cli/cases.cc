// kcbx cases --students F --events F [--officials F] --as-of D: for every
// case, what must happen next, who must do it, by when; and who is
// accountable for each lapsed deadline.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>

#include <fmt/core.h>

#include "cli/common.h"
#include "io/id_number.h"
#include "io/output_file.h"
#include "io/rejects_order.h"
#include "kcbx/cases.h"
#include "kcbx/csv.h"
#include "pack/checked_pack.h"
#include "workflow/event_dates.h"
#include "workflow/rejected_students.h"

namespace kcbx::cli {

namespace {

struct CasesArgs {
  std::string students, events, officials, as_of, rules, out, accountability, rejects;
  std::string encoding = "utf-8";
  std::string events_encoding, officials_encoding;  // "" = encoding
  bool all = false;
  bool no_mask = false;
};

std::string opt_date(const std::optional<Date>& d) { return d ? d->format() : ""; }

std::string chain_text(const std::vector<Responsible>& chain) {
  std::string s;
  for (const auto& r : chain) {
    if (!s.empty()) s += " > ";
    s += (r.role_alias.empty() ? r.role : r.role_alias) + " " + (r.person.empty() ? "(none)" : r.person);
  }
  return s;
}

int run_cases(const CasesArgs& a) {
  const Date as_of = parse_date(a.as_of, "--as-of");
  RulePack pack = load_pack(a.rules);
  refuse_overlapping_files(pack, {{"--students", a.students}, {"--events", a.events}, {"--officials", a.officials}},
                           {{"--out", a.out}, {"--accountability", a.accountability}, {"--rejects", a.rejects}});
  Engine engine(pack);
  ReadOptions ro;
  ro.encoding = a.encoding;
  StudentFile students = read_students(pack, a.students, ro);
  EventLog events =
      a.events.empty() ? EventLog{} : read_events(pack, a.events, or_default(a.events_encoding, a.encoding));
  // The dates the pack's workflow takes from the events (a return to
  // school) go into the records before they are classified.
  const Batch batch = with_event_dates(pack, students.batch, events, as_of);
  BatchResult result = engine.classify(batch, as_of);
  std::unique_ptr<Roster> roster;
  std::unique_ptr<ResponsibilityGraph> graph;
  if (!a.officials.empty()) {
    roster = std::make_unique<Roster>(read_roster(pack, a.officials, or_default(a.officials_encoding, a.encoding)));
    graph = std::make_unique<ResponsibilityGraph>(pack, *roster, batch);
  }
  CaseReport report = evaluate_cases(engine, batch, result, events, graph.get(), as_of);
  // Records a pack check refused are rejected, as classify and run do.
  const std::vector<Reject> student_rejects = detail::merged_by_row(students.rejects, report.student_rejects);
  const int64_t check_rejected = static_cast<int64_t>(report.student_rejects.size());
  detail::name_rejected_students(report.event_rejects, students.rejects);
  const std::vector<Reject> event_rejects = detail::merged_by_row(events.rejects, report.event_rejects);  // the reader's and the workflow's
  // The key column is headed with the pack's name for it, as in kcbx run.
  const int key_field = detail::key_field_index(pack.checked());
  const std::string key =
      key_field >= 0 ? pack.checked().pack->fields[static_cast<size_t>(key_field)].name.value : "student_id";

  std::unique_ptr<detail::OutputFile> out_file;
  std::ostream* out = &std::cout;
  if (!a.out.empty()) {
    out_file = std::make_unique<detail::OutputFile>(a.out);
    out = &out_file->stream();
  }
  *out << detail::csv_field(key) << ",status,opened,stage,clause,next_action,role,role_alias,person,phone,due,days_overdue,escalation\n";
  // A student number holding an ID number ("G" + the number) is masked,
  // as classify and run mask it.
  auto shown = [&](const std::string& id) { return a.no_mask ? id : detail::mask_embedded_id_numbers(id); };
  int64_t open_cases = 0, overdue = 0, closed = 0;
  for (const Case& c : report.cases) {
    if (c.closed) ++closed;
    else ++open_cases;
    if (c.days_overdue > 0) ++overdue;
    if (c.closed && !a.all) continue;
    std::string escalation;
    if (c.days_overdue > 0 && graph)
      escalation = chain_text(graph->escalation(batch, c.record, c.responsible.role));
    *out << detail::csv_field(shown(c.student_id)) << ',' << detail::csv_field(c.status) << ','
         << opt_date(c.opened) << ',' << detail::csv_field(c.closed ? "closed" : c.stage) << ','
         << detail::csv_field(c.clause) << ',' << detail::csv_field(c.next_action) << ','
         << detail::csv_field(c.responsible.role) << ',' << detail::csv_field(c.responsible.role_alias) << ','
         << detail::csv_field(shown(c.responsible.person)) << ',' << detail::csv_field(shown(c.responsible.phone))
         << ',' << opt_date(c.due) << ',' << c.days_overdue << ',' << detail::csv_field(shown(escalation)) << '\n';
  }
  if (out_file) out_file->commit();
  if (!a.accountability.empty()) {
    detail::OutputFile f(a.accountability);
    // The columns of the cases file's roles (role, role_alias) and of the
    // run's accountability list (person, post, supervisors); a roster cell
    // holding an ID number is masked as a record's is.
    f.stream() << detail::csv_field(key)
               << ",stage,clause,due,done_on,days_late,role,role_alias,person,post,supervisors\n";
    for (const auto& x : report.accountability)
      f.stream() << detail::csv_field(shown(x.student_id)) << ',' << x.stage << ',' << x.clause << ','
                 << x.due.format() << ',' << opt_date(x.done_on) << ',' << x.days_late << ','
                 << detail::csv_field(x.lapsed.role) << ',' << detail::csv_field(x.lapsed.role_alias) << ','
                 << detail::csv_field(shown(x.lapsed.person)) << ',' << detail::csv_field(shown(x.lapsed.jurisdiction))
                 << ',' << detail::csv_field(shown(chain_text(x.supervisors))) << '\n';
    f.commit();
  }
  if (!a.rejects.empty()) {
    detail::OutputFile f(a.rejects);
    f.stream() << "file,row," << detail::csv_field(key) << ",column,reason\n";
    auto write = [&](const char* file, const std::vector<Reject>& rs) {
      for (const auto& r : rs)
        f.stream() << file << ',' << r.row << ',' << detail::csv_field(r.student_id) << ','
                   << detail::csv_field(r.column) << ',' << detail::csv_field(r.reason) << '\n';
    };
    write("students", student_rejects);
    write("events", event_rejects);
    if (roster) write("officials", roster->rejects);
    f.commit();
  }
  std::cerr << "kcbx cases: " << pack.id() << ", as of " << as_of.format() << "\n"
            << fmt::format("  students: read {} = accepted {} + rejected {}\n", students.counts.read,
                           students.counts.accepted - check_rejected, students.counts.rejected + check_rejected)
            << fmt::format("  events: read {} = applied {} + rejected {}\n", events.read,
                           report.events_applied, events.rejects.size() + report.event_rejects.size())
            << fmt::format("  cases: {} open ({} overdue), {} closed; {} accountability entries\n",
                           open_cases, overdue, closed, report.accountability.size());
  if (roster)
    std::cerr << fmt::format("  officials: read {} = posts {} + rejected {}\n", roster->read,
                             roster->posts.size(), roster->rejects.size());
  if (a.rejects.empty()) {
    std::vector<FileReject> listed;
    for (const Reject& r : student_rejects) listed.push_back({"students", &r});
    for (const Reject& r : event_rejects) listed.push_back({"events", &r});
    if (roster)
      for (const Reject& r : roster->rejects) listed.push_back({"officials", &r});
    list_rejects(key, listed);
  }
  return kExitOk;
}

}  // namespace

Runner add_cases(CLI::App& app) {
  auto a = std::make_shared<CasesArgs>();
  auto* cmd = app.add_subcommand("cases", "Open cases: next action, who, by when; accountability for lapses");
  cmd->add_option("--students", a->students, "Students CSV")->required();
  cmd->add_option("--events", a->events, "Events CSV (student_id,date,type,person,note; the key column named as the pack's key field)");
  cmd->add_option("--officials", a->officials, "Officials roster CSV (role,person,jurisdiction,phone)");
  cmd->add_option("--as-of", a->as_of, "Evaluation date YYYY-MM-DD")->required();
  cmd->add_option("--rules", a->rules, "Rule pack file (default: embedded Guizhou pack)");
  cmd->add_option("--out", a->out, "Cases CSV (default: stdout)");
  cmd->add_option("--accountability", a->accountability, "Write the accountability entries here");
  cmd->add_option("--rejects", a->rejects, "Write rejected rows of every input here");
  cmd->add_option("--encoding", a->encoding, "Input encoding (utf-8, gb18030, gbk)")->check(encoding_check());
  cmd->add_option("--events-encoding", a->events_encoding, "The events file's encoding (default: --encoding)")
      ->check(encoding_check());
  cmd->add_option("--officials-encoding", a->officials_encoding, "The roster's encoding (default: --encoding)")
      ->check(encoding_check());
  cmd->add_flag("--all", a->all, "Include closed cases");
  cmd->add_flag("--no-mask", a->no_mask, "Do not mask ID numbers in outputs (rejects stay masked)");
  return [a]() { return run_cases(*a); };
}

}  // namespace kcbx::cli
