// kcbx test: YAML rule tests. A test file is read with the loader's strict
// walker (yaml_walk.h: unknown and duplicate keys are errors, every item
// keeps its position), each test's records are turned into CSV text and
// read exactly as a students file is, and the expectations are compared with
// what the engine, the workflow and the aggregation give. Lives in src/pack
// because it reads YAML (the loader's rule: yaml-cpp stays in this folder).
#include "kcbx/rule_tests.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <functional>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "engine/plan.h"
#include "expr/codegen.h"
#include "expr/check.h"
#include "io/id_number.h"
#include "kcbx/cases.h"
#include "kcbx/csv.h"
#include "kcbx/engine.h"
#include "kcbx/report.h"
#include "kcbx/responsibility.h"
#include "pack/checked_pack.h"
#include "pack/extend.h"
#include "pack/schema.h"
#include "pack/yaml_walk.h"
#include "util/ascii.h"

namespace kcbx {

namespace fs = std::filesystem;

namespace detail {
namespace {

// ---- The test file, as written ------------------------------------------------

// An expected value: a scalar, a list (sets), or null.
struct Expected {
  SourceLocation where;
  bool null = false;
  bool list = false;
  std::string text;                // scalar
  std::vector<std::string> items;  // list
  std::string shown() const {
    if (null) return "null";
    if (!list) return text;
    std::string s = "[";
    for (size_t i = 0; i < items.size(); ++i) s += (i ? ", " : "") + items[i];
    return s + "]";
  }
};

struct RecordExpect {
  SourceLocation where;
  std::optional<Text> record;  // `record: N`
  std::vector<std::pair<Text, Expected>> values;  // names (tables, derived, ...)
  bool has_case = false;
  std::optional<Expected> case_word;  // `case: none|open|closed`
  std::vector<std::pair<Text, Expected>> case_values;
  std::optional<Text> expect_error;
};

struct IndicatorExpect {
  Text name;
  std::vector<std::pair<std::string, Expected>> parts;  // value, numerator, ...
};

// Inline rows (records, events, roster) or a CSV path.
struct Input {
  bool given = false;
  Text path;
  SourceLocation where;
  std::vector<std::pair<SourceLocation, std::vector<std::pair<Text, Text>>>> rows;
};

// Where an event the engine rejected was written: an inline event by its
// line in the test file (row N of the CSV text made from them is the
// (N-1)th of them), an events file by its row.
std::string event_at(const Input& events, int64_t row) {
  const int64_t k = row - 2;
  if (events.path.empty() && k >= 0 && static_cast<size_t>(k) < events.rows.size())
    return "event at line " + std::to_string(events.rows[static_cast<size_t>(k)].first.line);
  return "event on row " + std::to_string(row);
}

struct TestDef {
  SourceLocation where;
  std::string name;
  Text as_of;
  Text pack;
  Text pack_yaml;
  int pack_yaml_line = 0;   // file line of the inline pack's first line
  int pack_yaml_indent = 0;
  std::vector<std::pair<Text, Text>> defaults;
  Input records, events, roster;
  std::vector<RecordExpect> expects;
  std::vector<IndicatorExpect> indicators;
  std::optional<Text> expect_error;
  // Errors found reading this test (an unknown key in an expectation): the
  // test is wrong, and never counts as passed.
  size_t read_errors = 0;
};

struct TestFile {
  std::string path;
  std::string source;
  Text pack;
  Text as_of;
  std::vector<std::pair<Text, Text>> defaults;
  std::vector<TestDef> tests;
};

// ---- Reading it -----------------------------------------------------------------

class TestFileReader {
 public:
  TestFileReader(const std::string& file, std::string_view source, std::vector<Diagnostic>& diags)
      : w_(file, diags, source), source_(source), diags_(diags) {}

  void read(const YAML::Node& root, TestFile& out) {
    if (!root.IsDefined() || root.IsNull()) {
      w_.error(root, "empty-file", "the test file is empty");
      return;
    }
    if (!w_.check_bounds(root)) return;
    MapReader top(w_, root, "test file", schema::kTestFile);
    if (!top.ok()) return;
    out.pack = top.text("pack");
    if (!top.has("pack")) top.missing("pack", "the rule pack it tests: a path relative to this file, or 'guizhou'");
    out.as_of = top.text("as_of");
    if (auto d = top.get("defaults")) out.defaults = cells(*d, "defaults");
    auto tests = top.get("tests");
    if (!tests) {
      top.missing("tests", "the list of tests");
      return;
    }
    if (!w_.expect_sequence(*tests, "tests")) return;
    // `tests: []` would pass with nothing tested: a file meant to guard a
    // pack in CI must test something.
    if (tests->size() == 0) w_.error(*tests, "no-tests", "the file lists no tests; add at least one under 'tests'");
    std::set<std::string> names;
    for (const auto& item : *tests) {
      TestDef t;
      const size_t diags_before = diags_.size();
      t.where = w_.where(item);
      MapReader r(w_, item, "test", schema::kTest);
      if (!r.ok()) continue;
      Text name = r.text("name");
      if (name.empty()) {
        r.missing("name", "what the test shows, e.g. 'suspected after a week'");
        name.value = "test at line " + std::to_string(t.where.line);
      } else if (!names.insert(name.value).second) {
        w_.error_at(name.where, "duplicate-name", "two tests are named '" + name.value + "'");
      }
      t.name = name.value;
      t.as_of = r.text("as_of");
      t.pack = r.text("pack");
      if (auto p = r.get("pack_yaml")) {
        t.pack_yaml = w_.text(*p);
        block_position(*p, t);
      }
      if (auto d = r.get("defaults")) t.defaults = cells(*d, "defaults");
      if (auto n = r.get("records")) t.records = input(*n, "records");
      if (auto n = r.get("events")) t.events = input(*n, "events");
      if (auto n = r.get("roster")) t.roster = input(*n, "roster");
      if (auto n = r.get("expect")) {
        if (n->IsSequence()) {
          for (const auto& e : *n) expectation(e, t);
        } else {
          expectation(*n, t);
        }
      }
      if (auto n = r.get("indicators")) indicators(*n, t);
      if (r.has("expect_error")) t.expect_error = r.text("expect_error");
      if (t.expects.empty() && t.indicators.empty() && !t.expect_error)
        w_.error_at(t.where, "no-expectation",
                    "test '" + t.name +
                        "' expects nothing, so it would always pass; add 'expect:', 'indicators:' or "
                        "'expect_error:'");
      t.read_errors = static_cast<size_t>(std::count_if(diags_.begin() + static_cast<std::ptrdiff_t>(diags_before),
                                                        diags_.end(),
                                                        [](const Diagnostic& d) { return d.severity == Severity::kError; }));
      out.tests.push_back(std::move(t));
    }
  }

 private:
  Expected expected(const YAML::Node& n) {
    Expected e;
    e.where = w_.where(n);
    if (n.IsNull()) {
      e.null = true;
    } else if (n.IsSequence()) {
      e.list = true;
      for (const auto& item : n) e.items.push_back(w_.text(item).value);
    } else {
      e.text = w_.text(n).value;
    }
    return e;
  }

  // A map of column -> cell (records, defaults). Lists become "a;b" (sets).
  std::vector<std::pair<Text, Text>> cells(const YAML::Node& n, const std::string& what) {
    std::vector<std::pair<Text, Text>> out;
    if (!w_.expect_map(n, what)) return out;
    for (auto& [key, value] : w_.entries(n)) {
      Text v;
      v.where = w_.where(value);
      if (value.IsSequence()) {
        for (const auto& item : value) v.value += (v.value.empty() ? "" : ";") + w_.text(item).value;
      } else {
        v = w_.text(value);
      }
      out.emplace_back(std::move(key), std::move(v));
    }
    return out;
  }

  Input input(const YAML::Node& n, const std::string& what) {
    Input in;
    in.given = true;
    in.where = w_.where(n);
    if (n.IsScalar()) {
      in.path = w_.text(n);
      return in;
    }
    if (!w_.expect_sequence(n, what)) return in;
    for (const auto& item : n) in.rows.emplace_back(w_.where(item), cells(item, what.substr(0, what.size() - 1)));
    return in;
  }

