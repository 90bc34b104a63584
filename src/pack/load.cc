// YAML → Pack. The only file that includes yaml-cpp: it copies every node it
// needs into the Pack with its position, and drops the YAML::Nodes.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>
#include <string>

#include "io/encoding.h"
#include "pack/pack.h"
#include "pack/schema.h"
#include "pack/yaml_walk.h"
#include "util/utf8.h"

namespace kcbx::detail {

namespace {

constexpr size_t kMaxPackBytes = schema::kMaxPackBytes;

class Loader {
 public:
  Loader(const std::string& file, std::vector<Diagnostic>& diags,
         std::string_view source)
      : w_(file, diags, source) {}

  void load(const YAML::Node& root, Pack& pack) {
    if (!root.IsDefined() || root.IsNull()) {
      w_.error(root, "empty-pack", "the rule pack is empty");
      return;
    }
    if (!w_.check_bounds(root)) return;
    MapReader top(w_, root, "rule pack", schema::kPack);
    if (!top.ok()) return;
    if (auto n = top.get("meta")) load_meta(*n, pack.meta);
    extending_ = !pack.meta.extends.empty();
    if (auto n = top.get("clauses")) load_clauses(*n, pack);
    if (auto n = top.get("fields")) load_fields(*n, pack);
    if (auto n = top.get("parameters")) load_params(*n, pack);
    if (auto n = top.get("derive")) load_derives(*n, pack);
    if (auto n = top.get("checks")) load_checks(*n, pack);
    if (auto n = top.get("tables")) load_tables(*n, pack);
    if (auto n = top.get("outputs")) {
      if (w_.expect_sequence(*n, "outputs"))
        for (const auto& item : *n) pack.outputs.push_back(w_.text(item));
    }
    if (auto n = top.get("levels")) load_levels(*n, pack);
    if (auto n = top.get("roles")) load_roles(*n, pack);
    if (auto n = top.get("lines")) load_lines(*n, pack);
    if (auto n = top.get("workflow")) load_workflow(*n, pack);
    if (auto n = top.get("ledgers")) load_ledgers(*n, pack);
    if (auto n = top.get("indicators")) load_indicators(*n, pack);
    if (auto n = top.get("lists")) load_lists(*n, pack);
    if (auto n = top.get("calendar")) load_calendar(*n, pack);
    if (auto n = top.get("transfer")) {
      MapReader r(w_, *n, "transfer", schema::kTransfer);
      if (r.ok()) {
        TransferDef& t = pack.transfer;
        t.change = read_change(r);
        t.present = true;
        t.where = w_.where(*n);
        t.notify_within = r.text("notify_within");
        t.notify_clause = r.text("notify_clause");
        t.inspect_within = r.text("inspect_within");
        t.inspect_clause = r.text("inspect_clause");
        t.school_field = r.text("school_field");
        t.name_field = r.text("name_field");
        t.lost_clause = r.text("lost_clause");
        if (auto roles = r.get("school_roles")) {
          t.school_roles = text_list(*roles, "school_roles");
          t.school_roles_given = true;
        }
        if (auto roles = r.get("local_roles")) {
          t.local_roles = text_list(*roles, "local_roles");
          t.local_roles_given = true;
        }
      }
    }
    if (auto n = top.get("school_calendar")) {
      MapReader r(w_, *n, "school_calendar", schema::kSchoolCalendar);
      if (r.ok()) {
        SchoolCalendarDef& c = pack.school_calendar;
        c.change = read_change(r);
        c.present = true;
        c.where = w_.where(*n);
        if (auto days = r.get("holidays")) c.holidays = text_list(*days, "holidays");
        if (auto days = r.get("make_up_days")) c.make_up_days = text_list(*days, "make_up_days");
      }
    }
    if (auto n = top.get("division_codes")) load_division_codes(*n, pack);
    if (pack.meta.name.empty())
      w_.error(root, "missing-key", "the rule pack needs 'meta: {name: ...}'");
  }

 private:
  // The extension verbs an item may carry (see Change in pack.h).
  Change read_change(const MapReader& r) {
    Change c;
    c.where = r.where();
    c.override_ = r.boolean("override", false);
    c.replace = r.boolean("replace", false);
    c.remove = r.boolean("remove", false);
    c.before = r.text("before");
    c.after = r.text("after");
    if (r.has("before") && r.has("after"))
      w_.error_at(c.after.where, "conflicting-keys", "give 'before' or 'after', not both");
    // `remove: true` drops the item whole: anything written beside it
    // (a `when`, a `due_after`) was ignored without a word, where the
    // author most likely meant to change the item.
    if (c.remove)
      if (const Text* k = r.other_key({"id", "remove", "note", "description", "clause"}))  // these only document
        w_.error_at(k->where, "conflicting-keys",
                    "'remove: true' drops the item whole, so '" + k->value +
                        "' would be ignored; to change the item instead, write 'replace: true' (a row or check) "
                        "or 'override: true'");
    return c;
  }

