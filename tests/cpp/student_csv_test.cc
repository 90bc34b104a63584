// Student CSV input: kcbx::StudentReader / read_students, and the
// `kcbx classify` command run as a user runs it (files in a temporary
// directory, exit codes, stdout, stderr and the --rejects file).
#include <gtest/gtest.h>
#include <iconv.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "kcbx/kcbx.h"
#include "dates_support.h"

namespace {

namespace fs = std::filesystem;

// ---- helpers ---------------------------------------------------------------------

// GB 11643 MOD 11-2, computed here independently of the library.
std::string id_number(const std::string& address6, const std::string& yyyymmdd,
                      const std::string& seq3 = "123") {
  const std::string first17 = address6 + yyyymmdd + seq3;
  static const int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6,
                                   3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return first17 + "10X98765432"[sum % 11];
}

std::string with_wrong_check_digit(std::string id) {
  id.back() = id.back() == '0' ? '1' : '0';
  return id;
}

// UTF-8 -> GB18030 with glibc iconv, the way Chinese Excel saves CSV.
std::string to_gb18030(const std::string& utf8) {
  iconv_t cd = iconv_open("GB18030", "UTF-8");
  EXPECT_NE(cd, reinterpret_cast<iconv_t>(-1));
  std::string out(utf8.size() * 4 + 16, '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t in_left = utf8.size();
  char* o = out.data();
  size_t out_left = out.size();
  const size_t r = iconv(cd, &in, &in_left, &o, &out_left);
  EXPECT_NE(r, static_cast<size_t>(-1));
  iconv_close(cd);
  out.resize(out.size() - out_left);
  return out;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << p;
}

// A fresh directory per test.
fs::path temp_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path dir = fs::path(::testing::TempDir()) /
                 (std::string("kcbx_csv_") + info->test_suite_name() + "_" + info->name() +
                  "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

struct CliRun {
  int code = -1;
  std::string out, err;
};

// Runs `kcbx ARGS` with stdout and stderr captured to files in `dir`.
CliRun kcbx_cli(const fs::path& dir, const std::string& args) {
  const std::string cli = KCBX_CLI;
  if (cli.empty()) {
    ADD_FAILURE() << "KCBX_CLI is not set: the kcbx command was not built";
    return {};
  }
  const fs::path out = dir / "stdout.txt";
  const fs::path err = dir / "stderr.txt";
  const std::string cmd = "'" + cli + "' " + args + " >'" + out.string() + "' 2>'" +
                          err.string() + "' </dev/null";
  const int rc = std::system(cmd.c_str());
  CliRun r;
  r.code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

// A minimal RFC 4180 reader for checking outputs.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = any = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
      any = true;
    } else if (c == '\n') {
      row.push_back(field);
      rows.push_back(row);
      row.clear();
      field.clear();
      any = false;
    } else if (c != '\r') {
      field += c;
      any = true;
    }
  }
  if (any) {
    row.push_back(field);
    rows.push_back(row);
  }
  return rows;
}

// "read N = accepted A + rejected R" from the summary.
struct Summary {
  long read = -1, accepted = -1, rejected = -1;
};
Summary summary(const std::string& err) {
  std::smatch m;
  Summary s;
  if (std::regex_search(err, m, std::regex(R"(read (\d+) = accepted (\d+) \+ rejected (\d+))"))) {
    s.read = std::stol(m[1]);
    s.accepted = std::stol(m[2]);
    s.rejected = std::stol(m[3]);
  } else {
    ADD_FAILURE() << "no summary in:\n" << err;
  }
  return s;
}

const kcbx::RulePack& guizhou() {
  static const kcbx::RulePack pack = kcbx::default_rules();
  return pack;
}

using kcbx::testing::day;

// Reads `text` with StudentReader into one batch.
struct ReadResult {
  kcbx::Batch batch;
  std::vector<kcbx::Reject> rejects;
  kcbx::ReadCounts counts;
  std::vector<std::string> notes;
};
ReadResult read_text(const std::string& text, const std::string& encoding = "utf-8") {
  std::istringstream in(text);
  kcbx::ReadOptions o;
  o.file = "students.csv";
  o.encoding = encoding;
  kcbx::StudentReader reader(guizhou(), in, o);
  ReadResult r;
  kcbx::Batch b;
  while (reader.next(b)) r.batch = b;
  r.rejects = reader.take_rejects();
  r.counts = reader.counts();
  r.notes = reader.notes();
  return r;
}

// ---- StudentReader -----------------------------------------------------------------

// bytes_read() says how far a file has been read, for progress: at the
// end, the file's size (tellg() fails once end of file is reached and
// gave -1, which the header reserves for a pipe), on one and two threads.
TEST(StudentReader, BytesReadIsTheSizeAtTheEnd) {
  std::string text = "student_id,registry,birth_date\n";
  for (int i = 0; i < 3000; ++i) text += "S" + std::to_string(i) + ",enrolled,2010-01-01\n";
  for (int threads : {1, 2}) {
    std::istringstream in(text);
    kcbx::ReadOptions o;
    o.threads = threads;
    o.batch_rows = 1000;
    kcbx::StudentReader reader(guizhou(), in, o);
    kcbx::Batch b;
    int64_t last = 0;
    while (reader.next(b)) {
      EXPECT_GE(reader.bytes_read(), last) << threads;
      last = reader.bytes_read();
    }
    EXPECT_EQ(reader.bytes_read(), static_cast<int64_t>(text.size())) << threads;
  }
}

TEST(StudentReader, BomAndCrlf) {
  const ReadResult r = read_text(
      "\xEF\xBB\xBFstudent_id,registry,birth_date,last_attended\r\n"
      "G1,enrolled,2010-03-01,2019-09-01\r\n"
      "G2,left,2011-04-02,\r\n");
  EXPECT_TRUE(r.rejects.empty());
  ASSERT_EQ(r.batch.size(), 2u);
  EXPECT_EQ(r.batch.cell(0, "student_id"), "G1");
  EXPECT_EQ(r.batch.cell(0, "last_attended"), "2019-09-01");  // no stray \r
  EXPECT_EQ(r.batch.cell(1, "last_attended"), "");
  EXPECT_EQ(r.batch.row_number(1), 3);
  EXPECT_EQ(r.counts.read, 2);
  EXPECT_EQ(r.counts.accepted, 2);
  EXPECT_EQ(r.counts.rejected, 0);
  EXPECT_TRUE(r.notes.empty());
}

// A byte order mark left in the first name (a file saved with two: the
// reader skips one) is no part of the name, whatever the threads.
TEST(StudentReader, ASecondByteOrderMark) {
  const std::string text =
      "\xEF\xBB\xBF\xEF\xBB\xBFstudent_id,registry,birth_date\n"
      "G1,enrolled,2010-03-01\n";
  for (int threads : {1, 2}) {
    std::istringstream in(text);
    kcbx::ReadOptions o;
    o.threads = threads;
    kcbx::StudentReader reader(guizhou(), in, o);
    kcbx::Batch b;
    ASSERT_TRUE(reader.next(b)) << threads;
    EXPECT_EQ(b.cell(0, "student_id"), "G1");
    EXPECT_TRUE(reader.notes().empty());
  }
}

TEST(StudentReader, ChineseHeadersAliasesAndBooleans) {
  const ReadResult r = read_text(
      "学籍号,学籍状态,出生日期,建档立卡,请假,最后到校日期\n"
      "G1,在籍,2010-03-01,是,否,2019-09-01\n"
      "G2,送教上门,2010-03-01,否,是,\n"
      "G3,退学,2010-03-01,1,0,\n");
  ASSERT_TRUE(r.rejects.empty()) << r.rejects[0].reason;
  ASSERT_EQ(r.batch.size(), 3u);
  EXPECT_EQ(r.batch.cell(0, "registry"), "enrolled");
  EXPECT_EQ(r.batch.cell(1, "registry"), "home_teaching");
  EXPECT_EQ(r.batch.cell(2, "registry"), "left");
  EXPECT_EQ(r.batch.cell(0, "poor"), "1");
  EXPECT_EQ(r.batch.cell(0, "absence_excused"), "0");
  EXPECT_EQ(r.batch.cell(1, "absence_excused"), "1");
  const kcbx::Engine engine(guizhou());
  const kcbx::BatchResult res = engine.classify(r.batch, day("2019-10-10"));
  EXPECT_EQ(res.value(0, 0), "dropout");
  EXPECT_EQ(res.value(0, 1), "in_school");
  EXPECT_EQ(res.value(0, 2), "dropout");
}

// Headings with the spaces Chinese Excel users type around them: an
// ideographic space (U+3000) or a no-break space (U+00A0) at either end.
TEST(StudentReader, HeadingsTrimIdeographicAndNoBreakSpaces) {
  const ReadResult r = read_text("\u5b66\u7c4d\u53f7\u3000,\u00a0\u5b66\u7c4d\u72b6\u6001,birth_date\u00a0\u3000\n"
                                 "G1,\u5728\u7c4d,2010-03-01\n");
  ASSERT_TRUE(r.rejects.empty()) << r.rejects[0].reason;
  ASSERT_EQ(r.batch.size(), 1u);
  EXPECT_EQ(r.batch.cell(0, "student_id"), "G1");
  EXPECT_EQ(r.batch.cell(0, "registry"), "enrolled");
  EXPECT_EQ(r.batch.cell(0, "birth_date"), "2010-03-01");
}

TEST(StudentReader, Gb18030WithChineseHeaders) {
  const std::string utf8 =
      "学籍号,姓名,学籍状态,出生日期,建档立卡,家庭住址\r\n"
      "G1,张三,在籍,2010-03-01,是,贵阳市南明区\r\n"
      "G2,李四,未入学,2011-09-10,否,\"遵义市, 红花岗区\"\r\n";
  const std::string gb = to_gb18030(utf8);
  ASSERT_NE(gb, utf8);
  const ReadResult r = read_text(gb, "gb18030");
  ASSERT_TRUE(r.rejects.empty()) << r.rejects[0].reason;
  ASSERT_EQ(r.batch.size(), 2u);
  EXPECT_EQ(r.batch.cell(0, "name"), "张三");
  EXPECT_EQ(r.batch.cell(0, "address"), "贵阳市南明区");
  EXPECT_EQ(r.batch.cell(1, "address"), "遵义市, 红花岗区");
  EXPECT_EQ(r.batch.cell(0, "registry"), "enrolled");
  EXPECT_EQ(r.batch.cell(1, "registry"), "none");
  EXPECT_EQ(r.batch.cell(0, "poor"), "1");
  // Read as UTF-8, the header is not UTF-8: the file is refused.
  try {
    (void)read_text(gb);
    ADD_FAILURE() << "GB18030 read as UTF-8 was accepted";
  } catch (const kcbx::Error& e) {
    EXPECT_EQ(e.diagnostics().front().code, "bad-header");
    EXPECT_NE(e.diagnostics().front().message.find("invalid UTF-8"), std::string::npos);
  }
  // gbk reads the same bytes.
  EXPECT_EQ(read_text(gb, "gbk").batch.cell(0, "name"), "张三");
}

// A spreadsheet's other "save as" choices: the refusal says what the file
// is, not that the header is garbled or a column missing.
TEST(StudentReader, OtherSaveAsChoicesAreNamed) {
  auto refusal = [](const std::string& text, const std::string& encoding = "utf-8") {
    try {
      (void)read_text(text, encoding);
    } catch (const kcbx::Error& e) {
      return e.diagnostics().front().code + ": " + e.diagnostics().front().message;
    }
    return std::string("accepted");
  };
  const std::string header = "student_id,name,registry,birth_date\n";
  std::string utf16 = "\xFF\xFE";
  for (char c : header) utf16 += std::string{c, '\0'};
  EXPECT_EQ(refusal(utf16),
            "bad-header: the file is UTF-16 (Excel's \"Unicode text\"); save it as \"CSV UTF-8 (comma delimited)\" "
            "and read that");
  EXPECT_EQ(refusal(utf16, "gb18030").substr(0, 30), "bad-header: the file is UTF-16");
  std::string no_bom;
  for (char c : header) no_bom += std::string{c, '\0'};
  EXPECT_NE(refusal(no_bom).find("a UTF-16 file (Excel's \"Unicode text\") has one in every other byte"),
            std::string::npos)
      << refusal(no_bom);
  EXPECT_EQ(refusal("\xEF\xBB\xBF" + header + "G1,张三,enrolled,2010-03-01\n", "gb18030"),
            "bad-header: the file starts with a UTF-8 byte order mark, so it is UTF-8, not gb18030: read it "
            "without --encoding gb18030");
  EXPECT_EQ(refusal("student_id\tname\tregistry\tbirth_date\nG1\tx\tenrolled\t2010-03-01\n"),
            "bad-header: the header line has no comma but tabs: the file is tab-separated text; save it as "
            "\"CSV (comma delimited)\"");
  EXPECT_EQ(refusal("student_id;name;registry;birth_date\n"),
            "bad-header: the header line has no comma but semicolons: the file is semicolon-separated text; save "
            "it as \"CSV (comma delimited)\"");
  // The same header as UTF-8 with its byte order mark reads.
  EXPECT_EQ(refusal("\xEF\xBB\xBF" + header + "G1,张三,enrolled,2010-03-01\n"), "accepted");
}

TEST(StudentReader, QuotedFieldsWithCommasQuotesAndLineBreaks) {
  const ReadResult r = read_text(
      "student_id,name,registry,birth_date,address\n"
      "G1,\"Zhang, San\",enrolled,2010-03-01,\"Village \"\"A\"\", Nanming\"\n"
      "G2,Li,enrolled,2010-03-01,\"first line\nsecond line\"\n"
      "G3,Wang,bogus,2010-03-01,\n");
  ASSERT_EQ(r.batch.size(), 2u);
  EXPECT_EQ(r.batch.cell(0, "name"), "Zhang, San");
  EXPECT_EQ(r.batch.cell(0, "address"), "Village \"A\", Nanming");
  EXPECT_EQ(r.batch.cell(1, "address"), "first line\nsecond line");
  // The record after a two-line field starts on physical line 5.
  ASSERT_EQ(r.rejects.size(), 1u);
  EXPECT_EQ(r.rejects[0].row, 5);
  EXPECT_EQ(r.rejects[0].student_id, "G3");
}

TEST(StudentReader, MissingOptionalColumnsTakeDefaultsOrNull) {
  const ReadResult r = read_text("student_id,registry,birth_date\nG1,enrolled,2010-03-01\n");
  ASSERT_EQ(r.batch.size(), 1u);
  EXPECT_EQ(r.batch.cell(0, "poor"), "0");  // default: "false"
  EXPECT_EQ(r.batch.cell(0, "last_attended"), "");
  EXPECT_EQ(r.batch.cell(0, "id_number"), "");
  EXPECT_THROW((void)r.batch.cell(0, "no_such_field"), std::out_of_range);
}

TEST(StudentReader, UnknownColumnsAreIgnoredWithANote) {
  const ReadResult r =
      read_text("student_id,registry,birth_date,shoe_size\nG1,enrolled,2010-03-01,42\n");
  ASSERT_EQ(r.batch.size(), 1u);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("'shoe_size'"), std::string::npos) << r.notes[0];
}