  void expectation(const YAML::Node& n, TestDef& t) {
    RecordExpect e;
    e.where = w_.where(n);
    if (!w_.expect_map(n, "expect")) return;
    for (auto& [key, value] : w_.entries(n)) {
      if (key.value == "record") {
        e.record = w_.text(value);
      } else if (key.value == "expect_error") {
        e.expect_error = w_.text(value);
      } else if (key.value == "case") {
        e.has_case = true;
        if (value.IsMap()) {
          MapReader cr(w_, value, "case expectation", schema::kCaseExpectation);
          for (const char* k : schema::kCaseExpectation)
            if (auto v = cr.get(k)) {
              Text key;
              key.value = k;
              key.where = w_.where(*v);
              e.case_values.emplace_back(std::move(key), expected(*v));
            }
          if (e.case_values.empty())
            w_.error(value, "no-expectation", "'case:' expects nothing; give stage, due, days_overdue, ...");
        } else {
          e.case_word = expected(value);
          const std::string& word = e.case_word->text;
          if (e.case_word->null || (word != "none" && word != "open" && word != "closed"))
            w_.error(value, "unknown-value",
                     "'case:' is none, open, closed, or a map of stage, next_action, due, days_overdue, "
                     "opened, closed, responsible, role, lapsed");
        }
      } else {
        e.values.emplace_back(std::move(key), expected(value));
      }
    }
    t.expects.push_back(std::move(e));
  }

  void indicators(const YAML::Node& n, TestDef& t) {
    if (!w_.expect_map(n, "indicators")) return;
    for (auto& [key, value] : w_.entries(n)) {
      IndicatorExpect ie;
      ie.name = key;
      if (value.IsMap()) {
        MapReader r(w_, value, "indicator expectation", schema::kIndicatorExpectation);
        for (const char* k : schema::kIndicatorExpectation)
          if (auto v = r.get(k)) ie.parts.emplace_back(k, expected(*v));
        if (ie.parts.empty())
          w_.error(value, "no-expectation", "indicator '" + key.value + "' expects nothing");
      } else {
        ie.parts.emplace_back("value", expected(value));
      }
      t.indicators.push_back(std::move(ie));
    }
  }

  // Where a block scalar's first line is, so that diagnostics about an
  // inline pack point into the test file.
  void block_position(const YAML::Node& n, TestDef& t) {
    const YAML::Mark m = n.Mark();
    t.pack_yaml_line = m.line + 2;  // the line after "pack_yaml: |"
    size_t p = static_cast<size_t>(std::max(0, m.pos));
    while (p < source_.size() && source_[p] != '\n') ++p;
    ++p;
    int indent = 0;
    while (p < source_.size() && source_[p] == ' ') {
      ++indent;
      ++p;
    }
    t.pack_yaml_indent = indent;
  }

  Walker w_;
  std::string_view source_;
  std::vector<Diagnostic>& diags_;
};

// ---- Running it ---------------------------------------------------------------

std::string csv_cell(std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(v);
  std::string s = "\"";
  for (char c : v) {
    if (c == '"') s += '"';
    s += c;
  }
  return s + "\"";
}

// A test file, or a records, events or roster file it names, into `out`.
// Returns "" when read, else why not, for the message: it cannot be read,
// is a folder (which an ifstream opens and reads as empty), or is larger
// than kMaxTestInputBytes (read only that far: /dev/zero ends there
// instead of with the memory).
constexpr size_t kMaxTestInputBytes = size_t{64} << 20;
std::string read_text(const std::string& path, std::string& out) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return "it is a folder, not a file";
  if (!fs::exists(path, ec)) return "there is no such file";
  errno = 0;
  if (!read_pack_file(path, out, kMaxTestInputBytes)) return errno ? std::strerror(errno) : "a read error";
  if (out.size() > kMaxTestInputBytes) return "it is larger than 64 MiB";
  return "";
}

std::string relative_to(const std::string& file, const std::string& ref) {
  fs::path p(ref);
  if (p.is_relative() && !file.empty() && file.front() != '<') p = fs::path(file).parent_path() / p;
  return p.lexically_normal().string();
}

std::optional<double> number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string t(s);
  char* end = nullptr;
  const double d = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size()) return std::nullopt;
  return d;
}

// The yes/no words a record's cell may hold (values.cc parse_cell).
std::string bool_word(std::string_view s) {
  if (s == "1" || iequals_ascii(s, "true") || iequals_ascii(s, "yes") || iequals_ascii(s, "y") || s == "是")
    return "true";
  if (s == "0" || iequals_ascii(s, "false") || iequals_ascii(s, "no") || iequals_ascii(s, "n") || s == "否")
    return "false";
  return std::string(s);
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    std::string item(s.substr(start, end - start));
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(item);
    start = end + 1;
  }
  return out;
}

struct Coverage {
  std::set<std::pair<size_t, size_t>> rows;  // (table, row)
  std::set<size_t> stages;
  std::set<size_t> deadlines;
};

struct PackEntry {
  std::string file;  // as named in messages
  std::vector<Diagnostic> diags;
  std::optional<RulePack> pack;
  std::shared_ptr<const Engine> engine;
  Coverage coverage;
  bool cover = false;
};

// Values for one record: every field and derived value, formatted as
// outputs are. The engine's programs compute only what their tables and
// outputs need, so the derived values are compiled here, all of them, with
// the tables' results (already decided) as inputs.
std::map<std::string, std::string> record_values(const Engine& engine, const Batch& batch, const BatchResult& res,
                                                 size_t i, Date as_of) {
  const CheckedPack& cp = engine.rules().checked();
  const Pack& p = *cp.pack;
  CompiledProgram prog;
  prog.program.school_days = cp.school_days;
  CodeGen gen(prog.program);
  for (size_t f = 0; f < p.fields.size(); ++f)
    prog.field_slots.push_back(gen.new_slot(cp.fields[f].type.kind, cp.fields[f].nullable, SlotSource::kField, true));
  std::vector<int> table_slots;
  for (const auto& t : p.tables) {
    const bool collect = t.hit_policy == HitPolicy::kCollect;
    table_slots.push_back(
        gen.new_slot(collect ? TypeKind::kSet : TypeKind::kEnum, !collect, SlotSource::kField, true));
  }
  prog.param_slots.assign(p.params.size(), -1);
  prog.derive_slots.assign(p.derives.size(), -1);
  gen.param_slot = [&](int param) {
    int& slot = prog.param_slots[static_cast<size_t>(param)];
    if (slot < 0) {
      slot = gen.new_slot(p.params[static_cast<size_t>(param)].type, false, SlotSource::kConst, true);
      prog.program.params.emplace_back(slot, param);
      prog.program.prelude_slots.push_back(slot);
    }
    return slot;
  };
  gen.symbol_slot = [&](SymbolKind kind, int index) {
    switch (kind) {
      case SymbolKind::kField: return prog.field_slots[static_cast<size_t>(index)];
      case SymbolKind::kDerive: return prog.derive_slots[static_cast<size_t>(index)];
      case SymbolKind::kTable: return table_slots[static_cast<size_t>(index)];
      default: return -1;
    }
  };
  for (const Item& item : cp.order)
    if (item.kind == Item::kDerive)
      prog.derive_slots[static_cast<size_t>(item.index)] =
          gen.emit_persistent(*cp.derives[static_cast<size_t>(item.index)]);
  Frame frame(prog.program, 1);
  bind_constants(prog, cp, as_of, frame);
  const BatchData& d = batch.data();
  for (size_t f = 0; f < prog.field_slots.size(); ++f) {
    const ColumnData& c = d.columns[f];
    frame.bind_field(prog.field_slots[f], c.bytes.data() + i * static_cast<size_t>(c.width),
                     c.valid.empty() ? nullptr : c.valid.data() + i);
  }
  std::vector<int32_t> codes(p.tables.size());
  std::vector<uint8_t> present(p.tables.size());
  std::vector<uint64_t> sets(p.tables.size());
  for (size_t t = 0; t < p.tables.size(); ++t) {
    if (p.tables[t].hit_policy == HitPolicy::kCollect) {
      sets[t] = res.value_set(t, i);
      frame.bind_field(table_slots[t], &sets[t], nullptr);
    } else {
      codes[t] = res.code(t, i);
      present[t] = codes[t] >= 0;
      frame.bind_field(table_slots[t], &codes[t], &present[t]);
    }
  }
  frame.run(1);
  auto format_slot = [&](int slot, const Type& type) -> std::string {
    if (slot < 0) return "";
    const uint8_t* v = frame.valid(slot);
    if (v && !v[0]) return "";
    return format_value_for_reading(type, frame.data(slot), p);
  };
  std::map<std::string, std::string> out;
  for (size_t f = 0; f < p.fields.size(); ++f)
    out[p.fields[f].name.value] = format_slot(prog.field_slots[f], cp.fields[f].type);
  for (size_t k = 0; k < p.derives.size(); ++k)
    out[p.derives[k].name.value] = format_slot(prog.derive_slots[k], cp.derive_types[k]);
  return out;
}

