// _kcbx: the Python binding of the kcbx library. Thin re2-style shims over
// the public C++ API; the table-kind conveniences (pandas, Polars, pyarrow)
// live in kcbx/__init__.py. Tables cross as Arrow C Data Interface structs
// (arrow_c.h), so the module links no Arrow library.
//
// GIL: inputs are imported (PyCapsules moved into owned structs) under the
// GIL, then column conversion, evaluation and result building run with the
// GIL released (the Engine is immutable), and capsules are made once it is
// back (STYLE.md §6, re2's RE2MatchShim).
#include <pybind11/pybind11.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cerrno>
#include <array>
#include <deque>
#include <exception>
#include <fstream>
#include <functional>
#include <map>
#include <numeric>
#include <regex>
#include <sstream>
#include <unordered_map>

#include "arrow_c.h"
#include "engine/column_names.h"
#include "engine/plan.h"
#include "io/csv.h"
#include "io/encoding.h"
#include "io/id_number.h"
#include "io/input_file.h"
#include "io/rejects_order.h"
#include "workflow/rejected_students.h"
#include "generate/generate.h"
#include "kcbx/cases.h"
#include "kcbx/columns.h"
#include "kcbx/kcbx.h"
#include "kcbx/report.h"
#include "kcbx/responsibility.h"
#include "kcbx/transfer.h"
#include "pack/checked_pack.h"
#include "util/parallel.h"

namespace py = pybind11;
using namespace pybind11::literals;

namespace kcbx::python {

namespace {

constexpr int kPickleVersion = 1;

// ---- errors -------------------------------------------------------------------

PyObject* g_rules_error = nullptr;

py::object diagnostic_list(const std::vector<Diagnostic>& diags) {
  py::list out;
  for (const auto& d : diags) out.append(py::cast(d));
  return out;
}

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::kError: return "error";
    case Severity::kWarning: return "warning";
    case Severity::kNote: return "note";
  }
  return "error";
}

Date parse_as_of(const std::string& text, const char* what = "as_of") {
  auto d = Date::parse(text);
  if (!d) throw py::value_error(std::string(what) + ": '" + detail::mask_embedded_id_numbers(text) + "' is not a date (YYYY-MM-DD)");
  return *d;
}

// ---- input ------------------------------------------------------------------

// Imported columns: owned Arrow structs and numpy references, and the
// ColumnViews describing them. Destroyed with the GIL held.
struct Input {
  std::vector<std::unique_ptr<arrow::OwnedSchema>> schemas;
  std::deque<ColumnChunk> keep;
  std::vector<ColumnView> views;
  // Per view, per chunk: the imported Arrow array holding its buffers (null
  // for numpy columns). A result column may share them (see shared_key_column);
  // an Arrow producer's release callback may run on any thread.
  std::vector<std::vector<std::shared_ptr<const void>>> owners;
  std::vector<py::object> refs;
};

template <typename T>
T* capsule_pointer(const py::object& cap, const char* name) {
  void* p = PyCapsule_GetPointer(cap.ptr(), name);
  if (!p) throw py::error_already_set();
  return static_cast<T*>(p);
}

// Moves a stream's schema and arrays out of its capsule.
void import_stream(const py::object& obj, Input& in, arrow::OwnedSchema*& schema,
                   std::vector<std::shared_ptr<arrow::OwnedArray>>& arrays) {
  py::object cap = obj.attr("__arrow_c_stream__")();
  auto* src = capsule_pointer<ArrowArrayStream>(cap, "arrow_array_stream");
  ArrowArrayStream stream = *src;
  src->release = nullptr;
  struct Guard {
    ArrowArrayStream* s;
    ~Guard() {
      if (s->release) s->release(s);
    }
  } guard{&stream};
  auto fail = [&](const char* what) {
    const char* e = stream.get_last_error ? stream.get_last_error(&stream) : nullptr;
    throw std::runtime_error(std::string(what) + (e ? std::string(": ") + e : std::string()));
  };
  in.schemas.push_back(std::make_unique<arrow::OwnedSchema>());
  schema = in.schemas.back().get();
  if (stream.get_schema(&stream, &schema->s) != 0) fail("cannot read the Arrow stream's schema");
  for (;;) {
    auto a = std::make_shared<arrow::OwnedArray>();
    if (stream.get_next(&stream, &a->a) != 0) fail("cannot read the Arrow stream");
    if (!a->a.release) break;
    arrays.push_back(std::move(a));
  }
}

void import_array(const py::object& obj, Input& in, arrow::OwnedSchema*& schema,
                  std::vector<std::shared_ptr<arrow::OwnedArray>>& arrays) {
  py::tuple caps = obj.attr("__arrow_c_array__")();
  if (caps.size() != 2) throw py::type_error("__arrow_c_array__ must return two capsules");
  auto* s = capsule_pointer<ArrowSchema>(caps[0], "arrow_schema");
  auto* a = capsule_pointer<ArrowArray>(caps[1], "arrow_array");
  in.schemas.push_back(std::make_unique<arrow::OwnedSchema>());
  schema = in.schemas.back().get();
  schema->s = *s;
  s->release = nullptr;
  arrays.push_back(std::make_shared<arrow::OwnedArray>());
  arrays.back()->a = *a;
  a->release = nullptr;
}

// A whole table: a struct stream or struct array, one column per child.
void import_table(const py::object& obj, Input& in) {
  arrow::OwnedSchema* schema = nullptr;
  std::vector<std::shared_ptr<arrow::OwnedArray>> arrays;
  if (py::hasattr(obj, "__arrow_c_stream__")) import_stream(obj, in, schema, arrays);
  else if (py::hasattr(obj, "__arrow_c_array__")) import_array(obj, in, schema, arrays);
  else throw py::type_error("expected a table with __arrow_c_stream__ or __arrow_c_array__");
  const ArrowSchema& s = schema->s;
  if (std::string_view(s.format ? s.format : "") != "+s")
    throw py::type_error("expected a table (an Arrow struct), got Arrow type '" +
                         std::string(s.format ? s.format : "") + "'");
  for (const auto& a : arrays)
    if (a->a.n_children != s.n_children) throw py::value_error("Arrow batch does not match its schema");
  // Each column moves out of its struct into an array of its own (the C
  // data interface allows moving children; the parent is released right
  // after), so that a result sharing one column's buffers keeps that
  // column alive, not the whole input.
  struct StructBatch {
    int64_t offset, length;
    std::vector<std::shared_ptr<arrow::OwnedArray>> columns;
  };
  std::vector<StructBatch> batches;
  for (auto& a : arrays) {
    StructBatch b{a->a.offset, a->a.length, {}};
    for (int64_t c = 0; c < s.n_children; ++c) {
      auto column = std::make_shared<arrow::OwnedArray>();
      column->a = *a->a.children[c];
      a->a.children[c]->release = nullptr;  // moved
      b.columns.push_back(std::move(column));
    }
    batches.push_back(std::move(b));
    a.reset();  // releases the parent: its children are ours now
  }
  for (int64_t c = 0; c < s.n_children; ++c) {
    ColumnView v;
    v.name = s.children[c]->name ? s.children[c]->name : "";
    std::vector<std::shared_ptr<const void>> owners;
    for (const StructBatch& b : batches) {
      const ArrowArray& child = b.columns[static_cast<size_t>(c)]->a;
      ColumnChunk ch;
      arrow::describe(v.name, *s.children[c], child, in.keep, ch);
      // A struct array's offset applies to its children too.
      ch.offset += b.offset;
      if (b.offset != 0 || b.length != child.length) ch.length = std::min<int64_t>(b.length, child.length - b.offset);
      v.chunks.push_back(std::move(ch));
      owners.push_back(b.columns[static_cast<size_t>(c)]);
    }
    in.views.push_back(std::move(v));
    in.owners.push_back(std::move(owners));
  }
}

ArrayType numpy_type(const py::array& a, const std::string& name) {
  const py::dtype dt = a.dtype();
  const char kind = dt.kind();
  const auto size = dt.itemsize();
  if (kind == 'b') return ArrayType::kBoolBytes;
  if (kind == 'i') {
    if (size == 1) return ArrayType::kInt8;
    if (size == 2) return ArrayType::kInt16;
    if (size == 4) return ArrayType::kInt32;
    if (size == 8) return ArrayType::kInt64;
  }
  if (kind == 'u') {
    if (size == 1) return ArrayType::kUInt8;
    if (size == 2) return ArrayType::kUInt16;
    if (size == 4) return ArrayType::kUInt32;
    if (size == 8) return ArrayType::kUInt64;
  }
  if (kind == 'f') {
    if (size == 4) return ArrayType::kFloat32;
    if (size == 8) return ArrayType::kFloat64;
  }
  if (kind == 'M') {
    const std::string s = py::str(dt.attr("str"));
    if (s.find("[D]") != std::string::npos) return ArrayType::kTimestampDays;
    if (s.find("[s]") != std::string::npos) return ArrayType::kTimestampS;
    if (s.find("[ms]") != std::string::npos) return ArrayType::kTimestampMs;
    if (s.find("[us]") != std::string::npos) return ArrayType::kTimestampUs;
    if (s.find("[ns]") != std::string::npos) return ArrayType::kTimestampNs;
  }
  throw ColumnTypeError(name, "column '" + name + "' has numpy dtype " + std::string(py::str(dt)) +
                                  ", which kcbx does not read (use bool, integers, floats, "
                                  "datetime64, or strings through Arrow)");
}

// One named column: a numpy array, or an Arrow array or chunked array.
void import_column(const std::string& name, const py::object& obj, Input& in) {
  ColumnView v;
  v.name = name;
  std::vector<std::shared_ptr<const void>> owners;
  if (py::isinstance<py::array>(obj)) {
    py::array a = py::reinterpret_borrow<py::array>(obj);
    if (a.ndim() != 1) throw py::value_error("column '" + name + "' must be one-dimensional");
    if (a.shape(0) > 1 && a.strides(0) != a.itemsize())
      throw py::value_error("column '" + name + "' must be contiguous (np.ascontiguousarray)");
    if (!(a.flags() & py::array::c_style) && a.shape(0) > 1)
      throw py::value_error("column '" + name + "' must be contiguous (np.ascontiguousarray)");
    ColumnChunk ch;
    ch.type = numpy_type(a, name);
    ch.length = a.shape(0);
    ch.values = a.data();
    in.refs.push_back(obj);
    v.chunks.push_back(ch);
    owners.push_back(nullptr);
  } else {
    arrow::OwnedSchema* schema = nullptr;
    std::vector<std::shared_ptr<arrow::OwnedArray>> arrays;
    if (py::hasattr(obj, "__arrow_c_stream__")) import_stream(obj, in, schema, arrays);
    else if (py::hasattr(obj, "__arrow_c_array__")) import_array(obj, in, schema, arrays);
    else
      throw py::type_error("column '" + name + "': expected a numpy array or an Arrow array, got " +
                           std::string(py::str(py::type::of(obj).attr("__name__"))));
    for (const auto& a : arrays) {
      ColumnChunk ch;
      arrow::describe(name, schema->s, a->a, in.keep, ch);
      v.chunks.push_back(std::move(ch));
      owners.push_back(a);
    }
  }
  in.views.push_back(std::move(v));
  in.owners.push_back(std::move(owners));
}

