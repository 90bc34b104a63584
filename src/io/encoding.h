// Text encodings of input files: UTF-8 validation and conversion to UTF-8
// from the encodings Chinese spreadsheets save (GB18030, GBK) or anything
// else glibc iconv knows.
//
//   std::optional<std::string> s = to_utf8("\xd1\xa7", "gb18030");  // "学"
//   is_valid_utf8("\xc0\x80");                                      // false
#ifndef KCBX_IO_ENCODING_H_
#define KCBX_IO_ENCODING_H_

#include <optional>
#include <string>
#include <string_view>

namespace kcbx::detail {

// Converts `bytes` in `encoding` to UTF-8. "utf-8"/"utf8" (any case) only
// validates. Returns nullopt when the encoding is unknown or the input holds
// an invalid or incomplete sequence. Never throws (except std::bad_alloc).
// Thread-safe: iconv descriptors are cached per thread.
std::optional<std::string> to_utf8(std::string_view bytes,
                                   std::string_view encoding);

// True when `bytes` is well-formed UTF-8 (Unicode 15, table 3-7): no
// overlong forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
bool is_valid_utf8(std::string_view bytes);

// True for "utf-8"/"utf8" in any case.
bool is_utf8_encoding_name(std::string_view encoding);

// True when to_utf8 accepts `encoding` (utf-8 or a name iconv can open).
// Empty names and names with iconv suffixes such as "//IGNORE" are refused.
bool is_known_encoding(std::string_view encoding);

// True when text in `encoding` can be split on the raw bytes of ASCII
// ',', '"', CR, LF and NUL before conversion: ASCII maps to itself and every
// multi-byte character starts with a byte >= 0x80, so no trail byte of a
// supported encoding can be taken for one of them. True for UTF-8, GB18030,
// GBK, Big5, Shift_JIS, EUC-*, ISO-8859-*; false for UTF-16/32, UTF-7,
// ISO-2022-*, HZ and EBCDIC, and for unknown names.
bool is_ascii_compatible_encoding(std::string_view encoding);

// Converts many short strings from one encoding, appending to a caller's
// buffer so that a tokenizer pays no allocation per field. Not thread-safe:
// one per reader.
class Utf8Converter {
 public:
  // Throws std::invalid_argument when !is_known_encoding(encoding).
  explicit Utf8Converter(std::string_view encoding);
  ~Utf8Converter();
  Utf8Converter(const Utf8Converter&) = delete;
  Utf8Converter& operator=(const Utf8Converter&) = delete;

  // Appends the UTF-8 form of `bytes` to `out`. Each invalid byte, and an
  // incomplete sequence at the end, becomes U+FFFD, so `out` stays valid
  // UTF-8 either way; returns false when that happened.
  bool append(std::string_view bytes, std::string& out);

 private:
  void* cd_ = nullptr;  // iconv_t; null for UTF-8 input
};

}  // namespace kcbx::detail

#endif  // KCBX_IO_ENCODING_H_