TEST(StudentReader, MissingRequiredColumnRefusesTheFile) {
  try {
    (void)read_text("student_id,birth_date\nG1,2010-03-01\n");
    ADD_FAILURE() << "no error";
  } catch (const kcbx::Error& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].code, "missing-column");
    EXPECT_EQ(e.diagnostics()[0].where.column, 1);
    EXPECT_EQ(e.diagnostics()[0].message, "required field 'registry' (学籍状态) has no column");
    EXPECT_EQ(e.diagnostics()[0].where.file, "students.csv");
  }
}

TEST(StudentReader, TwoColumnsForOneFieldRefuseTheFile) {
  try {
    (void)read_text("student_id,registry,学籍状态,birth_date\nG1,enrolled,在籍,2010-03-01\n");
    ADD_FAILURE() << "no error";
  } catch (const kcbx::Error& e) {
    EXPECT_EQ(e.diagnostics().at(0).code, "duplicate-column");
    // file:line:col at the second cell for the field: 学籍状态 starts at
    // character 21 of the header line.
    EXPECT_EQ(e.diagnostics().at(0).where.line, 1);
    EXPECT_EQ(e.diagnostics().at(0).where.column, 21);
  }
}

TEST(StudentReader, EmptyInputAndUnknownEncoding) {
  EXPECT_THROW((void)read_text(""), kcbx::Error);
  EXPECT_THROW((void)read_text("student_id,registry\n", "klingon"), kcbx::Error);
}

