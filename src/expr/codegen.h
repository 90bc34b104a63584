// Turns checked expressions into Program instructions. Constant
// sub-expressions (literals, parameters, as_of) go to the prelude, which runs
// once per evaluation call: parameters in force on the evaluation date are
// folded before any record is seen.
#ifndef KCBX_EXPR_CODEGEN_H_
#define KCBX_EXPR_CODEGEN_H_

#include <functional>
#include <map>
#include <vector>

#include "expr/program.h"

namespace kcbx::detail {

class CodeGen {
 public:
  explicit CodeGen(Program& program) : p_(program) {}

  // Slot allocation. Persistent slots (fields, derive results, table
  // outputs) are never reused; temps return to a free list on release().
  int new_slot(TypeKind kind, bool nullable, SlotSource source,
               bool persistent);
  void release(int slot);

  // Where names live: set by the engine compiler before emitting.
  std::function<int(SymbolKind, int)> symbol_slot;
  std::function<int(int param)> param_slot;
  // The expression of a derived value (to see through names, below).
  std::function<const Expr*(int derive)> derive_expr;

  // Emits `e`; returns the slot holding its value. The caller releases it.
  int emit(const Expr& e);
  // Emits `e` into a fresh persistent slot (derive results).
  int emit_persistent(const Expr& e);

  void append(const Instr& in) { p_.code.push_back(in); }
  Program& program() { return p_; }

  // Forgets the function results computed at or after instruction `pc`
  // (code that may be skipped or run on a subset of the records), so that a
  // later call computes them again.
  void forget_from(size_t pc);

 private:
  int emit_into(const Expr& e, std::vector<Instr>& code, bool in_prelude);
  int literal(const Expr& e);
  // `age_on(x, c) <op> k` with c and k constant, as `x <op'> cutoff(c, k)`;
  // -1 when `e` is not of that form.
  int emit_age_cutoff(const Expr& e, std::vector<Instr>& code);

  Program& p_;
  std::map<std::pair<int, bool>, std::vector<int>> free_;
  // Function calls over stored values (fields, derived values), computed
  // once: `id_birth_date(id_number)` in a derived value and in a check is
  // one scan of the ID numbers. Key: function and argument slots.
  struct Computed {
    int slot;
    size_t pc;
  };
  std::map<std::pair<std::string, std::vector<int>>, Computed> calls_;
};

}  // namespace kcbx::detail

#endif  // KCBX_EXPR_CODEGEN_H_
