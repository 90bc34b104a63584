// The responsibility graph (SPEC R1, R2): posts from an officials roster as
// Boost.Graph vertices, supervision along the pack's lines as edges.
//
// Queries never walk the Boost graph: per role there is a hash map from
// jurisdiction key to post, and per pair of adjacent levels a containment
// rule (a prefix of the key, or a table read off the students), so that
// responsible() and escalation() cost one hash lookup per role of the line
// and allocate nothing beyond the strings they return. The Boost graph is
// what validate() searches for cycles and what the writers export.
#include "kcbx/responsibility.h"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/depth_first_search.hpp>
#include <boost/graph/graphml.hpp>
#include <boost/graph/graphviz.hpp>
#include <boost/graph/property_maps/constant_property_map.hpp>
#include <boost/property_map/dynamic_property_map.hpp>
#include <boost/property_map/function_property_map.hpp>
#include <boost/property_map/property_map.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <functional>
#include <istream>
#include <map>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/column_names.h"
#include "engine/plan.h"
#include "io/csv.h"
#include "io/id_number.h"
#include "io/input_file.h"
#include "pack/checked_pack.h"

namespace kcbx {

namespace detail {

namespace {

// Heterogeneous lookup: find a std::string key with a std::string_view
// without building a string (C++20 transparent unordered lookup).
struct ViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};
template <class V>
using StrMap = std::unordered_map<std::string, V, ViewHash, std::equal_to<>>;

// The hot lookups (key -> post, school -> county): open addressing with
// linear probing over 8-byte slots, the keys themselves stored by the
// caller. A lookup is one probe into a compact array plus one comparison
// with the stored key, where std::unordered_map walks heap nodes.
class FlatIndex {
 public:
  // The id stored for `key`, or -1.
  template <class KeyOf>
  int32_t find(std::string_view key, const KeyOf& key_of) const {
    if (slots_.empty()) return -1;
    const uint64_t h = ViewHash{}(key);
    const auto tag = static_cast<uint32_t>(h >> 32);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.id < 0) return -1;
      if (s.tag == tag && key_of(s.id) == key) return s.id;
    }
  }

  // Stores `id` for `key` unless the key is there: then returns its id, else
  // -1.
  template <class KeyOf>
  int32_t insert(std::string_view key, int32_t id, const KeyOf& key_of) {
    if (const int32_t old = find(key, key_of); old >= 0) return old;
    if (2 * (size_ + 1) > slots_.size()) grow(key_of);
    place(ViewHash{}(key), id);
    ++size_;
    return -1;
  }

  size_t size() const { return size_; }

 private:
  struct Slot {
    uint32_t tag = 0;
    int32_t id = -1;
  };

  void place(uint64_t h, int32_t id) {
    size_t i = h & mask_;
    while (slots_[i].id >= 0) i = (i + 1) & mask_;
    slots_[i] = {static_cast<uint32_t>(h >> 32), id};
  }

  template <class KeyOf>
  void grow(const KeyOf& key_of) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<size_t>(16, old.size() * 2), Slot{});
    mask_ = slots_.size() - 1;
    for (const Slot& s : old)
      if (s.id >= 0) place(ViewHash{}(key_of(s.id)), s.id);
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

struct EdgeProps {
  int32_t line = -1;  // index into Pack::lines
};
using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS,
                                    boost::no_property, EdgeProps>;
using Vertex = boost::graph_traits<Graph>::vertex_descriptor;
using Edge = boost::graph_traits<Graph>::edge_descriptor;

// How a level's key is read off a record: the fields' values joined by '/',
// or the first `prefix` characters of the single field.
struct Level {
  std::vector<int> fields;
  size_t prefix = 0;
};

// How the key of an upper level follows from the key of a lower one.
struct Containment {
  enum Kind { kNone, kDerive, kData } kind = kNone;
  // kDerive: keep the first `components` '/'-separated parts of the lower
  // key, then (when > 0) its first `prefix` characters.
  size_t components = 0;
  size_t prefix = 0;
  // kData: lower key subs[k] -> the upper key most of its students have,
  // ups[k].
  std::vector<std::string> subs, ups;
  FlatIndex index;
  bool find(std::string_view sub, std::string_view& up) const {
    const int32_t k = index.find(sub, [this](int32_t id) -> std::string_view { return subs[static_cast<size_t>(id)]; });
    if (k < 0) return false;
    up = ups[static_cast<size_t>(k)];
    return true;
  }
};

}  // namespace

struct GraphData {
  std::shared_ptr<const CheckedPack> pack;
  std::vector<Level> levels;              // by level index
  std::vector<Post> posts;                // vertex i is posts[i]
  std::vector<int32_t> post_role;         // role index of posts[i]
  std::vector<std::pair<int32_t, int64_t>> duplicate_of;  // (kept post, row)
  std::vector<FlatIndex> by_role;         // role -> jurisdiction -> post
  std::vector<std::vector<int32_t>> role_posts;  // role -> its posts, in roster order
  StrMap<int32_t> role_names;             // role name or alias -> role
  std::vector<Containment> containments;
  std::vector<std::vector<int32_t>> steps;  // [line][p]: chain[p] -> chain[p+1]
  std::vector<int32_t> role_escalation_line;  // role -> line used by escalation
  std::vector<int32_t> role_position;         // position in that line's chain
  std::vector<int> used_fields;           // every level field, for batch checks
  Graph graph;

