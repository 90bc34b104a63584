// Events CSV -> EventLog: each row typed and checked on its own; a bad row is
// a reject with its row number and reason, never a stopped run.
#include <algorithm>
#include <fstream>

#include "engine/column_names.h"
#include "expr/check.h"
#include "io/csv.h"
#include "io/id_number.h"
#include "io/input_file.h"
#include "kcbx/cases.h"
#include "pack/checked_pack.h"
#include "util/ascii.h"
#include "workflow/event_dates.h"

namespace kcbx {

namespace {

// Whether header cell `h` names `n`: English names in any case
// (`Student_ID`), as the students file's columns are matched.
bool names(std::string_view h, std::string_view n) { return !n.empty() && detail::iequals_ascii(h, n); }

int column_of(const std::vector<std::string>& header, std::initializer_list<std::string_view> names_of) {
  for (size_t c = 0; c < header.size(); ++c)
    for (std::string_view n : names_of)
      if (names(header[c], n)) return static_cast<int>(c);
  return -1;
}

// A second column for the same thing (`student_id` and `学籍号`, `date`
// twice): which one is meant cannot be told, so the file is refused, as the
// students file, the roster and the transfer files are.
void duplicate_columns(const std::vector<std::string>& header, std::initializer_list<std::string_view> names_of,
                       const std::string& what, const std::string& file, std::vector<Diagnostic>& out) {
  int first = -1;
  for (size_t c = 0; c < header.size(); ++c) {
    const bool match =
        std::any_of(names_of.begin(), names_of.end(), [&](std::string_view n) { return names(header[c], n); });
    if (!match) continue;
    if (first < 0) {
      first = static_cast<int>(c);
      continue;
    }
    out.push_back({Severity::kError, {file, 1, 1}, "duplicate-column",
                   "columns " + std::to_string(first + 1) + " '" + header[static_cast<size_t>(first)] + "' and " +
                       std::to_string(c + 1) + " '" + header[c] + "' are both the events' " + what});
  }
}

}  // namespace

EventLog read_events(const RulePack& rules, std::istream& in, const std::string& file,
                     const std::string& encoding) {
  const detail::CheckedPack& cp = rules.checked();
  const detail::WorkflowDef& wf = cp.pack->workflow;
  if (!wf.present || wf.event_domain < 0)
    throw Error({{Severity::kError, {file, 0, 0}, "no-workflow",
                  "the rule pack has no workflow section, so events mean nothing"}});
  const detail::DomainDef& types = cp.pack->domains[static_cast<size_t>(wf.event_domain)];
  detail::CsvOptions co;
  co.encoding = encoding;
  if (!detail::is_ascii_compatible_encoding(encoding))  // unknown ones are not
    throw Error({{Severity::kError, {file, 0, 0}, "unknown-encoding", "unknown encoding '" + encoding + "'"}});
  detail::CsvReader csv(in, co);
  detail::CsvRecord rec;
  if (!csv.next(rec))
    throw Error({{Severity::kError, {file, 1, 1}, "empty-file", "the events file is empty: it needs a header"}});
  if (!rec.error.empty())
    throw Error({{Severity::kError, {file, static_cast<int>(rec.line), 1}, "bad-header",
                  "the header line cannot be read: " + rec.error +
                      (rec.error.starts_with("invalid UTF-8")
                           ? "; if the file is GB18030 or GBK (Excel on Chinese Windows), read it with "
                             "--events-encoding gb18030"
                           : "")}});
  std::vector<std::string> header;
  for (size_t c = 0; c < rec.fields.size(); ++c) header.emplace_back(detail::column_name(rec.fields[c], c == 0));
  // The key column: the pack's record key, by name or alias (as the
  // students file names it).
  const int key_field = detail::key_field_index(cp);
  const std::string key = key_field >= 0 ? cp.pack->fields[static_cast<size_t>(key_field)].name.value : "student_id";
  const std::string key_alias = key_field >= 0 ? cp.pack->fields[static_cast<size_t>(key_field)].alias.value : "";
  const int c_id = column_of(header, {key, key_alias});
  const int c_date = column_of(header, {"date", "日期"});
  const int c_type = column_of(header, {"type", "类型", "事件"});
  const int c_person = column_of(header, {"person", "人员", "经办人"});
  const int c_note = column_of(header, {"note", "备注"});
  std::vector<Diagnostic> missing;
  if (c_id < 0)
    missing.push_back({Severity::kError, {file, 1, 1}, "missing-column",
                       "the events file has no '" + key + "'" + (key_alias.empty() ? "" : " (" + key_alias + ")") +
                           " column"});
  // Named with the headings it may have instead, as the roster's message.
  for (auto [c, name] : {std::pair{c_date, "'date' (日期)"}, {c_type, "'type' (类型, 事件)"}})
    if (c < 0)
      missing.push_back({Severity::kError, {file, 1, 1}, "missing-column",
                         std::string("the events file has no ") + name + " column"});
  duplicate_columns(header, {key, key_alias}, key, file, missing);
  duplicate_columns(header, {"date", "日期"}, "date", file, missing);
  duplicate_columns(header, {"type", "类型", "事件"}, "type", file, missing);
  duplicate_columns(header, {"person", "人员", "经办人"}, "person", file, missing);
  duplicate_columns(header, {"note", "备注"}, "note", file, missing);
  if (!missing.empty()) throw Error(std::move(missing));

  std::vector<std::string> type_names;
  for (const auto& v : types.values) type_names.push_back(v.name.value);
  EventLog log;
  while (csv.next(rec)) {
    ++log.read;
    Reject r;
    r.row = rec.line;
    if (c_id < static_cast<int>(rec.fields.size()))
      r.student_id = detail::masked_key(detail::trim_spaces(rec.fields[static_cast<size_t>(c_id)]));
    if (!rec.error.empty()) {
      r.reason = rec.error;
    } else if (rec.fields.size() != header.size()) {
      r.reason = "the record has " + std::to_string(rec.fields.size()) + " cells; the header has " +
                 std::to_string(header.size());
    } else {
      Event e;
      e.row = rec.line;
      e.student_id = std::string(detail::trim_spaces(rec.fields[static_cast<size_t>(c_id)]));
      const std::string_view date = detail::trim_spaces(rec.fields[static_cast<size_t>(c_date)]);
      const std::string_view type = detail::trim_spaces(rec.fields[static_cast<size_t>(c_type)]);
      if (c_person >= 0) e.person = std::string(detail::trim_spaces(rec.fields[static_cast<size_t>(c_person)]));
      if (c_note >= 0) e.note = std::string(detail::trim_spaces(rec.fields[static_cast<size_t>(c_note)]));
      auto d = detail::parse_data_date(date);
      e.type = detail::find_enum_value(types, type);
      if (e.student_id.empty()) {
        r.column = key;
        r.reason = key + " is empty";
      } else if (!d) {
        r.column = "date";
        r.reason = detail::not_a_date(date);
      } else if (e.type < 0) {
        r.column = "type";
        r.reason = "unknown event type " + detail::quote_cell(type);
        const std::string near = detail::nearest_name(type, type_names);
        if (!near.empty()) r.reason += "; did you mean '" + near + "'?";
      } else {
        e.date = *d;
        e.type_name = types.values[static_cast<size_t>(e.type)].name.value;
        log.events.push_back(std::move(e));
        continue;
      }
    }
    log.rejects.push_back(std::move(r));
  }
  return log;
}

EventLog read_events(const RulePack& rules, const std::string& path, const std::string& encoding) {
  std::ifstream in;
  detail::open_input(in, path, "events file");
  return read_events(rules, in, path, encoding);
}

}  // namespace kcbx