// `source` is a table (whole) or a list of (name, column) pairs.
std::unique_ptr<Input> import_input(const py::object& source, bool whole) {
  auto in = std::make_unique<Input>();
  if (whole) {
    import_table(source, *in);
  } else {
    for (py::handle item : source) {
      py::tuple pair = py::reinterpret_borrow<py::tuple>(item);
      import_column(pair[0].cast<std::string>(), py::reinterpret_borrow<py::object>(pair[1]), *in);
    }
  }
  return in;
}

// ---- results ----------------------------------------------------------------

using arrow::Node;
using NodePtr = std::shared_ptr<Node>;

std::string string_cell(const detail::ColumnData& c, size_t i, const detail::Pack& pack) {
  if (!c.present(i)) return {};
  if (c.type.kind == detail::TypeKind::kString) return std::string(*static_cast<const std::string_view*>(c.at(i)));
  return detail::format_value(c.type, c.at(i), pack);
}

const std::vector<detail::EnumValueDef>& table_values(const detail::CheckedPack& cp, size_t t) {
  const auto& def = cp.pack->tables[t];
  int dom = def.domain;
  if (dom < 0) dom = cp.fields[static_cast<size_t>(cp.field_index(def.values_from.value))].type.domain;
  return cp.pack->domains[static_cast<size_t>(dom)].values;
}

// Dictionary-encodes strings made per row.
struct Labels {
  std::unordered_map<std::string, int32_t> index;
  std::vector<std::string> labels;
  int32_t code(const std::string& s) {
    auto [it, fresh] = index.emplace(s, static_cast<int32_t>(labels.size()));
    if (fresh) labels.push_back(s);
    return it->second;
  }
};

// The distinct (values, rows) set pairs of a collect table and their label
// codes, found by open addressing: records share a few dozen pairs, so a
// row costs two multiplications and a probe or two. (A direct-mapped memo
// in front of two maps thrashed when two frequent pairs shared a slot.)
class SetPairCodes {
 public:
  struct Codes {
    int32_t v = -1, r = -1, c = -1;
  };
  // The codes of (vs, rs); make(vs, rs) gives them the first time. The
  // first probe is inline (nearly every row finds its pair there).
  template <typename Make>
  const Codes& get(uint64_t vs, uint64_t rs, Make&& make) {
    const Entry& e = slots_[index(vs, rs)];
    if (e.used && e.vs == vs && e.rs == rs) [[likely]] return e.codes;
    return find_or_add(vs, rs, make);
  }

 private:
  template <typename Make>
  __attribute__((noinline)) const Codes& find_or_add(uint64_t vs, uint64_t rs, Make& make) {
    for (size_t s = index(vs, rs);; s = (s + 1) & (slots_.size() - 1)) {
      Entry& e = slots_[s];
      if (e.used && e.vs == vs && e.rs == rs) return e.codes;
      if (e.used) continue;
      if (2 * (count_ + 1) > slots_.size()) {
        grow();
        return find_or_add(vs, rs, make);
      }
      e = {vs, rs, make(vs, rs), true};
      ++count_;
      return e.codes;
    }
  }

  struct Entry {
    uint64_t vs = 0, rs = 0;
    Codes codes;
    bool used = false;
  };
  size_t index(uint64_t vs, uint64_t rs) const {
    return static_cast<size_t>(((vs * 0x9E3779B97F4A7C15ull) ^ (rs * 0xC2B2AE3D27D4EB4Full)) >> shift_);
  }
  void grow() {
    std::vector<Entry> old(slots_.size() * 2);
    old.swap(slots_);
    --shift_;
    for (const Entry& e : old) {
      if (!e.used) continue;
      size_t s = index(e.vs, e.rs);
      while (slots_[s].used) s = (s + 1) & (slots_.size() - 1);
      slots_[s] = e;
    }
  }
  std::vector<Entry> slots_ = std::vector<Entry>(64);
  int shift_ = 58;  // 64 - log2(slots_.size())
  size_t count_ = 0;
};

// The batch rows a result holds, in order: every row when none was
// rejected (the common case, without a list to build and read), else the
// accepted ones.
struct ResultRows {
  const std::vector<size_t>* list = nullptr;
  size_t n = 0;
  size_t size() const { return n; }
  size_t operator[](size_t k) const { return list ? (*list)[k] : k; }
};

// Row rows[k]'s value of a fixed-width column, for each k: one copy when
// every row is kept (the common case: 8 MB of ages at memory speed rather
// than value by value through the row list).
template <typename T>
arrow::Vec<T> gather(const detail::ColumnData& c, const ResultRows& rows) {
  arrow::Vec<T> v;
  detail::resize_uninitialized(v, rows.size());
  if (!rows.list) {
    if (rows.size() > 0) std::memcpy(v.data(), c.bytes.data(), rows.size() * sizeof(T));
  } else {
    for (size_t k = 0; k < rows.size(); ++k) std::memcpy(&v[k], c.at(rows[k]), sizeof(T));
  }
  return v;
}

// output_column of every row of `c`, its values moved in instead of
// copied (whole numbers, numbers and dates, whose bytes are already
// Arrow's); null for other kinds. `c` is left without values.
NodePtr moved_output(const std::string& name, detail::ColumnData& c, size_t rows) {
  using detail::TypeKind;
  const char* format = c.type.kind == TypeKind::kInt      ? "l"
                       : c.type.kind == TypeKind::kNumber ? "g"
                       : c.type.kind == TypeKind::kDate   ? "tdD"
                                                          : nullptr;
  if (!format || c.bytes.size() != rows * static_cast<size_t>(c.width) ||
      (!c.valid.empty() && c.valid.size() != rows))
    return nullptr;
  auto n = std::make_shared<Node>();
  n->name = name;
  n->format = format;
  n->length = static_cast<int64_t>(rows);
  arrow::set_validity(*n, c.valid);
  n->buffers.emplace_back(std::move(c.bytes));
  return n;
}

// `text`: the values as this text instead, in a string column.
NodePtr output_column(const std::string& name, const detail::ColumnData& c, const ResultRows& rows,
                      const detail::Pack& pack, bool zero_nulls = true, const std::vector<std::string>* text = nullptr) {
  using detail::TypeKind;
  arrow::Bytes valid;
  if (!c.valid.empty()) {
    valid.resize(rows.size());
    if (!rows.list) std::copy_n(c.valid.begin(), rows.size(), valid.begin());
    else for (size_t k = 0; k < rows.size(); ++k) valid[k] = c.valid[rows[k]];
  }
  if (text) return arrow::strings(name, *text, valid);
  switch (c.type.kind) {
    case TypeKind::kInt: return arrow::fixed(name, "l", gather<int64_t>(c, rows), valid);
    case TypeKind::kNumber: return arrow::fixed(name, "g", gather<double>(c, rows), valid);
    case TypeKind::kDate: return arrow::fixed(name, "tdD", gather<int32_t>(c, rows), valid);
    case TypeKind::kBool: return arrow::booleans(name, gather<uint8_t>(c, rows), valid);
    case TypeKind::kEnum: {
      std::vector<std::string> labels;
      for (const auto& v : pack.domains[static_cast<size_t>(c.type.domain)].values) labels.push_back(v.name.value);
      return arrow::dictionary_of(
          name, rows.size(), labels, labels.size(),
          [&](size_t k) { return c.present(rows[k]) ? *static_cast<const int32_t*>(c.at(rows[k])) : -1; }, zero_nulls);
    }
    default: {
      std::vector<std::string> v(rows.size());
      for (size_t k = 0; k < rows.size(); ++k) v[k] = string_cell(c, rows[k], pack);
      return arrow::strings(name, v, valid);
    }
  }
}

// `key`: the pack's key field (student_id in Guizhou's), the name `kcbx run`
// gives the column too.
NodePtr rejects_table(const std::vector<Reject>& rejects, const std::string& key) {
  std::vector<int64_t> row;
  std::vector<std::string_view> id, column, reason;
  for (const auto& r : rejects) {
    row.push_back(r.row);
    id.push_back(r.student_id);
    column.push_back(r.column);
    reason.push_back(r.reason);
  }
  std::vector<NodePtr> cols;
  cols.push_back(arrow::fixed("row", "l", row));
  cols.push_back(arrow::strings(key, id));
  cols.push_back(arrow::strings("column", column));
  cols.push_back(arrow::strings("reason", reason));
  return arrow::table(std::move(cols), static_cast<int64_t>(rejects.size()));
}

// The classify result: key, per table value/rule/clause, outputs, levels.
struct Classified {
  NodePtr table;
  std::vector<Reject> rejects;
  int64_t read = 0;
  std::vector<std::string> notes;
};

// A decision table's value, rule and clause codes for every result row,
// in their index types (the callers write every element), and the three
// dictionary columns made of them.
template <typename V, typename R>
struct TableCodes {
  arrow::Vec<V> value;
  arrow::Vec<R> rule, clause;
  explicit TableCodes(size_t rows) {
    detail::resize_uninitialized(value, rows);
    detail::resize_uninitialized(rule, rows);
    detail::resize_uninitialized(clause, rows);
  }
  std::vector<NodePtr> columns(const std::array<std::string, 3>& names,
                               const std::array<const std::vector<std::string>*, 3>& labels, bool zero_nulls) {
    return {arrow::dictionary(names[0], std::move(value), *labels[0], zero_nulls),
            arrow::dictionary(names[1], std::move(rule), *labels[1], zero_nulls),
            arrow::dictionary(names[2], std::move(clause), *labels[2], zero_nulls)};
  }
};

// Runs `jobs` on up to `threads` threads (0: one per core) and returns
// their results in job order. Jobs start in order of `weight` (a rough
// cost), heaviest first, so that the threads finish together: a collect
// table's column, the longest job on Guizhou's pack, started third and
// left the other thread idle for a millisecond of a million rows.
template <typename T>
struct Job {
  int weight;
  std::function<T()> make;
};
template <typename T>
std::vector<T> run_jobs(const std::vector<Job<T>>& jobs, int threads) {
  std::vector<size_t> order(jobs.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return jobs[a].weight > jobs[b].weight; });
  std::vector<T> out(jobs.size());
  detail::parallel_for(jobs.size(), static_cast<size_t>(std::max(0, threads)),
                       [&](size_t k) { out[order[k]] = jobs[order[k]].make(); });
  return out;
}

using Owners = std::vector<std::vector<std::shared_ptr<const void>>>;

