// `extends:` semantics: overriding (and the diagnostics for adding what
// exists or overriding what does not, at file:line:col of the extension),
// row insertion order, replacement and removal, chains of packs, cycles, and
// that a base is never mutated by the packs extending it.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "kcbx/kcbx.h"
#include "kcbx/report.h"
#include "io/id_number.h"
#include "pack/checked_pack.h"
#include "pack/extend.h"
#include "pack/messages.h"
#include "dates_support.h"

namespace {

namespace fs = std::filesystem;

using Sources = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kBase = R"(meta: {name: base, version: 1.0.0}
fields:
  student_id: {type: string, required: true, unique: true}
  days_absent: {type: int}
parameters:
  limit:
    type: int
    value: 7
tables:
  status:
    values: [ok, warned, out]
    rows:
      - {id: far, when: days_absent > limit * 4, then: out}
      - {id: near, when: days_absent > limit, then: warned}
      - {id: fine, then: ok}
)";

using kcbx::testing::day;

std::vector<std::string> row_ids(const kcbx::RulePack& p, size_t table = 0) {
  std::vector<std::string> ids;
  for (const auto& r : p.checked().pack->tables[table].rows) ids.push_back(r.id.value);
  return ids;
}

std::vector<kcbx::Diagnostic> diagnostics(const Sources& sources) {
  try {
    (void)kcbx::parse_rules(sources);
  } catch (const kcbx::Error& e) {
    return e.diagnostics();
  }
  return {};
}

std::string status(const kcbx::RulePack& p, const std::string& absent, const char* as_of = "2020-01-01") {
  kcbx::Engine e(p);
  kcbx::Record r;
  r.set("student_id", "S1").set("days_absent", absent);
  const auto ex = e.explain(r, day(as_of));
  return ex.decisions.empty() ? "" : ex.decisions[0].value;
}

const kcbx::Diagnostic* find_code(const std::vector<kcbx::Diagnostic>& ds, const std::string& code) {
  for (const auto& d : ds)
    if (d.code == code) return &d;
  return nullptr;
}

// A folder of pack files, removed afterwards.
class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("kcbx_extend_" + std::to_string(::getpid()) + "_" +
                                                  std::to_string(counter_++))) {
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
    return (path_ / name).string();
  }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

TEST(Extend, OverrideParameterFromADate) {
  const std::string ext = R"(meta: {name: ext, extends: base.yaml}
parameters:
  limit:
    override: true
    from: 2021-09-01
    value: 3
)";
  const kcbx::RulePack p = kcbx::parse_rules(Sources{{"base.yaml", kBase}, {"ext.yaml", ext}});
  EXPECT_EQ(p.name(), "ext");
  EXPECT_EQ(status(p, "5", "2021-08-31"), "ok");  // base value 7 before the date
  EXPECT_EQ(status(p, "5", "2021-09-01"), "warned");
  // The explanation names the value in force, its date and the file:line
  // that supplied it, base or extension.
  kcbx::Engine e(p);
  kcbx::Record r;
  r.set("student_id", "S1").set("days_absent", "5");
  bool seen = false;
  for (const auto& v : e.explain(r, day("2021-09-01")).values)
    if (v.name == "limit") {
      seen = true;
      EXPECT_EQ(v.value, "3");
      EXPECT_EQ(v.effective_from, "2021-09-01");
      EXPECT_EQ(v.source, "ext.yaml:6:12");
    }
  EXPECT_TRUE(seen);
  for (const auto& v : e.explain(r, day("2021-08-31")).values)
    if (v.name == "limit") {
      EXPECT_EQ(v.effective_from, "");
      EXPECT_EQ(v.source, "base.yaml:8:12");
    }
}

// A value from a date stays in force from then on: a later value of the
// base gives way to it (with a warning), rather than taking the province's
// change back on its own date.
TEST(Extend, OverrideFromADateOutlastsTheBasesLaterValues) {
  TempDir dir;
  std::string base = kBase;
  base.replace(base.find("    value: 7\n"), 13,
               "    values:\n      - {value: 7}\n      - {from: 2022-01-01, value: 9}\n");
  dir.write("base.yaml", base);
  const std::string ext = dir.write("ext.yaml", R"(meta: {name: ext, extends: base.yaml}
parameters:
  limit: {override: true, from: 2021-09-01, value: 3}
)");
  const kcbx::RulePack p = kcbx::load_rules(ext);
  EXPECT_EQ(status(p, "5", "2021-08-31"), "ok");      // the base's 7
  EXPECT_EQ(status(p, "5", "2021-09-01"), "warned");  // 3
  EXPECT_EQ(status(p, "5", "2022-06-01"), "warned");  // still 3, not the base's 9
  std::ifstream in(ext);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto ds = kcbx::check_rules(text, ext);
  const auto* d = find_code(ds, "override-replaces-later-value");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->severity, kcbx::Severity::kWarning);
  EXPECT_EQ(d->where.line, 3);
  EXPECT_NE(d->message.find("from 2021-09-01 also replaces the base's value from 2022-01-01 (9"),
            std::string::npos)
      << d->message;

  // One from the same date is replaced without a word.
  const std::string same = dir.write("same.yaml", R"(meta: {name: same, extends: base.yaml}
parameters:
  limit: {override: true, from: 2022-01-01, value: 4}
)");
  std::ifstream in2(same);
  const std::string text2((std::istreambuf_iterator<char>(in2)), std::istreambuf_iterator<char>());
  EXPECT_EQ(find_code(kcbx::check_rules(text2, same), "override-replaces-later-value"), nullptr);
  EXPECT_EQ(status(kcbx::load_rules(same), "5", "2022-06-01"), "warned");  // 4
  EXPECT_EQ(status(kcbx::load_rules(same), "5", "2021-06-01"), "ok");      // 7
}

// `extends:` left empty is an error, not a pack of its own with no fields
// (which would accept every file as blank records).
TEST(Extend, AnEmptyExtendsIsAnError) {
  for (const char* v : {"", "~", "''"}) {
    const auto ds = diagnostics({{"e.yaml", std::string("meta: {name: e, extends: ") + v + "}\n"}});
    const auto* d = find_code(ds, "empty-value");
    ASSERT_NE(d, nullptr) << v;
    EXPECT_EQ(d->format(), "e.yaml:1:17: error: 'extends' is empty: name the base pack ('guizhou', or a file relative "
                           "to this one), or leave 'extends' out for a pack of its own [empty-value]");
  }
}

// A province drops the base's indicators and lists that are not its own
// (Guizhou's T1 target, dated 2019); a name the base lacks is an error.
TEST(Extend, RemoveDropsABaseIndicatorOrList) {
  const kcbx::RulePack p = kcbx::parse_rules(R"(meta: {name: rm, extends: guizhou}
indicators:
  poor_dropouts: {remove: true}
lists:
  aid_gaps: {remove: true}
)",
                                             "rm.yaml");
  const auto& pack = *p.checked().pack;
  EXPECT_TRUE(std::none_of(pack.indicators.begin(), pack.indicators.end(),
                           [](const auto& i) { return i.name.value == "poor_dropouts"; }));
  EXPECT_TRUE(std::none_of(pack.lists.begin(), pack.lists.end(),
                           [](const auto& l) { return l.name.value == "aid_gaps"; }));
  EXPECT_EQ(pack.indicators.size() + 1, kcbx::default_rules().checked().pack->indicators.size());
  auto ds = diagnostics({{"x.yaml", "meta: {name: x, extends: guizhou}\nlists:\n  problem: {remove: true}\n"}});
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].format(), "x.yaml:3:3: error: list 'problem' is not in the base pack: nothing to remove; did you "
                            "mean 'problems'? [unknown-id]");
  ds = diagnostics({{"x.yaml", "meta: {name: x, extends: guizhou}\nindicators:\n  poor_dropouts: {remove: true, alias: x}\n"}});
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].code, "conflicting-keys");
}

