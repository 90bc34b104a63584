// Rule-pack loading and validation: one test per kind of mistake, each
// checking the diagnostic's code, a fragment of its message and the exact
// line:column it points at; that a broken pack is never half-loaded; and that
// hostile packs are refused quickly with a clear diagnostic.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kcbx/kcbx.h"
#include "pack/checked_pack.h"
#include "pack/messages.h"

namespace {

// A small valid pack; each test breaks one thing in a copy of it.
constexpr std::string_view kBase = R"(meta: {name: t}
fields:
  student_id: {type: string, required: true, unique: true}
  registry:
    type: enum
    values: [none, enrolled, left]
  age: {type: int}
parameters:
  limit: {type: int, value: 6}
derive:
  old: age > limit
tables:
  status:
    values: [young, old, other]
    rows:
      - {id: a, when: old, then: old}
      - {id: b, then: young}
)";

// Replaces the one occurrence of `from` in `text` (the test fails if there
// is not exactly one).
std::string replace(std::string_view text, std::string_view from,
                    std::string_view to) {
  std::string s(text);
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << "'" << from << "' not in the pack";
  if (at == std::string::npos) return s;
  EXPECT_EQ(s.find(from, at + 1), std::string::npos) << "'" << from << "' twice";
  s.replace(at, from.size(), to);
  return s;
}

struct Pos {
  int line = 0;
  int column = 0;
  friend bool operator==(const Pos&, const Pos&) = default;
};
std::ostream& operator<<(std::ostream& os, const Pos& p) {
  return os << p.line << ":" << p.column;
}

// The 1-based line:column (columns in characters, as diagnostics count
// them) of the `nth` occurrence of `needle` in `text`.
Pos pos_of(std::string_view text, std::string_view needle, int nth = 1) {
  size_t at = std::string_view::npos;
  size_t from = 0;
  for (int i = 0; i < nth; ++i) {
    at = text.find(needle, from);
    if (at == std::string_view::npos) break;
    from = at + 1;
  }
  EXPECT_NE(at, std::string_view::npos) << "'" << needle << "' not found";
  if (at == std::string_view::npos) return {};
  Pos p{1, 1};
  for (size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++p.column;  // a UTF-8 continuation byte is part of the character before
    }
  }
  return p;
}

std::string dump(const std::vector<kcbx::Diagnostic>& diags) {
  std::string s;
  for (const auto& d : diags) s += "\n  " + d.format();
  return s.empty() ? "\n  (no diagnostics)" : s;
}

// Checks that `yaml` is refused, by check_rules and by parse_rules alike,
// with exactly one diagnostic; returns it.
kcbx::Diagnostic only_error(const std::string& yaml) {
  const std::vector<kcbx::Diagnostic> diags = kcbx::check_rules(yaml, "p.yaml");
  EXPECT_EQ(diags.size(), 1u) << dump(diags);
  bool threw = false;
  try {
    (void)kcbx::parse_rules(yaml, "p.yaml");
  } catch (const kcbx::Error& e) {
    threw = true;
    EXPECT_EQ(e.diagnostics().size(), diags.size()) << dump(e.diagnostics());
    // what() is the formatted list.
    if (!diags.empty())
      EXPECT_NE(std::string(e.what()).find(diags.front().format()), std::string::npos)
          << e.what();
  }
  EXPECT_TRUE(threw) << "parse_rules accepted a broken pack";
  return diags.empty() ? kcbx::Diagnostic{} : diags.front();
}

#define EXPECT_DIAG(d, code_, fragment, pos)                               \
  do {                                                                     \
    const kcbx::Diagnostic d_ = (d);                                       \
    EXPECT_EQ(d_.severity, kcbx::Severity::kError) << d_.format();         \
    EXPECT_EQ(d_.code, code_) << d_.format();                              \
    EXPECT_NE(d_.message.find(fragment), std::string::npos) << d_.format(); \
    EXPECT_EQ(d_.where.file, "p.yaml") << d_.format();                     \
    EXPECT_EQ((Pos{d_.where.line, d_.where.column}), (pos)) << d_.format(); \
  } while (0)

TEST(PackLoader, BasePackIsValid) {
  EXPECT_TRUE(kcbx::check_rules(kBase, "p.yaml").empty())
      << dump(kcbx::check_rules(kBase, "p.yaml"));
  const kcbx::RulePack p = kcbx::parse_rules(kBase, "p.yaml");
  EXPECT_EQ(p.name(), "t");
  EXPECT_EQ(p.file(), "p.yaml");
  EXPECT_EQ(p.source(), kBase);
  EXPECT_EQ(p.content_hash().size(), 16u);
  EXPECT_EQ(p.id(), "t #" + p.content_hash());
}

TEST(PackLoader, DiagnosticFormatIsGccStyle) {
  const std::string y = replace(kBase, "type: int}", "type: integer}");
  const kcbx::Diagnostic d = only_error(y);
  EXPECT_EQ(d.format(),
            "p.yaml:7:15: error: unknown type 'integer'; expected one of bool, "
            "int, number, date, duration, string, enum, set [unknown-type]");
}

TEST(PackLoader, YamlSyntaxError) {
  const std::string y = replace(kBase, "meta: {name: t}\n", "meta:\n  name: t\n   bad: 1\n");
  // yaml-cpp reports the ':' after the over-indented key.
  EXPECT_DIAG(only_error(y), "yaml-syntax", "illegal map value", (Pos{3, 7}));
}

TEST(PackLoader, UnclosedFlowMapIsASyntaxError) {
  const std::string y = replace(kBase, "meta: {name: t}", "meta: {name: t");
  const kcbx::Diagnostic d = only_error(y);
  EXPECT_EQ(d.code, "yaml-syntax");
  EXPECT_NE(d.message.find("end of map flow not found"), std::string::npos) << d.format();
  EXPECT_EQ(d.where.line, 2) << d.format();
}

TEST(PackLoader, ColumnsCountCharactersNotBytes) {
  // After Chinese text on the line, the column is the one an editor shows.
  const std::string e = replace(kBase, "old: age > limit", "old: age > limit and \"学生\" != \"\" and agee > 1");
  EXPECT_DIAG(only_error(e), "unknown-name", "unknown name 'agee'; did you mean 'age'?", (Pos{11, 39}));
  EXPECT_EQ(pos_of(e, "agee"), (Pos{11, 39}));
  const std::string k = replace(kBase, "  age: {type: int}", "  age: {alias: 年龄, type: int, unqiue: true}");
  EXPECT_DIAG(only_error(k), "unknown-key", "unknown key 'unqiue' in field 'age'; did you mean 'unique'?",
              (Pos{7, 31}));
}

