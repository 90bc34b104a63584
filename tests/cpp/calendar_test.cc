// The report calendar (SPEC M1, M2.2, M2.4) over whole years: month ends,
// February of a leap and a common year, data dates of the 18th and the 3rd.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include "kcbx/report.h"
#include "kcbx/rule_pack.h"

namespace kcbx {
namespace {

Date D(const char* s) { return *Date::parse(s); }

// The Guizhou pack with its calendar section replaced (it is the last one).
RulePack with_calendar(const std::string& calendar) {
  std::string text = default_rules().source();
  const size_t at = text.find("\ncalendar:");
  EXPECT_NE(at, std::string::npos);
  return parse_rules(text.substr(0, at + 1) + calendar, "calendar.yaml");
}

TEST(Calendar, GuizhouWholeCommonYear) {
  const auto due = calendar_due(default_rules(), D("2019-01-01"), D("2019-12-31"));
  // Four monthly entries: 15 and last (two of them), 18, 3: six reports a
  // month; and the two yearly ones of the whole-class transfer (S1.1, S1.2).
  ASSERT_EQ(due.size(), 74u);
  std::map<std::string, int> per_id;
  for (const auto& c : due) ++per_id[c.id];
  EXPECT_EQ(per_id["township_half_month"], 24);
  EXPECT_EQ(per_id["province_dispatch"], 24);
  EXPECT_EQ(per_id["prefecture_mid_month"], 12);
  EXPECT_EQ(per_id["prefecture_month_end"], 12);
  EXPECT_EQ(per_id["grade6_census"], 1);
  EXPECT_EQ(per_id["class_handover"], 1);
  for (size_t i = 1; i < due.size(); ++i) EXPECT_LE(due[i - 1].date, due[i].date);

  for (const auto& c : due) {
    const YearMonthDay d = c.date.ymd();
    if (c.id == "prefecture_mid_month") {
      EXPECT_EQ(d.day, 18);
      EXPECT_EQ(c.data_as_of, Date::from_ymd(d.year, d.month, 15)) << c.date.format();
    } else if (c.id == "prefecture_month_end") {
      EXPECT_EQ(d.day, 3);
      // The previous month's end.
      EXPECT_EQ(c.data_as_of.days(), Date::from_ymd(d.year, d.month, 1).days() - 1) << c.date.format();
    } else {
      EXPECT_TRUE(d.day == 15 || d.day == days_in_month(d.year, d.month)) << c.date.format();
      EXPECT_EQ(c.data_as_of, c.date);
    }
  }
}

TEST(Calendar, MonthEndsAndFebruary) {
  auto dates_of = [](const std::vector<CalendarEntry>& due, const std::string& id) {
    std::vector<std::string> out;
    for (const auto& c : due)
      if (c.id == id) out.push_back(c.date.format() + "@" + c.data_as_of.format());
    return out;
  };
  // A common February ends on the 28th, a leap one on the 29th.
  auto common = calendar_due(default_rules(), D("2019-02-01"), D("2019-03-05"));
  EXPECT_EQ(dates_of(common, "township_half_month"),
            (std::vector<std::string>{"2019-02-15@2019-02-15", "2019-02-28@2019-02-28"}));
  EXPECT_EQ(dates_of(common, "prefecture_month_end"),
            (std::vector<std::string>{"2019-02-03@2019-01-31", "2019-03-03@2019-02-28"}));
  EXPECT_EQ(dates_of(common, "prefecture_mid_month"), (std::vector<std::string>{"2019-02-18@2019-02-15"}));
  auto leap = calendar_due(default_rules(), D("2020-02-01"), D("2020-03-05"));
  EXPECT_EQ(dates_of(leap, "township_half_month"),
            (std::vector<std::string>{"2020-02-15@2020-02-15", "2020-02-29@2020-02-29"}));
  EXPECT_EQ(dates_of(leap, "prefecture_month_end"),
            (std::vector<std::string>{"2020-02-03@2020-01-31", "2020-03-03@2020-02-29"}));
  // 30- and 31-day months; the 3rd of January reports the year before.
  auto ends = calendar_due(default_rules(), D("2019-04-01"), D("2019-05-31"));
  EXPECT_EQ(dates_of(ends, "province_dispatch"),
            (std::vector<std::string>{"2019-04-15@2019-04-15", "2019-04-30@2019-04-30", "2019-05-15@2019-05-15",
                                      "2019-05-31@2019-05-31"}));
  auto january = calendar_due(default_rules(), D("2020-01-01"), D("2020-01-03"));
  EXPECT_EQ(dates_of(january, "prefecture_month_end"), (std::vector<std::string>{"2020-01-03@2019-12-31"}));
}

TEST(Calendar, LeapYearCountAndYearBoundary) {
  EXPECT_EQ(calendar_due(default_rules(), D("2020-01-01"), D("2020-12-31")).size(), 74u);
  // Across a year end: Dec 15, 18, 31 (x2 for the 15th and last), Jan 3.
  auto due = calendar_due(default_rules(), D("2019-12-14"), D("2020-01-03"));
  std::vector<std::string> got;
  for (const auto& c : due) got.push_back(c.date.format() + " " + c.id);
  EXPECT_EQ(got, (std::vector<std::string>{"2019-12-15 township_half_month", "2019-12-15 province_dispatch",
                                           "2019-12-18 prefecture_mid_month", "2019-12-31 township_half_month",
                                           "2019-12-31 province_dispatch", "2020-01-03 prefecture_month_end"}));
  // Bounds are inclusive; a range with nothing due is empty.
  EXPECT_EQ(calendar_due(default_rules(), D("2019-11-18"), D("2019-11-18")).size(), 1u);
  EXPECT_TRUE(calendar_due(default_rules(), D("2019-11-19"), D("2019-11-29")).empty());
  EXPECT_THROW(calendar_due(default_rules(), D("2019-11-19"), D("2019-11-01")), std::invalid_argument);
}

TEST(Calendar, ReporterIsTheRoleAliasWhenItNamesARole) {
  auto due = calendar_due(default_rules(), D("2019-11-15"), D("2019-11-18"));
  ASSERT_EQ(due.size(), 3u);
  EXPECT_EQ(due[0].id, "township_half_month");
  EXPECT_EQ(due[0].reporter, "township_head");
  EXPECT_EQ(due[0].reporter_alias, "乡镇长");
  EXPECT_EQ(due[0].clause, "M2.2");
  EXPECT_EQ(due[0].alias, "乡镇半月报");
  EXPECT_EQ(due[2].id, "prefecture_mid_month");
  EXPECT_EQ(due[2].reporter_alias, "市(州)人民政府");  // free text stays as written
  EXPECT_EQ(due[2].recipient, "省人民政府教育督导室、省教育厅");
}

TEST(Calendar, DaysPastTheMonthEndClampAndDayNLooksBack) {
  RulePack pack = with_calendar(
      "calendar:\n"
      "  - {id: thirty_first, reporter: teacher, recipient: x, days: [31, last], data_as_of: same_day, clause: M1}\n"
      "  - {id: fifth, reporter: principal, recipient: x, days: [5], data_as_of: day 20, clause: M1}\n"
      "  - {id: thirtieth, reporter: x, recipient: x, days: [30], data_as_of: day 31, clause: M1}\n");
  auto due = calendar_due(pack, D("2019-02-01"), D("2019-04-30"));
  std::vector<std::string> got;
  for (const auto& c : due) got.push_back(c.date.format() + " " + c.id + " " + c.data_as_of.format());
  EXPECT_EQ(got, (std::vector<std::string>{
                     "2019-02-05 fifth 2019-01-20",
                     "2019-02-28 thirty_first 2019-02-28",  // 31 and last: once
                     "2019-02-28 thirtieth 2019-02-28",     // day 31 of February is its last day, the due day
                     "2019-03-05 fifth 2019-02-20",
                     "2019-03-30 thirtieth 2019-02-28",     // Feb has no 31st: clamped
                     "2019-03-31 thirty_first 2019-03-31",
                     "2019-04-05 fifth 2019-03-20",
                     "2019-04-30 thirty_first 2019-04-30",
                     "2019-04-30 thirtieth 2019-04-30",     // as in every month: day 31 of April is 30 April
                 }));
  EXPECT_EQ(due[0].reporter_alias, "校长");
}

// 'day N' is read as a day of the month: anything but a whole number 1..31
// after "day" would be read as some other day without a word, so it is an
// error at the value.
TEST(Calendar, DataAsOfDayNTakesAWholeNumberFrom1To31) {
  std::string text = default_rules().source();
  const size_t at = text.find("\ncalendar:");
  ASSERT_NE(at, std::string::npos);
  text = text.substr(0, at + 1) + "calendar:\n  - {id: r, reporter: x, recipient: x, days: [18], data_as_of: ";
  // "  - {id: r, ..." ends on the last line; the value starts after it.
  const int line = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
  const int column = static_cast<int>(text.size() - text.rfind('\n'));
  for (const char* bad : {"day fifteen", "day 0", "day 15x", "day -3", "day 32", "day 1.5", "day +3", "day 015"}) {
    const auto ds = check_rules(text + bad + "}\n", "calendar.yaml");
    ASSERT_EQ(ds.size(), 1u) << bad;
    EXPECT_EQ(ds[0].code, "wrong-type") << ds[0].format();
    EXPECT_EQ(ds[0].where.line, line) << ds[0].format();
    EXPECT_EQ(ds[0].where.column, column) << ds[0].format();
    EXPECT_EQ(ds[0].message,
              "data_as_of 'day N' takes a whole number N from 1 to 31 (a day past the month's end is its last day), "
              "not '" + std::string(bad + 4) + "'");
  }
  for (const char* words : {"Day 15", "day15", "same day", "previous_month"}) {
    const auto ds = check_rules(text + words + "}\n", "calendar.yaml");
    ASSERT_EQ(ds.size(), 1u) << words;
    EXPECT_EQ(ds[0].code, "unknown-value") << ds[0].format();
    EXPECT_EQ(ds[0].where.column, column) << ds[0].format();
  }
  for (const char* good : {"day 1", "day 09", "day 31", "same_day", "previous_month_end"})
    EXPECT_TRUE(check_rules(text + good + "}\n", "calendar.yaml").empty()) << good;
  RulePack pack = parse_rules(text + "day 31}\n", "calendar.yaml");
  const auto due = calendar_due(pack, D("2019-03-18"), D("2019-03-18"));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].data_as_of.format(), "2019-02-28");
}