// Results are labelled "name version #hash": an extension without a
// version has none, rather than its base's release number beside its own
// name.
TEST(Extend, AnExtensionHasItsOwnVersion) {
  const kcbx::RulePack unversioned = kcbx::parse_rules("meta: {name: yn, extends: guizhou}\n", "yn.yaml");
  EXPECT_EQ(unversioned.version(), "");
  EXPECT_EQ(unversioned.id(), "yn #" + unversioned.content_hash());
  const kcbx::RulePack versioned =
      kcbx::parse_rules("meta: {name: yn, version: 0.3.0, extends: guizhou}\n", "yn.yaml");
  EXPECT_EQ(versioned.id(), "yn 0.3.0 #" + versioned.content_hash());
  EXPECT_EQ(kcbx::default_rules().version(), "1.0.0");
}

TEST(Extend, AddingWhatExistsSaysWhereAndHow) {
  const std::string ext = R"(meta: {name: ext, extends: base.yaml}
parameters:
  limit: {type: int, value: 3}
tables:
  status:
    rows:
      - {id: near, when: "true", then: ok}
)";
  const auto ds = diagnostics({{"base.yaml", kBase}, {"ext.yaml", ext}});
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds[0].code, "already-defined");
  EXPECT_EQ(ds[0].where.format(), "ext.yaml:3:3");
  EXPECT_NE(ds[0].message.find("parameter 'limit' already exists in the base pack (base.yaml:6:3)"),
            std::string::npos)
      << ds[0].message;
  EXPECT_NE(ds[0].message.find("override: true"), std::string::npos);
  EXPECT_EQ(ds[1].code, "already-defined");
  EXPECT_EQ(ds[1].where.format(), "ext.yaml:7:14");
  EXPECT_NE(ds[1].message.find("row 'near' already exists in table 'status' of the base pack"), std::string::npos)
      << ds[1].message;
  EXPECT_NE(ds[1].message.find("replace: true"), std::string::npos);
}

// A base whose only error is a `from:` that is no date: its own error is
// reported, and the extension is not checked alone (every name the base
// defines would be unknown there).
TEST(Extend, ABadDateInTheBaseIsItsOwnError) {
  std::string base = kBase;
  base.replace(base.find("    value: 7"), 12, "    from: 2019-02-30\n    value: 7");
  const std::string ext = "meta: {name: ext, extends: base.yaml}\nderive:\n  far_away: days_absent > limit\n";
  const auto ds = diagnostics({{"base.yaml", base}, {"ext.yaml", ext}});
  std::string listed;
  for (const auto& d : ds) listed += d.format() + "\n";
  ASSERT_EQ(ds.size(), 1u) << listed;
  EXPECT_EQ(ds[0].code, "bad-date");
  EXPECT_EQ(ds[0].where.file, "base.yaml");
}

// The same id twice in the extension itself is a duplicate there, told as
// in a pack of its own, not blamed on the base.
TEST(Extend, AnIdTwiceInTheExtensionIsADuplicateNotTheBases) {
  const std::string ext = R"(meta: {name: ext, extends: base.yaml}
tables:
  status:
    rows:
      - {id: late, when: days_absent > 100, then: out, before: far}
      - {id: late, when: days_absent > 200, then: out, before: far}
)";
  const auto ds = diagnostics({{"base.yaml", kBase}, {"ext.yaml", ext}});
  std::string listed;
  for (const auto& d : ds) listed += d.format() + "\n";
  ASSERT_EQ(ds.size(), 1u) << listed;
  EXPECT_EQ(ds[0].code, "duplicate-row-id");
  EXPECT_EQ(ds[0].where.format(), "ext.yaml:6:14");
  EXPECT_EQ(ds[0].message, "duplicate row id 'late' (ext.yaml:5:14)");
}

// A line an extension adds that closes a supervision cycle with the base's
// lines is reported at the extension's own line (the base is valid on its
// own), and in Chinese too.
TEST(Extend, ASupervisionCycleIsReportedAtTheExtensionsLine) {
  const std::string ext = "meta: {name: cyc, extends: guizhou}\n"
                          "lines:\n"
                          "  loop: {alias: 环, chain: [county_head, teacher]}\n";
  const auto ds = kcbx::check_rules(ext, "cyc.yaml");
  ASSERT_FALSE(ds.empty());
  EXPECT_EQ(ds[0].code, "escalation-cycle");
  EXPECT_EQ(ds[0].where.format(), "cyc.yaml:3:41");
  // The other half of the cycle is named, with where it is.
  EXPECT_EQ(ds[0].message,
            "line 'loop' puts 'teacher' above 'county_head', which closes a supervision cycle with another line: "
            "'education' (teacher > principal > bureau_director > county_head, <embedded:guizhou>:451:72)");
  EXPECT_EQ(kcbx::detail::localized_message(ds[0], "zh"),
            "责任线 'loop' 把 'teacher' 置于 'county_head' 之上，与其他责任线构成了循环的上下级关系："
            "'education' (teacher > principal > bureau_director > county_head, <embedded:guizhou>:451:72)");
}

// A rate's threshold written as a percentage would be missed by every
// jurisdiction: refused at the value, the parameter's or the literal.
TEST(Extend, ARateThresholdIsAShare) {
  const std::string param = "meta: {name: pct, extends: guizhou}\n"
                            "parameters:\n"
                            "  consolidation_target: {override: true, values: [{value: 95}]}\n";
  auto ds = kcbx::check_rules(param, "pct.yaml");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].code, "out-of-range");
  EXPECT_EQ(ds[0].where.format(), "pct.yaml:3:51");  // the value written there
  EXPECT_EQ(ds[0].message,
            "parameter 'consolidation_target' is 95, but indicator 'consolidation_rate' is a rate, a share from 0 to "
            "1: write 0.95 for 95%");
  const std::string literal = "meta: {name: pct, extends: guizhou}\n"
                              "indicators:\n"
                              "  disabled_enrolment_rate:\n"
                              "    override: true\n"
                              "    numerator: disabled and in_scope and status = in_school\n"
                              "    denominator: disabled and in_scope\n"
                              "    at_least: 97\n";
  ds = kcbx::check_rules(literal, "pct.yaml");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].where.format(), "pct.yaml:7:15");
  EXPECT_NE(ds[0].message.find("the threshold is 97"), std::string::npos) << ds[0].message;
  EXPECT_TRUE(kcbx::check_rules("meta: {name: ok, extends: guizhou}\n", "ok.yaml").empty());
}

