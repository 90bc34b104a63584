// Student records: CSV -> StudentReader (BatchBuilder) -> Engine::classify
// and explain, with the embedded Guizhou pack. The first byte picks the
// encoding. Checks `read == accepted + rejected`, that every reject is
// reported once and every accepted record reaches a batch, and that the
// status-only program (folded ages, derived values computed where first
// read) and explain decide as the full program does.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::istringstream in{std::string(kcbx::fuzz::as_text(data + 1, size - 1))};
  kcbx::ReadOptions ro;
  ro.file = "<fuzz>";
  ro.encoding = kcbx::fuzz::encoding_for(data[0]);
  ro.batch_rows = 1 + (data[0] >> 5);
  const kcbx::Engine& engine = kcbx::fuzz::guizhou_engine();
  std::optional<kcbx::StudentReader> reader;
  try {
    reader.emplace(kcbx::fuzz::guizhou(), in, ro);
  } catch (const kcbx::Error& e) {
    KCBX_FUZZ_CHECK(!e.diagnostics().empty());
    return 0;  // the header cannot be used: a file-level error
  }
  int64_t in_batches = 0;
  int64_t rejects = 0;
  kcbx::Batch batch;
  while (reader->next(batch)) {
    KCBX_FUZZ_CHECK(batch.size() > 0 && batch.size() <= ro.batch_rows);
    in_batches += static_cast<int64_t>(batch.size());
    rejects += static_cast<int64_t>(reader->take_rejects().size());
    const kcbx::BatchResult result = engine.classify(batch, kcbx::fuzz::as_of());
    KCBX_FUZZ_CHECK(result.size() == batch.size());
    for (size_t i = 0; i < result.size(); ++i) {
      (void)result.value(0, i);
      (void)result.reject_reason(i);
      (void)batch.cell(i, "id_number");
    }
    kcbx::ClassifyOptions status_only;
    status_only.flags = status_only.cases = status_only.all_tables = status_only.outputs = false;
    const kcbx::BatchResult lean = engine.classify(batch, kcbx::fuzz::as_of(), status_only);
    for (size_t i = 0; i < result.size(); ++i) {
      KCBX_FUZZ_CHECK(lean.rejected(i) == result.rejected(i));
      KCBX_FUZZ_CHECK(lean.rule(0, i) == result.rule(0, i));
      if (i < 4) {
        const kcbx::Explanation e = engine.explain(batch, i, kcbx::fuzz::as_of());
        KCBX_FUZZ_CHECK(e.accepted == !result.rejected(i));
        if (e.accepted && !e.decisions.empty()) KCBX_FUZZ_CHECK(e.decisions[0].rule == result.rule(0, i));
      }
    }
    (void)engine.explain(batch, 0, kcbx::fuzz::as_of()).format();
  }
  rejects += static_cast<int64_t>(reader->take_rejects().size());
  const kcbx::ReadCounts& c = reader->counts();
  KCBX_FUZZ_CHECK(c.read == c.accepted + c.rejected);
  KCBX_FUZZ_CHECK(c.accepted == in_batches);
  KCBX_FUZZ_CHECK(c.rejected == rejects);
  return 0;
}
