// Personal data (issue 8, DESIGN.md "ID numbers are masked in every output
// unless --no-mask is given"): every command run on a generated province,
// with broken rows added, and every file it writes, its stdout and its
// stderr scanned for the input's 18-character ID numbers. Rejects and
// diagnostics must not carry names, guardians or addresses either.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "reliability_support.h"

namespace {

namespace fs = std::filesystem;
using namespace kcbx::testing_support;

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out(1);
  for (char c : line) {
    if (c == ',') out.emplace_back();
    else out.back() += c;
  }
  return out;
}

std::string unsplit(const std::vector<std::string>& cells) {
  std::string s;
  for (size_t i = 0; i < cells.size(); ++i) s += (i ? "," : "") + cells[i];
  return s + "\n";
}

// GB 11643 MOD 11-2, independently of the library.
std::string id_number(const std::string& first17) {
  static const int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return first17 + "10X98765432"[sum % 11];
}

struct Province {
  fs::path dir;
  std::set<std::string> ids;       // every ID number in the input
  std::set<std::string> personal;  // names, guardians, addresses
};

// A generated province plus rows that go wrong in every way a row can, each
// carrying a real-looking ID number, name and address.
Province make_province() {
  Province p;
  p.dir = temp_dir("kcbx_pii");
  const CliRun gen = run_kcbx(p.dir, "generate --students 800 --seed 21 --out " + shell_quote(p.dir.string()));
  EXPECT_EQ(gen.code, 0) << gen.err;
  std::istringstream in(read_file(p.dir / "students.csv"));
  std::string line, header;
  std::getline(in, header);
  const std::vector<std::string> cols = split(header);
  EXPECT_EQ(cols[1], "name");
  EXPECT_EQ(cols[2], "id_number");
  EXPECT_EQ(cols[3], "birth_date");
  EXPECT_EQ(cols[20], "guardian");
  EXPECT_EQ(cols[21], "address");
  std::vector<std::string> sample;
  std::string text = header + "\n";
  while (std::getline(in, line)) {
    const auto c = split(line);
    EXPECT_EQ(c.size(), cols.size()) << line;
    if (c.size() != cols.size()) continue;
    if (!c[2].empty()) p.ids.insert(c[2]);
    for (size_t k : {1, 20, 21})
      if (c[k].size() >= 6) p.personal.insert(c[k]);  // two CJK characters or more
    if (sample.empty() && !c[2].empty()) sample = c;
    text += line + "\n";
  }
  EXPECT_GT(p.ids.size(), 100u);
  EXPECT_FALSE(sample.empty());

  int n = 0;
  auto bad = [&](auto change) {
    std::vector<std::string> c = sample;
    ++n;
    c[0] = "GBAD" + std::to_string(n);
    c[1] = "欧阳测试" + std::to_string(n);
    c[20] = "司马监护" + std::to_string(n);
    c[21] = "测试县测试村" + std::to_string(n) + "组";
    const std::string first17 = "52010220100315" + std::to_string(100 + n);
    c[2] = id_number(first17);
    c[3] = "2010-03-15";
    change(c);
    for (size_t k : {1, 20, 21}) p.personal.insert(c[k]);
    if (c[2].size() == 18) p.ids.insert(c[2]);
    text += unsplit(c);
  };
  bad([](auto& c) { c[2].back() = c[2].back() == '0' ? '1' : '0'; });      // check digit
  bad([](auto& c) { c[3] = "2011-01-01"; });                                // birth date differs
  bad([](auto& c) { c[3] = c[2]; });                                        // ID in the date column
  bad([](auto& c) { c[7] = c[2]; });                                        // ID in the grade column
  bad([](auto& c) { c[9] = c[2]; });                                        // ID in the registry column
  bad([](auto& c) { c[21] += "\xFF"; });                                    // invalid UTF-8 address
  bad([](auto& c) { c[1] += std::string(1, '\0'); });                       // NUL in the name
  bad([](auto& c) { c.push_back("extra"); });                               // one cell too many
  bad([](auto& c) { c[3] = "2030-01-01"; c[2] = id_number("52010220300101123"); });  // born later
  bad([&](auto& c) { c[0] = sample[0]; });                                 // duplicate student_id
  bad([](auto& c) { c[2] = c[2].substr(0, 17) + "x"; });                    // lower-case x
  // A quote that opens in an address and never closes: the rest of the file
  // (two good rows) becomes one rejected record.
  // Accepted rows (a dropout, so on every ledger) with an ID number typed
  // into the guardian and address columns: masked there too.
  bad([](auto& c) { c[9] = "left"; c[20] = "监护人" + c[2]; c[21] = c[2] + "号"; });
  // A student number holding the ID number ("G" + the number, a common
  // form): on every ledger and list, and refused by a pack check.
  bad([](auto& c) { c[0] = "G" + c[2]; c[9] = "left"; });
  bad([](auto& c) { c[0] = "G" + c[2]; c[3] = "2011-01-01"; });
  // Digits before the number ("2019" + it): masked whole.
  bad([](auto& c) { c[0] = "2019" + c[2]; c[9] = "left"; });
  bad([](auto& c) { c[0] = "9" + c[2]; c[3] = "2011-01-01"; });
  bad([](auto& c) { c[21] = "\"" + c[21]; });
  bad([](auto&) {});
  bad([](auto&) {});
  write_file(p.dir / "students_bad.csv", text);

  // Events and roster rows with an ID number in every cell a reject or a
  // graph message quotes.
  const std::string id = id_number("52010220100315190");
  p.ids.insert(id);
  std::string events = read_file(p.dir / "events.csv");
  events += id + ",2019-10-01,home_visit,,\n";              // an unknown student
  events += "G" + id + ",2019-10-01,home_visit,,\n";        // the same, as a student number
  events += sample[0] + "," + id + ",home_visit,,\n";       // in the date column
  events += sample[0] + ",2019-10-01," + id + ",,\n";       // in the type column
  write_file(p.dir / "events.csv", events);
  std::string roster = read_file(p.dir / "officials.csv");
  // Every post's phone cell an ID number (typed from the wrong column): the
  // lists and cases that show the responsible person's phone mask it.
  const std::string phone_id = id_number("52010219800101100");
  p.ids.insert(phone_id);
  std::string with_phones;
  for (size_t at = 0, line = 0; at < roster.size(); ++line) {
    const size_t end = roster.find('\n', at);
    const std::string row = roster.substr(at, end == std::string::npos ? std::string::npos : end - at);
    with_phones += line == 0 || row.empty() ? row : row.substr(0, row.rfind(',') + 1) + phone_id;
    with_phones += '\n';
    at = end == std::string::npos ? roster.size() : end + 1;
  }
  roster = with_phones;
  roster += id + ",某人,522629,\n";                          // in the role column
  roster += "teacher,某人," + id + ",\n";                    // in the jurisdiction column
  roster += "principal,某人," + id + ",\n";
  write_file(p.dir / "officials.csv", roster);
  return p;
}

