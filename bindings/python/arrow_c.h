// The Arrow C Data and C Stream Interfaces (the two ABI-stable structs
// every Arrow producer speaks: pyarrow, pandas, Polars, DuckDB), written out
// here so that the module needs no libarrow. Import turns PyCapsules into
// kcbx::ColumnView; export builds owned arrays for results.
// Spec: https://arrow.apache.org/docs/format/CDataInterface.html
#ifndef KCBX_BINDINGS_PYTHON_ARROW_C_H_
#define KCBX_BINDINGS_PYTHON_ARROW_C_H_

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "kcbx/columns.h"
#include "util/huge_pages.h"

extern "C" {

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema** children;
  struct ArrowSchema* dictionary;
  void (*release)(struct ArrowSchema*);
  void* private_data;
};

struct ArrowArray {
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* dictionary;
  void (*release)(struct ArrowArray*);
  void* private_data;
};

#endif  // ARROW_C_DATA_INTERFACE

#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE

struct ArrowArrayStream {
  int (*get_schema)(struct ArrowArrayStream*, struct ArrowSchema* out);
  int (*get_next)(struct ArrowArrayStream*, struct ArrowArray* out);
  const char* (*get_last_error)(struct ArrowArrayStream*);
  void (*release)(struct ArrowArrayStream*);
  void* private_data;
};

#endif  // ARROW_C_STREAM_INTERFACE
}

