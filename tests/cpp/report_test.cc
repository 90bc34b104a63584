// kcbx run (include/kcbx/report.h): a small hand-built province whose
// ledgers, indicators and lists are checked number by number, the outputs
// read back (CSV, JSON with nlohmann, xlsx with openpyxl), rejects
// reconciled and ID numbers masked everywhere.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <fstream>
#include <set>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "io/csv.h"
#include "io/id_number.h"
#include "kcbx/cases.h"
#include "kcbx/report.h"
#include "kcbx/responsibility.h"
#include "util/decimals.h"

namespace kcbx {
namespace {

namespace fs = std::filesystem;
using Table = std::vector<std::map<std::string, std::string>>;

std::string id_number(const std::string& first17) {
  return first17 + detail::id_check_character(first17);
}

// The hand-built province, as of 2019-11-15. Villages A and B are in
// township 520102001 (county 520102), C in 520103002 (county 520103), all in
// prefecture 5201; D is rural (7th digit 1) in prefecture 5226.
const std::string kA = "520102001001", kB = "520102001002", kC = "520103002001", kD = "522601100001";
const std::string kId02 = id_number("52010220080101123");
const std::string kId03 = id_number("52010220080202456");
const std::string kId15 = id_number("52260120080303789");

std::string students_csv() {
  std::ostringstream s;
  s << "student_id,name,id_number,birth_date,division_code,school_id,grade,class_id,registry,last_attended,"
       "poor,disabled,orphan,left_behind,no_hukou,boarding,guardian,address,dropout_reason,aid\n";
  auto row = [&](std::string id, std::string name, std::string idn, std::string birth, std::string div,
                 std::string school, std::string registry, std::string last, std::string flags, std::string reason,
                 std::string aid) {
    // flags: poor disabled orphan left_behind no_hukou boarding as "010000"
    s << id << ',' << name << ',' << idn << ',' << birth << ',' << div << ',' << school << ",5,1," << registry
      << ',' << last;
    for (char c : flags) s << ',' << c;
    s << ",监护人" << id << ",地址" << id << ',' << reason << ',' << aid << '\n';
  };
  row("G01", "甲一", "", "2008-01-01", kA, "S001", "enrolled", "", "000000", "", "two_free");
  row("G02", "甲二", kId02, "2008-01-01", kA, "S001", "left", "", "100000", "厌学", "two_free");
  row("G03", "甲三", kId03, "2008-02-02", kA, "S001", "enrolled", "2019-09-01", "010000", "疾病", "two_free");
  row("G04", "甲四", "", "2008-01-01", kA, "S001", "enrolled", "2019-11-01", "000000", "", "two_free");
  row("G05", "乙五", "", "2009-05-01", kB, "", "none", "", "001000", "", "");
  row("G06", "乙六", "", "2008-01-01", kB, "S001", "home_teaching", "", "010000", "", "");
  row("G07", "乙七", "", "2004-03-01", kB, "S001", "completed", "", "000000", "", "");
  row("G08", "丙八", "", "2008-01-01", kC, "S002", "enrolled", "", "100001", "", "two_free");
  row("G09", "丙九", "", "2008-01-01", kC, "S002", "suspended", "", "000000", "", "");
  row("G10", "丙十", "", "2008-01-01", kC, "S002", "left", "", "100100", "外出务工", "two_free");
  row("G11", "丁一", "", "2008-01-01", kD, "S003", "enrolled", "", "000000", "", "two_free;nutrition");
  row("G12", "丁二", "", "2008-01-01", kD, "S003", "enrolled", "", "000000", "", "two_free");
  row("G13", "丁三", "", "2015-06-01", kD, "", "none", "", "000000", "", "");
  row("G14", "丁四", "", "2008-01-01", kD, "S003", "enrolled", "", "000000", "", "two_free;nutrition");
  row("G15", "丁五", kId15, "2008-03-03", kD, "S003", "enrolled", "2019-09-10", "100000", "家庭贫困",
      "two_free;nutrition");
  return s.str();
}

std::string events_csv() {
  return "student_id,date,type,person,note\n"
         "G03,2019-10-20,home_visit,老师甲,第1次家访\n"
         "G03,2019-10-25,home_visit,老师甲,第2次家访\n"
         "G14,2019-10-10,home_visit,老师丁,\n"
         "G14,2019-10-12,home_visit,老师丁,\n"
         "G14,2019-10-20,returned,校长丁,返校\n"
         "G99,2019-10-20,home_visit,某人,no such student\n";
}

std::string roster_csv() {
  return "role,person,jurisdiction,phone\n"
         "county_head,县长甲,520102,1\n"
         "bureau_director,局长甲,520102,2\n"
         "township_head,乡长甲,520102001,3\n"
         "village_director,村主任A,520102001001,4\n"
         "principal,校长甲,S001,5\n"
         "teacher,老师甲,S001/1,6\n";
}

// Reads a CSV output (BOM, CRLF) into rows keyed by header.
Table read_csv(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  detail::CsvReader reader(in);
  detail::CsvRecord rec;
  Table out;
  std::vector<std::string> header;
  while (reader.next(rec)) {
    EXPECT_TRUE(rec.error.empty()) << path << ": " << rec.error;
    std::vector<std::string> f(rec.fields.begin(), rec.fields.end());
    if (header.empty()) {
      header = f;
      continue;
    }
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < header.size() && i < f.size(); ++i) row[header[i]] = f[i];
    out.push_back(std::move(row));
  }
  if (path.extension() == ".csv") EXPECT_TRUE(reader.bom_seen()) << path << " has no BOM";
  return out;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs python3 with openpyxl on the workbook; returns its stdout.
std::string python(const std::string& script, const fs::path& arg) {
  const fs::path py = fs::temp_directory_path() / ("kcbx_report_test_" + std::to_string(::getpid()) + ".py");
  {
    std::ofstream f(py);
    f << script;
  }
  const std::string cmd = "python3 " + py.string() + " " + arg.string() + " 2>&1";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    const int rc = ::pclose(p);
    EXPECT_EQ(rc, 0) << out;
  }
  fs::remove(py);
  return out;
}

class ProvinceRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("kcbx_report_test_" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    Engine engine(default_rules());
    std::istringstream ev(events_csv()), ro(roster_csv()), st(students_csv());
    EventLog events = read_events(engine.rules(), ev);
    Roster roster = read_roster(engine.rules(), ro);
    RunOptions o;
    o.as_of = *Date::parse("2019-11-15");
    o.batch_rows = 4;  // several chunks even for 15 records
    ReportWriter writer((*dir_ / "out").string(), {});
    report_ = new RunReport(run(engine, st, &events, &roster, o, &writer));
    files_ = new std::vector<std::string>(writer.commit(*report_));
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
    delete report_;
    delete files_;
  }
  static fs::path out() { return *dir_ / "out"; }

  static const JurisdictionTotals& totals(const std::string& level, const std::string& key) {
    for (const auto& t : report_->totals)
      if (t.level == level && t.jurisdiction == key) return t;
    static JurisdictionTotals none;
    ADD_FAILURE() << "no totals for " << level << " " << key;
    return none;
  }
  static int64_t status(const JurisdictionTotals& t, const std::string& s) {
    for (size_t i = 0; i < report_->statuses.size(); ++i)
      if (report_->statuses[i].name == s) return t.by_status[i];
    ADD_FAILURE() << "no status " << s;
    return -1;
  }
  static const IndicatorResult& indicator(const std::string& name, const std::string& level,
                                          const std::string& key) {
    for (const auto& x : report_->indicators)
      if (x.indicator == name && x.level == level && x.jurisdiction == key) return x;
    static IndicatorResult none;
    ADD_FAILURE() << "no indicator " << name << " " << level << " " << key;
    return none;
  }

  static fs::path* dir_;
  static RunReport* report_;
  static std::vector<std::string>* files_;
};
fs::path* ProvinceRun::dir_ = nullptr;
RunReport* ProvinceRun::report_ = nullptr;
std::vector<std::string>* ProvinceRun::files_ = nullptr;

