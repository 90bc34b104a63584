// `extends:` — a pack changes a base pack by key. The base is copied, never
// mutated, so two packs extending one base in a process cannot see each
// other's changes. Items keep the source location of the file that wrote
// them, so diagnostics and --print-effective point at the right file.
#include "pack/extend.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kcbx/rule_pack.h"
#include "pack/schema.h"

namespace kcbx::detail {

std::string_view embedded_pack(std::string_view name);  // embedded_packs.cc

namespace {

constexpr int kMaxChain = schema::kMaxExtendsChain;

class Merger {
 public:
  explicit Merger(std::vector<Diagnostic>& diags) : diags_(diags) {}

  // What the extension overrode or replaced of its base, in the order
  // merged: "field 'poor' (ext.yaml:4:3)" (Pack::changed).
  std::vector<std::string> changes;

  void merge(Pack& out, Pack ext) {
    const int offset = static_cast<int>(out.domains.size());
    shift_domains(ext, offset);
    for (auto& d : ext.domains) out.domains.push_back(std::move(d));

    merge_meta(out.meta, ext.meta);
    named(out.clauses, ext.clauses, "clause", [](const ClauseDef& c) -> const Text& { return c.id; });
    merge_field_values(out, ext.fields);
    for (const auto& f : ext.fields)
      if (f.type_where.line == 0)
        error(f.name.where, "missing-key",
              "field '" + f.name.value + "' needs 'type'" +
                  (f.change.override_ ? std::string(" (an override gives the whole definition)") : ""));
    // Such a field is left out of the merge: taken as a string, it made the
    // base's own expressions on it fail, errors in a file the author did
    // not write.
    std::erase_if(ext.fields, [](const FieldDef& f) { return f.type_where.line == 0; });
    named(out.fields, ext.fields, "field", [](const FieldDef& f) -> const Text& { return f.name; });
    merge_params(out.params, ext.params);
    named(out.derives, ext.derives, "derived value", [](const DeriveDef& d) -> const Text& { return d.name; });
    merge_tables(out, ext.tables);
    ordered(out.checks, ext.checks, "check", "checks", [](const CheckDef& c) -> const Text& { return c.id; });
    for (auto& o : ext.outputs)
      if (std::none_of(out.outputs.begin(), out.outputs.end(), [&](const Text& t) { return t.value == o.value; }))
        out.outputs.push_back(o);
    named(out.levels, ext.levels, "level", [](const LevelDef& l) -> const Text& { return l.name; });
    named(out.roles, ext.roles, "role", [](const RoleDef& r) -> const Text& { return r.name; });
    named(out.lines, ext.lines, "line", [](const LineDef& l) -> const Text& { return l.name; });
    merge_workflow(out, ext.workflow);
    whole(out.ledgers, ext.ledgers, "ledgers");
    named(out.indicators, ext.indicators, "indicator", [](const IndicatorDef& i) -> const Text& { return i.name; });
    named(out.lists, ext.lists, "list", [](const ListDef& l) -> const Text& { return l.name; });
    merge_calendar(out.calendar, ext.calendar);
    merge_transfer(out.transfer, ext.transfer);
    whole(out.school_calendar, ext.school_calendar, "school_calendar");
    // Codes are facts, not choices to override: a county pack may repeat
    // its province pack's code (nothing changes) or give it another name.
    for (auto& d : ext.division_codes) {
      auto it = std::find_if(out.division_codes.begin(), out.division_codes.end(),
                             [&](const DivisionCodeDef& b) { return b.code.value == d.code.value; });
      if (it == out.division_codes.end()) {
        out.division_codes.push_back(std::move(d));
      } else if (it->name.value != d.name.value) {
        changed("division code", d.code);
        *it = std::move(d);
      }
    }
    for (auto& s : ext.sources) out.sources.push_back(std::move(s));
    out.file = ext.file;
    out.source = ext.source;
  }

 private:
  void changed(const char* what, const Text& name) {
    changes.push_back(std::string(what) + " '" + name.value + "' (" + name.where.format() + ")");
  }

