// kcbx validate --print-effective: the merged pack as YAML, every item
// preceded by the file and line that supplied it (base or extension).
// Written by hand rather than with YAML::Emitter so that each item can carry
// its origin comment and the layout stays the one rule authors write.
#include <sstream>

#include "pack/extend.h"

namespace kcbx::detail {

namespace {

std::string q(const std::string& s) {
  // Double-quoted YAML scalar.
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

void domain(std::ostringstream& o, const Pack& p, int d, const char* indent) {
  if (d < 0) return;
  o << indent << "values:\n";
  for (const auto& v : p.domains[static_cast<size_t>(d)].values)
    o << indent << "  " << v.name.value << ": " << q(v.alias.value) << origin(v.name.where) << "\n";
}

}  // namespace

std::string print_effective(const Pack& p) {
  std::ostringstream o;
  o << "# effective rule pack, merged from:";
  for (const auto& [f, t] : p.sources) o << " " << f;
  o << "\nmeta:\n  name: " << q(p.meta.name.value) << origin(p.meta.name.where)
    << "\n  version: " << q(p.meta.version.value) << "\n  jurisdiction: " << q(p.meta.jurisdiction.value)
    << "\n";
  if (!p.clauses.empty()) {
    o << "clauses:\n";
    for (const auto& c : p.clauses)
      o << "  " << q(c.id.value) << ": {zh: " << q(c.zh.value) << ", en: " << q(c.en.value) << "}"
        << origin(c.where) << "\n";
  }
  o << "fields:\n";
  for (const auto& f : p.fields) {
    o << "  " << f.name.value << ":" << origin(f.where) << "\n    type: " << type_name(f.type) << "\n";
    if (!f.alias.empty()) o << "    alias: " << q(f.alias.value) << "\n";
    if (f.required) o << "    required: true\n";
    if (f.unique) o << "    unique: true\n";
    if (f.default_value) o << "    default: " << q(f.default_value->value) << "\n";
    if (!f.format.empty()) o << "    format: " << f.format.value << "\n";
    if (!f.values_from.empty()) o << "    values_from: " << f.values_from.value << "\n";
    domain(o, p, f.domain, "    ");
  }
  o << "parameters:\n";
  for (const auto& par : p.params) {
    o << "  " << par.name.value << ":" << origin(par.where) << "\n    type: " << type_name(par.type) << "\n";
    if (!par.clause.empty()) o << "    clause: " << par.clause.value << "\n";
    if (!par.unit.empty()) o << "    unit: " << q(par.unit.value) << "\n";
    if (par.values.empty()) o << "    # no value: unset\n";
    else o << "    values:\n";
    for (const auto& v : par.values)
      o << "      - {from: " << (v.from ? v.from->format() : std::string("~")) << ", value: " << q(v.value.value)
        << "}" << origin(v.where) << "\n";
  }
  o << "derive:\n";
  for (const auto& d : p.derives)
    o << "  " << d.name.value << ": " << q(d.expr.value) << origin(d.where) << "\n";
  if (!p.checks.empty()) {
    o << "checks:\n";
    for (const auto& c : p.checks)
      o << "  - {id: " << c.id.value << ", require: " << q(c.require.value) << ", message: " << q(c.message.value)
        << "}" << origin(c.where) << "\n";
  }
  o << "tables:\n";
  for (const auto& t : p.tables) {
    o << "  " << t.name.value << ":" << origin(t.where) << "\n    hit_policy: "
      << (t.hit_policy == HitPolicy::kFirst ? "first" : t.hit_policy == HitPolicy::kUnique ? "unique" : "collect")
      << "\n";
    if (!t.values_from.empty()) o << "    values_from: " << t.values_from.value << "\n";
    domain(o, p, t.domain, "    ");
    o << "    rows:\n";
    for (const auto& r : t.rows)
      o << "      - {id: " << r.id.value << ", when: " << q(r.when.value) << ", then: " << r.then.value
        << ", clause: " << q(r.clause.value) << "}" << origin(r.where) << "\n";
  }
  if (!p.outputs.empty()) {
    o << "outputs: [";
    for (size_t i = 0; i < p.outputs.size(); ++i) o << (i ? ", " : "") << p.outputs[i].value;
    o << "]\n";
  }
  if (!p.levels.empty()) {
    o << "levels:\n";
    for (const auto& l : p.levels) {
      o << "  " << l.name.value << ": {fields: [";
      for (size_t i = 0; i < l.fields.size(); ++i) o << (i ? ", " : "") << l.fields[i].value;
      o << "], prefix: " << l.prefix << "}" << origin(l.where) << "\n";
    }
  }
  if (!p.roles.empty()) {
    o << "roles:\n";
    for (const auto& r : p.roles)
      o << "  " << r.name.value << ": {alias: " << q(r.alias.value) << ", line: " << r.line.value
        << ", level: " << r.level.value << ", duties: " << r.duties.size() << "}" << origin(r.where) << "\n";
  }
  if (!p.lines.empty()) {
    o << "lines:\n";
    for (const auto& l : p.lines) {
      o << "  " << l.name.value << ": [";
      for (size_t i = 0; i < l.chain.size(); ++i) o << (i ? ", " : "") << l.chain[i].value;
      o << "]" << origin(l.where) << "\n";
    }
  }
  if (p.workflow.present) {
    o << "workflow:" << origin(p.workflow.where) << "\n  opens_when: " << q(p.workflow.opens_when.value)
      << "\n  stages:\n";
    for (const auto& s : p.workflow.stages) {
      o << "    - {id: " << s.id.value << ", role: " << s.role.value << ", count: " << s.count;
      if (!s.due_after.empty()) o << ", due_after: " << s.due_after.value;
      o << "}" << origin(s.where) << "\n";
    }
  }
  if (!p.indicators.empty()) {
    o << "indicators:\n";
    for (const auto& i : p.indicators) o << "  " << i.name.value << ": {clause: " << i.clause.value << "}" << origin(i.where) << "\n";
  }
  if (!p.calendar.empty()) {
    o << "calendar:\n";
    for (const auto& c : p.calendar) o << "  - {id: " << c.id.value << "}" << origin(c.where) << "\n";
  }
  return o.str();
}

}  // namespace kcbx::detail
