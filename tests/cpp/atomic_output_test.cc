// Nothing half-written (issue 8): when an output cannot be written (a
// read-only folder, a file-size limit, a target that is a folder), the
// command fails with exit code 1 and a clear message, no partial file
// appears under a final name, and no temporary file is left behind.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "io/output_file.h"
#include "reliability_support.h"

namespace {

namespace fs = std::filesystem;
using namespace kcbx::testing_support;

// Files below `dir`, relative, sorted.
std::set<std::string> files_in(const fs::path& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; it != end && !ec; it.increment(ec))
    if (it->is_regular_file()) out.insert(fs::relative(it->path(), dir).string());
  return out;
}

bool any_temp_file(const std::set<std::string>& files) {
  for (const auto& f : files)
    if (f.find(".tmp-") != std::string::npos || f.find(".partial") != std::string::npos) return true;
  return false;
}

std::string join(const std::set<std::string>& files) {
  std::string s;
  for (const auto& f : files) s += f + " ";
  return s;
}

// A generated province in dir/in: students.csv, events.csv, officials.csv.
void generate(const fs::path& dir, int64_t students) {
  fs::create_directories(dir / "in");
  const CliRun r = run_kcbx(dir, "generate --students " + std::to_string(students) + " --seed 5 --out " +
                                 shell_quote((dir / "in").string()));
  ASSERT_EQ(r.code, 0) << r.err;
}

// `ulimit -f` in dash counts 512-byte blocks: 100 blocks = 50 KiB.
const char kLimit[] = "ulimit -f 100; exec ";

TEST(AtomicOutput, SuccessLeavesOnlyTheOutputs) {
  const fs::path dir = temp_dir("kcbx_atomic");
  generate(dir, 300);
  fs::create_directories(dir / "out");
  const CliRun r = run_kcbx(dir, "classify --students " + shell_quote((dir / "in/students.csv").string()) +
                                 " --as-of 2019-11-15 --out " + shell_quote((dir / "out/out.csv").string()) +
                                 " --rejects " + shell_quote((dir / "out/rejects.csv").string()));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(files_in(dir / "out"), (std::set<std::string>{"out.csv", "rejects.csv"}));
}

TEST(AtomicOutput, FileSizeLimitOnClassify) {
  const fs::path dir = temp_dir("kcbx_atomic");
  generate(dir, 3000);
  fs::create_directories(dir / "out");
  const CliRun r = run_shell(dir, kLimit + std::string("\"$KCBX\" classify --students ") +
                                      shell_quote((dir / "in/students.csv").string()) +
                                      " --as-of 2019-11-15 --out " +
                                      shell_quote((dir / "out/out.csv").string()));
  EXPECT_EQ(r.code, 1) << "killed by SIGXFSZ instead of failing cleanly? " << r.err;
  EXPECT_NE(r.err.find("writing the output failed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[cannot-write]"), std::string::npos) << r.err;
  EXPECT_TRUE(files_in(dir / "out").empty()) << join(files_in(dir / "out"));
}

TEST(AtomicOutput, FileSizeLimitOnRejects) {
  // Few outputs, many rejects: the rejects file is the one that fails.
  const fs::path dir = temp_dir("kcbx_atomic");
  std::string text = "student_id,registry,birth_date\nG0,enrolled,2010-01-01\n";
  for (int i = 0; i < 3000; ++i) text += "G0,enrolled,2010-01-01\n";
  write_file(dir / "students.csv", text);
  fs::create_directories(dir / "out");
  const CliRun r = run_shell(dir, kLimit + std::string("\"$KCBX\" classify --students ") +
                                      shell_quote((dir / "students.csv").string()) +
                                      " --as-of 2019-11-15 --out " + shell_quote((dir / "out/out.csv").string()) +
                                      " --rejects " + shell_quote((dir / "out/rejects.csv").string()));
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("writing the output failed"), std::string::npos) << r.err;
  const auto files = files_in(dir / "out");
  EXPECT_FALSE(files.count("rejects.csv")) << join(files);
  EXPECT_FALSE(any_temp_file(files)) << join(files);
}

