#include "expr/program.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <type_traits>
#include <utility>
#ifdef KCBX_PROFILE_OPS
#include <chrono>
#include <cstdio>
#endif

#include "io/id_number.h"
#include "kcbx/date.h"

namespace kcbx::detail {

int width_of(TypeKind kind) {
  switch (kind) {
    case TypeKind::kBool: return 1;
    case TypeKind::kDate:
    case TypeKind::kEnum: return 4;
    case TypeKind::kInt:
    case TypeKind::kNumber:
    case TypeKind::kSet:
    case TypeKind::kDuration: return 8;
    case TypeKind::kString: return static_cast<int>(sizeof(std::string_view));
  }
  return 8;
}

Frame::Frame(const Program& program, size_t batch_size)
    : program_(program),
      batch_size_(batch_size),
      data_(program.slots.size(), nullptr),
      valid_(program.slots.size(), nullptr),
      birth_days_(program.slots.size(), nullptr),
      counters_(static_cast<size_t>(program.counters), 0),
      scalar_strings_(program.slots.size()),
      ones_(batch_size, 1),
      scratch_(batch_size, 0) {
  // Every slot the program computes (temps, constants) gets its own zeroed
  // storage; field slots are bound to the caller's columns per batch.
  for (size_t s = 0; s < program.slots.size(); ++s) {
    const SlotInfo& info = program.slots[s];
    if (info.source == SlotSource::kField) continue;
    const size_t bytes = static_cast<size_t>(info.width) * batch_size;
    storage_.emplace_back(new uint64_t[(bytes + 7) / 8]());
    data_[s] = storage_.back().get();
    if (info.nullable) {
      storage_.emplace_back(new uint64_t[(batch_size + 7) / 8]());
      valid_[s] = reinterpret_cast<uint8_t*>(storage_.back().get());
    }
  }
}

void Frame::set_scalar_bits(int slot, int64_t bits) {
  std::memcpy(data_[static_cast<size_t>(slot)], &bits,
              static_cast<size_t>(program_.slots[static_cast<size_t>(slot)].width));
  if (auto* v = valid_[static_cast<size_t>(slot)]) v[0] = 1;
}

void Frame::set_scalar_string(int slot, std::string_view text) {
  auto& keep = scalar_strings_[static_cast<size_t>(slot)];
  keep.assign(text);
  *static_cast<std::string_view*>(data_[static_cast<size_t>(slot)]) = keep;
  if (auto* v = valid_[static_cast<size_t>(slot)]) v[0] = 1;
}

void Frame::set_scalar_null(int slot) {
  std::memset(data_[static_cast<size_t>(slot)], 0,
              static_cast<size_t>(program_.slots[static_cast<size_t>(slot)].width));
  if (auto* v = valid_[static_cast<size_t>(slot)]) v[0] = 0;
}

void Frame::run_prelude() {
  exec(program_.prelude, 1);
  for (int s : program_.prelude_slots) {
    const size_t w = static_cast<size_t>(program_.slots[static_cast<size_t>(s)].width);
    auto* base = static_cast<unsigned char*>(data_[static_cast<size_t>(s)]);
    for (size_t i = 1; i < batch_size_; ++i) std::memcpy(base + i * w, base, w);
    if (auto* v = valid_[static_cast<size_t>(s)])
      std::memset(v + 1, v[0], batch_size_ - 1);
  }
}

void Frame::run(size_t n) { exec(program_.code, n); }

Frame::DateMemo& Frame::memo_for(size_t pc) {
  if (memos_.size() <= pc) memos_.resize(pc + 1);
  if (!memos_[pc]) memos_[pc] = std::make_unique<DateMemo>();
  return *memos_[pc];
}

bool Frame::is_prelude_slot(int slot) const {
  return std::find(program_.prelude_slots.begin(), program_.prelude_slots.end(), slot) !=
         program_.prelude_slots.end();
}

namespace {

// For frames of fewer rows a memo (two 32 KiB tables per instruction, set
// up per frame) costs more than the date arithmetic it saves. A frame of
// more uses it even for a few rows (the records left after compaction):
// the frame, and its memos, serve every batch of the call.
constexpr size_t kMemoMinRows = 256;

// Below this many rows a batch is not worth compacting.
constexpr size_t kCompactMinRows = 64;

// Strings are UTF-8 (inputs are validated or converted on reading; a
// Record from C++ or Python may hold anything, which is then counted byte
// by byte as Latin-1 would be). Characters start at every byte that is not
// a continuation byte (10xxxxxx).
inline bool starts_char(char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }

inline int64_t utf8_length(std::string_view s) {
  int64_t k = 0;
  for (char c : s) k += starts_char(c);
  return k;
}

// Byte offset `chars` characters after byte offset `from` (or the end).
inline size_t utf8_offset(std::string_view s, size_t from, int64_t chars) {
  size_t p = from;
  while (p < s.size() && chars > 0) {
    ++p;
    while (p < s.size() && !starts_char(s[p])) ++p;
    --chars;
  }
  return p;
}

// Typed views of a slot.
template <class T>
inline T* col(const std::vector<void*>& d, int s) {
  return static_cast<T*>(d[static_cast<size_t>(s)]);
}

// Kernels are inlined into Frame::exec, which is compiled twice (for
// x86-64-v3, AVX2, and for any x86-64) and picked at load time: a kernel
// left out of line would only ever run the baseline build.
#define KCBX_KERNEL [[gnu::always_inline]] inline

template <class A, class B, class R, class F>
KCBX_KERNEL void map2(const A* __restrict a, const B* __restrict b, R* __restrict r,
                 size_t n, F f) {
  for (size_t i = 0; i < n; ++i) r[i] = f(a[i], b[i]);
}
template <class A, class R, class F>
KCBX_KERNEL void map1(const A* __restrict a, R* __restrict r, size_t n, F f) {
  for (size_t i = 0; i < n; ++i) r[i] = f(a[i]);
}

// r[i] = m[i] ? a[i] : b[i], with m 0 or 1; r is never a or b (an
// instruction's output has a column of its own).
template <class T>
KCBX_KERNEL void blend(T* __restrict r, const uint8_t* __restrict m, const T* __restrict a,
                       const T* __restrict b, size_t n) {
  if constexpr (std::is_integral_v<T>) {
    // Both sides read and masked: a conditional read would not vectorise.
    for (size_t i = 0; i < n; ++i) {
      const T take = static_cast<T>(-static_cast<T>(m[i]));
      r[i] = static_cast<T>((a[i] & take) | (b[i] & ~take));
    }
  } else {
    for (size_t i = 0; i < n; ++i) {
      const T x = a[i], y = b[i];
      r[i] = m[i] ? x : y;
    }
  }
}

// Data under a null is zero (program.h): masks (v is 0 or 1) rather than a
// choice, and restrict-qualified parameters, so that the loop vectorises.
template <class T>
KCBX_KERNEL void zero_nulls(T* __restrict x, const uint8_t* __restrict v, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] &= static_cast<T>(-static_cast<T>(v[i]));
}

template <class T>
KCBX_KERNEL void compare(Cmp cmp, const T* a, const T* b, uint8_t* r, size_t n) {
  switch (cmp) {
    case Cmp::kEq: map2(a, b, r, n, [](T x, T y) -> uint8_t { return x == y; }); break;
    case Cmp::kNe: map2(a, b, r, n, [](T x, T y) -> uint8_t { return x != y; }); break;
    case Cmp::kLt: map2(a, b, r, n, [](T x, T y) -> uint8_t { return x < y; }); break;
    case Cmp::kLe: map2(a, b, r, n, [](T x, T y) -> uint8_t { return x <= y; }); break;
    case Cmp::kGt: map2(a, b, r, n, [](T x, T y) -> uint8_t { return x > y; }); break;
    case Cmp::kGe: map2(a, b, r, n, [](T x, T y) -> uint8_t { return x >= y; }); break;
  }
}

// Dates stay within 0001-01-01 .. 9999-12-31 whatever a pack adds, so that
// calendar conversions never overflow.
KCBX_KERNEL int32_t clamp_days(int64_t d) {
  return static_cast<int32_t>(std::clamp<int64_t>(d, Date::kMinDays, Date::kMaxDays));
}

KCBX_KERNEL int64_t floor_mod(int64_t a, int64_t m) {
  const int64_t r = a % m;
  return r < 0 ? r + m : r;
}

// Year, month and day of many dates: Hinnant's algorithm inline so that the
// loop vectorises.
KCBX_KERNEL void split_date(int32_t z0, int& y, int& m, int& d) {
  const int z = z0 + 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(yoe) + era * 400 + (m <= 2);
}

KCBX_KERNEL int32_t from_civil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * static_cast<unsigned>(m + (m > 2 ? -3 : 9)) + 2) / 5 + static_cast<unsigned>(d) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

