// Pack validation: one small function per schema rule, all of them run, all
// diagnostics collected (cel-cpp validator style).
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <functional>
#include <regex>
#include <map>
#include <set>

#include "expr/check.h"
#include "expr/codegen.h"
#include "expr/program.h"
#include "io/id_number.h"
#include "pack/checked_pack.h"
#include "pack/overlap.h"
#include "pack/schema.h"

namespace kcbx::detail {

namespace {

constexpr size_t kMaxDomainValues = schema::kMaxDomainValues;  // sets are u64 bitmasks
constexpr size_t kMaxRows = schema::kMaxRows;
constexpr size_t kMaxItems = schema::kMaxItems;

// A parameter whose `unit` says it counts school days (a deadline in
// 工作日: CheckedPack::deadline_after).
bool unit_is_school_days(const ParamDef& p) { return p.unit.value == "school days" || p.unit.value == "school day"; }

class Validator {
 public:
  Validator(std::shared_ptr<const Pack> pack, std::vector<Diagnostic>& diags)
      : pack_(*pack), diags_(diags) {
    out_ = std::make_shared<CheckedPack>();
    out_->pack = std::move(pack);
  }

  std::shared_ptr<CheckedPack> run() {
    check_sizes();
    check_domains();
    check_unique_names();
    check_fields();
    check_school_calendar();  // before the parameters: a value may count school days
    check_params();
    out_->derives.resize(pack_.derives.size());
    out_->derive_types.resize(pack_.derives.size());
    out_->derive_nullable.resize(pack_.derives.size());
    out_->derive_reads.resize(pack_.derives.size());
    out_->rows.resize(pack_.tables.size());
    out_->table_total.assign(pack_.tables.size(), false);
    out_->row_outputs.resize(pack_.tables.size());
    out_->row_reads.resize(pack_.tables.size());
    derive_state_.assign(pack_.derives.size(), kTodo);
    table_state_.assign(pack_.tables.size(), kTodo);
    make_scope();
    for (size_t d = 0; d < pack_.derives.size(); ++d) check_derive(static_cast<int>(d));
    for (size_t t = 0; t < pack_.tables.size(); ++t) check_table(static_cast<int>(t));
    check_checks();
    check_outputs();
    check_levels();
    check_roles();
    check_lines();
    check_workflow();
    check_ledgers();
    check_indicators();
    check_lists();
    check_calendar();
    check_transfer();
    check_division_codes();
    check_clauses();
    // Needs compiled conditions, so only once everything else is valid.
    if (!has_errors(diags_)) check_unique_overlaps(*out_, diags_);
    if (!has_errors(diags_)) check_unreachable_rows(*out_, diags_);
    if (!has_errors(diags_)) warn_unnamed_values();
    return out_;
  }

 private:
  enum State { kTodo, kActive, kDone, kFailed };

  // A file's place among the files the pack was made from (base first);
  // -1 for one not among them.
  int file_rank(const std::string& file) const {
    for (size_t i = 0; i < pack_.sources.size(); ++i)
      if (pack_.sources[i].first == file) return static_cast<int>(i);
    return -1;
  }

  void error(const SourceLocation& at, const char* code, std::string msg) {
    // The checker may look a name up more than once (to find which operand
    // gives the other its type); report what a lookup finds only once.
    for (const auto& d : diags_)
      if (d.code == code && d.message == msg && d.where.line == at.line &&
          d.where.column == at.column && d.where.file == at.file)
        return;
    diags_.push_back({Severity::kError, at, code, std::move(msg)});
  }

  // A value an extension adds to a base enum field, which no expression
  // names while the base's rules name others: a record with it matches
  // only conditions that do not look at the field, so it falls to whatever
  // row comes last (a province's new registry state 借读 made its pupils
  // suspected dropouts, as the base's rules list the states they mean).
  // A pack's own values are left alone: an author who writes a field and
  // its rules together may mean "every other value" (hukou = migrant,
  // else local), and fields no expression distinguishes steer no rule.
  void warn_unnamed_values() {
    std::set<int> seen;
    for (const auto& f : pack_.fields) {
      if (f.type != TypeKind::kEnum || f.domain < 0 || !seen.insert(f.domain).second) continue;
      const DomainDef& d = pack_.domains[static_cast<size_t>(f.domain)];
      const auto first = named_values_.lower_bound({f.domain, INT_MIN});
      if (first == named_values_.end() || first->first != f.domain) continue;
      for (size_t c = 0; c < d.values.size(); ++c) {
        if (named_values_.count({f.domain, static_cast<int>(c)})) continue;
        const EnumValueDef& v = d.values[c];
        if (v.name.where.file == f.name.where.file) continue;  // the field's own pack's
        diags_.push_back({Severity::kWarning, v.name.where.line > 0 ? v.name.where : f.name.where, "unnamed-value",
                          "no condition or derived value names '" + v.name.value + "', a value of " +
                              f.name.value + ": a record with it matches only what does not look at " +
                              f.name.value + " (say where it belongs, e.g. beside the values it is like)"});
      }
    }
  }

  void check_sizes() {
    size_t rows = 0;
    for (const auto& t : pack_.tables) rows += t.rows.size();
    if (rows > kMaxRows)
      error({pack_.file, 1, 1}, "too-many-rows",
            "the pack has " + std::to_string(rows) + " table rows; the limit is " +
                std::to_string(kMaxRows));
    const size_t items = pack_.fields.size() + pack_.params.size() +
                         pack_.derives.size() + pack_.tables.size();
    if (items > kMaxItems)
      error({pack_.file, 1, 1}, "too-many-items",
            "the pack declares " + std::to_string(items) + " names; the limit is " +
                std::to_string(kMaxItems));
  }

  void check_domains() {
    for (const auto& d : pack_.domains) {
      if (d.values.empty()) error(d.where, "empty-values", "'" + d.name + "' declares no values");
      if (d.values.size() > kMaxDomainValues)
        error(d.where, "too-many-values",
              "'" + d.name + "' has " + std::to_string(d.values.size()) +
                  " values; the limit is " + std::to_string(kMaxDomainValues));
      std::set<std::string> seen;
      for (const auto& v : d.values) {
        for (const Text* t : {&v.name, &v.alias}) {
          if (t->empty()) continue;
          if (!seen.insert(t->value).second)
            error(t->where, "duplicate-value",
                  "'" + t->value + "' is used twice in the values of '" + d.name + "'");
        }
        if (v.name.empty()) error(v.name.where, "empty-value", "empty value name in '" + d.name + "'");
      }
    }
  }

  void check_unique_names() {
    std::map<std::string, SourceLocation> seen;
    seen["as_of"] = {};
    auto add = [&](const Text& name, const char* what) {
      if (name.empty()) return;
      auto [it, fresh] = seen.emplace(name.value, name.where);
      if (!fresh)
        error(name.where, "duplicate-name",
              std::string(what) + " '" + name.value + "' reuses a name " +
                  (!it->second.line ? std::string("reserved by kcbx")
                   // In another file (the base an extension builds on): where.
                   : it->second.file != name.where.file ? "defined at " + it->second.format()
                                                        : "defined at line " + std::to_string(it->second.line)));
      for (unsigned char c : name.value)
        if (!(std::isalnum(c) || c == '_')) {
          // Only a field has an alias; the others keep Chinese in their
          // description (and a table's values in their labels).
          const std::string hint = std::string(what) == "field" ? "put Chinese in 'alias'"
                                   : std::string(what) == "table"
                                       ? "a table has no alias: put Chinese in its 'description' and its values' labels"
                                       : std::string("a ") + what + " has no alias: put Chinese in its 'description'";
          error(name.where, "bad-name",
                std::string(what) + " name '" + name.value + "' must use only letters, digits and '_' (" + hint + ")");
          break;
        }
    };
    for (const auto& f : pack_.fields) add(f.name, "field");
    for (const auto& p : pack_.params) add(p.name, "parameter");
    for (const auto& d : pack_.derives) add(d.name, "derived value");
    for (const auto& t : pack_.tables) add(t.name, "table");
    // A field's alias names it in CSV headers and expressions: two fields
    // with one alias would make both ambiguous.
    std::map<std::string, const FieldDef*> aliases;
    for (const auto& f : pack_.fields) {
      if (f.alias.empty()) continue;
      auto [it, fresh] = aliases.emplace(f.alias.value, &f);
      if (!fresh)
        error(f.alias.where, "duplicate-name",
              "field '" + f.name.value + "' reuses the alias '" + f.alias.value + "' of field '" +
                  it->second->name.value + "' (" + it->second->alias.where.format() + ")");
      else
        aliases_.emplace_back(f.alias.value, f.name.value);
    }
  }

