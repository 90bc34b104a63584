// Officials roster (kcbx::read_roster) with the embedded Guizhou pack, then
// the responsibility graph over a small fixed students batch: validation,
// who is responsible, escalation, DOT and GraphML. The first byte picks the
// encoding. Checks `read == posts + rejects`.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "fuzz_common.h"
#include "kcbx/responsibility.h"

namespace {

const kcbx::Batch& students() {
  static const kcbx::Batch batch = kcbx::fuzz::students_from(
        "student_id,birth_date,registry,last_attended,division_code,school_id,class_id,guardian\n"
        "G1,2010-03-01,enrolled,2019-09-01,522732001201,S52273200101,4-1,Li\n"
        "G2,2008-05-05,left,,522732001204,S52273200102,9-1,\n"
        "G3,2012-01-31,enrolled,2019-11-10,,,,\n");
  return batch;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::istringstream in{std::string(kcbx::fuzz::as_text(data + 1, size - 1))};
  kcbx::Roster roster;
  try {
    roster = kcbx::read_roster(kcbx::fuzz::guizhou(), in, "<fuzz>",
                               kcbx::fuzz::encoding_for(data[0]));
  } catch (const kcbx::Error& e) {
    KCBX_FUZZ_CHECK(!e.diagnostics().empty());
    return 0;
  }
  KCBX_FUZZ_CHECK(roster.read == static_cast<int64_t>(roster.posts.size() + roster.rejects.size()));
  const kcbx::ResponsibilityGraph graph(kcbx::fuzz::guizhou(), roster, students());
  (void)graph.validate(students());
  for (size_t i = 0; i < students().size(); ++i) {
    for (const char* role : {"teacher", "county_head", "township_head", "principal"}) {
      try {
        (void)graph.responsible(students(), i, role);
        (void)graph.escalation(students(), i, role);
      } catch (const std::invalid_argument&) {
        // a role this pack does not have
      }
    }
  }
  std::ostringstream dot, graphml;
  graph.write_dot(dot);
  graph.write_graphml(graphml);
  return 0;
}