// Moving M2.4's reports to the 20th and the 5th changes their days only:
// what data they carry, who reports to whom and the clause stay the base's
// (replaced whole, they went blank unsaid). A transfer override keeps the
// keys it does not give as well.
TEST(Extend, CalendarAndTransferOverridesChangeOnlyTheKeysGiven) {
  const std::string ext = "meta: {name: sc, extends: guizhou}\n"
                          "parameters:\n"
                          "  notify5: {type: duration, value: 5 days}\n"
                          "calendar:\n"
                          "  - {id: prefecture_mid_month, override: true, days: [20]}\n"
                          "  - {id: prefecture_month_end, override: true, days: [5]}\n"
                          "transfer:\n"
                          "  override: true\n"
                          "  notify_within: notify5\n";
  const kcbx::RulePack p = kcbx::parse_rules(ext, "sc.yaml");
  std::map<std::string, kcbx::CalendarEntry> due;
  for (const auto& c : kcbx::calendar_due(p, day("2021-03-01"), day("2021-03-31")))
    if (c.id.rfind("prefecture_", 0) == 0) due[c.id] = c;
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due["prefecture_mid_month"].date.format(), "2021-03-20");
  EXPECT_EQ(due["prefecture_mid_month"].data_as_of.format(), "2021-03-15");
  EXPECT_EQ(due["prefecture_month_end"].date.format(), "2021-03-05");
  EXPECT_EQ(due["prefecture_month_end"].data_as_of.format(), "2021-02-28");
  for (const auto& [id, c] : due) {
    EXPECT_EQ(c.clause, "M2.4") << id;
    EXPECT_FALSE(c.reporter.empty()) << id;
    EXPECT_FALSE(c.recipient.empty()) << id;
  }
  const auto& t = p.checked().pack->transfer;
  EXPECT_EQ(t.notify_within.value, "notify5");
  EXPECT_FALSE(t.inspect_within.empty());
  EXPECT_EQ(t.notify_clause.value, "S1.4");
  EXPECT_EQ(t.inspect_clause.value, "S1.5");
  // An entry with no day would never be due.
  const auto ds = kcbx::check_rules("meta: {name: e, extends: guizhou}\ncalendar:\n  - {id: x, days: []}\n", "e.yaml");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].code, "empty-value");
  EXPECT_EQ(ds[0].where.format(), "e.yaml:3:19");
}

// A new role on a line its chain does not list escalates to no one:
// warned of at its `line:`, and quiet once the chain lists it.
TEST(Extend, ARoleItsLinesChainLeavesOutIsWarnedOf) {
  const std::string role = "meta: {name: gh, extends: guizhou}\n"
                           "roles:\n"
                           "  grade_head: {alias: 年级组长, line: education, level: school}\n";
  const auto ds = kcbx::check_rules(role, "gh.yaml");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].code, "role-not-in-line");
  EXPECT_EQ(ds[0].severity, kcbx::Severity::kWarning);
  EXPECT_EQ(ds[0].where.format(), "gh.yaml:3:35");
  EXPECT_NE(ds[0].message.find("escalate to no one"), std::string::npos) << ds[0].message;
  const std::string listed =
      role + "lines:\n  education: {override: true, chain: [teacher, grade_head, principal, bureau_director, county_head]}\n";
  EXPECT_TRUE(kcbx::check_rules(listed, "gh.yaml").empty());
}

// A name the base uses already is placed in the base's file, not at a
// line of the extension's.
TEST(Extend, ANameClashWithTheBaseSaysWhereInTheBase) {
  const auto ds = kcbx::check_rules("meta: {name: c, extends: guizhou}\nderive:\n  poor: true\n", "c.yaml");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].code, "duplicate-name");
  EXPECT_NE(ds[0].message.find("reuses a name defined at <embedded:guizhou>:"), std::string::npos) << ds[0].message;
}

// `remove: true` with other keys: the author meant a change, and the
// keys would be dropped without a word.
TEST(Extend, RemoveWithOtherKeysIsAnError) {
  const auto ds = kcbx::check_rules("meta: {name: r, extends: guizhou}\n"
                                    "workflow:\n"
                                    "  stages:\n"
                                    "    - {id: notice, remove: true, due_after: report_within}\n",
                                    "r.yaml");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].code, "conflicting-keys");
  EXPECT_EQ(ds[0].where.format(), "r.yaml:4:34");
  EXPECT_NE(ds[0].message.find("'due_after' would be ignored"), std::string::npos) << ds[0].message;
}

// A deadline written as a duration, and the key listed as a ledger column:
// each told what to write instead.
TEST(Extend, ADeadlineNamesAParameterAndTheKeyIsNoLedgerColumn) {
  const std::string due = "meta: {name: d, extends: guizhou}\n"
                          "workflow:\n"
                          "  stages:\n"
                          "    - {id: school_report, override: true, due_after: 5 days}\n";
  auto ds = kcbx::check_rules(due, "d.yaml");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].where.format(), "d.yaml:4:54");
  EXPECT_EQ(ds[0].message,
            "'due_after' names a duration parameter, not a duration: define one under 'parameters' (say, "
            "my_deadline: {type: duration, value: 5 days, clause: ...}) and write its name here");
  std::string ledgers = kcbx::default_rules().source();
  ledgers = "meta: {name: k, extends: guizhou}\n" +
            ledgers.substr(ledgers.find("\nledgers:\n") + 1, ledgers.find("\n# Targets") - ledgers.find("\nledgers:\n"));
  ledgers.insert(ledgers.find("  columns:\n") + 11, "    - {name: student_id, alias: 学籍号}\n");
  ledgers.insert(ledgers.find("ledgers:\n") + 9, "  override: true\n");
  ds = kcbx::check_rules(ledgers, "k.yaml");
  ASSERT_EQ(ds.size(), 1u) << ds[0].format();
  EXPECT_EQ(ds[0].code, "duplicate-name");
  EXPECT_NE(ds[0].message.find("'student_id' is the record key"), std::string::npos) << ds[0].message;
}

// A registry state an extension adds and no condition names (the guide's
// own 借读 example) would fall to the last status row, suspected dropout:
// a warning at the value, gone once a condition names it. Guizhou names
// every registry state, and its other fields steer no rule.
TEST(Extend, AValueNoConditionNamesIsWarnedOf) {
  const std::string added = "meta: {name: j, extends: guizhou}\n"
                            "fields:\n"
                            "  registry: {values: {jiedu: 借读}}\n";
  auto ds = kcbx::check_rules(added, "j.yaml");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].severity, kcbx::Severity::kWarning);
  EXPECT_EQ(ds[0].code, "unnamed-value");
  EXPECT_EQ(ds[0].where.format(), "j.yaml:3:23");
  EXPECT_EQ(ds[0].message.rfind("no condition or derived value names 'jiedu', a value of registry", 0), 0u)
      << ds[0].message;
  const std::string placed = added + "derive:\n"
                                     "  attending: {override: true, expr: "
                                     "\"registry in [enrolled, home_teaching, jiedu] and not absent_too_long\"}\n";
  ds = kcbx::check_rules(placed, "j.yaml");
  EXPECT_TRUE(ds.empty()) << ds[0].format();
  EXPECT_TRUE(kcbx::check_rules(kcbx::default_rules().source(), "guizhou.yaml").empty());
  // A pack's own values are its author's: registry = left, else the rest.
  std::ifstream seed(KCBX_SOURCE_DIR "/tests/fuzz/seeds/pack/minimal.yaml");
  const std::string own((std::istreambuf_iterator<char>(seed)), std::istreambuf_iterator<char>());
  ASSERT_NE(own.find("registry = left"), std::string::npos);
  EXPECT_TRUE(kcbx::check_rules(own, "minimal.yaml").empty());
}

