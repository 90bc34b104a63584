#include "io/csv.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <istream>
#include <ostream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

#include "io/encoding.h"

namespace kcbx::detail {
namespace {

using std::string_literals::operator""s;

struct Row {
  int64_t line = 0;
  int64_t index = 0;
  std::vector<std::string> fields;
  std::string error;
  bool operator==(const Row&) const = default;
};

void PrintTo(const Row& row, std::ostream* os) {
  *os << "{line " << row.line << ", index " << row.index << ", fields [";
  for (size_t i = 0; i < row.fields.size(); ++i) {
    *os << (i ? ", " : "") << ::testing::PrintToString(row.fields[i]);
  }
  *os << "], error '" << row.error << "'}";
}

struct Parsed {
  std::vector<Row> rows;
  bool bom = false;
  bool operator==(const Parsed&) const = default;
};

void PrintTo(const Parsed& parsed, std::ostream* os) {
  *os << "bom " << parsed.bom << ", rows:";
  for (const Row& row : parsed.rows) {
    *os << "\n  ";
    PrintTo(row, os);
  }
}

Row row(int64_t line, int64_t index, std::vector<std::string> fields,
        std::string error = "") {
  return {line, index, std::move(fields), std::move(error)};
}

Parsed read_all(std::istream& in, const CsvOptions& options, size_t max_rows) {
  CsvReader reader(in, options);
  Parsed parsed;
  CsvRecord record;
  while (reader.next(record)) {
    parsed.rows.push_back({record.line,
                           record.index,
                           {record.fields.begin(), record.fields.end()},
                           record.error});
    for (std::string_view f : record.fields) {
      EXPECT_TRUE(is_valid_utf8(f)) << ::testing::PrintToString(f);
    }
    if (parsed.rows.size() > max_rows) {
      ADD_FAILURE() << "more records than input bytes: the reader loops";
      break;
    }
  }
  parsed.bom = reader.bom_seen();
  EXPECT_FALSE(reader.next(record)) << "end of input is sticky";
  return parsed;
}

Parsed read_once(std::string_view input, const CsvOptions& options) {
  std::istringstream in{std::string(input)};
  return read_all(in, options, input.size() + 1);
}

// Reads `input` as given, then again with chunk boundaries after every byte
// and at other small strides: the result must not depend on where reads end.
Parsed parse(std::string_view input, CsvOptions options = {}) {
  const Parsed whole = read_once(input, options);
  for (size_t chunk : {1, 2, 3, 5, 7, 64}) {
    options.chunk_bytes = chunk;
    EXPECT_EQ(read_once(input, options), whole) << "chunk_bytes " << chunk;
  }
  return whole;
}

std::vector<Row> rows(std::string_view input, CsvOptions options = {}) {
  return parse(input, std::move(options)).rows;
}

// A non-seekable stream that hands out three bytes per underflow, as a pipe
// on stdin may.
class TrickleBuf : public std::streambuf {
 public:
  explicit TrickleBuf(std::string data) : data_(std::move(data)) {}

 protected:
  int_type underflow() override {
    if (pos_ >= data_.size()) return traits_type::eof();
    const size_t n = std::min<size_t>(3, data_.size() - pos_);
    char* p = data_.data() + pos_;
    setg(p, p, p + n);
    pos_ += n;
    return traits_type::to_int_type(*p);
  }

