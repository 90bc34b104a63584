#include "expr/check.h"

#include <algorithm>
#include <charconv>
#include <optional>

namespace kcbx::detail {

namespace {

using K = TypeKind;

struct FunctionSig {
  const char* name;
  std::vector<K> params;  // K::kString with `any` below means "any type"
  K result;
  bool any_args = false;   // is_null, coalesce, min, max: typed specially
  bool always_nullable = false;
  const char* doc;
};

const std::vector<FunctionSig>& functions() {
  static const std::vector<FunctionSig> kFunctions = {
      {"age_on", {K::kDate, K::kDate}, K::kInt, false, false,
       "age in full years (周岁) on the second date of someone born on the first"},
      {"add_months", {K::kDate, K::kInt}, K::kDate, false, false,
       "the date n calendar months later, clamped to the month's end"},
      {"add_days", {K::kDate, K::kInt}, K::kDate, false, false,
       "the date n days later"},
      {"days_between", {K::kDate, K::kDate}, K::kInt, false, false,
       "days from the first date to the second (second - first)"},
      {"year", {K::kDate}, K::kInt, false, false, "calendar year"},
      {"month", {K::kDate}, K::kInt, false, false, "month 1..12"},
      {"day", {K::kDate}, K::kInt, false, false, "day of month 1..31"},
      {"weekday", {K::kDate}, K::kInt, false, false, "day of the week: 1 Monday .. 7 Sunday"},
      {"school_days_between", {K::kDate, K::kDate}, K::kInt, false, false,
       "Monday-to-Friday days after the first date up to and including the second "
       "(negative when the second is earlier); weekends do not count"},
      {"add_school_days", {K::kDate, K::kInt}, K::kDate, false, false,
       "the n-th Monday-to-Friday day after the date (before it when n is negative; "
       "the date itself when n is 0)"},
      {"latest_month_day", {K::kDate, K::kInt, K::kInt}, K::kDate, false, false,
       "the latest date on or before the first argument that falls on the "
       "given month and day (e.g. the school year's 08-31)"},
      {"id_birth_date", {K::kString}, K::kDate, false, true,
       "the birth date in an 18-digit resident ID number, or null"},
      {"is_null", {}, K::kBool, true, false, "true when the value is missing"},
      {"coalesce", {}, K::kBool, true, false,
       "the first argument that is not null"},
      {"min", {}, K::kInt, true, false, "the smaller of two values"},
      {"max", {}, K::kInt, true, false, "the larger of two values"},
      {"contains", {K::kSet, K::kEnum}, K::kBool, false, false,
       "true when the set holds the value (same as `value in set`)"},
      {"count", {K::kSet}, K::kInt, false, false, "number of values in a set"},
      {"substr", {K::kString, K::kInt, K::kInt}, K::kString, false, false,
       "the bytes of a string from a 0-based start, at most a length (codes: substr(division_code, 0, 6))"},
      {"length", {K::kString}, K::kInt, false, false, "length of a string in bytes"},
      {"set_minus", {K::kSet, K::kSet}, K::kSet, false, false,
       "values of the first set that are not in the second"},
  };
  return kFunctions;
}

class Checker {
 public:
  Checker(const Scope& scope, std::vector<Diagnostic>& diags)
      : scope_(scope), pack_(*scope.pack), diags_(diags) {}

  bool check(Expr& e, std::optional<Type> want) {
    switch (e.kind) {
      case ExprKind::kLiteral:
        e.constant = true;
        if (e.is_null_literal) {
          if (!want || want->kind == K::kDuration)
            return error(e, "type-mismatch",
                         "'null' needs a context that gives its type, such as "
                         "'if c then null else some_date'");
          e.type = *want;
          e.nullable = true;
          return true;
        }
        if (e.type.kind == K::kString && want && want->kind == K::kEnum)
          return resolve_enum(e, want->domain);
        return true;
      case ExprKind::kName:
        return name(e, want);
      case ExprKind::kUnary:
        return unary(e);
      case ExprKind::kBinary:
        return binary(e);
      case ExprKind::kCall:
        return call(e);
      case ExprKind::kIf:
        return if_expr(e, want);
      case ExprKind::kList:
        return error(e, "syntax", "a list [..] may only follow 'in'");
    }
    return false;
  }

 private:
  bool error(const Expr& e, const char* code, std::string message) {
    diags_.push_back({Severity::kError, e.where, code, std::move(message)});
    return false;
  }
  std::string tname(const Type& t) const { return describe_type(t, pack_); }