namespace kcbx::arrow {

// Buffers built for export come from the library's buffer cache
// (util/buffer_cache.h): Python frees them when it drops the result, and
// the next call reuses their pages instead of faulting in fresh ones.
template <typename T>
using Vec = detail::RawVector<T>;  // sized without zeroing, then written in full
using RawBytes = detail::RawVector<uint8_t>;
using Bytes = detail::CachedVector<uint8_t>;  // zeroed where sized

// Owns imported structs and releases them (the consumer's duty).
struct OwnedSchema {
  ArrowSchema s{};
  OwnedSchema() = default;
  OwnedSchema(const OwnedSchema&) = delete;
  ~OwnedSchema() {
    if (s.release) s.release(&s);
  }
};
struct OwnedArray {
  ArrowArray a{};
  OwnedArray() = default;
  OwnedArray(const OwnedArray&) = delete;
  ~OwnedArray() {
    if (a.release) a.release(&a);
  }
};

// The Arrow C format string of a type kcbx does not read, in words where
// the format is cryptic ("+l" is a list): the message is for the analyst
// who made the column, not for an Arrow implementer.
inline std::string arrow_type_name(std::string_view f) {
  const std::string code = "'" + std::string(f) + "'";
  auto starts = [&](std::string_view p) { return f.substr(0, p.size()) == p; };
  if (f == "+l" || f == "+L" || starts("+w:") || f == "+vl" || f == "+vL")
    return "list (" + code + "; for a set field, join the values with ';')";
  if (f == "z" || f == "Z" || f == "vz") return "binary (" + code + "; decode it to text)";
  if (starts("d:")) return "decimal (" + code + ")";
  if (starts("tt")) return "time of day (" + code + ")";
  if (starts("tD")) return "duration (" + code + ")";
  if (starts("ti")) return "interval (" + code + ")";
  if (f == "+s") return "struct (" + code + ")";
  if (f == "+m") return "map (" + code + ")";
  if (starts("+u")) return "union (" + code + ")";
  if (f == "e") return "float16 (" + code + ")";
  return code;
}

// Describes an imported array as column chunks. `keep` receives chunks
// whose address must stay stable (dictionaries). Throws ColumnTypeError
// for a layout kcbx does not read.
inline void describe(const std::string& column, const ArrowSchema& schema, const ArrowArray& array,
                     std::deque<ColumnChunk>& keep, ColumnChunk& out) {
  const std::string_view f = schema.format ? schema.format : "";
  out = ColumnChunk{};
  out.length = array.length;
  out.offset = array.offset;
  auto buffer = [&](int64_t i) -> const void* {
    return i < array.n_buffers ? array.buffers[i] : nullptr;
  };
  out.validity = array.null_count == 0 ? nullptr : static_cast<const uint8_t*>(buffer(0));
  ArrayType t;
  if (f == "n") t = ArrayType::kNull;
  else if (f == "b") t = ArrayType::kBoolBits;
  else if (f == "c") t = ArrayType::kInt8;
  else if (f == "C") t = ArrayType::kUInt8;
  else if (f == "s") t = ArrayType::kInt16;
  else if (f == "S") t = ArrayType::kUInt16;
  else if (f == "i") t = ArrayType::kInt32;
  else if (f == "I") t = ArrayType::kUInt32;
  else if (f == "l") t = ArrayType::kInt64;
  else if (f == "L") t = ArrayType::kUInt64;
  else if (f == "f") t = ArrayType::kFloat32;
  else if (f == "g") t = ArrayType::kFloat64;
  else if (f == "u") t = ArrayType::kString;
  else if (f == "U") t = ArrayType::kLargeString;
  else if (f == "vu") t = ArrayType::kStringView;
  else if (f == "tdD") t = ArrayType::kDate32;
  else if (f == "tdm") t = ArrayType::kDate64;
  else if (f.substr(0, 4) == "tss:") t = ArrayType::kTimestampS;
  else if (f.substr(0, 4) == "tsm:") t = ArrayType::kTimestampMs;
  else if (f.substr(0, 4) == "tsu:") t = ArrayType::kTimestampUs;
  else if (f.substr(0, 4) == "tsn:") t = ArrayType::kTimestampNs;
  else
    throw ColumnTypeError(column, "column '" + column + "' has Arrow type " + arrow_type_name(f) +
                                      ", which kcbx does not read (use bool, integers, floats, "
                                      "dates, timestamps, strings or dictionaries of them)");
  if (schema.dictionary) {
    if (!array.dictionary)
      throw ColumnTypeError(column, "column '" + column + "': dictionary array without a dictionary");
    ColumnChunk& dict = keep.emplace_back();
    describe(column, *schema.dictionary, *array.dictionary, keep, dict);
    out.index_type = t;
    out.type = ArrayType::kDictionary;
    out.values = buffer(1);
    out.dictionary = &dict;
    return;
  }
  out.type = t;
  switch (t) {
    case ArrayType::kNull: out.validity = nullptr; break;
    case ArrayType::kString:
    case ArrayType::kLargeString:
      out.offsets = buffer(1);
      out.values = buffer(2);
      break;
    case ArrayType::kStringView:
      out.values = buffer(1);
      for (int64_t i = 2; i + 1 < array.n_buffers; ++i)
        out.buffers.push_back(static_cast<const char*>(array.buffers[i]));
      break;
    default: out.values = buffer(1); break;
  }
}

// ---- export -----------------------------------------------------------------

// A buffer of an array being built: a vector's storage, moved in rather
// than copied (a result column of a million rows is megabytes). Empty: no
// buffer (a validity bitmap left out when every value is present).
class Buffer {
 public:
  Buffer() = default;
  template <typename T, typename A>
  Buffer(std::vector<T, A>&& v) {  // NOLINT(google-explicit-constructor): a vector is a buffer
    if (v.empty()) v.reserve(8);  // a present buffer is never a null pointer
    auto owner = std::make_shared<std::vector<T, A>>(std::move(v));
    data_ = owner->data();
    owner_ = std::move(owner);
  }
  // Memory someone else owns (an imported input's buffer): `owner` keeps
  // `data` alive for as long as the exported array lives.
  Buffer(std::shared_ptr<const void> owner, const void* data) : owner_(std::move(owner)), data_(data) {}
  bool empty() const { return owner_ == nullptr; }
  const void* data() const { return data_; }

