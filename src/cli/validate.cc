// kcbx validate [--rules PACK]: loads and checks a pack, prints what it holds.
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/common.h"
#include "pack/checked_pack.h"
#include "pack/extend.h"

namespace kcbx::cli {

Runner add_validate(CLI::App& app) {
  auto* cmd = app.add_subcommand("validate", "Check a rule pack and report every problem");
  auto rules = std::make_shared<std::string>();
  auto effective = std::make_shared<bool>(false);
  cmd->add_option("--rules,rules", *rules, "Rule pack file (default: the embedded Guizhou pack)");
  cmd->add_flag("--print-effective", *effective,
                "Print the merged pack (after extends:) with the file and line of every item");
  return [rules, effective]() {
    RulePack pack = load_pack(*rules);
    if (*effective) {
      std::cout << detail::print_effective(*pack.checked().pack);
      return kExitOk;
    }
    const auto& p = *pack.checked().pack;
    size_t rows = 0;
    for (const auto& t : p.tables) rows += t.rows.size();
    std::cout << "ok: " << pack.id() << " (" << pack.file() << ")\n"
              << "  " << p.fields.size() << " fields, " << p.params.size() << " parameters, "
              << p.derives.size() << " derived values, " << p.tables.size() << " tables ("
              << rows << " rows), " << p.checks.size() << " record checks\n";
    return kExitOk;
  };
}

}  // namespace kcbx::cli
