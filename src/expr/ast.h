// Expression syntax tree, annotated in place by the checker with types,
// nullability and what each name refers to.
//
// The language (docs/rule-packs.md has the full reference):
//   literals   42  0.95  true  "text"  2019-09-15  7 days  1 month  2 years
//   names      fields, parameters, derived values, table outputs, as_of
//   operators  or  and  not  = == != < <= > >=  in [..]  not in  + - * /
//   if c then a else b        functions  age_on(birth, on) add_months(d, n)
//   days_between(a, b) ...    (see kFunctions in check.cc)
// There are no loops, no recursion and no user functions, so evaluation is
// bounded by the size of the expression.
#ifndef KCBX_EXPR_AST_H_
#define KCBX_EXPR_AST_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kcbx/diagnostic.h"
#include "pack/pack.h"

namespace kcbx::detail {

struct Type {
  TypeKind kind = TypeKind::kBool;
  int domain = -1;  // enum/set domain
  friend bool operator==(const Type&, const Type&) = default;
};

// A duration: calendar months then days (1 month + 3 days).
struct Duration {
  int32_t months = 0;
  int32_t days = 0;
};

enum class ExprKind : uint8_t {
  kLiteral,
  kName,     // identifier; resolves to a symbol or, by context, an enum value
  kUnary,    // op: "not", "-"
  kBinary,   // op: or and = != < <= > >= in notin + - * /
  kCall,     // name(args)
  kIf,       // args: cond, then, else
  kList,     // [a, b, c] (only as the right side of `in`)
};

enum class SymbolKind : uint8_t {
  kNone,
  kAsOf,
  kField,
  kParam,
  kDerive,
  kTable,
  kEnumValue,  // a bare name resolved against an enum domain
};

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  SourceLocation where;
  std::string text;  // operator, identifier or function name
  std::vector<std::unique_ptr<Expr>> args;

  // Literal payload (kind == kLiteral), by `type.kind`.
  int64_t int_value = 0;  // int, bool, date (days), enum code
  double number_value = 0;
  Duration duration;
  std::string string_value;
  bool is_null_literal = false;  // `null`: typed by its context

  // Filled by the checker.
  Type type;
  bool nullable = false;
  bool constant = false;  // depends only on literals, parameters and as_of
  SymbolKind symbol = SymbolKind::kNone;
  int symbol_index = -1;  // field/param/derive/table index; enum code
};

using ExprPtr = std::unique_ptr<Expr>;

// Parses `source.value`; positions are mapped back into the pack file.
// Returns nullptr (with diagnostics) on a syntax error.
ExprPtr parse_expr(const Text& source, std::vector<Diagnostic>& diags);

}  // namespace kcbx::detail

#endif  // KCBX_EXPR_AST_H_
