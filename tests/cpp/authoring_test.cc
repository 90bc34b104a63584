// What a rule author from another province ran into, each pinned with the
// exact message and line:column: field aliases in expressions (and the
// canonical names in traces), columns that count characters rather than
// UTF-8 bytes (and a caret that lines up under Chinese text), a misspelt
// name before `in [..]`, an extension changing a base's values, hints for
// YAML mistakes (tabs, unquoted expressions in {...}), and empty set cells.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "kcbx/columns.h"
#include "kcbx/kcbx.h"
#include "kcbx/rule_tests.h"
#include "pack/checked_pack.h"
#include "pack/extend.h"
#include "pack/messages.h"
#include "util/utf8.h"
#include "dates_support.h"

namespace {

namespace fs = std::filesystem;
using Sources = std::vector<std::pair<std::string, std::string>>;

using kcbx::testing::day;

// "file:line:col: error: message [code]" of every diagnostic, one a line.
std::string all(const std::vector<kcbx::Diagnostic>& ds) {
  std::string out;
  for (const auto& d : ds) out += d.format() + "\n";
  return out;
}

std::vector<kcbx::Diagnostic> diagnostics(const Sources& sources) {
  try {
    (void)kcbx::parse_rules(sources);
  } catch (const kcbx::Error& e) {
    return e.diagnostics();
  }
  return {};
}

// The one diagnostic a pack gives, formatted.
std::string only(const std::vector<kcbx::Diagnostic>& ds) {
  EXPECT_EQ(ds.size(), 1u) << all(ds);
  return ds.empty() ? std::string() : ds.front().format();
}

std::string zh(const kcbx::Diagnostic& d) { return kcbx::detail::localized_message(d, "zh"); }

// The line number (as text) of the line of the Guizhou pack that starts
// with `start`.
std::string guizhou_line(const std::string& start) {
  std::istringstream in(kcbx::default_rules().source());
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (line.rfind(start, 0) == 0) return std::to_string(n);
  }
  ADD_FAILURE() << "no line starts with '" << start << "'";
  return "?";
}

// A small pack with Chinese aliases.
constexpr const char* kPack = R"(meta: {name: t}
fields:
  student_id: {alias: 学籍号, type: string, required: true, unique: true}
  registry:
    alias: 学籍状态
    type: enum
    values: {none: 未入学, enrolled: 在籍, left: 退学}
  age: {alias: 年龄, type: int}
  poor: {alias: 建档立卡, type: bool, default: "false"}
  disabled: {alias: 残疾, type: bool, default: "false"}
  aid:
    alias: 受助情况
    type: set
    values: {two_free: 两免, nutrition: 营养改善计划}
derive:
  m3: 建档立卡 or 残疾
  aid_count: count(aid)
tables:
  status:
    values: {helped: 重点帮扶, enrolled: 在校, other: 其他}
    rows:
      - {id: helped, when: 建档立卡 and 学籍状态 = 在籍, then: helped}
      - {id: in_school, when: "registry in [在籍]", then: enrolled}
      - {id: other, then: other}
)";

// ---- 1. Field aliases in expressions ---------------------------------------------

TEST(Authoring, FieldAliasesAreNamesInExpressions) {
  const kcbx::RulePack p = kcbx::parse_rules(kPack, "t.yaml");
  kcbx::Engine e(p);
  kcbx::Record r;
  r.set("student_id", "S1").set("registry", "enrolled").set("建档立卡", "是");
  const kcbx::Explanation ex = e.explain(r, day("2020-01-01"));
  ASSERT_EQ(ex.decisions.size(), 1u);
  EXPECT_EQ(ex.decisions[0].value, "helped");
  // The trace shows the condition as written and names the fields as the
  // pack does, never by their alias.
  ASSERT_FALSE(ex.tried.empty());
  EXPECT_EQ(ex.tried[0].when, "建档立卡 and 学籍状态 = 在籍");
  std::vector<std::string> names;
  for (const auto& v : ex.values) names.push_back(v.name);
  EXPECT_NE(std::find(names.begin(), names.end(), "poor"), names.end()) << ::testing::PrintToString(names);
  EXPECT_NE(std::find(names.begin(), names.end(), "registry"), names.end()) << ::testing::PrintToString(names);
  EXPECT_EQ(std::find(names.begin(), names.end(), "建档立卡"), names.end());
  EXPECT_EQ(std::find(names.begin(), names.end(), "学籍状态"), names.end());
  const auto& reads = p.checked().derive_reads[0];
  EXPECT_EQ(reads, (std::vector<std::string>{"poor", "disabled"}));
}

TEST(Authoring, AliasesWorkOnGuizhouAndFromAnExtension) {
  // The report's pack: m3 reads two Guizhou fields by their aliases, m4 a
  // field the extension adds, by the alias it gives it.
  const std::string ext = R"(meta: {name: x, extends: guizhou}
fields:
  migrant: {alias: 流动儿童, type: bool, default: "false"}
derive:
  m3: 建档立卡 or 残疾
  m4: 流动儿童 and not 建档立卡
)";
  const kcbx::RulePack p = kcbx::parse_rules(ext, "x.yaml");
  const auto& cp = p.checked();
  EXPECT_EQ(cp.derive_reads[static_cast<size_t>(cp.derive_index("m3"))],
            (std::vector<std::string>{"poor", "disabled"}));
  EXPECT_EQ(cp.derive_reads[static_cast<size_t>(cp.derive_index("m4"))],
            (std::vector<std::string>{"migrant", "poor"}));
}

TEST(Authoring, AnUnknownNameNearAnAliasSuggestsTheField) {
  const std::string ext = R"(meta: {name: x, extends: guizhou}
derive:
  m3: 建档立卡户 or 残疾
)";
  const auto ds = kcbx::check_rules(ext, "x.yaml");
  EXPECT_EQ(only(ds),
            "x.yaml:3:7: error: unknown name '建档立卡户'; did you mean 'poor' (建档立卡)? [unknown-name]");
  ASSERT_FALSE(ds.empty());
  EXPECT_EQ(zh(ds[0]), "未知的名称 '建档立卡户'；是否应为 'poor'（建档立卡）？");
  // One character off in two is near; an unrelated two-character name is
  // not "near" every two-character alias.
  const auto near = kcbx::check_rules("meta: {name: x, extends: guizhou}\nderive:\n  m3: 孤独 or 残疾\n", "x.yaml");
  EXPECT_EQ(only(near), "x.yaml:3:7: error: unknown name '孤独'; did you mean 'orphan' (孤儿)? [unknown-name]");
  const auto far = kcbx::check_rules("meta: {name: x, extends: guizhou}\nderive:\n  m3: 外地 or 残疾\n", "x.yaml");
  EXPECT_EQ(only(far), "x.yaml:3:7: error: unknown name '外地' [unknown-name]");
}

TEST(Authoring, AnEnumLabelWinsOverAFieldAliasWhereAValueIsExpected) {
  // 退学 is both a registry label and the alias of a field.
  const std::string pack = R"(meta: {name: t}
fields:
  student_id: {type: string, required: true, unique: true}
  registry: {type: enum, values: {enrolled: 在籍, left: 退学}}
  quit: {alias: 退学, type: bool, default: "false"}
derive:
  a: registry = 退学
  b: 退学 and registry in [在籍]
)";
  const kcbx::RulePack p = kcbx::parse_rules(pack, "t.yaml");
  const auto& cp = p.checked();
  EXPECT_EQ(cp.derive_reads[0], (std::vector<std::string>{"registry"}));
  EXPECT_EQ(cp.derive_reads[1], (std::vector<std::string>{"quit", "registry"}));
}

