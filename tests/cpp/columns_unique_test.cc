// The duplicate check of batch_from_columns (typed columns: the Python
// module's path) against the CSV reader's, on tables large enough for the
// columns to be converted on two threads. With one unique field the check
// runs beside the conversion of the other fields and is fixed up when a row
// in a duplicate pair is rejected by another field; every such case must
// give the CSV reader's rejects, reasons and rows exactly.
//
// On two threads the slow fields (ID numbers, division codes, sets) are
// also converted in parts of their rows, each part on whichever thread is
// free: ColumnsInParts checks that the values, nulls, rejects and the
// classification are those of one thread, with parts and chunks cut
// anywhere.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "generated_students.h"
#include "kcbx/columns.h"
#include "kcbx/kcbx.h"
#include "engine/plan.h"
#include "io/id_number.h"
#include "pack/checked_pack.h"

namespace {

const kcbx::Date kAsOf = *kcbx::Date::parse("2019-11-15");
constexpr size_t kCells = 24;
constexpr size_t kStudentId = 0, kIdNumber = 2, kDivisionCode = 5, kGrade = 7, kRegistry = 9, kAid = 23;

using Table = std::vector<std::vector<std::string>>;  // header, then rows

Table generated(int64_t n) {
  std::istringstream in(kcbx::testing::generated_students_csv(n, 11, kAsOf));
  Table t;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream ls(line);
    while (std::getline(ls, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    if (cells.size() == kCells) t.push_back(std::move(cells));
  }
  return t;
}

std::string csv_of(const Table& t) {
  std::string csv;
  for (const auto& row : t) {
    for (size_t c = 0; c < row.size(); ++c) csv += (c ? "," : "") + row[c];
    csv += "\n";
  }
  return csv;
}

std::vector<kcbx::Reject> csv_rejects(const Table& t) {
  std::istringstream in(csv_of(t));
  kcbx::ReadOptions o;
  o.batch_rows = 4096;
  kcbx::StudentReader reader(kcbx::default_rules(), in, o);
  for (kcbx::Batch b; reader.next(b);) {
  }
  return reader.take_rejects();
}

// Every column as Arrow-style UTF-8 text (offsets and data).
struct TextColumns {
  std::vector<std::string> data;
  std::vector<std::vector<int32_t>> offsets;
  std::vector<kcbx::ColumnView> views;
};

TextColumns text_columns(const Table& t) {
  TextColumns c;
  const size_t rows = t.size() - 1;
  c.data.resize(kCells);
  c.offsets.resize(kCells);
  for (size_t col = 0; col < kCells; ++col) {
    c.offsets[col].push_back(0);
    for (size_t r = 1; r <= rows; ++r) {
      c.data[col] += t[r][col];
      c.offsets[col].push_back(static_cast<int32_t>(c.data[col].size()));
    }
  }
  for (size_t col = 0; col < kCells; ++col) {
    kcbx::ColumnChunk chunk;
    chunk.type = kcbx::ArrayType::kString;
    chunk.length = static_cast<int64_t>(rows);
    chunk.values = c.data[col].data();
    chunk.offsets = c.offsets[col].data();
    c.views.push_back({t[0][col], {chunk}});
  }
  return c;
}

void expect_same_rejects(const Table& t, int threads) {
  const std::vector<kcbx::Reject> want = csv_rejects(t);
  const TextColumns cols = text_columns(t);
  kcbx::ColumnOptions o;
  o.first_row = 2;  // CSV lines after the header
  o.threads = threads;
  const kcbx::ColumnsBatch got = kcbx::batch_from_columns(kcbx::default_rules(), cols.views, o);
  EXPECT_EQ(got.read, static_cast<int64_t>(t.size() - 1));
  EXPECT_EQ(got.read, static_cast<int64_t>(got.batch.size() + got.rejects.size()));
  ASSERT_EQ(got.rejects.size(), want.size()) << "threads " << threads;
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got.rejects[i].row, want[i].row) << i;
    EXPECT_EQ(got.rejects[i].column, want[i].column) << "row " << want[i].row;
    EXPECT_EQ(got.rejects[i].reason, want[i].reason) << "row " << want[i].row;
  }
}

// Row r (1-based in the table, header at 0) takes row `from`'s key.
void copy_key(Table& t, size_t r, size_t from) { t[r][kStudentId] = t[from][kStudentId]; }

