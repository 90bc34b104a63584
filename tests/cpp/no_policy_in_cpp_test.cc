// The C++ holds no policy: rules/guizhou.yaml is read as text, copies of it
// are edited the way another province would edit them (a parameter, a new
// field with a Chinese alias and a new row, the order of rows, a duration's
// unit), and the same compiled library gives the results the edited text
// says, with no rebuild. A last test scans the C++ sources for the Guizhou
// pack's vocabulary.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "kcbx/kcbx.h"
#include "dates_support.h"

namespace {

using Cells = std::vector<std::pair<std::string, std::string>>;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::string& guizhou_text() {
  static const std::string text = read_file(KCBX_SOURCE_DIR "/rules/guizhou.yaml");
  return text;
}

// Replaces the single occurrence of `from`.
std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "'" << from << "' is not in the pack";
  if (at == std::string::npos) return text;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << "'" << from << "' twice";
  return text.replace(at, from.size(), to);
}

// The text of the status row with id `id` (it may span lines), up to the
// next row.
std::string row_text(const std::string& pack, const std::string& id) {
  const size_t at = pack.find("      - {id: " + id + ",");
  EXPECT_NE(at, std::string::npos) << id;
  if (at == std::string::npos) return {};
  const size_t end = pack.find("\n      - {id: ", at + 1);
  return pack.substr(at, end == std::string::npos ? std::string::npos : end + 1 - at);
}

// Moves row `id` so that it comes just before row `before`.
std::string move_row_before(const std::string& pack, const std::string& id,
                            const std::string& before) {
  const std::string row = row_text(pack, id);
  std::string out = replace_once(pack, row, "");
  const std::string anchor = "      - {id: " + before + ",";
  return replace_once(out, anchor, row + anchor);
}

using kcbx::testing::day;

struct Status {
  std::string value, rule;
  std::vector<std::string> tried;  // status rows tried, in order
};

Status status(const kcbx::Engine& engine, const Cells& cells, const char* as_of) {
  kcbx::Record r;
  for (const auto& [k, v] : cells) r.set(k, v);
  const kcbx::Explanation e = engine.explain(r, day(as_of));
  EXPECT_TRUE(e.accepted) << e.format();
  Status s;
  for (const auto& d : e.decisions)
    if (d.table == "status") {
      s.value = d.value;
      s.rule = d.rule;
    }
  for (const auto& t : e.tried)
    if (t.table == "status") s.tried.push_back(t.rule);
  return s;
}

std::string output(const kcbx::Engine& engine, const Cells& cells, const char* as_of,
                   const std::string& name) {
  kcbx::Record r;
  for (const auto& [k, v] : cells) r.set(k, v);
  const kcbx::Explanation e = engine.explain(r, day(as_of));
  for (const auto& [k, v] : e.outputs)
    if (k == name) return v;
  ADD_FAILURE() << "no output " << name;
  return {};
}

const Cells kAbsentSinceSept1 = {{"student_id", "G1"},
                                 {"registry", "enrolled"},
                                 {"birth_date", "2010-03-01"},
                                 {"last_attended", "2019-09-01"}};

TEST(NoPolicyInCpp, ShippedPackBaseline) {
  const kcbx::Engine engine(kcbx::parse_rules(guizhou_text(), "guizhou.yaml"));
  EXPECT_EQ(status(engine, kAbsentSinceSept1, "2019-09-08").value, "in_school");
  EXPECT_EQ(status(engine, kAbsentSinceSept1, "2019-09-09").value, "suspected_dropout");
  EXPECT_EQ(output(engine, kAbsentSinceSept1, "2019-09-09", "suspected_since"), "2019-09-09");
}

TEST(NoPolicyInCpp, SuspectedAfterThreeDays) {
  const std::string edited = replace_once(guizhou_text(), "    value: 7 days\n", "    value: 3 days\n");
  const kcbx::Engine engine(kcbx::parse_rules(edited, "three_days.yaml"));
  // Absent 3 days: still in school; 4 days: suspected.
  EXPECT_EQ(status(engine, kAbsentSinceSept1, "2019-09-04").value, "in_school");
  const Status s = status(engine, kAbsentSinceSept1, "2019-09-05");
  EXPECT_EQ(s.value, "suspected_dropout");
  EXPECT_EQ(s.rule, "absent_over_week");
  EXPECT_EQ(output(engine, kAbsentSinceSept1, "2019-09-05", "suspected_since"), "2019-09-05");
  // Dropout a month after the new suspected_since: 09-05 + 1 month + 1 day.
  EXPECT_EQ(output(engine, kAbsentSinceSept1, "2019-09-05", "dropout_since"), "2019-10-06");
  EXPECT_EQ(status(engine, kAbsentSinceSept1, "2019-10-05").value, "suspected_dropout");
  EXPECT_EQ(status(engine, kAbsentSinceSept1, "2019-10-06").value, "dropout");
  // The explanation cites the edited parameter.
  kcbx::Record r;
  for (const auto& [k, v] : kAbsentSinceSept1) r.set(k, v);
  const kcbx::Explanation e = engine.explain(r, day("2019-09-05"));
  bool cited = false;
  for (const auto& v : e.values)
    if (v.name == "suspected_after") {
      cited = true;
      EXPECT_EQ(v.value, "3 days");
      EXPECT_EQ(v.source.rfind("three_days.yaml:", 0), 0u) << v.source;
    }
  EXPECT_TRUE(cited);
}