TEST(Authoring, TwoFieldsCannotShareAnAlias) {
  const std::string pack = R"(meta: {name: t}
fields:
  student_id: {type: string, required: true, unique: true}
  poor: {alias: 建档立卡, type: bool}
  poor2: {alias: 建档立卡, type: bool}
)";
  EXPECT_EQ(only(kcbx::check_rules(pack, "t.yaml")),
            "t.yaml:5:18: error: field 'poor2' reuses the alias '建档立卡' of field 'poor' (t.yaml:4:17) [duplicate-name]");
  // The alias of a base field, from an extension.
  const auto ds = diagnostics({{"x.yaml", "meta: {name: x, extends: guizhou}\nfields:\n  poor2: {alias: 建档立卡, type: bool}\n"}});
  ASSERT_EQ(ds.size(), 1u) << all(ds);
  EXPECT_EQ(ds[0].format(), "x.yaml:3:18: error: field 'poor2' reuses the alias '建档立卡' of field 'poor' (<embedded:guizhou>:" +
                                guizhou_line("  poor: ") + ":29) [duplicate-name]");
  EXPECT_EQ(zh(ds[0]), "字段 'poor2' 与字段 'poor'（<embedded:guizhou>:" + guizhou_line("  poor: ") +
                           ":29）使用了相同的别名 '建档立卡'");
}

// ---- 2. Columns count characters -------------------------------------------------

TEST(Authoring, ExpressionColumnsCountCharacters) {
  // The report's line: `agee` is the 25th character, the 29th byte.
  const std::string ext = "meta: {name: x, extends: guizhou}\nderive:\n  m2: registry = 在籍 and agee > 6\n";
  EXPECT_EQ(only(kcbx::check_rules(ext, "x.yaml")),
            "x.yaml:3:25: error: unknown name 'agee'; did you mean 'age'? [unknown-name]");
  // In a quoted scalar, and on the second line of a block scalar.
  const std::string quoted = "meta: {name: x, extends: guizhou}\nderive:\n  m2: \"registry = 在籍 and agee > 6\"\n";
  EXPECT_EQ(only(kcbx::check_rules(quoted, "x.yaml")),
            "x.yaml:3:26: error: unknown name 'agee'; did you mean 'age'? [unknown-name]");
  const std::string block =
      "meta: {name: x, extends: guizhou}\nderive:\n  m2: |\n    registry = 在籍 and\n    \"学生\" = name and agee > 6\n";
  EXPECT_EQ(only(kcbx::check_rules(block, "x.yaml")),
            "x.yaml:5:21: error: unknown name 'agee'; did you mean 'age'? [unknown-name]");
}

TEST(Authoring, YamlColumnsCountCharacters) {
  const std::string pack = R"(meta: {name: t}
fields:
  student_id: {alias: 学籍号, type: string, required: true, unique: true}
  registry: {alias: 学籍状态, type: enum, valeus: [a]}
)";
  const auto ds = kcbx::check_rules(pack, "t.yaml");
  ASSERT_FALSE(ds.empty());
  EXPECT_EQ(ds[0].format(),
            "t.yaml:4:39: error: unknown key 'valeus' in field 'registry'; did you mean 'values'? [unknown-key]");
}

// In a single-quoted YAML string '' is one quote: a name after two of them
// is found where it is written, as after a double-quoted string's escapes.
TEST(Authoring, ColumnsAfterDoubledQuotesInASingleQuotedString) {
  for (const std::string line : {"  q: 'dropout_reason = ''a'' and agee > 1'",
                                 "  q: \"dropout_reason = \\\"a\\\" and agee > 1\"",
                                 "  q: 'dropout_reason = ''借读'' and agee > 1'"}) {
    const auto ds = kcbx::check_rules("meta: {name: z, extends: guizhou}\nderive:\n" + line + "\n", "z.yaml");
    ASSERT_EQ(ds.size(), 1u) << all(ds);
    EXPECT_EQ(ds[0].where.line, 3) << line;
    EXPECT_EQ(ds[0].where.column, kcbx::detail::utf8_length(line.substr(0, line.find("agee"))) + 1) << line;
  }
}

TEST(Authoring, TheCaretIsPaddedByDisplayWidth) {
  using kcbx::detail::caret_padding;
  const std::string line = "  m2: registry = 在籍 and agee > 6";
  // 24 characters before column 25, two of them two cells wide.
  EXPECT_EQ(caret_padding(line, 25), std::string(26, ' '));
  EXPECT_EQ(caret_padding("\tx: 学生 y", 8), "\t" + std::string(8, ' '));
  EXPECT_EQ(caret_padding("abc", 1), "");
  EXPECT_EQ(caret_padding("（，）a", 4), std::string(6, ' '));
}

int exit_code(const std::string& cmd) {
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Authoring, ValidatePrintsTheCaretUnderTheCharacter) {
  const std::string cli = KCBX_CLI;
  if (cli.empty()) GTEST_SKIP() << "the kcbx command is not built";
  const fs::path dir = fs::temp_directory_path() / ("kcbx_authoring_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path pack = dir / "x.yaml";
  std::ofstream(pack, std::ios::binary) << "meta: {name: x, extends: guizhou}\nderive:\n"
                                           "  m2: registry = 在籍 and agee > 6\n";
  const fs::path out = dir / "out.txt";
  EXPECT_EQ(exit_code(cli + " validate --rules " + pack.string() + " > " + out.string() + " 2>&1"), 1);
  const std::string text = read_file(out);
  EXPECT_NE(text.find(pack.string() + ":3:25: error: unknown name 'agee'; did you mean 'age'? [unknown-name]\n"
                      "    m2: registry = 在籍 and agee > 6\n"
                      "  " + std::string(26, ' ') + "^\n"),
            std::string::npos)
      << text;
  fs::remove_all(dir);
}

// ---- 3. A misspelt name before `in [..]` -----------------------------------------

TEST(Authoring, AMisspeltNameBeforeInIsAnUnknownName) {
  const std::string ext = R"(meta: {name: x, extends: guizhou}
derive:
  x: statuss in [dropout]
  y: agee in [6, 7]
  z: registry not in [left] and statuss not in [dropout]
)";
  const auto ds = kcbx::check_rules(ext, "x.yaml");
  ASSERT_EQ(ds.size(), 3u) << all(ds);
  EXPECT_EQ(ds[0].format(), "x.yaml:3:6: error: unknown name 'statuss'; did you mean 'status'? [unknown-name]");
  EXPECT_EQ(ds[1].format(), "x.yaml:4:6: error: unknown name 'agee'; did you mean 'age'? [unknown-name]");
  EXPECT_EQ(ds[2].format(), "x.yaml:5:33: error: unknown name 'statuss'; did you mean 'status'? [unknown-name]");
  // The same message as for `statuss = dropout`.
  EXPECT_EQ(only(kcbx::check_rules("meta: {name: x, extends: guizhou}\nderive:\n  x: statuss = dropout\n",
                                   "x.yaml")),
            "x.yaml:3:6: error: unknown name 'statuss'; did you mean 'status'? [unknown-name]");
}

// ---- 4. Extensions changing a base's values --------------------------------------

kcbx::Record approved_leave() {
  kcbx::Record r;
  r.set("student_id", "G1").set("registry", "suspended").set("birth_date", "2010-03-01");
  return r;
}

// The printed pack without its provenance: the header line and each
// item's "  # file:line".
std::string without_origins(const std::string& printed) {
  std::istringstream in(printed);
  std::string line, out;
  std::getline(in, line);  // "# effective rule pack, merged from: ..."
  while (std::getline(in, line)) {
    const size_t hash = line.rfind("  # ");
    if (hash != std::string::npos && line.find(':', hash) != std::string::npos) line.resize(hash);
    out += line + "\n";
  }
  return out;
}