  void error(const SourceLocation& at, const char* code, std::string msg) {
    diags_.push_back({Severity::kError, at, code, std::move(msg)});
  }
  void warning(const SourceLocation& at, const char* code, std::string msg) {
    diags_.push_back({Severity::kWarning, at, code, std::move(msg)});
  }
  static std::string suggest(const std::string& name, const std::vector<std::string>& names) {
    const std::string near = nearest_name(name, names);
    return near.empty() ? std::string() : "; did you mean '" + near + "'?";
  }
  static std::string at(const SourceLocation& w) {
    return w.line ? " (" + w.format() + ")" : "";
  }

  // Adds the values of the extension's domain `from` to the base's domain
  // `to`. A value given with `override: true` relabels the base's value of
  // that name (its alias and English label; the name, and so every row and
  // record that uses it, stays); a value the base has already, without the
  // verb, is `already-defined`.
  void merge_values(Pack& out, int to, int from, const std::string& owner, const std::string& what = "value") {
    auto& values = out.domains[static_cast<size_t>(to)].values;
    for (const auto& v : out.domains[static_cast<size_t>(from)].values) {
      auto it = std::find_if(values.begin(), values.end(),
                             [&](const EnumValueDef& x) { return x.name.value == v.name.value; });
      EnumValueDef value = v;
      value.change = Change{};
      if (v.change.override_) {
        if (it == values.end()) {
          std::vector<std::string> names;
          for (const auto& x : values) names.push_back(x.name.value);
          error(v.name.where, "unknown-override",
                what + " '" + v.name.value + "' is not in " + owner + " of the base pack; to add it, drop 'override'" +
                    suggest(v.name.value, names));
          continue;
        }
        changed(what.c_str(), v.name);
        *it = std::move(value);  // carries the extension's position
        continue;
      }
      if (it != values.end()) {
        error(v.name.where, "already-defined",
              owner + " already has " + what + " '" + v.name.value + "'" + at(it->name.where) +
                  "; to relabel it, say '" + v.name.value + ": {alias: ..., override: true}'");
        continue;
      }
      values.push_back(std::move(value));
    }
  }

  // `registry: {values: {jiedu: 借读}}` in an extension: new values for the
  // base's enum or set field. Fields the base does not have stay in `ext`
  // (they need a type, reported below).
  void merge_field_values(Pack& out, std::vector<FieldDef>& ext) {
    std::vector<FieldDef> rest;
    for (auto& f : ext) {
      auto it = std::find_if(out.fields.begin(), out.fields.end(),
                             [&](const FieldDef& b) { return b.name.value == f.name.value; });
      if (it != out.fields.end() && !f.values_only && !f.change.override_ && f.domain >= 0) {
        // Values with other keys: neither an addition of values nor an override.
        error(f.name.where, "already-defined",
              "field '" + f.name.value + "' already exists in the base pack" + at(it->where) +
                  "; to add values, give only 'values:'; to change it, say 'override: true'");
        continue;
      }
      if (!f.values_only || it == out.fields.end()) {
        rest.push_back(std::move(f));
        continue;
      }
      const SourceLocation values_at = out.domains[static_cast<size_t>(f.domain)].where;
      if (it->type != TypeKind::kEnum && it->type != TypeKind::kSet) {
        error(values_at, "unexpected-key",
              "'values' is only for enum and set fields; field '" + f.name.value + "' is " +
                  type_name(it->type) + at(it->where));
      } else if (it->domain < 0) {
        error(values_at, "unexpected-key",
              "field '" + f.name.value + "' shares the values of '" + it->values_from.value +
                  "' (values_from); add the values to '" + it->values_from.value + "'");
      } else {
        merge_values(out, it->domain, f.domain, "field '" + f.name.value + "'");
      }
    }
    ext = std::move(rest);
  }

  static void shift_domains(Pack& p, int offset) {
    for (auto& f : p.fields)
      if (f.domain >= 0) f.domain += offset;
    for (auto& t : p.tables)
      if (t.domain >= 0) t.domain += offset;
    if (p.workflow.event_domain >= 0) p.workflow.event_domain += offset;
  }

  // An extension's version is its own, given or not: results are labelled
  // "name version #hash", and the base's version beside the extension's
  // name would claim a release the province never made.
  void merge_meta(MetaDef& out, const MetaDef& ext) {
    for (auto [o, e] : {std::pair{&out.name, &ext.name}, {&out.jurisdiction, &ext.jurisdiction},
                        {&out.title, &ext.title}, {&out.description, &ext.description}})
      if (!e->empty()) *o = *e;
    out.version = ext.version;
    out.extends = Text{};
  }

