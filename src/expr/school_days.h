// Which days are school days, for school_days_between and add_school_days:
// Monday to Friday, less a pack's holidays that fall on them (National
// Day's week, the winter and summer vacations), plus its make-up days that
// fall on a weekend (调休: the Saturday worked for a longer holiday). SPEC
// leaves calendar or school days to the pack ("What is deliberately out of
// the document"); the days themselves are the pack's `school_calendar`.
//
// Both functions work on a running count: through(d) is the number of
// school days up to and including d, less a constant, so that the school
// days after a up to and including b are through(b) - through(a), and the
// n-th school day after d is the one whose count is through(d) + n. No
// library counts weekdays on day numbers with exceptions: the arithmetic
// is a closed form for the weeks and a binary search over the exceptions.
#ifndef KCBX_EXPR_SCHOOL_DAYS_H_
#define KCBX_EXPR_SCHOOL_DAYS_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kcbx/date.h"

namespace kcbx::detail {

inline int64_t floor_mod7(int64_t a) {
  const int64_t r = a % 7;
  return r < 0 ? r + 7 : r;
}

// Monday to Friday only. Day 4 (1970-01-05) is a Monday.
inline bool is_weekday(int32_t d) { return floor_mod7(static_cast<int64_t>(d) - 4) < 5; }

inline int64_t weekdays_through(int32_t d) {
  const int64_t k = static_cast<int64_t>(d) - 4;  // days since that Monday
  const int64_t r = floor_mod7(k);
  return 5 * ((k - r) / 7) + std::min<int64_t>(r + 1, 5);
}

// The weekday whose running count is `t`, clamped to the supported dates.
inline int32_t weekday_number(int64_t t) {
  int64_t r = (t - 1) % 5;
  if (r < 0) r += 5;
  const int64_t q = (t - 1 - r) / 5;
  return static_cast<int32_t>(std::clamp<int64_t>(4 + 7 * q + r, Date::kMinDays, Date::kMaxDays));
}

class SchoolDays {
 public:
  SchoolDays() = default;  // Monday to Friday
  // Days in any order, repeats allowed. A holiday on a weekend and a
  // make-up day on a weekday change nothing; a day in both lists is the
  // caller's error (the pack's validation reports it).
  SchoolDays(const std::vector<int32_t>& holidays, const std::vector<int32_t>& make_up_days);

  bool plain() const { return days_.empty(); }
  bool is_school_day(int32_t d) const {
    if (days_.empty()) return is_weekday(d);
    const auto it = std::lower_bound(days_.begin(), days_.end(), d);
    if (it != days_.end() && *it == d) return !is_weekday(d);  // an exception flips the day
    return is_weekday(d);
  }
  int64_t through(int32_t d) const {
    if (days_.empty()) return weekdays_through(d);
    const auto it = std::upper_bound(days_.begin(), days_.end(), d);
    return weekdays_through(d) + (it == days_.begin() ? 0 : cum_[static_cast<size_t>(it - days_.begin()) - 1]);
  }
  // The first day whose running count reaches `t`: the school day with
  // count t (clamped to the supported dates).
  int32_t day_number(int64_t t) const;
  // The k-th school day after d (before it when k < 0; d when k is 0):
  // add_school_days, and a deadline in school days.
  int32_t add(int32_t d, int64_t k) const {
    if (k == 0) return d;
    // From a day that is not a school day, counting back starts at the
    // school day before: the running count there equals the day's own.
    const int64_t base = through(d) + (k < 0 && !is_school_day(d) ? 1 : 0);
    return day_number(base + std::clamp<int64_t>(k, -8000000, 8000000));
  }

 private:
  std::vector<int32_t> days_;  // the days that change the count, sorted
  std::vector<int64_t> cum_;   // cum_[i]: the change through days_[i] (-1 a holiday, +1 a make-up day)
  int64_t min_cum_ = 0, max_cum_ = 0;
};

}  // namespace kcbx::detail

#endif  // KCBX_EXPR_SCHOOL_DAYS_H_