TEST(Extend, AStagesCountNamesAnIntParameter) {
  auto count = [](const std::string& c) {
    return kcbx::check_rules("meta: {name: c, extends: guizhou}\n"
                             "workflow:\n"
                             "  stages:\n"
                             "    - {id: home_visits, override: true, count: " + c + "}\n",
                             "c.yaml");
  };
  auto ds = count("visits");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].code, "unknown-name");
  EXPECT_EQ(ds[0].where.format(), "c.yaml:4:48");
  ds = count("home_visit_within");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].message, "'count' takes a whole number or an int parameter; 'home_visit_within' is duration");
  EXPECT_TRUE(count("3").empty());
  // A count parameter needs a value since always, of 1 to 1000000 events.
  const auto dated = kcbx::check_rules("meta: {name: c, extends: guizhou}\n"
                                       "parameters:\n"
                                       "  visits: {type: int, values: [{from: 2021-01-01, value: 3}]}\n"
                                       "  zero: {type: int, value: 0}\n"
                                       "workflow:\n"
                                       "  stages:\n"
                                       "    - {id: home_visits, override: true, count: visits}\n"
                                       "    - {id: school_report, override: true, count: zero}\n",
                                       "c.yaml");
  ASSERT_EQ(dated.size(), 2u);
  EXPECT_EQ(dated[0].code, "no-value");
  EXPECT_EQ(dated[0].where.format(), "c.yaml:7:48");
  EXPECT_EQ(dated[1].code, "out-of-range");
  EXPECT_EQ(dated[1].message, "parameter 'zero' is the count of stage 'school_report': 1 to 1000000 events, not 0");
}

TEST(Extend, ANegativeDurationIsWarnedOf) {
  const auto ds = kcbx::check_rules("meta: {name: n, extends: guizhou}\n"
                                    "parameters:\n"
                                    "  dropout_after: {override: true, values: [{value: -3 days}]}\n",
                                    "n.yaml");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].severity, kcbx::Severity::kWarning);
  EXPECT_EQ(ds[0].code, "negative-duration");
  EXPECT_EQ(ds[0].where.format(), "n.yaml:3:52");
  EXPECT_EQ(kcbx::detail::localized_message(ds[0], "zh"), "参数 'dropout_after' 为 -3 days，是负的时长：加上它的每个日期都会往前移");
}

TEST(Extend, OverridingWhatIsNotInTheBase) {
  const std::string ext = R"(meta: {name: ext, extends: base.yaml}
parameters:
  limt: {override: true, from: 2020-01-01, value: 3}
tables:
  status:
    rows:
      - {id: nearr, remove: true}
)";
  const auto ds = diagnostics({{"base.yaml", kBase}, {"ext.yaml", ext}});
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds[0].code, "unknown-override");
  EXPECT_EQ(ds[0].where.format(), "ext.yaml:3:3");
  EXPECT_NE(ds[0].message.find("not in the base pack"), std::string::npos);
  EXPECT_EQ(ds[1].code, "unknown-id");
  EXPECT_EQ(ds[1].where.format(), "ext.yaml:7:14");
  EXPECT_NE(ds[1].message.find("did you mean 'near'?"), std::string::npos) << ds[1].message;
}

TEST(Extend, APartOfTheLedgersSaysTheSectionIsReplacedWhole) {
  const std::string ext = R"(meta: {name: ext, extends: guizhou}
ledgers:
  key_groups:
    minority: {when: 'true'}
)";
  const auto ds = diagnostics({{"ext.yaml", ext}});
  ASSERT_FALSE(ds.empty());
  EXPECT_EQ(ds[0].code, "missing-key");
  EXPECT_EQ(ds[0].where.format(), "ext.yaml:3:3");
  EXPECT_NE(ds[0].message.find("write 'override: true' and the whole section"), std::string::npos) << ds[0].message;
}

TEST(Extend, LedgerTotalsByACollectTableAreRefused) {
  const std::string ext = R"(meta: {name: ext, extends: guizhou}
ledgers:
  override: true
  include: counted_out
  levels: [village, township]
  totals_by: eligible_aid
)";
  const auto ds = diagnostics({{"ext.yaml", ext}});
  ASSERT_EQ(ds.size(), 1u) << ds[0].format();
  EXPECT_EQ(ds[0].code, "wrong-type");
  EXPECT_EQ(ds[0].where.format(), "ext.yaml:6:14");
  EXPECT_NE(ds[0].message.find("'eligible_aid' is a collect table"), std::string::npos) << ds[0].message;
}

TEST(Extend, AWrongChangeDoesNotHideTheOtherProblems) {
  // One run lists every problem of the file: the override of nothing, and
  // the unknown name and value the merged pack has.
  const std::string ext = R"(meta: {name: ext, extends: base.yaml}
parameters:
  limt: {override: true, from: 2020-01-01, value: 3}
derive:
  late: days_absnt > 3
tables:
  status:
    rows:
      - {id: extra, when: late, then: gone, before: fine}
)";
  const auto ds = diagnostics({{"base.yaml", kBase}, {"ext.yaml", ext}});
  std::vector<std::string> got;
  for (const auto& d : ds)
    if (d.severity == kcbx::Severity::kError) got.push_back(d.code + " " + d.where.format());
  EXPECT_EQ(got, (std::vector<std::string>{"unknown-override ext.yaml:3:3", "unknown-name ext.yaml:5:9",
                                           "unknown-value ext.yaml:9:39"}));
}

TEST(Extend, AnErrorInTheBaseNamesTheChangesThatCausedIt) {
  const std::string ext = R"(meta: {name: ext, extends: base.yaml}
fields:
  days_absent: {type: string, override: true}
)";
  const auto ds = diagnostics({{"base.yaml", kBase}, {"ext.yaml", ext}});
  ASSERT_GE(ds.size(), 2u);
  EXPECT_EQ(ds.front().where.file, "base.yaml");
  const kcbx::Diagnostic& note = ds.back();
  EXPECT_EQ(note.severity, kcbx::Severity::kNote);
  EXPECT_EQ(note.code, "base-error");
  EXPECT_EQ(note.where.format(), "ext.yaml:1:28");
  EXPECT_NE(note.message.find("this pack's changes break it; it changes field 'days_absent' (ext.yaml:3:3)"),
            std::string::npos)
      << note.message;
}

TEST(Extend, ChangingWhichChildrenHaveACaseNeedsOverride) {
  const std::string plain = R"(meta: {name: ext, extends: guizhou}
workflow:
  opens_when: status = dropout
)";
  const auto ds = diagnostics({{"ext.yaml", plain}});
  ASSERT_EQ(ds.size(), 1u) << ds[0].format();
  EXPECT_EQ(ds[0].code, "needs-override");
  EXPECT_EQ(ds[0].where.format(), "ext.yaml:3:15");
  EXPECT_NE(ds[0].message.find("the base pack's workflow has 'opens_when' (<embedded:guizhou>:"), std::string::npos)
      << ds[0].message;
  const std::string with = R"(meta: {name: ext, extends: guizhou}
workflow:
  override: true
  opens_when: status = dropout
  events: {verified: 县级核实}
)";
  const kcbx::RulePack p = kcbx::parse_rules(with, "ext.yaml");
  EXPECT_EQ(p.checked().pack->workflow.opens_when.value, "status = dropout");
  // override outside an extension is a mistake, as on any item.
  const auto lone = kcbx::check_rules("meta: {name: x}\nworkflow: {override: true, opens_when: 'true', events: [a], "
                                      "stages: [{id: s, role: r, event: a}]}\n", "x.yaml");
  ASSERT_FALSE(lone.empty());
  EXPECT_EQ(lone[0].code, "not-extending");
}

