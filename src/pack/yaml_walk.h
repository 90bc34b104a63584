// Helpers for walking yaml-cpp nodes into the Pack with positions: strict
// maps (unknown and duplicate keys are errors), scalars as Text, and the
// bounds that keep hostile YAML (alias bombs, deep nesting) cheap.
// Private to src/pack.
#ifndef KCBX_PACK_YAML_WALK_H_
#define KCBX_PACK_YAML_WALK_H_

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pack/pack.h"
#include "pack/schema.h"

namespace kcbx::detail {

// The one place where yaml-cpp's 0-based marks become 1-based locations.
inline SourceLocation to_location(const std::string& file,
                                  const YAML::Mark& mark) {
  if (mark.line < 0) return {file, 0, 0};
  return {file, mark.line + 1, mark.column + 1};
}

class Walker {
 public:
  // Bounds for hostile input; see docs/rule-packs.md "Limits".
  static constexpr int kMaxDepth = schema::kMaxYamlDepth;
  static constexpr long kMaxNodes = schema::kMaxYamlNodes;

  // `source` is the text the nodes were loaded from; with it, scalars that
  // span lines get positions for every line (Text::anchors).
  Walker(std::string file, std::vector<Diagnostic>& diags,
         std::string_view source = {})
      : file_(std::move(file)), diags_(diags), source_(source) {}

  SourceLocation where(const YAML::Node& n) const {
    return to_location(file_, n.Mark());
  }
  void error(const YAML::Node& n, std::string code, std::string message) {
    error_at(where(n), std::move(code), std::move(message));
  }
  void error_at(SourceLocation at, std::string code, std::string message) {
    diags_.push_back({Severity::kError, std::move(at), std::move(code),
                      std::move(message)});
  }

  // The scalar at `n`; an error (and empty Text) for maps and sequences.
  Text text(const YAML::Node& n) {
    Text t;
    t.where = where(n);
    if (n.IsNull()) return t;
    if (!n.IsScalar()) {
      error(n, "wrong-type", "expected a single value here, not a " +
                                 std::string(n.IsMap() ? "map" : "list"));
      return t;
    }
    t.value = n.Scalar();
    t.quoted = n.Tag() == "!";
    t.anchors = anchors(n.Mark(), t.where, t.value);
    return t;
  }

  bool expect_map(const YAML::Node& n, const std::string& what) {
    if (n.IsMap()) return true;
    error(n, "wrong-type", "'" + what + "' must be a map of name: entry");
    return false;
  }
  bool expect_sequence(const YAML::Node& n, const std::string& what) {
    if (n.IsSequence()) return true;
    error(n, "wrong-type", "'" + what + "' must be a list (- item)");
    return false;
  }

  // The entries of a map in document order. yaml-cpp keeps duplicate keys
  // silently (jbeder/yaml-cpp#60), so they are reported here.
  std::vector<std::pair<Text, YAML::Node>> entries(const YAML::Node& map) {
    std::vector<std::pair<Text, YAML::Node>> out;
    for (auto it = map.begin(); it != map.end(); ++it) {
      Text key = text(it->first);
      bool duplicate = false;
      for (const auto& [k, v] : out) {
        if (k.value == key.value) {
          error_at(key.where, "duplicate-key",
                   "duplicate key '" + key.value + "' (first at line " +
                       std::to_string(k.where.line) + ")");
          duplicate = true;
        }
      }
      if (!duplicate) out.emplace_back(std::move(key), it->second);
    }
    return out;
  }

  // Counts nodes reachable from `root`, following aliases as often as they
  // occur, and the nesting depth. An alias bomb or a pathological nesting is
  // refused here, before any other walk.
  bool check_bounds(const YAML::Node& root) {
    long visited = 0;
    int deepest = 0;
    if (!visit(root, 1, visited, deepest)) {
      if (deepest > kMaxDepth)
        error(root, "too-deep",
              "the rule pack nests deeper than " + std::to_string(kMaxDepth) +
                  " levels");
      else
        error(root, "too-large",
              "the rule pack expands to more than " +
                  std::to_string(kMaxNodes) +
                  " YAML nodes (are anchors and aliases multiplying it?)");
      return false;
    }
    return true;
  }