  void load_meta(const YAML::Node& n, MetaDef& meta) {
    MapReader r(w_, n, "meta", schema::kMeta);
    if (!r.ok()) return;
    meta.name = r.text("name");
    meta.version = r.text("version");
    meta.jurisdiction = r.text("jurisdiction");
    // A GB/T 2260 division code or its prefix: 2 to 12 digits.
    const std::string& j = meta.jurisdiction.value;
    if (!meta.jurisdiction.empty() &&
        (j.size() < 2 || j.size() > 12 || !std::all_of(j.begin(), j.end(), [](char c) { return c >= '0' && c <= '9'; })))
      w_.error_at(meta.jurisdiction.where, "bad-code",
                  "jurisdiction '" + j + "' is not a division code (2 to 12 digits, such as \"520000\")");
    meta.title = r.text("title");
    meta.description = r.text("description");
    // Left empty (`extends:`, `~`, ""), the pack would be one of its own
    // with no fields, and accept any file.
    meta.extends = r.filled("extends", "name the base pack ('guizhou', or a file relative to this one), or leave "
                                       "'extends' out for a pack of its own");
  }

  void load_division_codes(const YAML::Node& n, Pack& pack) {
    if (!w_.expect_map(n, "division_codes")) return;
    for (const auto& [key, value] : w_.entries(n)) {
      DivisionCodeDef d;
      d.code = key;
      d.name = w_.text(value);
      const std::string& c = key.value;
      if (c.size() == 6 && std::all_of(c.begin(), c.end(), [](char ch) { return ch >= '0' && ch <= '9'; }) &&
          c.substr(2) != "0000")
        d.value = std::stoi(c);
      else
        w_.error_at(key.where, "wrong-type",
                    "division code '" + c + "' must be 6 digits of a county or prefecture (not a province's xx0000)");
      pack.division_codes.push_back(std::move(d));
    }
  }

  void load_clauses(const YAML::Node& n, Pack& pack) {
    if (!w_.expect_map(n, "clauses")) return;
    for (const auto& [key, value] : w_.entries(n)) {
      ClauseDef c;
      c.id = key;
      c.where = key.where;
      if (value.IsScalar()) {
        c.zh = w_.text(value);
      } else {
        MapReader r(w_, value, "clause", schema::kClause);
        if (!r.ok()) continue;
        c.change = read_change(r);
        c.zh = r.text("zh");
        c.en = r.text("en");
      }
      pack.clauses.push_back(std::move(c));
    }
  }

  int load_domain(const YAML::Node& n, const std::string& name, Pack& pack) {
    DomainDef d;
    d.name = name;
    d.where = w_.where(n);
    if (n.IsSequence()) {
      for (const auto& item : n) {
        EnumValueDef v;
        v.name = w_.text(item);
        d.values.push_back(std::move(v));
      }
    } else if (w_.expect_map(n, "values")) {
      for (const auto& [key, value] : w_.entries(n)) {
        EnumValueDef v;
        v.name = key;
        if (value.IsScalar() || value.IsNull()) {
          v.alias = w_.text(value);
        } else {
          MapReader r(w_, value, "enum value", schema::kEnumValue);
          if (!r.ok()) continue;
          v.change = read_change(r);
          v.alias = r.text("alias");
          v.label_en = r.text("en");
        }
        d.values.push_back(std::move(v));
      }
    }
    pack.domains.push_back(std::move(d));
    return static_cast<int>(pack.domains.size() - 1);
  }

  TypeKind load_type(MapReader& r, SourceLocation& where) {
    Text t = r.text("type");
    where = t.where;
    if (t.empty() && extending_) {
      where = SourceLocation{};  // the merge reports it if the item is new
      return TypeKind::kString;
    }
    if (t.empty()) {
      r.missing("type", "one of bool, int, number, date, duration, string, "
                        "enum, set");
      return TypeKind::kString;
    }
    auto kind = parse_type_name(t.value);
    if (!kind) {
      const std::string near = nearest_name(
          t.value, std::vector<std::string>(std::begin(schema::kTypes), std::end(schema::kTypes)));
      w_.error_at(t.where, "unknown-type",
                  "unknown type '" + t.value +
                      "'; expected one of bool, int, number, date, duration, "
                      "string, enum, set" +
                      (near.empty() ? std::string() : "; did you mean '" + near + "'?"));
      return TypeKind::kString;
    }
    return *kind;
  }