// Calendar months added with month-end clamping, inline for batch loops
// (kcbx::add_months does the same one date at a time).
KCBX_KERNEL int32_t add_months_inline(int32_t date, int64_t months) {
  int y, m, d;
  split_date(date, y, m, d);
  const int64_t total = static_cast<int64_t>(y) * 12 + (m - 1) + months;
  const int ny = static_cast<int>(total >= 0 ? total / 12 : (total - 11) / 12);
  const int nm = static_cast<int>(total - static_cast<int64_t>(ny) * 12) + 1;
  // Past either end the date stays at that end: 9999-12-20 + 1 month is
  // 9999-12-31, not a day in January of 9999.
  if (ny > 9999) return Date::kMaxDays;
  if (ny < 1) return Date::kMinDays;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = ny % 4 == 0 && (ny % 100 != 0 || ny % 400 == 0);
  const int dim = kDays[nm - 1] + (nm == 2 && leap);
  return from_civil(ny, nm, d < dim ? d : dim);
}

KCBX_KERNEL int32_t add_duration(int32_t date, Duration dur, int sign) {
  int32_t d = date;
  if (dur.months != 0) {
    const int64_t months = static_cast<int64_t>(dur.months) * sign;
    d = clamp_days(add_months_inline(d, std::clamp<int64_t>(months, -120000, 120000)));
  }
  return clamp_days(static_cast<int64_t>(d) + static_cast<int64_t>(dur.days) * sign);
}

// Integer arithmetic wraps instead of overflowing (no undefined behaviour on
// hostile values).
KCBX_KERNEL int64_t wrap_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
KCBX_KERNEL int64_t wrap_sub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
KCBX_KERNEL int64_t wrap_mul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

template <class T>
void gather(const void* from, void* to, const uint32_t* sel, size_t m) {
  const T* f = static_cast<const T*>(from);
  T* t = static_cast<T*>(to);
  for (size_t j = 0; j < m; ++j) t[j] = f[sel[j]];
}
template <class T>
void scatter(const void* from, void* to, const uint32_t* sel, size_t m) {
  const T* f = static_cast<const T*>(from);
  T* t = static_cast<T*>(to);
  for (size_t j = 0; j < m; ++j) t[sel[j]] = f[j];
}
using Mover = void (*)(const void*, void*, const uint32_t*, size_t);
template <Mover F1, Mover F4, Mover F8, Mover F16>
void by_width(size_t w, const void* from, void* to, const uint32_t* sel, size_t m) {
  if (w == 1) F1(from, to, sel, m);
  else if (w == 4) F4(from, to, sel, m);
  else if (w == 8) F8(from, to, sel, m);
  else F16(from, to, sel, m);
}
constexpr auto gather_w = by_width<gather<uint8_t>, gather<int32_t>, gather<int64_t>,
                                   gather<std::string_view>>;
constexpr auto scatter_w = by_width<scatter<uint8_t>, scatter<int32_t>, scatter<int64_t>,
                                    scatter<std::string_view>>;

}  // namespace

