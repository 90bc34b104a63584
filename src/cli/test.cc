// kcbx test FILE... | DIR [--coverage] [--rules PACK] [--lang zh]: runs YAML
// rule tests. Failures go to stdout as "file:line: FAIL name: expected ...,
// got ..."; problems with the test files and packs go to stderr as
// diagnostics. Exit 0 when every test passed, 1 otherwise (DESIGN.md).
#include <iostream>
#include <memory>

#include "cli/author_commands.h"
#include "kcbx/rule_tests.h"
#include "pack/messages.h"

namespace kcbx::cli {

void print_localized(const std::vector<Diagnostic>& diags, const std::string& lang) {
  print_diagnostics(detail::localize(diags, lang));
}

namespace {

struct TestArgs {
  std::vector<std::string> paths;
  std::string rules;
  std::string lang = "en";
  bool coverage = false;
  bool no_sweep = false;
};

int run_test(const TestArgs& a) {
  if (!detail::is_known_language(a.lang)) throw UsageError("--lang: expected en or zh, not '" + a.lang + "'");
  const std::string lang = detail::normalize_language(a.lang);
  RuleTestOptions o;
  o.rules = a.rules;
  o.sweep = !a.no_sweep;
  RuleTestReport report;
  try {
    report = run_rule_tests(a.paths, o);
  } catch (const Error& e) {
    print_localized(e.diagnostics(), lang);
    return kExitUnusable;
  }
  print_localized(report.diagnostics, lang);
  std::cout << report.format(a.coverage, lang) << std::flush;
  return report.ok() ? kExitOk : kExitUnusable;
}

}  // namespace

Runner add_test(CLI::App& app) {
  auto a = std::make_shared<TestArgs>();
  auto* cmd = app.add_subcommand("test", "Run YAML rule tests (files, or folders of *.tests.yaml)");
  cmd->add_option("paths", a->paths, "Test files or folders")->required();
  cmd->add_flag("--coverage", a->coverage, "List table rows, stages and deadlines no test exercised");
  cmd->add_option("--rules", a->rules, "Test this pack instead of the one each file names");
  cmd->add_option("--lang", a->lang, "Message language: en (default) or zh");
  cmd->add_flag("--no-sweep", a->no_sweep, "Skip the effective-date sweep of each pack");
  return [a]() { return run_test(*a); };
}

}  // namespace kcbx::cli
