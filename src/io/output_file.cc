#include "io/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "kcbx/diagnostic.h"

namespace kcbx::detail {

namespace {

namespace fs = std::filesystem;

Error write_error(const std::string& path, std::string message) {
  return Error({{Severity::kError, {path, 0, 0}, "cannot-write", std::move(message)}});
}

// The standard stream a path names ("-", as for the inputs, /dev/stdout,
// /dev/fd/1, /proc/self/fd/1; likewise 2), or nullptr. Written through the process's
// own stream: a second open of a file the shell redirected it to would
// write at its own position, over what the stream writes.
std::ostream* standard_stream(const std::string& path) {
  if (path == "-" || path == "/dev/stdout" || path == "/dev/fd/1" || path == "/proc/self/fd/1") return &std::cout;
  if (path == "/dev/stderr" || path == "/dev/fd/2" || path == "/proc/self/fd/2") return &std::cerr;
  return nullptr;
}

// Whether `path` is written into as it is: a FIFO, a device or a socket
// (following links), which a rename would replace (a reader of the FIFO
// would get nothing; as root, /dev/full itself was replaced), or another
// descriptor by its /dev/fd or /proc/self/fd name.
bool written_through(const std::string& path) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (!ec && (fs::is_fifo(st) || fs::is_character_file(st) || fs::is_block_file(st) || fs::is_socket(st)))
    return true;
  return path.rfind("/dev/fd/", 0) == 0 || path.rfind("/proc/self/fd/", 0) == 0;
}

// The file a chain of symbolic links ends at (it may not exist yet), so
// that the rename replaces that file and the links stay; `path` when it is
// no link.
std::string link_target(const std::string& path) {
  fs::path p = path;
  for (int hops = 0; hops < 40; ++hops) {
    std::error_code ec;
    if (!fs::is_symlink(fs::symlink_status(p, ec))) return p.string();
    const fs::path to = fs::read_symlink(p, ec);
    if (ec) return p.string();
    p = to.is_absolute() ? to : p.parent_path() / to;
  }
  throw write_error(path, "cannot create the output file: too many levels of symbolic links (a loop?)");
}

}  // namespace

bool same_file(const std::string& a_given, const std::string& b_given) {
  if (a_given.empty() || b_given.empty() || a_given == "-" || b_given == "-") return false;
  // A link is the file it ends at, as OutputFile writes it, even one not
  // made yet (a link to new.csv, and new.csv).
  auto target = [](const std::string& p) {
    try {
      return link_target(p);
    } catch (const Error&) {
      return p;  // a loop: compared as written
    }
  };
  const std::string a = target(a_given), b = target(b_given);
  std::error_code ea, eb;
  const bool a_exists = fs::exists(a, ea), b_exists = fs::exists(b, eb);
  if (a_exists && b_exists) {
    std::error_code ec;
    return fs::equivalent(a, b, ec);
  }
  if (a_exists != b_exists) return false;
  std::error_code ec1, ec2;
  const fs::path x = fs::weakly_canonical(fs::absolute(a, ec1), ec1), y = fs::weakly_canonical(fs::absolute(b, ec2), ec2);
  return !ec1 && !ec2 && x == y;
}

bool replaced_on_commit(const std::string& path) {
  return !path.empty() && !standard_stream(path) && !written_through(path);
}

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
  if (std::ostream* standard = standard_stream(path_)) {
    target_ = path_;
    out_ = standard;
    return;
  }
  if (written_through(path_)) {
    // A FIFO no process reads would block the open for ever: said instead.
    std::error_code ec;
    int probe = -1;
    if (fs::is_fifo(fs::status(path_, ec))) {
      probe = ::open(path_.c_str(), O_WRONLY | O_NONBLOCK);
      if (probe < 0 && errno == ENXIO) throw write_error(path_, "cannot write into the FIFO: no process reads it");
    }
    target_ = path_;
    file_.open(path_, std::ios::binary | std::ios::app);
    // Closed only now: closing the probe before the stream opened left the
    // FIFO without a writer for a moment, and its reader took that as the
    // end of the data (0 lines), while the stream's open then waited for a
    // reader for ever.
    if (probe >= 0) ::close(probe);
  } else {
    target_ = link_target(path_);
    tmp_ = target_ + ".tmp-" + std::to_string(::getpid());
    file_.open(tmp_, std::ios::binary | std::ios::trunc);
  }
  if (!file_) throw write_error(path_, std::string("cannot create the output file: ") + std::strerror(errno));
}

OutputFile::~OutputFile() {
  if (!committed_ && !tmp_.empty()) {
    file_.close();
    std::remove(tmp_.c_str());
  }
}

void OutputFile::commit() {
  out_->flush();
  const bool ok = static_cast<bool>(*out_);
  if (out_ == &file_) file_.close();
  if (!ok || (out_ == &file_ && file_.fail())) {
    if (!tmp_.empty()) std::remove(tmp_.c_str());
    committed_ = true;
    throw write_error(path_, tmp_.empty()
                                 ? "writing the output failed (disk full, a closed pipe or a full device?)"
                                 : "writing the output failed (disk full or file too large?); nothing was written");
  }
  if (tmp_.empty()) {
    committed_ = true;
    return;
  }
  if (std::rename(tmp_.c_str(), target_.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp_.c_str());
    committed_ = true;
    throw write_error(path_, "cannot move the output into place: " + why);
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