  bool resolve_enum(Expr& e, int domain) {
    const std::string& n =
        e.kind == ExprKind::kLiteral ? e.string_value : e.text;
    const DomainDef& d = pack_.domains[static_cast<size_t>(domain)];
    const int code = find_enum_value(d, n);
    if (code < 0) {
      std::vector<std::string> names, labels;
      for (const auto& v : d.values) {
        names.push_back(v.name.value);
        if (!v.alias.empty()) labels.push_back(v.alias.value);
      }
      std::string msg = "'" + n + "' is not a value of " + d.name;
      std::string near = nearest_name(n, names);
      if (near.empty()) near = nearest_name(n, labels);  // 在集 -> 在籍
      if (!near.empty()) msg += "; did you mean '" + near + "'?";
      return error(e, "unknown-value", msg);
    }
    if (scope_.named_values) scope_.named_values->insert({domain, code});
    e.kind = ExprKind::kLiteral;
    e.type = {K::kEnum, domain};
    e.int_value = code;
    e.symbol = SymbolKind::kEnumValue;
    e.symbol_index = code;
    e.constant = true;
    return true;
  }

  // The name a Chinese alias stands for, or null.
  const std::string* alias_of(const std::string& text) const {
    if (!scope_.aliases) return nullptr;
    for (const auto& [alias, name] : *scope_.aliases)
      if (alias == text) return &name;
    return nullptr;
  }

  bool resolvable(const Expr& e) const {
    if (e.is_null_literal) return false;
    if (e.kind != ExprKind::kName) return true;
    return e.text == "as_of" || scope_.lookup(e.text, e.where).has_value() ||
           alias_of(e.text) != nullptr;
  }

  bool name(Expr& e, std::optional<Type> want) {
    std::optional<Symbol> s = scope_.lookup(e.text, e.where);
    if (!s) {
      const std::string* canonical = alias_of(e.text);
      // Where an enum value is expected, the enum's values and labels come
      // first: `status = 辍学` is the value even if a field's alias is 辍学.
      if (want && want->kind == K::kEnum &&
          (!canonical ||
           find_enum_value(pack_.domains[static_cast<size_t>(want->domain)], e.text) >= 0))
        return resolve_enum(e, want->domain);
      if (canonical) {
        s = scope_.lookup(*canonical, e.where);
        if (s) e.text = *canonical;  // explanations name the field, not the alias
      }
    }
    if (!s) {
      std::string msg = "unknown name '" + e.text + "'";
      std::string near = nearest_name(e.text, scope_.names());
      if (!near.empty()) {
        msg += "; did you mean '" + near + "'?";
      } else if (scope_.aliases) {
        std::vector<std::string> aliases;
        for (const auto& a : *scope_.aliases) aliases.push_back(a.first);
        near = nearest_name(e.text, aliases);
        if (!near.empty()) msg += "; did you mean '" + *alias_of(near) + "' (" + near + ")?";
      }
      return error(e, "unknown-name", msg);
    }
    if (s->kind == SymbolKind::kNone) return false;  // reported by lookup
    // A field, parameter or derived value that is also a value of the enum
    // expected here, and of another type: it can only mean the value
    // (`status = yisi` beside a bool derived value `yisi` was "cannot
    // compare enum with bool", which did not name the clash). Read as the
    // value, with a warning, since a reader of the pack may not see it.
    if (want && want->kind == K::kEnum && !(s->type == *want)) {
      const DomainDef& d = pack_.domains[static_cast<size_t>(want->domain)];
      if (find_enum_value(d, e.text) >= 0) {
        const char* what = s->kind == SymbolKind::kField   ? "field"
                           : s->kind == SymbolKind::kParam ? "parameter"
                           : s->kind == SymbolKind::kTable ? "table"
                                                           : "derived value";
        diags_.push_back({Severity::kWarning, e.where, "ambiguous-name",
                          "'" + e.text + "' is a " + what + " and a value of " + d.name +
                              "; read as the value here (write it quoted, '" + e.text + "', to say so)"});
        return resolve_enum(e, want->domain);
      }
    }
    e.symbol = s->kind;
    e.symbol_index = s->index;
    e.type = s->type;
    e.nullable = s->nullable;
    e.constant = s->constant;
    return true;
  }

