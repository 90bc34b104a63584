#include "io/id_number.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "io/encoding.h"
#include "kcbx/date.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace kcbx::detail {

namespace {

#include "io/gb2260_codes.inc"

constexpr size_t kIdLength = 18;

// ISO 7064 MOD 11-2 as GB 11643 tabulates it: the weight of position i is
// 2^(17-i) mod 11, and the remainder indexes "10X98765432".
constexpr int kWeights[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                              3, 7, 9,  10, 5, 8, 4, 2};
constexpr char kCheckChars[] = "10X98765432";

// GB 11643 itself allows any real date; the bounds only reject typos such as
// 0990 or 2990 that happen to be valid calendar dates. They are wide on
// purpose: whether a birth date is too old or too new for a record is the
// rule pack's call (Guizhou's "age at most 120" check must see a child born
// in 1899 as 120 years old, not as an ID number with a bad date).
constexpr int kMinBirthYear = 1800;
constexpr int kMaxBirthYear = 2199;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int digits_value(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// Length in bytes of the UTF-8 sequence that starts with `lead`. Invalid
// bytes count as one character so that masking never gets stuck.
size_t utf8_char_length(unsigned char lead) {
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  if (lead < 0xF8) return 4;
  return 1;
}

// Whether a six-digit code is a GB/T 2260 division. Every record's ID number
// is checked: a bitmap of the 10^6 possible codes (125 KB, built when the
// library loads) answers in one load instead of a binary search through
// the code list. A namespace-scope object, not a function's static: the
// guard of a static and the call around it were a fifth of the lookup.
struct AddressBits {
  std::array<uint64_t, (1000000 + 63) / 64> words{};
  AddressBits() {
    // kGb2260Codes is constant-initialised: ready before any dynamic
    // initialisation, this one included.
    for (int32_t c : kGb2260Codes) words[static_cast<size_t>(c) / 64] |= uint64_t{1} << (c % 64);
  }
};
const AddressBits kAddressBits;

inline bool known_address(int32_t code) {
  return code >= 0 && code < 1000000 &&
         ((kAddressBits.words[static_cast<size_t>(code) / 64] >> (code % 64)) & 1) != 0;
}

// Weights of 4 digits in the 16-bit lanes of a word, arranged so that
// multiplying the word of lanes (d[a], d[a+s], d[a+2s], d[a+3s]) by it sums
// their weighted values in the top lane (see check_character_of_digits).
constexpr uint64_t lane_weights(size_t a, size_t s) {
  uint64_t m = 0;
  for (size_t j = 0; j < 4; ++j) m |= static_cast<uint64_t>(kWeights[a + (3 - j) * s]) << (16 * j);
  return m;
}

// The check character of 17 ASCII digits at p (the caller checked that
// they are digits). Every record's number is checked, and the plain loop
// (17 dependent multiply-adds) was a fifth of the check: here the first 16
// digits are two 8-byte words, each split into even and odd bytes in
// 16-bit lanes, and one multiplication per half sums four weighted digits
// in its top lane. A lane holds at most 4 * 9 * 10 = 360, so no lower lane
// carries into the top one.
char check_character_of_digits(const char* p) {
  if constexpr (std::endian::native == std::endian::little) {
    constexpr uint64_t kZeros = 0x3030303030303030ULL, kLow = 0x00FF00FF00FF00FFULL;
    uint64_t a, b;
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + 8, 8);
    a -= kZeros;
    b -= kZeros;
    const uint64_t sum = (((a & kLow) * lane_weights(0, 2)) >> 48) +
                         ((((a >> 8) & kLow) * lane_weights(1, 2)) >> 48) +
                         (((b & kLow) * lane_weights(8, 2)) >> 48) +
                         ((((b >> 8) & kLow) * lane_weights(9, 2)) >> 48) +
                         static_cast<uint64_t>(p[16] - '0') * kWeights[16];
    return kCheckChars[sum % 11];
  } else {
    int sum = 0;
    for (size_t i = 0; i < 17; ++i) sum += (p[i] - '0') * kWeights[i];
    return kCheckChars[sum % 11];
  }
}

// YYYYMMDD (8 ASCII digits, checked) as numbers. On little-endian machines
// the 8 bytes are one word: one multiply-add turns each pair of digits
// into its two-digit value (10 * first + second, at most 99: no carries).
void digits_ymd(const char* p, int* year, int* month, int* day) {
  if constexpr (std::endian::native == std::endian::little) {
    uint64_t x;
    std::memcpy(&x, p, 8);
    x -= 0x3030303030303030ULL;
    x = (x * 10 + (x >> 8)) & 0x00FF00FF00FF00FFULL;
    *year = static_cast<int>((x & 0xFF) * 100 + ((x >> 16) & 0xFF));
    *month = static_cast<int>((x >> 32) & 0xFF);
    *day = static_cast<int>((x >> 48) & 0xFF);
  } else {
    *year = digits_value({p, 4});
    *month = digits_value({p + 4, 2});
    *day = digits_value({p + 6, 2});
  }
}

// The calendar of the years allowed, as one table by year and month: a
// birth date is one lookup, where the general arithmetic (days_from_civil,
// days_in_month: calls into another file, with branches on the month and
// leap years) cost more than the rest of the check.
struct Month {
  int32_t first;  // day number of its 1st
  int32_t days;   // its length
};
// Built when the library loads, as kAddressBits (and for the same reason);
// an array, so nothing is freed at exit under a check run from another
// object's destructor.
const std::array<Month, (kMaxBirthYear - kMinBirthYear + 1) * 12> kMonths = [] {
  std::array<Month, (kMaxBirthYear - kMinBirthYear + 1) * 12> m{};
  size_t i = 0;
  for (int y = kMinBirthYear; y <= kMaxBirthYear; ++y)
    for (int mo = 1; mo <= 12; ++mo) m[i++] = {Date::from_ymd(y, mo, 1).days(), days_in_month(y, mo)};
  return m;
}();
// The table index of a month; the caller checked the year and month.
size_t month_index(int year, int month) { return static_cast<size_t>((year - kMinBirthYear) * 12 + month - 1); }

// The checks up to the birth date, in check_id_number's order: length,
// characters, date. kNone when they pass (birth_date then set).
IdNumberCheck check_structure(std::string_view id) {
  IdNumberCheck result;
  if (id.size() != kIdLength) {
    // Counted in characters: 18 full-width digits (１２３…, as a Chinese
    // input method types them) are 54 bytes, and "not 18 characters long"
    // would send the user looking for a missing digit.
    size_t characters = 0;
    for (size_t i = 0; i < id.size() && characters <= kIdLength; ++characters)
      i += utf8_char_length(static_cast<unsigned char>(id[i]));
    result.error = characters == kIdLength ? IdNumberError::kCharacters : IdNumberError::kLength;
    return result;
  }
  // Every record's ID number is checked, twice when rules read its birth
  // date: the first 16 characters as two 8-byte words at once. A byte is
  // a digit when its high nibble is 3 both as it is and with 6 added.
  auto digits8 = [](const char* p) {
    uint64_t x;
    std::memcpy(&x, p, 8);
    constexpr uint64_t kHigh = 0xF0F0F0F0F0F0F0F0ULL, kThrees = 0x3030303030303030ULL;
    return (x & kHigh) == kThrees && ((x + 0x0606060606060606ULL) & kHigh) == kThrees;
  };
  if (!digits8(id.data()) || !digits8(id.data() + 8) || !is_digit(id[16])) {
    result.error = IdNumberError::kCharacters;
    return result;
  }
  const char last = id[kIdLength - 1];
  if (!is_digit(last) && last != 'X' && last != 'x') {
    result.error = IdNumberError::kCharacters;
    return result;
  }
  int year, month, day;
  digits_ymd(id.data() + 6, &year, &month, &day);
  if (year < kMinBirthYear || year > kMaxBirthYear || month < 1 || month > 12 || day < 1) {
    result.error = IdNumberError::kBirthDate;
    return result;
  }
  const Month& m = kMonths[month_index(year, month)];
  if (day > m.days) {
    result.error = IdNumberError::kBirthDate;
    return result;
  }
  result.birth_date = Date::from_days(m.first + day - 1);
  return result;
}

// The address code of an ID number whose first 6 characters are digits:
// pairs of digits in one multiply-add, as digits_ymd.
int32_t address_code(const char* p) {
  if constexpr (std::endian::native == std::endian::little) {
    uint64_t x;
    std::memcpy(&x, p, 8);
    x -= 0x3030303030303030ULL;
    x = (x * 10 + (x >> 8)) & 0x00FF00FF00FF00FFULL;
    return static_cast<int32_t>((x & 0xFF) * 10000 + ((x >> 16) & 0xFF) * 100 + ((x >> 32) & 0xFF));
  } else {
    return digits_value({p, 6});
  }
}

#if defined(__SSE2__)
// The checks of a number that passes them all, in one pass with the first
// 16 characters in a vector register (SSE2, which every x86-64 CPU has).
// Every record's ID number is checked, and the scalar checks above took
// 14 ns a number (as much as the rules of a record): loading the same
// bytes three times, the date and address digits and the check sum each
// computed on their own. Here one subtraction gives all 16 digit values,
// one comparison checks them, and two multiply-adds (pmaddwd) turn them
// into the digit pairs of the address and date and into the weighted sum:
// 7 ns a number.
//
// Only the answer "valid" is taken from here: any failure returns false
// and the scalar checks run, so a reject names the same check as before
// (length, characters, date, address, check digit, in that order).
// `kFull` false: the structure and date only, as check_structure.
template <bool kFull>
bool passes_fast(const char* p, int32_t* birth_days) {
  const __m128i digits = _mm_sub_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), _mm_set1_epi8('0'));
  // A byte is a digit when its value less '0', unsigned, is at most 9.
  if (_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(digits, _mm_set1_epi8(9)), digits)) != 0xFFFF) return false;
  const auto d16 = static_cast<unsigned char>(p[16] - '0');
  if (d16 > 9) return false;
  const char last = p[kIdLength - 1];
  if constexpr (!kFull) {
    if (!is_digit(last) && last != 'X' && last != 'x') return false;
  }
  // Digits 0-7 and 8-15 in 16-bit lanes.
  const __m128i zero = _mm_setzero_si128();
  const __m128i lo = _mm_unpacklo_epi8(digits, zero), hi = _mm_unpackhi_epi8(digits, zero);
  // (10, 1) in each pair of lanes: the two-digit numbers d0d1, d2d3, ...
  const __m128i tens = _mm_set1_epi32(0x0001000A);
  alignas(16) int32_t pairs[8];
  _mm_store_si128(reinterpret_cast<__m128i*>(pairs), _mm_madd_epi16(lo, tens));
  _mm_store_si128(reinterpret_cast<__m128i*>(pairs + 4), _mm_madd_epi16(hi, tens));
  const int year = pairs[3] * 100 + pairs[4], month = pairs[5], day = pairs[6];
  if (year < kMinBirthYear || year > kMaxBirthYear || month < 1 || month > 12 || day < 1) return false;
  const Month& m = kMonths[month_index(year, month)];
  if (day > m.days) return false;
  *birth_days = m.first + day - 1;
  if constexpr (kFull) {
    if (!known_address(pairs[0] * 10000 + pairs[1] * 100 + pairs[2])) return false;
    const __m128i weights_lo = _mm_setr_epi16(kWeights[0], kWeights[1], kWeights[2], kWeights[3], kWeights[4],
                                              kWeights[5], kWeights[6], kWeights[7]);
    const __m128i weights_hi = _mm_setr_epi16(kWeights[8], kWeights[9], kWeights[10], kWeights[11], kWeights[12],
                                              kWeights[13], kWeights[14], kWeights[15]);
    __m128i sum = _mm_add_epi32(_mm_madd_epi16(lo, weights_lo), _mm_madd_epi16(hi, weights_hi));
    sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, _MM_SHUFFLE(1, 0, 3, 2)));
    sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, _MM_SHUFFLE(2, 3, 0, 1)));
    const int total = _mm_cvtsi128_si32(sum) + static_cast<int>(d16) * kWeights[16];
    if (kCheckChars[total % 11] != (last == 'x' ? 'X' : last)) return false;
  }
  return true;
}
#endif

