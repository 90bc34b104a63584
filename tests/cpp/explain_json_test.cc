// The explanation's JSON ("kcbx.explanation/1") is a contract: this test
// pins it byte for byte for a pack built with extends:, so that a change to
// the layout is a deliberate one (and a new format version). It also checks
// that every parameter an explanation read names the value in force, the
// date it took effect and the file:line:col that supplied it, base or
// extension, in the text format too.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "kcbx/kcbx.h"

namespace {

using Sources = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kBase = R"(meta: {name: base, version: 1.0.0}
clauses:
  A1: {zh: 缺课超过规定天数, en: absent too long}
fields:
  student_id: {type: string, required: true, unique: true}
  last_seen: {type: date}
parameters:
  grace:
    type: duration
    clause: A1
    value: 7 days
derive:
  overdue_from: last_seen + grace + 1 day
tables:
  status:
    values: {ok: 正常, late: 逾期}
    rows:
      - {id: late, when: as_of >= overdue_from, then: late, clause: A1}
      - {id: fine, then: ok, clause: A1}
outputs: [overdue_from]
)";

constexpr const char* kExt = R"(meta: {name: ext, version: 0.2.0, extends: base.yaml}
parameters:
  grace:
    override: true
    from: 2021-09-01
    value: 3 days
)";

kcbx::Explanation explain(const char* last_seen, const char* as_of) {
  const kcbx::RulePack pack = kcbx::parse_rules(Sources{{"base.yaml", kBase}, {"ext.yaml", kExt}});
  kcbx::Engine engine(pack);
  kcbx::Record r;
  r.set("student_id", "S1").set("last_seen", last_seen);
  return engine.explain(r, *kcbx::Date::parse(as_of));
}

TEST(ExplainJson, FormatIsPinned) {
  const kcbx::Explanation e = explain("2021-09-01", "2021-09-05");
  const std::string pack = kcbx::parse_rules(Sources{{"base.yaml", kBase}, {"ext.yaml", kExt}}).id();
  const std::string expected = R"({
  "format": "kcbx.explanation/1",
  "pack": ")" + pack + R"(",
  "as_of": "2021-09-05",
  "accepted": true,
  "rejects": [],
  "decisions": [
    {
      "table": "status",
      "value": "late",
      "alias": "逾期",
      "rule": "late",
      "clause": "A1",
      "clause_text": "缺课超过规定天数"
    }
  ],
  "tried": [
    {
      "table": "status",
      "rule": "late",
      "clause": "A1",
      "when": "as_of >= overdue_from",
      "result": "true"
    }
  ],
  "values": [
    {
      "name": "as_of",
      "kind": "as_of",
      "value": "2021-09-05"
    },
    {
      "name": "overdue_from",
      "kind": "derived",
      "value": "2021-09-05"
    },
    {
      "name": "last_seen",
      "kind": "field",
      "value": "2021-09-01"
    },
    {
      "name": "grace",
      "kind": "parameter",
      "value": "3 days",
      "effective_from": "2021-09-01",
      "source": "ext.yaml:6:12"
    }
  ],
  "outputs": {
    "overdue_from": "2021-09-05"
  }
})";
  EXPECT_EQ(e.to_json(), expected);
}

TEST(ExplainJson, ParametersNameTheirDateAndSource) {
  // Before the extension's date the base's value is in force, and the
  // explanation says so.
  const auto j = nlohmann::json::parse(explain("2021-08-01", "2021-08-20").to_json());
  EXPECT_EQ(j["format"], "kcbx.explanation/1");
  bool seen = false;
  for (const auto& v : j["values"]) {
    ASSERT_TRUE(v.contains("name") && v.contains("kind") && v.contains("value"));
    if (v["kind"] != "parameter") {
      EXPECT_FALSE(v.contains("effective_from"));
      continue;
    }
    seen = true;
    EXPECT_EQ(v["name"], "grace");
    EXPECT_EQ(v["value"], "7 days");
    EXPECT_EQ(v["effective_from"], "");
    EXPECT_EQ(v["source"], "base.yaml:11:12");
  }
  EXPECT_TRUE(seen);
}