void Frame::compact(const Program::Compaction& k, size_t& n) {
  const auto* rows = static_cast<const int32_t*>(data_[static_cast<size_t>(k.rows)]);
  if (selection_.size() < batch_size_) selection_.resize(batch_size_);
  uint32_t* sel = selection_.data();
  size_t m = 0;
  for (size_t i = 0; i < n; ++i) {  // branch-free selection
    sel[m] = static_cast<uint32_t>(i);
    m += static_cast<uint32_t>(rows[i]) >> 31;
  }
  selected_ = m;
  if (shadows_.size() < program_.slots.size()) shadows_.resize(program_.slots.size());
  replaced_.clear();
  replaced_birth_days_.clear();
  for (int s : k.gather) {
    const size_t slot = static_cast<size_t>(s);
    const size_t w = static_cast<size_t>(program_.slots[slot].width);
    Shadow& sh = shadows_[slot];
    if (!sh.data) {
      sh.data.reset(new uint64_t[(w * batch_size_ + 7) / 8]());
      sh.valid.reset(new uint8_t[batch_size_]());
    }
    replaced_.emplace_back(data_[slot], valid_[slot]);
    // Birth dates are by row of the whole batch: the compacted rows parse
    // their numbers instead.
    replaced_birth_days_.push_back(std::exchange(birth_days_[slot], nullptr));
    gather_w(w, data_[slot], sh.data.get(), sel, m);
    data_[slot] = sh.data.get();
    if (valid_[slot]) {
      gather<uint8_t>(valid_[slot], sh.valid.get(), sel, m);
      valid_[slot] = sh.valid.get();
    }
  }
  full_n_ = n;
  n = m;
}

void Frame::expand(const Program::Compaction& k, size_t& n) {
  for (size_t g = 0; g < k.gather.size(); ++g) {
    const size_t slot = static_cast<size_t>(k.gather[g]);
    auto [data, valid] = replaced_[g];
    if (std::find(k.scatter.begin(), k.scatter.end(), k.gather[g]) != k.scatter.end()) {
      scatter_w(static_cast<size_t>(program_.slots[slot].width), data_[slot], data,
                selection_.data(), selected_);
      if (valid) scatter<uint8_t>(valid_[slot], valid, selection_.data(), selected_);
    }
    data_[slot] = data;
    valid_[slot] = valid;
    birth_days_[slot] = replaced_birth_days_[g];
  }
  n = full_n_;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define KCBX_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define KCBX_CLONES
#endif

// Equality of two texts. Compared texts are mostly a code or a single
// character (substr(division_code, 6, 1) != "0"), and libc's memcmp called
// for each record cost more than comparing the few bytes in place.
inline bool same_text(std::string_view x, std::string_view y) {
  if (x.size() != y.size()) return false;
  if (x.size() > 16) return std::memcmp(x.data(), y.data(), x.size()) == 0;
  for (size_t k = 0; k < x.size(); ++k)
    if (x[k] != y[k]) return false;
  return true;
}

// Whether the first `end` bytes of `s` (end <= s.size()) are ASCII, 8 at a
// time: substr() of a division code checks 7 bytes a record, and the byte
// loop made it the costliest instruction of Guizhou's pack (7 ns a record).
inline bool ascii_prefix(std::string_view s, size_t end) {
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  const char* p = s.data();
  if constexpr (std::endian::native == std::endian::little) {
    if (end <= 8 && s.size() >= 8) {  // one word, the bytes past `end` masked off
      uint64_t w;
      std::memcpy(&w, p, 8);
      const uint64_t keep = end == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * end)) - 1;
      return (w & keep & kHigh) == 0;
    }
  }
  uint64_t high = 0;
  size_t k = 0;
  for (; k + 8 <= end; k += 8) {
    uint64_t w;
    std::memcpy(&w, p + k, 8);
    high |= w;
  }
  for (; k < end; ++k) high |= static_cast<unsigned char>(p[k]);
  return (high & kHigh) == 0;
}

