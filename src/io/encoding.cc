#include "io/encoding.h"

#include <errno.h>
#include <iconv.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kcbx::detail {

namespace {

const iconv_t kNoIconv = reinterpret_cast<iconv_t>(-1);
constexpr size_t kIconvError = static_cast<size_t>(-1);
constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_utf8_name(std::string_view lower) {
  return lower == "utf-8" || lower == "utf8";
}

// iconv_open("") means the locale's charset and "X//IGNORE" changes error
// handling, so only plain names reach iconv.
bool is_plain_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                    c == '.' || c == ':' || c == '+';
    if (!ok) return false;
  }
  return true;
}

// Length of the well-formed UTF-8 sequence at p (Unicode table 3-7), or 0.
size_t utf8_sequence_length(const unsigned char* p, const unsigned char* end) {
  const unsigned c = p[0];
  if (c < 0x80) return 1;
  const auto cont = [](unsigned b) { return (b & 0xC0) == 0x80; };
  const ptrdiff_t avail = end - p;
  if (c < 0xC2) return 0;  // stray continuation byte or overlong 2-byte form
  if (c < 0xE0) return avail >= 2 && cont(p[1]) ? 2 : 0;
  if (c < 0xF0) {
    if (avail < 3) return 0;
    const unsigned lo = c == 0xE0 ? 0xA0 : 0x80;  // overlong
    const unsigned hi = c == 0xED ? 0x9F : 0xBF;  // surrogates
    return p[1] >= lo && p[1] <= hi && cont(p[2]) ? 3 : 0;
  }
  if (c < 0xF5) {
    if (avail < 4) return 0;
    const unsigned lo = c == 0xF0 ? 0x90 : 0x80;  // overlong
    const unsigned hi = c == 0xF4 ? 0x8F : 0xBF;  // above U+10FFFF
    return p[1] >= lo && p[1] <= hi && cont(p[2]) && cont(p[3]) ? 4 : 0;
  }
  return 0;
}

// Appends `bytes` to `out` with each byte that does not start a well-formed
// sequence replaced by U+FFFD.
void append_repaired_utf8(std::string_view bytes, std::string& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* end = p + bytes.size();
  while (p < end) {
    const size_t n = utf8_sequence_length(p, end);
    if (n == 0) {
      out.append(kReplacement);
      ++p;
    } else {
      out.append(reinterpret_cast<const char*>(p), n);
      p += n;
    }
  }
}

// Runs `bytes` through `cd` and appends the result to `out`. Strict mode
// stops at the first invalid or incomplete sequence, leaves `out` as it was
// and returns false; lossy mode writes U+FFFD for it, skips one byte and goes
// on, returning false if it ever had to.
bool iconv_append(iconv_t cd, std::string_view bytes, std::string& out,
                  bool lossy) {
  iconv(cd, nullptr, nullptr, nullptr, nullptr);  // initial shift state
  const size_t start = out.size();
  // iconv's API is not const-correct; it never writes through inbuf.
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  size_t used = start;
  // GB18030 grows by at most half (2 bytes -> 3); others resize below.
  out.resize(start + bytes.size() + bytes.size() / 2 + 16);
  bool clean = true;
  bool flushing = false;
  for (;;) {
    char* o = out.data() + used;
    size_t out_left = out.size() - used;
    const size_t r = flushing ? iconv(cd, nullptr, nullptr, &o, &out_left)
                              : iconv(cd, &in, &in_left, &o, &out_left);
    used = static_cast<size_t>(o - out.data());
    if (r != kIconvError) {
      if (flushing) break;
      flushing = true;  // stateful encodings may still owe a shift sequence
      continue;
    }
    const int err = errno;
    if (err == E2BIG) {
      out.resize(out.size() * 2);
      continue;
    }
    if (!lossy || (err != EILSEQ && err != EINVAL)) {
      out.resize(start);
      return false;
    }
    clean = false;
    if (out.size() - used < sizeof kReplacement) out.resize(out.size() * 2 + 8);
    std::memcpy(out.data() + used, kReplacement, sizeof kReplacement - 1);
    used += sizeof kReplacement - 1;
    if (err == EINVAL) {
      in_left = 0;  // an incomplete sequence can only be at the end
    } else {
      ++in;
      --in_left;
    }
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
  }
  out.resize(used);
  return clean;
}

// Opening a descriptor loads and searches gconv modules (tens of
// microseconds), so each thread keeps the last few it used. iconv_t is not
// safe to share between threads, hence thread_local rather than a global.
class IconvCache {
 public:
  IconvCache() = default;
  IconvCache(const IconvCache&) = delete;
  IconvCache& operator=(const IconvCache&) = delete;
  ~IconvCache() {
    for (Entry& e : entries_) {
      if (e.cd != kNoIconv) iconv_close(e.cd);
    }
  }