  bool unary(Expr& e) {
    Expr& a = *e.args[0];
    if (!check(a, std::nullopt)) return false;
    e.nullable = a.nullable;
    e.constant = a.constant;
    if (e.text == "not") {
      if (a.type.kind != K::kBool)
        return error(a, "type-mismatch", "'not' needs a bool, not " + tname(a.type));
      e.type = {K::kBool, -1};
      return true;
    }
    if (a.type.kind != K::kInt && a.type.kind != K::kNumber &&
        a.type.kind != K::kDuration)
      return error(a, "type-mismatch", "'-' needs a number, not " + tname(a.type));
    e.type = a.type;
    return true;
  }

  // Checks both sides of a binary operator; a bare enum value name takes its
  // domain from the other side.
  bool operands(Expr& e) {
    Expr& l = *e.args[0];
    Expr& r = *e.args[1];
    // A list [..] gives the left side no type: `statuss in [dropout]` is an
    // unknown name on the left, not a list in the wrong place.
    if (!resolvable(l) && resolvable(r) && r.kind != ExprKind::kList) {
      if (!check(r, std::nullopt)) return false;
      if (l.is_null_literal) return check(l, r.type);
      return check(l, r.type.kind == K::kEnum || r.type.kind == K::kSet
                          ? std::optional<Type>(Type{K::kEnum, r.type.domain})
                          : std::nullopt);
    }
    if (!check(l, std::nullopt)) return false;
    if (r.kind == ExprKind::kList) return true;
    std::optional<Type> want;
    if (l.type.kind == K::kEnum) want = Type{K::kEnum, l.type.domain};
    if (r.is_null_literal) want = l.type;
    return check(r, want);
  }

  bool binary(Expr& e) {
    const std::string& op = e.text;
    if (!operands(e)) return false;
    Expr& l = *e.args[0];
    Expr& r = *e.args[1];
    if (op == "in" || op == "notin") return in_expr(e, l, r);
    if (l.is_null_literal || r.is_null_literal)
      return error(e, "type-mismatch",
                   "comparing with null never gives true or false; use is_null(x)");
    e.nullable = l.nullable || r.nullable;
    e.constant = l.constant && r.constant;
    const K a = l.type.kind, b = r.type.kind;
    const auto numeric = [](K k) { return k == K::kInt || k == K::kNumber; };
    if (op == "and" || op == "or") {
      if (a != K::kBool) return error(l, "type-mismatch", "'" + op + "' needs bool operands, not " + tname(l.type));
      if (b != K::kBool) return error(r, "type-mismatch", "'" + op + "' needs bool operands, not " + tname(r.type));
      e.type = {K::kBool, -1};
      return true;
    }
    if (op == "=" || op == "!=" || op == "<" || op == "<=" || op == ">" ||
        op == ">=") {
      e.type = {K::kBool, -1};
      if (numeric(a) && numeric(b)) return true;
      if (a != b || (a == K::kEnum && l.type.domain != r.type.domain))
        return error(e, "type-mismatch",
                     "cannot compare " + tname(l.type) + " with " + tname(r.type));
      if (a == K::kDuration)
        return error(e, "type-mismatch",
                     "durations cannot be compared; compare the dates they give");
      if (a == K::kSet)
        return error(e, "type-mismatch",
                     "sets cannot be compared; use 'value in set' or count()");
      if ((a == K::kBool || a == K::kEnum) && op != "=" && op != "!=")
        return error(e, "type-mismatch",
                     "'" + op + "' does not order " + tname(l.type) + " values");
      return true;
    }
    if (op == "+" || op == "-") {
      if (numeric(a) && numeric(b)) {
        e.type = {a == K::kNumber || b == K::kNumber ? K::kNumber : K::kInt, -1};
        return true;
      }
      if (a == K::kDate && b == K::kDuration) {
        if (!r.constant)
          return error(r, "not-constant", "a duration must be a literal or a parameter");
        e.type = {K::kDate, -1};
        return true;
      }
      if (op == "+" && a == K::kDuration && b == K::kDate) {
        std::swap(e.args[0], e.args[1]);
        e.type = {K::kDate, -1};
        return true;
      }
      if (a == K::kDuration && b == K::kDuration) {
        e.type = {K::kDuration, -1};
        return true;
      }
      if (op == "-" && a == K::kDate && b == K::kDate) {
        e.type = {K::kInt, -1};  // days
        return true;
      }
      if (a == K::kDate && b == K::kInt)
        return error(r, "type-mismatch",
                     "cannot " + std::string(op == "+" ? "add" : "subtract") +
                         " an int and a date; write a duration such as '" +
                         (r.kind == ExprKind::kLiteral ? std::to_string(r.int_value) : std::string("7")) +
                         " days'");
      return error(e, "type-mismatch",
                   "cannot apply '" + op + "' to " + tname(l.type) + " and " + tname(r.type));
    }
    if (op == "*" || op == "/") {
      if (!numeric(a) || !numeric(b))
        return error(e, "type-mismatch",
                     "cannot apply '" + op + "' to " + tname(l.type) + " and " + tname(r.type));
      if (op == "/") {
        e.type = {K::kNumber, -1};
        e.nullable = true;  // division by zero gives null
      } else {
        e.type = {a == K::kNumber || b == K::kNumber ? K::kNumber : K::kInt, -1};
      }
      return true;
    }
    return error(e, "syntax", "unknown operator '" + op + "'");
  }

