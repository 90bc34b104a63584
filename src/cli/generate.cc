// kcbx generate --students N --seed S --out DIR: a deterministic synthetic
// province (students, events, officials) for demos, tests and benchmarks.
#include <filesystem>
#include <iostream>

#include <fmt/core.h>

#include "cli/common.h"
#include "generate/generate.h"
#include "io/output_file.h"

namespace kcbx::cli {

namespace {

struct GenerateArgs {
  int64_t students = 10000;
  uint64_t seed = 1;
  std::string out;
  std::string as_of = "2019-11-15";
  std::vector<std::string> prefectures;
  std::string province;
  std::string rules;
  bool to_stdout = false;
};


int run_generate(const GenerateArgs& a) {
  detail::GenerateOptions o;
  o.students = a.students;
  o.seed = a.seed;
  o.as_of = parse_date(a.as_of, "--as-of");
  o.prefectures = a.prefectures;
  o.province = a.province;  // --province and --rules exclude each other
  generate_for(a.rules, o);
  if (a.to_stdout) {
    // Students only, for pipes: kcbx generate --stdout | kcbx classify --students -
    std::ios::sync_with_stdio(false);
    detail::generate(o, {&std::cout, nullptr, nullptr});
    std::cout.flush();
    return kExitOk;
  }
  if (a.out.empty()) throw UsageError("--out DIR or --stdout is required");
  std::filesystem::create_directories(a.out);
  const std::filesystem::path dir(a.out);
  detail::OutputFile students((dir / "students.csv").string());
  detail::OutputFile events((dir / "events.csv").string());
  detail::OutputFile officials((dir / "officials.csv").string());
  const auto stats = detail::generate(
      o, {&students.stream(), &events.stream(), &officials.stream()});
  students.commit();
  events.commit();
  officials.commit();
  std::cerr << fmt::format(
      "kcbx generate: {} students, {} events, {} officials in {} counties, {} townships, "
      "{} villages, {} schools, {} classes -> {}\n",
      stats.students, stats.events, stats.officials, stats.counties, stats.townships,
      stats.villages, stats.schools, stats.classes, a.out);
  return kExitOk;
}

}  // namespace

Runner add_generate(CLI::App& app) {
  auto a = std::make_shared<GenerateArgs>();
  auto* cmd = app.add_subcommand("generate", "Write a synthetic province: students, events, officials");
  cmd->add_option("--students", a->students, "Number of students")->check(CLI::Range(int64_t{0}, int64_t{1000000000000}));
  cmd->add_option("--seed", a->seed, "Random seed (same seed, same files)");
  auto* out = cmd->add_option("--out", a->out, "Output folder (students.csv, events.csv, officials.csv)");
  cmd->add_option("--as-of", a->as_of, "Date the data is realistic for (default 2019-11-15)");
  auto* province =
      cmd->add_option("--province", a->province, "2-digit province prefix (default 52, Guizhou; 53 Yunnan, 51 Sichuan...)");
  cmd->add_option("--prefecture", a->prefectures, "4-digit prefecture prefix (repeatable)");
  cmd->add_option("--rules", a->rules,
                  "Rule pack whose meta.jurisdiction chooses the province and whose workflow and roles the events "
                  "and roster follow (the records keep Guizhou's fields)")
      ->excludes(province);
  // Both given, one would be ignored without a word.
  cmd->add_flag("--stdout", a->to_stdout, "Write the students CSV to stdout instead")->excludes(out);
  return [a]() { return run_generate(*a); };
}

}  // namespace kcbx::cli