// Every reject reason, with the physical row number and the column at fault.
TEST(StudentReader, EveryRejectReason) {
  const std::string good = id_number("520102", "20100301");
  const std::string bad = with_wrong_check_digit(id_number("520102", "20110301"));
  const std::string text =
      "student_id,id_number,birth_date,registry,absence_excused\n"  // 1
      "G1," + good + ",2010-03-01,enrolled,0\n"                     // 2 accepted
      "G2,,2019-02-30,enrolled,0\n"                                 // 3 bad date
      "G3,,2010-03-01,graduated,0\n"                                // 4 bad enum
      "G4,,2010-03-01,enrolled,maybe\n"                             // 5 bad bool
      "G5," + bad + ",,enrolled,0\n"                                // 6 bad check digit
      "G6,,2010-03-01,,0\n"                                         // 7 required missing
      "G7,,2010-03-01\n"                                            // 8 cell count
      "\n"                                                          // 9 blank line
      "G1,,2010-03-01,enrolled,0\n"                                 // 10 duplicate
      "G8,,2010-03-01,在籍,否\n";                                   // 11 accepted
  const ReadResult r = read_text(text);
  EXPECT_EQ(r.counts.read, 9);
  EXPECT_EQ(r.counts.accepted, 2);
  EXPECT_EQ(r.counts.rejected, 7);
  EXPECT_EQ(r.counts.read, r.counts.accepted + r.counts.rejected);
  ASSERT_EQ(r.batch.size(), 2u);
  EXPECT_EQ(r.batch.row_number(1), 11);
  struct Want {
    int64_t row;
    const char* id;
    const char* column;
    const char* reason;
  };
  const Want want[] = {
      {3, "G2", "birth_date", "'2019-02-30' is not a date (YYYY-MM-DD)"},
      {4, "G3", "registry", "'graduated' is not a value of registry"},
      {5, "G4", "absence_excused", "'maybe' is not a yes/no value"},
      {6, "G5", "id_number", "id_number check digit does not match (GB 11643 MOD 11-2)"},
      {7, "G6", "registry", "required value is missing"},
      {8, "G7", "", "the record has 3 cells; the header has 5"},
      {10, "G1", "student_id", "duplicate student_id (first on row 2)"},
  };
  ASSERT_EQ(r.rejects.size(), std::size(want));
  for (size_t i = 0; i < std::size(want); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(r.rejects[i].row, want[i].row);
    EXPECT_EQ(r.rejects[i].student_id, want[i].id);
    EXPECT_EQ(r.rejects[i].column, want[i].column);
    EXPECT_EQ(r.rejects[i].reason.rfind(want[i].reason, 0), 0u) << r.rejects[i].reason;
    EXPECT_EQ(r.rejects[i].reason.find(bad), std::string::npos);
  }
}

