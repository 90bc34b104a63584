// UTF-8 positions for diagnostics. A diagnostic's column is the 1-based
// character (code point) column an editor shows, never a byte offset; a
// caret printed under a source line is padded by terminal display width (a
// CJK character takes two cells). Header-only; private to the library and
// the command.
#ifndef KCBX_UTIL_UTF8_H_
#define KCBX_UTIL_UTF8_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace kcbx::detail {

// The number of code points in `s`: its lead bytes (a stray continuation
// byte counts for nothing, a stray lead byte for one).
inline int utf8_length(std::string_view s) {
  int n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

// The code point at s[i], advancing i past it; an invalid byte is returned
// as itself and skipped alone.
inline char32_t utf8_next(std::string_view s, size_t& i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  size_t extra = 0;
  char32_t cp = c;
  if (c >= 0xC0 && c < 0xE0) extra = 1, cp = c & 0x1F;
  else if (c >= 0xE0 && c < 0xF0) extra = 2, cp = c & 0x0F;
  else if (c >= 0xF0 && c < 0xF8) extra = 3, cp = c & 0x07;
  if (extra == 0 || i + extra >= s.size()) {  // ASCII, or cut short
    ++i;
    return c;
  }
  for (size_t k = 1; k <= extra; ++k) {
    const unsigned char x = static_cast<unsigned char>(s[i + k]);
    if ((x & 0xC0) != 0x80) {
      ++i;
      return c;
    }
    cp = (cp << 6) | (x & 0x3F);
  }
  i += extra + 1;
  return cp;
}

// Terminal cells a code point takes: 0 for combining marks and zero-width
// characters, 2 for East Asian wide and fullwidth characters (CJK, kana,
// Hangul, fullwidth punctuation such as '，'), 1 otherwise.
inline int display_width(char32_t c) {
  if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x200B && c <= 0x200F) || c == 0xFEFF ||
      (c >= 0xFE00 && c <= 0xFE0F))
    return 0;
  if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) || (c >= 0x3041 && c <= 0x33FF) ||
      (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
      (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
      (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
      (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x2FFFD) || (c >= 0x30000 && c <= 0x3FFFD))
    return 2;
  return 1;
}

// The padding that puts a caret under the character at the 1-based
// code-point `column` of `line`: tabs are copied (the terminal expands them
// as it did the line above), every other character becomes as many spaces
// as it is wide.
inline std::string caret_padding(std::string_view line, int column) {
  std::string pad;
  size_t i = 0;
  for (int col = 1; col < column && i < line.size(); ++col) {
    const char32_t c = utf8_next(line, i);
    if (c == U'\t') pad += '\t';
    else pad.append(static_cast<size_t>(display_width(c)), ' ');
  }
  return pad;
}

}  // namespace kcbx::detail

#endif  // KCBX_UTIL_UTF8_H_
