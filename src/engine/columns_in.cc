// batch_from_columns: typed columns (Arrow buffers, numpy arrays) into the
// engine's columnar Batch, one tight loop per column and chunk, validating
// each row as BatchBuilder::add_row does (batch.cc). The two must agree:
// the same rows are rejected, for the same first field, with the same
// reason, so that a DataFrame and a CSV of the same records give the same
// results (tests/python/test_cli.py checks it against `kcbx classify`).
#include "kcbx/columns.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <mutex>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "engine/column_names.h"
#include "engine/columns_stream.h"
#include "engine/plan.h"
#include "io/division_code.h"
#include "io/id_number.h"
#include "util/huge_pages.h"
#include "util/parallel.h"

namespace kcbx {

using detail::BatchData;
using detail::ColumnData;
using detail::ScalarValue;
using detail::TypeKind;

namespace {

constexpr std::string_view kNotYesNo = " is not a yes/no value (use 1/0, true/false, yes/no or 是/否)";

bool bit(const uint8_t* bits, int64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }

// detail::trim_spaces() with the common case (nothing to trim) decided by
// two bytes: a space or tab, or the first byte of U+3000 (E3), U+00A0
// (C2), U+200B (E2) or U+FEFF (EF) at the front, their last (80, A0, 8B,
// BF) at the back.
inline std::string_view trim_fast(std::string_view s) {
  if (s.empty()) return s;
  const auto a = static_cast<unsigned char>(s.front()), b = static_cast<unsigned char>(s.back());
  // The first and last bytes trim_spaces may take: ' ', '\t' and those
  // of U+3000 (E3 .. 80), U+00A0 (C2 A0), U+200B (E2 .. 8B), U+FEFF (EF .. BF).
  if (a != ' ' && a != '\t' && a != 0xE3 && a != 0xC2 && a != 0xE2 && a != 0xEF && b != ' ' && b != '\t' &&
      b != 0x80 && b != 0xA0 && b != 0x8B && b != 0xBF)
    return s;
  return detail::trim_spaces(s);
}

// A double as reject reasons quote it ("%.15g": 0.5, 1e+20).
std::string format_double(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

const char* column_type_name(ArrayType t) {
  switch (t) {
    case ArrayType::kNull: return "null";
    case ArrayType::kBoolBits: case ArrayType::kBoolBytes: return "bool";
    case ArrayType::kInt8: return "int8";
    case ArrayType::kInt16: return "int16";
    case ArrayType::kInt32: return "int32";
    case ArrayType::kInt64: return "int64";
    case ArrayType::kUInt8: return "uint8";
    case ArrayType::kUInt16: return "uint16";
    case ArrayType::kUInt32: return "uint32";
    case ArrayType::kUInt64: return "uint64";
    case ArrayType::kFloat32: return "float32";
    case ArrayType::kFloat64: return "float64";
    case ArrayType::kDate32: return "date32";
    case ArrayType::kDate64: return "date64";
    case ArrayType::kTimestampDays: return "datetime64[D]";
    case ArrayType::kTimestampS: return "timestamp[s]";
    case ArrayType::kTimestampMs: return "timestamp[ms]";
    case ArrayType::kTimestampUs: return "timestamp[us]";
    case ArrayType::kTimestampNs: return "timestamp[ns]";
    case ArrayType::kString: return "string";
    case ArrayType::kLargeString: return "large_string";
    case ArrayType::kStringView: return "string_view";
    case ArrayType::kDictionary: return "dictionary";
  }
  return "?";
}

enum class Family { kNull, kBool, kSigned, kUnsigned, kFloat, kDate, kText, kDictionary };

Family family(ArrayType t) {
  switch (t) {
    case ArrayType::kNull: return Family::kNull;
    case ArrayType::kBoolBits: case ArrayType::kBoolBytes: return Family::kBool;
    case ArrayType::kInt8: case ArrayType::kInt16: case ArrayType::kInt32: case ArrayType::kInt64:
      return Family::kSigned;
    case ArrayType::kUInt8: case ArrayType::kUInt16: case ArrayType::kUInt32: case ArrayType::kUInt64:
      return Family::kUnsigned;
    case ArrayType::kFloat32: case ArrayType::kFloat64: return Family::kFloat;
    case ArrayType::kDate32: case ArrayType::kDate64: case ArrayType::kTimestampDays:
    case ArrayType::kTimestampS: case ArrayType::kTimestampMs: case ArrayType::kTimestampUs:
    case ArrayType::kTimestampNs:
      return Family::kDate;
    case ArrayType::kString: case ArrayType::kLargeString: case ArrayType::kStringView:
      return Family::kText;
    case ArrayType::kDictionary: return Family::kDictionary;
  }
  return Family::kNull;
}

bool accepts(TypeKind kind, Family f) {
  if (f == Family::kNull || f == Family::kText) return true;
  switch (kind) {
    case TypeKind::kBool: return f == Family::kBool || f == Family::kSigned || f == Family::kUnsigned || f == Family::kFloat;
    case TypeKind::kInt:
    case TypeKind::kNumber: return f == Family::kSigned || f == Family::kUnsigned || f == Family::kFloat;
    case TypeKind::kDate: return f == Family::kDate;
    // Floats too: pandas reads a column of codes with one empty cell as
    // float64 (floating() takes its whole values as their digits).
    case TypeKind::kString: return f == Family::kSigned || f == Family::kUnsigned || f == Family::kFloat;
    default: return false;
  }
}

const char* accepted_types(TypeKind kind) {
  switch (kind) {
    case TypeKind::kBool: return "bools, 0/1 integers or text (1/0, true/false, 是/否)";
    case TypeKind::kInt: return "integers, whole floats or text";
    case TypeKind::kNumber: return "integers, floats or text";
    case TypeKind::kDate: return "dates, timestamps or text (YYYY-MM-DD)";
    case TypeKind::kString: return "text, integers or whole floats";
    case TypeKind::kEnum: return "text (value names or Chinese aliases) or categoricals of text";
    case TypeKind::kSet: return "text ('a;b') or categoricals of text";
    default: return "no column";
  }
}

// i32/i64 floor division for time points before 1970.
int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// The integer at value i of an integer chunk, or of a dictionary chunk's
// indices.
int64_t chunk_index(const ColumnChunk& c, int64_t i) {
  const int64_t j = c.offset + i;
  switch (c.type == ArrayType::kDictionary ? c.index_type : c.type) {
    case ArrayType::kInt8: return static_cast<const int8_t*>(c.values)[j];
    case ArrayType::kInt16: return static_cast<const int16_t*>(c.values)[j];
    case ArrayType::kInt32: return static_cast<const int32_t*>(c.values)[j];
    case ArrayType::kInt64: return static_cast<const int64_t*>(c.values)[j];
    case ArrayType::kUInt8: return static_cast<const uint8_t*>(c.values)[j];
    case ArrayType::kUInt16: return static_cast<const uint16_t*>(c.values)[j];
    case ArrayType::kUInt32: return static_cast<const uint32_t*>(c.values)[j];
    case ArrayType::kUInt64: return static_cast<int64_t>(static_cast<const uint64_t*>(c.values)[j]);
    default: return 0;
  }
}

std::string_view text_at(const ColumnChunk& c, int64_t i) {
  const int64_t j = c.offset + i;
  const char* data = static_cast<const char*>(c.values);
  switch (c.type) {
    case ArrayType::kString: {
      const auto* o = static_cast<const int32_t*>(c.offsets);
      return {data + o[j], static_cast<size_t>(o[j + 1] - o[j])};
    }
    case ArrayType::kLargeString: {
      const auto* o = static_cast<const int64_t*>(c.offsets);
      return {data + o[j], static_cast<size_t>(o[j + 1] - o[j])};
    }
    case ArrayType::kStringView: {
      const char* v = data + 16 * j;
      int32_t len;
      std::memcpy(&len, v, 4);
      if (len <= 12) return {v + 4, static_cast<size_t>(len)};
      int32_t buf, off;
      std::memcpy(&buf, v + 8, 4);
      std::memcpy(&off, v + 12, 4);
      return {c.buffers[static_cast<size_t>(buf)] + off, static_cast<size_t>(len)};
    }
    default: return {};
  }
}

// Whether every value of `c` is null: by its validity bitmap, or NaN in a
// float column (pandas' null there, read as null below too).
bool nulls_only(const ColumnChunk& c) {
  if (c.type == ArrayType::kNull) return true;
  for (int64_t i = 0; i < c.length; ++i) {
    if (c.validity && !bit(c.validity, c.offset + i)) continue;
    const int64_t at = c.offset + i;
    if (c.type == ArrayType::kFloat64 && std::isnan(static_cast<const double*>(c.values)[at])) continue;
    if (c.type == ArrayType::kFloat32 && std::isnan(static_cast<const float*>(c.values)[at])) continue;
    return false;
  }
  return true;
}

bool present_at(const ColumnChunk& c, int64_t i) {
  return c.type != ArrayType::kNull && (!c.validity || bit(c.validity, c.offset + i));
}

// 64x64 -> 128-bit multiply, halves folded (wyhash's mixer).
inline uint64_t fold_multiply(uint64_t a, uint64_t b) {
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

// The hash of a key. Keys are short (a national student number is 19
// bytes: G and an ID number): up to 32 bytes are read as overlapping 8-byte
// words and mixed with 128-bit multiplications, in the manner of wyhash.
// std::hash (murmur, a byte loop at the end) took a third of the duplicate
// check. Longer keys use std::hash.
uint64_t key_hash(std::string_view s) {
  const size_t n = s.size();
  if (n > 32) return std::hash<std::string_view>{}(s);
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  constexpr uint64_t k0 = 0xa0761d6478bd642fULL, k1 = 0xe7037ed1a0b428dbULL, k2 = 0x8ebc6af09c88c6e3ULL,
                     k3 = 0x589965cc75374cc3ULL;
  auto word = [p](size_t at) {
    uint64_t w;
    std::memcpy(&w, p + at, 8);
    return w;
  };
  uint64_t h;
  if (n > 16) {
    h = fold_multiply(word(0) ^ k0, word(8) ^ k1) ^ fold_multiply(word(n - 16) ^ k2, word(n - 8) ^ k3);
  } else {
    uint64_t a = 0, b = 0;
    if (n >= 8) {
      a = word(0);
      b = word(n - 8);
    } else if (n >= 4) {
      uint32_t x, y;
      std::memcpy(&x, p, 4);
      std::memcpy(&y, p + n - 4, 4);
      a = x;
      b = y;
    } else if (n > 0) {
      a = (uint64_t{p[0]} << 16) | (uint64_t{p[n >> 1]} << 8) | p[n - 1];
    }
    h = fold_multiply(a ^ k0, b ^ k1);
  }
  return fold_multiply(h ^ k2, n ^ k1);
}

// One value of a chunk, converted to the field's representation by Writer.
struct FieldError {
  int64_t row;  // 0-based position in the input
  std::string reason;
};

// Guards the batch's string arena, shared by the column threads.
struct SharedArena {
  detail::StringArena* arena;
  std::mutex mu;
  std::string_view keep(std::string_view s) {
    std::lock_guard<std::mutex> lock(mu);
    return arena->keep(s);
  }
};

// Writes converted values of one field into its column (VM layout).
class Writer {
 public:
  // `keep` false: values are converted and checked (errors are recorded
  // by row) but written over a small window that is dropped at the end.
  Writer(const detail::FieldDef& def, const detail::FieldInfo& info, const detail::Pack& pack,
         ColumnData& out, size_t n, SharedArena& arena, bool keep = true)
      : def_(def), info_(info), pack_(pack), out_(out), arena_(arena) {
    out_.type = info.type;
    out_.width = detail::width_of(info.type.kind);
    out_.id_number = info.id_number;
    rows_ = n;
    n_ = keep ? n : std::min(n, kWindow);
    wrap_ = keep ? ~size_t{0} : kWindow - 1;
    // A kept column is written row by row, nulls too (null() zeroes
    // theirs), so it is not zeroed first; rows a field rejects are
    // dropped with their record. The window of a column only checked is.
    out_.bytes.clear();
    if (keep) detail::resize_uninitialized(out_.bytes, n_ * static_cast<size_t>(out_.width));
    else out_.bytes.assign(n_ * static_cast<size_t>(out_.width), 0);
    out_.valid.clear();
    keep_default_text();
    out_.birth_days.clear();
    if (info_.id_number && keep) {
      detail::resize_uninitialized(out_.birth_days, n_);  // written with the bytes
      default_birth();
    }
  }

  // Several threads convert one large field, each a part of its rows
  // (see batch_from_columns): size_for_parts sizes the kept column once,
  // then a writer made with Part writes rows of it. Its validity exists
  // from the start (all present: null() marks its rows), as no part may
  // size it while another writes; finish_parts drops it when no row was
  // null.
  struct Part {};
  Writer(Part, const detail::FieldDef& def, const detail::FieldInfo& info, const detail::Pack& pack,
         ColumnData& out, size_t n, SharedArena& arena)
      : def_(def), info_(info), pack_(pack), out_(out), arena_(arena) {
    rows_ = n_ = n;
    wrap_ = ~size_t{0};
    keep_default_text();
    if (info_.id_number) default_birth();
  }
  static void size_for_parts(const detail::FieldInfo& info, ColumnData& out, size_t n) {
    out.type = info.type;
    out.width = detail::width_of(info.type.kind);
    out.id_number = info.id_number;
    out.bytes.clear();
    detail::resize_uninitialized(out.bytes, n * static_cast<size_t>(out.width));
    detail::assign_large(out.valid, n, uint8_t{1});
    out.birth_days.clear();
    if (info.id_number) detail::resize_uninitialized(out.birth_days, n);
  }
  static void finish_parts(ColumnData& out) {
    if (std::find(out.valid.begin(), out.valid.end(), uint8_t{0}) == out.valid.end()) out.valid = {};
  }

  std::vector<FieldError>& errors() { return errors_; }
  TypeKind kind() const { return info_.type.kind; }
  // Whether the column is stored (else only checked, over a window).
  bool kept() const { return wrap_ == ~size_t{0}; }
  // A whole-number or number field that is not kept, and not required:
  // no value of an integer column can fail (but a uint64 past INT64_MAX
  // in a whole-number field), so there is nothing to read. A grade column
  // took 3 ms a million rows to be written over a window and dropped.
  bool skips_integers() const {
    return wrap_ != ~size_t{0} && !def_.required &&
           (info_.type.kind == TypeKind::kInt || info_.type.kind == TypeKind::kNumber);
  }

  // A missing value. Inline for the common field, neither required nor
  // defaulted: a date column of absences is mostly nulls, and the call
  // with its rules was most of its conversion.
  void null(int64_t g) {
    if (!plain_nulls_) [[unlikely]]
      return null_by_rule(g);
    if (out_.valid.empty()) [[unlikely]]
      start_validity();
    const size_t at = static_cast<size_t>(g) & wrap_;
    out_.valid[at] = 0;
    // Zeros under a null: the rules compute on every row before masking
    // (a string view under a null must point nowhere, not at garbage).
    unsigned char* dst = out_.bytes.data() + at * static_cast<size_t>(out_.width);
    switch (out_.width) {
      case 1: *dst = 0; break;
      case 4: std::memset(dst, 0, 4); break;
      case 8: std::memset(dst, 0, 8); break;
      default: std::memset(dst, 0, sizeof(std::string_view)); break;
    }
    if (!out_.birth_days.empty()) out_.birth_days[at] = ColumnData::kNoBirthDate;
  }

  // null() of a required or defaulted field.
  __attribute__((noinline)) void null_by_rule(int64_t g) {
    if (def_.required) return error(g, "required value is missing");
    const ScalarValue& v = *info_.default_value;
    if (v.kind == TypeKind::kString) {
      birth(g, default_birth_);
      return view(g, default_text_);
    }
    bits(g, v.bits);
  }
  __attribute__((noinline)) void start_validity() { detail::assign_large(out_.valid, n_, uint8_t{1}); }

  // Drops what a field that is not kept wrote.
  void drop() {
    out_.kept = false;
    // Freed (= {} would keep the capacity: a window of rows a column).
    decltype(out_.bytes)().swap(out_.bytes);
    decltype(out_.valid)().swap(out_.valid);
    decltype(out_.birth_days)().swap(out_.birth_days);
  }

  // Every row null (a field without a column), as null() row by row.
  void fill_null() {
    if (n_ == 0) return;
    if (def_.required) {
      for (size_t g = 0; g < rows_; ++g) error(static_cast<int64_t>(g), "required value is missing");
      return;
    }
    if (!info_.default_value) {
      out_.valid.assign(n_, 0);
      std::fill(out_.bytes.begin(), out_.bytes.end(), 0);
      std::fill(out_.birth_days.begin(), out_.birth_days.end(), ColumnData::kNoBirthDate);
      return;
    }
    null(0);
    const size_t w = static_cast<size_t>(out_.width);
    for (size_t g = 1; g < n_; ++g) std::memcpy(out_.bytes.data() + g * w, out_.bytes.data(), w);
    if (id_rows_ && !id_rows_->empty())  // the default holds one: every row's does
      for (size_t g = 1; g < n_; ++g) id_rows_->push_back(g);
    if (key_hashes_) std::fill(key_hashes_ + 1, key_hashes_ + n_, key_hashes_[0]);
    std::fill(out_.birth_days.begin(), out_.birth_days.end(), default_birth_);
  }

  void error(int64_t g, std::string reason) { errors_.push_back({g, std::move(reason)}); }

  // Raw bits as a ScalarValue holds them (bool 0/1, date days, enum code,
  // set mask, int, double bits).
  void bits(int64_t g, int64_t b) {
    unsigned char* dst =
        out_.bytes.data() + (static_cast<size_t>(g) & wrap_) * static_cast<size_t>(out_.width);
    switch (out_.width) {
      case 1: *dst = static_cast<unsigned char>(b != 0); break;
      case 4: { const int32_t x = static_cast<int32_t>(b); std::memcpy(dst, &x, 4); break; }
      default: std::memcpy(dst, &b, 8); break;
    }
  }
  void view(int64_t g, std::string_view s) {
    std::memcpy(out_.bytes.data() + (static_cast<size_t>(g) & wrap_) * sizeof(std::string_view), &s,
                sizeof s);
    if (key_hashes_) {
      char folded[18];
      key_hashes_[g] = key_hash(info_.id_number ? detail::id_number_for_comparison(s, folded) : s);
    }
    if (id_rows_ && detail::has_embedded_id_number(s)) id_rows_->push_back(static_cast<size_t>(g));
  }
  // Every row whose string holds an ID number goes into `rows` too, in
  // row order (the key, when the caller masks keys: see
  // ColumnOptions::find_key_id_numbers).
  void id_numbers_into(std::vector<size_t>* rows) { id_rows_ = rows; }
  // Every string written from here on has its key_hash in hashes[row]
  // too (a kept unique field): the duplicate check then reads no string
  // again. Hashed here, the text is in the cache; read back a million
  // keys later, it was not (a third of the check).
  void hash_into(uint64_t* hashes) { key_hashes_ = hashes; }
  // Row g's birth date (an ID-number field that is kept; else nothing).
  void birth(int64_t g, int32_t days) {
    if (!out_.birth_days.empty()) out_.birth_days[static_cast<size_t>(g) & wrap_] = days;
  }

  // A string-field value already kept (or borrowed): id numbers are checked,
  // and their birth dates kept for the rules.
  void string_value(int64_t g, std::string_view s) {
    if (info_.id_number) {
      const auto check = detail::check_id_number(s, [this](int32_t c) { return pack_.adds_division_code(c); });
      if (check.error != detail::IdNumberError::kNone) return error(g, detail::describe(check.error, s));
      birth(g, check.birth_date.days());
    }
    if (info_.division_code)
      if (const char* why = division_check_.error(s)) return error(g, def_.name.value + " is " + why);
    view(g, s);
  }

  // Text from the input: trimmed; empty is null; parsed like a CSV cell.
  // `stable`: the text outlives the batch (borrowed or already kept).
  void text(int64_t g, std::string_view raw, bool stable) {
    const std::string_view t = detail::trim_spaces(raw);
    if (t.empty()) return null(g);
    if (info_.type.kind == TypeKind::kString) return string_value(g, stable ? t : arena_.keep(t));
    if (small_domain()) {
      const Parsed& m = memo(t);
      if (m.error) return error(g, *m.error);
      return bits(g, m.bits);
    }
    if (auto why = detail::parse_cell(t, info_.type, pack_, scratch_)) {
      // Never echo an ID number back: it is personal data.
      return error(g, info_.id_number ? std::string("not a valid ID number") : *why);
    }
    bits(g, scratch_.bits);
  }

  // text() for rows base..base+n of one chunk, `at(i)` giving row i's
  // text and `present(i)` whether it has one. The field's kind is looked at
  // once, not per row: a string column that is borrowed (the common case
  // from Python) or a column of few distinct texts runs a loop of its own,
  // which halved the conversion of such columns.
  template <typename At, typename Present>
  void texts(int64_t base, int64_t n, At&& at, Present&& present, bool stable) {
    // Each present, non-blank text, trimmed, to `take`; the others null.
    auto each_text = [&](auto&& take) {
      for (int64_t i = 0; i < n; ++i) {
        const std::string_view t = present(i) ? trim_fast(at(i)) : std::string_view();
        if (t.empty()) null(base + i);
        else take(base + i, t);
      }
    };
    if (info_.type.kind == TypeKind::kString && stable) {
      if (info_.id_number || info_.division_code)
        each_text([&](int64_t g, std::string_view t) { string_value(g, t); });
      else each_text([&](int64_t g, std::string_view t) { view(g, t); });
    } else if (small_domain()) {
      // Rows in a school's order repeat the text of the row before them
      // (85% of Guizhou's aid sets): that row's entry is checked first.
      const Parsed* last = nullptr;
      each_text([&](int64_t g, std::string_view t) {
        const Parsed& m = last && last->size == t.size() && same_bytes(last->text.data(), t) ? *last : memo(t);
        last = &m;
        if (m.error) error(g, *m.error);
        else bits(g, m.bits);
      });
    } else {
      for (int64_t i = 0; i < n; ++i) {
        if (!present(i)) null(base + i);
        else text(base + i, at(i), stable);
      }
    }
  }

  void boolean(int64_t g, bool b) { bits(g, b ? 1 : 0); }

  // boolean() for rows base..base+n, none of them null, `at(i)` giving row
  // i's value. A yes/no field takes them as they are (no value can fail):
  // written straight into the column when it is kept, not even read when
  // it is not. Ten such columns were a tenth of a Python call's conversion.
  template <typename At>
  void booleans(int64_t base, int64_t n, At&& at) {
    if (info_.type.kind != TypeKind::kBool) {
      for (int64_t i = 0; i < n; ++i) boolean(base + i, at(i));
      return;
    }
    if (wrap_ != ~size_t{0}) return;  // checked only, and nothing to check
    unsigned char* dst = out_.bytes.data() + static_cast<size_t>(base);
    for (int64_t i = 0; i < n; ++i) dst[i] = at(i) ? 1 : 0;
  }

  void signed_int(int64_t g, int64_t v) {
    switch (info_.type.kind) {
      case TypeKind::kBool:
        if (v != 0 && v != 1) return error(g, detail::quote_cell(std::to_string(v)) + std::string(kNotYesNo));
        return bits(g, v);
      case TypeKind::kInt: return bits(g, v);
      case TypeKind::kNumber: {
        const double d = static_cast<double>(v);
        int64_t b;
        std::memcpy(&b, &d, 8);
        return bits(g, b);
      }
      case TypeKind::kString: return string_value(g, arena_.keep(std::to_string(v)));
      default: return;
    }
  }

  void unsigned_int(int64_t g, uint64_t v) {
    if (v <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return signed_int(g, static_cast<int64_t>(v));
    switch (info_.type.kind) {
      case TypeKind::kBool: return error(g, detail::quote_cell(std::to_string(v)) + std::string(kNotYesNo));
      // Worded as the CSV reader words the same digits (pack/values.cc).
      case TypeKind::kInt: return error(g, detail::quote_cell(std::to_string(v)) + " is too large for a whole number");
      case TypeKind::kNumber: {
        const double d = static_cast<double>(v);
        int64_t b;
        std::memcpy(&b, &d, 8);
        return bits(g, b);
      }
      case TypeKind::kString: return string_value(g, arena_.keep(std::to_string(v)));
      default: return;
    }
  }

  void floating(int64_t g, double v) {
    if (std::isnan(v)) return null(g);
    switch (info_.type.kind) {
      case TypeKind::kBool:
        if (v != 0.0 && v != 1.0) return error(g, detail::quote_cell(format_double(v)) + std::string(kNotYesNo));
        return bits(g, v == 1.0);
      case TypeKind::kInt:
        if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) >= 9.2e18)
          return error(g, detail::quote_cell(format_double(v)) + " is not a whole number");
        return bits(g, static_cast<int64_t>(v));
      case TypeKind::kNumber: {
        if (!std::isfinite(v)) return error(g, detail::quote_cell(format_double(v)) + " is not a number");
        int64_t b;
        std::memcpy(&b, &v, 8);
        return bits(g, b);
      }
      case TypeKind::kString: {
        // A text field's codes read as float64 (pandas, one empty cell in
        // the column): a whole value is its digits, as an integer column's
        // are. Past 2^53 a double no longer holds every digit (an ID
        // number's 18 are not), so such a value is refused, not guessed.
        constexpr double kExact = 9007199254740992.0;  // 2^53
        if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) <= kExact)
          return string_value(g, arena_.keep(std::to_string(static_cast<int64_t>(v))));
        if (std::isfinite(v) && v == std::floor(v))
          return error(g, detail::quote_cell(format_double(v)) +
                              " is a number too long to keep every digit in a float column (pandas reads a "
                              "column with an empty cell as float64); read the column as text (dtype=str)");
        return error(g, detail::quote_cell(format_double(v)) + " is not text or a whole number");
      }
      default: return;
    }
  }

