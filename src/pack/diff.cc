// kcbx diff: what differs between two packs, item by item, and how the
// statuses of one students file change between them. Parameter values are
// compared as evaluated ("1 week" and "7 days" are the same), everything
// else as written. Descriptions, row notes and the meta title are for
// readers and change no result, so they are not compared.
#include <algorithm>
#include <cstring>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>
#include <tuple>

#include "expr/ast.h"
#include "io/id_number.h"
#include "kcbx/csv.h"
#include "kcbx/engine.h"
#include "kcbx/rule_tests.h"
#include "pack/checked_pack.h"

namespace kcbx {

namespace {

using detail::CheckedPack;
using detail::Pack;
using detail::TypeKind;

std::string duration_text(const detail::Duration& d) {
  std::string s;
  if (d.months != 0) {
    if (d.months % 12 == 0) s = std::to_string(d.months / 12) + (std::abs(d.months) == 12 ? " year" : " years");
    else s = std::to_string(d.months) + (std::abs(d.months) == 1 ? " month" : " months");
  }
  if (d.days != 0 || s.empty())
    s += (s.empty() ? "" : " ") + std::to_string(d.days) + (std::abs(d.days) == 1 ? " day" : " days");
  return s;
}

std::string value_text(const detail::ScalarValue& v) {
  switch (v.kind) {
    case TypeKind::kBool: return v.bits ? "true" : "false";
    case TypeKind::kInt: return std::to_string(v.bits);
    case TypeKind::kNumber: {
      double d;
      std::memcpy(&d, &v.bits, 8);
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", d);
      return buf;
    }
    case TypeKind::kDate: return Date::from_days(static_cast<int32_t>(v.bits)).format();
    case TypeKind::kDuration: {
      // ScalarValue keeps a duration's months and days in its 8 bytes.
      int32_t parts[2];
      std::memcpy(parts, &v.bits, sizeof parts);
      detail::Duration d;
      d.months = parts[0];
      d.days = parts[1];
      return duration_text(d);
    }
    case TypeKind::kString: return "\"" + v.text + "\"";
    default: return std::to_string(v.bits);
  }
}

// "7 days" / "7 days, from 2021-09-01: 5 days" / "(unset)".
std::string history(const CheckedPack& cp, int p) {
  const auto& periods = cp.params[static_cast<size_t>(p)];
  if (periods.empty()) return "(unset)";
  std::string s;
  for (const auto& period : periods) {
    if (!s.empty()) s += ", ";
    if (period.from) s += "from " + period.from->format() + ": ";
    s += value_text(period.value);
  }
  return s;
}

std::string domain_text(const Pack& p, int d) {
  if (d < 0) return "";
  std::string s;
  for (const auto& v : p.domains[static_cast<size_t>(d)].values) s += (s.empty() ? "" : ", ") + v.name.value;
  return "[" + s + "]";
}

// "value: label" of the values both domains have, for the ones whose labels
// differ (a relabelled value); "" when none.
std::string labels_text(const Pack& p, int d, const Pack& other, int od) {
  if (d < 0 || od < 0) return "";
  std::string s;
  for (const auto& v : p.domains[static_cast<size_t>(d)].values)
    for (const auto& o : other.domains[static_cast<size_t>(od)].values)
      if (v.name.value == o.name.value && (v.alias.value != o.alias.value || v.label_en.value != o.label_en.value))
        s += (s.empty() ? "" : ", ") + v.name.value + ": " + v.alias.value +
             (v.label_en.empty() ? "" : " / " + v.label_en.value);
  return s;
}

// Where B wrote the first value that is new or relabelled against A (an
// extension adding or relabelling values): the change's position in B.
SourceLocation changed_value_where(const Pack& a, int da, const Pack& b, int db) {
  if (db < 0) return {};
  for (const auto& v : b.domains[static_cast<size_t>(db)].values) {
    bool same = false;
    if (da >= 0)
      for (const auto& x : a.domains[static_cast<size_t>(da)].values)
        same = same || (x.name.value == v.name.value && x.alias.value == v.alias.value &&
                        x.label_en.value == v.label_en.value);
    if (!same) return v.name.where;
  }
  return {};
}

std::string join(const std::vector<detail::Text>& items) {
  std::string s;
  for (const auto& t : items) s += (s.empty() ? "" : ", ") + t.value;
  return "[" + s + "]";
}

// "a → b" parts for the keys that differ.
void field_change(std::string& before, std::string& after, const char* key, const std::string& a,
                  const std::string& b) {
  if (a == b) return;
  before += (before.empty() ? "" : "; ") + std::string(key) + ": " + (a.empty() ? "(none)" : a);
  after += (after.empty() ? "" : "; ") + std::string(key) + ": " + (b.empty() ? "(none)" : b);
}

class Differ {
 public:
  Differ(const CheckedPack& a, const CheckedPack& b, PackDiff& out)
      : ca_(a), cb_(b), a_(*a.pack), b_(*b.pack), out_(out) {}

