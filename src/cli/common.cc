#include "cli/common.h"

#include <algorithm>
#include <optional>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "generate/generate.h"
#include "io/encoding.h"
#include "io/id_number.h"
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

bool same_ascii_letters(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// Refuses a pack that cannot read the generated files: the generator writes
// the Guizhou pack's fields whatever the pack, so a standalone pack keyed
// by another name got as far as the events file (after the whole students
// file was written and read) before it failed there. The key must be a
// column of both files: by name or alias exactly in the events file (as
// read_events finds it), and a required field by name in any case or by
// alias in the students file (as a header is matched).
void check_generated_columns(const RulePack& pack) {
  const std::span<const std::string_view> columns = detail::student_columns();
  const std::string key = pack.checked().key_field();
  std::string key_missing;
  std::vector<std::string> required_missing;
  for (const auto& f : pack.checked().pack->fields) {
    const std::string& name = f.name.value;
    const std::string& alias = f.alias.value;
    const std::string shown = "'" + name + "'" + (alias.empty() ? "" : " (" + alias + ")");
    if (name == key) {
      if (name != columns.front() && alias != columns.front()) key_missing = shown;
      continue;
    }
    if (!f.required) continue;
    const bool filled = std::any_of(columns.begin(), columns.end(), [&](std::string_view c) {
      return same_ascii_letters(c, name) || (!alias.empty() && c == alias);
    });
    if (!filled) required_missing.push_back(shown);
  }
  if (key_missing.empty() && required_missing.empty()) return;
  std::string unfilled;
  if (!key_missing.empty()) unfilled = "its record key " + key_missing;
  if (!required_missing.empty()) {
    if (!unfilled.empty()) unfilled += " or ";
    unfilled += required_missing.size() == 1 ? "its required field " : "its required fields ";
    for (size_t i = 0; i < required_missing.size(); ++i) unfilled += (i ? ", " : "") + required_missing[i];
  }
  std::string written;
  for (const std::string_view c : columns) (written += written.empty() ? "" : ", ") += c;
  throw UsageError("the generator writes Guizhou-format records (columns " + written +
                   "), which the pack '" + pack.name() + "' cannot read: no column there fills " + unfilled +
                   (!pack.checked().pack->base
                        ? "; use a pack that extends guizhou"
                        : "; generate with the base pack and add the column yourself, or give the field a "
                          "default"));
}

// The roster and events the pack's roles and workflow ask for, on the
// records the generator writes: a role sits at the kind of post its level
// reads off them (a division-code prefix of 6, 9 or 12 digits, the school,
// the school and class); a role at another level has no post there.
detail::GeneratePlan plan_for(const RulePack& pack, Date as_of) {
  using Post = detail::GeneratePlan::Post;
  const detail::CheckedPack& cp = pack.checked();
  const detail::Pack& p = *cp.pack;
  // The generated column a pack field reads (its name or alias), or "".
  auto column_of = [&](const std::string& field) -> std::string_view {
    const int f = cp.field_index(field);
    if (f < 0) return {};
    const auto& def = p.fields[static_cast<size_t>(f)];
    for (const std::string_view c : detail::student_columns())
      if (same_ascii_letters(c, def.name.value) || (!def.alias.empty() && c == def.alias.value)) return c;
    return {};
  };
  auto post_of = [&](const detail::LevelDef& level) -> std::optional<Post> {
    std::vector<std::string_view> cols;
    for (const auto& f : level.fields) cols.push_back(column_of(f.value));
    if (cols.size() == 1 && cols[0] == "division_code") {
      if (level.prefix == 6) return Post::kCounty;
      if (level.prefix == 9) return Post::kTownship;
      if (level.prefix == 12 || level.prefix == 0) return Post::kVillage;
    }
    if (cols.size() == 1 && cols[0] == "school_id" && level.prefix == 0) return Post::kSchool;
    if (cols.size() == 2 && cols[0] == "school_id" && cols[1] == "class_id") return Post::kClass;
    return std::nullopt;
  };
  detail::GeneratePlan plan;
  std::vector<int> plan_role(p.roles.size(), -1);
  for (size_t r = 0; r < p.roles.size(); ++r) {
    const int level = cp.role_level[r];
    if (p.roles[r].from_record || level < 0) continue;
    if (const auto post = post_of(p.levels[static_cast<size_t>(level)])) {
      plan_role[r] = static_cast<int>(plan.roles.size());
      plan.roles.push_back({p.roles[r].name.value, *post});
    }
  }
  const detail::CheckedWorkflow& wf = cp.workflow;
  for (size_t s = 0; s < wf.stages.size(); ++s) {
    const detail::CheckedStage& st = wf.stages[s];
    const auto& def = p.workflow.stages[s];
    if (def.events.empty()) continue;
    detail::GeneratePlan::Step step;
    step.event = def.events.front().value;
    step.role = st.role >= 0 ? plan_role[static_cast<size_t>(st.role)] : -1;
    step.count = cp.stage_count(st, as_of);
    step.from_case_opened = st.from_case_opened;
    if (const auto d = cp.duration_on(st.due_param, as_of))
      step.due_days = d->months * 30 + d->days;  // a plan's pace, not a deadline kcbx judges
    plan.steps.push_back(std::move(step));
  }
  plan.closing = p.workflow.closes_on.value;
  return plan;
}

}  // namespace

void generate_for(const std::string& rules, detail::GenerateOptions& options) {
  if (!rules.empty()) {
    const RulePack pack = load_pack(rules);
    if (!detail::place_in(pack.jurisdiction(), options))
      throw UsageError("the pack '" + pack.name() + "' names no jurisdiction (meta.jurisdiction)");
    check_generated_columns(pack);
    options.plan = plan_for(pack, options.as_of);
  }
  try {
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
