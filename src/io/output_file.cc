#include "io/output_file.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "kcbx/diagnostic.h"

namespace kcbx::detail {

OutputFile::OutputFile(std::string path)
    : path_(std::move(path)), tmp_(path_ + ".tmp-" + std::to_string(::getpid())) {
  out_.open(tmp_, std::ios::binary | std::ios::trunc);
  if (!out_)
    throw Error({{Severity::kError, {path_, 0, 0}, "cannot-write",
                  std::string("cannot create the output file: ") + std::strerror(errno)}});
}

OutputFile::~OutputFile() {
  if (!committed_) {
    out_.close();
    std::remove(tmp_.c_str());
  }
}

void OutputFile::commit() {
  out_.flush();
  const bool ok = static_cast<bool>(out_);
  out_.close();
  if (!ok || out_.fail()) {
    std::remove(tmp_.c_str());
    committed_ = true;
    throw Error({{Severity::kError, {path_, 0, 0}, "cannot-write",
                  "writing the output failed (disk full or file too large?); nothing was written"}});
  }
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
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
