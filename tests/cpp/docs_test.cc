// The rule-author reference cannot drift from the code: docs/rule-packs.md
// and docs/rule-packs.zh.md list, under <!-- keys: NAME --> markers, exactly
// the keys the loader accepts (src/pack/schema.h, the lists MapReader
// checks), under <!-- functions --> exactly the built-in functions of the
// expression language, and under <!-- limits --> the limits the code
// enforces. A key or function added to the code and not documented, or
// documented and not in the code, fails here.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "expr/check.h"
#include "kcbx/kcbx.h"
#include "pack/schema.h"

namespace {

namespace schema = kcbx::detail::schema;

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The first-column `names` of the markdown table after `marker`.
std::vector<std::string> table_after(const std::string& doc, const std::string& marker) {
  std::vector<std::string> out;
  const size_t at = doc.find(marker);
  if (at == std::string::npos) return out;
  std::istringstream in(doc.substr(at + marker.size()));
  std::string line;
  bool in_table = false;
  while (std::getline(in, line)) {
    if (line.rfind("|", 0) != 0) {
      if (in_table) break;
      continue;  // blank lines or a sentence before the table
    }
    in_table = true;
    const size_t end = line.find('|', 1);
    const std::string cell = line.substr(1, end == std::string::npos ? std::string::npos : end - 1);
    // `name` or `name(...)`; several names may share a row: `a`, `b`.
    for (size_t p = cell.find('`'); p != std::string::npos; p = cell.find('`', p + 1)) {
      const size_t q = cell.find('`', p + 1);
      if (q == std::string::npos) break;
      std::string name = cell.substr(p + 1, q - p - 1);
      if (const size_t paren = name.find('('); paren != std::string::npos) name.erase(paren);
      out.push_back(name);
      p = q;
    }
  }
  return out;
}

std::set<std::string> as_set(schema::Keys keys) { return {keys.begin(), keys.end()}; }

std::string show(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
  return "{" + out + "}";
}

class Docs : public ::testing::TestWithParam<const char*> {
 protected:
  std::string doc() const { return read(std::string(KCBX_SOURCE_DIR "/docs/") + GetParam()); }
};

TEST_P(Docs, EveryKeyListMatchesTheLoader) {
  const std::string text = doc();
  for (const auto& list : schema::kKeyLists) {
    const std::string marker = std::string("<!-- keys: ") + list.name + " -->";
    ASSERT_NE(text.find(marker), std::string::npos) << GetParam() << " lacks " << marker;
    const std::vector<std::string> documented = table_after(text, marker);
    const std::set<std::string> doc_set(documented.begin(), documented.end());
    const std::set<std::string> code = as_set(list.keys);
    std::set<std::string> missing, extra;
    for (const auto& k : code)
      if (!doc_set.count(k)) missing.insert(k);
    for (const auto& k : doc_set)
      if (!code.count(k)) extra.insert(k);
    EXPECT_TRUE(missing.empty()) << GetParam() << " " << marker << ": undocumented " << show(missing);
    EXPECT_TRUE(extra.empty()) << GetParam() << " " << marker << ": documented but not in the code " << show(extra);
  }
}

TEST_P(Docs, EveryFunctionIsDocumentedAndExists) {
  const std::vector<std::string> documented = table_after(doc(), "<!-- functions -->");
  const std::set<std::string> doc_set(documented.begin(), documented.end());
  const std::vector<std::string> names = kcbx::detail::builtin_function_names();
  const std::set<std::string> code(names.begin(), names.end());
  for (const auto& f : code) EXPECT_TRUE(doc_set.count(f)) << GetParam() << ": function " << f << " is undocumented";
  for (const auto& f : doc_set) EXPECT_TRUE(code.count(f)) << GetParam() << ": " << f << "() does not exist";
}

// Each limit as the docs state it (the table's first column names it, the
// second gives it), beside the constant that enforces it.
TEST_P(Docs, LimitsAreTheOnesEnforced) {
  const std::string text = doc();
  const size_t at = text.find("<!-- limits -->");
  ASSERT_NE(at, std::string::npos);
  std::map<std::string, std::string> rows;  // name -> the rest of the row
  std::istringstream in(text.substr(at));
  std::string line;
  bool in_table = false;
  while (std::getline(in, line)) {
    if (line.rfind("| `", 0) != 0) {
      if (in_table && line.rfind("|", 0) != 0) break;
      continue;
    }
    in_table = true;
    const size_t q = line.find('`', 3);
    rows[line.substr(3, q - 3)] = line.substr(q + 1);
  }
  const std::vector<std::pair<std::string, std::string>> stated = {
      {"pack-size", std::to_string(schema::kMaxPackBytes >> 20) + " MiB"},
      {"yaml-depth", std::to_string(schema::kMaxYamlDepth)},
      {"yaml-nodes", "200,000"},
      {"expression-size", std::to_string(schema::kMaxExprBytes >> 10) + " KiB"},
      {"expression-nesting", std::to_string(schema::kMaxExprNesting)},
      {"table-rows", "10,000"},
      {"names", "10,000"},
      {"enum-values", std::to_string(schema::kMaxDomainValues)},
      {"collect-rows", std::to_string(schema::kMaxCollectRows)},
      {"conditions", std::to_string(schema::kMaxFlags)},
      {"extends-chain", std::to_string(schema::kMaxExtendsChain)},
  };
  EXPECT_EQ(schema::kMaxYamlNodes, 200000);
  EXPECT_EQ(schema::kMaxRows, 10000u);
  EXPECT_EQ(schema::kMaxItems, 10000u);
  EXPECT_EQ(rows.size(), stated.size()) << GetParam() << ": the limits table has other rows";
  for (const auto& [name, value] : stated) {
    ASSERT_TRUE(rows.count(name)) << GetParam() << ": the limits table lacks `" << name << "`";
    EXPECT_NE(rows[name].find(" " + value + " "), std::string::npos)
        << GetParam() << ": `" << name << "` should say " << value << ", not" << rows[name];
  }
}

INSTANTIATE_TEST_SUITE_P(EnglishAndChinese, Docs, ::testing::Values("rule-packs.md", "rule-packs.zh.md"));

// The limits the parser enforces on its own, checked by behaviour.
TEST(DocsLimits, ExpressionSizeAndNesting) {
  auto pack = [](const std::string& expr) {
    return "meta: {name: t}\nfields:\n  a: {type: int}\nderive:\n  d: \"" + expr + "\"\n";
  };
  auto codes = [](const std::string& text) {
    std::set<std::string> out;
    for (const auto& d : kcbx::check_rules(text, "t.yaml")) out.insert(d.code);
    return out;
  };
  std::string big = "a";
  while (big.size() + 4 <= schema::kMaxExprBytes) big += " + a";
  EXPECT_FALSE(codes(pack(big)).count("expression-too-large"));
  EXPECT_TRUE(codes(pack(big + " + a + a")).count("expression-too-large"));
  const int n = schema::kMaxExprNesting;
  EXPECT_FALSE(codes(pack(std::string(static_cast<size_t>(n - 1), '(') + "a" + std::string(static_cast<size_t>(n - 1), ')')))
                   .count("expression-too-deep"));
  EXPECT_TRUE(codes(pack(std::string(static_cast<size_t>(n + 1), '(') + "a" + std::string(static_cast<size_t>(n + 1), ')')))
                  .count("expression-too-deep"));
}

// The words some keys take are the ones the loader and validator accept.
TEST(DocsWords, TypesAndHitPoliciesLoad) {
  for (const char* t : schema::kTypes) {
    if (std::string(t) == "duration") {  // parameters only
      for (const auto& d : kcbx::check_rules("meta: {name: t}\nparameters:\n  p: {type: duration, value: 1 day}\n", "t.yaml"))
        EXPECT_NE(d.code, "unknown-type") << d.format();
      continue;
    }
    const std::string text = std::string("meta: {name: t}\nfields:\n  a: {type: ") + t +
                             (std::string(t) == "enum" || std::string(t) == "set" ? ", values: [x]" : "") + "}\n";
    for (const auto& d : kcbx::check_rules(text, "t.yaml"))
      EXPECT_NE(d.code, "unknown-type") << t << ": " << d.format();
  }
  for (const char* h : schema::kHitPolicies) {
    const std::string text = std::string("meta: {name: t}\ntables:\n  s:\n    hit_policy: ") + h +
                             "\n    values: [x]\n    rows: [{id: r, then: x}]\n";
    for (const auto& d : kcbx::check_rules(text, "t.yaml"))
      EXPECT_NE(d.code, "unknown-hit-policy") << h << ": " << d.format();
  }
}

// Both languages document the same diagnostics codes of authors' mistakes
// that the reference names, and each example pack in the docs loads.
TEST(DocsExamples, GuizhouLoadsAndTheDocsNameIt) {
  const std::string en = read(KCBX_SOURCE_DIR "/docs/rule-packs.md");
  const std::string zh = read(KCBX_SOURCE_DIR "/docs/rule-packs.zh.md");
  for (const char* word : {"extends", "override", "replace", "remove", "before", "after", "expect_error",
                           "--coverage", "kcbx diff", "--lang zh", "kcbx.explanation/1"}) {
    EXPECT_NE(en.find(word), std::string::npos) << "rule-packs.md: " << word;
    EXPECT_NE(zh.find(word), std::string::npos) << "rule-packs.zh.md: " << word;
  }
}

}  // namespace