TEST(AtomicOutput, FileSizeLimitOnGenerate) {
  const fs::path dir = temp_dir("kcbx_atomic");
  const CliRun r = run_shell(dir, kLimit + std::string("\"$KCBX\" generate --students 5000 --out ") +
                                      shell_quote((dir / "gen").string()));
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_FALSE(r.err.empty());
  const auto files = files_in(dir / "gen");
  EXPECT_FALSE(files.count("students.csv")) << join(files);
  EXPECT_FALSE(any_temp_file(files)) << join(files);
}

TEST(AtomicOutput, FileSizeLimitOnRun) {
  // Every file that `kcbx run` leaves under its final name is whole: the
  // same bytes as an unlimited run writes.
  const fs::path dir = temp_dir("kcbx_atomic");
  generate(dir, 4000);
  const std::string inputs = "--students " + shell_quote((dir / "in/students.csv").string()) +
                             " --events " + shell_quote((dir / "in/events.csv").string()) +
                             " --officials " + shell_quote((dir / "in/officials.csv").string()) +
                             " --as-of 2019-11-15 --out ";
  const CliRun full = run_kcbx(dir, "run " + inputs + shell_quote((dir / "full").string()));
  ASSERT_EQ(full.code, 0) << full.err;
  const CliRun r = run_shell(dir, kLimit + std::string("\"$KCBX\" run ") + inputs +
                                      shell_quote((dir / "limited").string()));
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("error"), std::string::npos) << r.err;
  const auto files = files_in(dir / "limited");
  EXPECT_FALSE(any_temp_file(files)) << join(files);
  for (const auto& f : files) {
    if (fs::path(f).extension() == ".xlsx") {
      // A workbook carries its creation time: check that it is whole.
      const CliRun t = run_shell(dir, "unzip -tq " + shell_quote((dir / "limited" / f).string()));
      EXPECT_EQ(t.code, 0) << f << " is not a whole workbook: " << t.out << t.err;
      continue;
    }
    EXPECT_TRUE(read_file(dir / "limited" / f) == read_file(dir / "full" / f))
        << f << " differs from the unlimited run's (" << fs::file_size(dir / "limited" / f) << " vs "
        << fs::file_size(dir / "full" / f) << " bytes): partial";
  }
  EXPECT_LT(files.size(), files_in(dir / "full").size());
}

TEST(AtomicOutput, OutputPathIsAFolder) {
  const fs::path dir = temp_dir("kcbx_atomic");
  generate(dir, 50);
  fs::create_directories(dir / "out/out.csv/inside");
  const CliRun r = run_kcbx(dir, "classify --students " + shell_quote((dir / "in/students.csv").string()) +
                                 " --as-of 2019-11-15 --out " + shell_quote((dir / "out/out.csv").string()));
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("[cannot-write]"), std::string::npos) << r.err;
  EXPECT_FALSE(any_temp_file(files_in(dir / "out"))) << join(files_in(dir / "out"));
  EXPECT_TRUE(fs::is_directory(dir / "out/out.csv/inside"));
}

// --out naming a link, a FIFO or a descriptor: written into what it names,
// never replaced by a renamed file (as root, a rename onto /dev/stdout or
// /dev/full replaced the device itself).
TEST(AtomicOutput, LinkKeepsTheLinkAndWritesItsFile) {
  const fs::path dir = temp_dir("kcbx_atomic");
  generate(dir, 50);
  fs::create_directories(dir / "out");
  { std::ofstream(dir / "out/target.csv") << "old\n"; }
  fs::create_symlink("target.csv", dir / "out/link.csv");
  const CliRun r = run_kcbx(dir, "classify --students " + shell_quote((dir / "in/students.csv").string()) +
                                 " --as-of 2019-11-15 --out " + shell_quote((dir / "out/link.csv").string()));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(dir / "out/link.csv"));
  EXPECT_EQ(read_file(dir / "out/target.csv").rfind("student_id,status,", 0), 0u) << read_file(dir / "out/target.csv");
  size_t entries = 0;  // the link and its file: no temporary file left
  for (const auto& e : fs::directory_iterator(dir / "out")) {
    ++entries;
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
  }
  EXPECT_EQ(entries, 2u);
}