 private:
  std::string data_;
  size_t pos_ = 0;
};

constexpr char kXuejihaoUtf8[] = "\xe5\xad\xa6\xe7\xb1\x8d\xe5\x8f\xb7";
constexpr char kXuejihaoGb[] = "\xd1\xa7\xbc\xae\xba\xc5";
constexpr char kXingmingUtf8[] = "\xe5\xa7\x93\xe5\x90\x8d";
constexpr char kXingmingGb[] = "\xd0\xd5\xc3\xfb";
constexpr char kZhangsanUtf8[] = "\xe5\xbc\xa0\xe4\xb8\x89";
constexpr char kZhangsanGb[] = "\xd5\xc5\xc8\xfd";

TEST(Csv, EmptyInput) {
  const Parsed parsed = parse("");
  EXPECT_TRUE(parsed.rows.empty());
  EXPECT_FALSE(parsed.bom);
  EXPECT_TRUE(rows("\n\r\n\r").empty());
}

TEST(Csv, HeaderOnly) {
  EXPECT_EQ(rows("a,b,c"), std::vector<Row>{row(1, 0, {"a", "b", "c"})});
  EXPECT_EQ(rows("a,b,c\n"), std::vector<Row>{row(1, 0, {"a", "b", "c"})});
  EXPECT_EQ(rows("a,b,c\r\n"), std::vector<Row>{row(1, 0, {"a", "b", "c"})});
  EXPECT_EQ(rows("x"), std::vector<Row>{row(1, 0, {"x"})});
}

TEST(Csv, SimpleRecords) {
  EXPECT_EQ(rows("id,name\n1,a\n2,b\n"),
            (std::vector<Row>{row(1, 0, {"id", "name"}), row(2, 1, {"1", "a"}),
                              row(3, 2, {"2", "b"})}));
}

TEST(Csv, EmptyFieldsAndTrailingComma) {
  EXPECT_EQ(rows("a,,c,\n,\n\"\",\"\"\n"),
            (std::vector<Row>{row(1, 0, {"a", "", "c", ""}),
                              row(2, 1, {"", ""}), row(3, 2, {"", ""})}));
}

TEST(Csv, WhitespaceIsKept) {
  EXPECT_EQ(rows(" a , b \n \n\t\n"),
            (std::vector<Row>{row(1, 0, {" a ", " b "}), row(2, 1, {" "}),
                              row(3, 2, {"\t"})}));
}

TEST(Csv, Utf8BomIsSkipped) {
  const Parsed parsed =
      parse("\xef\xbb\xbf"s + kXuejihaoUtf8 + ",x\r\n1,2\r\n");
  EXPECT_TRUE(parsed.bom);
  EXPECT_EQ(parsed.rows, (std::vector<Row>{row(1, 0, {kXuejihaoUtf8, "x"}),
                                           row(2, 1, {"1", "2"})}));
  const Parsed only_bom = parse("\xef\xbb\xbf");
  EXPECT_TRUE(only_bom.bom);
  EXPECT_TRUE(only_bom.rows.empty());
  // Only at the very start; elsewhere it is data (U+FEFF).
  const Parsed later = parse("a\n\xef\xbb\xbfz\n");
  EXPECT_FALSE(later.bom);
  EXPECT_EQ(later.rows[1].fields[0], "\xef\xbb\xbfz");
  // A lone EF at the start is not a BOM (and not UTF-8).
  EXPECT_FALSE(parse("\xef,a").bom);
}

TEST(Csv, LineEndings) {
  const std::vector<Row> want = {row(1, 0, {"a", "b"}), row(2, 1, {"c", "d"}),
                                 row(3, 2, {"e", "f"})};
  EXPECT_EQ(rows("a,b\nc,d\ne,f\n"), want);
  EXPECT_EQ(rows("a,b\r\nc,d\r\ne,f\r\n"), want);
  EXPECT_EQ(rows("a,b\rc,d\re,f\r"), want);
  EXPECT_EQ(rows("a,b\rc,d\r\ne,f"), want);
  EXPECT_EQ(rows("a,b\nc,d\re,f"), want);
}

TEST(Csv, BlankLinesAreSkippedButCounted) {
  EXPECT_EQ(rows("\n\na\n\n\nb\r\n\r\nc\r\r\n\rd\n\n"),
            (std::vector<Row>{row(3, 0, {"a"}), row(6, 1, {"b"}),
                              row(8, 2, {"c"}), row(11, 3, {"d"})}));
  // "\n\r" is two line breaks: LF, then a lone CR.
  EXPECT_EQ(rows("a\n\rb"),
            (std::vector<Row>{row(1, 0, {"a"}), row(3, 1, {"b"})}));
}

TEST(Csv, QuotedCommasAndEscapedQuotes) {
  EXPECT_EQ(rows("\"a,b\",c\n\"he said \"\"hi\"\"\",\"\"\"\"\n"),
            (std::vector<Row>{row(1, 0, {"a,b", "c"}),
                              row(2, 1, {"he said \"hi\"", "\""})}));
  EXPECT_EQ(rows("\"\"\"\"\"\""), std::vector<Row>{row(1, 0, {"\"\""})});
}

TEST(Csv, QuotedLineBreaksKeepStartLine) {
  EXPECT_EQ(rows("h1,h2\n\"line1\nline2\",x\nnext,y\n"
                 "\"a\r\nb\r\n\",z\r\n\"c\rd\",w\rlast,v"),
            (std::vector<Row>{
                row(1, 0, {"h1", "h2"}), row(2, 1, {"line1\nline2", "x"}),
                row(4, 2, {"next", "y"}), row(5, 3, {"a\r\nb\r\n", "z"}),
                row(8, 4, {"c\rd", "w"}), row(10, 5, {"last", "v"})}));
}

TEST(Csv, StrayQuotesAreLiteral) {
  EXPECT_EQ(rows("ab\"c,d\"\"e\n5'10\",x\n"),
            (std::vector<Row>{row(1, 0, {"ab\"c", "d\"\"e"}),
                              row(2, 1, {"5'10\"", "x"})}));
  // Text after a closing quote joins the field, as in Excel.
  EXPECT_EQ(rows("\"ab\"c,\"d\" ,\"e\"\"\"f\n"),
            std::vector<Row>{row(1, 0, {"abc", "d ", "e\"f"})});
  // A quote that does not start the field does not open a quoted field.
  EXPECT_EQ(rows(" \"a,b\"\n"), std::vector<Row>{row(1, 0, {" \"a", "b\""})});
}

// A quote opened at a field's start and never closed (a stray '"' typed
// before a name) would make the rest of the file one field: the line is
// read again with the quote as text, rejected, and the lines after it are
// records again.
TEST(Csv, UnterminatedQuoteIsReadAsText) {
  const std::string why = "a quote opened in field 2 is never closed; the line is read with the quote as text";
  EXPECT_EQ(rows("h\nx,\"abc\nmore,stuff\n\nend"),
            (std::vector<Row>{row(1, 0, {"h"}), row(2, 1, {"x", "\"abc"}, why), row(3, 2, {"more", "stuff"}),
                              row(5, 3, {"end"})}));
  EXPECT_EQ(rows("\""), (std::vector<Row>{row(1, 0, {"\""},
                                             "a quote opened in field 1 is never closed; the line is read with "
                                             "the quote as text")}));
  // What went wrong inside the quote (a field too long) is read again.
  CsvOptions small;
  small.max_field_bytes = 4;
  EXPECT_EQ(rows("a,\"bcdefgh,i,j", small), (std::vector<Row>{row(1, 0, {"a", "\"bcd", "i", "j"}, why)}));
  EXPECT_EQ(rows("a,\"b\"\"\n"), (std::vector<Row>{row(1, 0, {"a", "\"b\"\""}, why)}));
}

// A stray quote whose field runs over lines takes in lines that are
// records: a line inside the quotes with a whole record's commas (as many
// as the header has separators) shows it, and the stray one's line is read
// again with the quote as text. Before, the records up to the next quote
// (a quoted cell's, or a second stray one typed after a name) became part
// of one name and were neither read nor rejected.
TEST(Csv, StrayQuoteThatTakesInRecordsIsReadAsText) {
  const std::string why = "a quote opened in field 4 runs on into a line that holds a whole record; the line is "
                          "read with the quote as text";
  const std::string header = "id,reg,born,name\n";
  const Row head = row(1, 0, {"id", "reg", "born", "name"});
  // Up to a later quoted cell.
  EXPECT_EQ(rows(header +
                 "T1,enrolled,2010-01-01,\"x\n"
                 "T2,left,2010-01-01,ok\n"
                 "T3,enrolled,2010-01-01,\"c, d\"\n"
                 "T4,enrolled,2010-01-01,ok\n"),
            (std::vector<Row>{head, row(2, 1, {"T1", "enrolled", "2010-01-01", "\"x"}, why),
                              row(3, 2, {"T2", "left", "2010-01-01", "ok"}),
                              row(4, 3, {"T3", "enrolled", "2010-01-01", "c, d"}),
                              row(5, 4, {"T4", "enrolled", "2010-01-01", "ok"})}));
  // Up to a second stray quote, after a name, that "closes" it before a
  // comma; and the next line already a quoted cell's.
  EXPECT_EQ(rows(header +
                 "T1,enrolled,2010-01-01,\"x\n"
                 "T2,enrolled,2010-01-01,ok\n"
                 "T3,enrolled,2010-01-01,y\",\n"),
            (std::vector<Row>{head, row(2, 1, {"T1", "enrolled", "2010-01-01", "\"x"}, why),
                              row(3, 2, {"T2", "enrolled", "2010-01-01", "ok"}),
                              row(4, 3, {"T3", "enrolled", "2010-01-01", "y\"", ""})}));
  EXPECT_EQ(rows(header + "T1,enrolled,\"x,2010-01-01\nT3,enrolled,2010-01-01,\"c\"\n"),
            (std::vector<Row>{head,
                              row(2, 1, {"T1", "enrolled", "\"x", "2010-01-01"},
                                  "a quote opened in field 3 runs on into a line that holds a whole record; the "
                                  "line is read with the quote as text"),
                              row(3, 2, {"T3", "enrolled", "2010-01-01", "c"})}));
  // A cell written over lines, commas and all, is data (an address typed
  // with Alt+Enter). Text right after a quote that closed lines later is
  // no cell's (no program writes "a⏎b"c): two stray quotes typed before
  // names, whose second line would be lost inside the first's record and
  // give it its cells. The first line is read with its quote as text and
  // rejected; the lines after it are read as lines again.
  EXPECT_EQ(rows(header + "T1,enrolled,2010-01-01,\"贵阳市, 花果园\n2号, 3栋\"\nT2,x,y,\"a\nb\"c\n"),
            (std::vector<Row>{head, row(2, 1, {"T1", "enrolled", "2010-01-01", "贵阳市, 花果园\n2号, 3栋"}),
                              row(4, 2, {"T2", "x", "y", "\"a"},
                                  "a quote opened in field 4 closes on a later line with text after it; the line "
                                  "is read with the quote as text"),
                              row(5, 3, {"b\"c"})}));
  // Spaces after such a quote are the cell's (trimmed later), not text.
  EXPECT_EQ(rows(header + "T1,enrolled,2010-01-01,\"三都\n12组\" \nT2,x,y,z\n"),
            (std::vector<Row>{head, row(2, 1, {"T1", "enrolled", "2010-01-01", "三都\n12组 "}),
                              row(4, 2, {"T2", "x", "y", "z"})}));
  EXPECT_EQ(rows(header + "G1,enrolled,\"Zhang,2010-01-01\nG2,left,\"Li,2011-04-02\nG3,enrolled,Wang,2010-05-05\n"),
            (std::vector<Row>{head,
                              row(2, 1, {"G1", "enrolled", "\"Zhang", "2010-01-01"},
                                  "a quote opened in field 3 closes on a later line with text after it; the line "
                                  "is read with the quote as text"),
                              row(3, 2, {"G2", "left", "\"Li", "2011-04-02"},
                                  "a quote opened in field 3 runs on into a line that holds a whole record; the "
                                  "line is read with the quote as text"),
                              row(4, 3, {"G3", "enrolled", "Wang", "2010-05-05"})}));
  // A header of two cells cannot tell a record's line from a cell's.
  EXPECT_EQ(rows("a,b\nx,\"y\nz,w\"\n"), (std::vector<Row>{row(1, 0, {"a", "b"}), row(2, 1, {"x", "y\nz,w"})}));
}

// A line with nothing for the parser to do is split where it lies in the
// chunk (split_simple_line); any other line, and any line across a chunk's
// end, goes through the parser. parse() reads each input again with
// chunks of 1 to 64 bytes, where no line fits and the parser reads all:
// random lines of the bytes that make the difference, near the limits,
// must come out the same either way.
TEST(Csv, LinesSplitInPlaceReadAsTheParserReadsThem) {
  std::mt19937 rng(7);
  const std::vector<std::string> pieces = {"a", "bc", ",", ",", "\n", "\"", "\r", std::string(1, '\0'),
                                           "\xc3\xa9", "\xe4\xb8\xad", "\xff", "\xe4\xb8", " "};
  CsvOptions limits;
  limits.max_field_bytes = 6;
  limits.max_fields = 4;
  limits.max_record_bytes = 12;
  for (int i = 0; i < 400; ++i) {
    std::string input;
    const int n = static_cast<int>(rng() % 40);
    for (int k = 0; k < n; ++k) {
      // Mostly plain text and commas, so that most lines are simple.
      const size_t pick = rng() % 4 == 0 ? rng() % pieces.size() : rng() % 5;
      input += pieces[pick];
    }
    parse(input, i % 2 ? limits : CsvOptions{});
    parse(input, {.encoding = "gb18030"});
  }
}

TEST(Csv, NulByte) {
  EXPECT_EQ(
      rows("h\na,b\0c\nd,e\n\"q\0\",f\n"s),
      (std::vector<Row>{
          row(1, 0, {"h"}), row(2, 1, {"a", "bc"}, "NUL byte in record"),
          row(3, 2, {"d", "e"}), row(4, 3, {"q", "f"}, "NUL byte in record")}));
  EXPECT_EQ(rows("\0"s),
            std::vector<Row>{row(1, 0, {""}, "NUL byte in record")});
}

TEST(Csv, OverlongField) {
  CsvOptions options;
  options.max_field_bytes = 4;
  EXPECT_EQ(rows("abcd,x\nabcdefg,x\ny,\"12345678\"\n\"ab\"\"cd\",z\nok,1\n",
                 options),
            (std::vector<Row>{
                row(1, 0, {"abcd", "x"}),
                row(2, 1, {"abcd", "x"}, "field 1 is longer than 4 bytes"),
                row(3, 2, {"y", "1234"}, "field 2 is longer than 4 bytes"),
                row(4, 3, {"ab\"c", "z"}, "field 1 is longer than 4 bytes"),
                row(5, 4, {"ok", "1"})}));
}

TEST(Csv, OverlongFieldDefaultMessage) {
  const std::string big(CsvOptions().max_field_bytes + 1, 'x');
  const std::vector<Row> got = rows("h\n" + big + ",y\nz\n");
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1].error, "field 1 is longer than 1048576 bytes");
  EXPECT_EQ(got[1].fields[0].size(), 1048576u);
  EXPECT_EQ(got[1].fields[1], "y");
  EXPECT_EQ(got[2], row(3, 2, {"z"}));
}

