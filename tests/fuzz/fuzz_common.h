// Shared pieces of the libFuzzer targets: the embedded pack and an engine
// built once per process, a fixed evaluation date, and a check that aborts
// (so that libFuzzer saves the input) when an invariant does not hold.
#ifndef KCBX_TESTS_FUZZ_FUZZ_COMMON_H_
#define KCBX_TESTS_FUZZ_FUZZ_COMMON_H_

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

#include "kcbx/kcbx.h"

namespace kcbx::fuzz {

// A violated invariant is a finding: print it and abort.
#define KCBX_FUZZ_CHECK(cond)                                                \
  do {                                                                       \
    if (!(cond)) {                                                           \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,       \
                   __LINE__, #cond);                                         \
      std::abort();                                                          \
    }                                                                        \
  } while (0)

inline const RulePack& guizhou() {
  static const RulePack pack = default_rules("guizhou");
  return pack;
}

inline const Engine& guizhou_engine() {
  // One thread: libFuzzer measures coverage of the calling thread best, and
  // the concurrency tests cover the thread pool.
  static const Engine engine(guizhou(), EngineOptions{.threads = 1, .batch_rows = 7});
  return engine;
}

inline Date as_of() { return *Date::parse("2019-11-15"); }

// The input encodings the readers accept, picked by one input byte.
inline const char* encoding_for(unsigned char b) {
  switch (b % 4) {
    case 0:
    case 1: return "utf-8";
    case 2: return "gb18030";
    default: return "gbk";
  }
}

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A students batch read from CSV text with the Guizhou pack: the fixed
// records the events and roster targets evaluate their input against.
inline Batch students_from(const char* csv) {
  std::istringstream in(csv);
  StudentReader reader(guizhou(), in);
  Batch b;
  reader.next(b);
  return b;
}

}  // namespace kcbx::fuzz

#endif  // KCBX_TESTS_FUZZ_FUZZ_COMMON_H_