TEST(AtomicOutput, FifoAndStdoutAreWrittenThrough) {
  const fs::path dir = temp_dir("kcbx_atomic");
  generate(dir, 50);
  const std::string classify =
      "\"$KCBX\" classify --students " + shell_quote((dir / "in/students.csv").string()) + " --as-of 2019-11-15";
  const std::string in_dir = "cd " + shell_quote(dir.string()) + " && ";
  // A FIFO with a reader: the reader gets the header and 50 rows. (The
  // reader gives up after 20 s, so that a kcbx that never writes into the
  // FIFO fails the test rather than hanging it.)
  const CliRun fifo = run_shell(dir, in_dir + "mkfifo f.csv && { timeout 20 sh -c 'wc -l < f.csv' > count.txt & } ; " +
                                         classify + " --out f.csv; rc=$?; wait; exit $rc");
  ASSERT_EQ(fifo.code, 0) << fifo.err;
  EXPECT_EQ(std::stoi("0" + read_file(dir / "count.txt")), 51);
  EXPECT_EQ(fs::status(dir / "f.csv").type(), fs::file_type::fifo);
  // A FIFO no process reads: said, not waited on for ever.
  const CliRun unread = run_shell(dir, in_dir + "mkfifo unread.csv && timeout 20 " + classify + " --out unread.csv");
  EXPECT_EQ(unread.code, 1) << unread.err;
  EXPECT_NE(unread.err.find("no process reads it"), std::string::npos) << unread.err;
  // /dev/stdout and /dev/stderr redirected to a file by the shell: that
  // file gets them, with what the command writes there itself (the cases
  // and the accountability list; the summary and the statuses).
  const CliRun out = run_shell(dir, in_dir + classify + " --out /dev/stdout > redirected.csv");
  ASSERT_EQ(out.code, 0) << out.err;
  EXPECT_EQ(count_lines(read_file(dir / "redirected.csv")), 51u);
  // "-" is standard output, as it is standard input for --students; no
  // file named "-" is made.
  const CliRun dash = run_shell(dir, in_dir + classify + " --out - > dash.csv");
  ASSERT_EQ(dash.code, 0) << dash.err;
  EXPECT_EQ(count_lines(read_file(dir / "dash.csv")), 51u);
  EXPECT_FALSE(fs::exists(dir / "-"));
  const CliRun err = run_shell(dir, in_dir + classify + " --out /dev/stderr 2> both.txt");
  ASSERT_EQ(err.code, 0);
  const std::string both = read_file(dir / "both.txt");
  EXPECT_NE(both.find("student_id,status,"), std::string::npos) << both;
  EXPECT_NE(both.find("read 50 = accepted 50 + rejected 0"), std::string::npos) << both;
  EXPECT_GE(count_lines(both.substr(both.find("student_id,status,"))), 51u) << both;
}

// A regular file is replaced whole, whatever names it (/proc/self/cwd,
// /dev/shm): a second run does not append to the first. A link that names
// no file yet gets its file; a loop of links is refused.
TEST(AtomicOutput, RegularFilesAreReplacedAndDanglingLinksFilled) {
  const fs::path dir = temp_dir("kcbx_atomic");
  generate(dir, 50);
  const std::string in_dir = "cd " + shell_quote(dir.string()) + " && ";
  const std::string classify =
      "\"$KCBX\" classify --students " + shell_quote((dir / "in/students.csv").string()) + " --as-of 2019-11-15";
  for (int run = 0; run < 2; ++run) ASSERT_EQ(run_shell(dir, in_dir + classify + " --out /proc/self/cwd/twice.csv").code, 0);
  EXPECT_EQ(count_lines(read_file(dir / "twice.csv")), 51u);
  fs::create_symlink("made.csv", dir / "dangling.csv");
  ASSERT_EQ(run_shell(dir, in_dir + classify + " --out dangling.csv").code, 0);
  EXPECT_TRUE(fs::is_symlink(dir / "dangling.csv"));
  EXPECT_EQ(count_lines(read_file(dir / "made.csv")), 51u);
  fs::create_symlink("loop_b.csv", dir / "loop_a.csv");
  fs::create_symlink("loop_a.csv", dir / "loop_b.csv");
  const CliRun loop = run_shell(dir, in_dir + classify + " --out loop_a.csv");
  EXPECT_EQ(loop.code, 1) << loop.err;
  EXPECT_NE(loop.err.find("too many levels of symbolic links"), std::string::npos) << loop.err;
  EXPECT_TRUE(fs::is_symlink(dir / "loop_a.csv"));
}

