// ASCII case-insensitive comparison: field names in CSV headers and test
// files, and yes/no words in cells, match in any ASCII case ("Student_ID",
// "TRUE"); other bytes (Chinese aliases) must match exactly.
#ifndef KCBX_UTIL_ASCII_H_
#define KCBX_UTIL_ASCII_H_

#include <string_view>

namespace kcbx::detail {

inline bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace kcbx::detail

#endif  // KCBX_UTIL_ASCII_H_
