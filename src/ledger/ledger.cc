#include "ledger/ledger.h"

#include <algorithm>
#include <cstring>

#include "io/id_number.h"

namespace kcbx::detail {

LevelKey LevelKey::of(const CheckedPack& pack, int level) {
  LevelKey k;
  if (level < 0) return k;
  k.fields = pack.level_fields[static_cast<size_t>(level)];
  k.prefix = static_cast<size_t>(std::max(0, pack.pack->levels[static_cast<size_t>(level)].prefix));
  return k;
}

namespace {

bool string_cell(const BatchData& d, int f, size_t i, std::string_view& out) {
  if (f < 0) return false;
  const ColumnData& c = d.columns[static_cast<size_t>(f)];
  if (c.type.kind != TypeKind::kString || !c.present(i)) return false;
  std::memcpy(&out, c.at(i), sizeof out);
  return !out.empty();
}

}  // namespace

bool LevelKey::read(const BatchData& d, size_t i, std::string& buf, std::string_view& key) const {
  if (fields.empty()) return false;
  if (fields.size() == 1) {
    if (!string_cell(d, fields[0], i, key)) return false;
    if (prefix > 0) {
      if (key.size() < prefix) return false;
      key = key.substr(0, prefix);
    }
    return true;
  }
  buf.clear();
  for (size_t j = 0; j < fields.size(); ++j) {
    std::string_view v;
    if (!string_cell(d, fields[j], i, v)) return false;
    if (j > 0) buf += '/';
    buf += v;
  }
  key = buf;
  return true;
}

RowStore::RowStore(std::shared_ptr<const CheckedPack> pack) : pack_(std::move(pack)) {
  data_ = std::make_shared<BatchData>();
  data_->pack = pack_;
  for (const auto& info : pack_->fields) {
    ColumnData c;
    c.type = info.type;
    c.width = width_of(info.type.kind);
    data_->columns.push_back(std::move(c));
  }
}

void RowStore::add(const BatchData& src, size_t i) {
  BatchData& d = *data_;
  const size_t row = d.rows;
  for (size_t f = 0; f < d.columns.size() && f < src.columns.size(); ++f) {
    ColumnData& to = d.columns[f];
    const ColumnData& from = src.columns[f];
    const size_t w = static_cast<size_t>(to.width);
    to.bytes.resize((row + 1) * w);
    unsigned char* dst = to.bytes.data() + row * w;
    const bool present = from.present(i);
    if (!present) {
      std::memset(dst, 0, w);
      if (to.valid.empty()) to.valid.assign(row, 1);
      to.valid.push_back(0);
      continue;
    }
    if (to.type.kind == TypeKind::kString) {
      std::string_view v;
      std::memcpy(&v, from.at(i), sizeof v);
      const std::string_view kept = d.strings->keep(v);
      std::memcpy(dst, &kept, sizeof kept);
    } else {
      std::memcpy(dst, from.at(i), w);
    }
    if (!to.valid.empty()) to.valid.push_back(1);
  }
  d.row_numbers.push_back(i < src.row_numbers.size() ? src.row_numbers[i] : 0);
  d.rows = row + 1;
}

Batch RowStore::finish() {
  auto done = std::move(data_);
  // The columns grew by doubling, so up to half of each is slack, and the
  // store is held through the case evaluation, the run's peak. Shrinking
  // copies one column at a time; what it frees serves the cases.
  for (ColumnData& c : done->columns) {
    c.bytes.shrink_to_fit();
    c.valid.shrink_to_fit();
  }
  done->row_numbers.shrink_to_fit();
  data_ = std::make_shared<BatchData>();
  data_->pack = pack_;
  for (const auto& c : done->columns) {
    ColumnData e;
    e.type = c.type;
    e.width = c.width;
    data_->columns.push_back(std::move(e));
  }
  return Batch(std::move(done));
}

Batch slice_rows(const Batch& b, size_t begin, size_t end) {
  const BatchData& d = b.data();
  end = std::min(end, d.rows);
  begin = std::min(begin, end);
  auto out = std::make_shared<BatchData>();
  out->pack = d.pack;
  out->strings = d.strings;
  out->rows = end - begin;
  out->row_numbers.assign(d.row_numbers.begin() + static_cast<std::ptrdiff_t>(begin),
                          d.row_numbers.begin() + static_cast<std::ptrdiff_t>(end));
  for (const ColumnData& c : d.columns) {
    ColumnData part;
    part.type = c.type;
    part.width = c.width;
    part.kept = c.kept;
    if (c.kept) {
      const size_t w = static_cast<size_t>(c.width);
      part.bytes.assign(c.bytes.begin() + static_cast<std::ptrdiff_t>(begin * w),
                        c.bytes.begin() + static_cast<std::ptrdiff_t>(end * w));
      if (!c.valid.empty())
        part.valid.assign(c.valid.begin() + static_cast<std::ptrdiff_t>(begin),
                          c.valid.begin() + static_cast<std::ptrdiff_t>(end));
    }
    out->columns.push_back(std::move(part));
  }
  return Batch(std::move(out));
}

std::string field_text(const BatchData& d, int f, size_t i, bool mask) {
  if (f < 0) return "";
  const ColumnData& c = d.columns[static_cast<size_t>(f)];
  if (!c.present(i)) return "";
  std::string s = format_value(c.type, c.at(i), *d.pack->pack);
  if (!mask) return s;
  if (d.pack->fields[static_cast<size_t>(f)].id_number) return mask_id_number(s);
  // An ID number typed into another column (guardian, address, reason,
  // even a number column) is masked there too.
  return mask_embedded_id_numbers(s);
}

}  // namespace kcbx::detail
