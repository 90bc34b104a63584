// Loads the embedded Guizhou pack, classifies three records and explains one.
// Build: part of the kcbx build (target kcbx_example_classify), or in your own
// project with find_package(kcbx CONFIG) and target_link_libraries(... kcbx::kcbx).
#include <iostream>

#include "kcbx/kcbx.h"

int main() {
  kcbx::RulePack pack = kcbx::default_rules();
  kcbx::Engine engine(pack);
  const kcbx::Date as_of = *kcbx::Date::parse("2019-10-10");

  kcbx::BatchBuilder builder(pack);
  builder.set_columns({"student_id", "registry", "birth_date", "last_attended"});
  builder.add_row({"G001", "enrolled", "2010-05-01", ""}, 2);            // at school
  builder.add_row({"G002", "enrolled", "2010-05-01", "2019-09-01"}, 3);  // gone since 09-01
  builder.add_row({"G003", "none", "2013-01-01", ""}, 4);                // aged 6, never registered
  kcbx::Batch batch = builder.finish();

  kcbx::BatchResult result = engine.classify(batch, as_of);
  for (size_t i = 0; i < result.size(); ++i)
    std::cout << batch.cell(i, "student_id") << ": " << result.value(0, i) << " (rule "
              << result.rule(0, i) << ", clause " << result.clause(0, i) << ")\n";

  kcbx::Record r;
  r.set("student_id", "G002").set("registry", "在籍").set("birth_date", "2010-05-01")
      .set("last_attended", "2019-09-01");
  std::cout << "\n" << engine.explain(r, as_of).format();
  return 0;
}