TEST(PackLoader, UnknownKeySuggestsTheNearestOne) {
  const std::string y =
      replace(kBase, "    values: [young, old, other]\n",
              "    values: [young, old, other]\n    hit_polcy: first\n");
  EXPECT_DIAG(only_error(y), "unknown-key",
              "unknown key 'hit_polcy' in table 'status'; did you mean 'hit_policy'?",
              pos_of(y, "hit_polcy"));
}

TEST(PackLoader, UnknownTopLevelKey) {
  const std::string y = std::string(kBase) + "output: [age]\n";
  EXPECT_DIAG(only_error(y), "unknown-key", "did you mean 'outputs'?", pos_of(y, "output:"));
}

TEST(PackLoader, UnknownKeyInRow) {
  const std::string y = replace(kBase, "{id: a, when: old", "{id: a, whem: old");
  EXPECT_DIAG(only_error(y), "unknown-key", "unknown key 'whem' in row; did you mean 'when'?",
              pos_of(y, "whem"));
}

// A misspelt describing key is left out and the rest of the pack is still
// checked, so that one run lists every problem. Not another key, whose
// absence would make the checks report the typo as other errors (a
// `unqiue` field is not unique; a `whem` row matches every record), nor a
// key of meta, without which the pack would extend nothing.
TEST(PackLoader, AnUnknownKeyDoesNotHideTheRestOfThePack) {
  std::string y = replace(kBase, "  age: {type: int}", "  age: {type: int, descripton: years}");
  y = replace(y, "old: age > limit", "old: agee > limit");
  const std::vector<kcbx::Diagnostic> diags = kcbx::check_rules(y, "p.yaml");
  ASSERT_EQ(diags.size(), 2u) << dump(diags);
  EXPECT_EQ(diags[0].code, "unknown-key");
  EXPECT_EQ(diags[1].code, "unknown-name");
  EXPECT_EQ(diags[1].where.line, 11);
  std::string z = replace(kBase, "  age: {type: int}", "  age: {type: int, unqiue: true}");
  z = replace(z, "old: age > limit", "old: agee > limit");
  ASSERT_EQ(kcbx::check_rules(z, "p.yaml").size(), 1u) << dump(kcbx::check_rules(z, "p.yaml"));
  const std::string ext = "meta: {name: x, extnds: guizhou}\nderive:\n  over_14: age > 14\n";
  const std::vector<kcbx::Diagnostic> meta = kcbx::check_rules(ext, "x.yaml");
  ASSERT_EQ(meta.size(), 1u) << dump(meta);
  EXPECT_EQ(meta[0].code, "unknown-key");
}

TEST(PackLoader, DuplicateKey) {
  // yaml-cpp keeps duplicate keys silently (jbeder/yaml-cpp#60).
  const std::string y =
      replace(kBase, "  age: {type: int}\n", "  age: {type: int}\n  age: {type: string}\n");
  EXPECT_DIAG(only_error(y), "duplicate-key", "duplicate key 'age' (first at line 7)",
              (Pos{8, 3}));
}

// 'from' belongs with 'value': beside 'values' (whose items carry their own
// dates) it was dropped and the first value read as in force always; alone
// it changed nothing.
TEST(PackLoader, FromWithValuesOrWithoutAValue) {
  const std::string both =
      replace(kBase, "limit: {type: int, value: 6}", "limit: {type: int, from: 2021-09-01, values: [{value: 6}]}");
  EXPECT_DIAG(only_error(both), "conflicting-keys", "has 'from' and 'values'", pos_of(both, "2021-09-01"));
  const std::string alone = replace(kBase, "limit: {type: int, value: 6}", "limit: {type: int, from: 2021-09-01}");
  EXPECT_DIAG(only_error(alone), "missing-key", "has 'from' but no 'value'", pos_of(alone, "2021-09-01"));
}

// Two ways of giving one thing: the engine used one and --print-effective
// printed the other.
TEST(PackLoader, ValuesAndValuesFromTogether) {
  const std::string y = replace(kBase, "    values: [young, old, other]\n",
                                "    values: [young, old, other]\n    values_from: registry\n");
  EXPECT_DIAG(only_error(y), "conflicting-keys", "table 'status' has both 'values' and 'values_from'",
              pos_of(y, "registry", 2));
}

// A string parameter's value is its text: a word or a code as written.
// (A literal in double or single quotes, as an expression writes it, is
// still read as one.)
TEST(PackLoader, AStringParameterIsItsText) {
  const std::pair<const char*, const char*> cases[] = {
      {"家庭贫困", "家庭贫困"}, {"'510104'", "510104"}, {"'\"510104\"'", "510104"}, {"\"'家庭贫困'\"", "家庭贫困"}};
  for (const auto& [written, text] : cases) {
    SCOPED_TRACE(written);
    const std::string y = replace(kBase, "  limit: {type: int, value: 6}\n",
                                  std::string("  limit: {type: int, value: 6}\n  word: {type: string, value: ") +
                                      written + "}\n");
    EXPECT_TRUE(kcbx::check_rules(y, "p.yaml").empty()) << dump(kcbx::check_rules(y, "p.yaml"));
    const kcbx::RulePack p = kcbx::parse_rules(y, "p.yaml");
    const int word = p.checked().param_index("word");
    ASSERT_GE(word, 0);
    EXPECT_EQ(p.checked().params[static_cast<size_t>(word)].front().value.text, text);
  }
}

// Keys in the wrong place are told where they belong.
TEST(PackLoader, KeysThatBelongElsewhereSayWhere) {
  const std::string top = "extends: guizhou\n" + std::string(kBase);
  EXPECT_DIAG(only_error(top), "unknown-key", "it belongs under meta", (Pos{1, 1}));
  const std::string row = replace(kBase, "{id: b, then: young}", "{id: b, override: true, then: young}");
  EXPECT_DIAG(only_error(row), "unknown-key", "write 'replace: true'", pos_of(row, "override"));
}

TEST(PackLoader, DuplicateKeyInsideAFlowMap) {
  const std::string y = replace(kBase, "{id: b, then: young}", "{id: b, then: young, then: old}");
  EXPECT_DIAG(only_error(y), "duplicate-key", "duplicate key 'then' (first at line 17)",
              pos_of(y, "then: old", 2));
}

TEST(PackLoader, MapWhereAScalarBelongs) {
  const std::string y = replace(kBase, "  age: {type: int}", "  age: {type: int, alias: {zh: x}}");
  EXPECT_DIAG(only_error(y), "wrong-type", "expected a single value here, not a map",
              pos_of(y, "{zh: x}"));
}