TEST_F(ProvinceRun, CountsByStatusPerJurisdiction) {
  const RunReport& r = *report_;
  EXPECT_EQ(r.students.read, 15);
  EXPECT_EQ(r.students.accepted, 15);
  EXPECT_EQ(r.students.rejected, 0);
  const auto& all = totals("", "520000");
  EXPECT_EQ(all.records, 15);
  EXPECT_EQ(status(all, "in_school"), 6);
  EXPECT_EQ(status(all, "dropout"), 4);
  EXPECT_EQ(status(all, "suspected_dropout"), 1);
  EXPECT_EQ(status(all, "out_of_school"), 1);
  EXPECT_EQ(status(all, "completed"), 1);
  EXPECT_EQ(status(all, "not_counted"), 1);
  EXPECT_EQ(status(all, "not_applicable"), 1);
  EXPECT_EQ(all.on_ledger, 5);
  EXPECT_EQ(r.on_ledger, 5);

  // Village, township, county, prefecture: children on the ledger.
  EXPECT_EQ(totals("village", kA).on_ledger, 2);
  EXPECT_EQ(status(totals("village", kA), "dropout"), 2);
  EXPECT_EQ(status(totals("village", kA), "suspected_dropout"), 1);
  EXPECT_EQ(totals("village", kB).on_ledger, 1);
  EXPECT_EQ(status(totals("village", kB), "out_of_school"), 1);
  EXPECT_EQ(totals("village", kC).on_ledger, 1);
  EXPECT_EQ(totals("village", kD).on_ledger, 1);
  EXPECT_EQ(totals("village", kD).records, 5);
  EXPECT_EQ(totals("township", "520102001").on_ledger, 3);
  EXPECT_EQ(totals("township", "520102001").records, 7);
  EXPECT_EQ(totals("township", "520103002").on_ledger, 1);
  EXPECT_EQ(totals("county", "520102").on_ledger, 3);
  EXPECT_EQ(totals("county", "522601").on_ledger, 1);
  EXPECT_EQ(totals("prefecture", "5201").on_ledger, 4);
  EXPECT_EQ(totals("prefecture", "5201").records, 10);
  EXPECT_EQ(totals("prefecture", "5226").on_ledger, 1);
  int villages = 0;
  for (const auto& t : r.totals) villages += t.level == "village";
  EXPECT_EQ(villages, 4);

  // The special ledger and the key groups.
  ASSERT_EQ(r.special.size(), 1u);
  EXPECT_EQ(r.special[0].name, "poor");
  EXPECT_EQ(r.special[0].count, 3);  // G02, G10, G15
  std::map<std::string, int64_t> groups;
  for (const auto& g : r.key_groups) groups[g.name] = g.count;
  EXPECT_EQ(groups["no_hukou"], 0);
  EXPECT_EQ(groups["orphan"], 1);           // G05
  EXPECT_EQ(groups["ill_or_disabled"], 1);  // G03
  EXPECT_EQ(groups["special_hardship"], 0);
  EXPECT_EQ(groups["left_behind"], 1);      // G10
  EXPECT_EQ(totals("county", "520103").special[0], 1);
  EXPECT_EQ(totals("village", kA).special[0], 1);
}

TEST_F(ProvinceRun, IndicatorsNumberByNumber) {
  // T3 consolidation: in scope and in school or completed / in scope and registered.
  const auto& t3 = indicator("consolidation_rate", "", "520000");
  EXPECT_EQ(t3.numerator, 7);
  EXPECT_EQ(t3.denominator, 13);
  ASSERT_TRUE(t3.value && t3.threshold && t3.met);
  EXPECT_NEAR(*t3.value, 7.0 / 13, 1e-12);
  EXPECT_DOUBLE_EQ(*t3.threshold, 0.95);
  EXPECT_EQ(t3.comparison, "at_least");
  EXPECT_FALSE(*t3.met);
  const auto& t3a = indicator("consolidation_rate", "village", kA);
  EXPECT_EQ(t3a.numerator, 1);
  EXPECT_EQ(t3a.denominator, 4);
  const auto& t3b = indicator("consolidation_rate", "village", kB);
  EXPECT_EQ(t3b.numerator, 2);
  EXPECT_EQ(t3b.denominator, 2);
  EXPECT_TRUE(t3b.met && *t3b.met);
  const auto& t3d = indicator("consolidation_rate", "village", kD);
  EXPECT_EQ(t3d.numerator, 3);
  EXPECT_EQ(t3d.denominator, 4);
  EXPECT_FALSE(*t3d.met);
  EXPECT_EQ(indicator("consolidation_rate", "county", "520102").denominator, 6);
  EXPECT_EQ(indicator("consolidation_rate", "prefecture", "5201").numerator, 4);
  EXPECT_EQ(indicator("consolidation_rate", "prefecture", "5201").denominator, 9);

  // T4 disabled enrolment: G03 (dropout) and G06 (home teaching, in school).
  const auto& t4 = indicator("disabled_enrolment_rate", "", "520000");
  EXPECT_EQ(t4.numerator, 1);
  EXPECT_EQ(t4.denominator, 2);
  EXPECT_FALSE(*t4.met);
  EXPECT_TRUE(*indicator("disabled_enrolment_rate", "village", kB).met);
  const auto& t4c = indicator("disabled_enrolment_rate", "village", kC);
  EXPECT_EQ(t4c.denominator, 0);
  EXPECT_FALSE(t4c.value.has_value());
  EXPECT_FALSE(t4c.met.has_value());

  // T5 poor consolidation: G02, G08, G10, G15 registered; G08 in school.
  const auto& t5 = indicator("poor_consolidation_rate", "", "520000");
  EXPECT_EQ(t5.numerator, 1);
  EXPECT_EQ(t5.denominator, 4);
  EXPECT_DOUBLE_EQ(*t5.threshold, 1.0);
  EXPECT_EQ(indicator("poor_consolidation_rate", "village", kC).numerator, 1);
  EXPECT_EQ(indicator("poor_consolidation_rate", "village", kC).denominator, 2);

  // T1 is judged on its own date, 2019-09-15: G15 (poor) was still at
  // school then, so village D meets it although G15 is a dropout now.
  const auto& t1 = indicator("poor_dropouts", "", "520000");
  EXPECT_EQ(t1.judged_on, *Date::parse("2019-09-15"));
  EXPECT_FALSE(t1.is_rate);
  EXPECT_EQ(t1.numerator, 2);
  EXPECT_EQ(t1.comparison, "at_most");
  EXPECT_DOUBLE_EQ(*t1.threshold, 0);
  EXPECT_FALSE(*t1.met);
  EXPECT_EQ(indicator("poor_dropouts", "village", kD).numerator, 0);
  EXPECT_TRUE(*indicator("poor_dropouts", "village", kD).met);
  EXPECT_EQ(indicator("poor_dropouts", "village", kA).numerator, 1);
  EXPECT_FALSE(*indicator("poor_dropouts", "village", kA).met);
  EXPECT_TRUE(*indicator("poor_dropouts", "village", kB).met);

  // Targets: per level, jurisdictions met and missed.
  for (const auto& t : report_->targets) {
    if (t.indicator != "poor_dropouts") continue;
    ASSERT_EQ(t.levels.size(), 4u);
    EXPECT_EQ(t.levels[0].level, "village");
    EXPECT_EQ(t.levels[0].met, 2);
    EXPECT_EQ(t.levels[0].missed, 2);
    EXPECT_EQ(t.levels[3].level, "prefecture");
    EXPECT_EQ(t.levels[3].met, 1);     // 5226
    EXPECT_EQ(t.levels[3].missed, 1);  // 5201
  }
}