// Whether `id` passes (the full checks, or with kFull false those up to the
// birth date) by the fast path, which then fills *valid; false when there
// is no fast path or it cannot tell.
template <bool kFull>
bool passes(std::string_view id, IdNumberCheck* valid) {
#if defined(__SSE2__)
  int32_t days;
  if (id.size() == kIdLength && passes_fast<kFull>(id.data(), &days)) {
    *valid = {IdNumberError::kNone, Date::from_days(days)};
    return true;
  }
#endif
  (void)id;
  (void)valid;
  return false;
}

IdNumberCheck check_id_number_scalar(std::string_view id) {
  IdNumberCheck result = check_structure(id);
  if (result.error != IdNumberError::kNone) return result;
  const char last = id[kIdLength - 1];

  // check_structure saw 17 digits: the address code is their first six.
  if (!known_address(address_code(id.data()))) {
    result.error = IdNumberError::kAddress;
    return result;
  }
  const char expected = check_character_of_digits(id.data());
  const char actual = last == 'x' ? 'X' : last;
  if (actual != expected) result.error = IdNumberError::kCheckDigit;
  return result;
}

}  // namespace

IdNumberCheck check_id_structure(std::string_view id) {
  IdNumberCheck valid;
  return passes<false>(id, &valid) ? valid : check_structure(id);
}