std::string with_migrant(const std::string& pack) {
  std::string edited = replace_once(
      pack, "\n  poor:", "\n  migrant:          {alias: 随迁子女, type: bool, default: \"false\"}\n  poor:");
  return replace_once(edited, "      - {id: attending,",
                      "      - {id: migrant_child, when: migrant, then: not_counted, clause: D5}\n"
                      "      - {id: attending,");
}

TEST(NoPolicyInCpp, NewFieldWithChineseAliasAndANewRow) {
  const kcbx::Engine engine(kcbx::parse_rules(with_migrant(guizhou_text()), "migrant.yaml"));
  Cells migrant = {{"student_id", "G1"},
                   {"registry", "enrolled"},
                   {"birth_date", "2010-03-01"},
                   {"随迁子女", "是"}};
  Status s = status(engine, migrant, "2019-09-10");
  EXPECT_EQ(s.value, "not_counted");
  EXPECT_EQ(s.rule, "migrant_child");
  // The new row is tried before `attending`.
  ASSERT_GE(s.tried.size(), 3u);
  EXPECT_EQ(s.tried[2], "migrant_child");
  // Not a migrant (default false): as before.
  migrant.back() = {"migrant", "否"};
  s = status(engine, migrant, "2019-09-10");
  EXPECT_EQ(s.value, "in_school");
  EXPECT_EQ(s.rule, "attending");
  migrant.pop_back();
  EXPECT_EQ(status(engine, migrant, "2019-09-10").value, "in_school");

  // The CSV reader matches the new column by its Chinese alias.
  std::istringstream csv(
      "学籍号,学籍状态,出生日期,随迁子女\n"
      "A1,在籍,2010-03-01,是\n"
      "A2,在籍,2010-03-01,否\n");
  kcbx::StudentReader reader(engine.rules(), csv, {.file = "students.csv"});
  kcbx::Batch batch;
  ASSERT_TRUE(reader.next(batch));
  ASSERT_EQ(batch.size(), 2u);
  const kcbx::BatchResult r = engine.classify(batch, day("2019-09-10"));
  EXPECT_EQ(r.value(0, 0), "not_counted");
  EXPECT_EQ(r.rule(0, 0), "migrant_child");
  EXPECT_EQ(r.value(0, 1), "in_school");

  // The shipped pack has no such field: the column is ignored with a note.
  const kcbx::Engine shipped(kcbx::parse_rules(guizhou_text(), "guizhou.yaml"));
  std::istringstream csv2("学籍号,学籍状态,出生日期,随迁子女\nA1,在籍,2010-03-01,是\n");
  kcbx::StudentReader reader2(shipped.rules(), csv2, {.file = "students.csv"});
  ASSERT_TRUE(reader2.next(batch));
  EXPECT_EQ(shipped.classify(batch, day("2019-09-10")).value(0, 0), "in_school");
  ASSERT_EQ(reader2.notes().size(), 1u);
  EXPECT_NE(reader2.notes()[0].find("随迁子女"), std::string::npos) << reader2.notes()[0];
}

TEST(NoPolicyInCpp, RowOrderIsThePacks) {
  // approved_leave just before attending: the two are disjoint, so statuses
  // stay; the order the rows are tried in follows the text.
  const std::string swapped = move_row_before(guizhou_text(), "approved_leave", "attending");
  const kcbx::Engine engine(kcbx::parse_rules(swapped, "swapped.yaml"));
  const Status s = status(engine, kAbsentSinceSept1, "2019-09-08");
  EXPECT_EQ(s.value, "in_school");
  ASSERT_GE(s.tried.size(), 4u);
  EXPECT_EQ(s.tried[2], "approved_leave");
  EXPECT_EQ(s.tried[3], "attending");

  // approved_leave before under_age too: a suspended 5-year-old is now
  // "not counted" instead of "not applicable".
  const Cells young_suspended = {{"student_id", "G1"},
                                 {"registry", "suspended"},
                                 {"birth_date", "2014-03-01"}};
  const kcbx::Engine shipped(kcbx::parse_rules(guizhou_text(), "guizhou.yaml"));
  Status before = status(shipped, young_suspended, "2019-09-10");
  EXPECT_EQ(before.value, "not_applicable");
  EXPECT_EQ(before.rule, "under_age");
  const std::string first = move_row_before(guizhou_text(), "approved_leave", "under_age");
  const kcbx::Engine reordered(kcbx::parse_rules(first, "first.yaml"));
  const Status after = status(reordered, young_suspended, "2019-09-10");
  EXPECT_EQ(after.value, "not_counted");
  EXPECT_EQ(after.rule, "approved_leave");
  ASSERT_GE(after.tried.size(), 2u);
  EXPECT_EQ(after.tried[0], "completed");
  EXPECT_EQ(after.tried[1], "approved_leave");
}

