#include "io/division_code.h"

#include <bit>
#include <cstring>

#include "io/id_number.h"

namespace kcbx::detail {

namespace {

constexpr const char* kNotTwelveDigits =
    "not a 12-digit statistical division code (6-digit GB/T 2260 county code, 3 digits of township, 3 of village)";

// Whether the n bytes of `w` (n <= 8, the rest zero) are all ASCII digits:
// each byte's high nibble is 3, and adding 6 keeps it 3 ('9' + 6 = 0x3F,
// ':' + 6 = 0x40). A byte below 0x40 plus 6 never carries into the next.
bool all_digits(uint64_t w, int n) {
  const uint64_t mask = n == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * n)) - 1;
  const uint64_t high = 0xF0F0F0F0F0F0F0F0u & mask, threes = 0x3030303030303030u & mask;
  return (w & high) == threes && ((w + (0x0606060606060606u & mask)) & high) == threes;
}

}  // namespace

const char* DivisionCodeCheck::error(std::string_view code) {
  // A short or long code would put the child at no village (or cut a
  // digit off silently), and its jurisdictions would not add up level by
  // level: such a record is a reject, not a ledger row under "".
  if (code.size() != 12) return kNotTwelveDigits;
  uint64_t head = 0;
  uint32_t tail = 0;  // the last 4 bytes: the low half of the word, whatever the byte order
  std::memcpy(&head, code.data(), 8);
  std::memcpy(&tail, code.data() + 8, 4);
  if (!all_digits(head, 8) || !all_digits(tail, 4)) return kNotTwelveDigits;
  // The county's six digits as they lie in the word: compared with the
  // last known county's before any arithmetic (a chain of six multiply-adds
  // was half of the check of a row whose county repeats).
  constexpr uint64_t kCountyBytes =
      std::endian::native == std::endian::little ? 0x0000FFFFFFFFFFFFu : 0xFFFFFFFFFFFF0000u;
  const uint64_t county_bytes = head & kCountyBytes;
  if (county_bytes == last_county_bytes_) return nullptr;
  int32_t county = 0;
  for (size_t i = 0; i < 6; ++i) county = county * 10 + (code[i] - '0');
  // A province's own code (xx0000) is no place a township hangs from; a
  // prefecture's is (cities without counties, such as 东莞 441900, number
  // their towns under it).
  if (county % 10000 == 0 || (!is_known_address_code(county) && !(also_known_ && also_known_(county))))
    return "a code whose county part (digits 1-6) is no county- or prefecture-level GB/T 2260 code (revisions "
           "1980-2019, or the pack's division_codes)";
  last_county_bytes_ = county_bytes;
  return nullptr;
}

}  // namespace kcbx::detail
