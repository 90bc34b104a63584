// Helpers shared by the reliability tests (hostile inputs, atomic outputs,
// personal data, concurrency): temporary folders, files, running the kcbx
// command with captured output, and the "read N = accepted A + rejected R"
// summary line of `kcbx classify`.
#ifndef KCBX_TESTS_CPP_RELIABILITY_SUPPORT_H_
#define KCBX_TESTS_CPP_RELIABILITY_SUPPORT_H_

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>

namespace kcbx::testing_support {

namespace fs = std::filesystem;

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << p;
}

// A fresh folder per test, removed first if a previous run left it.
inline fs::path temp_dir(const std::string& prefix) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path dir = fs::path(::testing::TempDir()) /
                 (prefix + "_" + info->test_suite_name() + "_" + info->name() + "_" +
                  std::to_string(::getpid()));
  std::error_code ec;
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(dir, ec);
  fs::create_directories(dir);
  return dir;
}

inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

inline std::string cli_path() { return KCBX_CLI; }

struct CliRun {
  int code = -1;
  std::string out, err;
};

// Runs `sh -c SCRIPT` where "$KCBX" is the kcbx command, with stdout and
// stderr captured to files in `dir`.
inline CliRun run_shell(const fs::path& dir, const std::string& script) {
  const std::string cli = cli_path();
  if (cli.empty()) {
    ADD_FAILURE() << "KCBX_CLI is not set: the kcbx command was not built";
    return {};
  }
  const fs::path out = dir / "stdout.txt";
  const fs::path err = dir / "stderr.txt";
  const std::string cmd = "KCBX=" + shell_quote(cli) + " sh -c " + shell_quote(script) + " >" +
                          shell_quote(out.string()) + " 2>" + shell_quote(err.string()) +
                          " </dev/null";
  const int rc = std::system(cmd.c_str());
  CliRun r;
  r.code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

// Runs `kcbx ARGS` (ARGS already shell-quoted where needed).
inline CliRun run_kcbx(const fs::path& dir, const std::string& args) {
  return run_shell(dir, "\"$KCBX\" " + args);
}

struct Summary {
  int64_t read = -1, accepted = -1, rejected = -1;
};

// The "read N = accepted A + rejected R" line of `kcbx classify`, if any.
inline std::optional<Summary> classify_summary(const std::string& err) {
  static const std::regex re(R"(read (\d+) = accepted (\d+) \+ rejected (\d+))");
  std::smatch m;
  if (!std::regex_search(err, m, re)) return std::nullopt;
  return Summary{std::stoll(m[1]), std::stoll(m[2]), std::stoll(m[3])};
}

// Lines of `text` (a trailing line break ends the last line).
inline size_t count_lines(const std::string& text) {
  size_t n = 0;
  for (char c : text) n += c == '\n';
  if (!text.empty() && text.back() != '\n') ++n;
  return n;
}

}  // namespace kcbx::testing_support

#endif  // KCBX_TESTS_CPP_RELIABILITY_SUPPORT_H_