TEST(ColumnsUnique, PlainDuplicatesAsTheCsvReader) {
  Table t = generated(30000);
  ASSERT_GT(t.size(), 20000u);
  for (size_t r = 1000; r < t.size(); r += 997) copy_key(t, r, r - 500);  // repeats
  copy_key(t, 25000, 100);  // a third occurrence of the key of row 100
  copy_key(t, 26000, 100);
  expect_same_rejects(t, 2);
  expect_same_rejects(t, 1);
}

// Keys of every length from 1 to 40 bytes (the hash reads short keys word
// by word, in four cases by length), each repeated once; and keys that
// differ from another in one byte only, at every position, which are not
// duplicates.
// The spaces Chinese Excel users type around a cell, the ideographic space
// U+3000 and the no-break space U+00A0, and the zero-width U+200B and
// U+FEFF, are trimmed like ASCII ones, by
// the CSV reader and the columns alike: "在籍　" is 在籍, and a key with one
// is the same key.
TEST(ColumnsUnique, WideSpacesAroundCellsAreTrimmedAsTheCsvReader) {
  Table t = generated(20000);
  const size_t before = csv_rejects(t).size();
  for (size_t r = 1; r < t.size(); ++r) {
    if (r % 97 == 0) t[r][kRegistry] = "\u3000" + t[r][kRegistry] + "\u3000";
    if (r % 89 == 0) t[r][kStudentId] += "\u00a0";
    if (r % 83 == 0) t[r][kGrade] = "\u00a0" + t[r][kGrade];
  }
  t[500][kStudentId] = "\u3000" + t[400][kStudentId];
  // The invisible characters pasted text brings along: a key with a
  // zero-width space or a byte order mark is the same key too.
  t[700][kStudentId] = "\ufeff" + t[600][kStudentId];
  t[900][kStudentId] = t[800][kStudentId] + "\u200b";
  const std::vector<kcbx::Reject> rejects = csv_rejects(t);
  ASSERT_EQ(rejects.size(), before + 3);
  for (const auto& [at, first] : {std::pair{501, 401}, {701, 601}, {901, 801}}) {
    const int row = at;  // (a structured binding is not captured by clang before 16)
    const auto dup = std::find_if(rejects.begin(), rejects.end(), [&](const kcbx::Reject& r) { return r.row == row; });
    ASSERT_NE(dup, rejects.end()) << row;
    EXPECT_EQ(dup->reason, "duplicate student_id (first on row " + std::to_string(first) + ")");
  }
  expect_same_rejects(t, 1);
  expect_same_rejects(t, 2);
}

TEST(ColumnsUnique, KeysOfEveryLengthAndNearMisses) {
  Table t = generated(30000);
  ASSERT_GT(t.size(), 20000u);
  size_t r = 1;
  for (size_t len = 1; len <= 40; ++len) {
    std::string key;
    for (size_t i = 0; i < len; ++i) key.push_back(static_cast<char>('A' + (i * 7 + len) % 26));
    t[r++][kStudentId] = key;
    t[r++][kStudentId] = key;  // the duplicate
    for (size_t pos = 0; pos < len; ++pos) {
      std::string near = key;
      near[pos] = near[pos] == 'z' ? 'y' : 'z';
      t[r++][kStudentId] = near;
    }
  }
  ASSERT_LT(r, t.size());
  expect_same_rejects(t, 2);
  expect_same_rejects(t, 1);
}

TEST(ColumnsUnique, RowsRejectedByOtherFieldsAreNotRemembered) {
  Table t = generated(30000);
  // The first occurrence is rejected for its registry: the repeat is then
  // the first accepted one, not a duplicate.
  t[2000][kRegistry] = "vanished";
  copy_key(t, 2500, 2000);
  // The repeat is rejected for its grade (an earlier field wins): one
  // reject, for the grade, and its key is not remembered either.
  t[3500][kGrade] = "seven";
  copy_key(t, 3500, 3000);
  copy_key(t, 3600, 3500);  // a duplicate of row 3000, not of the rejected 3500
  // Three occurrences whose middle one is rejected by another field.
  t[4100][kRegistry] = "gone";
  copy_key(t, 4100, 4000);
  copy_key(t, 4200, 4000);
  // Rejects elsewhere, involved in no duplicate.
  for (size_t r = 7; r < t.size(); r += 1231) t[r][kGrade] = "x";
  // Plain repeats too.
  for (size_t r = 10000; r < t.size(); r += 1999) copy_key(t, r, r - 7000);
  expect_same_rejects(t, 2);
  expect_same_rejects(t, 1);
}

