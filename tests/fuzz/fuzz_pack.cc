// Rule-pack loader: YAML text -> check_rules; a pack with no error must then
// load with parse_rules, compile into an Engine and explain records without
// crashing. check_rules and parse_rules must agree.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>

#include "fuzz_common.h"

namespace {

void exercise(const kcbx::RulePack& pack) {
  (void)pack.id();
  // Does not throw for a valid pack (engine.h).
  const kcbx::Engine engine(pack, kcbx::EngineOptions{.threads = 1, .batch_rows = 3});
  (void)engine.output_columns();
  (void)engine.output_columns(false);
  // A record with no cells and one with a cell for a few likely names.
  kcbx::Record empty;
  kcbx::Record some;
  const char* names[] = {"student_id", "id", "a", "b", "d", "n", "s", "e", "registry"};
  const char* cells[] = {"1", "2019-01-01", "x", "true", "3 days", ""};
  size_t k = 0;
  for (const char* name : names) some.set(name, cells[k++ % 6]);
  for (const kcbx::Record* r : {&empty, &some}) {
    try {
      const kcbx::Explanation e = engine.explain(*r, kcbx::fuzz::as_of());
      (void)e.format();
      (void)e.to_json();
    } catch (const kcbx::Error&) {
      // A parameter without a value on that date: a diagnostic, not a crash.
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = kcbx::fuzz::as_text(data, size);
  const std::vector<kcbx::Diagnostic> diags = kcbx::check_rules(text, "<fuzz>");
  for (const auto& d : diags) (void)d.format();
  std::optional<kcbx::RulePack> pack;
  try {
    pack = kcbx::parse_rules(text, "<fuzz>");
  } catch (const kcbx::Error& e) {
    KCBX_FUZZ_CHECK(!e.diagnostics().empty());
  }
  // check_rules finds an error exactly when parse_rules refuses the pack.
  KCBX_FUZZ_CHECK(pack.has_value() == !kcbx::has_errors(diags));
  if (pack) exercise(*pack);
  return 0;
}
