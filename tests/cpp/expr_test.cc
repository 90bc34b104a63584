// Expression semantics, evaluated end to end: each test loads a tiny pack
// whose derived value `v` is the expression under test, classifies a record
// through a Batch and through explain(), and reads `v` from the outputs.
// Nulls print as "", bools as 1/0, dates as YYYY-MM-DD.
#include <gtest/gtest.h>

#include <span>
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kcbx/kcbx.h"
#include "dates_support.h"

namespace {

using Cells = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kFields = R"(meta: {name: expr}
fields:
  id: {type: string, required: true}
  a: {type: int}
  b: {type: int}
  x: {type: number}
  y: {type: number}
  d: {type: date}
  e: {type: date}
  p: {type: bool}
  q: {type: bool}
  s: {type: string}
  c:
    type: enum
    values: {red: 红, green: 绿, blue: 蓝}
  aid:
    type: set
    values: {two_free: 两免, boarding_subsidy: 寄宿生生活补助, nutrition: 营养改善计划}
parameters:
  limit: {type: int, value: 5}
  wait: {type: duration, value: 1 month}
  rate: {type: number, value: 0.5}
  start: {type: date, value: 2019-09-01}
)";

using kcbx::testing::day;

// Builds a pack from kFields + `extra` YAML.
kcbx::RulePack pack(const std::string& extra) {
  const std::string yaml = std::string(kFields) + extra;
  try {
    return kcbx::parse_rules(yaml, "expr.yaml");
  } catch (const kcbx::Error& e) {
    ADD_FAILURE() << e.what() << "\nin:\n" << extra;
    throw;
  }
}

// The outputs of one record, by name, through classify() and explain() (the
// two must agree).
std::vector<std::pair<std::string, std::string>> run(const kcbx::Engine& engine,
                                                     Cells cells, const char* as_of) {
  cells.insert(cells.begin(), {"id", "R1"});
  std::vector<std::string> header;
  std::vector<std::string_view> row;
  for (const auto& [k, v] : cells) {
    header.push_back(k);
    row.push_back(v);
  }
  kcbx::BatchBuilder b(engine.rules());
  EXPECT_TRUE(b.set_columns(std::span<const std::string>(header)).empty());
  const auto reject = b.add_row(std::span<const std::string_view>(row), 2);
  EXPECT_FALSE(reject.has_value()) << (reject ? reject->reason : "");
  const kcbx::Batch batch = b.finish();
  const kcbx::BatchResult r = engine.classify(batch, day(as_of));
  std::vector<std::pair<std::string, std::string>> out;
  if (r.size() != 1) return out;
  for (size_t o = 0; o < r.output_count(); ++o) out.emplace_back(r.output_name(o), r.output(o, 0));

  kcbx::Record rec;
  for (const auto& [k, v] : cells) rec.set(k, v);
  const kcbx::Explanation e = engine.explain(rec, day(as_of));
  EXPECT_TRUE(e.accepted);
  EXPECT_EQ(e.outputs, out) << "explain and classify disagree";
  return out;
}

// The value of `expr` for a record.
std::string eval(const std::string& expr, const Cells& cells = {},
                 const char* as_of = "2019-10-10") {
  const std::string extra = "derive:\n  v: " + expr + "\noutputs: [v]\n";
  const kcbx::Engine engine(pack(extra));
  const auto out = run(engine, cells, as_of);
  if (out.size() != 1) return "<no output>";
  return out[0].second;
}

// Like eval, but the expression is quoted for YAML (for leading '[' or '-',
// ':' or '#').
std::string evalq(const std::string& expr, const Cells& cells = {},
                  const char* as_of = "2019-10-10") {
  std::string q = "'";
  for (char c : expr) q += c == '\'' ? std::string("''") : std::string(1, c);
  return eval(q + "'", cells, as_of);
}

// ---- arithmetic ------------------------------------------------------------------

TEST(Expr, IntegerArithmeticAndPrecedence) {
  EXPECT_EQ(eval("1 + 2 * 3"), "7");
  EXPECT_EQ(eval("(1 + 2) * 3"), "9");
  EXPECT_EQ(eval("7 - 10"), "-3");
  EXPECT_EQ(eval("10 - 3 - 2"), "5");  // left-associative
  EXPECT_EQ(evalq("-a + 1", {{"a", "4"}}), "-3");
  EXPECT_EQ(evalq("- -a", {{"a", "4"}}), "4");
  EXPECT_EQ(eval("a * b", {{"a", "6"}, {"b", "-7"}}), "-42");
  EXPECT_EQ(eval("a + limit", {{"a", "1"}}), "6");
}

TEST(Expr, NumberArithmetic) {
  EXPECT_EQ(eval("1 + 2.5"), "3.5");
  EXPECT_EQ(eval("x * 2", {{"x", "1.25"}}), "2.5");
  EXPECT_EQ(eval("x - y", {{"x", "0.5"}, {"y", "2"}}), "-1.5");
  EXPECT_EQ(eval("a * rate", {{"a", "3"}}), "1.5");
}

TEST(Expr, DivisionIsNumberAndByZeroIsNull) {
  EXPECT_EQ(eval("10 / 4"), "2.5");
  EXPECT_EQ(eval("a / b", {{"a", "1"}, {"b", "3"}}), "0.333333");
  EXPECT_EQ(eval("a / b", {{"a", "1"}, {"b", "0"}}), "");
  EXPECT_EQ(eval("1 / 0"), "");
  EXPECT_EQ(eval("0 / 0"), "");
  EXPECT_EQ(eval("x / y", {{"x", "1"}, {"y", "0.0"}}), "");
  EXPECT_EQ(eval("a / b", {{"b", "2"}}), "");  // null / 2
  EXPECT_EQ(eval("is_null(a / b)", {{"a", "1"}, {"b", "0"}}), "1");
  EXPECT_EQ(eval("coalesce(a / b, -1)", {{"a", "1"}, {"b", "0"}}), "-1");
}

TEST(Expr, ArithmeticWithNullIsNull) {
  EXPECT_EQ(eval("a + 1"), "");
  EXPECT_EQ(eval("a * b", {{"a", "2"}}), "");
  EXPECT_EQ(eval("x + 1", {}), "");
}

// ---- comparisons -------------------------------------------------------------------

TEST(Expr, Comparisons) {
  EXPECT_EQ(eval("a < b", {{"a", "1"}, {"b", "2"}}), "1");
  EXPECT_EQ(eval("a <= b", {{"a", "2"}, {"b", "2"}}), "1");
  EXPECT_EQ(eval("a > b", {{"a", "2"}, {"b", "2"}}), "0");
  EXPECT_EQ(eval("a >= b", {{"a", "2"}, {"b", "2"}}), "1");
  EXPECT_EQ(eval("a = b", {{"a", "2"}, {"b", "2"}}), "1");
  EXPECT_EQ(eval("a == b", {{"a", "2"}, {"b", "3"}}), "0");
  EXPECT_EQ(eval("a != b", {{"a", "2"}, {"b", "3"}}), "1");
  EXPECT_EQ(eval("a < 1.5", {{"a", "1"}}), "1");  // int with number
  EXPECT_EQ(eval("x = 2", {{"x", "2.0"}}), "1");
  EXPECT_EQ(eval("d < e", {{"d", "2019-01-01"}, {"e", "2019-01-02"}}), "1");
  EXPECT_EQ(eval("d = 2019-01-01", {{"d", "2019-01-01"}}), "1");
  EXPECT_EQ(eval("s = \"abc\"", {{"s", "abc"}}), "1");
  EXPECT_EQ(eval("s < \"b\"", {{"s", "abc"}}), "1");
  EXPECT_EQ(eval("c = red", {{"c", "red"}}), "1");
  EXPECT_EQ(eval("c = 红", {{"c", "red"}}), "1");  // alias in an expression
  EXPECT_EQ(eval("c != blue", {{"c", "蓝"}}), "0");  // alias in a cell
  EXPECT_EQ(eval("blue = c", {{"c", "blue"}}), "1");
  EXPECT_EQ(eval("p = true", {{"p", "1"}}), "1");
}