  // The post holding `role` for jurisdiction `key`, or -1.
  int32_t find_post(int32_t role, std::string_view key) const {
    return by_role[static_cast<size_t>(role)].find(
        key, [this](int32_t id) -> std::string_view { return posts[static_cast<size_t>(id)].jurisdiction; });
  }
};

namespace {

// A roster cell without the spaces around it (detail::trim_spaces: the
// ideographic and no-break spaces too, as every reader's cells) and a
// stray CR of a line break kept in a quoted cell.
std::string_view trim(std::string_view s) {
  for (;;) {
    std::string_view t = detail::trim_spaces(s);
    while (!t.empty() && t.front() == '\r') t.remove_prefix(1);
    while (!t.empty() && t.back() == '\r') t.remove_suffix(1);
    if (t.size() == s.size()) return t;
    s = t;
  }
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A value quoted in a message, unless it may be a phone number: the row's
// phone cell or a mainland mobile number (11 digits from 1), which a roster
// with shifted columns puts in the role or jurisdiction column. An ID
// number is masked, as in a students file's rejects.
std::string quoted(std::string_view cell, std::string_view phone = {}) {
  if ((!phone.empty() && cell == phone) || (cell.size() == 11 && cell[0] == '1' && all_digits(cell)))
    return "a phone-like value (not shown)";
  return quote_cell(cell);
}

// The string value of field f of record i; false when null or empty.
bool cell(const BatchData& d, int f, size_t i, std::string_view& out) {
  const ColumnData& c = d.columns[static_cast<size_t>(f)];
  if (!c.present(i)) return false;
  std::memcpy(&out, c.at(i), sizeof out);
  return !out.empty();
}

// The key of `level` for record i: a view into the batch's strings for a
// single field, or `buf` for joined fields. False when a field is null or
// shorter than the prefix.
bool record_key(const BatchData& d, size_t i, const Level& level, std::string& buf,
                std::string_view& key) {
  if (level.fields.empty()) return false;
  if (level.fields.size() == 1) {
    if (!cell(d, level.fields[0], i, key)) return false;
    if (level.prefix > 0) {
      if (key.size() < level.prefix) return false;
      key = key.substr(0, level.prefix);
    }
    return true;
  }
  buf.clear();
  for (size_t j = 0; j < level.fields.size(); ++j) {
    std::string_view v;
    if (!cell(d, level.fields[j], i, v)) return false;
    if (j > 0) buf += '/';
    buf += v;
  }
  key = buf;
  return true;
}

// Applies a kDerive containment; false when the key has too few parts.
bool derive_key(const Containment& c, std::string_view sub, std::string_view& up) {
  size_t end = 0;
  for (size_t k = 0; k < c.components; ++k) {
    if (k > 0) {
      if (end >= sub.size()) return false;
      ++end;  // the '/'
    }
    const size_t slash = sub.find('/', end);
    end = slash == std::string_view::npos ? sub.size() : slash;
  }
  up = sub.substr(0, end);
  if (c.prefix > 0) {
    if (up.size() < c.prefix) return false;
    up = up.substr(0, c.prefix);
  }
  return !up.empty();
}

// The upper key for `sub`; false when unknown.
bool up_key(const Containment& c, std::string_view sub, std::string_view& up) {
  switch (c.kind) {
    case Containment::kDerive:
      return derive_key(c, sub, up);
    case Containment::kData:
      return c.find(sub, up);
    case Containment::kNone:
      break;
  }
  return false;
}

// Where `sup`'s key can be computed from `sub`'s alone: sup reads a leading
// run of sub's fields (county 6 digits of a township's 9; a class's school).
Containment structural(const Level& lsub, const Level& lsup) {
  Containment c;
  if (lsup.fields.empty() || lsup.fields.size() > lsub.fields.size()) return c;
  for (size_t j = 0; j < lsup.fields.size(); ++j)
    if (lsup.fields[j] != lsub.fields[j] || lsup.fields[j] < 0) return c;
  if (lsup.prefix == 0) {
    if (lsub.prefix != 0) return c;  // a prefix never yields the whole value
  } else if (lsub.prefix != 0 && lsub.prefix < lsup.prefix) {
    return c;
  }
  c.kind = Containment::kDerive;
  c.components = lsup.fields.size();
  c.prefix = lsup.prefix;
  return c;
}

// Which `sup` key each `sub` key is in, read off the students: the key most
// of them have, the smallest key on a tie (deterministic whatever the order).
Containment from_students(const BatchData& d, const Level& sub, const Level& sup) {
  Containment c;
  c.kind = Containment::kData;
  StrMap<std::vector<std::pair<std::string, int64_t>>> counts;
  std::string bs, bu;
  std::string_view ks, ku;
  for (size_t i = 0; i < d.rows; ++i) {
    if (!record_key(d, i, sub, bs, ks) || !record_key(d, i, sup, bu, ku)) continue;
    auto it = counts.find(ks);
    if (it == counts.end()) it = counts.emplace(std::string(ks), std::vector<std::pair<std::string, int64_t>>{}).first;
    auto& cands = it->second;
    auto hit = std::find_if(cands.begin(), cands.end(), [&](const auto& p) { return p.first == ku; });
    if (hit == cands.end()) cands.emplace_back(std::string(ku), 1);
    else ++hit->second;
  }
  c.subs.reserve(counts.size());
  c.ups.reserve(counts.size());
  for (auto& [key, cands] : counts) {
    const auto best = std::min_element(cands.begin(), cands.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    c.subs.push_back(key);
    c.ups.push_back(std::move(best->first));
  }
  for (size_t k = 0; k < c.subs.size(); ++k)
    c.index.insert(c.subs[k], static_cast<int32_t>(k),
                   [&c](int32_t id) -> std::string_view { return c.subs[static_cast<size_t>(id)]; });
  return c;
}

const std::string& level_alias(const Pack& p, int level) {
  const LevelDef& l = p.levels[static_cast<size_t>(level)];
  return l.alias.empty() ? l.name.value : l.alias.value;
}

// "校长 (principal)".
std::string role_title(const RoleDef& r) {
  return r.alias.empty() ? r.name.value : r.alias.value + " (" + r.name.value + ")";
}

// Graph writers: values that survive DOT and XML whatever a roster holds.
// Control characters become spaces; for DOT a backslash is doubled (Boost's
// escape_dot_string escapes only '"', so "a\" would swallow the closing
// quote). An ID number (typed into a roster's jurisdiction column) is
// masked, as in every other output.
std::string printable(std::string_view text, bool dot) {
  const std::string s = mask_embedded_id_numbers(text);
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto u = static_cast<unsigned char>(ch);
    if (u < 0x20 || u == 0x7f) out += ' ';
    else if (dot && ch == '\\') out += "\\\\";
    else out += ch;
  }
  return out;
}

void check_batch(const GraphData& g, const Batch& batch) {
  const BatchData& d = batch.data();
  if (d.pack.get() == g.pack.get()) return;
  if (!d.pack) throw std::invalid_argument("the batch was built for no rule pack");
  const auto& mine = g.pack->pack->fields;
  const auto& theirs = d.pack->pack->fields;
  for (int f : g.used_fields) {
    const auto fi = static_cast<size_t>(f);
    if (fi >= theirs.size() || theirs[fi].name.value != mine[fi].name.value ||
        theirs[fi].type != TypeKind::kString || d.columns.size() <= fi)
      throw std::invalid_argument("the batch was built for another rule pack (field '" +
                                  mine[fi].name.value + "' differs)");
  }
}

int32_t find_role(const GraphData& g, std::string_view role) {
  auto it = g.role_names.find(role);
  if (it == g.role_names.end()) throw std::invalid_argument("unknown role '" + std::string(role) + "'");
  return it->second;
}

// Fills the fixed part of a Responsible and looks up the holder of `key`.
void fill(const GraphData& g, int32_t role, int32_t line, std::string_view key, bool key_known,
          Responsible& r) {
  const RoleDef& def = g.pack->pack->roles[static_cast<size_t>(role)];
  r.role = def.name.value;
  r.role_alias = def.alias.value;
  r.line = line >= 0 ? g.pack->pack->lines[static_cast<size_t>(line)].name.value : def.line.value;
  if (!key_known) {
    r.jurisdiction.clear();  // record_key may have left a partial key there
    return;
  }
  if (r.jurisdiction.data() != key.data()) r.jurisdiction.assign(key);
  if (def.from_record) {
    r.person = r.jurisdiction;
    return;
  }
  const int32_t found = g.find_post(role, r.jurisdiction);
  if (found < 0) return;
  const Post& p = g.posts[static_cast<size_t>(found)];
  r.person = p.person;
  r.phone = p.phone;
}

// Resolves `role` for record i into r (jurisdiction built in place).
void resolve(const GraphData& g, const BatchData& d, size_t i, int32_t role, int32_t line,
             Responsible& r) {
  const int level = g.pack->role_level[static_cast<size_t>(role)];
  std::string_view key;
  bool known = false;
  if (level >= 0) known = record_key(d, i, g.levels[static_cast<size_t>(level)], r.jurisdiction, key);
  fill(g, role, line, key, known, r);
}

}  // namespace
}  // namespace detail