TEST(NoPolicyInCpp, DropoutAfterThirtyDaysInsteadOfOneMonth) {
  // suspected from 01-31; 1 month clamps to 02-28 -> dropout from 03-01;
  // 30 days -> 03-02 -> dropout from 03-03.
  const Cells jan = {{"student_id", "G1"},
                     {"registry", "enrolled"},
                     {"birth_date", "2010-03-01"},
                     {"last_attended", "2019-01-23"}};
  const kcbx::Engine shipped(kcbx::parse_rules(guizhou_text(), "guizhou.yaml"));
  EXPECT_EQ(output(shipped, jan, "2019-03-01", "dropout_since"), "2019-03-01");
  EXPECT_EQ(status(shipped, jan, "2019-03-01").value, "dropout");

  std::string edited = replace_once(guizhou_text(), "    value: 1 month\n", "    value: 30 days\n");
  edited = replace_once(edited, "    unit: months\n    clause: D4\n", "    unit: days\n    clause: D4\n");
  const kcbx::Engine days(kcbx::parse_rules(edited, "thirty_days.yaml"));
  EXPECT_EQ(output(days, jan, "2019-03-01", "dropout_since"), "2019-03-03");
  EXPECT_EQ(status(days, jan, "2019-03-01").value, "suspected_dropout");
  EXPECT_EQ(status(days, jan, "2019-03-02").value, "suspected_dropout");
  EXPECT_EQ(status(days, jan, "2019-03-03").value, "dropout");
  // September has 30 days: the SPEC example is the same either way.
  EXPECT_EQ(output(days, kAbsentSinceSept1, "2019-10-10", "dropout_since"), "2019-10-10");
}

TEST(NoPolicyInCpp, EnginesOfDifferentPacksCoexist) {
  const kcbx::Engine a(kcbx::parse_rules(guizhou_text(), "a.yaml"));
  const kcbx::Engine b(kcbx::parse_rules(
      replace_once(guizhou_text(), "    value: 7 days\n", "    value: 3 days\n"), "b.yaml"));
  EXPECT_NE(a.rules().content_hash(), b.rules().content_hash());
  EXPECT_EQ(status(a, kAbsentSinceSept1, "2019-09-05").value, "in_school");
  EXPECT_EQ(status(b, kAbsentSinceSept1, "2019-09-05").value, "suspected_dropout");
  // A batch built for one pack is refused by the other's engine.
  kcbx::BatchBuilder builder(a.rules());
  ASSERT_TRUE(builder.set_columns({"student_id", "registry", "birth_date"}).empty());
  ASSERT_FALSE(builder.add_row({"G1", "enrolled", "2010-03-01"}, 2).has_value());
  const kcbx::Batch batch = builder.finish();
  EXPECT_THROW((void)b.classify(batch, day("2019-09-05")), std::invalid_argument);
}

// The engine's C++ sources name none of the Guizhou pack's statuses,
// registry states or parameters outside comments. (src/generate, the
// synthetic-data generator, writes Guizhou-shaped sample files and is
// exempt.)
TEST(NoPolicyInCpp, SourcesDoNotNameThePacksVocabulary) {
  const std::vector<std::string> words = {
      "suspected_dropout", "in_school",      "out_of_school", "not_counted",
      "not_applicable",    "home_teaching",  "\"enrolled\"",  "\"suspended\"",
      "\"deferred\"",      "scope_min_age",  "scope_max_age", "suspected_after",
      "dropout_after",     "last_attended",  "absent_days",   "unregistered_exempt",
      "\"poor\"",          "\"registry\""};
  namespace fs = std::filesystem;
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(KCBX_SOURCE_DIR "/src")) {
    if (!entry.is_regular_file()) continue;
    const fs::path p = entry.path();
    if (p.extension() != ".cc" && p.extension() != ".h" && p.extension() != ".inc") continue;
    if (p.string().find("/src/generate/") != std::string::npos) continue;
    ++files;
    std::istringstream in(read_file(p.string()));
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      const size_t comment = line.find("//");
      if (comment != std::string::npos) line.erase(comment);
      for (const auto& w : words)
        EXPECT_EQ(line.find(w), std::string::npos)
            << p.string() << ":" << n << " names '" << w << "': policy belongs in the pack";
    }
  }
  EXPECT_GT(files, 10);
}

}  // namespace
