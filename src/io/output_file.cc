#include "io/output_file.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>

#include "kcbx/diagnostic.h"

namespace kcbx::detail {

namespace {

// Whether `path` names something other than a regular file to write into:
// a FIFO, a device or a socket (following links), or a descriptor by its
// /dev or /proc name (/dev/stdout, /proc/self/fd/1), whatever it is open
// on: a shell's `> file` has opened that file already, and a rename would
// leave its descriptor on the old one.
bool written_through(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (!ec && fs::exists(st) && !fs::is_regular_file(st) && !fs::is_directory(st)) return true;
  const std::string abs = fs::absolute(path, ec).lexically_normal().string();
  return !ec && (abs.rfind("/dev/", 0) == 0 || abs.rfind("/proc/", 0) == 0);
}

// The file a symbolic link names (its folder's links resolved too), or
// `path` itself when it is no link or cannot be resolved.
std::string link_target(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_symlink(fs::symlink_status(path, ec))) return path;
  const fs::path real = fs::weakly_canonical(path, ec);
  return ec || real.empty() ? path : real.string();
}

}  // namespace

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
  if (written_through(path_)) {
    target_ = path_;
    out_.open(path_, std::ios::binary | std::ios::app);
  } else {
    target_ = link_target(path_);
    tmp_ = target_ + ".tmp-" + std::to_string(::getpid());
    out_.open(tmp_, std::ios::binary | std::ios::trunc);
  }
  if (!out_)
    throw Error({{Severity::kError, {path_, 0, 0}, "cannot-write",
                  std::string("cannot create the output file: ") + std::strerror(errno)}});
}

OutputFile::~OutputFile() {
  if (!committed_ && !tmp_.empty()) {
    out_.close();
    std::remove(tmp_.c_str());
  }
}

void OutputFile::commit() {
  out_.flush();
  const bool ok = static_cast<bool>(out_);
  out_.close();
  if (!ok || out_.fail()) {
    if (!tmp_.empty()) std::remove(tmp_.c_str());
    committed_ = true;
    throw Error({{Severity::kError, {path_, 0, 0}, "cannot-write",
                  tmp_.empty() ? "writing the output failed (disk full, a closed pipe or a full device?)"
                               : "writing the output failed (disk full or file too large?); nothing was written"}});
  }
  if (tmp_.empty()) {
    committed_ = true;
    return;
  }
  if (std::rename(tmp_.c_str(), target_.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp_.c_str());
    committed_ = true;
    throw Error({{Severity::kError, {path_, 0, 0}, "cannot-write",
                  "cannot move the output into place: " + why}});
  }
  committed_ = true;
}

namespace {

// "-12", "-0.5" or "-1.5e+06" (as %g writes it): a negative number,
// which Excel reads as one. Any other cell starting with '-' ("-3+4",
// "-A1") Excel evaluates as a formula.
bool negative_number(std::string_view v) {
  auto digit = [&](size_t i) { return i < v.size() && v[i] >= '0' && v[i] <= '9'; };
  size_t i = 1, digits = 0;
  for (; digit(i); ++i) ++digits;
  if (i < v.size() && v[i] == '.')
    for (++i; digit(i); ++i) ++digits;
  if (digits == 0) return false;
  if (i < v.size() && (v[i] == 'e' || v[i] == 'E')) {
    ++i;
    if (i < v.size() && (v[i] == '+' || v[i] == '-')) ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  return i == v.size();
}

}  // namespace

std::string csv_field(std::string_view v) {
  // A cell Excel would take as a formula (CSV injection) is written as
  // text, with a leading apostrophe: '=', '+', '@', a tab or carriage
  // return first, or '-' first unless the cell is a negative number.
  const bool formula = !v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '@' || v[0] == '\t' ||
                                      v[0] == '\r' || (v[0] == '-' && v.size() > 1 && !negative_number(v)));
  if (!formula && v.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(v);
  std::string out = "\"";
  if (formula) out += '\'';
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace kcbx::detail
