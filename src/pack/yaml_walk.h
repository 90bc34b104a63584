// Helpers for walking yaml-cpp nodes into the Pack with positions: strict
// maps (unknown and duplicate keys are errors), scalars as Text, and the
// bounds that keep hostile YAML (alias bombs, deep nesting) cheap.
// Private to src/pack.
#ifndef KCBX_PACK_YAML_WALK_H_
#define KCBX_PACK_YAML_WALK_H_

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "io/id_number.h"
#include "pack/pack.h"
#include "pack/schema.h"
#include "util/utf8.h"

namespace kcbx::detail {

// The byte offsets in `source` of the start of the mark's line and of the
// mark, or false when the mark does not agree with the text. (yaml-cpp's
// `pos` leaves out a UTF-8 byte order mark.)
inline bool mark_span(const YAML::Mark& mark, std::string_view source, size_t& start,
                      size_t& at) {
  if (source.empty() || mark.pos < 0 || mark.column <= 0) return false;
  const size_t bom = source.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  at = static_cast<size_t>(mark.pos) + bom;
  const size_t column = static_cast<size_t>(mark.column);
  if (at > source.size() || column > at - bom) return false;
  start = at - column;
  // Its line starts `column` bytes back.
  return start == bom || source[start - 1] == '\n';
}

// The one place where yaml-cpp's 0-based marks become 1-based locations.
// yaml-cpp counts columns in bytes; with the `source` the marks were made
// from, the column becomes the character (code point) column an editor
// shows. (Walker::where does the same with an index, for many marks.)
inline SourceLocation to_location(const std::string& file,
                                  const YAML::Mark& mark,
                                  std::string_view source = {}) {
  if (mark.line < 0) return {file, 0, 0};
  SourceLocation loc{file, mark.line + 1, mark.column + 1};
  size_t start = 0, at = 0;
  if (mark_span(mark, source, start, at))
    loc.column = utf8_length(source.substr(start, at - start)) + 1;
  return loc;
}

// The hint added where yaml-cpp stumbles over an expression written
// unquoted inside a flow map: `{when: registry in [a, b]}` or
// `{expr: coalesce(a, 3)}` (which YAML reads as keys `coalesce(a` and `3)`).
inline constexpr const char* kQuoteHint =
    "quote expressions that contain ',' '[' or ': ' inside {...}";

// yaml-cpp's message for a syntax error, with a hint for the common
// mistakes of rule authors.
inline std::string yaml_syntax_message(const YAML::Exception& e,
                                       std::string_view source) {
  std::string msg = e.msg;
  // yaml-cpp's words, then what they mean to a rule author: these come of
  // a line indented more or less than the keys around it, which yaml-cpp
  // notices at the next ':' or line (the reported line or the one before).
  if (msg == YAML::ErrorMsg::MAP_VALUE)
    msg += ": a 'key: value' cannot start here; check the indentation of this line and the one before it "
           "(keys of one map line up), and quote a text that holds ': '";
  else if (msg == YAML::ErrorMsg::END_OF_MAP || msg == YAML::ErrorMsg::END_OF_SEQ)
    msg += ": a line here is indented differently from the lines of its block; line up the keys (or the '- ' "
           "items) of one block";
  else if (msg == YAML::ErrorMsg::BLOCK_ENTRY)
    msg += ": a '- ' item cannot start here; line it up with the other items of its list";
  bool hint = msg == YAML::ErrorMsg::END_OF_MAP_FLOW;
  if (!hint && (msg == YAML::ErrorMsg::END_OF_SEQ_FLOW || msg == YAML::ErrorMsg::FLOW_END) &&
      e.mark.pos >= 0) {
    // Inside {...} on the line of the error?
    const size_t bom = source.starts_with("\xEF\xBB\xBF") ? 3 : 0;
    const size_t at = std::min(source.size(), static_cast<size_t>(e.mark.pos) + bom);
    const size_t start = source.rfind('\n', at == 0 ? 0 : at - 1);
    const std::string_view line =
        source.substr(start == std::string_view::npos ? 0 : start + 1,
                      at - (start == std::string_view::npos ? 0 : start + 1));
    hint = line.find('{') != std::string_view::npos;
  }
  if (hint) msg += std::string("; ") + kQuoteHint;
  return msg;
}

// Calls `f(number, line)` for each line of a pack's text (1-based; a UTF-8
// byte order mark and a CR at the end left out) while it returns true.
template <typename F>
void each_source_line(std::string_view source, F&& f) {
  int number = 0;
  for (size_t start = 0; start < source.size();) {
    size_t end = source.find('\n', start);
    if (end == std::string_view::npos) end = source.size();
    std::string_view line = source.substr(start, end - start);
    start = end + 1;
    ++number;
    if (number == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!f(number, line)) return;
  }
}

// The pack's text with each line of only spaces and tabs left empty (its
// line break kept, so every line keeps its number): blank to a reader, but
// yaml-cpp refuses a tab on it ("illegal tab when looking for
// indentation"), and invisible whitespace pasted from a document would
// stop the pack. `text` unchanged (no copy) when there is none.
inline std::string_view blank_lines_emptied(std::string_view text, std::string& storage) {
  bool any = false;
  for (size_t start = 0; start < text.size() && !any;) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    any = line.find('\t') != std::string_view::npos && line.find_first_not_of(" \t\r") == std::string_view::npos;
    start = end + 1;
  }
  if (!any) return text;
  storage.clear();
  storage.reserve(text.size());
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    const bool last = end == std::string_view::npos;
    if (last) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) storage += line;
    else if (!line.empty() && line.back() == '\r') storage += '\r';
    if (!last) storage += '\n';
    start = end + 1;
  }
  return storage;
}

