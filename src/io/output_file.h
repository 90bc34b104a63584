// Output files that appear whole or not at all: written to a temporary file
// beside the target and renamed into place on commit(), so a crash or a full
// disk never leaves a truncated ledger that looks complete.
#ifndef KCBX_IO_OUTPUT_FILE_H_
#define KCBX_IO_OUTPUT_FILE_H_

#include <fstream>
#include <string>

namespace kcbx::detail {

class OutputFile {
 public:
  // Opens "<path>.tmp-<pid>"; throws kcbx::Error when it cannot. A path
  // that is a symbolic link: the temporary file is made beside the file the
  // links end at, and renamed onto that file (the links stay). A path that
  // is no regular file (a FIFO, a device, /dev/fd/N) is written through,
  // appending: renamed onto, it would be replaced, and a reader of the FIFO
  // would get nothing; "-" and /dev/stdout, and /dev/stderr, are written
  // through the process's own std::cout and std::cerr.
  explicit OutputFile(std::string path);
  // Removes the temporary file unless committed.
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  std::ostream& stream() { return *out_; }
  // Flushes, checks every write succeeded and renames into place. Throws
  // kcbx::Error (and removes the temporary file) when anything failed.
  void commit();
  const std::string& path() const { return path_; }

 private:
  std::string path_;    // as given, for messages
  std::string target_;  // what commit() renames onto (path_, or the file its link names)
  std::string tmp_;     // empty: written through (see the constructor)
  std::ofstream file_;
  std::ostream* out_ = &file_;  // file_, or std::cout or std::cerr
  bool committed_ = false;
};

// Whether two paths name one file: the same file (device and inode, so
// links and other spellings count) when both exist, else the same path
// once made absolute and normal. "" and "-" (stdin, stdout) are no file.
bool same_file(const std::string& a, const std::string& b);

// Whether an output at `path` is renamed into place (a regular file, or
// none yet), rather than written through (a FIFO, a device, a standard
// stream: see OutputFile).
bool replaced_on_commit(const std::string& path);

// RFC 4180 quoting for one CSV field: quoted when it holds a comma, quote,
// CR or LF, or starts with a character a spreadsheet would take for a
// formula (=, +, -, @), which is also prefixed with a quote mark.
std::string csv_field(std::string_view value);

}  // namespace kcbx::detail

#endif  // KCBX_IO_OUTPUT_FILE_H_
