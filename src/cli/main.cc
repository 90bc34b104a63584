// kcbx: the command line. One file per subcommand; this one wires them and
// maps failures to the exit-code contract of DESIGN.md.
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "cli/author_commands.h"
#include "cli/common.h"
#include "cli/report_commands.h"
#include "cli/terminal_safe.h"
#include "io/id_number.h"
#include "pack/pack.h"

namespace {

// `code`, or kExitUnusable when what the command wrote to standard output
// did not all get there (`> /dev/full`, a full disk): a run whose results
// were lost has not completed, and exit 0 would say it had.
int stdout_written(int code) {
  errno = 0;
  std::cout.flush();
  const bool lost = !std::cout || std::fflush(stdout) != 0 || std::ferror(stdout);
  if (!lost || code != 0) return code;
  std::cerr << "kcbx: error: cannot write to standard output" << (errno ? std::string(": ") + std::strerror(errno) : "")
            << "\n";
  return kcbx::cli::kExitUnusable;
}

}  // namespace

int main(int argc, char** argv) {
  // Past a file-size limit (ulimit -f) a write fails with EFBIG instead of
  // killing the process, so OutputFile reports it and removes its temporary
  // file rather than leaving it behind.
  std::signal(SIGXFSZ, SIG_IGN);
  // Likewise a write to a closed pipe (`kcbx classify ... | head -1`) fails
  // with EPIPE instead of killing the process: the command says so, exits
  // 1 and leaves no temporary file, as for a full disk.
  std::signal(SIGPIPE, SIG_IGN);
  kcbx::cli::make_stderr_terminal_safe();
  CLI::App app{"kcbx: 控辍保学 rules engine (dropout control for compulsory education)"};
  app.require_subcommand(1);
  // A usage error repeats what was typed: an ID number given where a date
  // or a file goes is masked there too.
  app.failure_message([](const CLI::App* a, const CLI::Error& e) {
    return kcbx::detail::mask_embedded_id_numbers(CLI::FailureMessage::simple(a, e));
  });
  app.set_version_flag("--version", std::string("kcbx 0.1.0"));
  std::vector<std::pair<CLI::App*, kcbx::cli::Runner>> commands;
  auto add = [&](kcbx::cli::Runner (*f)(CLI::App&)) {
    const size_t before = app.get_subcommands({}).size();
    kcbx::cli::Runner r = f(app);
    commands.emplace_back(app.get_subcommands({})[before], std::move(r));
  };
  add(kcbx::cli::add_validate);
  add(kcbx::cli::add_classify);
  add(kcbx::cli::add_generate);
  add(kcbx::cli::add_graph);
  add(kcbx::cli::add_cases);
  add(kcbx::cli::add_transfer);
  add(kcbx::cli::add_test);
  add(kcbx::cli::add_diff);
  add(kcbx::cli::add_run);
  add(kcbx::cli::add_demo);
  add(kcbx::cli::add_calendar);
  // A word that is no command: named, with the nearest command (CLI11 says
  // only that a subcommand is required).
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> names;
    for (auto& [sub, run] : commands) names.push_back(sub->get_name());
    if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
      const std::string near = kcbx::detail::nearest_name(argv[1], names);
      std::cerr << "kcbx: error: unknown command '" << kcbx::detail::mask_embedded_id_numbers(argv[1]) << "'"
                << (near.empty() ? "" : "; did you mean '" + near + "'?") << "\nRun with --help for the commands.\n";
      return kcbx::cli::kExitUsage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kcbx::cli::kExitUsage;
  }
  try {
    for (auto& [sub, run] : commands)
      if (sub->parsed()) return stdout_written(run());
  } catch (const kcbx::cli::UsageError& e) {
    std::cerr << "kcbx: error: " << kcbx::detail::mask_embedded_id_numbers(e.what()) << "\n";
    return kcbx::cli::kExitUsage;
  } catch (const kcbx::Error& e) {
    kcbx::cli::print_diagnostics(e.diagnostics());
    return kcbx::cli::kExitUnusable;
  } catch (const std::exception& e) {
    std::cerr << "kcbx: error: " << kcbx::detail::mask_embedded_id_numbers(e.what()) << "\n";
    return kcbx::cli::kExitUnusable;
  }
  return kcbx::cli::kExitUsage;
}