  // Named items (maps): add new names, replace with `override: true`,
  // drop with `remove: true` (where the section's keys allow it: a
  // province's own targets in place of the base's, `poor_dropouts:
  // {remove: true}`).
  template <class T, class Key>
  void named(std::vector<T>& base, std::vector<T>& ext, const char* what, Key key) {
    // A verb on a name the base lacks: said, with the nearest base name.
    auto not_in_base = [&](const Text& name, const char* code, const char* tail) {
      std::vector<std::string> names;
      for (const auto& b : base) names.push_back(key(b).value);
      error(name.where, code,
            std::string(what) + " '" + name.value + "' is not in the base pack" + tail + suggest(name.value, names));
    };
    for (auto& item : ext) {
      const Text& name = key(item);
      auto it = std::find_if(base.begin(), base.end(), [&](const T& b) { return key(b).value == name.value; });
      if (item.change.remove) {
        if (it == base.end()) {
          not_in_base(name, "unknown-id", ": nothing to remove");
          continue;
        }
        changed(what, name);
        base.erase(it);
        continue;
      }
      if (item.change.override_) {
        if (it == base.end()) {
          not_in_base(name, "unknown-override", "; to add it, drop 'override'");
          continue;
        }
        changed(what, name);
        item.change = Change{};
        *it = std::move(item);
      } else {
        if (it != base.end()) {
          error(name.where, "already-defined",
                std::string(what) + " '" + name.value + "' already exists in the base pack" +
                    at(key(*it).where) + "; to change it, say 'override: true'");
          continue;
        }
        base.push_back(std::move(item));
      }
    }
  }

  // Ordered items with ids (rows, checks, stages, calendar): remove,
  // replace, or add (at the end, or before/after an id).
  template <class T, class Key>
  void ordered(std::vector<T>& base, std::vector<T>& ext, const char* what, const std::string& where,
               Key key) {
    for (auto& item : ext) {
      const Text& id = key(item);
      auto find = [&](const std::string& v) {
        return std::find_if(base.begin(), base.end(), [&](const T& b) { return key(b).value == v; });
      };
      auto it = find(id.value);
      const Change change = item.change;
      if (change.remove || change.replace || change.override_) {
        if (it == base.end()) {
          std::vector<std::string> ids;
          for (const auto& b : base) ids.push_back(key(b).value);
          std::string msg = std::string(what) + " '" + id.value + "' is not in " + where + " of the base pack";
          const std::string near = nearest_name(id.value, ids);
          if (!near.empty()) msg += "; did you mean '" + near + "'?";
          error(id.where, "unknown-id", msg);
          continue;
        }
        if (change.remove) {
          base.erase(it);
          continue;
        }
        changed(what, id);
        item.change = Change{};
        *it = std::move(item);
        if (change.before.empty() && change.after.empty()) continue;
        T moved = std::move(*it);
        base.erase(it);
        place(base, std::move(moved), change, what, where, key);
        continue;
      }
      if (it != base.end() && key(*it).where.file == id.where.file) {
        // Twice in this very file: the same mistake as in a pack of its
        // own, and told the same way (the base has nothing to do with it).
        const std::string_view noun = std::string_view(what) == "calendar entry" ? "calendar" : what;
        error(id.where, "duplicate-row-id",
              "duplicate " + std::string(noun) + " id '" + id.value + "'" + at(key(*it).where));
        continue;
      }
      if (it != base.end()) {
        error(id.where, "already-defined",
              std::string(what) + " '" + id.value + "' already exists in " + where + " of the base pack" +
                  at(key(*it).where) + "; say '" +
                  // Rows and checks are replaced whole; a calendar entry or
                  // a stage is overridden (a stage key by key).
                  (std::string_view(what) == "row" || std::string_view(what) == "check" ? "replace" : "override") +
                  ": true' to change it");
        continue;
      }
      // A new item slipped among the base's (before/after an id) can
      // break the base's own items (a catch-all row hides the rest).
      if (!change.before.empty() || !change.after.empty()) changed(what, id);
      item.change = Change{};
      place(base, std::move(item), change, what, where, key);
    }
  }