  void run() {
    meta();
    named("field", a_.fields, b_.fields, [](const auto& f) -> const detail::Text& { return f.name; },
          [&](const detail::FieldDef& x, const detail::FieldDef& y, std::string& bf, std::string& af) {
            field_change(bf, af, "type", detail::type_name(x.type), detail::type_name(y.type));
            field_change(bf, af, "alias", x.alias.value, y.alias.value);
            field_change(bf, af, "required", x.required ? "true" : "false", y.required ? "true" : "false");
            field_change(bf, af, "unique", x.unique ? "true" : "false", y.unique ? "true" : "false");
            field_change(bf, af, "default", x.default_value ? x.default_value->value : "",
                         y.default_value ? y.default_value->value : "");
            field_change(bf, af, "values", domain_text(a_, x.domain), domain_text(b_, y.domain));
            field_change(bf, af, "labels", labels_text(a_, x.domain, b_, y.domain),
                         labels_text(b_, y.domain, a_, x.domain));
            where_b_ = changed_value_where(a_, x.domain, b_, y.domain);
            field_change(bf, af, "format", x.format.value, y.format.value);
          });
    params();
    named("derive", a_.derives, b_.derives, [](const auto& d) -> const detail::Text& { return d.name; },
          [&](const detail::DeriveDef& x, const detail::DeriveDef& y, std::string& bf, std::string& af) {
            field_change(bf, af, "expr", x.expr.value, y.expr.value);
            field_change(bf, af, "clause", x.clause.value, y.clause.value);
          });
    named("output", a_.outputs, b_.outputs, [](const detail::Text& t) -> const detail::Text& { return t; },
          [](const detail::Text&, const detail::Text&, std::string&, std::string&) {});
    ordered("check", "", a_.checks, b_.checks, [](const auto& c) -> const detail::Text& { return c.id; },
            [&](const detail::CheckDef& x, const detail::CheckDef& y, std::string& bf, std::string& af) {
              field_change(bf, af, "require", x.require.value, y.require.value);
              field_change(bf, af, "message", x.message.value, y.message.value);
              field_change(bf, af, "column", x.column.value, y.column.value);
              field_change(bf, af, "clause", x.clause.value, y.clause.value);
            });
    tables();
    named("role", a_.roles, b_.roles, [](const auto& r) -> const detail::Text& { return r.name; },
          [&](const detail::RoleDef& x, const detail::RoleDef& y, std::string& bf, std::string& af) {
            field_change(bf, af, "alias", x.alias.value, y.alias.value);
            field_change(bf, af, "line", x.line.value, y.line.value);
            field_change(bf, af, "level", x.level.value, y.level.value);
            field_change(bf, af, "from_record", x.from_record ? "true" : "false", y.from_record ? "true" : "false");
            // "1: text (clause)", ids and clauses included: a duty cited
            // under another clause is a change.
            auto duties = [](const detail::RoleDef& r) {
              std::string s;
              for (const auto& d : r.duties)
                s += (s.empty() ? "" : " | ") + d.id.value + ": " + d.text.value +
                     (d.clause.empty() ? "" : " (" + d.clause.value + ")");
              return s;
            };
            field_change(bf, af, "duties", duties(x), duties(y));
          });
    named("line", a_.lines, b_.lines, [](const auto& l) -> const detail::Text& { return l.name; },
          [&](const detail::LineDef& x, const detail::LineDef& y, std::string& bf, std::string& af) {
            field_change(bf, af, "chain", join(x.chain), join(y.chain));
            field_change(bf, af, "alias", x.alias.value, y.alias.value);
          });
    workflow();
    named("level", a_.levels, b_.levels, [](const auto& l) -> const detail::Text& { return l.name; },
          [&](const detail::LevelDef& x, const detail::LevelDef& y, std::string& bf, std::string& af) {
            field_change(bf, af, "alias", x.alias.value, y.alias.value);
            field_change(bf, af, "fields", join(x.fields), join(y.fields));
            field_change(bf, af, "prefix", std::to_string(x.prefix), std::to_string(y.prefix));
          });
    ledgers();
    named("indicator", a_.indicators, b_.indicators, [](const auto& i) -> const detail::Text& { return i.name; },
          [&](const detail::IndicatorDef& x, const detail::IndicatorDef& y, std::string& bf, std::string& af) {
            field_change(bf, af, "alias", x.alias.value, y.alias.value);
            field_change(bf, af, "clause", x.clause.value, y.clause.value);
            field_change(bf, af, "numerator", x.numerator.value, y.numerator.value);
            field_change(bf, af, "denominator", x.denominator.value, y.denominator.value);
            field_change(bf, af, "count", x.count.value, y.count.value);
            field_change(bf, af, "at_least", x.at_least.value, y.at_least.value);
            field_change(bf, af, "at_most", x.at_most.value, y.at_most.value);
            field_change(bf, af, "as_of", x.as_of.value, y.as_of.value);
          });
    named("list", a_.lists, b_.lists, [](const auto& l) -> const detail::Text& { return l.name; },
          [&](const detail::ListDef& x, const detail::ListDef& y, std::string& bf, std::string& af) {
            field_change(bf, af, "alias", x.alias.value, y.alias.value);
            field_change(bf, af, "kind", x.kind.value, y.kind.value);
            field_change(bf, af, "group_by", x.group_by.value, y.group_by.value);
            field_change(bf, af, "roles", join(x.roles), join(y.roles));
            field_change(bf, af, "eligible", x.eligible.value, y.eligible.value);
            field_change(bf, af, "receiving", x.receiving.value, y.receiving.value);
          });
    ordered("calendar", "", a_.calendar, b_.calendar, [](const auto& c) -> const detail::Text& { return c.id; },
            [&](const detail::CalendarDef& x, const detail::CalendarDef& y, std::string& bf, std::string& af) {
              field_change(bf, af, "alias", x.alias.value, y.alias.value);
              field_change(bf, af, "days", join(x.days), join(y.days));
              field_change(bf, af, "months", join(x.months), join(y.months));
              field_change(bf, af, "data_as_of", x.data_as_of.value, y.data_as_of.value);
              field_change(bf, af, "reporter", x.reporter.value, y.reporter.value);
              field_change(bf, af, "recipient", x.recipient.value, y.recipient.value);
              field_change(bf, af, "clause", x.clause.value, y.clause.value);
            });
    named("clause", a_.clauses, b_.clauses, [](const auto& c) -> const detail::Text& { return c.id; },
          [&](const detail::ClauseDef& x, const detail::ClauseDef& y, std::string& bf, std::string& af) {
            field_change(bf, af, "zh", x.zh.value, y.zh.value);
            field_change(bf, af, "en", x.en.value, y.en.value);
          });
    named("division code", a_.division_codes, b_.division_codes,
          [](const auto& d) -> const detail::Text& { return d.code; },
          [&](const detail::DivisionCodeDef& x, const detail::DivisionCodeDef& y, std::string& bf, std::string& af) {
            field_change(bf, af, "name", x.name.value, y.name.value);
          });
    transfer();
    school_calendar();
  }

