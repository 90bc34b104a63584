// The Guizhou status table (SPEC.md D1-D5c and "Default decision order"),
// row by row, at its boundary dates. Every expectation below is derived by
// hand from SPEC.md, not from rules/guizhou.yaml: when the pack and the
// specification disagree, these tests fail.
//
// Each record is evaluated twice through the public API: once with
// Engine::explain(Record) and once in a Batch through Engine::classify, and
// the two must agree.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "kcbx/kcbx.h"
#include "dates_support.h"

namespace {

using Cells = std::vector<std::pair<std::string, std::string>>;

// GB 11643 / ISO 7064 MOD 11-2, written out here so that the tests do not
// trust the library's own implementation.
std::string id_number(const std::string& address6, const std::string& yyyymmdd,
                      const std::string& seq3 = "123") {
  const std::string first17 = address6 + yyyymmdd + seq3;
  static const int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6,
                                   3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return first17 + "10X98765432"[sum % 11];
}

// 520102 is 贵阳市南明区 (GB/T 2260).
const char kAddress[] = "520102";

using kcbx::testing::day;

struct Outcome {
  bool accepted = true;
  std::string reject;
  std::string reject_column;  // pack checks' rejects only
  std::string status, rule, clause;
  std::string age, suspected_since, dropout_since;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  if (!o.accepted) return os << "rejected: " << o.reject;
  return os << o.status << " [" << o.rule << ", " << o.clause << "] age "
            << o.age << " suspected_since '" << o.suspected_since
            << "' dropout_since '" << o.dropout_since << "'";
}

const kcbx::Engine& engine() {
  static const kcbx::Engine e(
      kcbx::load_rules(KCBX_SOURCE_DIR "/rules/guizhou.yaml"));
  return e;
}

std::string output_of(const kcbx::Explanation& e, const std::string& name) {
  for (const auto& [k, v] : e.outputs)
    if (k == name) return v;
  ADD_FAILURE() << "no output '" << name << "'";
  return "?";
}

Outcome via_explain(const Cells& cells, kcbx::Date as_of) {
  kcbx::Record r;
  for (const auto& [k, v] : cells) r.set(k, v);
  const kcbx::Explanation e = engine().explain(r, as_of);
  Outcome o;
  o.accepted = e.accepted;
  if (!e.accepted) {
    o.reject = e.rejects.empty() ? "?" : e.rejects.front().reason;
    if (!e.rejects.empty()) o.reject_column = e.rejects.front().column;
    return o;
  }
  // The pack may have other tables; the status table decides once (first hit).
  int found = 0;
  for (const auto& d : e.decisions) {
    if (d.table != "status") continue;
    ++found;
    o.status = d.value;
    o.rule = d.rule;
    o.clause = d.clause;
  }
  EXPECT_EQ(found, 1);
  o.age = output_of(e, "age");
  o.suspected_since = output_of(e, "suspected_since");
  o.dropout_since = output_of(e, "dropout_since");
  return o;
}

size_t status_table(const kcbx::BatchResult& r) {
  for (size_t t = 0; t < r.table_count(); ++t)
    if (r.table_name(t) == "status") return t;
  ADD_FAILURE() << "no status table";
  return 0;
}

const kcbx::Decision* status_decision(const kcbx::Explanation& e) {
  for (const auto& d : e.decisions)
    if (d.table == "status") return &d;
  return nullptr;
}

Outcome via_batch(const Cells& cells, kcbx::Date as_of) {
  kcbx::BatchBuilder b(engine().rules());
  std::vector<std::string> header;
  std::vector<std::string_view> row;
  for (const auto& [k, v] : cells) {
    header.push_back(k);
    row.push_back(v);
  }
  Outcome o;
  const auto diags = b.set_columns(std::span<const std::string>(header));
  if (!diags.empty()) {
    o.accepted = false;
    o.reject = diags.front().message;
    return o;
  }
  if (auto reject = b.add_row(std::span<const std::string_view>(row), 2)) {
    o.accepted = false;
    o.reject = reject->reason;
    o.reject_column = reject->column;
    return o;
  }
  const kcbx::Batch batch = b.finish();
  const kcbx::BatchResult r = engine().classify(batch, as_of);
  EXPECT_EQ(r.size(), 1u);
  if (r.rejected(0)) {
    o.accepted = false;
    o.reject = std::string(r.reject_reason(0));
    o.reject_column = std::string(r.reject_column(0));
    return o;
  }
  const size_t t = status_table(r);
  o.status = std::string(r.value(t, 0));
  o.rule = std::string(r.rule(t, 0));
  o.clause = std::string(r.clause(t, 0));
  for (size_t i = 0; i < r.output_count(); ++i) {
    if (r.output_name(i) == "age") o.age = r.output(i, 0);
    if (r.output_name(i) == "suspected_since") o.suspected_since = r.output(i, 0);
    if (r.output_name(i) == "dropout_since") o.dropout_since = r.output(i, 0);
  }
  return o;
}

// Evaluates through both paths and checks that they agree.
Outcome classify(const Cells& cells, const char* as_of) {
  const Outcome a = via_explain(cells, day(as_of));
  const Outcome b = via_batch(cells, day(as_of));
  EXPECT_EQ(a.accepted, b.accepted) << "explain: " << a << "\nbatch: " << b;
  EXPECT_EQ(a.reject, b.reject);
  EXPECT_EQ(a.reject_column, b.reject_column) << a.reject;
  EXPECT_EQ(a.status, b.status) << "explain: " << a << "\nbatch: " << b;
  EXPECT_EQ(a.rule, b.rule);
  EXPECT_EQ(a.clause, b.clause);
  EXPECT_EQ(a.age, b.age);
  EXPECT_EQ(a.suspected_since, b.suspected_since);
  EXPECT_EQ(a.dropout_since, b.dropout_since);
  return a;
}

Cells enrolled(const char* birth, const char* last_attended) {
  Cells c = {{"student_id", "G1"}, {"registry", "enrolled"}, {"birth_date", birth}};
  if (last_attended) c.emplace_back("last_attended", last_attended);
  return c;
}

Cells with_registry(const char* registry, const char* birth) {
  return {{"student_id", "G1"}, {"registry", registry}, {"birth_date", birth}};
}

#define EXPECT_STATUS(outcome, st, rl, cl)   \
  do {                                      \
    const Outcome o_ = (outcome);           \
    EXPECT_TRUE(o_.accepted) << o_;         \
    EXPECT_EQ(o_.status, st) << o_;         \
    EXPECT_EQ(o_.rule, rl) << o_;           \
    EXPECT_EQ(o_.clause, cl) << o_;         \
  } while (0)

// ---- the pack itself -------------------------------------------------------

TEST(GuizhouPack, EmbeddedPackIsTheShippedFile) {
  std::ifstream in(KCBX_SOURCE_DIR "/rules/guizhou.yaml", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  const kcbx::RulePack embedded = kcbx::default_rules();
  // Compared by hash: a diff of two whole packs is unreadable.
  EXPECT_TRUE(embedded.source() == text.str())
      << "the library embeds a stale copy of rules/guizhou.yaml";
  EXPECT_EQ(embedded.name(), "guizhou");
  EXPECT_TRUE(kcbx::check_rules(text.str(), "guizhou.yaml").empty());
}

TEST(GuizhouPack, OutputColumnsNameRuleAndClause) {
  // The main table first, its value, rule and clause; the pack's outputs
  // last.
  const std::vector<std::string> cols = engine().output_columns();
  ASSERT_GE(cols.size(), 6u);
  EXPECT_EQ((std::vector<std::string>(cols.begin(), cols.begin() + 3)),
            (std::vector<std::string>{"status", "rule", "clause"}));
  EXPECT_EQ((std::vector<std::string>(cols.end() - 3, cols.end())),
            (std::vector<std::string>{"age", "suspected_since", "dropout_since"}));
}

// BatchResult::flags() bits are named by Engine::flag_names(): a dropout
// is on the ledger and in the consolidation rate's denominator only.
TEST(GuizhouPack, FlagBitsHaveNames) {
  const auto& names = engine().flag_names();
  auto bit = [&](const std::string& n) {
    const auto it = std::find(names.begin(), names.end(), n);
    EXPECT_NE(it, names.end()) << n;
    return static_cast<int>(it - names.begin());
  };
  kcbx::BatchBuilder b(engine().rules());
  b.set_columns({"student_id", "registry", "birth_date"});
  EXPECT_FALSE(b.add_row({"L", "left", "2010-03-01"}, 2));
  const kcbx::BatchResult r = engine().classify(b.finish(), *kcbx::Date::parse("2019-10-10"));
  const uint64_t flags = r.flags(0);
  EXPECT_TRUE(flags >> bit("ledger") & 1);
  EXPECT_TRUE(flags >> bit("consolidation_rate.denominator") & 1);
  EXPECT_FALSE(flags >> bit("consolidation_rate.numerator") & 1);
}

// ---- D3: suspected dropout ---------------------------------------------------

TEST(GuizhouStatus, AbsenceOfSevenDaysIsInSchoolEightIsSuspected) {
  const Cells s = enrolled("2010-03-01", "2019-09-01");
  // absent_days = as_of - last_attended.
  EXPECT_STATUS(classify(s, "2019-09-01"), "in_school", "attending", "D3");
  EXPECT_STATUS(classify(s, "2019-09-02"), "in_school", "attending", "D3");
  EXPECT_STATUS(classify(s, "2019-09-08"), "in_school", "attending", "D3");  // 7 days
  const Outcome o = classify(s, "2019-09-09");  // 8 days > 7
  EXPECT_STATUS(o, "suspected_dropout", "absent_over_week", "D3");
  EXPECT_EQ(o.suspected_since, "2019-09-09");
  EXPECT_EQ(o.dropout_since, "2019-10-10");
  EXPECT_EQ(o.age, "9");
}

TEST(GuizhouStatus, NoAbsenceRecordedIsInSchool) {
  const Outcome o = classify(enrolled("2010-03-01", nullptr), "2019-10-10");
  EXPECT_STATUS(o, "in_school", "attending", "D3");
  EXPECT_EQ(o.suspected_since, "");
  EXPECT_EQ(o.dropout_since, "");
}

// ---- D4: dropout determination -----------------------------------------------

TEST(GuizhouStatus, SuspectedBecomesDropoutTheDayAfterOneMonth) {
  // SPEC D4 example: last attended 09-01 -> suspected from 09-09 -> dropout
  // from 10-10.
  const Cells s = enrolled("2010-03-01", "2019-09-01");
  EXPECT_STATUS(classify(s, "2019-10-08"), "suspected_dropout", "absent_over_week", "D3");
  EXPECT_STATUS(classify(s, "2019-10-09"), "suspected_dropout", "absent_over_week", "D3");
  const Outcome o = classify(s, "2019-10-10");
  EXPECT_STATUS(o, "dropout", "absent_over_month", "D4");
  EXPECT_EQ(o.suspected_since, "2019-09-09");
  EXPECT_EQ(o.dropout_since, "2019-10-10");
  EXPECT_STATUS(classify(s, "2020-06-30"), "dropout", "absent_over_month", "D4");
}

TEST(GuizhouStatus, MonthEndClampsInCommonYear) {
  // 01-23 + 8 days = 01-31; 01-31 + 1 month = 02-28 (clamped); dropout from
  // the day after: 03-01.
  const Cells s = enrolled("2010-03-01", "2019-01-23");
  EXPECT_STATUS(classify(s, "2019-01-30"), "in_school", "attending", "D3");
  Outcome o = classify(s, "2019-01-31");
  EXPECT_STATUS(o, "suspected_dropout", "absent_over_week", "D3");
  EXPECT_EQ(o.suspected_since, "2019-01-31");
  EXPECT_EQ(o.dropout_since, "2019-03-01");
  EXPECT_STATUS(classify(s, "2019-02-28"), "suspected_dropout", "absent_over_week", "D3");
  EXPECT_STATUS(classify(s, "2019-03-01"), "dropout", "absent_over_month", "D4");
}

TEST(GuizhouStatus, MonthEndClampsInLeapYear) {
  // 2020: 01-31 + 1 month = 02-29; dropout from 03-01.
  const Cells s = enrolled("2010-03-01", "2020-01-23");
  const Outcome o = classify(s, "2020-02-29");
  EXPECT_STATUS(o, "suspected_dropout", "absent_over_week", "D3");
  EXPECT_EQ(o.suspected_since, "2020-01-31");
  EXPECT_EQ(o.dropout_since, "2020-03-01");
  EXPECT_STATUS(classify(s, "2020-02-28"), "suspected_dropout", "absent_over_week", "D3");
  EXPECT_STATUS(classify(s, "2020-03-01"), "dropout", "absent_over_month", "D4");
}

TEST(GuizhouStatus, MonthEndFromThirtiethAlsoClamps) {
  // 01-22 + 8 days = 01-30; 01-30 + 1 month = 02-28 in 2019; dropout 03-01.
  const Outcome o = classify(enrolled("2010-03-01", "2019-01-22"), "2019-03-01");
  EXPECT_STATUS(o, "dropout", "absent_over_month", "D4");
  EXPECT_EQ(o.suspected_since, "2019-01-30");
  EXPECT_EQ(o.dropout_since, "2019-03-01");
}

TEST(GuizhouStatus, ExcusedAbsenceIsNeverSuspected) {
  for (const char* excused : {"true", "1", "是"}) {
    Cells s = enrolled("2010-03-01", "2019-01-01");
    s.emplace_back("absence_excused", excused);
    for (const char* as_of : {"2019-01-09", "2019-02-10", "2019-12-31"}) {
      const Outcome o = classify(s, as_of);
      EXPECT_STATUS(o, "in_school", "attending", "D3");
      EXPECT_EQ(o.suspected_since, "") << excused << " " << as_of;
      EXPECT_EQ(o.dropout_since, "") << excused << " " << as_of;
    }
  }
  // 请假 = 否 is an unexcused absence.
  Cells s = enrolled("2010-03-01", "2019-01-01");
  s.emplace_back("请假", "否");
  EXPECT_STATUS(classify(s, "2019-01-09"), "suspected_dropout", "absent_over_week", "D3");
}

// ---- registry states -----------------------------------------------------------

TEST(GuizhouStatus, HomeTeachingCountsAsInSchool) {
  EXPECT_STATUS(classify(with_registry("home_teaching", "2010-03-01"), "2019-10-10"),
                "in_school", "attending", "D3");
  EXPECT_STATUS(classify(with_registry("送教上门", "2010-03-01"), "2019-10-10"),
                "in_school", "attending", "D3");
  Cells s = with_registry("home_teaching", "2010-03-01");
  s.emplace_back("last_attended", "2019-10-03");  // 7 days
  EXPECT_STATUS(classify(s, "2019-10-10"), "in_school", "attending", "D3");
}

TEST(GuizhouStatus, SuspendedAndDeferredAreNotCountedNeverDropout) {
  for (const char* reg : {"suspended", "deferred", "休学", "缓学"}) {
    EXPECT_STATUS(classify(with_registry(reg, "2010-03-01"), "2019-10-10"),
                  "not_counted", "approved_leave", "D5");
    // A long absence does not make an approved state a dropout.
    Cells s = with_registry(reg, "2010-03-01");
    s.emplace_back("last_attended", "2018-01-01");
    EXPECT_STATUS(classify(s, "2019-10-10"), "not_counted", "approved_leave", "D5");
    // ... not even for an over-age poor child.
    Cells old = with_registry(reg, "2001-01-01");
    old.emplace_back("poor", "true");
    EXPECT_STATUS(classify(old, "2019-10-10"), "not_counted", "approved_leave", "D5");
  }
}

TEST(GuizhouStatus, CompletedIsCompletedAtAnyAge) {
  EXPECT_STATUS(classify(with_registry("completed", "2003-05-05"), "2019-10-10"),
                "completed", "completed", "D2");
  EXPECT_STATUS(classify(with_registry("毕业", "2001-05-05"), "2019-10-10"),
                "completed", "completed", "D2");
  // Row 1 comes before the age rows.
  EXPECT_STATUS(classify(with_registry("completed", "2015-05-05"), "2019-10-10"),
                "completed", "completed", "D2");
  Cells s = with_registry("completed", "2004-05-05");
  s.emplace_back("last_attended", "2019-01-01");
  EXPECT_STATUS(classify(s, "2019-10-10"), "completed", "completed", "D2");
}

// ---- D5: age in full years at the evaluation date ----------------------------

struct AgeCase {
  const char* registry;
  const char* birth;
  const char* as_of;
  const char* age;
  const char* status;
  const char* rule;
  const char* clause;
};

void PrintTo(const AgeCase& c, std::ostream* os) {
  *os << c.registry << " born " << c.birth << " on " << c.as_of;
}

class AgeBoundary : public ::testing::TestWithParam<AgeCase> {};

TEST_P(AgeBoundary, Status) {
  const AgeCase& c = GetParam();
  const Outcome o = classify(with_registry(c.registry, c.birth), c.as_of);
  EXPECT_STATUS(o, c.status, c.rule, c.clause);
  EXPECT_EQ(o.age, c.age);
}

INSTANTIATE_TEST_SUITE_P(
    Guizhou, AgeBoundary,
    ::testing::Values(
        // 6th birthday 2019-09-10, never registered: 5 -> not applicable,
        // 6 -> not counted (D5a).
        AgeCase{"none", "2013-09-10", "2019-09-09", "5", "not_applicable", "under_age", "D5"},
        AgeCase{"none", "2013-09-10", "2019-09-10", "6", "not_counted", "young_unregistered", "D5a"},
        AgeCase{"none", "2013-09-10", "2019-09-11", "6", "not_counted", "young_unregistered", "D5a"},
        // Under 6 even when enrolled and attending.
        AgeCase{"enrolled", "2013-09-10", "2019-09-09", "5", "not_applicable", "under_age", "D5"},
        AgeCase{"enrolled", "2013-09-10", "2019-09-10", "6", "in_school", "attending", "D3"},
        // 7th birthday: 6 and 7 are both exempt when never registered.
        AgeCase{"none", "2012-09-10", "2019-09-09", "6", "not_counted", "young_unregistered", "D5a"},
        AgeCase{"none", "2012-09-10", "2019-09-10", "7", "not_counted", "young_unregistered", "D5a"},
        AgeCase{"none", "2012-09-10", "2019-09-11", "7", "not_counted", "young_unregistered", "D5a"},
        // 8th birthday: a never-registered 8-year-old is out of school (D1).
        AgeCase{"none", "2011-09-10", "2019-09-09", "7", "not_counted", "young_unregistered", "D5a"},
        AgeCase{"none", "2011-09-10", "2019-09-10", "8", "out_of_school", "never_registered", "D1"},
        AgeCase{"none", "2011-09-10", "2019-09-11", "8", "out_of_school", "never_registered", "D1"},
        AgeCase{"未入学", "2011-09-10", "2019-09-11", "8", "out_of_school", "never_registered", "D1"},
        // 16th birthday: still in scope.
        AgeCase{"left", "2003-09-10", "2019-09-09", "15", "dropout", "left_registry", "D2"},
        AgeCase{"left", "2003-09-10", "2019-09-10", "16", "dropout", "left_registry", "D2"},
        AgeCase{"left", "2003-09-10", "2019-09-11", "16", "dropout", "left_registry", "D2"},
        AgeCase{"none", "2003-09-10", "2019-09-10", "16", "out_of_school", "never_registered", "D1"},
        // 17th birthday: out of scope unless poor and enrolled (D5c).
        AgeCase{"left", "2002-09-10", "2019-09-09", "16", "dropout", "left_registry", "D2"},
        AgeCase{"left", "2002-09-10", "2019-09-10", "17", "not_applicable", "over_age", "D5c"},
        AgeCase{"left", "2002-09-10", "2019-09-11", "17", "not_applicable", "over_age", "D5c"},
        AgeCase{"none", "2002-09-10", "2019-09-09", "16", "out_of_school", "never_registered", "D1"},
        AgeCase{"none", "2002-09-10", "2019-09-10", "17", "not_applicable", "over_age", "D5c"},
        // 29 February birthdays are reached on 1 March in common years.
        AgeCase{"none", "2012-02-29", "2020-02-28", "7", "not_counted", "young_unregistered", "D5a"},
        AgeCase{"none", "2012-02-29", "2020-02-29", "8", "out_of_school", "never_registered", "D1"},
        AgeCase{"none", "2011-02-28", "2019-02-27", "7", "not_counted", "young_unregistered", "D5a"},
        AgeCase{"none", "2012-02-29", "2021-02-28", "8", "out_of_school", "never_registered", "D1"},
        AgeCase{"none", "2008-02-29", "2015-02-28", "6", "not_counted", "young_unregistered", "D5a"},
        AgeCase{"none", "2008-02-29", "2016-02-28", "7", "not_counted", "young_unregistered", "D5a"},
        AgeCase{"none", "2008-02-29", "2015-03-01", "7", "not_counted", "young_unregistered", "D5a"},
        AgeCase{"none", "2007-02-28", "2015-02-28", "8", "out_of_school", "never_registered", "D1"},
        AgeCase{"none", "2007-02-28", "2015-02-27", "7", "not_counted", "young_unregistered", "D5a"}));

// ---- D5b, D5c ------------------------------------------------------------------

TEST(GuizhouStatus, D5bRegisteredAtSixThenLeftIsDropout) {
  EXPECT_STATUS(classify(with_registry("left", "2013-09-10"), "2019-09-10"),
                "dropout", "young_left", "D5b");
  EXPECT_STATUS(classify(with_registry("退学", "2012-09-10"), "2019-09-10"),
                "dropout", "young_left", "D5b");
  // From eight on, plain D2.
  EXPECT_STATUS(classify(with_registry("left", "2011-09-10"), "2019-09-10"),
                "dropout", "left_registry", "D2");
  // Not D5a: that exemption is for children never registered.
  EXPECT_STATUS(classify(with_registry("none", "2013-09-10"), "2019-09-10"),
                "not_counted", "young_unregistered", "D5a");
}

TEST(GuizhouStatus, D5cOverAgePoorEnrolledAbsentOverAMonthIsDropout) {
  // 17 on 2019-09-10; last attended 08-01 -> suspected 08-09 -> dropout from
  // 09-10.
  Cells s = enrolled("2002-09-10", "2019-08-01");
  s.emplace_back("poor", "true");
  Outcome o = classify(s, "2019-09-10");
  EXPECT_STATUS(o, "dropout", "over_age_poor_dropout", "D5c");
  EXPECT_EQ(o.age, "17");
  EXPECT_EQ(o.dropout_since, "2019-09-10");
  // The day before, still only suspected.
  Cells s2 = enrolled("2002-09-09", "2019-08-01");
  s2.emplace_back("建档立卡", "是");
  o = classify(s2, "2019-09-09");
  EXPECT_STATUS(o, "suspected_dropout", "absent_over_week", "D3");
  EXPECT_EQ(o.age, "17");
}

TEST(GuizhouStatus, D5cOverAgeNotPoorIsNotApplicable) {
  Cells s = enrolled("2002-09-10", "2019-08-01");
  s.emplace_back("poor", "false");
  EXPECT_STATUS(classify(s, "2019-09-10"), "not_applicable", "over_age", "D5c");
  // Poor but no longer on the registry ("still on the registry" fails).
  Cells left = with_registry("left", "2002-09-10");
  left.emplace_back("poor", "true");
  EXPECT_STATUS(classify(left, "2019-09-10"), "not_applicable", "over_age", "D5c");
}

TEST(GuizhouStatus, D5cOverAgePoorEnrolledAttendingIsInSchool) {
  Cells s = enrolled("2002-09-10", "2019-09-05");
  s.emplace_back("poor", "true");
  EXPECT_STATUS(classify(s, "2019-09-10"), "in_school", "attending", "D3");
  // An attending 17-year-old who is not poor is in school too (row 3 comes
  // before the age scope).
  EXPECT_STATUS(classify(enrolled("2002-09-10", "2019-09-05"), "2019-09-10"),
                "in_school", "attending", "D3");
}

// ---- birth date from the ID number, and the record checks ---------------------

TEST(GuizhouStatus, BirthDateFromIdNumberOnly) {
  const std::string id = id_number(kAddress, "20130910");
  Cells s = {{"student_id", "G1"}, {"registry", "none"}, {"id_number", id}};
  Outcome o = classify(s, "2019-09-09");
  EXPECT_STATUS(o, "not_applicable", "under_age", "D5");
  EXPECT_EQ(o.age, "5");
  o = classify(s, "2019-09-10");
  EXPECT_STATUS(o, "not_counted", "young_unregistered", "D5a");
  EXPECT_EQ(o.age, "6");
  // An empty birth_date cell is the same as no column.
  s.emplace_back("birth_date", "");
  o = classify(s, "2019-09-10");
  EXPECT_STATUS(o, "not_counted", "young_unregistered", "D5a");
  EXPECT_EQ(o.age, "6");
  // A matching birth_date is accepted.
  s.back().second = "2013-09-10";
  EXPECT_STATUS(classify(s, "2019-09-10"), "not_counted", "young_unregistered", "D5a");
  // Lower-case x check character (id of 2010-03-01 ends in X? build one).
  for (int seq = 100; seq < 200; ++seq) {
    const std::string x = id_number(kAddress, "20100301", std::to_string(seq));
    if (x.back() != 'X') continue;
    std::string lower = x;
    lower.back() = 'x';
    Cells t = {{"student_id", "G2"}, {"registry", "enrolled"}, {"id_number", lower}};
    const Outcome ox = classify(t, "2019-10-10");
    EXPECT_STATUS(ox, "in_school", "attending", "D3");
    EXPECT_EQ(ox.age, "9");
    break;
  }
}

TEST(GuizhouStatus, RejectsRecordWithoutBirthDateOrIdNumber) {
  const Outcome o = classify({{"student_id", "G1"}, {"registry", "enrolled"}}, "2019-10-10");
  EXPECT_FALSE(o.accepted) << o;
  EXPECT_EQ(o.reject, "birth_date or id_number is required");
}

TEST(GuizhouStatus, RejectsBirthDateThatDisagreesWithIdNumber) {
  const Outcome o = classify({{"student_id", "G1"},
                              {"registry", "enrolled"},
                              {"birth_date", "2013-09-11"},
                              {"id_number", id_number(kAddress, "20130910")}},
                             "2019-10-10");
  EXPECT_FALSE(o.accepted) << o;
  EXPECT_EQ(o.reject, "birth_date does not match the birth date in id_number");
}

TEST(GuizhouStatus, RejectsBirthAfterEvaluationDate) {
  Outcome o = classify(with_registry("none", "2019-09-11"), "2019-09-10");
  EXPECT_FALSE(o.accepted) << o;
  EXPECT_EQ(o.reject, "the birth date is after the evaluation date");
  EXPECT_EQ(o.reject_column, "birth_date");
  // Born on the evaluation date: accepted, age 0.
  o = classify(with_registry("none", "2019-09-10"), "2019-09-10");
  EXPECT_STATUS(o, "not_applicable", "under_age", "D5");
  EXPECT_EQ(o.age, "0");
  // The same check through the ID number alone.
  o = classify({{"student_id", "G1"},
                {"registry", "none"},
                {"id_number", id_number(kAddress, "20190911")}},
               "2019-09-10");
  EXPECT_FALSE(o.accepted) << o;
  EXPECT_EQ(o.reject, "the birth date is after the evaluation date");
  // The birth date came from the ID number: the reject names that column.
  EXPECT_EQ(o.reject_column, "id_number");
}

TEST(GuizhouStatus, RejectsInvalidIdNumberAtInput) {
  std::string id = id_number(kAddress, "20130910");
  id.back() = id.back() == '0' ? '1' : '0';  // wrong check digit
  const Outcome o = classify({{"student_id", "G1"}, {"registry", "none"}, {"id_number", id}},
                             "2019-10-10");
  EXPECT_FALSE(o.accepted);
  EXPECT_NE(o.reject.find("check digit"), std::string::npos) << o.reject;
  EXPECT_EQ(o.reject.find(id), std::string::npos) << "reject echoes the ID number";
}

// ---- explanations ------------------------------------------------------------

TEST(GuizhouStatus, ExplanationCitesClauseTextAndParameters) {
  kcbx::Record r;
  r.set("student_id", "G1").set("registry", "enrolled")
      .set("birth_date", "2010-03-01").set("last_attended", "2019-09-01");
  const kcbx::Explanation e = engine().explain(r, day("2019-10-10"));
  ASSERT_TRUE(e.accepted);
  const kcbx::Decision* d = status_decision(e);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->value, "dropout");
  EXPECT_EQ(d->value_alias, "辍学");
  EXPECT_EQ(d->clause_text, "辍学认定：疑似辍学超出1个月未返校复学");
  EXPECT_EQ(e.pack_id, engine().rules().id());
  // Status rows tried in order, stopping at the match.
  std::vector<kcbx::RowTrial> tried;
  for (const auto& t : e.tried)
    if (t.table == "status") tried.push_back(t);
  ASSERT_EQ(tried.size(), 12u);  // returned (M3.3) comes after attending
  EXPECT_EQ(tried.front().rule, "completed");
  EXPECT_EQ(tried.front().result, "false");
  EXPECT_EQ(tried.back().rule, "absent_over_month");
  EXPECT_EQ(tried.back().result, "true");
  bool saw_dropout_after = false;
  std::map<std::string, std::string> shown;
  for (const auto& v : e.values) {
    shown[v.name] = v.value;
    if (v.name == "dropout_after") {
      saw_dropout_after = true;
      EXPECT_EQ(v.kind, "parameter");
      EXPECT_EQ(v.value, "1 month");
    }
  }
  EXPECT_TRUE(saw_dropout_after);
  // Yes/no values read as the rows tried and the pack's tests write them.
  EXPECT_EQ(shown["attending"], "false");
  EXPECT_EQ(shown["dropout_reached"], "true");
  EXPECT_NE(e.to_json().find("\"format\": \"kcbx.explanation/1\""), std::string::npos);
}

TEST(GuizhouStatus, ExplanationMasksIdNumber) {
  const std::string id = id_number(kAddress, "20130910");
  kcbx::Record r;
  r.set("student_id", "G1").set("registry", "none").set("id_number", id);
  const kcbx::Explanation e = engine().explain(r, day("2019-09-10"));
  ASSERT_TRUE(e.accepted);
  EXPECT_EQ(e.format().find(id), std::string::npos) << e.format();
  EXPECT_EQ(e.to_json().find(id), std::string::npos);
  EXPECT_NE(e.format().find("520102"), std::string::npos) << e.format();
}

// ---- many records at once ------------------------------------------------------

// One batch with every kind of record, split across small evaluation batches
// and threads, must give what explain gives for each record alone (the batch
// program skips rows once all records of a chunk matched).
TEST(GuizhouStatus, BatchOfMixedRecordsMatchesSingleRecordExplain) {
  const std::vector<std::string> header = {"student_id", "registry", "birth_date",
                                           "last_attended", "absence_excused", "poor"};
  std::vector<std::vector<std::string>> rows;
  const char* registries[] = {"none", "enrolled", "home_teaching", "suspended",
                              "deferred", "left", "completed"};
  const char* births[] = {"2014-01-01", "2013-09-10", "2012-09-10", "2011-09-10",
                          "2005-05-05", "2003-09-10", "2002-09-10", "2001-01-01"};
  const char* lasts[] = {"", "2019-09-01", "2019-08-01", "2019-09-09"};
  int n = 0;
  for (const char* reg : registries)
    for (const char* birth : births)
      for (const char* last : lasts)
        for (const char* poor : {"0", "1"})
          rows.push_back({"S" + std::to_string(n++), reg, birth, last,
                          n % 5 == 0 ? "1" : "0", poor});

  kcbx::EngineOptions opts;
  opts.threads = 3;
  opts.batch_rows = 7;
  const kcbx::Engine small(engine().rules(), opts);
  kcbx::BatchBuilder b(small.rules());
  ASSERT_TRUE(b.set_columns(std::span<const std::string>(header)).empty());
  for (size_t i = 0; i < rows.size(); ++i) {
    std::vector<std::string_view> cells(rows[i].begin(), rows[i].end());
    ASSERT_FALSE(b.add_row(std::span<const std::string_view>(cells),
                           static_cast<int64_t>(i) + 2).has_value());
  }
  const kcbx::Batch batch = b.finish();
  ASSERT_EQ(batch.size(), rows.size());
  const kcbx::Date as_of = day("2019-09-10");
  const kcbx::BatchResult r = small.classify(batch, as_of);
  ASSERT_EQ(r.size(), rows.size());
  const size_t t = status_table(r);
  std::map<std::string, int> seen;
  for (size_t i = 0; i < rows.size(); ++i) {
    const kcbx::Explanation e = small.explain(batch, i, as_of);
    ASSERT_TRUE(e.accepted);
    ASSERT_FALSE(r.rejected(i));
    const kcbx::Decision* d = status_decision(e);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(r.value(t, i), d->value) << "record " << i;
    EXPECT_EQ(r.rule(t, i), d->rule) << "record " << i;
    for (size_t o = 0; o < r.output_count(); ++o)
      EXPECT_EQ(r.output(o, i), e.outputs.at(o).second) << "record " << i;
    EXPECT_EQ(batch.row_number(i), static_cast<int64_t>(i) + 2);
    ++seen[std::string(r.value(t, i))];
  }
  // Every status of the table occurs in this population.
  for (const char* st : {"in_school", "suspected_dropout", "dropout", "out_of_school",
                         "not_counted", "completed", "not_applicable"})
    EXPECT_GT(seen[st], 0) << st;
}

}  // namespace