  template <class T, class Key>
  void place(std::vector<T>& base, T item, const Change& change, const char* what,
             const std::string& where, Key key) {
    const Text& anchor = !change.before.empty() ? change.before : change.after;
    if (anchor.empty()) {
      base.push_back(std::move(item));
      return;
    }
    auto it = std::find_if(base.begin(), base.end(), [&](const T& b) { return key(b).value == anchor.value; });
    if (it == base.end()) {
      std::vector<std::string> ids;
      for (const auto& b : base) ids.push_back(key(b).value);
      std::string msg = "cannot place " + std::string(what) + " '" + key(item).value + "': no '" +
                        anchor.value + "' in " + where;
      const std::string near = nearest_name(anchor.value, ids);
      if (!near.empty()) msg += "; did you mean '" + near + "'?";
      error(anchor.where, "unknown-id", msg);
      return;
    }
    if (change.before.empty()) ++it;
    base.insert(it, std::move(item));
  }

  void merge_params(std::vector<ParamDef>& base, std::vector<ParamDef>& ext) {
    for (auto& p : ext) {
      auto it = std::find_if(base.begin(), base.end(), [&](const ParamDef& b) { return b.name.value == p.name.value; });
      if (!p.change.override_) {
        if (it != base.end()) {
          error(p.name.where, "already-defined",
                "parameter '" + p.name.value + "' already exists in the base pack" + at(it->name.where) +
                    "; to change it, say 'override: true' and from which date ('from:')");
          continue;
        }
        if (p.type_where.line == 0)
          error(p.name.where, "missing-key", "parameter '" + p.name.value + "' needs 'type'");
        base.push_back(std::move(p));
        continue;
      }
      if (it == base.end()) {
        std::vector<std::string> names;
        for (const auto& b : base) names.push_back(b.name.value);
        error(p.name.where, "unknown-override",
              "parameter '" + p.name.value + "' is not in the base pack; to add it, drop 'override'" +
                  suggest(p.name.value, names));
        continue;
      }
      changed("parameter", p.name);
      if (p.type_where.line > 0 && p.type != it->type)
        error(p.type_where, "type-mismatch",
              "an override cannot change parameter '" + p.name.value + "' from " + type_name(it->type) +
                  " to " + type_name(p.type));
      for (auto [o, e] : {std::pair{&it->unit, &p.unit}, {&it->clause, &p.clause},
                          {&it->description, &p.description}})
        if (!e->empty()) *o = *e;
      if (p.history_given) {
        it->values = std::move(p.values);  // a whole new history
      } else if (!p.from.empty() && p.values.size() == 1) {
        // A new value from a date, in force from then on ("change a
        // parameter from a date"): the base's values from that date or
        // later give way to it. Kept, a later one would take the
        // province's change back on its date, silently, and a base pack
        // that gains a dated value would do so to every pack extending
        // it. One from the same date is simply replaced; a later one is
        // said, as the author may have meant to follow it.
        ParamValueDef v = std::move(p.values.front());
        for (auto x = it->values.begin(); x != it->values.end();) {
          const bool later = x->from && v.from && *x->from > *v.from;
          if (!later && x->from != v.from) {
            ++x;
            continue;
          }
          if (later)
            warning(p.name.where, "override-replaces-later-value",
                    "the override of parameter '" + p.name.value + "' from " + v.from_text.value +
                        " also replaces the base's value from " + x->from_text.value + " (" + x->value.value +
                        (x->where.line ? ", " + x->where.format() : std::string()) + "); to keep that value, give the whole history ('values:')");
          x = it->values.erase(x);
        }
        it->values.push_back(std::move(v));
      } else if (!p.values.empty() || p.from.empty()) {
        error(p.name.where, "override-needs-date",
              "an override of parameter '" + p.name.value +
                  "' must say from which date ('from: YYYY-MM-DD' with 'value:') or give the whole "
                  "history ('values:')");
      }
    }
  }

