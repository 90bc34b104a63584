#include "expr/codegen.h"

#include <cstring>
#include <stdexcept>

namespace kcbx::detail {

namespace {
using K = TypeKind;

Cmp cmp_of(const std::string& op) {
  if (op == "=") return Cmp::kEq;
  if (op == "!=") return Cmp::kNe;
  if (op == "<") return Cmp::kLt;
  if (op == "<=") return Cmp::kLe;
  if (op == ">") return Cmp::kGt;
  return Cmp::kGe;
}
}  // namespace

int CodeGen::new_slot(TypeKind kind, bool nullable, SlotSource source,
                      bool persistent) {
  const int w = width_of(kind);
  if (source == SlotSource::kTemp && !persistent) {
    auto& list = free_[{w, nullable}];
    if (!list.empty()) {
      const int s = list.back();
      list.pop_back();
      p_.slots[static_cast<size_t>(s)].kind = kind;
      return s;
    }
  }
  SlotInfo info;
  info.kind = kind;
  info.width = w;
  info.nullable = nullable;
  info.source = source;
  info.persistent = persistent || source != SlotSource::kTemp;
  p_.slots.push_back(info);
  return static_cast<int>(p_.slots.size() - 1);
}

void CodeGen::release(int slot) {
  const SlotInfo& info = p_.slots[static_cast<size_t>(slot)];
  if (info.persistent) return;
  free_[{info.width, info.nullable}].push_back(slot);
}

int CodeGen::emit(const Expr& e) { return emit_into(e, p_.code, false); }

void CodeGen::forget_from(size_t pc) {
  for (auto it = calls_.begin(); it != calls_.end();)
    it = it->second.pc >= pc ? calls_.erase(it) : std::next(it);
}

namespace {
Cmp mirrored(Cmp c) {
  switch (c) {
    case Cmp::kLt: return Cmp::kGt;
    case Cmp::kLe: return Cmp::kGe;
    case Cmp::kGt: return Cmp::kLt;
    case Cmp::kGe: return Cmp::kLe;
    default: return c;
  }
}
}  // namespace

int CodeGen::emit_age_cutoff(const Expr& e, std::vector<Instr>& code) {
  // An age in whole years falls as the birth date rises, so `age >= k` holds
  // exactly for birth dates up to the latest one that is k years old on the
  // reference date: one date comparison per record instead of a calendar
  // split of every birth date. Seen through derived values (`age` is
  // `age_on(birth, age_reference_date)` in a pack).
  // A derived value with a constant expression (age_reference_date: as_of)
  // is a constant too, though its name is not marked so.
  auto constant = [&](const Expr* x) {
    for (int depth = 0; x && depth < 64; ++depth) {
      if (x->constant) return true;
      if (x->kind != ExprKind::kName || x->symbol != SymbolKind::kDerive || !derive_expr)
        return false;
      x = derive_expr(x->symbol_index);
    }
    return false;
  };
  auto age_call = [&](const Expr* x) -> const Expr* {
    for (int depth = 0; x && depth < 64; ++depth) {
      if (x->kind == ExprKind::kCall && x->text == "age_on" && x->args.size() == 2 &&
          constant(x->args[1].get()) && !constant(x->args[0].get()))
        return x;
      if (x->kind != ExprKind::kName || x->symbol != SymbolKind::kDerive || !derive_expr)
        return nullptr;
      x = derive_expr(x->symbol_index);
    }
    return nullptr;
  };
  const Expr* age = age_call(e.args[0].get());
  const Expr* k = e.args[1].get();
  Cmp c = cmp_of(e.text);
  if (!age || !constant(k) || k->type.kind != K::kInt) {
    age = age_call(e.args[1].get());
    k = e.args[0].get();
    c = mirrored(c);
    if (!age || !constant(k) || k->type.kind != K::kInt) return -1;
  }
  if (c == Cmp::kEq || c == Cmp::kNe) return -1;
  // age >= k  <=>  birth <= cutoff(k);   age > k   <=>  birth <= cutoff(k + 1)
  // age < k   <=>  birth >  cutoff(k);   age <= k  <=>  birth >  cutoff(k + 1)
  const uint32_t plus = c == Cmp::kGt || c == Cmp::kLe ? 1 : 0;
  const Cmp on_birth = c == Cmp::kGe || c == Cmp::kGt ? Cmp::kLe : Cmp::kGt;
  const int ref = emit_into(*age->args[1], code, false);  // constants: prelude
  const int years = emit_into(*k, code, false);
  const int cutoff = new_slot(K::kDate, age->args[1]->nullable || k->nullable,
                              SlotSource::kTemp, true);
  Instr cut{Op::kAgeCutoff, Cmp::kEq, cutoff, ref, years};
  cut.aux = plus;
  p_.prelude.push_back(cut);
  p_.prelude_slots.push_back(cutoff);
  const int birth = emit_into(*age->args[0], code, false);
  const int res = new_slot(K::kBool, e.nullable, SlotSource::kTemp, false);
  code.push_back({Op::kCmpD, on_birth, res, birth, cutoff});
  release(birth);
  return res;
}

int CodeGen::emit_persistent(const Expr& e) {
  const int s = emit(e);
  if (p_.slots[static_cast<size_t>(s)].persistent) return s;
  // Give the value a slot of its own so that later temps cannot reuse it.
  p_.slots[static_cast<size_t>(s)].persistent = true;
  return s;
}

int CodeGen::literal(const Expr& e) {
  const int s = new_slot(e.type.kind, e.is_null_literal, SlotSource::kConst, true);
  Program::Literal lit{s, 0, {}, e.is_null_literal};
  switch (e.type.kind) {
    case K::kNumber: std::memcpy(&lit.bits, &e.number_value, 8); break;
    case K::kDuration: std::memcpy(&lit.bits, &e.duration, 8); break;
    case K::kString: lit.text = e.string_value; break;
    default: lit.bits = e.int_value; break;
  }
  p_.literals.push_back(std::move(lit));
  p_.prelude_slots.push_back(s);
  return s;
}

int CodeGen::emit_into(const Expr& e, std::vector<Instr>& code,
                       bool in_prelude) {
  if (!in_prelude && e.constant && e.kind != ExprKind::kName) {
    const int s = emit_into(e, p_.prelude, true);
    if (e.kind != ExprKind::kLiteral) {
      p_.slots[static_cast<size_t>(s)].persistent = true;
      p_.prelude_slots.push_back(s);
    }
    return s;
  }
  auto sub = [&](const Expr& x) { return emit_into(x, code, in_prelude); };
  auto out_slot = [&]() {
    return new_slot(e.type.kind, e.nullable, SlotSource::kTemp, in_prelude);
  };
  auto to_number = [&](int s, const Expr& x) {
    if (x.type.kind == K::kNumber) return s;
    const int r = new_slot(K::kNumber, x.nullable, SlotSource::kTemp, in_prelude);
    code.push_back({Op::kIntToF, Cmp::kEq, r, s});
    release(s);
    return r;
  };
  auto simple = [&](Op op, std::initializer_list<const Expr*> args) {
    int in[3] = {-1, -1, -1};
    int k = 0;
    for (const Expr* a : args) in[k++] = sub(*a);
    const int r = out_slot();
    code.push_back({op, Cmp::kEq, r, in[0], in[1], in[2]});
    for (int s : in)
      if (s >= 0) release(s);
    return r;
  };
  // A function of stored values only: computed once (see calls_).
  auto call = [&](Op op, std::initializer_list<const Expr*> args) {
    int in[3] = {-1, -1, -1};
    int k = 0;
    bool stored = !in_prelude;
    for (const Expr* a : args) {
      in[k] = sub(*a);
      stored &= p_.slots[static_cast<size_t>(in[k])].persistent;
      ++k;
    }
    std::pair<std::string, std::vector<int>> key{e.text, {in[0], in[1], in[2]}};
    if (stored)
      if (auto it = calls_.find(key); it != calls_.end()) return it->second.slot;
    const size_t pc = code.size();
    const int r = new_slot(e.type.kind, e.nullable, SlotSource::kTemp, in_prelude || stored);
    code.push_back({op, Cmp::kEq, r, in[0], in[1], in[2]});
    for (int s : in)
      if (s >= 0) release(s);
    if (stored) calls_[key] = {r, pc};
    return r;
  };

  switch (e.kind) {
    case ExprKind::kLiteral:
      return literal(e);
    case ExprKind::kName:
      if (e.symbol == SymbolKind::kAsOf) {
        if (p_.as_of_slot < 0) {
          p_.as_of_slot = new_slot(K::kDate, false, SlotSource::kAsOf, true);
          p_.prelude_slots.push_back(p_.as_of_slot);
        }
        return p_.as_of_slot;
      }
      if (e.symbol == SymbolKind::kParam) return param_slot(e.symbol_index);
      return symbol_slot(e.symbol, e.symbol_index);
    case ExprKind::kUnary: {
      if (e.text == "not") return simple(Op::kNot, {e.args[0].get()});
      const K k = e.type.kind;
      return simple(k == K::kInt ? Op::kNegI : k == K::kNumber ? Op::kNegF : Op::kDurNeg,
                    {e.args[0].get()});
    }
    case ExprKind::kIf: {
      const Expr& a = *e.args[1];
      const Expr& b = *e.args[2];
      if (e.type.kind != K::kNumber || (a.type.kind == K::kNumber && b.type.kind == K::kNumber))
        return simple(Op::kSelect, {e.args[0].get(), &a, &b});
      // An int branch of a number `if`: kSelect copies bits, so convert first.
      const int c = sub(*e.args[0]);
      const int sa = to_number(sub(a), a);
      const int sb = to_number(sub(b), b);
      const int r = out_slot();
      code.push_back({Op::kSelect, Cmp::kEq, r, c, sa, sb});
      release(c);
      release(sa);
      release(sb);
      return r;
    }
    case ExprKind::kList:
      throw std::logic_error("list outside 'in'");
    case ExprKind::kBinary:
      break;
    case ExprKind::kCall: {
      const std::string& f = e.text;
      if (f == "is_null") return simple(Op::kIsNull, {e.args[0].get()});
      if (f == "coalesce" || f == "min" || f == "max") {
        const Op op = f == "coalesce" ? Op::kCoalesce : f == "min" ? Op::kMin : Op::kMax;
        int acc = sub(*e.args[0]);
        if (e.type.kind == K::kNumber) acc = to_number(acc, *e.args[0]);
        bool acc_nullable = e.args[0]->nullable;
        for (size_t i = 1; i < e.args.size(); ++i) {
          int b = sub(*e.args[i]);
          if (e.type.kind == K::kNumber) b = to_number(b, *e.args[i]);
          const bool last = i + 1 == e.args.size();
          acc_nullable = op == Op::kCoalesce ? (acc_nullable && e.args[i]->nullable)
                                             : (acc_nullable || e.args[i]->nullable);
          const int r = last ? out_slot()
                             : new_slot(e.type.kind, acc_nullable, SlotSource::kTemp, in_prelude);
          code.push_back({op, Cmp::kEq, r, acc, b});
          release(acc);
          release(b);
          acc = r;
        }
        return acc;
      }
      if (f == "contains") return simple(Op::kSetHas, {e.args[0].get(), e.args[1].get()});
      if (f == "count") return simple(Op::kSetCount, {e.args[0].get()});
      if (f == "set_minus") return simple(Op::kSetMinus, {e.args[0].get(), e.args[1].get()});
      if (f == "age_on") return call(Op::kAgeOn, {e.args[0].get(), e.args[1].get()});
      if (f == "add_months") return simple(Op::kAddMonths, {e.args[0].get(), e.args[1].get()});
      if (f == "add_days") return simple(Op::kAddDays, {e.args[0].get(), e.args[1].get()});
      if (f == "days_between") return simple(Op::kDateDiff, {e.args[1].get(), e.args[0].get()});
      if (f == "year") return simple(Op::kYear, {e.args[0].get()});
      if (f == "month") return simple(Op::kMonth, {e.args[0].get()});
      if (f == "day") return simple(Op::kDay, {e.args[0].get()});
      if (f == "weekday") return simple(Op::kWeekday, {e.args[0].get()});
      if (f == "school_days_between") return simple(Op::kSchoolDays, {e.args[0].get(), e.args[1].get()});
      if (f == "add_school_days") return simple(Op::kAddSchoolDays, {e.args[0].get(), e.args[1].get()});
      if (f == "latest_month_day")
        return call(Op::kLatestMonthDay, {e.args[0].get(), e.args[1].get(), e.args[2].get()});
      if (f == "id_birth_date") return call(Op::kIdBirthDate, {e.args[0].get()});
      if (f == "substr") return call(Op::kSubstr, {e.args[0].get(), e.args[1].get(), e.args[2].get()});
      if (f == "length") return call(Op::kLength, {e.args[0].get()});
      throw std::logic_error("no code for function " + f);
    }
  }

  // Binary operators.
  const std::string& op = e.text;
  const Expr& l = *e.args[0];
  const Expr& r = *e.args[1];
  if (op == "and") return simple(Op::kAnd, {&l, &r});
  if (op == "or") return simple(Op::kOr, {&l, &r});
  if (op == "in" || op == "notin") {
    int res;
    if (r.kind != ExprKind::kList) {
      const int set = sub(r), val = sub(l);
      res = new_slot(K::kBool, e.nullable, SlotSource::kTemp, in_prelude);
      code.push_back({Op::kSetHas, Cmp::kEq, res, set, val});
      release(set);
      release(val);
    } else {
      bool all_literal = true;
      for (const auto& item : r.args) all_literal &= item->kind == ExprKind::kLiteral;
      const int val = sub(l);
      res = new_slot(K::kBool, e.nullable, SlotSource::kTemp, in_prelude);
      if (all_literal && l.type.kind == K::kEnum) {
        Instr in{Op::kInMask, Cmp::kEq, res, val};
        for (const auto& item : r.args) in.mask |= uint64_t{1} << (item->int_value & 63);
        code.push_back(in);
      } else if (all_literal) {
        ConstList list;
        Op lop = Op::kInListI;
        for (const auto& item : r.args) {
          switch (l.type.kind) {
            case K::kNumber:
              lop = Op::kInListF;
              list.numbers.push_back(item->type.kind == K::kNumber
                                         ? item->number_value
                                         : static_cast<double>(item->int_value));
              break;
            case K::kString:
              lop = Op::kInListS;
              list.strings.push_back(item->string_value);
              break;
            case K::kDate:
              lop = Op::kInListD;
              list.ints.push_back(item->int_value);
              break;
            default:
              // int compared with a number literal never matches unless whole
              if (item->type.kind == K::kNumber) {
                if (item->number_value == static_cast<double>(static_cast<int64_t>(item->number_value)))
                  list.ints.push_back(static_cast<int64_t>(item->number_value));
              } else {
                list.ints.push_back(item->int_value);
              }
          }
        }
        p_.lists.push_back(std::move(list));
        Instr in{lop, Cmp::kEq, res, val};
        in.list = static_cast<int>(p_.lists.size() - 1);
        code.push_back(in);
      } else {
        // Items that are parameters: an OR of equalities.
        int acc = -1;
        for (const auto& item : r.args) {
          int a = val, b = sub(*item);
          Op cop = Op::kCmpD;
          if (l.type.kind == K::kNumber || item->type.kind == K::kNumber) {
            if (l.type.kind != K::kNumber) {
              const int t = new_slot(K::kNumber, l.nullable, SlotSource::kTemp, in_prelude);
              code.push_back({Op::kIntToF, Cmp::kEq, t, val});
              a = t;
            }
            b = to_number(b, *item);
            cop = Op::kCmpF;
          } else if (l.type.kind == K::kInt) {
            cop = Op::kCmpI;
          } else if (l.type.kind == K::kString) {
            cop = Op::kCmpS;
          }
          const int c = new_slot(K::kBool, e.nullable, SlotSource::kTemp, in_prelude);
          code.push_back({cop, Cmp::kEq, c, a, b});
          if (a != val) release(a);
          release(b);
          if (acc < 0) {
            acc = c;
          } else {
            const int o = new_slot(K::kBool, e.nullable, SlotSource::kTemp, in_prelude);
            code.push_back({Op::kOr, Cmp::kEq, o, acc, c});
            release(acc);
            release(c);
            acc = o;
          }
        }
        code.push_back({Op::kCoalesce, Cmp::kEq, res, acc, acc});
        release(acc);
      }
      release(val);
    }
    if (op == "notin") {
      const int n = new_slot(K::kBool, e.nullable, SlotSource::kTemp, in_prelude);
      code.push_back({Op::kNot, Cmp::kEq, n, res});
      release(res);
      return n;
    }
    return res;
  }

  if (!in_prelude && (op == "<" || op == "<=" || op == ">" || op == ">="))
    if (const int folded = emit_age_cutoff(e, code); folded >= 0) return folded;

  const K a = l.type.kind, b = r.type.kind;
  const bool numeric = (a == K::kInt || a == K::kNumber) && (b == K::kInt || b == K::kNumber);
  const bool floating = numeric && (a == K::kNumber || b == K::kNumber);
  int sl = sub(l), sr = sub(r);
  if (floating || op == "/") {
    if (numeric) {
      sl = to_number(sl, l);
      sr = to_number(sr, r);
    }
  }
  const int res = out_slot();
  Instr in{Op::kAddI, Cmp::kEq, res, sl, sr};
  if (op == "=" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=") {
    in.cmp = cmp_of(op);
    if (floating) in.op = Op::kCmpF;
    else if (a == K::kInt) in.op = Op::kCmpI;
    else if (a == K::kBool) in.op = Op::kCmpB;
    else if (a == K::kString) in.op = Op::kCmpS;
    else in.op = Op::kCmpD;  // date, enum
  } else if (op == "+") {
    if (a == K::kDate) in.op = Op::kDateAddDur;
    else if (a == K::kDuration) in.op = Op::kDurAdd;
    else in.op = floating ? Op::kAddF : Op::kAddI;
  } else if (op == "-") {
    if (a == K::kDate && b == K::kDuration) in.op = Op::kDateSubDur;
    else if (a == K::kDate) in.op = Op::kDateDiff;
    else if (a == K::kDuration) in.op = Op::kDurSub;
    else in.op = floating ? Op::kSubF : Op::kSubI;
  } else if (op == "*") {
    in.op = floating ? Op::kMulF : Op::kMulI;
  } else if (op == "/") {
    in.op = Op::kDivF;
  } else {
    throw std::logic_error("no code for operator " + op);
  }
  code.push_back(in);
  release(sl);
  release(sr);
  return res;
}

}  // namespace kcbx::detail
