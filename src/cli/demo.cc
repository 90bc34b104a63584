// kcbx demo [--students N] [--seed S] [--keep DIR] [--rules PACK]: generates a county-sized
// synthetic sample into a folder and runs the main job on it, so that the
// whole product can be seen with no input of one's own.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <fmt/core.h>

#include "cli/report_commands.h"
#include "generate/generate.h"
#include "io/output_file.h"

namespace kcbx::cli {

namespace {

struct DemoArgs {
  int64_t students = 68000;  // about one county
  uint64_t seed = 1;
  std::string keep;
  std::string as_of = "2019-11-15";
  std::string rules;
};

std::string make_temp_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "kcbx-demo-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) {
    Diagnostic d;
    d.where.file = tmpl;
    d.code = "cannot-write";
    d.message = "cannot create a temporary folder";
    throw Error({d});
  }
  return tmpl;
}

int run_demo(const DemoArgs& a) {
  const auto t0 = std::chrono::steady_clock::now();
  detail::GenerateOptions g;
  g.students = a.students;
  g.seed = a.seed;
  g.as_of = parse_date(a.as_of, "--as-of");
  // Another province's pack: its own counties (the records keep Guizhou's
  // fields, which an extension of the Guizhou pack reads as they are).
  // Checked before any folder is made.
  generate_for(a.rules, g);
  const std::filesystem::path dir = a.keep.empty() ? make_temp_dir() : a.keep;
  const std::filesystem::path input = dir / "input", output = dir / "out";
  std::filesystem::create_directories(input);
  {
    detail::OutputFile students((input / "students.csv").string());
    detail::OutputFile events((input / "events.csv").string());
    detail::OutputFile officials((input / "officials.csv").string());
    const auto stats = detail::generate(g, {&students.stream(), &events.stream(), &officials.stream()});
    students.commit();
    events.commit();
    officials.commit();
    std::cout << fmt::format(
        "kcbx demo: generated {} students, {} events, {} officials ({} counties, {} townships, {} villages, "
        "{} schools) in {}\n\n",
        stats.students, stats.events, stats.officials, stats.counties, stats.townships, stats.villages,
        stats.schools, input.string());
  }

  RunJob job;
  job.students = (input / "students.csv").string();
  job.events = (input / "events.csv").string();
  job.officials = (input / "officials.csv").string();
  job.as_of = a.as_of;
  job.out = output.string();
  job.rules = a.rules;
  std::vector<std::string> files;
  const int code = run_job(job, std::cout, &files);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << fmt::format("\n  workbook:  {}\n", (output / "report.xlsx").string())
            << fmt::format("  ledgers:   {}/ledger_*.csv, lists: problems.csv, responsibility.csv, closures.csv, "
                           "accountability.csv, aid_gaps.csv\n",
                           output.string())
            << fmt::format("  summary:   {}/summary.json\n", output.string())
            << fmt::format("  the same with your data: kcbx run --students {} --events {} --officials {} "
                           "--as-of {}{} --out DIR\n",
                           job.students, job.events, job.officials, a.as_of,
                           a.rules.empty() ? std::string() : " --rules " + a.rules)
            << fmt::format("kcbx demo: done in {:.1f} s\n", seconds);
  return code;
}

}  // namespace

Runner add_demo(CLI::App& app) {
  auto a = std::make_shared<DemoArgs>();
  auto* cmd = app.add_subcommand("demo", "Generate a county-sized sample and run the main job on it");
  cmd->add_option("--students", a->students, "Number of students (default 68000, about one county)")
      ->check(CLI::Range(int64_t{0}, int64_t{100000000}));
  cmd->add_option("--seed", a->seed, "Random seed (same seed, same data)");
  cmd->add_option("--keep", a->keep, "Folder for the inputs and outputs (default: a new temporary folder)");
  cmd->add_option("--as-of", a->as_of, "Evaluation date (default 2019-11-15)");
  cmd->add_option("--rules", a->rules,
                  "Rule pack to run (default: embedded Guizhou pack); the sample is drawn from its jurisdiction");
  return [a]() { return run_demo(*a); };
}

}  // namespace kcbx::cli