  int domain_of(const Text& values_from, int own, const SourceLocation& where) {
    if (own >= 0) return own;
    if (values_from.empty()) return -1;
    for (const auto& f : pack_.fields)
      if (f.name.value == values_from.value && f.domain >= 0) return f.domain;
    std::vector<std::string> names;
    for (const auto& f : pack_.fields)
      if (f.domain >= 0) names.push_back(f.name.value);
    std::string msg = "'values_from: " + values_from.value + "' names no enum or set field";
    const std::string near = nearest_name(values_from.value, names);
    if (!near.empty()) msg += "; did you mean '" + near + "'?";
    error(values_from.empty() ? where : values_from.where, "unknown-name", msg);
    return -1;
  }

  void check_fields() {
    for (const auto& f : pack_.fields) {
      FieldInfo info;
      info.type.kind = f.type;
      info.type.domain = domain_of(f.values_from, f.domain, f.where);
      if (f.type == TypeKind::kDuration)
        error(f.type_where, "unknown-type", "a field cannot be a duration; use int days");
      if (!f.format.empty()) {
        if (f.format.value != "id_number" && f.format.value != "division_code")
          error(f.format.where, "unknown-format",
                "unknown format '" + f.format.value + "'; the formats are id_number and division_code" +
                    suggest(f.format.value, schema::kFieldFormats));
        else if (f.type != TypeKind::kString)
          error(f.format.where, "wrong-type", "format " + f.format.value + " needs type string");
        info.id_number = f.format.value == "id_number";
        info.division_code = f.format.value == "division_code";
      }
      if (f.default_value && (info.type.domain >= 0 || (f.type != TypeKind::kEnum && f.type != TypeKind::kSet))) {
        ScalarValue v;
        if (auto why = parse_cell(f.default_value->value, info.type, pack_, v))
          error(f.default_value->where, "bad-default", "default of '" + f.name.value + "': " + *why);
        else
          info.default_value = v;
      }
      // An empty set cell is the empty set, not null: "receives no aid" is
      // what an empty 受助情况 cell says, and count(aid) is then 0.
      if (f.type == TypeKind::kSet && !f.default_value && info.type.domain >= 0)
        info.default_value = ScalarValue{TypeKind::kSet, 0, {}};
      info.nullable = !f.required && !info.default_value;
      out_->fields.push_back(std::move(info));
    }
  }

  // Evaluates a parameter value (a constant expression without names).
  std::optional<ScalarValue> eval_constant(const Text& text, TypeKind want,
                                           const std::string& param) {
    // A date written another way (2019-9-15, 2019/09/15, 2019.9.15,
    // 2019年9月15日, 20190915) would be read as arithmetic and reported as
    // an int or a number, or as an unknown unit: said for what it is.
    static const std::regex kOtherDate(
        R"(\s*(\d{4}\s*(-|/|\.|年)\s*\d{1,2}\s*(-|/|\.|月)\s*\d{1,2}\s*(日)?|\d{8})\s*)");
    // (YYYY-MM-DD itself is read as a date literal, which says when it is
    // no real date.)
    static const std::regex kDateShape(R"(\s*\d{4}-\d{2}-\d{2}\s*)");
    if (want == TypeKind::kDate && std::regex_match(text.value, kOtherDate) &&
        !std::regex_match(text.value, kDateShape)) {
      error(text.where, "bad-date", "'" + text.value + "' is not a date; write YYYY-MM-DD");
      return std::nullopt;
    }
    // A string parameter's value is its text (`value: 家庭贫困`, `value:
    // "510104"`): read as an expression, a word was an unknown name and a
    // code an int. A value written as a string literal, in double or
    // single quotes ('"家庭贫困"', "'家庭贫困'"), is still read as one.
    const std::string& written = text.value;
    const bool literal = written.size() >= 2 && (written.front() == '"' || written.front() == '\'') &&
                         written.back() == written.front();
    if (want == TypeKind::kString && !literal) {
      ScalarValue v;
      v.kind = TypeKind::kString;
      v.text = text.value;
      return v;
    }
    auto e = parse_expr(text, diags_);
    if (!e) return std::nullopt;
    Scope empty;
    empty.pack = &pack_;
    empty.lookup = [](const std::string&, const SourceLocation&) -> std::optional<Symbol> {
      return std::nullopt;
    };
    empty.names = [] { return std::vector<std::string>{}; };
    if (!check_expr(*e, empty, diags_)) return std::nullopt;
    Type t = e->type;
    if (!(t.kind == want || (want == TypeKind::kNumber && t.kind == TypeKind::kInt))) {
      error(e->where, "type-mismatch",
            "parameter '" + param + "' is " + type_name(want) + " but this value is " +
                type_name(t.kind) +
                (want == TypeKind::kDuration ? "; write e.g. '7 days' or '1 month'" : ""));
      return std::nullopt;
    }
    Program prog;
    prog.school_days = out_->school_days;
    CodeGen gen(prog);
    gen.symbol_slot = [](SymbolKind, int) -> int { return -1; };
    gen.param_slot = [](int) { return -1; };
    const int slot = gen.emit(*e);
    Frame frame(prog, 1);
    for (const auto& lit : prog.literals) {
      if (prog.slots[static_cast<size_t>(lit.slot)].kind == TypeKind::kString)
        frame.set_scalar_string(lit.slot, lit.text);
      else
        frame.set_scalar_bits(lit.slot, lit.bits);
    }
    frame.run_prelude();
    ScalarValue v;
    v.kind = want;
    if (t.kind == TypeKind::kString) {
      v.text = std::string(*static_cast<std::string_view*>(frame.data(slot)));
    } else {
      std::memcpy(&v.bits, frame.data(slot), static_cast<size_t>(width_of(t.kind)));
      if (t.kind == TypeKind::kDate || t.kind == TypeKind::kBool) {
        int64_t x = 0;
        std::memcpy(&x, frame.data(slot), static_cast<size_t>(width_of(t.kind)));
        v.bits = t.kind == TypeKind::kDate ? static_cast<int64_t>(*static_cast<int32_t*>(frame.data(slot)))
                                           : static_cast<int64_t>(*static_cast<uint8_t*>(frame.data(slot)));
      }
      if (want == TypeKind::kNumber && t.kind == TypeKind::kInt) {
        const double d = static_cast<double>(v.bits);
        std::memcpy(&v.bits, &d, 8);
      }
    }
    return v;
  }

  void check_params() {
    for (const auto& p : pack_.params) {
      std::vector<ParamPeriod> periods;
      if (p.type == TypeKind::kEnum || p.type == TypeKind::kSet)
        error(p.type_where, "unknown-type", "parameters cannot be enum or set; use a field or a list");
      for (const auto& v : p.values) {
        if (v.value.empty()) continue;
        auto value = eval_constant(v.value, p.type, p.name.value);
        if (!value) continue;
        if (p.type == TypeKind::kDuration) {
          // A week, a month, a deadline: a duration the policy sets runs
          // forward. "-3 days" moves every date that adds it backwards.
          Duration d;
          std::memcpy(static_cast<void*>(&d), &value->bits, sizeof d);
          if (d.months < 0 || d.days < 0)
            diags_.push_back({Severity::kWarning, v.value.where, "negative-duration",
                              "parameter '" + p.name.value + "' is " + v.value.value +
                                  ", a negative duration: every date that adds it moves backwards"});
        }
        // A deadline in school days runs forward too (an int counted on
        // the school calendar: see CheckedPack::deadline_after).
        if (p.type == TypeKind::kInt && unit_is_school_days(p) &&
            value->bits < 0)
          diags_.push_back({Severity::kWarning, v.value.where, "negative-duration",
                            "parameter '" + p.name.value + "' is " + v.value.value +
                                " school days, a negative duration: every date that adds it moves backwards"});
        periods.push_back({v.from, *value, v.where});
      }
      std::stable_sort(periods.begin(), periods.end(), [](const ParamPeriod& a, const ParamPeriod& b) {
        return a.from.value_or(Date::from_days(Date::kMinDays)) <
               b.from.value_or(Date::from_days(Date::kMinDays));
      });
      for (size_t i = 1; i < periods.size(); ++i)
        if (periods[i].from == periods[i - 1].from)
          error(periods[i].where, "duplicate-date",
                "parameter '" + p.name.value + "' has two values from the same date");
      out_->params.push_back(std::move(periods));
    }
  }

