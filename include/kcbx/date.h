// Calendar dates as day numbers, and the date arithmetic the policy needs.
//
// A Date is the number of days since 1970-01-01 in the proleptic Gregorian
// calendar, so that a column of dates is a column of int32 and comparisons
// and day arithmetic are integer operations.
//
//   kcbx::Date d = kcbx::Date::parse("2019-01-31").value();
//   kcbx::add_months(d, 1).format();          // "2019-02-28" (clamped)
//   kcbx::age_on(*kcbx::Date::parse("2013-09-01"), d);  // 5
#ifndef KCBX_DATE_H_
#define KCBX_DATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kcbx {

struct YearMonthDay {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
};

class Date {
 public:
  // Supported range: 0001-01-01 .. 9999-12-31.
  static constexpr int32_t kMinDays = -719162;
  static constexpr int32_t kMaxDays = 2932896;

  constexpr Date() = default;
  static constexpr Date from_days(int32_t days) { return Date(days); }
  // Precondition: a valid calendar date within the supported range.
  static Date from_ymd(int year, int month, int day);
  // Strict ISO 8601 "YYYY-MM-DD"; nullopt when malformed or not a real date
  // (0000-00-00, 2019-02-29 and 2019-13-01 are all rejected).
  static std::optional<Date> parse(std::string_view text);

  constexpr int32_t days() const { return days_; }
  YearMonthDay ymd() const;
  std::string format() const;  // "YYYY-MM-DD"

  friend constexpr bool operator==(Date a, Date b) = default;
  friend constexpr auto operator<=>(Date a, Date b) = default;

 private:
  constexpr explicit Date(int32_t days) : days_(days) {}
  int32_t days_ = 0;
};

// Day number <-> civil date (Howard Hinnant's algorithms; branch-light so
// that batch kernels vectorise them).
int32_t days_from_civil(int year, int month, int day);
YearMonthDay civil_from_days(int32_t days);
bool is_leap_year(int year);
int days_in_month(int year, int month);
// True when year/month/day names a real calendar date in 1..9999.
bool is_valid_ymd(int year, int month, int day);

// Adds calendar months, clamping to the end of the month:
// 01-31 + 1 month = 02-28 (02-29 in a leap year). Negative months subtract.
Date add_months(Date date, int months);

// Age in full years (周岁) on `on` of someone born on `birth`: the number of
// birthdays passed. A 29 February birthday is reached on 1 March in common
// years. Negative when `on` is before `birth`.
int age_on(Date birth, Date on);

}  // namespace kcbx

#endif  // KCBX_DATE_H_