// ---- Roster -----------------------------------------------------------------

namespace {

enum RosterColumn { kRole, kPerson, kJurisdiction, kPhone, kColumns };

Diagnostic file_error(const std::string& file, int64_t line, std::string code, std::string message) {
  Diagnostic d;
  d.where.file = file;
  d.where.line = static_cast<int>(line);
  d.where.column = line > 0 ? 1 : 0;  // a line's problem: its start
  d.code = std::move(code);
  d.message = std::move(message);
  return d;
}

int roster_column(std::string_view header) {
  const std::string h = detail::lower_ascii(detail::trim_spaces(header));
  if (h == "role" || h == "角色") return kRole;
  if (h == "person" || h == "姓名") return kPerson;
  if (h == "jurisdiction" || h == "辖区") return kJurisdiction;
  if (h == "phone" || h == "电话") return kPhone;
  return -1;
}

std::string quoted(std::string_view cell, std::string_view phone) { return detail::quoted(cell, phone); }

// Why `key` cannot be the jurisdiction of `role`, or "".
std::string shape_problem(const detail::Pack& p, const detail::CheckedPack& cp, int role,
                          std::string_view key, std::string_view phone) {
  const int level = cp.role_level[static_cast<size_t>(role)];
  if (level < 0) return "";
  const detail::LevelDef& l = p.levels[static_cast<size_t>(level)];
  const std::string who = "a " + detail::role_title(p.roles[static_cast<size_t>(role)]) + " jurisdiction";
  if (l.prefix > 0) {
    if (key.size() != static_cast<size_t>(l.prefix) || !detail::all_digits(key))
      return who + " must be a " + std::to_string(l.prefix) + "-digit " + detail::level_alias(p, level) +
             " code, got " + quoted(key, phone);
    return "";
  }
  if (l.fields.size() > 1) {
    size_t parts = 1;
    bool empty_part = false;
    size_t start = 0;
    for (size_t k = 0; k <= key.size(); ++k) {
      if (k == key.size() || key[k] == '/') {
        if (k == start) empty_part = true;
        if (k < key.size()) ++parts;
        start = k + 1;
      }
    }
    if (parts != l.fields.size() || empty_part) {
      std::string shape;
      for (const auto& f : l.fields) shape += (shape.empty() ? "" : "/") + f.value;
      return who + " must be " + shape + ", got " + quoted(key, phone);
    }
  }
  return "";
}

}  // namespace

