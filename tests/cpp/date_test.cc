#include "kcbx/date.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace kcbx {
namespace {

Date d(const char* text) {
  const std::optional<Date> date = Date::parse(text);
  EXPECT_TRUE(date.has_value()) << text;
  return date.value_or(Date());
}

TEST(DateParse, AcceptsRealDates) {
  EXPECT_EQ(d("1970-01-01").days(), 0);
  EXPECT_EQ(d("1970-01-02").days(), 1);
  EXPECT_EQ(d("1969-12-31").days(), -1);
  EXPECT_EQ(d("2000-03-01").days(), 11017);
  EXPECT_EQ(d("2020-02-29").format(), "2020-02-29");
  EXPECT_EQ(d("2000-02-29").format(), "2000-02-29");
  EXPECT_EQ(d("0001-01-01").days(), Date::kMinDays);
  EXPECT_EQ(d("9999-12-31").days(), Date::kMaxDays);
}

TEST(DateParse, RejectsImpossibleDates) {
  for (const char* text :
       {"0000-00-00", "0000-01-01", "2019-02-29", "1900-02-29", "2100-02-29",
        "2019-13-01", "2019-00-10", "2019-01-00", "2019-01-32", "2019-04-31",
        "2019-06-31", "2019-09-31", "2019-11-31"}) {
    EXPECT_FALSE(Date::parse(text).has_value()) << text;
  }
}

TEST(DateParse, RejectsAnythingButStrictIso) {
  for (const char* text :
       {"", "2019-1-01", "2019-01-1", "19-01-01", "2019/01/01", "2019.01.01",
        "20190101", " 2019-01-01", "2019-01-01 ", "2019-01-01T00:00",
        "+019-01-01", "-019-01-01", "2019-+1-01", "2019- 1-01", "201a-01-01",
        "2019-01-0x", "２０１９-01-01", "10000-01-01"}) {
    EXPECT_FALSE(Date::parse(text).has_value()) << text;
  }
}

TEST(DateParse, ParseFormatRoundTrip) {
  for (const char* text : {"0001-01-01", "1582-10-15", "1900-03-01",
                           "1999-12-31", "2013-09-01", "9999-12-31"}) {
    EXPECT_EQ(d(text).format(), text);
  }
}

TEST(Date, CalendarRules) {
  EXPECT_FALSE(is_leap_year(1900));
  EXPECT_TRUE(is_leap_year(2000));
  EXPECT_TRUE(is_leap_year(2020));
  EXPECT_FALSE(is_leap_year(2019));
  EXPECT_FALSE(is_leap_year(2100));
  EXPECT_EQ(days_in_month(2019, 2), 28);
  EXPECT_EQ(days_in_month(2020, 2), 29);
  EXPECT_EQ(days_in_month(2019, 4), 30);
  EXPECT_EQ(days_in_month(2019, 12), 31);
  EXPECT_TRUE(is_valid_ymd(9999, 12, 31));
  EXPECT_FALSE(is_valid_ymd(10000, 1, 1));
  EXPECT_FALSE(is_valid_ymd(0, 1, 1));
  EXPECT_FALSE(is_valid_ymd(2019, 2, 29));
}

TEST(Date, Ordering) {
  EXPECT_LT(d("2019-12-31"), d("2020-01-01"));
  EXPECT_EQ(d("2020-01-01"), Date::from_ymd(2020, 1, 1));
  EXPECT_EQ(Date(), d("1970-01-01"));
}

// Every day of the supported range: civil -> days -> civil is the identity
// and consecutive day numbers are consecutive calendar days.
TEST(Date, CivilRoundTripOverWholeRange) {
  YearMonthDay prev = civil_from_days(Date::kMinDays);
  ASSERT_EQ(prev.year, 1);
  ASSERT_EQ(prev.month, 1);
  ASSERT_EQ(prev.day, 1);
  for (int32_t days = Date::kMinDays + 1; days <= Date::kMaxDays; ++days) {
    const YearMonthDay c = civil_from_days(days);
    ASSERT_TRUE(is_valid_ymd(c.year, c.month, c.day)) << days;
    ASSERT_EQ(days_from_civil(c.year, c.month, c.day), days);
    const bool next_day =
        c.year == prev.year && c.month == prev.month && c.day == prev.day + 1;
    const bool next_month =
        c.day == 1 && prev.day == days_in_month(prev.year, prev.month) &&
        ((c.year == prev.year && c.month == prev.month + 1) ||
         (c.year == prev.year + 1 && c.month == 1 && prev.month == 12));
    ASSERT_TRUE(next_day || next_month) << days;
    prev = c;
  }
  EXPECT_EQ(prev.year, 9999);
  EXPECT_EQ(prev.month, 12);
  EXPECT_EQ(prev.day, 31);
}

TEST(AddMonths, ClampsToEndOfMonth) {
  EXPECT_EQ(add_months(d("2019-01-31"), 1), d("2019-02-28"));
  EXPECT_EQ(add_months(d("2020-01-31"), 1), d("2020-02-29"));
  EXPECT_EQ(add_months(d("2100-01-31"), 1), d("2100-02-28"));
  EXPECT_EQ(add_months(d("2000-01-31"), 1), d("2000-02-29"));
  EXPECT_EQ(add_months(d("2019-01-31"), 3), d("2019-04-30"));
  EXPECT_EQ(add_months(d("2019-12-31"), 2), d("2020-02-29"));
  EXPECT_EQ(add_months(d("2020-02-29"), 12), d("2021-02-28"));
  EXPECT_EQ(add_months(d("2020-02-29"), 48), d("2024-02-29"));
  EXPECT_EQ(add_months(d("2019-01-15"), 1), d("2019-02-15"));
  EXPECT_EQ(add_months(d("2019-11-30"), 3), d("2020-02-29"));
}

TEST(AddMonths, NegativeMonthsSubtract) {
  EXPECT_EQ(add_months(d("2019-03-31"), -1), d("2019-02-28"));
  EXPECT_EQ(add_months(d("2020-03-31"), -1), d("2020-02-29"));
  EXPECT_EQ(add_months(d("2020-01-31"), -1), d("2019-12-31"));
  EXPECT_EQ(add_months(d("2020-01-15"), -13), d("2018-12-15"));
  EXPECT_EQ(add_months(d("2020-01-15"), -12), d("2019-01-15"));
  EXPECT_EQ(add_months(d("2020-01-15"), -24), d("2018-01-15"));
  EXPECT_EQ(add_months(d("2020-05-31"), -3), d("2020-02-29"));
  EXPECT_EQ(add_months(d("0001-03-31"), -2), d("0001-01-31"));
}

TEST(AddMonths, ZeroAndInverse) {
  EXPECT_EQ(add_months(d("2019-07-31"), 0), d("2019-07-31"));
  // Not an inverse when clamping happened, but exact otherwise.
  EXPECT_EQ(add_months(add_months(d("2019-07-15"), 30), -30), d("2019-07-15"));
  EXPECT_EQ(add_months(add_months(d("2019-01-31"), 1), -1), d("2019-01-28"));
}

TEST(AgeOn, AroundBirthday) {
  const Date birth = d("2013-09-01");
  EXPECT_EQ(age_on(birth, d("2019-08-31")), 5);
  EXPECT_EQ(age_on(birth, d("2019-09-01")), 6);
  EXPECT_EQ(age_on(birth, d("2019-09-02")), 6);
  EXPECT_EQ(age_on(birth, birth), 0);
  EXPECT_EQ(age_on(birth, d("2013-08-31")), -1);
  EXPECT_EQ(age_on(birth, d("2014-08-31")), 0);
  EXPECT_EQ(age_on(birth, d("2014-09-01")), 1);
  EXPECT_EQ(age_on(d("2005-12-31"), d("2021-12-30")), 15);
  EXPECT_EQ(age_on(d("2005-12-31"), d("2021-12-31")), 16);
  EXPECT_EQ(age_on(d("2006-01-01"), d("2021-12-31")), 15);
}

TEST(AgeOn, TwentyNinthOfFebruary) {
  const Date birth = d("2012-02-29");
  // Common year: the birthday is reached on 1 March.
  EXPECT_EQ(age_on(birth, d("2019-02-28")), 6);
  EXPECT_EQ(age_on(birth, d("2019-03-01")), 7);
  // Leap year: on the day itself.
  EXPECT_EQ(age_on(birth, d("2020-02-28")), 7);
  EXPECT_EQ(age_on(birth, d("2020-02-29")), 8);
  EXPECT_EQ(age_on(birth, d("2020-03-01")), 8);
  EXPECT_EQ(age_on(birth, d("2013-02-28")), 0);
  EXPECT_EQ(age_on(birth, d("2013-03-01")), 1);
}

}  // namespace
}  // namespace kcbx