  void merge_tables(Pack& out, std::vector<TableDef>& ext) {
    for (auto& t : ext) {
      auto it = std::find_if(out.tables.begin(), out.tables.end(),
                             [&](const TableDef& b) { return b.name.value == t.name.value; });
      if (it == out.tables.end()) {
        if (t.change.override_) {
          std::vector<std::string> names;
          for (const auto& b : out.tables) names.push_back(b.name.value);
          error(t.name.where, "unknown-override",
                "table '" + t.name.value + "' is not in the base pack; to add it, drop 'override'" +
                    suggest(t.name.value, names));
          continue;
        }
        // A new table is whole (the loader lets an extension's table give
        // only values or rows, for changes to a base table).
        if (t.domain < 0 && t.values_from.empty())
          error(t.name.where, "missing-key", "table '" + t.name.value + "' needs 'values' (the values its rows give)");
        if (t.rows.empty())
          error(t.name.where, "missing-key", "table '" + t.name.value + "' needs 'rows' (the decision rows)");
        out.tables.push_back(std::move(t));
        continue;
      }
      if (t.change.override_) {
        changed("table", t.name);
        t.change = Change{};
        *it = std::move(t);
        continue;
      }
      // Row changes on a base table; new output values extend its domain.
      if (!t.hit_policy_text.empty())
        error(t.hit_policy_text.where, "needs-override",
              "to change the hit policy of table '" + t.name.value + "', override the whole table");
      if (t.domain >= 0) {
        int dom = it->domain;
        if (dom < 0)
          for (const auto& f : out.fields)
            if (f.name.value == it->values_from.value) dom = f.domain;
        if (dom >= 0) merge_values(out, dom, t.domain, "table '" + t.name.value + "'");
      }
      if (!t.rows.empty()) it->rows_changed_at = t.name.where;
      ordered(it->rows, t.rows, "row", "table '" + t.name.value + "'", [](const RowDef& r) -> const Text& { return r.id; });
    }
  }

  void merge_workflow(Pack& out, WorkflowDef& ext) {
    if (!ext.present) return;
    WorkflowDef& wf = out.workflow;
    if (!wf.present) {
      if (ext.change.override_)
        error(ext.where, "unknown-override", "the base pack has no workflow; to add one, drop 'override'");
      ext.change = Change{};
      wf = std::move(ext);
      return;
    }
    // Unlike ledgers and transfer, which `override: true` replaces whole,
    // the workflow merges: stages by id, new event types and event_dates
    // fields are added. `override: true` here only lets the extension
    // change the base's keys, which it needs, as everywhere: a key written
    // by mistake never silently changes which children have a case.
    auto may_change = [&](const std::string& key, const Text& base, const Text& mine) {
      if (base.empty() || ext.change.override_) return true;
      error(mine.where, "needs-override",
            "the base pack's workflow has '" + key + "'" + at(base.where) +
                "; to change it, say 'override: true' in workflow");
      return false;
    };
    // The workflow's own keys and event types, when the extension gives
    // any, are placed at its workflow (diff and --print-effective point
    // there, not at the base's section).
    bool own_keys = ext.event_domain >= 0 || !ext.event_dates.empty();
    for (auto [key, o, e] : {std::tuple{"opens_when", &wf.opens_when, &ext.opens_when},
                             {"opened_on", &wf.opened_on, &ext.opened_on},
                             {"closes_on", &wf.closes_on, &ext.closes_on},
                             {"events_after", &wf.events_after, &ext.events_after},
                             {"progress_note", &wf.progress_note, &ext.progress_note},
                             {"continuing_note", &wf.continuing_note, &ext.continuing_note}})
      if (!e->empty() && may_change(key, *o, *e)) {
        if (!o->empty()) changed("workflow key", Text{key, e->where});
        *o = *e;
        own_keys = true;
      }
    if (own_keys) wf.where = ext.where;
    // event_dates: an extension's entry for a field the base fills
    // replaces it (with override), a new field is added.
    for (auto& ed : ext.event_dates) {
      auto it = std::find_if(wf.event_dates.begin(), wf.event_dates.end(),
                             [&](const EventDateDef& b) { return b.field.value == ed.field.value; });
      if (it == wf.event_dates.end()) {
        wf.event_dates.push_back(std::move(ed));
      } else if (may_change("event_dates: " + ed.field.value, it->field, ed.field)) {
        changed("event date", ed.field);
        *it = std::move(ed);
      }
    }
    if (ext.event_domain >= 0 && wf.event_domain >= 0)
      merge_values(out, wf.event_domain, ext.event_domain, "the workflow", "event type");
    for (auto& st : ext.stages) {
      auto it = std::find_if(wf.stages.begin(), wf.stages.end(), [&](const StageDef& b) { return b.id.value == st.id.value; });
      if (st.change.override_ && it != wf.stages.end()) {
        // A stage override changes only the keys it gives (a deadline, a
        // role), so a province need not repeat the rest.
        changed("stage", st.id);
        // The stage is now the override's: diff and --print-effective point
        // at the lines that changed it (each key keeps its own position).
        it->where = st.where;
        it->id.where = st.id.where;
        for (auto [o, e] : {std::pair{&it->alias, &st.alias}, {&it->role, &st.role}, {&it->action, &st.action},
                            {&it->due_after, &st.due_after}, {&it->due_from, &st.due_from},
                            {&it->count_by, &st.count_by}, {&it->when, &st.when}, {&it->clause, &st.clause}})
          if (!e->empty()) *o = *e;
        if (!st.events.empty()) it->events = st.events;
        if (st.count_given) {
          it->count = st.count;
          it->count_param = st.count_param;
          it->count_where = st.count_where;
        }
        if (!st.change.before.empty() || !st.change.after.empty()) {
          StageDef moved = std::move(*it);
          wf.stages.erase(it);
          place(wf.stages, std::move(moved), st.change, "stage", "the workflow",
                [](const StageDef& s) -> const Text& { return s.id; });
        }
        continue;
      }
      if (it == wf.stages.end() && !st.change.override_ && !st.change.remove) {
        // A new stage: what load() asks of a pack's own stages.
        if (st.role.empty())
          error(st.where, "missing-key", "stage needs 'role' (the role that acts)");
        if (st.events.empty())
          error(st.where, "missing-key", "stage needs 'event' (the event type that completes it)");
      }
      std::vector<StageDef> one;
      one.push_back(std::move(st));
      if (one.front().change.override_) one.front().change.replace = true;
      ordered(wf.stages, one, "stage", "the workflow", [](const StageDef& s) -> const Text& { return s.id; });
    }
  }