TEST_F(ProvinceRun, LedgerRowsCarryTheM21Fields) {
  const Table village = read_csv(out() / "ledger_village.csv");
  ASSERT_EQ(village.size(), 5u);
  // Sorted by village, then input row: A (G02, G03), B (G05), C (G10), D (G15).
  std::vector<std::string> ids;
  for (const auto& r : village) ids.push_back(r.at("student_id"));
  EXPECT_EQ(ids, (std::vector<std::string>{"G02", "G03", "G05", "G10", "G15"}));
  const auto& g03 = village[1];
  EXPECT_EQ(g03.at("jurisdiction"), kA);
  EXPECT_EQ(g03.at("name"), "甲三");
  EXPECT_EQ(g03.at("id_number"), detail::mask_id_number(kId03));
  EXPECT_EQ(g03.at("school_id"), "S001");
  EXPECT_EQ(g03.at("grade"), "5");
  EXPECT_EQ(g03.at("status"), "dropout");
  EXPECT_EQ(g03.at("dropout_since"), "2019-10-10");  // SPEC D4's example
  EXPECT_EQ(g03.at("dropout_reason"), "疾病");
  EXPECT_EQ(g03.at("poor"), "0");
  EXPECT_EQ(g03.at("guardian"), "监护人G03");
  EXPECT_EQ(g03.at("address"), "地址G03");
  EXPECT_EQ(g03.at("persuasion_status"), "学校上报 0/1");  // home visits done, report missing
  EXPECT_EQ(g03.at("aid"), "two_free");                    // aid before leaving
  EXPECT_EQ(village[0].at("poor"), "1");
  EXPECT_EQ(read_csv(out() / "ledger_township.csv").size(), 5u);
  const Table county = read_csv(out() / "ledger_county.csv");
  ASSERT_EQ(county.size(), 5u);
  EXPECT_EQ(county[3].at("jurisdiction"), "520103");
  const Table prefecture = read_csv(out() / "ledger_prefecture.csv");
  EXPECT_EQ(prefecture.back().at("jurisdiction"), "5226");
  const Table poor = read_csv(out() / "ledger_poor.csv");
  ASSERT_EQ(poor.size(), 3u);
  EXPECT_EQ(poor[2].at("student_id"), "G15");

  const Table totals = read_csv(out() / "totals_township.csv");
  ASSERT_EQ(totals.size(), 3u);
  EXPECT_EQ(totals[0].at("jurisdiction"), "520102001");
  EXPECT_EQ(totals[0].at("dropout"), "2");
  EXPECT_EQ(totals[0].at("out_of_school"), "1");
  EXPECT_EQ(totals[0].at("on_ledger"), "3");
  EXPECT_EQ(totals[0].at("orphan"), "1");
  EXPECT_EQ(totals[0].at("cases_open"), "4");  // G02, G03, G04, G05
}

TEST_F(ProvinceRun, EveryList) {
  // Problem list: open cases grouped by dropout reason, owner and due date.
  const Table problems = read_csv(out() / "problems.csv");
  ASSERT_EQ(problems.size(), 6u);  // G02 G03 G04 G05 G10 G15
  std::vector<std::string> groups;
  for (const auto& r : problems) groups.push_back(r.at("dropout_reason"));
  EXPECT_EQ(groups, (std::vector<std::string>{"", "", "厌学", "外出务工", "家庭贫困", "疾病"}));
  const auto& g03 = problems.back();
  EXPECT_EQ(g03.at("student_id"), "G03");
  EXPECT_EQ(g03.at("stage"), "school_report");
  EXPECT_EQ(g03.at("role"), "principal");
  EXPECT_EQ(g03.at("person"), "校长甲");
  EXPECT_EQ(g03.at("due"), "2019-10-28");  // 3 days after the second visit
  EXPECT_EQ(g03.at("days_overdue"), "18");

  // Responsibility list (M3.2): the four roles, and the county head and
  // bureau director above them, from the roster.
  const Table resp = read_csv(out() / "responsibility.csv");
  ASSERT_EQ(resp.size(), 6u);
  const auto it = std::find_if(resp.begin(), resp.end(), [](const auto& r) { return r.at("student_id") == "G03"; });
  ASSERT_NE(it, resp.end());
  EXPECT_EQ(it->at("township_head"), "乡长甲");
  EXPECT_EQ(it->at("village_director"), "村主任A");
  EXPECT_EQ(it->at("principal"), "校长甲");
  EXPECT_EQ(it->at("teacher"), "老师甲");
  EXPECT_EQ(it->at("county_head"), "县长甲");
  EXPECT_EQ(it->at("bureau_director"), "局长甲");
  const auto d = std::find_if(resp.begin(), resp.end(), [](const auto& r) { return r.at("student_id") == "G15"; });
  ASSERT_NE(d, resp.end());
  EXPECT_EQ(d->at("township_head"), "");  // no post in the roster

  // Closure list: G14 came back (a returned event) and is in school.
  const Table closures = read_csv(out() / "closures.csv");
  ASSERT_EQ(closures.size(), 1u);
  EXPECT_EQ(closures[0].at("student_id"), "G14");
  EXPECT_EQ(closures[0].at("closed_on"), "2019-10-20");
  EXPECT_EQ(closures[0].at("status"), "in_school");
  EXPECT_EQ(closures[0].at("jurisdiction"), kD);

  // Accountability list: G03's 3-day report lapsed; the principal and the
  // supervisors above on the education line. G14's report was never made
  // either: due 10-15, it had lapsed 5 days when G14 came back on 10-20,
  // and the return does not wipe that out (SPEC R2, M3.4).
  const Table acc = read_csv(out() / "accountability.csv");
  ASSERT_EQ(acc.size(), 2u);
  ASSERT_EQ(acc[1].at("student_id"), "G14");
  EXPECT_EQ(acc[1].at("stage"), "school_report");
  EXPECT_EQ(acc[1].at("due"), "2019-10-15");
  EXPECT_EQ(acc[1].at("done_on"), "");
  EXPECT_EQ(acc[1].at("days_late"), "5");
  EXPECT_EQ(acc[1].at("role"), "principal");
  EXPECT_EQ(acc[1].at("person"), "");  // S003 has no principal in the roster
  EXPECT_EQ(acc[0].at("student_id"), "G03");
  EXPECT_EQ(acc[0].at("stage"), "school_report");
  EXPECT_EQ(acc[0].at("clause"), "S2.2");
  EXPECT_EQ(acc[0].at("due"), "2019-10-28");
  EXPECT_EQ(acc[0].at("days_late"), "18");
  EXPECT_EQ(acc[0].at("role"), "principal");
  EXPECT_EQ(acc[0].at("person"), "校长甲");
  EXPECT_EQ(acc[0].at("supervisors"), "局长 局长甲 > 县长 县长甲");

  // Aid gaps: eligible but not receiving.
  const Table gaps = read_csv(out() / "aid_gaps.csv");
  ASSERT_EQ(gaps.size(), 3u);
  std::map<std::string, std::string> missing;
  for (const auto& r : gaps) missing[r.at("student_id")] = r.at("missing");
  EXPECT_EQ(missing["G06"], "two_free");
  EXPECT_EQ(missing["G08"], "boarding_subsidy");
  EXPECT_EQ(missing["G12"], "nutrition");
  EXPECT_EQ(totals("village", kD).aid_gaps[0], 1);

  EXPECT_EQ(report_->cases_open, 6);
  EXPECT_EQ(report_->cases_closed, 1);
  EXPECT_EQ(report_->cases_overdue, 1);
  EXPECT_EQ(report_->events_read, 6);
  EXPECT_EQ(report_->events_applied, 5);
  EXPECT_EQ(report_->events_rejected, 1);  // G99
}

TEST_F(ProvinceRun, CalendarDueWithinFifteenDays) {
  const Table cal = read_csv(out() / "calendar.csv");
  std::vector<std::string> got;
  for (const auto& r : cal) got.push_back(r.at("date") + " " + r.at("id") + " " + r.at("data_as_of"));
  EXPECT_EQ(got, (std::vector<std::string>{"2019-11-15 township_half_month 2019-11-15",
                                           "2019-11-15 province_dispatch 2019-11-15",
                                           "2019-11-18 prefecture_mid_month 2019-11-15",
                                           "2019-11-30 township_half_month 2019-11-30",
                                           "2019-11-30 province_dispatch 2019-11-30"}));
  EXPECT_EQ(cal[0].at("reporter_alias"), "乡镇长");
}

TEST_F(ProvinceRun, JsonParsesBack) {
  const auto summary = nlohmann::json::parse(slurp(out() / "summary.json"));
  EXPECT_EQ(summary["format"], "kcbx.run/1");
  EXPECT_EQ(summary["students"]["read"], 15);
  EXPECT_EQ(summary["on_ledger"], 5);
  EXPECT_EQ(summary["cases"]["closed"], 1);
  EXPECT_EQ(summary["jurisdictions"]["village"], 4);
  bool t1 = false;
  for (const auto& t : summary["targets"])
    if (t["indicator"] == "poor_dropouts") {
      t1 = true;
      EXPECT_EQ(t["overall"]["judged_on"], "2019-09-15");
      EXPECT_EQ(t["overall"]["numerator"], 2);
      EXPECT_EQ(t["overall"]["met"], false);
    }
  EXPECT_TRUE(t1);
  const auto village = nlohmann::json::parse(slurp(out() / "ledger_village.json"));
  ASSERT_TRUE(village.is_array());
  ASSERT_EQ(village.size(), 5u);
  EXPECT_EQ(village[1]["student_id"], "G03");
  EXPECT_EQ(village[1]["grade"], 5);         // integers as numbers
  EXPECT_EQ(village[1]["poor"], false);      // booleans as booleans
  EXPECT_EQ(village[1]["dropout_since"], "2019-10-10");
  const auto indicators = nlohmann::json::parse(slurp(out() / "indicators.json"));
  bool found = false;
  for (const auto& x : indicators)
    if (x["indicator"] == "consolidation_rate" && x["level"] == "all") {
      found = true;
      EXPECT_EQ(x["numerator"], 7);
      EXPECT_EQ(x["denominator"], 13);
      EXPECT_NEAR(x["value"].get<double>(), 7.0 / 13, 1e-6);
      EXPECT_EQ(x["result"], "missed");
    }
  EXPECT_TRUE(found);
  EXPECT_TRUE(nlohmann::json::parse(slurp(out() / "closures.json")).is_array());
  EXPECT_EQ(nlohmann::json::parse(slurp(out() / "rejects.json")).size(), 1u);
}