TEST(PackLoader, ListWhereAScalarBelongs) {
  const std::string y = replace(kBase, "then: young}", "then: [young]}");
  EXPECT_DIAG(only_error(y), "wrong-type", "not a list", pos_of(y, "[young]"));
}

TEST(PackLoader, ScalarWhereAMapBelongs) {
  const std::string y = replace(kBase, "  age: {type: int}", "  age: int");
  const kcbx::Diagnostic d = only_error(y);
  EXPECT_EQ(d.code, "wrong-type") << d.format();
  EXPECT_EQ((Pos{d.where.line, d.where.column}), pos_of(y, "int\nparam")) << d.format();
}

TEST(PackLoader, UnknownTypeName) {
  const std::string y = replace(kBase, "type: int}", "type: integer}");
  EXPECT_DIAG(only_error(y), "unknown-type", "unknown type 'integer'", (Pos{7, 15}));
}

TEST(PackLoader, UnknownFieldInExpressionSuggestsTheNearestName) {
  const std::string y = replace(kBase, "old: age > limit", "old: agee > limit");
  EXPECT_DIAG(only_error(y), "unknown-name", "unknown name 'agee'; did you mean 'age'?",
              (Pos{11, 8}));
}

TEST(PackLoader, UnknownNameInARowCondition) {
  const std::string y = replace(kBase, "when: old,", "when: age > limt,");
  EXPECT_DIAG(only_error(y), "unknown-name", "did you mean 'limit'?", pos_of(y, "limt"));
}

TEST(PackLoader, TypeMismatchEnumPlusInt) {
  const std::string y = replace(kBase, "old: age > limit", "old: registry + 1 > limit");
  EXPECT_DIAG(only_error(y), "type-mismatch", "cannot apply '+' to enum(registry) and int",
              pos_of(y, "+ 1"));
}

TEST(PackLoader, TypeMismatchIntLessThanString) {
  const std::string y = replace(kBase, "old: age > limit", "old: age < \"x\"");
  EXPECT_DIAG(only_error(y), "type-mismatch", "cannot compare int with string",
              pos_of(y, "< \"x\""));
}

TEST(PackLoader, TypeMismatchWhenIsNotACondition) {
  const std::string y = replace(kBase, "when: old,", "when: age + 1,");
  EXPECT_DIAG(only_error(y), "type-mismatch", "'when' must be a condition (bool), not int",
              pos_of(y, "+ 1,"));
}

TEST(PackLoader, TypeMismatchDatePlusInt) {
  const std::string y = replace(
      kBase, "  age: {type: int}\n", "  age: {type: int}\n  seen: {type: date}\n");
  const std::string z = replace(y, "old: age > limit", "old: seen + 7 > as_of");
  EXPECT_DIAG(only_error(z), "type-mismatch", "write a duration such as '7 days'",
              pos_of(z, "7 >"));
}

TEST(PackLoader, DuplicateRowId) {
  const std::string y = replace(kBase, "{id: b, then: young}", "{id: a, then: young}");
  // Where the first one is, as an extension's duplicate says it.
  EXPECT_DIAG(only_error(y), "duplicate-row-id", "duplicate row id 'a' in table 'status' (first at p.yaml:16:14)",
              pos_of(y, "a, then: young"));
  EXPECT_EQ(kcbx::detail::localized_message(only_error(y), "zh"), "决策表 'status' 中的行 id 'a' 重复（首次在 p.yaml:16:14）");
}

TEST(PackLoader, RowAfterAnUnconditionalRowIsUnreachable) {
  const std::string y = replace(kBase, "      - {id: b, then: young}\n",
                                "      - {id: b, then: young}\n"
                                "      - {id: c, when: old, then: other}\n");
  EXPECT_DIAG(only_error(y), "unreachable-row",
              "row 'c' can never match: row 'b' before it matches every record",
              pos_of(y, "{id: c"));
}

TEST(PackLoader, WhenTrueIsUnconditionalToo) {
  const std::string y = replace(kBase, "{id: a, when: old, then: old}",
                                "{id: a, when: true, then: old}");
  EXPECT_DIAG(only_error(y), "unreachable-row", "row 'b' can never match: row 'a'",
              pos_of(y, "{id: b"));
}

TEST(PackLoader, UnreachableRowIsFineUnderCollect) {
  const std::string y = replace(kBase, "    values: [young, old, other]\n",
                                "    hit_policy: collect\n    values: [young, old, other]\n");
  const std::string z = replace(y, "      - {id: b, then: young}\n",
                                "      - {id: b, then: young}\n"
                                "      - {id: c, when: old, then: other}\n");
  EXPECT_TRUE(kcbx::check_rules(z, "p.yaml").empty()) << dump(kcbx::check_rules(z, "p.yaml"));
}

TEST(PackLoader, UnknownEnumValueInThen) {
  const std::string y = replace(kBase, "then: young}", "then: yung}");
  EXPECT_DIAG(only_error(y), "unknown-value",
              "'yung' is not a value of table 'status'; did you mean 'young'?",
              pos_of(y, "yung"));
}

TEST(PackLoader, UnknownEnumValueInComparison) {
  const std::string y = replace(kBase, "when: old,", "when: registry = enroled,");
  EXPECT_DIAG(only_error(y), "unknown-value",
              "'enroled' is not a value of registry; did you mean 'enrolled'?",
              pos_of(y, "enroled"));
}

TEST(PackLoader, UnknownEnumValueInList) {
  const std::string y = replace(kBase, "when: old,", "when: \"registry in [none, lefft]\",");
  EXPECT_DIAG(only_error(y), "unknown-value", "did you mean 'left'?", pos_of(y, "lefft"));
}

TEST(PackLoader, UnknownEnumValueOnTheLeftOfAComparison) {
  const std::string y = replace(kBase, "when: old,", "when: enroled = registry,");
  EXPECT_DIAG(only_error(y), "unknown-value", "'enroled' is not a value of registry",
              pos_of(y, "enroled"));
}

TEST(PackLoader, DependencyCycleIsReportedOnce) {
  const std::string y =
      replace(kBase, "  old: age > limit\n", "  old: x > limit\n  x: y + 1\n  y: x - 1\n");
  EXPECT_DIAG(only_error(y), "dependency-cycle", "'x' depends on itself: x -> y -> x",
              pos_of(y, "y + 1"));
}