  // A calendar entry override changes only the keys it gives, as a stage
  // override does: moving M2.4's reports to the 20th and the 5th keeps
  // what data they carry ("as of the 15th", "end of the previous month"),
  // who reports and the clause. Replaced whole, those went blank unsaid.
  void merge_calendar(std::vector<CalendarDef>& base, std::vector<CalendarDef>& ext) {
    auto key = [](const CalendarDef& c) -> const Text& { return c.id; };
    std::vector<CalendarDef> rest;
    for (auto& c : ext) {
      auto it = std::find_if(base.begin(), base.end(), [&](const CalendarDef& b) { return b.id.value == c.id.value; });
      if (!c.change.override_ || c.change.remove || it == base.end()) {
        rest.push_back(std::move(c));
        continue;
      }
      changed("calendar entry", c.id);
      it->where = c.where;
      it->id.where = c.id.where;
      for (auto [o, e] : {std::pair{&it->alias, &c.alias}, {&it->reporter, &c.reporter},
                          {&it->recipient, &c.recipient}, {&it->clause, &c.clause}, {&it->data_as_of, &c.data_as_of}})
        if (!e->empty()) *o = *e;
      if (!c.days.empty()) it->days = c.days;
      if (!c.months.empty()) it->months = c.months;
      if (!c.change.before.empty() || !c.change.after.empty()) {
        CalendarDef moved = std::move(*it);
        base.erase(it);
        place(base, std::move(moved), c.change, "calendar entry", "calendar", key);
      }
    }
    ordered(base, rest, "calendar entry", "calendar", key);
  }

  // A transfer override changes only the keys it gives: a province that
  // sets its own notice deadline keeps the base's inspection deadline and
  // clauses (replaced whole, they went blank unsaid).
  void merge_transfer(TransferDef& base, TransferDef& ext) {
    if (!ext.present || !base.present || !ext.change.override_) return whole(base, ext, "transfer");
    changed("transfer", Text{"transfer", ext.where});
    base.where = ext.where;
    for (auto [o, e] : {std::pair{&base.notify_within, &ext.notify_within}, {&base.notify_clause, &ext.notify_clause},
                        {&base.inspect_within, &ext.inspect_within}, {&base.inspect_clause, &ext.inspect_clause},
                        {&base.school_field, &ext.school_field}, {&base.name_field, &ext.name_field},
                        {&base.lost_clause, &ext.lost_clause}})
      if (!e->empty()) *o = *e;
    // A role list given replaces the base's; `[]` (no roles) is given too.
    if (ext.school_roles_given) base.school_roles = std::move(ext.school_roles);
    if (ext.local_roles_given) base.local_roles = std::move(ext.local_roles);
  }