namespace {

// Reject columns that depend on the record are kept per row across the
// engine's batches and threads: rows far apart, in batches run on either
// thread, each name their own column.
TEST(GuizhouStatus, RejectColumnsFollowTheirRowsAcrossBatchesAndThreads) {
  kcbx::EngineOptions options;
  options.threads = 2;
  options.batch_rows = 64;
  const kcbx::Engine e(engine().rules(), options);
  kcbx::BatchBuilder b(e.rules());
  const std::vector<std::string> header = {"student_id", "registry", "birth_date", "id_number"};
  ASSERT_TRUE(b.set_columns(std::span<const std::string>(header)).empty());
  const std::string future_id = id_number(kAddress, "20190911");
  for (int i = 0; i < 5000; ++i) {
    const std::string id = "G" + std::to_string(i);
    std::vector<std::string_view> row = {id, "enrolled", "2010-03-01", ""};
    if (i % 997 == 3) row = {id, "none", "", future_id};      // birth from the ID number
    else if (i % 991 == 5) row = {id, "none", "2019-09-11", ""};  // birth_date itself
    ASSERT_FALSE(b.add_row(std::span<const std::string_view>(row), i + 2));
  }
  const kcbx::Batch batch = b.finish();
  const kcbx::BatchResult r = e.classify(batch, day("2019-09-10"));
  int from_id = 0, from_birth = 0;
  for (size_t i = 0; i < r.size(); ++i) {
    if (i % 997 == 3) {
      ++from_id;
      EXPECT_EQ(r.reject_column(i), "id_number") << i;
    } else if (i % 991 == 5) {
      ++from_birth;
      EXPECT_EQ(r.reject_column(i), "birth_date") << i;
    } else {
      EXPECT_FALSE(r.rejected(i)) << i;
    }
  }
  EXPECT_EQ(from_id, 6);
  EXPECT_EQ(from_birth, 6);
}

}  // namespace