// The key column of a result that holds every input row, in order, as the
// input's own Arrow buffers: a million keys are 20 MB not copied. Only when
// the batch's keys are exactly the cells of one null-free string chunk
// (none trimmed or defaulted); null otherwise.
NodePtr shared_key_column(const std::string& name, const detail::ColumnData& kc, size_t rows,
                          const std::vector<ColumnView>& views, const Owners& owners) {
  if (rows == 0 || kc.type.kind != detail::TypeKind::kString || owners.size() != views.size()) return nullptr;
  auto key_at = [&](size_t k) { return *static_cast<const std::string_view*>(kc.at(k)); };
  for (size_t v = 0; v < views.size(); ++v) {
    if (views[v].chunks.size() != 1 || !owners[v][0]) continue;
    const ColumnChunk& ch = views[v].chunks[0];
    const bool narrow = ch.type == ArrayType::kString;
    if ((!narrow && ch.type != ArrayType::kLargeString) || ch.validity || ch.length != static_cast<int64_t>(rows))
      continue;
    const char* data = static_cast<const char*>(ch.values);
    auto offset = [&](size_t k) {
      const size_t j = static_cast<size_t>(ch.offset) + k;
      return narrow ? static_cast<int64_t>(static_cast<const int32_t*>(ch.offsets)[j])
                    : static_cast<const int64_t*>(ch.offsets)[j];
    };
    if (key_at(0).data() != data + offset(0)) continue;  // another column
    for (size_t k = 0; k < rows; ++k) {
      const std::string_view id = key_at(k);
      if ((!kc.valid.empty() && !kc.valid[k]) || id.data() != data + offset(k) ||
          static_cast<int64_t>(id.size()) != offset(k + 1) - offset(k))
        return nullptr;
    }
    auto n = std::make_shared<Node>();
    n->name = name;
    n->format = narrow ? "u" : "U";
    n->length = static_cast<int64_t>(rows);
    n->buffers.emplace_back();  // no validity: every key present
    const size_t width = narrow ? 4 : 8;
    n->buffers.emplace_back(owners[v][0], static_cast<const char*>(ch.offsets) + static_cast<size_t>(ch.offset) * width);
    n->buffers.emplace_back(owners[v][0], ch.values);
    return n;
  }
  return nullptr;
}

// The indices of the pack's levels named `levels` (jurisdiction keys such
// as "county"); std::invalid_argument naming the known ones otherwise.
std::vector<int> level_indices(const detail::CheckedPack& cp, const std::vector<std::string>& levels) {
  std::vector<int> level_index;
  for (const auto& l : levels) {
    const int i = cp.level_index(l);
    if (i < 0) {
      std::string known;
      for (const auto& d : cp.pack->levels) known += (known.empty() ? "" : ", ") + d.name.value;
      throw std::invalid_argument("no level '" + l + "' in the pack (" + known + ")");
    }
    level_index.push_back(i);
  }
  return level_index;
}

// What a result holds: statuses and outputs only, unless cases are
// evaluated from it (then every table, its flags and outputs).
ClassifyOptions result_options(bool all_tables, bool outputs, bool cases) {
  ClassifyOptions what;
  what.flags = false;
  what.cases = cases;
  what.all_tables = all_tables || cases;
  what.outputs = outputs || cases;
  return what;
}

// How the module converts a table: strings borrowed from the input, keys
// searched for ID numbers when `mask`. `keep`: the fields stored (the
// others are checked, so the rejects stay the same, but not kept); empty
// keeps every field.
ColumnOptions conversion_options(const Engine& engine, bool mask, std::vector<std::string> keep) {
  ColumnOptions options;
  options.borrow_strings = true;
  options.threads = engine.options().threads;
  options.find_key_id_numbers = mask;
  options.keep = std::move(keep);
  return options;
}

// The fields a result of `what` with the levels `level_index` reads: what
// the rules read, the key, and the levels' fields.
std::vector<std::string> fields_for(const Engine& engine, const ClassifyOptions& what,
                                    const std::vector<int>& level_index) {
  const detail::CheckedPack& cp = engine.rules().checked();
  std::vector<std::string> keep = engine.fields_read(what);
  keep.push_back(cp.key_field());
  for (int l : level_index)
    for (int f : cp.level_fields[static_cast<size_t>(l)])
      keep.push_back(cp.pack->fields[static_cast<size_t>(f)].name.value);
  return keep;
}

