// Engine: parallel batch classification and single-record explanation, both
// running the same compiled program (explain uses the variant that keeps
// every row condition).
#include "kcbx/engine.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/column_names.h"
#include "engine/plan.h"
#include "io/encoding.h"
#include "io/id_number.h"
#include "util/huge_pages.h"

namespace kcbx {

using detail::ColumnData;
using detail::CompiledProgram;
using detail::Frame;
using detail::TypeKind;

Engine::Engine(RulePack rules, EngineOptions options)
    : rules_(std::move(rules)), options_(options) {
  if (options_.batch_rows == 0) options_.batch_rows = 1024;
  plan_ = detail::compile_plan(rules_.shared());
}

std::vector<std::string> Engine::output_columns(bool all_tables) const {
  std::vector<std::string> out;
  // The first table is the pack's main decision: its row and clause are
  // plain "rule" and "clause"; later tables prefix their name.
  bool first = true;
  for (const auto& t : rules_.checked().pack->tables) {
    out.push_back(t.name.value);
    out.push_back(first ? "rule" : t.name.value + "_rule");
    out.push_back(first ? "clause" : t.name.value + "_clause");
    first = false;
    if (!all_tables) break;
  }
  const auto& outputs = rules_.checked().pack->outputs;
  for (size_t o = 0; o < outputs.size(); ++o)
    if (output_listed(o, all_tables)) out.push_back(outputs[o].value);
  return out;
}

bool Engine::output_listed(size_t o, bool all_tables) const {
  const auto& pack = *rules_.checked().pack;
  if (o >= pack.outputs.size()) return false;
  // A pack may list a table among its outputs (so that `kcbx classify`,
  // which writes the first table only, shows it); where that table's
  // columns are written anyway, a second column of the same name would
  // only confuse a DataFrame.
  const size_t tables = all_tables ? pack.tables.size() : std::min<size_t>(1, pack.tables.size());
  for (size_t t = 0; t < tables; ++t)
    if (pack.tables[t].name.value == pack.outputs[o].value) return false;
  return true;
}

namespace {

// The program a classification runs: every table and value the options ask
// for, and nothing more.
const CompiledProgram& program_for(const detail::Plan& plan, const ClassifyOptions& what) {
  if (what.flags || what.cases) return plan.full;
  if (what.all_tables) return what.outputs ? plan.tables : plan.tables_only;
  return what.outputs ? plan.fast : plan.status;
}

void bind_fields(const CompiledProgram& cp, const detail::BatchData& batch,
                 size_t offset, Frame& frame) {
  for (size_t f = 0; f < cp.field_slots.size(); ++f) {
    const ColumnData& c = batch.columns[f];
    if (!c.kept) continue;  // not read by this program (checked in classify)
    const bool births = !c.birth_days.empty() && c.birth_days.size() * static_cast<size_t>(c.width) == c.bytes.size();
    frame.bind_field(cp.field_slots[f],
                     c.bytes.data() + offset * static_cast<size_t>(c.width),
                     c.valid.empty() ? nullptr : c.valid.data() + offset,
                     births ? c.birth_days.data() + offset : nullptr);
  }
}

// Asks for the next batch's columns that the program reads while this batch
// runs. One batch of a column is a page or two, and hardware prefetchers
// stop at page boundaries: without this, the first pass over each column of
// each batch waits for memory (a fifth of the time on a million records).
void prefetch_fields(const CompiledProgram& cp, const detail::BatchData& batch,
                     size_t offset, size_t n) {
  for (int f : cp.fields_read) {
    const ColumnData& c = batch.columns[static_cast<size_t>(f)];
    const size_t w = static_cast<size_t>(c.width);
    const char* data = reinterpret_cast<const char*>(c.bytes.data()) + offset * w;
    for (size_t b = 0; b < n * w; b += 64) __builtin_prefetch(data + b, 0, 1);
    if (!c.valid.empty())
      for (size_t b = 0; b < n; b += 64)
        __builtin_prefetch(reinterpret_cast<const char*>(c.valid.data()) + offset + b, 0, 1);
  }
}

// A program binds only the columns a batch kept (BatchBuilder::keep_only).
void require_kept(const CompiledProgram& cp, const detail::BatchData& batch,
                  const detail::CheckedPack& pack) {
  for (int f : cp.fields_read)
    if (static_cast<size_t>(f) < batch.columns.size() && !batch.columns[static_cast<size_t>(f)].kept)
      throw std::invalid_argument("the batch does not keep field '" +
                                  pack.pack->fields[static_cast<size_t>(f)].name.value +
                                  "', which this evaluation reads");
}

// First-hit tables write their value codes (-1 where no row matched: kFill
// starts them there) and matched rows, and the checks their rejects,
// straight into the result.
bool written_in_place(const detail::TableSlots& ts) {
  return ts.out >= 0 && ts.policy == detail::HitPolicy::kFirst;
}

void bind_results(const CompiledProgram& cp, detail::ResultData& r, size_t offset, Frame& frame) {
  frame.bind_result(cp.reject_slot, r.reject.data() + offset);
  for (size_t t = 0; t < cp.tables.size(); ++t) {
    if (!written_in_place(cp.tables[t])) continue;
    frame.bind_result(cp.tables[t].out, r.codes[t].data() + offset);
    frame.bind_result(cp.tables[t].rows, r.matched[t].data() + offset);
  }
}

void copy_out(const CompiledProgram& cp, const Frame& frame, size_t offset,
              size_t n, detail::ResultData& r, detail::StringArena& strings) {
  for (size_t t = 0; t < cp.tables.size(); ++t) {
    const auto& ts = cp.tables[t];
    if (ts.out < 0 || written_in_place(ts)) continue;  // not computed here, or done
    if (ts.policy == detail::HitPolicy::kCollect) {
      std::memcpy(r.sets[t].data() + offset, frame.data(ts.out), n * 8);
      std::memcpy(r.row_sets[t].data() + offset, frame.data(ts.rows), n * 8);
      continue;
    }
    const auto* out = static_cast<const int32_t*>(frame.data(ts.out));
    const auto* rows = static_cast<const int32_t*>(frame.data(ts.rows));
    int32_t* codes = r.codes[t].data() + offset;
    for (size_t i = 0; i < n; ++i) codes[i] = rows[i] >= 0 ? out[i] : -1;
    std::memcpy(r.matched[t].data() + offset, rows, n * 4);
  }
  if (cp.flags_slot >= 0) std::memcpy(r.flags.data() + offset, frame.data(cp.flags_slot), n * 8);
  if (cp.case_open_slot >= 0) {
    const auto* open = static_cast<const uint8_t*>(frame.data(cp.case_open_slot));
    const uint8_t* valid = frame.valid(cp.case_open_slot);
    for (size_t i = 0; i < n; ++i) r.case_open[offset + i] = open[i] && (!valid || valid[i]);
    if (cp.case_opened_slot >= 0) {
      std::memcpy(r.case_opened.bytes.data() + offset * 4, frame.data(cp.case_opened_slot), n * 4);
      const uint8_t* v = frame.valid(cp.case_opened_slot);
      if (v) std::memcpy(r.case_opened.valid.data() + offset, v, n);
      else std::memset(r.case_opened.valid.data() + offset, 1, n);
    }
  }
  for (size_t o = 0; o < cp.output_slots.size(); ++o) {
    ColumnData& c = r.outputs[o];
    const size_t w = static_cast<size_t>(c.width);
    std::memcpy(c.bytes.data() + offset * w, frame.data(cp.output_slots[o]), n * w);
    if (c.type.kind == TypeKind::kString) {
      // A string output may view a constant the frame owns ("none" in
      // coalesce(s, "none")); the frame dies before the result.
      auto* views = reinterpret_cast<std::string_view*>(c.bytes.data() + offset * w);
      const uint8_t* v = frame.valid(cp.output_slots[o]);
      for (size_t i = 0; i < n; ++i) views[i] = !v || v[i] ? strings.keep(views[i]) : std::string_view();
    }
    if (!c.valid.empty()) {
      const uint8_t* v = frame.valid(cp.output_slots[o]);
      if (v) std::memcpy(c.valid.data() + offset, v, n);
      else std::memset(c.valid.data() + offset, 1, n);
    }
  }
}

// A check that reads several fields names, for each rejected row, the
// first of them the row has a value for: `birth <= as_of` fails on the
// birth date read from id_number when birth_date is empty, and names
// id_number then. (A column not kept in the batch cannot say; its first
// field stays.) -1: the check's column as the pack gives it
// (CheckedPack::check_columns).
int reject_field(const detail::CheckedPack& pack, const detail::BatchData& in, int32_t check, size_t i) {
  const std::vector<int>& fields = pack.check_fields[static_cast<size_t>(check)];
  auto has_value = [&](int f) {
    const ColumnData& c = in.columns[static_cast<size_t>(f)];
    return c.kept && c.present(i);
  };
  if (fields.size() < 2 || has_value(fields[0])) return -1;
  for (size_t k = 1; k < fields.size(); ++k)
    if (has_value(fields[k])) return fields[k];
  return -1;
}

// reject_field of rows [offset, offset + m) where it is not -1, appended
// to `out` in row order. Run after each batch, while it is in the cache.
void name_reject_columns(const detail::CheckedPack& pack, const detail::BatchData& in,
                         const detail::ResultData& r, size_t offset, size_t m,
                         std::vector<std::pair<uint32_t, int32_t>>& out) {
  // Most batches have no reject: find out with one vectorised pass (-1 in
  // every row keeps the sign bit of the AND), not a branch per row, which
  // cost a quarter of a status-only classification.
  const int32_t* reject = r.reject.data() + offset;
  int32_t all = -1;
  for (size_t i = 0; i < m; ++i) all &= reject[i];
  if (all < 0) return;
  for (size_t i = offset; i < offset + m; ++i)
    if (const int32_t c = r.reject[i]; c >= 0)
      if (const int f = reject_field(pack, in, c, i); f >= 0) out.emplace_back(static_cast<uint32_t>(i), f);
}

}  // namespace

std::vector<std::string> Engine::fields_read(const ClassifyOptions& what) const {
  std::vector<std::string> out;
  for (int f : program_for(*plan_, what).fields_read)
    out.push_back(plan_->pack->pack->fields[static_cast<size_t>(f)].name.value);
  // The cases read workflow.events_after from the batch, not a program.
  const int after = plan_->pack->workflow.events_after;
  if (what.cases && after >= 0) {
    const std::string& name = plan_->pack->pack->fields[static_cast<size_t>(after)].name.value;
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

BatchResult Engine::classify(const Batch& batch, Date as_of, const ClassifyOptions& what) const {
  const detail::BatchData& in = batch.data();
  const CompiledProgram& cp = program_for(*plan_, what);
  if (in.pack && in.pack != plan_->pack &&
      in.pack->pack->source_hash != plan_->pack->pack->source_hash)
    throw std::invalid_argument("the batch was built for another rule pack");
  require_kept(cp, in, *plan_->pack);
  const size_t n = in.rows;
  auto r = std::make_shared<detail::ResultData>();
  r->pack = plan_->pack;
  r->rows = n;
  detail::resize_uninitialized(r->reject, n);
  const auto& tables = plan_->pack->pack->tables;
  r->codes.resize(tables.size());
  r->matched.resize(tables.size());
  r->sets.resize(tables.size());
  r->row_sets.resize(tables.size());
  for (size_t t = 0; t < tables.size(); ++t) {
    r->table_names.push_back(tables[t].name.value);
    if (cp.tables[t].out < 0) continue;
    if (tables[t].hit_policy == detail::HitPolicy::kCollect) {
      detail::resize_uninitialized(r->sets[t], n);
      detail::resize_uninitialized(r->row_sets[t], n);
    } else {
      detail::resize_uninitialized(r->codes[t], n);
      detail::resize_uninitialized(r->matched[t], n);
    }
  }
  for (size_t o = 0; o < cp.output_slots.size(); ++o) {
    ColumnData c;
    c.type = cp.output_types[o];
    c.width = detail::width_of(c.type.kind);
    detail::assign_large(c.bytes, n * static_cast<size_t>(c.width), static_cast<unsigned char>(0));
    if (cp.program.slots[static_cast<size_t>(cp.output_slots[o])].nullable)
      detail::assign_large(c.valid, n, uint8_t{0});
    r->outputs.push_back(std::move(c));
    r->output_names.push_back(plan_->pack->pack->outputs[o].value);
  }
  if (cp.flags_slot >= 0) r->flags.assign(n, 0);
  if (cp.case_open_slot >= 0) {
    r->case_open.assign(n, 0);
    r->case_opened.type = {TypeKind::kDate, -1};
    r->case_opened.width = 4;
    r->case_opened.bytes.assign(n * 4, 0);
    r->case_opened.valid.assign(n, 0);
  }
  {
    // Fail before any work when a parameter has no value on this date.
    Frame probe(cp.program, 1);
    detail::bind_constants(cp, *plan_->pack, as_of, probe);
  }
  // A frame holds one batch of every slot: for a handful of records (one
  // child looked up) a smaller frame saves allocating and zeroing it.
  const size_t rows_per_batch = std::max<size_t>(1, std::min(options_.batch_rows, n));
  const size_t chunks = (n + rows_per_batch - 1) / rows_per_batch;
  size_t threads = options_.threads > 0 ? static_cast<size_t>(options_.threads)
                                        : std::max(1u, std::thread::hardware_concurrency());
  threads = std::max<size_t>(1, std::min(threads, chunks));
  std::vector<std::shared_ptr<detail::StringArena>> arenas(std::max<size_t>(1, threads));
  for (auto& a : arenas) a = std::make_shared<detail::StringArena>();
  // Reject columns that depend on the record, per thread in row order.
  bool name_rejects = false;
  for (const auto& f : plan_->pack->check_fields) name_rejects |= f.size() > 1;
  std::vector<std::vector<std::pair<uint32_t, int32_t>>> named(arenas.size());
  auto work = [&](size_t t, size_t first_chunk, size_t last_chunk) {
    Frame frame(cp.program, rows_per_batch);
    detail::bind_constants(cp, *plan_->pack, as_of, frame);
    for (size_t c = first_chunk; c < last_chunk; ++c) {
      const size_t offset = c * rows_per_batch;
      const size_t m = std::min(rows_per_batch, n - offset);
      if (c + 2 < last_chunk) {
        const size_t ahead = offset + 2 * rows_per_batch;
        prefetch_fields(cp, in, ahead, std::min(rows_per_batch, n - ahead));
      }
      bind_fields(cp, in, offset, frame);
      bind_results(cp, *r, offset, frame);
      frame.run(m);
      copy_out(cp, frame, offset, m, *r, *arenas[t]);
      if (name_rejects) name_reject_columns(*plan_->pack, in, *r, offset, m, named[t]);
    }
  };
  if (threads <= 1) {
    if (chunks > 0) work(0, 0, chunks);
  } else {
    std::vector<std::thread> pool;
    const size_t per = (chunks + threads - 1) / threads;
    for (size_t t = 0; t < threads; ++t) {
      const size_t lo = t * per, hi = std::min(chunks, lo + per);
      if (lo < hi) pool.emplace_back(work, t, lo, hi);
    }
    for (auto& th : pool) th.join();
  }
  for (const auto& part : named) r->reject_fields.insert(r->reject_fields.end(), part.begin(), part.end());
  // String outputs point into the batch's strings: keep them alive.
  r->strings = in.strings;
  r->output_strings = std::move(arenas);
  return BatchResult(std::move(r));
}

const std::vector<std::string>& Engine::flag_names() const { return plan_->pack->flag_names; }

Explanation Engine::explain(const Record& record, Date as_of) const {
  Explanation ex;
  ex.pack_id = rules_.id();
  ex.as_of = as_of;

  BatchBuilder builder(rules_);
  std::vector<std::string> header;
  std::vector<std::string_view> cells;
  for (const auto& [k, v] : record.cells()) header.push_back(k);
  for (const auto& [k, v] : record.cells()) cells.push_back(v);
  // A record is one row, not a file: a required field it leaves out is a
  // missing value of that row ("required value is missing", row 1, with
  // the field as the column), as a blank cell is, rather than a file's
  // missing column; and two keys naming one field are that row's reject.
  const detail::Pack& pack = *plan_->pack->pack;
  {
    std::vector<std::string_view> names(header.begin(), header.end());
    const detail::ColumnMatch match = detail::match_columns(pack, names);
    const int key = plan_->pack->field_index(plan_->pack->key_field());
    const int key_column = key >= 0 ? match.field_column[static_cast<size_t>(key)] : -1;
    const std::string student_id =
        key_column >= 0 ? detail::reject_key(detail::trim_spaces(cells[static_cast<size_t>(key_column)])) : "";
    for (const auto& d : match.duplicates) {
      ex.accepted = false;
      ex.rejects.push_back({1, student_id, pack.fields[d.field].name.value,
                            "'" + header[d.first] + "' and '" + header[d.second] + "' are both field '" +
                                pack.fields[d.field].name.value + "'"});
    }
    if (!ex.accepted) return ex;
    // Text that is not UTF-8 (a Python str with a lone surrogate, bytes
    // from a C++ caller) is rejected, as in a file.
    for (size_t c = 0; c < cells.size(); ++c)
      if (!detail::is_valid_utf8(cells[c]) || !detail::is_valid_utf8(header[c])) {
        ex.accepted = false;
        ex.rejects.push_back({1, detail::is_valid_utf8(student_id) ? student_id : "", "",
                              "invalid UTF-8 in field " + std::to_string(c + 1)});
        return ex;
      }
    for (size_t f : match.missing) {
      header.push_back(pack.fields[f].name.value);
      cells.emplace_back();
    }
  }
  for (auto& d : builder.set_columns(std::span<const std::string>(header), "<record>")) {
    ex.accepted = false;
    ex.rejects.push_back({1, "", "", d.message});
  }
  if (!ex.accepted) return ex;
  if (auto rej = builder.add_row(std::span<const std::string_view>(cells), 1)) {
    ex.accepted = false;
    ex.rejects.push_back(*rej);
    return ex;
  }
  return explain(builder.finish(), 0, as_of);
}

Explanation Engine::explain(const Batch& batch, size_t index, Date as_of) const {
  const detail::CheckedPack& pack = *plan_->pack;
  const detail::Pack& src = *pack.pack;
  if (index >= batch.size()) throw std::out_of_range("record index out of range");
  Explanation ex;
  ex.pack_id = rules_.id();
  ex.as_of = as_of;
  const CompiledProgram& cp = plan_->trace;
  require_kept(cp, batch.data(), pack);
  Frame frame(cp.program, 1);
  detail::bind_constants(cp, pack, as_of, frame);
  bind_fields(cp, batch.data(), index, frame);
  frame.run(1);

  const int32_t reject = *static_cast<const int32_t*>(frame.data(cp.reject_slot));
  if (reject >= 0) {
    ex.accepted = false;
    const auto& check = src.checks[static_cast<size_t>(reject)];
    // Named by its key as classify names it (masked: rejects always are).
    std::string key;
    if (const int f = pack.field_index(pack.key_field()); f >= 0) {
      const detail::ColumnData& c = batch.data().columns[static_cast<size_t>(f)];
      if (c.kept && c.present(index)) key = detail::masked_key(batch.cell(index, pack.key_field()));
    }
    // The column as classify's reject names it.
    const int f = reject_field(pack, batch.data(), reject, index);
    std::string column = f >= 0 ? src.fields[static_cast<size_t>(f)].name.value
                                : pack.check_columns[static_cast<size_t>(reject)];
    ex.rejects.push_back({batch.row_number(index), std::move(key), std::move(column), check.message.value});
    return ex;
  }

  // The values read show a yes/no as true/false, as the rows tried; the
  // outputs as the CSV outputs show them (1/0), for a reader to compare.
  auto format_slot = [&](int slot, const detail::Type& type, bool for_reading = true) -> std::string {
    const uint8_t* v = frame.valid(slot);
    if (v && !v[0]) return "";
    return for_reading ? detail::format_value_for_reading(type, frame.data(slot), src)
                       : detail::format_value(type, frame.data(slot), src);
  };
  std::vector<std::string> read;
  auto note_reads = [&](const std::vector<std::string>& names) {
    for (const auto& n : names)
      if (std::find(read.begin(), read.end(), n) == read.end()) read.push_back(n);
  };

  for (size_t t = 0; t < src.tables.size(); ++t) {
    const auto& def = src.tables[t];
    const auto& ts = cp.tables[t];
    int dom = def.domain;
    if (dom < 0) dom = pack.fields[static_cast<size_t>(pack.field_index(def.values_from.value))].type.domain;
    const auto& values = src.domains[static_cast<size_t>(dom)].values;
    std::vector<size_t> matched;
    for (size_t r = 0; r < def.rows.size(); ++r) {
      const int slot = ts.conditions[r];
      std::string result = "true";
      if (slot >= 0) {
        const uint8_t* v = frame.valid(slot);
        if (v && !v[0]) result = "null";
        else result = *static_cast<const uint8_t*>(frame.data(slot)) ? "true" : "false";
      }
      ex.tried.push_back({def.name.value, def.rows[r].id.value, def.rows[r].clause.value,
                          def.rows[r].when.value, result});
      note_reads(pack.row_reads[t][r]);
      if (result == "true") {
        matched.push_back(r);
        if (def.hit_policy == detail::HitPolicy::kFirst) break;
      }
    }
    if (matched.empty()) {
      ex.decisions.push_back({def.name.value, "", "", "", "", ""});
    } else if (def.hit_policy == detail::HitPolicy::kUnique && matched.size() > 1) {
      ex.decisions.push_back({def.name.value, "", "", "", "",
                              "more than one row matched a unique table"});
    }
    if (!(def.hit_policy == detail::HitPolicy::kUnique && matched.size() > 1))
      for (size_t r : matched) {
        const int code = pack.row_outputs[t][r];
        const auto& row = def.rows[r];
        ex.decisions.push_back({def.name.value, values[static_cast<size_t>(code)].name.value,
                                values[static_cast<size_t>(code)].alias.value, row.id.value,
                                row.clause.value, pack.clause_text(row.clause.value)});
      }
  }
  for (size_t o = 0; o < cp.output_slots.size(); ++o) {
    ex.outputs.emplace_back(src.outputs[o].value, format_slot(cp.output_slots[o], cp.output_types[o], false));
    note_reads({src.outputs[o].value});
  }
  // Derived values read by what was read, transitively, so the trace shows
  // the whole chain down to fields and parameters.
  for (size_t i = 0; i < read.size(); ++i) {
    const int d = pack.derive_index(read[i]);
    if (d >= 0) note_reads(pack.derive_reads[static_cast<size_t>(d)]);
  }
  for (const auto& name : read) {
    TracedValue tv;
    tv.name = name;
    if (name == "as_of") {
      tv.kind = "as_of";
      tv.value = as_of.format();
    } else if (int f = pack.field_index(name); f >= 0) {
      tv.kind = "field";
      tv.value = format_slot(cp.field_slots[static_cast<size_t>(f)], pack.fields[static_cast<size_t>(f)].type);
      if (pack.fields[static_cast<size_t>(f)].id_number && !tv.value.empty())
        tv.value = detail::mask_id_number(tv.value);
    } else if (int d = pack.derive_index(name); d >= 0) {
      tv.kind = "derived";
      tv.value = format_slot(cp.derive_slots[static_cast<size_t>(d)], pack.derive_types[static_cast<size_t>(d)]);
      tv.source = src.derives[static_cast<size_t>(d)].where.format();
    } else if (int p = pack.param_index(name); p >= 0) {
      tv.kind = "parameter";
      const detail::ParamPeriod* period = pack.param_on(p, as_of);
      if (period) {
        tv.value = period->value.kind == TypeKind::kString
                       ? period->value.text
                       : detail::format_value({period->value.kind, -1}, &period->value.bits, src);
        if (period->value.kind == TypeKind::kDate || period->value.kind == TypeKind::kEnum) {
          const int32_t x = static_cast<int32_t>(period->value.bits);
          tv.value = detail::format_value({period->value.kind, -1}, &x, src);
        } else if (period->value.kind == TypeKind::kBool) {
          const uint8_t x = static_cast<uint8_t>(period->value.bits);
          tv.value = detail::format_value_for_reading({period->value.kind, -1}, &x, src);
        }
        tv.effective_from = period->from ? period->from->format() : "";
        tv.source = period->where.format();
      }
    } else if (int t = pack.table_index(name); t >= 0) {
      tv.kind = "table";
      for (const auto& dcs : ex.decisions)
        if (dcs.table == name) tv.value += (tv.value.empty() ? "" : ";") + dcs.value;
    } else {
      continue;
    }
    ex.values.push_back(std::move(tv));
  }
  return ex;
}

std::string Explanation::format() const {
  std::string out;
  out += "pack " + pack_id + ", as of " + as_of.format() + "\n";
  if (!accepted) {
    for (const auto& r : rejects)
      out += "  rejected" + (r.column.empty() ? std::string() : " (" + r.column + ")") + ": " + r.reason + "\n";
    return out;
  }
  for (const auto& d : decisions) {
    if (d.value.empty()) {
      out += "  " + d.table + ": no row matched" + (d.clause_text.empty() ? "" : " (" + d.clause_text + ")") + "\n";
      continue;
    }
    out += "  " + d.table + " = " + d.value + (d.value_alias.empty() ? "" : " " + d.value_alias) +
           "  [rule " + d.rule + ", clause " + d.clause + "]\n";
    if (!d.clause_text.empty()) out += "    " + d.clause + ": " + d.clause_text + "\n";
  }
  out += "  rows tried:\n";
  for (const auto& t : tried)
    out += "    " + t.table + "/" + t.rule + " (" + t.clause + ") " +
           (t.when.empty() ? std::string("always") : t.when) + " -> " + t.result + "\n";
  out += "  values:\n";
  for (const auto& v : values) {
    out += "    " + v.name + " = " + (v.value.empty() ? std::string("(null)") : v.value) + "  [" + v.kind;
    if (!v.effective_from.empty()) out += " from " + v.effective_from;
    if (!v.source.empty()) out += ", " + v.source;
    out += "]\n";
  }
  return out;
}

std::string Explanation::to_json() const {
  nlohmann::ordered_json j;
  j["format"] = "kcbx.explanation/1";
  j["pack"] = pack_id;
  j["as_of"] = as_of.format();
  j["accepted"] = accepted;
  j["rejects"] = nlohmann::ordered_json::array();
  for (const auto& r : rejects)
    j["rejects"].push_back({{"row", r.row}, {"column", r.column}, {"reason", r.reason}});
  j["decisions"] = nlohmann::ordered_json::array();
  for (const auto& d : decisions)
    j["decisions"].push_back({{"table", d.table}, {"value", d.value}, {"alias", d.value_alias},
                              {"rule", d.rule}, {"clause", d.clause}, {"clause_text", d.clause_text}});
  j["tried"] = nlohmann::ordered_json::array();
  for (const auto& t : tried)
    j["tried"].push_back({{"table", t.table}, {"rule", t.rule}, {"clause", t.clause},
                          {"when", t.when}, {"result", t.result}});
  j["values"] = nlohmann::ordered_json::array();
  for (const auto& v : values) {
    nlohmann::ordered_json x = {{"name", v.name}, {"kind", v.kind}, {"value", v.value}};
    if (v.kind == "parameter") {
      x["effective_from"] = v.effective_from;
      x["source"] = v.source;
    }
    j["values"].push_back(std::move(x));
  }
  j["outputs"] = nlohmann::ordered_json::object();
  for (const auto& [k, v] : outputs) j["outputs"][k] = v;
  // Values of a Record (C++ or Python callers) are not checked for UTF-8:
  // replace bad bytes with U+FFFD instead of throwing json::type_error.
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace kcbx
