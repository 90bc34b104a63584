// Text <-> typed values for record cells and outputs. The accepted spellings
// are mechanism (what a CSV from Chinese Excel looks like), not policy.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "expr/ast.h"
#include "expr/check.h"
#include "io/id_number.h"
#include "pack/checked_pack.h"
#include "util/ascii.h"

namespace kcbx::detail {

namespace {

// True when `text` holds an ID number: 15 or more digits in a row, as
// resident ID numbers (18 characters, or 15 for the first generation) have,
// or exactly 15 or 18 digits (an X may be the 18th) split by separators
// (id_separator_length: "520102 2010...", "520102/2010...",
// "520102　2010..."): the way ID numbers are typed into the wrong column,
// and just as personal. Two dates or phone numbers run
// together have other digit counts and stay readable. Full-width digits
// (０-９, Ｘ: a Chinese input method in full-width mode) count as digits.
bool holds_id_number(std::string_view text) {
  size_t digits = 0;  // in the current run, separators skipped
  size_t plain = 0;   // since the last separator
  int separators = 0;  // in a row, before the next digit
  bool split = false;
  auto ends_id = [&] { return plain >= 15 || (split && (digits == 15 || digits == 18)); };
  for (size_t i = 0; i <= text.size(); ++i) {
    char c = i < text.size() ? text[i] : '\0';
    // A full-width digit or X read as its ASCII self, its three bytes one
    // character.
    if (const char ascii = i < text.size() ? full_width_id_char(text.substr(i)) : 0) {
      c = ascii == 'x' ? 'X' : ascii;
      i += 2;
    }
    const size_t separator = i < text.size() ? id_separator_length(text.substr(i)) : 0;
    if (c >= '0' && c <= '9') {
      ++digits;
      ++plain;
      separators = 0;
      if (plain >= 15) return true;
    } else if (separator > 0 && digits > 0 && separators < 3) {
      // Up to three separators in a row (id_separator_length) between groups.
      ++separators;
      split = true;
      plain = 0;
      i += separator - 1;
    } else {
      if ((c == 'X' || c == 'x') && digits == 17) ++digits;  // the check character
      if (ends_id()) return true;
      digits = plain = 0;
      separators = 0;
      split = false;
    }
  }
  return false;
}

// The first values of an enum or set domain, for a reject reason: the
// user sees what to type without opening the pack.
// The values a cell may hold, each with its Chinese label when it has one
// ("enrolled 在籍"): a user who typed a label sees the labels.
std::string allowed_values(const DomainDef& d) {
  std::string allowed;
  for (size_t i = 0; i < d.values.size() && i < 12; ++i) {
    allowed += (i ? ", " : "") + d.values[i].name.value;
    if (!d.values[i].alias.empty()) allowed += " " + d.values[i].alias.value;
  }
  if (d.values.size() > 12) allowed += ", ...";
  return allowed;
}

// "; did you mean 'enrolled'?" for a cell a typo away from a value or label.
// The hint after an enum or set cell that is no value. A label the base
// pack gave a value that this pack relabels is named as such: the nearest
// label may mean the opposite (a relabelled 退学 is one character from 休学,
// suspended, which would hide a dropout). Else the nearest name or label.
std::string value_suggestion(const Pack& pack, const DomainDef& d, std::string_view cell) {
  for (const Pack* base = pack.base.get(); base; base = base->base.get()) {
    for (const DomainDef& bd : base->domains) {
      if (bd.name != d.name) continue;
      const int code = find_enum_value(bd, cell);
      if (code < 0) break;
      const std::string& value = bd.values[static_cast<size_t>(code)].name.value;
      for (const auto& v : d.values)
        if (v.name.value == value)
          return "; '" + std::string(cell) + "' is the base pack's label of '" + value + "', which this pack labels '" +
                 (v.alias.empty() ? value : v.alias.value) + "'";
      break;
    }
  }
  std::vector<std::string> names;
  for (const auto& v : d.values) {
    names.push_back(v.name.value);
    if (!v.alias.empty()) names.push_back(v.alias.value);
  }
  const std::string near = nearest_name(cell, names);
  return near.empty() ? std::string() : "; did you mean '" + near + "'?";
}

}  // namespace

std::string quote_cell(std::string_view text) {
  // Reject reasons are output: an ID number typed into the wrong column is
  // masked there like everywhere else (DESIGN.md).
  std::string masked;
  if (holds_id_number(text)) {
    masked = mask_id_number(text);
    text = masked;
  }
  // Cells are quoted in reasons, cut short so that a 10 MB field does not
  // become a 10 MB message, and never inside a UTF-8 character.
  size_t cut = std::min<size_t>(text.size(), 40);
  while (cut > 0 && cut < text.size() &&
         (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;
  std::string s(text.substr(0, cut));
  if (text.size() > cut) s += "...";
  return "'" + s + "'";
}

namespace {

// Reads 1..max_digits digits at t[pos...] into v; false when there are none
// or more.
bool read_digits(std::string_view t, size_t& pos, size_t max_digits, int& v) {
  const size_t start = pos;
  v = 0;
  while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9' && pos - start < max_digits + 1) v = v * 10 + (t[pos++] - '0');
  return pos > start && pos - start <= max_digits;
}

// A time of day after a date that is midnight ("0:00", "00:00:00"), as a
// spreadsheet writes a date-time cell holding a date only.
bool is_midnight(std::string_view t) {
  if (t.empty()) return true;
  if (t[0] != ' ') return false;
  t.remove_prefix(1);
  return t == "0:00" || t == "00:00" || t == "0:00:00" || t == "00:00:00";
}

}  // namespace

std::optional<Date> parse_data_date(std::string_view t) {
  if (auto d = Date::parse(t)) return d;
  if (t.size() < 8 || t.size() > 40) return std::nullopt;
  size_t pos = 0;
  int y = 0, m = 0, d = 0;
  if (!read_digits(t, pos, 4, y) || pos != 4) return std::nullopt;
  constexpr std::string_view kYear = "\u5e74", kMonth = "\u6708", kDay = "\u65e5";  // 年 月 日
  if (t.substr(pos, kYear.size()) == kYear) {
    pos += kYear.size();
    if (!read_digits(t, pos, 2, m) || t.substr(pos, kMonth.size()) != kMonth) return std::nullopt;
    pos += kMonth.size();
    if (!read_digits(t, pos, 2, d) || t.substr(pos, kDay.size()) != kDay) return std::nullopt;
    pos += kDay.size();
  } else {
    const char sep = t[pos];
    if (sep != '-' && sep != '/' && sep != '.') return std::nullopt;
    ++pos;
    if (!read_digits(t, pos, 2, m) || pos >= t.size() || t[pos] != sep) return std::nullopt;
    ++pos;
    if (!read_digits(t, pos, 2, d)) return std::nullopt;
  }
  if (!is_midnight(t.substr(pos)) || !is_valid_ymd(y, m, d)) return std::nullopt;
  return Date::from_ymd(y, m, d);
}

std::string not_a_date(std::string_view t) {
  std::string why = quote_cell(t) + " is not a date (YYYY-MM-DD)";
  // 9/1/2019 or 1.9.2019: the day and month cannot be told apart.
  const size_t last = t.find_last_of("/.-");
  if (last != std::string_view::npos && t.size() - last == 5 &&
      t.find_first_not_of("0123456789/.-") == std::string_view::npos)
    why += ": put the year first (2019/9/1): with it last, day and month cannot be told apart";
  return why;
}

std::optional<std::string> parse_cell(std::string_view t, const Type& type,
                                      const Pack& pack, ScalarValue& out) {
  out.kind = type.kind;
  out.bits = 0;
  out.text.clear();
  switch (type.kind) {
    case TypeKind::kBool:
      if (t == "1" || iequals_ascii(t, "true") || t == "是" || iequals_ascii(t, "yes") || iequals_ascii(t, "y")) {
        out.bits = 1;
        return std::nullopt;
      }
      if (t == "0" || iequals_ascii(t, "false") || t == "否" || iequals_ascii(t, "no") || iequals_ascii(t, "n")) {
        out.bits = 0;
        return std::nullopt;
      }
      return quote_cell(t) + " is not a yes/no value (use 1/0, true/false, yes/no or 是/否)";
    case TypeKind::kInt: {
      // std::from_chars: the whole int64 range, -9223372036854775808
      // included, and out-of-range told apart from not-a-number.
      std::string_view digits = t;
      if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
      if (digits.empty() || digits[0] == '+' || (digits[0] == '-' && t[0] == '+'))
        return quote_cell(t) + " is not a whole number";
      int64_t v = 0;
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
      if (ec == std::errc::result_out_of_range && end == digits.data() + digits.size())
        return quote_cell(t) + " is too large for a whole number";
      if (ec != std::errc() || end != digits.data() + digits.size()) return quote_cell(t) + " is not a whole number";
      out.bits = v;
      return std::nullopt;
    }
    case TypeKind::kNumber: {
      std::string s(t.substr(0, 64));
      char* end = nullptr;
      errno = 0;
      const double d = std::strtod(s.c_str(), &end);
      if (s.empty() || t.size() > 64 || end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(d))
        return quote_cell(t) + " is not a number";
      std::memcpy(&out.bits, &d, 8);
      return std::nullopt;
    }
    case TypeKind::kDate: {
      auto d = parse_data_date(t);
      if (!d) return not_a_date(t);
      out.bits = d->days();
      return std::nullopt;
    }
    case TypeKind::kString:
      out.text = std::string(t);
      return std::nullopt;
    case TypeKind::kEnum: {
      const DomainDef& d = pack.domains[static_cast<size_t>(type.domain)];
      const int code = find_enum_value(d, t);
      if (code < 0)
        return quote_cell(t) + " is not a value of " + d.name + " (" + allowed_values(d) + ")" +
               value_suggestion(pack, d, t);
      out.bits = code;
      return std::nullopt;
    }
    case TypeKind::kSet: {
      const DomainDef& d = pack.domains[static_cast<size_t>(type.domain)];
      uint64_t bits = 0;
      std::string_view unknown;
      const bool known = for_each_set_value(t, [&](std::string_view value) {
        const int code = find_enum_value(d, value);
        if (code < 0) unknown = value;
        else bits |= uint64_t{1} << code;
        return code >= 0;
      });
      // The separator is named: a cell such as "a,b" or "a b" reads as one
      // unknown value, and the user cannot tell why from the value alone.
      if (!known)
        return quote_cell(unknown) + " is not a value of " + d.name + " (" + allowed_values(d) +
               "; separate several values with ';')" + value_suggestion(pack, d, unknown);
      out.bits = static_cast<int64_t>(bits);
      return std::nullopt;
    }
    case TypeKind::kDuration:
      return std::string("durations are not record values");
  }
  return std::string("unsupported type");
}

std::string format_value_for_reading(const Type& type, const void* data, const Pack& pack) {
  if (type.kind == TypeKind::kBool) return *static_cast<const uint8_t*>(data) ? "true" : "false";
  return format_value(type, data, pack);
}

std::string format_value(const Type& type, const void* data, const Pack& pack) {
  switch (type.kind) {
    case TypeKind::kBool: return *static_cast<const uint8_t*>(data) ? "1" : "0";
    case TypeKind::kInt: return std::to_string(*static_cast<const int64_t*>(data));
    case TypeKind::kNumber: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.6g", *static_cast<const double*>(data));
      return buf;
    }
    case TypeKind::kDate: return Date::from_days(*static_cast<const int32_t*>(data)).format();
    case TypeKind::kString: return std::string(*static_cast<const std::string_view*>(data));
    case TypeKind::kEnum: {
      const int32_t code = *static_cast<const int32_t*>(data);
      const auto& values = pack.domains[static_cast<size_t>(type.domain)].values;
      if (code < 0 || static_cast<size_t>(code) >= values.size()) return "";
      return values[static_cast<size_t>(code)].name.value;
    }
    case TypeKind::kSet: {
      const uint64_t bits = *static_cast<const uint64_t*>(data);
      const auto& values = pack.domains[static_cast<size_t>(type.domain)].values;
      std::string out;
      for (size_t i = 0; i < values.size() && i < 64; ++i)
        if ((bits >> i) & 1) {
          if (!out.empty()) out += ';';
          out += values[i].name.value;
        }
      return out;
    }
    case TypeKind::kDuration: {
      const auto* d = static_cast<const Duration*>(data);
      std::string out;
      if (d->months) out += std::to_string(d->months) + (std::abs(d->months) == 1 ? " month" : " months");
      if (d->days || out.empty()) {
        if (!out.empty()) out += " + ";
        out += std::to_string(d->days) + (std::abs(d->days) == 1 ? " day" : " days");
      }
      return out;
    }
  }
  return "";
}

}  // namespace kcbx::detail