TEST(PackLoader, SelfReferenceIsACycle) {
  const std::string y = replace(kBase, "old: age > limit", "old: old and age > limit");
  EXPECT_DIAG(only_error(y), "dependency-cycle", "'old' depends on itself: old -> old",
              pos_of(y, "old and"));
}

TEST(PackLoader, CycleThroughATable) {
  // old reads the table, the table reads old.
  const std::string y = replace(kBase, "old: age > limit", "old: status = young");
  const std::vector<kcbx::Diagnostic> diags = kcbx::check_rules(y, "p.yaml");
  ASSERT_FALSE(diags.empty());
  for (const auto& d : diags) EXPECT_EQ(d.code, "dependency-cycle") << d.format();
  EXPECT_THROW((void)kcbx::parse_rules(y, "p.yaml"), kcbx::Error);
}

TEST(PackLoader, ParameterValueOfTheWrongType) {
  const std::string y = replace(kBase, "value: 6}", "value: 6 days}");
  const std::vector<kcbx::Diagnostic> diags = kcbx::check_rules(y, "p.yaml");
  ASSERT_FALSE(diags.empty()) << dump(diags);
  EXPECT_DIAG(diags.front(), "type-mismatch", "parameter 'limit' is int but this value is duration",
              pos_of(y, "6 days"));
  // The use of the parameter is not reported as "has no value": it has one,
  // of the wrong type, and that was reported.
  EXPECT_EQ(diags.size(), 1u) << dump(diags);
}

TEST(PackLoader, DurationParameterNeedsAUnit) {
  const std::string y = replace(kBase, "  limit: {type: int, value: 6}",
                                "  limit: {type: int, value: 6}\n  wait: {type: duration, value: 7}");
  EXPECT_DIAG(only_error(y), "type-mismatch", "write e.g. '7 days' or '1 month'",
              pos_of(y, "7}"));
}

// A number followed by a word is a duration with a unit the language does
// not have: the message names the units, points at the word and suggests
// the likely one, in a parameter's value as in an expression.
TEST(PackLoader, ANameThatIsAlsoTheEnumsValueIsReadAsTheValueWithAWarning) {
  // kBase has a bool derived value `old` and a status value `old`: where
  // the status is compared, `old` can only mean the value.
  const std::string y = replace(kBase, "  old: age > limit", "  old: age > limit\n  aged: status = old or status in [young, old]");
  const auto diags = kcbx::check_rules(y, "p.yaml");
  ASSERT_EQ(diags.size(), 2u) << dump(diags);
  for (const auto& d : diags) {
    EXPECT_EQ(d.severity, kcbx::Severity::kWarning) << d.format();
    EXPECT_EQ(d.code, "ambiguous-name");
    EXPECT_NE(d.message.find("'old' is a derived value and a value of"), std::string::npos) << d.message;
  }
  EXPECT_EQ((Pos{diags[0].where.line, diags[0].where.column}), pos_of(y, "old or"));
  // Quoted, it is the value without a word; elsewhere `old` is the derived value.
  EXPECT_TRUE(kcbx::check_rules(replace(kBase, "  old: age > limit", "  old: age > limit\n  aged: status = 'old' and old"),
                                "p.yaml").empty());
}

TEST(PackLoader, AnUnknownDurationUnitNamesTheUnits) {
  const std::string units =
      "; the units are day, days, week, weeks, month, months, year or years (such as '10 days')";
  auto with_wait = [](const std::string& value) {
    return replace(kBase, "  limit: {type: int, value: 6}",
                   "  limit: {type: int, value: 6}\n  wait: {type: duration, unit: days, value: " + value + "}");
  };
  const std::pair<const char*, const char*> cases[] = {
      {"天", "; did you mean 'days'?"}, {"Days", "; did you mean 'days'?"}, {"个月", "; did you mean 'months'?"}};
  for (const auto& [word, hint] : cases) {
    const std::string y = with_wait(std::string("10 ") + word);
    const kcbx::Diagnostic d = only_error(y);
    EXPECT_DIAG(d, "unknown-unit", "unknown duration unit '" + std::string(word) + "' after 10" + units + hint,
                pos_of(y, std::string(word) + "}"));
  }
  std::string y = with_wait("10 school days");
  EXPECT_DIAG(only_error(y), "unknown-unit", "unknown duration unit 'school' after 10" + units, pos_of(y, "school"));
  EXPECT_EQ(only_error(y).message.find("did you mean"), std::string::npos);

  // Inside parentheses the unit is what is wrong, not a missing ')'.
  y = replace(kBase, "old: age > limit", "old: (10 school days) = age");
  EXPECT_DIAG(only_error(y), "unknown-unit", "unknown duration unit 'school' after 10", pos_of(y, "school"));

  y = with_wait("1.5 months");
  EXPECT_DIAG(only_error(y), "bad-literal", "a duration is a whole number of months, not '1.5 months'",
              pos_of(y, "1.5"));
  y = with_wait("200000 days");
  EXPECT_DIAG(only_error(y), "bad-literal", "duration '200000 days' is too large; the limit is 100000 days",
              pos_of(y, "200000"));

  // Keywords after a number are not units.
  y = replace(kBase, "old: age > limit", "old: age > 6 and age < 16 or age in [1, 2]");
  EXPECT_TRUE(kcbx::check_rules(y, "p.yaml").empty()) << dump(kcbx::check_rules(y, "p.yaml"));

  const kcbx::Diagnostic zh = only_error(with_wait("10 天"));
  EXPECT_EQ(kcbx::detail::localized_message(zh, "zh"),
            "未知的时长单位 '天'（在 10 之后）；单位只能是 day、days、week、weeks、month、months、year 或 years"
            "（例如 '10 days'）；是否应为 'days'？");
}

TEST(PackLoader, ParameterUsedWithNoValue) {
  const std::string y = replace(kBase, "  limit: {type: int, value: 6}", "  limit: {type: int}");
  EXPECT_DIAG(only_error(y), "no-value",
              "parameter 'limit' has no value (line 9); set one before using it",
              pos_of(y, "limit\ntables"));
}

TEST(PackLoader, ParameterWithNoValueOnTheLeftIsReportedOnce) {
  std::string y = replace(kBase, "  limit: {type: int, value: 6}", "  limit: {type: int}");
  y = replace(y, "old: age > limit", "old: limit < age");
  EXPECT_DIAG(only_error(y), "no-value", "parameter 'limit' has no value",
              pos_of(y, "limit < age"));
}