 private:
  void add(std::string section, std::string change, std::string name, std::string before, std::string after,
           SourceLocation wa, SourceLocation wb) {
    out_.changes.push_back({std::move(section), std::move(change), std::move(name), std::move(before),
                            std::move(after), std::move(wa), std::move(wb)});
  }

  void meta() {
    std::string bf, af;
    field_change(bf, af, "name", a_.meta.name.value, b_.meta.name.value);
    field_change(bf, af, "version", a_.meta.version.value, b_.meta.version.value);
    field_change(bf, af, "jurisdiction", a_.meta.jurisdiction.value, b_.meta.jurisdiction.value);
    if (!bf.empty()) add("meta", "changed", "meta", bf, af, a_.meta.name.where, b_.meta.name.where);
  }

  template <class T, class Key, class Compare>
  void named(const char* section, const std::vector<T>& xs, const std::vector<T>& ys, Key key, Compare compare) {
    for (const auto& x : xs) {
      auto it = std::find_if(ys.begin(), ys.end(), [&](const T& y) { return key(y).value == key(x).value; });
      if (it == ys.end()) {
        add(section, "removed", key(x).value, "", "", key(x).where, {});
        continue;
      }
      std::string bf, af;
      where_b_ = {};
      compare(x, *it, bf, af);
      // Values added or relabelled by an extension are where it wrote them.
      const SourceLocation wb = where_b_.line ? where_b_ : key(*it).where;
      if (!bf.empty() || !af.empty()) add(section, "changed", key(x).value, bf, af, key(x).where, wb);
    }
    for (const auto& y : ys)
      if (std::none_of(xs.begin(), xs.end(), [&](const T& x) { return key(x).value == key(y).value; }))
        add(section, "added", key(y).value, "", "", {}, key(y).where);
  }

