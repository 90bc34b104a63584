// The library version, for programs that report what they run.
//
//   std::cout << "kcbx " << kcbx::kVersion << "\n";
#ifndef KCBX_VERSION_H_
#define KCBX_VERSION_H_

namespace kcbx {

inline constexpr int kVersionMajor = 0;
inline constexpr int kVersionMinor = 1;
inline constexpr int kVersionPatch = 0;
inline constexpr const char* kVersion = "0.1.0";

}  // namespace kcbx

#endif  // KCBX_VERSION_H_