  void days(int64_t g, int64_t d) {
    if (d < Date::kMinDays || d > Date::kMaxDays)
      return error(g, "day " + std::to_string(d) + " is not a date in 0001-01-01..9999-12-31");
    bits(g, d);
  }

  // floating() for rows base..base+n, none of them null by validity: a
  // whole-number column (pandas holds one with gaps as float64) takes its
  // whole values in a loop of its own, stored directly when kept.
  template <typename At>
  void floats(int64_t base, int64_t n, At&& at) {
    if (info_.type.kind != TypeKind::kInt || out_.width != 8) {
      for (int64_t i = 0; i < n; ++i) floating(base + i, at(i));
      return;
    }
    const bool kept = wrap_ == ~size_t{0};
    for (int64_t i = 0; i < n; ++i) {
      const double v = at(i);
      // NaN, fractions, infinities and overflow take floating()'s path.
      if (v > -9.2e18 && v < 9.2e18 && v == static_cast<double>(static_cast<int64_t>(v))) {
        if (!kept) continue;  // checked, and nothing to store
        const auto x = static_cast<int64_t>(v);
        std::memcpy(out_.bytes.data() + static_cast<size_t>(base + i) * 8, &x, 8);
      } else {
        floating(base + i, v);
      }
    }
  }

  // bits() for rows base..base+n of a dictionary chunk without nulls whose
  // entries all converted: `index(i)` is row i's entry, `entry[k]` its
  // value. The width is looked at once; a column that is only checked
  // needs the index range check alone.
  template <typename Index>
  void entries(int64_t base, int64_t n, Index&& index, const std::vector<int64_t>& entry) {
    const auto m = static_cast<int64_t>(entry.size());
    auto run = [&](auto store) {
      for (int64_t i = 0; i < n; ++i) {
        const int64_t k = index(i);
        if (k < 0 || k >= m) error(base + i, "dictionary index " + std::to_string(k) + " is out of range");
        else store(base + i, entry[static_cast<size_t>(k)]);
      }
    };
    if (wrap_ != ~size_t{0}) return run([](int64_t, int64_t) {});
    unsigned char* out = out_.bytes.data();
    switch (out_.width) {
      case 1: return run([out](int64_t g, int64_t b) { out[g] = static_cast<unsigned char>(b != 0); });
      case 4: return run([out](int64_t g, int64_t b) {
        const auto x = static_cast<int32_t>(b);
        std::memcpy(out + static_cast<size_t>(g) * 4, &x, 4);
      });
      default: return run([this](int64_t g, int64_t b) { bits(g, b); });
    }
  }