const Province& province() {
  static const Province p = make_province();
  return p;
}

// The ID numbers of the input found in `text`.
std::vector<std::string> ids_in(const std::string& text) {
  std::vector<std::string> found;
  for (const auto& id : province().ids) {
    std::string upper = id, lower = id;
    upper.back() = static_cast<char>(std::toupper(static_cast<unsigned char>(id.back())));
    lower.back() = static_cast<char>(std::tolower(static_cast<unsigned char>(id.back())));
    if (text.find(upper) != std::string::npos || text.find(lower) != std::string::npos)
      found.push_back(id);
  }
  return found;
}

std::vector<std::string> personal_in(const std::string& text) {
  std::vector<std::string> found;
  for (const auto& s : province().personal)
    if (text.find(s) != std::string::npos) found.push_back(s);
  return found;
}

std::string first(const std::vector<std::string>& v) {
  return v.empty() ? "" : std::to_string(v.size()) + " found, e.g. '" + v.front() + "'";
}

// Every regular file below `dir`, xlsx workbooks unzipped.
std::string everything_in(const fs::path& dir) {
  std::string all;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    all += read_file(e.path());
    if (e.path().extension() == ".xlsx") {
      const CliRun z = run_shell(dir.parent_path(), "unzip -p " + shell_quote(e.path().string()));
      EXPECT_EQ(z.code, 0) << "cannot unzip " << e.path();
      all += z.out;
    }
  }
  return all;
}

const std::string kAsOf = " --as-of 2019-11-15";

std::string students(const std::string& file = "students_bad.csv") {
  return " --students " + shell_quote((province().dir / file).string());
}