TEST(Extend, ABaseWithErrorsOfItsOwnGetsNoNote) {
  // The note blames the extension only when the base is valid alone.
  std::string broken = kBase;
  broken.replace(broken.find("days_absent > limit * 4"), 23, "days_absnt > limit * 4");
  const std::string ext = R"(meta: {name: ext, extends: base.yaml}
fields:
  note: {type: string}
)";
  const auto ds = diagnostics({{"base.yaml", broken}, {"ext.yaml", ext}});
  ASSERT_FALSE(ds.empty());
  for (const auto& d : ds) EXPECT_NE(d.code, "base-error") << d.format();
  EXPECT_EQ(ds[0].where.file, "base.yaml");
  // A workflow override where the base has none is an override of nothing.
  const auto wf = diagnostics({{"base.yaml", kBase},
                               {"ext.yaml", "meta: {name: ext, extends: base.yaml}\nworkflow: {override: true, "
                                            "opens_when: 'true', events: [a], stages: [{id: s, role: r, event: a}]}\n"}});
  ASSERT_FALSE(wf.empty());
  EXPECT_EQ(wf[0].code, "unknown-override") << wf[0].format();
}

TEST(Extend, RowsAreInsertedWhereTheySay) {
  const std::string ext = R"(meta: {name: ext, extends: base.yaml}
tables:
  status:
    rows:
      - {id: very_far, before: far, when: days_absent > 100, then: out}
      - {id: middle, after: far, when: days_absent > 20, then: warned}
      - {id: fine, remove: true}
      - {id: last, then: ok}
)";
  const kcbx::RulePack p = kcbx::parse_rules(Sources{{"base.yaml", kBase}, {"ext.yaml", ext}});
  EXPECT_EQ(row_ids(p), (std::vector<std::string>{"very_far", "far", "middle", "near", "last"}));
  EXPECT_EQ(status(p, "21"), "warned");
  EXPECT_EQ(status(p, "101"), "out");
}

TEST(Extend, RowsAreReplacedAndRemoved) {
  const std::string ext = R"(meta: {name: ext, extends: base.yaml}
tables:
  status:
    rows:
      - {id: far, remove: true}
      - {id: near, replace: true, when: days_absent > limit * 2, then: out}
)";
  const kcbx::RulePack p = kcbx::parse_rules(Sources{{"base.yaml", kBase}, {"ext.yaml", ext}});
  EXPECT_EQ(row_ids(p), (std::vector<std::string>{"near", "fine"}));
  EXPECT_EQ(status(p, "10"), "ok");
  EXPECT_EQ(status(p, "15"), "out");
  // The replaced row keeps its place and carries the extension's position.
  EXPECT_EQ(p.checked().pack->tables[0].rows[0].where.file, "ext.yaml");
}

TEST(Extend, VerbsWithoutExtendsAreMistakes) {
  const std::string pack = std::string(kBase) + R"(checks:
  - {id: c, require: "true", message: m, replace: true}
)";
  const auto ds = kcbx::check_rules(pack, "p.yaml");
  const auto* d = find_code(ds, "not-extending");
  ASSERT_NE(d, nullptr);
  EXPECT_NE(d->message.find("add 'extends:' to meta"), std::string::npos);
}

TEST(Extend, ChainOfThreePacksOnGuizhou) {
  TempDir dir;
  dir.write("middle.yaml", R"(meta: {name: middle, extends: guizhou}
parameters:
  suspected_after: {override: true, from: 2020-09-01, value: 5 days}
)");
  const std::string top = dir.write("top.yaml", R"(meta: {name: top, extends: middle.yaml}
parameters:
  suspected_after: {override: true, from: 2021-09-01, value: 3 days}
tables:
  status:
    rows:
      - {id: very_young, before: under_age, when: age < 3, then: not_applicable, clause: D5}
)");
  const kcbx::RulePack p = kcbx::load_rules(top);
  ASSERT_EQ(p.sources().size(), 3u);
  EXPECT_EQ(p.sources()[0].first, "<embedded:guizhou>");
  EXPECT_EQ(row_ids(p)[1], "very_young");
  kcbx::Engine e(p);
  auto since = [&](const char* last, const char* as_of) {
    kcbx::Record r;
    r.set("student_id", "G1").set("registry", "enrolled").set("birth_date", "2012-01-01").set("last_attended", last);
    for (const auto& [k, v] : e.explain(r, day(as_of)).outputs)
      if (k == "suspected_since") return v;
    return std::string();
  };
  EXPECT_EQ(since("2020-08-01", "2020-08-20"), "2020-08-09");  // guizhou: 7 days
  EXPECT_EQ(since("2020-10-01", "2020-10-20"), "2020-10-07");  // middle: 5 days
  EXPECT_EQ(since("2021-10-01", "2021-10-20"), "2021-10-05");  // top: 3 days
}

// A province that counts absence in school days, with its holidays: the
// extension's school_calendar moves suspicion past the National Day week;
// one extending it again must say `override: true` to replace the calendar,
// and the effective pack and kcbx diff show it.
TEST(Extend, SchoolDaysWithTheProvincesHolidays) {
  TempDir dir;
  const std::string school_days = dir.write("school_days.yaml", R"(meta: {name: school-days, extends: guizhou}
parameters:
  suspected_after_school_days: {type: int, unit: school days, clause: D3, value: 5}
derive:
  suspected_since:
    override: true
    expr: if absence_excused then null else add_school_days(last_attended, suspected_after_school_days + 1)
    clause: D3
school_calendar:
  holidays: [2019-10-01..2019-10-07]
  make_up_days: [2019-09-29, 2019-10-12]
)");
  const kcbx::RulePack p = kcbx::load_rules(school_days);
  kcbx::Engine e(p);
  auto explain = [&](const kcbx::Engine& engine, const char* last, const char* as_of) {
    kcbx::Record r;
    r.set("student_id", "G1").set("registry", "enrolled").set("birth_date", "2008-01-01").set("last_attended", last);
    const kcbx::Explanation x = engine.explain(r, day(as_of));
    std::string since;
    for (const auto& [k, v] : x.outputs)
      if (k == "suspected_since") since = v;
    return since + " " + x.decisions.at(0).value;
  };
  // Friday 09-27: school days after are 09-29 (make-up), 09-30, 10-08..10-11.
  EXPECT_EQ(explain(e, "2019-09-27", "2019-10-10"), "2019-10-11 in_school");
  EXPECT_EQ(explain(e, "2019-09-27", "2019-10-11"), "2019-10-11 suspected_dropout");
  // Without the calendar (the pack's section removed) Monday to Friday count.
  const std::string top = dir.write("top.yaml", R"(meta: {name: top, extends: school_days.yaml}
school_calendar:
  holidays: []
)");
  std::string message;
  try {
    (void)kcbx::load_rules(top);
  } catch (const kcbx::Error& err) {
    message = err.what();
  }
  EXPECT_NE(message.find("the base pack has 'school_calendar'; to replace it, say 'override: true'"), std::string::npos)
      << message;
  const std::string plain = dir.write("plain.yaml", R"(meta: {name: plain, extends: school_days.yaml}
school_calendar: {override: true, holidays: []}
)");
  const kcbx::RulePack q = kcbx::load_rules(plain);
  kcbx::Engine f(q);
  EXPECT_EQ(explain(f, "2019-09-27", "2019-10-04"), "2019-10-07 in_school");  // Mon-Fri: 09-30..10-04, 10-07
  EXPECT_NE(kcbx::detail::print_effective(*q.checked().pack).find("school_calendar:"), std::string::npos);
  const kcbx::PackDiff d = kcbx::diff_packs(p, q);
  bool seen = false;
  for (const auto& c : d.changes) seen |= c.section == "school calendar";
  EXPECT_TRUE(seen);
  // `override` on the section in a pack that extends nothing is a mistake.
  const auto alone = kcbx::check_rules("meta: {name: a}\nschool_calendar: {override: true, holidays: [2019-10-01]}\n",
                                       "a.yaml");
  ASSERT_FALSE(alone.empty());
  EXPECT_EQ(alone[0].code, "not-extending");
}

