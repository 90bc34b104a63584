#include "kcbx/diagnostic.h"

#include <string>

#include "io/id_number.h"

namespace kcbx {

std::string SourceLocation::format() const {
  std::string out = file.empty() ? "<input>" : file;
  if (line > 0) {
    out += ':' + std::to_string(line);
    if (column > 0) out += ':' + std::to_string(column);
  }
  return out;
}

static const char* severity_name(Severity s) {
  switch (s) {
    case Severity::kError: return "error";
    case Severity::kWarning: return "warning";
    case Severity::kNote: return "note";
  }
  return "error";
}

std::string Diagnostic::format() const {
  std::string out = where.format();
  out += ": ";
  out += severity_name(severity);
  out += ": ";
  out += message;
  if (!code.empty()) out += " [" + code + "]";
  // A message quotes what was written (an ID number typed where a date
  // goes, `from: 522732200708097733`): masked, as every printed diagnostic.
  return detail::has_embedded_id_number(out) ? detail::mask_embedded_id_numbers(out) : out;
}

bool has_errors(const std::vector<Diagnostic>& ds) {
  for (const auto& d : ds)
    if (d.severity == Severity::kError) return true;
  return false;
}

static std::string join(const std::vector<Diagnostic>& ds) {
  std::string out;
  for (const auto& d : ds) {
    if (!out.empty()) out += '\n';
    out += d.format();
  }
  return out;
}

// An error's diagnostics quote what the caller gave: a file path
// (/srv/uploads/520102201003151236.csv), a column, a role, an encoding. An
// ID number among them is masked here, once for every error thrown, as the
// data's cells are where they are quoted.
static std::vector<Diagnostic> masked(std::vector<Diagnostic> ds) {
  for (Diagnostic& d : ds) {
    if (detail::has_embedded_id_number(d.message)) d.message = detail::mask_embedded_id_numbers(d.message);
    if (detail::has_embedded_id_number(d.where.file)) d.where.file = detail::mask_embedded_id_numbers(d.where.file);
  }
  return ds;
}

Error::Error(std::vector<Diagnostic> diagnostics) : Error(masked(std::move(diagnostics)), 0) {}

Error::Error(std::vector<Diagnostic> diagnostics, int)
    : std::runtime_error(join(diagnostics)), diagnostics_(std::move(diagnostics)) {}

Error::Error(std::string code, std::string message)
    : Error(std::vector<Diagnostic>{
          Diagnostic{Severity::kError, {}, std::move(code), std::move(message)}}) {}

}  // namespace kcbx