  void load_fields(const YAML::Node& n, Pack& pack) {
    if (!w_.expect_map(n, "fields")) return;
    for (const auto& [key, value] : w_.entries(n)) {
      FieldDef f;
      f.name = key;
      f.where = key.where;
      MapReader r(w_, value, "field '" + key.value + "'", schema::kField);
      if (!r.ok()) continue;
      f.change = read_change(r);
      f.alias = r.text("alias");
      f.description = r.text("description");
      f.type = load_type(r, f.type_where);
      f.required = r.boolean("required", false);
      f.unique = r.boolean("unique", false);
      f.format = r.text("format");
      if (auto d = r.get("default")) f.default_value = w_.text(*d);
      f.values_from = r.text("values_from");
      // In an extension, `registry: {values: {...}}` alone adds values to
      // the base's field (the merge checks that it is an enum or set).
      f.values_only = extending_ && r.has("values") && r.size() == 1;
      if (r.has("values") && !f.values_from.empty()) {
        w_.error_at(f.values_from.where, "conflicting-keys",
                    "field '" + key.value + "' has both 'values' and 'values_from'; keep one");
      } else if (auto v = r.get("values")) {
        if (f.type != TypeKind::kEnum && f.type != TypeKind::kSet && !(extending_ && f.type_where.line == 0))
          w_.error(*v, "unexpected-key",
                   "'values' is only for enum and set fields");
        else
          f.domain = load_domain(*v, key.value, pack);
      } else if ((f.type == TypeKind::kEnum || f.type == TypeKind::kSet) &&
                 f.values_from.empty()) {
        r.missing("values", "the list of allowed values");
      }
      pack.fields.push_back(std::move(f));
    }
  }

  void load_params(const YAML::Node& n, Pack& pack) {
    if (!w_.expect_map(n, "parameters")) return;
    for (const auto& [key, value] : w_.entries(n)) {
      ParamDef p;
      p.name = key;
      p.where = key.where;
      MapReader r(w_, value, "parameter '" + key.value + "'", schema::kParameter);
      if (!r.ok()) continue;
      p.change = read_change(r);
      p.from = r.text("from");
      p.type = load_type(r, p.type_where);
      p.unit = r.text("unit");
      p.clause = r.text("clause");
      p.description = r.text("description");
      auto single = r.get("value");
      auto history = r.get("values");
      if (single && history) {
        w_.error(*history, "conflicting-keys",
                 "parameter '" + key.value +
                     "' has both 'value' and 'values'; keep one");
      } else if (history && !p.from.empty()) {
        // Each value of a history carries its own date: a 'from' beside it
        // would be dropped, and the first value read as in force always.
        w_.error_at(p.from.where, "conflicting-keys",
                    "parameter '" + key.value +
                        "' has 'from' and 'values'; write the date in the value ('values: [{from: " +
                        p.from.value + ", value: ...}]') or use 'from' with 'value'");
      } else if (!single && !history && !p.from.empty()) {
        w_.error_at(p.from.where, "missing-key",
                    "parameter '" + key.value + "' has 'from' but no 'value': write the value in force from " +
                        p.from.value);
      } else if (single) {
        ParamValueDef v;
        v.value = r.filled("value", "write the value, or leave 'value' out for a parameter the source leaves open");
        v.where = v.value.where;
        if (!p.from.empty()) {
          v.from_text = p.from;
          v.from = Date::parse(p.from.value);
          if (!v.from)
            w_.error_at(p.from.where, "bad-date", "'" + p.from.value + "' is not a date; write YYYY-MM-DD");
        }
        p.values.push_back(std::move(v));
      } else if (history) {
        p.history_given = true;
        if (w_.expect_sequence(*history, "values")) {
          for (const auto& item : *history) {
            MapReader vr(w_, item, "parameter value", schema::kParameterValue);
            if (!vr.ok()) continue;
            ParamValueDef v;
            v.where = w_.where(item);
            v.from_text = vr.text("from");
            bool dated = true;
            if (!v.from_text.empty()) {
              v.from = Date::parse(v.from_text.value);
              if (!v.from) {
                w_.error_at(v.from_text.where, "bad-date",
                            "'" + v.from_text.value +
                                "' is not a date; write YYYY-MM-DD");
                dated = false;
              }
            }
            v.value = vr.filled("value", "write the value in force from that date");
            if (!vr.has("value")) vr.missing("value", "the value in force");
            // A value whose date is unreadable is left out of the history
            // (read as "always", it clashed with the value that is).
            if (dated) p.values.push_back(std::move(v));
          }
        }
      }
      // A parameter without a value is allowed: it documents a deadline the
      // source leaves open. Using it in an expression is then an error on
      // every date, reported by the checker.
      pack.params.push_back(std::move(p));
    }
  }