TEST_F(ProvinceRun, WorkbookReadsBackWithChineseHeaders) {
  const std::string out_text = python(R"PY(
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
print("|".join(wb.sheetnames))
for name in ["村台账", "乡镇汇总", "目标指标", "问题清单", "销号清单", "报送日历", "摘要"]:
    ws = wb[name]
    rows = list(ws.iter_rows(values_only=True))
    print(name, len(rows) - 1, "|".join("" if v is None else str(v) for v in rows[0]))
ws = wb["村台账"]
rows = list(ws.iter_rows(values_only=True))
def cell(v):  # dates must be Excel dates, shown as 2019-10-10
    if v is None: return ""
    return v.strftime("%Y-%m-%d") + "(date)" if hasattr(v, "strftime") else str(v)
print("G03", "|".join(cell(v) for v in rows[2]))
# The totals sheet's last row: a SUM formula under each count, and its
# cached value (what a reader that does not calculate shows).
ws = wb["乡镇汇总"]
print("TOTAL", "|".join("" if v is None else str(v) for v in list(ws.iter_rows(values_only=True))[-1]))
cached = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)["乡镇汇总"]
print("CACHED", "|".join("" if v is None else str(v) for v in list(cached.iter_rows(values_only=True))[-1]))
# Filters over each sheet's rows (not the total row); a rate and its target
# shown as percentages, a count as a number.
full = openpyxl.load_workbook(sys.argv[1])
print("FILTER", full["村台账"].auto_filter.ref, full["乡镇汇总"].auto_filter.ref)
for row in full["目标指标"].iter_rows(min_row=2):
    if row[3].value == "全部" and row[0].value in ("consolidation_rate", "poor_dropouts"):
        print("FORMAT", row[0].value, row[8].number_format, row[10].number_format)
)PY",
                                      out() / "report.xlsx");
  std::istringstream lines(out_text);
  std::string sheets;
  std::getline(lines, sheets);
  for (const char* s : {"摘要", "目标指标", "村台账", "乡镇台账", "县台账", "市(州)台账", "村汇总",
                        "建档立卡贫困户学生失学辍学专门台账", "问题清单", "责任清单", "销号清单", "问责清单",
                        "应助未助清单", "报送日历", "拒收记录"})
    EXPECT_NE(sheets.find(s), std::string::npos) << s << " not in " << sheets;
  std::map<std::string, std::string> by_sheet;
  for (std::string line; std::getline(lines, line);) by_sheet[line.substr(0, line.find(' '))] = line;
  EXPECT_EQ(by_sheet["村台账"].substr(0, by_sheet["村台账"].find('|')), "村台账 5 村代码");
  EXPECT_NE(by_sheet["村台账"].find("姓名|身份证号|就读学校|就读年级|状态|辍学时间|辍学原因"), std::string::npos)
      << by_sheet["村台账"];
  EXPECT_NE(by_sheet["村台账"].find("劝返工作情况|辍学前享受资助情况"), std::string::npos);
  EXPECT_EQ(by_sheet["乡镇汇总"].rfind("乡镇汇总 4 ", 0), 0u) << by_sheet["乡镇汇总"];  // 3 townships and 合计
  // 合计: records, on_ledger, then the statuses; the sums of the CSV's rows.
  EXPECT_EQ(by_sheet["TOTAL"].rfind("TOTAL 合计|=SUM(B2:B4)|=SUM(C2:C4)|", 0), 0u) << by_sheet["TOTAL"];
  const Table totals = read_csv(out() / "totals_township.csv");
  std::string sums = "CACHED 合计";
  for (const char* column : {"records", "on_ledger", "in_school"}) {
    int64_t sum = 0;
    for (const auto& r : totals) sum += std::stoll(r.at(column));
    sums += "|" + std::to_string(sum);
  }
  EXPECT_EQ(by_sheet["CACHED"].rfind(sums + "|", 0), 0u) << by_sheet["CACHED"] << " vs " << sums;
  EXPECT_EQ(by_sheet["问题清单"].rfind("问题清单 6 辍学原因|学籍号", 0), 0u) << by_sheet["问题清单"];
  EXPECT_EQ(by_sheet["销号清单"].rfind("销号清单 1 ", 0), 0u);
  EXPECT_EQ(by_sheet["报送日历"].rfind("报送日历 5 ", 0), 0u);
  // Values: labels for enums and statuses, numbers as numbers, masked IDs.
  const std::string g03 = by_sheet["G03"];
  EXPECT_NE(g03.find("|甲三|" + detail::mask_id_number(kId03) + "|S001|5|辍学|2019-10-10(date)|疾病|否|"),
            std::string::npos)
      << g03;
  EXPECT_NE(g03.find("两免"), std::string::npos) << g03;
  EXPECT_EQ(by_sheet["FILTER"], "FILTER A1:N6 A1:T4") << by_sheet["FILTER"];
  EXPECT_NE(out_text.find("FORMAT consolidation_rate 0.00% 0.00%"), std::string::npos) << out_text;
  EXPECT_NE(out_text.find("FORMAT poor_dropouts General General"), std::string::npos) << out_text;
}

TEST_F(ProvinceRun, NoUnmaskedIdNumberInAnyOutput) {
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(out())) {
    const std::string name = entry.path().filename().string();
    if (name == ".kcbx-outputs") continue;  // the list of the run's files (names only)
    ++files;
    EXPECT_EQ(name.find(".tmp-"), std::string::npos) << "left over: " << name;
    EXPECT_EQ(name.find(".partial-"), std::string::npos) << "left over: " << name;
    if (entry.path().extension() == ".xlsx") continue;
    const std::string text = slurp(entry.path());
    for (const auto& id : {kId02, kId03, kId15}) EXPECT_EQ(text.find(id), std::string::npos) << name;
  }
  EXPECT_EQ(files, files_->size());
  // The workbook's XML, unzipped.
  const std::string found = python(
      "import sys, zipfile\n"
      "z = zipfile.ZipFile(sys.argv[1])\n"
      "text = ''.join(z.read(n).decode('utf-8', 'ignore') for n in z.namelist())\n"
      "print(sum(text.count(i) for i in ['" + kId02 + "', '" + kId03 + "', '" + kId15 + "']),"
      " text.count('" + detail::mask_id_number(kId03) + "'))\n",
      out() / "report.xlsx");
  EXPECT_EQ(found.substr(0, found.find(' ')), "0") << found;
  EXPECT_NE(found.substr(found.find(' ') + 1, 1), "0") << "the masked number should be there: " << found;
}

// U+FFFE and U+FFFF are UTF-8 but no XML character: written as they are,
// the worksheet was no XML. Every sheet of the workbook must parse.
// A missed rate never reads as its target: 0.99995 against 1 is shown
// with 5 decimals (99.995% in the workbook), not as 1.0000 (100.00%).
TEST(RunReport, AMissedRateDoesNotReadAsItsTarget) {
  EXPECT_EQ(detail::decimals_to_tell_apart(0.99995, 1, 4, 8), 5);
  EXPECT_EQ(detail::decimals_to_tell_apart(0.94995, 0.95, 4, 8), 5);
  EXPECT_EQ(detail::decimals_to_tell_apart(0.9, 0.95, 4, 8), 4);
  EXPECT_EQ(detail::decimals_to_tell_apart(0.95, 0.95, 4, 8), 4);
  EXPECT_EQ(detail::decimals_to_tell_apart(0.9999999999, 1, 4, 8), 8);  // as many as the workbook has
  EXPECT_EQ(detail::decimals_to_tell_apart(std::numeric_limits<double>::infinity(), 1, 4, 8), 4);
}