int table_domain(const CheckedPack& cp, size_t t) {
  const TableDef& def = cp.pack->tables[t];
  if (def.domain >= 0) return def.domain;
  const int f = cp.field_index(def.values_from.value);
  return f >= 0 ? cp.fields[static_cast<size_t>(f)].type.domain : -1;
}

class Runner {
 public:
  Runner(const RuleTestOptions& options, RuleTestReport& report) : options_(options), report_(report) {}

  void run_file(const std::string& path, std::string_view text) {
    ++report_.files;
    TestFile file;
    file.path = path;
    file.source = std::string(text);
    std::vector<Diagnostic> diags;
    {
      const size_t before = report_.diagnostics.size();
      check_tab_indentation(path, file.source, report_.diagnostics);
      if (report_.diagnostics.size() != before) return;
    }
    YAML::Node root;
    try {
      std::string emptied;
      root = YAML::Load(std::string(blank_lines_emptied(file.source, emptied)));
    } catch (const YAML::Exception& e) {
      report_yaml_syntax_error(path, file.source, e, report_.diagnostics);
      return;
    }
    try {
      TestFileReader(path, file.source, diags).read(root, file);
    } catch (const YAML::Exception& e) {
      diags.push_back({Severity::kError, to_location(path, e.mark, file.source), "yaml-error", e.msg});
    }
    const bool file_ok = !has_errors(diags);
    if (!file_ok)
      for (auto& d : full_width_punctuation(path, file.source, diags)) report_.diagnostics.push_back(std::move(d));
    for (auto& d : diags) report_.diagnostics.push_back(std::move(d));
    if (!file_ok && file.tests.empty()) return;

    // The file's pack (or --rules).
    PackEntry* main = nullptr;
    if (!options_.rules.empty()) main = &pack_named(options_.rules, "", {});
    else if (!file.pack.empty()) main = &pack_named(file.pack.value, path, file.pack.where);
    if (main) mark_covered(*main);
    for (const TestDef& t : file.tests) {
      if (!t.expects.empty() || !t.indicators.empty() || t.expect_error) {
        run_test(file, t, main);
        continue;
      }
      // A test that expects nothing is an error already; running it would
      // only add noise. It is counted, and never as passed.
      TestResult result;
      result.where = {file.path, t.where.line, 0};
      result.name = t.name;
      result.failures.push_back({"", "test", "", "it expects nothing", "test-error"});
      report_.tests.push_back(std::move(result));
    }
  }

  void finish() {
    for (auto& [key, entry] : packs_) {
      if (!entry.cover || !entry.pack) continue;
      report_.packs.push_back(entry.pack->id());
      gaps(entry);
    }
  }

 private:
  PackEntry& pack_named(const std::string& ref, const std::string& from_file, const SourceLocation& where) {
    std::string file;
    bool embedded = false;
    for (const auto& name : embedded_rule_names())
      if (ref == name) embedded = true;
    file = embedded ? "<embedded:" + ref + ">" : relative_to(from_file, ref);
    auto it = packs_.find(file);
    if (it != packs_.end()) return it->second;
    PackEntry& e = packs_[file];
    e.file = file;
    std::string text;
    if (embedded) {
      e.pack = default_rules(ref);
    } else if (const std::string why = read_text(file, text); !why.empty()) {
      e.diags.push_back({Severity::kError, where, "cannot-read",
                         "cannot read the rule pack '" + file + "': " + why});
      return e;
    } else {
      load(e, text, file);
    }
    if (e.pack) e.engine = std::make_shared<const Engine>(*e.pack);
    return e;
  }

  void load(PackEntry& e, std::string_view text, const std::string& file) {
    e.diags = check_rules(text, file);
    if (has_errors(e.diags)) return;
    try {
      e.pack = parse_rules(text, file);
    } catch (const Error& err) {
      e.diags = err.diagnostics();
    }
  }

  void mark_covered(PackEntry& e) {
    if (e.cover) return;
    e.cover = true;
    for (const auto& d : e.diags) report_.diagnostics.push_back(d);  // warnings; errors refuse every test
    if (e.pack && options_.sweep)
      for (auto& d : sweep_parameters(*e.pack)) report_.diagnostics.push_back(std::move(d));
  }

  // The inline pack of a test, with diagnostics moved into the test file.
  std::unique_ptr<PackEntry> inline_pack(const TestFile& file, const TestDef& t) {
    auto e = std::make_unique<PackEntry>();
    e->file = file.path + ":" + std::to_string(t.pack_yaml_line);
    // Named like a file beside the test file so that a relative `extends:`
    // resolves from there.
    const std::string name = (fs::path(file.path).parent_path() /
                              ("pack_yaml@" + std::to_string(t.pack_yaml_line) + ".yaml"))
                                 .lexically_normal()
                                 .string();
    load(*e, t.pack_yaml.value, name);
    for (auto& d : e->diags)
      if (d.where.file == name) {
        d.where.file = file.path;
        if (d.where.line > 0) d.where.line += t.pack_yaml_line - 1;
        if (d.where.column > 0) d.where.column += t.pack_yaml_indent;
      }
    if (e->pack) e->engine = std::make_shared<const Engine>(*e->pack);
    return e;
  }