TEST(ExplainJson, TextFormatNamesThemToo) {
  const std::string text = explain("2021-09-01", "2021-09-05").format();
  EXPECT_NE(text.find("grace = 3 days  [parameter from 2021-09-01, ext.yaml:6:12]"), std::string::npos) << text;
  const std::string before = explain("2021-08-01", "2021-08-20").format();
  EXPECT_NE(before.find("grace = 7 days  [parameter, base.yaml:11:12]"), std::string::npos) << before;
}

TEST(ExplainJson, RejectedRecords) {
  const kcbx::RulePack pack = kcbx::parse_rules(Sources{{"base.yaml", kBase}, {"ext.yaml", kExt}});
  kcbx::Engine engine(pack);
  kcbx::Record r;
  r.set("student_id", "S1").set("last_seen", "2021-13-01");
  const auto j = nlohmann::json::parse(engine.explain(r, *kcbx::Date::parse("2021-09-05")).to_json());
  EXPECT_EQ(j["accepted"], false);
  ASSERT_EQ(j["rejects"].size(), 1u);
  EXPECT_EQ(j["rejects"][0]["column"], "last_seen");
  EXPECT_NE(j["rejects"][0]["reason"].get<std::string>().find("is not a date"), std::string::npos);
  EXPECT_TRUE(j["decisions"].empty());
}

// A record is one row: a required field it leaves out is that row's
// missing value (row 1, the field as the column, the key named), as a
// blank cell is, and not a file's missing column on row 0.
TEST(ExplainJson, ARecordWithoutARequiredFieldIsItsRowsReject) {
  kcbx::Engine engine(kcbx::default_rules());
  const kcbx::Date as_of = *kcbx::Date::parse("2019-10-10");
  kcbx::Record left_out, blank;
  left_out.set("student_id", "G7").set("birth_date", "2010-01-01");
  blank.set("student_id", "G7").set("birth_date", "2010-01-01").set("registry", " ");
  const kcbx::Explanation a = engine.explain(left_out, as_of), b = engine.explain(blank, as_of);
  ASSERT_EQ(a.rejects.size(), 1u);
  ASSERT_EQ(b.rejects.size(), 1u);
  EXPECT_FALSE(a.accepted);
  EXPECT_EQ(a.rejects[0].row, 1);
  EXPECT_EQ(a.rejects[0].student_id, "G7");
  EXPECT_EQ(a.rejects[0].column, "registry");
  EXPECT_EQ(a.rejects[0].reason, b.rejects[0].reason);
  EXPECT_EQ(a.rejects[0].row, b.rejects[0].row);

  // By its alias too; two keys naming one field are the row's reject.
  kcbx::Record twice;
  twice.set("student_id", "G8").set("registry", "enrolled").set("学籍状态", "enrolled");
  const kcbx::Explanation c = engine.explain(twice, as_of);
  ASSERT_EQ(c.rejects.size(), 1u);
  EXPECT_EQ(c.rejects[0].row, 1);
  EXPECT_EQ(c.rejects[0].student_id, "G8");
  EXPECT_EQ(c.rejects[0].column, "registry");
  EXPECT_EQ(c.rejects[0].reason, "'registry' and '学籍状态' are both field 'registry'");

  // Text that is not UTF-8 is rejected, as in a file.
  kcbx::Record bytes;
  bytes.set("student_id", "G9").set("registry", "enrolled").set("name", "\xED\xA0\x80");
  const kcbx::Explanation d = engine.explain(bytes, as_of);
  ASSERT_EQ(d.rejects.size(), 1u);
  EXPECT_EQ(d.rejects[0].student_id, "G9");
  EXPECT_EQ(d.rejects[0].reason, "invalid UTF-8 in field 3");
}

}  // namespace