TEST(RunReport, TheWorkbookIsXmlWhateverTheCellsHold) {
  const fs::path dir = fs::temp_directory_path() / ("kcbx_report_fffe_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  Engine engine(default_rules());
  std::istringstream st("student_id,name,registry,birth_date,division_code\n"
                        "F1,\u5f20\xEF\xBF\xBE\u4e09,left,2010-03-01,520102001001\n"
                        "F2,\u674e\xEF\xBF\xBF,left,2010-03-01,520102001001\n");
  RunOptions o;
  o.as_of = *Date::parse("2019-11-15");
  ReportWriter writer(dir.string(), {.csv = false, .xlsx = true, .json = false});
  (void)writer.commit(run(engine, st, nullptr, nullptr, o, &writer));
  const std::string out = python(R"PY(
import sys, zipfile, xml.dom.minidom
z = zipfile.ZipFile(sys.argv[1])
n = 0
for name in z.namelist():
    if name.endswith(".xml"):
        xml.dom.minidom.parseString(z.read(name))
        n += 1
text = "".join(z.read(name).decode("utf-8") for name in z.namelist() if name.startswith("xl/worksheets/"))
print(n, "\ufffd" in text)
)PY",
                                  dir / "report.xlsx");
  EXPECT_NE(out.find(" True"), std::string::npos) << out;
  fs::remove_all(dir);
}

// A second run into the same folder with other formats removes what the
// first wrote and it did not (an old report.xlsx beside new CSV files would
// be taken for this run's), and nothing else in the folder.
TEST(RunReport, ASecondRunRemovesTheFirstRunsOtherFiles) {
  const fs::path dir = fs::temp_directory_path() / ("kcbx_report_rerun_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  { std::ofstream(dir / "notes.txt") << "the official's own file\n"; }
  Engine engine(default_rules());
  auto run_into = [&](WriterOptions formats) {
    formats.replace_earlier = true;
    std::istringstream ev(events_csv()), ro(roster_csv()), st(students_csv());
    EventLog events = read_events(engine.rules(), ev);
    Roster roster = read_roster(engine.rules(), ro);
    RunOptions o;
    o.as_of = *Date::parse("2019-11-15");
    ReportWriter writer(dir.string(), formats);
    return writer.commit(run(engine, st, &events, &roster, o, &writer));
  };
  const auto all = run_into({.csv = true, .xlsx = true, .json = true});
  EXPECT_TRUE(fs::exists(dir / "report.xlsx"));
  EXPECT_TRUE(fs::exists(dir / "summary.json"));
  const auto csv = run_into({.csv = true, .xlsx = false, .json = false});
  EXPECT_LT(csv.size(), all.size());
  std::set<std::string> left;
  for (const auto& e : fs::directory_iterator(dir)) left.insert(e.path().filename().string());
  std::set<std::string> want = {"notes.txt", ".kcbx-outputs"};
  for (const auto& f : csv) want.insert(fs::path(f).filename().string());
  EXPECT_EQ(left, want);
  fs::remove_all(dir);
}

// The run's inputs are never replaced nor removed: an output under an
// input's name is refused before its table is written, and an earlier
// run's list naming an input leaves it.
TEST(RunReport, TheOutputsNeverReplaceOrRemoveTheInputs) {
  const fs::path dir = fs::temp_directory_path() / ("kcbx_report_inputs_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string students = (dir / "students.csv").string(), problems = (dir / "problems.csv").string();
  { std::ofstream(students) << students_csv(); }
  { std::ofstream(problems) << students_csv(); }
  { std::ofstream(dir / ".kcbx-outputs") << "students.csv\n"; }  // an earlier run's list
  Engine engine(default_rules());
  RunOptions o;
  o.as_of = *Date::parse("2019-11-15");
  auto run_from = [&](const std::string& input) {
    WriterOptions w{.csv = true, .xlsx = false, .json = false};
    w.replace_earlier = true;
    w.inputs = {input};
    ReportWriter writer(dir.string(), w);
    return writer.commit(run(engine, input, nullptr, nullptr, o, &writer));
  };
  try {
    (void)run_from(problems);  // problems.csv is a list the run writes
    FAIL() << "the run replaced its own input";
  } catch (const Error& e) {
    EXPECT_NE(e.diagnostics().at(0).message.find("is the input file"), std::string::npos) << e.what();
  }
  std::ifstream in(problems);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), students_csv());
  const auto written = run_from(students);
  EXPECT_FALSE(written.empty());
  EXPECT_TRUE(fs::exists(students)) << "removed as an earlier output";
  fs::remove_all(dir);
}

// Every table a run writes, row by row.
class RecordingSink : public ReportSink {
 public:
  void open_table(size_t table, const TableSpec& spec) override {
    if (tables.size() <= table) tables.resize(table + 1);
    tables[table].push_back({spec.name});
  }
  void add_row(size_t table, std::span<const std::string> cells) override {
    tables[table].emplace_back(cells.begin(), cells.end());
  }
  std::vector<std::vector<std::vector<std::string>>> tables;
};

// Cases are evaluated a slice of the kept records at a time (memory at
// national scale); slices of 1, 2 and 3 records must write exactly what one
// slice of them all writes: ledgers, lists, cases, accountability, and the
// event rejects in the same order (G99 is an unknown student).
TEST(RunReport, CaseSlicesChangeNothing) {
  Engine engine(default_rules());
  auto run_with = [&](size_t slice, RunReport* report) {
    std::istringstream ev(events_csv()), ro(roster_csv()), st(students_csv());
    EventLog events = read_events(engine.rules(), ev);
    Roster roster = read_roster(engine.rules(), ro);
    RunOptions o;
    o.as_of = *Date::parse("2019-11-15");
    o.batch_rows = 4;
    o.case_slice_rows = slice;
    RecordingSink sink;
    *report = run(engine, st, &events, &roster, o, &sink);
    return sink.tables;
  };
  RunReport whole, sliced;
  const auto want = run_with(262144, &whole);
  EXPECT_GT(whole.cases_open, 0);
  EXPECT_GT(whole.cases_closed, 0);
  EXPECT_GT(whole.events_applied, 0);
  EXPECT_GT(whole.events_rejected, 0);
  for (size_t slice : {1, 2, 3}) {
    EXPECT_EQ(run_with(slice, &sliced), want) << "slices of " << slice;
    EXPECT_EQ(sliced.cases_open, whole.cases_open);
    EXPECT_EQ(sliced.cases_closed, whole.cases_closed);
    EXPECT_EQ(sliced.cases_overdue, whole.cases_overdue);
    EXPECT_EQ(sliced.accountability, whole.accountability);
    EXPECT_EQ(sliced.events_applied, whole.events_applied);
    EXPECT_EQ(sliced.events_rejected, whole.events_rejected);
  }
}

// A school code that is an ID number (a roster typed from the wrong
// column): the lists that name posts and persons show it masked, as the
// ledgers show a record's cells (DESIGN: masked in every output).
TEST(RunReport, PostsAndPersonsHoldingIdNumbersAreMasked) {
  const std::string school = id_number("52010219800101100");
  auto swap_school = [&](std::string text) {
    for (size_t at; (at = text.find("S001")) != std::string::npos;) text.replace(at, 4, school);
    return text;
  };
  std::string roster = swap_school(roster_csv());
  roster.replace(roster.find("校长甲"), std::string("校长甲").size(), school);  // a person typed as one too
  const fs::path dir = fs::temp_directory_path() / ("kcbx_report_posts_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  Engine engine(default_rules());
  std::istringstream ev(events_csv()), ro(roster), st(swap_school(students_csv()));
  EventLog events = read_events(engine.rules(), ev);
  Roster officials = read_roster(engine.rules(), ro);
  RunOptions o;
  o.as_of = *Date::parse("2019-11-15");
  ReportWriter writer(dir.string(), {.csv = true, .xlsx = false, .json = true});
  const RunReport r = run(engine, st, &events, &officials, o, &writer);
  writer.commit(r);
  EXPECT_GT(r.accountability, 0);
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    ++files;
    const std::string text = slurp(e.path());
    EXPECT_EQ(text.find(school), std::string::npos) << e.path().filename();
  }
  EXPECT_GT(files, 10u);
  EXPECT_NE(slurp(dir / "accountability.csv").find(detail::mask_id_number(school)), std::string::npos)
      << slurp(dir / "accountability.csv");
  fs::remove_all(dir);
}