TEST(Expr, ComparisonWithNullIsNull) {
  EXPECT_EQ(eval("a < 1"), "");
  EXPECT_EQ(eval("d = e", {{"d", "2019-01-01"}}), "");
  EXPECT_EQ(eval("c = red"), "");
  EXPECT_EQ(eval("s = \"x\""), "");
}

// ---- in, not in, sets ------------------------------------------------------------------

TEST(Expr, InList) {
  EXPECT_EQ(evalq("a in [1, 2, 3]", {{"a", "2"}}), "1");
  EXPECT_EQ(evalq("a in [1, 2, 3]", {{"a", "4"}}), "0");
  EXPECT_EQ(evalq("a not in [1, 2, 3]", {{"a", "4"}}), "1");
  EXPECT_EQ(evalq("a not in [1, 2, 3]", {{"a", "3"}}), "0");
  EXPECT_EQ(evalq("c in [red, blue]", {{"c", "blue"}}), "1");
  EXPECT_EQ(evalq("c in [red, 蓝]", {{"c", "green"}}), "0");
  EXPECT_EQ(evalq("c not in [red, 蓝]", {{"c", "green"}}), "1");
  EXPECT_EQ(evalq("s in [\"x\", \"y\"]", {{"s", "y"}}), "1");
  EXPECT_EQ(evalq("s in [\"x\", \"y\"]", {{"s", "z"}}), "0");
  EXPECT_EQ(evalq("d in [2019-01-01, 2019-02-01]", {{"d", "2019-02-01"}}), "1");
  EXPECT_EQ(evalq("x in [1, 2.5]", {{"x", "2.5"}}), "1");
  EXPECT_EQ(evalq("a in [1, 2.5]", {{"a", "1"}}), "1");
  EXPECT_EQ(evalq("a in [1, 2.5]", {{"a", "2"}}), "0");
  // Parameters in the list.
  EXPECT_EQ(evalq("a in [limit, 7]", {{"a", "5"}}), "1");
  EXPECT_EQ(evalq("a in [limit, 7]", {{"a", "6"}}), "0");
  EXPECT_EQ(evalq("a not in [limit, 7]", {{"a", "7"}}), "0");
}

TEST(Expr, InListWithNullIsNull) {
  EXPECT_EQ(evalq("a in [1, 2]"), "");
  EXPECT_EQ(evalq("a not in [1, 2]"), "");
  EXPECT_EQ(evalq("c in [red]"), "");
  EXPECT_EQ(evalq("a in [limit, 2]"), "");
}

TEST(Expr, SetMembership) {
  const Cells both = {{"aid", "two_free;营养改善计划"}};
  EXPECT_EQ(eval("nutrition in aid", both), "1");
  EXPECT_EQ(eval("boarding_subsidy in aid", both), "0");
  EXPECT_EQ(eval("boarding_subsidy not in aid", both), "1");
  EXPECT_EQ(eval("contains(aid, two_free)", both), "1");
  EXPECT_EQ(eval("count(aid)", both), "2");
  // An empty set cell is the empty set, never null (docs/rule-packs.md).
  EXPECT_EQ(eval("count(aid)", {{"aid", ""}}), "0");
  EXPECT_EQ(eval("nutrition in aid", {{"aid", ""}}), "0");
  EXPECT_EQ(eval("is_null(aid)", {{"aid", ""}}), "0");
  EXPECT_EQ(eval("aid", both), "two_free;nutrition");
  EXPECT_EQ(eval("set_minus(aid, aid)", both), "");
}

// ---- if / then / else, and / or / not with nulls ----------------------------------

TEST(Expr, IfThenElse) {
  EXPECT_EQ(eval("if a > 1 then 10 else 20", {{"a", "2"}}), "10");
  EXPECT_EQ(eval("if a > 1 then 10 else 20", {{"a", "1"}}), "20");
  EXPECT_EQ(eval("if p then d else e", {{"p", "0"}, {"d", "2019-01-01"}, {"e", "2019-02-02"}}),
            "2019-02-02");
  EXPECT_EQ(eval("if p then c else blue", {{"p", "1"}, {"c", "red"}}), "red");
  EXPECT_EQ(eval("if p then 1 else 2.5", {{"p", "1"}}), "1");
  // Nested, right-associative.
  EXPECT_EQ(eval("if a = 1 then 1 else if a = 2 then 2 else 3", {{"a", "2"}}), "2");
}

TEST(Expr, NullLiteralInIfBranches) {
  EXPECT_EQ(eval("if p then null else d", {{"p", "1"}, {"d", "2019-01-01"}}), "");
  EXPECT_EQ(eval("if p then null else d", {{"p", "0"}, {"d", "2019-01-01"}}), "2019-01-01");
  EXPECT_EQ(eval("if p then a else null", {{"p", "1"}, {"a", "3"}}), "3");
  EXPECT_EQ(eval("if p then a else null", {{"p", "0"}, {"a", "3"}}), "");
  EXPECT_EQ(eval("is_null(if p then null else 1)", {{"p", "1"}}), "1");
  EXPECT_EQ(eval("if p then null else c", {{"p", "0"}, {"c", "red"}}), "red");
}

// Kleene three-valued logic: a null bool is "unknown".
struct Kleene {
  const char* p;
  const char* q;
  const char* and_;
  const char* or_;
};

TEST(Expr, KleeneAndOrNot) {
  const Kleene table[] = {
      {"1", "1", "1", "1"}, {"1", "0", "0", "1"}, {"0", "0", "0", "0"},
      {"1", "", "", "1"},   {"0", "", "0", ""},   {"", "", "", ""},
      {"", "1", "", "1"},   {"", "0", "0", ""},
  };
  for (const Kleene& k : table) {
    Cells cells;
    if (*k.p) cells.emplace_back("p", k.p);
    if (*k.q) cells.emplace_back("q", k.q);
    SCOPED_TRACE(std::string("p='") + k.p + "' q='" + k.q + "'");
    EXPECT_EQ(eval("p and q", cells), k.and_);
    EXPECT_EQ(eval("p or q", cells), k.or_);
  }
  EXPECT_EQ(eval("not p", {{"p", "1"}}), "0");
  EXPECT_EQ(eval("not p"), "");
  // false and null = false, true or null = true, with the null from a
  // comparison rather than a field.
  EXPECT_EQ(eval("a > 1 and false"), "0");
  EXPECT_EQ(eval("false and a > 1"), "0");
  EXPECT_EQ(eval("a > 1 or true"), "1");
  EXPECT_EQ(eval("true or a > 1"), "1");
  EXPECT_EQ(eval("a > 1 or false"), "");
}