TEST(PackLoader, ParameterWithoutValueIsFineWhenUnused) {
  const std::string y = replace(kBase, "  limit: {type: int, value: 6}",
                                "  limit: {type: int, value: 6}\n  deadline: {type: duration}");
  EXPECT_TRUE(kcbx::check_rules(y, "p.yaml").empty()) << dump(kcbx::check_rules(y, "p.yaml"));
}

TEST(PackLoader, UnknownFunctionSuggestsTheNearestOne) {
  const std::string y = replace(kBase, "old: age > limit", "old: age_of(age) > limit");
  EXPECT_DIAG(only_error(y), "unknown-function", "unknown function 'age_of'; did you mean 'age_on'?",
              pos_of(y, "age_of"));
}

TEST(PackLoader, WrongArgumentCount) {
  const std::string y = replace(kBase, "old: age > limit", "old: age > year(as_of, as_of)");
  EXPECT_DIAG(only_error(y), "wrong-arguments", "year() takes 1 argument, not 2",
              pos_of(y, "year("));
}

TEST(PackLoader, AMonthAndDayWrittenAsNumbersMustNameADay) {
  // Swapped, the evaluation would clamp them to a date a year off.
  const std::string swapped = replace(kBase, "old: age > limit", "old: latest_month_day(as_of, 31, 8) < as_of");
  EXPECT_DIAG(only_error(swapped), "wrong-arguments",
              "latest_month_day() month must be 1..12, not 31 (the arguments are date, month, day)",
              pos_of(swapped, "31"));
  const std::string no_day = replace(kBase, "old: age > limit", "old: latest_month_day(as_of, 6, 31) < as_of");
  EXPECT_DIAG(only_error(no_day), "wrong-arguments", "latest_month_day() day must be 1..30 for month 6, not 31",
              pos_of(no_day, "31"));
  const std::string negative = replace(kBase, "old: age > limit", "old: latest_month_day(as_of, -1, 5) < as_of");
  EXPECT_DIAG(only_error(negative), "wrong-arguments",
              "latest_month_day() month must be 1..12, not -1 (the arguments are date, month, day)",
              pos_of(negative, "-1"));
  // 29 February is a day of some years.
  const std::vector<kcbx::Diagnostic> leap =
      kcbx::check_rules(replace(kBase, "old: age > limit", "old: latest_month_day(as_of, 2, 29) < as_of"), "p.yaml");
  EXPECT_TRUE(leap.empty()) << dump(leap);
}

// The same from int parameters (how a province writes its [param]), every
// dated value of them: one in force later may be the wrong one.
TEST(PackLoader, AMonthAndDayFromParametersMustNameADay) {
  auto with = [](const std::string& month, const std::string& day) {
    return replace(replace(kBase, "  limit: {type: int, value: 6}",
                           "  limit: {type: int, value: 6}\n  ref_month: " + month + "\n  ref_day: " + day),
                   "old: age > limit", "old: latest_month_day(as_of, ref_month, ref_day) < as_of");
  };
  const std::string swapped = with("{type: int, value: 31}", "{type: int, value: 8}");
  EXPECT_DIAG(only_error(swapped), "wrong-arguments",
              "latest_month_day() month must be 1..12, not 31 (parameter 'ref_month') (the arguments are date, month, "
              "day)",
              pos_of(swapped, "ref_month, ref_day)"));
  const std::string later = with("{type: int, values: [{value: 8}, {from: 2022-01-01, value: 4}]}",
                                 "{type: int, value: 31}");
  EXPECT_DIAG(only_error(later), "wrong-arguments",
              "latest_month_day() day must be 1..30 for month 4, not 31 (parameter 'ref_day') (from 2022-01-01 on)",
              pos_of(later, "ref_day)"));
  // Listed newest first, read in date order: 31 April from 2022.
  const std::string newest_first = with("{type: int, values: [{from: 2022-01-01, value: 4}, {value: 8}]}",
                                        "{type: int, value: 31}");
  EXPECT_DIAG(only_error(newest_first), "wrong-arguments",
              "latest_month_day() day must be 1..30 for month 4, not 31 (parameter 'ref_day') (from 2022-01-01 on)",
              pos_of(newest_first, "ref_day)"));
  // Changed on the same day, they name a day on every day.
  const std::string both = with("{type: int, values: [{value: 8}, {from: 2022-01-01, value: 4}]}",
                                "{type: int, values: [{value: 31}, {from: 2022-01-01, value: 30}]}");
  EXPECT_TRUE(kcbx::check_rules(both, "p.yaml").empty()) << dump(kcbx::check_rules(both, "p.yaml"));
  const std::vector<kcbx::Diagnostic> fine = kcbx::check_rules(with("{type: int, value: 8}", "{type: int, value: 31}"), "p.yaml");
  EXPECT_TRUE(fine.empty()) << dump(fine);
}

TEST(PackLoader, TheJurisdictionIsADivisionCode) {
  for (const std::string bad : {"53000X", "5300000000000000", "5"}) {
    const std::string y = replace(kBase, "meta: {name: t}", "meta: {name: t, jurisdiction: \"" + bad + "\"}");
    EXPECT_DIAG(only_error(y), "bad-code",
                "jurisdiction '" + bad + "' is not a division code (2 to 12 digits, such as \"520000\")",
                pos_of(y, "\"" + bad));
  }
  for (const std::string good : {"53", "530000", "530102001001"}) {
    const auto d = kcbx::check_rules(replace(kBase, "meta: {name: t}", "meta: {name: t, jurisdiction: \"" + good + "\"}"),
                                     "p.yaml");
    EXPECT_TRUE(d.empty()) << dump(d);
  }
}

TEST(PackLoader, WrongArgumentType) {
  const std::string y = replace(kBase, "old: age > limit", "old: age > year(age)");
  EXPECT_DIAG(only_error(y), "type-mismatch", "year() argument 1 must be date, not int",
              pos_of(y, "age)"));
}

TEST(PackLoader, MissingRequiredKeyInRow) {
  const std::string y = replace(kBase, "{id: b, then: young}", "{id: b}");
  EXPECT_DIAG(only_error(y), "missing-key", "row needs 'then'", pos_of(y, "{id: b}"));
}

TEST(PackLoader, MissingTypeOfAField) {
  const std::string y = replace(kBase, "  age: {type: int}", "  age: {alias: x}");
  EXPECT_DIAG(only_error(y), "missing-key", "field 'age' needs 'type'", pos_of(y, "{alias: x}"));
}

TEST(PackLoader, MissingPackName) {
  const std::string y = replace(kBase, "meta: {name: t}", "meta: {version: 1.0.0}");
  EXPECT_DIAG(only_error(y), "missing-key", "needs 'meta: {name: ...}'", (Pos{1, 1}));
}