TEST(Authoring, ThePrintedEffectivePackIsAPackOfItsOwn) {
  // Guizhou printed loads, prints the same again, and passes Guizhou's own
  // tests: every section and key is there.
  const kcbx::RulePack g = kcbx::default_rules();
  const std::string printed = kcbx::detail::print_effective(*g.checked().pack);
  const kcbx::RulePack again = kcbx::parse_rules(printed, "effective.yaml");
  EXPECT_EQ(without_origins(kcbx::detail::print_effective(*again.checked().pack)), without_origins(printed));
  const fs::path dir = fs::temp_directory_path() / ("kcbx_effective_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "guizhou.yaml") << printed;
  std::ifstream tests_in(KCBX_SOURCE_DIR "/rules/guizhou.tests.yaml");
  const std::string tests((std::istreambuf_iterator<char>(tests_in)), std::istreambuf_iterator<char>());
  const kcbx::RuleTestReport r = kcbx::run_rule_tests(tests, (dir / "guizhou.tests.yaml").string());
  EXPECT_GT(r.tests.size(), 20u);
  for (const auto& t : r.tests) EXPECT_TRUE(t.passed()) << r.format(true);
  for (const auto& d : r.diagnostics) EXPECT_NE(d.severity, kcbx::Severity::kError) << d.format();
  fs::remove_all(dir);

  // An extension printed decides as the extension does.
  const std::string ext = R"(meta: {name: x, extends: guizhou, jurisdiction: "530000"}
parameters:
  suspected_after: {override: true, from: 2019-09-01, value: 10 days}
tables:
  status:
    values: {transferred: 转出, not_counted: {alias: 暂不统计, override: true}}
    rows:
      - {id: moved, before: completed, when: registry = left and grade = 9, then: transferred}
workflow:
  stages:
    - {id: home_visits, override: true, due_after: report_within}
)";
  const kcbx::RulePack x = kcbx::parse_rules(ext, "x.yaml");
  const kcbx::RulePack flat = kcbx::parse_rules(kcbx::detail::print_effective(*x.checked().pack), "flat.yaml");
  kcbx::Engine ex(x), ef(flat);
  std::vector<kcbx::Record> records(3);
  records[0].set("student_id", "A").set("registry", "left").set("grade", "9").set("birth_date", "2005-03-01");
  records[1].set("student_id", "B").set("registry", "enrolled").set("birth_date", "2010-03-01").set("last_attended", "2019-09-20");
  records[2] = approved_leave();
  for (const auto& rec : records) {
    const auto a = ex.explain(rec, day("2019-10-01")), b = ef.explain(rec, day("2019-10-01"));
    ASSERT_EQ(a.decisions.size(), b.decisions.size());
    for (size_t i = 0; i < a.decisions.size(); ++i) {
      EXPECT_EQ(a.decisions[i].value, b.decisions[i].value);
      EXPECT_EQ(a.decisions[i].value_alias, b.decisions[i].value_alias);
      EXPECT_EQ(a.decisions[i].rule, b.decisions[i].rule);
    }
  }
  EXPECT_EQ(without_origins(kcbx::detail::print_effective(*flat.checked().pack)),
            without_origins(kcbx::detail::print_effective(*x.checked().pack)));
}

TEST(Authoring, AnExtensionAddsValuesToABaseTableWithoutRows) {
  const std::string ext = R"(meta: {name: x, extends: guizhou}
tables:
  status:
    values: {transferred: 转出}
)";
  const kcbx::RulePack p = kcbx::parse_rules(ext, "x.yaml");
  const auto& pack = *p.checked().pack;
  const auto& values = pack.domains[static_cast<size_t>(pack.tables[0].domain)].values;
  ASSERT_EQ(values.back().name.value, "transferred");
  EXPECT_EQ(values.back().name.where.format(), "x.yaml:4:14");
  const std::string printed = kcbx::detail::print_effective(pack);
  EXPECT_NE(printed.find("      transferred: \"转出\"  # x.yaml:4\n"), std::string::npos) << printed;
  // And with a row that gives it.
  const std::string with_row = R"(meta: {name: x, extends: guizhou}
tables:
  status:
    values: {transferred: 转出}
    rows:
      - {id: moved, before: completed, when: registry = left and grade = 9, then: transferred}
)";
  kcbx::Engine e(kcbx::parse_rules(with_row, "x.yaml"));
  kcbx::Record r;
  r.set("student_id", "G1").set("registry", "left").set("grade", "9").set("birth_date", "2005-03-01");
  const auto ex = e.explain(r, day("2019-10-10"));
  EXPECT_EQ(ex.decisions[0].value, "transferred");
  EXPECT_EQ(ex.decisions[0].value_alias, "转出");
}

TEST(Authoring, ANewTableInAnExtensionStillNeedsValuesAndRows) {
  const std::string ext = R"(meta: {name: x, extends: guizhou}
tables:
  risk:
    hit_policy: first
)";
  const auto ds = diagnostics({{"x.yaml", ext}});
  ASSERT_EQ(ds.size(), 2u) << all(ds);
  EXPECT_EQ(ds[0].format(), "x.yaml:3:3: error: table 'risk' needs 'values' (the values its rows give) [missing-key]");
  EXPECT_EQ(ds[1].format(), "x.yaml:3:3: error: table 'risk' needs 'rows' (the decision rows) [missing-key]");
}

TEST(Authoring, RelabellingAValueNeedsOverride) {
  const std::string plain = R"(meta: {name: x, extends: guizhou}
tables:
  status:
    values: {not_counted: 暂不统计}
)";
  const auto ds = diagnostics({{"x.yaml", plain}});
  ASSERT_EQ(ds.size(), 1u) << all(ds);
  EXPECT_EQ(ds[0].format(),
            "x.yaml:4:14: error: table 'status' already has value 'not_counted' (<embedded:guizhou>:" +
                guizhou_line("      not_counted: ") + ":7); to relabel it, say 'not_counted: {alias: ..., override: "
                "true}' [already-defined]");
  EXPECT_EQ(zh(ds[0]), "决策表 'status' 已有取值 'not_counted' (<embedded:guizhou>:" +
                           guizhou_line("      not_counted: ") +
                           ":7)；如要修改其标签，请写 'not_counted: {alias: ..., override: true}'");

  const std::string relabel = R"(meta: {name: x, extends: guizhou}
tables:
  status:
    values:
      not_counted: {alias: 暂不统计, override: true}
)";
  const kcbx::RulePack p = kcbx::parse_rules(relabel, "x.yaml");
  kcbx::Engine e(p);
  const auto ex = e.explain(approved_leave(), day("2019-10-10"));
  EXPECT_EQ(ex.decisions[0].value, "not_counted");
  EXPECT_EQ(ex.decisions[0].value_alias, "暂不统计");
  EXPECT_EQ(ex.decisions[0].rule, "approved_leave");
  // Provenance: print-effective and diff point at the extension.
  const std::string printed = kcbx::detail::print_effective(*p.checked().pack);
  EXPECT_NE(printed.find("      not_counted: \"暂不统计\"  # x.yaml:5\n"), std::string::npos) << printed;
  const kcbx::PackDiff d = kcbx::diff_packs(kcbx::default_rules(), p);
  const kcbx::PackChange* c = nullptr;
  for (const auto& x : d.changes)
    if (x.section == "table" && x.name == "status") c = &x;
  ASSERT_NE(c, nullptr) << kcbx::format_diff(d);
  EXPECT_EQ(c->before, "labels: not_counted: 不统计");
  EXPECT_EQ(c->after, "labels: not_counted: 暂不统计");
  EXPECT_EQ(c->where_b.format(), "x.yaml:5:7");
  // Guizhou itself keeps its label.
  kcbx::Engine g(kcbx::default_rules());
  EXPECT_EQ(g.explain(approved_leave(), day("2019-10-10")).decisions[0].value_alias, "不统计");
}