Roster read_roster(const RulePack& rules, const std::string& path, const std::string& encoding) {
  std::ifstream in;
  detail::open_input(in, path, "officials roster");
  return read_roster(rules, in, path, encoding);
}

Roster read_roster(const RulePack& rules, std::istream& in, const std::string& file,
                   const std::string& encoding) {
  const detail::CheckedPack& cp = rules.checked();
  const detail::Pack& p = *cp.pack;
  std::unique_ptr<detail::CsvReader> reader;
  try {
    detail::CsvOptions o;
    o.encoding = encoding;
    reader = std::make_unique<detail::CsvReader>(in, o);
  } catch (const std::invalid_argument& e) {
    throw Error({file_error(file, 0, "unknown-encoding", e.what())});
  }
  detail::CsvRecord rec;
  if (!reader->next(rec))
    throw Error({file_error(file, 1, "empty-input",
                             "the roster is empty; expected a header role,person,jurisdiction[,phone]")});
  if (!rec.error.empty())
    throw Error({file_error(file, rec.line, "bad-header",
                            rec.error + (rec.error.starts_with("invalid UTF-8")
                                             ? "; if the file is GB18030 or GBK (Excel on Chinese Windows), read it "
                                               "with --officials-encoding gb18030"
                                             : ""))});
  int col[kColumns] = {-1, -1, -1, -1};
  std::vector<Diagnostic> problems;
  static const char* const kNames[kColumns] = {"role (角色)", "person (姓名)", "jurisdiction (辖区)", "phone (电话)"};
  for (size_t c = 0; c < rec.fields.size(); ++c) {
    const int k = roster_column(rec.fields[c]);
    if (k < 0) continue;
    if (col[k] >= 0)
      problems.push_back(file_error(file, rec.line, "duplicate-column", std::string("two columns for ") + kNames[k]));
    col[k] = static_cast<int>(c);
  }
  for (int k : {kRole, kPerson, kJurisdiction})
    if (col[k] < 0)
      problems.push_back(
          file_error(file, rec.line, "missing-column", std::string("the roster has no ") + kNames[k] + " column"));
  if (!problems.empty()) throw Error(std::move(problems));
  const size_t width = rec.fields.size();

  // Role cells: the name, its Chinese alias, or the name in any ASCII case.
  detail::StrMap<int> role_of;
  std::vector<std::string> candidates;
  for (size_t r = 0; r < p.roles.size(); ++r) {
    const auto& def = p.roles[r];
    role_of.emplace(def.name.value, static_cast<int>(r));
    role_of.emplace(detail::lower_ascii(def.name.value), static_cast<int>(r));
    if (!def.alias.empty()) role_of.emplace(def.alias.value, static_cast<int>(r));
    if (!def.from_record) {
      candidates.push_back(def.name.value);
      if (!def.alias.empty()) candidates.push_back(def.alias.value);
    }
  }
  std::vector<detail::StrMap<int64_t>> seen(p.roles.size());  // key -> row

  Roster out;
  while (reader->next(rec)) {
    ++out.read;
    Reject rj;
    rj.row = rec.line;
    auto reject = [&](std::string column, std::string reason) {
      rj.column = std::move(column);
      rj.reason = std::move(reason);
      out.rejects.push_back(std::move(rj));
    };
    if (!rec.error.empty()) {
      reject("", rec.error);
      continue;
    }
    if (rec.fields.size() != width) {
      reject("", "the record has " + std::to_string(rec.fields.size()) + " cells; the header has " +
                     std::to_string(width));
      continue;
    }
    const std::string_view role_cell = detail::trim(rec.fields[static_cast<size_t>(col[kRole])]);
    const std::string_view person = detail::trim(rec.fields[static_cast<size_t>(col[kPerson])]);
    const std::string_view key = detail::trim(rec.fields[static_cast<size_t>(col[kJurisdiction])]);
    const std::string_view phone =
        col[kPhone] >= 0 ? detail::trim(rec.fields[static_cast<size_t>(col[kPhone])]) : std::string_view{};
    if (role_cell.empty()) {
      reject("role", "the role is empty");
      continue;
    }
    auto it = role_of.find(role_cell);
    if (it == role_of.end()) it = role_of.find(detail::lower_ascii(role_cell));
    if (it == role_of.end()) {
      std::string why = "unknown role " + quoted(role_cell, phone);
      const std::string near = detail::nearest_name(role_cell, candidates);
      if (!near.empty()) why += "; did you mean '" + near + "'?";
      reject("role", std::move(why));
      continue;
    }
    const int role = it->second;
    const auto& def = p.roles[static_cast<size_t>(role)];
    if (def.from_record) {
      reject("role", "role '" + def.name.value + "' is read from each student record, not from the roster");
      continue;
    }
    if (person.empty()) {
      reject("person", "the person is empty");
      continue;
    }
    if (key.empty()) {
      reject("jurisdiction", "the jurisdiction is empty");
      continue;
    }
    if (std::string why = shape_problem(p, cp, role, key, phone); !why.empty()) {
      reject("jurisdiction", std::move(why));
      continue;
    }
    auto [first, fresh] = seen[static_cast<size_t>(role)].emplace(std::string(key), rec.line);
    if (!fresh) {
      reject("jurisdiction", "duplicate post: " + detail::role_title(def) + " for " + quoted(key, phone) +
                                 " is already held (row " + std::to_string(first->second) + ")");
      continue;
    }
    Post post;
    post.role = def.name.value;
    post.person = std::string(person);
    post.jurisdiction = std::string(key);
    post.phone = std::string(phone);
    post.row = rec.line;
    out.posts.push_back(std::move(post));
  }
  return out;
}