// Results lost on the way to standard output are a failed run (DESIGN:
// exit 0 only when the run completed), with a message.
TEST(AtomicOutput, FullStdoutFailsTheCommand) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  const fs::path dir = temp_dir("kcbx_atomic");
  generate(dir, 50);
  const CliRun r = run_shell(dir, "\"$KCBX\" classify --students " + shell_quote((dir / "in/students.csv").string()) +
                                      " --as-of 2019-11-15 > /dev/full");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("cannot write to standard output"), std::string::npos) << r.err;
  EXPECT_EQ(fs::status("/dev/full").type(), fs::file_type::character);
}

TEST(AtomicOutput, ReadOnlyFolder) {
  const fs::path dir = temp_dir("kcbx_atomic");
  generate(dir, 50);
  fs::create_directories(dir / "ro");
  fs::permissions(dir / "ro", fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                  fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  // root writes into read-only folders; run the command as nobody then.
  std::string as_user;
  if (::geteuid() == 0) {
    if (std::system("command -v setpriv >/dev/null 2>&1") != 0) GTEST_SKIP() << "root without setpriv";
    as_user = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
    fs::permissions(dir, fs::perms::others_read | fs::perms::others_exec, fs::perm_options::add);
    fs::permissions(dir / "in", fs::perms::others_read | fs::perms::others_exec, fs::perm_options::add);
  }
  for (const std::string out : {"--out ro/out.csv", "--rejects ro/rejects.csv"}) {
    const CliRun r = run_shell(dir, "cd " + shell_quote(dir.string()) + " && " + as_user +
                                        "\"$KCBX\" classify --students in/students.csv --as-of 2019-11-15 " +
                                        out);
    EXPECT_EQ(r.code, 1) << out << ": " << r.err;
    EXPECT_NE(r.err.find("cannot create the output file"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("[cannot-write]"), std::string::npos) << r.err;
    EXPECT_TRUE(files_in(dir / "ro").empty()) << join(files_in(dir / "ro"));
  }
  fs::permissions(dir / "ro", fs::perms::owner_all, fs::perm_options::add);
}

// CSV cells a spreadsheet would run as formulas are written as text; plain
// values, negative numbers included, as they are.
TEST(CsvField, FormulasAreWrittenAsText) {
  using kcbx::detail::csv_field;
  EXPECT_EQ(csv_field("=1+2"), "\"'=1+2\"");
  EXPECT_EQ(csv_field("+1"), "\"'+1\"");
  EXPECT_EQ(csv_field("@SUM(A1)"), "\"'@SUM(A1)\"");
  EXPECT_EQ(csv_field("-3+4"), "\"'-3+4\"");
  EXPECT_EQ(csv_field("-A1"), "\"'-A1\"");
  EXPECT_EQ(csv_field("\t=1"), "\"'\t=1\"");
  EXPECT_EQ(csv_field("-12"), "-12");
  EXPECT_EQ(csv_field("-0.5"), "-0.5");
  EXPECT_EQ(csv_field("-.5"), "-.5");
  EXPECT_EQ(csv_field("-1e5"), "-1e5");
  EXPECT_EQ(csv_field("-1.5e+06"), "-1.5e+06");
  EXPECT_EQ(csv_field("-1e+"), "\"'-1e+\"");
  EXPECT_EQ(csv_field("-1-1"), "\"'-1-1\"");
  EXPECT_EQ(csv_field("-"), "-");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("2019-10-10"), "2019-10-10");
}

}  // namespace
