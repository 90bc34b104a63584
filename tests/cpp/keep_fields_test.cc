// Batches that keep only the fields a classification reads (issue 7: a
// loaded batch within 64 bytes a student plus the strings kept). The other
// columns are still read and checked, so the rejects and every decision
// are those of a batch that keeps everything.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "generated_students.h"
#include "kcbx/kcbx.h"

namespace {

const kcbx::Date kAsOf = *kcbx::Date::parse("2019-11-15");

// Generated students with a bad value in some columns no rule reads (grade,
// orphan, aid) and in one it does (registry).
std::string students_with_bad_cells(int64_t n) {
  std::istringstream in(kcbx::testing::generated_students_csv(n, 5, kAsOf));
  std::string line, csv;
  std::getline(in, line);
  csv = line + "\n";
  for (int64_t row = 1; std::getline(in, line); ++row) {
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream ls(line);
    while (std::getline(ls, cell, ',')) cells.push_back(cell);
    if (line.back() == ',') cells.emplace_back();
    if (cells.size() == 24) {
      if (row % 97 == 0) cells[7] = "seven";     // grade: int
      if (row % 89 == 0) cells[14] = "maybe";    // orphan: bool
      if (row % 83 == 0) cells[23] = "bogus";    // aid: set
      if (row % 79 == 0) cells[9] = "vanished";  // registry: read by the rules
    }
    std::string joined;
    for (size_t c = 0; c < cells.size(); ++c) joined += (c ? "," : "") + cells[c];
    csv += joined + "\n";
  }
  return csv;
}

struct Read {
  std::vector<kcbx::Batch> batches;
  std::vector<kcbx::Reject> rejects;
  kcbx::ReadCounts counts;
};

Read read(const std::string& csv, std::vector<std::string> keep) {
  std::istringstream in(csv);
  kcbx::ReadOptions o;
  o.batch_rows = 1000;
  o.keep = std::move(keep);
  kcbx::StudentReader reader(kcbx::default_rules(), in, o);
  Read r;
  kcbx::Batch b;
  while (reader.next(b)) r.batches.push_back(b);
  r.rejects = reader.take_rejects();
  r.counts = reader.counts();
  return r;
}

kcbx::ClassifyOptions status_only() {
  kcbx::ClassifyOptions o;
  o.flags = o.cases = o.all_tables = o.outputs = false;
  return o;
}

kcbx::ClassifyOptions with_outputs() {
  kcbx::ClassifyOptions o;
  o.flags = o.cases = o.all_tables = false;
  return o;
}

// The fields a program reads are those its expressions name. The
// decision-table instructions hold a counter's index where others hold a
// slot; counters 0 and 1 once marked the first two fields (student_id and
// name) as read, and Python kept every name for nothing.
TEST(KeepFields, ReadFieldsAreThoseTheRulesName) {
  const kcbx::Engine engine(kcbx::default_rules());
  for (const bool tables : {false, true}) {
    kcbx::ClassifyOptions what = with_outputs();
    what.all_tables = tables;
    const std::vector<std::string> read = engine.fields_read(what);
    for (const char* unread : {"student_id", "name", "school_id", "class_id", "guardian", "address"})
      EXPECT_EQ(std::count(read.begin(), read.end(), unread), 0) << unread << (tables ? " (every table)" : "");
    for (const char* needed : {"registry", "birth_date", "id_number", "last_attended"})
      EXPECT_EQ(std::count(read.begin(), read.end(), needed), 1) << needed;
  }
}

TEST(KeepFields, SameRejectsAndDecisionsAsKeepingEveryField) {
  const std::string csv = students_with_bad_cells(6000);
  const kcbx::Engine engine(kcbx::default_rules());
  std::vector<std::string> keep = engine.fields_read(with_outputs());
  keep.push_back("student_id");
  EXPECT_LT(keep.size(), 12u) << "the test needs fields that are not kept";
  const Read all = read(csv, {});
  const Read some = read(csv, keep);
  EXPECT_EQ(some.counts.read, all.counts.read);
  EXPECT_EQ(some.counts.accepted, all.counts.accepted);
  EXPECT_EQ(some.counts.rejected, all.counts.rejected);
  EXPECT_GT(all.counts.rejected, 200);
  ASSERT_EQ(some.rejects.size(), all.rejects.size());
  int in_unkept_columns = 0;
  for (size_t i = 0; i < all.rejects.size(); ++i) {
    EXPECT_EQ(some.rejects[i].row, all.rejects[i].row);
    EXPECT_EQ(some.rejects[i].column, all.rejects[i].column);
    EXPECT_EQ(some.rejects[i].reason, all.rejects[i].reason);
    in_unkept_columns += all.rejects[i].column == "grade" || all.rejects[i].column == "orphan" ||
                         all.rejects[i].column == "aid";
  }
  EXPECT_GT(in_unkept_columns, 150);
  ASSERT_EQ(some.batches.size(), all.batches.size());
  for (size_t b = 0; b < all.batches.size(); ++b) {
    const kcbx::BatchResult want = engine.classify(all.batches[b], kAsOf, with_outputs());
    const kcbx::BatchResult got = engine.classify(some.batches[b], kAsOf, with_outputs());
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_EQ(got.rejected(i), want.rejected(i));
      EXPECT_EQ(got.value(0, i), want.value(0, i));
      EXPECT_EQ(got.rule(0, i), want.rule(0, i));
      for (size_t o = 0; o < want.output_count(); ++o) EXPECT_EQ(got.output(o, i), want.output(o, i));
      EXPECT_EQ(some.batches[b].cell(i, "student_id"), all.batches[b].cell(i, "student_id"));
    }
  }
}