std::optional<Date> id_number_birth_date(std::string_view id) {
  const IdNumberCheck c = check_id_structure(id);
  if (c.error != IdNumberError::kNone) return std::nullopt;
  return c.birth_date;
}

IdNumberCheck check_id_number(std::string_view id) {
  IdNumberCheck valid;
  return passes<true>(id, &valid) ? valid : check_id_number_scalar(id);
}

IdNumberCheck check_id_number_past_address(std::string_view id) {
  IdNumberCheck result = check_structure(id);
  if (result.error != IdNumberError::kNone) return result;
  const char last = id[kIdLength - 1] == 'x' ? 'X' : id[kIdLength - 1];
  if (last != check_character_of_digits(id.data())) result.error = IdNumberError::kCheckDigit;
  return result;
}

IdNumberCheck check_id_number_reference(std::string_view id) { return check_id_number_scalar(id); }
IdNumberCheck check_id_structure_reference(std::string_view id) { return check_structure(id); }

const char* describe(IdNumberError error) {
  switch (error) {
    case IdNumberError::kNone:
      return "id_number is valid";
    case IdNumberError::kLength:
      return "id_number is not 18 characters long (GB 11643)";
    case IdNumberError::kCharacters:
      return "id_number must be 17 digits followed by a digit or X (GB 11643)";
    case IdNumberError::kAddress:
      return "id_number address code (digits 1-6) is not a GB/T 2260 "
             "division code";
    case IdNumberError::kBirthDate:
      return "id_number birth date (digits 7-14) is not a real date";
    case IdNumberError::kCheckDigit:
      return "id_number check digit does not match (GB 11643 MOD 11-2)";
  }
  return "id_number is invalid";
}

