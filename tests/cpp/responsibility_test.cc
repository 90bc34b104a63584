// The responsibility graph (SPEC R1, R2): roster reading, who is responsible
// for a child, escalation along both lines, validation, DOT and GraphML.
#include "kcbx/responsibility.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "generate/generate.h"
#include "kcbx/batch.h"
#include "kcbx/csv.h"
#include "kcbx/diagnostic.h"
#include "kcbx/rule_pack.h"

namespace kcbx {
namespace {

// Two counties of Guiyang (南明区 520102, 云岩区 520103). G5 lives in 云岩区
// but goes to a 南明区 school, so the school's county is read off the
// students (two of its three pupils live in 南明区).
constexpr const char* kRoster =
    "role,person,jurisdiction,phone\n"
    "county_head,张县长,520102,13800000001\n"           // row 2
    "bureau_director,王局长,520102,13800000002\n"       // row 3
    "township_head,李乡长,520102001,13800000003\n"      // row 4
    "township_head,赵乡长,520102002,13800000004\n"      // row 5
    "village_director,陈主任,520102001201,13800000005\n"
    "village_director,刘主任,520102001202,13800000006\n"
    "village_director,马主任,520102002201,13800000007\n"  // row 8
    "principal,周校长,S52010200101,13800000008\n"
    "principal,吴校长,S52010200201,13800000009\n"
    "teacher,郑老师,S52010200101/1-1,13800000010\n"
    "teacher,孙老师,S52010200101/1-2,13800000011\n"
    "teacher,钱老师,S52010200201/3-1,13800000012\n"
    "county_head,褚县长,520103,13800000013\n"
    "bureau_director,冯局长,520103,13800000014\n"
    "township_head,卫乡长,520103001,13800000015\n"
    "village_director,蒋主任,520103001201,13800000016\n";

using Row = std::vector<std::string_view>;

const std::vector<Row> kStudents = {
    {"G1", "enrolled", "520102001201", "S52010200101", "1-1", "黄父"},
    {"G2", "enrolled", "520102001202", "S52010200101", "1-2", "林母"},
    {"G3", "enrolled", "520102002201", "S52010200201", "3-1", "何父"},
    {"G4", "none", "520102002201", "", "", "谢母"},
    {"G5", "enrolled", "520103001201", "S52010200101", "1-1", "蒋母"},
};

Batch students(const RulePack& pack, const std::vector<Row>& rows = kStudents) {
  BatchBuilder b(pack);
  EXPECT_TRUE(b.set_columns({"student_id", "registry", "division_code", "school_id", "class_id", "guardian"})
                  .empty());
  int64_t row = 1;
  for (const Row& cells : rows) {
    auto reject = b.add_row(cells, ++row);
    EXPECT_FALSE(reject) << reject->reason;
  }
  return b.finish();
}

Roster roster(const RulePack& pack, const std::string& text = kRoster) {
  std::istringstream in(text);
  return read_roster(pack, in, "officials.csv");
}

// The roster text without the lines containing `needle`.
std::string without(const std::string& needle) {
  std::istringstream in(kRoster);
  std::string out, line;
  while (std::getline(in, line))
    if (line.find(needle) == std::string::npos) out += line + "\n";
  return out;
}

std::vector<std::string> persons(const std::vector<Responsible>& chain) {
  std::vector<std::string> out;
  for (const auto& r : chain) out.push_back(r.person);
  return out;
}
std::vector<std::string> roles(const std::vector<Responsible>& chain) {
  std::vector<std::string> out;
  for (const auto& r : chain) out.push_back(r.role);
  return out;
}

const GraphIssue* find_issue(const std::vector<GraphIssue>& issues, std::string_view code,
                             std::string_view jurisdiction) {
  for (const auto& i : issues)
    if (i.code == code && i.jurisdiction == jurisdiction) return &i;
  return nullptr;
}

std::string dump(const std::vector<GraphIssue>& issues) {
  std::string s;
  for (const auto& i : issues) s += i.code + ": " + i.message + "\n";
  return s;
}

class ResponsibilityTest : public ::testing::Test {
 protected:
  RulePack pack_ = default_rules();
  Batch batch_ = students(pack_);
  Roster roster_ = roster(pack_);
};

TEST_F(ResponsibilityTest, BuildsPostsAndSupervisionEdges) {
  EXPECT_EQ(roster_.read, 16);
  EXPECT_EQ(roster_.posts.size(), 16u);
  EXPECT_TRUE(roster_.rejects.empty());
  EXPECT_EQ(roster_.posts[1].row, 3);
  ResponsibilityGraph g(pack_, roster_, batch_);
  EXPECT_EQ(g.post_count(), 16u);
  // Education: 3 teachers, 2 principals, 2 bureau directors; administrative:
  // 4 village directors, 3 township heads.
  EXPECT_EQ(g.edge_count(), 3u + 2u + 2u + 4u + 3u);
  EXPECT_TRUE(g.validate(batch_).empty()) << dump(g.validate(batch_));
}

TEST_F(ResponsibilityTest, ResponsiblePersonOfEveryRole) {
  ResponsibilityGraph g(pack_, roster_, batch_);
  const std::map<std::string, std::pair<std::string, std::string>> want = {
      {"county_head", {"张县长", "520102"}},
      {"bureau_director", {"王局长", "520102"}},
      {"township_head", {"李乡长", "520102001"}},
      {"village_director", {"陈主任", "520102001201"}},
      {"principal", {"周校长", "S52010200101"}},
      {"teacher", {"郑老师", "S52010200101/1-1"}},
  };
  for (const auto& [role, who] : want) {
    const Responsible r = g.responsible(batch_, 0, role);
    EXPECT_EQ(r.role, role);
    EXPECT_EQ(r.person, who.first) << role;
    EXPECT_EQ(r.jurisdiction, who.second) << role;
  }
  const Responsible t = g.responsible(batch_, 0, "teacher");
  EXPECT_EQ(t.role_alias, "师长");
  EXPECT_EQ(t.line, "education");
  EXPECT_EQ(t.phone, "13800000010");
  // The Chinese alias names the role too.
  EXPECT_EQ(g.responsible(batch_, 0, "校长").person, "周校长");
  EXPECT_THROW(g.responsible(batch_, 0, "mayor"), std::invalid_argument);
  EXPECT_THROW(g.responsible(batch_, 99, "teacher"), std::out_of_range);
}

TEST_F(ResponsibilityTest, ParentIsTheRecordsGuardian) {
  ResponsibilityGraph g(pack_, roster_, batch_);
  const Responsible p = g.responsible(batch_, 0, "parent");
  EXPECT_EQ(p.person, "黄父");
  EXPECT_EQ(p.role_alias, "家长");
  EXPECT_EQ(p.line, "family");
  EXPECT_EQ(g.responsible(batch_, 3, "parent").person, "谢母");
  const auto chain = g.escalation(batch_, 0, "parent");
  ASSERT_EQ(chain.size(), 1u);
  EXPECT_EQ(chain[0].person, "黄父");
}

TEST_F(ResponsibilityTest, EscalationAlongTheEducationLine) {
  ResponsibilityGraph g(pack_, roster_, batch_);
  const auto chain = g.escalation(batch_, 0, "teacher");
  EXPECT_EQ(roles(chain),
            (std::vector<std::string>{"teacher", "principal", "bureau_director", "county_head"}));
  EXPECT_EQ(persons(chain), (std::vector<std::string>{"郑老师", "周校长", "王局长", "张县长"}));
  EXPECT_EQ(chain[1].jurisdiction, "S52010200101");
  EXPECT_EQ(chain[2].jurisdiction, "520102");
  EXPECT_EQ(chain[3].line, "education");  // escalated along the education line
  EXPECT_EQ(persons(g.escalation(batch_, 2, "teacher")),
            (std::vector<std::string>{"钱老师", "吴校长", "王局长", "张县长"}));
  EXPECT_EQ(persons(g.escalation(batch_, 2, "principal")),
            (std::vector<std::string>{"吴校长", "王局长", "张县长"}));
}

TEST_F(ResponsibilityTest, EscalationAlongTheAdministrativeLine) {
  ResponsibilityGraph g(pack_, roster_, batch_);
  const auto chain = g.escalation(batch_, 2, "village_director");
  EXPECT_EQ(roles(chain), (std::vector<std::string>{"village_director", "township_head", "county_head"}));
  EXPECT_EQ(persons(chain), (std::vector<std::string>{"马主任", "赵乡长", "张县长"}));
  EXPECT_EQ(persons(g.escalation(batch_, 4, "village_director")),
            (std::vector<std::string>{"蒋主任", "卫乡长", "褚县长"}));
}

TEST_F(ResponsibilityTest, EscalationFollowsSupervisionNotTheHome) {
  // G5 lives in 云岩区 and attends a 南明区 school: a lapse of the teacher
  // goes to the bureau above the school.
  ResponsibilityGraph g(pack_, roster_, batch_);
  EXPECT_EQ(g.responsible(batch_, 4, "bureau_director").person, "冯局长");
  EXPECT_EQ(persons(g.escalation(batch_, 4, "teacher")),
            (std::vector<std::string>{"郑老师", "周校长", "王局长", "张县长"}));
}

TEST_F(ResponsibilityTest, OutOfSchoolChildHasNoTeacherButABureau) {
  ResponsibilityGraph g(pack_, roster_, batch_);
  const Responsible t = g.responsible(batch_, 3, "teacher");
  EXPECT_EQ(t.person, "");
  EXPECT_EQ(t.jurisdiction, "");
  const auto chain = g.escalation(batch_, 3, "teacher");
  EXPECT_EQ(persons(chain), (std::vector<std::string>{"", "", "王局长", "张县长"}));
}

TEST_F(ResponsibilityTest, MissingVillageDirectorIsReported) {
  const Roster r = roster(pack_, without("马主任"));
  ResponsibilityGraph g(pack_, r, batch_);
  const auto issues = g.validate(batch_);
  ASSERT_EQ(issues.size(), 1u) << dump(issues);
  EXPECT_EQ(issues[0].code, "uncovered-jurisdiction");
  EXPECT_EQ(issues[0].role, "village_director");
  EXPECT_EQ(issues[0].jurisdiction, "520102002201");
  EXPECT_NE(issues[0].message.find("村委会主任"), std::string::npos) << issues[0].message;
  EXPECT_NE(issues[0].message.find("2 students"), std::string::npos) << issues[0].message;
  // The chain still reaches the township head above the vacant post.
  const auto chain = g.escalation(batch_, 2, "village_director");
  EXPECT_EQ(persons(chain), (std::vector<std::string>{"", "赵乡长", "张县长"}));
  EXPECT_EQ(chain[0].jurisdiction, "520102002201");
}

TEST_F(ResponsibilityTest, PostsWithNonexistentJurisdictionsAreReported) {
  const std::string text = std::string(kRoster) +
                           "township_head,某乡长,520102009,13800000020\n"  // row 18: no student
                           "county_head,某县长,999901,13800000021\n"       // row 19: no such county
                           "teacher,某老师,S52010200301/1-1,13800000022\n";  // row 20: no school
  const Roster r = roster(pack_, text);
  ASSERT_TRUE(r.rejects.empty());
  ResponsibilityGraph g(pack_, r, batch_);
  const auto issues = g.validate(batch_);
  const GraphIssue* township = find_issue(issues, "unknown-jurisdiction", "520102009");
  ASSERT_NE(township, nullptr) << dump(issues);
  EXPECT_EQ(township->row, 18);
  EXPECT_EQ(township->role, "township_head");
  EXPECT_NE(township->message.find("no student record has it"), std::string::npos);
  const GraphIssue* county = find_issue(issues, "unknown-jurisdiction", "999901");
  ASSERT_NE(county, nullptr) << dump(issues);
  EXPECT_EQ(county->row, 19);
  EXPECT_NE(county->message.find("GB/T 2260"), std::string::npos) << county->message;
  const GraphIssue* lonely = find_issue(issues, "no-supervisor", "S52010200301/1-1");
  ASSERT_NE(lonely, nullptr) << dump(issues);
  EXPECT_NE(lonely->message.find("S52010200301"), std::string::npos) << lonely->message;
  EXPECT_NE(find_issue(issues, "unknown-jurisdiction", "S52010200301/1-1"), nullptr);
  EXPECT_EQ(issues.size(), 4u) << dump(issues);
  // The extra township head is still under the county head.
  EXPECT_EQ(g.edge_count(), 14u + 1u);
  for (const auto& i : issues) EXPECT_EQ(i.message.find("138000000"), std::string::npos) << i.message;
}

TEST(Responsibility, PrefecturePostsAreCheckedAgainstTheirOwnCodes) {
  // Another province's roster has posts above the county: 5301 is a real
  // GB/T 2260 prefecture (530100), 5399 is not.
  const RulePack pack = parse_rules(R"(meta: {name: pref, version: 1.0.0, extends: guizhou}
roles:
  prefecture_head:
    alias: 州长
    line: administrative
    level: prefecture
    duties:
      - {text: 统筹全州控辍保学, clause: R2}
)", "pref.yaml");
  const Roster r = roster(pack, "role,person,jurisdiction,phone\n"
                                "prefecture_head,甲州长,5301,13800000031\n"
                                "prefecture_head,乙州长,5399,13800000032\n");
  ASSERT_TRUE(r.rejects.empty());
  const Batch none;
  ResponsibilityGraph g(pack, r, none);
  const auto issues = g.validate(none);
  const GraphIssue* real = find_issue(issues, "unknown-jurisdiction", "5301");
  EXPECT_TRUE(real == nullptr || real->message.find("GB/T 2260") == std::string::npos) << dump(issues);
  const GraphIssue* fake = find_issue(issues, "unknown-jurisdiction", "5399");
  ASSERT_NE(fake, nullptr) << dump(issues);
  EXPECT_NE(fake->message.find("'5399' is no GB/T 2260 prefecture code"), std::string::npos) << fake->message;
}

TEST_F(ResponsibilityTest, SchoolWithoutPrincipalLeavesTeachersWithoutSupervisor) {
  ResponsibilityGraph g(pack_, roster(pack_, without("吴校长")), batch_);
  const auto issues = g.validate(batch_);
  EXPECT_NE(find_issue(issues, "uncovered-jurisdiction", "S52010200201"), nullptr) << dump(issues);
  const GraphIssue* lonely = find_issue(issues, "no-supervisor", "S52010200201/3-1");
  ASSERT_NE(lonely, nullptr) << dump(issues);
  EXPECT_EQ(lonely->role, "teacher");
  EXPECT_EQ(lonely->row, 12);
  EXPECT_EQ(issues.size(), 2u) << dump(issues);
}

TEST_F(ResponsibilityTest, SchoolCountyIsTheMajorityOfItsStudentsSmallestOnATie) {
  // S52010200301 has one pupil from each county: the smaller code wins,
  // whatever the order of the records.
  std::vector<Row> rows = kStudents;
  rows.push_back({"G6", "enrolled", "520103001201", "S52010200301", "1-1", "甲"});
  rows.push_back({"G7", "enrolled", "520102001201", "S52010200301", "1-1", "乙"});
  const Roster r = roster(pack_, std::string(kRoster) + "principal,孔校长,S52010200301,13800000040\n");
  for (int reversed = 0; reversed < 2; ++reversed) {
    if (reversed) std::reverse(rows.begin(), rows.end());
    const Batch batch = students(pack_, rows);
    ResponsibilityGraph g(pack_, r, batch);
    const size_t g6 = reversed ? 1 : 5;
    ASSERT_EQ(batch.cell(g6, "student_id"), "G6");
    EXPECT_EQ(persons(g.escalation(batch, g6, "principal")),
              (std::vector<std::string>{"孔校长", "王局长", "张县长"}));
  }
  // A third pupil from 云岩区 tips the majority.
  rows.push_back({"G8", "enrolled", "520103001201", "S52010200301", "1-1", "丙"});
  const Batch batch = students(pack_, rows);
  ResponsibilityGraph g(pack_, r, batch);
  EXPECT_EQ(persons(g.escalation(batch, rows.size() - 1, "principal")),
            (std::vector<std::string>{"孔校长", "冯局长", "褚县长"}));
}

TEST_F(ResponsibilityTest, WithoutStudentsSchoolsCannotBePlacedInCounties) {
  ResponsibilityGraph g(pack_, roster_, Batch());
  EXPECT_EQ(g.edge_count(), 14u - 2u);  // no principal -> bureau director edges
  const auto issues = g.validate(Batch());
  ASSERT_EQ(issues.size(), 1u) << dump(issues);
  EXPECT_EQ(issues[0].code, "no-supervisor");
  EXPECT_EQ(issues[0].role, "principal");
  EXPECT_NE(issues[0].message.find("2 校长 (principal) posts"), std::string::npos) << issues[0].message;
  // Queries fall back on the record's own county.
  EXPECT_EQ(persons(g.escalation(batch_, 0, "teacher")),
            (std::vector<std::string>{"郑老师", "周校长", "王局长", "张县长"}));
  EXPECT_EQ(persons(g.escalation(batch_, 4, "teacher")),
            (std::vector<std::string>{"郑老师", "周校长", "冯局长", "褚县长"}));
}

TEST_F(ResponsibilityTest, RosterRejectsCarryReasons) {
  const std::string text =
      "角色,姓名,辖区,电话\n"
      "县长,张三,520102,13912345678\n"                 // 2 ok, by alias
      "principle,李四,S52010200101,13912345679\n"     // 3 unknown role
      "乡镇长,,520102001,13912345670\n"               // 4 empty person
      "乡镇长,王五,52010200,13912345671\n"            // 5 8 digits
      "county_head,赵六,520102,13912345672\n"         // 6 duplicate of row 2
      "parent,钱七,x,13912345673\n"                   // 7 read from records
      "teacher,孙八,S52010200101,13912345674\n"       // 8 not school/class
      "村委会主任,周九,520102001201\n"                // 9 3 cells
      " TEACHER ,吴十, S52010200101/1-1 ,13912345675\n"  // 10 ok
      ",郑十一,520102,13912345676\n"                  // 11 empty role
      "13912345677,吴某,520102,13912345677\n"         // 12 shifted columns
      "乡镇长,某,13912345678,\n";                     // 13 phone as jurisdiction
  const Roster r = roster(pack_, text);
  EXPECT_EQ(r.read, 12);
  EXPECT_EQ(r.read, static_cast<int64_t>(r.posts.size() + r.rejects.size()));
  ASSERT_EQ(r.posts.size(), 2u);
  EXPECT_EQ(r.posts[0].role, "county_head");
  EXPECT_EQ(r.posts[0].row, 2);
  EXPECT_EQ(r.posts[1].role, "teacher");
  EXPECT_EQ(r.posts[1].jurisdiction, "S52010200101/1-1");
  EXPECT_EQ(r.posts[1].phone, "13912345675");
  std::map<int64_t, Reject> by_row;
  for (const auto& rj : r.rejects) by_row[rj.row] = rj;
  ASSERT_EQ(by_row.size(), 10u);
  EXPECT_EQ(by_row[3].column, "role");
  EXPECT_NE(by_row[3].reason.find("did you mean 'principal'"), std::string::npos) << by_row[3].reason;
  EXPECT_EQ(by_row[4].column, "person");
  EXPECT_EQ(by_row[5].column, "jurisdiction");
  EXPECT_NE(by_row[5].reason.find("9-digit"), std::string::npos) << by_row[5].reason;
  EXPECT_NE(by_row[6].reason.find("duplicate post"), std::string::npos) << by_row[6].reason;
  EXPECT_NE(by_row[6].reason.find("row 2"), std::string::npos) << by_row[6].reason;
  EXPECT_NE(by_row[7].reason.find("student record"), std::string::npos) << by_row[7].reason;
  EXPECT_NE(by_row[8].reason.find("school_id/class_id"), std::string::npos) << by_row[8].reason;
  EXPECT_NE(by_row[9].reason.find("3 cells"), std::string::npos) << by_row[9].reason;
  EXPECT_EQ(by_row[11].column, "role");
  EXPECT_NE(by_row[12].reason.find("unknown role a phone-like value"), std::string::npos) << by_row[12].reason;
  EXPECT_NE(by_row[13].reason.find("9-digit"), std::string::npos) << by_row[13].reason;
  for (const auto& rj : r.rejects) {
    EXPECT_EQ(rj.reason.find("139"), std::string::npos) << "phone number in: " << rj.reason;
    EXPECT_TRUE(rj.student_id.empty());
  }
}

TEST_F(ResponsibilityTest, RosterWithoutARequiredColumnCannotBeUsed) {
  try {
    roster(pack_, "role,person,phone\ncounty_head,张三,1\n");
    FAIL() << "expected kcbx::Error";
  } catch (const Error& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].code, "missing-column");
    EXPECT_EQ(e.diagnostics()[0].where.line, 1);
  }
  EXPECT_THROW(roster(pack_, ""), Error);
  EXPECT_THROW(read_roster(pack_, "/nonexistent/officials.csv"), Error);
}