// The result table of a converted batch `in` (its rejects among the
// result's). `views`: the columns `in` was converted from, which its
// strings borrow. `all_tables` false: the first table only; `outputs`
// false: no outputs columns. Both false is the fastest, status-only
// classification. `owners`: the imported arrays behind `views`
// (Input::owners), when the result may share their buffers. `mask`: ID
// numbers inside keys are masked (the command's outputs without
// --no-mask); `in` was converted with its keys searched for them.
// `keep_result`: receives the engine's result (for cases).
Classified classify_batch(const Engine& engine, const ColumnsBatch& in, const std::vector<ColumnView>& views,
                          Date as_of, const std::vector<int>& level_index, const ClassifyOptions& what,
                          const Owners* owners, bool pandas_codes, bool mask, BatchResult* keep_result = nullptr) {
  const detail::CheckedPack& cp = engine.rules().checked();
  const detail::Pack& pack = *cp.pack;
  BatchResult result = engine.classify(in.batch, as_of, what);
  const detail::BatchData& bd = in.batch.data();
  const detail::ResultData& rd = result.data();

  Classified out;
  out.read = in.read;
  out.notes = in.notes;
  out.rejects = in.rejects;
  const std::string key = cp.key_field();
  const int key_field = cp.field_index(key);
  size_t rejected = 0;
  for (size_t i = 0; i < bd.rows; ++i) {
    if (rd.reject[i] < 0) continue;
    ++rejected;
    Reject r;
    r.row = bd.row_numbers[i];
    if (key_field >= 0) r.student_id = detail::masked_key(string_cell(bd.columns[static_cast<size_t>(key_field)], i, pack));
    r.column = std::string(result.reject_column(i));
    r.reason = std::string(result.reject_reason(i));
    out.rejects.push_back(std::move(r));
  }
  detail::sort_by_row(out.rejects);
  std::vector<size_t> accepted;
  if (rejected > 0) {
    accepted.reserve(bd.rows - rejected);
    for (size_t i = 0; i < bd.rows; ++i)
      if (rd.reject[i] < 0) accepted.push_back(i);
  }
  const ResultRows rows{rejected > 0 ? &accepted : nullptr, bd.rows - rejected};
  // Every input row is in the result, in order: the key column may be the
  // input's own.
  const bool every_input_row = out.rejects.empty() && bd.rows == static_cast<size_t>(in.read);

  // pandas_codes: dictionary codes stay -1 under nulls (see arrow::dictionary).
  const bool zero_nulls = !pandas_codes;
  // The result's columns are independent of each other: each is a job,
  // and the jobs run on the engine's threads (the GIL is released).
  std::vector<Job<std::vector<NodePtr>>> jobs;
  // Each job's weight (a rough cost, see run_jobs): a level's labels (text
  // per row) 4, the keys when each is looked at for an ID number 4, a
  // collect table's sets 3, a table's codes 2, the rest 1.
  //
  // The key column comes first. A key with an ID number in it ("G" + the
  // number is a common student number) is shown masked: the conversion
  // found them (ColumnOptions::find_key_id_numbers). Most hold none, and
  // the column is then the input's own buffers, or a copy made by a job
  // of its own.
  const detail::ColumnData* kc = key_field >= 0 ? &bd.columns[static_cast<size_t>(key_field)] : nullptr;
  const bool text_key = kc && kc->type.kind == detail::TypeKind::kString;
  auto key_text = [&](size_t k) { return *static_cast<const std::string_view*>(kc->at(rows[k])); };
  // Result rows whose key is shown masked, and how.
  std::vector<std::pair<size_t, std::string>> masked_keys;
  if (text_key && mask) {
    if (!in.key_id_numbers_found) throw std::logic_error("the keys were not searched for ID numbers");
    for (const size_t b : in.key_id_numbers) {
      if (rd.reject[b] >= 0) continue;  // not in the result
      // The result row of batch record b: b itself, or its place among
      // the records the rules accepted.
      const size_t k = rows.list ? static_cast<size_t>(std::lower_bound(accepted.begin(), accepted.end(), b) -
                                                       accepted.begin())
                                 : b;
      masked_keys.emplace_back(k, detail::mask_embedded_id_numbers(key_text(k)));
    }
  }
  // The key column as text, the keys in `masked` (row, text) shown so.
  auto key_strings = [&](const std::vector<std::pair<size_t, std::string>>* masked) {
    struct Ids {
      const std::function<std::string_view(size_t)>& text;
      size_t n;
      size_t size() const { return n; }
      std::string_view operator[](size_t k) const { return text(k); }
    };
    std::unordered_map<size_t, std::string_view> shown;
    if (masked)
      for (const auto& [k, m] : *masked) shown.emplace(k, m);
    const std::function<std::string_view(size_t)> text = [&](size_t k) {
      if (!shown.empty())
        if (auto it = shown.find(k); it != shown.end()) return it->second;
      return key_text(k);
    };
    arrow::Bytes valid;
    if (!kc->valid.empty()) {
      valid.resize(rows.size());
      for (size_t k = 0; k < rows.size(); ++k) valid[k] = kc->valid[rows[k]];
    }
    return arrow::strings(key, Ids{text, rows.size()}, valid);
  };
  const bool may_share = every_input_row && owners;
  if (kc && !text_key) jobs.push_back({1, [&]() -> std::vector<NodePtr> {
    // A whole-number key of 18 digits may be an ID number too: with one
    // among the keys, the column is the keys' text, masked (as the command
    // writes it).
    if (mask && kc->type.kind == detail::TypeKind::kInt) {
      std::vector<std::string> text(rows.size());
      bool any = false;
      for (size_t k = 0; k < rows.size(); ++k) {
        if (!kc->present(rows[k])) continue;
        text[k] = std::to_string(*static_cast<const int64_t*>(kc->at(rows[k])));
        if (detail::has_embedded_id_number(text[k])) {
          text[k] = detail::mask_embedded_id_numbers(text[k]);
          any = true;
        }
      }
      if (any) return {output_column(key, *kc, rows, pack, zero_nulls, &text)};
    }
    return {output_column(key, *kc, rows, pack, zero_nulls)};
  }});
  if (text_key && !may_share) jobs.push_back({2, [&]() -> std::vector<NodePtr> { return {key_strings(nullptr)}; }});
  const size_t tables_out = what.all_tables ? pack.tables.size() : std::min<size_t>(1, pack.tables.size());
  auto table_weight = [&](size_t t) { return pack.tables[t].hit_policy == detail::HitPolicy::kCollect ? 3 : 2; };
  for (size_t t = 0; t < tables_out; ++t) jobs.push_back({table_weight(t), [&, t]() -> std::vector<NodePtr> {
    const auto& def = pack.tables[t];
    const auto& values = table_values(cp, t);
    const std::string value_name = def.name.value;
    const std::string rule_name = t == 0 ? "rule" : def.name.value + "_rule";
    const std::string clause_name = t == 0 ? "clause" : def.name.value + "_clause";
    if (def.hit_policy == detail::HitPolicy::kCollect) {
      // A set of values per record: one label per distinct set ("a;b").
      // Records share a few dozen (values, rows) pairs; each pair's labels
      // are made once.
      Labels vl, rl, cl;
      SetPairCodes pairs;
      auto labels_of = [&](uint64_t vs, uint64_t rs) {
        std::string v, r, c;
        for (size_t b = 0; b < values.size() && b < 64; ++b)
          if ((vs >> b) & 1) v += (v.empty() ? "" : ";") + values[b].name.value;
        std::vector<std::string_view> seen_clauses;
        for (size_t b = 0; b < def.rows.size() && b < 64; ++b)
          if ((rs >> b) & 1) {
            r += (r.empty() ? "" : ";") + def.rows[b].id.value;
            const std::string& clause = def.rows[b].clause.value;
            // As BatchResult::clause (the CLI's column): distinct, in row
            // order, rows without a clause left out.
            if (!clause.empty() && std::find(seen_clauses.begin(), seen_clauses.end(), clause) == seen_clauses.end()) {
              seen_clauses.push_back(clause);
              c += (c.empty() ? "" : ";") + clause;
            }
          }
        return SetPairCodes::Codes{vl.code(v), rl.code(r), cl.code(c)};
      };
      // Labels are the sets seen in this input, but how many sets there can
      // be is the pack's: every chunk of a result gets the same index type
      // (int8 for Guizhou's aid table, whose codes pandas then takes as
      // they are, where int32 codes cost a pass each). A clause label
      // follows from the set of rows matched (its clauses in row order:
      // two row sets may order the same clauses differently), so it has
      // the rows' bound. The codes are written in that type straight away:
      // int32 codes narrowed afterwards were two thirds of the result's
      // time on Guizhou's pack.
      auto sets_of = [](size_t members) {
        return members >= 63 ? SIZE_MAX : (size_t{1} << members) - 1;  // non-empty subsets
      };
      return arrow::with_index_type(sets_of(values.size()), [&](auto value_zero) {
        return arrow::with_index_type(sets_of(def.rows.size()), [&](auto row_zero) -> std::vector<NodePtr> {
          using V = decltype(value_zero);
          using R = decltype(row_zero);
          TableCodes<V, R> table_codes(rows.size());
          const uint64_t* value_sets = rd.sets[t].data();
          const uint64_t* row_sets = rd.row_sets[t].data();
          // row_of(k): the batch row of result row k (k itself without rejects).
          auto fill = [&](auto row_of) {
            for (size_t k = 0; k < rows.size(); ++k) {
              const uint64_t vs = value_sets[row_of(k)], rs = row_sets[row_of(k)];
              if (vs == 0) {
                table_codes.value[k] = V{-1};
                table_codes.rule[k] = table_codes.clause[k] = R{-1};
                continue;
              }
              const SetPairCodes::Codes& c = pairs.get(vs, rs, labels_of);
              table_codes.value[k] = static_cast<V>(c.v);
              table_codes.rule[k] = static_cast<R>(c.r);
              table_codes.clause[k] = static_cast<R>(c.c);
            }
          };
          if (!rows.list) fill([](size_t k) { return k; });
          else fill([&](size_t k) { return rows[k]; });
          return table_codes.columns({value_name, rule_name, clause_name}, {&vl.labels, &rl.labels, &cl.labels},
                                     zero_nulls);
        });
      });
    } else {
      std::vector<std::string> vlabels, rlabels, clabels;
      for (const auto& v : values) vlabels.push_back(v.name.value);
      Labels cl;
      std::vector<int32_t> row_clause;
      for (const auto& r : def.rows) {
        rlabels.push_back(r.id.value);
        row_clause.push_back(cl.code(r.clause.value));
      }
      clabels = std::move(cl.labels);
      const int32_t* codes = rd.codes[t].data();
      const int32_t* matched = rd.matched[t].data();
      // The value, rule and clause codes in one pass over the matched rows
      // (a loop per column read the 8 MB of matches and codes of a million
      // records three times). Index types as dictionary_of would choose:
      // the values' count, and the table's rows for rules and clauses.
      return arrow::with_index_type(vlabels.size(), [&](auto value_zero) {
        return arrow::with_index_type(def.rows.size(), [&](auto row_zero) -> std::vector<NodePtr> {
          using V = decltype(value_zero);
          using R = decltype(row_zero);
          TableCodes<V, R> table_codes(rows.size());
          // row_of(k): the batch row of result row k. Without rejects it
          // is k, and the loop vectorises.
          auto fill = [&](auto row_of) {
            for (size_t k = 0; k < rows.size(); ++k) {
              const int32_t m = matched[row_of(k)];
              table_codes.value[k] = static_cast<V>(m >= 0 ? codes[row_of(k)] : -1);
              table_codes.rule[k] = static_cast<R>(std::max(-1, m));
              table_codes.clause[k] = static_cast<R>(m >= 0 ? row_clause[static_cast<size_t>(m)] : -1);
            }
          };
          if (!rows.list) fill([](size_t k) { return k; });
          else fill([&](size_t k) { return rows[k]; });
          return table_codes.columns({value_name, rule_name, clause_name}, {&vlabels, &rlabels, &clabels},
                                     zero_nulls);
        });
      });
    }
  }});
  // The result is this call's alone unless it is kept for cases: then an
  // output's values may move into its Arrow column instead of being copied
  // (a million ages are 8 MB). The object is not const (Engine::classify
  // made it); BatchResult only hands it out as const.
  auto* own_result = keep_result ? nullptr : const_cast<detail::ResultData*>(&rd);
  for (size_t o = 0; o < rd.outputs.size(); ++o)
    if (engine.output_listed(o, what.all_tables)) {
      jobs.push_back({1, [&, o]() -> std::vector<NodePtr> {
        if (own_result && !rows.list)
          if (NodePtr moved = moved_output(rd.output_names[o], own_result->outputs[o], rows.size())) return {moved};
        return {output_column(rd.output_names[o], rd.outputs[o], rows, pack, zero_nulls)};
      }});
    }
  for (size_t l = 0; l < level_index.size(); ++l) jobs.push_back({4, [&, l]() -> std::vector<NodePtr> {
    const auto& fields = cp.level_fields[static_cast<size_t>(level_index[l])];
    const size_t prefix = static_cast<size_t>(std::max(0, pack.levels[static_cast<size_t>(level_index[l])].prefix));
    Labels labels;
    detail::CachedVector<int32_t> codes(rows.size(), -1);
    std::string buf;
    for (size_t k = 0; k < rows.size(); ++k) {
      buf.clear();
      bool ok = !fields.empty();
      for (size_t j = 0; j < fields.size() && ok; ++j) {
        const std::string v = string_cell(bd.columns[static_cast<size_t>(fields[j])], rows[k], pack);
        if (v.empty()) ok = false;
        if (j > 0) buf += '/';
        buf += v;
      }
      if (ok && fields.size() == 1 && prefix > 0) {
        if (buf.size() < prefix) ok = false;
        else buf.resize(prefix);
      }
      if (ok) codes[k] = labels.code(buf);
    }
    // Jurisdictions are the ones in this input: int32 codes.
    return {arrow::dictionary_of(
        pack.levels[static_cast<size_t>(level_index[l])].name.value, rows.size(), labels.labels, SIZE_MAX, [&](size_t k) { return codes[k]; }, zero_nulls)};
  }});
  std::vector<NodePtr> cols;
  // Threads pay off on large tables only (a Dask partition may be small).
  for (auto& part : run_jobs(jobs, rows.size() < 16384 ? 1 : engine.options().threads))
    for (auto& c : part) cols.push_back(std::move(c));
  if (text_key) {
    if (may_share) {
      // No column for the key yet: the input's own buffers, or the text.
      NodePtr key_column;
      if (masked_keys.empty()) key_column = shared_key_column(key, *kc, rows.size(), views, *owners);
      if (!key_column) key_column = key_strings(&masked_keys);
      cols.insert(cols.begin(), std::move(key_column));
    } else if (!masked_keys.empty()) {
      cols.front() = key_strings(&masked_keys);  // in place of the copy job's column, unmasked
    }
  }
  out.table = arrow::table(std::move(cols), static_cast<int64_t>(rows.size()));
  if (keep_result) *keep_result = std::move(result);
  return out;
}

// classify_batch of `views` converted: with `keep_batch` (for cases) every
// field is kept and the batch given back, else only what the result reads.
Classified classify_columns(const Engine& engine, const std::vector<ColumnView>& views, Date as_of,
                            const std::vector<std::string>& levels, ColumnsBatch* keep_batch = nullptr,
                            BatchResult* keep_result = nullptr, bool all_tables = true, bool outputs = true,
                            const Owners* owners = nullptr, bool pandas_codes = false, bool mask = true) {
  const std::vector<int> level_index = level_indices(engine.rules().checked(), levels);
  const ClassifyOptions what = result_options(all_tables, outputs, keep_result != nullptr);
  const ColumnOptions options =
      conversion_options(engine, mask, keep_batch ? std::vector<std::string>{} : fields_for(engine, what, level_index));
  ColumnsBatch in = batch_from_columns(engine.rules(), views, options);
  Classified c = classify_batch(engine, in, views, as_of, level_index, what, owners, pandas_codes, mask, keep_result);
  if (keep_batch) *keep_batch = std::move(in);
  return c;
}

// A table converted and checked once (Engine.prepare), for classifying
// again on other days without converting again. Its batch borrows the
// input's strings, so the input is held as long as the batch: `in` is
// declared first and destroyed last (with the GIL held, as a Python
// object's members are).
struct Prepared {
  std::unique_ptr<Input> in;
  ColumnsBatch batch;
  std::string pack_hash, pack_id;  // the pack it was converted for
};

// Every field any result of `engine` may read (every table, the outputs,
// every level), so that one prepared table serves every classify call.
std::vector<std::string> fields_for_any_result(const Engine& engine) {
  const detail::CheckedPack& cp = engine.rules().checked();
  std::vector<int> every_level(cp.pack->levels.size());
  std::iota(every_level.begin(), every_level.end(), 0);
  std::vector<std::string> keep = fields_for(engine, result_options(true, true, false), every_level);
  // The status-only program reads a subset of every table's; its fields are
  // added all the same, so that no pack can make them differ.
  for (std::string& f : engine.fields_read(result_options(false, false, false))) keep.push_back(std::move(f));
  return keep;
}

// (schema capsule, array capsule) for pyarrow.record_batch & co.
py::tuple capsules(const NodePtr& node) {
  auto* schema = new ArrowSchema{};
  auto* array = new ArrowArray{};
  arrow::export_schema(node, schema);
  arrow::export_array(node, array);
  py::capsule s(schema, "arrow_schema", [](PyObject* cap) {
    auto* p = static_cast<ArrowSchema*>(PyCapsule_GetPointer(cap, "arrow_schema"));
    if (!p) return;
    if (p->release) p->release(p);
    delete p;
  });
  py::capsule a(array, "arrow_array", [](PyObject* cap) {
    auto* p = static_cast<ArrowArray*>(PyCapsule_GetPointer(cap, "arrow_array"));
    if (!p) return;
    if (p->release) p->release(p);
    delete p;
  });
  return py::make_tuple(s, a);
}