TEST(Authoring, OverridingAValueTheBaseLacks) {
  const std::string ext = R"(meta: {name: x, extends: guizhou}
tables:
  status:
    values:
      not_countd: {alias: 暂不统计, override: true}
)";
  const auto ds = diagnostics({{"x.yaml", ext}});
  ASSERT_EQ(ds.size(), 1u) << all(ds);
  EXPECT_EQ(ds[0].format(),
            "x.yaml:5:7: error: value 'not_countd' is not in table 'status' of the base pack; to add it, drop "
            "'override'; did you mean 'not_counted'? [unknown-override]");
  EXPECT_EQ(zh(ds[0]), "基础规则包的决策表 'status'中没有取值 'not_countd'；如要新增，请去掉 'override'；是否应为 "
                       "'not_counted'？");
  // Without a base, the verb is a mistake.
  const auto alone = kcbx::check_rules(R"(meta: {name: t}
fields:
  registry: {type: enum, values: {a: {alias: 甲, override: true}}}
)", "t.yaml");
  ASSERT_FALSE(alone.empty());
  EXPECT_EQ(alone[0].format(),
            "t.yaml:3:35: error: 'a' uses override/replace/remove/before/after, but this pack extends no base "
            "(add 'extends:' to meta) [not-extending]");
}

TEST(Authoring, AnExtensionAddsValuesToABaseEnumField) {
  const std::string ext = R"(meta: {name: x, extends: guizhou}
fields:
  registry: {values: {jiedu: 借读}}
  aid:
    values:
      two_free: {alias: 两免一补, override: true}
      lunch: 午餐补助
derive:
  borrowed: registry = jiedu
)";
  const kcbx::RulePack p = kcbx::parse_rules(ext, "x.yaml");
  kcbx::Engine e(p);
  kcbx::Record r;
  r.set("student_id", "G1").set("registry", "借读").set("birth_date", "2010-03-01").set("受助情况", "两免一补;lunch");
  const auto ex = e.explain(r, day("2019-10-10"));
  ASSERT_TRUE(ex.accepted);
  bool seen = false;
  for (const auto& v : ex.values)
    if (v.name == "registry") {
      seen = true;
      EXPECT_EQ(v.value, "jiedu");
    }
  EXPECT_TRUE(seen);
  // The collect table sharing aid's values gets the new one too.
  const auto& pack = *p.checked().pack;
  const int t = p.checked().table_index("eligible_aid");
  const int f = p.checked().field_index("aid");
  EXPECT_EQ(pack.fields[static_cast<size_t>(f)].domain,
            [&] {
              for (const auto& fd : pack.fields)
                if (fd.name.value == pack.tables[static_cast<size_t>(t)].values_from.value) return fd.domain;
              return -2;
            }());
  const auto& values = pack.domains[static_cast<size_t>(pack.fields[static_cast<size_t>(f)].domain)].values;
  EXPECT_EQ(values.back().name.value, "lunch");
  EXPECT_EQ(values.front().alias.value, "两免一补");
  EXPECT_EQ(values.front().name.where.format(), "x.yaml:6:7");
  const kcbx::PackDiff d = kcbx::diff_packs(kcbx::default_rules(), p);
  for (const auto& c : d.changes)
    if (c.section == "field" && c.name == "registry") {
      EXPECT_EQ(c.where_b.format(), "x.yaml:3:23");
      EXPECT_NE(c.after.find("jiedu"), std::string::npos);
    }
}

TEST(Authoring, ValuesOnlyForABaseFieldThatIsNoEnum) {
  const std::string ext = R"(meta: {name: x, extends: guizhou}
fields:
  grade: {values: [a, b]}
)";
  const auto ds = diagnostics({{"x.yaml", ext}});
  ASSERT_EQ(ds.size(), 1u) << all(ds);
  EXPECT_EQ(ds[0].format(),
            "x.yaml:3:19: error: 'values' is only for enum and set fields; field 'grade' is int "
            "(<embedded:guizhou>:" + guizhou_line("  grade: ") + ":3) [unexpected-key]");
  EXPECT_EQ(zh(ds[0]), "'values' 只用于 enum 和 set 字段；字段 'grade' 的类型是 int (<embedded:guizhou>:" +
                           guizhou_line("  grade: ") + ":3)");
}

TEST(Authoring, ValuesWithOtherKeysAreNeitherAnAdditionNorAnOverride) {
  const std::string ext = R"(meta: {name: x, extends: guizhou}
fields:
  registry: {values: {jiedu: 借读}, description: 学籍状态}
)";
  const auto ds = diagnostics({{"x.yaml", ext}});
  ASSERT_EQ(ds.size(), 1u) << all(ds);
  EXPECT_EQ(ds[0].format(), "x.yaml:3:3: error: field 'registry' already exists in the base pack (<embedded:guizhou>:" +
                                guizhou_line("  registry:") +
                                ":3); to add values, give only 'values:'; to change it, say 'override: true' "
                                "[already-defined]");
  EXPECT_EQ(zh(ds[0]), "字段 'registry' 已在基础规则包中存在 (<embedded:guizhou>:" + guizhou_line("  registry:") +
                           ":3)；如要新增取值，请只写 'values:'；如要修改，请写 'override: true'");
}

TEST(Authoring, NothingIsHalfLoaded) {
  // One good change, one mistake: nothing loads, and the base is untouched.
  const std::string ext = R"(meta: {name: x, extends: guizhou}
fields:
  registry: {values: {jiedu: 借读}}
tables:
  status:
    values: {dropout: 辍学生}
)";
  const auto ds = diagnostics({{"x.yaml", ext}});
  ASSERT_EQ(ds.size(), 1u) << all(ds);
  EXPECT_EQ(ds[0].code, "already-defined");
  EXPECT_EQ(ds[0].where.format(), "x.yaml:6:14");
  const kcbx::RulePack base = kcbx::default_rules();  // keeps the pack alive
  const auto& g = *base.checked().pack;
  for (const auto& f : g.fields)
    if (f.name.value == "registry")
      for (const auto& v : g.domains[static_cast<size_t>(f.domain)].values) EXPECT_NE(v.name.value, "jiedu");
}

// ---- 5. YAML mistakes ------------------------------------------------------------

TEST(Authoring, ATabInIndentationIsReportedBeforeParsing) {
  const std::string pack = "meta: {name: t}\nfields:\n\tstudent_id: {type: string}\n  \tname: {type: string}\n";
  const auto ds = kcbx::check_rules(pack, "t.yaml");
  ASSERT_EQ(ds.size(), 2u) << all(ds);
  EXPECT_EQ(ds[0].format(), "t.yaml:3:1: error: tab character in indentation; YAML indents with spaces [tab-indentation]");
  EXPECT_EQ(ds[1].format(), "t.yaml:4:3: error: tab character in indentation; YAML indents with spaces [tab-indentation]");
  EXPECT_EQ(zh(ds[0]), "缩进中有制表符（Tab）；YAML 只能用空格缩进");
  // A tab inside a block scalar's text is not indentation; before a
  // comment it is (yaml-cpp refuses it there too).
  EXPECT_EQ(only(kcbx::check_rules("meta: {name: t}\n\t# a comment\n", "t.yaml")),
            "t.yaml:2:1: error: tab character in indentation; YAML indents with spaces [tab-indentation]");
  // A line of only whitespace is blank, tabs or not (yaml-cpp is given it
  // emptied).
  EXPECT_TRUE(kcbx::check_rules("meta: {name: t}\n \t\nfields: {}\n", "t.yaml").empty());
  // After a sequence's dash, before a map (yaml-cpp: "illegal map value").
  EXPECT_EQ(only(kcbx::check_rules("meta: {name: t}\nchecks:\n  -\tid: c\n    require: true\n", "t.yaml")),
            "t.yaml:3:4: error: tab character in indentation; YAML indents with spaces [tab-indentation]");
  const std::string fine = "meta:\n  name: t\n  description: |\n    one\n    \ttwo\n\n    three\nfields:\n"
                           "  student_id: {type: string, required: true, unique: true}\n";
  EXPECT_TRUE(kcbx::check_rules(fine, "t.yaml").empty()) << all(kcbx::check_rules(fine, "t.yaml"));
}