// Dates as Chinese Excel and WPS save them (2010/3/1 by default), and the
// other forms with the year first, are read as the day they name; a form
// whose day and month cannot be told apart, or a day that does not exist,
// is rejected. A date-time cell at midnight is its date.
TEST(StudentReader, DatesAsSpreadsheetsSaveThem) {
  const std::string text =
      "student_id,birth_date,registry\n"
      "A,2010/3/1,enrolled\n"
      "B,2010-3-1,enrolled\n"
      "C,2010.03.01,enrolled\n"
      "D,2010\u5e743\u67081\u65e5,enrolled\n"  // 2010年3月1日
      "E,2010/3/1 0:00,enrolled\n"
      "F,2010/03/01 00:00:00,enrolled\n"
      "G,3/1/2010,enrolled\n"
      "H,2010/2/29,enrolled\n"
      "I,2010/3/1 8:30,enrolled\n"
      "J,2010/3-1,enrolled\n"
      "K,2010/003/1,enrolled\n";
  const ReadResult r = read_text(text);
  ASSERT_EQ(r.batch.size(), 6u);
  const kcbx::BatchResult res = kcbx::Engine(guizhou()).classify(r.batch, day("2019-11-15"));
  size_t age = res.output_count();
  for (size_t o = 0; o < res.output_count(); ++o)
    if (res.output_name(o) == "age") age = o;
  ASSERT_LT(age, res.output_count());
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(res.output(age, i), "9") << i;  // born 2010-03-01
  ASSERT_EQ(r.rejects.size(), 5u);
  EXPECT_EQ(r.rejects[0].reason,
            "'3/1/2010' is not a date (YYYY-MM-DD): put the year first (2019/9/1): with it last, day and month "
            "cannot be told apart");
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(r.rejects[i].row, static_cast<int64_t>(8 + i));
    EXPECT_EQ(r.rejects[i].column, "birth_date");
    EXPECT_NE(r.rejects[i].reason.find("' is not a date (YYYY-MM-DD)"), std::string::npos) << r.rejects[i].reason;
  }
}

TEST(StudentReader, RejectReasonsQuoteCellsShortAndAsValidUtf8) {
  // 20 Chinese characters are 60 bytes: the reason cuts the cell short, and
  // never in the middle of a character.
  std::string long_cell;
  for (int i = 0; i < 20; ++i) long_cell += "退";
  const ReadResult r = read_text("student_id,registry,birth_date\nG1," + long_cell +
                                 ",2010-03-01\n");
  ASSERT_EQ(r.rejects.size(), 1u);
  const std::string& reason = r.rejects[0].reason;
  EXPECT_EQ(reason.find(long_cell), std::string::npos) << reason;
  EXPECT_NE(reason.find("..."), std::string::npos) << reason;
  // Valid UTF-8: every lead byte is followed by its continuation bytes.
  for (size_t i = 0; i < reason.size();) {
    const unsigned char c = static_cast<unsigned char>(reason[i]);
    const size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    ASSERT_NE(n, 0u) << "stray continuation byte at " << i << " in " << reason;
    ASSERT_LE(i + n, reason.size()) << reason;
    for (size_t k = 1; k < n; ++k)
      ASSERT_EQ(static_cast<unsigned char>(reason[i + k]) & 0xC0, 0x80) << reason;
    i += n;
  }
}

TEST(StudentReader, AnIdNumberInTheWrongColumnIsMaskedInTheReason) {
  const std::string id = id_number("520102", "20090505", "605");
  const ReadResult r =
      read_text("student_id,registry,birth_date\nG1,enrolled," + id + "\n");
  ASSERT_EQ(r.rejects.size(), 1u);
  EXPECT_EQ(r.rejects[0].column, "birth_date");
  EXPECT_EQ(r.rejects[0].reason.find(id), std::string::npos) << r.rejects[0].reason;
  EXPECT_NE(r.rejects[0].reason.find("520102********" + id.substr(14)), std::string::npos)
      << r.rejects[0].reason;
  EXPECT_NE(r.rejects[0].reason.find("is not a date"), std::string::npos);
}

TEST(StudentReader, DatesOrPhoneNumbersRunTogetherStayReadableInReasons) {
  // Not 15 or 18 digits: not an ID number, so the reason can show it.
  const ReadResult r = read_text(
      "student_id,registry,birth_date\nG1,enrolled,2019-10-10-2019-10-11\nG2,enrolled,13800138000 13900139000\n");
  ASSERT_EQ(r.rejects.size(), 2u);
  EXPECT_NE(r.rejects[0].reason.find("'2019-10-10-2019-10-11' is not a date"), std::string::npos)
      << r.rejects[0].reason;
  EXPECT_NE(r.rejects[1].reason.find("'13800138000 13900139000' is not a date"), std::string::npos)
      << r.rejects[1].reason;
}

TEST(StudentReader, AHugeCellWithAnIdNumberGivesAShortMaskedReason) {
  const std::string id = id_number("520102", "20090505", "605");
  const ReadResult r =
      read_text("student_id,registry,birth_date\nG1,enrolled," + id + std::string(5000, '7') + "\n");
  ASSERT_EQ(r.rejects.size(), 1u);
  EXPECT_LT(r.rejects[0].reason.size(), 120u) << r.rejects[0].reason;
  EXPECT_EQ(r.rejects[0].reason.find(id.substr(6, 8)), std::string::npos) << r.rejects[0].reason;
}

TEST(StudentReader, ARejectedRecordLeavesNoUniqueValueBehind) {
  // Two unique fields: row 3 repeats b and is rejected; its a = 2 was never
  // accepted, so row 4 with a = 2 is not a duplicate.
  const kcbx::RulePack pack = kcbx::parse_rules(R"(meta: {name: u}
fields:
  a: {type: string, required: true, unique: true}
  b: {type: string, unique: true}
tables:
  t:
    values: [x]
    rows:
      - {id: r, then: x}
)");
  std::istringstream in("a,b\n1,x\n2,x\n2,y\n1,z\n");
  kcbx::StudentReader reader(pack, in);
  kcbx::Batch batch;
  ASSERT_TRUE(reader.next(batch));
  EXPECT_EQ(batch.size(), 2u);
  const std::vector<kcbx::Reject> rejects = reader.take_rejects();
  ASSERT_EQ(rejects.size(), 2u);
  EXPECT_EQ(rejects[0].row, 3);
  EXPECT_EQ(rejects[0].column, "b");
  EXPECT_EQ(rejects[0].reason, "duplicate b (first on row 2)");
  EXPECT_EQ(rejects[1].row, 5);
  EXPECT_EQ(rejects[1].column, "a");
  EXPECT_EQ(rejects[1].reason, "duplicate a (first on row 2)");
  EXPECT_EQ(batch.cell(1, "a"), "2");
  EXPECT_EQ(batch.cell(1, "b"), "y");
}