TEST_F(ResponsibilityTest, HandBuiltRosterAcceptsAliasesAndRejectsUnknownRoles) {
  Roster r;
  r.posts.push_back({"县长", "张三", "520102", "", 2});
  r.posts.push_back({"county_head", "李四", "520102", "", 3});  // repeat: first wins
  ResponsibilityGraph g(pack_, r, batch_);
  EXPECT_EQ(g.post_count(), 1u);
  EXPECT_EQ(g.responsible(batch_, 0, "county_head").person, "张三");
  const auto issues = g.validate(batch_);  // find_issue points into it
  const GraphIssue* dup = find_issue(issues, "duplicate-post", "520102");
  ASSERT_NE(dup, nullptr);
  EXPECT_EQ(dup->row, 3);
  r.posts.push_back({"mayor", "王五", "520102", "", 4});
  EXPECT_THROW(ResponsibilityGraph(pack_, r, batch_), std::invalid_argument);
}

TEST_F(ResponsibilityTest, QueriesAreSafeFromManyThreads) {
  const ResponsibilityGraph g(pack_, roster_, batch_);
  std::vector<std::string> want;
  for (size_t i = 0; i < batch_.size(); ++i)
    for (const auto& r : g.escalation(batch_, i, "teacher")) want.push_back(r.person);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        size_t k = 0;
        for (size_t i = 0; i < batch_.size(); ++i)
          for (const auto& r : g.escalation(batch_, i, "teacher")) mismatches[static_cast<size_t>(t)] += r.person != want[k++];
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

// A province puts a grade head (年级组长) between teacher and principal: the
// pack changes, the C++ does not.
TEST(ResponsibilityPackTest, ExtraRoleChangesTheEscalationChain) {
  std::ifstream in(std::string(KCBX_SOURCE_DIR) + "/rules/guizhou.yaml", std::ios::binary);
  ASSERT_TRUE(in);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string chain = "chain: [teacher, principal, bureau_director, county_head]";
  const size_t at_chain = text.find(chain);
  ASSERT_NE(at_chain, std::string::npos);
  text.replace(at_chain, chain.size(), "chain: [teacher, grade_head, principal, bureau_director, county_head]");
  const size_t at_parent = text.find("\n  parent:\n");
  ASSERT_NE(at_parent, std::string::npos);
  text.insert(at_parent + 1,
              "  grade_head:\n"
              "    alias: 年级组长\n"
              "    line: education\n"
              "    level: school\n"
              "    duties:\n"
              "      - {text: 督促本年级师长落实控辍保学工作, clause: R2}\n");
  const RulePack pack = parse_rules(text, "grade_head.yaml");
  const Batch batch = students(pack);
  const Roster r = roster(pack, std::string(kRoster) + "grade_head,冯组长,S52010200101,13800000030\n");
  ASSERT_TRUE(r.rejects.empty());
  ResponsibilityGraph g(pack, r, batch);
  const auto up = g.escalation(batch, 0, "teacher");
  EXPECT_EQ(roles(up), (std::vector<std::string>{"teacher", "grade_head", "principal", "bureau_director",
                                                 "county_head"}));
  EXPECT_EQ(persons(up), (std::vector<std::string>{"郑老师", "冯组长", "周校长", "王局长", "张县长"}));
  EXPECT_EQ(up[1].role_alias, "年级组长");
  EXPECT_EQ(persons(g.escalation(batch, 0, "grade_head")),
            (std::vector<std::string>{"冯组长", "周校长", "王局长", "张县长"}));
  // The other school has no grade head: uncovered, and its teacher has no
  // supervisor on the education line.
  const auto issues = g.validate(batch);
  const GraphIssue* gap = find_issue(issues, "uncovered-jurisdiction", "S52010200201");
  ASSERT_NE(gap, nullptr) << dump(issues);
  EXPECT_EQ(gap->role, "grade_head");
  EXPECT_NE(find_issue(issues, "no-supervisor", "S52010200201/3-1"), nullptr) << dump(issues);
  // Edges: teacher->grade head (2 of 3), grade head->principal, and the rest.
  EXPECT_EQ(g.edge_count(), 2u + 1u + 2u + 2u + 4u + 3u);
}

// ---- DOT and GraphML structure ----------------------------------------------

// A strict reader of the DOT subset Boost writes: `digraph ID { stmt* }`
// where a statement is `ID = value;`, `ID [attrs];` or `ID -> ID [attrs];`.
// Quoted strings follow the DOT lexer: only \" is an escape at this level.
struct DotGraph {
  bool ok = false;
  std::string error;
  std::map<std::string, std::map<std::string, std::string>> nodes;
  std::vector<std::pair<std::pair<std::string, std::string>, std::map<std::string, std::string>>> edges;
  std::map<std::string, std::string> graph_attrs;
};

DotGraph parse_dot(const std::string& s) {
  DotGraph g;
  std::vector<std::string> tokens;
  std::vector<bool> quoted;
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      ++i;
    } else if (c == '"') {
      std::string v;
      ++i;
      bool closed = false;
      while (i < s.size()) {
        if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '"') {
          v += '"';
          i += 2;
        } else if (s[i] == '"') {
          closed = true;
          ++i;
          break;
        } else {
          v += s[i++];
        }
      }
      if (!closed) {
        g.error = "unclosed quoted string";
        return g;
      }
      tokens.push_back(v);
      quoted.push_back(true);
    } else if (s.compare(i, 2, "->") == 0) {
      tokens.emplace_back("->");
      quoted.push_back(false);
      i += 2;
    } else if (std::string_view("{}[]=,;").find(c) != std::string_view::npos) {
      tokens.emplace_back(1, c);
      quoted.push_back(false);
      ++i;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-') {
      size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_' || s[j] == '.')) ++j;
      tokens.push_back(s.substr(i, j - i));
      quoted.push_back(false);
      i = j;
    } else {
      g.error = "unexpected character '" + std::string(1, c) + "' outside quotes";
      return g;
    }
  }
  size_t k = 0;
  auto is = [&](std::string_view t) { return k < tokens.size() && !quoted[k] && tokens[k] == t; };
  auto id = [&](std::string& out) {
    if (k >= tokens.size() || (!quoted[k] && std::string_view("{}[]=,;->").find(tokens[k]) != std::string_view::npos))
      return false;
    out = tokens[k++];
    return true;
  };
  auto attrs = [&](std::map<std::string, std::string>& out) {
    if (!is("[")) return true;
    ++k;
    while (!is("]")) {
      std::string name, value;
      if (!id(name) || !is("=")) return false;
      ++k;
      if (!id(value)) return false;
      out[name] = value;
      if (is(",")) ++k;
      else if (!is("]")) return false;
    }
    ++k;
    return true;
  };
  std::string name;
  if (!is("digraph")) return g.error = "no digraph", g;
  ++k;
  if (!id(name) || !is("{")) return g.error = "no graph name or {", g;
  ++k;
  while (!is("}")) {
    std::string a, b;
    if (!id(a)) return g.error = "statement without an id at token " + std::to_string(k), g;
    if (is("=")) {
      ++k;
      if (!id(b)) return g.error = "graph attribute without a value", g;
      g.graph_attrs[a] = b;
    } else if (is("->")) {
      ++k;
      if (!id(b)) return g.error = "edge without a target", g;
      std::map<std::string, std::string> at;
      if (!attrs(at)) return g.error = "bad edge attributes", g;
      g.edges.push_back({{a, b}, at});
    } else {
      std::map<std::string, std::string> at;
      if (!attrs(at)) return g.error = "bad node attributes", g;
      g.nodes[a] = at;
    }
    if (!is(";")) return g.error = "statement without ';' at token " + std::to_string(k), g;
    ++k;
  }
  ++k;
  if (k != tokens.size()) return g.error = "text after the graph", g;
  g.ok = true;
  return g;
}

