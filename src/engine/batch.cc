// Batch, BatchBuilder and BatchResult: text cells in, typed columns out.
#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <unordered_map>

#include "engine/column_names.h"
#include "engine/plan.h"
#include "engine/seen_values.h"
#include "io/encoding.h"
#include "io/division_code.h"
#include "io/id_number.h"
#include "kcbx/batch.h"
#include "util/utf8.h"

namespace kcbx {

using detail::BatchData;
using detail::ColumnData;
using detail::ScalarValue;
using detail::TypeKind;

namespace {

uint64_t hash_text(std::string_view s) { return detail::fnv1a64(s); }

}  // namespace

// ---- Batch ------------------------------------------------------------------

Batch::Batch() : data_(std::make_shared<BatchData>()) {}
size_t Batch::size() const { return data_->rows; }
int64_t Batch::row_number(size_t i) const { return data_->row_numbers.at(i); }

std::string Batch::cell(size_t i, std::string_view field) const {
  const int f = data_->pack ? data_->pack->field_index(field) : -1;
  if (f < 0) throw std::out_of_range("no field '" + std::string(field) + "'");
  const ColumnData& c = data_->columns[static_cast<size_t>(f)];
  if (i >= data_->rows) throw std::out_of_range("record index out of range");
  if (!c.kept) throw std::out_of_range("field '" + std::string(field) + "' was not kept");
  if (!c.present(i)) return "";
  return detail::format_value(c.type, c.at(i), *data_->pack->pack);
}

size_t Batch::column_bytes() const {
  size_t total = data_->row_numbers.capacity() * sizeof(int64_t);
  for (const ColumnData& c : data_->columns)
    total += c.bytes.capacity() + c.valid.capacity() + c.birth_days.capacity() * sizeof(int32_t);
  return total;
}

size_t Batch::string_bytes() const { return data_->strings ? data_->strings->bytes() : 0; }

// ---- BatchBuilder -----------------------------------------------------------

struct BatchBuilder::Impl {
  std::shared_ptr<const detail::CheckedPack> pack;
  std::vector<int> column_field;  // input column -> field, -1 ignored
  std::vector<int> field_column;  // field -> input column, -1 absent
  std::vector<std::string> notes;
  std::shared_ptr<BatchData> data;
  std::vector<ScalarValue> row;
  std::vector<uint8_t> row_present;
  int key_field = -1;  // first unique field: names records in rejects
  std::vector<std::unique_ptr<detail::SeenValues>> seen;  // per field; only unique ones have a set
  std::vector<std::string_view> row_text;  // string cells of the record being added
  std::vector<size_t> unique_fields;       // fields with `unique: true`
  std::vector<uint64_t> row_hash;          // their cells' hashes, this record
  std::vector<uint8_t> kept;               // per field: stored in the batch
  // Per field: the check of a `format: division_code` field, which
  // remembers the county of the rows before.
  std::vector<detail::DivisionCodeCheck> division_checks;