// ---- ResponsibilityGraph ----------------------------------------------------

ResponsibilityGraph::ResponsibilityGraph(const RulePack& rules, const Roster& roster,
                                         const Batch& students)
    : data_(std::make_unique<detail::GraphData>()) {
  detail::GraphData& g = *data_;
  g.pack = rules.shared();
  const detail::CheckedPack& cp = *g.pack;
  const detail::Pack& p = *cp.pack;

  for (size_t l = 0; l < p.levels.size(); ++l) {
    detail::Level level;
    level.fields = cp.level_fields[l];
    level.prefix = static_cast<size_t>(std::max(0, p.levels[l].prefix));
    for (int f : level.fields)
      if (f >= 0 && std::find(g.used_fields.begin(), g.used_fields.end(), f) == g.used_fields.end())
        g.used_fields.push_back(f);
    g.levels.push_back(std::move(level));
  }
  for (size_t r = 0; r < p.roles.size(); ++r) {
    g.role_names.emplace(p.roles[r].name.value, static_cast<int32_t>(r));
    if (!p.roles[r].alias.empty()) g.role_names.emplace(p.roles[r].alias.value, static_cast<int32_t>(r));
  }
  if (students.size() > 0) detail::check_batch(g, students);

  // Posts; a repeated role+jurisdiction (only a hand-built roster has one:
  // read_roster rejects them) keeps its first holder.
  g.by_role.resize(p.roles.size());
  g.role_posts.resize(p.roles.size());
  g.posts.reserve(roster.posts.size());
  for (const Post& post : roster.posts) {
    auto it = g.role_names.find(post.role);
    if (it == g.role_names.end())
      throw std::invalid_argument("roster row " + std::to_string(post.row) + ": unknown role '" + post.role + "'");
    const int32_t role = it->second;
    if (p.roles[static_cast<size_t>(role)].from_record)
      throw std::invalid_argument("roster row " + std::to_string(post.row) + ": role '" + post.role +
                                  "' is read from the records, not from a roster");
    const auto index = static_cast<int32_t>(g.posts.size());
    g.posts.push_back(post);
    const int32_t held = g.by_role[static_cast<size_t>(role)].insert(
        post.jurisdiction, index,
        [&g](int32_t id) -> std::string_view { return g.posts[static_cast<size_t>(id)].jurisdiction; });
    if (held >= 0) {
      g.posts.pop_back();
      g.duplicate_of.emplace_back(held, post.row);
      continue;
    }
    g.role_posts[static_cast<size_t>(role)].push_back(index);
    g.posts.back().role = p.roles[static_cast<size_t>(role)].name.value;
    g.post_role.push_back(role);
  }

  // Containment between adjacent levels of every line, once per pair.
  std::map<std::pair<int, int>, int32_t> cache;
  g.steps.resize(cp.line_roles.size());
  for (size_t l = 0; l < cp.line_roles.size(); ++l) {
    const auto& chain = cp.line_roles[l];
    for (size_t k = 0; k + 1 < chain.size(); ++k) {
      int32_t index = -1;
      if (chain[k] >= 0 && chain[k + 1] >= 0) {
        const int a = cp.role_level[static_cast<size_t>(chain[k])];
        const int b = cp.role_level[static_cast<size_t>(chain[k + 1])];
        if (a >= 0 && b >= 0) {
          auto [it, fresh] = cache.emplace(std::make_pair(a, b), static_cast<int32_t>(g.containments.size()));
          if (fresh) {
            const auto ua = static_cast<size_t>(a), ub = static_cast<size_t>(b);
            detail::Containment c = detail::structural(g.levels[ua], g.levels[ub]);
            if (c.kind == detail::Containment::kNone)
              c = detail::from_students(students.data(), g.levels[ua], g.levels[ub]);
            g.containments.push_back(std::move(c));
          }
          index = it->second;
        }
      }
      g.steps[l].push_back(index);
    }
  }

  // The line a role's lapses escalate along: its own, else the first that
  // names it.
  g.role_escalation_line.assign(p.roles.size(), -1);
  g.role_position.assign(p.roles.size(), -1);
  for (size_t r = 0; r < p.roles.size(); ++r) {
    auto place = [&](int line) {
      if (line < 0) return false;
      const auto& chain = cp.line_roles[static_cast<size_t>(line)];
      auto at = std::find(chain.begin(), chain.end(), static_cast<int>(r));
      if (at == chain.end()) return false;
      g.role_escalation_line[r] = line;
      g.role_position[r] = static_cast<int32_t>(at - chain.begin());
      return true;
    };
    if (place(cp.role_line[r])) continue;
    for (size_t l = 0; l < cp.line_roles.size(); ++l)
      if (place(static_cast<int>(l))) break;
  }

  // Supervision edges: each post to the post of the next role up each line
  // it is on, when that post exists.
  g.graph = detail::Graph(g.posts.size());
  for (size_t l = 0; l < cp.line_roles.size(); ++l) {
    const auto& chain = cp.line_roles[l];
    for (size_t k = 0; k + 1 < chain.size(); ++k) {
      const int32_t step = g.steps[l][k];
      if (step < 0) continue;
      const auto& c = g.containments[static_cast<size_t>(step)];
      for (const int32_t post : g.role_posts[static_cast<size_t>(chain[k])]) {
        std::string_view up;
        if (!detail::up_key(c, g.posts[static_cast<size_t>(post)].jurisdiction, up)) continue;
        const int32_t boss = g.find_post(chain[k + 1], up);
        if (boss < 0) continue;
        boost::add_edge(static_cast<detail::Vertex>(post), static_cast<detail::Vertex>(boss),
                        detail::EdgeProps{static_cast<int32_t>(l)}, g.graph);
      }
    }
  }
}