  // Items in order (rows, checks, stages, calendar): added/removed with
  // their position, changed, and moved when their order among the items
  // both packs have differs (outside a longest common subsequence).
  template <class T, class Key, class Compare>
  void ordered(const char* section, const std::string& prefix, const std::vector<T>& xs, const std::vector<T>& ys,
               Key key, Compare compare) {
    auto pos_in = [&](const std::vector<T>& v, const std::string& id) -> size_t {
      for (size_t i = 0; i < v.size(); ++i)
        if (key(v[i]).value == id) return i;
      return v.size();
    };
    std::vector<std::string> common_a, common_b;
    for (const auto& x : xs)
      if (pos_in(ys, key(x).value) < ys.size()) common_a.push_back(key(x).value);
    for (const auto& y : ys)
      if (pos_in(xs, key(y).value) < xs.size()) common_b.push_back(key(y).value);
    // LCS of the common ids.
    const size_t n = common_a.size();
    std::vector<std::vector<int>> L(n + 1, std::vector<int>(n + 1, 0));
    for (size_t i = n; i-- > 0;)
      for (size_t j = n; j-- > 0;)
        L[i][j] = common_a[i] == common_b[j] ? L[i + 1][j + 1] + 1 : std::max(L[i + 1][j], L[i][j + 1]);
    std::vector<std::string> stay;
    for (size_t i = 0, j = 0; i < n && j < n;) {
      if (common_a[i] == common_b[j]) {
        stay.push_back(common_a[i]);
        ++i, ++j;
      } else if (L[i + 1][j] >= L[i][j + 1]) {
        ++i;
      } else {
        ++j;
      }
    }
    auto position = [&](const std::vector<T>& v, size_t i) {
      std::string s = "position " + std::to_string(i + 1) + " of " + std::to_string(v.size());
      if (i > 0) s += ", after " + key(v[i - 1]).value;
      else if (i + 1 < v.size()) s += ", before " + key(v[i + 1]).value;
      return s;
    };
    for (size_t i = 0; i < xs.size(); ++i) {
      const std::string& id = key(xs[i]).value;
      const size_t j = pos_in(ys, id);
      if (j == ys.size()) {
        add(section, "removed", prefix + id, position(xs, i), "", key(xs[i]).where, {});
        continue;
      }
      std::string bf, af;
      compare(xs[i], ys[j], bf, af);
      if (!bf.empty() || !af.empty()) add(section, "changed", prefix + id, bf, af, key(xs[i]).where, key(ys[j]).where);
      if (std::find(stay.begin(), stay.end(), id) == stay.end())
        add(section, "moved", prefix + id, position(xs, i), position(ys, j), key(xs[i]).where, key(ys[j]).where);
    }
    for (size_t j = 0; j < ys.size(); ++j)
      if (pos_in(xs, key(ys[j]).value) == xs.size())
        add(section, "added", prefix + key(ys[j]).value, "", position(ys, j), {}, key(ys[j]).where);
  }

  void params() {
    for (size_t i = 0; i < a_.params.size(); ++i) {
      const auto& x = a_.params[i];
      const int j = cb_.param_index(x.name.value);
      if (j < 0) {
        add("parameter", "removed", x.name.value, history(ca_, static_cast<int>(i)), "", x.where, {});
        continue;
      }
      const auto& y = b_.params[static_cast<size_t>(j)];
      std::string bf, af;
      field_change(bf, af, "type", detail::type_name(x.type), detail::type_name(y.type));
      field_change(bf, af, "unit", x.unit.value, y.unit.value);
      field_change(bf, af, "clause", x.clause.value, y.clause.value);
      const std::string ha = history(ca_, static_cast<int>(i)), hb = history(cb_, j);
      SourceLocation wb = y.where;
      if (ha != hb) {
        bf = ha + (bf.empty() ? "" : " (" + bf + ")");
        af = hb + (af.empty() ? "" : " (" + af + ")");
        // Point at B's latest value rather than at the parameter's name.
        if (!cb_.params[static_cast<size_t>(j)].empty()) wb = cb_.params[static_cast<size_t>(j)].back().where;
      }
      if (!bf.empty() || !af.empty()) add("parameter", "changed", x.name.value, bf, af, x.where, wb);
    }
    for (size_t j = 0; j < b_.params.size(); ++j)
      if (ca_.param_index(b_.params[j].name.value) < 0)
        add("parameter", "added", b_.params[j].name.value, "", history(cb_, static_cast<int>(j)), {},
            b_.params[j].where);
  }