// A Chinese input method types '：' and '，' (full width). yaml-cpp reads
// `from： x` as one text and fails a line later, or takes `{id： x}` as an
// unknown key: the punctuation itself is reported first, at its column.
TEST(Authoring, FullWidthColonsAndCommasAreNamedWhereTheyAre) {
  const std::string colon = "meta: {name: x, extends: guizhou}\nparameters:\n  suspected_after:\n"
                            "    value: 10 days\n    from： 2021-09-01\n";
  const auto a = kcbx::check_rules(colon, "x.yaml");
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a[0].format(),
            "x.yaml:5:9: error: full-width colon '：' after 'from'; write ':' (ASCII) and a space "
            "[full-width-punctuation]");
  EXPECT_EQ(zh(a[0]), "'from' 后是全角冒号 '：'；请改为半角冒号 ':' 并在其后加一个空格");
  // yaml-cpp stumbles on that line or the next: its words ("check the
  // indentation") would mislead, and are left out.
  const auto b = kcbx::check_rules("meta: {name: x}\nfields:\n  xjh： {type: string, required: true}\n", "x.yaml");
  ASSERT_EQ(b.size(), 1u) << all(b);
  EXPECT_EQ(b[0].code, "full-width-punctuation");
  // A comma explains no syntax error: one a line below it keeps its report.
  const auto c = kcbx::check_rules("meta: {name: x, extends: guizhou}\ncalendar:\n"
                                   "  - {id: township_half_month, override: true, days: [15， last]}\n"
                                   "   - {id: y}\n", "x.yaml");
  EXPECT_TRUE(std::any_of(c.begin(), c.end(), [](const kcbx::Diagnostic& d) { return d.code == "yaml-syntax"; }))
      << all(c);
  const std::string flow = "meta: {name: x, extends: guizhou}\ncalendar:\n"
                           "  - {id： township_half_month, override: true, days: [10]}\n";
  EXPECT_EQ(kcbx::check_rules(flow, "x.yaml").at(0).format(),
            "x.yaml:3:8: error: full-width colon '：' after 'id'; write ':' (ASCII) and a space "
            "[full-width-punctuation]");
  const std::string comma = "meta: {name: x, extends: guizhou}\ncalendar:\n"
                            "  - {id: township_half_month, override: true, days: [15， last]}\n";
  EXPECT_EQ(kcbx::check_rules(comma, "x.yaml").at(0).format(),
            "x.yaml:3:56: error: full-width comma '，' inside [...] or {...}; write ',' (ASCII) "
            "[full-width-punctuation]");
  // Both in quoted text, comments, block scalars and Chinese text are
  // text: a valid pack stays valid (Guizhou's own flow maps hold Chinese
  // commas), and a pack with another error gets no word about them.
  const std::string fine = "meta:\n  name: x\n  extends: guizhou\n  description: |\n    note： a，b\n"
                           "    D4： one month\n# 注意：[a，b]\nparameters:\n"
                           "  p1: {type: duration, value: 10 days, description: '见：D3，[x，y]'}\n"
                           "  p2: {type: int, value: 3, description: 两次以上，确保：入学、复学，D3：x}\n";
  EXPECT_TRUE(kcbx::check_rules(fine, "x.yaml").empty()) << all(kcbx::check_rules(fine, "x.yaml"));
  const auto other = kcbx::check_rules(fine + "  p3: {type: int, value: x}\n", "x.yaml");
  ASSERT_EQ(other.size(), 1u) << all(other);
  EXPECT_NE(other[0].code, "full-width-punctuation");
  // Nor are a colon without a space after it ("Note：2019" in a text, as
  // YAML wants ": ") and a text quoted across lines; a syntax error
  // elsewhere keeps its own report.
  const std::string texts = "meta:\n  name: x\n  extends: guizhou\n  title: \"贵州省规则\n    Note： 2019\"\n"
                            "  description: 第一行\n    Note：2019\n  version: [1.0.0\n";
  const auto t = kcbx::check_rules(texts, "x.yaml");
  ASSERT_EQ(t.size(), 1u) << all(t);
  EXPECT_EQ(t[0].code, "yaml-syntax");
  // A key the colon follows is quoted masked (an ID number typed as one).
  const auto id = kcbx::check_rules("meta: {name: x, extends: guizhou}\n110105194912310021： 1\n", "x.yaml");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(id[0].message, "full-width colon '：' after '110105********0021'; write ':' (ASCII) and a space");
}

// A colon glued to a name the pack gives (a value, a parameter) or after a
// Chinese name is named too, where an error shows it broke its line: YAML
// stumbles on the next line, or the section is no map.
TEST(Authoring, AFullWidthColonAfterAnAuthorsNameIsNamedWhereItBrokeTheLine) {
  auto first = [](const std::string& pack) {
    const auto ds = kcbx::check_rules(pack, "x.yaml");
    return ds.empty() ? std::string() : ds[0].format();
  };
  const std::string head = "meta: {name: x, extends: guizhou}\n";
  EXPECT_EQ(first(head + "tables:\n  status:\n    values:\n      transferred_out：转出\n      moved: 迁出\n"),
            "x.yaml:5:22: error: full-width colon '：' after 'transferred_out'; write ':' (ASCII) and a space "
            "[full-width-punctuation]");
  EXPECT_EQ(first(head + "tables:\n  status:\n    values:\n      transferred_out：转出\n"
                         "    rows:\n      - {id: t, before: completed, when: registry = left, then: transferred_out}\n"),
            "x.yaml:5:22: error: full-width colon '：' after 'transferred_out'; write ':' (ASCII) and a space "
            "[full-width-punctuation]");
  EXPECT_EQ(first(head + "parameters:\n  suspected_after：{override: true, from: 2020-09-01, value: 5 days}\n"),
            "x.yaml:3:18: error: full-width colon '：' after 'suspected_after'; write ':' (ASCII) and a space "
            "[full-width-punctuation]");
  EXPECT_EQ(first(head + "derive:\n  转出已确认：\n    expr: registry = left\n"),
            "x.yaml:3:8: error: full-width colon '：' after '转出已确认'; write ':' (ASCII) and a space "
            "[full-width-punctuation]");
  // Without such an error, a glued colon or one after Chinese words is
  // text: a pack whose error is elsewhere gets no word about it.
  const auto other = kcbx::check_rules(head + "meta2: 1\nparameters:\n  p1: {type: int, value: 3, description: x}\n"
                                              "tables:\n  status:\n    description: 第一行\n      说明：第二行\n", "x.yaml");
  ASSERT_FALSE(other.empty());
  for (const auto& d : other) EXPECT_NE(d.code, "full-width-punctuation") << d.format();
}

