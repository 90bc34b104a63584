// Diagnostics: every mistake a user can make in a rule pack (and every
// file-level problem with an input) is reported as a Diagnostic with a source
// location, printed GCC-style so that editors and CI problem matchers parse it:
//
//   rules/x.yaml:12:7: error: unknown field 'absent_day' [unknown-name]
//
// Loading and compiling collect all diagnostics and throw them together as one
// kcbx::Error; the non-throwing check() functions return them instead.
//
//   try {
//     auto pack = kcbx::load_rules("province.yaml");
//   } catch (const kcbx::Error& e) {
//     for (const auto& d : e.diagnostics()) std::cerr << d.format() << "\n";
//   }
#ifndef KCBX_DIAGNOSTIC_H_
#define KCBX_DIAGNOSTIC_H_

#include <stdexcept>
#include <string>
#include <vector>

namespace kcbx {

// A position in a source file. Stored 1-based (line 1, column 1 is the first
// character); 0 means "unknown" for either. Columns count characters (UTF-8
// code points), as an editor shows them: in `registry = 在籍 and agee`,
// `agee` is at column 19, not at byte 23.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;

  // "file:line:col", omitting the parts that are unknown.
  std::string format() const;
};

enum class Severity { kError, kWarning, kNote };

struct Diagnostic {
  Severity severity = Severity::kError;
  SourceLocation where;
  // A short stable slug such as "unknown-key" or "type-mismatch"; tests and
  // documentation key on it.
  std::string code;
  // Lower case, quoting the offending value, with a suggestion where cheap.
  std::string message;

  // "file:line:col: error: message [code]".
  std::string format() const;
};

// True when any diagnostic is an error.
bool has_errors(const std::vector<Diagnostic>& diagnostics);

// Thrown by load/compile when a pack (or an input file as a whole) cannot be
// used. what() is the formatted list, one diagnostic per line. An ID number
// in a message or file name (a path the caller gave) is masked.
class Error : public std::runtime_error {
 public:
  explicit Error(std::vector<Diagnostic> diagnostics);
  // A single diagnostic without a source position.
  Error(std::string code, std::string message);

  const std::vector<Diagnostic>& diagnostics() const noexcept {
    return diagnostics_;
  }

 private:
  Error(std::vector<Diagnostic> masked, int);
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace kcbx

#endif  // KCBX_DIAGNOSTIC_H_