py::dict explanation_dict(const Explanation& e) {
  py::list rejects, decisions, tried, values;
  for (const auto& r : e.rejects)
    rejects.append(py::dict("row"_a = r.row, "student_id"_a = r.student_id, "column"_a = r.column,
                            "reason"_a = r.reason));
  for (const auto& d : e.decisions)
    decisions.append(py::dict("table"_a = d.table, "value"_a = d.value, "alias"_a = d.value_alias,
                              "rule"_a = d.rule, "clause"_a = d.clause, "clause_text"_a = d.clause_text));
  for (const auto& t : e.tried)
    tried.append(py::dict("table"_a = t.table, "rule"_a = t.rule, "clause"_a = t.clause, "when"_a = t.when,
                          "result"_a = t.result));
  for (const auto& v : e.values)
    values.append(py::dict("name"_a = v.name, "kind"_a = v.kind, "value"_a = v.value,
                           "effective_from"_a = v.effective_from, "source"_a = v.source));
  py::dict outputs;
  for (const auto& [k, v] : e.outputs) outputs[py::str(k)] = v;
  return py::dict("format"_a = "kcbx.explanation/1", "pack"_a = e.pack_id, "as_of"_a = e.as_of.format(),
                  "accepted"_a = e.accepted, "rejects"_a = rejects, "decisions"_a = decisions,
                  "tried"_a = tried, "values"_a = values, "outputs"_a = outputs);
}

// Pickle state: (format version, the pack's sources as (file, text) pairs,
// base first — one pair unless it `extends:` another —, its file name,
// options). Unpickling recompiles from the texts, never from the disk.
RulePack unpickle_pack(const py::tuple& t, const char* what) {
  if (t.size() != 4 || t[0].cast<int>() != kPickleVersion)
    throw std::runtime_error(std::string("cannot unpickle a kcbx.") + what + " of another format version");
  return parse_rules(t[1].cast<std::vector<std::pair<std::string, std::string>>>());
}

std::string chain_text(const std::vector<Responsible>& chain) {
  std::string s;
  for (const auto& r : chain) {
    if (!s.empty()) s += " > ";
    s += (r.role_alias.empty() ? r.role : r.role_alias) + " " + (r.person.empty() ? "(none)" : r.person);
  }
  return s;
}

NodePtr date_column(const std::string& name, const std::vector<std::optional<Date>>& dates) {
  std::vector<int32_t> v(dates.size());
  std::vector<uint8_t> valid(dates.size());
  for (size_t i = 0; i < dates.size(); ++i) {
    v[i] = dates[i] ? dates[i]->days() : 0;
    valid[i] = dates[i].has_value();
  }
  return arrow::fixed(name, "tdD", v, valid);
}

// An events or roster input: a path, or CSV text made from a table.
struct CsvSource {
  std::string kind;  // "", "path" or "text"
  std::string payload;
  std::string encoding = "utf-8";  // a path's (text is UTF-8)
};

// (kind, payload, encoding) from Python's _csv_source.
// A message or file name as a str: bytes that are not UTF-8 (a file name
// given as bytes) shown as U+FFFD, where py::str would raise
// UnicodeDecodeError in place of the error being reported.
py::str lenient_str(const std::string& s) {
  PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
  if (!o) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(o);
}

using Source = std::tuple<std::string, std::string, std::string>;
CsvSource csv_source(const Source& s) {
  const auto& [kind, payload, encoding] = s;
  if (kind == "path" && !detail::is_ascii_compatible_encoding(encoding))
    throw std::invalid_argument("unknown or unsupported encoding '" + encoding + "' (use utf-8, gb18030 or gbk)");
  return {kind, payload, encoding};
}

// A table handed to the engine as CSV text (CsvSource "text"): its rejects
// carry the line of that text, which means nothing to the caller; they
// are given the row's 0-based position in the table instead, as classify
// gives them, and so is a row a reason names: the duplicate key's "(first
// on row 7)", the event's "repeats the event on row 7", the post's "is
// already held (row 7)" (the phrases whole, so that a quoted cell holding
// "row 7" is left alone). Lines of records, from the reader the engine used.
void number_rows_by_position(const CsvSource& s, std::vector<Reject>& rejects) {
  if (s.kind != "text" || rejects.empty()) return;
  std::unordered_map<int64_t, int64_t> position;
  std::istringstream in(s.payload);
  detail::CsvReader reader(in);
  detail::CsvRecord record;
  while (reader.next(record))
    if (record.index > 0) position[record.line] = record.index - 1;
  auto at = [&](int64_t line) {
    const auto it = position.find(line);
    return it == position.end() ? line : it->second;
  };
  static const std::regex kRowInReason(R"((\(first on row |repeats the event on row |is already held \(row )(\d+))");
  for (Reject& r : rejects) {
    r.row = at(r.row);
    if (r.reason.find(" row ") == std::string::npos && r.reason.find("(row ") == std::string::npos) continue;
    std::string reason;
    auto last = r.reason.cbegin();
    for (std::sregex_iterator m(r.reason.begin(), r.reason.end(), kRowInReason), end; m != end; ++m) {
      reason.append(last, (*m)[2].first);
      reason += std::to_string(at(std::stoll((*m)[2].str())));
      last = (*m)[2].second;
    }
    reason.append(last, r.reason.cend());
    r.reason = std::move(reason);
  }
}

EventLog load_events(const RulePack& pack, const CsvSource& s) {
  if (s.kind == "path") return read_events(pack, s.payload, s.encoding);
  std::istringstream in(s.payload);
  return read_events(pack, in, "<events>", "utf-8");
}

Roster load_roster(const RulePack& pack, const CsvSource& s) {
  if (s.kind == "path") return read_roster(pack, s.payload, s.encoding);
  std::istringstream in(s.payload);
  return read_roster(pack, in, "<officials>", "utf-8");
}

// A CSV file's records as text columns, split by the command's own reader
// (kcbx::detail::CsvReader: the same quotes, quoted line breaks, encodings
// and limits), so that classifying them gives the command's statuses and
// rejects. A record the reader cannot split, or with another number of
// cells than the header, is not a row of the table: it is a reject with
// its file line and the command's reason. pyarrow's reader, used before,
// stopped the whole read at the first such record.
struct TextCsv {
  NodePtr table, rejects;
  NodePtr lines;  // the file line of each row of `table`
};