TEST(Expr, IfWithNullConditionTakesElse) {
  // SQL CASE semantics: an unknown condition is not true.
  EXPECT_EQ(eval("if p then 1 else 2"), "2");
}

TEST(Expr, NullWhenDoesNotMatch) {
  const kcbx::Engine engine(pack(R"(tables:
  t:
    values: [yes, no, unknown]
    rows:
      - {id: r1, when: p, then: yes}
      - {id: r2, when: not p, then: no}
      - {id: r3, then: unknown}
outputs: [t]
)"));
  EXPECT_EQ(run(engine, {{"p", "1"}}, "2019-01-01")[0].second, "yes");
  EXPECT_EQ(run(engine, {{"p", "0"}}, "2019-01-01")[0].second, "no");
  EXPECT_EQ(run(engine, {}, "2019-01-01")[0].second, "unknown");
  kcbx::Record r;
  r.set("id", "1");
  const kcbx::Explanation e = engine.explain(r, day("2019-01-01"));
  ASSERT_EQ(e.tried.size(), 3u);
  EXPECT_EQ(e.tried[0].result, "null");
  EXPECT_EQ(e.tried[1].result, "null");
  EXPECT_EQ(e.tried[2].result, "true");
  ASSERT_EQ(e.decisions.size(), 1u);
  EXPECT_EQ(e.decisions[0].rule, "r3");
}

// ---- null functions ------------------------------------------------------------------

TEST(Expr, CoalesceAndIsNull) {
  EXPECT_EQ(eval("coalesce(a, b, 3)"), "3");
  EXPECT_EQ(eval("coalesce(a, b, 3)", {{"b", "2"}}), "2");
  EXPECT_EQ(eval("coalesce(a, b, 3)", {{"a", "1"}, {"b", "2"}}), "1");
  EXPECT_EQ(eval("coalesce(a, b)"), "");
  EXPECT_EQ(eval("coalesce(a, 2.5)", {{"a", "1"}}), "1");
  EXPECT_EQ(eval("coalesce(d, start)"), "2019-09-01");
  EXPECT_EQ(eval("coalesce(c, green)"), "green");
  EXPECT_EQ(eval("coalesce(s, \"none\")"), "none");
  EXPECT_EQ(eval("coalesce(s, \"none\")", {{"s", "given"}}), "given");
  EXPECT_EQ(eval("is_null(a)"), "1");
  EXPECT_EQ(eval("is_null(a)", {{"a", "0"}}), "0");
  EXPECT_EQ(eval("is_null(id)"), "0");
  EXPECT_EQ(eval("is_null(d + 1 day)"), "1");
}

// ---- dates and durations ---------------------------------------------------------------

TEST(Expr, DatePlusAndMinusDays) {
  EXPECT_EQ(eval("d + 7 days", {{"d", "2019-09-01"}}), "2019-09-08");
  EXPECT_EQ(eval("d + 1 day", {{"d", "2019-12-31"}}), "2020-01-01");
  EXPECT_EQ(eval("d - 7 days", {{"d", "2019-03-03"}}), "2019-02-24");
  EXPECT_EQ(eval("d + 2 weeks", {{"d", "2019-09-01"}}), "2019-09-15");
  EXPECT_EQ(eval("d + 1 day", {{"d", "2020-02-28"}}), "2020-02-29");
  EXPECT_EQ(eval("7 days + d", {{"d", "2019-09-01"}}), "2019-09-08");
}

TEST(Expr, DatePlusMonthsClampsToMonthEnd) {
  EXPECT_EQ(eval("d + 1 month", {{"d", "2019-01-31"}}), "2019-02-28");
  EXPECT_EQ(eval("d + 1 month", {{"d", "2020-01-31"}}), "2020-02-29");
  EXPECT_EQ(eval("d + 1 month", {{"d", "2019-01-30"}}), "2019-02-28");
  EXPECT_EQ(eval("d + 1 month", {{"d", "2019-03-31"}}), "2019-04-30");
  EXPECT_EQ(eval("d + 1 month", {{"d", "2019-12-15"}}), "2020-01-15");
  EXPECT_EQ(eval("d - 1 month", {{"d", "2019-03-31"}}), "2019-02-28");
  EXPECT_EQ(eval("d + wait", {{"d", "2019-01-31"}}), "2019-02-28");
  // Months first, then days: 01-31 + 1 month = 02-28, + 1 day = 03-01.
  EXPECT_EQ(eval("d + 1 month + 1 day", {{"d", "2019-01-31"}}), "2019-03-01");
  EXPECT_EQ(eval("d + wait + 1 day", {{"d", "2020-01-31"}}), "2020-03-01");
}

TEST(Expr, DatePlusYears) {
  EXPECT_EQ(eval("d + 1 year", {{"d", "2020-02-29"}}), "2021-02-28");
  EXPECT_EQ(eval("d + 4 years", {{"d", "2020-02-29"}}), "2024-02-29");
  EXPECT_EQ(eval("d - 1 year", {{"d", "2020-02-29"}}), "2019-02-28");
  EXPECT_EQ(eval("d + 2 years", {{"d", "2019-09-01"}}), "2021-09-01");
}

TEST(Expr, DateMinusDateIsDays) {
  EXPECT_EQ(eval("e - d", {{"d", "2019-09-01"}, {"e", "2019-09-09"}}), "8");
  EXPECT_EQ(eval("d - e", {{"d", "2019-09-01"}, {"e", "2019-09-09"}}), "-8");
  EXPECT_EQ(eval("as_of - d", {{"d", "2019-10-01"}}), "9");
}

TEST(Expr, DaysBetween) {
  EXPECT_EQ(eval("days_between(d, e)", {{"d", "2019-09-01"}, {"e", "2019-09-09"}}), "8");
  EXPECT_EQ(eval("days_between(e, d)", {{"d", "2019-09-01"}, {"e", "2019-09-09"}}), "-8");
  EXPECT_EQ(eval("days_between(d, e)", {{"d", "2020-02-01"}, {"e", "2020-03-01"}}), "29");
  EXPECT_EQ(eval("days_between(d, e)", {{"d", "2019-02-01"}, {"e", "2019-03-01"}}), "28");
  EXPECT_EQ(eval("days_between(d, as_of)", {{"d", "2019-10-01"}}), "9");
  EXPECT_EQ(eval("days_between(d, e)", {{"d", "2019-10-01"}}), "");
}

TEST(Expr, AgeOnBirthdays) {
  const Cells born = {{"d", "2013-09-10"}};
  EXPECT_EQ(eval("age_on(d, 2019-09-09)", born), "5");
  EXPECT_EQ(eval("age_on(d, 2019-09-10)", born), "6");
  EXPECT_EQ(eval("age_on(d, 2019-09-11)", born), "6");
  EXPECT_EQ(eval("age_on(d, as_of)", born, "2019-09-10"), "6");
  EXPECT_EQ(eval("age_on(d, 2013-09-10)", born), "0");
  EXPECT_EQ(eval("age_on(d, 2013-09-09)", born), "-1");
  // Year end.
  EXPECT_EQ(eval("age_on(d, 2019-12-31)", {{"d", "2010-01-01"}}), "9");
  EXPECT_EQ(eval("age_on(d, 2020-01-01)", {{"d", "2010-01-01"}}), "10");
}

TEST(Expr, AgeOnTwentyNinthFebruary) {
  const Cells leap = {{"d", "2012-02-29"}};
  EXPECT_EQ(eval("age_on(d, 2020-02-28)", leap), "7");
  EXPECT_EQ(eval("age_on(d, 2020-02-29)", leap), "8");
  EXPECT_EQ(eval("age_on(d, 2020-03-01)", leap), "8");
  // Common years: the birthday is reached on 1 March.
  EXPECT_EQ(eval("age_on(d, 2019-02-28)", leap), "6");
  EXPECT_EQ(eval("age_on(d, 2019-03-01)", leap), "7");
  EXPECT_EQ(eval("age_on(d, 2100-02-28)", leap), "87");  // 2100 is no leap year
  EXPECT_EQ(eval("age_on(d, 2100-03-01)", leap), "88");
  // Someone born on 28 February has a birthday on 28 February even in leap
  // years.
  EXPECT_EQ(eval("age_on(d, 2020-02-28)", {{"d", "2012-02-28"}}), "8");
}

TEST(Expr, AddMonthsAndAddDays) {
  EXPECT_EQ(eval("add_months(d, 1)", {{"d", "2019-01-31"}}), "2019-02-28");
  EXPECT_EQ(eval("add_months(d, 1)", {{"d", "2020-01-31"}}), "2020-02-29");
  EXPECT_EQ(eval("add_months(d, -1)", {{"d", "2019-03-31"}}), "2019-02-28");
  EXPECT_EQ(eval("add_months(d, 12)", {{"d", "2020-02-29"}}), "2021-02-28");
  EXPECT_EQ(eval("add_months(d, a)", {{"d", "2019-08-31"}, {"a", "-18"}}), "2018-02-28");
  EXPECT_EQ(eval("add_months(d, a)", {{"d", "2019-08-31"}}), "");
  EXPECT_EQ(eval("add_days(d, a)", {{"d", "2019-12-25"}, {"a", "7"}}), "2020-01-01");
  EXPECT_EQ(eval("add_days(d, -1)", {{"d", "2020-03-01"}}), "2020-02-29");
}

TEST(Expr, DateArithmeticStaysAtTheEndsOfTheCalendar) {
  // Past 9999-12-31 or before 0001-01-01 a date stays at that end; it never
  // wraps back to an earlier day (a dropout date before the suspected date).
  EXPECT_EQ(eval("add_months(d, 1)", {{"d", "9999-12-20"}}), "9999-12-31");
  EXPECT_EQ(eval("add_months(d, 1)", {{"d", "9999-11-30"}}), "9999-12-30");
  EXPECT_EQ(eval("d + 1 month + 1 day", {{"d", "9999-12-31"}}), "9999-12-31");
  EXPECT_EQ(eval("d + 8 days", {{"d", "9999-12-31"}}), "9999-12-31");
  EXPECT_EQ(eval("add_months(d, -1)", {{"d", "0001-01-15"}}), "0001-01-01");
  EXPECT_EQ(eval("add_months(d, a)", {{"d", "5000-06-15"}, {"a", "100000"}}), "9999-12-31");
  EXPECT_EQ(kcbx::add_months(kcbx::Date::from_ymd(9999, 12, 20), 1), kcbx::Date::from_ymd(9999, 12, 31));
  EXPECT_EQ(kcbx::add_months(kcbx::Date::from_ymd(1, 1, 15), -1), kcbx::Date::from_ymd(1, 1, 1));
}

TEST(Expr, LatestMonthDay) {
  EXPECT_EQ(eval("latest_month_day(as_of, 8, 31)", {}, "2019-10-10"), "2019-08-31");
  EXPECT_EQ(eval("latest_month_day(as_of, 8, 31)", {}, "2019-08-31"), "2019-08-31");
  EXPECT_EQ(eval("latest_month_day(as_of, 8, 31)", {}, "2019-08-30"), "2018-08-31");
  // The 08-31 before the school year began (the docs' form): the new
  // year's date from 09-01, not on 08-31, the old year's last day.
  EXPECT_EQ(eval("latest_month_day(as_of - 1 day, 8, 31)", {}, "2019-08-31"), "2018-08-31");
  EXPECT_EQ(eval("latest_month_day(as_of - 1 day, 8, 31)", {}, "2019-09-01"), "2019-08-31");
  EXPECT_EQ(eval("latest_month_day(as_of, 1, 1)", {}, "2019-01-01"), "2019-01-01");
  EXPECT_EQ(eval("latest_month_day(as_of, 12, 31)", {}, "2019-12-30"), "2018-12-31");
  // 29 February in a common year is its month's last day.
  EXPECT_EQ(eval("latest_month_day(as_of, 2, 29)", {}, "2021-03-01"), "2021-02-28");
  EXPECT_EQ(eval("latest_month_day(as_of, 2, 29)", {}, "2020-03-01"), "2020-02-29");
  EXPECT_EQ(eval("latest_month_day(d, 8, 31)", {{"d", "2020-09-01"}}), "2020-08-31");
}

// School days for a pack that counts absence Monday to Friday (SPEC: "calendar
// vs school days" is the pack's choice), against a plain count from a known
// Monday (2019-09-30), across weekends, a year end and a leap day.
TEST(Expr, SchoolDays) {
  const kcbx::Date monday = kcbx::Date::from_ymd(2019, 9, 30);
  auto is_school_day = [&](kcbx::Date d) { return (((d.days() - monday.days()) % 7) + 7) % 7 < 5; };
  EXPECT_EQ(eval("weekday(d)", {{"d", "2019-09-30"}}), "1");
  EXPECT_EQ(eval("weekday(d)", {{"d", "2020-02-29"}}), "6");
  EXPECT_EQ(eval("weekday(d)", {{"d", "1970-01-01"}}), "4");
  EXPECT_EQ(eval("weekday(d)", {{"d", "1969-12-28"}}), "7");
  const kcbx::Date first = kcbx::Date::from_ymd(2019, 12, 26);
  for (int i = 0; i < 70; i += 3) {
    const kcbx::Date a = kcbx::Date::from_days(first.days() + i);
    for (int j = 0; j < 70; j += 5) {
      const kcbx::Date b = kcbx::Date::from_days(first.days() + j);
      int64_t count = 0;
      for (int32_t d = std::min(a.days(), b.days()) + 1; d <= std::max(a.days(), b.days()); ++d)
        count += is_school_day(kcbx::Date::from_days(d));
      if (b < a) count = -count;
      ASSERT_EQ(eval("school_days_between(d, e)", {{"d", a.format()}, {"e", b.format()}}), std::to_string(count))
          << a.format() << " .. " << b.format();
    }
    for (int n : {-6, -1, 1, 5, 6, 11}) {
      kcbx::Date want = a;
      for (int left = std::abs(n); left > 0;) {
        want = kcbx::Date::from_days(want.days() + (n > 0 ? 1 : -1));
        if (is_school_day(want)) --left;
      }
      ASSERT_EQ(eval("add_school_days(d, a)", {{"d", a.format()}, {"a", std::to_string(n)}}), want.format())
          << a.format() << " + " << n;
    }
  }
  EXPECT_EQ(eval("add_school_days(d, 0)", {{"d", "2020-02-29"}}), "2020-02-29");
  // A Friday's fifth school day after is the next Friday; over 2020-02-29.
  EXPECT_EQ(eval("add_school_days(d, 5)", {{"d", "2020-02-28"}}), "2020-03-06");
  EXPECT_EQ(eval("school_days_between(d, e)", {{"d", "2020-02-28"}, {"e", "2020-03-02"}}), "1");
  EXPECT_EQ(eval("school_days_between(d, e)", {{"d", "2020-02-28"}}), "");  // null stays null
}

// A pack's school_calendar: its holidays leave Monday-to-Friday days out and
// its make-up days put weekend days in. Every pair of days around 2019's
// National Day week (make-up Sunday 09-29 and Saturday 10-12), a winter
// vacation and a Saturday after it, counted one day at a time, in one batch; explain agrees.
TEST(Expr, SchoolDaysFollowThePacksCalendar) {
  const kcbx::Engine engine(pack(
      "derive:\n  between: school_days_between(d, e)\n  added: add_school_days(d, a)\n"
      "outputs: [between, added]\n"
      "school_calendar:\n"
      "  holidays: [2019-10-01..2019-10-07, 2020-01-11..2020-02-16, 2019-12-31]\n"
      "  make_up_days: [2019-09-29, 2019-10-12, 2020-02-22]\n"));
  const std::set<std::string> holidays_off = {"2019-10-01", "2019-10-02", "2019-10-03", "2019-10-04",
                                              "2019-10-07", "2019-12-31"};
  const std::set<std::string> make_up = {"2019-09-29", "2019-10-12", "2020-02-22"};
  const kcbx::Date monday = kcbx::Date::from_ymd(2019, 9, 30);
  const kcbx::Date vacation_from = kcbx::Date::from_ymd(2020, 1, 11), vacation_to = kcbx::Date::from_ymd(2020, 2, 16);
  auto is_school_day = [&](kcbx::Date d) {
    if (make_up.count(d.format())) return true;
    if (holidays_off.count(d.format()) || (vacation_from <= d && d <= vacation_to)) return false;
    return (((d.days() - monday.days()) % 7) + 7) % 7 < 5;
  };
  struct Case { kcbx::Date d, e; int n; };
  std::vector<Case> cases;
  const kcbx::Date first = kcbx::Date::from_ymd(2019, 9, 20);
  for (int i = 0; i < 160; i += 3)
    for (int j = 0; j < 160; j += 7)
      for (int n : {-12, -6, -1, 1, 5, 6, 13})
        if ((i + j + n) % 5 == 0 || j == 0)
          cases.push_back({kcbx::Date::from_days(first.days() + i), kcbx::Date::from_days(first.days() + j), n});
  kcbx::BatchBuilder b(engine.rules());
  const std::vector<std::string> header = {"id", "d", "e", "a"};
  ASSERT_TRUE(b.set_columns(std::span<const std::string>(header)).empty());
  for (size_t k = 0; k < cases.size(); ++k) {
    const std::string id = "R" + std::to_string(k), d = cases[k].d.format(), e = cases[k].e.format(),
                      a = std::to_string(cases[k].n);
    const std::vector<std::string_view> row = {id, d, e, a};
    ASSERT_FALSE(b.add_row(std::span<const std::string_view>(row), static_cast<int64_t>(k) + 2).has_value());
  }
  const kcbx::BatchResult r = engine.classify(b.finish(), day("2019-11-15"));
  ASSERT_EQ(r.size(), cases.size());
  for (size_t k = 0; k < cases.size(); ++k) {
    const auto [a, e, n] = cases[k];
    int64_t count = 0;
    for (int32_t d = std::min(a.days(), e.days()) + 1; d <= std::max(a.days(), e.days()); ++d)
      count += is_school_day(kcbx::Date::from_days(d));
    if (e < a) count = -count;
    kcbx::Date want = a;
    for (int left = std::abs(n); left > 0;) {
      want = kcbx::Date::from_days(want.days() + (n > 0 ? 1 : -1));
      if (is_school_day(want)) --left;
    }
    ASSERT_EQ(r.output(0, k), std::to_string(count)) << a.format() << " .. " << e.format();
    ASSERT_EQ(r.output(1, k), want.format()) << a.format() << " + " << n;
  }
  // The documented example: last at school Friday 2019-09-27, the sixth
  // school day after is Friday 2019-10-11 (09-29, 09-30, 10-08..10-11).
  kcbx::Record rec;
  rec.set("id", "R1");
  rec.set("d", "2019-09-27");
  rec.set("e", "2019-10-11");
  rec.set("a", "6");
  const kcbx::Explanation x = engine.explain(rec, day("2019-11-15"));
  EXPECT_EQ(x.outputs, (std::vector<std::pair<std::string, std::string>>{{"between", "6"}, {"added", "2019-10-11"}}));
  // A parameter's value counts with the same calendar.
  const kcbx::RulePack with_param = kcbx::parse_rules(
      "meta: {name: p}\nfields:\n  id: {type: string, required: true}\n"
      "parameters:\n  start: {type: date, value: 'add_school_days(2019-09-27, 6)'}\n"
      "derive:\n  p: start\noutputs: [p]\n"
      "school_calendar:\n  holidays: [2019-10-01..2019-10-07]\n  make_up_days: [2019-09-29]\n",
      "p.yaml");
  kcbx::Record one;
  one.set("id", "R1");
  EXPECT_EQ(kcbx::Engine(with_param).explain(one, day("2019-11-15")).outputs,
            (std::vector<std::pair<std::string, std::string>>{{"p", "2019-10-11"}}));
}

// The school calendar's mistakes, at the item that makes them.
TEST(Expr, SchoolCalendarErrorsNameTheItem) {
  auto diags = [](const std::string& cal) {
    std::string out;
    for (const auto& d : kcbx::check_rules(std::string(kFields) + "school_calendar:\n" + cal, "cal.yaml"))
      out += d.format() + "\n";
    return out;
  };
  EXPECT_NE(diags("  holidays: [2019-10-01..2019-10-07, 2019-13-01]\n")
                .find("cal.yaml:25:38: error: '2019-13-01' in holidays is not a date or a range of dates"),
            std::string::npos)
      << diags("  holidays: [2019-10-01..2019-10-07, 2019-13-01]\n");
  EXPECT_NE(diags("  holidays: [2019-10-07..2019-10-01]\n").find("ends before it starts [bad-range]"), std::string::npos);
  EXPECT_NE(diags("  holidays: [2019-01-01..2020-01-02]\n").find("longer than a year"), std::string::npos);
  EXPECT_NE(diags("  holidays: [2019-10-01..2019-10-07]\n  make_up_days: [2019-10-05]\n")
                .find("cal.yaml:26:18: error: 2019-10-05 is both a make-up day and a holiday ('2019-10-01..2019-10-07', line 25)"),
            std::string::npos)
      << diags("  holidays: [2019-10-01..2019-10-07]\n  make_up_days: [2019-10-05]\n");
  EXPECT_NE(diags("  make_up_days: [2019-10-08]\n").find("warning: 2019-10-08 is a weekday"), std::string::npos);
  // One diagnostic for an item, however many of its days conflict.
  const std::string overlapping = diags("  holidays: [2019-10-01..2019-10-07]\n  make_up_days: [2019-10-03..2019-10-06]\n");
  EXPECT_EQ(std::count(overlapping.begin(), overlapping.end(), '\n'), 1) << overlapping;
  // A century of holidays at most: a pack cannot make validation walk millions of days.
  std::string years = "  holidays: [";
  for (int y = 2001; y <= 2101; ++y) years += (y > 2001 ? ", " : "") + std::to_string(y) + "-01-01.." + std::to_string(y) + "-12-31";
  EXPECT_NE(diags(years + "]\n").find("more than 36600 days [too-many-items]"), std::string::npos);
  EXPECT_NE(diags("  weekends: []\n").find("unknown key 'weekends'"), std::string::npos)
      << diags("  weekends: []\n");
}

TEST(Expr, YearMonthDay) {
  const Cells cells = {{"d", "2019-09-15"}};
  EXPECT_EQ(eval("year(d)", cells), "2019");
  EXPECT_EQ(eval("month(d)", cells), "9");
  EXPECT_EQ(eval("day(d)", cells), "15");
}

TEST(Expr, MinAndMax) {
  EXPECT_EQ(eval("min(3, 5)"), "3");
  EXPECT_EQ(eval("max(3, 5)"), "5");
  EXPECT_EQ(eval("min(a, b)", {{"a", "-2"}, {"b", "1"}}), "-2");
  EXPECT_EQ(eval("max(a, 2.5)", {{"a", "3"}}), "3");
  EXPECT_EQ(eval("min(a, 2.5)", {{"a", "3"}}), "2.5");
  EXPECT_EQ(eval("min(d, e)", {{"d", "2019-09-15"}, {"e", "2019-01-01"}}), "2019-01-01");
  EXPECT_EQ(eval("max(d, e)", {{"d", "2019-09-15"}, {"e", "2019-01-01"}}), "2019-09-15");
  EXPECT_EQ(eval("max(d, start)", {{"d", "2019-01-01"}}), "2019-09-01");
  EXPECT_EQ(eval("min(a, 1)"), "");
}

TEST(Expr, AsOfIsTheEvaluationDate) {
  EXPECT_EQ(eval("as_of", {}, "2019-09-15"), "2019-09-15");
  EXPECT_EQ(eval("as_of + 1 month", {}, "2019-01-31"), "2019-02-28");
}

// ---- parameters with effective dates ----------------------------------------------------

TEST(Expr, ParameterValueChangesOnItsDate) {
  const std::string extra = R"(  grace:
    type: duration
    values:
      - {value: 7 days}
      - {from: 2020-09-01, value: 3 days}
  cap:
    type: int
    values:
      - {from: 2020-09-01, value: 7}
      - {value: 6}
derive:
  v: d + grace
  w: cap
outputs: [v, w]
)";
  const kcbx::Engine engine(pack(extra));
  auto out = run(engine, {{"d", "2020-01-01"}}, "2020-08-31");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].second, "2020-01-08");
  EXPECT_EQ(out[1].second, "6");
  out = run(engine, {{"d", "2020-01-01"}}, "2020-09-01");
  EXPECT_EQ(out[0].second, "2020-01-04");
  EXPECT_EQ(out[1].second, "7");
  out = run(engine, {{"d", "2020-01-01"}}, "2030-01-01");
  EXPECT_EQ(out[1].second, "7");

  // The explanation says which value was in force and since when.
  kcbx::Record r;
  r.set("id", "1").set("d", "2020-01-01");
  const kcbx::Explanation e = engine.explain(r, day("2020-09-01"));
  bool found = false;
  for (const auto& v : e.values)
    if (v.name == "cap") {
      found = true;
      EXPECT_EQ(v.value, "7");
      EXPECT_EQ(v.effective_from, "2020-09-01");
    }
  EXPECT_TRUE(found);
}

