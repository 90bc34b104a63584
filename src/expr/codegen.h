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

  // Emits `e`; returns the slot holding its value. The caller releases it.
  int emit(const Expr& e);
  // Emits `e` into a fresh persistent slot (derive results).
  int emit_persistent(const Expr& e);

  void append(const Instr& in) { p_.code.push_back(in); }
  Program& program() { return p_; }

 private:
  int emit_into(const Expr& e, std::vector<Instr>& code, bool in_prelude);
  int literal(const Expr& e);

  Program& p_;
  std::map<std::pair<int, bool>, std::vector<int>> free_;
};

}  // namespace kcbx::detail

#endif  // KCBX_EXPR_CODEGEN_H_