TEST(PackLoader, EnumFieldWithoutValues) {
  const std::string y = replace(kBase, "    type: enum\n    values: [none, enrolled, left]\n",
                                "    type: enum\n");
  EXPECT_DIAG(only_error(y), "missing-key", "needs 'values'", pos_of(y, "type: enum"));
}

TEST(PackLoader, SyntaxErrorInExpression) {
  const std::string y = replace(kBase, "old: age > limit", "old: age > (limit");
  EXPECT_DIAG(only_error(y), "syntax", "expected ')' but found the end of the expression",
              (Pos{11, 20}));
}

TEST(PackLoader, IfWithoutElse) {
  const std::string y = replace(kBase, "old: age > limit", "old: if age > 1 then true");
  EXPECT_DIAG(only_error(y), "syntax", "every 'if' needs one", (Pos{11, 28}));
}

TEST(PackLoader, PositionsAfterAnEscapeInADoubleQuotedScalar) {
  // The string literal "x" is written \"x\" inside the YAML scalar.
  const std::string y = replace(kBase, "when: old,", "when: \"registry = \\\"x\\\"\",");
  EXPECT_DIAG(only_error(y), "unknown-value", "'x' is not a value of registry",
              pos_of(y, "\"x\\"));
}

TEST(PackLoader, PositionsInsideQuotedScalars) {
  for (const char* quote : {"\"", "'"}) {
    const std::string y = replace(kBase, "when: old,",
                                  std::string("when: ") + quote + "registry = enroled" + quote + ",");
    EXPECT_DIAG(only_error(y), "unknown-value", "'enroled'", pos_of(y, "enroled"));
  }
}

TEST(PackLoader, PositionsInsideMultiLineExpressions) {
  // Literal block, folded block and a plain scalar continued on the next
  // line: the diagnostic points into the file, not into the folded value.
  for (const char* expr : {"expr: |\n      age > limit and\n        registry = enroled\n",
                           "expr: >-\n      age > limit and\n      registry = enroled\n",
                           "expr: age > limit and\n      registry = enroled\n"}) {
    const std::string y = replace(kBase, "  old: age > limit\n", std::string("  old:\n    ") + expr);
    SCOPED_TRACE(expr);
    EXPECT_DIAG(only_error(y), "unknown-value", "'enroled'", pos_of(y, "enroled"));
  }
}

TEST(PackLoader, UnknownClauseCitation) {
  const std::string y = "clauses:\n  D3: {zh: x}\n" +
                        replace(replace(kBase, "then: young}", "then: young, clause: D4}"), "then: old}",
                                "then: old, clause: D3}");
  EXPECT_DIAG(only_error(y), "unknown-clause", "clause 'D4' is not in 'clauses'; did you mean 'D3'?",
              pos_of(y, "D4"));
}

TEST(PackLoader, ChineseNameMustGoInAlias) {
  const std::string y = replace(kBase, "  age: {type: int}", "  age: {type: int}\n  年龄: {type: int}");
  EXPECT_DIAG(only_error(y), "bad-name", "put Chinese in 'alias'", pos_of(y, "年龄"));
}

TEST(PackLoader, ATableNameInChineseIsToldWhereChineseGoes) {
  const std::string y = replace(kBase, "tables:\n  status:", "tables:\n  状态:");
  const auto diags = kcbx::check_rules(y, "p.yaml");
  ASSERT_FALSE(diags.empty());
  EXPECT_EQ(diags[0].code, "bad-name");
  EXPECT_NE(diags[0].message.find("a table has no alias: put Chinese in its 'description' and its values' labels"),
            std::string::npos)
      << diags[0].message;
}

// Punctuation typed on a Chinese keyboard: an error at the character naming
// the ASCII one, not a name made of two values or "unexpected '≥'". A
// Chinese bracket inside a name (a header such as 户籍地（县）) stays part of it.
TEST(PackLoader, ChinesePunctuationInAnExpressionNamesTheAsciiOne) {
  std::string y = replace(kBase, "  old: age > limit", "  old: age > limit\n  x: \"registry in [none，left]\"");
  EXPECT_DIAG(only_error(y), "syntax", "'，' is not part of the language; write ',' (ASCII)", pos_of(y, "，"));
  y = replace(kBase, "  old: age > limit", "  old: age ≥ limit");
  EXPECT_DIAG(only_error(y), "syntax", "'≥' is not part of the language; write '>=' (ASCII)", pos_of(y, "≥"));
  // The brackets the [ ] keys type in Chinese mode, and a full-width
  // parenthesis that starts a name.
  y = replace(kBase, "  old: age > limit", "  old: \"registry in 【none, left】\"");
  EXPECT_DIAG(only_error(y), "syntax", "'【' is not part of the language; write '[' (ASCII)", pos_of(y, "【"));
  y = replace(kBase, "  old: age > limit", "  old: \"registry in ［none, left]\"");
  EXPECT_DIAG(only_error(y), "syntax", "'［' is not part of the language; write '[' (ASCII)", pos_of(y, "［"));
  y = replace(kBase, "  old: age > limit", "  old: age > limit and （age < 99)");
  EXPECT_DIAG(only_error(y), "syntax", "'（' is not part of the language; write '(' (ASCII)", pos_of(y, "（"));
  y = replace(kBase, "  old: age > limit", "  old: age > limit and（age < 99)");
  EXPECT_DIAG(only_error(y), "syntax", "'（' is not part of the language; write '(' (ASCII)", pos_of(y, "（"));
  // A number with an exponent is named as such, not as a duration's unit.
  y = replace(kBase, "  old: age > limit", "  old: age > 1e400");
  EXPECT_DIAG(only_error(y), "bad-literal", "'1e400' has an exponent; write the number out in digits (1500, 0.001)",
              pos_of(y, "e400"));
  y = replace(kBase, "  old: age > limit", "  old: age > 2 e5");  // not glued: an unknown unit
  EXPECT_EQ(only_error(y).code, "unknown-unit");
  // A Chinese connective between two conditions names the keyword.
  y = replace(kBase, "  old: age > limit", "  old: age > limit 且 age < 99");
  EXPECT_DIAG(only_error(y), "syntax", "unexpected '且' after the end of the expression; write 'and'", pos_of(y, "且"));
  EXPECT_EQ(kcbx::detail::localized_message(only_error(y), "zh"), "表达式结束后多出了 '且'；表达式中请写 'and'");
  y = replace(kBase, "  age: {type: int}", "  age: {type: int, alias: 年龄（周岁）}");
  y = replace(y, "  old: age > limit", "  old: 年龄（周岁） > limit");
  EXPECT_TRUE(kcbx::check_rules(y, "p.yaml").empty()) << dump(kcbx::check_rules(y, "p.yaml"));
  // So do 【】 inside a name, and an ASCII word before （ that is no keyword.
  for (const char* alias : {"年龄【周岁】", "AGE（周岁）"}) {
    y = replace(kBase, "  age: {type: int}", std::string("  age: {type: int, alias: ") + alias + "}");
    y = replace(y, "  old: age > limit", std::string("  old: ") + alias + " > limit");
    EXPECT_TRUE(kcbx::check_rules(y, "p.yaml").empty()) << alias << dump(kcbx::check_rules(y, "p.yaml"));
  }
}