ResponsibilityGraph::~ResponsibilityGraph() = default;

size_t ResponsibilityGraph::post_count() const { return data_->posts.size(); }
size_t ResponsibilityGraph::edge_count() const { return boost::num_edges(data_->graph); }

Responsible ResponsibilityGraph::responsible(const Batch& batch, size_t i, std::string_view role) const {
  const detail::GraphData& g = *data_;
  const int32_t r = detail::find_role(g, role);
  if (i >= batch.size()) throw std::out_of_range("record " + std::to_string(i) + " is not in the batch");
  detail::check_batch(g, batch);
  Responsible out;
  detail::resolve(g, batch.data(), i, r, -1, out);
  return out;
}

Responsible ResponsibilityGraph::holder(std::string_view role, std::string_view jurisdiction) const {
  const detail::GraphData& g = *data_;
  Responsible out;
  detail::fill(g, detail::find_role(g, role), -1, jurisdiction, !jurisdiction.empty(), out);
  return out;
}

std::vector<Responsible> ResponsibilityGraph::escalation(const Batch& batch, size_t i,
                                                         std::string_view role) const {
  const detail::GraphData& g = *data_;
  const int32_t r = detail::find_role(g, role);
  if (i >= batch.size()) throw std::out_of_range("record " + std::to_string(i) + " is not in the batch");
  detail::check_batch(g, batch);
  const detail::BatchData& d = batch.data();
  const int32_t line = g.role_escalation_line[static_cast<size_t>(r)];
  std::vector<Responsible> out;
  if (line < 0) {
    out.emplace_back();
    detail::resolve(g, d, i, r, -1, out.back());
    return out;
  }
  const auto& chain = g.pack->line_roles[static_cast<size_t>(line)];
  const auto start = static_cast<size_t>(g.role_position[static_cast<size_t>(r)]);
  out.reserve(chain.size() - start);
  for (size_t k = start; k < chain.size(); ++k) {
    const int32_t role_k = chain[k];
    if (role_k < 0) break;
    out.emplace_back();
    Responsible& cur = out.back();
    // Above the first role the jurisdiction follows supervision (the county
    // of the teacher's school, not of the child's home); where that is
    // unknown, the record's own key for the level.
    if (k > start) {
      const Responsible& prev = out[out.size() - 2];
      const int32_t step = g.steps[static_cast<size_t>(line)][k - 1];
      std::string_view up;
      if (step >= 0 && !prev.jurisdiction.empty() &&
          detail::up_key(g.containments[static_cast<size_t>(step)], prev.jurisdiction, up)) {
        detail::fill(g, role_k, line, up, true, cur);
        continue;
      }
    }
    detail::resolve(g, d, i, role_k, line, cur);
  }
  return out;
}