TEST(Csv, TooManyFields) {
  CsvOptions options;
  options.max_fields = 3;
  EXPECT_EQ(rows("a,b,c\na,b,c,d,e\n\"x\",\"y\",\"z\",\"w\"\nf\n", options),
            (std::vector<Row>{
                row(1, 0, {"a", "b", "c"}),
                row(2, 1, {"a", "b", "c"}, "record has more than 3 fields"),
                row(3, 2, {"x", "y", "z"}, "record has more than 3 fields"),
                row(4, 3, {"f"})}));
  std::string wide = "a";
  for (int i = 0; i < 5000; ++i) wide += ",a";
  const std::vector<Row> got = rows(wide + "\nb\n");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].error, "record has more than 4096 fields");
  EXPECT_EQ(got[0].fields.size(), 4096u);
  EXPECT_EQ(got[1], row(2, 1, {"b"}));
}

TEST(Csv, OverlongRecordResynchronisesAtNextLine) {
  CsvOptions options;
  options.max_record_bytes = 16;
  options.max_field_bytes = 64;
  EXPECT_EQ(rows("0123456789abcdef\n0123456789abcdefg\nnext\n", options),
            (std::vector<Row>{row(1, 0, {"0123456789abcdef"}),
                              row(2, 1, {"0123456789abcdefg"},
                                  "record is longer than 16 bytes"),
                              row(3, 2, {"next"})}));
  EXPECT_EQ(rows("h\n0123456789,abcdefghijkl,tail\nnext\n", options),
            (std::vector<Row>{row(1, 0, {"h"}),
                              row(2, 1, {"0123456789", "abcdef"},
                                  "record is longer than 16 bytes"),
                              row(3, 2, {"next"})}));
}