TEST(Expr, ParameterWithNoValueOnTheDateThrows) {
  const std::string extra = R"(  later:
    type: int
    values:
      - {from: 2020-09-01, value: 7}
derive:
  v: a + later
outputs: [v]
)";
  const kcbx::Engine engine(pack(extra));
  EXPECT_EQ(run(engine, {{"a", "1"}}, "2020-09-01")[0].second, "8");
  kcbx::BatchBuilder b(engine.rules());
  ASSERT_TRUE(b.set_columns({"id", "a"}).empty());
  ASSERT_FALSE(b.add_row({"1", "1"}, 2).has_value());
  const kcbx::Batch batch = b.finish();
  try {
    (void)engine.classify(batch, day("2020-08-31"));
    ADD_FAILURE() << "no error";
  } catch (const kcbx::Error& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].code, "no-value-on-date");
    EXPECT_NE(e.diagnostics()[0].message.find("'later' has no value in force on 2020-08-31; its earliest value "
                                              "applies from 2020-09-01"),
              std::string::npos);
    // At the value an author would move back, not at the parameter's name.
    const std::string& src = engine.rules().source();
    const size_t at = src.find("- {from: 2020-09-01, value: 7}");
    ASSERT_NE(at, std::string::npos);
    EXPECT_EQ(e.diagnostics()[0].where.line, 1 + static_cast<int>(std::count(src.begin(), src.begin() + at, '\n')));
  }
}