std::string describe(IdNumberError error, std::string_view id) {
  std::string reason = describe(error);
  if (error != IdNumberError::kLength && error != IdNumberError::kCharacters) return reason;
  const bool ascii = std::all_of(id.begin(), id.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  const bool digits = std::all_of(id.begin(), id.end(), is_digit);
  size_t characters = 0;  // of the number, separators left out
  bool separated = false;
  for (size_t i = 0; i < id.size();) {
    if (const size_t n = id_separator_length(id.substr(i))) {
      separated = true;
      i += n;
    } else {
      ++characters;
      ++i;
    }
  }
  if (separated && characters == 18 && ascii)
    reason += ": it holds spaces or other separators; write its 18 characters together";
  else if (!ascii)
    reason += ": ASCII digits 0-9 and X, not full-width ones such as '１' or other characters";
  else if (digits && id.size() == 15)
    reason += ": a 15-digit first-generation number; write its 18-character form";
  else if (id.find("E+") != std::string_view::npos || id.find("e+") != std::string_view::npos)
    reason += ": a spreadsheet showed it as a number (5.2E+17) and lost its last digits; format the column as text "
              "and type it again";
  else if (id.starts_with('=') || id.starts_with('\''))
    reason += ": a spreadsheet's formula or apostrophe is around it; keep the characters of the number only";
  else if (error == IdNumberError::kCharacters && id.size() == 18)
    for (size_t i = 0; i < id.size(); ++i)
      if (!is_digit(id[i]) && !(i == 17 && id[i] == 'X')) {
        // One character names no child; where it is and what it is says
        // what to fix ('x' in lower case is read as X before this check).
        reason += ": character " + std::to_string(i + 1) + " is '" + std::string(1, id[i]) + "'";
        break;
      }
  return reason;
}

char id_check_character(std::string_view first17) {
  if (first17.size() >= 17 && std::all_of(first17.begin(), first17.begin() + 17, is_digit)) {
    return check_character_of_digits(first17.data());
  }
  // Not 17 digits (the precondition broken): an answer, never a read
  // outside the table.
  int sum = 0;
  for (size_t i = 0; i < first17.size() && i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return kCheckChars[((sum % 11) + 11) % 11];
}

bool is_known_address_code(std::string_view code6) {
  if (code6.size() != 6 || !std::all_of(code6.begin(), code6.end(), is_digit)) {
    return false;
  }
  return known_address(digits_value(code6));
}

bool is_known_address_code(int32_t code) { return known_address(code); }

std::string mask_id_number(std::string_view id) {
  // Count characters, not bytes: a malformed value may hold Chinese text, and
  // cutting a UTF-8 sequence in half would corrupt the output file.
  std::vector<size_t> starts;
  for (size_t i = 0; i < id.size();) {
    starts.push_back(i);
    i += utf8_char_length(static_cast<unsigned char>(id[i]));
  }
  const size_t n = starts.size();
  size_t keep_head = 0;
  size_t keep_tail = 0;
  if (n == kIdLength) {
    keep_head = 6;
    keep_tail = 4;
  } else {
    // At most 2 characters at each end and at most 40% in total.
    keep_head = keep_tail = std::min<size_t>(2, n / 5);
  }
  std::string out;
  out.reserve(id.size());
  const size_t head_end = keep_head < n ? starts[keep_head] : id.size();
  out.append(id.substr(0, head_end));
  out.append(n - keep_head - keep_tail, '*');
  if (keep_tail > 0) out.append(id.substr(starts[n - keep_tail]));
  return out;
}

namespace {

bool is_valid_id_number(std::string_view id) {
#if defined(__SSE2__)
  // The fast path is exact when it has the whole number: no fallback needed
  // for a yes/no answer (the fallback only names a failure).
  int32_t days;
  return id.size() == kIdLength && passes_fast<true>(id.data(), &days);
#else
  return check_id_number_scalar(id).error == IdNumberError::kNone;
#endif
}

// A 15-digit first-generation number: a known address code and a date.
bool first_generation(std::string_view run) {
  if (run.size() != 15 || !is_known_address_code(run.substr(0, 6))) return false;
  const int month = (run[8] - '0') * 10 + (run[9] - '0'), day = (run[10] - '0') * 10 + (run[11] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

// Whether 8 digits at p are a real date YYYYMMDD from kMinBirthYear to
// kMaxBirthYear, as an ID number's birth date.
bool birth_date_digits(const char* p) {
  int year, month, day;
  digits_ymd(p, &year, &month, &day);
  return year >= kMinBirthYear && year <= kMaxBirthYear && month >= 1 && month <= 12 && day >= 1 &&
         day <= kMonths[month_index(year, month)].days;
}

// Whether two digits at p are a birth year's century (18 to 21).
bool century_at(const char* p) {
  const int century = (p[0] - '0') * 10 + (p[1] - '0');
  return century >= kMinBirthYear / 100 && century <= kMaxBirthYear / 100;
}

// Whether an 18-character run (17 digits, then a digit or X) is an ID
// number, or one that still tells where and when a child was born: its
// birth date is real, and its address code is known (a wrong check
// character, or a wrong digit in the serial) or its check character right
// (a county newer than kcbx's list, which a pack adds in division_codes).
// A wrong digit in the address code or the date is not searched for:
// mending one digit turns too many student numbers into numbers (a county
// code, "2019", then "00010072" reads as 2019-01-01 or 2019-10-01 but for
// one digit: 41% of such keys were masked, and two of them could not be
// told apart in the outputs).
bool near_id_number(std::string_view run) {
  const char* p = run.data();
  // Without a century no date is real: most runs that are no ID number
  // (generated student numbers) stop here.
  if (!century_at(p + 6)) return false;
  if (is_valid_id_number(run)) return true;
  if (!birth_date_digits(p + 6)) return false;
  return known_address(address_code(p)) || check_character_of_digits(p) == (p[17] == 'x' ? 'X' : p[17]);
}

// Whether 17 characters are an ID number without its check character,
// which anyone can compute: a known address code and a real birth date.
bool short_id_number(std::string_view run) {
  const char* p = run.data();
  return century_at(p + 6) && known_address(address_code(p)) && birth_date_digits(p + 6);
}

// Whether a run of digits (with a trailing X after 16 or more) holds an ID
// number, and so is masked whole by mask_id_number (an 18-character run
// keeps its address and last four characters, "G520102********1234"):
// - 18 characters that are an ID number, or still tell a birth
//   (near_id_number);
// - 17 characters that are a number without its check character
//   (short_id_number);
// - a valid 18-character number inside a longer run ("2019" + the number);
// - a 15-digit first-generation number.
// Other runs are no ID number: generated and many real student numbers are
// 18 digits that are none.
bool run_holds_id_number(std::string_view run) {
  if (run.size() == 15) return first_generation(run);
  if (run.size() == 17) return short_id_number(run);
  if (run.size() < 18) return false;
  if (run.size() == 18) return near_id_number(run);
  // The birth year's century first (kMinBirthYear..kMaxBirthYear): most
  // runs that are no ID number (generated student numbers) stop there.
  for (size_t k = 0; k + 18 <= run.size(); ++k) {
    const int century = (run[k + 6] - '0') * 10 + (run[k + 7] - '0');
    if (century >= kMinBirthYear / 100 && century <= kMaxBirthYear / 100 &&
        is_valid_id_number(run.substr(k, 18)))
      return true;
  }
  return false;
}

// The end of an ID number written in groups from `p` ("520102 20100301
// 2156", "520102-2010-0301-2156": groups of digits split by single spaces
// or hyphens, the way numbers are typed into the wrong column), or nullptr
// when the groups from `p` are not one: 18 characters in all (an X last)
// that are a valid number, check character included. Stricter than a run
// of digits: lists of division codes ("210100 210102 210103") and a
// village code with its urban-rural code ("520102001001 111") join into
// real addresses and dates too.
const char* split_id_number_end(const char* p, const char* end) {
  auto digit = [](char c) { return static_cast<unsigned char>(c - '0') <= 9; };
  char joined[18];
  size_t n = 0;
  int groups = 0;
  const char* q = p;
  const char* last_end = nullptr;
  while (q < end && digit(*q)) {
    while (q < end && digit(*q)) {
      if (n == sizeof joined) return nullptr;  // more digits than an ID number
      joined[n++] = *q++;
    }
    if (n == 17 && q < end && (*q == 'X' || *q == 'x')) joined[n++] = *q++;
    ++groups;
    last_end = q;
    // Up to three separators, then the next group.
    const char* next = q;
    for (int k = 0; k < 3 && next < end; ++k) {
      const size_t len = id_separator_length(std::string_view(next, static_cast<size_t>(end - next)));
      if (len == 0) break;
      next += len;
    }
    if (next > q && next < end && digit(*next)) q = next;
    else break;
  }
  if (groups < 2 || (q < end && digit(*q))) return nullptr;
  if (n == 18 && is_valid_id_number(std::string_view(joined, n))) return last_end;
  return nullptr;
}

// Calls `found(begin, end)` for each run of digits in `text` that
// holds an ID number (run_holds_id_number), or each ID number written in
// groups (split_id_number_end), left to right; returns early when `found`
// returns true.
template <typename Found>
void each_id_number(std::string_view text, Found&& found) {
  if (text.size() < 15) return;
  auto digit = [](char c) { return static_cast<unsigned char>(c - '0') <= 9; };
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  for (const char* p = begin; p < end;) {
    if (!digit(*p)) {
      ++p;
      continue;
    }
    const char* q = p + 1;
    while (q < end && digit(*q)) ++q;
    if (q - p >= 16 && q < end && (*q == 'X' || *q == 'x')) ++q;
    const auto at = static_cast<size_t>(p - begin), size = static_cast<size_t>(q - p);
    if (run_holds_id_number(std::string_view(p, size))) {
      if (found(at, at + size)) return;
    } else if (q < end && id_separator_length(std::string_view(q, static_cast<size_t>(end - q))) > 0) {
      if (const char* split = split_id_number_end(p, end)) {
        if (found(at, static_cast<size_t>(split - begin))) return;
        q = split;
      }
    }
    p = q;
  }
}

// each_id_number over a text that may hold full-width digits (０-９, Ｘ,
// ｘ: what a Chinese input method types in full-width mode), which no byte
// scan for '0'-'9' sees: the scan runs on a copy with each such character
// made ASCII, and reports the spans in `text`'s bytes. mask_id_number
// counts characters, so a full-width number keeps its first 6 and last 4
// as an ASCII one does.
template <typename Found>
void each_id_number_any_width(std::string_view text, Found&& found) {
  if (text.find('\xEF') == std::string_view::npos) return each_id_number(text, found);
  std::string ascii;
  std::vector<size_t> at;  // at[k]: the byte of `text` that ascii[k] came from; at[size]: the end
  ascii.reserve(text.size());
  at.reserve(text.size() + 1);
  for (size_t i = 0; i < text.size();) {
    if (const char c = full_width_id_char(text.substr(i))) {
      ascii.push_back(c);
      at.push_back(i);
      i += 3;
    } else {
      ascii.push_back(text[i]);
      at.push_back(i);
      ++i;
    }
  }
  at.push_back(text.size());
  each_id_number(ascii, [&](size_t begin, size_t end) { return found(at[begin], at[end]); });
}

}  // namespace

size_t id_separator_length(std::string_view s) {
  if (s.empty()) return 0;
  switch (s[0]) {
    case ' ': case '\t': case '\r': case '\n': case '-': case '/': case '.': case '_': case ',': return 1;
    default: break;
  }
  static constexpr std::string_view kWide[] = {
      "\xC2\xA0",      // U+00A0 no-break space
      "\xC2\xB7",      // U+00B7 middle dot
      "\xE3\x80\x80",  // U+3000 ideographic space
      "\xE2\x80\x90", "\xE2\x80\x91", "\xE2\x80\x92", "\xE2\x80\x93", "\xE2\x80\x94",  // U+2010-2014 dashes
      "\xEF\xBC\x8C", "\xEF\xBC\x8D", "\xEF\xBC\x8E", "\xEF\xBC\x8F",  // U+FF0C-FF0F ， － ． ／
  };
  for (std::string_view w : kWide)
    if (s.starts_with(w)) return w.size();
  return 0;
}

char full_width_id_char(std::string_view s) {
  if (s.size() < 3 || static_cast<unsigned char>(s[0]) != 0xEF) return 0;
  const auto b1 = static_cast<unsigned char>(s[1]), b2 = static_cast<unsigned char>(s[2]);
  if (b1 == 0xBC && b2 >= 0x90 && b2 <= 0x99) return static_cast<char>('0' + (b2 - 0x90));  // U+FF10..FF19
  if (b1 == 0xBC && b2 == 0xB8) return 'X';                                                  // U+FF38
  if (b1 == 0xBD && b2 == 0x98) return 'x';                                                  // U+FF58
  return 0;
}

bool has_embedded_id_number(std::string_view text) {
  if (text.size() < 15) return false;
#if defined(__SSE2__)
  // A key of 16 to 32 bytes (most student numbers that could hold an ID
  // number): its digits as a bit mask from two vector compares, its runs found by counting bits. A
  // million keys are looked at for every Python result; the byte loop below
  // took 14 ns a key of them.
  if (text.size() >= 16 && text.size() <= 32) {
    // The first 16 bytes and the last 16 (overlapping): both in bounds.
    auto digits = [](const char* p) {
      const __m128i d = _mm_sub_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), _mm_set1_epi8('0'));
      return static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d)));
    };
    const uint32_t mask =
        digits(text.data()) | (digits(text.data() + text.size() - 16) << (text.size() - 16));
    for (uint32_t rest = mask; rest != 0;) {
      const int start = std::countr_zero(rest);
      const int len = std::countr_one(mask >> start);
      rest = start + len >= 32 ? 0 : rest & (~uint32_t{0} << (start + len));
      auto size = static_cast<size_t>(len);
      const size_t after = static_cast<size_t>(start) + size;
      if (size >= 16 && after < text.size() && (text[after] == 'X' || text[after] == 'x')) ++size;
      if (run_holds_id_number(text.substr(static_cast<size_t>(start), size))) return true;
    }
    // Digits in groups ("520102 20100301 2156") and full-width digits
    // are the loop's below: a key without a byte that may start a
    // separator or a full-width character is done. Looked for with the same two
    // loads (find_first_of called memchr once a byte: a quarter of the
    // conversion of a million keys).
    // A separator's first byte (id_separator_length) is below '0' (space,
    // tab, line breaks, '-', '/', '.', ','), '_', or not ASCII (its high
    // bit, which also starts a full-width digit).
    auto special = [](const char* p) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      const __m128i low = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8('0' - 1)), v);
      const __m128i underscore = _mm_cmpeq_epi8(v, _mm_set1_epi8('_'));
      return _mm_movemask_epi8(_mm_or_si128(low, underscore)) | _mm_movemask_epi8(v);
    };
    if ((special(text.data()) | special(text.data() + text.size() - 16)) == 0) return false;
  }
