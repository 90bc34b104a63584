// Generated students (what `kcbx generate` writes) for tests that need many
// realistic records: the CSV text, or that text read into one Batch.
#ifndef KCBX_TESTS_GENERATED_STUDENTS_H_
#define KCBX_TESTS_GENERATED_STUDENTS_H_

#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "generate/generate.h"
#include "kcbx/kcbx.h"

namespace kcbx::testing {

inline std::string generated_students_csv(int64_t n, uint64_t seed,
                                          Date as_of = *Date::parse("2019-11-15")) {
  detail::GenerateOptions o;
  o.students = n;
  o.seed = seed;
  o.as_of = as_of;
  std::ostringstream out;
  detail::generate(o, {&out, nullptr, nullptr});
  return out.str();
}

// Every accepted record of `csv` in one Batch.
inline Batch batch_of(const RulePack& rules, const std::string& csv) {
  std::istringstream in(csv);
  ReadOptions ro;
  ro.batch_rows = SIZE_MAX;
  StudentReader reader(rules, in, ro);
  Batch batch;
  reader.next(batch);
  return batch;
}

// The embedded Guizhou pack's YAML with the one occurrence of `from`
// replaced by `to` (a test's variant of it), or "" when `from` is not in it.
inline std::string default_pack_with(std::string_view from, std::string_view to) {
  std::string text = default_rules().source();
  const size_t at = text.find(from);
  if (at == std::string::npos) return {};
  return text.replace(at, from.size(), to);
}

}  // namespace kcbx::testing

#endif  // KCBX_TESTS_GENERATED_STUDENTS_H_