// A date written as a spreadsheet shows it (2019-9-15, 2019/9/15) would be
// a subtraction or a division of numbers, and fail later as "cannot
// compare date with int": said at the date, with the form to write.
TEST(PackLoader, ADateNotWrittenYyyyMmDdIsNamed) {
  std::string y = replace(kBase, "  old: age > limit", "  old: as_of > 2019-9-15");
  EXPECT_DIAG(only_error(y), "syntax", "'2019-9-15' is not a date; write YYYY-MM-DD (2019-09-15)", pos_of(y, "2019-9"));
  y = replace(kBase, "  old: age > limit", "  old: as_of > 2019/09/15");
  EXPECT_DIAG(only_error(y), "syntax", "'2019/09/15' is not a date; write YYYY-MM-DD (2019-09-15)", pos_of(y, "2019/"));
  // Arithmetic on numbers stays arithmetic.
  y = replace(kBase, "  old: age > limit", "  old: age > 2019 - 9 - 15");
  EXPECT_TRUE(kcbx::check_rules(y, "p.yaml").empty()) << dump(kcbx::check_rules(y, "p.yaml"));
}

// A percentage (a target "at least 96%") is said as the share to write.
TEST(PackLoader, APercentageIsNamedWithTheShareToWrite) {
  std::string y = replace(kBase, "  old: age > limit", "  old: age > 12.5%");
  EXPECT_DIAG(only_error(y), "syntax", "unexpected character '%': write a percentage as a share (12.5% is 0.125)",
              pos_of(y, "%"));
  EXPECT_EQ(kcbx::detail::localized_message(only_error(y), "zh"), "意外的字符 '%'：百分数请写成小数（12.5% 写作 0.125）");
}

// A check's reject names a field: its `column`, else the first field its
// condition reads (through derived values); a `column` that is no field is
// an error at it.
TEST(PackLoader, ACheckNamesTheColumnOfItsRejects) {
  const std::string y = std::string(kBase) + "checks:\n  - {id: c1, require: old, message: too old}\n"
                        "  - {id: c2, require: age < 99, message: m, column: registry}\n"
                        "  - {id: c3, require: true, message: m}\n";
  std::vector<kcbx::Diagnostic> diags;
  const kcbx::RulePack pack = kcbx::parse_rules(y, "p.yaml");
  EXPECT_EQ(pack.checked().check_columns, (std::vector<std::string>{"age", "registry", ""}));
  const std::string bad = std::string(kBase) + "checks:\n  - {id: c1, require: old, message: m, column: agee}\n";
  EXPECT_DIAG(only_error(bad), "unknown-name", "agee", pos_of(bad, "agee"));
}

TEST(PackLoader, OutputThatIsAParameter) {
  const std::string y = std::string(kBase) + "outputs: [limit]\n";
  EXPECT_DIAG(only_error(y), "wrong-type", "output 'limit' must be a per-record value",
              pos_of(y, "limit]"));
}

TEST(PackLoader, BadFieldDefault) {
  const std::string y = replace(kBase, "  age: {type: int}", "  age: {type: int, default: ten}");
  EXPECT_DIAG(only_error(y), "bad-default", "'ten' is not a whole number", pos_of(y, "ten"));
}

// ---- nothing is half-loaded; everything is reported ----------------------------

TEST(PackLoader, SeveralErrorsAreAllReported) {
  std::string y = replace(kBase, "old: age > limit", "old: agee > limit\n  o2: registry + 1");
  y = replace(y, "then: young}", "then: yung}");
  y = replace(y, "{id: a, when: old", "{id: b, when: old");
  const std::vector<kcbx::Diagnostic> diags = kcbx::check_rules(y, "p.yaml");
  std::vector<std::string> codes;
  for (const auto& d : diags) codes.push_back(d.code);
  std::sort(codes.begin(), codes.end());
  const std::vector<std::string> want = {"duplicate-row-id", "type-mismatch", "unknown-name",
                                         "unknown-value"};
  EXPECT_EQ(codes, want) << dump(diags);
  try {
    (void)kcbx::parse_rules(y, "p.yaml");
    ADD_FAILURE() << "parse_rules accepted a broken pack";
  } catch (const kcbx::Error& e) {
    EXPECT_EQ(e.diagnostics().size(), diags.size());
    for (const auto& d : diags)
      EXPECT_NE(std::string(e.what()).find(d.format()), std::string::npos) << e.what();
  }
}

TEST(PackLoader, SeveralLoadErrorsAreAllReported) {
  std::string y = replace(kBase, "type: int}", "type: integer}");
  y = replace(y, "{id: a, when: old", "{id: a, whem: old");
  y = replace(y, "  age: {type: integer}\n", "  age: {type: integer}\n  age: {type: int}\n");
  const std::vector<kcbx::Diagnostic> diags = kcbx::check_rules(y, "p.yaml");
  std::vector<std::string> codes;
  for (const auto& d : diags) codes.push_back(d.code);
  std::sort(codes.begin(), codes.end());
  const std::vector<std::string> want = {"duplicate-key", "unknown-key", "unknown-type"};
  EXPECT_EQ(codes, want) << dump(diags);
}

TEST(PackLoader, LoadRulesReportsTheFileItCannotRead) {
  try {
    (void)kcbx::load_rules("/nonexistent/dir/pack.yaml");
    ADD_FAILURE() << "no error";
  } catch (const kcbx::Error& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].code, "cannot-read");
    EXPECT_EQ(e.diagnostics()[0].where.file, "/nonexistent/dir/pack.yaml");
    EXPECT_EQ(e.diagnostics()[0].message, "cannot open the rule pack: there is no such file");
  }
  // A folder given for the pack, as `--rules rules/` is typed.
  try {
    (void)kcbx::load_rules(KCBX_SOURCE_DIR "/rules");
    ADD_FAILURE() << "no error";
  } catch (const kcbx::Error& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].message, "cannot open the rule pack: it is a folder, not a file");
  }
}