#endif
  bool any = false;
  each_id_number_any_width(text, [&](size_t, size_t) { return any = true; });
  return any;
}

std::string mask_embedded_id_numbers(std::string_view text) {
  std::string out;
  size_t copied = 0;
  each_id_number_any_width(text, [&](size_t begin, size_t end) {
    if (out.empty()) out.reserve(text.size());
    out.append(text.substr(copied, begin - copied));
    const std::string_view run = text.substr(begin, end - begin);
    out.append(mask_id_number(run));
    copied = end;
    return false;
  });
  if (copied == 0) return std::string(text);
  out.append(text.substr(copied));
  return out;
}

std::string masked_key(std::string_view key, size_t limit) {
  std::string masked = mask_embedded_id_numbers(key);
  if (masked.size() > limit) {
    size_t end = limit;
    while (end > 0 && (static_cast<unsigned char>(masked[end]) & 0xC0) == 0x80) --end;
    masked.resize(end);
  }
  return masked;
}

std::string reject_key(std::string_view key) {
  if (key.size() > 4096 || !is_valid_utf8(key)) return {};
  if (const size_t cut = key.find_first_of(",\r\n"); cut != std::string_view::npos) {
    const std::string masked = mask_embedded_id_numbers(key);  // then cut, as masked_key does
    return masked_key(std::string_view(masked).substr(0, masked.find_first_of(",\r\n"))) + "...";
  }
  return masked_key(key);
}

}  // namespace kcbx::detail
