// GB 11643-1999 resident identity numbers (居民身份证号码): validation,
// the birth date they carry, and masking for output.
#ifndef KCBX_IO_ID_NUMBER_H_
#define KCBX_IO_ID_NUMBER_H_

#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "kcbx/date.h"

namespace kcbx::detail {

enum class IdNumberError {
  kNone,
  kLength,         // not 18 characters
  kCharacters,     // first 17 not digits, or last not digit/X
  kAddress,        // first 6 digits are no GB/T 2260 code ever published
  kBirthDate,      // digits 7-14 are not a real date
  kCheckDigit,     // ISO 7064 MOD 11-2 check character does not match
};

struct IdNumberCheck {
  IdNumberError error = IdNumberError::kNone;
  Date birth_date;  // valid when error is kNone or kCheckDigit/kAddress
};

// Validates an 18-character ID number. A lower-case 'x' check character is
// accepted. Never throws.
IdNumberCheck check_id_number(std::string_view id);

// check_id_number where an address code kcbx's list (GB/T 2260, 1980-2019)
// lacks may still be known: `also_known(code)` says whether it is (a
// pack's division_codes, for a county created since). Called only for
// such a code, on a reject's path.
IdNumberCheck check_id_number_past_address(std::string_view id);
template <typename AlsoKnown>
IdNumberCheck check_id_number(std::string_view id, AlsoKnown&& also_known) {
  IdNumberCheck c = check_id_number(id);
  if (c.error == IdNumberError::kAddress) {
    int32_t code = 0;
    for (size_t i = 0; i < 6; ++i) code = code * 10 + (id[i] - '0');  // digits: the structure passed
    if (also_known(code)) c = check_id_number_past_address(id);
  }
  return c;
}

// The birth date of an ID number whose structure and date are sound (what
// id_birth_date() in a pack gives): check_id_number's birth_date, without
// its address and check-digit work, which do not change the date.
std::optional<Date> id_number_birth_date(std::string_view id);

// check_id_number's checks up to the birth date (length, characters, the
// date), without the address code and check digit: error kNone means that
// birth_date is set. For loops over millions of numbers, which read the
// two fields straight from registers: the std::optional that
// id_number_birth_date returns was assembled on the stack byte by byte and
// read back whole, a stall of about 15 cycles a number.
IdNumberCheck check_id_structure(std::string_view id);

// check_id_number and check_id_structure without their vector fast path
// (the portable checks, which name every failure): what tests compare the
// fast path against on machines that have it.
IdNumberCheck check_id_number_reference(std::string_view id);
IdNumberCheck check_id_structure_reference(std::string_view id);

// Human-readable reason for a reject file, e.g. "id_number check digit does
// not match (GB 11643 MOD 11-2)". Never contains the number itself.
const char* describe(IdNumberError error);
// describe(error) with what the value `id` suggests went wrong, for a
// reject: a full-width digit, a 15-digit first-generation number, a
// spreadsheet's 5.2E+17, a formula's '=' around it, or which character is
// not a digit. Never quotes the number.
std::string describe(IdNumberError error, std::string_view id);

// The ISO 7064 MOD 11-2 check character ('0'-'9' or 'X') for 17 digits.
// Precondition: `first17` is 17 ASCII digits.
char id_check_character(std::string_view first17);

// True when `code6` (6 ASCII digits) appears in any published GB/T 2260
// revision 1980-2019 (an old ID number keeps its retired address code).
bool is_known_address_code(std::string_view code6);
// The same for the code as a number (520102).
bool is_known_address_code(int32_t code);

// "520102********1234": keeps the first 6 and last 4 characters of an
// 18-character number; any other length keeps nothing but its first 2 and
// last 2 characters at most (never more than 40% of it).
std::string mask_id_number(std::string_view id);

// The ASCII character a full-width digit or X at the start of `s` stands
// for ('0'-'9' for ０-９, 'X' for Ｘ, 'x' for ｘ: what a Chinese input method
// types in full-width mode, three bytes each), or 0 when `s` starts with
// none. ID numbers are looked for in both widths.
char full_width_id_char(std::string_view s);

// The length in bytes of the separator that `s` starts with, or 0: a
// character typed between the groups of a number written in pieces
// ("522301 20051025 8240", "522301/20051025/8240", "522301　2005…"):
// ASCII space, tab, line break, '-', '/', '.', '_', ',', and the no-break
// space, middle dot, ideographic space, dashes and the full-width hyphen,
// comma, full stop and slash. ID numbers split by up to three of them in
// a row are as personal as whole ones.
size_t id_separator_length(std::string_view s);

// Masks every ID number found inside `text` (a student number is often "G"
// + the ID number), leaving the rest as is: a run of digits that is one
// valid 18-character number as mask_id_number does; a longer run of
// digits with a valid number inside ("2019" + the number), or a 15-digit
// first-generation number, whole. An 18-character run with a real address
// and birth date but a wrong check character is masked as a valid one;
// groups of digits split by separators (id_separator_length) that make one
// valid number ("520102 20100301 1234", "520102/2010.0301") are masked
// whole.
std::string mask_embedded_id_numbers(std::string_view text);

// Whether mask_embedded_id_numbers would change `text`, without building
// the masked copy: a million keys are checked in a few milliseconds.
bool has_embedded_id_number(std::string_view text);

// An ID number as the duplicate checks (`unique: true`) compare it: a
// lower-case check character is the same number as the upper-case one
// (GB 11643 writes X; people type either). `s` itself, or a copy in `buf`
// with the x upper-cased.
inline std::string_view id_number_for_comparison(std::string_view s, char (&buf)[18]) {
  if (s.size() != 18 || s[17] != 'x') return s;
  std::memcpy(buf, s.data(), 17);
  buf[17] = 'X';
  return {buf, 18};
}

// A record's key as a reject or an output shows it: every ID number in it
// masked, then cut to at most `limit` bytes at a character boundary (masked
// first: cut first, a number across the cut would escape the mask).
std::string masked_key(std::string_view key, size_t limit = 64);

// A record's key (trimmed) as its reject names it: masked_key(key), or ""
// when the key cannot be shown (longer than 4,096 bytes, or not UTF-8).
// A key holding a comma or a line break is cut before it ("G1,..."): such
// a "key" is a quoted field never closed, which ran on over the record's
// other cells (a name, a guardian), and a reject shows no such cell.
// Every reader names rejects through it, so that the CSV reader and the
// column input name a record alike.
std::string reject_key(std::string_view key);

}  // namespace kcbx::detail

#endif  // KCBX_IO_ID_NUMBER_H_