// A fresh output folder for one command.
fs::path out_dir(const std::string& name) {
  const fs::path d = province().dir / ("out_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

void expect_no_ids(const std::string& what, const std::string& text) {
  EXPECT_TRUE(ids_in(text).empty()) << what << " leaks ID numbers: " << first(ids_in(text));
}

void expect_no_personal(const std::string& what, const std::string& text) {
  EXPECT_TRUE(personal_in(text).empty()) << what << " carries personal data: " << first(personal_in(text));
}

TEST(PersonalData, TheScannerFindsWhatItLooksFor) {
  // The input itself is full of both: the checks below are not vacuous.
  const std::string input = read_file(province().dir / "students_bad.csv");
  EXPECT_GT(ids_in(input).size(), 100u);
  EXPECT_GT(personal_in(input).size(), 100u);
}

TEST(PersonalData, Classify) {
  for (const std::string extra : {"", " --explain", " --explain --explain-format json", " --threads 1"}) {
    const fs::path out = out_dir("classify");
    const CliRun r = run_kcbx(province().dir, "classify" + students() + kAsOf + extra + " --out " +
                                              shell_quote((out / "out.csv").string()) + " --rejects " +
                                              shell_quote((out / "rejects.csv").string()));
    ASSERT_EQ(r.code, 0) << r.err;
    const auto s = classify_summary(r.err);
    ASSERT_TRUE(s.has_value()) << r.err;
    EXPECT_EQ(s->read, s->accepted + s->rejected);
    // Every broken row but one: an ID number in the grade column is a valid
    // whole number (the Guizhou pack sets no range for grades).
    EXPECT_EQ(s->rejected, 13) << r.err;
    expect_no_ids("classify" + extra + " (files)", everything_in(out));
    expect_no_ids("classify" + extra + " (stdout, stderr)", r.out + r.err);
    expect_no_personal("classify" + extra + " rejects", read_file(out / "rejects.csv"));
    expect_no_personal("classify" + extra + " stderr", r.err);
  }
}

TEST(PersonalData, ClassifyToStdoutAndFromStdin) {
  const CliRun r = run_shell(province().dir,
                             "\"$KCBX\" classify --students -" + kAsOf + " --explain --explain-format json < " +
                                 shell_quote((province().dir / "students_bad.csv").string()));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_GT(r.out.size(), 1000u);
  expect_no_ids("classify to stdout", r.out + r.err);
  expect_no_personal("classify stderr", r.err);
}

TEST(PersonalData, RejectsNeverCarryIdNumbersEvenWithNoMask) {
  // --no-mask is about outputs; a reject reason never quotes an ID number.
  const fs::path out = out_dir("nomask_classify");
  const CliRun r = run_kcbx(province().dir, "classify" + students() + kAsOf + " --no-mask --explain --out " +
                                            shell_quote((out / "out.csv").string()) + " --rejects " +
                                            shell_quote((out / "rejects.csv").string()));
  ASSERT_EQ(r.code, 0) << r.err;
  expect_no_ids("classify --no-mask rejects", read_file(out / "rejects.csv"));
  expect_no_ids("classify --no-mask stderr", r.err);
  expect_no_personal("classify --no-mask rejects", read_file(out / "rejects.csv"));
}

TEST(PersonalData, Validate) {
  for (const std::string args : {"validate", "validate --print-effective", "validate --lang zh"}) {
    const CliRun r = run_kcbx(province().dir, args);
    EXPECT_EQ(r.code, 0) << args << ": " << r.err;
    expect_no_ids(args, r.out + r.err);
  }
}

// An ID number typed where a date, a file or an option goes: masked in the
// pack's diagnostics and in the usage errors that repeat it.
TEST(PersonalData, AnIdNumberTypedInTheWrongPlace) {
  const std::string id = "522732200708097733";  // a valid check character
  const fs::path dir = province().dir;
  write_file(dir / "wrong_place.yaml", "meta: {name: p, version: 1, extends: guizhou}\nparameters:\n"
                                       "  dropout_after: {override: true, from: " + id + ", value: 1 month}\n");
  for (const std::string& args : std::vector<std::string>{"validate wrong_place.yaml", "validate --lang zh wrong_place.yaml",
                                 "classify --as-of " + id, "calendar --from " + id + " --to 2019-12-01",
                                 "classify " + id, id, "classify --students " + id + ".csv --as-of 2019-11-15"}) {
    const CliRun r = run_kcbx(dir, args);
    EXPECT_NE(r.code, 0) << args;
    EXPECT_EQ((r.out + r.err).find(id), std::string::npos) << args << ": " << r.err;
  }
}

// A closed pipe (`| head -1`) is a failed write, not a killed process: exit
// 1, and the files the command writes are whole or absent, never temporary.
TEST(PersonalData, AClosedPipeFailsTheCommandCleanly) {
  const fs::path dir = province().dir;
  const fs::path out = dir / "closed_pipe";
  fs::remove_all(out);
  fs::create_directories(out);
  // The reader is gone before kcbx writes (a second's wait): the output
  // would fit in the pipe's buffer otherwise, and the test would race.
  const CliRun r = run_shell(dir, "{ sleep 1; \"$KCBX\" classify" + students() + " --as-of 2019-11-15 --rejects " +
                                      shell_quote((out / "rej.csv").string()) + "; echo $? > " +
                                      shell_quote((out / "code").string()) + "; } | true");
  EXPECT_EQ(read_file(out / "code"), "1\n") << r.err;
  EXPECT_NE(r.err.find("cannot write to standard output"), std::string::npos) << r.err;
  for (const auto& f : fs::directory_iterator(out))
    EXPECT_EQ(f.path().filename().string().find(".tmp-"), std::string::npos) << f.path();
}

TEST(PersonalData, Run) {
  const std::string inputs = students() + " --events " +
                             shell_quote((province().dir / "events.csv").string()) + " --officials " +
                             shell_quote((province().dir / "officials.csv").string()) + kAsOf;
  const fs::path masked = out_dir("run");
  const CliRun r = run_kcbx(province().dir, "run" + inputs + " --out " + shell_quote(masked.string()));
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string all = everything_in(masked);
  EXPECT_GT(all.size(), 10000u);
  expect_no_ids("run (files)", all);
  expect_no_ids("run (stdout, stderr)", r.out + r.err);
  expect_no_personal("run stderr", r.err);
  // Masked, not dropped: the ledgers show the kept digits.
  EXPECT_NE(all.find("********"), std::string::npos);

  // --no-mask: the ledgers carry the numbers (so the scan above is real),
  // and still nothing else does.
  const fs::path plain = out_dir("run_nomask");
  const CliRun n = run_kcbx(province().dir, "run" + inputs + " --no-mask --out " + shell_quote(plain.string()));
  ASSERT_EQ(n.code, 0) << n.err;
  EXPECT_FALSE(ids_in(everything_in(plain)).empty()) << "--no-mask shows ID numbers in the ledgers";
  expect_no_ids("run --no-mask (stdout, stderr)", n.out + n.err);
  for (const auto& e : fs::directory_iterator(plain))
    if (e.path().filename().string().starts_with("rejects")) expect_no_ids("run --no-mask rejects", read_file(e.path()));
}

TEST(PersonalData, Cases) {
  const CliRun help = run_kcbx(province().dir, "cases --help");
  if (help.code != 0) GTEST_SKIP() << "no 'kcbx cases' in this build";
  const fs::path out = out_dir("cases");
  const CliRun r = run_kcbx(province().dir,
                        "cases" + students() + " --events " + shell_quote((province().dir / "events.csv").string()) +
                            " --officials " + shell_quote((province().dir / "officials.csv").string()) + kAsOf +
                            " --all --out " + shell_quote((out / "cases.csv").string()) + " --accountability " +
                            shell_quote((out / "accountability.csv").string()) + " --rejects " +
                            shell_quote((out / "rejects.csv").string()));
  ASSERT_EQ(r.code, 0) << r.err;
  expect_no_ids("cases (files)", everything_in(out));
  expect_no_ids("cases (stdout, stderr)", r.out + r.err);
  expect_no_personal("cases rejects", read_file(out / "rejects.csv"));
}

TEST(PersonalData, CasesWithNoMaskKeepRejectsMasked) {
  const fs::path out = out_dir("cases_nomask");
  const CliRun r = run_kcbx(province().dir,
                            "cases" + students() + " --events " + shell_quote((province().dir / "events.csv").string()) +
                                " --officials " + shell_quote((province().dir / "officials.csv").string()) + kAsOf +
                                " --no-mask --all --out " + shell_quote((out / "cases.csv").string()) +
                                " --rejects " + shell_quote((out / "rejects.csv").string()));
  ASSERT_EQ(r.code, 0) << r.err;
  // The student number holding an ID number is shown as it is...
  EXPECT_FALSE(ids_in(read_file(out / "cases.csv")).empty());
  // ...and never in a reject or a message.
  expect_no_ids("cases --no-mask rejects", read_file(out / "rejects.csv"));
  expect_no_ids("cases --no-mask (stdout, stderr)", r.out + r.err);
}

TEST(PersonalData, Graph) {
  for (const std::string format : {"dot", "graphml"}) {
    const CliRun r = run_kcbx(province().dir, "graph --format " + format + " --officials " +
                                                  shell_quote((province().dir / "officials.csv").string()) +
                                                  students());
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("unknown role"), std::string::npos) << r.err;
    expect_no_ids("graph " + format, r.out + r.err);
  }
}

TEST(PersonalData, AnUnknownHeaderIsMasked) {
  const std::string id = id_number("52010220100301123");
  const fs::path dir = province().dir;
  write_file(dir / "id_header.csv", "student_id,registry,birth_date," + id + "\nS1,enrolled,2010-03-01,x\n");
  const CliRun r = run_kcbx(dir, "classify --students " + shell_quote((dir / "id_header.csv").string()) + kAsOf);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("is not a field of the pack"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(id), std::string::npos) << r.err;
}

TEST(PersonalData, AFileWithoutItsHeaderIsNotEchoed) {
  // The first line is then taken for the header; the message names the
  // missing column but never prints the line (a child's record).
  const std::string id = id_number("52010220100301123");
  const fs::path dir = province().dir;
  write_file(dir / "no_header.csv", "S1," + id + ",enrolled,2010-03-01\nS2," + id + ",enrolled,2010-03-01\n");
  const CliRun r = run_kcbx(dir, "classify --students " + shell_quote((dir / "no_header.csv").string()) + kAsOf);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("missing-column"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(id), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(id.substr(0, 17)), std::string::npos) << r.err;
  // A roster without its header: the phone number is not echoed either.
  write_file(dir / "no_header_officials.csv", "teacher,TeacherA,S01/3,13800138000\n");
  const CliRun c = run_kcbx(dir, "cases" + students() + kAsOf + " --officials " +
                                     shell_quote((dir / "no_header_officials.csv").string()));
  EXPECT_NE(c.code, 0) << c.err;
  EXPECT_EQ(c.err.find("13800138000"), std::string::npos) << c.err;
}

TEST(PersonalData, AnIdNumberSplitBySpacesOrHyphensIsMaskedInReasons) {
  // Typed into the wrong column with separators, it is still a child's ID
  // number: the reject reason that quotes the cell masks it.
  const std::string id = id_number("52010220100301123");
  const std::vector<std::string> typed = {
      id.substr(0, 6) + " " + id.substr(6),
      id.substr(0, 6) + "-" + id.substr(6, 4) + "-" + id.substr(10, 4) + "-" + id.substr(14),
      id.substr(0, 3) + " " + id.substr(3, 3) + " " + id.substr(6, 8) + " " + id.substr(14)};
  const fs::path dir = province().dir;
  std::string csv = "student_id,registry,birth_date\n";
  for (size_t i = 0; i < typed.size(); ++i) csv += "T" + std::to_string(i) + ",enrolled," + typed[i] + "\n";
  write_file(dir / "split_ids.csv", csv);
  const fs::path out = out_dir("split_ids");
  const CliRun r = run_kcbx(dir, "classify --students " + shell_quote((dir / "split_ids.csv").string()) + kAsOf +
                                     " --out " + shell_quote((out / "out.csv").string()) + " --rejects " +
                                     shell_quote((out / "rejects.csv").string()));
  ASSERT_EQ(r.code, 0) << r.err;
  std::string rejects = read_file(out / "rejects.csv");
  EXPECT_NE(rejects.find("is not a date"), std::string::npos) << rejects;
  for (const std::string& t : typed) EXPECT_EQ(rejects.find(t), std::string::npos) << rejects;
  // Whatever the separators, the digits of the birth date never show.
  std::erase_if(rejects, [](char c) { return c == ' ' || c == '-'; });
  EXPECT_EQ(rejects.find(id.substr(6, 8)), std::string::npos) << rejects;
}

}  // namespace