TEST_F(ResponsibilityTest, DotOutputIsValidWithChineseLabels) {
  ResponsibilityGraph g(pack_, roster_, batch_);
  std::ostringstream out;
  g.write_dot(out);
  const DotGraph dot = parse_dot(out.str());
  ASSERT_TRUE(dot.ok) << dot.error << "\n" << out.str();
  EXPECT_EQ(dot.nodes.size(), g.post_count());
  EXPECT_EQ(dot.edges.size(), g.edge_count());
  EXPECT_EQ(dot.graph_attrs.at("rankdir"), "BT");
  std::map<std::string, std::string> label_of;
  for (const auto& [id, at] : dot.nodes) label_of[id] = at.at("label");
  bool found = false;
  for (const auto& [id, label] : label_of) found |= label == "县长 张县长 (520102)";
  EXPECT_TRUE(found) << out.str();
  // Every edge points at a declared node and is labelled with its line.
  std::map<std::string, int> lines;
  for (const auto& [ends, at] : dot.edges) {
    EXPECT_TRUE(dot.nodes.count(ends.first) && dot.nodes.count(ends.second));
    ++lines[at.at("label")];
    if (label_of[ends.first] == "师长 郑老师 (S52010200101/1-1)")
      EXPECT_EQ(label_of[ends.second], "校长 周校长 (S52010200101)");
  }
  EXPECT_EQ(lines["教育线"], 7);
  EXPECT_EQ(lines["行政线"], 7);
  EXPECT_EQ(out.str().find("13800000"), std::string::npos) << "phone numbers in the graph";
}

