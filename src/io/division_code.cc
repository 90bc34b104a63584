#include "io/division_code.h"

#include <algorithm>

#include "io/id_number.h"

namespace kcbx::detail {

const char* division_code_error(std::string_view code) {
  // A short or long code would put the child at no village (or cut a
  // digit off silently), and its jurisdictions would not add up level by
  // level: such a record is a reject, not a ledger row under "".
  if (code.size() != 12 || !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return "not a 12-digit statistical division code (6-digit GB/T 2260 county code, 3 digits of township, 3 of "
           "village)";
  // A province's own code (xx0000) is no place a township hangs from; a
  // prefecture's is (cities without counties, such as 东莞 441900, number
  // their towns under it).
  if (code.substr(2, 4) == "0000" || !is_known_address_code(code.substr(0, 6)))
    return "county code (digits 1-6) is not a county- or prefecture-level GB/T 2260 code (revisions 1980-2019)";
  return nullptr;
}

}  // namespace kcbx::detail
