#include "cli/common.h"

#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "kcbx/rule_pack.h"

namespace kcbx::cli {

RulePack load_pack(const std::string& rules) {
  if (rules.empty()) return default_rules();
  for (const auto& name : embedded_rule_names())
    if (rules == name) return default_rules(name);
  return load_rules(rules);
}

Date parse_date(const std::string& text, const std::string& option) {
  auto d = Date::parse(text);
  if (!d) throw UsageError(option + ": '" + text + "' is not a date (YYYY-MM-DD)");
  return *d;
}

void print_diagnostics(const std::vector<Diagnostic>& diags) {
  std::map<std::string, std::vector<std::string>> files;
  for (const auto& d : diags) {
    std::cerr << d.format() << "\n";
    const auto& w = d.where;
    if (w.file.empty() || w.line <= 0 || w.file.front() == '<') continue;
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
    std::cerr << "  " << line << "\n";
    if (w.column > 0) {
      std::string pad;
      for (int i = 0; i < w.column - 1 && static_cast<size_t>(i) < line.size(); ++i)
        pad += line[static_cast<size_t>(i)] == '\t' ? '\t' : ' ';
      std::cerr << "  " << pad << "^\n";
    }
  }
}

}  // namespace kcbx::cli