TEST(StudentReader, StreamsInBatchesAndKeepsCounting) {
  std::string text = "student_id,registry,birth_date\n";
  for (int i = 0; i < 10; ++i)
    text += "S" + std::to_string(i) + (i % 3 == 0 ? ",bogus" : ",enrolled") + ",2010-03-01\n";
  std::istringstream in(text);
  kcbx::ReadOptions o;
  o.batch_rows = 2;
  kcbx::StudentReader reader(guizhou(), in, o);
  kcbx::Batch b;
  size_t records = 0, batches = 0, rejects = 0;
  while (reader.next(b)) {
    EXPECT_LE(b.size(), 2u);
    EXPECT_GT(b.size(), 0u);
    records += b.size();
    ++batches;
    rejects += reader.take_rejects().size();
  }
  rejects += reader.take_rejects().size();
  EXPECT_EQ(records, 6u);
  EXPECT_EQ(batches, 3u);
  EXPECT_EQ(rejects, 4u);
  EXPECT_EQ(reader.counts().read, 10);
  EXPECT_EQ(reader.counts().accepted, 6);
  EXPECT_EQ(reader.counts().rejected, 4);
  EXPECT_FALSE(reader.next(b));
}

TEST(StudentReader, ReadStudentsFromAFile) {
  const fs::path dir = temp_dir();
  write_file(dir / "s.csv", "student_id,registry,birth_date\nG1,enrolled,2010-03-01\nG2,x,2010-03-01\n");
  const kcbx::StudentFile f = kcbx::read_students(guizhou(), (dir / "s.csv").string());
  EXPECT_EQ(f.batch.size(), 1u);
  ASSERT_EQ(f.rejects.size(), 1u);
  EXPECT_EQ(f.rejects[0].row, 3);
  EXPECT_EQ(f.counts.read, 2);
  // A file that cannot be read says why; a folder is not an empty file
  // (an ifstream opens a directory and reads nothing).
  const std::pair<std::string, std::string> cannot[] = {{"missing.csv", "there is no such file"},
                                                         {"", "it is a folder, not a file"}};
  for (const auto& [name, why] : cannot) {
    try {
      (void)kcbx::read_students(guizhou(), (dir / name).string());
      ADD_FAILURE() << "no error for '" << name << "'";
    } catch (const kcbx::Error& e) {
      EXPECT_EQ(e.diagnostics().at(0).code, "cannot-read");
      EXPECT_EQ(e.diagnostics().at(0).message, "cannot open the file: " + why);
    }
  }
  fs::remove_all(dir);
}

// ---- kcbx classify -------------------------------------------------------------------

// The fields of the small packs below: a key and a two-value registry.
constexpr const char* kKeyAndRegistry =
    "fields:\n"
    "  student_id: {type: string, required: true, unique: true}\n"
    "  registry: {type: enum, values: [a, b], required: true}\n";

class ClassifyCli : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = temp_dir(); }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  std::string path(const std::string& name) const { return "'" + (dir_ / name).string() + "'"; }
  void write(const std::string& name, const std::string& text) const { write_file(dir_ / name, text); }
  CliRun run(const std::string& args) const { return kcbx_cli(dir_, args); }
  // `kcbx classify` of `csv` on 2019-10-10 with a small pack named `name`:
  // the key and registry fields, then `rest` (parameters, tables).
  CliRun classify_small(const std::string& csv, const std::string& name, const std::string& rest) const {
    write("s.csv", csv);
    write(name + ".yaml", "meta: {name: " + name + ", version: 1.0.0}\n" + std::string(kKeyAndRegistry) + rest);
    return run("classify --students " + path("s.csv") + " --as-of 2019-10-10 --rules " + path(name + ".yaml"));
  }
  fs::path dir_;
};

TEST_F(ClassifyCli, ClassifiesWithRuleAndClause) {
  write("s.csv",
        "student_id,registry,birth_date,last_attended\n"
        "G1,enrolled,2010-03-01,2019-09-01\n"
        "G2,enrolled,2010-03-01,2019-10-05\n"
        "G3,none,2013-09-10,\n");
  const CliRun r = run("classify --students " + path("s.csv") + " --as-of 2019-10-10");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto rows = parse_csv(r.out);
  ASSERT_EQ(rows.size(), 4u) << r.out;
  ASSERT_GE(rows[0].size(), 4u);
  EXPECT_EQ((std::vector<std::string>(rows[0].begin(), rows[0].begin() + 4)),
            (std::vector<std::string>{"student_id", "status", "rule", "clause"}));
  EXPECT_EQ((std::vector<std::string>(rows[1].begin(), rows[1].begin() + 4)),
            (std::vector<std::string>{"G1", "dropout", "absent_over_month", "D4"}));
  EXPECT_EQ((std::vector<std::string>(rows[2].begin(), rows[2].begin() + 4)),
            (std::vector<std::string>{"G2", "in_school", "attending", "D3"}));
  EXPECT_EQ((std::vector<std::string>(rows[3].begin(), rows[3].begin() + 4)),
            (std::vector<std::string>{"G3", "not_counted", "young_unregistered", "D5a"}));
  const Summary s = summary(r.err);
  EXPECT_EQ(s.read, 3);
  EXPECT_EQ(s.accepted, 3);
  EXPECT_EQ(s.rejected, 0);
  EXPECT_NE(r.err.find(guizhou().id()), std::string::npos) << r.err;
}