TEST(Expr, TwoValuesFromTheSameDateAreRefused) {
  const std::string yaml = std::string(kFields) + R"(  twice:
    type: int
    values:
      - {from: 2020-09-01, value: 7}
      - {from: 2020-09-01, value: 8}
)";
  const auto diags = kcbx::check_rules(yaml, "expr.yaml");
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].code, "duplicate-date");
}

// A control character in an expression is named, never echoed raw.
TEST(Expr, AControlCharacterIsNamedNotEchoed) {
  const std::string yaml = std::string(kFields) + "  nul: {type: int, value: \"1 +\\0 1\"}\n";
  const auto diags = kcbx::check_rules(yaml, "expr.yaml");
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].message, "unexpected control character U+0000");
  EXPECT_EQ(diags[0].message.find('\0'), std::string::npos);
}

// ---- hit policies ---------------------------------------------------------------------------

TEST(Expr, HitPolicyFirst) {
  const kcbx::Engine engine(pack(R"(tables:
  t:
    values: [small, big, huge]
    rows:
      - {id: r1, when: a > 10, then: big}
      - {id: r2, when: a > 100, then: huge}
      - {id: r3, when: a >= 0, then: small}
outputs: [t]
)"));
  EXPECT_EQ(run(engine, {{"a", "1000"}}, "2019-01-01")[0].second, "big");
  EXPECT_EQ(run(engine, {{"a", "5"}}, "2019-01-01")[0].second, "small");
  EXPECT_EQ(run(engine, {{"a", "-5"}}, "2019-01-01")[0].second, "");  // no row
}

TEST(Expr, HitPolicyUniqueGivesNoValueWhenTwoRowsMatch) {
  const kcbx::Engine engine(pack(R"(tables:
  t:
    hit_policy: unique
    values: [low, high, mid]
    rows:
      - {id: lo, when: a < 10, then: low}
      - {id: hi, when: a > 5, then: high}
      - {id: neg, when: a < 0, then: mid}
outputs: [t]
)"));
  EXPECT_EQ(run(engine, {{"a", "1"}}, "2019-01-01")[0].second, "low");
  EXPECT_EQ(run(engine, {{"a", "20"}}, "2019-01-01")[0].second, "high");
  EXPECT_EQ(run(engine, {{"a", "7"}}, "2019-01-01")[0].second, "");   // lo and hi
  EXPECT_EQ(run(engine, {{"a", "-1"}}, "2019-01-01")[0].second, "");  // lo and neg

  kcbx::BatchBuilder b(engine.rules());
  ASSERT_TRUE(b.set_columns({"id", "a"}).empty());
  ASSERT_FALSE(b.add_row({"1", "7"}, 2).has_value());
  ASSERT_FALSE(b.add_row({"2", "1"}, 3).has_value());
  const kcbx::Batch batch = b.finish();
  const kcbx::BatchResult r = engine.classify(batch, day("2019-01-01"));
  EXPECT_EQ(r.value(0, 0), "");
  EXPECT_EQ(r.rule(0, 0), "");
  EXPECT_EQ(r.code(0, 0), -1);
  EXPECT_EQ(r.value(0, 1), "low");
  EXPECT_EQ(r.rule(0, 1), "lo");

  kcbx::Record rec;
  rec.set("id", "1").set("a", "7");
  const kcbx::Explanation e = engine.explain(rec, day("2019-01-01"));
  ASSERT_EQ(e.decisions.size(), 1u);
  EXPECT_EQ(e.decisions[0].value, "");
  EXPECT_NE(e.decisions[0].clause_text.find("more than one row"), std::string::npos);
}

TEST(Expr, HitPolicyCollectGivesTheSetOfValues) {
  const kcbx::Engine engine(pack(R"(tables:
  flags:
    hit_policy: collect
    values: [poor_aid, nutrition_aid, other]
    rows:
      - {id: f1, when: p, then: poor_aid}
      - {id: f2, when: nutrition in aid, then: nutrition_aid}
      - {id: f3, when: q, then: poor_aid}
derive:
  n: count(flags)
  has_poor: poor_aid in flags
outputs: [flags, n, has_poor]
)"));
  auto out = run(engine, {{"p", "1"}, {"aid", "nutrition"}}, "2019-01-01");
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].second, "poor_aid;nutrition_aid");
  EXPECT_EQ(out[1].second, "2");
  EXPECT_EQ(out[2].second, "1");
  out = run(engine, {{"p", "1"}, {"q", "1"}}, "2019-01-01");  // two rows, one value
  EXPECT_EQ(out[0].second, "poor_aid");
  EXPECT_EQ(out[1].second, "1");
  out = run(engine, {}, "2019-01-01");
  EXPECT_EQ(out[0].second, "");
  EXPECT_EQ(out[1].second, "0");
  EXPECT_EQ(out[2].second, "0");

  // BatchResult gives every value, row and clause of a collect table.
  kcbx::BatchBuilder b(engine.rules());
  ASSERT_TRUE(b.set_columns({"id", "p", "q", "aid"}).empty());
  ASSERT_FALSE(b.add_row({"1", "1", "1", "营养改善计划"}, 2).has_value());
  ASSERT_FALSE(b.add_row({"2", "0", "0", ""}, 3).has_value());
  const kcbx::Batch batch = b.finish();
  const kcbx::BatchResult r = engine.classify(batch, day("2019-01-01"));
  EXPECT_EQ(r.value(0, 0), "poor_aid;nutrition_aid");
  EXPECT_EQ(r.rule(0, 0), "f1;f2;f3");
  EXPECT_EQ(r.value_set(0, 0), 0b011u);
  EXPECT_EQ(r.value(0, 1), "");
  EXPECT_EQ(r.value_set(0, 1), 0u);

  kcbx::Record rec;
  rec.set("id", "1").set("p", "1").set("q", "1").set("aid", "营养改善计划");
  const kcbx::Explanation e = engine.explain(rec, day("2019-01-01"));
  std::vector<std::string> rules;
  for (const auto& d : e.decisions) rules.push_back(d.rule);
  EXPECT_EQ(rules, (std::vector<std::string>{"f1", "f2", "f3"}));
}

// ---- tables read by expressions --------------------------------------------------------------

TEST(Expr, DerivedValueReadsATable) {
  const kcbx::Engine engine(pack(R"(tables:
  t:
    values: [small, big]
    rows:
      - {id: r1, when: a > 10, then: big}
      - {id: r2, when: a >= 0, then: small}
derive:
  is_big: t = big
  label: if t = small then "s" else "b"
outputs: [is_big, label]
)"));
  auto out = run(engine, {{"a", "11"}}, "2019-01-01");
  EXPECT_EQ(out[0].second, "1");
  EXPECT_EQ(out[1].second, "b");
  out = run(engine, {{"a", "-1"}}, "2019-01-01");  // no row: t is null
  EXPECT_EQ(out[0].second, "");
  EXPECT_EQ(out[1].second, "b");
}

// ---- many records: batches, threads, row skipping -----------------------------------------

TEST(Expr, ManyRecordsInSmallChunksAgreeWithExplain) {
  const kcbx::RulePack rules = pack(R"(derive:
  v: if p then null else d + wait + 1 day
  w: coalesce(a / b, -1.0)
tables:
  t:
    values: [one, two, three]
    rows:
      - {id: r1, when: a > 50 and q, then: one}
      - {id: r2, when: a > 20 or q, then: two}
      - {id: r3, when: not p, then: three}
outputs: [v, w, t]
)");
  kcbx::EngineOptions o;
  o.threads = 4;
  o.batch_rows = 5;
  const kcbx::Engine engine(rules, o);
  kcbx::BatchBuilder b(rules);
  ASSERT_TRUE(b.set_columns({"id", "a", "b", "p", "q", "d"}).empty());
  std::vector<std::vector<std::string>> rows;
  for (int i = 0; i < 97; ++i) {
    rows.push_back({"R" + std::to_string(i), std::to_string(i), std::to_string(i % 4),
                    i % 3 == 0 ? "" : (i % 3 == 1 ? "1" : "0"), i % 2 ? "1" : "",
                    i % 7 ? "2019-01-" + std::to_string(10 + i % 20) : ""});
    std::vector<std::string_view> cells(rows.back().begin(), rows.back().end());
    ASSERT_FALSE(b.add_row(std::span<const std::string_view>(cells), i + 2).has_value());
  }
  const kcbx::Batch batch = b.finish();
  const kcbx::BatchResult r = engine.classify(batch, day("2019-06-01"));
  ASSERT_EQ(r.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const kcbx::Explanation e = engine.explain(batch, i, day("2019-06-01"));
    ASSERT_EQ(e.outputs.size(), 3u);
    for (size_t k = 0; k < 3; ++k)
      EXPECT_EQ(r.output(k, i), e.outputs[k].second) << "record " << i << " output " << k;
    EXPECT_EQ(r.value(0, i), e.decisions.empty() ? "" : e.decisions[0].value) << "record " << i;
  }
}

// Once most records of a batch have matched, the later rows of a first-hit
// table run over the unmatched ones only (gathered into shadow columns and
// scattered back). Every kind of column those rows read is gathered here:
// fields with and without nulls, strings, dates, derived values and another
// table's result; the matched records sit in between the unmatched ones.
TEST(Expr, LaterRowsOnTheUnmatchedRecordsAgreeWithExplain) {
  const kcbx::RulePack rules = pack(R"(derive:
  late: if p then null else d + wait + 1 day
  kind: if length(s) > 3 then "long" else "short"
tables:
  size:
    values: [big, small]
    rows:
      - {id: s1, when: a > 900, then: big}
      - {id: s2, then: small}
  t:
    values: [common, rare_big, rare_late, rare_code, rare_null, rest]
    rows:
      - {id: r1, when: b != 0, then: common}
      - {id: r2, when: size = big and q, then: rare_big}
      - {id: r3, when: late > 2019-01-20, then: rare_late}
      - {id: r4, when: 'kind = "long" and s in ["abcd", "wxyz"]', then: rare_code}
      - {id: r5, when: is_null(q), then: rare_null}
      - {id: r6, then: rest}
outputs: [late, kind, t, size]
)");
  for (size_t batch_rows : {size_t{1024}, size_t{5}}) {
    kcbx::EngineOptions o;
    o.threads = 2;
    o.batch_rows = batch_rows;
    const kcbx::Engine engine(rules, o);
    kcbx::BatchBuilder b(rules);
    ASSERT_TRUE(b.set_columns({"id", "a", "b", "p", "q", "d", "s"}).empty());
    const int n = 3000;
    for (int i = 0; i < n; ++i) {
      const std::vector<std::string> row = {
          "R" + std::to_string(i), std::to_string(i), std::to_string(i % 10),
          i % 3 == 0 ? "" : (i % 3 == 1 ? "1" : "0"),
          i % 7 == 0 ? "" : (i % 7 % 2 ? "1" : "0"),
          i % 7 ? "2019-01-" + std::to_string(10 + i % 20) : "",
          i % 20 == 0 ? "abcd" : (i % 30 == 0 ? "wxyz" : (i % 11 == 0 ? "" : "ab"))};
      std::vector<std::string_view> cells(row.begin(), row.end());
      ASSERT_FALSE(b.add_row(std::span<const std::string_view>(cells), i + 2).has_value());
    }
    const kcbx::Batch batch = b.finish();
    for (bool lean : {true, false}) {
      kcbx::ClassifyOptions what;
      what.flags = what.cases = what.all_tables = !lean;
      const kcbx::BatchResult r = engine.classify(batch, day("2019-06-01"), what);
      std::map<std::string, int> seen;
      for (size_t i = 0; i < batch.size(); ++i) {
        const kcbx::Explanation e = engine.explain(batch, i, day("2019-06-01"));
        ASSERT_EQ(e.outputs.size(), 4u);
        for (size_t k = 0; k < 4; ++k)
          EXPECT_EQ(r.output(k, i), e.outputs[k].second) << "record " << i << " output " << k;
        const auto decided = std::find_if(e.decisions.begin(), e.decisions.end(),
                                          [](const auto& d) { return d.table == "t"; });
        ASSERT_NE(decided, e.decisions.end());
        EXPECT_EQ(r.rule(1, i), decided->rule) << "record " << i << " batch " << batch_rows;
        ++seen[r.rule(1, i)];
      }
      // Every row decides some records, so every later row ran compacted.
      for (const char* row : {"r1", "r2", "r3", "r4", "r5", "r6"}) EXPECT_GT(seen[row], 0) << row;
    }
  }
}

TEST(Expr, SubstrAndLengthCountCharactersNotBytes) {
  const kcbx::Engine engine(pack(R"(derive:
  first: substr(s, 0, 1)
  rest: substr(s, 1, 10)
  n: length(s)
  tail: substr(s, 5, 2)
outputs: [first, rest, n, tail]
)"));
  auto out = run(engine, {{"s", "张三丰"}}, "2019-01-01");
  EXPECT_EQ(out[0].second, "张");
  EXPECT_EQ(out[1].second, "三丰");
  EXPECT_EQ(out[2].second, "3");
  EXPECT_EQ(out[3].second, "");
  out = run(engine, {{"s", "520102001"}}, "2019-01-01");  // ASCII as before
  EXPECT_EQ(out[0].second, "5");
  EXPECT_EQ(out[1].second, "20102001");
  EXPECT_EQ(out[2].second, "9");
  EXPECT_EQ(out[3].second, "20");
}

// substr over many strings in one batch (ASCII, Chinese, mixed; starts and
// lengths negative, inside, at and past the end) against a character-by-
// character reference: the ASCII fast path must give what the walk gives.
TEST(Expr, SubstrAgreesWithACharacterReference) {
  const kcbx::Engine engine(pack("derive:\n  v: substr(s, a, b)\noutputs: [v]\n"));
  const std::vector<std::string> texts = {"", "5", "520102001", "张三丰", "52张0102", "abc张", "张abc",
                                          "abcdefghijklmnopqrstuvwxyz", "é", "x\xc3\xa9y",
                                          // a character that starts within, at and past the first 8 bytes
                                          "1234567张", "12345678张", "abcdefg\xc3\xa9xyz", "abcdefghijklmn张"};
  auto chars = [](const std::string& t) {
    std::vector<std::string> out;
    for (size_t i = 0; i < t.size();) {
      size_t n = 1;
      while (i + n < t.size() && (static_cast<unsigned char>(t[i + n]) & 0xC0) == 0x80) ++n;
      out.push_back(t.substr(i, n));
      i += n;
    }
    return out;
  };
  kcbx::BatchBuilder b(engine.rules());
  ASSERT_TRUE(b.set_columns({"id", "s", "a", "b"}).empty());
  std::vector<std::string> want;
  int64_t row = 2;
  for (const std::string& t : texts)
    for (int a : {-3, 0, 1, 2, 3, 5, 7, 8, 9, 30})
      for (int len : {-1, 0, 1, 2, 6, 7, 8, 100}) {
        const std::vector<std::string> cs = chars(t);
        std::string expected;
        for (int k = std::max(a, 0); k < std::max(a, 0) + std::max(len, 0) && k < static_cast<int>(cs.size()); ++k)
          expected += cs[static_cast<size_t>(k)];
        want.push_back(expected);
        const std::string id = "R" + std::to_string(row), as = std::to_string(a), ls = std::to_string(len);
        ASSERT_FALSE(b.add_row({id, t, as, ls}, row++).has_value()) << t;
      }
  const kcbx::Batch batch = b.finish();
  const kcbx::BatchResult r = engine.classify(batch, day("2019-01-01"));
  ASSERT_EQ(r.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(r.output(0, i), want[i]) << "record " << i;
}

}  // namespace

TEST(Expr, IdBirthDateNeedsStructureAndDateOnly) {
  // The date of an ID number whose structure and date are sound; an unknown
  // address code or a wrong check digit does not change it (GB 11643).
  EXPECT_EQ(eval("id_birth_date(s)", {{"s", "52273220080301123X"}}), "2008-03-01");
  EXPECT_EQ(eval("id_birth_date(s)", {{"s", "52273220080301123x"}}), "2008-03-01");
  EXPECT_EQ(eval("id_birth_date(s)", {{"s", "522732200803011231"}}), "2008-03-01");  // check digit
  EXPECT_EQ(eval("id_birth_date(s)", {{"s", "999999200803011235"}}), "2008-03-01");  // address
  EXPECT_EQ(eval("id_birth_date(s)", {{"s", "522732200802301234"}}), "");  // 30 February
  EXPECT_EQ(eval("id_birth_date(s)", {{"s", "52273220080301123"}}), "");   // 17 characters
  EXPECT_EQ(eval("id_birth_date(s)", {{"s", "5227322008030112AX"}}), "");  // a letter
  EXPECT_EQ(eval("id_birth_date(s)", {}), "");                             // null
}