  void make_scope() {
    scope_.pack = &pack_;
    scope_.aliases = &aliases_;
    scope_.named_values = &named_values_;
    scope_.names = [this] {
      std::vector<std::string> n{"as_of"};
      for (const auto& f : pack_.fields) n.push_back(f.name.value);
      for (const auto& p : pack_.params) n.push_back(p.name.value);
      for (const auto& d : pack_.derives) n.push_back(d.name.value);
      for (const auto& t : pack_.tables) n.push_back(t.name.value);
      return n;
    };
    scope_.lookup = [this](const std::string& name, const SourceLocation& where) -> std::optional<Symbol> {
      if (name == "as_of") return Symbol{SymbolKind::kAsOf, -1, {TypeKind::kDate, -1}, false, true};
      for (size_t i = 0; i < pack_.fields.size(); ++i)
        if (pack_.fields[i].name.value == name) {
          const FieldInfo& f = out_->fields[i];
          if ((f.type.kind == TypeKind::kEnum || f.type.kind == TypeKind::kSet) && f.type.domain < 0)
            return Symbol{};  // already reported
          return Symbol{SymbolKind::kField, static_cast<int>(i), f.type, f.nullable, false};
        }
      for (size_t i = 0; i < pack_.params.size(); ++i)
        if (pack_.params[i].name.value == name) {
          if (out_->params[i].empty()) {
            // A value that was written but is invalid was reported already.
            for (const auto& v : pack_.params[i].values)
              if (!v.value.empty()) return Symbol{};
            error(where, "no-value",
                  "parameter '" + name + "' has no value (line " +
                      std::to_string(pack_.params[i].where.line) +
                      "); set one before using it");
            return Symbol{};
          }
          return Symbol{SymbolKind::kParam, static_cast<int>(i),
                        {pack_.params[i].type, -1}, false, true};
        }
      for (size_t i = 0; i < pack_.derives.size(); ++i)
        if (pack_.derives[i].name.value == name) {
          if (!check_derive(static_cast<int>(i))) return Symbol{};
          return Symbol{SymbolKind::kDerive, static_cast<int>(i), out_->derive_types[i],
                        out_->derive_nullable[i], false};
        }
      for (size_t i = 0; i < pack_.tables.size(); ++i)
        if (pack_.tables[i].name.value == name) {
          if (!check_table(static_cast<int>(i))) return Symbol{};
          const TableDef& t = pack_.tables[i];
          const int dom = domain_of(t.values_from, t.domain, t.where);
          if (t.hit_policy == HitPolicy::kCollect)
            return Symbol{SymbolKind::kTable, static_cast<int>(i), {TypeKind::kSet, dom}, false, false};
          return Symbol{SymbolKind::kTable, static_cast<int>(i), {TypeKind::kEnum, dom},
                        !out_->table_total[i], false};
        }
      return std::nullopt;
    };
  }

  // "; did you mean 'x'?" for the nearest of `words`, or "".
  static std::string suggest(const std::string& name, schema::Keys words) {
    const std::string near = nearest_name(name, std::vector<std::string>(words.begin(), words.end()));
    return near.empty() ? std::string() : "; did you mean '" + near + "'?";
  }

  // `name` is reached again while it is being checked: the message gives
  // the path around the cycle ("a -> b -> a"), for an author who edited one
  // link of it and is told about another.
  void cycle(const SourceLocation& at, const std::string& name) {
    std::string path;
    const auto first = std::find(active_.begin(), active_.end(), name);
    for (auto it = first; it != active_.end(); ++it) path += *it + " -> ";
    error(at, "dependency-cycle", "'" + name + "' depends on itself" + (path.empty() ? "" : ": " + path + name));
  }
  // The derived values and tables being checked, outermost first.
  std::vector<std::string> active_;
  struct Active {
    std::vector<std::string>& stack;
    Active(std::vector<std::string>& s, const std::string& name) : stack(s) { stack.push_back(name); }
    ~Active() { stack.pop_back(); }
  };

  bool check_derive(int d) {
    auto& st = derive_state_[static_cast<size_t>(d)];
    const DeriveDef& def = pack_.derives[static_cast<size_t>(d)];
    if (st == kDone) return true;
    if (st == kFailed) return false;
    if (st == kActive) {
      cycle(def.expr.where, def.name.value);
      return false;
    }
    st = kActive;
    const Active active(active_, def.name.value);
    auto e = parse_expr(def.expr, diags_);
    bool ok = e && check_expr(*e, scope_, diags_);
    if (ok && e->type.kind == TypeKind::kDuration && !e->constant) {
      error(e->where, "not-constant", "a derived duration must not depend on a record");
      ok = false;
    }
    if (!ok) {
      st = kFailed;
      return false;
    }
    out_->derive_types[static_cast<size_t>(d)] = e->type;
    out_->derive_nullable[static_cast<size_t>(d)] = e->nullable;
    collect_reads(*e, out_->derive_reads[static_cast<size_t>(d)]);
    out_->derives[static_cast<size_t>(d)] = std::move(e);
    out_->order.push_back({Item::kDerive, d});
    st = kDone;
    return true;
  }

  bool check_table(int t) {
    auto& st = table_state_[static_cast<size_t>(t)];
    const TableDef& def = pack_.tables[static_cast<size_t>(t)];
    if (st == kDone) return true;
    if (st == kFailed) return false;
    if (st == kActive) {
      cycle(def.where, def.name.value);
      return false;
    }
    st = kActive;
    const Active active(active_, def.name.value);
    const size_t before = diags_.size();
    const int dom = domain_of(def.values_from, def.domain, def.where);
    SeenIds ids;
    bool unconditional_seen = false;
    std::string unconditional_id;
    SourceLocation unconditional_where;  // where to look: maybe another file (extends:)
    std::vector<std::string> cut_off;    // rows of other files after it
    auto& rows = out_->rows[static_cast<size_t>(t)];
    auto& outputs = out_->row_outputs[static_cast<size_t>(t)];
    auto& reads = out_->row_reads[static_cast<size_t>(t)];
    if (def.rows.empty()) error(def.where, "empty-table", "table '" + def.name.value + "' has no rows");
    if (def.hit_policy == HitPolicy::kCollect && def.rows.size() > schema::kMaxCollectRows)
      error(def.where, "too-many-rows",
            "a collect table holds at most " + std::to_string(schema::kMaxCollectRows) + " rows");
    for (const auto& row : def.rows) {
      if (auto again = row.id.empty() ? std::nullopt : ids.repeat(row.id))
        error(row.id.where, "duplicate-row-id",
              "duplicate row id '" + row.id.value + "' in table '" + def.name.value + "'" + *again);
      if (unconditional_seen && def.hit_policy == HitPolicy::kFirst) {
        // Rows of a base that an extension's row cuts off are one error at
        // that row, not one at each of the base's rows (which the author
        // cannot edit); a row an extension adds after the base's catch-all
        // is reported where the extension wrote it.
        if (file_rank(row.where.file) < file_rank(unconditional_where.file))
          cut_off.push_back(row.id.value);
        else
          error(row.where, "unreachable-row",
                "row '" + row.id.value + "' can never match: row '" + unconditional_id +
                    "' before it matches every record (row '" + unconditional_id + "' is at " +
                    unconditional_where.format() + ")");
      }
      ExprPtr cond;
      if (!row.when.empty()) {
        cond = parse_expr(row.when, diags_);
        if (cond && check_expr(*cond, scope_, diags_)) {
          if (cond->type.kind != TypeKind::kBool) {
            error(cond->where, "type-mismatch",
                  "'when' must be a condition (bool), not " + describe_type(cond->type, pack_));
          } else if (cond->kind == ExprKind::kLiteral && cond->int_value == 1) {
            cond.reset();  // `when: true`
          }
        }
      }
      if (!unconditional_seen && (row.when.empty() || (!cond && diags_.size() == before))) {
        unconditional_seen = true;
        unconditional_id = row.id.value;
        unconditional_where = row.where;
      }
      std::vector<std::string> r;
      if (cond) collect_reads(*cond, r);
      reads.push_back(std::move(r));
      int code = -1;
      if (dom >= 0) {
        code = find_enum_value(pack_.domains[static_cast<size_t>(dom)], row.then.value);
        if (code < 0 && !row.then.empty()) {
          std::vector<std::string> names;
          for (const auto& v : pack_.domains[static_cast<size_t>(dom)].values) names.push_back(v.name.value);
          std::string msg = "'" + row.then.value + "' is not a value of table '" + def.name.value + "'";
          const std::string near = nearest_name(row.then.value, names);
          if (!near.empty()) msg += "; did you mean '" + near + "'?";
          error(row.then.where, "unknown-value", msg);
        }
      }
      rows.push_back(std::move(cond));
      outputs.push_back(code);
    }
    if (!cut_off.empty()) {
      std::string names;
      for (size_t i = 0; i < cut_off.size(); ++i) names += (i ? ", '" : "'") + cut_off[i] + "'";
      error(unconditional_where, "unreachable-row",
            "row '" + unconditional_id + "' has no condition and matches every record, so the " +
                std::to_string(cut_off.size()) + " row" + (cut_off.size() == 1 ? "" : "s") + " after it can never match (" +
                names + "); give it a 'when' or place it after them");
    }
    if (diags_.size() != before && has_errors({diags_.begin() + static_cast<long>(before), diags_.end()})) {
      st = kFailed;
      return false;
    }
    // A first-hit table whose last row always matches gives every record a
    // value: its output is never null, which spares later expressions their
    // null handling.
    out_->table_total[static_cast<size_t>(t)] =
        def.hit_policy == HitPolicy::kFirst && !rows.empty() && !rows.back() && !def.rows.back().change.remove;
    // The main decision (the first table: what classify writes, cases open
    // on and ledgers count) should give every record a value; a record no
    // row matches is only counted as "(no row matched)". An extension that
    // removes the base's last row is the usual way to lose it.
    if (t == 0 && def.hit_policy == HitPolicy::kFirst && !rows.empty() && !out_->table_total[0])
      diags_.push_back({Severity::kWarning, def.rows_changed_at.line > 0 ? def.rows_changed_at : def.name.where,
                        "no-default-row",
                        "the last row of table '" + def.name.value + "' has a condition: a record no row "
                        "matches gets no " + def.name.value + "; end the table with a row without 'when'"});
    out_->order.push_back({Item::kTable, t});
    st = kDone;
    return true;
  }