  bool in_expr(Expr& e, Expr& l, Expr& r) {
    e.type = {K::kBool, -1};
    if (r.kind == ExprKind::kList) {
      if (r.args.empty()) return error(r, "syntax", "empty list after 'in'");
      std::optional<Type> want;
      if (l.type.kind == K::kEnum) want = l.type;
      for (auto& item : r.args) {
        if (!check(*item, want)) return false;
        if (!item->constant)
          return error(*item, "not-constant",
                       "list items must be literals or parameters");
        const bool numeric_mix =
            (l.type.kind == K::kInt || l.type.kind == K::kNumber) &&
            (item->type.kind == K::kInt || item->type.kind == K::kNumber);
        if (!(item->type == l.type) && !numeric_mix)
          return error(*item, "type-mismatch",
                       "list item is " + tname(item->type) + " but the value is " +
                           tname(l.type));
        if (item->nullable) r.nullable = true;
      }
      if (l.type.kind == K::kBool || l.type.kind == K::kDuration ||
          l.type.kind == K::kSet)
        return error(l, "type-mismatch", "'in' does not apply to " + tname(l.type));
      r.type = l.type;
      r.constant = true;
      e.nullable = l.nullable;
      e.constant = l.constant;
      return true;
    }
    if (r.type.kind != K::kSet)
      return error(r, "type-mismatch",
                   "'in' needs a list [..] or a set, not " + tname(r.type));
    if (l.type.kind != K::kEnum || l.type.domain != r.type.domain)
      return error(l, "type-mismatch",
                   tname(l.type) + " cannot be in " + tname(r.type));
    e.nullable = l.nullable || r.nullable;
    e.constant = l.constant && r.constant;
    return true;
  }

  bool if_expr(Expr& e, std::optional<Type> want) {
    Expr& c = *e.args[0];
    if (!check(c, std::nullopt)) return false;
    if (c.type.kind != K::kBool)
      return error(c, "type-mismatch", "'if' needs a bool condition, not " + tname(c.type));
    Expr& a = *e.args[1];
    Expr& b = *e.args[2];
    if (!resolvable(a) && resolvable(b)) {
      if (!check(b, want)) return false;
      if (!check(a, b.type.kind == K::kEnum || a.is_null_literal ? std::optional<Type>(b.type) : want))
        return false;
    } else {
      if (!check(a, want)) return false;
      if (!check(b, a.type.kind == K::kEnum || b.is_null_literal ? std::optional<Type>(a.type) : want))
        return false;
    }
    const bool numeric_mix =
        (a.type.kind == K::kInt || a.type.kind == K::kNumber) &&
        (b.type.kind == K::kInt || b.type.kind == K::kNumber);
    if (!(a.type == b.type) && !numeric_mix)
      return error(e, "type-mismatch",
                   "'then' gives " + tname(a.type) + " but 'else' gives " + tname(b.type));
    e.type = numeric_mix && !(a.type == b.type) ? Type{K::kNumber, -1} : a.type;
    if (a.type.kind == K::kDuration && !(c.constant && a.constant && b.constant))
      return error(e, "not-constant", "a duration must not depend on a record");
    e.nullable = a.nullable || b.nullable;
    e.constant = c.constant && a.constant && b.constant;
    return true;
  }