// A Chinese keyboard types '：' with no space after it: after a key of the
// pack language that is named at the colon ("Note：2019" in a text stays
// text). yaml-cpp's own words for a broken indentation get plain ones, in
// Chinese too. A line of only whitespace, tabs included, is blank.
TEST(Authoring, AGluedFullWidthColonIndentationAndBlankTabs) {
  const std::string glued = "meta: {name: x, extends: guizhou}\nparameters:\n  report_within:\n"
                            "    override：true\n    from: 2024-09-01\n    value: 5 days\n";
  const auto g = kcbx::check_rules(glued, "x.yaml");
  ASSERT_FALSE(g.empty());
  EXPECT_EQ(g[0].format(), "x.yaml:4:13: error: full-width colon '：' after 'override'; write ':' (ASCII) and a space "
                           "[full-width-punctuation]");
  const std::string indent = "meta: {name: x, extends: guizhou}\nparameters:\n  report_within:\n"
                             "  override: true\n    from: 2024-09-01\n";
  const auto i = kcbx::check_rules(indent, "x.yaml");
  ASSERT_EQ(i.size(), 1u) << all(i);
  EXPECT_EQ(i[0].code, "yaml-syntax");
  EXPECT_NE(i[0].message.find("illegal map value: a 'key: value' cannot start here; check the indentation of this "
                              "line and the one before it"),
            std::string::npos)
      << i[0].message;
  EXPECT_EQ(zh(i[0]).rfind("YAML 语法错误（illegal map value）：此处不能开始“键: 值”", 0), 0u) << zh(i[0]);
  const std::string blank = "meta:\n  name: x\n\t\n  extends: guizhou\n \t \r\nparameters: {}\n";
  EXPECT_TRUE(kcbx::check_rules(blank, "x.yaml").empty()) << all(kcbx::check_rules(blank, "x.yaml"));
}

// The Chinese messages translate what they quote of the format: the kind of
// the item a key is in, the end of an expression, a duration's hint.
TEST(Authoring, ChineseMessagesLeaveNoEnglishWordsOfTheFormat) {
  const auto a = kcbx::check_rules("meta: {name: x, extends: guizhou}\nderive:\n  m: 'coalesce(age > 3, false'\n",
                                   "x.yaml");
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a[0].message, "expected ')' but found the end of the expression: the '(' at line 3, column 15 is not closed");
  EXPECT_EQ(zh(a[0]), "应为 ')'，实际为表达式结尾：第 3 行第 15 列的 '(' 没有闭合");
  const auto e = kcbx::check_rules("meta: {name: x, extends: guizhou}\nderive:\n  m: 'if age > 3 then 1'\n", "x.yaml");
  ASSERT_FALSE(e.empty());
  EXPECT_EQ(zh(e[0]), "应为 'else'（每个 'if' 都需要），实际为 表达式结尾");
  const auto b = kcbx::check_rules("meta: {name: x, extends: guizhou}\nfields:\n  ethnic: {type: string, valeus: [a]}\n",
                                   "x.yaml");
  ASSERT_FALSE(b.empty());
  EXPECT_EQ(zh(b[0]).rfind("未知的键 'valeus'（位于 字段 'ethnic'）", 0), 0u) << zh(b[0]);
  const auto c = kcbx::check_rules(
      "meta: {name: x, extends: guizhou}\nparameters:\n  suspected_after: {override: true, from: 2021-09-01, value: 5}\n",
      "x.yaml");
  ASSERT_FALSE(c.empty());
  EXPECT_NE(zh(c[0]).find("请写成 '7 days' 或 '1 month' 这样的时长"), std::string::npos) << c[0].message;
}

// The parameters' sweep names what uses each one: in Chinese too.
TEST(Authoring, TheSweepNamesWhatUsesAParameterInChinese) {
  std::string unset;
  for (const auto& d : kcbx::sweep_parameters(kcbx::default_rules()))
    if (d.code == "parameter-unset") unset = zh(d);
  ASSERT_FALSE(unset.empty());
  EXPECT_NE(unset.find("home_visit_within (阶段 'home_visits' 的时限)"), std::string::npos) << unset;
  EXPECT_NE(unset.find("dropout_rate_limit (指标 'dropout_rate')"), std::string::npos) << unset;
  EXPECT_EQ(unset.find("the deadline"), std::string::npos) << unset;
}

TEST(Authoring, UnquotedExpressionsInFlowMapsGetAHint) {
  const std::string list = R"(meta: {name: x, extends: guizhou}
derive:
  m: {expr: registry in [none, left], clause: D1}
)";
  const auto a = kcbx::check_rules(list, "x.yaml");
  EXPECT_EQ(only(a),
            "x.yaml:3:25: error: end of map flow not found; quote expressions that contain ',' '[' or ': ' "
            "inside {...} [yaml-syntax]");
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(zh(a[0]), "YAML 语法错误（end of map flow not found）；{...} 中含有 ','、'[' 或 ': ' 的表达式请加引号");
  const std::string label = "meta: {name: x, extends: guizhou}\nderive:\n  m: {expr: 在籍 = registry: 1}\n";
  EXPECT_EQ(only(kcbx::check_rules(label, "x.yaml")),
            "x.yaml:3:26: error: end of map flow not found; quote expressions that contain ',' '[' or ': ' "
            "inside {...} [yaml-syntax]");
  const std::string comma = R"(meta: {name: x, extends: guizhou}
derive:
  m3: {expr: coalesce(age, 3), clause: D5}
)";
  const auto b = kcbx::check_rules(comma, "x.yaml");
  ASSERT_FALSE(b.empty()) << all(b);
  EXPECT_EQ(b[0].format(),
            "x.yaml:3:28: error: unknown key '3)' in derived value 'm3'; quote expressions that contain ',' '[' "
            "or ': ' inside {...} [unknown-key]");
  EXPECT_EQ(zh(b[0]), "未知的键 '3)'（位于 派生值 'm3'）；{...} 中含有 ','、'[' 或 ': ' 的表达式请加引号");
  // A misspelt key in a flow map still gets its suggestion.
  const auto c = kcbx::check_rules("meta: {name: x, extends: guizhou}\nderive:\n  m3: {exp: age + 1}\n", "x.yaml");
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(c[0].format(),
            "x.yaml:3:8: error: unknown key 'exp' in derived value 'm3'; did you mean 'expr'? [unknown-key]");
}

// ---- 6. Empty set cells ----------------------------------------------------------

TEST(Authoring, AnEmptySetCellIsTheEmptySet) {
  const kcbx::RulePack p = kcbx::parse_rules(std::string(kPack) + "outputs: [aid_count]\n", "t.yaml");
  kcbx::Engine e(p);
  auto aid_count = [&](const char* cell) {
    kcbx::Record r;
    r.set("student_id", "S1");
    if (cell) r.set("aid", cell);
    for (const auto& [k, v] : e.explain(r, day("2020-01-01")).outputs)
      if (k == "aid_count") return v;
    return std::string("(none)");
  };
  EXPECT_EQ(aid_count(""), "0");       // an empty cell: no aid, not "unknown"
  EXPECT_EQ(aid_count(nullptr), "0");  // no column at all
  EXPECT_EQ(aid_count("两免;nutrition"), "2");
  const auto& cp = p.checked();
  EXPECT_FALSE(cp.fields[static_cast<size_t>(cp.field_index("aid"))].nullable);
  EXPECT_FALSE(cp.derive_nullable[static_cast<size_t>(cp.derive_index("aid_count"))]);
}