// One registry per person (一人一籍), as docs/rule-packs.md tells a province
// to ask for it: the same ID number on a second record is rejected there,
// and only there (the Guizhou pack accepts both).
TEST(Extend, OneRegistryPerPersonIsAFieldOverride) {
  TempDir dir;
  const std::string strict = dir.write("strict.yaml", R"(meta: {name: strict, extends: guizhou}
fields:
  id_number: {override: true, alias: 身份证号, type: string, format: id_number, unique: true}
)");
  const std::string csv = "student_id,registry,id_number,last_attended\n"
                          "A1,enrolled,11010519491231002X,2019-11-10\n"
                          "A2,enrolled,11010519491231002x,2019-11-10\n";
  std::istringstream a(csv), b(csv);
  const kcbx::StudentFile guizhou = kcbx::read_students(kcbx::default_rules(), a);
  EXPECT_EQ(guizhou.counts.accepted, 2);
  const kcbx::StudentFile one = kcbx::read_students(kcbx::load_rules(strict), b);
  EXPECT_EQ(one.counts.accepted, 1);
  ASSERT_EQ(one.rejects.size(), 1u);
  EXPECT_EQ(one.rejects[0].row, 3);
  EXPECT_EQ(one.rejects[0].column, "id_number");
  EXPECT_EQ(one.rejects[0].reason, "duplicate id_number (first on row 2)");
}

// A county created after kcbx's GB/T 2260 list (澄江市 530481, 2019-12)
// is added by the pack: its children's ID numbers and division codes are
// then accepted, by the CSV reader and one record alike, and still masked.
TEST(Extend, APackAddsADivisionCodeNewerThanTheList) {
  TempDir dir;
  const std::string yunnan = dir.write("yunnan.yaml", R"(meta: {name: yunnan, extends: guizhou, jurisdiction: "530000"}
division_codes:
  "530481": 澄江市
)");
  const std::string id = "530481201303010017";  // a valid check character
  const std::string csv = "student_id,registry,id_number,division_code,last_attended\n"
                          "G" + id + ",enrolled," + id + ",530481100200,2019-11-10\n"
                          "A2,enrolled,530481201303010018,530481100200,2019-11-10\n";
  std::istringstream a(csv), b(csv);
  const kcbx::StudentFile guizhou = kcbx::read_students(kcbx::default_rules(), a);
  EXPECT_EQ(guizhou.counts.accepted, 0);
  ASSERT_EQ(guizhou.rejects.size(), 2u);
  EXPECT_NE(guizhou.rejects[0].reason.find("address code"), std::string::npos) << guizhou.rejects[0].reason;
  const kcbx::RulePack pack = kcbx::load_rules(yunnan);
  const kcbx::StudentFile added = kcbx::read_students(pack, b);
  EXPECT_EQ(added.counts.accepted, 1);
  ASSERT_EQ(added.rejects.size(), 1u);  // the check character is still checked
  EXPECT_EQ(added.rejects[0].reason, "id_number check digit does not match (GB 11643 MOD 11-2)");
  kcbx::Record r;
  r.set("student_id", "A1").set("registry", "enrolled").set("id_number", id).set("division_code", "530481100200");
  const kcbx::Explanation e = kcbx::Engine(pack).explain(r, day("2019-11-15"));
  EXPECT_TRUE(e.accepted);
  EXPECT_EQ(e.to_json().find(id), std::string::npos);  // masked, as any ID number
  EXPECT_EQ(kcbx::detail::mask_embedded_id_numbers("G" + id).find(id.substr(6, 8)), std::string::npos);
  // Codes are 6 digits of a county or prefecture.
  const auto bad = kcbx::check_rules("meta: {name: b, extends: guizhou}\ndivision_codes: {\"530000\": 云南省, \"5304\": x}\n",
                                     "b.yaml");
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_EQ(bad[0].code, "wrong-type");
  EXPECT_EQ(bad[0].where.format(), "b.yaml:2:18");
  // A code kcbx knows already (南明区, a typo for another?) and a code
  // without a name are kept, and said.
  const auto said = kcbx::check_rules("meta: {name: s, extends: guizhou}\ndivision_codes:\n  \"520102\": 南明区\n"
                                      "  \"530481\": \"\"\n",
                                      "s.yaml");
  ASSERT_EQ(said.size(), 2u);
  EXPECT_EQ(said[0].severity, kcbx::Severity::kWarning);
  EXPECT_EQ(said[0].code, "known-division-code");
  EXPECT_EQ(said[0].where.format(), "s.yaml:3:3");
  EXPECT_EQ(said[1].code, "unnamed-division-code");
  EXPECT_EQ(said[1].where.format(), "s.yaml:4:3");
  // A county pack may repeat its province pack's code, or rename it.
  const std::string twice = dir.write("twice.yaml", "meta: {name: t, extends: yunnan.yaml}\ndivision_codes: {\"530481\": 澄江市}\n");
  EXPECT_EQ(kcbx::load_rules(twice).checked().pack->division_codes.size(), 1u);
  const std::string renamed = dir.write("renamed.yaml", "meta: {name: r, extends: yunnan.yaml}\ndivision_codes: {\"530481\": 澄江}\n");
  const kcbx::RulePack renamed_pack = kcbx::load_rules(renamed);
  const auto& codes = renamed_pack.checked().pack->division_codes;
  ASSERT_EQ(codes.size(), 1u);
  EXPECT_EQ(codes[0].name.value, "澄江");
}