  bool call(Expr& e) {
    const FunctionSig* sig = nullptr;
    for (const auto& f : functions())
      if (e.text == f.name) sig = &f;
    if (!sig) {
      std::vector<std::string> names = builtin_function_names();
      std::string msg = "unknown function '" + e.text + "'";
      const std::string near = nearest_name(e.text, names);
      if (!near.empty()) msg += "; did you mean '" + near + "'?";
      return error(e, "unknown-function", msg);
    }
    const std::string fn = e.text;
    if (sig->any_args) return special_call(e, fn);
    if (e.args.size() != sig->params.size())
      return error(e, "wrong-arguments",
                   fn + "() takes " + std::to_string(sig->params.size()) +
                       " argument" + (sig->params.size() == 1 ? "" : "s") +
                       ", not " + std::to_string(e.args.size()));
    e.constant = true;
    int set_domain = -1;
    for (size_t i = 0; i < e.args.size(); ++i) {
      Expr& a = *e.args[i];
      std::optional<Type> want;
      if (sig->params[i] == K::kEnum && set_domain >= 0)
        want = Type{K::kEnum, set_domain};
      if (!check(a, want)) return false;
      if (a.type.kind != sig->params[i])
        return error(a, "type-mismatch",
                     fn + "() argument " + std::to_string(i + 1) + " must be " +
                         type_name(sig->params[i]) + ", not " + tname(a.type));
      if (sig->params[i] == K::kSet) {
        if (set_domain >= 0 && a.type.domain != set_domain)
          return error(a, "type-mismatch", fn + "() needs sets of the same values");
        set_domain = a.type.domain;
      }
      if (sig->params[i] == K::kEnum && a.type.domain != set_domain)
        return error(a, "type-mismatch", tname(a.type) + " is not a value of the set");
      e.nullable = e.nullable || a.nullable;
      e.constant = e.constant && a.constant;
    }
    e.type = {sig->result, sig->result == K::kSet ? set_domain : -1};
    if (sig->always_nullable) e.nullable = true;
    if (fn == "latest_month_day") return month_day_literals(fn, *e.args[1], *e.args[2]);
    return true;
  }

  // A month and day written as numbers, or taken from int parameters,
  // must name a day of some year: the evaluation clamps them (month 13 is
  // December, 31 June is 30 June), so swapped arguments, (as_of, 31, 8),
  // would put every age a year off without a word. Parameters are checked
  // on each day one of their values comes into force, as any of them may
  // be in force on an evaluation date.
  bool month_day_literals(const std::string& fn, const Expr& month, const Expr& day) {
    static constexpr int kDays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    struct Given {
      std::vector<std::pair<std::optional<Date>, int64_t>> values;  // (in force from, value), in date order
      std::string param;  // the parameter's name, or "" for a number as written
      // The value in force on `on` (nullopt: since always).
      std::optional<int64_t> at(const std::optional<Date>& on) const {
        std::optional<int64_t> v;
        for (const auto& [from, x] : values)
          if (!from || (on && *from <= *on)) v = x;
        return v;
      }
      std::string named(int64_t v) const {
        return param.empty() ? std::to_string(v) : std::to_string(v) + " (parameter '" + param + "')";
      }
    };
    auto given = [&](const Expr& e) -> std::optional<Given> {
      // A number as written: 8, or -1 (a minus before a literal).
      if (e.kind == ExprKind::kLiteral && !e.is_null_literal) return Given{{{std::nullopt, e.int_value}}, ""};
      if (e.kind == ExprKind::kUnary && e.text == "-" && e.args.size() == 1 &&
          e.args[0]->kind == ExprKind::kLiteral && !e.args[0]->is_null_literal)
        return Given{{{std::nullopt, -e.args[0]->int_value}}, ""};
      if (e.kind != ExprKind::kName || e.symbol != SymbolKind::kParam || e.symbol_index < 0) return std::nullopt;
      const ParamDef& p = pack_.params[static_cast<size_t>(e.symbol_index)];
      Given g{{}, p.name.value};
      for (const ParamValueDef& v : p.values) {
        std::string_view t = v.value.value;
        while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
        while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
        int64_t x = 0;
        const char* first = t.data() + (t.starts_with('+') ? 1 : 0);
        const auto [end, ec] = std::from_chars(first, t.data() + t.size(), x);
        if (ec != std::errc() || end != t.data() + t.size()) return std::nullopt;  // an expression: not known here
        g.values.emplace_back(v.from, x);
      }
      // In date order (a pack may list its newest value first); at()
      // takes the last value in force.
      std::stable_sort(g.values.begin(), g.values.end(), [](const auto& a, const auto& b) {
        return !a.first ? b.first.has_value() : b.first && *a.first < *b.first;
      });
      return g;
    };
    const std::optional<Given> m = given(month), d = given(day);
    // Every day a value comes into force (nullopt: since always).
    std::vector<std::optional<Date>> days{std::nullopt};
    for (const auto* g : {&m, &d})
      if (*g)
        for (const auto& [from, x] : (*g)->values)
          if (from) days.push_back(from);
    for (const std::optional<Date>& on : days) {
      const std::optional<int64_t> mv = m ? m->at(on) : std::nullopt;
      if (mv && (*mv < 1 || *mv > 12))
        return error(month, "wrong-arguments",
                     fn + "() month must be 1..12, not " + m->named(*mv) + " (the arguments are date, month, day)" +
                         (on && !m->param.empty() ? " (from " + on->format() + " on)" : std::string()));
      const int64_t most = mv ? kDays[*mv - 1] : 31;
      const std::optional<int64_t> dv = d ? d->at(on) : std::nullopt;
      if (dv && (*dv < 1 || *dv > most))
        return error(day, "wrong-arguments",
                     fn + "() day must be 1.." + std::to_string(most) +
                         (mv ? " for month " + std::to_string(*mv) : std::string()) + ", not " + d->named(*dv) +
                         (on ? " (from " + on->format() + " on)" : std::string()));
    }
    return true;
  }