  void check_checks() {
    SeenIds ids;
    for (const auto& c : pack_.checks) {
      if (auto again = c.id.empty() ? std::nullopt : ids.repeat(c.id))
        error(c.id.where, "duplicate-row-id", "duplicate check id '" + c.id.value + "'" + *again);
      ExprPtr e;
      bool checked = false;
      if (!c.require.empty()) {
        e = parse_expr(c.require, diags_);
        checked = e && check_expr(*e, scope_, diags_);
        if (checked && e->type.kind != TypeKind::kBool)
          error(e->where, "type-mismatch", "'require' must be a condition (bool)");
      }
      std::string column;
      std::vector<int> fields;
      if (!c.column.empty()) {
        if (find_named(pack_.fields, c.column, "field") >= 0) column = c.column.value;
      } else if (checked) {
        std::vector<std::string> reads;
        collect_reads(*e, reads);
        column = first_field(reads, 0);
        fields_read(reads, 0, fields);
      }
      out_->check_columns.push_back(std::move(column));
      out_->check_fields.push_back(std::move(fields));
      out_->checks.push_back(std::move(e));
    }
  }

  // The first field among `names`, a derived value standing for the
  // fields it reads (depth-first): `birth` is birth_date (or id_number).
  std::string first_field(const std::vector<std::string>& names, int depth) {
    for (const std::string& n : names) {
      for (const auto& f : pack_.fields)
        if (f.name.value == n) return n;
      if (depth > 16) continue;  // derived values cannot cycle; a bound all the same
      for (size_t d = 0; d < pack_.derives.size(); ++d)
        if (pack_.derives[d].name.value == n && d < out_->derive_reads.size())
          if (std::string f = first_field(out_->derive_reads[d], depth + 1); !f.empty()) return f;
    }
    return "";
  }

  // Every field `names` read, directly or through derived values, in the
  // order first_field looks (its first is first_field's), each once.
  void fields_read(const std::vector<std::string>& names, int depth, std::vector<int>& out) {
    for (const std::string& n : names) {
      bool field = false;
      for (size_t f = 0; f < pack_.fields.size(); ++f)
        if (pack_.fields[f].name.value == n) {
          field = true;
          if (std::find(out.begin(), out.end(), static_cast<int>(f)) == out.end()) out.push_back(static_cast<int>(f));
        }
      if (field || depth > 16) continue;
      for (size_t d = 0; d < pack_.derives.size(); ++d)
        if (pack_.derives[d].name.value == n && d < out_->derive_reads.size())
          fields_read(out_->derive_reads[d], depth + 1, out);
    }
  }

  // Ids seen in one list, for "duplicate ... id" messages that say where
  // the first one is.
  struct SeenIds {
    std::map<std::string, SourceLocation> first;
    // nullopt for an id seen first, else " (first at file:line:col)".
    std::optional<std::string> repeat(const Text& id) {
      auto [it, added] = first.emplace(id.value, id.where);
      if (added) return std::nullopt;
      return it->second.line ? " (first at " + it->second.format() + ")" : std::string();
    }
  };

  void check_outputs() {
    for (const auto& o : pack_.outputs) {
      auto s = scope_.lookup(o.value, o.where);
      if (!s) {
        std::string msg = "output '" + o.value + "' is no field, derived value or table";
        const std::string near = nearest_name(o.value, scope_.names());
        if (!near.empty()) msg += "; did you mean '" + near + "'?";
        error(o.where, "unknown-name", msg);
      } else if (s->kind == SymbolKind::kParam || s->kind == SymbolKind::kAsOf) {
        error(o.where, "wrong-type", "output '" + o.value + "' must be a per-record value");
      }
    }
  }

  template <class Def>
  int find_named(const std::vector<Def>& defs, const Text& name, const char* what,
                 const char* code = "unknown-name") {
    for (size_t i = 0; i < defs.size(); ++i)
      if (defs[i].name.value == name.value) return static_cast<int>(i);
    std::vector<std::string> names, sharing;
    for (const auto& d : defs) {
      names.push_back(d.name.value);
      if constexpr (requires { d.alias; })
        if (!d.alias.value.empty() && d.alias.value == name.value) sharing.push_back(d.name.value);
    }
    if (sharing.size() > 1) {  // an alias stands for one name only (names_for_aliases)
      error(name.where, code, "'" + name.value + "' is the alias of " + std::string(what) + "s '" + sharing[0] +
                                  "' and '" + sharing[1] + "'; write the name of the one meant");
      return -1;
    }
    std::string msg = "unknown " + std::string(what) + " '" + name.value + "'";
    const std::string near = nearest_name(name.value, names);
    if (!near.empty()) msg += "; did you mean '" + near + "'?";
    error(name.where, code, msg);
    return -1;
  }

  // The parameter a deadline key names: a duration, or an int counted in
  // school days (CheckedPack::deadline_after). A duration written in its
  // place ("5 days") is told how to write it: the deadline is a parameter
  // so that it has a clause and may change on a date.
  int duration_param(const Text& name, const char* key) {
    if (!name.value.empty() && std::isdigit(static_cast<unsigned char>(name.value[0]))) {
      error(name.where, "wrong-type",
            "'" + std::string(key) + "' names a duration parameter, not a duration: define one under "
            "'parameters' (say, my_deadline: {type: duration, value: " + name.value +
                ", clause: ...}) and write its name here");
      return -1;
    }
    const int i = find_named(pack_.params, name, "parameter");
    if (i < 0) return i;
    const ParamDef& p = pack_.params[static_cast<size_t>(i)];
    // A deadline in school days (5个工作日): an int parameter that says so.
    if (p.type == TypeKind::kInt && out_->is_school_day_deadline(i)) return i;
    // The unit counts school days only on an int parameter: a duration's
    // own unit (days) wins, which its author may not have meant.
    if (p.type == TypeKind::kDuration && unit_is_school_days(p))
      diags_.push_back({Severity::kWarning, p.unit.where, "school-days-duration",
                        "parameter '" + p.name.value + "' is a duration, whose days are calendar days whatever its "
                        "unit; for a deadline in school days make it {type: int, unit: school days, value: N}"});
    if (p.type == TypeKind::kInt)
      error(name.where, "wrong-type",
            "'" + std::string(key) + "' names int parameter '" + name.value +
                "': a deadline in school days needs 'unit: school days' on it (counted on the school_calendar); "
                "else name a duration parameter");
    else if (p.type != TypeKind::kDuration)
      error(name.where, "wrong-type",
            "'" + std::string(key) + "' must name a duration parameter (or an int one with 'unit: school days'); '" +
                name.value + "' is " + type_name(p.type));
    return i;
  }

  void check_levels() {
    for (const auto& l : pack_.levels) {
      std::vector<int> fields;
      for (const auto& f : l.fields) {
        const int fi = find_named(pack_.fields, f, "field");
        if (fi >= 0 && pack_.fields[static_cast<size_t>(fi)].type != TypeKind::kString)
          error(f.where, "wrong-type", "level '" + l.name.value + "' needs string fields");
        fields.push_back(fi);
      }
      if (l.prefix > 0 && l.fields.size() != 1)
        error(l.where, "wrong-type", "'prefix' applies to a single field");
      out_->level_fields.push_back(std::move(fields));
    }
  }

