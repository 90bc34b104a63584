// kcbx test and kcbx diff: the rule author's tools (YAML rule tests and pack
// comparison). Wire them in main.cc with add(kcbx::cli::add_test) and
// add(kcbx::cli::add_diff).
#ifndef KCBX_CLI_AUTHOR_COMMANDS_H_
#define KCBX_CLI_AUTHOR_COMMANDS_H_

#include <string>
#include <vector>

#include "cli/common.h"

namespace kcbx::cli {

Runner add_test(CLI::App& app);  // test.cc
Runner add_diff(CLI::App& app);  // diff.cc

// Prints diagnostics in `lang` ("en" or "zh"), GCC-style with carets.
void print_localized(const std::vector<Diagnostic>& diags, const std::string& lang);

}  // namespace kcbx::cli

#endif  // KCBX_CLI_AUTHOR_COMMANDS_H_