  bool special_call(Expr& e, const std::string& fn) {
    if (fn == "is_null") {
      if (e.args.size() != 1)
        return error(e, "wrong-arguments", "is_null() takes 1 argument");
      if (!check(*e.args[0], std::nullopt)) return false;
      e.type = {K::kBool, -1};
      e.constant = e.args[0]->constant;
      return true;
    }
    if (e.args.size() < 2 || (fn != "coalesce" && e.args.size() != 2))
      return error(e, "wrong-arguments",
                   fn + "() takes " + (fn == "coalesce" ? "2 or more" : "2") +
                       " arguments");
    if (!check(*e.args[0], std::nullopt)) return false;
    Type t = e.args[0]->type;
    e.nullable = e.args[0]->nullable;
    e.constant = e.args[0]->constant;
    for (size_t i = 1; i < e.args.size(); ++i) {
      Expr& a = *e.args[i];
      if (!check(a, t.kind == K::kEnum ? std::optional<Type>(t) : std::nullopt))
        return false;
      const bool numeric_mix = (t.kind == K::kInt || t.kind == K::kNumber) &&
                               (a.type.kind == K::kInt || a.type.kind == K::kNumber);
      if (!(a.type == t) && !numeric_mix)
        return error(a, "type-mismatch",
                     fn + "() arguments must have one type; got " + tname(t) +
                         " and " + tname(a.type));
      if (numeric_mix && !(a.type == t)) t = {K::kNumber, -1};
      e.nullable = fn == "coalesce" ? (e.nullable && a.nullable)
                                    : (e.nullable || a.nullable);
      e.constant = e.constant && a.constant;
    }
    if ((fn == "min" || fn == "max") && t.kind != K::kInt &&
        t.kind != K::kNumber && t.kind != K::kDate)
      return error(e, "type-mismatch", fn + "() needs numbers or dates, not " + tname(t));
    if (fn == "coalesce" && t.kind == K::kDuration)
      return error(e, "type-mismatch", "coalesce() does not take durations");
    e.type = t;
    return true;
  }

  const Scope& scope_;
  const Pack& pack_;
  std::vector<Diagnostic>& diags_;
};

}  // namespace

bool check_expr(Expr& e, const Scope& scope, std::vector<Diagnostic>& diags,
                std::optional<Type> want) {
  return Checker(scope, diags).check(e, want);
}

int find_enum_value(const DomainDef& domain, std::string_view name) {
  for (size_t i = 0; i < domain.values.size(); ++i)
    if (domain.values[i].name.value == name ||
        (!domain.values[i].alias.empty() && domain.values[i].alias.value == name))
      return static_cast<int>(i);
  return -1;
}

std::string describe_type(const Type& t, const Pack& pack) {
  if ((t.kind == TypeKind::kEnum || t.kind == TypeKind::kSet) && t.domain >= 0 &&
      static_cast<size_t>(t.domain) < pack.domains.size())
    return std::string(type_name(t.kind)) + "(" +
           pack.domains[static_cast<size_t>(t.domain)].name + ")";
  return type_name(t.kind);
}

std::vector<std::string> builtin_function_names() {
  std::vector<std::string> out;
  for (const auto& f : functions()) out.push_back(f.name);
  return out;
}

}  // namespace kcbx::detail
