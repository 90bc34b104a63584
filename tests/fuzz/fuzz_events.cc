// Events CSV (kcbx::read_events) with the embedded Guizhou pack, then the
// case evaluation over a small fixed students batch. The first byte picks
// the encoding. Checks `read == events + rejects`.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "fuzz_common.h"
#include "kcbx/cases.h"

namespace {

const kcbx::Batch& students() {
  static const kcbx::Batch batch = kcbx::fuzz::students_from(
        "student_id,birth_date,registry,last_attended\n"
        "G1,2010-03-01,enrolled,2019-09-01\n"
        "G2,2008-05-05,left,\n"
        "G3,2012-01-31,enrolled,2019-11-10\n");
  return batch;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::istringstream in{std::string(kcbx::fuzz::as_text(data + 1, size - 1))};
  kcbx::EventLog log;
  try {
    log = kcbx::read_events(kcbx::fuzz::guizhou(), in, "<fuzz>",
                            kcbx::fuzz::encoding_for(data[0]));
  } catch (const kcbx::Error& e) {
    KCBX_FUZZ_CHECK(!e.diagnostics().empty());
    return 0;
  }
  KCBX_FUZZ_CHECK(log.read == static_cast<int64_t>(log.events.size() + log.rejects.size()));
  const kcbx::Engine& engine = kcbx::fuzz::guizhou_engine();
  const kcbx::BatchResult result = engine.classify(students(), kcbx::fuzz::as_of());
  const kcbx::CaseReport report =
      kcbx::evaluate_cases(engine, students(), result, log, nullptr, kcbx::fuzz::as_of());
  KCBX_FUZZ_CHECK(report.events_applied + static_cast<int64_t>(report.event_rejects.size()) <=
                  static_cast<int64_t>(log.events.size()));
  return 0;
}
