// Lexer and recursive-descent parser for pack expressions. Hand-written: the
// grammar is a dozen rules and positions must map back into YAML scalars,
// which a generator would not make simpler.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "expr/ast.h"
#include "util/utf8.h"

namespace kcbx::detail {

namespace {

// Limits that keep hostile packs cheap (docs/rule-packs.md "Limits").
constexpr size_t kMaxExprBytes = 16 * 1024;
constexpr int kMaxNesting = 100;
// Counts past this would overflow a duration's months or days.
constexpr long long kMaxDurationCount = 100000;

// The units a duration literal takes (`7 days`), with their length in days
// or months, in the order the diagnostics list them.
struct DurationUnit {
  const char* name;
  int32_t days;
  int32_t months;
};
constexpr DurationUnit kDurationUnits[] = {
    {"day", 1, 0},   {"days", 1, 0},    {"week", 7, 0},  {"weeks", 7, 0},
    {"month", 0, 1}, {"months", 0, 1}, {"year", 0, 12}, {"years", 0, 12}};

const DurationUnit* find_duration_unit(std::string_view word) {
  for (const auto& u : kDurationUnits)
    if (word == u.name) return &u;
  return nullptr;
}

// Words that may follow a value in an expression: a number followed by any
// other word was meant as a duration.
bool is_keyword(std::string_view word) {
  static const char* kReserved[] = {"and", "or", "not", "in", "if", "then", "else"};
  for (const char* r : kReserved)
    if (word == r) return true;
  return false;
}

// "day, days, ..., years" for messages.
std::string duration_unit_list() {
  std::string s;
  const size_t n = std::size(kDurationUnits);
  for (size_t i = 0; i < n; ++i)
    s += std::string(i == 0 ? "" : i + 1 == n ? " or " : ", ") + kDurationUnits[i].name;
  return s;
}

// The unit a Chinese author most likely meant (天, 周, 个月, 年), or the
// nearest English one ('Days', 'dayz'); "" when none is close.
std::string likely_unit(std::string_view word) {
  static const std::pair<const char*, const char*> kChinese[] = {
      {"天", "days"}, {"日", "days"}, {"周", "weeks"}, {"星期", "weeks"}, {"个星期", "weeks"},
      {"月", "months"}, {"个月", "months"}, {"年", "years"}};
  for (const auto& [zh, en] : kChinese)
    if (word == zh) return en;
  std::string lower(word);
  for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (find_duration_unit(lower)) return lower;
  std::vector<std::string> names;
  for (const auto& u : kDurationUnits) names.emplace_back(u.name);
  return nearest_name(word, names);
}

enum class Tok {
  kEnd,
  kInt,
  kNumber,
  kString,
  kDate,
  kIdent,
  kOp,  // punctuation and operators
  kError,
};

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;
  size_t offset = 0;
};

// Punctuation a Chinese keyboard types where the language wants ASCII:
// "registry in [休学，缓学]", "age ≥ 6". Names may hold any non-ASCII
// letter, so without this list '，' would silently join two values into
// one name. Each with what to write instead. Brackets, '、' and '－' are
// left out: a Chinese header or label may hold them ("户籍地（县）").
struct WidePunct {
  std::string_view utf8, ascii;
};
constexpr WidePunct kWidePunct[] = {
    {"，", ","},   {"＝", "="},   {"≠", "!="}, {"≥", ">="}, {"≤", "<="}, {"＞", ">"},   {"＜", "<"},
    {"＋", "+"},   {"“", "\""}, {"”", "\""}, {"‘", "'"},  {"’", "'"},  {"！＝", "!="}, {"！", "not"},
    {"\u3000", " "},  // the full-width space
};
// Brackets a Chinese keyboard types: a name may hold them (an alias
// 户籍地（县）, 户籍地【县】), but none starts with one: `and （registry
// = left)` meant '(', `in 【none, left】` meant '['.
constexpr WidePunct kWideOpenings[] = {{"（", "("}, {"【", "["}, {"［", "["}};
const WidePunct* wide_opening_at(std::string_view s, size_t pos) {
  for (const auto& w : kWideOpenings)
    if (s.substr(pos, w.utf8.size()) == w.utf8) return &w;
  return nullptr;
}
const WidePunct* wide_punct_at(std::string_view s, size_t pos) {
  if (static_cast<unsigned char>(s[pos]) < 0x80) return nullptr;
  for (const auto& w : kWidePunct)
    if (s.substr(pos, w.utf8.size()) == w.utf8) return &w;
  return nullptr;
}

// Chinese words for the connectives, which lex as names (names may be
// Chinese): after a complete condition one of them is named with the
// keyword to write instead.
constexpr std::pair<std::string_view, std::string_view> kChineseConnectives[] = {
    {"且", "and"}, {"并且", "and"}, {"而且", "and"}, {"和", "and"}, {"与", "and"},
    {"或", "or"},  {"或者", "or"},  {"不在", "not in"}, {"在", "in"}};

bool is_ident_start(unsigned char c) {
  return std::isalpha(c) || c == '_' || c >= 0x80;
}
bool is_ident_char(unsigned char c) {
  return std::isalnum(c) || c == '_' || c >= 0x80;
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Token next() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_])))
      ++pos_;
    Token t;
    t.offset = pos_;
    if (pos_ >= s_.size()) return t;
    const unsigned char c = static_cast<unsigned char>(s_[pos_]);
    if (std::isdigit(c)) return number(t);
    const WidePunct* w = wide_punct_at(s_, pos_);
    if (!w) w = wide_opening_at(s_, pos_);
    if (w) {
      t.kind = Tok::kError;
      t.text = "'" + std::string(w->utf8) + "' is not part of the language; write '" + std::string(w->ascii) +
               "' (ASCII)";
      pos_ = s_.size();
      return t;
    }
    if (is_ident_start(c)) {
      size_t end = pos_;
      // A keyword runs into no full-width opening: `and（x` is 'and' and
      // a '（' (a name, 户籍地（县） or GPS（经度）, holds one).
      while (end < s_.size() && is_ident_char(static_cast<unsigned char>(s_[end])) && !wide_punct_at(s_, end) &&
             !(wide_opening_at(s_, end) && is_keyword(s_.substr(pos_, end - pos_))))
        ++end;
      t.kind = Tok::kIdent;
      t.text = std::string(s_.substr(pos_, end - pos_));
      pos_ = end;
      return t;
    }
    if (c == '"' || c == '\'') {
      size_t end = pos_ + 1;
      std::string value;
      while (end < s_.size() && s_[end] != static_cast<char>(c)) {
        if (s_[end] == '\\' && end + 1 < s_.size()) ++end;
        value += s_[end++];
      }
      if (end >= s_.size()) {
        t.kind = Tok::kError;
        t.text = "string is never closed";
        pos_ = s_.size();
        return t;
      }
      t.kind = Tok::kString;
      t.text = std::move(value);
      pos_ = end + 1;
      return t;
    }
    static const char* kOps[] = {"==", "!=", "<=", ">=", "<", ">", "=",
                                 "+",  "-",  "*",  "/",  "(", ")", "[",
                                 "]",  ","};
    for (const char* op : kOps) {
      const std::string_view o(op);
      if (s_.substr(pos_, o.size()) == o) {
        t.kind = Tok::kOp;
        t.text = std::string(o);
        pos_ += o.size();
        return t;
      }
    }
    t.kind = Tok::kError;
    // A control character (a NUL) is named, not echoed: written raw it
    // reached the terminal as it is.
    if (c < 0x20 || c == 0x7F) {
      char code[8];
      std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(c));
      t.text = std::string("unexpected control character ") + code;
    } else if (c == '%') {
      // A target written as a percentage (at_least: 96%): say what to
      // write, from the number before it.
      size_t from = pos_;
      while (from > 0 && (std::isdigit(static_cast<unsigned char>(s_[from - 1])) || s_[from - 1] == '.')) --from;
      std::string example = "96% is 0.96";
      if (from < pos_) {
        const std::string digits(s_.substr(from, pos_ - from));
        char share[32];
        std::snprintf(share, sizeof share, "%.10g", std::strtod(digits.c_str(), nullptr) / 100);
        example = digits + "% is " + share;
      }
      t.text = "unexpected character '%': write a percentage as a share (" + example + ")";
    } else {
      t.text = "unexpected character '" + std::string(1, static_cast<char>(c)) + "'";
    }
    pos_ = s_.size();
    return t;
  }

 private:
  Token number(Token& t) {
    size_t end = pos_;
    while (end < s_.size() && std::isdigit(static_cast<unsigned char>(s_[end]))) ++end;
    // YYYY-MM-DD is a date literal, not a subtraction.
    if (end - pos_ == 4 && end + 6 <= s_.size() && s_[end] == '-' &&
        std::isdigit(static_cast<unsigned char>(s_[end + 1])) &&
        std::isdigit(static_cast<unsigned char>(s_[end + 2])) &&
        s_[end + 3] == '-' &&
        std::isdigit(static_cast<unsigned char>(s_[end + 4])) &&
        std::isdigit(static_cast<unsigned char>(s_[end + 5])) &&
        (end + 6 == s_.size() ||
         !is_ident_char(static_cast<unsigned char>(s_[end + 6])))) {
      t.kind = Tok::kDate;
      t.text = std::string(s_.substr(pos_, 10));
      pos_ += 10;
      return t;
    }
    // 2019-9-15 or 2019/9/15: a date written the way a spreadsheet or a
    // person writes it would read as a subtraction or a division, and
    // fail later as "cannot compare date with int". Said here, with the
    // form to write.
    if (end - pos_ == 4) {
      size_t p = end, parts = 0;
      const char sep = p < s_.size() ? s_[p] : '\0';
      std::string month_day[2];
      while (parts < 2 && p < s_.size() && s_[p] == sep && (sep == '-' || sep == '/')) {
        size_t q = p + 1;
        while (q < s_.size() && q - p <= 2 && std::isdigit(static_cast<unsigned char>(s_[q]))) ++q;
        if (q == p + 1 || (q < s_.size() && std::isdigit(static_cast<unsigned char>(s_[q])))) break;
        month_day[parts++] = std::string(s_.substr(p + 1, q - p - 1));
        p = q;
      }
      if (parts == 2 && (p == s_.size() || !is_ident_char(static_cast<unsigned char>(s_[p])))) {
        auto two = [](const std::string& x) { return x.size() == 1 ? "0" + x : x; };
        t.kind = Tok::kError;
        t.text = "'" + std::string(s_.substr(pos_, p - pos_)) + "' is not a date; write YYYY-MM-DD (" +
                 std::string(s_.substr(pos_, 4)) + "-" + two(month_day[0]) + "-" + two(month_day[1]) + ")";
        pos_ = s_.size();
        return t;
      }
    }
    t.kind = Tok::kInt;
    if (end < s_.size() && s_[end] == '.' && end + 1 < s_.size() &&
        std::isdigit(static_cast<unsigned char>(s_[end + 1]))) {
      ++end;
      while (end < s_.size() && std::isdigit(static_cast<unsigned char>(s_[end]))) ++end;
      t.kind = Tok::kNumber;
    }
    t.text = std::string(s_.substr(pos_, end - pos_));
    pos_ = end;
    return t;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

class Parser {
 public:
  Parser(const Text& source, std::vector<Diagnostic>& diags)
      : src_(source), lex_(source.value), diags_(diags) {
    advance();
  }

  ExprPtr parse() {
    if (src_.value.size() > kMaxExprBytes) {
      fail(0, "expression-too-large",
           "expression is " + std::to_string(src_.value.size()) +
               " bytes; the limit is " + std::to_string(kMaxExprBytes));
      return nullptr;
    }
    if (tok_.kind == Tok::kEnd) {
      fail(0, "syntax", "empty expression");
      return nullptr;
    }
    ExprPtr e = expr();
    if (!failed_ && tok_.kind != Tok::kEnd) {
      std::string msg = "unexpected '" + tok_.text + "' after the end of the expression";
      // A Chinese word for a connective joins two conditions in Chinese
      // ("建档立卡 且 残疾"): said with the word to write.
      if (tok_.kind == Tok::kIdent)
        for (const auto& [word, ascii] : kChineseConnectives)
          if (tok_.text == word) msg += "; write '" + std::string(ascii) + "'";
      fail(tok_.offset, "syntax", msg);
    }
    return failed_ ? nullptr : std::move(e);
  }

 private:
  SourceLocation at(size_t offset) const {
    // Map a byte offset in the scalar to the file: count lines inside the
    // scalar; quoted scalars start one column after their quote. Columns
    // count characters (code points), as the scalar's own position does.
    SourceLocation loc = src_.where;
    const std::string_view v = src_.value;
    offset = std::min(offset, v.size());
    if (!src_.anchors.empty()) {
      const Text::Anchor* a = &src_.anchors.front();
      for (const auto& x : src_.anchors)
        if (x.offset <= offset) a = &x;
      loc.line = a->line;
      loc.column = a->column + (offset >= a->offset ? utf8_length(v.substr(a->offset, offset - a->offset)) : 0);
      return loc;
    }
    size_t line_start = 0;
    int extra_lines = 0;
    for (size_t i = 0; i < offset && i < src_.value.size(); ++i)
      if (src_.value[i] == '\n') {
        ++extra_lines;
        line_start = i + 1;
      }
    if (loc.line == 0) return loc;
    if (extra_lines == 0) {
      loc.column += utf8_length(v.substr(0, offset)) + (src_.quoted ? 1 : 0);
    } else {
      loc.line += extra_lines;
      loc.column = utf8_length(v.substr(line_start, offset - line_start)) + 1;
    }
    return loc;
  }

  void fail(size_t offset, const char* code, std::string message) {
    if (failed_) return;
    failed_ = true;
    diags_.push_back({Severity::kError, at(offset), code, std::move(message)});
  }

  // A number followed by a word that is no duration unit ('10 天',
  // '10 Days', '10 school days'), reported at the word.
  // `number` starts at `number_at`.
  void unknown_unit(const std::string& number, size_t number_at) {
    // 1e400, 1.5e3: a number with an exponent, which the language does not
    // write ("e400" is no unit). Only glued to the number ("2 e" is a unit).
    const std::string& w = tok_.text;
    if (w.size() >= 2 && (w[0] == 'e' || w[0] == 'E') && tok_.offset == number_at + number.size() &&
        std::all_of(w.begin() + 1, w.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      fail(tok_.offset, "bad-literal",
           "'" + number + w + "' has an exponent; write the number out in digits (1500, 0.001)");
      return;
    }
    std::string msg = "unknown duration unit '" + tok_.text + "' after " + number + "; the units are " +
                      duration_unit_list() + " (such as '" + number + " days')";
    const std::string near = likely_unit(tok_.text);
    if (!near.empty()) msg += "; did you mean '" + near + "'?";
    fail(tok_.offset, "unknown-unit", std::move(msg));
  }

  void advance() {
    tok_ = lex_.next();
    if (tok_.kind == Tok::kError) fail(tok_.offset, "syntax", tok_.text);
  }
  bool is_op(const char* op) const { return tok_.kind == Tok::kOp && tok_.text == op; }
  bool is_word(const char* w) const { return tok_.kind == Tok::kIdent && tok_.text == w; }
  // `opened_at`: the offset of the bracket `op` closes, named when the
  // expression ends first (in a long folded expression the end is far from
  // the bracket that was never closed).
  void expect_op(const char* op, size_t opened_at = std::string_view::npos) {
    if (!is_op(op)) {
      std::string msg = std::string("expected '") + op + "' but found " + describe(tok_);
      if (tok_.kind == Tok::kEnd && opened_at != std::string_view::npos) {
        const SourceLocation open = at(opened_at);
        msg += ": the '" + std::string(src_.value.substr(opened_at, 1)) + "' at line " + std::to_string(open.line) +
               ", column " + std::to_string(open.column) + " is not closed";
      }
      fail(tok_.offset, "syntax", std::move(msg));
      return;
    }
    advance();
  }
  static std::string describe(const Token& t) {
    if (t.kind == Tok::kEnd) return "the end of the expression";
    return "'" + t.text + "'";
  }

  ExprPtr node(ExprKind kind, size_t offset, std::string text = {}) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->where = at(offset);
    e->text = std::move(text);
    return e;
  }
  ExprPtr binary(std::string op, size_t offset, ExprPtr l, ExprPtr r) {
    auto e = node(ExprKind::kBinary, offset, std::move(op));
    e->args.push_back(std::move(l));
    e->args.push_back(std::move(r));
    return e;
  }

  struct DepthGuard {
    explicit DepthGuard(Parser& p) : p_(p) { ++p_.depth_; }
    ~DepthGuard() { --p_.depth_; }
    Parser& p_;
  };

  ExprPtr expr() {
    DepthGuard guard(*this);
    if (depth_ > kMaxNesting) {
      fail(tok_.offset, "expression-too-deep",
           "expression nests deeper than " + std::to_string(kMaxNesting) +
               " levels");
      return nullptr;
    }
    if (failed_) return nullptr;
    if (is_word("if")) {
      const size_t off = tok_.offset;
      advance();
      auto c = expr();
      if (!is_word("then")) {
        fail(tok_.offset, "syntax", "expected 'then' but found " + describe(tok_));
        return nullptr;
      }
      advance();
      auto a = expr();
      if (!is_word("else")) {
        fail(tok_.offset, "syntax",
             "expected 'else' (every 'if' needs one) but found " + describe(tok_));
        return nullptr;
      }
      advance();
      auto b = expr();
      if (failed_) return nullptr;
      auto e = node(ExprKind::kIf, off, "if");
      e->args.push_back(std::move(c));
      e->args.push_back(std::move(a));
      e->args.push_back(std::move(b));
      return e;
    }
    return or_expr();
  }

  ExprPtr or_expr() {
    auto l = and_expr();
    while (!failed_ && is_word("or")) {
      const size_t off = tok_.offset;
      advance();
      l = binary("or", off, std::move(l), and_expr());
    }
    return l;
  }
  ExprPtr and_expr() {
    auto l = not_expr();
    while (!failed_ && is_word("and")) {
      const size_t off = tok_.offset;
      advance();
      l = binary("and", off, std::move(l), not_expr());
    }
    return l;
  }
  ExprPtr not_expr() {
    if (is_word("not")) {
      DepthGuard guard(*this);
      if (depth_ > kMaxNesting) {
        fail(tok_.offset, "expression-too-deep", "too many nested 'not'");
        return nullptr;
      }
      const size_t off = tok_.offset;
      advance();
      auto e = node(ExprKind::kUnary, off, "not");
      e->args.push_back(not_expr());
      return e;
    }
    return comparison();
  }
  ExprPtr comparison() {
    auto l = additive();
    if (failed_) return l;
    static const char* kCmp[] = {"==", "=", "!=", "<=", ">=", "<", ">"};
    for (const char* op : kCmp) {
      if (is_op(op)) {
        const size_t off = tok_.offset;
        advance();
        return binary(std::string(op) == "==" ? "=" : op, off, std::move(l),
                      additive());
      }
    }
    if (is_word("in")) {
      const size_t off = tok_.offset;
      advance();
      return binary("in", off, std::move(l), additive());
    }
    if (is_word("not")) {
      const size_t off = tok_.offset;
      advance();
      if (!is_word("in")) {
        fail(tok_.offset, "syntax", "expected 'in' after 'not' here");
        return nullptr;
      }
      advance();
      return binary("notin", off, std::move(l), additive());
    }
    return l;
  }
  ExprPtr additive() {
    auto l = multiplicative();
    while (!failed_ && (is_op("+") || is_op("-"))) {
      std::string op = tok_.text;
      const size_t off = tok_.offset;
      advance();
      l = binary(op, off, std::move(l), multiplicative());
    }
    return l;
  }
  ExprPtr multiplicative() {
    auto l = unary();
    while (!failed_ && (is_op("*") || is_op("/"))) {
      std::string op = tok_.text;
      const size_t off = tok_.offset;
      advance();
      l = binary(op, off, std::move(l), unary());
    }
    return l;
  }
  ExprPtr unary() {
    if (is_op("-")) {
      DepthGuard guard(*this);
      if (depth_ > kMaxNesting) {
        fail(tok_.offset, "expression-too-deep", "too many nested '-'");
        return nullptr;
      }
      const size_t off = tok_.offset;
      advance();
      auto e = node(ExprKind::kUnary, off, "-");
      e->args.push_back(unary());
      return e;
    }
    return primary();
  }

  ExprPtr primary() {
    if (failed_) return nullptr;
    const size_t off = tok_.offset;
    switch (tok_.kind) {
      case Tok::kInt: {
        auto e = node(ExprKind::kLiteral, off, tok_.text);
        errno = 0;
        char* end = nullptr;
        const long long v = std::strtoll(tok_.text.c_str(), &end, 10);
        if (errno == ERANGE) {
          fail(off, "bad-literal", "integer '" + tok_.text + "' is too large");
          return nullptr;
        }
        e->int_value = v;
        e->type.kind = TypeKind::kInt;
        advance();
        if (tok_.kind == Tok::kIdent && !is_keyword(tok_.text)) {
          // 7 days, 1 month, 2 years, 3 weeks
          const std::string u = tok_.text;
          const DurationUnit* unit = find_duration_unit(u);
          if (!unit) {
            unknown_unit(e->text, off);
            return nullptr;
          }
          if (v > kMaxDurationCount) {
            fail(off, "bad-literal",
                 "duration '" + e->text + " " + u + "' is too large; the limit is " +
                     std::to_string(kMaxDurationCount) + " " + u);
            return nullptr;
          }
          e->type.kind = TypeKind::kDuration;
          e->duration.days = static_cast<int32_t>(v) * unit->days;
          e->duration.months = static_cast<int32_t>(v) * unit->months;
          e->text += " " + u;
          advance();
        }
        return e;
      }
      case Tok::kNumber: {
        auto e = node(ExprKind::kLiteral, off, tok_.text);
        e->number_value = std::strtod(tok_.text.c_str(), nullptr);
        e->type.kind = TypeKind::kNumber;
        advance();
        if (tok_.kind == Tok::kIdent && !is_keyword(tok_.text)) {
          // Durations count whole days and months: '1.5 months' has no
          // exact length (how many days is half of February?).
          if (find_duration_unit(tok_.text))
            fail(off, "bad-literal",
                 "a duration is a whole number of " + tok_.text + ", not '" + e->text + " " + tok_.text +
                     "'; write it in a smaller unit (such as days)");
          else
            unknown_unit(e->text, off);
          return nullptr;
        }
        return e;
      }
      case Tok::kString: {
        auto e = node(ExprKind::kLiteral, off, tok_.text);
        e->string_value = tok_.text;
        e->type.kind = TypeKind::kString;
        advance();
        return e;
      }
      case Tok::kDate: {
        auto d = Date::parse(tok_.text);
        if (!d) {
          fail(off, "bad-literal", "'" + tok_.text + "' is not a real date");
          return nullptr;
        }
        auto e = node(ExprKind::kLiteral, off, tok_.text);
        e->int_value = d->days();
        e->type.kind = TypeKind::kDate;
        advance();
        return e;
      }
      case Tok::kIdent: {
        std::string name = tok_.text;
        if (name == "null") {
          auto e = node(ExprKind::kLiteral, off, name);
          e->is_null_literal = true;
          advance();
          return e;
        }
        if (name == "true" || name == "false") {
          auto e = node(ExprKind::kLiteral, off, name);
          e->int_value = name == "true";
          e->type.kind = TypeKind::kBool;
          advance();
          return e;
        }
        if (is_keyword(name)) {
          fail(off, "syntax", "expected a value but found '" + name + "'");
          return nullptr;
        }
        advance();
        if (is_op("(")) {
          const size_t open = tok_.offset;
          advance();
          auto e = node(ExprKind::kCall, off, name);
          if (!is_op(")")) {
            while (!failed_) {
              e->args.push_back(expr());
              if (is_op(",")) {
                advance();
                continue;
              }
              break;
            }
          }
          expect_op(")", open);
          return failed_ ? nullptr : std::move(e);
        }
        return node(ExprKind::kName, off, name);
      }
      case Tok::kOp:
        if (is_op("(")) {
          advance();
          auto e = expr();
          expect_op(")", off);
          return failed_ ? nullptr : std::move(e);
        }
        if (is_op("[")) {
          advance();
          auto e = node(ExprKind::kList, off, "[");
          if (!is_op("]")) {
            while (!failed_) {
              e->args.push_back(expr());
              if (is_op(",")) {
                advance();
                continue;
              }
              break;
            }
          }
          expect_op("]", off);
          return failed_ ? nullptr : std::move(e);
        }
        break;
      default:
        break;
    }
    fail(off, "syntax", "expected a value but found " + describe(tok_));
    return nullptr;
  }

  const Text& src_;
  Lexer lex_;
  std::vector<Diagnostic>& diags_;
  Token tok_;
  bool failed_ = false;
  int depth_ = 0;
};

}  // namespace

ExprPtr parse_expr(const Text& source, std::vector<Diagnostic>& diags) {
  return Parser(source, diags).parse();
}

}  // namespace kcbx::detail