  // Rows base..base+n of a date32 chunk (`validity` bits from `offset`,
  // null: every row present) into a kept date field whose nulls are plain,
  // without a branch per row: a column of absence dates is mostly nulls
  // with a few dates at random rows, and the general loop's branches
  // mispredicted on them (3.6 ms a million rows). false: not such a field.
  bool date32s(int64_t base, int64_t n, const int32_t* v, const uint8_t* validity, int64_t offset) {
    if (info_.type.kind != TypeKind::kDate || out_.width != 4 || wrap_ != ~size_t{0} || !plain_nulls_) return false;
    if (validity && out_.valid.empty()) start_validity();
    unsigned char* out = out_.bytes.data() + static_cast<size_t>(base) * 4;
    uint8_t* valid = validity ? out_.valid.data() + base : nullptr;
    bool out_of_range = false;
    for (int64_t i = 0; i < n; ++i) {
      const bool present = !validity || bit(validity, offset + i);
      const int32_t d = present ? v[i] : 0;
      std::memcpy(out + static_cast<size_t>(i) * 4, &d, 4);
      if (valid) valid[i] = present;
      out_of_range |= (d < Date::kMinDays) | (d > Date::kMaxDays);
    }
    if (out_of_range)  // rare: the days() path says which rows fail
      for (int64_t i = 0; i < n; ++i)
        if ((!validity || bit(validity, offset + i)) && (v[i] < Date::kMinDays || v[i] > Date::kMaxDays))
          days(base + i, v[i]);
    return true;
  }