// Whether a line (its comment cut off) opens a block scalar: `key: |`,
// `- >-`, `key: |2+`.
inline bool opens_block_scalar(std::string_view rest) {
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.remove_suffix(1);
  size_t k = rest.size();
  while (k > 0 && (rest[k - 1] == '+' || rest[k - 1] == '-' || (rest[k - 1] >= '1' && rest[k - 1] <= '9'))) --k;
  return k > 0 && (rest[k - 1] == '|' || rest[k - 1] == '>') &&
         (k == 1 || rest[k - 2] == ' ' || rest[k - 2] == ':' || rest[k - 2] == '-');
}

// Reports each line whose indentation holds a tab (at most 10), before
// yaml-cpp sees it: yaml-cpp says "illegal map value" or "illegal tab when
// looking for indentation", or reads the pack wrongly. Blank lines (given
// to yaml-cpp emptied, blank_lines_emptied) and the content of block
// scalars (`|`, `>`) may hold tabs.
inline void check_tab_indentation(const std::string& file, std::string_view source,
                                  std::vector<Diagnostic>& diags) {
  int reported = 0;
  long block = -1;  // indentation of the line that opened a block scalar
  each_source_line(source, [&](int number, std::string_view line) {
    const size_t lead = line.find_first_not_of(" \t");
    const bool blank = lead == std::string_view::npos;
    // A sequence's dashes count as indentation when a map follows them
    // ("  -\tid: x" indents the map with a tab; yaml-cpp says only "illegal
    // map value" there). Before a plain item ("-\tfoo") a tab is allowed.
    size_t indent_end = blank ? line.size() : lead;
    while (indent_end + 1 < line.size() && line[indent_end] == '-' &&
           (line[indent_end + 1] == ' ' || line[indent_end + 1] == '\t')) {
      indent_end = line.find_first_not_of(" \t", indent_end + 1);
      if (indent_end == std::string_view::npos) indent_end = line.size();
    }
    const std::string_view item = line.substr(indent_end);
    const bool map_item = item.find(": ") != std::string_view::npos || item.ends_with(":");
    const size_t tab = line.substr(0, map_item ? indent_end : (blank ? line.size() : lead)).find('\t');
    const std::string_view indentation = line.substr(0, blank ? line.size() : lead);
    const long spaces = static_cast<long>(std::min(indentation.size(), indentation.find('\t')));
    if (block >= 0) {
      // The block scalar's content: a tab after its indentation is text
      // (but yaml-cpp refuses a tab on a line of only whitespace).
      if ((spaces > block && !blank) || (blank && tab == std::string_view::npos)) return true;
      if (!blank) block = -1;
    }
    // A line of only whitespace is blank (blank_lines_emptied).
    if (tab != std::string_view::npos && !blank) {
      diags.push_back({Severity::kError, {file, number, static_cast<int>(tab) + 1}, "tab-indentation",
                       "tab character in indentation; YAML indents with spaces"});
      ++reported;
    }
    if (blank || line[lead] == '#') return reported < 10;
    if (opens_block_scalar(line.substr(0, line.find(" #")))) block = spaces;
    return reported < 10;
  });
}