// An output that is an input, or two outputs on one file, is a usage error
// before anything is written: `--out students.csv` would replace the file
// being read. Outputs written through (/dev/null) may share.
TEST_F(ClassifyCli, AnOutputIsNeverAnInputNorAnotherOutput) {
  const std::string csv = "student_id,registry,birth_date\nG1,enrolled,2010-03-01\n";
  write("s.csv", csv);
  write("e.csv", "student_id,date,type,person,note\n");
  CliRun r = run("classify --students " + path("s.csv") + " --as-of 2019-10-10 --out " + path("s.csv"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--out '" + (dir_ / "s.csv").string() + "' is the file --students reads"), std::string::npos)
      << r.err;
  r = run("classify --students " + path("s.csv") + " --as-of 2019-10-10 --out " + path("o.csv") + " --rejects " +
          path("./o.csv"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--out and --rejects name the same file"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "o.csv"));
  r = run("cases --students " + path("s.csv") + " --events " + path("e.csv") + " --as-of 2019-10-10 --accountability " +
          path("e.csv"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--accountability"), std::string::npos) << r.err;
  r = run("transfer --grade6 " + path("s.csv") + " --grade7 " + path("e.csv") +
          " --registration-deadline 2019-09-01 --as-of 2019-10-10 --out " + path("s.csv"));
  EXPECT_EQ(r.code, 2);
  std::ifstream in(dir_ / "s.csv");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), csv);
  r = run("classify --students " + path("s.csv") + " --as-of 2019-10-10 --out /dev/null --rejects /dev/null");
  EXPECT_EQ(r.code, 0) << r.err;
  // The base pack an --rules pack extends is an input too.
  write("base.yaml", "meta: {name: base, version: 1.0.0}\n" + std::string(kKeyAndRegistry));
  write("ext.yaml", "meta: {name: ext, extends: base.yaml}\n");
  r = run("classify --students " + path("s.csv") + " --as-of 2019-10-10 --rules " + path("ext.yaml") + " --out " +
          path("base.yaml"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("is the file --rules reads"), std::string::npos) << r.err;
  // A link to a file not made yet is that file.
  fs::create_symlink(dir_ / "new.csv", dir_ / "link.csv");
  r = run("classify --students " + path("s.csv") + " --as-of 2019-10-10 --out " + path("link.csv") + " --rejects " +
          path("new.csv"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("name the same file"), std::string::npos) << r.err;
}

TEST_F(ClassifyCli, RejectsFileAndSummaryReconcile) {
  const std::string good = id_number("520102", "20100301");
  const std::string bad = with_wrong_check_digit(id_number("520102", "20110301"));
  write("s.csv",
        "student_id,name,id_number,birth_date,registry,last_attended,absence_excused,poor,address\n"
        "G1,\"Zhang, San\"," + good + ",2010-03-01,enrolled,2019-09-01,0,是,\"Village \"\"A\"\"\"\n"  // 2
        "G2,李四,,2013-09-10,在籍,,否,否,\n"        // 3
        "G3,王五,,2019-02-30,enrolled,,,,\n"        // 4 bad date
        "G4,赵六,,2010-03-01,graduated,,,,\n"       // 5 bad enum
        "G5,,,2010-03-01,enrolled,,maybe,,\n"       // 6 bad bool
        "G6,," + bad + ",,enrolled,,,,\n"           // 7 bad check digit
        "G7,,,2010-03-01,,,,,\n"                    // 8 required value missing
        "G8,x,y\n"                                  // 9 wrong cell count
        "G1,,,2010-03-01,enrolled,,,,\n"            // 10 duplicate
        "G9,,,2020-01-01,enrolled,,,,\n"            // 11 born after as_of
        "G10,," + good + ",,left,,,,\n"             // 12 (duplicate ID numbers are allowed)
        "G11,,,,enrolled,,,,\n");                   // 13 no birth date at all
  const CliRun r = run("classify --students " + path("s.csv") + " --as-of 2019-10-10 --rejects " +
                    path("rejects.csv") + " --out " + path("out.csv"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");  // --out took the results

  const auto out = parse_csv(read_file(dir_ / "out.csv"));
  ASSERT_EQ(out.size(), 4u) << read_file(dir_ / "out.csv");
  std::map<std::string, std::string> status;
  for (size_t i = 1; i < out.size(); ++i) status[out[i][0]] = out[i][1];
  EXPECT_EQ(status["G1"], "dropout");
  EXPECT_EQ(status["G2"], "in_school");
  EXPECT_EQ(status["G10"], "dropout");

  const auto rej = parse_csv(read_file(dir_ / "rejects.csv"));
  ASSERT_FALSE(rej.empty());
  EXPECT_EQ(rej[0], (std::vector<std::string>{"row", "student_id", "column", "reason"}));
  std::map<int, std::vector<std::string>> by_row;
  for (size_t i = 1; i < rej.size(); ++i) {
    ASSERT_EQ(rej[i].size(), 4u) << read_file(dir_ / "rejects.csv");
    by_row[std::stoi(rej[i][0])] = rej[i];
  }
  struct Want {
    int row;
    const char* id;
    const char* column;
    const char* reason;
  };
  const Want want[] = {
      {4, "G3", "birth_date", "'2019-02-30' is not a date"},
      {5, "G4", "registry", "'graduated' is not a value of registry"},
      {6, "G5", "absence_excused", "'maybe' is not a yes/no value"},
      {7, "G6", "id_number", "id_number check digit does not match"},
      {8, "G7", "registry", "required value is missing"},
      {9, "G8", "", "the record has 3 cells; the header has 9"},
      {10, "G1", "student_id", "duplicate student_id (first on row 2)"},
      // A pack check names the first field its condition reads.
      {11, "G9", "birth_date", "the birth date is after the evaluation date"},
      {13, "G11", "birth_date", "birth_date or id_number is required"},
  };
  EXPECT_EQ(by_row.size(), std::size(want)) << read_file(dir_ / "rejects.csv");
  for (const Want& w : want) {
    SCOPED_TRACE(w.row);
    ASSERT_EQ(by_row.count(w.row), 1u);
    const auto& row = by_row[w.row];
    EXPECT_EQ(row[1], w.id);
    EXPECT_EQ(row[2], w.column);
    EXPECT_EQ(row[3].rfind(w.reason, 0), 0u) << row[3];
  }

  const Summary s = summary(r.err);
  EXPECT_EQ(s.read, 12);
  EXPECT_EQ(s.accepted, 3);
  EXPECT_EQ(s.rejected, 9);
  EXPECT_EQ(s.read, s.accepted + s.rejected);
}

TEST_F(ClassifyCli, SummaryCountsRejectsWithoutARejectsFile) {
  write("s.csv", "student_id,registry,birth_date\nG1,enrolled,2010-03-01\nG2,bogus,2010-03-01\n"
                 "G3,enrolled,2030-01-01\n");
  const CliRun r = run("classify --students " + path("s.csv") + " --as-of 2019-10-10");
  ASSERT_EQ(r.code, 0) << r.err;
  const Summary s = summary(r.err);
  EXPECT_EQ(s.read, 3);
  EXPECT_EQ(s.accepted, 1);
  EXPECT_EQ(s.rejected, 2);
  EXPECT_NE(r.err.find("--rejects"), std::string::npos) << r.err;  // says where they can go
  // ... and lists them: never dropped without a word (DESIGN.md).
  EXPECT_NE(r.err.find("3, G2, registry: 'bogus' is not a value of registry"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("4, G3, birth_date: the birth date is after"), std::string::npos) << r.err;
}

TEST_F(ClassifyCli, WithoutARejectsFileTheFirstTwentyRejectsAreListed) {
  std::string csv = "student_id,registry,birth_date\n";
  for (int i = 0; i < 25; ++i) csv += "B" + std::to_string(i) + ",bogus,2010-03-01\n";
  write("many.csv", csv);
  const CliRun r = run("classify --students " + path("many.csv") + " --as-of 2019-10-10");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("21, B19, registry"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("22, B20, registry"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("... and 5 more"), std::string::npos) << r.err;
}

TEST_F(ClassifyCli, Gb18030Input) {
  write("gb.csv", to_gb18030("学籍号,学籍状态,出生日期,最后到校日期,建档立卡\r\n"
                             "G1,在籍,2010-03-01,2019-09-01,是\r\n"
                             "G2,休学,2010-03-01,,否\r\n"));
  CliRun r = run("classify --students " + path("gb.csv") + " --as-of 2019-10-10 --encoding gb18030");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto rows = parse_csv(r.out);
  ASSERT_EQ(rows.size(), 3u) << r.out;
  EXPECT_EQ(rows[1][0], "G1");
  EXPECT_EQ(rows[1][1], "dropout");
  EXPECT_EQ(rows[2][1], "not_counted");
  // Without --encoding the header is not UTF-8: exit 1.
  r = run("classify --students " + path("gb.csv") + " --as-of 2019-10-10");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("gb.csv:1:1: error: the header line cannot be read: invalid UTF-8"),
            std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(ClassifyCli, BomAndCrlfInput) {
  write("s.csv", "\xEF\xBB\xBF学籍号,学籍状态,出生日期\r\nG1,在籍,2010-03-01\r\n");
  const CliRun r = run("classify --students " + path("s.csv") + " --as-of 2019-10-10");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto rows = parse_csv(r.out);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1][0], "G1");
  EXPECT_EQ(rows[1][1], "in_school");
}

TEST_F(ClassifyCli, MissingRequiredColumnExitsOne) {
  write("s.csv", "student_id,birth_date\nG1,2010-03-01\n");
  const CliRun r = run("classify --students " + path("s.csv") + " --as-of 2019-10-10");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("required field 'registry' (学籍状态) has no column"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("s.csv"), std::string::npos) << r.err;
}

TEST_F(ClassifyCli, ExitCodes) {
  write("s.csv", "student_id,registry,birth_date\nG1,enrolled,2010-03-01\n");
  // Usage errors: 2.
  CliRun r = run("classify --students " + path("s.csv") + " --as-of 2019-02-30");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("--as-of: '2019-02-30' is not a date"), std::string::npos) << r.err;
  r = run("classify --students " + path("s.csv") + " --as-of yesterday");
  EXPECT_EQ(r.code, 2) << r.err;
  r = run("classify --students " + path("s.csv") + " --as-of 2019-10-10 --bogus");
  EXPECT_EQ(r.code, 2) << r.err;
  r = run("classify --as-of 2019-10-10");  // --students is required
  EXPECT_EQ(r.code, 2) << r.err;
  r = run("");
  EXPECT_EQ(r.code, 2) << r.err;
  // Unusable input: 1.
  r = run("classify --students " + path("nope.csv") + " --as-of 2019-10-10");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("nope.csv"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cannot open"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  write("empty.csv", "");
  r = run("classify --students " + path("empty.csv") + " --as-of 2019-10-10");
  EXPECT_EQ(r.code, 1) << r.err;
  // Success, even with rejected rows: 0.
  write("bad.csv", "student_id,registry,birth_date\nG1,bogus,2010-03-01\n");
  r = run("classify --students " + path("bad.csv") + " --as-of 2019-10-10");
  EXPECT_EQ(r.code, 0) << r.err;
}

TEST_F(ClassifyCli, BrokenPackExitsOneWithFileLineColumn) {
  write("s.csv", "student_id,registry,birth_date\nG1,enrolled,2010-03-01\n");
  write("bad.yaml",
        "meta: {name: bad}\n"
        "fields:\n"
        "  student_id: {type: string, required: true}\n"
        "  registry: {type: enum, values: [a, b]}\n"
        "tables:\n"
        "  status:\n"
        "    values: [x, y]\n"
        "    rows:\n"
        "      - {id: r1, when: registry = c, then: x}\n");
  const CliRun r = run("classify --students " + path("s.csv") + " --as-of 2019-10-10 --rules " +
                    path("bad.yaml"));
  EXPECT_EQ(r.code, 1) << r.err;
  const std::string where = (dir_ / "bad.yaml").string() + ":9:35: error: 'c' is not a value of registry";
  EXPECT_NE(r.err.find(where), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[unknown-value]"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  // validate says the same.
  const CliRun v = run("validate " + path("bad.yaml"));
  EXPECT_EQ(v.code, 1) << v.err;
  EXPECT_NE(v.err.find(where), std::string::npos) << v.err;
}

// A parameter whose history starts on a date leaves the dates before it
// without a value: validate warns of it (exit 0), as kcbx test does.
TEST_F(ClassifyCli, ValidateWarnsOfAParameterWithNoValueBeforeItsFirstDate) {
  write("gap.yaml",
        "meta: {name: gap, extends: guizhou}\n"
        "parameters:\n"
        "  suspected_after:\n"
        "    override: true\n"
        "    values:\n"
        "      - {from: 2021-09-01, value: 10 days}\n");
  const CliRun v = run("validate " + path("gap.yaml"));
  EXPECT_EQ(v.code, 0) << v.err;
  EXPECT_NE(v.err.find("gap.yaml:6:9: warning: parameter 'suspected_after', used by an expression, has no value in "
                       "force on"),
            std::string::npos)
      << v.err;
  EXPECT_NE(v.out.find("ok: gap"), std::string::npos) << v.out;
  EXPECT_EQ(run("validate").err, "");  // the embedded pack has none
}

TEST_F(ClassifyCli, CustomPackViaRules) {
  write("s.csv", "student_id,registry,birth_date\nG1,b,2010-03-01\nG2,a,2010-03-01\n");
  write("ok.yaml",
        "meta: {name: custom, version: 2.0.0}\n"
        + std::string(kKeyAndRegistry) +
        "  birth_date: {type: date}\n"
        "tables:\n"
        "  status:\n"
        "    values: [x, y]\n"
        "    rows:\n"
        "      - {id: r1, when: registry = b, then: x, clause: C1}\n"
        "      - {id: r2, then: y, clause: C2}\n");
  const CliRun r = run("classify --students " + path("s.csv") + " --as-of 2019-10-10 --rules " +
                    path("ok.yaml"));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto rows = parse_csv(r.out);
  ASSERT_EQ(rows.size(), 3u) << r.out;
  EXPECT_EQ(rows[1], (std::vector<std::string>{"G1", "x", "r1", "C1"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"G2", "y", "r2", "C2"}));
  EXPECT_NE(r.err.find("custom 2.0.0"), std::string::npos) << r.err;
}

TEST_F(ClassifyCli, ATableListedInOutputsIsOneColumn) {
  // Listing the second table adds it to the CSV; listing the first, whose
  // columns are written anyway, does not repeat them.
  write("s.csv", "student_id,registry,birth_date\nA,enrolled,2010-01-01\n");
  write("listed.yaml", "meta: {name: listed, version: 1.0.0, extends: guizhou}\n"
                       "outputs: [age, eligible_aid, status]\n");
  const CliRun r = run("classify --students " + path("s.csv") + " --as-of 2019-11-15 --rules " +
                       path("listed.yaml"));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto rows = parse_csv(r.out);
  ASSERT_EQ(rows.size(), 2u) << r.out;
  EXPECT_EQ(rows[0], (std::vector<std::string>{"student_id", "status", "rule", "clause", "age", "suspected_since",
                                               "dropout_since", "eligible_aid"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"A", "in_school", "attending", "D3", "9", "", "", "two_free"}));
}

TEST_F(ClassifyCli, ExplainFormatImpliesExplain) {
  write("s.csv", "student_id,registry,birth_date\nA,enrolled,2010-01-01\n");
  const CliRun r = run("classify --students " + path("s.csv") + " --as-of 2019-11-15 --explain-format json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto rows = parse_csv(r.out);
  ASSERT_EQ(rows.size(), 2u) << r.out;
  EXPECT_EQ(rows[0].back(), "explanation");
  EXPECT_EQ(rows[1].back().substr(0, 1), "{") << r.out;
  EXPECT_EQ(run("classify --students " + path("s.csv") + " --as-of 2019-11-15 --explain-format xml").code, 2);
}

// The text explanation says from when a parameter's value applies, as the
// JSON's effective_from does.
TEST_F(ClassifyCli, TextExplanationNamesTheDateAParameterValueAppliesFrom) {
  write("s.csv", "student_id,registry,birth_date,last_attended\nA,enrolled,2010-01-01,2020-10-01\n");
  write("later.yaml", "meta: {name: later, version: 1.0.0, extends: guizhou}\n"
                      "parameters:\n"
                      "  suspected_after: {values: [{from: 2019-01-01, value: 7 days}, {from: 2020-09-01, value: 10 days}],"
                      " override: true}\n");
  const CliRun r = run("classify --students " + path("s.csv") + " --as-of 2020-10-20 --explain --rules " +
                       path("later.yaml"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("suspected_after=10 days (from 2020-09-01, "), std::string::npos) << r.out;
}

TEST_F(ClassifyCli, AParameterWithoutAValueOnTheDateWritesNothing) {
  const CliRun r = classify_small("student_id,registry\nA,b\n", "later",
                                  "parameters:\n"
                                  "  limit: {type: int, values: [{from: 2020-09-01, value: 5}]}\n"
                                  "tables:\n"
                                  "  status:\n"
                                  "    values: [x, y]\n"
                                  "    rows:\n"
                                  "      - {id: r1, when: limit > 3, then: x, clause: C1}\n"
                                  "      - {id: r2, then: y, clause: C2}\n");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("no-value-on-date"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");  // not even the header
}

TEST_F(ClassifyCli, RecordsNoRowMatchedAreCountedUnderTheirOwnLabel) {
  const CliRun r = classify_small("student_id,registry\nA,a\nB,b\n", "partial",
                                  "tables:\n"
                                  "  status:\n"
                                  "    values: [x]\n"
                                  "    rows:\n"
                                  "      - {id: r1, when: registry = a, then: x, clause: C1}\n");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("(no row matched)"), std::string::npos) << r.err;
}

TEST_F(ClassifyCli, NoUnmaskedIdNumberInAnyOutput) {
  const std::string a = id_number("520102", "20100301", "201");
  const std::string b = id_number("522401", "20130910", "302");
  const std::string bad = with_wrong_check_digit(id_number("520103", "20110301", "403"));
  const std::string bad_date = id_number("520102", "20100230", "504");  // 02-30
  const std::string misplaced = id_number("520102", "20090505", "605");
  write("s.csv",
        "student_id,id_number,birth_date,registry,last_attended\n"
        "G1," + a + ",,enrolled,2019-09-01\n"
        "G2," + b + ",2013-09-10,none,\n"
        "G3," + bad + ",2011-03-01,enrolled,\n"
        "G4," + bad_date + ",,enrolled,\n"
        "G5," + a + ",2010-03-02,enrolled,\n"          // disagrees with birth_date
        "G6," + b + ",,enrolled,\n"
        "G7,,2010-03-01,enrolled," + misplaced + "\n"  // in the wrong column
        "G8," + misplaced + ",2009-05-05,enrolled\n");  // wrong cell count
  for (const char* extra : {"", " --explain", " --explain --explain-format json"}) {
    SCOPED_TRACE(extra);
    const CliRun r = run("classify --students " + path("s.csv") + " --as-of 2019-10-10 --rejects " +
                      path("rejects.csv") + extra);
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string rejects = read_file(dir_ / "rejects.csv");
    EXPECT_EQ(summary(r.err).rejected, 5) << rejects;
    for (const std::string& id : {a, b, bad, bad_date, misplaced}) {
      EXPECT_EQ(r.out.find(id), std::string::npos) << id << " in stdout:\n" << r.out;
      EXPECT_EQ(r.err.find(id), std::string::npos) << id << " in stderr:\n" << r.err;
      EXPECT_EQ(rejects.find(id), std::string::npos) << id << " in rejects:\n" << rejects;
      // Not even the 8 birth-date digits next to the address code.
      EXPECT_EQ(rejects.find(id.substr(0, 14)), std::string::npos) << rejects;
    }
    if (*extra) {
      // The explanation shows the masked form.
      EXPECT_NE(r.out.find(a.substr(0, 6) + "********" + a.substr(14)), std::string::npos)
          << r.out;
    }
  }
}

}  // namespace