 private:
  // Follows `value` through the source from the scalar's mark, skipping what
  // YAML drops (block headers, quotes, indentation, line breaks folded into
  // spaces, backslashes of escapes), and records an anchor wherever the
  // source jumps. Gives up (no anchors) when the value cannot be followed.
  std::vector<Text::Anchor> anchors(const YAML::Mark& mark,
                                    const SourceLocation& start,
                                    const std::string& value) const {
    if (source_.empty() || mark.pos < 0 ||
        static_cast<size_t>(mark.pos) >= source_.size() || start.line <= 0)
      return {};
    size_t p = static_cast<size_t>(mark.pos);
    int line = start.line, column = start.column;
    auto step = [&] {
      if (source_[p] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
      ++p;
    };
    const char first = source_[p];
    const bool block = first == '|' || first == '>';
    if (block) {
      while (p < source_.size() && source_[p] != '\n') step();
    } else if (first == '"' || first == '\'') {
      step();
    }
    if (!block && source_.compare(p, value.size(), value) == 0) return {};
    std::vector<Text::Anchor> out;
    size_t last = std::string_view::npos;
    for (size_t i = 0; i < value.size(); ++i) {
      while (p < source_.size() && source_[p] != value[i] &&
             (source_[p] == ' ' || source_[p] == '\t' || source_[p] == '\r' ||
              source_[p] == '\n' || (first == '"' && source_[p] == '\\')))
        step();
      if (p >= source_.size() || source_[p] != value[i]) return {};
      if (last == std::string_view::npos || p != last + 1)
        out.push_back({i, line, column});
      if (first == '\'' && value[i] == '\'' && p + 1 < source_.size() &&
          source_[p + 1] == '\'')
        step();  // '' is one quote
      last = p;
      step();
    }
    return out;
  }

  bool visit(const YAML::Node& n, int depth, long& visited, int& deepest) {
    if (++visited > kMaxNodes) return false;
    if (depth > deepest) deepest = depth;
    if (depth > kMaxDepth) return false;
    if (n.IsMap()) {
      for (auto it = n.begin(); it != n.end(); ++it)
        if (!visit(it->first, depth + 1, visited, deepest) ||
            !visit(it->second, depth + 1, visited, deepest))
          return false;
    } else if (n.IsSequence()) {
      for (const auto& c : n)
        if (!visit(c, depth + 1, visited, deepest)) return false;
    }
    return true;
  }

  std::string file_;
  std::vector<Diagnostic>& diags_;
  std::string_view source_;
};

// Reads one YAML map whose keys are fixed by the format.
class MapReader {
 public:
  MapReader(Walker& w, const YAML::Node& n, std::string what,
            std::initializer_list<const char*> allowed)
      : MapReader(w, n, std::move(what),
                  schema::Keys(allowed.begin(), allowed.size())) {}
  // `allowed` is one of the lists of pack/schema.h.
  MapReader(Walker& w, const YAML::Node& n, std::string what,
            schema::Keys allowed)
      : w_(w), node_(n), what_(std::move(what)) {
    if (!n.IsMap()) {
      w_.error(n, "wrong-type", what_ + " must be a map of key: value");
      ok_ = false;
      return;
    }
    std::vector<std::string> names(allowed.begin(), allowed.end());
    for (auto& [key, value] : w_.entries(n)) {
      bool known = false;
      for (const auto& a : names) known = known || a == key.value;
      if (!known) {
        std::string msg = "unknown key '" + key.value + "' in " + what_;
        std::string near = nearest_name(key.value, names);
        if (!near.empty()) msg += "; did you mean '" + near + "'?";
        w_.error_at(key.where, "unknown-key", msg);
        continue;
      }
      entries_.emplace_back(std::move(key), value);
    }
  }

  bool ok() const { return ok_; }
  bool has(const char* key) const { return find(key) != nullptr; }

  std::optional<YAML::Node> get(const char* key) const {
    const auto* e = find(key);
    if (!e) return std::nullopt;
    return e->second;
  }
  Text text(const char* key) const {
    const auto* e = find(key);
    if (!e) return Text{{}, w_.where(node_), false};
    return w_.text(e->second);
  }
  bool boolean(const char* key, bool fallback) const {
    const auto* e = find(key);
    if (!e) return fallback;
    Text t = w_.text(e->second);
    if (t.value == "true" || t.value == "yes") return true;
    if (t.value == "false" || t.value == "no") return false;
    w_.error_at(t.where, "wrong-type",
                "'" + std::string(key) + "' must be true or false, not '" +
                    t.value + "'");
    return fallback;
  }
  SourceLocation where() const { return w_.where(node_); }
  void missing(const char* key, const std::string& what) const {
    w_.error(node_, "missing-key",
             what_ + " needs '" + key + "' (" + what + ")");
  }

 private:
  const std::pair<Text, YAML::Node>* find(const char* key) const {
    for (const auto& e : entries_)
      if (e.first.value == key) return &e;
    return nullptr;
  }

  Walker& w_;
  YAML::Node node_;
  std::string what_;
  bool ok_ = true;
  std::vector<std::pair<Text, YAML::Node>> entries_;
};

}  // namespace kcbx::detail

#endif  // KCBX_PACK_YAML_WALK_H_
