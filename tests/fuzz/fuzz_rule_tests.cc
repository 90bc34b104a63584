// YAML rule-test files (kcbx test): the input is a test file, run against
// the embedded Guizhou pack (options.rules), so that the fuzzer exercises
// the test-file reader, inline records, events and rosters, expectations and
// the report, not the disk.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.h"
#include "kcbx/rule_tests.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kcbx::RuleTestOptions o;
  o.rules = "guizhou";
  o.sweep = size > 0 && (data[0] & 1);  // the sweep is slow: half the inputs
  kcbx::RuleTestReport report;
  try {
    report = kcbx::run_rule_tests(kcbx::fuzz::as_text(data, size), "<fuzz>", o);
  } catch (const kcbx::Error& e) {
    // Documented only for paths that do not exist; not expected here, but a
    // diagnostic is not a crash.
    KCBX_FUZZ_CHECK(!e.diagnostics().empty());
    return 0;
  }
  (void)report.format(true);
  (void)report.format(false, "zh");
  KCBX_FUZZ_CHECK(report.passed() + report.failed() == report.tests.size());
  return 0;
}