  void check_roles() {
    for (const auto& r : pack_.roles) {
      out_->role_level.push_back(r.level.empty() ? -1 : find_named(pack_.levels, r.level, "level"));
      out_->role_line.push_back(r.line.empty() ? -1 : find_named(pack_.lines, r.line, "line"));
      SeenIds ids;
      for (const auto& d : r.duties)
        if (auto again = ids.repeat(d.id))
          error(d.id.where, "duplicate-row-id", "duplicate duty id '" + d.id.value + "'" + *again);
    }
  }

  void check_lines() {
    for (size_t li = 0; li < pack_.lines.size(); ++li) {
      const auto& l = pack_.lines[li];
      std::vector<int> roles;
      std::set<std::string> seen;
      if (l.chain.empty()) error(l.where, "empty-line", "line '" + l.name.value + "' names no roles");
      for (const auto& r : l.chain) {
        if (!seen.insert(r.value).second) {
          error(r.where, "escalation-cycle",
                "role '" + r.value + "' appears twice in line '" + l.name.value + "'");
          continue;
        }
        roles.push_back(find_named(pack_.roles, r, "role"));
      }
      out_->line_roles.push_back(std::move(roles));
    }
    // A role's `line:` is the line its lapses escalate along, and a line
    // escalates along its chain: a role its own line's chain leaves out
    // escalates along another line that lists it, or to no one, its
    // supervisors missing from every accountability list (SPEC R2
    // 上级查下级). Said, since the pack reads as if it went up its own line.
    for (size_t ri = 0; ri < pack_.roles.size() && ri < out_->role_line.size(); ++ri) {
      const int li = out_->role_line[ri];
      if (li < 0 || static_cast<size_t>(li) >= out_->line_roles.size()) continue;
      auto lists = [&](size_t l) {
        const auto& chain = out_->line_roles[l];
        return std::find(chain.begin(), chain.end(), static_cast<int>(ri)) != chain.end();
      };
      if (lists(static_cast<size_t>(li))) continue;
      const auto& role = pack_.roles[ri];
      const auto& line = pack_.lines[static_cast<size_t>(li)];
      std::string names;
      for (const auto& r : line.chain) names += (names.empty() ? "" : ", ") + r.value;
      std::string instead = "its lapses escalate to no one";
      for (size_t l = 0; l < out_->line_roles.size(); ++l)
        if (lists(l)) {
          instead = "its lapses escalate along line '" + pack_.lines[l].name.value + "' instead";
          break;
        }
      // A warning, not an error: the pack works, and a role above the
      // county (a prefecture head) may well have no one to escalate to.
      diags_.push_back({Severity::kWarning, role.line.where, "role-not-in-line",
                        "role '" + role.name.value + "' is on line '" + line.name.value + "', whose chain [" + names +
                            "] does not list it: " + instead + "; add it to the chain where it reports (in an "
                            "extension: lines: {" + line.name.value + ": {override: true, chain: [...]}})"});
    }
    check_role_graph(pack_, out_->line_roles, diags_);
  }

  void check_workflow() {
    const WorkflowDef& wf = pack_.workflow;
    CheckedWorkflow& out = out_->workflow;
    if (!wf.present) return;
    out.present = true;
    if (!wf.opens_when.empty()) {
      out.opens_when = parse_expr(wf.opens_when, diags_);
      if (out.opens_when && check_expr(*out.opens_when, scope_, diags_) &&
          out.opens_when->type.kind != TypeKind::kBool)
        error(out.opens_when->where, "type-mismatch", "'opens_when' must be a condition (bool)");
    }
    if (!wf.opened_on.empty()) {
      out.opened_on = parse_expr(wf.opened_on, diags_);
      if (out.opened_on && check_expr(*out.opened_on, scope_, diags_) &&
          out.opened_on->type.kind != TypeKind::kDate)
        error(out.opened_on->where, "type-mismatch", "'opened_on' must be a date");
    }
    if (!wf.events_after.empty()) {
      out.events_after = find_named(pack_.fields, wf.events_after, "field");
      if (out.events_after >= 0 && pack_.fields[static_cast<size_t>(out.events_after)].type != TypeKind::kDate)
        error(wf.events_after.where, "wrong-type",
              "'events_after' names a date field (the last day at school); '" + wf.events_after.value +
                  "' is not a date");
    }
    // The progress note's placeholders: {done} and {needed} only (a typo
    // would be shown to every official as it is).
    for (size_t at = wf.progress_note.value.find('{'); at != std::string::npos;
         at = wf.progress_note.value.find('{', at + 1)) {
      const std::string_view rest = std::string_view(wf.progress_note.value).substr(at);
      if (!rest.starts_with("{done}") && !rest.starts_with("{needed}")) {
        error(wf.progress_note.where, "unknown-name",
              "'progress_note' takes {done} and {needed}; '" + std::string(rest.substr(0, std::min(rest.find('}'), rest.size() - 1) + 1)) +
                  "' is neither");
        break;
      }
    }
    if (wf.event_domain < 0) return;
    const DomainDef& events = pack_.domains[static_cast<size_t>(wf.event_domain)];
    auto event_code = [&](const Text& t) {
      const int c = find_enum_value(events, t.value);
      if (c < 0) {
        // Written by name or by its Chinese label: a typo in either is
        // suggested the value it is near.
        std::vector<std::string> names;
        for (const auto& v : events.values) {
          names.push_back(v.name.value);
          if (!v.alias.empty()) names.push_back(v.alias.value);
        }
        std::string msg = "unknown event type '" + t.value + "'";
        const std::string near = nearest_name(t.value, names);
        if (!near.empty()) msg += "; did you mean '" + near + "'?";
        error(t.where, "unknown-value", msg);
      }
      return c;
    };
    if (!wf.closes_on.empty()) out.closes_on = event_code(wf.closes_on);
    for (const auto& ed : wf.event_dates) {
      CheckedWorkflow::EventDate x;
      x.field = find_named(pack_.fields, ed.field, "field");
      if (x.field >= 0 && pack_.fields[static_cast<size_t>(x.field)].type != TypeKind::kDate)
        error(ed.field.where, "wrong-type", "'event_dates' fills date fields; '" + ed.field.value + "' is not a date");
      for (const auto& e : ed.events) x.events.push_back(event_code(e));
      out.event_dates.push_back(std::move(x));
    }
    SeenIds ids;
    for (const auto& st : wf.stages) {
      CheckedStage cs;
      if (auto again = st.id.empty() ? std::nullopt : ids.repeat(st.id))
        error(st.id.where, "duplicate-row-id", "duplicate stage id '" + st.id.value + "'" + *again);
      if (!st.role.empty()) cs.role = find_named(pack_.roles, st.role, "role");
      for (const auto& e : st.events) cs.events.push_back(event_code(e));
      cs.count = st.count;
      if (!st.count_param.empty()) {
        cs.count_param = find_named(pack_.params, st.count_param, "parameter");
        if (cs.count_param >= 0) {
          const ParamDef& p = pack_.params[static_cast<size_t>(cs.count_param)];
          if (p.type != TypeKind::kInt)
            error(st.count_param.where, "wrong-type",
                  "'count' takes a whole number or an int parameter; '" + p.name.value + "' is " + type_name(p.type));
          else if (static_cast<size_t>(cs.count_param) < out_->params.size()) {
            // A stage always needs its count: a value since always, each
            // value a whole number of events as `count` takes one.
            const std::vector<ParamPeriod>& values = out_->params[static_cast<size_t>(cs.count_param)];
            if (values.empty() || values.front().from)
              error(st.count_param.where, "no-value",
                    "parameter '" + p.name.value + "' is the count of stage '" + st.id.value +
                        "' and needs a value in force since always (a first value without 'from')");
            for (const ParamPeriod& v : values)
              if (v.value.bits < 1 || v.value.bits > 1000000) {
                error(v.where, "out-of-range",
                      "parameter '" + p.name.value + "' is the count of stage '" + st.id.value +
                          "': 1 to 1000000 events, not " + std::to_string(v.value.bits));
                break;
              }
          }
        }
      } else if (st.count < 1) {
        error(st.count_where, "wrong-type", "'count' must be at least 1");
      }
      if (!st.due_after.empty()) cs.due_param = duration_param(st.due_after, "due_after");
      if (!st.due_from.empty() && st.due_from.value != "stage_start" && st.due_from.value != "case_opened")
        error(st.due_from.where, "unknown-value",
              "'due_from' is stage_start or case_opened" + suggest(st.due_from.value, schema::kDueFrom));
      cs.from_case_opened = st.due_from.value == "case_opened";
      if (!st.count_by.empty() && st.count_by.value != "event" && st.count_by.value != "day")
        error(st.count_by.where, "unknown-value",
              "'count_by' is event or day" + suggest(st.count_by.value, schema::kCountBy));
      cs.count_days = st.count_by.value == "day";
      if (!st.when.empty()) cs.when_flag = flag(st.when, "stage:" + st.id.value);
      out.stages.push_back(std::move(cs));
    }
  }

