#include "cli/terminal_safe.h"

#include <iostream>
#include <new>
#include <streambuf>
#include <string>

namespace kcbx::cli {

namespace {

// A streambuf that writes into `to`, escaping the C0 controls other than
// \n and \t, DEL, and the C1 controls (U+0080-U+009F, in UTF-8 C2 80-C2
// 9F), which some terminals also obey. Bytes are passed one call at a time
// (std::cerr is unbuffered), so a C2 is held until the next byte shows
// whether it starts a C1 control.
class EscapingBuf : public std::streambuf {
 public:
  explicit EscapingBuf(std::streambuf* to) : to_(to) {}

 protected:
  int_type overflow(int_type ch) override {
    if (traits_type::eq_int_type(ch, traits_type::eof())) return sync() == 0 ? traits_type::not_eof(ch) : ch;
    const char c = traits_type::to_char_type(ch);
    return xsputn(&c, 1) == 1 ? ch : traits_type::eof();
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::string out;
    for (std::streamsize i = 0; i < n; ++i) {
      const auto b = static_cast<unsigned char>(s[i]);
      if (held_c2_) {
        held_c2_ = false;
        if (b >= 0x80 && b <= 0x9f) {
          out += "\\u00";
          hex(out, b);
          continue;
        }
        out += '\xc2';
      }
      if (b == 0xc2) {
        held_c2_ = true;
      } else if ((b < 0x20 && b != '\n' && b != '\t') || b == 0x7f) {
        out += b == '\r' ? "\\r" : "\\x";
        if (b != '\r') hex(out, b);
      } else {
        out += static_cast<char>(b);
      }
    }
    const auto size = static_cast<std::streamsize>(out.size());
    return to_->sputn(out.data(), size) == size ? n : 0;
  }
  int sync() override {
    // A C2 at the end of a message is part of a character cut short: it is
    // written as it came, not kept back from the terminal.
    if (held_c2_) {
      held_c2_ = false;
      if (to_->sputc('\xc2') == traits_type::eof()) return -1;
    }
    return to_->pubsync();
  }

 private:
  static void hex(std::string& out, unsigned char b) {
    constexpr char kDigits[] = "0123456789abcdef";
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  std::streambuf* to_;
  bool held_c2_ = false;
};

std::streambuf* raw_stderr = nullptr;

}  // namespace

void make_stderr_terminal_safe() {
  if (raw_stderr) return;
  raw_stderr = std::cerr.rdbuf();
  // Built in static storage and never destroyed: std::cerr is flushed after
  // static objects are destroyed, so the buffer must outlive them. Not on
  // the heap either, where LeakSanitizer reports it as lost at exit.
  alignas(EscapingBuf) static unsigned char storage[sizeof(EscapingBuf)];
  std::cerr.rdbuf(new (storage) EscapingBuf(raw_stderr));
}

std::ostream& progress_stream() {
  static std::ostream raw(raw_stderr ? raw_stderr : std::cerr.rdbuf());
  return raw;
}

}  // namespace kcbx::cli