// An input with no line break at all (/dev/zero, a binary file, an endless
// line on a pipe) ends: the reader skips at most another record's limit
// looking for the next line, then stops and says so.
TEST(Csv, AnEndlessLineEndsTheInput) {
  struct Endless : std::streambuf {
    char block[4096];
    Endless() {
      std::fill(std::begin(block), std::end(block), 'a');
      setg(block, block, block + sizeof block);
    }
    int_type underflow() override {
      setg(block, block, block + sizeof block);
      return 'a';
    }
  } endless;
  std::istream in(&endless);
  CsvOptions options;
  options.max_record_bytes = 1 << 16;
  options.max_field_bytes = 1 << 10;
  CsvReader reader(in, options);
  CsvRecord record;
  ASSERT_TRUE(reader.next(record));
  EXPECT_EQ(record.error,
            "field 1 is longer than 1024 bytes; no line break follows in another 65536 bytes either: the rest of "
            "the input is not read (is it a CSV file?)");
  EXPECT_FALSE(reader.next(record));
}

TEST(Csv, UnclosedQuoteIsBoundedByRecordLimit) {
  CsvOptions options;
  options.max_record_bytes = 32;
  std::string input = "h\nx,\"open\n";
  for (int i = 0; i < 10; ++i) input += "line " + std::to_string(i) + ",v\n";
  const std::vector<Row> got = rows(input, options);
  ASSERT_GE(got.size(), 3u);
  EXPECT_EQ(got[1].line, 2);
  EXPECT_EQ(got[1].error,
            "quoted field opened on line 2 is not closed within 32 bytes");
  EXPECT_LE(got[1].fields[1].size(), 33u);
  // The limit is hit inside "line 2,v" (line 5); reading resumes after it.
  EXPECT_EQ(got[2].fields, (std::vector<std::string>{"line 3", "v"}));
  EXPECT_EQ(got[2].line, 6);
  EXPECT_EQ(got.back(),
            row(12, static_cast<int64_t>(got.size()) - 1, {"line 9", "v"}));
}

