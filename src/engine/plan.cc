#include "engine/plan.h"

#include <algorithm>
#include <cstring>
#include <iterator>

#include "expr/codegen.h"

namespace kcbx::detail {

namespace {

// Lays out one program for the whole pack: field slots, then derived values
// and tables in dependency order, then checks and outputs.
// The names read by a program's roots other than tables: the outputs, the
// checks, and with `extras` the ledger/indicator flags and the workflow.
std::vector<std::string> root_reads(const CheckedPack& cp, bool outputs, bool checks,
                                    bool extras) {
  std::vector<std::string> todo;
  if (outputs)
    for (const auto& o : cp.pack->outputs) todo.push_back(o.value);
  if (checks)
    for (const auto& c : cp.checks)
      if (c) collect_reads(*c, todo);
  if (extras) {
    for (const auto& f : cp.flags)
      if (f) collect_reads(*f, todo);
    if (cp.workflow.opens_when) collect_reads(*cp.workflow.opens_when, todo);
    if (cp.workflow.opened_on) collect_reads(*cp.workflow.opened_on, todo);
  }
  return todo;
}

// The derived values `names` read, directly or through other derived values
// (not through tables), and whether a table is among what they read.
struct DeriveReach {
  std::vector<bool> derives;
  bool reads_table = false;
};
DeriveReach reach_through_derives(const CheckedPack& cp, std::vector<std::string> todo) {
  DeriveReach reach{std::vector<bool>(cp.pack->derives.size(), false)};
  while (!todo.empty()) {
    const std::string name = std::move(todo.back());
    todo.pop_back();
    reach.reads_table = reach.reads_table || cp.table_index(name) >= 0;
    const int d = cp.derive_index(name);
    if (d < 0 || reach.derives[static_cast<size_t>(d)]) continue;
    reach.derives[static_cast<size_t>(d)] = true;
    for (const auto& r : cp.derive_reads[static_cast<size_t>(d)]) todo.push_back(r);
  }
  return reach;
}

// Which derived values and tables a program needs: the roots (the tables
// asked for, and root_reads) and everything they read. Nothing else is
// computed.
std::vector<bool> needed_items(const CheckedPack& cp, bool all_tables, bool extras,
                               bool outputs, std::vector<bool>& tables) {
  const Pack& pack = *cp.pack;
  std::vector<bool> derives(pack.derives.size(), false);
  tables.assign(pack.tables.size(), false);
  std::vector<std::string> todo = root_reads(cp, outputs, true, extras);
  for (size_t t = 0; t < pack.tables.size(); ++t)
    if (all_tables || t == 0) todo.push_back(pack.tables[t].name.value);
  while (!todo.empty()) {
    const std::string name = std::move(todo.back());
    todo.pop_back();
    if (int d = cp.derive_index(name); d >= 0 && !derives[static_cast<size_t>(d)]) {
      derives[static_cast<size_t>(d)] = true;
      for (const auto& r : cp.derive_reads[static_cast<size_t>(d)]) todo.push_back(r);
    } else if (int t = cp.table_index(name); t >= 0 && !tables[static_cast<size_t>(t)]) {
      tables[static_cast<size_t>(t)] = true;
      for (const auto& rows : cp.row_reads[static_cast<size_t>(t)])
        for (const auto& r : rows) todo.push_back(r);
    }
  }
  return derives;
}

CompiledProgram build(const CheckedPack& cp, bool trace, bool extras, bool all_tables,
                      bool outputs) {
  const Pack& pack = *cp.pack;
  CompiledProgram out;
  out.program.school_days = cp.school_days;
  CodeGen gen(out.program);
  for (size_t f = 0; f < pack.fields.size(); ++f) {
    const FieldInfo& info = cp.fields[f];
    const int s = gen.new_slot(info.type.kind, info.nullable, SlotSource::kField, true);
    out.program.slots[static_cast<size_t>(s)].field = static_cast<int>(f);
    out.field_slots.push_back(s);
  }
  out.param_slots.assign(pack.params.size(), -1);
  out.derive_slots.assign(pack.derives.size(), -1);
  out.tables.resize(pack.tables.size());
  gen.param_slot = [&](int p) {
    int& s = out.param_slots[static_cast<size_t>(p)];
    if (s < 0) {
      s = gen.new_slot(pack.params[static_cast<size_t>(p)].type, false, SlotSource::kConst, true);
      out.program.params.emplace_back(s, p);
      out.program.prelude_slots.push_back(s);
    }
    return s;
  };
  // Where each derived value's code starts (lazy emission, below).
  std::vector<size_t> derive_at(pack.derives.size(), 0);
  auto emit_derive = [&](int d) {
    const size_t ix = static_cast<size_t>(d);
    derive_at[ix] = out.program.code.size();
    out.derive_slots[ix] = gen.emit_persistent(*cp.derives[ix]);
    return out.derive_slots[ix];
  };
  gen.symbol_slot = [&](SymbolKind kind, int index) {
    switch (kind) {
      case SymbolKind::kField: return out.field_slots[static_cast<size_t>(index)];
      case SymbolKind::kDerive: {
        // Batch programs compute a derived value where it is first read, so
        // that one read only by the later rows of a first-hit table runs on
        // the records still unmatched there, not on the whole batch.
        const int s = out.derive_slots[static_cast<size_t>(index)];
        return s >= 0 ? s : emit_derive(index);
      }
      case SymbolKind::kTable: return out.tables[static_cast<size_t>(index)].out;
      default: return -1;
    }
  };
  gen.derive_expr = [&](int d) { return cp.derives[static_cast<size_t>(d)].get(); };

  std::vector<bool> tables_needed;
  const std::vector<bool> derives_needed =
      needed_items(cp, all_tables, extras, outputs || trace, tables_needed);

  // One instruction `op` into `slot` per condition, with its index (checks
  // into the reject column, flags into the flag bits).
  auto emit_each = [&](Op op, int slot, const std::vector<ExprPtr>& conditions) {
    for (size_t c = 0; c < conditions.size(); ++c) {
      if (!conditions[c]) continue;
      const int cond = gen.emit(*conditions[c]);
      Instr in{op, Cmp::kEq, slot, cond};
      in.aux = static_cast<uint32_t>(c);
      gen.append(in);
      gen.release(cond);
    }
  };
  out.reject_slot = gen.new_slot(TypeKind::kEnum, false, SlotSource::kTemp, true);
  auto emit_checks = [&]() {
    gen.append({Op::kFill, Cmp::kEq, out.reject_slot, -1, -1, -1, 0, ~uint64_t{0}});
    emit_each(Op::kCheck, out.reject_slot, cp.checks);
  };
  // Checks run on every record, so they go first when they can: what they
  // compute (the birth date, say) is then there for the tables' rows on the
  // whole batch. A check that reads a table waits for it.
  const bool checks_first =
      !trace && !reach_through_derives(cp, root_reads(cp, false, true, false)).reads_table;
  if (checks_first) emit_checks();
  // Derived values read after the tables (outputs, flags, the workflow, late
  // checks) are computed in order, before the tables, on every record; the
  // others where a table row first reads them.
  std::vector<bool> eager =
      reach_through_derives(cp, root_reads(cp, outputs, !checks_first, extras)).derives;
  if (trace) eager.assign(eager.size(), true);  // explain keeps every value, in order

  for (const Item& item : cp.order) {
    const size_t ix = static_cast<size_t>(item.index);
    if (item.kind == Item::kDerive ? !derives_needed[ix] : !tables_needed[ix]) continue;
    if (item.kind == Item::kDerive) {
      if (eager[ix] && out.derive_slots[ix] < 0) emit_derive(item.index);
      continue;
    }
    const TableDef& def = pack.tables[static_cast<size_t>(item.index)];
    TableSlots& ts = out.tables[static_cast<size_t>(item.index)];
    ts.policy = def.hit_policy;
    const bool collect = def.hit_policy == HitPolicy::kCollect;
    const TypeKind kind = collect ? TypeKind::kSet : TypeKind::kEnum;
    ts.out = gen.new_slot(kind, !collect && !cp.table_total[static_cast<size_t>(item.index)],
                          SlotSource::kTemp, true);
    ts.rows = gen.new_slot(collect ? TypeKind::kSet : TypeKind::kEnum, false, SlotSource::kTemp, true);
    out.program.slots[static_cast<size_t>(ts.out)].kind = kind;
    gen.append({Op::kFill, Cmp::kEq, ts.out, -1, -1, -1, 0, collect ? 0 : ~uint64_t{0}});
    gen.append({Op::kFill, Cmp::kEq, ts.rows, -1, -1, -1, 0, collect ? 0 : ~uint64_t{0}});
    const auto& rows = cp.rows[static_cast<size_t>(item.index)];
    const auto& codes = cp.row_outputs[static_cast<size_t>(item.index)];
    // Every table-first row ends with a skip: once all records of the batch
    // have matched, the remaining rows are not evaluated at all.
    const int counter = out.program.counters++;
    std::vector<size_t> skips;
    // Later rows of a first-hit table may run on the unmatched records only
    // (kCompact, decided per batch at run time); kExpand closes the region.
    const bool compactable = !trace && def.hit_policy == HitPolicy::kFirst && rows.size() > 2;
    const uint32_t compaction = static_cast<uint32_t>(item.index);  // the group: one table
    size_t region_start = 0;
    int always = -1;
    for (size_t r = 0; r < rows.size(); ++r) {
      int cond;
      if (rows[r]) {
        cond = trace ? gen.emit_persistent(*rows[r]) : gen.emit(*rows[r]);
      } else {
        if (always < 0) {
          Expr t;
          t.type = {TypeKind::kBool, -1};
          t.int_value = 1;
          t.constant = true;
          always = gen.emit(t);
        }
        cond = always;
      }
      if (trace) ts.conditions.push_back(rows[r] ? cond : -1);
      Instr in{collect ? Op::kTableCollect
                       : def.hit_policy == HitPolicy::kUnique ? Op::kTableUnique : Op::kTableFirst,
               Cmp::kEq, ts.out, cond, ts.rows, counter};
      in.aux = static_cast<uint32_t>(r);
      in.mask = static_cast<uint64_t>(static_cast<uint32_t>(codes[r]));
      gen.append(in);
      if (!trace) gen.release(cond);
      if (!trace && def.hit_policy == HitPolicy::kFirst && r + 1 < rows.size()) {
        skips.push_back(out.program.code.size());
        gen.append({Op::kSkipIfDone, Cmp::kEq, -1, -1, -1, counter});
        if (compactable) {
          if (region_start == 0) region_start = out.program.code.size();
          Instr c{Op::kCompact};
          c.aux = compaction;
          gen.append(c);
        }
      }
    }
    for (size_t s : skips) out.program.code[s].aux = static_cast<uint32_t>(out.program.code.size());
    if (!skips.empty()) {
      // Values first computed after the first skip may not have been
      // computed at all (every record matched before), or only on the
      // compacted records: whatever reads them later computes them again.
      const size_t from = skips.front();
      for (size_t d = 0; d < derive_at.size(); ++d)
        if (out.derive_slots[d] >= 0 && derive_at[d] >= from) out.derive_slots[d] = -1;
      gen.forget_from(from);
    }
    if (compactable) {
      // One compaction per point where the records may be gathered (after
      // each row), gathering what is live there: the slots read at or
      // after it before being written (fields, derived values, the table's
      // columns). A value first computed later in the region is computed on
      // the gathered records only, and is not gathered at all. Constants
      // are the same in every record.
      Program& p = out.program;
      std::vector<bool> prelude(p.slots.size(), false);
      for (int s : p.prelude_slots) prelude[static_cast<size_t>(s)] = true;
      std::vector<bool> live(p.slots.size(), false);
      auto read = [&](int s) {
        if (s >= 0 && !prelude[static_cast<size_t>(s)]) live[static_cast<size_t>(s)] = true;
      };
      for (size_t pc = p.code.size(); pc-- > region_start;) {
        Instr& in = p.code[pc];
        switch (in.op) {
          case Op::kSkipIfDone:
            break;
          case Op::kCompact: {
            Program::Compaction k;
            k.rows = ts.rows;
            k.counter = counter;
            k.group = compaction;
            k.scatter = {ts.out, ts.rows};
            for (size_t s = 0; s < live.size(); ++s)
              if (live[s]) k.gather.push_back(static_cast<int>(s));
            in.aux = static_cast<uint32_t>(p.compactions.size());
            p.compactions.push_back(std::move(k));
            break;
          }
          case Op::kTableFirst:  // reads and updates its result and rows
            read(in.a);
            read(in.b);
            read(in.out);
            break;
          default:
            if (in.out >= 0) live[static_cast<size_t>(in.out)] = false;
            read(in.a);
            read(in.b);
            read(in.c);
        }
      }
      Instr e{Op::kExpand};
      e.aux = compaction;
      gen.append(e);
    }
  }

  if (!checks_first) emit_checks();

  if (extras && !cp.flags.empty()) {
    out.flags_slot = gen.new_slot(TypeKind::kSet, false, SlotSource::kTemp, true);
    gen.append({Op::kFill, Cmp::kEq, out.flags_slot, -1, -1, -1, 0, 0});
    emit_each(Op::kSetBit, out.flags_slot, cp.flags);
  }
  if (extras && cp.workflow.present && cp.workflow.opens_when) {
    out.case_open_slot = gen.emit_persistent(*cp.workflow.opens_when);
    if (cp.workflow.opened_on) out.case_opened_slot = gen.emit_persistent(*cp.workflow.opened_on);
  }

  if (!outputs) return out;
  for (const auto& o : pack.outputs) {
    int slot = -1;
    Type type;
    if (int d = cp.derive_index(o.value); d >= 0) {
      slot = out.derive_slots[static_cast<size_t>(d)];
      if (slot < 0) slot = emit_derive(d);
      type = cp.derive_types[static_cast<size_t>(d)];
    } else if (int f = cp.field_index(o.value); f >= 0) {
      slot = out.field_slots[static_cast<size_t>(f)];
      type = cp.fields[static_cast<size_t>(f)].type;
    } else if (int t = cp.table_index(o.value); t >= 0) {
      slot = out.tables[static_cast<size_t>(t)].out;
      type = out.program.slots[static_cast<size_t>(slot)].kind == TypeKind::kSet
                 ? Type{TypeKind::kSet, -1}
                 : Type{TypeKind::kEnum, -1};
      const TableDef& def = pack.tables[static_cast<size_t>(t)];
      type.domain = def.domain;
      if (type.domain < 0)
        for (const auto& f2 : pack.fields)
          if (f2.name.value == def.values_from.value) type.domain = f2.domain;
    }
    out.output_slots.push_back(slot);
    out.output_types.push_back(type);
  }
  return out;
}

// The fields a program reads: in its code, or copied out as outputs.
// Whether an instruction's `c` names a slot: the decision-table
// instructions keep a counter's index there. (Counters 0 and 1 had marked
// the first two fields as read, and so kept the names of a million
// students for nothing.)
bool c_is_slot(Op op) {
  switch (op) {
    case Op::kTableFirst: case Op::kTableUnique: case Op::kTableCollect: case Op::kSkipIfDone:
      return false;
    default:
      return true;
  }
}

void note_fields_read(CompiledProgram& out) {
  for (size_t f = 0; f < out.field_slots.size(); ++f) {
    const int slot = out.field_slots[f];
    bool read = std::find(out.output_slots.begin(), out.output_slots.end(), slot) !=
                out.output_slots.end();
    for (const Instr& in : out.program.code)
      read = read || in.a == slot || in.b == slot || (in.c == slot && c_is_slot(in.op));
    if (read) out.fields_read.push_back(static_cast<int>(f));
  }
}

}  // namespace

std::shared_ptr<const Plan> compile_plan(std::shared_ptr<const CheckedPack> pack) {
  auto plan = std::make_shared<Plan>();
  plan->full = build(*pack, false, true, true, true);
  plan->tables = build(*pack, false, false, true, true);
  plan->tables_only = build(*pack, false, false, true, false);
  plan->fast = build(*pack, false, false, false, true);
  plan->status = build(*pack, false, false, false, false);
  plan->trace = build(*pack, true, true, true, true);
  for (CompiledProgram* p : {&plan->full, &plan->tables, &plan->tables_only, &plan->fast, &plan->status, &plan->trace})
    note_fields_read(*p);
  plan->pack = std::move(pack);
  return plan;
}

void bind_constants(const CompiledProgram& cp, const CheckedPack& pack,
                    Date as_of, Frame& frame) {
  const Program& p = cp.program;
  for (const auto& lit : p.literals) {
    if (lit.null)
      frame.set_scalar_null(lit.slot);
    else if (p.slots[static_cast<size_t>(lit.slot)].kind == TypeKind::kString)
      frame.set_scalar_string(lit.slot, lit.text);
    else
      frame.set_scalar_bits(lit.slot, lit.bits);
  }
  if (p.as_of_slot >= 0) frame.set_scalar_bits(p.as_of_slot, as_of.days());
  std::vector<Diagnostic> missing;
  for (const auto& [slot, param] : p.params) {
    const ParamPeriod* period = pack.param_on(param, as_of);
    if (!period) {
      const ParamDef& def = pack.pack->params[static_cast<size_t>(param)];
      // Pointed at the earliest value, the one an author would move back:
      // where the history was written (an extension's override, not the
      // base's line).
      const ParamValueDef* first = nullptr;
      for (const auto& v : def.values)
        if (v.from && (!first || *v.from < *first->from)) first = &v;
      Diagnostic d{Severity::kError, def.where, "no-value-on-date",
                   "parameter '" + def.name.value + "' has no value in force on " + as_of.format()};
      if (first && first->where.line > 0) {
        d.where = first->where;
        d.message += "; its earliest value applies from " + first->from->format();
      }
      missing.push_back(std::move(d));
      continue;
    }
    if (period->value.kind == TypeKind::kString)
      frame.set_scalar_string(slot, period->value.text);
    else
      frame.set_scalar_bits(slot, period->value.bits);
  }
  if (!missing.empty()) throw Error(std::move(missing));
  frame.run_prelude();
}

std::string_view StringArena::keep(std::string_view s) {
  if (s.empty()) return {};
  constexpr size_t kFirstBlock = size_t{64} << 10, kLastBlock = size_t{4} << 20;
  constexpr size_t kBig = kFirstBlock / 4;
  total_ += s.size();
  if (s.size() > kBig) {
    big_.emplace_back(new char[s.size()]);
    std::memcpy(big_.back().get(), s.data(), s.size());
    return {big_.back().get(), s.size()};
  }
  if (blocks_.empty() || used_ + s.size() > blocks_.back().size()) {
    const size_t size = blocks_.empty() ? kFirstBlock : std::min(kLastBlock, 2 * blocks_.back().size());
    blocks_.emplace_back();
    resize_uninitialized(blocks_.back(), size);
    used_ = 0;
  }
  char* dst = blocks_.back().data() + used_;
  std::memcpy(dst, s.data(), s.size());
  used_ += s.size();
  return {dst, s.size()};
}

void StringArena::adopt(StringArena&& other) {
  total_ += other.total_;
  std::move(other.big_.begin(), other.big_.end(), std::back_inserter(big_));
  // keep() goes on filling this arena's last block, so other's go before
  // it; with none of its own, other's last becomes the one filled.
  if (blocks_.empty()) used_ = other.used_;
  blocks_.insert(blocks_.empty() ? blocks_.end() : blocks_.end() - 1,
                 std::make_move_iterator(other.blocks_.begin()), std::make_move_iterator(other.blocks_.end()));
  other.blocks_.clear();
  other.big_.clear();
  other.used_ = other.total_ = 0;
}

void append_rows(BatchData& into, Batch&& piece, size_t expected_rows) {
  const BatchData& p = piece.data();
  if (p.rows == 0) return;
  if (into.columns.empty()) {  // the first piece: its fields' layout
    into.pack = p.pack;
    into.columns.resize(p.columns.size());
    into.row_numbers.reserve(expected_rows);
    for (size_t f = 0; f < p.columns.size(); ++f) {
      ColumnData& col = into.columns[f];
      col.type = p.columns[f].type;
      col.width = p.columns[f].width;
      col.kept = p.columns[f].kept;
      if (!col.kept) continue;
      col.bytes.reserve(expected_rows * static_cast<size_t>(col.width));
      if (!p.columns[f].birth_days.empty()) col.birth_days.reserve(expected_rows);
    }
  }
  const size_t before = into.rows;
  for (size_t f = 0; f < p.columns.size(); ++f) {
    ColumnData& a = into.columns[f];
    const ColumnData& b = p.columns[f];
    if (!a.kept) continue;
    a.bytes.insert(a.bytes.end(), b.bytes.begin(), b.bytes.end());
    if (!a.valid.empty() || !b.valid.empty()) {
      if (a.valid.empty()) a.valid.assign(before, 1);
      if (b.valid.empty()) a.valid.insert(a.valid.end(), p.rows, 1);
      else a.valid.insert(a.valid.end(), b.valid.begin(), b.valid.end());
    }
    if ((before == 0 || !a.birth_days.empty()) && !b.birth_days.empty())
      a.birth_days.insert(a.birth_days.end(), b.birth_days.begin(), b.birth_days.end());
    else
      RawVector<int32_t>().swap(a.birth_days);  // the rules parse the numbers
  }
  into.row_numbers.insert(into.row_numbers.end(), p.row_numbers.begin(), p.row_numbers.end());
  into.rows += p.rows;
  into.strings->adopt(std::move(*p.strings));
}

Batch without_rows(const Batch& batch, const std::vector<uint8_t>& drop) {
  const BatchData& from = batch.data();
  auto out = std::make_shared<BatchData>();
  out->pack = from.pack;
  out->strings = from.strings;  // the views stay valid: the arena is shared
  out->columns.resize(from.columns.size());
  for (size_t f = 0; f < from.columns.size(); ++f) {
    const ColumnData& a = from.columns[f];
    ColumnData& b = out->columns[f];
    b.type = a.type;
    b.width = a.width;
    b.kept = a.kept;
  }
  for (size_t i = 0; i < from.rows; ++i) {
    if (i < drop.size() && drop[i]) continue;
    for (size_t f = 0; f < from.columns.size(); ++f) {
      const ColumnData& a = from.columns[f];
      ColumnData& b = out->columns[f];
      if (!a.kept) continue;
      const auto* cell = a.bytes.data() + i * static_cast<size_t>(a.width);
      b.bytes.insert(b.bytes.end(), cell, cell + a.width);
      if (!a.valid.empty()) b.valid.push_back(a.valid[i]);
      if (!a.birth_days.empty()) b.birth_days.push_back(a.birth_days[i]);
    }
    out->row_numbers.push_back(from.row_numbers[i]);
    ++out->rows;
  }
  return Batch(std::move(out));
}

void shrink_to_fit(BatchData& data) {
  data.row_numbers.shrink_to_fit();
  for (ColumnData& col : data.columns) {
    col.bytes.shrink_to_fit();
    col.valid.shrink_to_fit();
    col.birth_days.shrink_to_fit();
  }
}

}  // namespace kcbx::detail
