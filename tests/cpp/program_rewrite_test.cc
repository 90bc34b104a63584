// The batch programs rewrite what a pack says for speed: an age compared
// with a constant becomes a birth-date comparison, a derived value is
// computed where a table row first reads it (on the records still unmatched
// there), checks run before the tables, a function of stored values runs
// once. These tests hold every rewrite to the plain meaning: the folded
// comparison against the age itself at every birthday boundary, and the
// status-only program against the full one and against explain.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "generated_students.h"
#include "kcbx/kcbx.h"
#include "dates_support.h"

namespace {

using kcbx::testing::day;

kcbx::RulePack age_pack(long long k) {
  const std::string yaml = R"(meta: {name: folding}
fields:
  id: {type: string, required: true}
  d: {type: date}
parameters:
  k: {type: int, value: )" + std::to_string(k) + R"(}
derive:
  age: age_on(d, as_of)
  ge: age >= k
  gt: age > k
  lt: age < k
  le: age <= k
  k_lt: k < age
  k_ge: k >= age
  direct: age_on(d, as_of) <= k
  literal: age < 6
  reference: as_of
  via_reference: age_on(d, reference) > k
outputs: [age, ge, gt, lt, le, k_lt, k_ge, direct, literal, via_reference]
)";
  return kcbx::parse_rules(yaml, "folding.yaml");
}

// Birth dates around the day someone turns `years` on `on`, around the 29th
// of February of nearby years, and at the ends of the calendar.
std::vector<kcbx::Date> births_near(kcbx::Date on, long long years) {
  std::vector<kcbx::Date> out = {day("0001-01-01"), day("0001-01-02"), day("9999-12-30"),
                                 day("9999-12-31")};
  const kcbx::YearMonthDay o = kcbx::civil_from_days(on.days());
  for (long long dy = -2; dy <= 2; ++dy) {
    const long long y = o.year - years + dy;
    if (y < 1 || y > 9999) continue;
    const int yy = static_cast<int>(y);
    const int dd = std::min(o.day, kcbx::days_in_month(yy, o.month));
    const int32_t mid = kcbx::days_from_civil(yy, o.month, dd);
    for (int32_t k = -3; k <= 3; ++k)
      if (mid + k >= kcbx::Date::kMinDays && mid + k <= kcbx::Date::kMaxDays)
        out.push_back(kcbx::Date::from_days(mid + k));
    for (int m : {2, 3})
      for (int d : {27, 28, 29, 1}) {
        if (m == 3 && d != 1) continue;
        if (m == 2 && d == 1) continue;
        if (d > kcbx::days_in_month(yy, m)) continue;
        out.push_back(kcbx::Date::from_days(kcbx::days_from_civil(yy, m, d)));
      }
  }
  return out;
}

TEST(ProgramRewrite, AgeComparedWithAConstantIsTheAgeCompared) {
  const char* dates[] = {"2019-11-15", "2020-02-29", "2021-02-28", "2021-03-01",
                         "2019-12-31", "2024-02-29", "0001-01-01", "9999-12-31"};
  const long long ks[] = {-3, -1, 0, 1, 6, 7, 16, 17, 120, 2019, 9998, 10000, 100000, -100000};
  int checked = 0;
  for (long long k : ks) {
    const kcbx::Engine engine(age_pack(k));
    for (const char* as_of_text : dates) {
      const kcbx::Date as_of = day(as_of_text);
      std::vector<kcbx::Date> births = births_near(as_of, k);
      for (long long extra : {6LL, 7LL}) {
        const auto more = births_near(as_of, extra);
        births.insert(births.end(), more.begin(), more.end());
      }
      kcbx::BatchBuilder b(engine.rules());
      ASSERT_TRUE(b.set_columns({"id", "d"}).empty());
      std::vector<std::string> texts;
      for (size_t i = 0; i < births.size(); ++i) {
        const auto reject = b.add_row({"R" + std::to_string(i), births[i].format()},
                                      static_cast<int64_t>(i + 2));
        ASSERT_FALSE(reject) << births[i].format() << ": " << reject->reason;
      }
      ASSERT_FALSE(b.add_row({"null", ""}, static_cast<int64_t>(births.size() + 2)));
      const kcbx::BatchResult r = engine.classify(b.finish(), as_of);
      ASSERT_EQ(r.size(), births.size() + 1);
      for (size_t i = 0; i < births.size(); ++i) {
        const long long age = std::stoll(r.output(0, i));
        auto want = [](bool v) { return std::string(v ? "1" : "0"); };
        const std::string where = "k=" + std::to_string(k) + " on " + as_of_text + " born " +
                                  births[i].format() + " (age " + r.output(0, i) + ")";
        EXPECT_EQ(r.output(1, i), want(age >= k)) << "age >= k, " << where;
        EXPECT_EQ(r.output(2, i), want(age > k)) << "age > k, " << where;
        EXPECT_EQ(r.output(3, i), want(age < k)) << "age < k, " << where;
        EXPECT_EQ(r.output(4, i), want(age <= k)) << "age <= k, " << where;
        EXPECT_EQ(r.output(5, i), want(k < age)) << "k < age, " << where;
        EXPECT_EQ(r.output(6, i), want(k >= age)) << "k >= age, " << where;
        EXPECT_EQ(r.output(7, i), want(age <= k)) << "age_on(..) <= k, " << where;
        EXPECT_EQ(r.output(8, i), want(age < 6)) << "age < 6, " << where;
        EXPECT_EQ(r.output(9, i), want(age > k)) << "age_on(d, reference) > k, " << where;
        ++checked;
      }
      // No birth date: no age, and no answer to any comparison with it.
      for (size_t o = 0; o < r.output_count(); ++o)
        EXPECT_EQ(r.output(o, births.size()), "") << r.output_name(o);
    }
  }
  EXPECT_GT(checked, 5000);
}