// A yearly report (S1.1 "before June", S1.2 "in July") is due in its
// months only; an extending pack moves it by `months`, and a month that is
// none is the pack's error.
TEST(Calendar, YearlyReportsAreDueInTheirMonthsOnly) {
  auto ids_on = [](const RulePack& p, const char* from, const char* to) {
    std::vector<std::string> got;
    for (const auto& c : calendar_due(p, D(from), D(to)))
      if (c.id == "grade6_census" || c.id == "class_handover") got.push_back(c.date.format() + " " + c.id);
    return got;
  };
  EXPECT_EQ(ids_on(default_rules(), "2019-01-01", "2020-12-31"),
            (std::vector<std::string>{"2019-05-31 grade6_census", "2019-07-31 class_handover",
                                      "2020-05-31 grade6_census", "2020-07-31 class_handover"}));
  const RulePack moved = parse_rules(std::vector<std::pair<std::string, std::string>>{
      {"other.yaml", "meta: {name: other, extends: guizhou}\n"
                     "calendar:\n  - {id: grade6_census, override: true, months: [4, 6], days: [20]}\n"}});
  EXPECT_EQ(ids_on(moved, "2019-01-01", "2019-12-31"),
            (std::vector<std::string>{"2019-04-20 grade6_census", "2019-06-20 grade6_census",
                                      "2019-07-31 class_handover"}));
  const auto ds = check_rules("meta: {name: x}\ncalendar:\n  - {id: r, days: [1], months: [0, 13, May]}\n", "x.yaml");
  std::vector<std::string> messages;
  for (const auto& d : ds) messages.push_back(d.message);
  EXPECT_EQ(messages, (std::vector<std::string>{"a report month is 1..12, not '0'", "a report month is 1..12, not '13'",
                                                "a report month is 1..12, not 'May'"}));
}

}  // namespace
}  // namespace kcbx
