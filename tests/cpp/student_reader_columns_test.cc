// StudentReader validates records a block of columns at a time
// (batch_from_columns), split from the CSV on a second thread or not. It
// must read a file exactly as a reader going record by record through
// BatchBuilder::add_row would: the same records accepted with the same
// values and row numbers, the same rejects with the same rows, keys,
// columns and reasons, in the same order, whatever the batch size, the
// threads, or where the blocks and calls are cut. Duplicates are looked up
// across calls, and a quoted line break makes line numbers skip.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "generated_students.h"
#include "io/csv.h"
#include "kcbx/kcbx.h"
#include "pack/checked_pack.h"

namespace {

// Cell `k` of a generated line (no quotes in it), and the line with its
// ID number (cell 2) replaced.
std::string cell(const std::string& line, size_t k) {
  size_t begin = 0;
  for (size_t i = 0; i < k; ++i) begin = line.find(',', begin) + 1;
  return line.substr(begin, line.find(',', begin) - begin);
}
std::string with_id_number(const std::string& line, const std::string& id) {
  const size_t begin = line.find(',', line.find(',') + 1) + 1;
  return line.substr(0, begin) + id + line.substr(line.find(',', begin));
}

// A generated file with every kind of trouble spread over it, and keys
// repeated near (the same call) and far (thousands of records back).
std::string troubled_students(int64_t n) {
  std::istringstream in(kcbx::testing::generated_students_csv(n, 33));
  std::string line, csv;
  std::getline(in, line);
  csv = line + "\n";
  std::vector<std::string> keys, id_numbers;
  for (int64_t row = 1; std::getline(in, line); ++row) {
    const size_t comma = line.find(',');
    keys.push_back(line.substr(0, comma));
    id_numbers.push_back(cell(line, 2));
    if (row % 211 == 0 && row > 20000)  // a key from more than a call back
      line = keys[static_cast<size_t>(row - 17000 - row % 97)] + line.substr(comma);
    else if (row % 193 == 0 && row > 10)  // a key from a few records back
      line = keys[static_cast<size_t>(row - 5)] + line.substr(comma);
    // An ID number from far back or a few records back (unique in the
    // second pack below).
    if (row % 223 == 0 && row > 20000) line = with_id_number(line, id_numbers[static_cast<size_t>(row - 17001)]);
    else if (row % 227 == 0 && row > 10) line = with_id_number(line, id_numbers[static_cast<size_t>(row - 4)]);
    if (const size_t at = line.find(",20"); row % 101 == 0 && at != std::string::npos)
      line.replace(at, 3, ",19x");                                      // a bad date
    if (row % 389 == 0) line += ",extra";                               // a cell too many
    if (row % 397 == 0) line = line.substr(0, line.rfind(','));         // a cell too few
    if (row % 401 == 0) {                                               // a name across lines
      const size_t name_end = line.find(',', comma + 1);
      line = line.substr(0, comma + 1) + "\"" + line.substr(comma + 1, name_end - comma - 1) +
             "\n, \"\"junior\"\"\"" + line.substr(name_end);
    }
    if (row % 409 == 0) line.insert(comma + 1, "\xff");                 // invalid UTF-8
    if (row % 419 == 0) csv += "\n";                                    // a blank line
    if (row % 421 == 0) line += "\r";                                   // CRLF
    if (row == n - 5) line.insert(comma + 1, "\"unclosed");             // a quote never closed
    csv += line + "\n";
  }
  return csv;
}

struct Read {
  std::vector<std::vector<std::string>> records;  // every field's text
  std::vector<int64_t> rows;
  std::vector<kcbx::Reject> rejects;
  kcbx::ReadCounts counts;
};

std::vector<std::string> field_names(const kcbx::RulePack& pack) {
  std::vector<std::string> names;
  for (const auto& f : pack.checked().pack->fields) names.push_back(f.name.value);
  return names;
}

void add_batch(const kcbx::Batch& b, const std::vector<std::string>& names, Read& out) {
  for (size_t i = 0; i < b.size(); ++i) {
    std::vector<std::string> cells;
    for (const std::string& name : names) cells.push_back(b.cell(i, name));
    out.records.push_back(std::move(cells));
    out.rows.push_back(b.row_number(i));
  }
}

// The reference: one record at a time, through add_row.
Read record_by_record(const kcbx::RulePack& pack, const std::string& csv) {
  std::istringstream in(csv);
  kcbx::detail::CsvReader reader(in);
  kcbx::detail::CsvRecord record;
  EXPECT_TRUE(reader.next(record));
  const std::vector<std::string> header(record.fields.begin(), record.fields.end());
  kcbx::BatchBuilder builder(pack);
  EXPECT_TRUE(builder.set_columns(std::span<const std::string>(header)).empty());
  Read out;
  while (reader.next(record)) {
    ++out.counts.read;
    std::optional<kcbx::Reject> reject;
    if (!record.error.empty()) {
      reject = kcbx::Reject{record.line, builder.record_key(record.fields), "", record.error};
    } else {
      reject = builder.add_row(record.fields, record.line);
    }
    if (reject) {
      out.rejects.push_back(*reject);
      ++out.counts.rejected;
    } else {
      ++out.counts.accepted;
    }
  }
  add_batch(builder.finish(), field_names(pack), out);
  return out;
}

Read with_reader(const kcbx::RulePack& pack, const std::string& csv, int threads, size_t batch_rows,
                 size_t unique_memory = size_t{256} << 20) {
  std::istringstream in(csv);
  kcbx::ReadOptions o;
  o.threads = threads;
  o.batch_rows = batch_rows;
  o.unique_memory = unique_memory;
  kcbx::StudentReader reader(pack, in, o);
  Read out;
  const std::vector<std::string> names = field_names(pack);
  for (kcbx::Batch b; reader.next(b);) {
    EXPECT_GT(b.size(), 0u);
    EXPECT_LE(b.size(), batch_rows);
    add_batch(b, names, out);
  }
  out.rejects = reader.take_rejects();
  out.counts = reader.counts();
  return out;
}

void expect_same(const Read& want, const Read& got, const std::string& what) {
  EXPECT_EQ(got.counts.read, want.counts.read) << what;
  EXPECT_EQ(got.counts.accepted, want.counts.accepted) << what;
  EXPECT_EQ(got.counts.rejected, want.counts.rejected) << what;
  ASSERT_EQ(got.rows.size(), want.rows.size()) << what;
  for (size_t i = 0; i < want.rows.size(); ++i) {
    ASSERT_EQ(got.rows[i], want.rows[i]) << what << ", record " << i;
    ASSERT_EQ(got.records[i], want.records[i]) << what << ", row " << want.rows[i];
  }
  ASSERT_EQ(got.rejects.size(), want.rejects.size()) << what;
  for (size_t i = 0; i < want.rejects.size(); ++i) {
    const kcbx::Reject& a = want.rejects[i];
    const kcbx::Reject& b = got.rejects[i];
    ASSERT_EQ(b.row, a.row) << what << ", reject " << i;
    EXPECT_EQ(b.student_id, a.student_id) << what << ", row " << a.row;
    EXPECT_EQ(b.column, a.column) << what << ", row " << a.row;
    EXPECT_EQ(b.reason, a.reason) << what << ", row " << a.row;
  }
}

TEST(StudentReaderColumns, ReadsAsRecordByRecordWhateverTheBatchesAndThreads) {
  const kcbx::RulePack pack = kcbx::default_rules();
  const std::string csv = troubled_students(45000);
  const Read want = record_by_record(pack, csv);
  // The file has what it is meant to have.
  int far = 0, near = 0, cells = 0, quoted = 0;
  for (const kcbx::Reject& r : want.rejects) {
    if (r.reason.rfind("duplicate student_id (first on row ", 0) == 0) {
      const int64_t first = std::stoll(r.reason.substr(35));
      (r.row - first > 16384 ? far : near) += 1;
    }
    cells += r.reason.find(" cells; the header has ") != std::string::npos;
    quoted += r.reason.find("a quote opened in field 2 runs on into a line that holds a whole record") !=
              std::string::npos;
  }
  EXPECT_GT(far, 50);
  EXPECT_GT(near, 100);
  EXPECT_GT(cells, 100);
  EXPECT_EQ(quoted, 1);  // its line, read again with the quote as text; the 4 after it are records
  EXPECT_GT(want.counts.accepted, 40000);
  for (int threads : {1, 2})
    for (size_t batch_rows : {size_t{7}, size_t{5000}, size_t{65536}, SIZE_MAX})
      expect_same(want, with_reader(pack, csv, threads, batch_rows),
                  std::to_string(threads) + " threads, batches of " + std::to_string(batch_rows));
  // The duplicate check moved to its temporary file.
  expect_same(want, with_reader(pack, csv, 2, 5000, 16 << 10), "a small duplicate table");
}

// A pack with two unique fields: a record is a duplicate by its first
// repeated field in field order, and only accepted records' values count.
TEST(StudentReaderColumns, TwoUniqueFieldsAcrossCalls) {
  const std::string yaml = kcbx::testing::default_pack_with("type: string, format: id_number}",
                                                            "type: string, format: id_number, unique: true}");
  ASSERT_FALSE(yaml.empty());
  const kcbx::RulePack pack = kcbx::parse_rules(yaml, "two-unique.yaml");
  const std::string csv = troubled_students(45000);
  const Read want = record_by_record(pack, csv);
  int far = 0, near = 0;
  for (const kcbx::Reject& r : want.rejects)
    if (r.reason.rfind("duplicate id_number (first on row ", 0) == 0) {
      const int64_t first = std::stoll(r.reason.substr(34));
      (r.row - first > 16384 ? far : near) += 1;
    }
  EXPECT_GT(far, 50);
  EXPECT_GT(near, 100);
  for (int threads : {1, 2})
    for (size_t batch_rows : {size_t{7}, size_t{65536}, SIZE_MAX})
      expect_same(want, with_reader(pack, csv, threads, batch_rows),
                  "two unique fields, " + std::to_string(threads) + " threads, batches of " +
                      std::to_string(batch_rows));
}

// A file loaded whole is joined from several calls: its values, strings
// and row numbers are those of the calls, in order.
TEST(StudentReaderColumns, AFileLoadedWholeJoinsItsCalls) {
  const kcbx::RulePack pack = kcbx::default_rules();
  const std::string csv = kcbx::testing::generated_students_csv(70000, 5);
  const Read want = record_by_record(pack, csv);
  const Read got = with_reader(pack, csv, 2, SIZE_MAX);
  ASSERT_EQ(got.rows.size(), 70000u);
  expect_same(want, got, "whole");
  // Joined, it is held as tightly as one call's batch: 64 bytes a student
  // or less when it keeps what the status table reads (issue 7).
  const kcbx::Engine engine(pack);
  kcbx::ClassifyOptions status;
  status.flags = status.cases = status.all_tables = status.outputs = false;
  std::istringstream in(csv);
  kcbx::ReadOptions o;
  o.batch_rows = SIZE_MAX;
  o.keep = engine.fields_read(status);
  kcbx::StudentReader reader(pack, in, o);
  kcbx::Batch b;
  ASSERT_TRUE(reader.next(b));
  ASSERT_EQ(b.size(), 70000u);
  EXPECT_LE(static_cast<double>(b.column_bytes()) / static_cast<double>(b.size()), 64.0);
  EXPECT_LE(static_cast<double>(b.string_bytes()) / static_cast<double>(b.size()), 40.0);
  EXPECT_EQ(b.cell(69999, "student_id"), want.records[69999][0]);
}

}  // namespace

// Records that are all odd (too few cells) for several blocks, then one
// good one: each is rejected in its place, and the good one is read.
TEST(StudentReaderColumns, BlocksOfOddRecordsOnly) {
  const kcbx::RulePack pack = kcbx::default_rules();
  const std::string good = kcbx::testing::generated_students_csv(3, 9);
  const size_t header_end = good.find('\n') + 1;
  std::string csv = good.substr(0, header_end);
  for (int i = 0; i < 20000; ++i) csv += "G" + std::to_string(i) + ",short\n";
  csv += good.substr(header_end);
  const Read want = record_by_record(pack, csv);
  ASSERT_EQ(want.counts.accepted, 3);
  ASSERT_EQ(want.counts.rejected, 20000);
  for (int threads : {1, 2})
    for (size_t batch_rows : {size_t{1}, size_t{65536}})
      expect_same(want, with_reader(pack, csv, threads, batch_rows),
                  "odd records, " + std::to_string(threads) + " threads, batches of " + std::to_string(batch_rows));
}
