// kcbx validate [--rules PACK]: loads and checks a pack, prints what it holds.
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/author_commands.h"
#include "cli/common.h"
#include "kcbx/rule_tests.h"
#include "pack/checked_pack.h"
#include "pack/extend.h"
#include "pack/messages.h"
#include "pack/schema.h"

namespace kcbx::detail {
std::string_view embedded_pack(std::string_view name);  // embedded_packs.cc
}

namespace kcbx::cli {

namespace {

// Every diagnostic of the pack, warnings included (load_rules keeps only
// errors): for a file, its text checked; for an embedded pack, its text.
std::vector<Diagnostic> all_diagnostics(const std::string& rules) {
  std::string name = rules.empty() ? "guizhou" : rules;
  std::string_view embedded = detail::embedded_pack(name);
  if (!embedded.empty()) return check_rules(embedded, "<embedded:" + name + ">");
  std::string text;  // bounded: /dev/zero must not fill the memory
  if (!detail::read_pack_file(rules, text, detail::schema::kMaxPackBytes)) return {};  // load_pack reports it
  return check_rules(text, rules);
}

}  // namespace

Runner add_validate(CLI::App& app) {
  auto* cmd = app.add_subcommand("validate", "Check a rule pack and report every problem");
  auto rules = std::make_shared<std::string>();
  auto effective = std::make_shared<bool>(false);
  auto lang = std::make_shared<std::string>("en");
  cmd->add_option("--rules,rules", *rules, "Rule pack file (default: the embedded Guizhou pack)");
  cmd->add_flag("--print-effective", *effective,
                "Print the merged pack (after extends:) with the file and line of every item");
  cmd->add_option("--lang", *lang, "Message language: en (default) or zh");
  return [rules, effective, lang]() {
    if (!detail::is_known_language(*lang)) throw UsageError("--lang: expected en or zh, not '" + *lang + "'");
    const std::string l = detail::normalize_language(*lang);
    std::vector<Diagnostic> diags = all_diagnostics(*rules);
    if (has_errors(diags)) {
      print_localized(diags, l);
      return kExitUnusable;
    }
    if (!diags.empty()) print_localized(diags, l);  // warnings (overlapping unique rows)
    RulePack pack = [&] {
      try {
        return load_pack(*rules);
      } catch (const Error& e) {
        if (l == "en") throw;
        print_localized(e.diagnostics(), l);
        throw Error(std::vector<Diagnostic>{});
      }
    }();
    if (*effective) {
      std::cout << detail::print_effective(*pack.checked().pack);
      return kExitOk;
    }
    // A parameter used on dates before its first value would stop
    // classify on those dates: said here, at the author's first check,
    // as kcbx test says it (the unset-by-design note stays test's).
    std::vector<Diagnostic> gaps;
    for (auto& d : sweep_parameters(pack))
      if (d.code == "parameter-gap") gaps.push_back(std::move(d));
    if (!gaps.empty()) print_localized(gaps, l);
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
