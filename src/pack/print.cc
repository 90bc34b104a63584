// kcbx validate --print-effective: the merged pack as YAML, every item
// followed by the file and line that supplied it (base or extension). The
// output is a pack of its own: it loads, and behaves as the merged pack does
// (tests/cpp/extend_test.cc runs the Guizhou tests on it), so a province
// can read, diff or ship exactly what it runs.
// Written by hand rather than with YAML::Emitter so that each item can carry
// its origin comment and the layout stays the one rule authors write.
#include <sstream>

#include "pack/extend.h"

namespace kcbx::detail {

namespace {

// A double-quoted YAML scalar: every text and expression is written quoted,
// so that nothing in it (': ', '#', '[', a leading '*') is read as YAML.
std::string q(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string origin(const SourceLocation& w) {
  return w.line ? "  # " + w.file + ":" + std::to_string(w.line) : "";
}

// A flow list of quoted texts: ["a", "b"].
std::string flow_list(const std::vector<Text>& v) {
  std::string l = "[";
  for (size_t i = 0; i < v.size(); ++i) l += (i ? ", " : "") + q(v[i].value);
  return l + "]";
}

// One flow map, `{a: "x", b: "y"}`, of the keys whose values are given.
class Flow {
 public:
  Flow& text(const char* key, const Text& v) { return v.empty() ? *this : raw(key, q(v.value)); }
  Flow& raw(const char* key, const std::string& v) {
    s_ += (s_.empty() ? "{" : ", ") + std::string(key) + ": " + v;
    return *this;
  }
  Flow& list(const char* key, const std::vector<Text>& v) { return v.empty() ? *this : raw(key, flow_list(v)); }
  std::string str() const { return s_.empty() ? "{}" : s_ + "}"; }

 private:
  std::string s_;
};

void domain(std::ostringstream& o, const Pack& p, int d, const char* indent) {
  if (d < 0) return;
  o << indent << "values:\n";
  for (const auto& v : p.domains[static_cast<size_t>(d)].values) {
    o << indent << "  " << v.name.value << ": ";
    if (v.label_en.empty()) o << q(v.alias.value);
    else o << Flow().text("alias", v.alias).text("en", v.label_en).str();
    o << origin(v.name.where) << "\n";
  }
}

void groups(std::ostringstream& o, const char* key, const std::vector<GroupDef>& gs) {
  if (gs.empty()) return;
  o << "  " << key << ":\n";
  for (const auto& g : gs)
    o << "    " << g.name.value << ": " << Flow().text("alias", g.alias).text("when", g.when).str() << origin(g.where)
      << "\n";
}

}  // namespace

std::string print_effective(const Pack& p) {
  std::ostringstream o;
  o << "# effective rule pack, merged from:";
  for (const auto& [f, t] : p.sources) o << " " << f;
  o << "\nmeta:" << origin(p.meta.name.where) << "\n  name: " << q(p.meta.name.value) << "\n";
  for (auto [key, v] : {std::pair{"version", &p.meta.version}, {"jurisdiction", &p.meta.jurisdiction},
                        {"title", &p.meta.title}, {"description", &p.meta.description}})
    if (!v->empty()) o << "  " << key << ": " << q(v->value) << "\n";
  if (!p.division_codes.empty()) {
    o << "division_codes:\n";
    for (const auto& d : p.division_codes) o << "  " << q(d.code.value) << ": " << q(d.name.value) << origin(d.code.where) << "\n";
  }
  if (!p.clauses.empty()) {
    o << "clauses:\n";
    for (const auto& c : p.clauses)
      o << "  " << q(c.id.value) << ": " << Flow().text("zh", c.zh).text("en", c.en).str() << origin(c.where) << "\n";
  }
  o << "fields:\n";
  for (const auto& f : p.fields) {
    o << "  " << f.name.value << ":" << origin(f.where) << "\n    type: " << type_name(f.type) << "\n";
    if (!f.alias.empty()) o << "    alias: " << q(f.alias.value) << "\n";
    if (!f.description.empty()) o << "    description: " << q(f.description.value) << "\n";
    if (f.required) o << "    required: true\n";
    if (f.unique) o << "    unique: true\n";
    if (f.default_value) o << "    default: " << q(f.default_value->value) << "\n";
    if (!f.format.empty()) o << "    format: " << q(f.format.value) << "\n";
    if (!f.values_from.empty()) o << "    values_from: " << q(f.values_from.value) << "\n";
    else domain(o, p, f.domain, "    ");
  }
  if (!p.params.empty()) o << "parameters:\n";
  for (const auto& par : p.params) {
    o << "  " << par.name.value << ":" << origin(par.where) << "\n    type: " << type_name(par.type) << "\n";
    if (!par.unit.empty()) o << "    unit: " << q(par.unit.value) << "\n";
    if (!par.clause.empty()) o << "    clause: " << q(par.clause.value) << "\n";
    if (!par.description.empty()) o << "    description: " << q(par.description.value) << "\n";
    if (par.values.empty()) {
      o << "    # no value: unset\n";
      continue;
    }
    o << "    values:\n";
    for (const auto& v : par.values) {
      Flow item;
      if (v.from) item.raw("from", v.from->format());
      o << "      - " << item.text("value", v.value).str() << origin(v.where) << "\n";
    }
  }
  if (!p.derives.empty()) o << "derive:\n";
  for (const auto& d : p.derives)
    o << "  " << d.name.value << ": "
      << Flow().text("expr", d.expr).text("clause", d.clause).text("description", d.description).str()
      << origin(d.where) << "\n";
  if (!p.checks.empty()) {
    o << "checks:\n";
    for (const auto& c : p.checks)
      o << "  - "
        << Flow().text("id", c.id).text("require", c.require).text("message", c.message).text("column", c.column).text("clause", c.clause).str()
        << origin(c.where) << "\n";
  }
  o << "tables:\n";
  for (const auto& t : p.tables) {
    o << "  " << t.name.value << ":" << origin(t.where) << "\n    hit_policy: "
      << (t.hit_policy == HitPolicy::kFirst ? "first" : t.hit_policy == HitPolicy::kUnique ? "unique" : "collect")
      << "\n";
    if (!t.description.empty()) o << "    description: " << q(t.description.value) << "\n";
    if (!t.values_from.empty()) o << "    values_from: " << q(t.values_from.value) << "\n";
    else domain(o, p, t.domain, "    ");
    o << "    rows:\n";
    for (const auto& r : t.rows)
      o << "      - "
        << Flow().text("id", r.id).text("when", r.when).text("then", r.then).text("clause", r.clause).text("note", r.note).str()
        << origin(r.where) << "\n";
  }
  if (!p.outputs.empty()) o << "outputs: " << flow_list(p.outputs) << "\n";
  if (!p.levels.empty()) {
    o << "levels:\n";
    for (const auto& l : p.levels) {
      Flow f;
      f.text("alias", l.alias).list("fields", l.fields);
      if (l.prefix > 0) f.raw("prefix", std::to_string(l.prefix));
      o << "  " << l.name.value << ": " << f.str() << origin(l.where) << "\n";
    }
  }
  if (!p.roles.empty()) {
    o << "roles:\n";
    for (const auto& r : p.roles) {
      o << "  " << r.name.value << ":" << origin(r.where) << "\n";
      if (!r.alias.empty()) o << "    alias: " << q(r.alias.value) << "\n";
      o << "    line: " << q(r.line.value) << "\n    level: " << q(r.level.value) << "\n";
      if (r.from_record) o << "    from_record: true\n";
      if (r.duties.empty()) continue;
      o << "    duties:\n";
      for (const auto& d : r.duties)
        o << "      - " << Flow().text("id", d.id).text("text", d.text).text("clause", d.clause).str() << "\n";
    }
  }
  if (!p.lines.empty()) {
    o << "lines:\n";
    for (const auto& l : p.lines)
      o << "  " << l.name.value << ": " << Flow().text("alias", l.alias).list("chain", l.chain).str() << origin(l.where)
        << "\n";
  }
  if (p.workflow.present) {
    const WorkflowDef& w = p.workflow;
    o << "workflow:" << origin(w.where) << "\n";
    for (auto [key, v] : {std::pair{"opens_when", &w.opens_when}, {"opened_on", &w.opened_on},
                          {"closes_on", &w.closes_on}, {"events_after", &w.events_after},
                          {"progress_note", &w.progress_note}, {"continuing_note", &w.continuing_note}})
      if (!v->empty()) o << "  " << key << ": " << q(v->value) << "\n";
    if (!w.event_dates.empty()) {
      o << "  event_dates:\n";
      for (const auto& e : w.event_dates) o << "    " << e.field.value << ": " << flow_list(e.events) << "\n";
    }
    if (w.event_domain >= 0) {
      o << "  events:\n";
      for (const auto& v : p.domains[static_cast<size_t>(w.event_domain)].values)
        o << "    " << v.name.value << ": " << q(v.alias.value) << origin(v.name.where) << "\n";
    }
    o << "  stages:\n";
    for (const auto& s : w.stages) {
      Flow f;
      f.text("id", s.id).text("alias", s.alias).text("role", s.role).text("action", s.action).list("events", s.events);
      if (!s.count_param.empty()) f.text("count", s.count_param);
      else if (s.count != 1) f.raw("count", std::to_string(s.count));
      f.text("due_after", s.due_after).text("due_from", s.due_from).text("count_by", s.count_by).text("when", s.when).text("clause", s.clause);
      o << "    - " << f.str() << origin(s.where) << "\n";
    }
  }
  if (p.ledgers.present) {
    const LedgersDef& l = p.ledgers;
    o << "ledgers:" << origin(l.where) << "\n";
    if (!l.include.empty()) o << "  include: " << q(l.include.value) << "\n";
    if (!l.levels.empty()) o << "  levels: " << flow_list(l.levels) << "\n";
    if (!l.columns.empty()) {
      o << "  columns:\n";
      for (const auto& c : l.columns) {
        Flow f;
        f.text("name", c.name).text("alias", c.alias);
        if (c.from_case) f.raw("case", "true");
        o << "    - " << f.str() << origin(c.where) << "\n";
      }
    }
    if (!l.totals_by.empty()) o << "  totals_by: " << q(l.totals_by.value) << "\n";
    groups(o, "special", l.special);
    groups(o, "key_groups", l.key_groups);
  }
  if (!p.indicators.empty()) {
    o << "indicators:\n";
    for (const auto& i : p.indicators)
      o << "  " << i.name.value << ": "
        << Flow()
               .text("alias", i.alias)
               .text("clause", i.clause)
               .text("numerator", i.numerator)
               .text("denominator", i.denominator)
               .text("count", i.count)
               .text("at_least", i.at_least)
               .text("at_most", i.at_most)
               .text("as_of", i.as_of)
               .str()
        << origin(i.where) << "\n";
  }
  if (!p.lists.empty()) {
    o << "lists:\n";
    for (const auto& l : p.lists)
      o << "  " << l.name.value << ": "
        << Flow()
               .text("alias", l.alias)
               .text("kind", l.kind)
               .text("group_by", l.group_by)
               .list("roles", l.roles)
               .text("eligible", l.eligible)
               .text("receiving", l.receiving)
               .str()
        << origin(l.where) << "\n";
  }
  if (!p.calendar.empty()) {
    o << "calendar:\n";
    for (const auto& c : p.calendar)
      o << "  - "
        << Flow()
               .text("id", c.id)
               .text("alias", c.alias)
               .text("reporter", c.reporter)
               .text("recipient", c.recipient)
               .list("days", c.days)
               .list("months", c.months)
               .text("data_as_of", c.data_as_of)
               .text("clause", c.clause)
               .str()
        << origin(c.where) << "\n";
  }
  if (p.transfer.present) {
    const TransferDef& t = p.transfer;
    o << "transfer:" << origin(t.where) << "\n";
    for (auto [key, v] : {std::pair{"notify_within", &t.notify_within}, {"notify_clause", &t.notify_clause},
                          {"inspect_within", &t.inspect_within}, {"inspect_clause", &t.inspect_clause},
                          {"school_field", &t.school_field}, {"name_field", &t.name_field},
                          {"lost_clause", &t.lost_clause}})
      if (!v->empty()) o << "  " << key << ": " << q(v->value) << "\n";
    for (auto [key, roles] : {std::pair{"school_roles", &t.school_roles}, {"local_roles", &t.local_roles}}) {
      if (roles->empty()) continue;
      o << "  " << key << ": [";
      for (size_t i = 0; i < roles->size(); ++i) o << (i ? ", " : "") << q((*roles)[i].value);
      o << "]\n";
    }
  }
  if (p.school_calendar.present) {
    const SchoolCalendarDef& c = p.school_calendar;
    o << "school_calendar:" << origin(c.where) << "\n";
    for (auto [key, days] : {std::pair{"holidays", &c.holidays}, {"make_up_days", &c.make_up_days}}) {
      o << "  " << key << ": [";
      for (size_t i = 0; i < days->size(); ++i) o << (i ? ", " : "") << q((*days)[i].value);
      o << "]\n";
    }
  }
  return o.str();
}

}  // namespace kcbx::detail