TEST(ColumnsUnique, NullKeysAreNeitherCheckedNorRemembered) {
  Table t = generated(20000);
  // student_id is required: an empty one is a reject, not a duplicate of
  // the other empty one.
  t[500][kStudentId] = "";
  t[600][kStudentId] = "";
  copy_key(t, 700, 650);
  expect_same_rejects(t, 2);
}

// The key in two chunks: plain text, then dictionary-encoded with keys
// repeated inside the dictionary's rows and across the two chunks. The
// conversion hashes each key it writes (the check reads no key again):
// every path that writes one must give the CSV reader's rejects.
TEST(ColumnsUnique, DictionaryKeysAndKeysAcrossChunks) {
  Table t = generated(30000);
  const size_t rows = t.size() - 1, half = rows / 2;
  for (size_t r = 3000; r <= half; r += 1013) copy_key(t, r, r - 2000);
  for (size_t r = half + 10; r <= rows; r += 577) copy_key(t, r, r % 2 ? r - 300 : r - half + 5);
  const std::vector<kcbx::Reject> want = csv_rejects(t);
  ASSERT_GT(want.size(), 30u);

  TextColumns cols = text_columns(t);
  // The key column again: rows 1..half as text, the rest through a
  // dictionary of their distinct keys.
  std::string head_data, dict_data;
  std::vector<int32_t> head_offsets{0}, dict_offsets{0}, indices;
  std::vector<std::string> distinct;
  for (size_t r = 1; r <= half; ++r) {
    head_data += t[r][kStudentId];
    head_offsets.push_back(static_cast<int32_t>(head_data.size()));
  }
  for (size_t r = half + 1; r <= rows; ++r) {
    const std::string& key = t[r][kStudentId];
    auto it = std::find(distinct.end() - std::min<size_t>(distinct.size(), 400), distinct.end(), key);
    if (it == distinct.end()) {
      distinct.push_back(key);
      dict_data += key;
      dict_offsets.push_back(static_cast<int32_t>(dict_data.size()));
      it = distinct.end() - 1;
    }
    indices.push_back(static_cast<int32_t>(it - distinct.begin()));
  }
  ASSERT_LT(distinct.size(), rows - half);  // some keys repeat inside the dictionary
  kcbx::ColumnChunk head, dict, codes;
  head.type = kcbx::ArrayType::kString;
  head.length = static_cast<int64_t>(half);
  head.values = head_data.data();
  head.offsets = head_offsets.data();
  dict.type = kcbx::ArrayType::kString;
  dict.length = static_cast<int64_t>(distinct.size());
  dict.values = dict_data.data();
  dict.offsets = dict_offsets.data();
  codes.type = kcbx::ArrayType::kDictionary;
  codes.index_type = kcbx::ArrayType::kInt32;
  codes.length = static_cast<int64_t>(indices.size());
  codes.values = indices.data();
  codes.dictionary = &dict;
  cols.views[kStudentId].chunks = {head, codes};
  for (int threads : {2, 1}) {
    kcbx::ColumnOptions o;
    o.first_row = 2;
    o.threads = threads;
    const kcbx::ColumnsBatch got = kcbx::batch_from_columns(kcbx::default_rules(), cols.views, o);
    ASSERT_EQ(got.rejects.size(), want.size()) << "threads " << threads;
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(got.rejects[i].row, want[i].row) << i;
      EXPECT_EQ(got.rejects[i].reason, want[i].reason) << "row " << want[i].row;
    }
  }
}

// A unique field with a default and no column: every row takes the
// default, so every row after the first is its duplicate.
TEST(ColumnsUnique, ADefaultedKeyWithoutAColumnRepeatsOnEveryRow) {
  const kcbx::RulePack pack = kcbx::parse_rules(
      "meta: {name: d, version: 0.1.0}\nclauses:\n  Y1: {zh: 一, en: one}\n"
      "fields:\n  k: {type: string, unique: true, default: same}\n  v: {type: string}\n"
      "tables:\n  t:\n    values: [a]\n    rows:\n      - {id: r, then: a, clause: Y1}\n",
      "d.yaml");
  const size_t n = 20000;
  std::string data(n, 'v');
  std::vector<int32_t> offsets(n + 1);
  for (size_t i = 0; i <= n; ++i) offsets[i] = static_cast<int32_t>(i);
  kcbx::ColumnChunk chunk;
  chunk.type = kcbx::ArrayType::kString;
  chunk.length = static_cast<int64_t>(n);
  chunk.values = data.data();
  chunk.offsets = offsets.data();
  const std::vector<kcbx::ColumnView> views{{"v", {chunk}}};
  for (int threads : {2, 1}) {
    kcbx::ColumnOptions o;
    o.threads = threads;
    const kcbx::ColumnsBatch got = kcbx::batch_from_columns(pack, views, o);
    EXPECT_EQ(got.batch.size(), 1u);
    ASSERT_EQ(got.rejects.size(), n - 1);
    EXPECT_EQ(got.rejects.front().row, 1);
    EXPECT_EQ(got.rejects.back().row, static_cast<int64_t>(n - 1));
    EXPECT_EQ(got.rejects.back().reason, "duplicate k (first on row 0)");
  }
}