TEST(Csv, HugeUnclosedQuoteDoesNotHoldTheFile) {
  // 40 MiB after an unclosed quote, default limits: the record stops at
  // 16 MiB and the rest of the file is read as records again.
  std::string input = "h\n\"";
  input.append(20 << 20, 'x');
  input += "\nmiddle\n";
  input.append(20 << 20, 'y');
  input += "\nlast\n";
  const Parsed parsed = read_once(input, {});
  ASSERT_EQ(parsed.rows.size(), 5u);
  EXPECT_EQ(parsed.rows[1].error,
            "quoted field opened on line 2 is not closed within 16777216 "
            "bytes");
  EXPECT_EQ(parsed.rows[2], row(3, 2, {"middle"}));
  // The y run is over both limits; the field limit is met first. The record
  // is cut at 16 MiB and the rest of its line skipped.
  EXPECT_EQ(parsed.rows[3].error, "field 1 is longer than 1048576 bytes");
  EXPECT_EQ(parsed.rows[3].line, 4);
  EXPECT_EQ(parsed.rows[3].fields[0].size(), 1u << 20);
  EXPECT_EQ(parsed.rows[4], row(5, 4, {"last"}));
}

TEST(Csv, InvalidUtf8InOneRowOnly) {
  EXPECT_EQ(
      rows("a,b,c\n1,2,\xff\xfe\n3,4,\xe5\xad\xa6\n5,\xe5\xad,\xc0\x80\n"),
      (std::vector<Row>{
          row(1, 0, {"a", "b", "c"}),
          row(2, 1, {"1", "2", "\xef\xbf\xbd\xef\xbf\xbd"},
              "invalid UTF-8 in field 3"),
          row(3, 2, {"3", "4", "\xe5\xad\xa6"}),
          row(4, 3,
              {"5", "\xef\xbf\xbd\xef\xbf\xbd", "\xef\xbf\xbd\xef\xbf\xbd"},
              "invalid UTF-8 in field 2")}));
}