TextCsv read_text_csv(const std::string& path, const std::string& encoding) {
  if (!detail::is_ascii_compatible_encoding(encoding))
    throw std::invalid_argument("unknown or unsupported encoding '" + encoding + "' (use utf-8, gb18030 or gbk)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument(path + ": cannot open the file");
  detail::CsvOptions co;
  co.encoding = encoding;
  detail::CsvReader reader(in, co);
  detail::CsvRecord record;
  if (!reader.next(record))
    throw std::invalid_argument(path + ":1:1: the file is empty: it needs a header line naming the columns");
  if (!record.error.empty()) {
    std::string message = path + ":" + std::to_string(record.line) + ":1: the header line cannot be read: " + record.error;
    if (record.error.starts_with("invalid UTF-8"))
      message += "; if the file is GB18030 or GBK (Excel on Chinese Windows), read it with encoding='gb18030'";
    throw std::invalid_argument(message);
  }
  const std::vector<std::string> names(record.fields.begin(), record.fields.end());
  const size_t width = names.size();
  // Each column's text and its Arrow offsets, appended record by record.
  std::vector<std::string> text(width);
  std::vector<std::vector<int64_t>> ends(width);
  std::vector<int64_t> reject_line, row_line;
  std::vector<std::string> reject_reason;
  while (reader.next(record)) {
    std::string reason = record.error;
    if (reason.empty() && record.fields.size() != width)
      reason = "the record has " + std::to_string(record.fields.size()) + " cells; the header has " +
               std::to_string(width);
    if (!reason.empty()) {
      reject_line.push_back(record.line);
      reject_reason.push_back(std::move(reason));
      continue;
    }
    for (size_t c = 0; c < width; ++c) {
      text[c].append(record.fields[c]);
      ends[c].push_back(static_cast<int64_t>(text[c].size()));
    }
    row_line.push_back(record.line);
  }
  struct Cells {
    const std::string& text;
    const std::vector<int64_t>& ends;
    size_t size() const { return ends.size(); }
    std::string_view operator[](size_t k) const {
      const size_t begin = k == 0 ? 0 : static_cast<size_t>(ends[k - 1]);
      return std::string_view(text).substr(begin, static_cast<size_t>(ends[k]) - begin);
    }
  };
  const int64_t rows = width == 0 ? 0 : static_cast<int64_t>(ends[0].size());
  std::vector<NodePtr> cols;
  for (size_t c = 0; c < width; ++c) cols.push_back(arrow::strings(names[c], Cells{text[c], ends[c]}));
  TextCsv out;
  out.table = arrow::table(std::move(cols), rows);
  std::vector<NodePtr> rej = {arrow::fixed("line", "l", reject_line), arrow::strings("reason", reject_reason)};
  out.rejects = arrow::table(std::move(rej), static_cast<int64_t>(reject_line.size()));
  const auto lines = static_cast<int64_t>(row_line.size());
  out.lines = arrow::table({arrow::fixed("line", "l", std::move(row_line))}, lines);
  return out;
}

struct CasesOut {
  NodePtr cases, accountability, rejects;
};

CasesOut run_cases(const Engine& engine, const std::vector<ColumnView>& views, const CsvSource& events_src,
                   const CsvSource& officials_src, Date as_of, bool mask) {
  const RulePack& pack = engine.rules();
  ColumnsBatch batch;
  BatchResult result;
  Classified c = classify_columns(engine, views, as_of, {}, &batch, &result);
  EventLog events = events_src.kind.empty() ? EventLog{} : load_events(pack, events_src);
  std::unique_ptr<Roster> roster;
  std::unique_ptr<ResponsibilityGraph> graph;
  if (!officials_src.kind.empty()) {
    roster = std::make_unique<Roster>(load_roster(pack, officials_src));
    graph = std::make_unique<ResponsibilityGraph>(pack, *roster, batch.batch);
  }
  CaseReport report = evaluate_cases(engine, batch.batch, result, events, graph.get(), as_of);
  detail::name_rejected_students(report.event_rejects, batch.rejects);
  number_rows_by_position(events_src, events.rejects);
  number_rows_by_position(events_src, report.event_rejects);
  if (roster) number_rows_by_position(officials_src, roster->rejects);
  auto shown = [&](const std::string& key) { return mask ? detail::mask_embedded_id_numbers(key) : key; };

  CasesOut out;
  {
    std::vector<std::string> id, status, stage, stage_alias, clause, action, role, role_alias, person, phone,
        escalation;
    std::vector<std::optional<Date>> opened, closed_on, due;
    std::vector<uint8_t> closed;
    std::vector<int64_t> overdue;
    for (const Case& k : report.cases) {
      id.push_back(shown(k.student_id));
      status.push_back(k.status);
      opened.push_back(k.opened);
      closed.push_back(k.closed);
      closed_on.push_back(k.closed_on);
      stage.push_back(k.stage);
      stage_alias.push_back(k.stage_alias);
      clause.push_back(k.clause);
      action.push_back(k.next_action);
      role.push_back(k.responsible.role);
      role_alias.push_back(k.responsible.role_alias);
      person.push_back(k.responsible.person);
      phone.push_back(k.responsible.phone);
      due.push_back(k.due);
      overdue.push_back(k.days_overdue);
      escalation.push_back(k.days_overdue > 0 && graph && !k.responsible.role.empty()
                               ? chain_text(graph->escalation(batch.batch, k.record, k.responsible.role))
                               : std::string());
    }
    std::vector<NodePtr> cols = {
        arrow::strings(pack.checked().key_column(), id), arrow::strings("status", status), date_column("opened", opened),
        arrow::booleans("closed", closed), date_column("closed_on", closed_on), arrow::strings("stage", stage),
        arrow::strings("stage_alias", stage_alias), arrow::strings("clause", clause),
        arrow::strings("next_action", action), arrow::strings("role", role),
        arrow::strings("role_alias", role_alias), arrow::strings("person", person),
        arrow::strings("phone", phone), date_column("due", due), arrow::fixed("days_overdue", "l", overdue),
        arrow::strings("escalation", escalation)};
    out.cases = arrow::table(std::move(cols), static_cast<int64_t>(report.cases.size()));
  }
  {
    std::vector<std::string> id, stage, clause, role, role_alias, person, post, supervisors;
    std::vector<std::optional<Date>> due, done;
    std::vector<int64_t> late;
    for (const auto& x : report.accountability) {
      id.push_back(shown(x.student_id));
      stage.push_back(x.stage);
      clause.push_back(x.clause);
      due.push_back(x.due);
      done.push_back(x.done_on);
      late.push_back(x.days_late);
      role.push_back(x.lapsed.role);
      role_alias.push_back(x.lapsed.role_alias);
      // As kcbx cases --accountability: a roster cell holding an ID number masked.
      person.push_back(shown(x.lapsed.person));
      post.push_back(shown(x.lapsed.jurisdiction));
      supervisors.push_back(shown(chain_text(x.supervisors)));
    }
    std::vector<NodePtr> cols = {
        arrow::strings(pack.checked().key_column(), id), arrow::strings("stage", stage), arrow::strings("clause", clause),
        date_column("due", due), date_column("done_on", done), arrow::fixed("days_late", "l", late),
        arrow::strings("role", role), arrow::strings("role_alias", role_alias),
        arrow::strings("person", person), arrow::strings("post", post), arrow::strings("supervisors", supervisors)};
    out.accountability = arrow::table(std::move(cols), static_cast<int64_t>(report.accountability.size()));
  }
  {
    std::vector<std::string> file;
    std::vector<Reject> all;
    auto add = [&](const char* f, const std::vector<Reject>& rs) {
      for (const auto& r : rs) {
        file.push_back(f);
        all.push_back(r);
      }
    };
    add("students", c.rejects);
    add("events", detail::merged_by_row(events.rejects, report.event_rejects));  // as kcbx cases
    if (roster) add("officials", roster->rejects);
    NodePtr t = rejects_table(all, engine.rules().checked().key_column());
    t->children.insert(t->children.begin(), arrow::strings("file", file));
    out.rejects = t;
  }
  return out;
}

struct TransferOut {
  NodePtr rows, rejects;
  int64_t grade6_read = 0, grade6_rejected = 0, grade7_read = 0, grade7_rejected = 0;
  std::vector<std::string> notes;
};

// kcbx transfer's reconciliation (S1) of two sources: every grade-6 pupil
// (the command lists the registered ones only with --all; an analyst
// filters on `outcome`), the columns and masking of the command's output.
TransferOut run_transfer(const RulePack& pack, const CsvSource& grade6_src, const CsvSource& grade7_src,
                         const CsvSource& officials_src, const CsvSource& students_src, TransferOptions o,
                         bool mask) {
  // A path is read in its encoding; a table was written as UTF-8 text.
  auto open = [](const CsvSource& s, std::ifstream& file, std::istringstream& text) -> std::istream& {
    if (s.kind == "path") {
      detail::open_input(file, s.payload, "file");
      return file;
    }
    text.str(s.payload);
    return text;
  };
  std::ifstream f6, f7;
  std::istringstream t6, t7;
  std::istream& in6 = open(grade6_src, f6, t6);
  std::istream& in7 = open(grade7_src, f7, t7);
  o.encoding = grade6_src.kind == "path" ? grade6_src.encoding : "utf-8";
  o.grade7_encoding = grade7_src.kind == "path" ? grade7_src.encoding : "utf-8";
  TransferReport r = reconcile_transfer(pack, in6, in7, o,
                                        grade6_src.kind == "path" ? grade6_src.payload : "<grade6>",
                                        grade7_src.kind == "path" ? grade7_src.payload : "<grade7>");
  // S1.6, as kcbx transfer --officials [--students].
  std::unique_ptr<Roster> roster;
  StudentFile students;
  if (!officials_src.kind.empty()) {
    if (students_src.kind == "path") {
      ReadOptions ro;
      ro.encoding = students_src.encoding;
      students = read_students(pack, students_src.payload, ro);
    } else if (!students_src.kind.empty()) {
      std::istringstream in(students_src.payload);
      students = read_students(pack, in);
    }
    roster = std::make_unique<Roster>(load_roster(pack, officials_src));
    assign_lost_pupils(pack, *roster, students, o.as_of, r);
    number_rows_by_position(officials_src, roster->rejects);
    number_rows_by_position(students_src, students.rejects);
  }
  auto shown = [&](const std::string& v) { return mask ? detail::mask_embedded_id_numbers(v) : v; };
  TransferOut out;
  {
    std::vector<std::string> responsible, lost_clause;
    std::vector<std::string> id, name, sending, planned, registered, outcome, matched_by, notify_clause,
        inspection_clause;
    std::vector<std::optional<Date>> registered_on, notify_due, inspection_due;
    std::vector<int64_t> overdue;
    for (const TransferRow& row : r.rows) {
      id.push_back(shown(row.student_id));
      name.push_back(shown(row.name));
      sending.push_back(shown(row.sending_school));
      planned.push_back(shown(row.planned_school));
      registered.push_back(shown(row.registered_school));
      registered_on.push_back(row.registered_on);
      outcome.push_back(to_string(row.outcome));
      matched_by.push_back(row.matched_by);
      notify_due.push_back(row.notify_due);
      overdue.push_back(row.notify_overdue_days);
      notify_clause.push_back(r.notify_clause);
      inspection_due.push_back(row.inspection_due);
      inspection_clause.push_back(r.inspection_clause);
      if (roster) {
        responsible.push_back(shown(responsible_text(row.responsible)));
        lost_clause.push_back(row.outcome == TransferOutcome::kLost ? r.lost_clause : "");
      }
    }
    const detail::TransferDef& td = pack.checked().pack->transfer;
    std::vector<NodePtr> cols = {
        arrow::strings(pack.checked().key_column(), id),
        arrow::strings(td.name_field.empty() ? "name" : td.name_field.value, name),
        arrow::strings("sending_school", sending), arrow::strings("planned_school", planned),
        arrow::strings("registered_school", registered), date_column("registered_on", registered_on),
        arrow::strings("outcome", outcome), arrow::strings("matched_by", matched_by),
        date_column("notify_due", notify_due), arrow::fixed("notify_overdue_days", "l", overdue),
        arrow::strings("notify_clause", notify_clause), date_column("inspection_due", inspection_due),
        arrow::strings("inspection_clause", inspection_clause)};
    if (roster) {
      cols.push_back(arrow::strings("responsible", responsible));
      cols.push_back(arrow::strings("lost_clause", lost_clause));
    }
    out.rows = arrow::table(std::move(cols), static_cast<int64_t>(r.rows.size()));
  }
  {
    // The grade-6 file's rejects come first (TransferReport::rejects).
    const auto split = r.rejects.begin() + r.grade6_rejected;
    std::vector<Reject> g6(r.rejects.begin(), split), g7(split, r.rejects.end());
    number_rows_by_position(grade6_src, g6);
    number_rows_by_position(grade7_src, g7);
    std::vector<std::string> file(g6.size(), "grade6");
    file.resize(g6.size() + g7.size(), "grade7");
    g6.insert(g6.end(), g7.begin(), g7.end());
    file.resize(file.size() + students.rejects.size(), "students");
    g6.insert(g6.end(), students.rejects.begin(), students.rejects.end());
    if (roster) {
      file.resize(file.size() + roster->rejects.size(), "officials");
      g6.insert(g6.end(), roster->rejects.begin(), roster->rejects.end());
    }
    for (Reject& x : g6) x.reason = detail::mask_embedded_id_numbers(x.reason);
    NodePtr t = rejects_table(g6, pack.checked().key_column());
    t->children.insert(t->children.begin(), arrow::strings("file", file));
    out.rejects = t;
  }
  out.grade6_read = r.grade6_read;
  out.grade6_rejected = r.grade6_rejected;
  out.grade7_read = r.grade7_read;
  out.grade7_rejected = r.grade7_rejected;
  out.notes = r.notes;
  return out;
}

// Collects the tables of a run (kcbx/report.h) for export.
class CollectSink final : public ReportSink {
 public:
  struct Table {
    TableSpec spec;
    std::vector<std::vector<std::string>> rows;
  };
  std::vector<Table> tables;

  void open_table(size_t t, const TableSpec& spec) override {
    if (tables.size() <= t) tables.resize(t + 1);
    tables[t].spec = spec;
  }
  void add_row(size_t t, std::span<const std::string> cells) override {
    tables[t].rows.emplace_back(cells.begin(), cells.end());
  }
};

// A run table with typed columns (integers, numbers, bools, dates).
NodePtr run_table(const CollectSink::Table& t) {
  std::vector<NodePtr> cols;
  const size_t n = t.rows.size();
  for (size_t c = 0; c < t.spec.columns.size(); ++c) {
    const Column& col = t.spec.columns[c];
    std::vector<uint8_t> valid(n, 1);
    auto cell = [&](size_t r) -> const std::string& { return t.rows[r][c]; };
    // A number column that also holds text (the summary's values: counts,
    // and the date and pack of the run) is text, as its CSV is; read as
    // numbers, "2019-11-15" became 2019 and a pack's name 0.
    auto whole = [](const std::string& x, auto parse) {
      char* end = nullptr;
      errno = 0;
      parse(x.c_str(), &end);
      return errno == 0 && end == x.c_str() + x.size();
    };
    ColumnType type = col.type;
    for (size_t r = 0; r < n && (type == ColumnType::kInteger || type == ColumnType::kNumber); ++r) {
      const std::string& x = cell(r);
      if (x.empty()) continue;
      const bool ok = type == ColumnType::kInteger
                          ? whole(x, [](const char* p, char** e) { return std::strtoll(p, e, 10); })
                          : whole(x, [](const char* p, char** e) { return std::strtod(p, e); });
      if (!ok) type = ColumnType::kText;
    }
    switch (type) {
      case kcbx::ColumnType::kInteger: {
        std::vector<int64_t> v(n, 0);
        for (size_t r = 0; r < n; ++r) {
          if (cell(r).empty()) valid[r] = 0;
          else v[r] = std::strtoll(cell(r).c_str(), nullptr, 10);
        }
        cols.push_back(arrow::fixed(col.name, "l", v, valid));
        break;
      }
      case kcbx::ColumnType::kNumber: {
        std::vector<double> v(n, 0);
        for (size_t r = 0; r < n; ++r) {
          if (cell(r).empty()) valid[r] = 0;
          else v[r] = std::strtod(cell(r).c_str(), nullptr);
        }
        cols.push_back(arrow::fixed(col.name, "g", v, valid));
        break;
      }
      case kcbx::ColumnType::kBool: {
        std::vector<uint8_t> v(n, 0);
        for (size_t r = 0; r < n; ++r) {
          const std::string& x = cell(r);
          if (x.empty()) valid[r] = 0;
          else v[r] = x == "1" || x == "true" || x == "是";
        }
        cols.push_back(arrow::booleans(col.name, v, valid));
        break;
      }
      case kcbx::ColumnType::kDate: {
        std::vector<int32_t> v(n, 0);
        for (size_t r = 0; r < n; ++r) {
          auto d = Date::parse(cell(r));
          if (d) v[r] = d->days();
          else valid[r] = 0;
        }
        cols.push_back(arrow::fixed(col.name, "tdD", v, valid));
        break;
      }
      default: {
        std::vector<std::string_view> v(n);
        for (size_t r = 0; r < n; ++r) v[r] = cell(r);
        cols.push_back(arrow::strings(col.name, v));
        break;
      }
    }
  }
  return arrow::table(std::move(cols), static_cast<int64_t>(n));
}

struct RunOut {
  std::vector<std::string> names;
  std::vector<std::vector<std::pair<std::string, std::string>>> headers;
  std::vector<NodePtr> tables;
  std::string summary;
};

RunOut run_report(const Engine& engine, const CsvSource& students, const CsvSource& events_src,
                  const CsvSource& officials_src, Date as_of, int calendar_days, bool mask) {
  const RulePack& pack = engine.rules();
  EventLog events;
  const bool have_events = !events_src.kind.empty();
  if (have_events) events = load_events(pack, events_src);
  std::unique_ptr<Roster> roster;
  if (!officials_src.kind.empty()) roster = std::make_unique<Roster>(load_roster(pack, officials_src));
  RunOptions o;
  o.as_of = as_of;
  o.calendar_days = calendar_days;
  o.mask_id_numbers = mask;
  CollectSink sink;
  RunReport report;
  if (students.kind == "path") {
    o.file = students.payload;
    o.encoding = students.encoding;
    report = run(engine, students.payload, have_events ? &events : nullptr, roster.get(), o, &sink);
  } else {
    o.file = "<students>";
    std::istringstream in(students.payload);
    report = run(engine, in, have_events ? &events : nullptr, roster.get(), o, &sink);
  }
  // The rejects of a table (not a path) by position, as number_rows_by_position.
  for (auto& t : sink.tables) {
    if (t.spec.name != "rejects") continue;
    for (const auto& [file, src] : {std::pair<std::string, const CsvSource*>{"students", &students},
                                    {"events", &events_src}, {"officials", &officials_src}}) {
      // file, row, key, column, reason
      std::vector<Reject> rows;
      std::vector<size_t> at;
      for (size_t r = 0; r < t.rows.size(); ++r)
        if (t.rows[r].size() == 5 && t.rows[r][0] == file) {
          at.push_back(r);
          rows.push_back({std::strtoll(t.rows[r][1].c_str(), nullptr, 10), "", "", t.rows[r][4]});
        }
      number_rows_by_position(*src, rows);
      for (size_t k = 0; k < at.size(); ++k) {
        t.rows[at[k]][1] = std::to_string(rows[k].row);
        t.rows[at[k]][4] = std::move(rows[k].reason);
      }
    }
  }
  RunOut out;
  for (const auto& t : sink.tables) {
    out.names.push_back(t.spec.name);
    std::vector<std::pair<std::string, std::string>> h;
    for (const auto& c : t.spec.columns) h.emplace_back(c.name, c.header.empty() ? c.name : c.header);
    out.headers.push_back(std::move(h));
    out.tables.push_back(run_table(t));
  }
  out.summary = report_json(report);
  return out;
}

}  // namespace

}  // namespace kcbx::python