TEST_F(ResponsibilityTest, DotQuotesAwkwardNames) {
  Roster r;
  r.posts.push_back({"county_head", "O\"Brien\\", "520102", "", 2});
  r.posts.push_back({"bureau_director", "a\nb; c -> d [x]", "520102", "", 3});
  ResponsibilityGraph g(pack_, r, batch_);
  std::ostringstream out;
  g.write_dot(out);
  const DotGraph dot = parse_dot(out.str());
  ASSERT_TRUE(dot.ok) << dot.error << "\n" << out.str();
  ASSERT_EQ(dot.nodes.size(), 2u);
  ASSERT_EQ(dot.edges.size(), 1u);
  std::vector<std::string> labels;
  for (const auto& [id, at] : dot.nodes) labels.push_back(at.at("label"));
  std::sort(labels.begin(), labels.end());
  // The backslash is doubled (DOT's escString reads "\\" as one backslash).
  EXPECT_EQ(labels[0], "县长 O\"Brien\\\\ (520102)");
  EXPECT_EQ(labels[1], "局长 a b; c -> d [x] (520102)");
}

// A small XML well-formedness check: balanced, properly nested tags, quoted
// attributes, no raw '<' or stray '&' in text. Counts elements by name.
bool well_formed_xml(const std::string& s, std::map<std::string, int>& count, std::string& error) {
  std::vector<std::string> open;
  size_t i = 0;
  auto text_ok = [&](std::string_view t) {
    for (size_t k = 0; k < t.size(); ++k) {
      if (t[k] == '&') {
        const size_t semi = t.find(';', k);
        if (semi == std::string_view::npos || semi - k > 6) return false;
        const std::string_view ent = t.substr(k, semi - k + 1);
        if (ent != "&amp;" && ent != "&lt;" && ent != "&gt;" && ent != "&quot;" && ent != "&apos;" &&
            ent.substr(0, 2) != "&#")
          return false;
      }
      const auto u = static_cast<unsigned char>(t[k]);
      if (u < 0x20 && u != '\n' && u != '\r' && u != '\t') return false;
    }
    return true;
  };
  while (i < s.size()) {
    const size_t lt = s.find('<', i);
    if (!text_ok(std::string_view(s).substr(i, (lt == std::string::npos ? s.size() : lt) - i)))
      return error = "bad text before offset " + std::to_string(lt), false;
    if (lt == std::string::npos) break;
    const size_t gt = s.find('>', lt);
    if (gt == std::string::npos) return error = "unclosed tag", false;
    std::string tag = s.substr(lt + 1, gt - lt - 1);
    i = gt + 1;
    if (tag.front() == '?' || tag.front() == '!') continue;
    if (tag.front() == '/') {
      const std::string name = tag.substr(1);
      if (open.empty() || open.back() != name) return error = "mismatched </" + name + ">", false;
      open.pop_back();
      continue;
    }
    const bool self = tag.back() == '/';
    if (self) tag.pop_back();
    const size_t sp = tag.find_first_of(" \n\t");
    const std::string name = tag.substr(0, sp);
    // Attributes: name="value" pairs.
    for (size_t k = sp; k != std::string::npos && k < tag.size();) {
      k = tag.find_first_not_of(" \n\t", k);
      if (k == std::string::npos) break;
      const size_t eq = tag.find('=', k);
      if (eq == std::string::npos || eq + 1 >= tag.size() || tag[eq + 1] != '"')
        return error = "unquoted attribute in <" + name + ">", false;
      const size_t end = tag.find('"', eq + 2);
      if (end == std::string::npos) return error = "unclosed attribute in <" + name + ">", false;
      if (!text_ok(std::string_view(tag).substr(eq + 2, end - eq - 2)))
        return error = "bad attribute text in <" + name + ">", false;
      k = end + 1;
    }
    ++count[name];
    if (!self) open.push_back(name);
  }
  if (!open.empty()) return error = "unclosed <" + open.back() + ">", false;
  return true;
}

