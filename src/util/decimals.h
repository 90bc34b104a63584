// How many decimals a rate is shown with beside its target: enough for the
// two to read differently when they differ. A consolidation rate of 0.99995
// against a target of 1 is missed; with 4 decimals it would read 1.0000
// (100.00% in the workbook) beside "missed", a target that looks met.
#ifndef KCBX_UTIL_DECIMALS_H_
#define KCBX_UTIL_DECIMALS_H_

#include <cmath>

namespace kcbx::detail {

// The decimals, from `least` up to `most`, at which `a` and `b`, each
// rounded, differ; `least` when they are equal, `most` when they are still
// alike there.
inline int decimals_to_tell_apart(double a, double b, int least, int most) {
  if (a == b || !std::isfinite(a) || !std::isfinite(b)) return least;
  for (int d = least; d < most; ++d) {
    const double scale = std::pow(10.0, d);
    if (std::nearbyint(a * scale) != std::nearbyint(b * scale)) return d;
  }
  return most;
}

}  // namespace kcbx::detail

#endif  // KCBX_UTIL_DECIMALS_H_
