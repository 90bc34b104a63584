// day("2019-09-01"): a date literal for tests. A malformed one fails the
// test that wrote it (not undefined behaviour, not an exception).
#ifndef KCBX_TESTS_DATES_SUPPORT_H_
#define KCBX_TESTS_DATES_SUPPORT_H_

#include <gtest/gtest.h>

#include "kcbx/date.h"

namespace kcbx::testing {

inline Date day(const char* text) {
  auto d = Date::parse(text);
  EXPECT_TRUE(d.has_value()) << "not a date: " << text;
  return d.value_or(Date());
}

}  // namespace kcbx::testing

#endif  // KCBX_TESTS_DATES_SUPPORT_H_