TEST(Csv, Gb18030Input) {
  CsvOptions options;
  options.encoding = "gb18030";
  const std::string input = kXuejihaoGb + ","s + kXingmingGb + "\r\n" +
                            "52010220100101123X,\"" + kZhangsanGb +
                            ",\"\"\"\r\n"
                            // Trail bytes '@', '\\' and '|' (丂乗亅).
                            "2,\x81\x40\x81\x5c\x81\x7c\r\n";
  const Parsed parsed = parse(input, options);
  EXPECT_FALSE(parsed.bom);
  EXPECT_EQ(parsed.rows,
            (std::vector<Row>{
                row(1, 0, {kXuejihaoUtf8, kXingmingUtf8}),
                row(2, 1, {"52010220100101123X", kZhangsanUtf8 + ",\""s}),
                row(3, 2, {"2", "\xe4\xb8\x82\xe4\xb9\x97\xe4\xba\x85"})}));
}

TEST(Csv, Gb18030BomAndInvalidSequenceInOneRow) {
  CsvOptions options;
  options.encoding = "GB18030";
  const std::string bom = "\x84\x31\x95\x33";
  const std::string input = bom + kXuejihaoGb + ",x,y\n" +  //
                            "1,2," + kZhangsanGb + "\n" +   //
                            "3,4,\x81\x20z\n" +             // bad trail byte
                            "5,6,\xd5\n" +                  // truncated
                            "7,8," + kZhangsanGb + "\n";
  const Parsed parsed = parse(input, options);
  EXPECT_TRUE(parsed.bom);
  EXPECT_EQ(parsed.rows,
            (std::vector<Row>{row(1, 0, {kXuejihaoUtf8, "x", "y"}),
                              row(2, 1, {"1", "2", kZhangsanUtf8}),
                              row(3, 2, {"3", "4", "\xef\xbf\xbd z"},
                                  "invalid gb18030 byte sequence in field 3"),
                              row(4, 3, {"5", "6", "\xef\xbf\xbd"},
                                  "invalid gb18030 byte sequence in field 3"),
                              row(5, 4, {"7", "8", kZhangsanUtf8})}));
  // UTF-8 text read as GB18030: the row says what the text is.
  const Parsed utf8 = parse(std::string(kXuejihaoGb) + ",x\n1,\xe8\x83\xa1\xe6\x85\xa7\xe6\xac\xa3\n", options);  // 胡慧欣
  ASSERT_EQ(utf8.rows.size(), 2u);
  EXPECT_EQ(utf8.rows[1].error,
            "invalid gb18030 byte sequence in field 2 (the text is UTF-8: read the file without --encoding)");
}