  void load_derives(const YAML::Node& n, Pack& pack) {
    if (!w_.expect_map(n, "derive")) return;
    for (const auto& [key, value] : w_.entries(n)) {
      DeriveDef d;
      d.name = key;
      d.where = key.where;
      if (value.IsNull() || value.IsScalar()) {
        d.expr = w_.text(value);
        if (Walker::is_empty(value))
          w_.error_at(key.where, "empty-value", "derived value '" + key.value + "' is empty: write its expression");
      } else {
        MapReader r(w_, value, "derived value '" + key.value + "'", schema::kDerive);
        if (!r.ok()) continue;
        d.change = read_change(r);
        d.expr = r.filled("expr", "write the expression");
        if (!r.has("expr")) r.missing("expr", "the expression");
        d.clause = r.text("clause");
        d.description = r.text("description");
      }
      pack.derives.push_back(std::move(d));
    }
  }

  void load_checks(const YAML::Node& n, Pack& pack) {
    if (!w_.expect_sequence(n, "checks")) return;
    for (const auto& item : n) {
      MapReader r(w_, item, "check", schema::kCheck);
      if (!r.ok()) continue;
      CheckDef c;
      c.change = read_change(r);
      c.where = w_.where(item);
      c.id = r.text("id");
      c.require = r.filled("require", "write the condition every record must meet");
      c.message = r.text("message");
      c.column = r.text("column");
      c.clause = r.text("clause");
      if (!r.has("id")) r.missing("id", "a short name");
      if (!c.change.remove && !r.has("require")) r.missing("require", "the condition records meet");
      if (!c.change.remove && !r.has("message")) r.missing("message", "the reject reason");
      pack.checks.push_back(std::move(c));
    }
  }

  void load_tables(const YAML::Node& n, Pack& pack) {
    if (!w_.expect_map(n, "tables")) return;
    for (const auto& [key, value] : w_.entries(n)) {
      TableDef t;
      t.name = key;
      t.where = key.where;
      MapReader r(w_, value, "table '" + key.value + "'", schema::kTable);
      if (!r.ok()) continue;
      t.change = read_change(r);
      t.description = r.text("description");
      t.hit_policy_text = r.text("hit_policy");
      const std::string& hp = t.hit_policy_text.value;
      if (hp.empty() || hp == "first") {
        t.hit_policy = HitPolicy::kFirst;
      } else if (hp == "unique") {
        t.hit_policy = HitPolicy::kUnique;
      } else if (hp == "collect") {
        t.hit_policy = HitPolicy::kCollect;
      } else {
        const std::string near = nearest_name(
            hp, std::vector<std::string>(std::begin(schema::kHitPolicies), std::end(schema::kHitPolicies)));
        w_.error_at(t.hit_policy_text.where, "unknown-hit-policy",
                    "unknown hit policy '" + hp +
                        "'; expected first, unique or collect" +
                        (near.empty() ? std::string() : "; did you mean '" + near + "'?"));
      }
      t.values_from = r.text("values_from");
      if (r.has("values") && !t.values_from.empty()) {
        w_.error_at(t.values_from.where, "conflicting-keys",
                    "table '" + key.value + "' has both 'values' and 'values_from'; keep one");
      } else if (auto v = r.get("values")) {
        t.domain = load_domain(*v, key.value, pack);
      } else if (t.values_from.empty() && !extending_) {
        r.missing("values", "the values its rows give");
      }
      if (auto rows = r.get("rows")) {
        if (w_.expect_sequence(*rows, "rows")) {
          for (const auto& item : *rows) {
            MapReader rr(w_, item, "row", schema::kRow);
            if (!rr.ok()) continue;
            RowDef row;
            row.change = read_change(rr);
            row.where = w_.where(item);
            row.id = rr.text("id");
            row.when = rr.filled("when", "write the condition, or leave 'when' out for a row that matches every record");
            row.then = rr.filled("then", "write one of the table's values");
            row.clause = rr.text("clause");
            row.note = rr.text("note");
            if (!rr.has("id")) rr.missing("id", "a row id");
            if (!rr.has("then") && !row.change.remove) rr.missing("then", "the value it gives");
            t.rows.push_back(std::move(row));
          }
        }
      } else if (!extending_) {
        // An extension may change a base table's values only; a new table
        // without rows is reported by the merge.
        r.missing("rows", "the decision rows");
      }
      pack.tables.push_back(std::move(t));
    }
  }

