#include "generate/generate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "io/id_number.h"
#include "kcbx/csv.h"
#include "kcbx/date.h"
#include "kcbx/engine.h"

namespace kcbx::detail {
namespace {

using Row = std::vector<std::string>;

// RFC 4180 reader for what the generator writes: '\n' line ends, quoted
// fields may hold commas and doubled quotes.
std::vector<Row> parse_csv(const std::string& text) {
  std::vector<Row> rows;
  Row row;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      field += c;
    }
  }
  EXPECT_TRUE(field.empty() && row.empty()) << "file must end with a newline";
  return rows;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return c >= '0' && c <= '9'; });
}

// Independent GB 11643 (ISO 7064 MOD 11-2) check, so that the test does not
// only trust id_check_character.
char mod11_2(std::string_view first17) {
  static const int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6,
                                   3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return "10X98765432"[sum % 11];
}

Date as_of() { return *Date::parse("2019-11-15"); }

// Share of the 100,000 rows of the shared data set.
double share(int64_t count) { return static_cast<double>(count) / 100'000.0; }

struct Output {
  std::string students, events, officials;
  GenerateStats stats;
};

Output run(int64_t students, uint64_t seed = 1,
           std::vector<std::string> prefectures = {}) {
  GenerateOptions options;
  options.students = students;
  options.seed = seed;
  options.as_of = as_of();
  options.prefectures = std::move(prefectures);
  std::ostringstream s, e, o;
  Output out;
  out.stats = generate(options, {&s, &e, &o});
  out.students = s.str();
  out.events = e.str();
  out.officials = o.str();
  return out;
}

enum StudentColumn {
  kStudentId, kName, kIdNumber, kBirthDate, kGender, kDivision, kSchool,
  kGrade, kClass, kRegistry, kLastAttended, kExcused, kPoor, kDisabled,
  kOrphan, kLeftBehind, kSpecialHardship, kSeriousIllness, kNoHukou,
  kBoarding, kGuardian, kAddress, kDropoutReason, kAid, kColumns
};

// One 100,000-student data set shared by the tests that only read it.
class GenerateData : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    out_ = new Output(run(100'000, 7));
    students_ = new std::vector<Row>(parse_csv(out_->students));
    events_ = new std::vector<Row>(parse_csv(out_->events));
    officials_ = new std::vector<Row>(parse_csv(out_->officials));
  }
  static void TearDownTestSuite() {
    delete out_;
    delete students_;
    delete events_;
    delete officials_;
  }
  static Output* out_;
  static std::vector<Row>* students_;
  static std::vector<Row>* events_;
  static std::vector<Row>* officials_;
};
Output* GenerateData::out_ = nullptr;
std::vector<Row>* GenerateData::students_ = nullptr;
std::vector<Row>* GenerateData::events_ = nullptr;
std::vector<Row>* GenerateData::officials_ = nullptr;

TEST(GuizhouCounties, EightyEightRealCounties) {
  const auto counties = province_counties("52");
  ASSERT_EQ(counties.size(), 88u);
  EXPECT_EQ(counties.front().code, 520102);
  EXPECT_EQ(counties.front().name, "南明区");
  EXPECT_EQ(counties.back().code, 522732);
  EXPECT_EQ(counties.back().name, "三都水族自治县");
  std::set<int> prefectures;
  for (const County& c : counties) {
    EXPECT_NE(c.code % 100, 0) << c.code;
    prefectures.insert(c.code / 100);
  }
  EXPECT_EQ(prefectures, (std::set<int>{5201, 5202, 5203, 5204, 5205, 5206,
                                        5223, 5226, 5227}));
}

TEST(Counties, MatchTheDataFiles) {
  // Every county-level division of the 2019-04 revision, province by
  // province, as tools/gen_counties.py filters data/gb2260-codes.tsv; and
  // Guizhou's as its own file lists them.
  std::ifstream all(KCBX_SOURCE_DIR "/data/gb2260-codes.tsv");
  ASSERT_TRUE(all) << "data/gb2260-codes.tsv";
  std::map<std::string, std::vector<std::pair<int, std::string>>> by_province;
  std::string line;
  std::getline(all, line);  // header
  while (std::getline(all, line)) {
    std::istringstream cells(line);
    std::string code, name, first, last;
    std::getline(cells, code, '\t');
    std::getline(cells, name, '\t');
    std::getline(cells, first, '\t');
    std::getline(cells, last, '\t');
    if (last != "201904" || code.ends_with("00") || name == "市辖区") continue;
    by_province[code.substr(0, 2)].emplace_back(std::stoi(code), name);
  }
  EXPECT_EQ(by_province.size(), 31u);  // the mainland's provinces
  size_t total = 0;
  for (const auto& [province, expected] : by_province) {
    const auto counties = province_counties(province);
    ASSERT_EQ(counties.size(), expected.size()) << province;
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(counties[i].code, expected[i].first);
      EXPECT_EQ(counties[i].name, expected[i].second);
    }
    total += counties.size();
  }
  EXPECT_EQ(total, 2851u);

  std::ifstream guizhou(KCBX_SOURCE_DIR "/data/gb2260-guizhou-201904.tsv");
  ASSERT_TRUE(guizhou);
  std::vector<std::pair<int, std::string>> expected;
  std::getline(guizhou, line);  // header
  while (std::getline(guizhou, line)) {
    const size_t tab = line.find('\t');
    if (tab == std::string::npos || line.compare(tab - 2, 2, "00") == 0) continue;
    expected.emplace_back(std::stoi(line.substr(0, tab)), line.substr(tab + 1));
  }
  EXPECT_EQ(by_province["52"], expected);
}

