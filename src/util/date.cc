#include "kcbx/date.h"

#include <cstdio>

namespace kcbx {

// Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms".
int32_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy =
      (153 * static_cast<unsigned>(m + (m > 2 ? -3 : 9)) + 2) / 5 +
      static_cast<unsigned>(d) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

YearMonthDay civil_from_days(int32_t z) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = static_cast<int>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), static_cast<int>(m), static_cast<int>(d)};
}

bool is_leap_year(int y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap_year(y) ? 29 : kDays[m - 1];
}

bool is_valid_ymd(int y, int m, int d) {
  return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
         d <= days_in_month(y, m);
}

Date Date::from_ymd(int year, int month, int day) {
  return Date(days_from_civil(year, month, day));
}

std::optional<Date> Date::parse(std::string_view t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
  int v[3] = {0, 0, 0};
  const int starts[3] = {0, 5, 8};
  const int lens[3] = {4, 2, 2};
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < lens[i]; ++j) {
      const char c = t[static_cast<size_t>(starts[i] + j)];
      if (c < '0' || c > '9') return std::nullopt;
      v[i] = v[i] * 10 + (c - '0');
    }
  }
  if (!is_valid_ymd(v[0], v[1], v[2])) return std::nullopt;
  return from_ymd(v[0], v[1], v[2]);
}

YearMonthDay Date::ymd() const { return civil_from_days(days_); }

std::string Date::format() const {
  const YearMonthDay c = ymd();
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", c.year, c.month, c.day);
  return buf;
}

Date add_months(Date date, int months) {
  const YearMonthDay c = date.ymd();
  const int64_t total = static_cast<int64_t>(c.year) * 12 + (c.month - 1) + months;
  const int64_t y64 = total >= 0 ? total / 12 : (total - 11) / 12;
  // Past either end of 0001-01-01..9999-12-31 the date stays at that end
  // (as the engine's date arithmetic does), never wraps back inside.
  if (y64 > 9999) return Date::from_days(Date::kMaxDays);
  if (y64 < 1) return Date::from_days(Date::kMinDays);
  const int y = static_cast<int>(y64);
  const int m = static_cast<int>(total - y64 * 12) + 1;
  const int dim = days_in_month(y, m);
  return Date::from_ymd(y, m, c.day < dim ? c.day : dim);
}

int age_on(Date birth, Date on) {
  const YearMonthDay b = birth.ymd();
  const YearMonthDay o = on.ymd();
  int age = o.year - b.year;
  if (o.month < b.month || (o.month == b.month && o.day < b.day)) --age;
  return age;
}

}  // namespace kcbx
