// Statistical division codes (统计用区划代码): the 12 digits that place a
// child's residence in the hierarchy — a 6-digit GB/T 2260 county code,
// then 3 digits of township and 3 of village — and that the ledgers, the
// levels and the responsibility graph read by prefix. Checked when a field
// has `format: division_code`.
#ifndef KCBX_IO_DIVISION_CODE_H_
#define KCBX_IO_DIVISION_CODE_H_

#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>

namespace kcbx::detail {

// Why a cell is no statistical division code, or null when it is one: 12
// ASCII digits whose first six are a county- or prefecture-level code of
// some GB/T 2260 revision (1980-2019, the list an ID number's address code
// is checked against; a county created later is not in it). The township
// and village digits are not listed in any standard kcbx holds, so they
// are only required to be digits. Never throws.
//
// One checker per column: it remembers the last county code it found
// known, because rows of one county come together in every export and the
// list lookup (a bitmap of 10^6 codes, a cache miss) was most of the check.
class DivisionCodeCheck {
 public:
  DivisionCodeCheck() = default;
  // `also_known(code)`: whether a county code the list lacks is known all
  // the same (a pack's division_codes); asked on a reject's path only.
  explicit DivisionCodeCheck(std::function<bool(int32_t)> also_known) : also_known_(std::move(also_known)) {}
  const char* error(std::string_view code);

 private:
  uint64_t last_county_bytes_ = 0;  // its six digits as read from the text (never 0: digits are 0x30-0x39)
  std::function<bool(int32_t)> also_known_;
};

// A one-off check (no memory of earlier rows).
inline const char* division_code_error(std::string_view code) { return DivisionCodeCheck().error(code); }

}  // namespace kcbx::detail

#endif  // KCBX_IO_DIVISION_CODE_H_