// A set cell's values may be separated by the full-width '；' that Chinese
// spreadsheets type, in a CSV file and in a text column (Python) alike; an
// unknown value's reason lists the values and names the separator, as an
// enum's lists its values.
TEST(Authoring, SetCellsTakeAFullWidthSeparatorAndRejectsNameTheValues) {
  const kcbx::RulePack p = kcbx::parse_rules(std::string(kPack) + "outputs: [aid_count]\n", "t.yaml");
  kcbx::Engine e(p);
  auto aid_count = [&](const char* cell) {
    kcbx::Record r;
    r.set("student_id", "S1");
    r.set("aid", cell);
    for (const auto& [k, v] : e.explain(r, day("2020-01-01")).outputs)
      if (k == "aid_count") return v;
    return std::string("(none)");
  };
  EXPECT_EQ(aid_count("两免；nutrition"), "2");
  EXPECT_EQ(aid_count("two_free ； 营养改善计划；"), "2");

  const std::string want =
      "'two_free/nutrition' is not a value of aid (two_free 两免, nutrition 营养改善计划; separate several values "
      "with ';')";
  std::istringstream csv("student_id,aid\nS1,two_free；nutrition\nS2,two_free/nutrition\n");
  kcbx::StudentReader reader(p, csv, {});
  kcbx::Batch batch;
  int64_t accepted = 0;
  while (reader.next(batch)) accepted += static_cast<int64_t>(batch.size());
  EXPECT_EQ(accepted, 1);
  const std::vector<kcbx::Reject> rejects = reader.take_rejects();
  ASSERT_EQ(rejects.size(), 1u);
  EXPECT_EQ(rejects[0].reason, want);

  // The same cells as text columns, read through the per-text memo.
  const std::string ids = "S1S2", aids = "two_free；nutritiontwo_free/nutrition";
  const int32_t id_offsets[] = {0, 2, 4};
  const int32_t aid_offsets[] = {0, static_cast<int32_t>(std::string("two_free；nutrition").size()),
                                 static_cast<int32_t>(aids.size())};
  auto text = [](const std::string& data, const int32_t* offsets) {
    kcbx::ColumnChunk c;
    c.type = kcbx::ArrayType::kString;
    c.length = 2;
    c.values = data.data();
    c.offsets = offsets;
    return c;
  };
  const std::vector<kcbx::ColumnView> columns = {{"student_id", {text(ids, id_offsets)}},
                                                 {"aid", {text(aids, aid_offsets)}}};
  const kcbx::ColumnsBatch got = kcbx::batch_from_columns(p, columns);
  EXPECT_EQ(got.batch.size(), 1u);
  ASSERT_EQ(got.rejects.size(), 1u);
  EXPECT_EQ(got.rejects[0].reason, want);
}

TEST(Authoring, DefaultEmptyStringIsReadLikeACell) {
  const std::string pack = R"(meta: {name: t}
fields:
  student_id: {type: string, required: true, unique: true}
  note: {type: string, default: ""}
  grade: {type: int, default: ""}
)";
  EXPECT_EQ(only(kcbx::check_rules(pack, "t.yaml")),
            "t.yaml:5:31: error: default of 'grade': '' is not a whole number [bad-default]");
  const kcbx::RulePack p = kcbx::parse_rules(R"(meta: {name: t}
fields:
  student_id: {type: string, required: true, unique: true}
  note: {type: string, default: ""}
derive:
  blank: length(note) = 0 and not is_null(note)
outputs: [blank]
)", "t.yaml");
  kcbx::Record r;
  r.set("student_id", "S1");
  const auto ex = kcbx::Engine(p).explain(r, day("2020-01-01"));
  ASSERT_EQ(ex.outputs.size(), 1u);
  EXPECT_EQ(ex.outputs[0].second, "1");
}

}  // namespace

namespace {

TEST(Authoring, AnUnreachableRowSaysWhereTheRowBeforeItIs) {
  // An extension that slips a catch-all into the base's status table: one
  // error at the author's own row, naming the base's rows it cuts off
  // (not one error at each of the base's lines).
  const auto ds = diagnostics({{"x.yaml", "meta: {name: x, extends: guizhou}\n"
                                          "tables:\n"
                                          "  status:\n"
                                          "    rows:\n"
                                          "      - {id: everyone, after: attending, then: in_school, clause: D3}\n"}});
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].format(),
            "x.yaml:5:9: error: row 'everyone' has no condition and matches every record, so the 10 rows after it "
            "can never match ('approved_leave', 'returned', 'over_age', 'young_unregistered', 'never_registered', "
            "'young_left', 'left_registry', 'over_age_poor_dropout', 'absent_over_month', 'absent_over_week'); give "
            "it a 'when' or place it after them [unreachable-row]");
  EXPECT_NE(zh(ds[0]).find("行 'everyone' 没有条件，匹配所有记录，因此它后面的 10 行永远不会命中"), std::string::npos)
      << zh(ds[0]);
  // A row the extension appends after the base's catch-all is reported
  // where the extension wrote it: the base's row is not the author's to change.
  const auto late = diagnostics({{"y.yaml", "meta: {name: y, extends: guizhou}\n"
                                            "tables:\n"
                                            "  status:\n"
                                            "    rows:\n"
                                            "      - {id: my_new_row, when: poor, then: in_school, clause: D3}\n"}});
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].format().rfind("y.yaml:5:9: error: row 'my_new_row' can never match: row 'absent_over_week'", 0), 0u)
      << late[0].format();
}

}  // namespace

namespace {

// A calendar reporter is a role or free text; one a letter or two from a
// role is most likely that role misspelt: a warning at its position, with
// the role. Free text (an office's name) is taken without a word.
TEST(Authoring, AReporterNearARoleNameIsAWarning) {
  const std::string pack =
      "meta: {name: rep, version: 0.1.0, extends: guizhou}\n"
      "calendar:\n"
      "  - {id: x, alias: 测试, reporter: county_haed, recipient: 省, days: [10], data_as_of: same_day, clause: M1}\n"
      "  - {id: y, alias: 测试二, reporter: 市(州)人民政府, recipient: 省, days: [11], data_as_of: same_day, clause: M1}\n";
  const auto diags = kcbx::check_rules(pack, "rep.yaml");
  ASSERT_EQ(diags.size(), 1u) << all(diags);
  EXPECT_EQ(diags[0].severity, kcbx::Severity::kWarning);
  EXPECT_EQ(diags[0].format(),
            "rep.yaml:3:34: warning: reporter 'county_haed' is no role and is shown as written; did you mean "
            "'county_head'? [unknown-name]");
  EXPECT_EQ(zh(diags[0]), "报送人 'county_haed' 不是角色，将按原文显示；是否应为 'county_head'？");
}

}  // namespace

namespace {

// An enum cell that is no value: the reject lists the values with their
// Chinese labels and suggests the one a typo is near, name or label.
TEST(Authoring, AnEnumRejectListsLabelsAndSuggestsTheNearOne) {
  std::istringstream csv(
      "student_id,registry,birth_date\n"
      "S1,enroled,2010-01-01\n"
      "S2,在读,2010-01-01\n"
      "S3,graduated,2010-01-01\n");
  kcbx::StudentReader reader(kcbx::default_rules(), csv, {});
  for (kcbx::Batch b; reader.next(b);) {
  }
  const auto rejects = reader.take_rejects();
  ASSERT_EQ(rejects.size(), 3u);
  EXPECT_NE(rejects[0].reason.find("enrolled 在籍"), std::string::npos) << rejects[0].reason;
  EXPECT_NE(rejects[0].reason.find("; did you mean 'enrolled'?"), std::string::npos) << rejects[0].reason;
  EXPECT_NE(rejects[1].reason.find("; did you mean '在籍'?"), std::string::npos) << rejects[1].reason;
  EXPECT_EQ(rejects[2].reason.find("did you mean"), std::string::npos) << rejects[2].reason;
}

// A label the extension took from a value is named as the base's, not
// "corrected" to the nearest label: 休学 (suspended) is one character from
// 退学 and would hide a dropout.
TEST(Authoring, ARelabelledValuesOldLabelIsNamedNotCorrected) {
  const kcbx::RulePack p = kcbx::parse_rules(
      "meta: {name: relabel, extends: guizhou}\n"
      "fields:\n  registry:\n    values:\n      left: {alias: 辍学退学, override: true}\n",
      "relabel.yaml");
  std::istringstream csv("student_id,registry,birth_date\nS1,退学,2010-01-01\nS2,辍学退学,2010-01-01\n");
  kcbx::StudentReader reader(p, csv, {});
  for (kcbx::Batch b; reader.next(b);) {
  }
  const auto rejects = reader.take_rejects();
  ASSERT_EQ(rejects.size(), 1u);
  EXPECT_NE(rejects[0].reason.find("; '退学' is the base pack's label of 'left', which this pack labels '辍学退学'"),
            std::string::npos)
      << rejects[0].reason;
  EXPECT_EQ(rejects[0].reason.find("did you mean"), std::string::npos) << rejects[0].reason;
}

}  // namespace