PYBIND11_MODULE(_kcbx, m) {
  using namespace kcbx;
  using namespace kcbx::python;
  m.doc() = "kcbx C++ core: rule packs, the engine, columnar classification (see the kcbx package).";
  m.attr("__version__") = kVersion;
  m.attr("PICKLE_VERSION") = kPickleVersion;

  py::class_<Diagnostic>(m, "Diagnostic", "A problem in a rule pack or input, with its position.")
      .def(py::init([](std::string file, int line, int column, std::string code, std::string message,
                       std::string severity) {
             Diagnostic d;
             d.where = {std::move(file), line, column};
             d.code = std::move(code);
             d.message = std::move(message);
             d.severity = severity == "warning" ? Severity::kWarning
                          : severity == "note"  ? Severity::kNote
                                                : Severity::kError;
             return d;
           }),
           "file"_a, "line"_a, "column"_a, "code"_a, "message"_a, "severity"_a = "error")
      .def_property_readonly("file", [](const Diagnostic& d) { return lenient_str(d.where.file); }, "File name.")
      .def_property_readonly("line", [](const Diagnostic& d) { return d.where.line; }, "1-based line, 0 unknown.")
      .def_property_readonly("column", [](const Diagnostic& d) { return d.where.column; },
                             "1-based column in characters (a Chinese character counts one), 0 unknown.")
      .def_property_readonly("code", [](const Diagnostic& d) { return d.code; }, "Stable slug, e.g. 'unknown-name'.")
      .def_property_readonly("message", [](const Diagnostic& d) { return lenient_str(d.message); }, "What is wrong.")
      .def_property_readonly("severity", [](const Diagnostic& d) { return std::string(severity_name(d.severity)); },
                             "'error', 'warning' or 'note'.")
      .def("format", &Diagnostic::format, "GCC-style 'file:line:col: error: message [code]'.")
      .def("__str__", &Diagnostic::format)
      .def("__repr__", [](const Diagnostic& d) { return "<Diagnostic " + d.format() + ">"; })
      .def(py::pickle(
          [](const Diagnostic& d) {
            return py::make_tuple(d.where.file, d.where.line, d.where.column, d.code, d.message,
                                  severity_name(d.severity));
          },
          [](py::tuple t) {
            Diagnostic d;
            d.where = {t[0].cast<std::string>(), t[1].cast<int>(), t[2].cast<int>()};
            d.code = t[3].cast<std::string>();
            d.message = t[4].cast<std::string>();
            const auto s = t[5].cast<std::string>();
            d.severity = s == "warning" ? Severity::kWarning : s == "note" ? Severity::kNote : Severity::kError;
            return d;
          }));

  static py::exception<Error> rules_error(m, "RulesError", PyExc_ValueError);
  g_rules_error = rules_error.ptr();
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      py::object exc = py::reinterpret_borrow<py::object>(g_rules_error)(lenient_str(e.what()));
      exc.attr("diagnostics") = diagnostic_list(e.diagnostics());
      PyErr_SetObject(g_rules_error, exc.ptr());
    } catch (const ColumnTypeError& e) {
      PyErr_SetObject(PyExc_TypeError, lenient_str(e.what()).ptr());
    } catch (const py::error_already_set&) {
      throw;  // a Python error already: as it is
    } catch (const py::builtin_exception&) {
      throw;  // pybind11's own (value_error, ...), with their types
    } catch (const std::exception& e) {
      // pybind11's own translations, unless the message is not UTF-8 (a
      // path given as bytes), which they would turn into a
      // UnicodeDecodeError in place of the error.
      if (detail::is_valid_utf8(e.what())) throw;
      PyObject* type = dynamic_cast<const std::invalid_argument*>(&e) || dynamic_cast<const std::domain_error*>(&e)
                           ? PyExc_ValueError
                       : dynamic_cast<const std::out_of_range*>(&e) ? PyExc_IndexError
                                                                    : PyExc_RuntimeError;
      PyErr_SetObject(type, lenient_str(e.what()).ptr());
    }
  });

  py::class_<RulePack>(m, "RulePack",
                       "A validated rule pack (YAML). Immutable; pickles by its source text.")
      .def_static("load", &load_rules, "path"_a,
                  "Loads and validates a pack file. Raises RulesError with every diagnostic.")
      .def_static("default", &default_rules, "name"_a = "guizhou",
                  "An embedded pack (the Guizhou pack by default).")
      .def_static(
          "from_string", [](const std::string& text, const std::string& name) { return parse_rules(text, name); },
          "text"_a, "name"_a = "<string>", "Validates YAML text; `name` names it in diagnostics.")
      .def_static(
          "check", [](const std::string& text, const std::string& name) { return check_rules(text, name); },
          "text"_a, "name"_a = "<string>", "The diagnostics for YAML text (empty when valid); never raises.")
      .def_static("embedded_names", &embedded_rule_names, "Names of the embedded packs.")
      .def_property_readonly("name", &RulePack::name)
      .def_property_readonly("version", &RulePack::version)
      .def_property_readonly("jurisdiction", &RulePack::jurisdiction)
      .def_property_readonly("file", &RulePack::file, "The file it was loaded from.")
      .def_property_readonly("source", &RulePack::source, "The YAML text, exactly as loaded.")
      .def_property_readonly("content_hash", &RulePack::content_hash, "16 hex digits (FNV-1a 64).")
      .def_property_readonly("id", &RulePack::id, "'name version #hash'.")
      .def_property_readonly(
          "fields",
          [](const RulePack& p) {
            py::list out;
            const auto& cp = p.checked();
            for (size_t f = 0; f < cp.pack->fields.size(); ++f) {
              const auto& def = cp.pack->fields[f];
              py::list values;
              if (cp.fields[f].type.domain >= 0)
                for (const auto& v : cp.pack->domains[static_cast<size_t>(cp.fields[f].type.domain)].values)
                  values.append(v.name.value);
              out.append(py::dict("name"_a = def.name.value, "alias"_a = def.alias.value,
                                  "type"_a = detail::type_name(cp.fields[f].type.kind), "format"_a = def.format.value,
                                  "required"_a = def.required,
                                  "unique"_a = def.unique, "values"_a = values));
            }
            return out;
          },
          "The record schema: dicts with name, alias, type, format ('', id_number, division_code), required, unique, values.")
      .def_property_readonly(
          "levels",
          [](const RulePack& p) {
            py::list out;
            for (const auto& l : p.checked().pack->levels) out.append(l.name.value);
            return out;
          },
          "Jurisdiction levels (village, township, county, ...).")
      .def_property_readonly(
          "key", [](const RulePack& p) { return p.checked().key_field(); }, "The key field (student_id).")
      .def(
          "_field_columns",
          [](const RulePack& p, const std::vector<std::string>& names) {
            // The engine's own heading match (trimmed, ASCII case, alias,
            // a byte order mark in the first), for the helpers that pick a
            // field's column in Python (kcbx.spark, kcbx.dask).
            const std::vector<std::string_view> views(names.begin(), names.end());
            return detail::match_columns(*p.checked().pack, views).field_column;
          },
          "names"_a, "Per field of the pack, the index of the name that holds it, or -1.")
      .def("__repr__", [](const RulePack& p) { return "<kcbx.RulePack " + p.id() + " from " + p.file() + ">"; })
      .def("__eq__", [](const RulePack& a, const RulePack& b) { return a.source() == b.source() && a.file() == b.file(); })
      .def("__hash__", [](const RulePack& p) { return py::hash(py::str(p.content_hash())); })
      .def(py::pickle(
          [](const RulePack& p) { return py::make_tuple(kPickleVersion, p.sources(), p.file(), py::dict()); },
          [](py::tuple t) { return unpickle_pack(t, "RulePack"); }));

  py::class_<Prepared>(m, "Prepared", "A table converted and checked for one pack (Engine.prepare).")
      .def_property_readonly("read", [](const Prepared& p) { return p.batch.read; })
      .def_property_readonly("rows", [](const Prepared& p) { return p.batch.batch.size(); })
      .def_property_readonly("notes", [](const Prepared& p) { return p.batch.notes; });

  py::class_<Engine>(m, "Engine", "A compiled rule pack. Immutable and thread-safe; pickles by source.")
      .def(py::init([](const RulePack& pack, int threads, size_t batch_rows) {
             if (threads < 0) throw py::value_error("threads must be >= 0 (0: one per core)");
             EngineOptions o;
             o.threads = threads;
             o.batch_rows = batch_rows;
             return Engine(pack, o);
           }),
           "pack"_a, "threads"_a = 0, "batch_rows"_a = 1024)
      .def_property_readonly("pack", &Engine::rules, "The RulePack it was compiled from.")
      .def_property_readonly("threads", [](const Engine& e) { return e.options().threads; })
      .def_property_readonly("batch_rows", [](const Engine& e) { return e.options().batch_rows; })
      .def("output_columns", &Engine::output_columns, "all_tables"_a = true,
           "Per-record output columns: for each table (or only the first) its value, rule and "
           "clause; then the pack's outputs.")
      .def(
          "_classify",
          [](const Engine& e, py::object source, bool whole, const std::string& as_of,
             const std::vector<std::string>& levels, bool all_tables, bool outputs, bool pandas_codes, bool mask) {
            const Date d = parse_as_of(as_of);
            std::unique_ptr<Input> in = import_input(source, whole);
            Classified c;
            NodePtr rejects;
            {
              py::gil_scoped_release nogil;
              c = classify_columns(e, in->views, d, levels, nullptr, nullptr, all_tables, outputs, &in->owners,
                                   pandas_codes, mask);
              rejects = rejects_table(c.rejects, e.rules().checked().key_column());
            }
            py::tuple out = py::make_tuple(capsules(c.table), capsules(rejects), c.read, c.notes);
            in.reset();
            return out;
          },
          "source"_a, "whole"_a, "as_of"_a, "levels"_a = std::vector<std::string>{}, "all_tables"_a = true,
          "outputs"_a = true, "pandas_codes"_a = false, "mask"_a = true)
      .def(
          "_prepare",
          [](const Engine& e, py::object source, bool whole) {
            auto p = std::make_unique<Prepared>();
            p->in = import_input(source, whole);
            p->pack_hash = e.rules().content_hash();
            p->pack_id = e.rules().id();
            NodePtr rejects;
            {
              py::gil_scoped_release nogil;
              p->batch = batch_from_columns(e.rules(), p->in->views,
                                            conversion_options(e, true, fields_for_any_result(e)));
              rejects = rejects_table(p->batch.rejects, e.rules().checked().key_column());
            }
            return py::make_tuple(std::move(p), capsules(rejects));
          },
          "source"_a, "whole"_a)
      .def(
          "_classify_prepared",
          [](const Engine& e, const Prepared& p, const std::string& as_of, const std::vector<std::string>& levels,
             bool all_tables, bool outputs, bool pandas_codes, bool mask) {
            if (p.pack_hash != e.rules().content_hash())
              throw py::value_error("the table was prepared for another rule pack (" + p.pack_id + "; this engine's is " +
                                    e.rules().id() + "): prepare it with this engine");
            const Date d = parse_as_of(as_of);
            const std::vector<int> level_index = level_indices(e.rules().checked(), levels);
            Classified c;
            NodePtr rejects;
            {
              py::gil_scoped_release nogil;
              c = classify_batch(e, p.batch, p.in->views, d, level_index, result_options(all_tables, outputs, false),
                                 &p.in->owners, pandas_codes, mask);
              rejects = rejects_table(c.rejects, e.rules().checked().key_column());
            }
            return py::make_tuple(capsules(c.table), capsules(rejects), c.read, c.notes);
          },
          "prepared"_a, "as_of"_a, "levels"_a = std::vector<std::string>{}, "all_tables"_a = true,
          "outputs"_a = true, "pandas_codes"_a = false, "mask"_a = true)
      .def(
          "_explain",
          [](const Engine& e, const std::vector<std::pair<std::string, std::string>>& cells,
             const std::string& as_of, const std::string& format) -> py::object {
            Record r;
            for (const auto& [k, v] : cells) r.set(k, v);
            Explanation ex;
            {
              py::gil_scoped_release nogil;
              ex = e.explain(r, parse_as_of(as_of));
            }
            if (format == "json") return py::str(ex.to_json());
            if (format == "text") return py::str(ex.format());
            return explanation_dict(ex);
          },
          "cells"_a, "as_of"_a, "format"_a = "dict")
      .def(
          "_cases",
          [](const Engine& e, py::object source, bool whole, const Source& events, const Source& officials,
             const std::string& as_of, bool mask) {
            const Date d = parse_as_of(as_of);
            std::unique_ptr<Input> in = import_input(source, whole);
            CasesOut out;
            {
              py::gil_scoped_release nogil;
              out = run_cases(e, in->views, csv_source(events), csv_source(officials), d, mask);
            }
            py::tuple t = py::make_tuple(capsules(out.cases), capsules(out.accountability), capsules(out.rejects));
            in.reset();
            return t;
          },
          "source"_a, "whole"_a, "events"_a, "officials"_a, "as_of"_a, "mask"_a = true)
      .def(
          "_transfer",
          [](const Engine& e, const Source& grade6, const Source& grade7, const std::string& deadline,
             const std::string& as_of, const std::string& term_start, const Source& officials,
             const Source& students, bool mask) {
            TransferOptions o;
            o.registration_deadline = parse_as_of(deadline, "registration_deadline");
            o.as_of = parse_as_of(as_of);
            if (!term_start.empty()) o.term_start = parse_as_of(term_start, "term_start");
            TransferOut out;
            {
              py::gil_scoped_release nogil;
              out = run_transfer(e.rules(), csv_source(grade6), csv_source(grade7), csv_source(officials),
                                 csv_source(students), o, mask);
            }
            py::dict summary("grade6_read"_a = out.grade6_read, "grade6_rejected"_a = out.grade6_rejected,
                             "grade7_read"_a = out.grade7_read, "grade7_rejected"_a = out.grade7_rejected);
            return py::make_tuple(capsules(out.rows), capsules(out.rejects), summary, out.notes);
          },
          "grade6"_a, "grade7"_a, "registration_deadline"_a, "as_of"_a, "term_start"_a = "",
          "officials"_a = Source{"", "", "utf-8"}, "students"_a = Source{"", "", "utf-8"}, "mask"_a = true)
      .def(py::pickle(
          [](const Engine& e) {
            return py::make_tuple(kPickleVersion, e.rules().sources(), e.rules().file(),
                                  py::dict("threads"_a = e.options().threads, "batch_rows"_a = e.options().batch_rows));
          },
          [](py::tuple t) {
            RulePack pack = unpickle_pack(t, "Engine");
            py::dict o = t[3].cast<py::dict>();
            EngineOptions options;
            options.threads = o.contains("threads") ? o["threads"].cast<int>() : 0;
            options.batch_rows = o.contains("batch_rows") ? o["batch_rows"].cast<size_t>() : 1024;
            return Engine(pack, options);
          }));

  m.def(
      "_run",
      [](const Engine& e, const Source& students, const Source& events, const Source& officials,
         const std::string& as_of, int calendar_days, bool mask) {
        const Date d = parse_as_of(as_of);
        RunOut out;
        {
          py::gil_scoped_release nogil;
          out = run_report(e, csv_source(students), csv_source(events), csv_source(officials), d, calendar_days,
                           mask);
        }
        py::list tables;
        for (size_t i = 0; i < out.tables.size(); ++i)
          tables.append(py::make_tuple(out.names[i], out.headers[i], capsules(out.tables[i])));
        return py::make_tuple(tables, out.summary);
      },
      "engine"_a, "students"_a, "events"_a, "officials"_a, "as_of"_a, "calendar_days"_a = 15,
      "mask"_a = true);

  m.def(
      "_read_csv",
      [](const std::string& path, const std::string& encoding) {
        TextCsv out;
        {
          py::gil_scoped_release nogil;
          out = read_text_csv(path, encoding);
        }
        return py::make_tuple(capsules(out.table), capsules(out.rejects), capsules(out.lines));
      },
      "path"_a, "encoding"_a = "utf-8");

  // For the Python layer's own messages that quote cells (pyarrow's
  // conversion errors): ID numbers in them masked as everywhere else.
  m.def("_mask", [](const std::string& text) { return detail::mask_embedded_id_numbers(text); }, "text"_a);
  m.def("_release_memory", [] { kcbx::release_memory(); });
  m.def("_kept_memory_bytes", [] { return kcbx::kept_memory_bytes(); });

  m.def(
      "_generate",
      [](int64_t students, uint64_t seed, const std::string& as_of, const std::vector<std::string>& prefectures,
         const std::string& province, const RulePack* rules) {
        detail::GenerateOptions o;
        o.students = students;
        o.seed = seed;
        o.as_of = parse_as_of(as_of);
        o.prefectures = prefectures;
        // A pack's own province, roster, events and cases.
        if (rules) detail::generate_for_pack(*rules, o);
        if (!province.empty()) o.province = province;
        std::ostringstream s, ev, off;
        {
          py::gil_scoped_release nogil;
          detail::generate(o, {&s, &ev, &off});
        }
        return py::make_tuple(py::bytes(s.str()), py::bytes(ev.str()), py::bytes(off.str()));
      },
      "students"_a, "seed"_a, "as_of"_a, "prefectures"_a, "province"_a = "", "rules"_a = nullptr);
}