TEST_F(ResponsibilityTest, GraphmlIsWellFormed) {
  Roster r = roster_;
  r.posts.push_back({"teacher", "<A&B> \"x\"", "S52010200201/9-9", "", 99});
  ResponsibilityGraph g(pack_, r, batch_);
  std::ostringstream out;
  g.write_graphml(out);
  const std::string xml = out.str();
  std::map<std::string, int> count;
  std::string error;
  ASSERT_TRUE(well_formed_xml(xml, count, error)) << error << "\n" << xml;
  EXPECT_EQ(count["graphml"], 1);
  EXPECT_EQ(count["graph"], 1);
  EXPECT_EQ(count["node"], static_cast<int>(g.post_count()));
  EXPECT_EQ(count["edge"], static_cast<int>(g.edge_count()));
  EXPECT_NE(xml.find("edgedefault=\"directed\""), std::string::npos);
  EXPECT_NE(xml.find("attr.name=\"label\""), std::string::npos);
  EXPECT_NE(xml.find(">县长 张县长 (520102)</data>"), std::string::npos) << xml;
  EXPECT_NE(xml.find(">教育线</data>"), std::string::npos);
  EXPECT_NE(xml.find("&lt;A&amp;B&gt;"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("13800000"), std::string::npos) << "phone numbers in the graph";
}

// ---- A generated county -------------------------------------------------------

TEST(ResponsibilityGeneratedTest, GeneratedCountyValidatesCleanly) {
  detail::GenerateOptions options;
  options.students = 20000;
  options.seed = 7;
  options.as_of = *Date::parse("2019-11-15");
  std::ostringstream students_out, officials_out;
  const auto stats = detail::generate(options, {&students_out, nullptr, &officials_out});
  const RulePack pack = default_rules();

  std::istringstream students_in(students_out.str());
  ReadOptions ro;
  ro.file = "students.csv";
  ro.batch_rows = SIZE_MAX;
  StudentReader reader(pack, students_in, ro);
  Batch batch;
  ASSERT_TRUE(reader.next(batch));
  EXPECT_EQ(reader.counts().rejected, 0);
  EXPECT_EQ(static_cast<int64_t>(batch.size()), stats.students);

  std::istringstream officials_in(officials_out.str());
  const Roster r = read_roster(pack, officials_in, "officials.csv");
  EXPECT_TRUE(r.rejects.empty()) << r.rejects.front().reason;
  EXPECT_EQ(r.read, stats.officials);
  ResponsibilityGraph g(pack, r, batch);
  EXPECT_EQ(static_cast<int64_t>(g.post_count()), stats.officials);
  // Every post but the county heads (the top of both lines) has a supervisor.
  EXPECT_EQ(static_cast<int64_t>(g.edge_count()), stats.officials - stats.counties);
  const auto issues = g.validate(batch);
  EXPECT_TRUE(issues.empty()) << issues.size() << " issues, first: " << issues.front().message;

  // Every child in school has all six heads.
  int64_t checked = 0;
  for (size_t i = 0; i < batch.size(); i += 97) {
    if (batch.cell(i, "school_id").empty()) continue;
    for (const char* role : {"teacher", "principal", "bureau_director", "village_director", "township_head",
                             "county_head", "parent"})
      EXPECT_FALSE(g.responsible(batch, i, role).person.empty()) << role << " of record " << i;
    for (const auto& up : g.escalation(batch, i, "teacher")) EXPECT_FALSE(up.person.empty());
    ++checked;
  }
  EXPECT_GT(checked, 100);
}

}  // namespace
}  // namespace kcbx