// Roles, levels and lines may be named by their Chinese aliases, in a pack
// of its own and in an extension naming its base's.
TEST(Extend, RolesLevelsAndLinesMayBeNamedByTheirAliases) {
  const std::string own = R"(meta: {name: r1}
fields:
  xjh: {alias: 学籍号, type: string, required: true, unique: true}
  xxbsm: {alias: 学校标识码, type: string}
tables:
  zt: {values: {a: 疑似辍学}, rows: [{id: r, then: a}]}
levels:
  xuexiao: {alias: 学校, field: xxbsm}
roles:
  banzhuren: {alias: 班主任, line: 教育线, level: 学校, duties: [家访]}
  xiaozhang: {alias: 校长, line: jiaoyu, level: xuexiao, duties: [报告]}
lines:
  jiaoyu: {alias: 教育线, chain: [班主任, 校长]}
workflow:
  opens_when: zt = a
  events: {jiafang: 家访}
  stages:
    - {id: jf, role: 班主任, event: 家访}
)";
  auto listed = [](const std::vector<kcbx::Diagnostic>& diags) {
    std::string out;
    for (const auto& d : diags) out += d.format() + "\n";
    return out;
  };
  EXPECT_TRUE(kcbx::check_rules(own, "r1.yaml").empty()) << listed(kcbx::check_rules(own, "r1.yaml"));
  const kcbx::RulePack pack = kcbx::parse_rules(own, "r1.yaml");
  const auto& p = *pack.checked().pack;
  EXPECT_EQ(p.workflow.stages[0].role.value, "banzhuren");
  EXPECT_EQ(p.lines[0].chain[1].value, "xiaozhang");
  EXPECT_EQ(p.roles[0].level.value, "xuexiao");
  const std::string ext = "meta: {name: e, extends: guizhou}\nworkflow:\n  stages:\n"
                          "    - {id: home_visits, override: true, role: 校长}\n";
  const kcbx::RulePack e = kcbx::parse_rules(ext, "e.yaml");
  EXPECT_EQ(e.checked().pack->workflow.stages[0].role.value, "principal");
  // A misspelt alias is still unknown.
  const auto bad = kcbx::check_rules(
      "meta: {name: b, extends: guizhou}\nworkflow:\n  stages:\n    - {id: home_visits, override: true, role: 校张}\n",
      "b.yaml");
  ASSERT_EQ(bad.size(), 1u) << listed(bad);
  EXPECT_EQ(bad[0].code, "unknown-name");
  // An alias two roles share names neither, and the message says so.
  const auto shared = kcbx::check_rules(
      "meta: {name: s, extends: guizhou}\nroles:\n  grade_head: {alias: 校长, line: education, level: school}\n"
      "workflow:\n  stages:\n    - {id: home_visits, override: true, role: 校长}\n",
      "s.yaml");
  std::string all = listed(shared);
  EXPECT_NE(all.find("'校长' is the alias of roles 'principal' and 'grade_head'; write the name of the one meant"),
            std::string::npos)
      << all;
}

// Removing the base's catch-all row leaves records with no status: warned
// of at the extension's table, not the base's.
TEST(Extend, RemovingTheMainTablesLastRowIsWarnedOf) {
  const auto d = kcbx::check_rules(
      "meta: {name: rm, extends: guizhou}\ntables:\n  status:\n    rows:\n      - {id: absent_over_week, remove: true}\n",
      "rm.yaml");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].format(),
            "rm.yaml:3:3: warning: the last row of table 'status' has a condition: a record no row matches gets no "
            "status; end the table with a row without 'when' [no-default-row]");
  EXPECT_TRUE(kcbx::check_rules("meta: {name: ok, extends: guizhou}\n", "ok.yaml").empty());
}

// An overlap between a base's row and an extension's names the base row's
// file: "line 9" alone would send the author to the wrong file.
TEST(Extend, AnOverlapWithABaseRowNamesItsFile) {
  TempDir dir;
  dir.write("base.yaml", R"(meta: {name: base, version: 1.0.0}
fields:
  student_id: {type: string, required: true, unique: true}
  days_absent: {type: int}
tables:
  risk:
    hit_policy: unique
    values: [low, high]
    rows:
      - {id: many, when: days_absent > 10, then: high}
      - {id: few, when: days_absent <= 10, then: low}
)");
  const std::string top = dir.write("top.yaml", R"(meta: {name: top, extends: base.yaml}
tables:
  risk:
    rows:
      - {id: also_many, when: days_absent > 20, then: high}
)");
  std::string warnings;
  std::ifstream in(top);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  for (const auto& d : kcbx::check_rules(text, top)) warnings += d.format() + "\n";
  EXPECT_NE(warnings.find(top + ":5:9: warning: rows 'many' (" + (fs::path(top).parent_path() / "base.yaml").string() +
                          ":10) and 'also_many' of unique table 'risk'"),
            std::string::npos)
      << warnings;
}

// A key left without a value is reported at the key, as empty, not where
// yaml-cpp's null starts (the next key, or past the end of the file).
TEST(Extend, AKeyWithoutAValueIsEmptyAtTheKey) {
  for (const std::string after : {"", "\nderive:\n  x: age + 1\n"}) {
    const auto ds = kcbx::check_rules("meta: {name: x, extends: guizhou}\ntables:\n  status:\n    rows:\n" + after,
                                      "x.yaml");
    ASSERT_FALSE(ds.empty());
    EXPECT_EQ(ds[0].code, "empty-value") << ds[0].format();
    EXPECT_EQ(ds[0].where.format(), "x.yaml:4:5") << ds[0].format();
  }
}

// Every decision carries its clause: a row added to a pack that lists its
// clauses, citing none, is warned of where it is written.
TEST(Extend, ARowThatCitesNoClauseIsWarnedOf) {
  auto pack = [](const std::string& clause) {
    return "meta: {name: x, extends: guizhou}\ntables:\n  status:\n    rows:\n"
           "      - {id: fostered, before: completed, when: orphan and registry = left, then: dropout" +
           clause + "}\n";
  };
  const std::string rows = pack("");
  const auto ds = kcbx::check_rules(rows, "x.yaml");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].severity, kcbx::Severity::kWarning);
  EXPECT_EQ(ds[0].code, "missing-clause");
  EXPECT_EQ(ds[0].where.format(), "x.yaml:5:9");
  EXPECT_TRUE(kcbx::check_rules(pack(", clause: D2"), "x.yaml").empty());
}

// Rows no record can reach are warned of where the search is exhaustive,
// and only there: a row computing with its names is not judged.
TEST(Extend, RowsNoRecordCanReachAreWarnedOf) {
  auto warnings = [](const std::string& rows) {
    std::string out;
    for (const auto& d : kcbx::check_rules("meta: {name: x, extends: guizhou}\ntables:\n  status:\n    rows:\n" + rows,
                                           "x.yaml"))
      if (d.code != "missing-clause") out += d.format() + "\n";  // these rows cite none: see below
    return out;
  };
  EXPECT_EQ(warnings("      - {id: shadowed, after: never_registered, when: registry = none and poor, then: dropout}\n"),
            "x.yaml:5:9: warning: row 'shadowed' of table 'status' can never match: row 'never_registered' before it "
            "matches every record it matches [row-never-matches]\n");
  EXPECT_EQ(warnings("      - {id: impossible, before: completed, when: age < 6 and age > 16, then: not_applicable}\n"),
            "x.yaml:5:9: warning: row 'impossible' of table 'status' can never match: its condition is never true "
            "[row-never-matches]\n");
  // Reachable: poor children over 16 who left, whom no earlier row takes.
  EXPECT_EQ(warnings("      - {id: old_poor_left, before: over_age, when: age > 16 and poor and registry = left, "
                     "then: dropout}\n"),
            "");
  // Taking every poor child over 16 first leaves the base's D5c row none.
  EXPECT_NE(warnings("      - {id: old_poor, before: over_age, when: age > 16 and poor, then: dropout}\n")
                .find("<embedded:guizhou>:352:9: warning: row 'over_age_poor_dropout' of table 'status' can never match"),
            std::string::npos);
  // Not judged: the condition computes with age (`age + 1`).
  EXPECT_EQ(warnings("      - {id: odd, before: completed, when: age + 1 < 6 and age > 16, then: not_applicable}\n"), "");
  // Not judged: as_of (true from some evaluation date on).
  EXPECT_EQ(warnings("      - {id: from_2025, before: completed, when: as_of >= 2025-09-01 and poor, then: dropout}\n"),
            "");
  // Reachable, and not warned of: values beyond 2^52, and a text other
  // than every text the conditions name.
  const auto d = kcbx::check_rules(R"(meta: {name: t}
fields:
  sid: {type: string, required: true, unique: true}
  code: {type: string}
  n: {type: int}
tables:
  status:
    values: [a, b]
    rows:
      - {id: r1, when: "code != \"~\" and code != \"\"", then: a}
      - {id: r2, when: n = 9007199254740993, then: a}
      - {id: r3, when: n > 9223372036854775806, then: a}
      - {id: d, then: b}
)", "t.yaml");
  EXPECT_TRUE(d.empty()) << d[0].format();
}