  template <class T>
  void whole(T& base, T& ext, const char* what) {
    if (!ext.present) return;
    if (base.present && !ext.change.override_) {
      error(ext.where, "already-defined",
            std::string("the base pack has '") + what + "'; to replace it, say 'override: true'");
      return;
    }
    if (base.present) changed(what, Text{what, ext.where});
    ext.change = Change{};
    base = std::move(ext);
  }

  std::vector<Diagnostic>& diags_;
};

// Verbs in a pack that extends nothing are mistakes: report each.
void reject_verbs(const Pack& p, std::vector<Diagnostic>& diags) {
  auto check = [&](const Change& c, const Text& name) {
    if (c.any())
      diags.push_back({Severity::kError, name.where.line ? name.where : c.where, "not-extending",
                       "'" + name.value + "' uses override/replace/remove/before/after, but this pack "
                       "extends no base (add 'extends:' to meta)"});
  };
  for (const auto& x : p.fields) check(x.change, x.name);
  for (const auto& x : p.params) check(x.change, x.name);
  for (const auto& x : p.derives) check(x.change, x.name);
  for (const auto& x : p.tables) {
    check(x.change, x.name);
    for (const auto& r : x.rows) check(r.change, r.id);
  }
  for (const auto& x : p.checks) check(x.change, x.id);
  for (const auto& x : p.clauses) check(x.change, x.id);
  for (const auto& x : p.levels) check(x.change, x.name);
  for (const auto& x : p.roles) check(x.change, x.name);
  for (const auto& x : p.lines) check(x.change, x.name);
  for (const auto& x : p.workflow.stages) check(x.change, x.id);
  for (const auto& x : p.indicators) check(x.change, x.name);
  for (const auto& x : p.lists) check(x.change, x.name);
  for (const auto& x : p.calendar) check(x.change, x.id);
  if (p.workflow.present) check(p.workflow.change, Text{"workflow", p.workflow.where});
  if (p.transfer.present) check(p.transfer.change, Text{"transfer", p.transfer.where});
  if (p.school_calendar.present) check(p.school_calendar.change, Text{"school_calendar", p.school_calendar.where});
  for (const auto& d : p.domains)
    for (const auto& v : d.values) check(v.change, v.name);
}

}  // namespace

bool only_recoverable_errors(std::span<const Diagnostic> diags) {
  return std::none_of(diags.begin(), diags.end(), [](const Diagnostic& d) {
    if (d.severity != Severity::kError || d.code == "bad-date") return false;
    // An unknown key is left out by the loader. When it is a misspelt key
    // that only describes its item (`descripton:`, `alais:`: the nearest
    // key, which the message suggests), the item is whole without it and
    // the rest of the pack is still checked. Any other key's absence
    // changes what the checks find (a table without its `hit_policy` is
    // first-hit; a list without its `kind` is of the kind its name says; a
    // row without `when` matches every record), and they would report
    // errors of the author's typo as if they were others.
    if (d.code == "unknown-key") {
      for (const char* key : {"description", "alias", "title", "text", "action", "recipient"})
        if (d.message.ends_with("; did you mean '" + std::string(key) + "'?")) return false;
      return true;
    }
    return true;
  });
}

// A role, level or line named by its Chinese alias (`role: 班主任`,
// `chain: [班主任, 校长]`), as event types may be named by their label and
// officials' rosters name roles: the reference is rewritten to the name,
// where no name is the same text and exactly one alias is, so that every
// later reader (the checks, the graph, the run) looks names up alone.
void names_for_aliases(Pack& p) {
  auto rename = [](const auto& defs, Text& ref) {
    if (ref.value.empty()) return;
    const decltype(defs.data()) none = nullptr;
    auto by_alias = none;
    for (const auto& d : defs) {
      if (d.name.value == ref.value) return;
      if (d.alias.value == ref.value) {
        if (by_alias) return;  // two share the alias: reported as unknown
        by_alias = &d;
      }
    }
    if (by_alias) ref.value = by_alias->name.value;
  };
  for (RoleDef& r : p.roles) {
    rename(p.levels, r.level);
    rename(p.lines, r.line);
  }
  for (LineDef& l : p.lines)
    for (Text& r : l.chain) rename(p.roles, r);
  for (StageDef& st : p.workflow.stages) rename(p.roles, st.role);
  for (ListDef& l : p.lists)
    for (Text& r : l.roles) rename(p.roles, r);
  for (CalendarDef& c : p.calendar) rename(p.roles, c.reporter);
  for (Text& r : p.transfer.school_roles) rename(p.roles, r);
  for (Text& r : p.transfer.local_roles) rename(p.roles, r);
  for (Text& lv : p.ledgers.levels) rename(p.levels, lv);
}

std::shared_ptr<Pack> resolve_pack(std::string_view text, const std::string& file,
                                   std::vector<Diagnostic>& diags, const SourceLookup& lookup,
                                   int depth, std::vector<std::string>* chain) {
  std::vector<std::string> local_chain;
  if (!chain) chain = &local_chain;
  chain->push_back(file);
  const size_t loaded_from = diags.size();
  auto pack = load_pack(text, file, diags);
  if (!only_recoverable_errors(std::span<const Diagnostic>(diags).subspan(loaded_from))) return pack;
  const Text base_ref = pack->meta.extends;
  if (base_ref.empty()) {
    reject_verbs(*pack, diags);
    names_for_aliases(*pack);
    return pack;
  }
  if (depth >= kMaxChain) {
    diags.push_back({Severity::kError, base_ref.where, "extends-too-deep",
                     "more than " + std::to_string(kMaxChain) + " packs extend each other"});
    return pack;
  }
  std::string base_file;
  std::string base_text;
  if (!lookup(base_ref.value, file, base_file, base_text)) {
    const std::string near = nearest_name(base_ref.value, embedded_rule_names());
    diags.push_back({Severity::kError, base_ref.where, "unknown-base",
                     "cannot find the base pack '" + base_ref.value +
                         "' (an embedded name such as 'guizhou', or a path relative to this file)" +
                         (near.empty() ? std::string() : "; did you mean '" + near + "'?")});
    return pack;
  }
  if (std::find(chain->begin(), chain->end(), base_file) != chain->end()) {
    diags.push_back({Severity::kError, base_ref.where, "extends-cycle",
                     "'" + base_ref.value + "' extends this pack again: the chain " + [&] {
                       std::string s;
                       for (const auto& c : *chain) s += c + " -> ";
                       return s + base_file;
                     }()});
    return pack;
  }
  const size_t base_from = diags.size();
  auto base = resolve_pack(base_text, base_file, diags, lookup, depth + 1, chain);
  if (has_errors(std::vector<Diagnostic>(diags.begin() + static_cast<std::ptrdiff_t>(base_from), diags.end())))
    return pack;
  auto merged = std::make_shared<Pack>(*base);  // the base stays untouched
  Merger merger(diags);
  merger.merge(*merged, std::move(*pack));
  merged->extends_at = base_ref.where;
  merged->base = base;
  merged->changed = std::move(merger.changes);
  names_for_aliases(*merged);
  // The texts alone, base first, each after its length (so that no two
  // splits of the same bytes collide): the file names are how the paths
  // were typed ('a.yaml', './a.yaml', '/x/a.yaml'), and the hash identifies
  // results by content, as a standalone pack's does.
  std::string all;
  for (const auto& [f, t] : merged->sources) all += std::to_string(t.size()) + '\n' + t;
  merged->source_hash = fnv1a64(all);
  return merged;
}

bool default_lookup(const std::string& ref, const std::string& from_file, std::string& file,
                    std::string& text) {
  const std::string_view embedded = embedded_pack(ref);
  if (!embedded.empty()) {
    file = "<embedded:" + ref + ">";
    text = std::string(embedded);
    return true;
  }
  namespace fs = std::filesystem;
  fs::path p(ref);
  if (p.is_relative() && !from_file.empty() && from_file.front() != '<')
    p = fs::path(from_file).parent_path() / p;
  if (!read_pack_file(p.string(), text, schema::kMaxPackBytes)) return false;
  file = p.lexically_normal().string();
  return true;
}

bool read_pack_file(const std::string& path, std::string& text, size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  // Not `in.rdbuf()` into a stream: that reads /dev/zero until memory ends.
  text.clear();
  char buf[1 << 16];
  while (text.size() <= limit && in.read(buf, sizeof buf).gcount() > 0)
    text.append(buf, static_cast<size_t>(in.gcount()));
  if (in.bad()) return false;
  if (text.size() > limit + 1) text.resize(limit + 1);
  return true;
}

}  // namespace kcbx::detail
