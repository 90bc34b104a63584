// kcbx run, kcbx demo and kcbx calendar: the main job, its self-contained
// demonstration, and the report calendar. Wire them in main.cc with
// add(kcbx::cli::add_run), add(kcbx::cli::add_demo) and
// add(kcbx::cli::add_calendar).
#ifndef KCBX_CLI_REPORT_COMMANDS_H_
#define KCBX_CLI_REPORT_COMMANDS_H_

#include <iosfwd>
#include <string>
#include <vector>

#include "cli/common.h"
#include "kcbx/report.h"

namespace kcbx::cli {

Runner add_run(CLI::App& app);       // run.cc
Runner add_demo(CLI::App& app);      // demo.cc
Runner add_calendar(CLI::App& app);  // calendar.cc

// What `kcbx run` does, for demo.cc to reuse.
struct RunJob {
  std::string students, events, officials, as_of, out, rules;
  std::vector<std::string> formats = {"csv", "xlsx", "json"};
  std::string encoding = "utf-8";
  // The events' and officials' encodings when they differ from the
  // students' (a roster kept in UTF-8 beside a GB18030 export); "" = encoding.
  std::string events_encoding, officials_encoding;
  bool no_mask = false;
  int calendar_days = 15;  // the calendar lists reports due within this many days
};
// Runs the job, prints the summary table on `out` and returns the exit code.
// `files` receives the paths written.
int run_job(const RunJob& job, std::ostream& out, std::vector<std::string>* files = nullptr);

// The short summary table of a run.
void print_run_summary(const RunReport& report, std::ostream& out);

}  // namespace kcbx::cli

#endif  // KCBX_CLI_REPORT_COMMANDS_H_