  std::optional<std::string> input_text(const TestFile& file, const Input& in, const char* what,
                                        const std::vector<std::pair<Text, Text>>& defaults,
                                        const std::vector<std::string>& known_columns,
                                        std::vector<TestFailure>& failures,
                                        const std::function<std::string(const std::string&)>& canon = {}) {
    // One column per field, whichever of its names a record or a default
    // uses (学籍状态 in a record and registry in the defaults are one).
    auto column_of = [&](const std::string& key) { return canon ? canon(key) : key; };
    if (!in.path.empty()) {
      const std::string p = relative_to(file.path, in.path.value);
      std::string text;
      if (const std::string why = read_text(p, text); !why.empty()) {
        const std::string message = std::string("cannot read the ") + what + " file '" + p + "': " + why;
        report_.diagnostics.push_back({Severity::kError, in.path.where, "cannot-read", message});
        failures.push_back({"", what, "", message, "error"});
        return std::nullopt;
      }
      return text;
    }
    std::vector<std::string> header;
    auto add_column = [&](const Text& key) {
      if (std::find(header.begin(), header.end(), column_of(key.value)) != header.end()) return;
      if (!known_columns.empty()) {
        bool known = false;
        for (const auto& c : known_columns) known = known || iequals_ascii(c, key.value) || c == key.value;
        if (!known) {
          std::string msg = std::string("'") + key.value + "' is not a column of " + what;
          const std::string near = nearest_name(key.value, known_columns);
          if (!near.empty()) msg += "; did you mean '" + near + "'?";
          else {
            // An events or roster file (a handful of columns): name them,
            // by their English names (the key is the pack's own).
            std::vector<std::string> names;
            for (const auto& c : known_columns)
              if (!c.empty() && std::all_of(c.begin(), c.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x80; }))
                names.push_back(c);
            if (names.size() <= 8) {
              msg += " (its columns: ";
              for (size_t c = 0; c < names.size(); ++c) msg += (c ? ", " : "") + names[c];
              msg += ")";
            }
          }
          error(key.where, "unknown-column", msg);
          // The cell is read by no field: the test tests something else
          // than it says, and must not pass.
          failures.push_back({"", what, "", std::move(msg), "test-error"});
        }
      }
      header.push_back(column_of(key.value));
    };
    for (const auto& [where, cells] : in.rows)
      for (const auto& [k, v] : cells) add_column(k);
    for (const auto& [k, v] : defaults) add_column(k);
    std::string text;
    for (size_t c = 0; c < header.size(); ++c) text += (c ? "," : "") + csv_cell(header[c]);
    text += "\n";
    for (const auto& [where, cells] : in.rows) {
      for (size_t c = 0; c < header.size(); ++c) {
        const Text* cell = nullptr;
        for (const auto& [k, v] : cells)
          if (column_of(k.value) == header[c]) cell = &v;
        if (!cell)
          for (const auto& [k, v] : defaults)
            if (column_of(k.value) == header[c]) cell = &v;
        text += (c ? "," : "") + (cell ? csv_cell(cell->value) : std::string());
      }
      text += "\n";
    }
    return text;
  }

  void error(const SourceLocation& where, const char* code, std::string message) {
    // Before the check for a repeat: a test reusing a wrong expectation
    // (a YAML alias, `expect: *e`) is as wrong as the first that used it.
    test_error_ = true;
    for (const auto& d : report_.diagnostics)
      if (d.code == code && d.where.line == where.line && d.where.column == where.column &&
          d.where.file == where.file)
        return;
    report_.diagnostics.push_back({Severity::kError, where, code, std::move(message)});
  }

  static bool error_matches(const std::vector<Diagnostic>& diags, const std::string& fragment) {
    for (const auto& d : diags)
      if (d.severity == Severity::kError &&
          (d.message.find(fragment) != std::string::npos || d.code == fragment))
        return true;
    return false;
  }

  void run_test(const TestFile& file, const TestDef& t, PackEntry* main) {
    TestResult result;
    result.where = {file.path, t.where.line, 0};
    result.name = t.name;
    std::unique_ptr<PackEntry> own;
    PackEntry* entry = main;
    if (!t.pack_yaml.empty()) {
      own = inline_pack(file, t);
      entry = own.get();
    } else if (!t.pack.empty()) {
      entry = &pack_named(t.pack.value, file.path, t.pack.where);
    }
    auto& failures = result.failures;
    if (t.read_errors > 0)
      failures.push_back({"", "test", "", "see the errors above", "test-error"});
    auto refused = [&](const std::vector<Diagnostic>& diags) {
      // The pack or the input was refused as a whole.
      if (t.expect_error) {
        if (!error_matches(diags, t.expect_error->value)) {
          std::string got;
          for (const auto& d : diags)
            if (d.severity == Severity::kError) got += (got.empty() ? "" : " | ") + d.message;
          failures.push_back({"", "error", t.expect_error->value, got, "error"});
        }
      } else {
        for (const auto& d : diags)
          if (d.severity == Severity::kError) failures.push_back({"", "error", "", d.format(), "error"});
      }
    };
    if (!entry) {  // the file names no pack (reported as an error already)
      failures.push_back({"", "error", "", "the test file names no pack", "error"});
      report_.tests.push_back(std::move(result));
      return;
    }
    if (!entry->pack) {
      refused(entry->diags);
      if (!t.expect_error) result.context.push_back("the rule pack " + entry->file + " cannot be used");
      report_.tests.push_back(std::move(result));
      return;
    }
    const RulePack& pack = *entry->pack;
    const Engine& engine = *entry->engine;
    const CheckedPack& cp = pack.checked();
    result.pack = pack.id();
    const Text& as_of_text = !t.as_of.empty() ? t.as_of : file.as_of;
    const std::optional<Date> as_of = Date::parse(as_of_text.value);
    if (!as_of && as_of_text.empty() && !t.records.given && t.expect_error) {
      // Only the pack was under test, and it loaded.
      failures.push_back({"", "error", t.expect_error->value, "", "no-error"});
      report_.tests.push_back(std::move(result));
      return;
    }
    if (!as_of) {
      // Not run, and not passed: a test that cannot run shows nothing.
      std::string why = as_of_text.empty()
                            ? "test '" + t.name + "' needs 'as_of' (here or at the top of the file)"
                            : "'" + as_of_text.value + "' is not a date; write YYYY-MM-DD";
      if (as_of_text.empty()) error(t.where, "missing-key", why);
      else error(as_of_text.where, "bad-date", why);
      failures.push_back({"", "as_of", "", std::move(why), "test-error"});
      report_.tests.push_back(std::move(result));
      return;
    }
    // An error in the test found while running it (an expectation that
    // names no record, or checks nothing): the test is wrong, and never
    // counts as passed.
    test_error_ = false;
    input_error_expected_ = false;
    bool refused_whole = false;
    try {
      evaluate(file, t, *entry, engine, cp, *as_of, result);
    } catch (const Error& e) {
      refused(e.diagnostics());
      refused_whole = true;
    } catch (const std::exception& e) {
      refused({{Severity::kError, result.where, "error", e.what()}});
      refused_whole = true;
    }
    if (test_error_ && t.read_errors == 0) failures.push_back({"", "test", "", "see the errors above", "test-error"});
    // Evaluated without the pack or input being refused.
    if (!refused_whole && t.expect_error && !input_error_expected_ &&
        std::none_of(failures.begin(), failures.end(), [](const TestFailure& f) { return f.kind == "error"; }))
      failures.push_back({"", "error", t.expect_error->value, "", "no-error"});
    report_.tests.push_back(std::move(result));
  }

  // Whether the test's own `expect_error` expects this rejected event or
  // roster row (an input error, as the docs word it: a stage's event
  // rejected as not applying is how a test pins that rule down). It is
  // then no failure, and the test's expectation is met.
  bool expected_input_error(const TestDef& t, const std::string& reason) {
    if (!t.expect_error || reason.find(t.expect_error->value) == std::string::npos) return false;
    input_error_expected_ = true;
    return true;
  }

  void evaluate(const TestFile& file, const TestDef& t, PackEntry& entry, const Engine& engine,
                const CheckedPack& cp, Date as_of, TestResult& result) {
    auto& failures = result.failures;
    const Pack& p = *cp.pack;
    const std::string key = cp.key_field();
    // Records -> CSV -> the students reader.
    std::vector<std::string> columns;
    for (const auto& f : p.fields) {
      columns.push_back(f.name.value);
      if (!f.alias.empty()) columns.push_back(f.alias.value);
    }
    // A field's name (in any ASCII case) or its alias, as the reader
    // matches a header cell; other keys as they are.
    auto field_column = [&p](const std::string& k) {
      for (const auto& f : p.fields)
        if (iequals_ascii(f.name.value, k) || (!f.alias.empty() && f.alias.value == k)) return f.name.value;
      return k;
    };
    auto defaults = file.defaults;
    for (const auto& d : t.defaults) {
      auto it = std::find_if(defaults.begin(), defaults.end(), [&](const auto& x) {
        return field_column(x.first.value) == field_column(d.first.value);
      });
      if (it != defaults.end()) *it = d;
      else defaults.push_back(d);
    }
    std::optional<std::string> students =
        t.records.given ? input_text(file, t.records, "records", defaults, columns, failures, field_column)
                        : std::string();
    if (!students) return;
    if (!t.records.given && !t.expect_error && (!t.expects.empty() || !t.indicators.empty()))
      error(t.where, "missing-key", "test '" + t.name + "' has expectations but no 'records:'");
    // Only the pack is tested (expect_error). A records file that is
    // empty is read, and refused as the reader refuses it: else every
    // expectation would pass on no record at all.
    if (students->empty() && t.records.path.empty()) return;
    std::istringstream students_in(*students);
    ReadOptions ro;
    ro.file = t.records.path.empty() ? file.path : relative_to(file.path, t.records.path.value);
    ro.batch_rows = size_t{1} << 20;
    // Problems with the header of inline records point at 'records:'.
    auto reader_ptr = [&]() {
      try {
        return std::make_unique<StudentReader>(pack_of(engine), students_in, ro);
      } catch (const Error& e) {
        if (!t.records.path.empty()) throw;
        std::vector<Diagnostic> diags = e.diagnostics();
        for (auto& d : diags)
          if (d.where.file == ro.file) d.where = t.records.where;
        throw Error(std::move(diags));
      }
    }();
    StudentReader& reader = *reader_ptr;
    Batch batch;
    if (!reader.next(batch)) {
      BatchBuilder none(pack_of(engine));  // every record was refused
      batch = none.finish();
    } else if (Batch more; reader.next(more)) {
      throw Error("too-many-records", "a test holds at most 1,048,576 records");
    }
    std::vector<Reject> rejects = reader.take_rejects();
    BatchResult classified = engine.classify(batch, as_of);

    // Events and roster.
    EventLog events;
    std::unique_ptr<Roster> roster;
    std::unique_ptr<ResponsibilityGraph> graph;
    if (t.events.given) {
      // The key column is named as the pack's record key (or its alias).
      const int kf = cp.field_index(key);
      const std::string key_alias = kf >= 0 ? p.fields[static_cast<size_t>(kf)].alias.value : "";
      auto text = input_text(file, t.events, "events", {}, {key, key_alias, "date", "日期", "type", "类型", "事件",
                                                            "person", "人员", "经办人", "note", "备注"}, failures);
      if (!text) return;
      std::istringstream in(*text);
      events = read_events(pack_of(engine), in, ro.file);
      for (const auto& r : events.rejects)
        if (!expected_input_error(t, r.reason))
          failures.push_back({r.student_id, event_at(t.events, r.row), "", r.reason, "event-rejected"});
      // The dates the workflow takes from events (a return to school) are
      // part of the records, as in kcbx cases and kcbx run.
      if (cp.workflow.present) {
        batch = with_event_dates(pack_of(engine), batch, events, as_of);
        classified = engine.classify(batch, as_of);
      }
    }
    if (t.roster.given) {
      auto text = input_text(file, t.roster, "roster", {}, {"role", "角色", "person", "姓名", "jurisdiction", "辖区",
                                                             "phone", "电话"}, failures);
      if (!text) return;
      std::istringstream in(*text);
      roster = std::make_unique<Roster>(read_roster(pack_of(engine), in, ro.file));
      for (const auto& r : roster->rejects)
        if (!expected_input_error(t, r.reason))
          failures.push_back({"", "roster row " + std::to_string(r.row), "", r.reason, "roster-rejected"});
      graph = std::make_unique<ResponsibilityGraph>(pack_of(engine), *roster, batch);
    }
    CaseReport cases;
    if (cp.workflow.present) {
      cases = evaluate_cases(engine, batch, classified, events, graph.get(), as_of);
      for (const auto& r : cases.event_rejects)
        if (!expected_input_error(t, r.reason))
          failures.push_back({r.student_id, event_at(t.events, r.row), "", r.reason, "event-rejected"});
    }

    // Coverage.
    const ResultData& rd = classified.data();
    for (size_t i = 0; i < classified.size(); ++i) {
      if (classified.rejected(i)) continue;
      for (size_t tb = 0; tb < p.tables.size(); ++tb) {
        if (p.tables[tb].hit_policy == HitPolicy::kCollect) {
          const uint64_t bits = rd.row_sets[tb][i];
          for (size_t r = 0; r < 64 && r < p.tables[tb].rows.size(); ++r)
            if ((bits >> r) & 1) entry.coverage.rows.insert({tb, r});
        } else if (rd.matched[tb][i] >= 0) {
          entry.coverage.rows.insert({tb, static_cast<size_t>(rd.matched[tb][i])});
        }
      }
    }
    auto stage_index = [&](const std::string& id) -> std::optional<size_t> {
      for (size_t s = 0; s < p.workflow.stages.size(); ++s)
        if (p.workflow.stages[s].id.value == id) return s;
      return std::nullopt;
    };
    for (const Case& c : cases.cases)
      for (const auto& sp : c.stages)
        if (auto s = stage_index(sp.stage)) entry.coverage.stages.insert(*s);

    // Which record each line of the input became.
    const size_t n_input = t.records.path.empty() ? t.records.rows.size() : 0;
    std::map<int64_t, size_t> by_row;  // CSV line -> batch index
    for (size_t i = 0; i < batch.size(); ++i) by_row[batch.row_number(i)] = i;
    auto label = [&](int64_t row) {
      const auto it = by_row.find(row);
      if (it != by_row.end() && !key.empty()) {
        const std::string k = batch.cell(it->second, key);
        if (!k.empty()) return k;
      }
      for (const auto& r : rejects)
        if (r.row == row && !r.student_id.empty()) return r.student_id;
      return "record " + std::to_string(row - 1);
    };
    std::set<int64_t> expected_rows;

    for (const RecordExpect& e : t.expects) {
      // Which record.
      std::optional<int64_t> row;
      std::string who;
      std::vector<std::pair<Text, Expected>> checks;
      for (const auto& [k, v] : e.values) {
        const bool is_key = !key.empty() && (k.value == key || (cp.field_index(key) >= 0 &&
                                                                 p.fields[static_cast<size_t>(cp.field_index(key))].alias.value == k.value));
        if (is_key) {
          who = v.text;
          for (const auto& [r, i] : by_row)
            if (batch.cell(i, key) == v.text) row = r;
          for (const auto& rj : rejects)
            if (rj.student_id == v.text) row = rj.row;
          if (!row) {
            failures.push_back({v.text, key, v.text, "", "missing"});
          }
          continue;
        }
        checks.emplace_back(k, v);
      }
      if (e.record && !who.empty()) {
        // Two answers to "which record": the test would check one of them.
        error(e.record->where, "conflicting-keys",
              "give '" + key + "' or 'record' to say which record this expectation is about, not both");
        continue;
      }
      if (e.record) {
        const auto n = number(e.record->value);
        if (!n || *n < 1 || std::floor(*n) != *n) {
          error(e.record->where, "wrong-type", "'record' is the record's number in the list, from 1");
          continue;
        }
        row = static_cast<int64_t>(*n) + 1;
        who = "record " + e.record->value;
      }
      if (who.empty()) {
        const size_t count = t.records.path.empty() ? n_input : batch.size() + rejects.size();
        if (count == 1) {
          row = batch.size() == 1 ? batch.row_number(0) : rejects.empty() ? 2 : rejects.front().row;
        } else {
          error(e.where, "missing-key",
                "this expectation needs '" + key + "' or 'record' to say which of the " + std::to_string(count) +
                    " records it is about");
          continue;
        }
      }
      if (!row) continue;
      expected_rows.insert(*row);
      who = label(*row);
      if (checks.empty() && !e.has_case && !e.expect_error) {
        error(e.where, "no-expectation", "this expectation about " + who + " checks nothing");
        continue;
      }
      // Refused while reading, or by a pack check?
      std::string rejected_reason;
      bool rejected = false;
      for (const auto& rj : rejects)
        if (rj.row == *row) {
          rejected = true;
          rejected_reason = (rj.column.empty() ? "" : rj.column + ": ") + rj.reason;
        }
      const auto it = by_row.find(*row);
      if (!rejected && it == by_row.end()) {
        failures.push_back({who, "record", "", "", "missing"});
        continue;
      }
      const size_t i = rejected ? 0 : it->second;
      if (!rejected && classified.rejected(i)) {
        rejected = true;
        rejected_reason = std::string(classified.reject_reason(i));
      }
      if (e.expect_error) {
        if (!rejected) failures.push_back({who, "expect_error", e.expect_error->value, "", "accepted"});
        else if (rejected_reason.find(e.expect_error->value) == std::string::npos)
          failures.push_back({who, "expect_error", e.expect_error->value, rejected_reason, "mismatch"});
        if (checks.empty() && !e.has_case) continue;
      }
      if (rejected) {
        if (!e.expect_error) failures.push_back({who, "record", "", rejected_reason, "rejected"});
        continue;
      }
      const size_t before = failures.size();
      std::optional<std::map<std::string, std::string>> values;
      for (const auto& [k, v] : checks) check_value(cp, engine, classified, batch, i, as_of, k, v, who, values, failures);
      if (e.has_case) check_case(cp, cases, i, e, who, entry, failures);
      if (failures.size() > before) add_context(engine, batch, i, as_of, who, result.context);
    }
    // Records nobody expected anything of must still be usable.
    for (const auto& rj : rejects)
      if (!expected_rows.count(rj.row))
        failures.push_back({label(rj.row), "record", "", (rj.column.empty() ? "" : rj.column + ": ") + rj.reason, "rejected"});
    for (size_t i = 0; i < classified.size(); ++i)
      if (classified.rejected(i) && !expected_rows.count(batch.row_number(i)))
        failures.push_back({label(batch.row_number(i)), "record", "", std::string(classified.reject_reason(i)), "rejected"});

    if (!t.indicators.empty()) check_indicators(cp, engine, *students, t, as_of, events, roster.get(), failures);
  }

  const RulePack& pack_of(const Engine& engine) { return engine.rules(); }

  void check_value(const CheckedPack& cp, const Engine& engine, const BatchResult& res, const Batch& batch, size_t i,
                   Date as_of, const Text& k, const Expected& v, const std::string& who,
                   std::optional<std::map<std::string, std::string>>& values, std::vector<TestFailure>& failures) {
    const Pack& p = *cp.pack;
    const std::string& name = k.value;
    std::string actual;
    Type type{TypeKind::kString, -1};
    bool found = false;
    // rule/clause of the first table; <table>_rule/<table>_clause of others.
    for (size_t t = 0; t < p.tables.size() && !found; ++t) {
      const std::string& tn = p.tables[t].name.value;
      const bool first = t == 0;
      if (name == tn) {
        actual = res.value(t, i);
        const int dom = table_domain(cp, t);
        type = {p.tables[t].hit_policy == HitPolicy::kCollect ? TypeKind::kSet : TypeKind::kEnum, dom};
        found = true;
      } else if (name == (first ? std::string("rule") : tn + "_rule")) {
        actual = res.rule(t, i);
        found = true;
      } else if (name == (first ? std::string("clause") : tn + "_clause")) {
        actual = res.clause(t, i);
        found = true;
      }
    }
    if (!found) {
      const int d = cp.derive_index(name);
      int f = cp.field_index(name);
      // A field named by its alias, as records and expressions name it.
      for (size_t k = 0; d < 0 && f < 0 && k < p.fields.size(); ++k)
        if (!p.fields[k].alias.empty() && p.fields[k].alias.value == name) f = static_cast<int>(k);
      if (d >= 0 || f >= 0) {
        if (!values) values = record_values(engine, batch, res, i, as_of);
        actual = (*values)[d >= 0 ? name : p.fields[static_cast<size_t>(f)].name.value];
        type = d >= 0 ? cp.derive_types[static_cast<size_t>(d)] : cp.fields[static_cast<size_t>(f)].type;
        found = true;
      }
    }
    if (!found) {
      std::vector<std::string> names{"rule", "clause", "case", "record", "expect_error"};
      for (size_t t = 0; t < p.tables.size(); ++t) {
        names.push_back(p.tables[t].name.value);
        if (t > 0) {
          names.push_back(p.tables[t].name.value + "_rule");
          names.push_back(p.tables[t].name.value + "_clause");
        }
      }
      for (const auto& d : p.derives) names.push_back(d.name.value);
      for (const auto& f : p.fields) names.push_back(f.name.value);
      std::string msg = "'" + name + "' is no table, derived value or field of the pack";
      const std::string near = nearest_name(name, names);
      if (!near.empty()) msg += "; did you mean '" + near + "'?";
      // A test written for another pack names its main table ("status"):
      // say what this pack calls it.
      else if (!p.tables.empty()) msg += "; its main decision table is '" + p.tables.front().name.value + "'";
      error(k.where, "unknown-name", msg);
      failures.push_back({who, name, v.shown(), std::move(msg), "test-error"});
      return;
    }
    // An expected enum or set value the pack does not have: the test could
    // never pass, and a misspelt value is better named than compared.
    if (!v.null && type.domain >= 0 && (type.kind == TypeKind::kEnum || type.kind == TypeKind::kSet)) {
      const DomainDef& d = p.domains[static_cast<size_t>(type.domain)];
      std::vector<std::string> words = v.items;
      if (!v.list) {
        if (type.kind == TypeKind::kEnum) words.push_back(v.text);
        else for_each_set_value(v.text, [&](std::string_view w) {
          words.emplace_back(w);
          return true;
        });
      }
      for (const std::string& w : words) {
        if (find_enum_value(d, w) >= 0) continue;
        std::vector<std::string> known;
        for (const auto& dv : d.values) known.push_back(dv.name.value);
        std::string msg = "'" + w + "' is not a value of " + name;
        std::string near = nearest_name(w, known);
        // A value cut short ("suspected" for suspected_dropout) is too far
        // from the whole name for nearest_name: the one value it begins.
        if (near.empty() && !w.empty() &&
            std::count_if(known.begin(), known.end(), [&](const std::string& k) { return k.starts_with(w); }) == 1)
          near = *std::find_if(known.begin(), known.end(), [&](const std::string& k) { return k.starts_with(w); });
        if (!near.empty()) msg += "; did you mean '" + near + "'?";
        error(v.where, "unknown-value", msg);
        failures.push_back({who, name, v.shown(), std::move(msg), "test-error"});
        return;
      }
    }
    // An expected date not written YYYY-MM-DD (2023-10-9, 2023/10/09) could
    // never equal the date shown: the test is wrong, and said so.
    if (!v.null && !v.list && type.kind == TypeKind::kDate && !Date::parse(v.text)) {
      std::string msg = "'" + v.text + "' is not a date; write YYYY-MM-DD";
      error(v.where, "bad-date", msg);
      failures.push_back({who, name, v.shown(), std::move(msg), "test-error"});
      return;
    }
    // So could a number or a yes/no value written as neither ("twelve").
    const bool numeric = type.kind == TypeKind::kInt || type.kind == TypeKind::kNumber;
    if (!v.null && !v.list && ((numeric && !number(v.text)) || (type.kind == TypeKind::kBool &&
                                                                  bool_word(v.text) != "true" &&
                                                                  bool_word(v.text) != "false"))) {
      std::string msg = "'" + v.text + "' is not " +
                        (numeric ? std::string("a number, and ") + name + " is " + type_name(type.kind)
                                 : "a yes/no value (true/false), and " + name + " is bool");
      error(v.where, "wrong-type", msg);
      failures.push_back({who, name, v.shown(), std::move(msg), "test-error"});
      return;
    }
    if (!same(cp, type, v, actual)) failures.push_back({who, name, v.shown(), actual.empty() ? "null" : actual, "mismatch"});
  }

  static bool same(const CheckedPack& cp, const Type& type, const Expected& v, const std::string& actual) {
    if (v.null) return actual.empty();
    const Pack& p = *cp.pack;
    auto resolve = [&](const std::string& s) {
      if (type.domain < 0) return s;
      const DomainDef& d = p.domains[static_cast<size_t>(type.domain)];
      const int c = find_enum_value(d, s);
      return c >= 0 ? d.values[static_cast<size_t>(c)].name.value : s;
    };
    switch (type.kind) {
      case TypeKind::kBool:
        return !v.list && bool_word(v.text) == bool_word(actual);
      case TypeKind::kInt:
      case TypeKind::kNumber: {
        if (v.list) return false;
        const auto a = number(v.text), b = number(actual);
        if (!a || !b) return v.text == actual;
        return std::fabs(*a - *b) <= 1e-9 * std::max(1.0, std::fabs(*a));
      }
      case TypeKind::kEnum:
        return !v.list && resolve(v.text) == actual;
      case TypeKind::kSet: {
        // Written as a record's cell is ("a;b" or "a；b").
        std::vector<std::string> want;
        if (v.list) want = v.items;
        else for_each_set_value(v.text, [&](std::string_view w) {
          want.emplace_back(w);
          return true;
        });
        for (auto& w : want) w = resolve(w);
        std::vector<std::string> got = split(actual, ';');
        std::sort(want.begin(), want.end());
        std::sort(got.begin(), got.end());
        return want == got;
      }
      default: {
        if (!v.list) return v.text == actual;
        // A list of texts (a collect table's rule ids, written "a;b" in
        // row order): the same texts in any order, as for a set.
        std::vector<std::string> want = v.items, got = split(actual, ';');
        std::sort(want.begin(), want.end());
        std::sort(got.begin(), got.end());
        return want == got;
      }
    }
  }

  void check_case(const CheckedPack& cp, const CaseReport& cases, size_t i, const RecordExpect& e,
                  const std::string& who, PackEntry& entry, std::vector<TestFailure>& failures) {
    const Case* c = nullptr;
    for (const auto& x : cases.cases)
      if (x.record == i) c = &x;
    const Pack& p = *cp.pack;
    if (e.case_word) {
      const std::string& w = e.case_word->text;
      const std::string got = !c ? "none" : c->closed ? "closed" : "open";
      if (w != got) failures.push_back({who, "case", w, got, "mismatch"});
      return;
    }
    if (!c) {
      failures.push_back({who, "case", "", "", "missing"});
      return;
    }
    auto stage_index = [&](const std::string& id) -> std::optional<size_t> {
      for (size_t s = 0; s < p.workflow.stages.size(); ++s)
        if (p.workflow.stages[s].id.value == id) return s;
      return std::nullopt;
    };
    auto opt = [](const std::optional<Date>& d) { return d ? d->format() : std::string(); };
    for (const auto& [k, v] : e.case_values) {
      const std::string& key = k.value;
      std::string actual;
      bool numeric = false, boolean = false;
      if (key == "stage") {
        actual = c->stage;
        if (!v.null && !stage_index(v.text)) {
          std::vector<std::string> ids;
          for (const auto& s : p.workflow.stages) ids.push_back(s.id.value);
          std::string msg = "'" + v.text + "' is no stage of the workflow";
          const std::string near = nearest_name(v.text, ids);
          if (!near.empty()) msg += "; did you mean '" + near + "'?";
          error(v.where, "unknown-name", msg);
          failures.push_back({who, "case.stage", v.shown(), std::move(msg), "test-error"});
          continue;
        }
      } else if (key == "next_action") {
        actual = c->next_action;
      } else if (key == "due") {
        actual = opt(c->due);
      } else if (key == "days_overdue") {
        actual = std::to_string(c->days_overdue);
        numeric = true;
      } else if (key == "opened") {
        actual = opt(c->opened);
      } else if (key == "closed") {
        actual = c->closed ? "true" : "false";
        boolean = true;
      } else if (key == "responsible") {
        actual = c->responsible.person;
      } else if (key == "role") {
        actual = c->responsible.role;
      } else if (key == "lapsed") {
        std::vector<std::string> got;
        for (const auto& a : cases.accountability)
          if (a.student_id == c->student_id) got.push_back(a.stage);
        std::vector<std::string> want = v.list ? v.items : split(v.text, ';');
        for (const auto& s : want)
          if (auto idx = stage_index(s)) entry.coverage.deadlines.insert(*idx);
        std::string shown;
        for (const auto& g : got) shown += (shown.empty() ? "" : ", ") + g;
        if (want != got) failures.push_back({who, "case.lapsed", v.shown(), "[" + shown + "]", "mismatch"});
        continue;
      }
      if ((key == "due" || key == "days_overdue") && !c->stage.empty())
        if (auto idx = stage_index(c->stage)) entry.coverage.deadlines.insert(*idx);
      if ((key == "due" || key == "opened") && !v.null && !Date::parse(v.text)) {
        std::string msg = "'" + v.text + "' is not a date; write YYYY-MM-DD";
        error(v.where, "bad-date", msg);
        failures.push_back({who, "case." + key, v.shown(), std::move(msg), "test-error"});
        continue;
      }
      bool ok;
      if (v.null) ok = actual.empty();
      else if (numeric) ok = number(v.text) && number(actual) && *number(v.text) == *number(actual);
      else if (boolean) ok = bool_word(v.text) == actual;
      else ok = v.text == actual;
      if (!ok) failures.push_back({who, "case." + key, v.shown(), actual.empty() ? "null" : actual, "mismatch"});
    }
  }

  void check_indicators(const CheckedPack& cp, const Engine& engine, const std::string& students, const TestDef& t,
                        Date as_of, const EventLog& events, const Roster* roster, std::vector<TestFailure>& failures) {
    std::istringstream in(students);
    RunOptions o;
    o.as_of = as_of;
    const RunReport r = kcbx::run(engine, in, &events, roster, o, nullptr);
    const Pack& p = *cp.pack;
    for (const IndicatorExpect& ie : t.indicators) {
      const IndicatorResult* x = nullptr;
      for (const auto& ir : r.indicators)
        if (ir.indicator == ie.name.value && ir.level.empty()) x = &ir;
      if (!x) {
        std::vector<std::string> names;
        for (const auto& d : p.indicators) names.push_back(d.name.value);
        bool known = std::find(names.begin(), names.end(), ie.name.value) != names.end();
        if (!known) {
          std::string msg = "'" + ie.name.value + "' is no indicator of the pack";
          const std::string near = nearest_name(ie.name.value, names);
          if (!near.empty()) msg += "; did you mean '" + near + "'?";
          error(ie.name.where, "unknown-name", msg);
          // The test cannot show what it says: never counted as passed.
          failures.push_back({"", "indicator " + ie.name.value, "", std::move(msg), "test-error"});
        } else {
          failures.push_back({"", "indicator " + ie.name.value, "", "", "missing"});
        }
        continue;
      }
      for (const auto& [part, v] : ie.parts) {
        std::string actual;
        bool ok = false;
        if (part == "value") {
          actual = x->value ? number_text(*x->value) : "";
          if (v.null) ok = !x->value;
          else if (auto want = number(v.text); want && x->value)
            ok = std::fabs(*want - *x->value) <= 5e-7 * std::max(1.0, std::fabs(*want));
        } else if (part == "numerator" || part == "denominator") {
          const int64_t got = part == "numerator" ? x->numerator : x->denominator;
          actual = std::to_string(got);
          ok = !v.null && number(v.text) && *number(v.text) == static_cast<double>(got);
        } else if (part == "met") {
          actual = x->met ? (*x->met ? "true" : "false") : "";
          ok = v.null ? !x->met : x->met && bool_word(v.text) == actual;
        }
        if (!ok)
          failures.push_back({"", "indicator " + ie.name.value + (part == "value" ? "" : "." + part), v.shown(),
                              actual.empty() ? "null" : actual, "mismatch"});
      }
    }
  }

  static std::string number_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
  }

  void add_context(const Engine& engine, const Batch& batch, size_t i, Date as_of, const std::string& who,
                   std::vector<std::string>& context) {
    const Explanation ex = engine.explain(batch, i, as_of);
    std::string tried;
    for (const auto& r : ex.tried)
      tried += (tried.empty() ? "" : ", ") + r.table + "/" + r.rule + "=" + r.result;
    // Yes/no values as true/false, as tests write them and the rows tried
    // show them (the explanation's 1/0 is the CSV outputs' form).
    const CheckedPack& cp = engine.rules().checked();
    auto is_bool = [&](const TracedValue& v) {
      if (v.kind == "field") {
        const int f = cp.field_index(v.name);
        return f >= 0 && cp.fields[static_cast<size_t>(f)].type.kind == TypeKind::kBool;
      }
      if (v.kind == "derived") {
        const int d = cp.derive_index(v.name);
        return d >= 0 && cp.derives[static_cast<size_t>(d)]->type.kind == TypeKind::kBool;
      }
      return false;
    };
    std::string values;
    for (const auto& v : ex.values) {
      if (v.kind == "table" || v.kind == "as_of") continue;
      const std::string shown = v.value.empty()                   ? "null"
                                : is_bool(v) && v.value == "1"    ? "true"
                                : is_bool(v) && v.value == "0"    ? "false"
                                                                  : v.value;
      values += (values.empty() ? "" : ", ") + v.name + "=" + shown;
    }
    context.push_back(who + ": rows tried: " + tried);
    if (!values.empty()) context.push_back(who + ": values: " + values);
  }

  void gaps(const PackEntry& e) {
    const Pack& p = *e.pack->checked().pack;
    const std::string id = e.pack->id();
    for (size_t t = 0; t < p.tables.size(); ++t)
      for (size_t r = 0; r < p.tables[t].rows.size(); ++r)
        if (!e.coverage.rows.count({t, r}))
          report_.uncovered.push_back({id, "row", p.tables[t].name.value + "/" + p.tables[t].rows[r].id.value,
                                       p.tables[t].rows[r].where});
    for (size_t s = 0; s < p.workflow.stages.size(); ++s)
      if (!e.coverage.stages.count(s))
        report_.uncovered.push_back({id, "stage", p.workflow.stages[s].id.value, p.workflow.stages[s].where});
    for (size_t s = 0; s < p.workflow.stages.size(); ++s) {
      const StageDef& st = p.workflow.stages[s];
      if (!st.due_after.empty() && !e.coverage.deadlines.count(s))
        report_.uncovered.push_back({id, "deadline", st.id.value + " (" + st.due_after.value + ")",
                                     st.due_after.where});
    }
  }

  const RuleTestOptions& options_;
  RuleTestReport& report_;
  bool test_error_ = false;  // error() was called while running the current test
  bool input_error_expected_ = false;  // the current test's expect_error met by a rejected event or roster row
  std::map<std::string, PackEntry> packs_;
};