std::vector<GraphIssue> ResponsibilityGraph::validate(const Batch& students) const {
  const detail::GraphData& g = *data_;
  const detail::CheckedPack& cp = *g.pack;
  const detail::Pack& p = *cp.pack;
  std::vector<GraphIssue> issues;
  const bool have_students = students.size() > 0;
  if (have_students) detail::check_batch(g, students);

  // Keys of every level that some roster role covers, with student counts.
  std::vector<char> level_used(p.levels.size(), 0);
  for (size_t r = 0; r < p.roles.size(); ++r)
    if (!p.roles[r].from_record && cp.role_level[r] >= 0) level_used[static_cast<size_t>(cp.role_level[r])] = 1;
  std::vector<detail::StrMap<int64_t>> present(p.levels.size());
  if (have_students) {
    const detail::BatchData& d = students.data();
    std::string buf;
    std::string_view key;
    for (size_t l = 0; l < p.levels.size(); ++l) {
      if (!level_used[l]) continue;
      auto& m = present[l];
      for (size_t i = 0; i < d.rows; ++i) {
        if (!detail::record_key(d, i, g.levels[l], buf, key)) continue;
        auto it = m.find(key);
        if (it == m.end()) m.emplace(std::string(key), 1);
        else ++it->second;
      }
    }
    // Uncovered: a jurisdiction the students have, without a post.
    for (size_t r = 0; r < p.roles.size(); ++r) {
      const int level = cp.role_level[r];
      if (p.roles[r].from_record || level < 0) continue;
      std::vector<std::pair<std::string_view, int64_t>> missing;
      for (const auto& [k, n] : present[static_cast<size_t>(level)])
        if (g.find_post(static_cast<int32_t>(r), k) < 0) missing.emplace_back(k, n);
      std::sort(missing.begin(), missing.end());
      for (const auto& [k, n] : missing)
        issues.push_back({"uncovered-jurisdiction", p.roles[r].name.value, detail::masked_key(k),
                          detail::level_alias(p, level) + " " + detail::quoted(k) + " has no " +
                              detail::role_title(p.roles[r]) + " (" + std::to_string(n) +
                              (n == 1 ? " student)" : " students)"),
                          0});
    }
  }

  // Unknown: a post whose jurisdiction no student has or, for a division
  // code, whose county is in no GB/T 2260 revision.
  for (size_t v = 0; v < g.posts.size(); ++v) {
    const Post& post = g.posts[v];
    const auto role = static_cast<size_t>(g.post_role[v]);
    const int level = cp.role_level[role];
    if (level < 0) continue;
    std::vector<std::string> why;
    if (have_students && !present[static_cast<size_t>(level)].contains(post.jurisdiction))
      why.push_back("no student record has it");
    if (g.levels[static_cast<size_t>(level)].prefix > 0) {
      const std::string_view code = post.jurisdiction;
      // A province (2 digits) or prefecture (4) is known by its own GB/T
      // 2260 code, 530000 or 530100; longer codes by their county's.
      const bool short_code = (code.size() == 2 || code.size() == 4) && detail::all_digits(code);
      const std::string six = short_code ? std::string(code) + std::string(6 - code.size(), '0')
                                         : std::string(code.substr(0, 6));
      if ((!short_code && (code.size() < 6 || !detail::all_digits(six))) ||
          (!detail::is_known_address_code(six) && !cp.pack->adds_division_code(std::stoi(six))))
        why.push_back(detail::quoted(code.substr(0, 6)) + " is no GB/T 2260 " +
                      (code.size() == 2 ? "province" : code.size() == 4 ? "prefecture" : "county") + " code");
    }
    if (why.empty()) continue;
    std::string msg = detail::role_title(p.roles[role]) + " post for " + detail::level_alias(p, level) + " " +
                      detail::quoted(post.jurisdiction) + ": ";
    for (size_t k = 0; k < why.size(); ++k) msg += (k ? "; " : "") + why[k];
    issues.push_back({"unknown-jurisdiction", post.role, post.jurisdiction, std::move(msg), post.row});
  }

  for (const auto& [kept, row] : g.duplicate_of) {
    const Post& post = g.posts[static_cast<size_t>(kept)];
    issues.push_back({"duplicate-post", post.role, post.jurisdiction,
                      "duplicate post: " + detail::role_title(p.roles[static_cast<size_t>(g.post_role[static_cast<size_t>(kept)])]) +
                          " for " + detail::quoted(post.jurisdiction) + " is already held (row " + std::to_string(post.row) + ")",
                      row});
  }

  // No supervisor: a post below the top of a line whose superior post is
  // missing (or whose superior jurisdiction cannot be told).
  const size_t n = g.posts.size();
  for (size_t l = 0; l < cp.line_roles.size(); ++l) {
    const auto& chain = cp.line_roles[l];
    std::vector<char> has_up(n, 0);
    for (auto [e, end] = boost::edges(g.graph); e != end; ++e)
      if (g.graph[*e].line == static_cast<int32_t>(l)) has_up[boost::source(*e, g.graph)] = 1;
    for (size_t k = 0; k + 1 < chain.size(); ++k) {
      if (chain[k] < 0 || chain[k + 1] < 0) continue;
      const detail::RoleDef& upper = p.roles[static_cast<size_t>(chain[k + 1])];
      if (upper.from_record) continue;
      const int up_level = cp.role_level[static_cast<size_t>(chain[k + 1])];
      const int32_t step = g.steps[l][k];
      std::vector<int32_t> lonely;
      for (const int32_t post : g.role_posts[static_cast<size_t>(chain[k])])
        if (!has_up[static_cast<size_t>(post)]) lonely.push_back(post);
      std::sort(lonely.begin(), lonely.end());
      const detail::RoleDef& lower = p.roles[static_cast<size_t>(chain[k])];
      const std::string up_alias = up_level >= 0 ? detail::level_alias(p, up_level) : std::string("jurisdiction");
      // Built without students, a containment read off the students (which
      // county a school is in) is unknown for every post: one issue, not
      // one per school. A line without an alias is named by its name alone.
      const std::string line_name = p.lines[l].alias.value.empty()
                                        ? p.lines[l].name.value
                                        : p.lines[l].alias.value + " (" + p.lines[l].name.value + ")";
      if (!lonely.empty() && step >= 0 && g.containments[static_cast<size_t>(step)].kind == detail::Containment::kData &&
          g.containments[static_cast<size_t>(step)].subs.empty()) {
        issues.push_back({"no-supervisor", lower.name.value, "",
                          std::to_string(lonely.size()) + " " + detail::role_title(lower) +
                              " posts have no supervisor on " + line_name + ": the " + up_alias +
                              " each belongs to is read off the students, and there are none",
                          0});
        continue;
      }
      for (int32_t v : lonely) {
        const Post& post = g.posts[static_cast<size_t>(v)];
        std::string_view up;
        std::string msg = detail::role_title(lower) + " for " + detail::quoted(post.jurisdiction) +
                          " has no supervisor on " + line_name + ": ";
        if (step >= 0 && detail::up_key(g.containments[static_cast<size_t>(step)], post.jurisdiction, up))
          msg += "no " + detail::role_title(upper) + " for " + up_alias + " " + detail::quoted(up);
        else
          msg += "no student record tells which " + up_alias + " it belongs to";
        issues.push_back({"no-supervisor", post.role, detail::masked_key(post.jurisdiction), std::move(msg), post.row});
      }
    }
  }

  // Cycles: impossible when the pack's lines are acyclic (the pack checker
  // rejects others), checked anyway on the posts themselves.
  struct BackEdges : boost::default_dfs_visitor {
    explicit BackEdges(std::vector<detail::Edge>& out) : out_(&out) {}
    void back_edge(detail::Edge e, const detail::Graph&) { out_->push_back(e); }
    std::vector<detail::Edge>* out_;
  };
  std::vector<detail::Edge> back;
  if (boost::num_vertices(g.graph) > 0) {
    std::vector<boost::default_color_type> colors(boost::num_vertices(g.graph));
    boost::depth_first_search(
        g.graph, BackEdges(back),
        boost::make_iterator_property_map(colors.begin(), boost::get(boost::vertex_index, g.graph)));
  }
  for (const detail::Edge& e : back) {
    const Post& from = g.posts[boost::source(e, g.graph)];
    const Post& to = g.posts[boost::target(e, g.graph)];
    issues.push_back({"supervision-cycle", from.role, from.jurisdiction,
                      "supervision of " + from.role + " " + detail::quoted(from.jurisdiction) + " by " + to.role + " " +
                          detail::quoted(to.jurisdiction) + " closes a cycle",
                      from.row});
  }
  return issues;
}