TEST(Extend, CyclesAreReportedAtTheExtendsThatClosesThem) {
  TempDir dir;
  const std::string a = dir.write("a.yaml", "meta: {name: a, extends: b.yaml}\n");
  dir.write("b.yaml", "meta: {name: b, extends: a.yaml}\n");
  try {
    (void)kcbx::load_rules(a);
    FAIL() << "a cycle loaded";
  } catch (const kcbx::Error& e) {
    const auto* d = find_code(e.diagnostics(), "extends-cycle");
    ASSERT_NE(d, nullptr) << e.what();
    EXPECT_NE(d->where.file.find("b.yaml"), std::string::npos);
    EXPECT_EQ(d->where.line, 1);
    EXPECT_EQ(d->where.column, 26);
    EXPECT_NE(d->message.find("a.yaml"), std::string::npos);
  }
}

TEST(Extend, TheBaseIsNeverMutated) {
  // Two packs extend the embedded Guizhou pack in one process; neither sees
  // the other's change, and the base keeps its own.
  const std::string three_days = R"(meta: {name: three, extends: guizhou}
parameters:
  suspected_after: {override: true, from: 2000-01-01, value: 3 days}
)";
  const std::string extra_row = R"(meta: {name: row, extends: guizhou}
tables:
  status:
    rows:
      - {id: nine_out, before: completed, when: age = 9, then: out_of_school, clause: D1}
)";
  const kcbx::RulePack base_before = kcbx::default_rules();
  const kcbx::RulePack a = kcbx::parse_rules(three_days, "three.yaml");
  const kcbx::RulePack b = kcbx::parse_rules(extra_row, "row.yaml");
  const kcbx::RulePack base_after = kcbx::default_rules();
  auto status_of = [](const kcbx::RulePack& p) {
    kcbx::Engine e(p);
    kcbx::Record r;
    r.set("student_id", "G1").set("registry", "enrolled").set("birth_date", "2010-03-01").set("last_attended",
                                                                                              "2019-09-05");
    return e.explain(r, day("2019-09-10")).decisions[0].value;
  };
  EXPECT_EQ(status_of(base_before), "in_school");
  EXPECT_EQ(status_of(a), "suspected_dropout");
  EXPECT_EQ(status_of(b), "out_of_school");
  EXPECT_EQ(status_of(base_after), "in_school");
  EXPECT_EQ(row_ids(base_after), row_ids(base_before));
  EXPECT_EQ(row_ids(a), row_ids(base_before));
  EXPECT_EQ(row_ids(b).size(), row_ids(base_before).size() + 1);
  EXPECT_EQ(base_before.content_hash(), base_after.content_hash());
}

// The content hash (the pack's id, summary.csv) names what the rules say:
// the same extension read through another spelling of its path is the same
// pack, and a byte changed in its base is another.
TEST(Extend, TheHashOfAnExtensionIsItsContentNotItsPath) {
  TempDir dir;
  dir.write("base.yaml", kBase);
  const std::string ext = dir.write("ext.yaml", R"(meta: {name: ext, extends: base.yaml}
parameters:
  limit: {override: true, from: 2020-09-01, value: 5}
)");
  const fs::path folder = fs::path(ext).parent_path();
  const std::string dotted = (folder / "." / "ext.yaml").string();
  const std::string relative = fs::relative(ext).string();
  ASSERT_NE(relative, ext);
  const std::string hash = kcbx::load_rules(ext).content_hash();
  EXPECT_EQ(kcbx::load_rules(dotted).content_hash(), hash);
  EXPECT_EQ(kcbx::load_rules(relative).content_hash(), hash);
  EXPECT_EQ(kcbx::load_rules(relative).id(), kcbx::load_rules(ext).id());

  std::string changed = kBase;
  changed.replace(changed.find("value: 7"), 8, "value: 8");
  dir.write("base.yaml", changed);
  EXPECT_NE(kcbx::load_rules(ext).content_hash(), hash);
}

TEST(Extend, StageOverrideChangesOnlyWhatItGives) {
  const std::string ext = R"(meta: {name: n, extends: guizhou}
parameters:
  home_visit_within: {override: true, values: [{value: 5 days}]}
workflow:
  stages:
    - {id: home_visits, override: true, count: 3}
)";
  const kcbx::RulePack p = kcbx::parse_rules(ext, "n.yaml");
  const auto& st = p.checked().pack->workflow.stages[0];
  EXPECT_EQ(st.id.value, "home_visits");
  EXPECT_EQ(st.count, 3);
  EXPECT_EQ(st.role.value, "teacher");
  EXPECT_EQ(st.due_after.value, "home_visit_within");
}

// A field override without a type is one error, at the field: not also
// errors in the base pack's expressions that read the field as a string.
TEST(Extend, AFieldOverrideWithoutTypeIsOneError) {
  const std::string ext = "meta: {name: n, extends: guizhou}\nfields:\n  poor: {alias: 贫困户, override: true}\n";
  const auto ds = diagnostics({{"n.yaml", ext}});
  ASSERT_EQ(ds.size(), 1u) << ds.back().format();
  EXPECT_EQ(ds[0].format(),
            "n.yaml:3:3: error: field 'poor' needs 'type' (an override gives the whole definition) [missing-key]");
}

// A base stage given again without 'override: true' is told so, not asked
// for the role and event an override would not need; a new stage is.
TEST(Extend, ABaseStageWithoutOverrideIsToldSo) {
  const std::string ext = R"(meta: {name: n, extends: guizhou}
workflow:
  stages:
    - {id: school_report, due_after: report_within}
    - {id: brand_new, due_after: report_within}
)";
  std::vector<std::string> got;
  for (const auto& d : diagnostics({{"n.yaml", ext}})) got.push_back(d.where.format() + " " + d.code);
  EXPECT_EQ(got, (std::vector<std::string>{"n.yaml:4:12 already-defined", "n.yaml:5:7 missing-key",
                                           "n.yaml:5:7 missing-key"}));
}

TEST(Extend, AWrongCountIsReportedWhereTheExtensionWroteIt) {
  // Not at the base's stage, a line of the embedded pack the author cannot
  // open (and then no base-error note: the base is not where it is).
  const std::string ext = R"(meta: {name: n, extends: guizhou}
workflow:
  stages:
    - {id: home_visits, override: true, count: 0}
)";
  const auto ds = diagnostics({{"n.yaml", ext}});
  ASSERT_EQ(ds.size(), 1u) << ds[0].format();
  EXPECT_EQ(ds[0].where.format(), "n.yaml:4:48");
  EXPECT_EQ(ds[0].message, "'count' must be at least 1");
}

TEST(Extend, UnknownBaseSuggestsTheEmbeddedName) {
  const auto ds = kcbx::check_rules("meta: {name: x, extends: guizou}\n", "x.yaml");
  const auto* d = find_code(ds, "unknown-base");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->where.format(), "x.yaml:1:26");
  EXPECT_NE(d->message.find("did you mean 'guizhou'?"), std::string::npos) << d->message;
}

}  // namespace