  std::vector<Text> text_list(const YAML::Node& n, const std::string& what) {
    std::vector<Text> out;
    if (n.IsScalar()) {
      out.push_back(w_.text(n));
    } else if (w_.expect_sequence(n, what)) {
      for (const auto& item : n) out.push_back(w_.text(item));
    }
    return out;
  }

  int to_int(const Text& t, int fallback) {
    if (t.empty()) return fallback;
    try {
      size_t used = 0;
      const int v = std::stoi(t.value, &used);
      if (used == t.value.size() && v >= 0 && v <= 1000000) return v;
    } catch (const std::exception&) {
    }
    w_.error_at(t.where, "wrong-type", "'" + t.value + "' is not a whole number");
    return fallback;
  }

  void load_levels(const YAML::Node& n, Pack& pack) {
    if (!w_.expect_map(n, "levels")) return;
    for (const auto& [key, value] : w_.entries(n)) {
      MapReader r(w_, value, "level '" + key.value + "'", schema::kLevel);
      if (!r.ok()) continue;
      LevelDef l;
      l.change = read_change(r);
      l.name = key;
      l.where = key.where;
      l.alias = r.text("alias");
      if (auto f = r.get("field")) l.fields.push_back(w_.text(*f));
      if (auto f = r.get("fields")) {
        if (!l.fields.empty())
          w_.error(*f, "conflicting-keys", "level '" + key.value + "' has both 'field' and 'fields'; keep one");
        l.fields = text_list(*f, "fields");
      }
      if (l.fields.empty()) r.missing("field", "the record field the jurisdiction is read from");
      l.prefix = to_int(r.text("prefix"), 0);
      pack.levels.push_back(std::move(l));
    }
  }

  void load_roles(const YAML::Node& n, Pack& pack) {
    if (!w_.expect_map(n, "roles")) return;
    for (const auto& [key, value] : w_.entries(n)) {
      MapReader r(w_, value, "role '" + key.value + "'", schema::kRole);
      if (!r.ok()) continue;
      RoleDef role;
      role.change = read_change(r);
      role.name = key;
      role.where = key.where;
      role.alias = r.text("alias");
      role.line = r.text("line");
      role.level = r.text("level");
      role.from_record = r.boolean("from_record", false);
      if (!r.has("line")) r.missing("line", "the line of responsibility");
      if (!r.has("level")) r.missing("level", "the level of jurisdiction it covers");
      if (auto d = r.get("duties")) {
        if (w_.expect_sequence(*d, "duties")) {
          int number = 0;
          for (const auto& item : *d) {
            ++number;
            DutyDef duty;
            if (item.IsScalar()) {
              duty.text = w_.text(item);
              duty.id = Text{std::to_string(number), duty.text.where, false};
            } else {
              MapReader dr(w_, item, "duty", schema::kDuty);
              if (!dr.ok()) continue;
              duty.id = dr.text("id");
              if (duty.id.empty()) duty.id.value = std::to_string(number);
              duty.text = dr.text("text");
              duty.clause = dr.text("clause");
            }
            role.duties.push_back(std::move(duty));
          }
        }
      }
      pack.roles.push_back(std::move(role));
    }
  }

  void load_lines(const YAML::Node& n, Pack& pack) {
    if (!w_.expect_map(n, "lines")) return;
    for (const auto& [key, value] : w_.entries(n)) {
      LineDef line;
      line.name = key;
      line.where = key.where;
      if (value.IsSequence()) {
        line.chain = text_list(value, "line");
      } else {
        MapReader r(w_, value, "line '" + key.value + "'", schema::kLine);
        if (!r.ok()) continue;
        line.change = read_change(r);
        line.alias = r.text("alias");
        if (auto c = r.get("chain")) line.chain = text_list(*c, "chain");
        else r.missing("chain", "the roles from the bottom up");
      }
      pack.lines.push_back(std::move(line));
    }
  }