TEST(Csv, GbkInput) {
  CsvOptions options;
  options.encoding = "gbk";
  EXPECT_EQ(rows(kXuejihaoGb + "\n"s, options),
            std::vector<Row>{row(1, 0, {kXuejihaoUtf8})});
  // The GB18030 BOM is only looked for when reading gb18030.
  EXPECT_FALSE(parse("\x84\x31\x95\x33z\n", options).bom);
}

TEST(Csv, RejectsUnusableEncodings) {
  std::istringstream in("a");
  EXPECT_THROW(CsvReader(in, {.encoding = "no-such-encoding"}),
               std::invalid_argument);
  EXPECT_THROW(CsvReader(in, {.encoding = "utf-16"}), std::invalid_argument);
  EXPECT_THROW(CsvReader(in, {.encoding = "iso-2022-jp"}),
               std::invalid_argument);
  EXPECT_THROW(CsvReader(in, {.encoding = ""}), std::invalid_argument);
  EXPECT_THROW(CsvReader(in, {.chunk_bytes = 0}), std::invalid_argument);
  EXPECT_NO_THROW(CsvReader(in, {.encoding = "UTF8"}));
}

TEST(Csv, ChunkBoundariesInsideRecords) {
  // Default 1 MiB chunks; records of ~100 bytes with quotes, escaped quotes,
  // CRLF and embedded line breaks fall across every chunk boundary.
  std::string input = "id,text,n\r\n";
  const int kRecords = 50000;
  for (int i = 0; i < kRecords; ++i) {
    input += std::to_string(i) + ",\"line a, \"\"quoted\"\"\r\nline b " +
             std::string(static_cast<size_t>(i % 61), 'x') + "\"," +
             kXuejihaoUtf8 + "\r\n";
  }
  ASSERT_GT(input.size(), 3u << 20);
  const Parsed parsed = read_once(input, {});
  ASSERT_EQ(parsed.rows.size(), static_cast<size_t>(kRecords) + 1);
  for (int i = 0; i < kRecords; ++i) {
    const Row& r = parsed.rows[static_cast<size_t>(i) + 1];
    ASSERT_EQ(r.line, 2 + 2 * i);
    ASSERT_EQ(r.index, i + 1);
    ASSERT_EQ(r.error, "");
    ASSERT_EQ(r.fields, (std::vector<std::string>{
                            std::to_string(i),
                            "line a, \"quoted\"\r\nline b " +
                                std::string(static_cast<size_t>(i % 61), 'x'),
                            kXuejihaoUtf8}));
  }
}