  void tables() {
    named("table", a_.tables, b_.tables, [](const auto& t) -> const detail::Text& { return t.name; },
          [&](const detail::TableDef& x, const detail::TableDef& y, std::string& bf, std::string& af) {
            auto hp = [](detail::HitPolicy h) {
              return h == detail::HitPolicy::kFirst ? "first" : h == detail::HitPolicy::kUnique ? "unique" : "collect";
            };
            field_change(bf, af, "hit_policy", hp(x.hit_policy), hp(y.hit_policy));
            field_change(bf, af, "values", domain_text(a_, x.domain), domain_text(b_, y.domain));
            field_change(bf, af, "labels", labels_text(a_, x.domain, b_, y.domain),
                         labels_text(b_, y.domain, a_, x.domain));
            where_b_ = changed_value_where(a_, x.domain, b_, y.domain);
          });
    for (const auto& x : a_.tables)
      for (const auto& y : b_.tables)
        if (x.name.value == y.name.value)
          ordered("row", x.name.value + "/", x.rows, y.rows, [](const auto& r) -> const detail::Text& { return r.id; },
                  [&](const detail::RowDef& r, const detail::RowDef& s, std::string& bf, std::string& af) {
                    field_change(bf, af, "when", r.when.value, s.when.value);
                    field_change(bf, af, "then", r.then.value, s.then.value);
                    field_change(bf, af, "clause", r.clause.value, s.clause.value);
                  });
    // Rows of added tables are listed with the table.
  }

  // A section one pack has and the other lacks is added or removed whole
  // (its parts are not listed one by one); true when both have it.
  bool both_have(const char* section, bool in_a, bool in_b, const SourceLocation& wa, const SourceLocation& wb) {
    if (in_a && !in_b) add(section, "removed", section, "", "", wa, {});
    if (!in_a && in_b) add(section, "added", section, "", "", {}, wb);
    return in_a && in_b;
  }

  void ledgers() {
    const detail::LedgersDef& x = a_.ledgers;
    const detail::LedgersDef& y = b_.ledgers;
    if (!both_have("ledgers", x.present, y.present, x.where, y.where)) return;
    std::string bf, af;
    field_change(bf, af, "include", x.include.value, y.include.value);
    field_change(bf, af, "levels", join(x.levels), join(y.levels));
    field_change(bf, af, "totals_by", x.totals_by.value, y.totals_by.value);
    if (!bf.empty()) add("ledgers", "changed", "ledgers", bf, af, x.where, y.where);
    // Columns are in the order the ledger prints them: a renamed column is
    // one removed and one added, a moved one is moved.
    ordered("ledger column", "", x.columns, y.columns, [](const auto& c) -> const detail::Text& { return c.name; },
            [&](const detail::LedgerColumnDef& c, const detail::LedgerColumnDef& d, std::string& b1, std::string& a1) {
              field_change(b1, a1, "alias", c.alias.value, d.alias.value);
              field_change(b1, a1, "case", c.from_case ? "true" : "false", d.from_case ? "true" : "false");
            });
    auto group = [&](const detail::GroupDef& g, const detail::GroupDef& h, std::string& b1, std::string& a1) {
      field_change(b1, a1, "alias", g.alias.value, h.alias.value);
      field_change(b1, a1, "when", g.when.value, h.when.value);
    };
    auto name = [](const auto& g) -> const detail::Text& { return g.name; };
    named("special ledger", x.special, y.special, name, group);
    named("key group", x.key_groups, y.key_groups, name, group);
  }

  void transfer() {
    const detail::TransferDef& x = a_.transfer;
    const detail::TransferDef& y = b_.transfer;
    if (!both_have("transfer", x.present, y.present, x.where, y.where)) return;
    std::string bf, af;
    field_change(bf, af, "notify_within", x.notify_within.value, y.notify_within.value);
    field_change(bf, af, "notify_clause", x.notify_clause.value, y.notify_clause.value);
    field_change(bf, af, "inspect_within", x.inspect_within.value, y.inspect_within.value);
    field_change(bf, af, "inspect_clause", x.inspect_clause.value, y.inspect_clause.value);
    field_change(bf, af, "school_field", x.school_field.value, y.school_field.value);
    field_change(bf, af, "name_field", x.name_field.value, y.name_field.value);
    field_change(bf, af, "lost_clause", x.lost_clause.value, y.lost_clause.value);
    field_change(bf, af, "school_roles", join(x.school_roles), join(y.school_roles));
    field_change(bf, af, "local_roles", join(x.local_roles), join(y.local_roles));
    if (!bf.empty()) add("transfer", "changed", "transfer", bf, af, x.where, y.where);
  }

