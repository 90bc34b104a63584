// kcbx calendar --from DATE --to DATE [--rules PACK] [--csv]: the reports
// due in a date range (SPEC M1, M2.2, M2.4), each with the role that reports.
#include <iostream>

#include <fmt/core.h>

#include "cli/report_commands.h"
#include "io/output_file.h"

namespace kcbx::cli {

namespace {

struct CalendarArgs {
  std::string from, to, rules;
  bool csv = false;
};

int run_calendar(const CalendarArgs& a) {
  const Date from = parse_date(a.from, "--from");
  const Date to = parse_date(a.to, "--to");
  if (to < from) throw UsageError("--to " + a.to + " is before --from " + a.from);
  RulePack pack = load_pack(a.rules);
  const std::vector<CalendarEntry> due = calendar_due(pack, from, to);
  if (a.csv) {
    std::cout << "date,id,alias,reporter,reporter_alias,recipient,data_as_of,clause\n";
    for (const auto& c : due)
      std::cout << c.date.format() << ',' << detail::csv_field(c.id) << ',' << detail::csv_field(c.alias) << ','
                << detail::csv_field(c.reporter) << ',' << detail::csv_field(c.reporter_alias) << ','
                << detail::csv_field(c.recipient) << ',' << c.data_as_of.format() << ','
                << detail::csv_field(c.clause) << '\n';
    return kExitOk;
  }
  std::cout << fmt::format("{:<10}  {:<20} {:<12} {:<18} {:<32} {:<10}  {}\n", "date", "id", "report", "reporter",
                           "recipient", "data as of", "clause");
  for (const auto& c : due)
    std::cout << fmt::format("{:<10}  {:<20} {:<12} {:<18} {:<32} {:<10}  {}\n", c.date.format(), c.id, c.alias,
                             c.reporter_alias, c.recipient, c.data_as_of.format(), c.clause);
  std::cerr << fmt::format("kcbx calendar: {} reports due from {} to {} ({})\n", due.size(), from.format(),
                           to.format(), pack.id());
  return kExitOk;
}

}  // namespace

Runner add_calendar(CLI::App& app) {
  auto a = std::make_shared<CalendarArgs>();
  auto* cmd = app.add_subcommand("calendar", "List the reports due in a date range, with who reports");
  cmd->add_option("--from", a->from, "First date YYYY-MM-DD")->required();
  cmd->add_option("--to", a->to, "Last date YYYY-MM-DD (included)")->required();
  cmd->add_option("--rules", a->rules, "Rule pack file (default: embedded Guizhou pack)");
  cmd->add_flag("--csv", a->csv, "Write CSV instead of a table");
  return [a]() { return run_calendar(*a); };
}

}  // namespace kcbx::cli