  void load_workflow(const YAML::Node& n, Pack& pack) {
    WorkflowDef& wf = pack.workflow;
    MapReader r(w_, n, "workflow", schema::kWorkflow);
    if (!r.ok()) return;
    wf.present = true;
    wf.where = w_.where(n);
    wf.change = read_change(r);
    wf.opens_when = r.filled("opens_when", "write which records have a case");
    wf.opened_on = r.filled("opened_on", "write the date a case opens, or leave the key out");
    wf.closes_on = r.filled("closes_on", "write the date a case closes, or leave the key out");
    wf.events_after = r.filled("events_after", "name the date field after which events count, or leave the key out");
    wf.progress_note = r.filled("progress_note", "write the progress text, e.g. '({done} of {needed} done)', or leave the key out");
    wf.continuing_note = r.filled("continuing_note", "write the text, e.g. '(every stage done; until the child returns)', or leave the key out");
    if (!r.has("opens_when") && !extending_) r.missing("opens_when", "which records have a case");
    if (auto e = r.get("events")) wf.event_domain = load_domain(*e, "events", pack);
    else if (!extending_) r.missing("events", "the event types");
    if (auto d = r.get("event_dates")) {
      // field: event type, or field: [event types]
      if (w_.expect_map(*d, "event_dates"))
        for (const auto& [key, value] : w_.entries(*d))
          wf.event_dates.push_back({key, text_list(value, "event_dates")});
    }
    if (auto s = r.get("stages")) {
      if (w_.expect_sequence(*s, "stages")) {
        for (const auto& item : *s) {
          MapReader sr(w_, item, "stage", schema::kStage);
          if (!sr.ok()) continue;
          StageDef st;
          st.change = read_change(sr);
          st.count_given = sr.has("count");
          st.where = w_.where(item);
          st.id = sr.text("id");
          st.alias = sr.text("alias");
          st.role = sr.text("role");
          st.action = sr.text("action");
          if (auto e = sr.get("event")) st.events.push_back(w_.text(*e));
          if (auto e = sr.get("events")) st.events = text_list(*e, "events");
          // A whole number, or the int parameter that holds it.
          if (const Text c = sr.text("count"); !c.empty() && (std::isalpha(static_cast<unsigned char>(c.value[0])) ||
                                                               c.value[0] == '_'))
            st.count_param = c;
          else
            st.count = to_int(c, 1);
          st.count_where = st.count_given ? sr.text("count").where : st.where;
          st.due_after = sr.text("due_after");
          st.due_from = sr.text("due_from");
          st.count_by = sr.text("count_by");
          st.when = sr.text("when");
          st.clause = sr.text("clause");
          if (!sr.has("id")) sr.missing("id", "a stage id");
          // In an extension a stage may be the base's, given again without
          // 'override: true': the merge says so (already-defined) rather
          // than asking for keys an override would not need, and asks a
          // new stage for them itself.
          const bool partial = st.change.override_ || st.change.remove || extending_;
          if (!partial && !sr.has("role")) sr.missing("role", "the role that acts");
          if (!partial && st.events.empty()) sr.missing("event", "the event type that completes it");
          wf.stages.push_back(std::move(st));
        }
      }
    } else if (!extending_) {
      r.missing("stages", "the case stages in order");
    }
  }

  std::vector<GroupDef> load_groups(const YAML::Node& n, const std::string& what) {
    std::vector<GroupDef> out;
    if (!w_.expect_map(n, what)) return out;
    for (const auto& [key, value] : w_.entries(n)) {
      GroupDef g;
      g.name = key;
      g.where = key.where;
      if (value.IsNull() || value.IsScalar()) {
        g.when = w_.text(value);
        if (Walker::is_empty(value))
          w_.error_at(key.where, "empty-value", what + " '" + key.value + "' is empty: write its condition");
      } else {
        MapReader r(w_, value, what + " '" + key.value + "'", schema::kGroup);
        if (!r.ok()) continue;
        g.alias = r.text("alias");
        g.when = r.filled("when", "write the condition");
        if (!r.has("when")) r.missing("when", "the condition");
      }
      out.push_back(std::move(g));
    }
    return out;
  }