void collect_files(const std::string& path, std::vector<std::string>& out) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<std::string> found;
    for (fs::recursive_directory_iterator it(path, ec), end; it != end && !ec; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      auto ends = [&](std::string_view suffix) {
        return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
      };
      if (it->is_regular_file(ec) && (ends(".tests.yaml") || ends(".tests.yml")))
        found.push_back(it->path().lexically_normal().string());
    }
    std::sort(found.begin(), found.end());
    if (found.empty())
      throw Error({{Severity::kError, {path, 0, 0}, "no-tests", "no *.tests.yaml file in this folder"}});
    out.insert(out.end(), found.begin(), found.end());
    return;
  }
  out.push_back(path);
}

}  // namespace
}  // namespace detail

// ---- Public API -----------------------------------------------------------------

namespace {

std::string failure_text(const TestFailure& f, std::string_view lang) {
  const bool zh = lang == "zh";
  const std::string subject = f.record.empty() ? "" : f.record + ": ";
  if (f.kind == "mismatch")
    return subject + (zh ? "期望 " + f.key + "=" + f.expected + "，实际为 " + f.actual
                         : "expected " + f.key + "=" + f.expected + ", got " + f.actual);
  if (f.kind == "rejected")
    return subject + (zh ? "记录被拒收：" + f.actual : "the record was rejected: " + f.actual);
  if (f.kind == "accepted")
    return subject + (zh ? "期望记录被拒收（含 '" + f.expected + "'），但记录被接受"
                         : "expected the record to be rejected with '" + f.expected + "', but it was accepted");
  if (f.kind == "error") {
    if (f.expected.empty()) return zh ? "规则包或输入无法使用：" + f.actual : "the pack or input cannot be used: " + f.actual;
    return zh ? "期望错误含 '" + f.expected + "'，实际为：" + f.actual
              : "expected an error with '" + f.expected + "', got: " + f.actual;
  }
  if (f.kind == "test-error") {
    if (!zh) return subject + "the test itself is wrong: " + f.actual;
    // The runner's own words; a diagnostic's message is shown translated
    // with the diagnostics above.
    const std::string why = f.actual == "see the errors above" ? "见上方的错误"
                            : f.actual == "it expects nothing" ? "没有任何期望"
                                                               : f.actual;
    return subject + "测试本身有错误：" + why;
  }
  if (f.kind == "no-error")
    return zh ? "期望错误含 '" + f.expected + "'，但规则包和输入均可使用"
              : "expected an error with '" + f.expected + "', but the pack and input were accepted";
  if (f.kind == "missing")
    return subject + (zh ? "找不到 " + f.key + (f.expected.empty() ? "" : " " + f.expected) + (f.actual.empty() ? "" : "（实际为 " + f.actual + "）")
                         : "no " + f.key + (f.expected.empty() ? "" : " " + f.expected) + " found" +
                               (f.actual.empty() ? "" : " (got " + f.actual + ")"));
  if (f.kind == "event-rejected" || f.kind == "roster-rejected")
    return subject + (zh ? f.key + " 被拒收：" + f.actual : f.key + " was rejected: " + f.actual);
  return subject + f.key + ": " + f.actual;
}

}  // namespace