TEST(KeepFields, ALoadedBatchTakesAtMost64BytesAStudentPlusItsStrings) {
  const std::string csv = students_with_bad_cells(20000);
  const kcbx::Engine engine(kcbx::default_rules());
  for (const auto& what : {status_only(), with_outputs()}) {
    std::vector<std::string> keep = engine.fields_read(what);
    keep.push_back("student_id");
    std::istringstream in(csv);
    kcbx::ReadOptions o;
    o.batch_rows = SIZE_MAX;
    o.keep = keep;
    kcbx::StudentReader reader(kcbx::default_rules(), in, o);
    kcbx::Batch b;
    ASSERT_TRUE(reader.next(b));
    const double per_student = static_cast<double>(b.column_bytes()) / static_cast<double>(b.size());
    EXPECT_LE(per_student, 64.0) << (what.outputs ? "with outputs" : "status only");
    RecordProperty(what.outputs ? "bytes_with_outputs" : "bytes_status_only", std::to_string(per_student));
    // The strings kept: student numbers (19 characters) and ID numbers (18).
    EXPECT_LE(static_cast<double>(b.string_bytes()) / static_cast<double>(b.size()), 40.0);
  }
  // Every field kept, for contrast: the budget above is not met by default.
  std::istringstream in(csv);
  kcbx::ReadOptions o;
  o.batch_rows = SIZE_MAX;
  kcbx::StudentReader reader(kcbx::default_rules(), in, o);
  kcbx::Batch b;
  ASSERT_TRUE(reader.next(b));
  EXPECT_GT(static_cast<double>(b.column_bytes()) / static_cast<double>(b.size()), 128.0);
}

TEST(KeepFields, ABatchWithoutAFieldTheRulesReadIsRefused) {
  const std::string csv = students_with_bad_cells(100);
  const Read r = read(csv, {"student_id"});
  ASSERT_FALSE(r.batches.empty());
  const kcbx::Engine engine(kcbx::default_rules());
  try {
    (void)engine.classify(r.batches[0], kAsOf, status_only());
    FAIL() << "classify read a field the batch did not keep";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("does not keep field"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)engine.explain(r.batches[0], 0, kAsOf), std::invalid_argument);
  EXPECT_THROW((void)r.batches[0].cell(0, "registry"), std::out_of_range);
  EXPECT_NO_THROW((void)r.batches[0].cell(0, "student_id"));
}

}  // namespace