// Full-width colons and commas where YAML needs ASCII ones, as a Chinese
// input method types them: `from： 2021-09-01`, `{id： x}`, `[15， last]`.
// yaml-cpp reads such a key and value as one text and stumbles a line
// later ("illegal map value") or not at all (a key 'id： x' then is
// unknown), so the callers look for them when the pack has errors and
// report them first, at the character. A colon counts after a plain key
// (ASCII letters, digits, '_', '-', '.') that starts the line or follows
// '{' or ',' in a flow collection; a comma between ASCII words inside
// [...] or {...}. Quoted
// text, comments and block scalars (`|`, `>`) are skipped: a description
// may hold both.
// Whether `word` is a key of the pack or test-file language (any section).
inline bool is_pack_key(std::string_view word) {
  for (const auto& list : schema::kKeyLists)
    for (const char* key : list.keys)
      if (word == key) return true;
  return false;
}

// `errors`, the file's errors so far, admit colons the rule above leaves
// out, where an error shows the colon broke the line: glued to a name
// (`transferred_out：转出`, `suspected_after：{...}`) or after a Chinese
// name (`转出已确认：`), when an error is on the colon's line or YAML's
// "illegal map value" on the next (where the text it made ran into a
// key). Unconditionally, "Note：2019" starting a line of a text would be.
inline std::vector<Diagnostic> full_width_punctuation(const std::string& file, std::string_view source,
                                                      std::span<const Diagnostic> errors = {}) {
  static constexpr std::string_view kColon = "\xEF\xBC\x9A", kComma = "\xEF\xBC\x8C";  // U+FF1A, U+FF0C
  std::vector<Diagnostic> out;
  auto key_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
  };
  auto broke = [&](int line) {
    return std::any_of(errors.begin(), errors.end(), [&](const Diagnostic& d) {
      return d.severity == Severity::kError && d.where.file == file &&
             (d.where.line == line ||
              (d.where.line == line + 1 && d.code == "yaml-syntax" && d.message.starts_with("illegal map value")));
    });
  };
  // A comma between ASCII words (`[15， last]`); one in Chinese text
  // (`{text: 牵头部署…，确保…}`) is the text's own.
  auto between_ascii = [](std::string_view line, size_t at) {
    const size_t before = line.find_last_not_of(' ', at == 0 ? 0 : at - 1);
    const size_t after = line.find_first_not_of(' ', at + kComma.size());
    auto ascii = [](char c) { return static_cast<unsigned char>(c) < 0x80; };
    return at > 0 && before != std::string_view::npos && after != std::string_view::npos && ascii(line[before]) &&
           ascii(line[after]);
  };
  long block = -1;  // indentation of the line that opened a block scalar
  char quote = 0;   // a quoted text runs on to the next line
  each_source_line(source, [&](int number, std::string_view line) {
    const size_t lead = line.find_first_not_of(' ');
    if (lead == std::string_view::npos) return true;
    if (block >= 0) {
      if (static_cast<long>(lead) > block) return true;
      block = -1;
    }
    int depth = 0;           // inside [...] or {...}
    bool key_start = quote == 0;  // a plain key may start here (not inside a text quoted across lines)
    bool ascii_key = true;        // and holds only key_char()s so far
    size_t key_begin = lead;
    size_t k = lead;
    for (; k < line.size(); ++k) {
      const char c = line[k];
      if (quote) {
        if (c == quote) quote = 0;
        continue;
      }
      if (c == '#' && (k == 0 || line[k - 1] == ' ')) break;
      auto report = [&](const std::string& message) {
        out.push_back({Severity::kError, {file, number, static_cast<int>(utf8_length(line.substr(0, k))) + 1},
                       "full-width-punctuation", message});
      };
      // As YAML wants ": ", a space (or the line's end) follows: "Note：2019"
      // in a text is no key.
      // With no space after it, a Chinese keyboard's habit, only after a
      // key of the pack language (`override：true`, `from：2024-09-01`):
      // "Note：2019" starting a line of a text is no key.
      const size_t after_colon = k + kColon.size();
      if (line.substr(k).starts_with(kColon) && key_start && k > key_begin &&
          ((ascii_key && (after_colon == line.size() || line[after_colon] == ' ' ||
                          (depth > 0 && (line[after_colon] == ',' || line[after_colon] == '}')) ||
                          is_pack_key(line.substr(key_begin, k - key_begin)))) ||
           broke(number))) {
        // The key is quoted masked: digits make a key, and an ID number
        // typed as one is still personal.
        report("full-width colon '：' after '" +
               mask_embedded_id_numbers(line.substr(key_begin, k - key_begin)) + "'; write ':' (ASCII) and a space");
        k += 2;
        key_start = false;
        continue;
      }
      if (depth > 0 && line.substr(k).starts_with(kComma) && between_ascii(line, k)) {
        report("full-width comma '，' inside [...] or {...}; write ',' (ASCII)");
        k += 2;
        continue;
      }
      // A quote opens a quoted text only where a text starts (YAML's rule):
      // the apostrophe of "child's" in a plain text opens nothing.
      if ((c == '"' || c == '\'') && (k == lead || std::string_view(":-[{,").find(line[line.find_last_not_of(
                                                         ' ', k - 1)]) != std::string_view::npos))
        quote = c;
      if (c == '[' || c == '{') ++depth;
      if ((c == ']' || c == '}') && depth > 0) --depth;
      if (c == '{' || (c == ',' && depth > 0) || (c == '-' && k + 1 < line.size() && line[k + 1] == ' ' && key_start)) {
        key_start = true;
        ascii_key = true;
        key_begin = line.find_first_not_of(' ', k + 1);
        if (key_begin == std::string_view::npos) break;
        k = key_begin - 1;
        continue;
      }
      // A name in Chinese (no name of the pack language, but what an
      // author may type) goes on as a key that only an error admits.
      if (key_start && static_cast<unsigned char>(c) >= 0x80) ascii_key = false;
      else if (key_start && !key_char(c)) key_start = false;
    }
    if (opens_block_scalar(line.substr(0, k))) block = static_cast<long>(lead);
    return out.size() < 10;
  });
  return out;
}