  void load_ledgers(const YAML::Node& n, Pack& pack) {
    LedgersDef& l = pack.ledgers;
    MapReader r(w_, n, "ledgers", schema::kLedgers);
    if (!r.ok()) return;
    l.change = read_change(r);
    l.present = true;
    l.where = w_.where(n);
    l.include = r.filled("include", "write which children are on the ledgers");
    if (!r.has("include")) {
      // An extension changing one part of the base's ledgers (a key group)
      // replaces the whole section: say so, not only what is missing.
      if (extending_ && !l.change.override_)
        r.missing("include", "which children are on the ledgers; an extension's ledgers replace the base's: "
                             "write 'override: true' and the whole section");
      else
        r.missing("include", "which children are on the ledgers");
    }
    if (auto v = r.get("levels")) l.levels = text_list(*v, "levels");
    l.totals_by = r.text("totals_by");
    if (auto c = r.get("columns")) {
      if (w_.expect_sequence(*c, "columns")) {
        for (const auto& item : *c) {
          LedgerColumnDef col;
          col.where = w_.where(item);
          if (item.IsScalar()) {
            col.name = w_.text(item);
          } else {
            MapReader cr(w_, item, "ledger column", schema::kLedgerColumn);
            if (!cr.ok()) continue;
            col.name = cr.text("name");
            col.alias = cr.text("alias");
            col.from_case = cr.boolean("case", false);
          }
          l.columns.push_back(std::move(col));
        }
      }
    }
    if (auto s = r.get("special")) l.special = load_groups(*s, "special ledger");
    if (auto g = r.get("key_groups")) l.key_groups = load_groups(*g, "key group");
  }

  void load_indicators(const YAML::Node& n, Pack& pack) {
    if (!w_.expect_map(n, "indicators")) return;
    for (const auto& [key, value] : w_.entries(n)) {
      MapReader r(w_, value, "indicator '" + key.value + "'", schema::kIndicator);
      if (!r.ok()) continue;
      IndicatorDef d;
      d.change = read_change(r);
      d.name = key;
      d.where = key.where;
      d.alias = r.text("alias");
      d.clause = r.text("clause");
      d.numerator = r.filled("numerator", "write what the rate counts");
      d.denominator = r.filled("denominator", "write what the rate is out of");
      d.count = r.filled("count", "write what the indicator counts");
      d.at_least = r.text("at_least");
      d.at_most = r.text("at_most");
      d.as_of = r.text("as_of");
      const bool rate = r.has("numerator") || r.has("denominator");
      if (d.change.remove)
        ;  // nothing more: read_change refused anything beside it
      else if (rate && r.has("count"))
        w_.error(value, "conflicting-keys", "indicator '" + key.value + "' is a rate or a count, not both");
      else if (rate && !(r.has("numerator") && r.has("denominator")))
        r.missing(r.has("numerator") ? "denominator" : "numerator", "both sides of the rate");
      else if (!rate && !r.has("count"))
        r.missing("count", "or numerator and denominator");
      pack.indicators.push_back(std::move(d));
    }
  }

  void load_lists(const YAML::Node& n, Pack& pack) {
    if (!w_.expect_map(n, "lists")) return;
    for (const auto& [key, value] : w_.entries(n)) {
      MapReader r(w_, value, "list '" + key.value + "'", schema::kList);
      if (!r.ok()) continue;
      ListDef d;
      d.change = read_change(r);
      d.name = key;
      d.where = key.where;
      d.alias = r.text("alias");
      d.kind = r.text("kind");
      if (d.kind.empty()) d.kind = Text{key.value, key.where, false};
      d.group_by = r.text("group_by");
      if (auto roles = r.get("roles")) d.roles = text_list(*roles, "roles");
      d.eligible = r.text("eligible");
      d.receiving = r.text("receiving");
      pack.lists.push_back(std::move(d));
    }
  }

  void load_calendar(const YAML::Node& n, Pack& pack) {
    if (!w_.expect_sequence(n, "calendar")) return;
    for (const auto& item : n) {
      MapReader r(w_, item, "calendar entry", schema::kCalendar);
      if (!r.ok()) continue;
      CalendarDef d;
      d.change = read_change(r);
      d.where = w_.where(item);
      d.id = r.text("id");
      d.alias = r.text("alias");
      d.reporter = r.text("reporter");
      d.recipient = r.text("recipient");
      d.clause = r.text("clause");
      if (auto days = r.get("days")) {
        d.days = text_list(*days, "days");
        // No day: the report would never be due, without a word.
        if (d.days.empty() && days->IsSequence())
          w_.error(*days, "empty-value", "'days' is empty: list the days of the month reports are due (1..31 or last)");
      } else if (!d.change.remove && !d.change.override_) {  // an override keeps the base's days
        r.missing("days", "the days of the month reports are due");
      }
      if (auto months = r.get("months")) {
        d.months = text_list(*months, "months");
        if (d.months.empty() && months->IsSequence())
          w_.error(*months, "empty-value", "'months' is empty: list the months reports are due (1..12), or leave it out for every month");
      }
      d.data_as_of = r.text("data_as_of");
      if (!r.has("id")) r.missing("id", "a short name");
      pack.calendar.push_back(std::move(d));
    }
  }

