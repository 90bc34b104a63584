#include "cli/common.h"

#include <algorithm>
#include <optional>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "generate/generate.h"
#include "io/encoding.h"
#include "io/id_number.h"
#include "io/output_file.h"
#include "kcbx/memory.h"
#include "kcbx/rule_pack.h"
#include "pack/checked_pack.h"
#include "util/utf8.h"

namespace kcbx::cli {

void list_rejects(const std::string& key_column, const std::vector<FileReject>& rejects) {
  if (rejects.empty()) return;
  constexpr size_t kListed = 20;
  std::cerr << "  rejected rows (file, row, " << key_column << ", column: reason):\n";
  for (size_t k = 0; k < rejects.size() && k < kListed; ++k) {
    const Reject& x = *rejects[k].reject;
    std::cerr << "    " << rejects[k].file << ", " << x.row << ", " << detail::mask_embedded_id_numbers(x.student_id)
              << ", " << (x.column.empty() ? "-" : x.column) << ": " << detail::mask_embedded_id_numbers(x.reason)
              << "\n";
  }
  if (rejects.size() > kListed) std::cerr << "    ... and " << rejects.size() - kListed << " more\n";
  std::cerr << "  (write every rejected row with --rejects FILE)\n";
}

RulePack load_pack(const std::string& rules) {
  if (rules.empty()) return default_rules();
  for (const auto& name : embedded_rule_names())
    if (rules == name) return default_rules(name);
  return load_rules(rules);
}

std::vector<FileOption> pack_files(const RulePack& pack) {
  std::vector<FileOption> files;
  for (const auto& [file, text] : pack.sources())
    if (!file.empty() && file.front() != '<') files.push_back({"--rules", file});  // not <embedded:guizhou>
  return files;
}

void refuse_overlapping_files(const RulePack& pack, std::vector<FileOption> inputs,
                              const std::vector<FileOption>& outputs) {
  for (FileOption& f : pack_files(pack)) inputs.push_back(std::move(f));
  for (size_t o = 0; o < outputs.size(); ++o) {
    const FileOption& out = outputs[o];
    if (!detail::replaced_on_commit(out.path)) continue;
    for (const FileOption& in : inputs)
      if (detail::same_file(out.path, in.path))
        throw UsageError(std::string(out.option) + " '" + out.path + "' is the file " + in.option +
                         " reads: writing it would replace that input; write to another file");
    for (size_t k = 0; k < o; ++k)
      if (detail::same_file(out.path, outputs[k].path))
        throw UsageError(std::string(outputs[k].option) + " and " + out.option + " name the same file '" + out.path +
                         "': give each output its own file");
  }
}

Date parse_date(const std::string& text, const std::string& option) {
  auto d = Date::parse(text);
  if (!d) throw UsageError(option + ": '" + text + "' is not a date (YYYY-MM-DD)");
  return *d;
}

CLI::Validator encoding_check() {
  return CLI::Validator(
      [](std::string& name) -> std::string {
        if (detail::is_ascii_compatible_encoding(name))  // known to iconv, too
          return {};
        return "unknown or unsupported encoding '" + name + "' (use utf-8, gb18030 or gbk)";
      },
      "ENCODING");
}

namespace {
bool is_yaml_file(const std::string& path) {
  auto ends_with = [&](std::string_view suffix) {
    return path.size() >= suffix.size() &&
           path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends_with(".yaml") || ends_with(".yml") || ends_with(".YAML") || ends_with(".YML");
}

}  // namespace

void generate_for(const std::string& rules, detail::GenerateOptions& options) {
  try {
    if (!rules.empty()) detail::generate_for_pack(load_pack(rules), options);
    detail::check_generate_options(options);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

void print_diagnostics(const std::vector<Diagnostic>& diags) {
  std::map<std::string, std::vector<std::string>> files;
  for (const auto& d : diags) {
    std::cerr << d.format() << "\n";
    const auto& w = d.where;
    if (w.file.empty() || w.line <= 0 || w.file.front() == '<') continue;
    // Source lines are shown for rule packs and test files only: a line of
    // a students file, roster or events file is a child's (or an
    // official's) personal data and never goes to a message.
    if (!is_yaml_file(w.file)) continue;
    auto it = files.find(w.file);
    if (it == files.end()) {
      std::vector<std::string> lines;
      std::ifstream in(w.file, std::ios::binary);
      // At most 16 MiB: the file may be /dev/zero or a pipe that never ends
      // (getline alone would read it until memory runs out).
      std::string text(16u << 20, '\0');
      text.resize(static_cast<size_t>(in.read(text.data(), static_cast<std::streamsize>(text.size())).gcount()));
      std::istringstream head(text);
      for (std::string line; lines.size() < 200000 && std::getline(head, line);) lines.push_back(line);
      it = files.emplace(w.file, std::move(lines)).first;
    }
    const auto& lines = it->second;
    if (static_cast<size_t>(w.line) > lines.size()) continue;
    std::string line = lines[static_cast<size_t>(w.line - 1)];
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() > 200) continue;
    // Test files may hold records: an ID number typed there is masked too.
    line = detail::mask_embedded_id_numbers(line);
    // Control characters (a NUL) shown as '?', not sent to the terminal;
    // one character each, so the caret below stays under its column.
    for (char& c : line)
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F) c = '?';
    std::cerr << "  " << line << "\n";
    if (w.column > 0) {
      // The column counts characters; the caret goes under it by display
      // width (a Chinese character takes two cells), tabs copied.
      std::cerr << "  " << detail::caret_padding(line, w.column) << "^\n";
    }
  }
}

void keep_memory_for_streaming() {
  // A value the library reads (a whole number of MiB) is the user's choice.
  const char* set = std::getenv("KCBX_BUFFER_CACHE_MB");
  const std::string_view v = set ? set : "";
  const bool number = !v.empty() && v.size() <= 10 && v.find_first_not_of("0123456789") == std::string_view::npos;
  if (!number) set_kept_memory_limit(size_t{64} << 20);
}

}  // namespace kcbx::cli