TEST(PackLoader, EmptyPack) {
  for (const char* text : {"", "   \n", "# only a comment\n"}) {
    const std::vector<kcbx::Diagnostic> diags = kcbx::check_rules(text, "p.yaml");
    ASSERT_EQ(diags.size(), 1u) << dump(diags);
    EXPECT_EQ(diags[0].code, "empty-pack");
    EXPECT_THROW((void)kcbx::parse_rules(text, "p.yaml"), kcbx::Error);
  }
}

TEST(PackLoader, UnknownEmbeddedPack) {
  EXPECT_THROW((void)kcbx::default_rules("atlantis"), kcbx::Error);
  const std::vector<std::string> names = kcbx::embedded_rule_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "guizhou"), names.end());
}

// ---- hostile packs ---------------------------------------------------------------

template <class F>
double seconds(F f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TEST(PackLoader, AliasBombIsRefusedQuickly) {
  // "Billion laughs": 9 levels of 9 aliases expand to 9^10 scalars.
  std::string y = "meta: {name: t}\nclauses:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i <= 9; ++i) {
    const std::string prev = "*a" + std::to_string(i - 1);
    y += "  a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 9; ++k) y += (k ? ", " : "") + prev;
    y += "]\n";
  }
  y += std::string(kBase.substr(kBase.find("fields:")));
  std::vector<kcbx::Diagnostic> diags;
  const double s = seconds([&] { diags = kcbx::check_rules(y, "p.yaml"); });
  EXPECT_LT(s, 2.0);
  ASSERT_EQ(diags.size(), 1u) << dump(diags);
  EXPECT_DIAG(diags[0], "too-large", "are anchors and aliases multiplying it?", (Pos{1, 1}));
  EXPECT_THROW((void)kcbx::parse_rules(y, "p.yaml"), kcbx::Error);
}

TEST(PackLoader, DeepFlowNestingIsRefusedQuickly) {
  const std::string y = std::string(kBase) + "clauses:\n  x: " + std::string(200, '[') +
                        std::string(200, ']') + "\n";
  std::vector<kcbx::Diagnostic> diags;
  const double s = seconds([&] { diags = kcbx::check_rules(y, "p.yaml"); });
  EXPECT_LT(s, 2.0);
  ASSERT_EQ(diags.size(), 1u) << dump(diags);
  EXPECT_DIAG(diags[0], "too-deep", "nests deeper than 64 levels", (Pos{1, 1}));
}

TEST(PackLoader, DeepBlockNestingIsRefusedQuickly) {
  std::string y = std::string(kBase) + "clauses:\n";
  for (int i = 0; i < 200; ++i) y += std::string(2 * (i + 1), ' ') + "k" + std::to_string(i) + ":\n";
  y += std::string(402, ' ') + "v\n";
  std::vector<kcbx::Diagnostic> diags;
  const double s = seconds([&] { diags = kcbx::check_rules(y, "p.yaml"); });
  EXPECT_LT(s, 2.0);
  ASSERT_EQ(diags.size(), 1u) << dump(diags);
  EXPECT_EQ(diags[0].code, "too-deep") << diags[0].format();
}

TEST(PackLoader, ExpressionNestedAThousandLevelsDeep) {
  const std::string parens = "old: " + std::string(1000, '(') + "age" + std::string(1000, ')') + " > limit";
  const std::string y = replace(kBase, "old: age > limit", parens);
  std::vector<kcbx::Diagnostic> diags;
  const double s = seconds([&] { diags = kcbx::check_rules(y, "p.yaml"); });
  EXPECT_LT(s, 2.0);
  ASSERT_EQ(diags.size(), 1u) << dump(diags);
  // The 101st '(' is where the limit of 100 levels is crossed.
  EXPECT_DIAG(diags[0], "expression-too-deep", "deeper than 100 levels", (Pos{11, 8 + 100}));
  EXPECT_THROW((void)kcbx::parse_rules(y, "p.yaml"), kcbx::Error);
}

TEST(PackLoader, DeeplyNestedNotsIfsMinusesAndCalls) {
  std::string nots;
  for (int i = 0; i < 1000; ++i) nots += "not ";
  std::string ifs;
  for (int i = 0; i < 500; ++i) ifs += "if true then ";
  ifs += "true";
  for (int i = 0; i < 500; ++i) ifs += " else false";
  std::string minus = "age > ";
  for (int i = 0; i < 1000; ++i) minus += "- ";
  minus += "1";
  std::string calls = "age > ";
  for (int i = 0; i < 1000; ++i) calls += "min(1, ";
  calls += "1";
  for (int i = 0; i < 1000; ++i) calls += ")";
  for (const std::string& e : {nots + "(age > limit)", ifs, minus, calls}) {
    const std::string y = replace(kBase, "old: age > limit", "old: " + e);
    std::vector<kcbx::Diagnostic> diags;
    const double s = seconds([&] { diags = kcbx::check_rules(y, "p.yaml"); });
    EXPECT_LT(s, 2.0);
    ASSERT_EQ(diags.size(), 1u) << dump(diags);
    EXPECT_EQ(diags[0].code, "expression-too-deep") << diags[0].format();
  }
}

TEST(PackLoader, LongFlatExpressionIsFine) {
  // 5000 terms: long, but flat; bounded by the expression size limit, not
  // refused for depth.
  std::string sum = "old: ";
  for (int i = 0; i < 5000; ++i) sum += i ? "+1" : "1";
  sum += " > limit";
  const std::string y = replace(kBase, "old: age > limit", sum);
  EXPECT_TRUE(kcbx::check_rules(y, "p.yaml").empty());
  const kcbx::Engine e(kcbx::parse_rules(y, "p.yaml"));
  kcbx::Record r;
  r.set("student_id", "1").set("registry", "none");
  const auto ex = e.explain(r, *kcbx::Date::parse("2020-01-01"));
  ASSERT_EQ(ex.decisions.size(), 1u);
  EXPECT_EQ(ex.decisions[0].value, "old");
}

TEST(PackLoader, OversizedExpressionIsRefused) {
  std::string sum = "old: ";
  for (int i = 0; i < 9000; ++i) sum += i ? "+1" : "1";
  sum += " > limit";
  const std::string y = replace(kBase, "old: age > limit", sum);
  EXPECT_DIAG(only_error(y), "expression-too-large", "the limit is 16384", (Pos{11, 8}));
}

}  // namespace
