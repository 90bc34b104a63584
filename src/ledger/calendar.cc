// The report calendar (SPEC M1, M2.2, M2.4): the pack lists reports by day
// of the month; this expands them over a date range.
#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "kcbx/report.h"
#include "pack/checked_pack.h"

namespace kcbx {

namespace {

// The day a report's data describes, for a report due on `due`.
Date data_date(const std::string& rule, Date due) {
  const YearMonthDay d = due.ymd();
  if (rule == "previous_month_end") return Date::from_days(Date::from_ymd(d.year, d.month, 1).days() - 1);
  if (rule.rfind("day ", 0) == 0) {
    const int n = std::atoi(rule.c_str() + 4);
    // The latest day n on or before the due date, day n of a month being
    // its last day when the month is shorter: `day 31` due on 30 April is
    // 30 April (the month's end it names), not 31 March.
    const int this_month = std::min(n, days_in_month(d.year, d.month));
    if (this_month <= d.day) return Date::from_ymd(d.year, d.month, this_month);
    int y = d.year, m = d.month - 1;
    if (m == 0) {
      m = 12;
      --y;
    }
    return Date::from_ymd(y, m, std::min(n, days_in_month(y, m)));
  }
  return due;  // same_day (the default)
}

}  // namespace

std::vector<CalendarEntry> calendar_due(const RulePack& rules, Date from, Date to) {
  if (to < from) throw std::invalid_argument("calendar range ends (" + to.format() + ") before it starts (" +
                                             from.format() + ")");
  const detail::CheckedPack& cp = rules.checked();
  const detail::Pack& p = *cp.pack;
  struct Due {
    Date date;
    size_t entry;
  };
  std::vector<Due> due;
  const YearMonthDay ym = from.ymd();
  const YearMonthDay last = to.ymd();
  for (int y = ym.year, m = ym.month; y < last.year || (y == last.year && m <= last.month);) {
    const int len = days_in_month(y, m);
    for (size_t e = 0; e < p.calendar.size(); ++e) {
      const auto& months = p.calendar[e].months;
      if (!months.empty() &&
          std::none_of(months.begin(), months.end(), [&](const detail::Text& t) { return std::atoi(t.value.c_str()) == m; }))
        continue;  // a yearly report (S1.1 before June): not this month
      std::vector<int> days;
      for (const auto& d : p.calendar[e].days) {
        const int day = d.value == "last" ? len : std::min(len, std::atoi(d.value.c_str()));
        if (day >= 1) days.push_back(day);
      }
      std::sort(days.begin(), days.end());
      days.erase(std::unique(days.begin(), days.end()), days.end());
      for (int day : days) {
        const Date date = Date::from_ymd(y, m, day);
        if (date >= from && date <= to) due.push_back({date, e});
      }
    }
    if (++m == 13) {
      m = 1;
      ++y;
    }
  }
  std::stable_sort(due.begin(), due.end(), [](const Due& a, const Due& b) { return a.date < b.date; });
  std::vector<CalendarEntry> out;
  out.reserve(due.size());
  for (const Due& d : due) {
    const detail::CalendarDef& def = p.calendar[d.entry];
    CalendarEntry c;
    c.date = d.date;
    c.id = def.id.value;
    c.alias = def.alias.value;
    c.reporter = def.reporter.value;
    c.reporter_alias = def.reporter.value;
    const int role = cp.role_index(def.reporter.value);
    if (role >= 0 && !p.roles[static_cast<size_t>(role)].alias.empty())
      c.reporter_alias = p.roles[static_cast<size_t>(role)].alias.value;
    c.recipient = def.recipient.value;
    c.data_as_of = data_date(def.data_as_of.value, d.date);
    c.clause = def.clause.value;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace kcbx
