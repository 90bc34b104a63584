#include "expr/school_days.h"

namespace kcbx::detail {

SchoolDays::SchoolDays(const std::vector<int32_t>& holidays, const std::vector<int32_t>& make_up_days) {
  std::vector<std::pair<int32_t, int>> changes;
  for (int32_t d : holidays)
    if (is_weekday(d)) changes.emplace_back(d, -1);
  for (int32_t d : make_up_days)
    if (!is_weekday(d)) changes.emplace_back(d, +1);
  std::sort(changes.begin(), changes.end());
  changes.erase(std::unique(changes.begin(), changes.end()), changes.end());
  int64_t sum = 0;
  for (const auto& [d, delta] : changes) {
    sum += delta;
    days_.push_back(d);
    cum_.push_back(sum);
    min_cum_ = std::min(min_cum_, sum);
    max_cum_ = std::max(max_cum_, sum);
  }
}

int32_t SchoolDays::day_number(int64_t t) const {
  if (days_.empty()) return weekday_number(t);
  // through(d) lies within [weekdays_through(d) + min_cum_, weekdays_through(d) + max_cum_],
  // so the first day reaching t lies between the weekdays numbered
  // t - max_cum_ and t - min_cum_; through() is non-decreasing in d.
  int32_t lo = weekday_number(t - max_cum_ - 1), hi = weekday_number(t - min_cum_);
  if (through(hi) < t) return hi;  // past the last supported date
  if (through(lo) >= t) return lo;  // before the first
  while (hi - lo > 1) {  // through(lo) < t <= through(hi)
    const int32_t mid = lo + (hi - lo) / 2;
    (through(mid) >= t ? hi : lo) = mid;
  }
  return hi;
}

}  // namespace kcbx::detail