 private:
  std::shared_ptr<const void> owner_;
  const void* data_ = nullptr;
};

// An array being built for export: owned buffers and children.
struct Node {
  std::string format;
  std::string name;
  int64_t length = 0;
  int64_t null_count = 0;
  bool nullable = true;
  std::vector<Buffer> buffers;  // buffers[0] may stay empty: no validity
  std::vector<std::shared_ptr<Node>> children;
  std::shared_ptr<Node> dictionary;
};

namespace internal {

struct SchemaPriv {
  std::shared_ptr<Node> node;
  std::vector<ArrowSchema*> children;
  ArrowSchema* dictionary = nullptr;
};

inline void release_schema(ArrowSchema* s) {
  auto* p = static_cast<SchemaPriv*>(s->private_data);
  for (ArrowSchema* c : p->children) {
    if (c->release) c->release(c);
    delete c;
  }
  if (p->dictionary) {
    if (p->dictionary->release) p->dictionary->release(p->dictionary);
    delete p->dictionary;
  }
  delete p;
  s->release = nullptr;
}

struct ArrayPriv {
  std::shared_ptr<Node> node;
  std::vector<const void*> buffers;
  std::vector<ArrowArray*> children;
  ArrowArray* dictionary = nullptr;
};

inline void release_array(ArrowArray* a) {
  auto* p = static_cast<ArrayPriv*>(a->private_data);
  for (ArrowArray* c : p->children) {
    if (c->release) c->release(c);
    delete c;
  }
  if (p->dictionary) {
    if (p->dictionary->release) p->dictionary->release(p->dictionary);
    delete p->dictionary;
  }
  delete p;
  a->release = nullptr;
}

}  // namespace internal

inline void export_schema(const std::shared_ptr<Node>& n, ArrowSchema* out) {
  auto* p = new internal::SchemaPriv{n, {}, nullptr};
  for (const auto& c : n->children) {
    auto* cs = new ArrowSchema{};
    export_schema(c, cs);
    p->children.push_back(cs);
  }
  if (n->dictionary) {
    p->dictionary = new ArrowSchema{};
    export_schema(n->dictionary, p->dictionary);
  }
  out->format = n->format.c_str();
  out->name = n->name.c_str();
  out->metadata = nullptr;
  out->flags = n->nullable ? ARROW_FLAG_NULLABLE : 0;
  out->n_children = static_cast<int64_t>(p->children.size());
  out->children = p->children.empty() ? nullptr : p->children.data();
  out->dictionary = p->dictionary;
  out->release = &internal::release_schema;
  out->private_data = p;
}

inline void export_array(const std::shared_ptr<Node>& n, ArrowArray* out) {
  auto* p = new internal::ArrayPriv{n, {}, {}, nullptr};
  for (size_t i = 0; i < n->buffers.size(); ++i)
    p->buffers.push_back(i == 0 && n->buffers[0].empty() ? nullptr : n->buffers[i].data());
  for (const auto& c : n->children) {
    auto* ca = new ArrowArray{};
    export_array(c, ca);
    p->children.push_back(ca);
  }
  if (n->dictionary) {
    p->dictionary = new ArrowArray{};
    export_array(n->dictionary, p->dictionary);
  }
  out->length = n->length;
  out->null_count = n->null_count;
  out->offset = 0;
  out->n_buffers = static_cast<int64_t>(p->buffers.size());
  out->n_children = static_cast<int64_t>(p->children.size());
  out->buffers = p->buffers.empty() ? nullptr : p->buffers.data();
  out->children = p->children.empty() ? nullptr : p->children.data();
  out->dictionary = p->dictionary;
  out->release = &internal::release_array;
  out->private_data = p;
}

// Builders for the column kinds results use. `valid` empty = all present.
// Packs 8 bytes, each 0 or not, into the bits of one byte (byte i, bit i),
// and adds how many were not 0 to `ones`.
inline uint8_t pack8(const uint8_t* p, int64_t& ones) {
  uint64_t x;
  std::memcpy(&x, p, 8);
  constexpr uint64_t kLow7 = 0x7F7F7F7F7F7F7F7FULL;
  x = ((((x & kLow7) + kLow7) | x) >> 7) & 0x0101010101010101ULL;  // each byte 0 or 1
  ones += static_cast<int64_t>((x * 0x0101010101010101ULL) >> 56);  // their sum, in the top byte
  return static_cast<uint8_t>((x * 0x0102040810204080ULL) >> 56);
}

template <typename V>
Bytes pack_bits(const V& bytes, int64_t& zeros) {
  const size_t n = bytes.size();
  Bytes bits((n + 7) / 8 + 8, 0);
  int64_t ones = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) bits[i >> 3] = pack8(bytes.data() + i, ones);
  for (; i < n; ++i)
    if (bytes[i]) {
      bits[i >> 3] |= static_cast<uint8_t>(1u << (i & 7));
      ++ones;
    }
  zeros = static_cast<int64_t>(n) - ones;
  return bits;
}