std::string TestFailure::text(std::string_view lang) const {
  // A test's record, the values it got and expected may hold a child's ID
  // number (a test copied from real data): shown masked, as every output.
  return detail::mask_embedded_id_numbers(failure_text(*this, lang));
}


size_t RuleTestReport::passed() const {
  return static_cast<size_t>(std::count_if(tests.begin(), tests.end(), [](const TestResult& t) { return t.passed(); }));
}
size_t RuleTestReport::failed() const { return tests.size() - passed(); }
bool RuleTestReport::ok() const { return failed() == 0 && !has_errors(diagnostics); }

std::string RuleTestReport::format(bool coverage, std::string_view lang) const {
  const bool zh = lang == "zh";
  std::string out;
  for (const auto& t : tests) {
    if (t.passed()) continue;
    for (const auto& f : t.failures)
      out += t.where.file + ":" + std::to_string(t.where.line) + ": FAIL " + t.name + ": " + f.text(lang) + "\n";
    for (std::string c : t.context) {
      if (zh)
        for (const auto& [en, cn] : {std::pair<std::string, std::string>{": rows tried: ", "：尝试的行："},
                                     {": values: ", "：读取的值："}})
          if (const size_t at = c.find(en); at != std::string::npos) c.replace(at, en.size(), cn);
      out += "    " + detail::mask_embedded_id_numbers(c) + "\n";
    }
  }
  size_t errors = 0;
  for (const auto& d : diagnostics)
    if (d.severity == Severity::kError) ++errors;
  if (zh) {
    out += "kcbx test: " + std::to_string(tests.size()) + " 个测试，" + std::to_string(passed()) + " 个通过，" +
           std::to_string(failed()) + " 个失败（" + std::to_string(files) + " 个文件）";
    if (errors) out += "；测试文件有 " + std::to_string(errors) + " 个错误";
  } else {
    out += "kcbx test: " + std::to_string(tests.size()) + " tests, " + std::to_string(passed()) + " passed, " +
           std::to_string(failed()) + " failed (" + std::to_string(files) + " file" + (files == 1 ? "" : "s") + ")";
    if (errors) out += "; " + std::to_string(errors) + " error" + (errors == 1 ? "" : "s") + " in the test files";
  }
  out += "\n";
  if (coverage) {
    for (const auto& id : packs) {
      size_t n = 0;
      for (const auto& g : uncovered) n += g.pack == id;
      if (n == 0) {
        out += zh ? "覆盖率 " + id + "：每个规则行、阶段和期限都已被测试\n"
                  : "coverage of " + id + ": every row, stage and deadline is exercised\n";
        continue;
      }
      out += zh ? "覆盖率 " + id + "：" + std::to_string(n) + " 项未被任何测试覆盖\n"
                : "coverage of " + id + ": " + std::to_string(n) + " not exercised by any test\n";
      for (const auto& g : uncovered)
        if (g.pack == id) {
          const std::string kind = !zh ? g.kind : g.kind == "row" ? "规则行" : g.kind == "stage" ? "阶段" : "期限";
          out += "  " + g.where.format() + ": " + kind + " " + g.name + "\n";
        }
    }
  }
  return out;
}