TEST(ProgramRewrite, StatusOnlyProgramAgreesWithTheFullOneAndWithExplain) {
  const kcbx::RulePack pack = kcbx::default_rules();
  const kcbx::Batch batch = kcbx::testing::batch_of(pack, kcbx::testing::generated_students_csv(40000, 11));
  ASSERT_EQ(batch.size(), 40000u);
  kcbx::ClassifyOptions status_only;
  status_only.flags = status_only.cases = status_only.all_tables = status_only.outputs = false;
  for (const char* as_of_text : {"2019-11-15", "2019-09-01", "2020-06-30"}) {
    const kcbx::Date as_of = day(as_of_text);
    const kcbx::BatchResult full = kcbx::Engine(pack, {.threads = 1}).classify(batch, as_of);
    // Batch sizes below and above the compaction and memo thresholds, and
    // ones that do not divide the record count.
    for (size_t rows : {1u, 5u, 63u, 64u, 255u, 256u, 999u, 1024u, 4096u}) {
      const kcbx::Engine engine(pack, {.threads = 2, .batch_rows = rows});
      const kcbx::BatchResult got = engine.classify(batch, as_of, status_only);
      EXPECT_EQ(got.output_count(), 0u);
      size_t differences = 0;
      for (size_t i = 0; i < batch.size(); ++i) {
        const bool same = got.rejected(i) == full.rejected(i) &&
                          (full.rejected(i) || (got.code(0, i) == full.code(0, i) &&
                                                got.rule(0, i) == full.rule(0, i)));
        if (!same && ++differences <= 3)
          ADD_FAILURE() << "on " << as_of_text << ", " << rows << " rows a batch: record " << i
                        << " is " << got.value(0, i) << " by " << got.rule(0, i) << ", not "
                        << full.value(0, i) << " by " << full.rule(0, i);
      }
      EXPECT_EQ(differences, 0u);
    }
    // explain runs a program without skips or compaction: every record of
    // the first few batches, then a sample.
    const kcbx::Engine engine(pack);
    for (size_t i = 0; i < batch.size(); i += i < 6000 ? 1 : 397) {
      const kcbx::Explanation e = engine.explain(batch, i, as_of);
      ASSERT_EQ(e.accepted, !full.rejected(i)) << i;
      if (!e.accepted) continue;
      ASSERT_FALSE(e.decisions.empty());
      EXPECT_EQ(e.decisions[0].value, full.value(0, i)) << i;
      EXPECT_EQ(e.decisions[0].rule, full.rule(0, i)) << i;
    }
  }
}

// Each choice of ClassifyOptions runs its own program (only flags and cases
// need the full one): every table's value, rule and clause, every output and
// every reject must be the full program's, for Guizhou's pack and for a
// neighbouring province's pack that extends it.
void expect_every_program_agrees(const kcbx::RulePack& pack) {
  const kcbx::Batch batch = kcbx::testing::batch_of(pack, kcbx::testing::generated_students_csv(20000, 12));
  ASSERT_EQ(batch.size(), 20000u);
  for (const char* as_of_text : {"2019-11-15", "2022-03-01"}) {
    const kcbx::Date as_of = day(as_of_text);
    const kcbx::Engine engine(pack, {.threads = 2, .batch_rows = 1000});
    const kcbx::BatchResult full = engine.classify(batch, as_of);
    ASSERT_GE(full.table_count(), 2u) << "the test needs a second table";
    for (bool all_tables : {true, false})
      for (bool outputs : {true, false}) {
        kcbx::ClassifyOptions what;
        what.flags = what.cases = false;
        what.all_tables = all_tables;
        what.outputs = outputs;
        const kcbx::BatchResult got = engine.classify(batch, as_of, what);
        const size_t tables = all_tables ? full.table_count() : 1;
        EXPECT_EQ(got.output_count(), outputs ? full.output_count() : 0u);
        size_t differences = 0;
        for (size_t i = 0; i < batch.size(); ++i) {
          bool same = got.rejected(i) == full.rejected(i);
          for (size_t t = 0; same && !full.rejected(i) && t < tables; ++t)
            same = got.value(t, i) == full.value(t, i) && got.rule(t, i) == full.rule(t, i) &&
                   got.clause(t, i) == full.clause(t, i);
          for (size_t o = 0; same && !full.rejected(i) && o < got.output_count(); ++o)
            same = got.output(o, i) == full.output(o, i);
          if (!same && ++differences <= 3)
            ADD_FAILURE() << pack.id() << " on " << as_of_text << ", all_tables " << all_tables << ", outputs "
                          << outputs << ": record " << i << " differs from the full program";
        }
        EXPECT_EQ(differences, 0u);
      }
  }
}

TEST(ProgramRewrite, EveryProgramAgreesWithTheFullOne) {
  expect_every_program_agrees(kcbx::default_rules());
  expect_every_program_agrees(kcbx::load_rules(KCBX_SOURCE_DIR "/examples/provinces/neighbour.yaml"));
}

}  // namespace
