#include "kcbx/diagnostic.h"

#include <string>

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
  return out;
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

Error::Error(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(join(diagnostics)),
      diagnostics_(std::move(diagnostics)) {}

Error::Error(std::string code, std::string message)
    : Error(std::vector<Diagnostic>{
          Diagnostic{Severity::kError, {}, std::move(code), std::move(message)}}) {}

}  // namespace kcbx