RuleTestReport run_rule_tests(const std::vector<std::string>& paths, const RuleTestOptions& options) {
  std::vector<std::string> files;
  for (const auto& p : paths) detail::collect_files(p, files);
  RuleTestReport report;
  detail::Runner runner(options, report);
  for (const auto& f : files) {
    std::string text;
    if (const std::string why = detail::read_text(f, text); !why.empty())
      throw Error({{Severity::kError, {f, 0, 0}, "cannot-read", "cannot read the test file: " + why}});
    runner.run_file(f, text);
  }
  runner.finish();
  return report;
}

RuleTestReport run_rule_tests(std::string_view yaml, const std::string& file, const RuleTestOptions& options) {
  RuleTestReport report;
  detail::Runner runner(options, report);
  runner.run_file(file, yaml);
  runner.finish();
  return report;
}

std::vector<Diagnostic> sweep_parameters(const RulePack& rules) {
  const detail::CheckedPack& cp = rules.checked();
  const detail::Pack& p = *cp.pack;
  const Engine engine(rules);
  std::map<int, std::string> used;  // parameter -> what uses it
  for (const auto& [slot, param] : engine.plan().fast.program.params) used.emplace(param, "an expression");
  const auto& stages = cp.workflow.stages;
  for (size_t s = 0; s < stages.size(); ++s)
    if (stages[s].due_param >= 0)
      used.emplace(stages[s].due_param, "the deadline of stage '" + p.workflow.stages[s].id.value + "'");
  for (size_t k = 0; k < cp.indicators.size(); ++k)
    for (const auto* pv : {&cp.indicators[k].at_least, &cp.indicators[k].at_most, &cp.indicators[k].as_of})
      if (pv->param >= 0) used.emplace(pv->param, "indicator '" + p.indicators[k].name.value + "'");
  if (p.transfer.present)
    for (const auto* t : {&p.transfer.notify_within, &p.transfer.inspect_within})
      if (const int i = cp.param_index(t->value); i >= 0) used.emplace(i, "the transfer section");

  std::set<int32_t> days;
  for (const auto& periods : cp.params)
    for (const auto& period : periods)
      if (period.from)
        for (int32_t d = period.from->days() - 1; d <= period.from->days() + 1; ++d)
          if (d >= Date::kMinDays && d <= Date::kMaxDays) days.insert(d);
  std::vector<Diagnostic> out;
  std::map<int, std::vector<Date>> gaps;
  for (int32_t day : days) {
    const Date d = Date::from_days(day);
    // Evaluate the pack on the date (an empty batch: the constants bind,
    // which is where a missing value would stop a run).
    try {
      BatchBuilder b(rules);
      (void)engine.classify(b.finish(), d);
    } catch (const Error&) {
      // Reported below, parameter by parameter.
    }
    for (const auto& [param, what] : used)
      if (!cp.params[static_cast<size_t>(param)].empty() && !cp.param_on(param, d)) gaps[param].push_back(d);
  }
  for (const auto& [param, dates] : gaps) {
    const detail::ParamDef& def = p.params[static_cast<size_t>(param)];
    const std::string list = dates.size() == 1 ? dates.front().format()
                                               : std::to_string(dates.size()) + " of the swept dates, from " +
                                                     dates.front().format() + " to " + dates.back().format();
    // Point at the earliest value: where a value from an earlier date
    // would be written (in the pack that set it, base or extension).
    const auto& first = cp.params[static_cast<size_t>(param)].front();
    out.push_back({Severity::kWarning, first.where.line ? first.where : def.where, "parameter-gap",
                   "parameter '" + def.name.value + "', used by " + used.at(param) + ", has no value in force on " +
                       list + (first.from ? "; its first value is from " + first.from->format() : "") +
                       "; give it a value from an earlier date"});
  }
  std::string unset;
  for (size_t k = 0; k < cp.params.size(); ++k)
    if (cp.params[k].empty()) {
      unset += (unset.empty() ? "" : ", ") + p.params[k].name.value;
      if (auto it = used.find(static_cast<int>(k)); it != used.end()) unset += " (" + it->second + ")";
    }
  if (!unset.empty())
    out.push_back({Severity::kNote, {p.file, 0, 0}, "parameter-unset",
                   "parameters unset by design (no value on any date): " + unset});
  return out;
}

}  // namespace kcbx