TEST(Csv, NonSeekableTrickleStream) {
  std::string input = "\xef\xbb\xbfh1,h2\n";
  for (int i = 0; i < 100; ++i)
    input += "\"a\nb\",\"" + std::to_string(i) + "\"\n";
  TrickleBuf buf(input);
  std::istream in(&buf);
  const Parsed trickled = read_all(in, {}, input.size());
  EXPECT_TRUE(trickled.bom);
  EXPECT_EQ(trickled, read_once(input, {}));
  ASSERT_EQ(trickled.rows.size(), 101u);
  EXPECT_EQ(trickled.rows[100], row(200, 100, {"a\nb", "99"}));
}

TEST(Csv, FieldViewsStayValidUntilNextCall) {
  std::istringstream in("\xe5\xad\xa6,\"x\"\"y\",\xff,plain\nnext\n");
  CsvReader reader(in);
  CsvRecord record;
  ASSERT_TRUE(reader.next(record));
  ASSERT_EQ(record.fields.size(), 4u);
  EXPECT_EQ(record.fields[0], "\xe5\xad\xa6");
  EXPECT_EQ(record.fields[1], "x\"y");
  EXPECT_EQ(record.fields[2], "\xef\xbf\xbd");
  EXPECT_EQ(record.fields[3], "plain");
  ASSERT_TRUE(reader.next(record));
  EXPECT_EQ(record.fields, std::vector<std::string_view>{"next"});
  EXPECT_TRUE(record.error.empty());
  EXPECT_FALSE(reader.next(record));
}

// Random inputs built from the bytes that matter: never a crash or a hang,
// the same records at every chunk size, and line numbers that only grow.
TEST(Csv, RandomInputsAreChunkIndependent) {
  const std::vector<std::string> pieces = {
      "a",    "bc", ",",   "\"",   "\"\"",         "\n",       "\r",
      "\r\n", " ",  "\0"s, "\xff", "\xe5\xad\xa6", "\xd1\xa7", "\x81\x20"};
  std::mt19937 rng(7);
  std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1);
  std::uniform_int_distribution<int> length(0, 60);
  for (int round = 0; round < 400; ++round) {
    std::string input;
    const int n = length(rng);
    for (int i = 0; i < n; ++i) input += pieces[pick(rng)];
    CsvOptions options;
    if (round % 3 == 1) {
      options.max_field_bytes = 3;
      options.max_fields = 2;
      options.max_record_bytes = 8;
    }
    if (round % 4 == 2) options.encoding = "gb18030";
    const Parsed parsed = parse(input, options);
    int64_t last_line = 0;
    const auto breaks =
        static_cast<int64_t>(std::count(input.begin(), input.end(), '\n') +
                             std::count(input.begin(), input.end(), '\r'));
    for (size_t i = 0; i < parsed.rows.size(); ++i) {
      const Row& r = parsed.rows[i];
      EXPECT_EQ(r.index, static_cast<int64_t>(i));
      EXPECT_GT(r.line, last_line);
      EXPECT_LE(r.line, breaks + 1);
      last_line = r.line;
    }
  }
}

}  // namespace
}  // namespace kcbx::detail
