#include "io/input_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "kcbx/diagnostic.h"

namespace kcbx::detail {

void open_input(std::ifstream& in, const std::string& path, std::string_view what) {
  auto fail = [&](std::string why) {
    throw Error({{Severity::kError, {path, 0, 0}, "cannot-read",
                  "cannot open the " + std::string(what) + ": " + std::move(why)}});
  };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail("it is a folder, not a file");
  errno = 0;
  in.open(path, std::ios::binary);
  if (in) return;
  const int err = errno;
  if (err == ENOENT) fail("there is no such file");
  if (err == EACCES) fail("permission denied");
  fail(err ? std::strerror(err) : "the system gave no reason");
}

}  // namespace kcbx::detail
