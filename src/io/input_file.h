// Opening an input file (students, events, roster, transfer lists, rule
// packs) with a reason a user can act on when it cannot be read.
#ifndef KCBX_IO_INPUT_FILE_H_
#define KCBX_IO_INPUT_FILE_H_

#include <fstream>
#include <string>
#include <string_view>

namespace kcbx::detail {

// Opens `path` into `in` (binary). Throws kcbx::Error, code "cannot-read",
// "cannot open the <what>: <why>", where why is "it is a folder, not a
// file", "there is no such file" or "permission denied" (else the system's
// words). A folder must be caught before the stream reads it: on Linux an
// ifstream opens a directory and then reads nothing, which the readers
// would report as an empty file.
void open_input(std::ifstream& in, const std::string& path, std::string_view what);

}  // namespace kcbx::detail

#endif  // KCBX_IO_INPUT_FILE_H_