  static constexpr int64_t kNoDay = std::numeric_limits<int64_t>::min();
  // days() for rows base..base+n, `at(i)` giving row i's day or kNoDay for
  // a null: a kept date column is written directly (its width looked at
  // once, not per row).
  template <typename At>
  void day_values(int64_t base, int64_t n, At&& at) {
    const bool direct = info_.type.kind == TypeKind::kDate && out_.width == 4 && wrap_ == ~size_t{0};
    for (int64_t i = 0; i < n; ++i) {
      const int64_t d = at(i);
      if (d == kNoDay) {
        null(base + i);
      } else if (!direct || d < Date::kMinDays || d > Date::kMaxDays) {
        days(base + i, d);
      } else {
        const auto x = static_cast<int32_t>(d);
        std::memcpy(out_.bytes.data() + static_cast<size_t>(base + i) * 4, &x, 4);
      }
    }
  }

 private:
  static constexpr size_t kWindow = 4096;  // a power of two (wrap_ masks)
  struct Parsed {
    bool used = false;
    size_t size = 0;
    uint64_t head = 0, tail = 0;  // the text's first and last 8 bytes (see Words)
    std::string text;
    int64_t bits = 0;
    std::optional<std::string> error;
  };
  // A text's first 8 bytes (zero-padded) and last 8 (0 when it has at most
  // 8): for a text of up to 16 bytes the two cover all of it.
  struct Words {
    uint64_t head = 0, tail = 0;
    explicit Words(std::string_view t) {
      std::memcpy(&head, t.data(), std::min<size_t>(8, t.size()));
      if (t.size() > 8) std::memcpy(&tail, t.data() + t.size() - 8, 8);
    }
  };
  // An enum, set or yes/no column holds a few distinct texts a million
  // times: each is parsed once, then found here (a set's text is split and
  // every part looked up, 20 ns a row). The slot is a mix of the length and
  // the words; a text is recognised by them and, past 16 bytes, by its
  // middle (one more word up to 24 bytes: libc's memcmp for every row was
  // a third of the lookup).
  const Parsed& memo(std::string_view t) {
    const Words w(t);
    const uint64_t h = (w.head * 0x9E3779B97F4A7C15ULL) ^ (w.tail * 0xC2B2AE3D27D4EB4FULL) ^
                       (t.size() * 0x165667B19E3779F9ULL);
    Parsed& m = memo_[static_cast<size_t>(h >> 59) % memo_.size()];
    bool same = m.used && m.size == t.size() && m.head == w.head && m.tail == w.tail;
    if (same && t.size() > 16) {
      if (t.size() <= 24) {
        uint64_t x, y;
        std::memcpy(&x, t.data() + 8, 8);
        std::memcpy(&y, m.text.data() + 8, 8);
        same = x == y;
      } else {
        same = std::memcmp(t.data() + 8, m.text.data() + 8, t.size() - 16) == 0;
      }
    }
    if (!same) {
      m.used = true;
      m.size = t.size();
      m.head = w.head;
      m.tail = w.tail;
      m.text.assign(t);
      m.error = detail::parse_cell(t, info_.type, pack_, scratch_);
      m.bits = scratch_.bits;
    }
    return m;
  }
  // Whether the t.size() bytes at p are t's, 8 at a time (libc's memcmp
  // was a third of a memo lookup).
  static bool same_bytes(const char* p, std::string_view t) {
    const size_t n = t.size();
    if (n < 8) {
      for (size_t k = 0; k < n; ++k)
        if (p[k] != t[k]) return false;
      return true;
    }
    uint64_t diff = 0, x, y;
    for (size_t k = 0; k + 8 <= n; k += 8) {
      std::memcpy(&x, p + k, 8);
      std::memcpy(&y, t.data() + k, 8);
      diff |= x ^ y;
    }
    std::memcpy(&x, p + n - 8, 8);
    std::memcpy(&y, t.data() + n - 8, 8);
    return (diff | (x ^ y)) == 0;
  }
  bool small_domain() const {
    const TypeKind k = info_.type.kind;
    return (k == TypeKind::kEnum || k == TypeKind::kSet || k == TypeKind::kBool) && !info_.id_number;
  }
  // The field's default text, kept for the rows that take it.
  void keep_default_text() {
    if (info_.default_value && info_.default_value->kind == TypeKind::kString)
      default_text_ = arena_.keep(info_.default_value->text);
  }
  // The birth date of the field's default (an ID number), for rows
  // that take it.
  void default_birth() {
    const detail::IdNumberCheck d = detail::check_id_structure(default_text_);
    if (d.error == detail::IdNumberError::kNone) default_birth_ = d.birth_date.days();
  }
  const detail::FieldDef& def_;
  const detail::FieldInfo& info_;
  const detail::Pack& pack_;
  ColumnData& out_;
  SharedArena& arena_;
  size_t rows_ = 0;  // rows converted
  size_t n_ = 0;     // rows stored
  size_t wrap_ = 0;  // row index mask: all ones when kept
  std::string_view default_text_;
  // Neither required nor defaulted: a missing value is only marked missing.
  bool plain_nulls_ = !def_.required && !info_.default_value;
  int32_t default_birth_ = ColumnData::kNoBirthDate;  // of default_text_
  ScalarValue scratch_;
  std::array<Parsed, 32> memo_;  // small_domain(): parsed texts by hash
  uint64_t* key_hashes_ = nullptr;  // see hash_into
  std::vector<size_t>* id_rows_ = nullptr;  // see id_numbers_into
  // Remembers the last known county.
  detail::DivisionCodeCheck division_check_{[p = &pack_](int32_t c) { return p->adds_division_code(c); }};
  std::vector<FieldError> errors_;
};

// Calls f(i, present) for each value of a chunk, with `validity` folded in.
template <typename F>
void each(const ColumnChunk& c, F&& f) {
  if (!c.validity) {
    for (int64_t i = 0; i < c.length; ++i) f(i, true);
  } else {
    for (int64_t i = 0; i < c.length; ++i) f(i, bit(c.validity, c.offset + i));
  }
}

template <typename T>
const T* typed(const ColumnChunk& c) { return static_cast<const T*>(c.values) + c.offset; }

// Converts one non-dictionary chunk into rows base..base+length.
void convert_plain(const ColumnChunk& c, int64_t base, Writer& w, SharedArena& arena, bool borrow) {
  const TypeKind kind = w.kind();
  // (A uint64 past INT64_MAX is no whole number; a number takes it.)
  if (w.skips_integers() &&
      (family(c.type) == Family::kSigned ||
       (family(c.type) == Family::kUnsigned && (c.type != ArrayType::kUInt64 || kind == TypeKind::kNumber))))
    return;
  switch (c.type) {
    case ArrayType::kNull:
      for (int64_t i = 0; i < c.length; ++i) w.null(base + i);
      return;
    case ArrayType::kBoolBits: {
      const auto* bits = static_cast<const uint8_t*>(c.values);
      if (!c.validity) return w.booleans(base, c.length, [&](int64_t i) { return bit(bits, c.offset + i); });
      each(c, [&](int64_t i, bool p) {
        if (!p) return w.null(base + i);
        w.boolean(base + i, bit(bits, c.offset + i));
      });
      return;
    }
    case ArrayType::kBoolBytes: {
      const auto* v = typed<uint8_t>(c);
      if (!c.validity) return w.booleans(base, c.length, [&](int64_t i) { return v[i] != 0; });
      each(c, [&](int64_t i, bool p) {
        if (!p) return w.null(base + i);
        w.boolean(base + i, v[i] != 0);
      });
      return;
    }
#define KCBX_SIGNED(TYPE, CT)                                              \
  case ArrayType::CT: {                                                   \
    const auto* v = typed<TYPE>(c);                                        \
    each(c, [&](int64_t i, bool p) {                                       \
      if (!p) return w.null(base + i);                                     \
      w.signed_int(base + i, v[i]);                                        \
    });                                                                    \
    return;                                                                \
  }
      KCBX_SIGNED(int8_t, kInt8)
      KCBX_SIGNED(int16_t, kInt16)
      KCBX_SIGNED(int32_t, kInt32)
      KCBX_SIGNED(uint8_t, kUInt8)
      KCBX_SIGNED(uint16_t, kUInt16)
      KCBX_SIGNED(uint32_t, kUInt32)
#undef KCBX_SIGNED
    case ArrayType::kInt64: {
      const auto* v = typed<int64_t>(c);
      if (kind == TypeKind::kInt && !c.validity) {
        // The common case, straight through.
        for (int64_t i = 0; i < c.length; ++i) w.bits(base + i, v[i]);
        return;
      }
      each(c, [&](int64_t i, bool p) {
        if (!p) return w.null(base + i);
        w.signed_int(base + i, v[i]);
      });
      return;
    }
    case ArrayType::kUInt64: {
      const auto* v = typed<uint64_t>(c);
      each(c, [&](int64_t i, bool p) {
        if (!p) return w.null(base + i);
        w.unsigned_int(base + i, v[i]);
      });
      return;
    }
    case ArrayType::kFloat32: {
      const auto* v = typed<float>(c);
      each(c, [&](int64_t i, bool p) {
        if (!p) return w.null(base + i);
        w.floating(base + i, static_cast<double>(v[i]));
      });
      return;
    }
    case ArrayType::kFloat64: {
      const auto* v = typed<double>(c);
      if (!c.validity) return w.floats(base, c.length, [&](int64_t i) { return v[i]; });
      each(c, [&](int64_t i, bool p) {
        if (!p) return w.null(base + i);
        w.floating(base + i, v[i]);
      });
      return;
    }
    case ArrayType::kDate32: {
      const auto* v = typed<int32_t>(c);
      if (w.date32s(base, c.length, v, c.validity, c.offset)) return;
      w.day_values(base, c.length, [&](int64_t i) -> int64_t {
        return c.validity && !bit(c.validity, c.offset + i) ? Writer::kNoDay : v[i];
      });
      return;
    }
    case ArrayType::kDate64: case ArrayType::kTimestampDays: case ArrayType::kTimestampS:
    case ArrayType::kTimestampMs: case ArrayType::kTimestampUs: case ArrayType::kTimestampNs: {
      const auto* v = typed<int64_t>(c);
      // Days from time points (rounded down: before 1970 too); the
      // smallest value is NaT in timestamps. The unit is a constant of
      // each loop: a division by a constant is a multiplication.
      auto run = [&](auto ticks_per_day, bool nat) {
        w.day_values(base, c.length, [&](int64_t i) -> int64_t {
          if (c.validity && !bit(c.validity, c.offset + i)) return Writer::kNoDay;
          const int64_t x = v[i];
          if (nat && x == std::numeric_limits<int64_t>::min()) return Writer::kNoDay;
          return floor_div(x, decltype(ticks_per_day)::value);
        });
      };
      using Ticks = int64_t;
      switch (c.type) {
        case ArrayType::kDate64: return run(std::integral_constant<Ticks, 86400000LL>{}, false);
        case ArrayType::kTimestampDays: return run(std::integral_constant<Ticks, 1>{}, true);
        case ArrayType::kTimestampS: return run(std::integral_constant<Ticks, 86400LL>{}, true);
        case ArrayType::kTimestampMs: return run(std::integral_constant<Ticks, 86400000LL>{}, true);
        case ArrayType::kTimestampUs: return run(std::integral_constant<Ticks, 86400000000LL>{}, true);
        default: return run(std::integral_constant<Ticks, 86400000000000LL>{}, true);
      }
    }
    case ArrayType::kString: case ArrayType::kLargeString: case ArrayType::kStringView: {
      if (borrow || kind != TypeKind::kString || c.type == ArrayType::kStringView || c.length == 0) {
        // Borrowed, parsed into bits, or (views) kept value by value.
        auto present = [&](int64_t i) { return !c.validity || bit(c.validity, c.offset + i); };
        const char* data = static_cast<const char*>(c.values);
        if (c.type == ArrayType::kString) {
          const auto* o = static_cast<const int32_t*>(c.offsets) + c.offset;
          auto at = [&](int64_t i) { return std::string_view(data + o[i], static_cast<size_t>(o[i + 1] - o[i])); };
          w.texts(base, c.length, at, present, borrow);
        } else if (c.type == ArrayType::kLargeString) {
          const auto* o = static_cast<const int64_t*>(c.offsets) + c.offset;
          auto at = [&](int64_t i) { return std::string_view(data + o[i], static_cast<size_t>(o[i + 1] - o[i])); };
          w.texts(base, c.length, at, present, borrow);
        } else {
          w.texts(base, c.length, [&](int64_t i) { return text_at(c, i); }, present, borrow);
        }
        return;
      }
      // Copy mode keeps the chunk's data once and points values into it.
      const bool narrow = c.type == ArrayType::kString;
      auto off = [&](int64_t j) {
        return narrow ? static_cast<int64_t>(static_cast<const int32_t*>(c.offsets)[j])
                      : static_cast<const int64_t*>(c.offsets)[j];
      };
      const int64_t first = off(c.offset), last = off(c.offset + c.length);
      const char* src = static_cast<const char*>(c.values) + first;
      const std::string_view kept = arena.keep({src, static_cast<size_t>(last - first)});
      each(c, [&](int64_t i, bool p) {
        if (!p) return w.null(base + i);
        const std::string_view t = text_at(c, i);
        w.text(base + i, {kept.data() + (t.data() - src), t.size()}, true);
      });
      return;
    }
    case ArrayType::kDictionary: return;  // handled by convert_dictionary
  }
}

// A dictionary chunk: each entry converted once into a one-row column,
// then rows copy their entry.
void convert_dictionary(const ColumnChunk& c, int64_t base, Writer& w, const detail::FieldDef& def,
                        const detail::FieldInfo& info, const detail::Pack& pack, SharedArena& arena,
                        bool borrow) {
  const ColumnChunk& dict = *c.dictionary;
  const size_t m = static_cast<size_t>(dict.length);
  ColumnData entries;
  Writer ew(def, info, pack, entries, m, arena);
  convert_plain(dict, 0, ew, arena, borrow);
  std::vector<const std::string*> entry_error(m, nullptr);
  // Required-missing entries become errors too; keep them per entry.
  for (const auto& e : ew.errors()) entry_error[static_cast<size_t>(e.row)] = &e.reason;
  const size_t width = static_cast<size_t>(entries.width);
  // The common case (pandas' categoricals of an enum: no null rows, every
  // entry a value) in a loop of its own.
  if (!c.validity && info.type.kind != TypeKind::kString && ew.errors().empty() && entries.valid.empty()) {
    std::vector<int64_t> value(m, 0);
    for (size_t e = 0; e < m; ++e) {
      const unsigned char* src = entries.bytes.data() + e * width;
      if (width == 1) value[e] = *src;
      else if (width == 4) { int32_t x; std::memcpy(&x, src, 4); value[e] = x; }
      else std::memcpy(&value[e], src, 8);
    }
    auto run = [&](auto zero) {
      const auto* idx = static_cast<const decltype(zero)*>(c.values) + c.offset;
      w.entries(base, c.length, [idx](int64_t i) { return static_cast<int64_t>(idx[i]); }, value);
    };
    switch (c.index_type) {
      case ArrayType::kInt8: return run(int8_t{});
      case ArrayType::kInt16: return run(int16_t{});
      case ArrayType::kInt32: return run(int32_t{});
      case ArrayType::kInt64: return run(int64_t{});
      default: break;  // unsigned indices: the general loop
    }
  }
  for (int64_t i = 0; i < c.length; ++i) {
    const int64_t g = base + i;
    if (!present_at(c, i)) {
      w.null(g);
      continue;
    }
    const int64_t k = chunk_index(c, i);
    if (k < 0 || static_cast<size_t>(k) >= m) {
      w.error(g, "dictionary index " + std::to_string(k) + " is out of range");
      continue;
    }
    const size_t e = static_cast<size_t>(k);
    if (entry_error[e]) {
      w.error(g, *entry_error[e]);
      continue;
    }
    if (!entries.present(e)) {
      // A null entry: the default (or null), as for a null value. A
      // required field's null entry was an error above.
      w.null(g);
      continue;
    }
    const unsigned char* src = entries.bytes.data() + e * width;
    if (info.type.kind == TypeKind::kString) {
      std::string_view s;
      std::memcpy(&s, src, sizeof s);
      w.view(g, s);  // id numbers were checked per entry
      if (!entries.birth_days.empty()) w.birth(g, entries.birth_days[e]);
    } else {
      int64_t b = 0;
      if (width == 1) b = *src;
      else if (width == 4) { int32_t x; std::memcpy(&x, src, 4); b = x; }
      else std::memcpy(&b, src, 8);
      w.bits(g, b);
    }
  }
}

// The text of a row's key cell for a reject (trimmed; reject_key masks
// and cuts it, as the CSV reader's rejects).
std::string key_text(const ColumnView& col, int64_t g) {
  int64_t base = 0;
  for (const ColumnChunk& c : col.chunks) {
    if (g >= base + c.length) {
      base += c.length;
      continue;
    }
    const int64_t i = g - base;
    const ColumnChunk* chunk = &c;
    int64_t j = i;
    if (!present_at(c, i)) return "";
    if (c.type == ArrayType::kDictionary) {
      j = chunk_index(c, i);
      chunk = c.dictionary;
      if (j < 0 || j >= chunk->length || !present_at(*chunk, j)) return "";
    }
    switch (family(chunk->type)) {
      case Family::kText: return std::string(detail::trim_spaces(text_at(*chunk, j)));
      case Family::kSigned: return std::to_string(chunk_index(*chunk, j));
      case Family::kUnsigned:
        return std::to_string(static_cast<uint64_t>(chunk_index(*chunk, j)));
      default: return "";
    }
  }
  return "";
}

// The hash of row g's value in a unique column: key_hash of a string,
// mixed bits of anything else.
uint64_t value_hash(const ColumnData& col, size_t g) {
  const unsigned char* p = col.bytes.data() + g * static_cast<size_t>(col.width);
  if (col.type.kind == TypeKind::kString) {
    std::string_view s;
    std::memcpy(&s, p, sizeof s);
    char folded[18];
    return key_hash(col.id_number ? detail::id_number_for_comparison(s, folded) : s);
  }
  uint64_t h = 0;
  std::memcpy(&h, p, static_cast<size_t>(col.width));
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

// The rows of one unique column, by value. Open addressing over 8-byte
// slots (a 32-bit hash tag and the row). Equal hashes are compared by
// value: a duplicate reported is a real one, where a 64-bit hash alone would
// (very rarely) call two different values equal.
class UniqueRows {
 public:
  static constexpr int64_t kNone = -1;

  explicit UniqueRows(const ColumnData& col) : col_(col) {}

  // Empties the table and sizes it for `rows` values.
  void reset(size_t rows) {
    // Rows are stored in 32 bits: one call of more than 4 billion rows
    // would need terabytes of columns first.
    if (rows >= UINT32_MAX) throw std::length_error("more than 4,294,967,294 rows in one table");
    size_t cap = 16;
    while (cap < 2 * rows) cap <<= 1;
    slots_.assign(cap, Slot{0, 0});
    mask_ = cap - 1;
  }

  uint64_t hash(size_t g) const { return value_hash(col_, g); }

  // The row already holding row g's value, or kNone.
  int64_t find(uint64_t h, size_t g) const {
    const auto tag = static_cast<uint32_t>(h >> 32);
    for (size_t s = h & mask_;; s = (s + 1) & mask_) {
      const Slot& x = slots_[s];
      if (x.row == 0) return kNone;
      if (x.tag == tag && same(x.row - 1, g)) return x.row - 1;
    }
  }
  // As find, but remembers g when its value is new.
  int64_t find_or_insert(uint64_t h, size_t g) {
    const auto tag = static_cast<uint32_t>(h >> 32);
    for (size_t s = h & mask_;; s = (s + 1) & mask_) {
      Slot& x = slots_[s];
      if (x.row == 0) {
        x = {tag, static_cast<uint32_t>(g + 1)};
        return kNone;
      }
      if (x.tag == tag && same(x.row - 1, g)) return x.row - 1;
    }
  }

 private:
  struct Slot {
    uint32_t tag;  // the hash's top half
    uint32_t row;  // row + 1; 0: empty
  };
  bool same(size_t a, size_t b) const {
    const size_t w = static_cast<size_t>(col_.width);
    const unsigned char* pa = col_.bytes.data() + a * w;
    const unsigned char* pb = col_.bytes.data() + b * w;
    if (col_.type.kind != TypeKind::kString) return std::memcmp(pa, pb, w) == 0;
    std::string_view sa, sb;
    std::memcpy(&sa, pa, sizeof sa);
    std::memcpy(&sb, pb, sizeof sb);
    if (!col_.id_number) return sa == sb;
    char fa[18], fb[18];
    return detail::id_number_for_comparison(sa, fa) == detail::id_number_for_comparison(sb, fb);
  }
  const ColumnData& col_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

// A repeated value of a unique column: the row and the first row with it
// (indices into the column).
struct Duplicate {
  size_t row, first;
};

// The duplicates of one unique column, as add_row finds them: rows marked
// in `skip` (rejected already) and nulls are neither checked nor
// remembered. Nearly every value is unique, so a filter first sifts the
// rows, branch-free: each row sets a bit picked by its hash in a bitmap
// of 8 bits per row ("once"), and a second bitmap ("twice") records the
// bits set again. A row whose bit no other row set has a value no other
// row has. Only the rest, every repeated value's rows and about 12% by
// chance, go into a table of values, in row order, so that the first row
// with a value is the one remembered. The two bitmaps are interleaved (a
// row touches one cache line) and take 2 bytes a row.
// This replaced grouping the rows by hash first (a counting sort into 256
// groups, each sifted and checked with a table that fitted in L1): the
// sort's scattered stores were half the check's time, which went from
// 14 to 12 ms a million keys (the minimum of 20 calls each, alternated).
// `known`: value_hash of every row that is present and not skipped (the
// conversion's, see Writer::hash_into), or empty.
std::vector<Duplicate> find_duplicates(const ColumnData& col, size_t rows, const std::vector<uint8_t>& skip,
                                       const detail::RawVector<uint64_t>& known) {
  std::vector<Duplicate> out;
  if (rows >= UINT32_MAX) throw std::length_error("more than 4,294,967,294 rows in one table");
  detail::RawVector<uint64_t> computed;  // read only where written
  if (known.size() != rows) detail::resize_uninitialized(computed, rows);
  const uint64_t* hashes = known.size() == rows ? known.data() : computed.data();
  if (known.size() != rows)
    for (size_t g = 0; g < rows; ++g)
      if (!skip[g] && col.present(g)) computed[g] = value_hash(col, g);
  const size_t bits = std::bit_ceil(std::max<size_t>(rows * 8, 64));
  struct Words {
    uint64_t once, twice;
  };
  std::vector<Words> filter(bits / 64, Words{0, 0});
  // Other bits of the hash than the table below takes for its slots (its
  // low ones), so that rows sifted out by chance spread over the slots.
  auto filter_bit = [bits](uint64_t hash) { return std::rotr(hash, 24) & (bits - 1); };
  // Each row's word is fetched some rows ahead: a million rows' bitmaps
  // (2 MB) do not stay in the L2 cache beside the conversion's other data,
  // and the loads' misses took most of the time without it (18 ms).
  constexpr size_t ahead = 32;
  for (size_t g = 0; g < rows; ++g) {
    if (g + ahead < rows && !skip[g + ahead] && col.present(g + ahead))
      __builtin_prefetch(&filter[filter_bit(hashes[g + ahead]) >> 6], 1, 1);
    if (skip[g] || !col.present(g)) continue;
    const size_t b = filter_bit(hashes[g]);
    Words& w = filter[b >> 6];
    const uint64_t bit = uint64_t{1} << (b & 63);
    w.twice |= w.once & bit;
    w.once |= bit;
  }
  std::vector<uint32_t> suspects;
  for (size_t g = 0; g < rows; ++g) {
    if (g + ahead < rows && !skip[g + ahead] && col.present(g + ahead))
      __builtin_prefetch(&filter[filter_bit(hashes[g + ahead]) >> 6], 0, 1);
    if (skip[g] || !col.present(g)) continue;
    const size_t b = filter_bit(hashes[g]);
    if ((filter[b >> 6].twice >> (b & 63)) & 1) suspects.push_back(static_cast<uint32_t>(g));
  }
  std::vector<Words>().swap(filter);
  if (suspects.empty()) return out;
  UniqueRows seen(col);
  seen.reset(suspects.size());
  for (const uint32_t g : suspects) {
    const int64_t first = seen.find_or_insert(hashes[g], g);
    if (first != UniqueRows::kNone) out.push_back({g, static_cast<size_t>(first)});
  }
  return out;
}

// A rough relative cost of converting a field, only to order the work
// (ns a row on a million Guizhou rows, both threads busy, this machine):
// an ID number's check about 11, the key's hash and duplicate check 8
// more, a division code's check 8, a set parsed from text 5, dates, numbers and kept texts 2 to 4,
// yes/no 1, a text only checked for presence or not checked at all next
// to nothing. Dictionary-encoded columns are cheaper than this says; the
// order stays about right.
int conversion_cost(const detail::FieldDef& def, const detail::FieldInfo& info, bool kept, bool present,
                    bool early_unique) {
  if (!present) return 0;
  int cost = 0;
  if (info.id_number) cost += 11;
  if (info.division_code) cost += 8;  // about the key's check on Guizhou's rows
  if (def.unique && early_unique) cost += 8;
  switch (info.type.kind) {
    case TypeKind::kSet: cost += 5; break;
    case TypeKind::kBool: cost += kept ? 1 : 0; break;
    case TypeKind::kString: cost += kept || def.required ? 3 : 0; break;
    default: cost += 3; break;
  }
  return cost;
}

}  // namespace

namespace {

// batch_from_columns, and with `stream` one call of several on one input
// (engine/columns_stream.h).
ColumnsBatch convert_columns(const RulePack& rules, std::span<const ColumnView> columns,
                             const ColumnOptions& options, detail::ColumnsStream* stream) {
  const auto& cp = rules.checked();
  const detail::Pack& pack = *cp.pack;
  const auto& fields = pack.fields;
  ColumnsBatch result;

  // Map columns to fields by name or alias, as BatchBuilder::set_columns.
  std::vector<Diagnostic> diags;
  std::vector<std::string_view> names;
  for (const ColumnView& c : columns) names.push_back(c.name);
  detail::ColumnMatch match = detail::match_columns(pack, names);
  const std::vector<int>& field_column = match.field_column;
  result.notes = std::move(match.notes);
  for (const auto& d : match.duplicates)
    diags.push_back({Severity::kError, {options.source, 1, 0}, "duplicate-column",
                     "columns '" + columns[d.first].name + "' and '" + columns[d.second].name +
                         "' are both field '" + fields[d.field].name.value + "'"});
  int64_t n = -1;
  for (size_t c = 0; c < columns.size(); ++c) {
    int64_t len = 0;
    for (const auto& ch : columns[c].chunks) len += ch.length;
    if (n < 0) n = len;
    else if (len != n)
      diags.push_back({Severity::kError, {options.source, 1, 0}, "column-length",
                       "column '" + columns[c].name + "' has " + std::to_string(len) +
                           " values; the first column has " + std::to_string(n)});
  }
  if (n < 0) n = 0;
  if (stream && !stream->row_numbers.empty() && stream->row_numbers.size() != static_cast<size_t>(n))
    throw std::invalid_argument("batch_from_columns: " + std::to_string(stream->row_numbers.size()) +
                                " row numbers for " + std::to_string(n) + " rows");
  for (size_t f : match.missing)
    diags.push_back({Severity::kError, {options.source, 1, 0}, "missing-column", detail::missing_column_message(fields[f])});
  if (has_errors(diags)) throw Error(std::move(diags));

  // Column types a field does not accept are caller mistakes, not data,
  // except in a chunk of nulls only: it holds no value of any type (pandas
  // reads a column left empty in a CSV file as float64 NaN, whatever the
  // field). Such a chunk is read as Arrow's null type. Looked at only when
  // the type is refused: a chunk of the right type costs nothing here.
  std::vector<ColumnView> retyped;
  for (size_t f = 0; f < fields.size(); ++f) {
    if (field_column[f] < 0) continue;
    const ColumnView& col = columns[static_cast<size_t>(field_column[f])];
    const TypeKind kind = cp.fields[f].type.kind;
    for (size_t k = 0; k < col.chunks.size(); ++k) {
      const ColumnChunk& ch = col.chunks[k];
      if (ch.type != ArrayType::kDictionary && !accepts(kind, family(ch.type)) && nulls_only(ch)) {
        if (retyped.empty()) retyped.assign(columns.begin(), columns.end());
        retyped[static_cast<size_t>(field_column[f])].chunks[k].type = ArrayType::kNull;
        continue;
      }
      const ColumnChunk* value_chunk = &ch;
      if (ch.type == ArrayType::kDictionary) {
        if (!ch.dictionary || ch.dictionary->type == ArrayType::kDictionary ||
            (family(ch.index_type) != Family::kSigned && family(ch.index_type) != Family::kUnsigned))
          throw ColumnTypeError(col.name, "column '" + col.name + "': a dictionary needs integer indices and a dictionary of values");
        value_chunk = ch.dictionary;
      }
      if (!accepts(kind, family(value_chunk->type))) {
        std::string what = ch.type == ArrayType::kDictionary
                               ? std::string("dictionary of ") + column_type_name(value_chunk->type)
                               : column_type_name(ch.type);
        throw ColumnTypeError(col.name, "column '" + col.name + "' has type " + what + "; field '" +
                                            fields[f].name.value + "' is " +
                                            detail::type_name(kind) + " and takes " + accepted_types(kind));
      }
      if (value_chunk->type == ArrayType::kStringView && ch.type != ArrayType::kDictionary &&
          !value_chunk->values && value_chunk->length > 0)
        throw ColumnTypeError(col.name, "column '" + col.name + "': string views without data");
    }
  }
  if (!retyped.empty()) columns = retyped;

  auto data = std::make_shared<BatchData>();
  data->pack = rules.shared();
  data->columns.resize(fields.size());
  SharedArena arena{data->strings.get(), {}};
  const size_t rows = static_cast<size_t>(n);
  std::vector<std::vector<FieldError>> errors(fields.size());

  // Unique fields are kept for the duplicate check below.
  std::vector<uint8_t> keep(fields.size(), 1);
  if (!options.keep.empty())
    for (size_t f = 0; f < fields.size(); ++f)
      keep[f] = fields[f].unique || std::find(options.keep.begin(), options.keep.end(),
                                              fields[f].name.value) != options.keep.end();
  // The key hashes of each unique string field, from its conversion: with
  // one unique field (the usual key), whose check reads them.
  std::vector<detail::RawVector<uint64_t>> key_hashes(fields.size());
  const bool hash_keys = std::count_if(fields.begin(), fields.end(), [](const auto& d) { return d.unique; }) == 1;
  // A text chunk of a string field that is not stored cannot fail unless
  // the field is required or has a format: nothing to convert.
  auto unchecked_text = [&](size_t f, const ColumnChunk& ch) {
    return !keep[f] && cp.fields[f].type.kind == TypeKind::kString && !fields[f].required &&
           !cp.fields[f].id_number && !cp.fields[f].division_code && family(ch.type) == Family::kText &&
           ch.type != ArrayType::kDictionary;
  };
  // Rows [begin, end) of field f's column through `w`: each chunk's piece
  // of them, as a slice (Arrow's offset) of the chunk.
  auto convert_rows = [&](size_t f, size_t begin, size_t end, Writer& w) {
    int64_t base = 0;
    for (const ColumnChunk& ch : columns[static_cast<size_t>(field_column[f])].chunks) {
      const int64_t lo = std::max(base, static_cast<int64_t>(begin));
      const int64_t hi = std::min(base + ch.length, static_cast<int64_t>(end));
      if (lo < hi && !unchecked_text(f, ch)) {
        ColumnChunk piece = ch;
        piece.offset += lo - base;
        piece.length = hi - lo;
        // A column only checked keeps no string past the call: its texts
        // are read where they are.
        const bool borrow = options.borrow_strings || !w.kept();
        if (ch.type == ArrayType::kDictionary)
          convert_dictionary(piece, lo, w, fields[f], cp.fields[f], pack, arena, borrow);
        else
          convert_plain(piece, lo, w, arena, borrow);
      }
      base += ch.length;
    }
  };
  // The key field, when its keys are searched for ID numbers.
  const int key_of_pack = cp.field_index(cp.key_field());
  const int id_key = options.find_key_id_numbers && key_of_pack >= 0 &&
                             cp.fields[static_cast<size_t>(key_of_pack)].type.kind == TypeKind::kString
                         ? key_of_pack
                         : -1;
  std::vector<size_t> key_id_rows;  // input rows, ascending
  auto convert_field = [&](size_t f) {
    Writer w(fields[f], cp.fields[f], pack, data->columns[f], rows, arena, keep[f] != 0);
    if (hash_keys && fields[f].unique && cp.fields[f].type.kind == TypeKind::kString) {
      detail::resize_uninitialized(key_hashes[f], rows);
      w.hash_into(key_hashes[f].data());
    }
    if (static_cast<int>(f) == id_key) w.id_numbers_into(&key_id_rows);
    if (field_column[f] < 0) w.fill_null();
    else convert_rows(f, 0, rows, w);
    errors[f] = std::move(w.errors());
    if (!keep[f]) w.drop();
  };
  std::vector<size_t> unique_fields;
  for (size_t f = 0; f < fields.size(); ++f)
    if (fields[f].unique) unique_fields.push_back(f);

  // With one unique field (the usual key), its duplicate check runs beside
  // the conversion of the other fields instead of after them all: the
  // thread that converts the key goes on to check it, taking only the key's
  // own errors as rejects. Rows that another field rejects are fixed up
  // after the join (below).
  size_t threads = options.threads > 0 ? static_cast<size_t>(options.threads)
                                       : std::max(1u, std::thread::hardware_concurrency());
  if (n < 16384) threads = 1;
  const bool early_unique = threads > 1 && unique_fields.size() == 1;
  std::vector<Duplicate> early;

  // The work: each field whole, or a slow field in parts of its rows.
  // The parts are taken slowest first, so that the threads finish
  // together whatever the pack's field order: a slow field taken last
  // leaves the other thread idle. Whole fields alone left a third of a
  // thread idle on Guizhou's 24 columns (the ID numbers' check is a
  // third of the work); a field is cut into parts when it is worth
  // several of the other fields. Unique fields stay whole (their
  // duplicate check follows their conversion), and so do dictionaries
  // (each part would convert the dictionary again).
  struct Task {
    size_t field, begin, end, part;
    int cost;  // the field's conversion_cost (x64) shared among its parts
  };
  std::vector<Task> tasks;
  std::vector<std::vector<std::vector<FieldError>>> part_errors(fields.size());
  constexpr int kSplitCost = 5;  // a set parsed from text, or anything slower
  for (size_t f = 0; f < fields.size(); ++f) {
    const int cost = conversion_cost(fields[f], cp.fields[f], keep[f] != 0, field_column[f] >= 0, early_unique);
    bool split = threads > 1 && field_column[f] >= 0 && !fields[f].unique && static_cast<int>(f) != id_key &&
                 cost >= kSplitCost;
    if (split)
      for (const ColumnChunk& ch : columns[static_cast<size_t>(field_column[f])].chunks)
        if (ch.type == ArrayType::kDictionary) split = false;
    const size_t parts = split ? 2 * threads : 1;
    if (parts > 1) {
      part_errors[f].resize(parts);
      if (keep[f]) Writer::size_for_parts(cp.fields[f], data->columns[f], rows);
    }
    for (size_t k = 0; k < parts; ++k)
      tasks.push_back({f, rows * k / parts, rows * (k + 1) / parts, parts > 1 ? k : SIZE_MAX,
                       cost * 64 / static_cast<int>(parts)});
  }
  std::stable_sort(tasks.begin(), tasks.end(), [](const Task& a, const Task& b) { return a.cost > b.cost; });
  auto task = [&](size_t k) {
    const Task& t = tasks[k];
    const size_t f = t.field;
    if (t.part != SIZE_MAX) {
      if (keep[f]) {
        Writer w(Writer::Part{}, fields[f], cp.fields[f], pack, data->columns[f], rows, arena);
        convert_rows(f, t.begin, t.end, w);
        part_errors[f][t.part] = std::move(w.errors());
      } else {
        ColumnData scratch;  // the window of a column only checked
        Writer w(fields[f], cp.fields[f], pack, scratch, rows, arena, false);
        convert_rows(f, t.begin, t.end, w);
        part_errors[f][t.part] = std::move(w.errors());
      }
      return;
    }
    convert_field(f);
    if (early_unique && f == unique_fields[0]) {
      std::vector<uint8_t> own(rows, 0);
      for (const FieldError& e : errors[f]) own[static_cast<size_t>(e.row)] = 1;
      early = find_duplicates(data->columns[f], rows, own, key_hashes[f]);
    }
  };
  detail::parallel_for(tasks.size(), threads, task);
  for (size_t f = 0; f < fields.size(); ++f) {
    if (part_errors[f].empty()) continue;
    for (auto& part : part_errors[f]) std::move(part.begin(), part.end(), std::back_inserter(errors[f]));
    ColumnData& col = data->columns[f];
    if (keep[f]) {
      Writer::finish_parts(col);
    } else {
      col.type = cp.fields[f].type;
      col.width = detail::width_of(col.type.kind);
      col.kept = false;
    }
  }

  // The first failing field in field order decides a row's reject.
  std::vector<uint8_t> rejected(rows, 0);
  std::vector<Reject>& rejects = result.rejects;
  const int key_field = unique_fields.empty() ? -1 : static_cast<int>(unique_fields[0]);
  auto row_of = [&](size_t g) -> int64_t {
    return stream && !stream->row_numbers.empty() ? stream->row_numbers[g]
                                                  : options.first_row + static_cast<int64_t>(g);
  };
  auto make_reject = [&](int64_t g, size_t f, std::string reason) {
    Reject r;
    r.row = row_of(static_cast<size_t>(g));
    if (key_field >= 0 && field_column[static_cast<size_t>(key_field)] >= 0)
      r.student_id = detail::reject_key(key_text(columns[static_cast<size_t>(field_column[static_cast<size_t>(key_field)])], g));
    r.column = fields[f].name.value;
    r.reason = std::move(reason);
    return r;
  };
  for (size_t f = 0; f < fields.size(); ++f)
    for (auto& e : errors[f]) {
      const size_t g = static_cast<size_t>(e.row);
      if (rejected[g]) continue;
      rejected[g] = 1;
      rejects.push_back(make_reject(e.row, f, std::move(e.reason)));
    }

  // Unique values, row by row in input order, as add_row remembers them:
  // every unique field is checked, and the values of an accepted record
  // only are remembered. `first_row`: the row number of the first record
  // with the value.
  auto duplicate = [&](size_t g, size_t f, int64_t first_row) {
    rejected[g] = 1;
    rejects.push_back(make_reject(static_cast<int64_t>(g), f,
                                  "duplicate " + fields[f].name.value + " (first on row " +
                                      std::to_string(first_row) + ")"));
  };
  // In a stream, the values earlier calls accepted (see ColumnsStream).
  std::vector<detail::SeenValues*> earlier(fields.size(), nullptr);
  if (stream) {
    stream->seen.resize(fields.size());
    for (size_t f : unique_fields) {
      if (!stream->seen[f]) stream->seen[f] = std::make_unique<detail::SeenValues>(stream->unique_memory);
      earlier[f] = stream->seen[f].get();
    }
  }
  auto hash_of = [&](size_t f, size_t g) {
    return key_hashes[f].size() == rows ? key_hashes[f][g] : value_hash(data->columns[f], g);
  };
  if (unique_fields.size() == 1) {
    const size_t f = unique_fields[0];
    const ColumnData& col = data->columns[f];
    // A value an earlier call accepted: a duplicate of that call's row,
    // whatever this call holds (no row of it with the value can have been
    // accepted). Looked up before this call's own check, which then skips
    // the row as add_row would have. Each lookup misses the cache: the
    // set is fetched some rows ahead.
    if (detail::SeenValues* seen = earlier[f]) {
      constexpr size_t kAhead = 8;
      for (size_t g = 0; g < std::min(rows, kAhead); ++g)
        if (!rejected[g] && col.present(g)) seen->prefetch(hash_of(f, g));
      for (size_t g = 0; g < rows; ++g) {
        if (g + kAhead < rows && !rejected[g + kAhead] && col.present(g + kAhead))
          seen->prefetch(hash_of(f, g + kAhead));
        if (rejected[g] || !col.present(g)) continue;
        const int64_t first = seen->find(hash_of(f, g));
        if (first >= 0) duplicate(g, f, first);
      }
    }
    // The early check remembered the rows that other fields reject. That
    // changes nothing unless such a row is in a duplicate pair (as the
    // repeat or as the first); then the check runs again without them.
    bool exact = early_unique;
    for (const Duplicate& d : early)
      if (rejected[d.row] || rejected[d.first]) exact = false;
    const std::vector<Duplicate> dups =
        exact ? std::move(early) : find_duplicates(data->columns[f], rows, rejected, key_hashes[f]);
    for (const Duplicate& d : dups) duplicate(d.row, f, row_of(d.first));
    if (detail::SeenValues* seen = earlier[f])
      for (size_t g = 0; g < rows; ++g)
        if (!rejected[g] && col.present(g)) seen->insert(hash_of(f, g), row_of(g));
  } else if (!unique_fields.empty()) {
    std::vector<UniqueRows> seen;
    for (size_t f : unique_fields) {
      seen.emplace_back(data->columns[f]);
      seen.back().reset(rows);
    }
    std::vector<uint64_t> hashes(unique_fields.size());
    for (size_t g = 0; g < rows; ++g) {
      if (rejected[g]) continue;
      bool dup = false;
      for (size_t k = 0; k < unique_fields.size() && !dup; ++k) {
        const size_t f = unique_fields[k];
        if (!data->columns[f].present(g)) continue;
        hashes[k] = seen[k].hash(g);
        int64_t first = seen[k].find(hashes[k], g);
        bool found = first != UniqueRows::kNone;
        if (found) first = row_of(static_cast<size_t>(first));
        else if (earlier[f] && (first = earlier[f]->find(hashes[k])) >= 0) found = true;
        if (found) {
          duplicate(g, f, first);
          dup = true;
        }
      }
      if (dup) continue;
      for (size_t k = 0; k < unique_fields.size(); ++k) {
        const size_t f = unique_fields[k];
        if (!data->columns[f].present(g)) continue;
        seen[k].find_or_insert(hashes[k], g);
        if (earlier[f]) earlier[f]->insert(hashes[k], row_of(g));
      }
    }
  }
  std::sort(rejects.begin(), rejects.end(),
            [](const Reject& a, const Reject& b) { return a.row < b.row; });

  // Keep the accepted rows.
  data->row_numbers.reserve(rows - rejects.size());
  if (rejects.empty()) {
    detail::resize_uninitialized(data->row_numbers, rows);
    if (stream && !stream->row_numbers.empty())
      std::copy(stream->row_numbers.begin(), stream->row_numbers.end(), data->row_numbers.begin());
    else
      std::iota(data->row_numbers.begin(), data->row_numbers.end(), options.first_row);
  } else {
    for (size_t g = 0; g < rows; ++g)
      if (!rejected[g]) data->row_numbers.push_back(row_of(g));
    for (ColumnData& col : data->columns) {
      if (!col.kept) continue;
      const size_t w = static_cast<size_t>(col.width);
      size_t out = 0;
      for (size_t g = 0; g < rows; ++g) {
        if (rejected[g]) continue;
        if (out != g) {
          std::memmove(col.bytes.data() + out * w, col.bytes.data() + g * w, w);
          if (!col.valid.empty()) col.valid[out] = col.valid[g];
          if (!col.birth_days.empty()) col.birth_days[out] = col.birth_days[g];
        }
        ++out;
      }
      col.bytes.resize(out * w);
      if (!col.valid.empty()) col.valid.resize(out);
      if (!col.birth_days.empty()) col.birth_days.resize(out);
    }
    // The columns were sized, and the strings kept, for every row. When
    // the rejected rows are more than a sixteenth (or the batch is to be
    // compact), it is made to hold only its own.
    if (rejects.size() * 16 > rows || (stream && stream->compact)) {
      detail::shrink_to_fit(*data);
      auto strings = std::make_shared<detail::StringArena>();
      for (ColumnData& col : data->columns) {
        if (!col.kept || options.borrow_strings || col.type.kind != TypeKind::kString) continue;
        // A default text is one string for many rows: kept once again.
        std::string_view last_old, last_new;
        for (size_t i = 0; i < data->row_numbers.size(); ++i) {
          unsigned char* p = col.bytes.data() + i * sizeof(std::string_view);
          std::string_view v;
          std::memcpy(&v, p, sizeof v);
          if (v.data() != last_old.data() || v.size() != last_old.size()) {
            last_old = v;
            last_new = strings->keep(v);
          }
          std::memcpy(p, &last_new, sizeof last_new);
        }
      }
      if (!options.borrow_strings) data->strings = std::move(strings);
    }
  }
  if (stream && stream->compact)
    for (ColumnData& col : data->columns) decltype(col.birth_days)().swap(col.birth_days);
  data->rows = data->row_numbers.size();
  result.read = n;
  if (id_key >= 0) {
    // Input rows to records of the batch: the rejected rows before each
    // are not in it.
    result.key_id_numbers_found = true;
    size_t before = 0, g = 0;
    for (const size_t row : key_id_rows) {
      for (; g < row; ++g) before += rejected[g];
      if (!rejected[row]) result.key_id_numbers.push_back(row - before);
    }
  }
  result.batch = Batch(std::move(data));
  return result;
}

}  // namespace

ColumnsBatch batch_from_columns(const RulePack& rules, std::span<const ColumnView> columns,
                                const ColumnOptions& options) {
  return convert_columns(rules, columns, options, nullptr);
}

ColumnsBatch detail::batch_from_columns(const RulePack& rules, std::span<const ColumnView> columns,
                                        const ColumnOptions& options, ColumnsStream& stream) {
  return convert_columns(rules, columns, options, &stream);
}

}  // namespace kcbx