template <typename V>
void set_validity(Node& n, const V& valid) {
  n.buffers.emplace_back();
  if (valid.empty()) return;
  int64_t zeros = 0;
  Bytes bits = pack_bits(valid, zeros);
  n.null_count = zeros;
  if (zeros > 0) n.buffers[0] = std::move(bits);
}

template <typename T, typename A, typename V = Bytes>
std::shared_ptr<Node> fixed(std::string name, const char* format, std::vector<T, A> values,
                            const V& valid = {}) {
  auto n = std::make_shared<Node>();
  n->name = std::move(name);
  n->format = format;
  n->length = static_cast<int64_t>(values.size());
  set_validity(*n, valid);
  n->buffers.emplace_back(std::move(values));
  return n;
}

template <typename V, typename W = Bytes>
std::shared_ptr<Node> booleans(std::string name, const V& values, const W& valid = {}) {
  auto n = std::make_shared<Node>();
  n->name = std::move(name);
  n->format = "b";
  n->length = static_cast<int64_t>(values.size());
  set_validity(*n, valid);
  int64_t zeros = 0;
  n->buffers.push_back(pack_bits(values, zeros));
  return n;
}

// Strings from anything with size()/operator[] yielding string-likes;
// `valid` empty = all present.
template <typename Vec, typename V = Bytes>
std::shared_ptr<Node> strings(std::string name, const Vec& values, const V& valid = {}) {
  auto n = std::make_shared<Node>();
  n->name = std::move(name);
  n->length = static_cast<int64_t>(values.size());
  set_validity(*n, valid);
  size_t total = 0;
  for (size_t i = 0; i < values.size(); ++i) total += std::string_view(values[i]).size();
  const bool large = total > 0x7fffffff;
  n->format = large ? "U" : "u";
  // Both written in full below.
  RawBytes offsets, data;
  kcbx::detail::resize_uninitialized(offsets, (values.size() + 1) * (large ? 8 : 4));
  kcbx::detail::resize_uninitialized(data, std::max<size_t>(total, 8));
  size_t pos = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    if (large) {
      const int64_t o = static_cast<int64_t>(pos);
      std::memcpy(offsets.data() + i * 8, &o, 8);
    } else {
      const int32_t o = static_cast<int32_t>(pos);
      std::memcpy(offsets.data() + i * 4, &o, 4);
    }
    const std::string_view s(values[i]);
    if (!s.empty()) std::memcpy(data.data() + pos, s.data(), s.size());
    pos += s.size();
  }
  if (large) {
    const int64_t o = static_cast<int64_t>(pos);
    std::memcpy(offsets.data() + values.size() * 8, &o, 8);
  } else {
    const int32_t o = static_cast<int32_t>(pos);
    std::memcpy(offsets.data() + values.size() * 4, &o, 4);
  }
  n->buffers.push_back(std::move(offsets));
  n->buffers.push_back(std::move(data));
  return n;
}

template <typename C>
constexpr const char* index_format() {
  if constexpr (std::is_same_v<C, int8_t>) return "c";
  else if constexpr (std::is_same_v<C, int16_t>) return "s";
  else {
    static_assert(std::is_same_v<C, int32_t>, "dictionary indices are int8, int16 or int32");
    return "i";
  }
}

