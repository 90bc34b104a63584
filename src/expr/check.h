// Type checker for pack expressions: resolves names, infers types and
// nullability, marks constant sub-expressions, and reports every mistake as a
// diagnostic at its position.
#ifndef KCBX_EXPR_CHECK_H_
#define KCBX_EXPR_CHECK_H_

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "expr/ast.h"

namespace kcbx::detail {

struct Symbol {
  SymbolKind kind = SymbolKind::kNone;
  int index = -1;
  Type type;
  bool nullable = false;
  bool constant = false;
};

// What names mean where an expression is checked. `lookup` may check the
// named item first (derived values are checked on demand, in dependency
// order) and returns nullopt for unknown names.
struct Scope {
  const Pack* pack = nullptr;
  std::function<std::optional<Symbol>(const std::string& name,
                                      const SourceLocation& where)>
      lookup;
  std::function<std::vector<std::string>()> names;  // for suggestions
  // Chinese aliases of names (a field's `alias`), as (alias, name) pairs:
  // an expression may write either, and is rewritten to the name, so that
  // explanations and traces name the field as the pack does. A name or an
  // enum value the context expects wins over an alias. May be null.
  const std::vector<std::pair<std::string, std::string>>* aliases = nullptr;
  // Receives (domain, code) of every enum value an expression names, when
  // not null: a value no expression names falls through every condition
  // (validate warns of it).
  std::set<std::pair<int, int>>* named_values = nullptr;
};

// Checks `e` in place. `want` is the type the context needs (kind only,
// or domain for enums), or nullopt for any. Returns false after reporting.
bool check_expr(Expr& e, const Scope& scope, std::vector<Diagnostic>& diags,
                std::optional<Type> want = std::nullopt);

// Resolves a value name or Chinese alias in an enum domain; -1 if none.
int find_enum_value(const DomainDef& domain, std::string_view name);

// "enum(status)" or "date", for messages.
std::string describe_type(const Type& t, const Pack& pack);

// Names of all built-in functions, for documentation checks.
std::vector<std::string> builtin_function_names();

}  // namespace kcbx::detail

#endif  // KCBX_EXPR_CHECK_H_
