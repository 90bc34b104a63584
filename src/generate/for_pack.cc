// Generating for a pack (kcbx generate --rules, kcbx demo --rules,
// kcbx.generate(rules=...)): its province, its roster and its workflow's
// events, on the Guizhou-format records the generator writes.
#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "generate/generate.h"
#include "pack/checked_pack.h"

namespace kcbx::detail {

namespace {

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
  const std::span<const std::string_view> columns = student_columns();
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
  throw std::invalid_argument("the generator writes Guizhou-format records (columns " + written +
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
GeneratePlan plan_for(const RulePack& pack, Date as_of) {
  using Post = GeneratePlan::Post;
  const CheckedPack& cp = pack.checked();
  const Pack& p = *cp.pack;
  // The generated column a pack field reads (its name or alias), or "".
  auto column_of = [&](const std::string& field) -> std::string_view {
    const int f = cp.field_index(field);
    if (f < 0) return {};
    const auto& def = p.fields[static_cast<size_t>(f)];
    for (const std::string_view c : student_columns())
      if (same_ascii_letters(c, def.name.value) || (!def.alias.empty() && c == def.alias.value)) return c;
    return {};
  };
  auto post_of = [&](const LevelDef& level) -> std::optional<Post> {
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
  GeneratePlan plan;
  std::vector<int> plan_role(p.roles.size(), -1);
  for (size_t r = 0; r < p.roles.size(); ++r) {
    const int level = cp.role_level[r];
    if (p.roles[r].from_record || level < 0) continue;
    if (const auto post = post_of(p.levels[static_cast<size_t>(level)])) {
      plan_role[r] = static_cast<int>(plan.roles.size());
      plan.roles.push_back({p.roles[r].name.value, *post});
    }
  }
  const CheckedWorkflow& wf = cp.workflow;
  for (size_t s = 0; s < wf.stages.size(); ++s) {
    const CheckedStage& st = wf.stages[s];
    const auto& def = p.workflow.stages[s];
    if (def.events.empty()) continue;
    GeneratePlan::Step step;
    step.event = def.events.front().value;
    step.role = st.role >= 0 ? plan_role[static_cast<size_t>(st.role)] : -1;
    step.count = cp.stage_count(st, as_of);
    step.from_case_opened = st.from_case_opened;
    if (const auto due = cp.deadline_after(st.due_param, as_of))
      step.due_days = due->days() - as_of.days();  // a plan's pace, not a deadline kcbx judges
    plan.steps.push_back(std::move(step));
  }
  plan.closing = p.workflow.closes_on.value;
  return plan;
}

}  // namespace

void generate_for_pack(const RulePack& pack, GenerateOptions& options) {
  if (!place_in(pack.jurisdiction(), options))
    throw std::invalid_argument("the pack '" + pack.name() + "' names no jurisdiction (meta.jurisdiction)");
  check_generated_columns(pack);
  options.plan = plan_for(pack, options.as_of);
  options.rules = std::make_shared<const RulePack>(pack);
}

}  // namespace kcbx::detail
