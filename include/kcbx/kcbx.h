// kcbx: 控辍保学 (compulsory-education dropout control) as YAML rule packs and
// a fast engine. Include this header for the whole public API.
//
//   kcbx::Engine engine(kcbx::default_rules());
//   auto file = kcbx::read_students(engine.rules(), "students.csv");
//   auto result = engine.classify(file.batch, *kcbx::Date::parse("2019-10-10"));
#ifndef KCBX_KCBX_H_
#define KCBX_KCBX_H_

#include "kcbx/batch.h"          // IWYU pragma: export
#include "kcbx/cases.h"          // IWYU pragma: export
#include "kcbx/columns.h"        // IWYU pragma: export
#include "kcbx/csv.h"            // IWYU pragma: export
#include "kcbx/date.h"           // IWYU pragma: export
#include "kcbx/diagnostic.h"     // IWYU pragma: export
#include "kcbx/engine.h"         // IWYU pragma: export
#include "kcbx/memory.h"         // IWYU pragma: export
#include "kcbx/report.h"         // IWYU pragma: export
#include "kcbx/responsibility.h" // IWYU pragma: export
#include "kcbx/rule_pack.h"      // IWYU pragma: export
#include "kcbx/rule_tests.h"     // IWYU pragma: export
#include "kcbx/transfer.h"       // IWYU pragma: export
#include "kcbx/version.h"        // IWYU pragma: export

#endif  // KCBX_KCBX_H_