  // Compiles a per-record condition into a flag; -1 when it does not check.
  int flag(const Text& text, const std::string& name) {
    if (text.empty()) return -1;
    auto e = parse_expr(text, diags_);
    if (!e || !check_expr(*e, scope_, diags_)) return -1;
    if (e->type.kind != TypeKind::kBool) {
      error(e->where, "type-mismatch", "'" + name + "' must be a condition (bool)");
      return -1;
    }
    if (out_->flags.size() >= schema::kMaxFlags) {
      error(text.where, "too-many-items",
            "at most " + std::to_string(schema::kMaxFlags) + " ledger, indicator and stage conditions");
      return -1;
    }
    out_->flags.push_back(std::move(e));
    out_->flag_names.push_back(name);
    return static_cast<int>(out_->flags.size() - 1);
  }

  ParamOrValue param_or_value(const Text& t, TypeKind kind) {
    ParamOrValue out;
    if (t.empty()) return out;
    // A bare name is a parameter: say which one was meant.
    const bool name = std::all_of(t.value.begin(), t.value.end(), [](unsigned char c) {
      return std::isalpha(c) || c == '_' || std::isdigit(c);
    }) && (std::isalpha(static_cast<unsigned char>(t.value[0])) || t.value[0] == '_');
    if (name && t.value != "true" && t.value != "false" && t.value != "null" &&
        std::none_of(pack_.params.begin(), pack_.params.end(),
                     [&](const ParamDef& p) { return p.name.value == t.value; })) {
      find_named(pack_.params, t, "parameter");
      return out;
    }
    for (size_t i = 0; i < pack_.params.size(); ++i)
      if (pack_.params[i].name.value == t.value) {
        const TypeKind pk = pack_.params[i].type;
        if (pk != kind && !(kind == TypeKind::kNumber && pk == TypeKind::kInt))
          error(t.where, "type-mismatch", "parameter '" + t.value + "' is " + type_name(pk) +
                                              ", expected " + type_name(kind));
        out.param = static_cast<int>(i);
        return out;
      }
    out.value = eval_constant(t, kind, t.value);
    return out;
  }

  void check_ledgers() {
    const LedgersDef& l = pack_.ledgers;
    CheckedLedgers& out = out_->ledgers;
    if (!l.present) return;
    out.present = true;
    out.include_flag = flag(l.include, "ledger");
    for (const auto& lv : l.levels) out.levels.push_back(find_named(pack_.levels, lv, "level"));
    if (!l.totals_by.empty()) out.totals_table = find_named(pack_.tables, l.totals_by, "table");
    // The totals count each child once under its one value; a collect
    // table gives a set per child, and its totals came out as zeros.
    if (out.totals_table >= 0 && pack_.tables[static_cast<size_t>(out.totals_table)].hit_policy == HitPolicy::kCollect)
      error(l.totals_by.where, "wrong-type",
            "'totals_by' needs a table with one value per record; '" + l.totals_by.value +
                "' is a collect table (a set per record)");
    const std::string key = out_->key_field();  // every ledger's second column already
    for (const auto& c : l.columns) {
      if (!c.from_case && !key.empty() && c.name.value == key) {
        error(c.name.where, "duplicate-name",
              "'" + key + "' is the record key, which every ledger shows after the jurisdiction; listed here it "
              "would be a second column of the same name: remove it");
        continue;
      }
      if (c.from_case) {
        bool known = false;
        known = schema::contains(schema::kLedgerCaseColumns, c.name.value);
        if (!known)
          error(c.name.where, "unknown-name",
                "unknown case column '" + c.name.value +
                    "'; use persuasion_status, stage, next_action, due, days_overdue, opened or responsible" +
                    suggest(c.name.value, schema::kLedgerCaseColumns));
        continue;
      }
      bool clause = false;
      if (out_->table_rule_column(c.name.value, &clause) < 0 && !scope_.lookup(c.name.value, c.name.where)) {
        std::string msg = "ledger column '" + c.name.value + "' is no field, derived value, table or table's rule or clause";
        if (schema::contains(schema::kLedgerCaseColumns, c.name.value)) {
          // A value of the child's case, written without its marker.
          error(c.name.where, "unknown-name",
                msg + "; it is a value of the child's case: write {name: " + c.name.value + ", case: true}");
          continue;
        }
        std::vector<std::string> names = scope_.names();
        for (size_t t = 0; t < pack_.tables.size(); ++t)
          for (const char* part : {"_rule", "_clause"}) names.push_back(pack_.tables[t].name.value + part);
        names.push_back("rule");
        names.push_back("clause");
        const std::string near = nearest_name(c.name.value, names);
        if (!near.empty()) msg += "; did you mean '" + near + "'?";
        error(c.name.where, "unknown-name", msg);
      }
    }
    for (const auto& g : l.special) out.special_flags.push_back(flag(g.when, g.name.value));
    for (const auto& g : l.key_groups) out.group_flags.push_back(flag(g.when, g.name.value));
  }

  void check_indicators() {
    for (const auto& d : pack_.indicators) {
      CheckedIndicator ci;
      ci.numerator_flag = flag(d.numerator, d.name.value + ".numerator");
      ci.denominator_flag = flag(d.denominator, d.name.value + ".denominator");
      ci.count_flag = flag(d.count, d.name.value);
      ci.at_least = param_or_value(d.at_least, TypeKind::kNumber);
      ci.at_most = param_or_value(d.at_most, TypeKind::kNumber);
      ci.as_of = param_or_value(d.as_of, TypeKind::kDate);
      if (!d.numerator.empty() || !d.denominator.empty()) {
        rate_threshold(d, d.at_least, ci.at_least);
        rate_threshold(d, d.at_most, ci.at_most);
      }
      out_->indicators.push_back(std::move(ci));
    }
  }

  // A rate is a share, 0 to 1: a threshold written as a percentage (95
  // for 95%) would be missed, or met, by every jurisdiction without a word.
  void rate_threshold(const IndicatorDef& d, const Text& written, const ParamOrValue& t) {
    auto number = [](const ScalarValue& v) {
      if (v.kind == TypeKind::kInt) return static_cast<double>(v.bits);
      double x;
      std::memcpy(&x, &v.bits, sizeof x);
      return x;
    };
    auto check = [&](double v, const SourceLocation& at, const std::string& what) {
      if (v >= 0 && v <= 1) return true;
      char shown[32];
      std::snprintf(shown, sizeof shown, "%g", v);
      error(at, "out-of-range",
            what + " is " + shown + ", but indicator '" + d.name.value +
                "' is a rate, a share from 0 to 1: write 0.95 for 95%");
      return false;
    };
    if (t.value) {
      check(number(*t.value), written.where, "the threshold");
    } else if (t.param >= 0 && static_cast<size_t>(t.param) < out_->params.size()) {
      for (const ParamPeriod& p : out_->params[static_cast<size_t>(t.param)])
        if (!check(number(p.value), p.where, "parameter '" + written.value + "'")) break;
    }
  }

  void check_lists() {
    for (const auto& l : pack_.lists) {
      bool known = false;
      known = schema::contains(schema::kListKinds, l.kind.value);
      if (!known)
        error(l.kind.where, "unknown-value",
              "unknown list kind '" + l.kind.value +
                  "'; use problem, responsibility, closure, accountability or aid_gaps" +
                  suggest(l.kind.value, schema::kListKinds));
      if (!l.group_by.empty()) find_named(pack_.fields, l.group_by, "field");
      for (const auto& r : l.roles) find_named(pack_.roles, r, "role");
      if (l.kind.value == "aid_gaps") {
        const int t = l.eligible.empty() ? -1 : find_named(pack_.tables, l.eligible, "table");
        const int f = l.receiving.empty() ? -1 : find_named(pack_.fields, l.receiving, "field");
        if (l.eligible.empty() || l.receiving.empty())
          error(l.where, "missing-key", "an aid_gaps list needs 'eligible' (a collect table) and 'receiving' (a set field)");
        else if (t >= 0 && f >= 0 &&
                 (pack_.tables[static_cast<size_t>(t)].hit_policy != HitPolicy::kCollect ||
                  pack_.fields[static_cast<size_t>(f)].type != TypeKind::kSet))
          error(l.where, "wrong-type", "'eligible' must be a collect table and 'receiving' a set field");
      }
    }
  }