// A YAML file yaml-cpp could not read: the full-width colons and commas
// first, at their characters (the likely cause: yaml-cpp's mark is then on
// their line or a line late), then yaml-cpp's own words, unless such a
// colon explains them ("check the indentation" would only mislead; once
// it is mended, a syntax error of its own shows).
inline void report_yaml_syntax_error(const std::string& file, std::string_view source, const YAML::Exception& e,
                                     std::vector<Diagnostic>& diags) {
  const SourceLocation at = to_location(file, e.mark, source);
  Diagnostic syntax{Severity::kError, at, "yaml-syntax", yaml_syntax_message(e, source)};
  bool explained = false;
  for (auto& d : full_width_punctuation(file, source, std::span<const Diagnostic>(&syntax, 1))) {
    // A colon only: a comma in [15， last] is text to YAML, and breaks nothing.
    explained = explained || (d.message.starts_with("full-width colon") &&
                              (d.where.line == at.line || d.where.line + 1 == at.line));
    diags.push_back(std::move(d));
  }
  if (!explained) diags.push_back(std::move(syntax));
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
    // A key with no value (`rows:`): yaml-cpp marks its null where the next
    // token starts, often the next key or past the end of the file; the
    // place to show is the key.
    if (n.IsNull())
      for (const auto& [value, key] : empty_values_)
        if (value.is(n)) return key;
    const YAML::Mark mark = n.Mark();
    SourceLocation loc = to_location(file_, mark);
    size_t start = 0, at = 0;
    if (loc.line > 0 && mark_span(mark, source_, start, at))
      loc.column = chars_before(at) - chars_before(start) + 1;
    return loc;
  }
  void error(const YAML::Node& n, std::string code, std::string message) {
    error_at(where(n), std::move(code), std::move(message));
  }
  void error_at(SourceLocation at, std::string code, std::string message) {
    diags_.push_back({Severity::kError, std::move(at), std::move(code),
                      std::move(message)});
  }

  // Nothing written: a key with no value (`when:`), `~`, null, or a
  // string of spaces only.
  static bool is_empty(const YAML::Node& n) {
    if (n.IsNull()) return true;
    return n.IsScalar() && n.Scalar().find_first_not_of(" \t\r\n") == std::string::npos;
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
    if (n.IsNull()) error(n, "empty-value", "'" + what + "' is empty: write its entries (name: entry), or leave it out");
    else error(n, "wrong-type", "'" + what + "' must be a map of name: entry");
    return false;
  }
  bool expect_sequence(const YAML::Node& n, const std::string& what) {
    if (n.IsSequence()) return true;
    if (n.IsNull()) error(n, "empty-value", "'" + what + "' is empty: list its items (- item), or leave it out");
    else error(n, "wrong-type", "'" + what + "' must be a list (- item)");
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
      if (!duplicate) {
        if (it->second.IsNull()) empty_values_.emplace_back(it->second, key.where);
        out.emplace_back(std::move(key), it->second);
      }
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
    const size_t bom = source_.starts_with("\xEF\xBB\xBF") ? 3 : 0;
    if (source_.empty() || mark.pos < 0 ||
        static_cast<size_t>(mark.pos) + bom >= source_.size() || start.line <= 0)
      return {};
    size_t p = static_cast<size_t>(mark.pos) + bom;
    int line = start.line, column = start.column;
    // Columns count characters: a UTF-8 continuation byte stays in the
    // column of its lead byte.
    auto step = [&] {
      if (source_[p] == '\n') {
        ++line;
        column = 1;
      } else if (p + 1 >= source_.size() ||
                 (static_cast<unsigned char>(source_[p + 1]) & 0xC0) != 0x80) {
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
      // '' is one quote: the character after it is an anchor of its own
      // (the source is one longer than the value there).
      last = p;
      if (first == '\'' && value[i] == '\'' && p + 1 < source_.size() &&
          source_[p + 1] == '\'')
        step();
      step();
    }
    return out;
  }

  // Code points in source_[0, at): a count kept every 256 bytes, so that a
  // pack written on one long line costs no more than one on many.
  int chars_before(size_t at) const {
    constexpr size_t kStep = 256;
    if (counts_.empty()) {
      counts_.reserve(source_.size() / kStep + 1);
      int n = 0;
      for (size_t p = 0; p <= source_.size(); ++p) {
        if (p % kStep == 0) counts_.push_back(n);
        if (p < source_.size() && (static_cast<unsigned char>(source_[p]) & 0xC0) != 0x80) ++n;
      }
    }
    const size_t k = at / kStep;
    return counts_[k] + utf8_length(source_.substr(k * kStep, at - k * kStep));
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
  // The values of keys given none (`rows:`), with their key's place: see
  // where(). Looked through on error paths only.
  std::vector<std::pair<YAML::Node, SourceLocation>> empty_values_;
  std::string_view source_;
  mutable std::vector<int> counts_;  // see chars_before
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
        // `{expr: coalesce(a, 3)}` gives the key `3)`: a piece of an
        // unquoted expression, not a misspelt key.
        const bool piece = n.Style() == YAML::EmitterStyle::Flow &&
                           key.value.find_first_of("()[]<>=!+*/ ,'\"") != std::string::npos;
        // Keys that belong elsewhere: where they go.
        const bool in_pack = what_ == "rule pack", in_row = what_ == "row";
        if (piece) msg += std::string("; ") + kQuoteHint;
        else if (in_pack && (key.value == "extends" || key.value == "name" || key.value == "version"))
          msg += "; it belongs under meta (meta: {name: ..." +
                 (key.value == "name" ? std::string() : ", " + key.value + ": ...") + "})";
        else if (in_row && key.value == "override")
          msg += "; a row is changed whole: write 'replace: true' and the whole row";
        else if (!near.empty()) msg += "; did you mean '" + near + "'?";
        w_.error_at(key.where, "unknown-key", msg);
        continue;
      }
      entries_.emplace_back(std::move(key), value);
    }
  }

  bool ok() const { return ok_; }
  bool has(const char* key) const { return find(key) != nullptr; }
  // How many known keys the map gives.
  size_t size() const { return entries_.size(); }

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
  // text(key) for a key that cannot be left empty (an expression, a row's
  // value): written with nothing after it (`then:`), as `~` or null, or as
  // "", it is an error at the key, with `instead` saying what to write.
  // Read as no text, an empty `when` matched every record, an empty `then`
  // gave a blank status and an empty `count` counted nothing.
  Text filled(const char* key, const std::string& instead) const {
    const auto* e = find(key);
    if (!e) return Text{{}, w_.where(node_), false};
    Text t = w_.text(e->second);
    if (Walker::is_empty(e->second))
      w_.error_at(e->first.where, "empty-value", "'" + std::string(key) + "' is empty: " + instead);
    return t;
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
  // The first key given other than `allowed`, or nullptr.
  const Text* other_key(std::initializer_list<std::string_view> allowed) const {
    for (const auto& e : entries_)
      if (std::find(allowed.begin(), allowed.end(), e.first.value) == allowed.end()) return &e.first;
    return nullptr;
  }
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