KCBX_CLONES void Frame::exec(const std::vector<Instr>& code, size_t n) {
  const auto& D = data_;
  const auto& slots = program_.slots;
  // A validity column, or all-present for a slot that has none: loops read
  // it unconditionally instead of testing the pointer per record.
  auto present = [&](const uint8_t* v) { return v ? v : ones_.data(); };
#ifdef KCBX_PROFILE_OPS
  static thread_local std::vector<double> op_ns(code.size());
  static thread_local std::vector<int> op_id(code.size());
  static thread_local long calls = 0;
  if (op_ns.size() < code.size()) { op_ns.resize(code.size()); op_id.resize(code.size()); }
  auto t0 = std::chrono::steady_clock::now();
  size_t last_pc = 0;
  auto tick = [&](size_t pc) {
    auto t1 = std::chrono::steady_clock::now();
    op_ns[last_pc] += std::chrono::duration<double, std::nano>(t1 - t0).count();
    op_id[last_pc] = static_cast<int>(code[last_pc].op);
    t0 = t1; last_pc = pc;
  };
  if (++calls % 2000 == 0 && n > 1) {
    std::vector<size_t> ix(code.size()); for (size_t i = 0; i < ix.size(); ++i) ix[i] = i;
    std::sort(ix.begin(), ix.end(), [&](size_t a, size_t b) { return op_ns[a] > op_ns[b]; });
    for (size_t k = 0; k < 15 && k < ix.size(); ++k) fprintf(stderr, "pc %zu op %d out_nullable %d: %.0f ns/batch\n", ix[k], op_id[ix[k]], (int)program_.slots[code[ix[k]].out >= 0 ? code[ix[k]].out : 0].nullable, op_ns[ix[k]] / calls);
  }
#endif
  for (size_t pc = 0; pc < code.size(); ++pc) {
#ifdef KCBX_PROFILE_OPS
    tick(pc);
#endif
    const Instr& in = code[pc];
    // Null propagation: unless the op handles nulls itself (below), a
    // nullable result is present where all nullable inputs are present.
    switch (in.op) {
      case Op::kAddI: map2(col<int64_t>(D, in.a), col<int64_t>(D, in.b), col<int64_t>(D, in.out), n, wrap_add); break;
      case Op::kSubI: map2(col<int64_t>(D, in.a), col<int64_t>(D, in.b), col<int64_t>(D, in.out), n, wrap_sub); break;
      case Op::kMulI: map2(col<int64_t>(D, in.a), col<int64_t>(D, in.b), col<int64_t>(D, in.out), n, wrap_mul); break;
      case Op::kNegI: map1(col<int64_t>(D, in.a), col<int64_t>(D, in.out), n, [](int64_t x) { return wrap_sub(0, x); }); break;
      case Op::kAddF: map2(col<double>(D, in.a), col<double>(D, in.b), col<double>(D, in.out), n, [](double x, double y) { return x + y; }); break;
      case Op::kSubF: map2(col<double>(D, in.a), col<double>(D, in.b), col<double>(D, in.out), n, [](double x, double y) { return x - y; }); break;
      case Op::kMulF: map2(col<double>(D, in.a), col<double>(D, in.b), col<double>(D, in.out), n, [](double x, double y) { return x * y; }); break;
      case Op::kNegF: map1(col<double>(D, in.a), col<double>(D, in.out), n, [](double x) { return -x; }); break;
      case Op::kIntToF: map1(col<int64_t>(D, in.a), col<double>(D, in.out), n, [](int64_t x) { return static_cast<double>(x); }); break;
      case Op::kDivF: {
        const double* a = col<double>(D, in.a);
        const double* b = col<double>(D, in.b);
        double* r = col<double>(D, in.out);
        uint8_t* v = valid_[static_cast<size_t>(in.out)];
        const uint8_t* va = valid_[static_cast<size_t>(in.a)];
        const uint8_t* vb = valid_[static_cast<size_t>(in.b)];
        for (size_t i = 0; i < n; ++i) {
          const bool ok = b[i] != 0 && (!va || va[i]) && (!vb || vb[i]);
          r[i] = ok ? a[i] / b[i] : 0.0;
          v[i] = ok;
        }
        continue;
      }
      case Op::kDateAddDur:
      case Op::kDateSubDur: {
        const int32_t* a = col<int32_t>(D, in.a);
        const Duration* b = col<Duration>(D, in.b);
        int32_t* r = col<int32_t>(D, in.out);
        const int sign = in.op == Op::kDateAddDur ? 1 : -1;
        const Duration dur = b[0];  // durations are constants
        if (dur.months == 0) {
          // In int32 (8 lanes, not 4): dates and the clamped shift both fit.
          constexpr int32_t kSpan = Date::kMaxDays - Date::kMinDays;
          const int32_t delta = static_cast<int32_t>(
              std::clamp<int64_t>(static_cast<int64_t>(dur.days) * sign, -kSpan, kSpan));
          for (size_t i = 0; i < n; ++i)
            r[i] = std::clamp(a[i] + delta, Date::kMinDays, Date::kMaxDays);
        } else if (batch_size_ < kMemoMinRows) {
          for (size_t i = 0; i < n; ++i) r[i] = add_duration(a[i], dur, sign);
        } else {
          // Calendar months need a civil-date split per value; the dates of
          // one input repeat a lot (a few hundred distinct last-attended
          // days), so results are memoised per instruction for this frame.
          DateMemo& memo = memo_for(pc);
          for (size_t i = 0; i < n; ++i) {
            const int32_t x = a[i];
            const size_t k = static_cast<uint32_t>(x) & DateMemo::kMask;
            if (memo.key[k] != x) {
              memo.key[k] = x;
              memo.value[k] = add_duration(x, dur, sign);
            }
            r[i] = memo.value[k];
          }
        }
        break;
      }
      case Op::kDateDiff: map2(col<int32_t>(D, in.a), col<int32_t>(D, in.b), col<int64_t>(D, in.out), n, [](int32_t x, int32_t y) { return static_cast<int64_t>(x) - y; }); break;
      case Op::kDurAdd: map2(col<Duration>(D, in.a), col<Duration>(D, in.b), col<Duration>(D, in.out), n, [](Duration x, Duration y) { return Duration{x.months + y.months, x.days + y.days}; }); break;
      case Op::kDurSub: map2(col<Duration>(D, in.a), col<Duration>(D, in.b), col<Duration>(D, in.out), n, [](Duration x, Duration y) { return Duration{x.months - y.months, x.days - y.days}; }); break;
      case Op::kDurNeg: map1(col<Duration>(D, in.a), col<Duration>(D, in.out), n, [](Duration x) { return Duration{-x.months, -x.days}; }); break;
      case Op::kCmpI: compare(in.cmp, col<int64_t>(D, in.a), col<int64_t>(D, in.b), col<uint8_t>(D, in.out), n); break;
      case Op::kCmpF: compare(in.cmp, col<double>(D, in.a), col<double>(D, in.b), col<uint8_t>(D, in.out), n); break;
      case Op::kCmpD: compare(in.cmp, col<int32_t>(D, in.a), col<int32_t>(D, in.b), col<uint8_t>(D, in.out), n); break;
      case Op::kCmpB: compare(in.cmp, col<uint8_t>(D, in.a), col<uint8_t>(D, in.b), col<uint8_t>(D, in.out), n); break;
      case Op::kCmpS: {
        const auto* a = col<std::string_view>(D, in.a);
        const auto* b = col<std::string_view>(D, in.b);
        uint8_t* r = col<uint8_t>(D, in.out);
        if (in.cmp == Cmp::kEq) map2(a, b, r, n, [](std::string_view x, std::string_view y) -> uint8_t { return same_text(x, y); });
        else if (in.cmp == Cmp::kNe) map2(a, b, r, n, [](std::string_view x, std::string_view y) -> uint8_t { return !same_text(x, y); });
        else compare(in.cmp, a, b, r, n);
        break;
      }
      case Op::kAnd:
      case Op::kOr: {
        const uint8_t* a = col<uint8_t>(D, in.a);
        const uint8_t* b = col<uint8_t>(D, in.b);
        uint8_t* r = col<uint8_t>(D, in.out);
        const uint8_t* va = valid_[static_cast<size_t>(in.a)];
        const uint8_t* vb = valid_[static_cast<size_t>(in.b)];
        uint8_t* v = valid_[static_cast<size_t>(in.out)];
        // The validity columns as arrays (all ones for a side without
        // one), so that the Kleene loops vectorise.
        const uint8_t* pa_ = present(va);
        const uint8_t* pb_ = present(vb);
        if (in.op == Op::kAnd) {
          if (!v) {
            map2(a, b, r, n, [](uint8_t x, uint8_t y) -> uint8_t { return x & y; });
          } else {
            // Kleene: false if either side is a present false.
            for (size_t i = 0; i < n; ++i) {
              const uint8_t pa = pa_[i], pb = pb_[i];
              const uint8_t f = (pa & (a[i] == 0)) | (pb & (b[i] == 0));
              v[i] = f | (pa & pb);
              r[i] = (f == 0) & pa & pb;
            }
          }
        } else {
          if (!v) {
            map2(a, b, r, n, [](uint8_t x, uint8_t y) -> uint8_t { return x | y; });
          } else {
            for (size_t i = 0; i < n; ++i) {
              const uint8_t pa = pa_[i], pb = pb_[i];
              const uint8_t t = (pa & a[i]) | (pb & b[i]);
              v[i] = t | (pa & pb);
              r[i] = t;
            }
          }
        }
        continue;
      }
      case Op::kNot: map1(col<uint8_t>(D, in.a), col<uint8_t>(D, in.out), n, [](uint8_t x) -> uint8_t { return !x; }); break;
      case Op::kInMask: {
        // A shift by each record's value (one instruction per 8 records with
        // AVX2), in 32-bit lanes when the values fit.
        const uint64_t mask = in.mask;
        if (mask >> 32 == 0) {
          const uint32_t m32 = static_cast<uint32_t>(mask);
          map1(col<int32_t>(D, in.a), col<uint8_t>(D, in.out), n, [m32](int32_t x) -> uint8_t {
            // A clamped count, not `u & 31`: g++ 12 does not vectorise the mask.
            const uint32_t u = static_cast<uint32_t>(x);
            const uint32_t bit = (m32 >> (u < 32 ? u : 31)) & 1u;
            return static_cast<uint8_t>(bit & (u < 32));
          });
        } else {
          map1(col<int32_t>(D, in.a), col<uint8_t>(D, in.out), n, [mask](int32_t x) -> uint8_t {
            const uint32_t u = static_cast<uint32_t>(x);
            return static_cast<uint8_t>(((mask >> (u & 63)) & 1) & (u < 64));
          });
        }
        break;
      }
      case Op::kInListI:
      case Op::kInListF:
      case Op::kInListD:
      case Op::kInListS: {
        const ConstList& l = program_.lists[static_cast<size_t>(in.list)];
        uint8_t* r = col<uint8_t>(D, in.out);
        for (size_t i = 0; i < n; ++i) {
          bool hit = false;
          if (in.op == Op::kInListI) {
            const int64_t x = col<int64_t>(D, in.a)[i];
            for (int64_t y : l.ints) hit |= x == y;
          } else if (in.op == Op::kInListD) {
            const int32_t x = col<int32_t>(D, in.a)[i];
            for (int64_t y : l.ints) hit |= x == y;
          } else if (in.op == Op::kInListF) {
            const double x = col<double>(D, in.a)[i];
            for (double y : l.numbers) hit |= x == y;
          } else {
            const std::string_view x = col<std::string_view>(D, in.a)[i];
            for (const auto& y : l.strings) hit |= x == y;
          }
          r[i] = hit;
        }
        break;
      }
      case Op::kSetHas: map2(col<uint64_t>(D, in.a), col<int32_t>(D, in.b), col<uint8_t>(D, in.out), n, [](uint64_t s, int32_t x) -> uint8_t {
          return static_cast<uint32_t>(x) < 64 && ((s >> x) & 1);
        }); break;
      case Op::kSetCount: map1(col<uint64_t>(D, in.a), col<int64_t>(D, in.out), n, [](uint64_t s) { return static_cast<int64_t>(__builtin_popcountll(s)); }); break;
      case Op::kSetMinus: map2(col<uint64_t>(D, in.a), col<uint64_t>(D, in.b), col<uint64_t>(D, in.out), n, [](uint64_t x, uint64_t y) { return x & ~y; }); break;
      case Op::kSelect: {
        const uint8_t* c = col<uint8_t>(D, in.a);
        const uint8_t* vc = valid_[static_cast<size_t>(in.a)];
        const size_t w = static_cast<size_t>(slots[static_cast<size_t>(in.out)].width);
        const uint8_t* vb = valid_[static_cast<size_t>(in.b)];
        const uint8_t* vx = valid_[static_cast<size_t>(in.c)];
        uint8_t* v = valid_[static_cast<size_t>(in.out)];
        // A null condition takes the else branch.
        uint8_t* take = scratch_.data();
        map2(c, present(vc), take, n, [](uint8_t x, uint8_t p) -> uint8_t { return (x != 0) & (p != 0); });
        auto pick = [&](auto tag) {
          using T = decltype(tag);
          blend(col<T>(D, in.out), take, col<T>(D, in.b), col<T>(D, in.c), n);
        };
        if (v) blend(v, take, present(vb), present(vx), n);
        if (w == 1) pick(uint8_t{});
        else if (w == 4) pick(int32_t{});
        else if (w == 8) pick(int64_t{});
        else pick(std::string_view{});
        continue;
      }
      case Op::kIsNull: {
        const uint8_t* va = valid_[static_cast<size_t>(in.a)];
        uint8_t* r = col<uint8_t>(D, in.out);
        if (!va) std::memset(r, 0, n);
        else map1(va, r, n, [](uint8_t x) -> uint8_t { return !x; });
        continue;
      }
      case Op::kCoalesce: {
        const size_t w = static_cast<size_t>(slots[static_cast<size_t>(in.out)].width);
        const uint8_t* va = valid_[static_cast<size_t>(in.a)];
        const uint8_t* vb = valid_[static_cast<size_t>(in.b)];
        uint8_t* v = valid_[static_cast<size_t>(in.out)];
        auto pick = [&](auto tag) {
          using T = decltype(tag);
          const T* a = col<T>(D, in.a);
          const T* b = col<T>(D, in.b);
          T* r = col<T>(D, in.out);
          if (!va) std::copy_n(a, n, r);
          else blend(r, va, a, b, n);
        };
        if (w == 1) pick(uint8_t{});
        else if (w == 4) pick(int32_t{});
        else if (w == 8) pick(int64_t{});
        else pick(std::string_view{});
        if (v) {
          if (!va || !vb) std::memset(v, 1, n);
          else for (size_t i = 0; i < n; ++i) v[i] = va[i] | vb[i];
        }
        continue;
      }
      case Op::kMin:
      case Op::kMax: {
        const TypeKind k = slots[static_cast<size_t>(in.out)].kind;
        const bool mn = in.op == Op::kMin;
        if (k == TypeKind::kInt)
          map2(col<int64_t>(D, in.a), col<int64_t>(D, in.b), col<int64_t>(D, in.out), n, [mn](int64_t x, int64_t y) { return mn ? std::min(x, y) : std::max(x, y); });
        else if (k == TypeKind::kNumber)
          map2(col<double>(D, in.a), col<double>(D, in.b), col<double>(D, in.out), n, [mn](double x, double y) { return mn ? std::min(x, y) : std::max(x, y); });
        else
          map2(col<int32_t>(D, in.a), col<int32_t>(D, in.b), col<int32_t>(D, in.out), n, [mn](int32_t x, int32_t y) { return mn ? std::min(x, y) : std::max(x, y); });
        break;
      }
      case Op::kAgeOn: {
        const int32_t* b = col<int32_t>(D, in.a);
        const int32_t* o = col<int32_t>(D, in.b);
        int64_t* r = col<int64_t>(D, in.out);
        if (batch_size_ >= kMemoMinRows &&
            program_.slots[static_cast<size_t>(in.b)].source != SlotSource::kField &&
            is_prelude_slot(in.b)) {
          // The reference date is a constant (as_of): memoise by birth date.
          DateMemo& memo = memo_for(pc);
          if (memo.context != o[0]) {
            memo.clear();
            memo.context = o[0];
          }
          int oy, om, od;
          split_date(o[0], oy, om, od);
          for (size_t i = 0; i < n; ++i) {
            const int32_t x = b[i];
            const size_t k = static_cast<uint32_t>(x) & DateMemo::kMask;
            if (memo.key[k] != x) {
              int by, bm, bd;
              split_date(x, by, bm, bd);
              memo.key[k] = x;
              memo.value[k] = oy - by - ((om * 32 + od) < (bm * 32 + bd));
            }
            r[i] = memo.value[k];
          }
          break;
        }
        for (size_t i = 0; i < n; ++i) {
          int by, bm, bd, oy, om, od;
          split_date(b[i], by, bm, bd);
          split_date(o[i], oy, om, od);
          r[i] = oy - by - ((om * 32 + od) < (bm * 32 + bd));
        }
        break;
      }
      case Op::kAgeCutoff: {
        // Born on the reference day k years earlier is k years old that day;
        // a 29 February reference in a common year falls back to the 28th.
        // Outside the calendar: no birth date is that old (the day before
        // the first), or every one is (the last day).
        const int32_t* on = col<int32_t>(D, in.a);
        const int64_t* years = col<int64_t>(D, in.b);
        int32_t* r = col<int32_t>(D, in.out);
        for (size_t i = 0; i < n; ++i) {
          int y, m, d;
          split_date(on[i], y, m, d);
          const int64_t by = y - (std::clamp<int64_t>(years[i], -20000, 20000) + in.aux);
          if (by < 1) r[i] = Date::kMinDays - 1;
          else if (by > 9999) r[i] = Date::kMaxDays;
          else {
            const int yy = static_cast<int>(by);
            r[i] = from_civil(yy, m, std::min(d, days_in_month(yy, m)));
          }
        }
        break;
      }
      case Op::kAddMonths: {
        const int32_t* a = col<int32_t>(D, in.a);
        const int64_t* m = col<int64_t>(D, in.b);
        int32_t* r = col<int32_t>(D, in.out);
        for (size_t i = 0; i < n; ++i) {
          const int64_t months = std::clamp<int64_t>(m[i], -120000, 120000);
          r[i] = add_duration(a[i], Duration{static_cast<int32_t>(months), 0}, 1);
        }
        break;
      }
      case Op::kAddDays: map2(col<int32_t>(D, in.a), col<int64_t>(D, in.b), col<int32_t>(D, in.out), n, [](int32_t d, int64_t k) {
          return clamp_days(static_cast<int64_t>(d) + std::clamp<int64_t>(k, -10000000, 10000000));
        }); break;
      case Op::kYear:
      case Op::kMonth:
      case Op::kDay: {
        const int32_t* a = col<int32_t>(D, in.a);
        int64_t* r = col<int64_t>(D, in.out);
        for (size_t i = 0; i < n; ++i) {
          int y, m, d;
          split_date(a[i], y, m, d);
          r[i] = in.op == Op::kYear ? y : in.op == Op::kMonth ? m : d;
        }
        break;
      }
      case Op::kWeekday: map1(col<int32_t>(D, in.a), col<int64_t>(D, in.out), n, [](int32_t d) {
          return static_cast<int64_t>(floor_mod(static_cast<int64_t>(d) + 3, 7) + 1);  // 1970-01-01: Thursday (4)
        }); break;
      case Op::kSchoolDays: {
        static const SchoolDays kWeekdays;
        const SchoolDays& cal = program_.school_days ? *program_.school_days : kWeekdays;
        if (cal.plain()) {
          map2(col<int32_t>(D, in.a), col<int32_t>(D, in.b), col<int64_t>(D, in.out), n, [](int32_t a, int32_t b) {
            return weekdays_through(b) - weekdays_through(a);
          });
        } else {
          map2(col<int32_t>(D, in.a), col<int32_t>(D, in.b), col<int64_t>(D, in.out), n, [&](int32_t a, int32_t b) {
            return cal.through(b) - cal.through(a);
          });
        }
        break;
      }
      case Op::kAddSchoolDays: {
        static const SchoolDays kWeekdays;
        const SchoolDays& cal = program_.school_days ? *program_.school_days : kWeekdays;
        map2(col<int32_t>(D, in.a), col<int64_t>(D, in.b), col<int32_t>(D, in.out), n,
             [&](int32_t d, int64_t k) { return cal.add(d, k); });
        break;
      }
      case Op::kLatestMonthDay: {
        const int32_t* a = col<int32_t>(D, in.a);
        const int64_t* mm = col<int64_t>(D, in.b);
        const int64_t* dd = col<int64_t>(D, in.c);
        int32_t* r = col<int32_t>(D, in.out);
        for (size_t i = 0; i < n; ++i) {
          int y, m, d;
          split_date(a[i], y, m, d);
          const int month = static_cast<int>(std::clamp<int64_t>(mm[i], 1, 12));
          auto on = [&](int year) {
            const int yy = std::clamp(year, 1, 9999);
            const int day = static_cast<int>(
                std::clamp<int64_t>(dd[i], 1, days_in_month(yy, month)));
            return days_from_civil(yy, month, day);
          };
          int32_t cand = on(y);
          if (cand > a[i]) cand = on(y - 1);
          r[i] = cand;
        }
        break;
      }
      case Op::kIdBirthDate: {
        const std::string_view* a = col<std::string_view>(D, in.a);
        const uint8_t* va = valid_[static_cast<size_t>(in.a)];
        int32_t* r = col<int32_t>(D, in.out);
        uint8_t* v = valid_[static_cast<size_t>(in.out)];
        if (va) {
          // A file without ID numbers: one scan of the validity column.
          uint8_t any = 0;
          for (size_t i = 0; i < n; ++i) any |= va[i];
          if (!any) {
            std::memset(r, 0, n * sizeof(int32_t));
            std::memset(v, 0, n);
            continue;
          }
        }
        if (const int32_t* known = birth_days_[static_cast<size_t>(in.a)]) {
          // The reader's own check gave each row's birth date.
          for (size_t i = 0; i < n; ++i) {
            const bool has = known[i] != INT32_MIN;
            r[i] = has ? known[i] : 0;
            v[i] = has;
          }
          continue;
        }
        for (size_t i = 0; i < n; ++i) {
          r[i] = 0;
          v[i] = 0;
          if (va && !va[i]) continue;
          const IdNumberCheck born = check_id_structure(a[i]);
          if (born.error == IdNumberError::kNone) {
            r[i] = born.birth_date.days();
            v[i] = 1;
          }
        }
        continue;
      }
      case Op::kSubstr: {
        // A view into the input string: no allocation. Positions count
        // characters (code points), so 张三 is two long and never split.
        const std::string_view* s = col<std::string_view>(D, in.a);
        const int64_t* start = col<int64_t>(D, in.b);
        const int64_t* len = col<int64_t>(D, in.c);
        std::string_view* r = col<std::string_view>(D, in.out);
        for (size_t i = 0; i < n; ++i) {
          const auto from = static_cast<uint64_t>(std::max<int64_t>(start[i], 0));
          const auto count = static_cast<uint64_t>(std::max<int64_t>(len[i], 0));
          // Codes and numbers are ASCII: when every byte up to the end of
          // the piece is, characters are bytes and no walk is needed.
          const size_t end = static_cast<size_t>(std::min<uint64_t>(s[i].size(), from + std::min<uint64_t>(count, UINT32_MAX)));
          const bool ascii = from <= UINT32_MAX && ascii_prefix(s[i], end);
          if (ascii) {
            const size_t b = static_cast<size_t>(std::min<uint64_t>(from, s[i].size()));
            r[i] = std::string_view(s[i].data() + b, end - std::min(b, end));  // b <= size: no check
            continue;
          }
          const size_t b = utf8_offset(s[i], 0, std::max<int64_t>(start[i], 0));
          const size_t e = utf8_offset(s[i], b, std::max<int64_t>(len[i], 0));
          r[i] = s[i].substr(b, e - b);
        }
        break;
      }
      case Op::kLength: map1(col<std::string_view>(D, in.a), col<int64_t>(D, in.out), n, utf8_length); break;
      case Op::kTableFirst: {
        const uint8_t* c = col<uint8_t>(D, in.a);
        const uint8_t* vc = valid_[static_cast<size_t>(in.a)];
        int32_t* out = col<int32_t>(D, in.out);
        int32_t* row = col<int32_t>(D, in.b);
        uint8_t* vout = valid_[static_cast<size_t>(in.out)];
        const int32_t code = static_cast<int32_t>(in.mask);
        const int32_t rix = static_cast<int32_t>(in.aux);
        const uint8_t* pc = present(vc);
        // Branch-free, as masks in the rows' own width, so that the loop
        // vectorises: which records match is data, not pattern.
        int32_t open = 0;
        for (size_t i = 0; i < n; ++i) {
          const int32_t hit = -static_cast<int32_t>((row[i] < 0) & (c[i] != 0) & (pc[i] != 0));
          out[i] = (out[i] & ~hit) | (code & hit);
          row[i] = (row[i] & ~hit) | (rix & hit);
          open += static_cast<int32_t>(static_cast<uint32_t>(row[i]) >> 31);
        }
        if (vout)
          for (size_t i = 0; i < n; ++i) vout[i] = row[i] >= 0;
        counters_[static_cast<size_t>(in.c)] = open;
        continue;
      }
      case Op::kSkipIfDone:
        if (counters_[static_cast<size_t>(in.c)] == 0) pc = in.aux - 1;
        continue;
      case Op::kTableUnique: {
        // row: first matching row index, or -2 when a second row matches too
        // (a unique-policy violation, reported per record).
        const uint8_t* c = col<uint8_t>(D, in.a);
        const uint8_t* vc = valid_[static_cast<size_t>(in.a)];
        int32_t* out = col<int32_t>(D, in.out);
        int32_t* row = col<int32_t>(D, in.b);
        uint8_t* vout = valid_[static_cast<size_t>(in.out)];
        const int32_t code = static_cast<int32_t>(in.mask);
        const int32_t rix = static_cast<int32_t>(in.aux);
        for (size_t i = 0; i < n; ++i) {
          const bool hit = c[i] && (!vc || vc[i]);
          if (!hit) continue;
          if (row[i] == -1) {
            row[i] = rix;
            out[i] = code;
          } else {
            row[i] = -2;
            out[i] = 0;
          }
        }
        if (vout)
          for (size_t i = 0; i < n; ++i) vout[i] = row[i] >= 0;
        continue;
      }
      case Op::kTableCollect: {
        // out: set of output codes; b: u64 bitmask of matched rows.
        const uint8_t* c = col<uint8_t>(D, in.a);
        const uint8_t* vc = valid_[static_cast<size_t>(in.a)];
        uint64_t* out = col<uint64_t>(D, in.out);
        uint64_t* rows = col<uint64_t>(D, in.b);
        const uint64_t bit = uint64_t{1} << (in.mask & 63);
        const uint64_t rbit = uint64_t{1} << (in.aux & 63);
        for (size_t i = 0; i < n; ++i) {
          const uint64_t hit = (c[i] && (!vc || vc[i])) ? ~uint64_t{0} : 0;
          out[i] |= bit & hit;
          rows[i] |= rbit & hit;
        }
        continue;
      }
      case Op::kFill: {
        const size_t w = static_cast<size_t>(slots[static_cast<size_t>(in.out)].width);
        auto* d = static_cast<unsigned char*>(data_[static_cast<size_t>(in.out)]);
        if (w == 4) std::fill_n(reinterpret_cast<int32_t*>(d), n, static_cast<int32_t>(in.mask));
        else if (w == 8) std::fill_n(reinterpret_cast<uint64_t*>(d), n, in.mask);
        else std::memset(d, static_cast<int>(in.mask & 0xff), n * w);
        if (uint8_t* v = valid_[static_cast<size_t>(in.out)]) std::memset(v, 0, n);
        continue;
      }
      case Op::kSetBit: {
        const uint8_t* c = col<uint8_t>(D, in.a);
        const uint8_t* vc = valid_[static_cast<size_t>(in.a)];
        uint64_t* out = col<uint64_t>(D, in.out);
        const uint64_t bit = uint64_t{1} << (in.aux & 63);
        for (size_t i = 0; i < n; ++i)
          out[i] |= (c[i] && (!vc || vc[i])) ? bit : 0;
        continue;
      }
      case Op::kCompact: {
        // Worth it once three quarters of the batch have matched: the
        // gather costs about one pass over the columns the rows read.
        if (compacted_ >= 0 || n < kCompactMinRows) continue;
        const auto& k = program_.compactions[in.aux];
        const int64_t open = counters_[static_cast<size_t>(k.counter)];
        if (open <= 0 || static_cast<size_t>(open) * 4 > n) continue;
        compact(k, n);
        compacted_ = static_cast<int>(in.aux);
        continue;
      }
      case Op::kExpand:
        if (compacted_ >= 0 && program_.compactions[static_cast<size_t>(compacted_)].group == in.aux) {
          expand(program_.compactions[static_cast<size_t>(compacted_)], n);
          compacted_ = -1;
        }
        continue;
      case Op::kCheck: {
        const uint8_t* c = col<uint8_t>(D, in.a);
        const uint8_t* vc = valid_[static_cast<size_t>(in.a)];
        int32_t* out = col<int32_t>(D, in.out);
        const int32_t ix = static_cast<int32_t>(in.aux);
        const uint8_t* pc = present(vc);
        // The first failing check names the reject; branch-free.
        for (size_t i = 0; i < n; ++i) {
          const bool fails = (c[i] == 0) & (pc[i] != 0) & (out[i] < 0);
          out[i] = fails ? ix : out[i];
        }
        continue;
      }
    }
    // Generic null propagation for the ops that `break` above.
    if (uint8_t* v = valid_[static_cast<size_t>(in.out)]) {
      const uint8_t* ins[3] = {in.a >= 0 ? valid_[static_cast<size_t>(in.a)] : nullptr,
                               in.b >= 0 ? valid_[static_cast<size_t>(in.b)] : nullptr,
                               in.c >= 0 ? valid_[static_cast<size_t>(in.c)] : nullptr};
      const uint8_t* p[3];
      int k = 0;
      for (const uint8_t* x : ins)
        if (x) p[k++] = x;
      // The result's validity is never an input's (it is its own column).
      if (k == 0) std::memset(v, 1, n);
      else if (k == 1) std::memcpy(v, p[0], n);
      else {
        map2(p[0], p[1], v, n, [](uint8_t x, uint8_t y) -> uint8_t { return x & y; });
        if (k == 3)
          for (size_t i = 0; i < n; ++i) v[i] &= p[2][i];
      }
      // Keep data under nulls at zero (see program.h).
      const size_t w = static_cast<size_t>(slots[static_cast<size_t>(in.out)].width);
      void* d = data_[static_cast<size_t>(in.out)];
      auto zero = [&](auto* x) { zero_nulls(x, v, n); };
      if (w == 1) zero(static_cast<uint8_t*>(d));
      else if (w == 4) zero(static_cast<int32_t*>(d));
      else if (w == 8) zero(static_cast<int64_t*>(d));
      else {
        auto* x = static_cast<std::string_view*>(d);
        for (size_t i = 0; i < n; ++i) x[i] = v[i] ? x[i] : std::string_view{};
      }
    }
  }
  // Every skip of a table lands on its kExpand; this only guards the frame
  // against a program that ends inside a compaction.
  if (compacted_ >= 0) {
    expand(program_.compactions[static_cast<size_t>(compacted_)], n);
    compacted_ = -1;
  }
}

}  // namespace kcbx::detail