  void check_calendar() {
    SeenIds ids;
    for (const auto& c : pack_.calendar) {
      if (auto again = ids.repeat(c.id))
        error(c.id.where, "duplicate-row-id", "duplicate calendar id '" + c.id.value + "'" + *again);
      for (const auto& d : c.days) {
        if (d.value == "last") continue;
        char* end = nullptr;
        const long v = std::strtol(d.value.c_str(), &end, 10);
        if (d.value.empty() || *end != '\0' || v < 1 || v > 31)
          error(d.where, "wrong-type", "a report day is 1..31 or 'last', not '" + d.value + "'");
      }
      for (const auto& m : c.months) {
        char* end = nullptr;
        const long v = std::strtol(m.value.c_str(), &end, 10);
        if (m.value.empty() || *end != '\0' || v < 1 || v > 12)
          error(m.where, "wrong-type", "a report month is 1..12, not '" + m.value + "'");
      }
      // A reporter is a role or free text ("市(州)人民政府"); a name a
      // letter or two from a role is most likely that role misspelt, which
      // would show the typo instead of the role's title.
      if (!c.reporter.empty() && std::none_of(pack_.roles.begin(), pack_.roles.end(),
                                                [&](const auto& r) { return r.name.value == c.reporter.value; })) {
        std::vector<std::string> roles;
        for (const auto& r : pack_.roles) roles.push_back(r.name.value);
        const std::string near = nearest_name(c.reporter.value, roles);
        if (!near.empty())
          diags_.push_back({Severity::kWarning, c.reporter.where, "unknown-name",
                            "reporter '" + c.reporter.value + "' is no role and is shown as written; did you mean '" +
                                near + "'?"});
      }
      const std::string& a = c.data_as_of.value;
      if (a.rfind("day ", 0) == 0) {
        // N as digits only: the calendar reads it with atoi, which would
        // take 'day fifteen' as 0 and 'day 15x' as 15 without a word.
        const std::string n = a.substr(4);
        const bool digits = !n.empty() && n.size() <= 2 &&
                            std::all_of(n.begin(), n.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
        const int v = digits ? std::stoi(n) : 0;
        if (v < 1 || v > 31)
          error(c.data_as_of.where, "wrong-type",
                "data_as_of 'day N' takes a whole number N from 1 to 31 (a day past the month's end is its "
                "last day), not '" + n + "'");
      } else if (!a.empty() && a != "same_day" && a != "previous_month_end") {
        error(c.data_as_of.where, "unknown-value",
              "data_as_of is same_day, previous_month_end or 'day N'" +
                  suggest(a, schema::Keys(schema::kDataAsOf, 2)));
      }
    }
  }

  // The school calendar: each item a date or a range "from..to" (at most
  // a year: a vacation, a holiday week); no day both a holiday and a
  // make-up day. Compiled into the running count the programs share.
  void check_school_calendar() {
    const SchoolCalendarDef& c = pack_.school_calendar;
    if (!c.present) return;
    int64_t total = 0;
    auto days = [&](const std::vector<Text>& items, const char* key) {
      std::map<int32_t, const Text*> out;
      for (const Text& t : items) {
        const std::string_view v = t.value;
        const size_t dots = v.find("..");
        const std::optional<Date> from = Date::parse(dots == std::string_view::npos ? v : v.substr(0, dots));
        const std::optional<Date> to = dots == std::string_view::npos ? from : Date::parse(v.substr(dots + 2));
        if (!from || !to) {
          error(t.where, "bad-date", "'" + t.value + "' in " + key +
                                         " is not a date or a range of dates; write YYYY-MM-DD or "
                                         "YYYY-MM-DD..YYYY-MM-DD");
          continue;
        }
        if (*to < *from) {
          error(t.where, "bad-range", "the range '" + t.value + "' ends before it starts");
          continue;
        }
        if (to->days() - from->days() >= 366) {
          error(t.where, "bad-range", "the range '" + t.value + "' is longer than a year; give each "
                                      "holiday or vacation as a range of its own");
          continue;
        }
        if ((total += to->days() - from->days() + 1) > schema::kMaxSchoolCalendarDays) {
          error(t.where, "too-many-items", "the school calendar lists more than " +
                                               std::to_string(schema::kMaxSchoolCalendarDays) + " days");
          return out;
        }
        for (int32_t d = from->days(); d <= to->days(); ++d) out.emplace(d, &t);
      }
      return out;
    };
    const auto holidays = days(c.holidays, "holidays"), make_up = days(c.make_up_days, "make_up_days");
    std::vector<int32_t> h, m;
    for (const auto& [d, t] : holidays) h.push_back(d);
    std::set<const Text*> told;  // one diagnostic per item, at its first day
    for (const auto& [d, t] : make_up) {
      m.push_back(d);
      const std::string day = Date::from_days(d).format();
      if (auto it = holidays.find(d); it != holidays.end()) {
        if (told.insert(t).second)
          error(t->where, "conflicting-days", day + " is both a make-up day and a holiday ('" + it->second->value +
                                                  "', line " + std::to_string(it->second->where.line) + ")");
      } else if (is_weekday(d) && told.insert(t).second) {
        diags_.push_back({Severity::kWarning, t->where, "not-a-weekend",
                          day + " is a weekday, a school day already: a make-up day is a Saturday or Sunday "
                                "taught in place of a holiday"});
      }
    }
    out_->school_days = std::make_shared<const SchoolDays>(h, m);
  }

  // A code kcbx's list holds already changes nothing: said, so that an
  // author who meant another code (a typo) finds out. A code without a
  // name is kept (the checks read only the code) but said too: the name
  // is what tells a reader of the pack which county it is.
  void check_division_codes() {
    for (const DivisionCodeDef& d : pack_.division_codes) {
      if (d.value <= 0) continue;  // not 6 digits: reported when loaded
      if (is_known_address_code(d.value))
        diags_.push_back({Severity::kWarning, d.code.where, "known-division-code",
                          "'" + d.code.value + "' is in kcbx's GB/T 2260 list (1980-2019) already: this entry "
                          "changes nothing; is another code meant?"});
      if (d.name.value.empty())
        diags_.push_back({Severity::kWarning, d.code.where, "unnamed-division-code",
                          "division code '" + d.code.value + "' has no name; write the county's name "
                          "(\"" + d.code.value + "\": 澄江市) so that a reader knows which it is"});
    }
  }

  void check_transfer() {
    const TransferDef& t = pack_.transfer;
    if (!t.present) return;
    if (!t.notify_within.empty()) duration_param(t.notify_within, "notify_within");
    if (!t.inspect_within.empty()) duration_param(t.inspect_within, "inspect_within");
    for (const Text* f : {&t.school_field, &t.name_field}) {
      if (f->empty()) continue;
      const int i = find_named(pack_.fields, *f, "field");
      if (i >= 0 && pack_.fields[static_cast<size_t>(i)].type != TypeKind::kString)
        error(f->where, "wrong-type", "'" + f->value + "' must be a string field");
    }
    // A school role is looked up by the rosters' school column: its level
    // must be keyed by that field alone (principal at school_id; a teacher,
    // at school and class, is no post of a whole school).
    const std::string school = t.school_field.empty() ? "school_id" : t.school_field.value;
    for (const Text& role : t.school_roles) {
      const int r = find_named(pack_.roles, role, "role");
      if (r < 0) continue;
      const RoleDef& def = pack_.roles[static_cast<size_t>(r)];
      const int l = def.level.empty() ? -1 : find_named(pack_.levels, def.level, "level");
      const bool by_school = l >= 0 && pack_.levels[static_cast<size_t>(l)].fields.size() == 1 &&
                             pack_.levels[static_cast<size_t>(l)].fields[0].value == school &&
                             pack_.levels[static_cast<size_t>(l)].prefix == 0;
      if (!by_school)
        error(role.where, "wrong-level",
              "school role '" + role.value + "' must hold a post per school (a level keyed by " + school +
                  " alone); its level is '" + def.level.value + "'");
    }
    for (const Text& role : t.local_roles) find_named(pack_.roles, role, "role");
    // A role twice in one list would name its holder twice.
    for (const auto* roles : {&t.school_roles, &t.local_roles})
      for (size_t i = 0; i < roles->size(); ++i)
        for (size_t k = 0; k < i; ++k)
          if ((*roles)[k].value == (*roles)[i].value) {
            error((*roles)[i].where, "duplicate-name",
                  "role '" + (*roles)[i].value + "' is listed twice (first at " + (*roles)[k].where.format() + ")");
            break;
          }
  }

  void check_clauses() {
    std::set<std::string> known;
    for (const auto& c : pack_.clauses) {
      if (!known.insert(c.id.value).second)
        error(c.id.where, "duplicate-key", "clause '" + c.id.value + "' is defined twice");
    }
    if (known.empty()) return;  // a pack without a clause list cites freely
    std::vector<std::string> names(known.begin(), known.end());
    auto cite = [&](const Text& c) {
      if (c.empty() || known.count(c.value)) return;
      std::string msg = "clause '" + c.value + "' is not in 'clauses'";
      const std::string near = nearest_name(c.value, names);
      if (!near.empty()) msg += "; did you mean '" + near + "'?";
      error(c.where, "unknown-clause", msg);
    };
    for (const auto& t : pack_.tables)
      for (const auto& r : t.rows) {
        cite(r.clause);
        // Every decision carries the clause behind it (DESIGN): a row of a
        // pack that lists its clauses and cites none is most likely an
        // oversight, and its decisions would show an empty clause.
        if (r.clause.empty())
          diags_.push_back({Severity::kWarning, r.where, "missing-clause",
                            "row '" + r.id.value + "' of table '" + t.name.value +
                                "' cites no clause: its decisions would show none; add 'clause:' (one of 'clauses')"});
      }
    for (const auto& p : pack_.params) cite(p.clause);
    for (const auto& d : pack_.derives) cite(d.clause);
    for (const auto& c : pack_.checks) cite(c.clause);
    for (const auto& r : pack_.roles)
      for (const auto& d : r.duties) cite(d.clause);
    for (const auto& s : pack_.workflow.stages) cite(s.clause);
    for (const auto& i : pack_.indicators) cite(i.clause);
    for (const auto& c : pack_.calendar) cite(c.clause);
    cite(pack_.transfer.notify_clause);
    cite(pack_.transfer.inspect_clause);
    cite(pack_.transfer.lost_clause);
  }

  const Pack& pack_;
  std::vector<Diagnostic>& diags_;
  std::shared_ptr<CheckedPack> out_;
  Scope scope_;
  std::set<std::pair<int, int>> named_values_;  // (domain, code) an expression names
  std::vector<std::pair<std::string, std::string>> aliases_;  // field alias -> name
  std::vector<State> derive_state_;
  std::vector<State> table_state_;
};

}  // namespace

void collect_reads(const Expr& e, std::vector<std::string>& out) {
  if (e.kind == ExprKind::kName && e.symbol != SymbolKind::kEnumValue) {
    if (std::find(out.begin(), out.end(), e.text) == out.end()) out.push_back(e.text);
  }
  for (const auto& a : e.args)
    if (a) collect_reads(*a, out);
}

std::shared_ptr<CheckedPack> check_pack(std::shared_ptr<const Pack> pack,
                                        std::vector<Diagnostic>& diagnostics) {
  return Validator(std::move(pack), diagnostics).run();
}

std::string CheckedPack::key_field() const {
  for (const auto& f : pack->fields)
    if (f.unique) return f.name.value;
  return pack->fields.empty() ? std::string() : pack->fields.front().name.value;
}

std::string CheckedPack::key_column() const {
  std::string key = key_field();
  return key.empty() ? std::string("student_id") : key;
}

int CheckedPack::field_index(std::string_view name) const {
  for (size_t i = 0; i < pack->fields.size(); ++i)
    if (pack->fields[i].name.value == name) return static_cast<int>(i);
  return -1;
}
int CheckedPack::role_index(std::string_view name) const {
  for (size_t i = 0; i < pack->roles.size(); ++i)
    if (pack->roles[i].name.value == name) return static_cast<int>(i);
  return -1;
}
int CheckedPack::level_index(std::string_view name) const {
  for (size_t i = 0; i < pack->levels.size(); ++i)
    if (pack->levels[i].name.value == name) return static_cast<int>(i);
  return -1;
}

std::optional<double> CheckedPack::number_on(const ParamOrValue& p, Date on) const {
  const ScalarValue* v = p.value ? &*p.value : nullptr;
  TypeKind kind = TypeKind::kNumber;
  if (p.param >= 0) {
    const ParamPeriod* period = param_on(p.param, on);
    if (!period) return std::nullopt;
    v = &period->value;
    kind = pack->params[static_cast<size_t>(p.param)].type;
  }
  if (!v) return std::nullopt;
  if (kind == TypeKind::kInt) return static_cast<double>(v->bits);
  double d;
  std::memcpy(&d, &v->bits, sizeof d);
  return d;
}

std::optional<Duration> CheckedPack::duration_on(int p, Date on) const {
  const ParamPeriod* period = p >= 0 ? param_on(p, on) : nullptr;
  if (!period) return std::nullopt;
  Duration d;
  // A duration's two int32 live in the value's 8 bytes (Duration is plain
  // data; the cast tells g++, which calls it non-trivial for its defaults).
  std::memcpy(static_cast<void*>(&d), &period->value.bits, sizeof d);
  return d;
}

bool CheckedPack::is_school_day_deadline(int p) const {
  if (p < 0 || static_cast<size_t>(p) >= pack->params.size()) return false;
  const ParamDef& def = pack->params[static_cast<size_t>(p)];
  return def.type == TypeKind::kInt && unit_is_school_days(def);
}

std::optional<Date> CheckedPack::deadline_after(int p, Date from) const {
  if (is_school_day_deadline(p)) {
    const ParamPeriod* period = param_on(p, from);
    if (!period) return std::nullopt;
    static const SchoolDays kWeekdays;
    const SchoolDays& cal = school_days ? *school_days : kWeekdays;
    return Date::from_days(cal.add(from.days(), period->value.bits));
  }
  const std::optional<Duration> d = duration_on(p, from);
  if (!d) return std::nullopt;
  const Date shifted = d->months != 0 ? add_months(from, d->months) : from;
  return Date::from_days(shifted.days() + d->days);
}

int CheckedPack::stage_count(const CheckedStage& stage, Date start) const {
  if (stage.count_param < 0 || static_cast<size_t>(stage.count_param) >= params.size() ||
      params[static_cast<size_t>(stage.count_param)].empty())
    return stage.count;
  // validate() saw a value since always, of 1 to 1000000.
  const ParamPeriod* period = param_on(stage.count_param, start);
  if (!period) period = &params[static_cast<size_t>(stage.count_param)].front();
  return static_cast<int>(std::clamp<int64_t>(period->value.bits, 1, 1000000));
}

std::optional<Date> CheckedPack::date_on(const ParamOrValue& p, Date on) const {
  if (p.param >= 0) {
    const ParamPeriod* period = param_on(p.param, on);
    if (!period) return std::nullopt;
    return Date::from_days(static_cast<int32_t>(period->value.bits));
  }
  if (p.value) return Date::from_days(static_cast<int32_t>(p.value->bits));
  return std::nullopt;
}

int CheckedPack::derive_index(std::string_view name) const {
  for (size_t i = 0; i < pack->derives.size(); ++i)
    if (pack->derives[i].name.value == name) return static_cast<int>(i);
  return -1;
}
int CheckedPack::table_index(std::string_view name) const {
  for (size_t i = 0; i < pack->tables.size(); ++i)
    if (pack->tables[i].name.value == name) return static_cast<int>(i);
  return -1;
}
int CheckedPack::table_rule_column(std::string_view name, bool* clause) const {
  for (size_t i = 0; i < pack->tables.size(); ++i) {
    const std::string prefix = pack->tables[i].name.value + "_";
    for (const bool c : {false, true}) {
      const char* part = c ? "clause" : "rule";
      if (name == prefix + part || (i == 0 && name == part)) {
        *clause = c;
        return static_cast<int>(i);
      }
    }
  }
  return -1;
}
int CheckedPack::param_index(std::string_view name) const {
  for (size_t i = 0; i < pack->params.size(); ++i)
    if (pack->params[i].name.value == name) return static_cast<int>(i);
  return -1;
}
std::string CheckedPack::clause_text(std::string_view id) const {
  for (const auto& c : pack->clauses)
    if (c.id.value == id) return c.zh.value;
  return {};
}
const ParamPeriod* CheckedPack::param_on(int p, Date on) const {
  const auto& periods = params[static_cast<size_t>(p)];
  const ParamPeriod* best = nullptr;
  for (const auto& period : periods)
    if (!period.from || *period.from <= on) best = &period;
  return best;
}

}  // namespace kcbx::detail