namespace {

std::string post_label(const detail::GraphData& g, size_t v, bool dot) {
  const Post& post = g.posts[v];
  const detail::RoleDef& def = g.pack->pack->roles[static_cast<size_t>(g.post_role[v])];
  const std::string& title = def.alias.empty() ? def.name.value : def.alias.value;
  return detail::printable(title + " " + post.person + " (" + post.jurisdiction + ")", dot);
}

std::string line_label(const detail::GraphData& g, detail::Edge e, bool alias, bool dot) {
  const auto& l = g.pack->pack->lines[static_cast<size_t>(g.graph[e].line)];
  return detail::printable(alias && !l.alias.empty() ? l.alias.value : l.name.value, dot);
}

}  // namespace

void ResponsibilityGraph::write_dot(std::ostream& out) const {
  const detail::GraphData& g = *data_;
  using detail::Edge;
  using detail::Vertex;
  boost::dynamic_properties dp;
  dp.property("node_id", boost::make_function_property_map<Vertex, std::string>(
                             [](Vertex v) { return "p" + std::to_string(v); }));
  dp.property("label", boost::make_function_property_map<Vertex, std::string>(
                           [&g](Vertex v) { return post_label(g, v, true); }));
  dp.property("role", boost::make_function_property_map<Vertex, std::string>(
                          [&g](Vertex v) { return g.posts[v].role; }));
  dp.property("jurisdiction", boost::make_function_property_map<Vertex, std::string>(
                                  [&g](Vertex v) { return detail::printable(g.posts[v].jurisdiction, true); }));
  dp.property("label", boost::make_function_property_map<Edge, std::string>(
                           [&g](Edge e) { return line_label(g, e, true, true); }));
  dp.property("line", boost::make_function_property_map<Edge, std::string>(
                          [&g](Edge e) { return line_label(g, e, false, true); }));
  dp.property("rankdir", boost::make_constant_property<detail::Graph*>(std::string("BT")));
  boost::write_graphviz_dp(out, g.graph, dp, "node_id");
}

void ResponsibilityGraph::write_graphml(std::ostream& out) const {
  const detail::GraphData& g = *data_;
  using detail::Edge;
  using detail::Vertex;
  boost::dynamic_properties dp;
  dp.property("label", boost::make_function_property_map<Vertex, std::string>(
                           [&g](Vertex v) { return post_label(g, v, false); }));
  dp.property("role", boost::make_function_property_map<Vertex, std::string>(
                          [&g](Vertex v) { return g.posts[v].role; }));
  dp.property("role_alias", boost::make_function_property_map<Vertex, std::string>([&g](Vertex v) {
                return g.pack->pack->roles[static_cast<size_t>(g.post_role[v])].alias.value;
              }));
  dp.property("person", boost::make_function_property_map<Vertex, std::string>(
                            [&g](Vertex v) { return detail::printable(g.posts[v].person, false); }));
  dp.property("jurisdiction", boost::make_function_property_map<Vertex, std::string>(
                                  [&g](Vertex v) { return detail::printable(g.posts[v].jurisdiction, false); }));
  dp.property("label", boost::make_function_property_map<Edge, std::string>(
                           [&g](Edge e) { return line_label(g, e, true, false); }));
  dp.property("line", boost::make_function_property_map<Edge, std::string>(
                          [&g](Edge e) { return line_label(g, e, false, false); }));
  boost::write_graphml(out, g.graph, dp, true);
}

}  // namespace kcbx
