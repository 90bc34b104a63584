// Overlap search for unique tables: compiles the table's row conditions with
// the names they read as free inputs, enumerates candidate inputs built from
// the constants the conditions compare them with, and runs the batch VM over
// them (see overlap.h for the bounds).
#include "pack/overlap.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <map>
#include <set>
#include <string>

#include "expr/codegen.h"
#include "expr/program.h"
#include "pack/checked_pack.h"

namespace kcbx::detail {

namespace {

constexpr size_t kMaxCombos = 65536;     // per table or row pair
constexpr size_t kBudget = size_t{1} << 20;  // candidate records per table
constexpr size_t kChunk = 1024;
constexpr size_t kMaxReports = 10;       // per table
constexpr size_t kMaxDomain = 32;
constexpr double kReachBudget = double(size_t{1} << 24);  // records x rows per table, reachability
constexpr size_t kMaxDates = 8;

struct Value {
  bool null = false;
  int64_t bits = 0;
  std::string text;
};

struct Var {
  SymbolKind kind = SymbolKind::kNone;
  int index = -1;
  Type type;
  bool nullable = false;
  std::string name;
  int slot = -1;
  std::vector<std::pair<int, Type>> constants;  // probe slots and their types
  std::vector<Value> domain;
};

bool is_var(const Expr& e) {
  return e.kind == ExprKind::kName &&
         (e.symbol == SymbolKind::kField || e.symbol == SymbolKind::kDerive ||
          e.symbol == SymbolKind::kTable);
}

uint64_t mix(uint64_t x) {  // splitmix64
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

class TableSearch {
 public:
  TableSearch(const CheckedPack& cp, int table, std::vector<Diagnostic>& diags)
      : cp_(cp), pack_(*cp.pack), t_(table), def_(pack_.tables[static_cast<size_t>(table)]),
        diags_(diags), gen_(prog_) {
    prog_.school_days = cp.school_days;
  }

  void run() {
    const auto& conds = cp_.rows[static_cast<size_t>(t_)];
    if (conds.size() < 2) return;
    compile();
    for (const Date& d : dates()) {
      if (!build_domains(d)) continue;
      search(d);
      if (reported_ >= kMaxReports) break;
    }
  }

  // A row no record can reach is warned of: its condition is never true,
  // or (first-hit tables) every record it matches an earlier row matches
  // first. Only where the search is exhaustive: every name the rows
  // read is compared directly with constants (so the candidate values stand
  // for every case), no candidate list was cut, every combination fits the
  // bound, and every date a parameter changes on is tried. Derived values
  // are free, which can only make a row look reachable, never the reverse.
  void run_reachability() {
    const auto& conds = cp_.rows[static_cast<size_t>(t_)];
    if (conds.empty()) return;
    for (const auto& c : conds)
      if (c && !exact(*c)) return;
    compile();
    // A row reading as_of is true on some evaluation dates only; the search
    // tries the dates parameters change on, not every date a user may give.
    for (size_t r = 0; r < conds.size(); ++r)
      if (row_as_of_[r]) return;
    const std::vector<Date> days = dates();
    if (dates_cut_) return;
    const size_t n = conds.size();
    // Unique and collect tables: every row that can be true is reached.
    const bool first = def_.hit_policy == HitPolicy::kFirst;
    std::vector<bool> reached(n, false), ever_true(n, false), unknown(n, false);
    // covers[r][e]: earlier row e matched every record row r matched so far.
    std::vector<std::vector<bool>> covers(n);
    for (size_t r = 0; r < n; ++r) covers[r].assign(r, true);
    double spent = 0;  // records times rows run
    for (const Date& d : days) {
      if (!build_domains(d)) return;
      if (domain_cut_) return;
      Frame frame(prog_, kChunk);
      if (!bind(frame, d)) return;
      for (size_t r = 0; r < n; ++r) {
        if (!conds[r] || reached[r] || unknown[r]) continue;
        std::set<size_t> vs;
        for (size_t e = first ? 0 : r; e <= r; ++e) vs.insert(row_vars_[e].begin(), row_vars_[e].end());
        double total = 1;
        for (size_t v : vs) total *= static_cast<double>(vars_[v].domain.size());
        // Each record runs every row: a table of thousands of rows, or
        // rows of many names, stops being judged at the budget.
        const double cost = total * static_cast<double>(n);
        if (total > static_cast<double>(kMaxCombos) || spent + cost > kReachBudget) {
          unknown[r] = true;
          continue;
        }
        spent += cost;
        each_record(std::vector<size_t>(vs.begin(), vs.end()), static_cast<size_t>(total), false, frame,
                    [&](size_t i, const std::vector<size_t>&) {
                      if (!hit(frame, r, i)) return;
                      ever_true[r] = true;
                      bool earlier = false;
                      for (size_t e = 0; first && e < r; ++e) {
                        const bool h = hit(frame, e, i);
                        earlier = earlier || h;
                        if (!h) covers[r][e] = false;
                      }
                      if (!earlier) reached[r] = true;
                      if (!first) covers[r].assign(r, false);
                    });
      }
    }
    for (size_t r = 0; r < n; ++r) {
      if (!conds[r] || reached[r] || unknown[r]) continue;
      const RowDef& row = def_.rows[r];
      int cover = -1;  // the nearest earlier row that alone matches all its records
      for (size_t e = 0; e < r; ++e)
        if (covers[r][e]) cover = static_cast<int>(e);
      std::string why = !ever_true[r] ? "its condition is never true"
                        : cover >= 0  ? "row '" + def_.rows[static_cast<size_t>(cover)].id.value +
                                           "' before it matches every record it matches"
                                      : "the rows before it match every record it matches";
      diags_.push_back({Severity::kWarning, row.where, "row-never-matches",
                        "row '" + row.id.value + "' of table '" + def_.name.value + "' can never match: " + why});
    }
  }

 private:
  void compile() {
    const auto& conds = cp_.rows[static_cast<size_t>(t_)];
    gen_.symbol_slot = [this](SymbolKind kind, int index) { return var_for(kind, index).slot; };
    gen_.param_slot = [this](int p) {
      auto it = param_slots_.find(p);
      if (it != param_slots_.end()) return it->second;
      const int s = gen_.new_slot(pack_.params[static_cast<size_t>(p)].type, false,
                                  SlotSource::kConst, true);
      prog_.params.emplace_back(s, p);
      prog_.prelude_slots.push_back(s);
      params_read_.insert(p);
      return param_slots_[p] = s;
    };
    row_vars_.resize(conds.size());
    row_as_of_.assign(conds.size(), false);
    for (size_t r = 0; r < conds.size(); ++r) {
      if (!conds[r]) {
        cond_slots_.push_back(-1);
        continue;
      }
      current_row_ = r;
      collect(*conds[r]);
      cond_slots_.push_back(gen_.emit_persistent(*conds[r]));
    }
  }

  // Whether every name `e` reads is a bool tested as such or compared
  // directly with a constant (=, !=, <, in, contains, is_null), so that the
  // candidate values (the constants, either side and between) stand for
  // every record. A name inside arithmetic or a function, or compared with
  // another name, may take a value between the candidates.
  static bool exact(const Expr& e) {
    if (e.constant) return true;
    // The candidates stand for every value under = and != for these kinds,
    // and under < and > for numbers and dates only (a duration has one
    // candidate; sets and texts have no order here).
    auto var_vs_constant = [](const Expr& v, const Expr& c, bool ordered) {
      if (!is_var(v) || !c.constant) return false;
      const TypeKind k = v.type.kind;
      const bool numeric = k == TypeKind::kInt || k == TypeKind::kNumber || k == TypeKind::kDate;
      return ordered ? numeric : numeric || k == TypeKind::kEnum || k == TypeKind::kString || k == TypeKind::kBool;
    };
    switch (e.kind) {
      case ExprKind::kName:
        return !is_var(e) || e.type.kind == TypeKind::kBool;
      case ExprKind::kUnary:
        return e.text == "not" && e.args.size() == 1 && exact(*e.args[0]);
      case ExprKind::kBinary: {
        if (e.args.size() != 2) return false;
        const Expr& l = *e.args[0];
        const Expr& r = *e.args[1];
        const std::string& op = e.text;
        if (op == "and" || op == "or") return exact(l) && exact(r);
        if (op == "=" || op == "!=") return var_vs_constant(l, r, false) || var_vs_constant(r, l, false);
        if (op == "<" || op == "<=" || op == ">" || op == ">=")
          return var_vs_constant(l, r, true) || var_vs_constant(r, l, true);
        if (op == "in" || op == "notin") {
          if (is_var(l) && r.kind == ExprKind::kList) {
            for (const auto& item : r.args)
              if (!item || !item->constant) return false;
            const TypeKind k = l.type.kind;
            return k == TypeKind::kEnum || k == TypeKind::kString || k == TypeKind::kInt ||
                   k == TypeKind::kNumber || k == TypeKind::kDate;
          }
          return is_var(r) && r.type.kind == TypeKind::kSet && l.constant;
        }
        return false;
      }
      case ExprKind::kCall:
        if (e.text == "is_null" && e.args.size() == 1) return is_var(*e.args[0]) || e.args[0]->constant;
        if (e.text == "contains" && e.args.size() == 2) return is_var(*e.args[0]) && e.args[1]->constant;
        if (e.text == "coalesce")
          return std::all_of(e.args.begin(), e.args.end(), [](const ExprPtr& a) { return a && exact(*a); });
        return false;
      case ExprKind::kIf:
        return std::all_of(e.args.begin(), e.args.end(), [](const ExprPtr& a) { return a && exact(*a); });
      default:
        return false;
    }
  }

  bool hit(const Frame& frame, size_t r, size_t i) const {
    const int s = cond_slots_[r];
    if (s < 0) return true;
    const uint8_t* vv = frame.valid(s);
    return (!vv || vv[i]) && static_cast<const uint8_t*>(frame.data(s))[i] != 0;
  }

  // Runs the rows over `count` combinations of the candidate values of
  // `vars` (the other names keep their first value): every combination in
  // turn, or, `sampled`, the first and then a fixed pseudo-random sample.
  // Calls f(i, choice) for each record i of a chunk once the chunk ran,
  // `choice` being the candidate index of each name. Stops early once the
  // overlap search has made its last report.
  template <class F>
  void each_record(const std::vector<size_t>& vars, size_t count, bool sampled, Frame& frame, F f) {
    std::vector<std::vector<unsigned char>> bytes(vars_.size());
    std::vector<std::vector<uint8_t>> valid(vars_.size());
    for (size_t v = 0; v < vars_.size(); ++v) {
      bytes[v].assign(kChunk * static_cast<size_t>(width_of(vars_[v].type.kind)), 0);
      valid[v].assign(kChunk, 1);
    }
    std::vector<std::vector<size_t>> choice(kChunk, std::vector<size_t>(vars_.size(), 0));
    for (size_t start = 0; start < count && reported_ < kMaxReports; start += kChunk) {
      const size_t m = std::min(kChunk, count - start);
      for (size_t i = 0; i < m; ++i) {
        auto& ch = choice[i];
        std::fill(ch.begin(), ch.end(), 0);
        uint64_t k = start + i;
        for (size_t v : vars) {
          const size_t n = vars_[v].domain.size();
          if (sampled && start + i > 0) {
            ch[v] = static_cast<size_t>(mix((start + i) * 1315423911ull + v) % n);
          } else {
            ch[v] = static_cast<size_t>(k % n);
            k /= n;
          }
        }
        for (size_t v = 0; v < vars_.size(); ++v) write_value(vars_[v], vars_[v].domain[ch[v]], bytes[v], valid[v], i);
      }
      for (size_t v = 0; v < vars_.size(); ++v)
        frame.bind_field(vars_[v].slot, bytes[v].data(), vars_[v].nullable ? valid[v].data() : nullptr);
      frame.run(m);
      for (size_t i = 0; i < m; ++i) f(i, choice[i]);
    }
  }

  void write_value(const Var& var, const Value& x, std::vector<unsigned char>& bytes, std::vector<uint8_t>& valid,
                   size_t i) const {
    const size_t w = static_cast<size_t>(width_of(var.type.kind));
    valid[i] = x.null ? 0 : 1;
    if (var.type.kind == TypeKind::kString) {
      std::string_view sv = x.null ? std::string_view() : std::string_view(x.text);
      std::memcpy(bytes.data() + i * w, &sv, w);
    } else if (!x.null) {
      std::memcpy(bytes.data() + i * w, value_ptr(var, x), w);
    } else {
      std::memset(bytes.data() + i * w, 0, w);
    }
  }

  Var& var_for(SymbolKind kind, int index) {
    for (auto& v : vars_)
      if (v.kind == kind && v.index == index) return v;
    Var v;
    v.kind = kind;
    v.index = index;
    if (kind == SymbolKind::kField) {
      v.name = pack_.fields[static_cast<size_t>(index)].name.value;
      v.type = cp_.fields[static_cast<size_t>(index)].type;
      v.nullable = cp_.fields[static_cast<size_t>(index)].nullable;
    } else if (kind == SymbolKind::kDerive) {
      v.name = pack_.derives[static_cast<size_t>(index)].name.value;
      v.type = cp_.derive_types[static_cast<size_t>(index)];
      v.nullable = cp_.derive_nullable[static_cast<size_t>(index)];
    } else {
      const TableDef& td = pack_.tables[static_cast<size_t>(index)];
      v.name = td.name.value;
      int dom = td.domain;
      if (dom < 0)
        for (const auto& f : pack_.fields)
          if (f.name.value == td.values_from.value) dom = f.domain;
      v.type = {td.hit_policy == HitPolicy::kCollect ? TypeKind::kSet : TypeKind::kEnum, dom};
      v.nullable = td.hit_policy != HitPolicy::kCollect;
    }
    v.slot = gen_.new_slot(v.type.kind, v.nullable, SlotSource::kField, true);
    vars_.push_back(std::move(v));
    return vars_.back();
  }

  size_t var_id(const Expr& e) {
    var_for(e.symbol, e.symbol_index);
    for (size_t i = 0; i < vars_.size(); ++i)
      if (vars_[i].kind == e.symbol && vars_[i].index == e.symbol_index) return i;
    return 0;
  }

  void mention(const Expr& var, const Expr& constant) {
    const size_t v = var_id(var);
    const int slot = gen_.emit(constant);
    // Keep the slot: it is read after the prelude runs.
    prog_.slots[static_cast<size_t>(slot)].persistent = true;
    vars_[v].constants.emplace_back(slot, constant.type);
  }

  // Records the names each row reads and the constants they are compared with.
  void collect(const Expr& e) {
    if (is_var(e)) row_vars_[current_row_].insert(var_id(e));
    if (e.kind == ExprKind::kName && e.symbol == SymbolKind::kAsOf) row_as_of_[current_row_] = true;
    if (e.kind == ExprKind::kBinary && e.args.size() == 2) {
      const Expr& l = *e.args[0];
      const Expr& r = *e.args[1];
      const std::string& op = e.text;
      if (op == "in" || op == "notin") {
        if (is_var(l) && r.kind == ExprKind::kList) {
          for (const auto& item : r.args)
            if (item && item->constant && !item->is_null_literal) mention(l, *item);
        } else if (is_var(r) && l.constant && !l.is_null_literal) {
          mention(r, l);
        }
      } else if (op == "=" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=") {
        if (is_var(l) && r.constant && !r.is_null_literal) mention(l, r);
        if (is_var(r) && l.constant && !l.is_null_literal) mention(r, l);
      }
    }
    if (e.kind == ExprKind::kCall && e.text == "contains" && e.args.size() == 2 &&
        is_var(*e.args[0]) && e.args[1]->constant)
      mention(*e.args[0], *e.args[1]);
    for (const auto& a : e.args)
      if (a && a->kind != ExprKind::kList) collect(*a);
  }

  // The dates parameters change on (each gives the values in force then).
  std::vector<Date> dates() {
    std::set<int32_t> days;
    bool always = params_read_.empty();
    for (int p : params_read_)
      for (const auto& period : cp_.params[static_cast<size_t>(p)]) {
        if (period.from) days.insert(period.from->days());
        else always = true;
      }
    std::vector<Date> out;
    if (always) out.push_back(days.empty() ? Date::from_ymd(2000, 1, 1) : Date::from_days(*days.begin() - 1));
    for (int32_t d : days) {
      if (out.size() >= kMaxDates) {
        dates_cut_ = true;
        break;
      }
      out.push_back(Date::from_days(d));
    }
    return out;
  }

  bool bind(Frame& frame, Date as_of) const {
    for (const auto& lit : prog_.literals) {
      if (lit.null)
        frame.set_scalar_null(lit.slot);
      else if (prog_.slots[static_cast<size_t>(lit.slot)].kind == TypeKind::kString)
        frame.set_scalar_string(lit.slot, lit.text);
      else
        frame.set_scalar_bits(lit.slot, lit.bits);
    }
    if (prog_.as_of_slot >= 0) frame.set_scalar_bits(prog_.as_of_slot, as_of.days());
    for (const auto& [slot, param] : prog_.params) {
      const ParamPeriod* period = cp_.param_on(param, as_of);
      if (!period) return false;
      if (period->value.kind == TypeKind::kString)
        frame.set_scalar_string(slot, period->value.text);
      else
        frame.set_scalar_bits(slot, period->value.bits);
    }
    frame.run_prelude();
    return true;
  }

  static double as_double(const void* data, TypeKind k) {
    switch (k) {
      case TypeKind::kNumber: return *static_cast<const double*>(data);
      case TypeKind::kInt: return static_cast<double>(*static_cast<const int64_t*>(data));
      case TypeKind::kDate:
      case TypeKind::kEnum: return *static_cast<const int32_t*>(data);
      default: return 0;
    }
  }

  // Candidate points for an ordered variable: the constants, one beyond each
  // end, and one between each two neighbours.
  static std::vector<double> points(std::vector<double> c, bool integral) {
    std::sort(c.begin(), c.end());
    c.erase(std::unique(c.begin(), c.end()), c.end());
    if (c.empty()) return {0, 1};
    std::vector<double> out;
    out.push_back(c.front() - 1);
    for (size_t i = 0; i < c.size(); ++i) {
      out.push_back(integral ? std::floor(c[i]) : c[i]);
      if (integral && std::ceil(c[i]) != std::floor(c[i])) out.push_back(std::ceil(c[i]));
      if (i + 1 < c.size()) {
        const double mid = integral ? std::floor(c[i]) + 1 : (c[i] + c[i + 1]) / 2;
        if (mid < c[i + 1]) out.push_back(mid);
      }
    }
    out.push_back(c.back() + 1);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  bool build_domains(Date as_of) {
    domain_cut_ = false;
    Frame probe(prog_, 1);
    if (!bind(probe, as_of)) return false;
    for (auto& v : vars_) {
      std::vector<Value> d;
      const TypeKind k = v.type.kind;
      if (k == TypeKind::kBool) {
        d = {Value{false, 0, {}}, Value{false, 1, {}}};
      } else if (k == TypeKind::kEnum || k == TypeKind::kSet) {
        std::set<int64_t> codes;
        for (const auto& [slot, type] : v.constants) {
          const uint8_t* valid = probe.valid(slot);
          if (valid && !valid[0]) continue;
          if (type.kind == TypeKind::kEnum) codes.insert(*static_cast<const int32_t*>(probe.data(slot)));
        }
        const size_t n = v.type.domain >= 0 ? pack_.domains[static_cast<size_t>(v.type.domain)].values.size() : 0;
        if (k == TypeKind::kEnum) {
          if (codes.empty())
            for (size_t c = 0; c < n && c < 8; ++c) codes.insert(static_cast<int64_t>(c));
          for (size_t c = 0; c < n; ++c)
            if (!codes.count(static_cast<int64_t>(c))) {
              codes.insert(static_cast<int64_t>(c));
              break;
            }
          for (int64_t c : codes) d.push_back(Value{false, c, {}});
        } else {
          d.push_back(Value{false, 0, {}});
          uint64_t all = 0;
          for (int64_t c : codes) {
            d.push_back(Value{false, static_cast<int64_t>(uint64_t{1} << c), {}});
            all |= uint64_t{1} << c;
          }
          if (codes.size() > 1) d.push_back(Value{false, static_cast<int64_t>(all), {}});
          if (codes.empty() && n > 0) d.push_back(Value{false, 1, {}});
        }
      } else if (k == TypeKind::kString) {
        std::set<std::string> texts{""};
        for (const auto& [slot, type] : v.constants) {
          const uint8_t* valid = probe.valid(slot);
          if ((valid && !valid[0]) || type.kind != TypeKind::kString) continue;
          texts.insert(std::string(*static_cast<const std::string_view*>(probe.data(slot))));
        }
        // A text no condition names, for every other value.
        std::string other = "~";
        while (texts.count(other)) other += "~";
        texts.insert(other);
        for (const auto& s : texts) d.push_back(Value{false, 0, s});
      } else if (k == TypeKind::kInt || k == TypeKind::kNumber || k == TypeKind::kDate) {
        std::vector<double> c;
        for (const auto& [slot, type] : v.constants) {
          const uint8_t* valid = probe.valid(slot);
          if (valid && !valid[0]) continue;
          c.push_back(as_double(probe.data(slot), type.kind));
        }
        if (c.empty() && k == TypeKind::kDate) c.push_back(as_of.days());
        // Beyond 2^52 a double no longer holds a constant's neighbours (c
        // and c + 1 are one value): the candidates would not stand for
        // every value, and beyond 2^63 an int would not hold them at all.
        constexpr double kExact = 4503599627370496.0;  // 2^52
        for (double x : c)
          if (!(std::fabs(x) < kExact)) domain_cut_ = true;
        for (double x : points(std::move(c), k != TypeKind::kNumber)) {
          Value val;
          if (k == TypeKind::kNumber) {
            std::memcpy(&val.bits, &x, 8);
          } else {
            if (!(std::fabs(x) < 9.2e18)) continue;
            val.bits = static_cast<int64_t>(x);
          }
          if (k == TypeKind::kDate && (val.bits < Date::kMinDays || val.bits > Date::kMaxDays)) continue;
          d.push_back(val);
        }
      } else {
        d.push_back(Value{});  // durations: constant by construction
      }
      // A set's candidates (none, each value alone, all of them) stand for
      // every set only when at most two values are named.
      if (k == TypeKind::kSet && d.size() > 4) domain_cut_ = true;
      if (d.size() > kMaxDomain) {
        domain_cut_ = true;
        std::vector<Value> kept;
        for (size_t i = 0; i < kMaxDomain; ++i) kept.push_back(d[i * (d.size() - 1) / (kMaxDomain - 1)]);
        d = std::move(kept);
      }
      if (v.nullable) d.push_back(Value{true, 0, {}});
      v.domain = std::move(d);
    }
    return true;
  }

  std::string show(const Var& v, const Value& x, Date) const {
    if (x.null) return v.name + "=null";
    const TypeKind k = v.type.kind;
    std::string s;
    if (k == TypeKind::kBool) {
      s = x.bits ? "true" : "false";
    } else if (k == TypeKind::kString) {
      s = "\"" + x.text + "\"";
    } else if (k == TypeKind::kSet) {
      const uint64_t bits = static_cast<uint64_t>(x.bits);
      s = "[" + format_value(v.type, &bits, pack_) + "]";
      for (char& c : s)
        if (c == ';') c = ',';
    } else {
      s = format_value(v.type, value_ptr(v, x), pack_);
    }
    return v.name + "=" + s;
  }

  const void* value_ptr(const Var& v, const Value& x) const {
    static thread_local int32_t i32;
    static thread_local uint8_t u8;
    switch (v.type.kind) {
      case TypeKind::kDate:
      case TypeKind::kEnum:
        i32 = static_cast<int32_t>(x.bits);
        return &i32;
      case TypeKind::kBool:
        u8 = static_cast<uint8_t>(x.bits);
        return &u8;
      default:
        return &x.bits;
    }
  }

  // Tries combinations of the variables in `vars` (the others keep their
  // first value); reports pairs of `rows` that match one record together.
  void search_over(const std::vector<size_t>& vars, const std::vector<size_t>& rows, size_t limit,
                   Date as_of, Frame& frame) {
    double total = 1;
    for (size_t v : vars) {
      if (vars_[v].domain.empty()) return;
      total *= static_cast<double>(vars_[v].domain.size());
    }
    const bool sampled = total > static_cast<double>(limit);
    const size_t count = sampled ? limit : static_cast<size_t>(total);
    each_record(vars, count, sampled, frame, [&](size_t i, const std::vector<size_t>& choice) {
      if (reported_ >= kMaxReports) return;
      std::vector<size_t> matched;
      for (size_t r : rows)
        if (hit(frame, r, i)) matched.push_back(r);
      for (size_t a = 0; a < matched.size(); ++a)
        for (size_t b = a + 1; b < matched.size(); ++b) report(matched[a], matched[b], choice, as_of);
    });
  }

  void report(size_t a, size_t b, const std::vector<size_t>& choice, Date as_of) {
    if (reported_ >= kMaxReports || !seen_.insert({a, b}).second) return;
    ++reported_;
    std::set<size_t> vars(row_vars_[a].begin(), row_vars_[a].end());
    vars.insert(row_vars_[b].begin(), row_vars_[b].end());
    std::string example;
    for (size_t v : vars) {
      if (!example.empty()) example += ", ";
      example += show(vars_[v], vars_[v].domain[choice[v]], as_of);
    }
    if (row_as_of_[a] || row_as_of_[b]) example += (example.empty() ? "" : ", ") + std::string("as_of=") + as_of.format();
    if (example.empty()) example = "any record";
    const RowDef& ra = def_.rows[a];
    const RowDef& rb = def_.rows[b];
    // The other row's line, with its file when it is in another (a base pack).
    const std::string other = ra.where.file == rb.where.file ? "line " + std::to_string(ra.where.line)
                                                             : ra.where.file + ":" + std::to_string(ra.where.line);
    diags_.push_back({Severity::kWarning, rb.where, "overlapping-rows",
                      "rows '" + ra.id.value + "' (" + other + ") and '" +
                          rb.id.value + "' of unique table '" + def_.name.value +
                          "' both match a record such as " + example +
                          "; make their conditions exclusive, or use hit_policy: first"});
  }

  void search(Date as_of) {
    Frame frame(prog_, kChunk);
    if (!bind(frame, as_of)) return;
    std::vector<size_t> all_rows(cond_slots_.size());
    for (size_t r = 0; r < all_rows.size(); ++r) all_rows[r] = r;
    std::vector<size_t> all_vars(vars_.size());
    for (size_t v = 0; v < all_vars.size(); ++v) all_vars[v] = v;
    double total = 1;
    for (const auto& v : vars_) total *= static_cast<double>(v.domain.size());
    const size_t rows = all_rows.size();
    if (total <= static_cast<double>(kMaxCombos) || rows > 64) {
      // Every record runs every row: keep records x rows within the budget.
      const size_t limit = std::clamp<size_t>(kBudget * 4 / std::max<size_t>(rows, 1), 256, kMaxCombos);
      search_over(all_vars, all_rows, limit, as_of, frame);
      return;
    }
    // Row pairs: only the names the two rows read vary.
    const size_t pairs = rows * (rows - 1) / 2;
    const size_t per_pair = std::clamp<size_t>(kBudget / pairs, 256, kMaxCombos);
    for (size_t a = 0; a < rows && reported_ < kMaxReports; ++a)
      for (size_t b = a + 1; b < rows && reported_ < kMaxReports; ++b) {
        if (seen_.count({a, b})) continue;
        std::set<size_t> vs(row_vars_[a].begin(), row_vars_[a].end());
        vs.insert(row_vars_[b].begin(), row_vars_[b].end());
        search_over(std::vector<size_t>(vs.begin(), vs.end()), {a, b}, per_pair, as_of, frame);
      }
  }

  const CheckedPack& cp_;
  const Pack& pack_;
  int t_;
  const TableDef& def_;
  std::vector<Diagnostic>& diags_;
  Program prog_;
  CodeGen gen_;
  std::deque<Var> vars_;
  std::map<int, int> param_slots_;
  std::set<int> params_read_;
  std::vector<int> cond_slots_;
  std::vector<std::set<size_t>> row_vars_;
  std::vector<bool> row_as_of_;
  size_t current_row_ = 0;
  size_t reported_ = 0;
  bool dates_cut_ = false;   // more dates than kMaxDates: not all were tried
  bool domain_cut_ = false;  // a candidate list was cut or cannot stand for every value
  std::set<std::pair<size_t, size_t>> seen_;
};

}  // namespace

void check_unique_overlaps(const CheckedPack& pack, std::vector<Diagnostic>& diags) {
  for (size_t t = 0; t < pack.pack->tables.size(); ++t)
    if (pack.pack->tables[t].hit_policy == HitPolicy::kUnique && t < pack.rows.size())
      TableSearch(pack, static_cast<int>(t), diags).run();
}

void check_unreachable_rows(const CheckedPack& pack, std::vector<Diagnostic>& diags) {
  for (size_t t = 0; t < pack.pack->tables.size() && t < pack.rows.size(); ++t)
    TableSearch(pack, static_cast<int>(t), diags).run_reachability();
}

}  // namespace kcbx::detail
