#include "engine/column_names.h"

#include "pack/checked_pack.h"
#include "util/ascii.h"

namespace kcbx::detail {

std::string_view trim_spaces(std::string_view s) {
  static constexpr std::string_view kWide[] = {
      "\xE3\x80\x80",  // U+3000 ideographic space
      "\xC2\xA0",      // U+00A0 no-break space
      "\xE2\x80\x8B",  // U+200B zero-width space
      "\xEF\xBB\xBF",  // U+FEFF zero-width no-break space (BOM)
  };
  auto wide_prefix = [&](std::string_view t) -> size_t {
    for (std::string_view w : kWide)
      if (t.starts_with(w)) return w.size();
    return 0;
  };
  auto wide_suffix = [&](std::string_view t) -> size_t {
    for (std::string_view w : kWide)
      if (t.ends_with(w)) return w.size();
    return 0;
  };
  for (bool more = true; more && !s.empty();) {
    more = false;
    if (s.front() == ' ' || s.front() == '\t') s.remove_prefix(1), more = true;
    else if (const size_t n = wide_prefix(s)) s.remove_prefix(n), more = true;
  }
  for (bool more = true; more && !s.empty();) {
    more = false;
    if (s.back() == ' ' || s.back() == '\t') s.remove_suffix(1), more = true;
    else if (const size_t n = wide_suffix(s)) s.remove_suffix(n), more = true;
  }
  return s;
}

std::string_view column_name(std::string_view name, bool first) {
  std::string_view h = trim_spaces(name);
  if (first && h.substr(0, 3) == "\xEF\xBB\xBF") h.remove_prefix(3);
  return h;
}

ColumnMatch match_columns(const Pack& pack, std::span<const std::string_view> names) {
  const auto& fields = pack.fields;
  ColumnMatch m;
  m.field_column.assign(fields.size(), -1);
  m.column_field.assign(names.size(), -1);
  for (size_t c = 0; c < names.size(); ++c) {
    const std::string_view h = column_name(names[c], c == 0);
    int match = -1;
    for (size_t f = 0; f < fields.size() && match < 0; ++f)
      if (iequals_ascii(h, fields[f].name.value) || (!fields[f].alias.empty() && h == fields[f].alias.value))
        match = static_cast<int>(f);
    if (match < 0) {
      m.notes.push_back("column " + std::to_string(c + 1) + " " + quote_cell(h) +
                        " is not a field of the pack; ignored");
      continue;
    }
    int& owner = m.field_column[static_cast<size_t>(match)];
    if (owner >= 0) {
      m.duplicates.push_back({static_cast<size_t>(owner), c, static_cast<size_t>(match)});
      continue;
    }
    owner = static_cast<int>(c);
    m.column_field[c] = match;
  }
  for (size_t f = 0; f < fields.size(); ++f)
    if (fields[f].required && m.field_column[f] < 0) m.missing.push_back(f);
  return m;
}

std::string missing_column_message(const FieldDef& field) {
  return "required field '" + field.name.value + "'" + (field.alias.empty() ? "" : " (" + field.alias.value + ")") +
         " has no column";
}

}  // namespace kcbx::detail