  void school_calendar() {
    const detail::SchoolCalendarDef& x = a_.school_calendar;
    const detail::SchoolCalendarDef& y = b_.school_calendar;
    if (!both_have("school calendar", x.present, y.present, x.where, y.where)) return;
    std::string bf, af;
    field_change(bf, af, "holidays", join(x.holidays), join(y.holidays));
    field_change(bf, af, "make_up_days", join(x.make_up_days), join(y.make_up_days));
    if (!bf.empty()) add("school calendar", "changed", "school_calendar", bf, af, x.where, y.where);
  }

  std::string deadline(const CheckedPack& cp, const detail::StageDef& s) {
    if (s.due_after.empty()) return "none";
    const int p = cp.param_index(s.due_after.value);
    std::string from = s.due_from.value == "case_opened" ? " after the case opened" : " after the stage starts";
    if (p < 0) return s.due_after.value + " (unknown)";
    return s.due_after.value + " = " + history(cp, p) + from;
  }

  void workflow() {
    std::string bf, af;
    field_change(bf, af, "opens_when", a_.workflow.opens_when.value, b_.workflow.opens_when.value);
    field_change(bf, af, "opened_on", a_.workflow.opened_on.value, b_.workflow.opened_on.value);
    field_change(bf, af, "closes_on", a_.workflow.closes_on.value, b_.workflow.closes_on.value);
    field_change(bf, af, "events_after", a_.workflow.events_after.value, b_.workflow.events_after.value);
    field_change(bf, af, "progress_note", a_.workflow.progress_note.value, b_.workflow.progress_note.value);
    field_change(bf, af, "continuing_note", a_.workflow.continuing_note.value, b_.workflow.continuing_note.value);
    const int ea = a_.workflow.event_domain, eb = b_.workflow.event_domain;
    field_change(bf, af, "events", domain_text(a_, ea), domain_text(b_, eb));
    field_change(bf, af, "event labels", labels_text(a_, ea, b_, eb), labels_text(b_, eb, a_, ea));
    if (!bf.empty()) add("workflow", "changed", "workflow", bf, af, a_.workflow.where, b_.workflow.where);
    named("event date", a_.workflow.event_dates, b_.workflow.event_dates,
          [](const auto& e) -> const detail::Text& { return e.field; },
          [&](const detail::EventDateDef& x, const detail::EventDateDef& y, std::string& b1, std::string& a1) {
            field_change(b1, a1, "events", join(x.events), join(y.events));
          });
    ordered("stage", "", a_.workflow.stages, b_.workflow.stages, [](const auto& s) -> const detail::Text& { return s.id; },
            [&](const detail::StageDef& x, const detail::StageDef& y, std::string& b1, std::string& a1) {
              field_change(b1, a1, "alias", x.alias.value, y.alias.value);
              field_change(b1, a1, "role", x.role.value, y.role.value);
              field_change(b1, a1, "events", join(x.events), join(y.events));
              field_change(b1, a1, "count", x.count_param.empty() ? std::to_string(x.count) : x.count_param.value,
                           y.count_param.empty() ? std::to_string(y.count) : y.count_param.value);
              field_change(b1, a1, "count_by", x.count_by.empty() ? "event" : x.count_by.value,
                           y.count_by.empty() ? "event" : y.count_by.value);
              field_change(b1, a1, "when", x.when.value, y.when.value);
              field_change(b1, a1, "action", x.action.value, y.action.value);
              field_change(b1, a1, "clause", x.clause.value, y.clause.value);
            });
    // Deadlines: the duration in force and where it runs from, per stage.
    for (const auto& x : a_.workflow.stages)
      for (const auto& y : b_.workflow.stages)
        if (x.id.value == y.id.value) {
          const std::string da = deadline(ca_, x), db = deadline(cb_, y);
          if (da != db) {
            // Each side points at what changed: the stage's key (which
            // parameter, or where it runs from), else the parameter's value.
            const bool from_changed = x.due_from.value != y.due_from.value;
            const bool stage_changed = from_changed || x.due_after.value != y.due_after.value;
            auto at = [&](const CheckedPack& cp, const detail::StageDef& s) {
              if (stage_changed) {
                if (from_changed && !s.due_from.value.empty() && s.due_from.where.line) return s.due_from.where;
                return s.due_after.where.line ? s.due_after.where : s.where;
              }
              const int p = cp.param_index(s.due_after.value);
              if (p >= 0 && !cp.params[static_cast<size_t>(p)].empty()) return cp.params[static_cast<size_t>(p)].back().where;
              return s.due_after.where.line ? s.due_after.where : s.where;
            };
            add("deadline", "changed", x.id.value, da, db, at(ca_, x), at(cb_, y));
          }
        }
  }