// format: division_code (the Guizhou pack's division_code): a code the
// levels cannot place is a reject with its reason, read from CSV or from
// columns alike; a township or village code is not checked against a list.
TEST(ColumnsUnique, DivisionCodesAreCheckedAsTheCsvReader) {
  constexpr size_t kDivision = 5;
  Table t = generated(30000);
  ASSERT_EQ(t[0][kDivision], "division_code");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"5201", "not a 12-digit"},
      {"52010200100", "not a 12-digit"},
      {"5201020010011", "not a 12-digit"},
      {"abcdefghijkl", "not a 12-digit"},
      {"52010200100１", "not a 12-digit"},  // a full-width digit
      {"520199001001", "a code whose county part (digits 1-6) is no county- or prefecture-level GB/T 2260 code"},
      {"520000001001", "a code whose county part (digits 1-6) is no county- or prefecture-level GB/T 2260 code"},
      {"441900003001", ""},  // 东莞: towns under the prefecture's code
      {"520102999999", ""},  // any township and village digits
      {"530102001001", ""},  // a real county of another province
      {"", ""},              // not given: not required
  };
  for (size_t k = 0; k < cases.size(); ++k) t[100 + k * 50][kDivision] = cases[k].first;
  expect_same_rejects(t, 2);
  const std::vector<kcbx::Reject> rejects = csv_rejects(t);
  for (size_t k = 0; k < cases.size(); ++k) {
    const int64_t line = static_cast<int64_t>(100 + k * 50) + 1;  // the header is line 1
    const auto it = std::find_if(rejects.begin(), rejects.end(), [&](const auto& r) { return r.row == line; });
    if (cases[k].second.empty()) {
      EXPECT_EQ(it, rejects.end()) << cases[k].first << ": " << it->reason;
      continue;
    }
    ASSERT_NE(it, rejects.end()) << cases[k].first;
    EXPECT_EQ(it->column, "division_code");
    EXPECT_NE(it->reason.find("division_code is "), std::string::npos) << it->reason;
    EXPECT_NE(it->reason.find(cases[k].second), std::string::npos) << it->reason;
  }
  // A pack without the format takes every one of them.
  const std::string text = kcbx::testing::default_pack_with("type: string, format: division_code,", "type: string,");
  ASSERT_FALSE(text.empty());
  std::istringstream in(csv_of(t));
  kcbx::StudentReader reader(kcbx::parse_rules(text, "no-format.yaml"), in);
  for (kcbx::Batch b; reader.next(b);) {
  }
  for (const auto& r : reader.take_rejects()) EXPECT_NE(r.column, "division_code") << r.reason;
}

TEST(ColumnsUnique, DivisionCodeFormatNeedsAString) {
  const std::string text = kcbx::testing::default_pack_with(
      "  grade:            {alias: 年级, type: int}", "  grade:            {alias: 年级, type: int, format: division_code}");
  ASSERT_FALSE(text.empty());
  try {
    kcbx::parse_rules(text, "p.yaml");
    FAIL() << "loaded";
  } catch (const kcbx::Error& e) {
    EXPECT_NE(std::string(e.what()).find("format division_code needs type string"), std::string::npos) << e.what();
  }
}

// ---- fields converted in parts ----------------------------------------------

// The columns of `c` cut into chunks at `cuts` (rows), as slices (Arrow
// offsets) of the one chunk each holds.
std::vector<kcbx::ColumnView> chunked(const TextColumns& c, const std::vector<int64_t>& cuts) {
  std::vector<kcbx::ColumnView> views;
  for (const kcbx::ColumnView& v : c.views) {
    const kcbx::ColumnChunk& whole = v.chunks[0];
    kcbx::ColumnView cut{v.name, {}};
    int64_t from = 0;
    std::vector<int64_t> ends = cuts;
    ends.push_back(whole.length);
    for (int64_t end : ends) {
      kcbx::ColumnChunk piece = whole;
      piece.offset = from;
      piece.length = end - from;
      cut.chunks.push_back(piece);
      from = end;
    }
    views.push_back(std::move(cut));
  }
  return views;
}

