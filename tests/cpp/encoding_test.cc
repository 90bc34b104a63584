#include "io/encoding.h"

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace kcbx::detail {
namespace {

using std::string_literals::operator""s;

// "学籍号" and "姓名" in UTF-8 and GB18030.
constexpr std::string_view kXuejihaoUtf8 =
    "\xe5\xad\xa6\xe7\xb1\x8d\xe5\x8f\xb7";
constexpr std::string_view kXuejihaoGb = "\xd1\xa7\xbc\xae\xba\xc5";
constexpr std::string_view kXingmingGb = "\xd0\xd5\xc3\xfb";
constexpr std::string_view kXingmingUtf8 = "\xe5\xa7\x93\xe5\x90\x8d";

TEST(IsValidUtf8, AcceptsWellFormedText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii, long enough for the fast path"));
  EXPECT_TRUE(is_valid_utf8("\0"s));
  EXPECT_TRUE(is_valid_utf8(kXuejihaoUtf8));
  EXPECT_TRUE(is_valid_utf8("\xc2\x80"));          // U+0080
  EXPECT_TRUE(is_valid_utf8("\xdf\xbf"));          // U+07FF
  EXPECT_TRUE(is_valid_utf8("\xe0\xa0\x80"));      // U+0800
  EXPECT_TRUE(is_valid_utf8("\xed\x9f\xbf"));      // U+D7FF
  EXPECT_TRUE(is_valid_utf8("\xee\x80\x80"));      // U+E000
  EXPECT_TRUE(is_valid_utf8("\xef\xbb\xbf"));      // U+FEFF
  EXPECT_TRUE(is_valid_utf8("\xf0\x90\x80\x80"));  // U+10000
  EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x98\x80"));  // U+1F600
  EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
}

TEST(IsValidUtf8, RejectsMalformedText) {
  for (const std::string& bad : {
           "\x80"s,                  // lone continuation byte
           "\xbf"s,                  //
           "\xc0\x80"s,              // overlong NUL
           "\xc1\xbf"s,              // overlong 2-byte
           "\xe0\x80\x80"s,          // overlong 3-byte
           "\xe0\x9f\xbf"s,          //
           "\xf0\x80\x80\x80"s,      // overlong 4-byte
           "\xf0\x8f\xbf\xbf"s,      //
           "\xed\xa0\x80"s,          // surrogate U+D800
           "\xed\xbf\xbf"s,          // surrogate U+DFFF
           "\xf4\x90\x80\x80"s,      // U+110000
           "\xf5\x80\x80\x80"s,      //
           "\xf8\x88\x80\x80\x80"s,  // 5-byte form
           "\xfe"s,                  //
           "\xff"s,                  //
           "\xe5\xad"s,              // truncated
           "\xe5"s,                  //
           "\xf0\x9f\x98"s,          //
           "\xe5\x41\xa6"s,          // continuation missing
           "\xc3\xa9\xa9"s,          // one continuation too many
       }) {
    EXPECT_FALSE(is_valid_utf8(bad)) << ::testing::PrintToString(bad);
    // Also after and before ASCII runs long enough for the 8-byte fast path.
    EXPECT_FALSE(is_valid_utf8("0123456789abcdef" + bad));
    EXPECT_FALSE(is_valid_utf8(bad + "0123456789abcdef"));
  }
}

TEST(IsValidUtf8, FindsBadByteAtEveryOffset) {
  for (size_t at = 0; at < 40; ++at) {
    std::string text(40, 'a');
    text[at] = '\xff';
    EXPECT_FALSE(is_valid_utf8(text)) << at;
  }
}

TEST(ToUtf8, Utf8OnlyValidates) {
  EXPECT_EQ(to_utf8(kXuejihaoUtf8, "utf-8"), std::string(kXuejihaoUtf8));
  EXPECT_EQ(to_utf8(kXuejihaoUtf8, "UTF-8"), std::string(kXuejihaoUtf8));
  EXPECT_EQ(to_utf8(kXuejihaoUtf8, "utf8"), std::string(kXuejihaoUtf8));
  EXPECT_EQ(to_utf8("", "utf-8"), std::string());
  EXPECT_EQ(to_utf8("\xef\xbb\xbfz", "utf-8"), "\xef\xbb\xbfz");
  EXPECT_EQ(to_utf8("a\xff", "utf-8"), std::nullopt);
  EXPECT_EQ(to_utf8("\xe5\xad", "UTF8"), std::nullopt);
}

TEST(ToUtf8, Gb18030AndGbk) {
  EXPECT_EQ(to_utf8(kXuejihaoGb, "gb18030"), std::string(kXuejihaoUtf8));
  EXPECT_EQ(to_utf8(kXuejihaoGb, "GB18030"), std::string(kXuejihaoUtf8));
  EXPECT_EQ(to_utf8(kXuejihaoGb, "gbk"), std::string(kXuejihaoUtf8));
  EXPECT_EQ(to_utf8(std::string(kXingmingGb) + ",x", "gb18030"),
            std::string(kXingmingUtf8) + ",x");
  // Four-byte GB18030 sequences: U+00A5 and U+1F600.
  EXPECT_EQ(to_utf8("\x81\x30\x84\x36", "gb18030"), "\xc2\xa5");
  EXPECT_EQ(to_utf8("\x94\x39\xfc\x36", "gb18030"), "\xf0\x9f\x98\x80");
  // Trail bytes in the ASCII range ('@', '\\', '|') belong to the character.
  EXPECT_EQ(to_utf8("\x81\x40\x81\x5c\x81\x7c", "gb18030"),
            "\xe4\xb8\x82\xe4\xb9\x97\xe4\xba\x85");
  EXPECT_EQ(to_utf8("", "gb18030"), std::string());
}

TEST(ToUtf8, InvalidOrIncompleteSequences) {
  EXPECT_EQ(to_utf8("\x81\x20", "gb18030"), std::nullopt);      // bad trail
  EXPECT_EQ(to_utf8("ab\xd1", "gb18030"), std::nullopt);        // truncated
  EXPECT_EQ(to_utf8("\x81\x30\x84", "gb18030"), std::nullopt);  // truncated
  EXPECT_EQ(to_utf8("\xff", "gb18030"), std::nullopt);
  EXPECT_EQ(to_utf8("\x81\x20", "gbk"), std::nullopt);
  // The cached descriptor is reset: a good call after a bad one works.
  EXPECT_EQ(to_utf8(kXuejihaoGb, "gb18030"), std::string(kXuejihaoUtf8));
}

TEST(ToUtf8, OtherIconvEncodings) {
  EXPECT_EQ(to_utf8("caf\xe9", "latin1"), "caf\xc3\xa9");
  EXPECT_EQ(to_utf8("\x80", "cp1252"), "\xe2\x82\xac");
  EXPECT_EQ(to_utf8("a\0b\0"s, "utf-16le"), "ab");
  EXPECT_EQ(to_utf8("\xbe\xc7", "big5"), "\xe5\xad\xb8");  // 學
}

TEST(ToUtf8, GrowsOutputBeyondFirstGuess) {
  // Latin-1 doubles and cp1252's 0x80 triples in UTF-8.
  const std::string latin(1 << 20, '\xe9');
  const std::optional<std::string> out = to_utf8(latin, "latin1");
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->size(), latin.size() * 2);
  EXPECT_TRUE(is_valid_utf8(*out));
  const std::optional<std::string> euros =
      to_utf8(std::string(100000, '\x80'), "cp1252");
  ASSERT_TRUE(euros.has_value());
  EXPECT_EQ(euros->size(), 300000u);
}

TEST(ToUtf8, UnknownEncoding) {
  EXPECT_EQ(to_utf8("abc", "no-such-encoding"), std::nullopt);
  EXPECT_EQ(to_utf8("abc", ""), std::nullopt);
  EXPECT_EQ(to_utf8("abc", "gbk//IGNORE"), std::nullopt);
  EXPECT_EQ(to_utf8("abc", "utf-8 "), std::nullopt);
}

TEST(IsKnownEncoding, Names) {
  for (const char* name : {"utf-8", "UTF-8", "utf8", "gb18030", "GBK", "gb2312",
                           "big5", "latin1", "cp936", "utf-16"}) {
    EXPECT_TRUE(is_known_encoding(name)) << name;
  }
  for (const char* name : {"", "nope", "gbk//IGNORE", "utf-8//translit",
                           "../../etc/passwd", "gb 18030", "utf-9"}) {
    EXPECT_FALSE(is_known_encoding(name)) << name;
  }
  // Many unknown names do not exhaust or break the per-thread cache.
  for (int i = 0; i < 50; ++i) {
    EXPECT_FALSE(is_known_encoding("unknown-" + std::to_string(i)));
  }
  EXPECT_TRUE(is_known_encoding("gb18030"));
}

TEST(IsAsciiCompatibleEncoding, SplitsOnlyWhereSafe) {
  for (const char* name :
       {"utf-8", "gb18030", "GBK", "gb2312", "big5", "shift_jis", "euc-jp",
        "euc-kr", "latin1", "cp1252", "ascii"}) {
    EXPECT_TRUE(is_ascii_compatible_encoding(name)) << name;
  }
  for (const char* name :
       {"utf-16", "utf-16le", "utf-16be", "utf-32", "ucs-2", "utf-7",
        "iso-2022-jp", "iso-2022-kr", "ibm037", "no-such-encoding", ""}) {
    EXPECT_FALSE(is_ascii_compatible_encoding(name)) << name;
  }
}

TEST(Utf8Converter, ReplacesInvalidInputAndReportsIt) {
  Utf8Converter gb("gb18030");
  std::string out = "prefix:";
  EXPECT_TRUE(gb.append(kXuejihaoGb, out));
  EXPECT_EQ(out, "prefix:" + std::string(kXuejihaoUtf8));
  out.clear();
  EXPECT_FALSE(gb.append("\xd1\xa7\x81\x20x", out));
  EXPECT_EQ(out, "\xe5\xad\xa6\xef\xbf\xbd x");
  out.clear();
  EXPECT_FALSE(gb.append("a\xd1", out));  // incomplete at the end
  EXPECT_EQ(out, "a\xef\xbf\xbd");
  out.clear();
  EXPECT_TRUE(gb.append(kXingmingGb, out));
  EXPECT_EQ(out, kXingmingUtf8);

  Utf8Converter utf8("utf-8");
  out.clear();
  EXPECT_TRUE(utf8.append(kXuejihaoUtf8, out));
  EXPECT_EQ(out, kXuejihaoUtf8);
  out.clear();
  EXPECT_FALSE(utf8.append("a\xff\xe5\xadz", out));
  EXPECT_EQ(out, "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz");
  EXPECT_TRUE(is_valid_utf8(out));
}

TEST(Utf8Converter, UnknownEncodingThrows) {
  EXPECT_THROW(Utf8Converter("no-such-encoding"), std::invalid_argument);
  EXPECT_THROW(Utf8Converter(""), std::invalid_argument);
  EXPECT_THROW(Utf8Converter("gbk//IGNORE"), std::invalid_argument);
}

TEST(ToUtf8, ThreadsUseTheirOwnDescriptors) {
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &failures] {
      for (int i = 0; i < 2000; ++i) {
        const bool gb = (i + t) % 2 == 0;
        const auto out =
            gb ? to_utf8(kXuejihaoGb, "gb18030") : to_utf8("caf\xe9", "latin1");
        const std::string want =
            gb ? std::string(kXuejihaoUtf8) : std::string("caf\xc3\xa9");
        if (out != want) ++failures[static_cast<size_t>(t)];
        if (to_utf8("\x81\x20", "gb18030").has_value()) {
          ++failures[static_cast<size_t>(t)];
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

}  // namespace
}  // namespace kcbx::detail
