#include "io/id_number.h"
#include "pack/checked_pack.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <string_view>

#include "kcbx/date.h"

namespace kcbx::detail {
namespace {

// The generated table, to check the generator's promises directly.
namespace table {
#include "io/gb2260_codes.inc"
}  // namespace table

// Completes 17 digits with their check character.
std::string with_check(std::string first17) {
  first17.push_back(id_check_character(first17));
  return first17;
}

// Independent ISO 7064 MOD 11-2: weight 2^(17-i) mod 11, check value
// (12 - sum mod 11) mod 11, 10 written as X.
char reference_check(std::string_view first17) {
  int sum = 0;
  int weight = 1;
  for (int i = 16; i >= 0; --i) {
    weight = weight * 2 % 11;
    sum += (first17[static_cast<size_t>(i)] - '0') * weight;
  }
  const int value = (12 - sum % 11) % 11;
  return value == 10 ? 'X' : static_cast<char>('0' + value);
}

TEST(IdNumber, PublishedExampleIsValid) {
  const IdNumberCheck check = check_id_number("11010519491231002X");
  EXPECT_EQ(check.error, IdNumberError::kNone);
  EXPECT_EQ(check.birth_date, Date::from_ymd(1949, 12, 31));
  EXPECT_EQ(check_id_number("11010519491231002x").error, IdNumberError::kNone);
  EXPECT_EQ(id_check_character("11010519491231002"), 'X');
}

TEST(IdNumber, ComputedNumbersAreValid) {
  for (const char* first17 :
       {"52010220100101123", "52262720130901004", "44030520080229551",
        "11010819000101000", "65010421001231999", "52010319950615888"}) {
    const std::string id = with_check(first17);
    const IdNumberCheck check = check_id_number(id);
    EXPECT_EQ(check.error, IdNumberError::kNone) << first17;
  }
  EXPECT_EQ(check_id_number(with_check("44030520080229551")).birth_date,
            Date::from_ymd(2008, 2, 29));
}

TEST(IdNumber, CheckCharacterMatchesReference) {
  std::mt19937 rng(20240901);
  std::uniform_int_distribution<int> digit(0, 9);
  std::set<char> seen;
  for (int i = 0; i < 20000; ++i) {
    std::string first17;
    for (int j = 0; j < 17; ++j)
      first17.push_back(static_cast<char>('0' + digit(rng)));
    const char c = id_check_character(first17);
    ASSERT_EQ(c, reference_check(first17)) << i;
    seen.insert(c);
  }
  EXPECT_EQ(seen.size(), 11u);  // 0-9 and X all occur
}

// The check character is summed several digits per multiplication: each
// digit alone at its largest value, all nines (the largest sums) and all
// zeros, checked against the plain loop, through both entry points.
TEST(IdNumber, CheckCharacterAtTheExtremes) {
  std::vector<std::string> cases = {std::string(17, '0'), std::string(17, '9')};
  for (int pos = 0; pos < 17; ++pos)
    for (char d : {'1', '9'}) {
      std::string s(17, '0');
      s[static_cast<size_t>(pos)] = d;
      cases.push_back(s);
      std::string t(17, '9');
      t[static_cast<size_t>(pos)] = '0';
      cases.push_back(t);
    }
  for (const std::string& first17 : cases) {
    ASSERT_EQ(id_check_character(first17), reference_check(first17)) << first17;
  }
  // Through check_id_number every position must vary too, within what a
  // valid number allows: real address codes from the first to the last of
  // the table (digits 1-6), dates from 1800 to 2199 (7-14), every sequence
  // number (15-17). Each number checks out with the reference's character
  // and with no other.
  const std::vector<std::string> dates = {"18000101", "18991231", "19090909", "19700228",
                                          "20000229", "20101031", "21991231"};
  const size_t codes = std::size(table::kGb2260Codes);
  size_t checked = 0;
  for (size_t k = 0; k < codes; k += codes / 40) {
    char address[8];
    std::snprintf(address, sizeof address, "%06d", static_cast<int>(table::kGb2260Codes[k]));
    for (const std::string& date : dates)
      for (int seq = 0; seq < 1000; seq += 37) {
        char tail[4];
        std::snprintf(tail, sizeof tail, "%03d", seq);
        const std::string first17 = std::string(address) + date + tail;
        const char want = reference_check(first17);
        for (char c : std::string("0123456789X")) {
          ASSERT_EQ(check_id_number(first17 + c).error,
                    c == want ? IdNumberError::kNone : IdNumberError::kCheckDigit)
              << first17 << c;
        }
        ++checked;
      }
  }
  EXPECT_GT(checked, 7000u);
}

TEST(IdNumber, LengthError) {
  for (const char* id : {"", "1", "11010519491231002", "11010519491231002X1",
                         "110105491231002",  // 15-digit first generation
                         " 11010519491231002X"}) {
    EXPECT_EQ(check_id_number(id).error, IdNumberError::kLength) << id;
  }
}

TEST(IdNumber, CharacterError) {
  for (const char* id :
       {"11010519491231002Y", "1101051949123100 X", "X10105194912310021",
        "11010519491231X021", "110105-9491231002X", "11010519491231002*"}) {
    EXPECT_EQ(check_id_number(id).error, IdNumberError::kCharacters) << id;
  }
  // 18 bytes of non-ASCII text is still the wrong characters.
  EXPECT_EQ(check_id_number("\xe5\xad\xa6\xe7\xb1\x8d\xe5\x8f\xb7\xe5\xad\xa6"
                            "\xe7\xb1\x8d\xe5\x8f\xb7")
                .error,
            IdNumberError::kCharacters);
}

// Full-width digits (１２３…, what a Chinese input method types) are 18
// characters of 3 bytes each: the characters are wrong, not the length, and
// the reason says so. The fast path and the portable checks agree.
TEST(IdNumber, FullWidthDigitsAreACharacterErrorNotALengthError) {
  const std::string ascii = "11010519491231002X";
  auto full_width = [](std::string_view s, size_t from) {
    std::string out(s.substr(0, from));
    for (char c : s.substr(from)) {
      if (c >= '0' && c <= '9') out += std::string("\xEF\xBC") + static_cast<char>(0x90 + (c - '0'));
      else out += "\xEF\xBC\xB8";  // 'Ｘ'
    }
    return out;
  };
  for (const size_t from : {size_t{0}, size_t{6}, size_t{17}}) {
    const std::string id = full_width(ascii, from);
    EXPECT_EQ(check_id_number(id).error, IdNumberError::kCharacters) << from;
    EXPECT_EQ(check_id_number_reference(id).error, IdNumberError::kCharacters) << from;
    EXPECT_EQ(check_id_structure(id).error, IdNumberError::kCharacters) << from;
    EXPECT_EQ(check_id_structure_reference(id).error, IdNumberError::kCharacters) << from;
  }
  // One character short or over, full-width or not, is still the length.
  EXPECT_EQ(check_id_number(full_width(ascii.substr(0, 17), 0)).error, IdNumberError::kLength);
  EXPECT_EQ(check_id_number(full_width(ascii + "1", 0)).error, IdNumberError::kLength);
  EXPECT_EQ(check_id_number("\xE5\xAD\xA6" + ascii).error, IdNumberError::kLength);
  EXPECT_NE(describe(IdNumberError::kCharacters, full_width(ascii, 0)).find("full-width"), std::string::npos);
}

// Every byte value at every position of a valid number: a digit where a
// digit belongs keeps it valid or changes the check, anything else is a
// character error (the digits are tested several at a time).
TEST(IdNumber, EveryByteAtEveryPosition) {
  const std::string valid = "11010519491231002X";
  ASSERT_EQ(check_id_number(valid).error, IdNumberError::kNone);
  for (size_t pos = 0; pos < 18; ++pos)
    for (int b = 0; b < 256; ++b) {
      std::string id = valid;
      id[pos] = static_cast<char>(b);
      const bool digit = b >= '0' && b <= '9';
      const bool allowed = digit || (pos == 17 && (b == 'X' || b == 'x'));
      const IdNumberError e = check_id_number(id).error;
      if (!allowed) EXPECT_EQ(e, IdNumberError::kCharacters) << "byte " << b << " at " << pos;
      else EXPECT_NE(e, IdNumberError::kCharacters) << "byte " << b << " at " << pos;
      EXPECT_EQ(id_number_birth_date(id).has_value(), e == IdNumberError::kNone ||
                                                          e == IdNumberError::kAddress ||
                                                          e == IdNumberError::kCheckDigit)
          << "byte " << b << " at " << pos;
    }
}

// check_id_number and check_id_structure answer as the portable checks
// (a vector fast path takes the numbers that pass): valid numbers over
// every known address code, and each of them broken at one random
// position to a random byte, two positions swapped, the check character
// changed and the date pushed past its month.
TEST(IdNumber, FastPathAgreesWithTheReference) {
  std::mt19937 rng(7);
  auto agree = [](const std::string& id) {
    const IdNumberCheck a = check_id_number(id), b = check_id_number_reference(id);
    ASSERT_EQ(a.error, b.error) << id;
    const IdNumberCheck c = check_id_structure(id), d = check_id_structure_reference(id);
    ASSERT_EQ(c.error, d.error) << id;
    if (a.error == IdNumberError::kNone) ASSERT_EQ(a.birth_date, b.birth_date) << id;
    if (c.error == IdNumberError::kNone) ASSERT_EQ(c.birth_date, d.birth_date) << id;
  };
  int valid = 0;
  for (const int32_t code : table::kGb2260Codes) {
    char digits[20];
    std::snprintf(digits, sizeof digits, "%06d%04d%02d%02d%03d", static_cast<int>(code),
                  1800 + static_cast<int>(rng() % 400), 1 + static_cast<int>(rng() % 12),
                  1 + static_cast<int>(rng() % 31), static_cast<int>(rng() % 1000));
    const std::string id = with_check(digits);
    agree(id);
    if (check_id_number(id).error == IdNumberError::kNone) ++valid;
    std::string broken = id;
    broken[rng() % 18] = static_cast<char>(rng() % 256);
    agree(broken);
    broken = id;
    std::swap(broken[rng() % 18], broken[rng() % 18]);
    agree(broken);
    broken = id;
    broken[17] = broken[17] == '0' ? 'X' : '0';
    agree(broken);
    broken = id;
    broken[12] = '3';
    broken[13] = static_cast<char>('1' + rng() % 9);
    agree(broken);
  }
  // Most random dates are real: the fast path was taken.
  EXPECT_GT(valid, 3000);
}

// The birth date of every day from 1799 to 2200 (the allowed years and one
// beyond each end) against the calendar's own arithmetic.
TEST(IdNumber, BirthDateOfEveryDay) {
  int checked = 0;
  for (int y = 1799; y <= 2200; ++y)
    for (int m = 0; m <= 13; ++m)
      for (int d = 0; d <= 32; ++d) {
        char digits[20];
        std::snprintf(digits, sizeof digits, "110105%04d%02d%02d002", y, m, d);
        const std::string id = with_check(digits);
        const bool real = y >= 1800 && y <= 2199 && is_valid_ymd(y, m, d);
        const std::optional<Date> got = id_number_birth_date(id);
        ASSERT_EQ(got.has_value(), real) << id;
        if (real) {
          ASSERT_EQ(got->days(), Date::from_ymd(y, m, d).days()) << id;
          ASSERT_EQ(check_id_number(id).error, IdNumberError::kNone) << id;
          ++checked;
        } else {
          ASSERT_EQ(check_id_number(id).error, IdNumberError::kBirthDate) << id;
        }
      }
  EXPECT_EQ(checked, 146097);  // 1800-01-01 to 2199-12-31: 400 Gregorian years
}

TEST(IdNumber, BirthDateError) {
  for (const char* date : {"19490230", "20190229", "19001301", "20100100",
                           "00000000", "17991231", "22000101", "09901231", "29900101"}) {
    const std::string id = with_check("110105" + std::string(date) + "002");
    EXPECT_EQ(check_id_number(id).error, IdNumberError::kBirthDate) << date;
  }
  EXPECT_EQ(check_id_number(with_check("11010519000101002")).error,
            IdNumberError::kNone);
  EXPECT_EQ(check_id_number(with_check("11010521001231002")).error,
            IdNumberError::kNone);
  // Born 1899: a valid number (whether 120 is too old is the pack's check).
  EXPECT_EQ(check_id_number(with_check("11010518991010002")).error,
            IdNumberError::kNone);
}

TEST(IdNumber, AddressError) {
  for (const char* address : {"000000", "999999", "110199", "520000" /*ok*/}) {
    const std::string id = with_check(std::string(address) + "20100101123");
    const IdNumberCheck check = check_id_number(id);
    if (std::string_view(address) == "520000") {
      EXPECT_EQ(check.error, IdNumberError::kNone);
      continue;
    }
    EXPECT_EQ(check.error, IdNumberError::kAddress) << address;
    // The date was read before the address was looked at.
    EXPECT_EQ(check.birth_date, Date::from_ymd(2010, 1, 1));
  }
}

TEST(IdNumber, CheckDigitError) {
  const IdNumberCheck check = check_id_number("110105194912310021");
  EXPECT_EQ(check.error, IdNumberError::kCheckDigit);
  EXPECT_EQ(check.birth_date, Date::from_ymd(1949, 12, 31));
  const std::string good = with_check("52010220100101123");
  for (char c : std::string("0123456789X")) {
    std::string id = good;
    id[17] = c;
    EXPECT_EQ(check_id_number(id).error, c == good[17]
                                             ? IdNumberError::kNone
                                             : IdNumberError::kCheckDigit);
  }
}

TEST(IdNumber, FirstFailureIsReported) {
  // Bad date, bad address and bad check digit: the date comes first.
  EXPECT_EQ(check_id_number("000000201902290000").error,
            IdNumberError::kBirthDate);
  // Bad address and bad check digit: the address.
  std::string id = with_check("00000020100101123");
  id[17] = id[17] == '0' ? '1' : '0';
  EXPECT_EQ(check_id_number(id).error, IdNumberError::kAddress);
  // Bad characters and bad date: the characters.
  EXPECT_EQ(check_id_number("1101051949023X002X").error,
            IdNumberError::kCharacters);
}

TEST(IdNumber, DescriptionsAreDistinctAndNameNoNumber) {
  std::set<std::string> texts;
  for (IdNumberError e :
       {IdNumberError::kNone, IdNumberError::kLength,
        IdNumberError::kCharacters, IdNumberError::kAddress,
        IdNumberError::kBirthDate, IdNumberError::kCheckDigit}) {
    const std::string text = describe(e);
    EXPECT_FALSE(text.empty());
    EXPECT_NE(text.find("id_number"), std::string::npos) << text;
    texts.insert(text);
  }
  EXPECT_EQ(texts.size(), 6u);
  EXPECT_EQ(std::string(describe(IdNumberError::kCheckDigit)),
            "id_number check digit does not match (GB 11643 MOD 11-2)");
}

TEST(AddressCode, KnownCodesIncludingRetiredOnes) {
  EXPECT_TRUE(is_known_address_code("110105"));
  EXPECT_TRUE(is_known_address_code("110103"));  // 崇文区, merged in 2010
  EXPECT_TRUE(is_known_address_code("520102"));
  EXPECT_TRUE(is_known_address_code("110000"));
  EXPECT_TRUE(is_known_address_code("820000"));
  EXPECT_FALSE(is_known_address_code("000000"));
  EXPECT_FALSE(is_known_address_code("110199"));
  EXPECT_FALSE(is_known_address_code("11010"));
  EXPECT_FALSE(is_known_address_code("1101050"));
  EXPECT_FALSE(is_known_address_code("11010a"));
  EXPECT_FALSE(is_known_address_code(""));
}

TEST(AddressCode, GeneratedTableIsSortedAndComplete) {
  const auto* begin = std::begin(table::kGb2260Codes);
  const auto* end = std::end(table::kGb2260Codes);
  EXPECT_EQ(end - begin, 7042);
  EXPECT_TRUE(std::adjacent_find(begin, end, [](int32_t a, int32_t b) {
                return a >= b;
              }) == end);
  EXPECT_EQ(*begin, 110000);
  EXPECT_EQ(*(end - 1), 820000);
  for (const int32_t code : table::kGb2260Codes) {
    ASSERT_TRUE(is_known_address_code(std::to_string(code))) << code;
  }
}

TEST(Mask, EighteenCharacters) {
  EXPECT_EQ(mask_id_number("11010519491231002X"), "110105********002X");
  // Masking does not depend on validity.
  EXPECT_EQ(mask_id_number("abcdefghijklmnopqr"), "abcdef********opqr");
}

TEST(Mask, OtherLengthsKeepAtMostTwoEachEnd) {
  EXPECT_EQ(mask_id_number(""), "");
  EXPECT_EQ(mask_id_number("1"), "*");
  EXPECT_EQ(mask_id_number("1234"), "****");
  EXPECT_EQ(mask_id_number("12345"), "1***5");
  EXPECT_EQ(mask_id_number("123456789"), "1*******9");
  EXPECT_EQ(mask_id_number("1234567890"), "12******90");
  EXPECT_EQ(mask_id_number("110105491231002"), "11***********02");
  EXPECT_EQ(mask_id_number("11010519491231002X1"), "11***************X1");
}

TEST(Mask, NumbersInsideText) {
  // A valid number starting a run keeps its readable parts; digits before
  // it, or a 15-digit first-generation number, mask the whole run; an
  // 18-digit student number that is no ID number stays as it is.
  EXPECT_EQ(mask_embedded_id_numbers("G11010519491231002X"), "G110105********002X");
  EXPECT_EQ(mask_embedded_id_numbers("201911010519491231002X"), "20******************2X");
  EXPECT_EQ(mask_embedded_id_numbers("911010519491231002X"), "91***************2X");
  EXPECT_EQ(mask_embedded_id_numbers("a 110105491231002 b"), "a 11***********02 b");
  EXPECT_EQ(mask_embedded_id_numbers("G533422000000000001"), "G533422000000000001");
  EXPECT_EQ(mask_embedded_id_numbers("tel 13800138000, 2019-09-15"), "tel 13800138000, 2019-09-15");
  EXPECT_EQ(masked_key(std::string(60, 'A') + "11010519491231002X").find("1949"), std::string::npos);
  // Digits after a valid number: the run is masked whole, not left readable.
  EXPECT_EQ(mask_embedded_id_numbers("11010519491231002X77").find("1949"), std::string::npos);
  EXPECT_EQ(mask_embedded_id_numbers("11010519491231002X and 11010519491231002x"),
            "110105********002X and 110105********002x");
}

// A number mistyped in its check character, or typed in groups, still
// tells where and when the child was born: masked as well. Groups need 18
// characters in all that are a valid number; dates, phone numbers, lists
// of division codes and generated student numbers stay readable.
TEST(Mask, MistypedAndGroupedNumbers) {
  EXPECT_EQ(mask_embedded_id_numbers("G110105194912310021"), "G110105********0021");  // check character 1, not X
  EXPECT_EQ(mask_embedded_id_numbers("李四 110105 19491231 002X"), "李四 11****************2X");
  EXPECT_EQ(mask_embedded_id_numbers("110105-1949-1231-002x;"), "11*****************2x;");
  // Full-width digits, as an input method types them in full-width mode.
  EXPECT_EQ(mask_embedded_id_numbers("姓名 １１０１０５１９４９１２３１００２Ｘ 其他"), "姓名 １１０１０５********００２Ｘ 其他");
  EXPECT_TRUE(has_embedded_id_number("１１０１０５１９４９１２３１００２ｘ"));
  EXPECT_FALSE(has_embedded_id_number("１２３４５６７８"));
  EXPECT_TRUE(has_embedded_id_number("G110105 19491231 002X"));
  EXPECT_TRUE(has_embedded_id_number("G110105194912310021"));
  // Whatever was typed between the groups, up to three characters of it:
  // two spaces, a tab, a slash, dots, underscores, commas, a line break
  // in a quoted cell, the ideographic space, a no-break space, a middle
  // dot, full-width hyphens.
  for (const char* grouped :
       {"110105  19491231 002X", "110105\t19491231\t002X", "110105/19491231/002X", "110105.1949.1231.002X",
        "110105_19491231_002X", "110105,19491231,002X", "110105\r\n19491231 002X", "110105　19491231　002X",
        "110105\u00a019491231\u00a0002X", "110105·19491231·002X", "110105－1949－1231－002X",
        "110105 - 19491231 - 002X"}) {
    SCOPED_TRACE(grouped);
    const std::string masked = mask_embedded_id_numbers(std::string("李四 ") + grouped + " 其他");
    EXPECT_EQ(masked.find("1949"), std::string::npos) << masked;
    EXPECT_TRUE(masked.starts_with("李四 11")) << masked;
    EXPECT_TRUE(masked.ends_with("2X 其他")) << masked;
    EXPECT_TRUE(has_embedded_id_number(grouped));
    EXPECT_TRUE(has_embedded_id_number(std::string("G") + grouped));  // a key of 16 to 32 bytes, the fast path
    // A reject reason quoting the cell masks it too.
    EXPECT_EQ(quote_cell(grouped).find("1949"), std::string::npos) << quote_cell(grouped);
  }
  for (const char* kept : {"2019-09-15 2019-10-05", "138-0013-8000 139-0013-9000", "G533422000000000001",
                           "110105 19491331 002X",      // no 13th month
                           "110105 19491231 002X 77",   // more digits than a number
                           "999999194912310021",        // no address
                           "210100 210102 210103",      // three division codes
                           "520102001001 111",          // a village code and its urban-rural code
                           "110105 491231 002",         // grouped: 18 characters only
                           "110105 19491231 0021",      // grouped: a valid number only
                           "110105    19491231 002X",   // four characters between groups: two texts
                           "110105;19491231;002X"}) {   // ';' separates a list's items
    SCOPED_TRACE(kept);
    EXPECT_EQ(mask_embedded_id_numbers(kept), kept);
    EXPECT_FALSE(has_embedded_id_number(kept));
  }
}

// A number that still tells where and when a child was born is masked
// wherever it appears, as a key too: its check character left off or
// wrong, a wrong digit in its serial, or an address code kcbx's list lacks
// under a real date and a right check character (a newer county). A wrong
// digit in the address code or the date is not searched for: student
// numbers built from a county code, a year and a serial would read as
// numbers too, and stay readable.
TEST(Mask, NumbersThatStillTellABirth) {
  for (const std::string id : {"11010519491231002X", "520102201003151236", "530102200802290010"}) {
    ASSERT_EQ(check_id_number(id).error, IdNumberError::kNone) << id;
    auto expect_masked = [&](const std::string& typed, const char* what) {
      SCOPED_TRACE(std::string(what) + ": " + typed);
      EXPECT_TRUE(has_embedded_id_number(typed));
      EXPECT_TRUE(has_embedded_id_number("G" + typed));
      EXPECT_EQ(mask_embedded_id_numbers("G" + typed).find(typed.substr(6, 8)), std::string::npos);
      EXPECT_EQ(masked_key(typed).find(typed.substr(6, 8)), std::string::npos);
    };
    expect_masked(id.substr(0, 17), "no check character");
    for (size_t i = 14; i < 18; ++i)
      for (char d = '0'; d <= '9'; ++d) {
        if (d == id[i]) continue;
        std::string typed = id;
        typed[i] = d;
        expect_masked(typed, "a wrong digit in the serial or check character");
      }
  }
  // 530481 (澄江市, 2019-12) is not in kcbx's list: its numbers are told by
  // their date and check character.
  EXPECT_TRUE(has_embedded_id_number("G530481201303010017"));
  EXPECT_FALSE(has_embedded_id_number("G530481201303010018"));
  for (const char* kept : {"G533422000000000001", "520102000000012345", "G520102000001010072", "52010200000101007",
                           "999999194912310021", "13800138000", "2019091520190916", "520102201900010072",
                           "520102201900030072", "5201022019000107"}) {
    SCOPED_TRACE(kept);
    EXPECT_FALSE(has_embedded_id_number(kept));
    EXPECT_EQ(mask_embedded_id_numbers(kept), kept);
  }
  // Student numbers of a county: "G", its code, a 12-digit serial; its
  // code, a year and an 8- or 7-digit serial whose first digits are no
  // month and day (a month 00). Readable. (A county code
  // followed by a real date is masked: it reads as a child's birth.)
  for (int serial = 0; serial < 1000000; serial += 3) {
    char key[32];
    std::snprintf(key, sizeof key, "G520102%012d", serial * 3);
    ASSERT_FALSE(has_embedded_id_number(key)) << key;
    std::snprintf(key, sizeof key, "G5201022019%08d", serial);
    ASSERT_FALSE(has_embedded_id_number(key)) << key;
    std::snprintf(key, sizeof key, "5201022019%07d", serial % 100000);
    ASSERT_FALSE(has_embedded_id_number(key)) << key;
  }
  EXPECT_TRUE(has_embedded_id_number("G520102201901010072"));
}

// A reject of an ID number says what the value suggests went wrong, as a
// clerk fixes it in the spreadsheet, and never quotes the number.
TEST(IdNumberReason, SaysWhatWentWrong) {
  auto why = [](std::string_view id) { return describe(check_id_number(id).error, id); };
  EXPECT_EQ(why("110105 19491231 002X"),
            "id_number is not 18 characters long (GB 11643): it holds spaces or other separators; write its 18 "
            "characters together");
  EXPECT_EQ(why("110105194912310"),
            "id_number is not 18 characters long (GB 11643): a 15-digit first-generation number; write its "
            "18-character form");
  EXPECT_EQ(why("1.10105E+17"),
            "id_number is not 18 characters long (GB 11643): a spreadsheet showed it as a number (5.2E+17) and lost "
            "its last digits; format the column as text and type it again");
  EXPECT_EQ(why("=\"11010519491231002X\""),
            "id_number is not 18 characters long (GB 11643): a spreadsheet's formula or apostrophe is around it; "
            "keep the characters of the number only");
  EXPECT_EQ(why("11010519491231002Y"),
            "id_number must be 17 digits followed by a digit or X (GB 11643): character 18 is 'Y'");
  EXPECT_EQ(why("１１０１０５１９４９１２３１００２Ｘ"),
            "id_number must be 17 digits followed by a digit or X (GB 11643): ASCII digits 0-9 and X, not full-width "
            "ones such as '１' or other characters");
  EXPECT_EQ(why("11010519491231002"), "id_number is not 18 characters long (GB 11643)");
  EXPECT_EQ(why("110105194912310021"), "id_number check digit does not match (GB 11643 MOD 11-2)");
}

// A reject reason quotes a bad cell: an ID number in full-width digits is
// masked there before the quote is cut, as an ASCII one is.
TEST(Mask, RejectReasonsMaskFullWidthNumbers) {
  const std::string quoted = quote_cell("１１０１０５１９４９１２３１００２Ｘ");
  EXPECT_EQ(quoted.find("１９４９"), std::string::npos) << quoted;
  EXPECT_NE(quoted.find("１１０１０５"), std::string::npos) << quoted;
  EXPECT_EQ(quote_cell("110105194912310021"), "'110105********0021'");
}

// A key running over a record's other cells (a quoted field never closed)
// is shown up to its first comma or line break: never the name after it.
TEST(Mask, ARejectKeyStopsAtACommaOrALineBreak) {
  EXPECT_EQ(reject_key("G1,张三,,2010-03-01,M"), "G1...");
  EXPECT_EQ(reject_key("G11010519491231002X,张三"), "G110105********002X...");
  EXPECT_EQ(reject_key("G7\n李四,x"), "G7...");
  EXPECT_EQ(reject_key("G8"), "G8");
}

TEST(Mask, HoldsIdNumberAgreesWithTheMask) {
  for (const char* text : {"G11010519491231002X", "201911010519491231002X", "911010519491231002X",
                           "a 110105491231002 b", "G533422000000000001", "tel 13800138000, 2019-09-15",
                           "11010519491231002x", "110105194912310021", "11010519491231002", "", "X"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(has_embedded_id_number(text), mask_embedded_id_numbers(text) != text);
  }
  EXPECT_TRUE(has_embedded_id_number("G11010519491231002X"));
  EXPECT_FALSE(has_embedded_id_number("G533422000000000001"));
  // Texts of every length around the vector path's 32 bytes, with numbers
  // at the start, the end, inside longer runs and cut short: the answer is
  // the masking scan's.
  std::mt19937 rng(7);
  const std::string id = "11010519491231002X", first_gen = "110105491231002";
  const std::string pieces[] = {id, first_gen, "2019", "G", " ", "x", "X", "0", "12345678", id.substr(0, 17),
                                id.substr(1), "520102000000000001", "-", "110105 ", "19491231-", "002X"};
  for (int n = 0; n < 20000; ++n) {
    std::string text;
    while (text.size() < 10 + rng() % 40) text += pieces[rng() % std::size(pieces)];
    SCOPED_TRACE(text);
    ASSERT_EQ(has_embedded_id_number(text), mask_embedded_id_numbers(text) != text);
  }
}

TEST(Mask, CountsCharactersNotBytes) {
  // Six Chinese characters are 18 bytes but not an 18-character number; the
  // output must stay valid UTF-8.
  EXPECT_EQ(mask_id_number("\xe5\xad\xa6\xe7\xb1\x8d\xe5\x8f\xb7\xe6\x97\xa0"
                           "\xe6\x95\x88\xe5\x80\xbc"),
            "\xe5\xad\xa6****\xe5\x80\xbc");
  EXPECT_EQ(mask_id_number("\xff\xfe"), "**");
}

TEST(Mask, NeverRevealsMoreThanDocumented) {
  for (size_t n = 0; n <= 40; ++n) {
    std::string id;
    for (size_t i = 0; i < n; ++i)
      id.push_back(static_cast<char>('0' + i % 10));
    const std::string masked = mask_id_number(id);
    ASSERT_EQ(masked.size(), n);
    const auto shown = static_cast<size_t>(std::count_if(
        masked.begin(), masked.end(), [](char c) { return c != '*'; }));
    if (n == 18) {
      EXPECT_EQ(shown, 10u);
      EXPECT_EQ(masked.substr(6, 8), "********");
    } else {
      EXPECT_LE(shown, 4u) << n;
      EXPECT_LE(shown * 5, n * 2) << n;  // at most 40%
    }
  }
}

}  // namespace
}  // namespace kcbx::detail