// dictionary<C, utf8>: codes index `labels`, -1 is null. Under each null
// the code becomes 0, which Arrow readers may look up, unless
// `zero_nulls` is false: pandas' categorical codes are -1 there, and a
// result bound for pandas keeps them (pandas then takes the codes as they
// are; putting the -1s back cost a pass a column).
template <typename C, typename A>
std::shared_ptr<Node> dictionary(std::string name, std::vector<C, A> codes, const std::vector<std::string>& labels,
                                 bool zero_nulls = true) {
  const size_t n = codes.size();
  C* c = codes.data();
  // int8 codes (nearly every column: a status, a rule) are read eight at a
  // time: their sign bits are the nulls. The plain loops below took 2 ms a
  // million codes for a column with nulls.
  constexpr bool kBytes = std::is_same_v<C, int8_t> && std::endian::native == std::endian::little;
  constexpr uint64_t kSigns = 0x8080808080808080ULL;
  auto word = [c](size_t i) {
    uint64_t x;
    std::memcpy(&x, c + i, 8);
    return x;
  };
  size_t nulls = 0, i = 0;
  // The sign bits counted by a multiplication that sums the eight bytes
  // into the top one (at most 8: no carries): __builtin_popcountll is a
  // call into libgcc on CPUs the build cannot assume have POPCNT.
  if constexpr (kBytes)
    for (; i + 8 <= n; i += 8) nulls += static_cast<size_t>((((word(i) & kSigns) >> 7) * 0x0101010101010101ULL) >> 56);
  for (; i < n; ++i) nulls += c[i] < 0;
  Bytes bits;
  if (nulls > 0) {
    // The validity bitmap straight from the codes, and 0 under each null:
    // a byte of bits per eight codes.
    bits.assign((n + 7) / 8 + 8, 0);
    i = 0;
    for (; i + 8 <= n; i += 8) {
      if constexpr (kBytes) {
        const uint64_t x = word(i);
        const uint64_t negative = (x & kSigns) >> 7;  // 0x01 in each null's byte
        // The sign bits of the valid bytes, gathered into one byte (bit q
        // from byte q) by a multiplication that carries none of them over.
        bits[i >> 3] = static_cast<uint8_t>((((~x) & kSigns) * 0x0002040810204081ULL) >> 56);
        if (zero_nulls) {
          const uint64_t zeroed = x & ~(negative * 0xFF);
          std::memcpy(c + i, &zeroed, 8);
        }
      } else {
        unsigned byte = 0;
        for (unsigned q = 0; q < 8; ++q) {
          byte |= static_cast<unsigned>(c[i + q] >= 0) << q;
          if (zero_nulls) c[i + q] = c[i + q] < 0 ? C{0} : c[i + q];
        }
        bits[i >> 3] = static_cast<uint8_t>(byte);
      }
    }
    for (; i < n; ++i) {
      if (c[i] >= 0) bits[i >> 3] |= static_cast<uint8_t>(1u << (i & 7));
      else if (zero_nulls) c[i] = 0;
    }
  }
  auto node = fixed(std::move(name), index_format<C>(), std::move(codes));
  if (nulls > 0) {
    node->null_count = static_cast<int64_t>(nulls);
    node->buffers[0] = std::move(bits);
  }
  node->dictionary = strings("", labels);
  node->dictionary->nullable = false;
  return node;
}

// f(C{}) with C the narrowest dictionary index type (int8, int16, int32)
// that holds `bound` labels.
template <typename F>
decltype(auto) with_index_type(size_t bound, F&& f) {
  if (bound <= static_cast<size_t>(std::numeric_limits<int8_t>::max())) return f(int8_t{});
  if (bound <= static_cast<size_t>(std::numeric_limits<int16_t>::max())) return f(int16_t{});
  return f(int32_t{});
}

// A dictionary column of `n` rows whose codes code_at(k) (-1 for null)
// index `labels`, in the narrowest index type that holds `most` labels: a
// status column takes a byte a row instead of four, and pandas keeps int8
// codes for a categorical of fewer than 128 labels anyway. `most` is a
// bound fixed by the pack (a domain's or a table's size), so that every
// chunk of a result has the same type; labels that come from the data pass
// SIZE_MAX (int32).
template <typename F>
std::shared_ptr<Node> dictionary_of(std::string name, size_t n, const std::vector<std::string>& labels,
                                    size_t most, F&& code_at, bool zero_nulls = true) {
  return with_index_type(std::max(most, labels.size()), [&](auto zero) {
    using C = decltype(zero);
    Vec<C> codes;
    kcbx::detail::resize_uninitialized(codes, n);
    for (size_t k = 0; k < n; ++k) codes[k] = static_cast<C>(code_at(k));
    return dictionary(std::move(name), std::move(codes), labels, zero_nulls);
  });
}

inline std::shared_ptr<Node> table(std::vector<std::shared_ptr<Node>> columns, int64_t rows) {
  auto n = std::make_shared<Node>();
  n->format = "+s";
  n->length = rows;
  n->nullable = false;
  n->buffers.emplace_back();  // no validity
  n->children = std::move(columns);
  return n;
}

}  // namespace kcbx::arrow

#endif  // KCBX_BINDINGS_PYTHON_ARROW_C_H_