// A roster without the post a stage names (here no teacher): the run says
// how many open cases name the role and no person, and where to look.
TEST(RunReport, OpenCasesWithoutAPersonAreNoted) {
  std::string roster = roster_csv();
  roster.erase(roster.find("teacher,"));  // the last line
  Engine engine(default_rules());
  std::istringstream ro(roster), st(students_csv());
  Roster officials = read_roster(engine.rules(), ro);
  RunOptions o;
  o.as_of = *Date::parse("2019-11-15");
  RecordingSink sink;
  const RunReport r = run(engine, st, nullptr, &officials, o, &sink);
  std::string notes;
  for (const auto& n : r.notes) notes += n + "\n";
  EXPECT_NE(notes.find("open cases have no 师长 (teacher) in the officials roster for their jurisdictions"),
            std::string::npos)
      << notes;
  // Every class of a child with an open case staffed: no note.
  std::istringstream full(roster_csv() + "teacher,老师乙,S002/1,7\nteacher,老师丙,S003/1,8\n"), st2(students_csv());
  Roster staffed = read_roster(engine.rules(), full);
  RecordingSink sink2;
  const RunReport all = run(engine, st2, nullptr, &staffed, o, &sink2);
  for (const auto& n : all.notes) EXPECT_EQ(n.find("in the officials roster"), std::string::npos) << n;
}

// A pack without ledgers still has its statuses counted: those of its
// main decision table, in the summary and the printed table.
TEST(RunReport, APackWithoutLedgersCountsItsMainTablesStatuses) {
  const RulePack pack = parse_rules(R"(meta: {name: minimal, jurisdiction: "530000"}
fields:
  xjh: {alias: 学籍号, type: string, required: true, unique: true}
  xjzt: {type: enum, required: true, values: {zj: 在籍, tx: 退学}}
tables:
  aid: {hit_policy: collect, values: [a], rows: [{id: a, then: a}]}
  zt:
    values: {ok: 在校, cx: 辍学}
    rows:
      - {id: tx, when: xjzt = tx, then: cx}
      - {id: ok, then: ok}
)", "minimal.yaml");
  std::istringstream st("xjh,xjzt\nA,zj\nB,tx\nC,zj\n");
  RunOptions o;
  o.as_of = *Date::parse("2021-10-15");
  RecordingSink sink;
  const RunReport r = run(Engine(pack), st, nullptr, nullptr, o, &sink);
  ASSERT_EQ(r.statuses.size(), 2u);
  EXPECT_EQ(r.statuses[0].name, "ok");
  EXPECT_EQ(r.statuses[0].count, 2);
  EXPECT_EQ(r.statuses[1].name, "cx");
  EXPECT_EQ(r.statuses[1].count, 1);
}

// A rate within a millionth of its target is written with the decimals it
// takes to differ from it (2/3 against 0.6666667), in indicators.csv as on
// the console and in the workbook: "0.666667 ... 0.666667 ... missed" read
// as a target met.
TEST(RunReport, ARateBesideItsTargetReadsApartFromIt) {
  const RulePack pack = parse_rules(R"(meta: {name: close, jurisdiction: "530000"}
fields:
  xjh: {type: string, required: true, unique: true}
  xjzt: {type: enum, required: true, values: [zj, tx]}
tables:
  zt: {values: [ok, cx], rows: [{id: tx, when: xjzt = tx, then: cx}, {id: ok, then: ok}]}
indicators:
  kept: {numerator: zt = ok, denominator: "true", at_least: 0.6666667}
)", "close.yaml");
  std::istringstream st("xjh,xjzt\nA,zj\nB,tx\nC,zj\n");
  RunOptions o;
  o.as_of = *Date::parse("2021-10-15");
  RecordingSink sink;
  (void)run(Engine(pack), st, nullptr, nullptr, o, &sink);
  bool seen = false;
  for (const auto& table : sink.tables) {
    if (table.empty() || table[0].empty() || table[0][0] != "indicators") continue;
    for (size_t i = 1; i < table.size(); ++i) {
      const auto& row = table[i];
      if (row.size() < 12 || row[3] != "all") continue;
      EXPECT_EQ(row[8], "0.66666667");   // value
      EXPECT_EQ(row[10], "0.6666667");   // threshold, as the pack wrote it
      EXPECT_EQ(row[11], "missed");
      seen = true;
    }
  }
  EXPECT_TRUE(seen);
}