TEST(Generate, SameSeedSameBytesOtherSeedOtherBytes) {
  const Output a = run(20'000, 42);
  const Output b = run(20'000, 42);
  EXPECT_TRUE(a.students == b.students);
  EXPECT_TRUE(a.events == b.events);
  EXPECT_TRUE(a.officials == b.officials);
  const Output c = run(20'000, 43);
  EXPECT_FALSE(a.students == c.students);
  EXPECT_FALSE(a.events == c.events);
  EXPECT_FALSE(a.officials == c.officials);
}

TEST(Generate, NullSinksChangeNothingElse) {
  const Output all = run(30'000, 5);
  GenerateOptions options;
  options.students = 30'000;
  options.seed = 5;
  options.as_of = as_of();
  std::ostringstream events;
  const GenerateStats stats = generate(options, {nullptr, &events, nullptr});
  EXPECT_EQ(events.str(), all.events);
  EXPECT_EQ(stats.events, all.stats.events);
  // Without an events file no events are made, and the others are the
  // same (kcbx generate --stdout).
  std::ostringstream students, officials;
  const GenerateStats none = generate(options, {&students, nullptr, &officials});
  EXPECT_EQ(students.str(), all.students);
  EXPECT_EQ(officials.str(), all.officials);
  EXPECT_EQ(none.events, 0);
  for (const GenerateStats& s : {stats, none, generate(options, {})}) {
    EXPECT_EQ(s.students, all.stats.students);
    EXPECT_EQ(s.officials, all.stats.officials);
    EXPECT_EQ(s.classes, all.stats.classes);
  }
}

TEST(Generate, ZeroStudentsWritesHeadersOnly) {
  const Output out = run(0);
  EXPECT_EQ(std::count(out.students.begin(), out.students.end(), '\n'), 1);
  EXPECT_EQ(out.events, "student_id,date,type,person,note\n");
  EXPECT_EQ(out.officials, "role,person,jurisdiction,phone\n");
  EXPECT_EQ(out.stats.students, 0);
  EXPECT_EQ(out.stats.counties, 0);
  EXPECT_EQ(out.stats.officials, 0);
}

TEST(Generate, RejectsBadOptions) {
  GenerateOptions options;
  options.as_of = as_of();
  options.students = -1;
  EXPECT_THROW(generate(options, {}), std::invalid_argument);
  options.students = 10;
  options.prefectures = {"5208"};
  EXPECT_THROW(generate(options, {}), std::invalid_argument);
  options.prefectures = {"52"};
  EXPECT_THROW(generate(options, {}), std::invalid_argument);
}

TEST(Generate, AnotherProvincesCounties) {
  // Yunnan (53): its own counties, townships under them, and ID numbers with
  // their address codes; an unknown province or prefecture is refused.
  EXPECT_EQ(province_counties("53").size(), 129u);
  EXPECT_EQ(province_counties("52").size(), 88u);
  EXPECT_TRUE(province_counties("99").empty());
  GenerateOptions options;
  options.as_of = as_of();
  options.students = 150'000;
  options.province = "53";
  std::ostringstream s;
  const GenerateStats stats = generate(options, {&s, nullptr, nullptr});
  EXPECT_EQ(stats.counties, 2);
  const auto rows = parse_csv(s.str());
  ASSERT_EQ(rows.size(), 150'001u);
  std::set<std::string> counties;
  for (size_t i = 1; i < rows.size(); ++i) {
    const Row& r = rows[i];
    ASSERT_EQ(r[kDivision].substr(0, 2), "53") << r[kDivision];
    counties.insert(r[kDivision].substr(0, 6));
    if (!r[kIdNumber].empty()) {
      ASSERT_EQ(check_id_number(r[kIdNumber]).error, IdNumberError::kNone) << r[kIdNumber];
      ASSERT_EQ(r[kIdNumber].substr(0, 6), r[kDivision].substr(0, 6));
    }
  }
  EXPECT_EQ(counties.size(), 2u);
  for (const std::string& c : counties)
    EXPECT_TRUE(std::any_of(province_counties("53").begin(), province_counties("53").end(),
                            [&](const County& k) { return std::to_string(k.code) == c; }))
        << c;
  options.province = "99";
  EXPECT_THROW(check_generate_options(options), std::invalid_argument);
  options.province = "53";
  options.prefectures = {"5301"};
  EXPECT_NO_THROW(check_generate_options(options));
  options.prefectures = {"5201"};
  try {
    check_generate_options(options);
    ADD_FAILURE() << "5201 accepted in province 53";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("prefecture '5201' is not in province '53'"), std::string::npos) << e.what();
  }
  options.province.clear();  // a prefecture alone says which province
  EXPECT_NO_THROW(check_generate_options(options));
  options.province = "53";
  options.prefectures = {"5302"};
  try {
    check_generate_options(options);
    ADD_FAILURE() << "5302 accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("one of 5301 5303 5304"), std::string::npos) << e.what();
  }
}

TEST(Generate, CountiesScaleWithStudentsAndFollowPrefectures) {
  GenerateOptions options;
  options.as_of = as_of();
  options.students = 10'000;
  EXPECT_EQ(generate(options, {}).counties, 1);
  options.students = 200'000;
  EXPECT_EQ(generate(options, {}).counties, 3);

  const Output out = run(200'000, 3, {"5227", "5202"});
  EXPECT_EQ(out.stats.counties, 3);
  const auto rows = parse_csv(out.students);
  for (size_t i = 1; i < rows.size(); ++i) {
    const std::string prefix = rows[i][kDivision].substr(0, 4);
    ASSERT_TRUE(prefix == "5227" || prefix == "5202") << rows[i][kDivision];
  }
  options.students = 400'000;
  options.prefectures = {"5202"};  // Liupanshui has only 4 counties
  EXPECT_EQ(generate(options, {}).counties, 4);
}

TEST_F(GenerateData, HeadersAndRowCounts) {
  ASSERT_FALSE(students_->empty());
  EXPECT_EQ(out_->students.substr(0, out_->students.find('\n')),
            "student_id,name,id_number,birth_date,gender,division_code,"
            "school_id,grade,class_id,registry,last_attended,absence_excused,"
            "poor,disabled,orphan,left_behind,special_hardship,"
            "serious_illness,no_hukou,boarding,guardian,address,"
            "dropout_reason,aid");
  EXPECT_EQ((*events_)[0], (Row{"student_id", "date", "type", "person", "note"}));
  EXPECT_EQ((*officials_)[0], (Row{"role", "person", "jurisdiction", "phone"}));
  EXPECT_EQ(static_cast<int64_t>(students_->size()) - 1, 100'000);
  EXPECT_EQ(out_->stats.students, 100'000);
  EXPECT_EQ(static_cast<int64_t>(events_->size()) - 1, out_->stats.events);
  EXPECT_EQ(static_cast<int64_t>(officials_->size()) - 1, out_->stats.officials);
  for (const Row& r : *students_) ASSERT_EQ(r.size(), size_t{kColumns});
  for (const Row& r : *events_) ASSERT_EQ(r.size(), 5u);
  for (const Row& r : *officials_) ASSERT_EQ(r.size(), 4u);
  EXPECT_GT(out_->stats.events, 100);
  EXPECT_EQ(out_->stats.counties, 1);
  EXPECT_GE(out_->stats.townships, 12);
  EXPECT_LE(out_->stats.townships, 22);
}

TEST_F(GenerateData, IdNumbersAreValidAndAgreeWithTheRow) {
  std::set<std::string> ids;
  int64_t no_id = 0, no_birth = 0;
  for (size_t i = 1; i < students_->size(); ++i) {
    const Row& r = (*students_)[i];
    const std::string& id = r[kIdNumber];
    ASSERT_FALSE(id.empty() && r[kBirthDate].empty()) << r[kStudentId];
    no_id += id.empty();
    no_birth += r[kBirthDate].empty();
    if (r[kNoHukou] == "1") {
      EXPECT_TRUE(id.empty());
    }
    if (id.empty()) continue;
    ASSERT_EQ(id.size(), 18u) << id;
    ASSERT_TRUE(all_digits(std::string_view(id).substr(0, 17))) << id;
    EXPECT_EQ(id[17], id_check_character(std::string_view(id).substr(0, 17)));
    EXPECT_EQ(id[17], mod11_2(id));
    EXPECT_EQ(check_id_number(id).error, IdNumberError::kNone) << id;
    EXPECT_EQ(id.substr(0, 6), r[kDivision].substr(0, 6));
    const std::string birth = id.substr(6, 4) + "-" + id.substr(10, 2) + "-" +
                              id.substr(12, 2);
    ASSERT_TRUE(Date::parse(birth).has_value()) << id;
    if (!r[kBirthDate].empty()) {
      EXPECT_EQ(birth, r[kBirthDate]);
    }
    EXPECT_EQ((id[16] - '0') % 2 == 1, r[kGender] == "M") << id;
    EXPECT_TRUE(ids.insert(id).second) << "duplicate " << id;
  }
  EXPECT_NEAR(share(no_id), 0.03, 0.006);
  EXPECT_NEAR(share(no_birth), 0.05, 0.006);
}

TEST_F(GenerateData, CodesAreWellFormedAndReal) {
  // County code -> name, made once (looked up per row, it was most of this
  // test's 115 s under ASan).
  std::map<std::string, std::string> counties;
  for (const County& c : province_counties("52")) counties.emplace(std::to_string(c.code), std::string(c.name));
  std::set<std::string> student_ids;
  for (size_t i = 1; i < students_->size(); ++i) {
    const Row& r = (*students_)[i];
    ASSERT_EQ(r[kStudentId].size(), 19u);
    ASSERT_EQ(r[kStudentId][0], 'G');
    ASSERT_TRUE(all_digits(r[kStudentId].substr(1)));
    EXPECT_TRUE(student_ids.insert(r[kStudentId]).second) << r[kStudentId];
    ASSERT_EQ(r[kDivision].size(), 12u);
    ASSERT_TRUE(all_digits(r[kDivision]));
    ASSERT_TRUE(counties.count(r[kDivision].substr(0, 6))) << r[kDivision];
    EXPECT_TRUE(r[kGender] == "M" || r[kGender] == "F");
    EXPECT_FALSE(r[kName].empty());
    EXPECT_FALSE(r[kGuardian].empty());
    EXPECT_NE(r[kAddress].find("村"), std::string::npos);
    EXPECT_TRUE(r[kAddress].ends_with("组"));
    const std::string& county_name = counties.at(r[kDivision].substr(0, 6));
    EXPECT_TRUE(r[kAddress].starts_with(county_name)) << r[kAddress];
    if (r[kRegistry] == "none") {
      EXPECT_EQ(r[kSchool], "");
      EXPECT_EQ(r[kGrade], "");
      EXPECT_EQ(r[kClass], "");
      continue;
    }
    // Schools belong to the student's township.
    ASSERT_EQ(r[kSchool].size(), 12u) << r[kSchool];
    ASSERT_EQ(r[kSchool][0], 'S');
    ASSERT_TRUE(all_digits(r[kSchool].substr(1)));
    EXPECT_EQ(r[kSchool].substr(1, 9), r[kDivision].substr(0, 9));
    ASSERT_EQ(r[kGrade].size(), 1u);
    ASSERT_TRUE(r[kGrade][0] >= '1' && r[kGrade][0] <= '9');
    EXPECT_TRUE(r[kClass].starts_with(r[kGrade] + "-")) << r[kClass];
    EXPECT_TRUE(all_digits(r[kClass].substr(2)));
  }
}

TEST_F(GenerateData, AgesAndRatesAreRealistic) {
  std::map<std::string, int64_t> registry;
  std::map<int, int64_t> ages;
  int64_t flags[kColumns] = {};
  int64_t absent_8_40 = 0, absent_over_40 = 0, with_reason = 0;
  const Date today = as_of();
  for (size_t i = 1; i < students_->size(); ++i) {
    const Row& r = (*students_)[i];
    ++registry[r[kRegistry]];
    for (int c = kExcused; c <= kBoarding; ++c) {
      ASSERT_TRUE(r[c] == "0" || r[c] == "1");
      flags[c] += r[c] == "1";
    }
    const std::string birth =
        r[kBirthDate].empty()
            ? r[kIdNumber].substr(6, 4) + "-" + r[kIdNumber].substr(10, 2) +
                  "-" + r[kIdNumber].substr(12, 2)
            : r[kBirthDate];
    const int age = age_on(*Date::parse(birth), today);
    ++ages[age];
    if (!r[kGrade].empty()) {
      const int grade = r[kGrade][0] - '0';
      EXPECT_GE(age - grade, 4) << r[kStudentId];
      EXPECT_LE(age - grade, 8) << r[kStudentId];
    }
    if (r[kRegistry] == "home_teaching") {
      EXPECT_EQ(r[kDisabled], "1");
    }
    if (!r[kLastAttended].empty()) {
      const auto last = Date::parse(r[kLastAttended]);
      ASSERT_TRUE(last.has_value());
      const int32_t days = today.days() - last->days();
      ASSERT_GT(days, 0);
      if (r[kExcused] == "0" && r[kRegistry] == "enrolled") {
        absent_8_40 += days >= 8 && days <= 40;
        absent_over_40 += days > 40;
      }
    } else {
      EXPECT_EQ(r[kExcused], "0");
    }
    if (!r[kDropoutReason].empty()) {
      ++with_reason;
      static const std::set<std::string> kReasonValues = {
          "厌学", "外出务工", "家庭贫困", "疾病", "早婚", "其他"};
      EXPECT_TRUE(kReasonValues.count(r[kDropoutReason])) << r[kDropoutReason];
      EXPECT_TRUE(r[kRegistry] == "left" || !r[kLastAttended].empty());
    }
    static const std::set<std::string> kAidValues = {
        "", "two_free", "boarding_subsidy", "nutrition",
        "two_free;boarding_subsidy", "two_free;nutrition",
        "boarding_subsidy;nutrition", "two_free;boarding_subsidy;nutrition"};
    EXPECT_TRUE(kAidValues.count(r[kAid])) << r[kAid];
  }
  EXPECT_NEAR(share(registry["enrolled"]), 0.97, 0.01);
  EXPECT_NEAR(share(registry["left"]), 0.005, 0.002);
  EXPECT_NEAR(share(registry["none"]), 0.003, 0.0015);
  EXPECT_NEAR(share(registry["suspended"] + registry["deferred"]), 0.003,
              0.0015);
  EXPECT_NEAR(share(registry["completed"]), 0.01, 0.003);
  EXPECT_GT(registry["home_teaching"], 0);
  EXPECT_EQ(registry.size(), 7u);
  EXPECT_NEAR(share(flags[kPoor]), 0.08, 0.01);
  EXPECT_NEAR(share(flags[kDisabled]), 0.01, 0.002);
  EXPECT_NEAR(share(flags[kLeftBehind]), 0.10, 0.01);
  EXPECT_NEAR(share(flags[kBoarding]), 0.20, 0.03);
  EXPECT_GT(flags[kOrphan], 0);
  EXPECT_GT(flags[kNoHukou], 0);
  // Suspected dropouts and dropouts both appear, a few per thousand.
  EXPECT_GT(absent_8_40, 100);
  EXPECT_LT(absent_8_40, 1000);
  EXPECT_GT(absent_over_40, 50);
  EXPECT_GT(with_reason, 500);
  EXPECT_EQ(ages.begin()->first, 5);
  EXPECT_EQ(ages.rbegin()->first, 17);
  int64_t in_scope = 0;
  for (int a = 6; a <= 16; ++a) in_scope += ages[a];
  EXPECT_GT(share(in_scope), 0.99);
}

TEST_F(GenerateData, RosterHasOnePersonPerRoleAndJurisdiction) {
  std::map<std::string, std::set<std::string>> used;  // role -> jurisdictions
  for (size_t i = 1; i < students_->size(); ++i) {
    const Row& r = (*students_)[i];
    used["county_head"].insert(r[kDivision].substr(0, 6));
    used["bureau_director"].insert(r[kDivision].substr(0, 6));
    used["township_head"].insert(r[kDivision].substr(0, 9));
    used["village_director"].insert(r[kDivision]);
    if (!r[kSchool].empty()) {
      used["principal"].insert(r[kSchool]);
      used["teacher"].insert(r[kSchool] + "/" + r[kClass]);
    }
  }
  std::map<std::string, std::map<std::string, int>> roster;
  for (size_t i = 1; i < officials_->size(); ++i) {
    const Row& r = (*officials_)[i];
    ++roster[r[0]][r[2]];
    EXPECT_FALSE(r[1].empty());
    ASSERT_EQ(r[3].size(), 11u) << r[3];
    EXPECT_EQ(r[3][0], '1');
    EXPECT_TRUE(all_digits(r[3]));
  }
  ASSERT_EQ(roster.size(), 6u);
  for (const auto& [role, jurisdictions] : roster) {
    std::set<std::string> listed;
    for (const auto& [j, count] : jurisdictions) {
      EXPECT_EQ(count, 1) << role << " " << j;
      listed.insert(j);
    }
    EXPECT_EQ(listed, used[role]) << role;
  }
  EXPECT_EQ(static_cast<int64_t>(used["township_head"].size()),
            out_->stats.townships);
  EXPECT_EQ(static_cast<int64_t>(used["village_director"].size()),
            out_->stats.villages);
  EXPECT_EQ(static_cast<int64_t>(used["principal"].size()),
            out_->stats.schools);
  EXPECT_EQ(static_cast<int64_t>(used["teacher"].size()), out_->stats.classes);
}

TEST_F(GenerateData, EventsFollowTheAbsenceAndStopAtAsOf) {
  std::map<std::string, const Row*> by_id;
  for (size_t i = 1; i < students_->size(); ++i) {
    by_id[(*students_)[i][kStudentId]] = &(*students_)[i];
  }
  std::map<std::pair<std::string, std::string>, std::string> person;
  for (size_t i = 1; i < officials_->size(); ++i) {
    const Row& r = (*officials_)[i];
    person[{r[0], r[2]}] = r[1];
  }
  static const std::map<std::string, std::string> kActor = {
      {"home_visit", "teacher"},
      {"returned", "teacher"},
      {"school_report", "principal"},
      {"township_persuasion", "township_head"},
      {"notice_issued", "township_head"},
      {"administrative_measure", "county_head"},
      {"legal_measure", "bureau_director"}};
  // When the default pack opens each child's case: events come only for
  // those, from that day.
  const Date today = as_of();
  std::map<std::string, Date> opened;
  {
    const RulePack pack = default_rules();
    const Engine engine(pack);
    std::istringstream in(out_->students);
    ReadOptions ro;
    ro.batch_rows = SIZE_MAX;
    StudentReader reader(pack, in, ro);
    Batch batch;
    ASSERT_TRUE(reader.next(batch));
    const BatchResult result = engine.classify(batch, today);
    for (size_t i = 0; i < batch.size(); ++i)  // row_number: the file line, the header's 1
      if (result.case_open(i) && result.case_opened_on(i))
        opened[(*students_)[static_cast<size_t>(batch.row_number(i) - 1)][kStudentId]] = *result.case_opened_on(i);
  }
  ASSERT_GT(opened.size(), 100u);
  std::map<std::string, int64_t> types;
  std::string previous_id;
  int32_t previous_day = 0;
  bool previous_returned = false;
  for (size_t i = 1; i < events_->size(); ++i) {
    const Row& e = (*events_)[i];
    const auto it = by_id.find(e[0]);
    ASSERT_NE(it, by_id.end()) << e[0];
    const Row& s = *it->second;
    ASSERT_FALSE(s[kLastAttended].empty()) << e[0];
    EXPECT_EQ(s[kExcused], "0");
    const Date date = *Date::parse(e[1]);
    EXPECT_LE(date, today) << e[0];
    const auto case_opened = opened.find(e[0]);
    ASSERT_NE(case_opened, opened.end()) << "an event without a case: " << e[0];
    EXPECT_GE(date, case_opened->second) << e[0];
    if (e[0] == previous_id) {
      EXPECT_GE(date.days(), previous_day) << e[0];
      EXPECT_FALSE(previous_returned) << "event after return: " << e[0];
    } else {
      EXPECT_EQ(e[2], "home_visit") << e[0];
    }
    previous_id = e[0];
    previous_day = date.days();
    previous_returned = e[2] == "returned";
    if (e[2] == "returned") {
      EXPECT_NE(s[kRegistry], "left");
    }
    ++types[e[2]];
    const auto actor = kActor.find(e[2]);
    ASSERT_NE(actor, kActor.end()) << e[2];
    const std::string& role = actor->second;
    const std::string jurisdiction =
        role == "teacher"         ? s[kSchool] + "/" + s[kClass]
        : role == "principal"     ? s[kSchool]
        : role == "township_head" ? s[kDivision].substr(0, 9)
                                  : s[kDivision].substr(0, 6);
    EXPECT_EQ(e[3], (person[{role, jurisdiction}])) << e[0] << " " << e[2];
    EXPECT_FALSE(e[4].empty());
  }
  for (const char* type : {"home_visit", "school_report", "township_persuasion",
                           "notice_issued", "returned"}) {
    EXPECT_GT(types[type], 0) << type;
  }
}

}  // namespace
}  // namespace kcbx::detail