  const CheckedPack& ca_;
  const CheckedPack& cb_;
  const Pack& a_;
  const Pack& b_;
  PackDiff& out_;
  SourceLocation where_b_;  // set by a comparison: B's position of the change
};

std::string key_field_of(const CheckedPack& cp) {
  for (const auto& f : cp.pack->fields)
    if (f.unique) return f.name.value;
  return {};
}

struct Outcome {
  std::string value, rule;
};

// The status of each record of `f` (read with `pack`), by key.
std::map<std::string, Outcome> outcomes(const RulePack& pack, const StudentFile& f, Date as_of,
                                        std::vector<std::string>& order, int64_t& read, int64_t& rejected) {
  Engine engine(pack);
  const BatchResult r = engine.classify(f.batch, as_of);
  const std::string key = key_field_of(pack.checked());
  std::map<std::string, Outcome> out;
  auto id_of = [&](int64_t row, const std::string& k) { return k.empty() ? "row " + std::to_string(row) : k; };
  for (size_t i = 0; i < f.batch.size(); ++i) {
    const std::string id = id_of(f.batch.row_number(i), key.empty() ? "" : f.batch.cell(i, key));
    Outcome o;
    if (r.rejected(i)) {
      o = {"(rejected)", ""};
      ++rejected;
    }
    else if (r.table_count() > 0) o = {r.value(0, i), r.rule(0, i)};
    if (out.emplace(id, o).second) order.push_back(id);
  }
  for (const auto& rj : f.rejects) {
    const std::string id = id_of(rj.row, rj.student_id);
    if (out.emplace(id, Outcome{"(rejected)", ""}).second) order.push_back(id);
  }
  read = f.counts.read;
  rejected += f.counts.rejected;
  return out;
}

std::string outcome_text(const std::string& value, const std::string& rule) {
  if (value.empty()) return "(no row)";
  return rule.empty() ? value : value + " (" + rule + ")";
}

}  // namespace

PackDiff diff_packs(const RulePack& a, const RulePack& b) {
  PackDiff d;
  d.pack_a = a.id();
  d.pack_b = b.id();
  Differ(a.checked(), b.checked(), d).run();
  return d;
}

StudentsDiff diff_students(const RulePack& a, const RulePack& b, const std::string& path, Date as_of,
                           const std::string& encoding, bool mask) {
  StudentsDiff out;
  out.as_of = as_of;
  if (!a.checked().pack->tables.empty()) out.table = a.checked().pack->tables.front().name.value;
  std::vector<std::string> order_a, order_b;
  int64_t read_b = 0;
  // Standard input is read once and given to both packs.
  std::string stdin_text;
  if (path == "-") stdin_text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  // A file one pack cannot read (a required field the other pack has not,
  // a key column named another way) is refused naming that pack: the
  // reader's own words do not say which of the two asked.
  auto read_with = [&](const RulePack& pack, const char* which, std::vector<std::string>& order, int64_t& read,
                       int64_t& rejected) {
    try {
      ReadOptions ro;
      ro.file = path;
      ro.encoding = encoding;
      std::istringstream piped(stdin_text);
      const StudentFile f = path == "-" ? read_students(pack, piped, ro) : read_students(pack, path, ro);
      return outcomes(pack, f, as_of, order, read, rejected);
    } catch (const Error& e) {
      std::vector<Diagnostic> ds = e.diagnostics();
      for (Diagnostic& d : ds) d.message = std::string("pack ") + which + " (" + pack.id() + "): " + d.message;
      throw Error(std::move(ds));
    }
  };
  const auto oa = read_with(a, "A", order_a, out.records, out.rejected_a);
  const auto ob = read_with(b, "B", order_b, read_b, out.rejected_b);
  std::map<std::tuple<std::string, std::string, std::string, std::string>, StatusShift> shifts;
  for (const auto& id : order_a) {
    const Outcome& x = oa.at(id);
    const auto it = ob.find(id);
    const Outcome y = it == ob.end() ? Outcome{"(missing)", ""} : it->second;
    if (x.value == y.value && x.rule == y.rule) continue;
    ++out.changed;
    if (x.value != y.value) ++out.status_changed;
    StatusShift& s = shifts[{x.value, x.rule, y.value, y.rule}];
    s.value_a = x.value;
    s.rule_a = x.rule;
    s.value_b = y.value;
    s.rule_b = y.rule;
    ++s.count;
    if (s.examples.size() < 5) s.examples.push_back(mask ? detail::masked_key(id) : id);
  }
  for (auto& [k, s] : shifts) out.shifts.push_back(std::move(s));
  std::stable_sort(out.shifts.begin(), out.shifts.end(),
                   [](const StatusShift& x, const StatusShift& y) { return x.count > y.count; });
  return out;
}

std::string format_diff(const PackDiff& diff, const StudentsDiff* students) {
  std::string out = "--- A: " + diff.pack_a + "\n+++ B: " + diff.pack_b + "\n";
  // The sections in the order a pack is written; a section not listed is
  // printed after them under its own name, so that no change goes unseen.
  static const std::pair<const char*, const char*> kSections[] = {
      {"meta", "meta"},
      {"field", "fields"},
      {"parameter", "parameters"},
      {"derive", "derived values"},
      {"output", "outputs"},
      {"check", "record checks"},
      {"table", "tables"},
      {"row", "table rows"},
      {"role", "roles"},
      {"line", "lines"},
      {"workflow", "workflow"},
      {"event date", "event dates"},
      {"stage", "stages"},
      {"deadline", "deadlines"},
      {"level", "levels"},
      {"ledgers", "ledgers"},
      {"ledger column", "ledger columns"},
      {"special ledger", "special ledgers"},
      {"key group", "key groups"},
      {"indicator", "indicators"},
      {"list", "lists"},
      {"calendar", "calendar"},
      {"clause", "clauses"},
      {"division code", "division codes"},
      {"transfer", "transfer"},
      {"school calendar", "school calendar"}};
  if (diff.changes.empty()) out += "the packs make the same rules\n";
  std::vector<std::pair<std::string, std::string>> sections(std::begin(kSections), std::end(kSections));
  for (const auto& c : diff.changes)
    if (std::none_of(sections.begin(), sections.end(), [&](const auto& s) { return s.first == c.section; }))
      sections.emplace_back(c.section, c.section);
  for (const auto& [section, title] : sections) {
    bool any = false;
    for (const auto& c : diff.changes) {
      if (c.section != section) continue;
      if (!any) out += title + ":\n";
      any = true;
      const char mark = c.change == "added" ? '+' : c.change == "removed" ? '-' : c.change == "moved" ? '>' : '~';
      out += "  " + std::string(1, mark) + " " + c.name;
      if (c.change == "changed" || c.change == "moved") out += ": " + c.before + "  ->  " + c.after;
      else if (c.change == "added" && !c.after.empty()) out += ": " + c.after;
      else if (c.change == "removed" && !c.before.empty()) out += ": " + c.before;
      out += "\n";
      std::string where;
      if (c.where_a.line) where += "A " + c.where_a.format();
      if (c.where_b.line) where += (where.empty() ? "" : ", ") + std::string("B ") + c.where_b.format();
      if (!where.empty()) out += "      (" + where + ")\n";
    }
  }
  if (students) {
    out += "\n" + (students->table.empty() ? std::string("status") : students->table) + " on " +
           students->as_of.format() + ": " + std::to_string(students->status_changed) + " of " +
           std::to_string(students->records) + " children change " +
           (students->table.empty() ? std::string("status") : students->table);
    // A child decided by another row of the same value is listed below
    // too (a row of the policy moved), but is not a change of status.
    if (const int64_t rows_only = students->changed - students->status_changed; rows_only > 0)
      out += "; " + std::to_string(rows_only) + " more keep it, decided by another row";
    out += "\n";
    // Nothing dropped unseen: what each pack refused (the rows stand in
    // the table below as "(rejected)" where the packs differ on them).
    auto reconcile = [&](const char* which, int64_t rejected) {
      return std::string("  ") + which + ": read " + std::to_string(students->records) + " = accepted " +
             std::to_string(students->records - rejected) + " + rejected " + std::to_string(rejected) + "\n";
    };
    out += reconcile("A", students->rejected_a) + reconcile("B", students->rejected_b);
    if (!students->shifts.empty()) {
      size_t wa = 8, wb = 8;
      for (const auto& s : students->shifts) {
        wa = std::max(wa, outcome_text(s.value_a, s.rule_a).size());
        wb = std::max(wb, outcome_text(s.value_b, s.rule_b).size());
      }
      auto pad = [](std::string s, size_t w) {
        if (s.size() < w) s += std::string(w - s.size(), ' ');
        return s;
      };
      out += "  " + pad("in A (row)", wa) + "  " + pad("in B (row)", wb) + "  children  e.g.\n";
      for (const auto& s : students->shifts) {
        std::string ex;
        for (const auto& e : s.examples) ex += (ex.empty() ? "" : ", ") + e;
        std::string count = std::to_string(s.count);
        out += "  " + pad(outcome_text(s.value_a, s.rule_a), wa) + "  " + pad(outcome_text(s.value_b, s.rule_b), wb) +
               "  " + std::string(count.size() < 8 ? 8 - count.size() : 0, ' ') + count + "  " + ex + "\n";
      }
    }
  }
  return out;
}

}  // namespace kcbx