  void start() {
    data = std::make_shared<BatchData>();
    data->pack = pack;
    for (const auto& info : pack->fields) {
      ColumnData c;
      c.type = info.type;
      c.width = detail::width_of(info.type.kind);
      c.kept = kept.empty() || kept[data->columns.size()];
      // As many rows as the last batch had: no regrowth while filling.
      if (c.kept) c.bytes.reserve(last_rows * static_cast<size_t>(c.width));
      data->columns.push_back(std::move(c));
    }
    data->row_numbers.reserve(last_rows);
  }
  size_t last_rows = 0;
};

BatchBuilder::BatchBuilder(const RulePack& rules) : impl_(std::make_unique<Impl>()) {
  impl_->pack = rules.shared();
  const auto& fields = impl_->pack->pack->fields;
  impl_->seen.resize(fields.size());  // the sets themselves: below, unique fields only
  for (size_t f = 0; f < fields.size(); ++f) {
    if (!fields[f].unique) continue;
    if (impl_->key_field < 0) impl_->key_field = static_cast<int>(f);
    impl_->unique_fields.push_back(f);
    impl_->seen[f] = std::make_unique<detail::SeenValues>();
  }
  impl_->row_hash.resize(fields.size());
  impl_->row.resize(fields.size());
  impl_->row_text.resize(fields.size());
  impl_->row_present.resize(fields.size());
  impl_->field_column.assign(fields.size(), -1);
  impl_->start();
}
BatchBuilder::~BatchBuilder() = default;
BatchBuilder::BatchBuilder(BatchBuilder&&) noexcept = default;
BatchBuilder& BatchBuilder::operator=(BatchBuilder&&) noexcept = default;

std::vector<Diagnostic> BatchBuilder::set_columns(std::initializer_list<std::string> header,
                                                  const std::string& file) {
  std::vector<std::string> h(header);
  return set_columns(std::span<const std::string>(h), file);
}

std::vector<Diagnostic> BatchBuilder::set_columns(std::span<const std::string> header,
                                                  const std::string& file) {
  std::vector<Diagnostic> diags;
  const auto& fields = impl_->pack->pack->fields;
  // Diagnostics point at the header cell: its first character's column,
  // counted from the cells (exact unless an earlier cell was quoted).
  std::vector<int> cell_column(header.size() + 1, 1);
  std::vector<std::string_view> names(header.begin(), header.end());
  for (size_t c = 0; c < header.size(); ++c) {
    std::string_view raw = header[c];
    if (c == 0 && raw.substr(0, 3) == "\xEF\xBB\xBF") raw.remove_prefix(3);
    cell_column[c + 1] = cell_column[c] + detail::utf8_length(raw) + 1;
  }
  detail::ColumnMatch match = detail::match_columns(*impl_->pack->pack, names);
  for (const auto& d : match.duplicates)
    diags.push_back({Severity::kError, {file, 1, cell_column[d.second]}, "duplicate-column",
                     "columns " + std::to_string(d.first + 1) + " and " + std::to_string(d.second + 1) +
                         " are both field '" + fields[d.field].name.value + "'"});
  for (size_t f : match.missing)
    diags.push_back({Severity::kError, {file, 1, 1}, "missing-column", detail::missing_column_message(fields[f])});
  impl_->column_field = std::move(match.column_field);
  impl_->field_column = std::move(match.field_column);
  impl_->notes = std::move(match.notes);
  return diags;
}

const std::vector<std::string>& BatchBuilder::notes() const { return impl_->notes; }

std::optional<Reject> BatchBuilder::add_row(std::initializer_list<std::string_view> cells,
                                            int64_t row_number) {
  return add_row(std::span<const std::string_view>(cells.begin(), cells.size()), row_number);
}

std::string BatchBuilder::record_key(std::span<const std::string_view> cells) const {
  const Impl& m = *impl_;
  if (m.key_field < 0) return {};
  const int c = m.field_column[static_cast<size_t>(m.key_field)];
  if (c < 0 || static_cast<size_t>(c) >= cells.size()) return {};
  return detail::reject_key(detail::trim_spaces(cells[static_cast<size_t>(c)]));
}

std::optional<Reject> BatchBuilder::add_row(std::span<const std::string_view> cells,
                                            int64_t row_number) {
  Impl& m = *impl_;
  const detail::CheckedPack& cp = *m.pack;
  const auto& fields = cp.pack->fields;
  Reject reject;
  reject.row = row_number;
  // The key is named only in a reject (most records are accepted), and a
  // reject never carries an ID number, even one inside a student number.
  auto named = [&](Reject& r) -> std::optional<Reject> {
    r.student_id = record_key(cells);
    return std::move(r);
  };
  // Start fetching the unique-value slots (see SeenValues::prefetch).
  for (size_t f : m.unique_fields) {
    const int c = m.field_column[f];
    if (c < 0 || static_cast<size_t>(c) >= cells.size() ||
        cp.fields[f].type.kind != TypeKind::kString)
      continue;  // other kinds are keyed by their value, known only once parsed
    char folded[18];
    const std::string_view v = detail::trim_spaces(cells[static_cast<size_t>(c)]);
    m.row_hash[f] = hash_text(cp.fields[f].id_number ? detail::id_number_for_comparison(v, folded) : v);
    m.seen[f]->prefetch(m.row_hash[f]);
  }
  if (cells.size() != m.column_field.size()) {
    reject.reason = "the record has " + std::to_string(cells.size()) + " cells; the header has " +
                    std::to_string(m.column_field.size());
    return named(reject);
  }
  for (size_t f = 0; f < fields.size(); ++f) {
    const int c = m.field_column[f];
    std::string_view text = c >= 0 ? detail::trim_spaces(cells[static_cast<size_t>(c)]) : std::string_view{};
    const detail::FieldInfo& info = cp.fields[f];
    m.row_present[f] = 1;
    if (text.empty()) {
      if (fields[f].required) {
        reject.column = fields[f].name.value;
        reject.reason = "required value is missing";
        return named(reject);
      }
      if (info.default_value) {
        m.row[f] = *info.default_value;
        m.row_present[f] = 2;  // from the default
      } else {
        m.row_present[f] = 0;
        m.row[f] = ScalarValue{info.type.kind, 0, {}};
      }
      continue;
    }
    // The common cell types inline; strings stay views into `cells` until
    // the record is committed (no copy for a record that is rejected).
    if (info.type.kind == TypeKind::kString) {
      m.row[f].kind = TypeKind::kString;
      m.row_text[f] = text;
    } else if (info.type.kind == TypeKind::kBool && text.size() == 1 && (text[0] == '0' || text[0] == '1')) {
      m.row[f].kind = TypeKind::kBool;
      m.row[f].bits = text[0] == '1';
    } else if (std::optional<Date> date;
               info.type.kind == TypeKind::kDate && (date = Date::parse(text))) {
      m.row[f].kind = TypeKind::kDate;
      m.row[f].bits = date->days();
    } else if (auto why = detail::parse_cell(text, info.type, *cp.pack, m.row[f])) {
      reject.column = fields[f].name.value;
      reject.reason = *why;
      // Never echo an ID number back: it is personal data.
      if (info.id_number) reject.reason = "not a valid ID number";
      return named(reject);
    }
    if (info.id_number) {
      const auto check = detail::check_id_number(text, [&](int32_t c) { return cp.pack->adds_division_code(c); });
      if (check.error != detail::IdNumberError::kNone) {
        reject.column = fields[f].name.value;
        reject.reason = detail::describe(check.error, text);
        return named(reject);
      }
    }
    if (info.division_code) {
      if (m.division_checks.size() <= f)
        for (size_t k = m.division_checks.size(); k < fields.size(); ++k)
          m.division_checks.emplace_back([p = cp.pack.get()](int32_t c) { return p->adds_division_code(c); });
      if (const char* why = m.division_checks[f].error(text)) {
        reject.column = fields[f].name.value;
        reject.reason = fields[f].name.value + " is " + why;
        return named(reject);
      }
    }
  }
  auto unique_hash = [&](size_t f) -> uint64_t {
    if (m.row[f].kind != TypeKind::kString) return static_cast<uint64_t>(m.row[f].bits);
    if (m.row_present[f] != 2) return m.row_hash[f];
    char folded[18];
    return hash_text(cp.fields[f].id_number ? detail::id_number_for_comparison(m.row[f].text, folded)
                                            : std::string_view(m.row[f].text));
  };
  for (size_t f : m.unique_fields) {
    if (!m.row_present[f]) continue;
    const uint64_t h = unique_hash(f);
    const int64_t first = m.seen[f]->find(h);
    if (first >= 0) {
      reject.column = fields[f].name.value;
      reject.reason = "duplicate " + fields[f].name.value + " (first on row " + std::to_string(first) + ")";
      return named(reject);
    }
  }
  // Remember the unique values only once the record is accepted, so that a
  // record rejected for its second unique field leaves no trace.
  for (size_t f : m.unique_fields)
    if (m.row_present[f]) m.seen[f]->insert(unique_hash(f), row_number);
  // Commit the record.
  BatchData& d = *m.data;
  const size_t i = d.rows;
  for (size_t f = 0; f < fields.size(); ++f) {
    ColumnData& col = d.columns[f];
    if (!col.kept) continue;
    const size_t w = static_cast<size_t>(col.width);
    col.bytes.resize((i + 1) * w);
    unsigned char* dst = col.bytes.data() + i * w;
    const ScalarValue& v = m.row[f];
    if (!m.row_present[f]) {
      std::memset(dst, 0, w);
      if (col.valid.empty()) col.valid.assign(i, 1);
      col.valid.push_back(0);
      continue;
    }
    if (v.kind == TypeKind::kString) {
      // A default string comes from the pack, a cell from the record.
      const std::string_view kept = d.strings->keep(m.row_present[f] == 2 ? std::string_view(v.text) : m.row_text[f]);
      std::memcpy(dst, &kept, sizeof kept);
    } else if (w == 1) {
      dst[0] = static_cast<unsigned char>(v.bits != 0);
    } else if (w == 4) {
      const int32_t x = static_cast<int32_t>(v.bits);
      std::memcpy(dst, &x, 4);
    } else {
      std::memcpy(dst, &v.bits, 8);
    }
    if (!col.valid.empty()) col.valid.push_back(1);
  }
  d.row_numbers.push_back(row_number);
  d.rows = i + 1;
  return std::nullopt;
}

void BatchBuilder::set_unique_memory(size_t bytes) {
  Impl& m = *impl_;
  for (auto& seen : m.seen)
    if (seen) {
      if (seen->size() > 0) throw std::logic_error("set_unique_memory: records were added already");
      seen = std::make_unique<detail::SeenValues>(bytes);
    }
}

void BatchBuilder::keep_only(std::span<const std::string> names) {
  Impl& m = *impl_;
  const auto& fields = m.pack->pack->fields;
  m.kept.clear();
  if (!names.empty()) {
    m.kept.assign(fields.size(), 0);
    for (size_t f = 0; f < fields.size(); ++f)
      m.kept[f] = fields[f].unique ||
                  std::find(names.begin(), names.end(), fields[f].name.value) != names.end();
  }
  // Records already added keep every field; the next batch follows `names`.
  if (m.data->rows == 0) m.start();
}

size_t BatchBuilder::size() const { return impl_->data->rows; }

Batch BatchBuilder::finish() {
  auto done = std::move(impl_->data);
  // A first batch grew by doubling: give back the slack (one copy) so that
  // a batch held for long takes what its records need.
  auto fit = [](auto& v) {
    if (v.capacity() > v.size() + v.size() / 8) v.shrink_to_fit();
  };
  for (ColumnData& c : done->columns) {
    fit(c.bytes);
    fit(c.valid);
  }
  fit(done->row_numbers);
  impl_->last_rows = done->rows;
  impl_->start();
  return Batch(std::move(done));
}

// ---- BatchResult ------------------------------------------------------------

BatchResult::BatchResult() : data_(std::make_shared<detail::ResultData>()) {}
size_t BatchResult::size() const { return data_->rows; }
bool BatchResult::rejected(size_t i) const { return data_->reject.at(i) >= 0; }
std::string_view BatchResult::reject_reason(size_t i) const {
  const int32_t c = data_->reject.at(i);
  if (c < 0) return {};
  return data_->pack->pack->checks[static_cast<size_t>(c)].message.value;
}
std::string_view BatchResult::reject_column(size_t i) const {
  const int32_t c = data_->reject.at(i);
  if (c < 0 || static_cast<size_t>(c) >= data_->pack->check_columns.size()) return {};
  const auto& by_row = data_->reject_fields;
  const auto it = std::lower_bound(by_row.begin(), by_row.end(), std::pair<uint32_t, int32_t>(static_cast<uint32_t>(i), -1));
  if (it != by_row.end() && it->first == i) return data_->pack->pack->fields[static_cast<size_t>(it->second)].name.value;
  return data_->pack->check_columns[static_cast<size_t>(c)];
}
size_t BatchResult::table_count() const { return data_->table_names.size(); }
const std::string& BatchResult::table_name(size_t t) const { return data_->table_names.at(t); }

int32_t BatchResult::code(size_t t, size_t i) const {
  if (rejected(i) || data_->codes.at(t).empty()) return -1;
  return data_->codes[t][i];
}
const int32_t* BatchResult::codes(size_t t) const { return data_->codes.at(t).data(); }
const int32_t* BatchResult::rows(size_t t) const { return data_->matched.at(t).data(); }

namespace {

const detail::DomainDef& table_domain(const detail::CheckedPack& cp, size_t t) {
  const auto& def = cp.pack->tables[t];
  int dom = def.domain;
  if (dom < 0) dom = cp.fields[static_cast<size_t>(cp.field_index(def.values_from.value))].type.domain;
  return cp.pack->domains[static_cast<size_t>(dom)];
}

// Joins the names of the set bits of `bits` through `name(k)`.
template <class F>
std::string join_bits(uint64_t bits, size_t limit, F name) {
  std::string out;
  for (size_t k = 0; k < limit && k < 64; ++k)
    if ((bits >> k) & 1) {
      const std::string& s = name(k);
      if (s.empty()) continue;
      if (!out.empty()) out += ';';
      out += s;
    }
  return out;
}

}  // namespace

uint64_t BatchResult::value_set(size_t t, size_t i) const {
  if (rejected(i) || data_->sets.at(t).empty()) return 0;
  return data_->sets[t][i];
}

std::string BatchResult::value(size_t t, size_t i) const {
  const auto& domain = table_domain(*data_->pack, t);
  if (!data_->sets.at(t).empty()) {
    return join_bits(value_set(t, i), domain.values.size(),
                     [&](size_t k) -> const std::string& { return domain.values[k].name.value; });
  }
  const int32_t c = code(t, i);
  if (c < 0) return {};
  return domain.values[static_cast<size_t>(c)].name.value;
}

std::string BatchResult::rule(size_t t, size_t i) const {
  if (rejected(i)) return {};
  const auto& rows = data_->pack->pack->tables[t].rows;
  if (!data_->row_sets.at(t).empty())
    return join_bits(data_->row_sets[t][i], rows.size(),
                     [&](size_t k) -> const std::string& { return rows[k].id.value; });
  // Empty for a table this classify() did not compute (all_tables false).
  if (data_->matched.at(t).empty()) return {};
  const int32_t r = data_->matched[t][i];
  if (r < 0) return {};
  return rows[static_cast<size_t>(r)].id.value;
}

std::string BatchResult::clause(size_t t, size_t i) const {
  if (rejected(i)) return {};
  const auto& rows = data_->pack->pack->tables[t].rows;
  if (!data_->row_sets.at(t).empty()) {
    // Distinct clauses of the matched rows, in row order.
    std::string out;
    const uint64_t bits = data_->row_sets[t][i];
    for (size_t k = 0; k < rows.size() && k < 64; ++k) {
      if (!((bits >> k) & 1) || rows[k].clause.empty()) continue;
      const std::string& c = rows[k].clause.value;
      if ((";" + out + ";").find(";" + c + ";") != std::string::npos) continue;
      if (!out.empty()) out += ';';
      out += c;
    }
    return out;
  }
  if (data_->matched.at(t).empty()) return {};  // not computed
  const int32_t r = data_->matched[t][i];
  if (r < 0) return {};
  return rows[static_cast<size_t>(r)].clause.value;
}
// flags, case_open and case_opened_on as in cf70658: eb6c61f dropped their
// definitions while batch.h, cases.cc and run.cc still use them.
uint64_t BatchResult::flags(size_t i) const {
  return rejected(i) || data_->flags.empty() ? 0 : data_->flags.at(i);
}
bool BatchResult::has_flags() const { return !data_->flags.empty() || size() == 0; }
bool BatchResult::case_open(size_t i) const {
  return !rejected(i) && !data_->case_open.empty() && data_->case_open.at(i);
}
std::optional<Date> BatchResult::case_opened_on(size_t i) const {
  const ColumnData& c = data_->case_opened;
  if (c.bytes.empty() || !c.present(i)) return std::nullopt;
  return Date::from_days(*static_cast<const int32_t*>(c.at(i)));
}
size_t BatchResult::output_count() const { return data_->output_names.size(); }
const std::string& BatchResult::output_name(size_t o) const { return data_->output_names.at(o); }
std::string BatchResult::output(size_t o, size_t i) const {
  const ColumnData& c = data_->outputs.at(o);
  if (rejected(i) || !c.present(i) || c.type.kind == TypeKind::kDuration) return "";
  return detail::format_value(c.type, c.at(i), *data_->pack->pack);
}

}  // namespace kcbx
