// kcbx run --students F [--events F] [--officials F] --as-of D --out DIR:
// the whole job in one pass (classify, cases, ledgers, lists, indicators,
// calendar), written to DIR as CSV, xlsx and JSON, with a summary table on
// stdout and a progress bar on stderr when it is a terminal.
#include <unistd.h>

#include <chrono>
#include <future>
#include <iostream>
#include <map>
#include <memory>

#include <fmt/core.h>

#include "cli/report_commands.h"
#include "cli/terminal_safe.h"
#include "kcbx/cases.h"
#include "kcbx/responsibility.h"
#include "util/decimals.h"

namespace kcbx::cli {

namespace {

// A one-line progress bar on stderr, shown only on a terminal and only once
// the run has taken more than a moment, so short runs and pipes stay quiet.
class ProgressBar {
 public:
  ProgressBar() : tty_(::isatty(2) == 1), start_(Clock::now()) {}
  ~ProgressBar() { clear(); }

  void update(const RunProgress& p) {
    if (!tty_) return;
    const auto now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    if (elapsed < 2.0) return;
    if (shown_ && !p.done && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    shown_ = true;
    std::string line;
    if (p.done) {
      line = fmt::format("  {} rows read; writing ledgers and lists...", p.records);
    } else if (p.total_bytes > 0) {
      const double f = std::min(1.0, static_cast<double>(p.bytes) / static_cast<double>(p.total_bytes));
      const int width = 30, fill = static_cast<int>(f * width);
      const double eta = f > 0.02 ? elapsed * (1 - f) / f : 0;
      line = fmt::format("  [{}{}] {:3.0f}%  {} rows  {:.0f} s{}", std::string(static_cast<size_t>(fill), '#'),
                         std::string(static_cast<size_t>(width - fill), '.'), f * 100, p.records, elapsed,
                         eta > 0 ? fmt::format(", ~{:.0f} s left", eta) : "");
    } else {
      line = fmt::format("  {} rows  {:.0f} s", p.records, elapsed);
    }
    progress_stream() << "\r\033[K" << line << std::flush;
  }
  void clear() {
    if (shown_) progress_stream() << "\r\033[K" << std::flush;
    shown_ = false;
  }

 private:
  using Clock = std::chrono::steady_clock;
  bool tty_;
  bool shown_ = false;
  Clock::time_point start_, last_;
};

std::string label(const std::string& alias, const std::string& name) {
  return alias.empty() || alias == name ? name : alias + " " + name;
}

std::string value_text(const IndicatorResult& x) {
  if (!x.value) return "-";
  if (!x.is_rate) return fmt::format("{}", *x.value);
  // Four decimals, or more where fewer would show a missed rate as its
  // target (0.99995 against 1).
  const int d = x.threshold ? detail::decimals_to_tell_apart(*x.value, *x.threshold, 4, 8) : 4;
  return fmt::format("{:.{}f}", *x.value, d);
}

}  // namespace

void print_run_summary(const RunReport& r, std::ostream& out) {
  out << fmt::format("kcbx run: {}, as of {} ({:.1f} s)\n", r.pack_id, r.as_of.format(), r.seconds);
  out << fmt::format("  students   read {} = accepted {} + rejected {}\n", r.students.read, r.students.accepted,
                     r.students.rejected);
  out << fmt::format("  events     read {} = applied {} + rejected {}\n", r.events_read, r.events_applied,
                     r.events_rejected);
  if (r.officials_read > 0)
    out << fmt::format("  officials  read {} = posts {} + rejected {}\n", r.officials_read, r.officials_posts,
                       r.officials_rejected);

  // Counts by status: children, and the jurisdictions of each level with any.
  std::map<std::string, std::vector<int64_t>> with;  // level -> per status
  std::map<std::string, int64_t> jurisdictions;
  for (const auto& t : r.totals) {
    if (t.level.empty()) continue;
    auto& v = with[t.level];
    v.resize(r.statuses.size());
    ++jurisdictions[t.level];
    for (size_t s = 0; s < t.by_status.size() && s < v.size(); ++s) v[s] += t.by_status[s] > 0;
  }
  out << "\n" << fmt::format("  {:<30} {:>10}", "status", "children");
  for (const auto& l : r.levels) out << fmt::format(" {:>11}", l);
  out << "\n";
  for (size_t s = 0; s < r.statuses.size(); ++s) {
    out << fmt::format("  {:<30} {:>10}", label(r.statuses[s].alias, r.statuses[s].name), r.statuses[s].count);
    for (const auto& l : r.levels) out << fmt::format(" {:>11}", with[l].empty() ? 0 : with[l][s]);
    out << "\n";
  }
  out << fmt::format("  {:<30} {:>10}", "jurisdictions", "");
  for (const auto& l : r.levels) out << fmt::format(" {:>11}", jurisdictions[l]);
  out << "\n\n";
  out << fmt::format("  on the ledgers: {}", r.on_ledger);
  for (const auto& s : r.special) out << fmt::format("; {} {}", s.alias.empty() ? s.name : s.alias, s.count);
  out << "\n  key groups:";
  for (const auto& g : r.key_groups) out << fmt::format(" {} {};", g.alias.empty() ? g.name : g.alias, g.count);
  out << "\n";
  out << fmt::format("  cases: {} open ({} overdue), {} closed; {} accountability entries\n", r.cases_open,
                     r.cases_overdue, r.cases_closed, r.accountability);
  out << "  lists:";
  for (const auto& l : r.lists) out << fmt::format(" {} {};", l.alias.empty() ? l.name : l.alias, l.count);
  out << "\n\n";

  if (!r.targets.empty()) {
    out << fmt::format("  {:<36} {:>10} {:>12} {:<7} {:<10}", "target", "value", "threshold", "result",
                       "judged on");
    for (const auto& l : r.levels) out << fmt::format(" {:>14}", l + " met/missed");
    out << "\n";
    for (const auto& t : r.targets) {
      const auto& o = t.overall;
      const std::string cmp = o.comparison == "at_least" ? ">= " : o.comparison == "at_most" ? "<= " : "";
      out << fmt::format("  {:<36} {:>10} {:>12} {:<7} {:<10}",
                         fmt::format("{} {}", t.clause, t.alias.empty() ? t.indicator : t.alias), value_text(o),
                         o.threshold ? cmp + fmt::format("{}", *o.threshold) : "-",
                         o.met ? (*o.met ? "met" : "MISSED") : o.due_on ? "pending" : "-",
                         o.due_on ? "due " + o.due_on->format() : o.judged_on.format());
      for (const auto& l : t.levels) out << fmt::format(" {:>14}", fmt::format("{}/{}", l.met, l.missed));
      out << "\n";
    }
    out << "\n";
  }
  if (r.calendar.empty()) {
    out << "  no report due in the next days\n";
  } else {
    out << "  reports due:\n";
    for (const auto& c : r.calendar)
      out << fmt::format("    {} {} ({}) -> {}, data as of {} [{}]\n", c.date.format(),
                         c.alias.empty() ? c.id : c.alias, c.reporter_alias, c.recipient, c.data_as_of.format(),
                         c.clause);
  }
  for (const auto& n : r.notes) out << "  note: " << n << "\n";
}

int run_job(const RunJob& a, std::ostream& out, std::vector<std::string>* files) {
  keep_memory_for_streaming();
  RunOptions o;
  o.as_of = parse_date(a.as_of, "--as-of");
  o.encoding = a.encoding;
  o.mask_id_numbers = !a.no_mask;
  o.calendar_days = a.calendar_days;
  WriterOptions w;
  w.csv = w.xlsx = w.json = false;
  for (const auto& f : a.formats) {
    if (f == "csv") w.csv = true;
    else if (f == "xlsx") w.xlsx = true;
    else if (f == "json") w.json = true;
    else throw UsageError("--format: unknown format '" + f + "' (use csv, xlsx, json)");
  }
  if (a.out.empty()) throw UsageError("--out DIR is required");
  RulePack pack = load_pack(a.rules);
  Engine engine(pack);
  // The roster is read beside the events: both are needed before the pass.
  std::future<std::unique_ptr<Roster>> roster_read = std::async(std::launch::async, [&] {
    return a.officials.empty() ? nullptr
                               : std::make_unique<Roster>(read_roster(pack, a.officials, or_default(a.officials_encoding, a.encoding)));
  });
  std::unique_ptr<EventLog> events;
  if (!a.events.empty())
    events = std::make_unique<EventLog>(read_events(pack, a.events, or_default(a.events_encoding, a.encoding)));
  std::unique_ptr<Roster> roster = roster_read.get();

  w.replace_earlier = true;  // the folder is this run's: an earlier run's other files go
  w.inputs = {a.students, a.events, a.officials};
  for (const FileOption& f : pack_files(pack)) w.inputs.push_back(f.path);
  ReportWriter writer(a.out, w);
  ProgressBar bar;
  RunReport report = run(engine, a.students, events.get(), roster.get(), o, &writer,
                         [&bar](const RunProgress& p) { bar.update(p); });
  bar.clear();
  std::vector<std::string> written = writer.commit(report);
  print_run_summary(report, out);
  out << fmt::format("\n  {} files written to {}\n", written.size(), a.out);
  if (files) *files = std::move(written);
  return kExitOk;
}

Runner add_run(CLI::App& app) {
  auto a = std::make_shared<RunJob>();
  auto* cmd = app.add_subcommand("run", "The main job: ledgers, lists, indicators and calendar in one pass");
  cmd->add_option("--students", a->students, "Students CSV (- for stdin)")->required();
  cmd->add_option("--events", a->events, "Events CSV (student_id,date,type,person,note)");
  cmd->add_option("--officials", a->officials, "Officials roster CSV (role,person,jurisdiction,phone)");
  cmd->add_option("--as-of", a->as_of, "Evaluation date YYYY-MM-DD")->required();
  cmd->add_option("--out", a->out, "Output folder")->required();
  cmd->add_option("--rules", a->rules, "Rule pack file (default: embedded Guizhou pack)");
  cmd->add_option("--format", a->formats, "Output formats: csv,xlsx,json (default: all)")->delimiter(',');
  cmd->add_option("--encoding", a->encoding, "Input encoding: utf-8 (default), gb18030, gbk")->check(encoding_check());
  cmd->add_option("--events-encoding", a->events_encoding, "The events file's encoding (default: --encoding)")
      ->check(encoding_check());
  cmd->add_option("--officials-encoding", a->officials_encoding, "The roster's encoding (default: --encoding)")
      ->check(encoding_check());
  cmd->add_flag("--no-mask", a->no_mask, "Do not mask ID numbers in outputs");
  cmd->add_option("--calendar-days", a->calendar_days,
                  "The calendar lists reports due from --as-of to this many days after it (default 15)")
      ->check(CLI::Range(0, 3660));
  return [a]() { return run_job(*a, std::cout); };
}

}  // namespace kcbx::cli