TEST(RunReport, ReadEqualsAcceptedPlusRejectedWithBadRows) {
  const fs::path dir = fs::temp_directory_path() / ("kcbx_report_rejects_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  std::string csv = students_csv();
  csv += "G20,坏一,,2008-13-01," + kA + ",S001,5,1,enrolled,,0,0,0,0,0,0,g,a,,\n";        // bad date
  csv += "G21,坏二,52010220080101120,2008-01-01," + kA + ",S001,5,1,enrolled,,0,0,0,0,0,0,g,a,,\n";  // ID check
  csv += "G01,重复,,2008-01-01," + kA + ",S001,5,1,enrolled,,0,0,0,0,0,0,g,a,,\n";        // duplicate id
  csv += "G22,少列,,2008-01-01\n";                                                          // too few cells
  csv += "G23,未生,,2020-01-01," + kA + ",S001,5,1,enrolled,,0,0,0,0,0,0,g,a,,\n";        // born after as_of
  csv += "G24,无状态,,2008-01-01," + kA + ",S001,5,1,,,0,0,0,0,0,0,g,a,,\n";                // required registry
  Engine engine(default_rules());
  std::istringstream in(csv);
  RunOptions o;
  o.as_of = *Date::parse("2019-11-15");
  ReportWriter writer(dir.string(), {.csv = true, .xlsx = false, .json = false});
  const RunReport r = run(engine, in, nullptr, nullptr, o, &writer);
  writer.commit(r);
  EXPECT_EQ(r.students.read, 21);
  EXPECT_EQ(r.students.rejected, 6);
  EXPECT_EQ(r.students.accepted, 15);
  EXPECT_EQ(r.students.read, r.students.accepted + r.students.rejected);
  const Table rejects = read_csv(dir / "rejects.csv");
  ASSERT_EQ(rejects.size(), 6u);
  std::map<std::string, std::string> why;
  for (const auto& row : rejects) {
    EXPECT_EQ(row.at("file"), "students");
    EXPECT_FALSE(row.at("row").empty());
    why[row.at("student_id")] = row.at("reason");
  }
  EXPECT_NE(why["G23"].find("after the evaluation date"), std::string::npos) << why["G23"];
  EXPECT_NE(why["G01"].find("duplicate"), std::string::npos);
  // Totals count the accepted records only; no xlsx or JSON was asked for.
  EXPECT_EQ(r.totals.back().records, 15);
  EXPECT_FALSE(fs::exists(dir / "report.xlsx"));
  EXPECT_FALSE(fs::exists(dir / "summary.json"));
  fs::remove_all(dir);
}

// An event of a student whose record the students file had refused: its
// reject names that row, where "unknown student" would send the clerk
// looking for a child who is in the file. A student absent from the file
// is still unknown.
TEST(RunReport, EventsOfARejectedStudentNameItsRow) {
  const fs::path dir = fs::temp_directory_path() / ("kcbx_report_evrej_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  std::string csv = students_csv();
  csv += "G20,坏一,,2008-13-01," + kA + ",S001,5,1,enrolled,,0,0,0,0,0,0,g,a,,\n";  // row 17: bad date
  // A key holding an ID number is shown masked, and masked keys of two
  // children can be alike: such a key is not matched (the event stays an
  // unknown student's).
  const std::string masked_key = "G" + kId02;
  csv += masked_key + ",坏二,,2008-13-01," + kA + ",S001,5,1,enrolled,,0,0,0,0,0,0,g,a,,\n";  // row 18
  Engine engine(default_rules());
  std::istringstream in(csv);
  std::istringstream ev(events_csv() + "G20,2019-10-20,home_visit,老师甲,\n" + masked_key +
                        ",2019-10-20,home_visit,老师甲,\n");
  EventLog events = read_events(engine.rules(), ev);
  RunOptions o;
  o.as_of = *Date::parse("2019-11-15");
  o.batch_rows = 4;  // the refused row in a later chunk than the first
  ReportWriter writer(dir.string(), {.csv = true, .xlsx = false, .json = false});
  const RunReport r = run(engine, in, &events, nullptr, o, &writer);
  writer.commit(r);
  std::map<std::string, std::string> why;
  for (const auto& row : read_csv(dir / "rejects.csv"))
    if (row.at("file") == "events") why[row.at("student_id")] = row.at("reason");
  EXPECT_EQ(why["G20"], "the student's record was rejected (row 17 of the students): no case is evaluated for it");
  EXPECT_EQ(why["G99"].rfind("unknown student", 0), 0u) << why["G99"];
  EXPECT_EQ(why[detail::masked_key(masked_key)].rfind("unknown student", 0), 0u) << why[detail::masked_key(masked_key)];
  fs::remove_all(dir);
}

TEST(RunReport, NoMaskShowsTheWholeIdNumber) {
  const fs::path dir = fs::temp_directory_path() / ("kcbx_report_nomask_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  Engine engine(default_rules());
  std::istringstream in(students_csv());
  RunOptions o;
  o.as_of = *Date::parse("2019-11-15");
  o.mask_id_numbers = false;
  ReportWriter writer(dir.string(), {.csv = true, .xlsx = false, .json = false});
  writer.commit(run(engine, in, nullptr, nullptr, o, &writer));
  const std::string text = slurp(dir / "ledger_village.csv");
  EXPECT_NE(text.find(kId03), std::string::npos);
  EXPECT_EQ(text.find(detail::mask_id_number(kId03)), std::string::npos);
  fs::remove_all(dir);
}

TEST(RunReport, RecordsOutsideThePacksJurisdictionAreNoted) {
  // Guizhou's records under a pack for Yunnan (530000): counted, and said.
  auto run_notes = [](const std::string& jurisdiction) {
    const RulePack pack = parse_rules(
        "meta: {name: yn, extends: guizhou, jurisdiction: \"" + jurisdiction + "\"}\n", "yn.yaml");
    Engine engine(pack);
    std::istringstream in(students_csv());
    RunOptions o;
    o.as_of = *Date::parse("2019-11-15");
    RecordingSink sink;
    return run(engine, in, nullptr, nullptr, o, &sink).notes;
  };
  auto outside = [](const std::vector<std::string>& notes) {
    for (const auto& n : notes)
      if (n.find("outside the pack's jurisdiction") != std::string::npos) return n;
    return std::string();
  };
  const std::string yunnan = outside(run_notes("530000"));
  EXPECT_NE(yunnan.find("15 records have a division code outside the pack's jurisdiction 530000"), std::string::npos)
      << yunnan;
  for (const std::string own : {"520000", "52"}) EXPECT_EQ(outside(run_notes(own)), "") << own;
  // A county's pack: the records of other counties are outside it.
  EXPECT_NE(outside(run_notes("520102")).find("(such as 520103"), std::string::npos);
}

TEST(RunReport, UnusableInputThrows) {
  Engine engine(default_rules());
  std::istringstream empty("");
  RunOptions o;
  o.as_of = *Date::parse("2019-11-15");
  EXPECT_THROW(run(engine, empty, nullptr, nullptr, o), Error);
  std::istringstream no_registry("student_id,name\nG1,x\n");
  EXPECT_THROW(run(engine, no_registry, nullptr, nullptr, o), Error);
}

TEST(RunReport, CommandLineRunAndCalendar) {
  const std::string cli = KCBX_CLI;
  if (cli.empty()) GTEST_SKIP() << "the kcbx command was not built";
  const fs::path dir = fs::temp_directory_path() / ("kcbx_report_cli_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    std::ofstream(dir / "students.csv") << students_csv();
    std::ofstream(dir / "events.csv") << events_csv();
    std::ofstream(dir / "officials.csv") << roster_csv();
  }
  const std::string run_cmd = cli + " run --students " + (dir / "students.csv").string() + " --events " +
                              (dir / "events.csv").string() + " --officials " + (dir / "officials.csv").string() +
                              " --as-of 2019-11-15 --out " + (dir / "out").string() +
                              " --format csv,json > " + (dir / "stdout.txt").string() + " 2> " +
                              (dir / "stderr.txt").string();
  EXPECT_EQ(std::system(run_cmd.c_str()), 0) << slurp(dir / "stderr.txt");
  const std::string out = slurp(dir / "stdout.txt");
  EXPECT_NE(out.find("read 15 = accepted 15 + rejected 0"), std::string::npos) << out;
  EXPECT_NE(out.find("乡镇半月报"), std::string::npos) << out;
  EXPECT_TRUE(fs::exists(dir / "out" / "ledger_village.csv"));
  EXPECT_FALSE(fs::exists(dir / "out" / "report.xlsx"));
  EXPECT_TRUE(slurp(dir / "stderr.txt").empty()) << "no progress bar when stderr is not a terminal";

  // Exit codes: 2 for usage, 1 for an unusable input.
  const std::string bad_format = cli + " run --students " + (dir / "students.csv").string() +
                                 " --as-of 2019-11-15 --out " + (dir / "o2").string() + " --format pdf 2>/dev/null";
  EXPECT_EQ(WEXITSTATUS(std::system(bad_format.c_str())), 2);
  const std::string missing = cli + " run --students " + (dir / "nope.csv").string() +
                              " --as-of 2019-11-15 --out " + (dir / "o3").string() + " 2>/dev/null";
  EXPECT_EQ(WEXITSTATUS(std::system(missing.c_str())), 1);

  const std::string demo = cli + " demo --students 3000 --keep " + (dir / "demo").string() + " > " +
                           (dir / "demo.txt").string() + " 2>&1";
  EXPECT_EQ(std::system(demo.c_str()), 0) << slurp(dir / "demo.txt");
  EXPECT_TRUE(fs::exists(dir / "demo" / "input" / "students.csv"));
  EXPECT_TRUE(fs::exists(dir / "demo" / "out" / "report.xlsx"));
  EXPECT_NE(slurp(dir / "demo.txt").find("read 3000 = accepted 3000 + rejected 0"), std::string::npos);

  const std::string cal = cli + " calendar --from 2020-02-01 --to 2020-02-29 --csv > " +
                          (dir / "cal.csv").string() + " 2>/dev/null";
  EXPECT_EQ(std::system(cal.c_str()), 0);
  const std::string cal_text = slurp(dir / "cal.csv");
  EXPECT_NE(cal_text.find("2020-02-29,township_half_month,乡镇半月报,township_head,乡镇长"), std::string::npos)
      << cal_text;
  EXPECT_NE(cal_text.find("2020-02-03,prefecture_month_end"), std::string::npos);
  EXPECT_NE(cal_text.find(",2020-01-31,M2.4"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kcbx

namespace kcbx {
namespace {

// A ledger column may show the rule or clause behind any table's value,
// named as `kcbx classify` names its columns; a misspelt one is an error
// at its line.
TEST(LedgerColumns, TablesRulesAndClausesByTheirResultNames) {
  std::string text = default_rules().source();
  const std::string from = "    - {name: aid, alias: 辍学前享受资助情况}\n";
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  std::string ok = text;
  ok.replace(at, from.size(),
             from + "    - {name: rule}\n    - {name: status_clause}\n    - {name: eligible_aid_rule}\n");
  // A run fills them with the row and clause behind each child's values.
  struct Sink : ReportSink {
    std::map<std::string, size_t> tables;
    std::vector<TableSpec> specs;
    std::vector<std::vector<std::string>> village;
    void open_table(size_t t, const TableSpec& spec) override {
      tables[spec.name] = t;
      if (specs.size() <= t) specs.resize(t + 1);
      specs[t] = spec;
    }
    void add_row(size_t t, std::span<const std::string> cells) override {
      if (specs[t].name == "ledger_village") village.emplace_back(cells.begin(), cells.end());
    }
  } sink;
  std::istringstream st(
      "student_id,registry,birth_date,last_attended,division_code\n"
      "A,enrolled,2010-03-01,2019-09-01,520102001001\n"  // dropout by D4
      "B,left,2010-03-01,,520102001001\n");             // dropout: left the registry (D2)
  RunOptions o;
  o.as_of = *Date::parse("2019-11-15");
  (void)run(Engine(parse_rules(ok, "ok.yaml")), st, nullptr, nullptr, o, &sink);
  const TableSpec& spec = sink.specs[sink.tables.at("ledger_village")];
  auto col = [&](const std::string& name) {
    for (size_t c = 0; c < spec.columns.size(); ++c)
      if (spec.columns[c].name == name) return c;
    ADD_FAILURE() << "no column " << name;
    return size_t{0};
  };
  ASSERT_EQ(sink.village.size(), 2u);
  EXPECT_EQ(sink.village[0][col("rule")], "absent_over_month");
  EXPECT_EQ(sink.village[0][col("status_clause")], "D4");
  EXPECT_EQ(sink.village[1][col("rule")], "left_registry");
  EXPECT_EQ(sink.village[1][col("status_clause")], "D2");
  EXPECT_EQ(sink.village[0][col("eligible_aid_rule")], "two_free_all");
  std::string bad = text;
  bad.replace(at, from.size(), from + "    - {name: eligible_aid_claus}\n");
  try {
    parse_rules(bad, "bad.yaml");
    FAIL() << "loaded";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("ledger column 'eligible_aid_claus' is no field, derived value, table or table's rule or clause"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("bad.yaml:"), std::string::npos) << what;
    EXPECT_NE(what.find("did you mean 'eligible_aid_clause'?"), std::string::npos) << what;
  }
}

// T1 is judged on 2019-09-15. A run before that date cannot judge it: its
// counts are the run's date's, its result pending (neither met nor
// missed), and the run says so.
TEST(Indicators, ATargetWithALaterDateIsPendingNotJudged) {
  Engine engine(default_rules());
  std::istringstream st(
      "student_id,registry,birth_date,last_attended,poor,division_code\n"
      "P1,enrolled,2008-03-01,2019-06-01,1,520102001001\n"   // a poor dropout on 08-01
      "P2,enrolled,2008-03-01,2019-07-25,1,520102001001\n"); // suspected on 08-01
  RunOptions o;
  o.as_of = *Date::parse("2019-08-01");
  const RunReport r = run(engine, st, nullptr, nullptr, o);
  const IndicatorResult* t1 = nullptr;
  for (const auto& x : r.indicators)
    if (x.indicator == "poor_dropouts" && x.level.empty()) t1 = &x;
  ASSERT_NE(t1, nullptr);
  ASSERT_TRUE(t1->due_on);
  EXPECT_EQ(t1->due_on->format(), "2019-09-15");
  EXPECT_EQ(t1->judged_on.format(), "2019-08-01");
  EXPECT_EQ(t1->numerator, 1);  // P1, as of 08-01
  EXPECT_FALSE(t1->met.has_value());
  EXPECT_TRUE(std::any_of(r.notes.begin(), r.notes.end(), [](const std::string& n) {
    return n.find("'poor_dropouts' is judged on 2019-09-15, after the evaluation date") != std::string::npos;
  }));
  // Its jurisdictions are counted pending, not "no data" or missed.
  for (const auto& t : r.targets) {
    if (t.indicator != "poor_dropouts") continue;
    ASSERT_FALSE(t.levels.empty());
    for (const auto& l : t.levels) {
      EXPECT_EQ(l.pending, 1) << l.level;
      EXPECT_EQ(l.met + l.missed + l.no_data, 0) << l.level;
    }
  }
  // On and after its date, it is judged.
  std::istringstream again("student_id,registry,birth_date,last_attended,poor,division_code\n"
                           "P1,enrolled,2008-03-01,2019-06-01,1,520102001001\n");
  o.as_of = *Date::parse("2019-09-15");
  const RunReport on = run(engine, again, nullptr, nullptr, o);
  for (const auto& x : on.indicators)
    if (x.indicator == "poor_dropouts" && x.level.empty()) {
      EXPECT_FALSE(x.due_on);
      ASSERT_TRUE(x.met.has_value());
      EXPECT_FALSE(*x.met);
    }
}

// A numerator written without the denominator's scope counts children
// outside it: counted as written (a cohort formula may mean it), and the
// run says how many. A 17-year-old at school is in school but outside the
// age scope.
TEST(Indicators, ARateNumeratorOutsideItsDenominatorIsNoted) {
  std::string text = default_rules().source();
  const std::string from = "    numerator: in_scope and status in [in_school, completed]\n";
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, from.size(), "    numerator: status in [in_school, completed]\n");
  const Engine engine(parse_rules(text, "share.yaml"));
  std::istringstream st(
      "student_id,registry,birth_date,last_attended,division_code\n"
      "A,enrolled,2010-03-01,2019-11-14,520102001001\n"   // 9, in school: both
      "B,enrolled,2002-03-01,2019-11-14,520102001001\n"); // 17, in school: on top only
  RunOptions o;
  o.as_of = *Date::parse("2019-11-15");
  const RunReport r = run(engine, st, nullptr, nullptr, o);
  const IndicatorResult* t3 = nullptr;
  for (const auto& x : r.indicators)
    if (x.indicator == "consolidation_rate" && x.level.empty()) t3 = &x;
  ASSERT_NE(t3, nullptr);
  EXPECT_EQ(t3->numerator, 2);
  EXPECT_EQ(t3->denominator, 1);
  EXPECT_TRUE(std::any_of(r.notes.begin(), r.notes.end(), [](const std::string& n) {
    return n == "indicator 'consolidation_rate': 1 record is counted in its numerator but not in its denominator; "
                "a share of the denominator needs its condition in the numerator too";
  })) << ::testing::PrintToString(r.notes);
  // The pack as shipped has none.
  std::istringstream again("student_id,registry,birth_date,last_attended,division_code\n"
                           "B,enrolled,2002-03-01,2019-11-14,520102001001\n");
  const RunReport shipped = run(Engine(default_rules()), again, nullptr, nullptr, o);
  for (const auto& n : shipped.notes) EXPECT_EQ(n.find("numerator but not"), std::string::npos) << n;
}

// SPEC T3's denominator is the children ever enrolled: a never-registered
// child persuaded to school (a `returned` event, M3.3) is enrolled now, and
// counted in both parts of the rate, not in the numerator alone.
TEST(Indicators, AChildBroughtToSchoolIsEverEnrolled) {
  const Engine engine(default_rules());
  std::istringstream st(
      "student_id,registry,birth_date,last_attended,division_code\n"
      "A,enrolled,2010-03-01,2019-11-14,520102001001\n"  // in school
      "B,none,2009-01-01,,520102001001\n"                // never registered, back on 10-20
      "C,left,2008-01-01,2019-10-01,520102001001\n");    // a dropout
  std::istringstream ev("student_id,date,type,person\nB,2019-10-20,returned,某老师\n");
  const EventLog events = read_events(engine.rules(), ev, "events.csv", "utf-8");
  RunOptions o;
  o.as_of = *Date::parse("2019-11-15");
  const RunReport r = run(engine, st, &events, nullptr, o);
  const IndicatorResult* t3 = nullptr;
  for (const auto& x : r.indicators)
    if (x.indicator == "consolidation_rate" && x.level.empty()) t3 = &x;
  ASSERT_NE(t3, nullptr);
  EXPECT_EQ(t3->numerator, 2);
  EXPECT_EQ(t3->denominator, 3);
  for (const auto& n : r.notes) EXPECT_EQ(n.find("numerator but not"), std::string::npos) << n;
}

// With every row rejected there is nothing to count: a count target (T1's
// zero poor dropouts) has no value and no verdict, as a rate with no
// denominator has none, instead of "0, met".
TEST(Indicators, NoAcceptedRecordsMeetNoTarget) {
  const Engine engine(default_rules());
  std::istringstream st(
      "student_id,registry,birth_date,division_code\n"
      "E1,enrolled,2008-13-01,520102001201\n"
      "E2,enrolled,2008-01-01,5201\n");
  RunOptions o;
  o.as_of = *Date::parse("2019-11-15");
  const RunReport r = run(engine, st, nullptr, nullptr, o);
  EXPECT_EQ(r.students.accepted, 0);
  int judged = 0;
  for (const auto& x : r.indicators) {
    EXPECT_FALSE(x.value.has_value()) << x.indicator << " " << x.level;
    EXPECT_FALSE(x.met.has_value()) << x.indicator << " " << x.level;
    judged += x.level.empty();
  }
  EXPECT_GE(judged, 6);  // every indicator has its whole-file row
  // The indicators table says so ("no_data", 无数据 in the workbook).
  const fs::path dir = fs::temp_directory_path() / ("kcbx_report_no_data_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::istringstream again(
      "student_id,registry,birth_date,division_code\n"
      "E1,enrolled,2008-13-01,520102001201\n");
  ReportWriter writer(dir.string(), {.csv = true, .xlsx = false, .json = false});
  const RunReport none = run(engine, again, nullptr, nullptr, o, &writer);
  writer.commit(none);
  // (An indicator without a target, the dropout rate's limit unset, has no result at all.)
  for (const auto& row : read_csv(dir / "indicators.csv"))
    EXPECT_EQ(row.at("result"), row.at("threshold").empty() ? "" : "no_data") << row.at("indicator");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kcbx