void expect_same_batches(const kcbx::ColumnsBatch& one, const kcbx::ColumnsBatch& two) {
  ASSERT_EQ(two.read, one.read);
  ASSERT_EQ(two.rejects.size(), one.rejects.size());
  for (size_t i = 0; i < one.rejects.size(); ++i) {
    EXPECT_EQ(two.rejects[i].row, one.rejects[i].row) << i;
    EXPECT_EQ(two.rejects[i].column, one.rejects[i].column) << "row " << one.rejects[i].row;
    EXPECT_EQ(two.rejects[i].reason, one.rejects[i].reason) << "row " << one.rejects[i].row;
  }
  ASSERT_EQ(two.batch.size(), one.batch.size());
  const kcbx::RulePack rules = kcbx::default_rules();
  const auto& fields = rules.checked().pack->fields;
  size_t differences = 0;
  for (size_t i = 0; i < one.batch.size() && differences < 10; ++i) {
    ASSERT_EQ(two.batch.row_number(i), one.batch.row_number(i));
    for (const auto& f : fields) {
      const std::string a = one.batch.cell(i, f.name.value), b = two.batch.cell(i, f.name.value);
      if (a != b) ++differences;
      EXPECT_EQ(b, a) << f.name.value << " of row " << one.batch.row_number(i);
    }
  }
  // The rules read the same values: every table, output and case.
  kcbx::EngineOptions eo;
  eo.threads = 1;
  const kcbx::Engine engine(rules, eo);
  const kcbx::BatchResult r1 = engine.classify(one.batch, kAsOf), r2 = engine.classify(two.batch, kAsOf);
  for (size_t i = 0; i < r1.size() && differences < 10; ++i) {
    for (size_t t = 0; t < r1.table_count(); ++t) {
      if (r1.code(t, i) != r2.code(t, i) || r1.value_set(t, i) != r2.value_set(t, i)) ++differences;
      EXPECT_EQ(r2.value(t, i), r1.value(t, i)) << r1.table_name(t) << " of record " << i;
      EXPECT_EQ(r2.rule(t, i), r1.rule(t, i)) << r1.table_name(t) << " of record " << i;
    }
    for (size_t o = 0; o < r1.output_count(); ++o) EXPECT_EQ(r2.output(o, i), r1.output(o, i)) << r1.output_name(o);
    EXPECT_EQ(r2.flags(i), r1.flags(i));
    EXPECT_EQ(r2.case_opened_on(i), r1.case_opened_on(i));
  }
  EXPECT_EQ(differences, 0u);
}

TEST(ColumnsInParts, ValuesNullsAndRejectsAreOneThreads) {
  Table t = generated(40000);
  const size_t rows = t.size() - 1;
  ASSERT_GT(rows, 30000u);
  // Bad and missing values on either side of every part boundary (4
  // parts on two threads), at the chunk cuts, and at the two ends.
  std::vector<size_t> around;
  for (size_t k = 1; k < 4; ++k) around.push_back(rows * k / 4);
  around.push_back(7001);
  around.push_back(25003);
  for (size_t b : around)
    for (size_t r : {b - 1, b, b + 1, b + 2}) {
      switch (r % 4) {
        case 0:  // a wrong check digit (a row drawn without an ID number gets one)
          if (t[r][kIdNumber].empty()) t[r][kIdNumber] = "522629200705162962";
          t[r][kIdNumber].back() = t[r][kIdNumber].back() == '1' ? '2' : '1';
          break;
        case 1: t[r][kIdNumber] = ""; break;  // no ID number: a null
        case 2: t[r][kDivisionCode] = "5201"; break;
        default: t[r][kAid] = "nonsense"; break;
      }
    }
  t[1][kIdNumber] = "";
  t[rows][kAid] = "nonsense";
  t[rows - 1][kDivisionCode] = "";
  const TextColumns cols = text_columns(t);
  for (const std::vector<int64_t>& cuts :
       {std::vector<int64_t>{}, std::vector<int64_t>{7001, 25003}, std::vector<int64_t>{1, 39000}}) {
    const std::vector<kcbx::ColumnView> views = chunked(cols, cuts);
    kcbx::ColumnOptions o;
    o.first_row = 2;
    o.borrow_strings = true;
    o.threads = 1;
    const kcbx::ColumnsBatch one = kcbx::batch_from_columns(kcbx::default_rules(), views, o);
    o.threads = 2;
    const kcbx::ColumnsBatch two = kcbx::batch_from_columns(kcbx::default_rules(), views, o);
    EXPECT_GT(one.rejects.size(), 10u);
    expect_same_batches(one, two);
  }
  expect_same_rejects(t, 2);
}