  Walker w_;
  bool extending_ = false;  // a pack that extends another may give parts
};

}  // namespace

std::shared_ptr<Pack> load_pack(std::string_view text, const std::string& file,
                                std::vector<Diagnostic>& diags) {
  auto pack = std::make_shared<Pack>();
  pack->file = file;
  pack->source = std::string(text);
  pack->source_hash = fnv1a64(text);
  pack->sources.emplace_back(file, pack->source);
  if (text.size() > kMaxPackBytes) {
    diags.push_back({Severity::kError, {file, 1, 1}, "pack-too-large",
                     "the rule pack is " + std::to_string(text.size()) +
                         " bytes; the limit is " +
                         std::to_string(kMaxPackBytes)});
    return pack;
  }
  // yaml-cpp passes invalid UTF-8 through into names and texts, where
  // JSON and xlsx writers then fail; a pack saved as GBK is a user mistake
  // to report here. (UTF-16/32 with a BOM is decoded by yaml-cpp itself.)
  const bool utf16_or_32 = text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF") ||
                           text.starts_with(std::string_view("\0\0\xFE\xFF", 4));
  if (!utf16_or_32 && !is_valid_utf8(text)) {
    int line = 1;
    for (size_t start = 0; start < text.size(); ++line) {
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      if (!is_valid_utf8(text.substr(start, end - start))) break;
      start = end + 1;
    }
    diags.push_back({Severity::kError, {file, line, 1}, "not-utf8",
                     "the rule pack is not valid UTF-8 (line " + std::to_string(line) +
                         "); save it as UTF-8"});
    return pack;
  }
  // Positions are computed against the text as written; a UTF-16/32 pack
  // is decoded by yaml-cpp, so its marks keep yaml-cpp's own columns.
  const std::string_view source = utf16_or_32 ? std::string_view() : std::string_view(pack->source);
  // yaml-cpp reports a tab in indentation as "illegal map value" or worse.
  if (!utf16_or_32) {
    const size_t before = diags.size();
    check_tab_indentation(file, source, diags);
    if (diags.size() != before) return pack;
  }
  YAML::Node root;
  try {
    std::string emptied;
    root = YAML::Load(std::string(blank_lines_emptied(pack->source, emptied)));
  } catch (const YAML::Exception& e) {
    report_yaml_syntax_error(file, source, e, diags);
    return pack;
  }
  try {
    Loader(file, diags, source).load(root, *pack);
  } catch (const YAML::Exception& e) {
    // yaml-cpp throws on conversions we did not guard; report, never leak.
    diags.push_back({Severity::kError, to_location(file, e.mark, source), "yaml-error",
                     e.msg});
  }
  return pack;
}

uint64_t fnv1a64(std::string_view text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

const char* type_name(TypeKind kind) {
  switch (kind) {
    case TypeKind::kBool: return "bool";
    case TypeKind::kInt: return "int";
    case TypeKind::kNumber: return "number";
    case TypeKind::kDate: return "date";
    case TypeKind::kDuration: return "duration";
    case TypeKind::kString: return "string";
    case TypeKind::kEnum: return "enum";
    case TypeKind::kSet: return "set";
  }
  return "?";
}

std::optional<TypeKind> parse_type_name(std::string_view name) {
  static const std::pair<const char*, TypeKind> kNames[] = {
      {"bool", TypeKind::kBool},         {"int", TypeKind::kInt},
      {"number", TypeKind::kNumber},     {"date", TypeKind::kDate},
      {"duration", TypeKind::kDuration}, {"string", TypeKind::kString},
      {"enum", TypeKind::kEnum},         {"set", TypeKind::kSet}};
  for (const auto& [n, k] : kNames)
    if (name == n) return k;
  return std::nullopt;
}

// Edit distance in characters (code points), so that one mistyped Chinese
// character is one edit, as one mistyped letter is.
static size_t edit_distance(const std::u32string& a, const std::u32string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1,
                         prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

static std::u32string code_points(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) out += utf8_next(s, i);
  return out;
}

std::string nearest_name(std::string_view name,
                         const std::vector<std::string>& candidates) {
  const std::u32string n = code_points(name);
  const bool ascii = n.size() == name.size();
  std::string best;
  size_t best_d = 3;
  for (const auto& c : candidates) {
    const std::u32string cc = code_points(c);
    const size_t d = edit_distance(n, cc);
    // A Chinese name is two to four characters: at most half of them may
    // differ (else every two-character label is "near" every other).
    if (!(ascii && cc.size() == c.size()) && d * 2 > std::max(n.size(), cc.size())) continue;
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

}  // namespace kcbx::detail