  // A descriptor from `lower_name` to UTF-8, or kNoIconv when iconv does not
  // know the name (remembered too, so unknown names stay cheap).
  iconv_t get(const std::string& lower_name) {
    for (Entry& e : entries_) {
      if (e.name == lower_name) return e.cd;
    }
    const iconv_t cd = iconv_open("UTF-8", lower_name.c_str());
    if (entries_.size() >= kMaxEntries) {
      if (entries_.front().cd != kNoIconv) iconv_close(entries_.front().cd);
      entries_.erase(entries_.begin());
    }
    entries_.push_back({lower_name, cd});
    return cd;
  }

 private:
  static constexpr size_t kMaxEntries = 8;
  struct Entry {
    std::string name;
    iconv_t cd;
  };
  std::vector<Entry> entries_;
};

iconv_t cached_decoder(std::string_view encoding) {
  if (!is_plain_name(encoding)) return kNoIconv;
  thread_local IconvCache cache;
  return cache.get(lower_ascii(encoding));
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* end = p + bytes.size();
  while (p < end) {
    // Most CSV text is ASCII: test eight bytes at a time for a high bit.
    if (end - p >= 8) {
      uint64_t word;
      std::memcpy(&word, p, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        p += 8;
        continue;
      }
    }
    const size_t n = utf8_sequence_length(p, end);
    if (n == 0) return false;
    p += n;
  }
  return true;
}

bool is_utf8_encoding_name(std::string_view encoding) {
  return is_utf8_name(lower_ascii(encoding));
}

bool is_known_encoding(std::string_view encoding) {
  if (is_utf8_name(lower_ascii(encoding))) return true;
  return cached_decoder(encoding) != kNoIconv;
}

std::optional<std::string> to_utf8(std::string_view bytes,
                                   std::string_view encoding) {
  if (is_utf8_name(lower_ascii(encoding))) {
    if (!is_valid_utf8(bytes)) return std::nullopt;
    return std::string(bytes);
  }
  const iconv_t cd = cached_decoder(encoding);
  if (cd == kNoIconv) return std::nullopt;
  std::string out;
  if (!iconv_append(cd, bytes, out, /*lossy=*/false)) return std::nullopt;
  return out;
}

bool is_ascii_compatible_encoding(std::string_view encoding) {
  if (is_utf8_name(lower_ascii(encoding))) return true;
  if (!is_known_encoding(encoding)) return false;
  const iconv_t cd = iconv_open(lower_ascii(encoding).c_str(), "UTF-8");
  if (cd == kNoIconv) return false;
  const auto encode = [cd](std::string_view utf8, std::string& out) {
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
    out.assign(64, '\0');
    char* in = const_cast<char*>(utf8.data());
    size_t in_left = utf8.size();
    char* o = out.data();
    size_t out_left = out.size();
    // No flush: a stateful encoding shows itself by the shift sequence it
    // emits before the character.
    const size_t r = iconv(cd, &in, &in_left, &o, &out_left);
    out.resize(out.size() - out_left);
    return r != kIconvError;
  };
  bool ok = true;
  std::string out;
  // The bytes the tokenizer splits on, plus some letters and digits.
  static constexpr std::string_view kAscii("a,\"\r\n\0Z 09", 10);
  if (!encode(kAscii, out) || out != kAscii) ok = false;
  // Characters from the scripts likely to appear; an encoding that cannot
  // represent one simply skips it.
  static constexpr std::string_view kSamples[] = {
      "\xC3\xA9",     "\xD0\x96",     "\xE4\xB8\x80", "\xE5\xAD\xA6",
      "\xE3\x82\xA2", "\xEA\xB0\x80", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"};
  for (std::string_view sample : kSamples) {
    if (!ok) break;
    if (!encode(sample, out)) continue;
    if (out.empty() || static_cast<unsigned char>(out[0]) < 0x80) ok = false;
    for (char c : out) {
      if (c == ',' || c == '"' || c == '\r' || c == '\n' || c == '\0') {
        ok = false;
      }
    }
  }
  iconv_close(cd);
  return ok;
}

Utf8Converter::Utf8Converter(std::string_view encoding) {
  if (is_utf8_name(lower_ascii(encoding))) return;
  if (!is_plain_name(encoding)) {
    throw std::invalid_argument("unknown encoding '" + std::string(encoding) +
                                "'");
  }
  const iconv_t cd = iconv_open("UTF-8", lower_ascii(encoding).c_str());
  if (cd == kNoIconv) {
    throw std::invalid_argument("unknown encoding '" + std::string(encoding) +
                                "'");
  }
  cd_ = cd;
}

Utf8Converter::~Utf8Converter() {
  if (cd_ != nullptr) iconv_close(static_cast<iconv_t>(cd_));
}

bool Utf8Converter::append(std::string_view bytes, std::string& out) {
  if (cd_ == nullptr) {
    if (is_valid_utf8(bytes)) {
      out.append(bytes);
      return true;
    }
    append_repaired_utf8(bytes, out);
    return false;
  }
  return iconv_append(static_cast<iconv_t>(cd_), bytes, out, /*lossy=*/true);
}

}  // namespace kcbx::detail