// A slow field whose every value is present has no validity in parts
// either (the rules read it as present), and one whose every value is
// missing is null throughout, with only the columns the caller keeps.
TEST(ColumnsInParts, ColumnsWithoutNullsAndKeptColumnsOnly) {
  Table t = generated(30000);
  const size_t rows = t.size() - 1;
  for (size_t r = 1; r <= rows; ++r) {
    if (t[r][kIdNumber].empty()) t[r][kIdNumber] = t[1][kIdNumber].empty() ? t[2][kIdNumber] : t[1][kIdNumber];
    t[r][kAid] = "";
  }
  const TextColumns cols = text_columns(t);
  kcbx::ColumnOptions o;
  o.threads = 1;
  o.keep = {"student_id", "id_number", "aid", "registry"};
  const kcbx::ColumnsBatch one = kcbx::batch_from_columns(kcbx::default_rules(), cols.views, o);
  o.threads = 2;
  const kcbx::ColumnsBatch two = kcbx::batch_from_columns(kcbx::default_rules(), cols.views, o);
  ASSERT_EQ(one.batch.size(), two.batch.size());
  const kcbx::RulePack rules = kcbx::default_rules();
  const auto& fields = rules.checked().pack->fields;
  const auto& c1 = one.batch.data().columns;
  const auto& c2 = two.batch.data().columns;
  for (size_t f = 0; f < fields.size(); ++f) {
    EXPECT_EQ(c2[f].kept, c1[f].kept) << fields[f].name.value;
    EXPECT_EQ(c2[f].valid.empty(), c1[f].valid.empty()) << fields[f].name.value;
  }
  const int id = rules.checked().field_index("id_number");
  EXPECT_TRUE(c2[static_cast<size_t>(id)].valid.empty());
  for (size_t i = 0; i < one.batch.size(); i += 997) {
    EXPECT_EQ(two.batch.cell(i, "id_number"), one.batch.cell(i, "id_number"));
    EXPECT_EQ(two.batch.cell(i, "aid"), "");
  }
}

// ---- keys holding ID numbers ---------------------------------------------------

// find_key_id_numbers: the records of the batch whose key holds an ID
// number, found while the keys are converted, are those a search of the
// batch's keys finds, after rows rejected anywhere and on either thread
// count.
TEST(ColumnsKeyIdNumbers, TheRecordsWhoseKeyHoldsOne) {
  Table t = generated(30000);
  const size_t rows = t.size() - 1;
  std::vector<size_t> holders;
  for (size_t r : {size_t{1}, size_t{2}, size_t{4999}, size_t{15000}, size_t{15001}, size_t{22222}, rows})
    if (t[r][kIdNumber].size() == 18) {
      t[r][kStudentId] = (r % 2 ? "G" : "2019-") + t[r][kIdNumber];
      holders.push_back(r);
    }
  ASSERT_GE(holders.size(), 5u);
  for (size_t r : {size_t{3}, size_t{4998}, size_t{15001}, size_t{20000}}) t[r][kRegistry] = "vanished";
  const TextColumns cols = text_columns(t);
  for (int threads : {1, 2}) {
    kcbx::ColumnOptions o;
    o.threads = threads;
    o.find_key_id_numbers = true;
    const kcbx::ColumnsBatch got = kcbx::batch_from_columns(kcbx::default_rules(), cols.views, o);
    ASSERT_TRUE(got.key_id_numbers_found);
    std::vector<size_t> want;
    for (size_t i = 0; i < got.batch.size(); ++i)
      if (kcbx::detail::has_embedded_id_number(got.batch.cell(i, "student_id"))) want.push_back(i);
    EXPECT_EQ(got.key_id_numbers, want) << threads << " threads";
    EXPECT_EQ(want.size(), holders.size() - 1);  // row 15001 is rejected
    o.find_key_id_numbers = false;
    EXPECT_FALSE(kcbx::batch_from_columns(kcbx::default_rules(), cols.views, o).key_id_numbers_found);
  }
}

}  // namespace
