// The statistical division code check (format: division_code): its form,
// the county list, and the memory of the last county, which must never let
// a bad code through after a good one.
#include <gtest/gtest.h>

#include <string>

#include "io/division_code.h"

namespace {

using kcbx::detail::DivisionCodeCheck;
using kcbx::detail::division_code_error;

bool ok(const char* code) { return division_code_error(code) == nullptr; }

TEST(DivisionCode, FormAndCounty) {
  EXPECT_TRUE(ok("520102001001"));
  EXPECT_TRUE(ok("520102999999"));  // township and village digits: any
  EXPECT_TRUE(ok("441900003001"));  // a prefecture without counties (东莞)
  EXPECT_FALSE(ok("520000001001"));  // a province's own code
  EXPECT_FALSE(ok("520199001001"));  // no such county
  EXPECT_FALSE(ok("52010200100"));
  EXPECT_FALSE(ok("5201020010011"));
  EXPECT_FALSE(ok(""));
  // A non-digit at every position, and the bytes around the digits.
  for (size_t i = 0; i < 12; ++i)
    for (const char c : {'/', ':', 'a', ' ', '\0', '\x80'}) {
      std::string code = "520102001001";
      code[i] = c;
      EXPECT_NE(division_code_error(code), nullptr) << i << " " << int(c);
    }
}

TEST(DivisionCode, TheLastCountyIsRememberedOnlyWhenKnown) {
  DivisionCodeCheck check;
  EXPECT_EQ(check.error("520102001001"), nullptr);
  EXPECT_EQ(check.error("520102001002"), nullptr);      // the same county
  EXPECT_NE(check.error("52010200100x"), nullptr);      // form, whatever the county
  EXPECT_NE(check.error("520199001001"), nullptr);      // another, unknown
  EXPECT_NE(check.error("520199001001"), nullptr);      // not remembered
  EXPECT_EQ(check.error("520103001001"), nullptr);
  EXPECT_EQ(check.error("520102001003"), nullptr);
}

}  // namespace
