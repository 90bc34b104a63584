// Links kcbx::kcbx, classifies a record with the embedded pack and checks
// the result, so that a broken install or export fails the test.
#include <iostream>

#include "kcbx/kcbx.h"

int main() {
  kcbx::Engine engine(kcbx::default_rules());
  kcbx::Record r;
  r.set("student_id", "G1").set("registry", "enrolled").set("birth_date", "2010-05-01")
      .set("last_attended", "2019-09-01");
  const kcbx::Explanation e = engine.explain(r, kcbx::Date::from_ymd(2019, 10, 10));
  if (e.decisions.empty() || e.decisions.front().value != "dropout") {
    std::cerr << "unexpected result\n" << e.format();
    return 1;
  }
  std::cout << "consumer: " << e.decisions.front().value << " (" << e.decisions.front().clause << ")\n";
  return 0;
}