namespace kcbx {
namespace {

// kcbx validate lists every problem of a file: a `from:` that is no date
// no longer hides the errors after it, in an extension and in a pack of
// its own (the value is checked as if it had no date).
// A key written with nothing after it is an error at the key, not a value
// that quietly changes results: an empty `when` matched every record, an
// empty `then` gave a blank status, an empty `count` counted nothing.
TEST(Authoring, AnEmptyValueIsAnErrorAtItsKey) {
  const std::string ext =
      "meta: {name: z, extends: guizhou}\n"
      "derive:\n"
      "  bare:\n"
      "  quoted: \"\"\n"
      "  block:\n"
      "    expr:\n"
      "    clause: D5\n"
      "tables:\n"
      "  status:\n"
      "    rows:\n"
      "      - {id: r1, when: , then: not_counted, clause: D5}\n"
      "      - {id: r2, when: null, then: not_counted, clause: D5}\n"
      "      - {id: r3, when: age > 30, then: ~, clause: D5}\n"
      "indicators:\n"
      "  t9: {count: , clause: T1}\n";
  std::vector<std::string> got;
  for (const auto& d : kcbx::check_rules(ext, "z.yaml")) got.push_back(d.where.format() + " " + d.code + " " + d.message);
  EXPECT_EQ(got, (std::vector<std::string>{
                     "z.yaml:3:3 empty-value derived value 'bare' is empty: write its expression",
                     "z.yaml:4:3 empty-value derived value 'quoted' is empty: write its expression",
                     "z.yaml:6:5 empty-value 'expr' is empty: write the expression",
                     "z.yaml:11:18 empty-value 'when' is empty: write the condition, or leave 'when' out for a row "
                     "that matches every record",
                     "z.yaml:12:18 empty-value 'when' is empty: write the condition, or leave 'when' out for a row "
                     "that matches every record",
                     "z.yaml:13:34 empty-value 'then' is empty: write one of the table's values",
                     "z.yaml:15:8 empty-value 'count' is empty: write what the indicator counts",
                 }));
  // Quoted, null is an expression (reported for what it is), not nothing.
  for (const auto& d : kcbx::check_rules("meta: {name: z, extends: guizhou}\ntables:\n  status:\n    rows:\n"
                                         "      - {id: r1, when: \"null\", then: not_counted, clause: D5}\n",
                                         "z.yaml"))
    EXPECT_NE(d.code, "empty-value") << d.format();
}

// A date parameter written another way than YYYY-MM-DD is named a date,
// not read as arithmetic ("is date but this value is int").
TEST(Authoring, ADateWrittenAnotherWayIsNamedADate) {
  for (const char* v : {"2019-9-15", "2019/09/15", "2019.9.15", "2019年9月15日", "20190915"}) {
    const std::string ext = std::string("meta: {name: z}\nparameters:\n  day0: {type: date, value: ") + v + "}\n";
    EXPECT_EQ(all(kcbx::check_rules(ext, "z.yaml")),
              std::string("z.yaml:3:29: error: '") + v + "' is not a date; write YYYY-MM-DD [bad-date]\n")
        << v;
  }
  // Other mistakes keep their own words.
  EXPECT_NE(all(kcbx::check_rules("meta: {name: z}\nparameters:\n  day0: {type: date, value: 2019-13-15}\n", "z.yaml"))
                .find("is not a real date"),
            std::string::npos);
}

TEST(Authoring, ABadFromDateHidesNoOtherError) {
  const std::string ext =
      "meta: {name: z, extends: guizhou}\n"
      "parameters:\n"
      "  suspected_after: {override: true, from: 2019-02-30, value: 5 days}\n"
      "  dropout_after: {override: true, from: 2019-09-01, value: 1.5 months}\n"
      "derive:\n"
      "  q: absent_day > 1\n";
  std::vector<std::string> codes;
  for (const auto& d : check_rules(ext, "z.yaml")) codes.push_back(d.where.format() + " " + d.code);
  EXPECT_EQ(codes, (std::vector<std::string>{"z.yaml:3:43 bad-date", "z.yaml:4:60 bad-literal",
                                             "z.yaml:6:6 unknown-name"}));
  std::string own = default_rules().source();
  const size_t at = own.find("    value: 7 days\n  dropout_after:");
  ASSERT_NE(at, std::string::npos);
  own.insert(at, "    from: 2019-02-30\n");
  own.insert(own.find("  dropout_after:", at), "  zz: {value: 1.5 months, type: duration}\n");
  codes.clear();
  for (const auto& d : check_rules(own, "own.yaml")) codes.push_back(d.code);
  EXPECT_EQ(codes, (std::vector<std::string>{"bad-date", "bad-literal"}));
  EXPECT_THROW(parse_rules(own, "own.yaml"), Error);
  // In a history the undated value is left out: no second error for two
  // values "from always".
  codes.clear();
  for (const auto& d : check_rules("meta: {name: h, extends: guizhou}\n"
                                   "parameters:\n"
                                   "  suspected_after:\n"
                                   "    override: true\n"
                                   "    values:\n"
                                   "      - {value: 7 days}\n"
                                   "      - {from: 2021-9-1, value: 5 days}\n",
                                   "h.yaml"))
    codes.push_back(d.where.format() + " " + d.code);
  EXPECT_EQ(codes, (std::vector<std::string>{"h.yaml:7:16 bad-date"}));
}

}  // namespace
}  // namespace kcbx

namespace kcbx {
namespace {

// A case value written as a ledger column without `case: true` is told
// so, not pointed at a field a letter away ('stage' -> 'age').
TEST(Authoring, ACaseColumnWithoutItsMarkerIsToldSo) {
  const std::string ext =
      "meta: {name: z, extends: guizhou}\n"
      "ledgers:\n"
      "  override: true\n"
      "  include: counted_out\n"
      "  levels: [village, township, county, prefecture]\n"
      "  columns:\n"
      "    - {name: name, alias: 姓名}\n"
      "    - {name: stage, alias: 阶段}\n";
  const auto ds = check_rules(ext, "z.yaml");
  std::string all_ds;
  for (const auto& d : ds) all_ds += d.format() + "\n";
  ASSERT_EQ(ds.size(), 1u) << all_ds;
  EXPECT_EQ(ds[0].where.format(), "z.yaml:8:14");
  EXPECT_NE(ds[0].message.find("write {name: stage, case: true}"), std::string::npos) << ds[0].message;
  EXPECT_EQ(ds[0].message.find("did you mean"), std::string::npos) << ds[0].message;
  EXPECT_NE(detail::localized_message(ds[0], "zh").find("请写成 {name: stage, case: true}"), std::string::npos)
      << detail::localized_message(ds[0], "zh");
}

}  // namespace
}  // namespace kcbx
