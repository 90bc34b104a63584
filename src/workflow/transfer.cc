// Whole-class transfer reconciliation (S1): grade-6 hand-over roster vs
// grade-7 registrations.
#include "kcbx/transfer.h"

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <unordered_map>

#include "engine/check_rejects.h"
#include "engine/column_names.h"
#include "expr/ast.h"
#include "io/csv.h"
#include "io/id_number.h"
#include "io/input_file.h"
#include "pack/checked_pack.h"
#include "util/utf8.h"

namespace kcbx {

const char* to_string(TransferOutcome o) {
  switch (o) {
    case TransferOutcome::kRegistered: return "registered";
    case TransferOutcome::kLate: return "late";
    case TransferOutcome::kRegisteredElsewhere: return "registered_elsewhere";
    case TransferOutcome::kLost: return "lost";
    case TransferOutcome::kPending: return "pending";
  }
  return "";
}

namespace {

struct Row {
  std::string student_id, id_number, name, school, planned;
  std::optional<Date> registered_on;
  int64_t line = 0;
};

// Reads one transfer file; columns by the pack's field names/aliases for
// the shared fields (the key, the ID-number field, and the school and name
// fields its transfer section names: school_id and name unless it says),
// fixed names for the transfer-only ones.
// `notes`: the header's columns read by nothing, and a grade-7 file without
// registration dates, which a misnamed date column would otherwise leave
// unsaid (every registration then counts as on time).
// The pack's ID-number field (Guizhou's id_number; another province's
// pack names it its own way).
std::string id_number_field(const detail::CheckedPack& cp) {
  for (size_t f = 0; f < cp.fields.size(); ++f)
    if (cp.fields[f].id_number) return cp.pack->fields[f].name.value;
  return "id_number";
}

// `path` names the file in diagnostics.
std::vector<Row> read_rows(const detail::CheckedPack& cp, std::istream& in, const std::string& path,
                           const std::string& encoding, bool grade6,
                           std::vector<Reject>& rejects, int64_t& read, std::vector<std::string>& notes) {
  detail::CsvOptions co;
  co.encoding = encoding;
  detail::CsvReader csv(in, co);
  detail::CsvRecord rec;
  if (!csv.next(rec))
    throw Error({{Severity::kError, {path, 1, 1}, "empty-file", "the file is empty: it needs a header"}});
  auto names_of = [&](const char* field, std::initializer_list<const char*> extra) {
    std::vector<std::string> names(extra.begin(), extra.end());
    names.push_back(field);
    const int f = cp.field_index(field);
    if (f >= 0 && !cp.pack->fields[static_cast<size_t>(f)].alias.empty())
      names.push_back(cp.pack->fields[static_cast<size_t>(f)].alias.value);
    return names;
  };
  // The column of a field, by its names; two columns naming one field
  // (student_id and 学籍号) make the file unusable, as in the reader of
  // students: which of them holds the value is not for kcbx to guess.
  std::vector<Diagnostic> header_errors;
  // `field` names it in messages. A diagnostic points at the header cell's
  // first character, counted from the cells as the students reader does.
  auto column = [&](const std::vector<std::string>& names, const std::string& field) {
    int found = -1;
    int cell_column = 1;
    for (size_t c = 0; c < rec.fields.size(); ++c) {
      const int at = cell_column;
      std::string_view h = detail::trim_spaces(rec.fields[c]);
      std::string_view raw = rec.fields[c];
      if (c == 0 && raw.substr(0, 3) == "\xEF\xBB\xBF") raw.remove_prefix(3);
      cell_column += detail::utf8_length(raw) + 1;
      if (c == 0 && h.substr(0, 3) == "\xEF\xBB\xBF") h.remove_prefix(3);
      if (std::find(names.begin(), names.end(), h) == names.end()) continue;
      if (found < 0) {
        found = static_cast<int>(c);
      } else {
        Diagnostic d;
        d.severity = Severity::kError;
        d.where = {path, 1, at};
        d.code = "duplicate-column";
        d.message = "columns " + std::to_string(found + 1) + " and " + std::to_string(c + 1) + " are both field '" +
                    field + "'";
        header_errors.push_back(std::move(d));
        break;
      }
    }
    return found;
  };
  // Another province's pack names its key and ID-number fields its own way.
  const std::string key = cp.key_column();
  const std::string id_field = id_number_field(cp);
  const int c_id = column(names_of(key.c_str(), {}), key);
  const int c_idn = column(names_of(id_field.c_str(), {}), id_field);
  const detail::TransferDef& td = cp.pack->transfer;
  const std::string school_field = td.school_field.empty() ? "school_id" : td.school_field.value;
  const std::string name_field = td.name_field.empty() ? "name" : td.name_field.value;
  const int c_name = column(names_of(name_field.c_str(), {}), name_field);
  const int c_school = column(names_of(school_field.c_str(), {}), school_field);
  const int c_planned = column({"receiving_school", "接收学校"}, "receiving_school");
  const int c_reg = column({"registered_on", "报到日期"}, "registered_on");
  const size_t width = rec.fields.size();
  std::vector<Diagnostic> missing;
  if (c_id < 0 && c_idn < 0)
    missing.push_back({Severity::kError, {path, 1, 1}, "missing-column",
                       "needs a " + key + " or " + id_field + " column"});
  if (c_school < 0)
    missing.push_back({Severity::kError, {path, 1, 1}, "missing-column",
                       "needs a " + school_field + " column" +
                           (td.school_field.empty() && cp.field_index(school_field) < 0
                                ? " (the pack has no school_id field: set transfer: {school_field: F} to the field "
                                  "the rosters' school column is read as)"
                                : "")});
  if (grade6 && c_planned < 0)
    missing.push_back({Severity::kError, {path, 1, 1}, "missing-column",
                       "the grade-6 roster needs a receiving_school (接收学校) column"});
  missing.insert(missing.end(), header_errors.begin(), header_errors.end());
  if (!missing.empty()) throw Error(std::move(missing));
  const std::string file = grade6 ? "grade-6 file" : "grade-7 file";
  for (size_t c = 0; c < width; ++c) {
    const int k = static_cast<int>(c);
    if (k == c_id || k == c_idn || k == c_name || k == c_school || (grade6 && k == c_planned) || k == c_reg) continue;
    std::string_view h = detail::trim_spaces(rec.fields[c]);
    if (c == 0 && h.substr(0, 3) == "\xEF\xBB\xBF") h.remove_prefix(3);
    notes.push_back(file + ": column " + std::to_string(c + 1) + " " + detail::quote_cell(h) +
                    " is not read; ignored");
  }
  if (!grade6 && c_reg < 0)
    notes.push_back(file + " has no registered_on (报到日期) column: every registration counts as on time");

  // A pupil twice in one file (by student number, else ID number): the
  // later row is a reject naming the first, never a second outcome (a
  // grade-6 pupil listed twice) or a silent choice (a grade-7 pupil
  // registered at two schools).
  std::unordered_map<std::string, int64_t> first_id, first_idn;
  // Both keys are looked up before either is kept: a rejected row keeps
  // neither (a later row is never told it repeats a row that was refused).
  auto repeated = [&](const Row& row, Reject& r) {
    const auto id = row.student_id.empty() ? first_id.end() : first_id.find(row.student_id);
    const auto idn = row.id_number.empty() ? first_idn.end() : first_idn.find(row.id_number);
    if (id != first_id.end() || idn != first_idn.end()) {
      const bool by_id = id != first_id.end();
      r.column = by_id ? key : id_field;
      r.reason = "duplicate " + r.column + " (first on row " + std::to_string(by_id ? id->second : idn->second) + ")";
      return true;
    }
    if (!row.student_id.empty()) first_id.emplace(row.student_id, row.line);
    if (!row.id_number.empty()) first_idn.emplace(row.id_number, row.line);
    return false;
  };

  std::vector<Row> rows;
  while (csv.next(rec)) {
    ++read;
    Reject r;
    r.row = rec.line;
    auto cell = [&](int c) { return c >= 0 && static_cast<size_t>(c) < rec.fields.size() ? std::string(detail::trim_spaces(rec.fields[static_cast<size_t>(c)])) : std::string(); };
    r.student_id = detail::masked_key(cell(c_id));
    if (!rec.error.empty()) r.reason = rec.error;
    else if (rec.fields.size() != width) r.reason = "the record has " + std::to_string(rec.fields.size()) + " cells; the header has " + std::to_string(width);
    Row row;
    row.line = rec.line;
    row.student_id = cell(c_id);
    row.id_number = cell(c_idn);
    // A lower-case check character is the same number (GB 11643 writes X;
    // kcbx accepts x): one pupil, matched and counted once either way.
    if (!row.id_number.empty() && row.id_number.back() == 'x') row.id_number.back() = 'X';
    row.name = cell(c_name);
    row.school = cell(c_school);
    row.planned = cell(c_planned);
    if (r.reason.empty() && row.student_id.empty() && row.id_number.empty())
      r.reason = "neither " + key + " nor " + id_field + " is given";
    if (r.reason.empty() && !row.id_number.empty()) {
      const auto check =
          detail::check_id_number(row.id_number, [&](int32_t c) { return cp.pack->adds_division_code(c); });
      if (check.error != detail::IdNumberError::kNone) {
        r.column = id_field;
        r.reason = detail::describe(check.error, row.id_number);
      }
    }
    if (r.reason.empty() && row.school.empty()) {
      r.column = school_field;
      r.reason = school_field + " is empty";
    }
    if (r.reason.empty() && grade6 && row.planned.empty()) {
      r.column = "receiving_school";
      r.reason = "receiving_school is empty";
    }
    if (r.reason.empty() && c_reg >= 0 && !cell(c_reg).empty()) {
      row.registered_on = detail::parse_data_date(cell(c_reg));
      if (!row.registered_on) {
        r.column = "registered_on";
        r.reason = detail::not_a_date(cell(c_reg));
      }
    }
    if (r.reason.empty()) repeated(row, r);
    if (!r.reason.empty()) {
      rejects.push_back(std::move(r));
      continue;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::optional<Date> due(const detail::CheckedPack& cp, const detail::Text& param, Date from) {
  if (param.empty()) return std::nullopt;
  const int p = cp.param_index(param.value);
  if (p < 0) return std::nullopt;
  return cp.deadline_after(p, from);  // the value in force when the duty arose
}

}  // namespace

TransferReport reconcile_transfer(const RulePack& rules, const std::string& grade6_path,
                                  const std::string& grade7_path, const TransferOptions& o) {
  std::ifstream grade6, grade7;
  detail::open_input(grade6, grade6_path, "file");
  detail::open_input(grade7, grade7_path, "file");
  return reconcile_transfer(rules, grade6, grade7, o, grade6_path, grade7_path);
}

TransferReport reconcile_transfer(const RulePack& rules, std::istream& grade6, std::istream& grade7,
                                  const TransferOptions& o, const std::string& grade6_name,
                                  const std::string& grade7_name) {
  const detail::CheckedPack& cp = rules.checked();
  const auto& t = cp.pack->transfer;
  TransferReport report;
  report.notify_clause = t.notify_clause.value;
  report.inspection_clause = t.inspect_clause.value;
  report.lost_clause = t.lost_clause.value;
  std::vector<Row> g6 =
      read_rows(cp, grade6, grade6_name, o.encoding, true, report.rejects, report.grade6_read, report.notes);
  report.grade6_rejected = static_cast<int64_t>(report.rejects.size());
  std::vector<Reject> g7_rejects;
  std::vector<Row> g7 =
      read_rows(cp, grade7, grade7_name, o.grade7_encoding.empty() ? o.encoding : o.grade7_encoding, false,
                g7_rejects, report.grade7_read, report.notes);
  report.grade7_rejected = static_cast<int64_t>(g7_rejects.size());
  report.rejects.insert(report.rejects.end(), g7_rejects.begin(), g7_rejects.end());

  std::unordered_map<std::string, size_t> by_id, by_idn;
  for (size_t i = 0; i < g7.size(); ++i) {
    if (!g7[i].student_id.empty()) by_id.emplace(g7[i].student_id, i);
    if (!g7[i].id_number.empty()) by_idn.emplace(g7[i].id_number, i);
  }
  const std::optional<Date> notify_due = due(cp, t.notify_within, o.registration_deadline);
  const std::optional<Date> inspection_due =
      due(cp, t.inspect_within, o.term_start.value_or(o.registration_deadline));
  for (const Row& p : g6) {
    TransferRow out;
    // A pupil listed by ID number only is named by it (outputs mask it):
    // a lost pupil with no identifier but a name could not be found.
    out.student_id = p.student_id.empty() ? p.id_number : p.student_id;
    out.id_number = p.id_number;
    out.name = p.name;
    out.sending_school = p.school;
    out.planned_school = p.planned;
    out.inspection_due = inspection_due;
    const Row* hit = nullptr;
    if (auto it = by_id.find(p.student_id); !p.student_id.empty() && it != by_id.end()) {
      hit = &g7[it->second];
      out.matched_by = cp.key_column();
    } else if (auto jt = by_idn.find(p.id_number); !p.id_number.empty() && jt != by_idn.end()) {
      hit = &g7[jt->second];
      out.matched_by = id_number_field(cp);
    }
    // A registration dated after the evaluation date has not happened yet:
    // as of as_of the pupil is not registered.
    if (hit && hit->registered_on && *hit->registered_on > o.as_of) hit = nullptr;
    if (!hit) out.matched_by.clear();
    if (hit) {
      out.registered_school = hit->school;
      out.registered_on = hit->registered_on;
      if (hit->school != p.planned) out.outcome = TransferOutcome::kRegisteredElsewhere;
      else if (hit->registered_on && *hit->registered_on > o.registration_deadline) out.outcome = TransferOutcome::kLate;
      else out.outcome = TransferOutcome::kRegistered;
    } else if (o.as_of <= o.registration_deadline) {
      // Not registered yet, and the registration period still runs: not
      // "not registered in time" (S1.4) before its deadline has passed.
      out.outcome = TransferOutcome::kPending;
    }
    // A pupil not registered by the deadline (lost, late, or registered
    // late at another school) must be notified to the sending school
    // (S1.4); a pending pupil is shown the date that notice will be due if
    // the pupil does not come. A pupil registered elsewhere by the
    // deadline was registered in time, and owes no notice.
    const bool late_elsewhere = out.outcome == TransferOutcome::kRegisteredElsewhere && out.registered_on &&
                                *out.registered_on > o.registration_deadline;
    if (out.outcome == TransferOutcome::kLost || out.outcome == TransferOutcome::kLate ||
        out.outcome == TransferOutcome::kPending || late_elsewhere) {
      out.notify_due = notify_due;
      if (notify_due && out.outcome == TransferOutcome::kLost && o.as_of > *notify_due)
        out.notify_overdue_days = o.as_of.days() - notify_due->days();
      // A pupil who came after the notice was due was unaccounted for from
      // then to the registration: that lapse stays (as a case's lapse stays
      // after the child returns), counted to the day of registration,
      // whichever school the pupil came to.
      if (notify_due && (out.outcome == TransferOutcome::kLate || late_elsewhere) && out.registered_on &&
          *out.registered_on > *notify_due)
        out.notify_overdue_days = out.registered_on->days() - notify_due->days();
    }
    report.rows.push_back(std::move(out));
  }
  return report;
}

void assign_lost_pupils(const RulePack& rules, const ResponsibilityGraph& graph, const Batch& students,
                        TransferReport& report) {
  const detail::CheckedPack& cp = rules.checked();
  const detail::TransferDef& t = cp.pack->transfer;
  // The pupils of the students file by key and by ID number (a lower-case
  // check character is the same number).
  // The same number whichever case its check character was typed in, as the
  // duplicate checks compare them.
  auto id_key = [](const std::string& id) {
    char buf[18];
    return std::string(detail::id_number_for_comparison(id, buf));
  };
  std::unordered_map<std::string, size_t> by_key, by_idn;
  const std::string key = cp.key_field();
  const std::string idn = id_number_field(cp);
  auto cells = [&](const std::string& field) {
    std::vector<std::string> v;
    if (cp.field_index(field) < 0) return v;
    try {
      for (size_t i = 0; i < students.size(); ++i) v.push_back(students.cell(i, field));
    } catch (const std::out_of_range&) {  // a field the batch did not keep
      v.clear();
    }
    return v;
  };
  const std::vector<std::string> keys = cells(key), ids = cells(idn);
  for (size_t i = 0; i < keys.size(); ++i)
    if (!keys[i].empty()) by_key.emplace(keys[i], i);
  for (size_t i = 0; i < ids.size(); ++i)
    if (!ids[i].empty()) by_idn.emplace(id_key(ids[i]), i);

  for (TransferRow& row : report.rows) {
    row.responsible.clear();
    if (row.outcome != TransferOutcome::kLost) continue;
    for (const auto* school : {&row.sending_school, &row.planned_school})
      for (const auto& role : t.school_roles) row.responsible.push_back(graph.holder(role.value, *school));
    std::optional<size_t> record;
    if (auto it = by_key.find(row.student_id); it != by_key.end()) record = it->second;
    else if (auto jt = by_idn.find(id_key(row.id_number)); !row.id_number.empty() && jt != by_idn.end())
      record = jt->second;
    for (const auto& role : t.local_roles) {
      if (record) {
        row.responsible.push_back(graph.responsible(students, *record, role.value));
      } else {
        row.responsible.push_back(graph.holder(role.value, ""));  // the role, no person
      }
    }
  }
}

void assign_lost_pupils(const RulePack& rules, const Roster& roster, StudentFile& students, Date as_of,
                        TransferReport& report) {
  detail::drop_check_rejects(rules, as_of, students);
  const ResponsibilityGraph graph(rules, roster, students.batch);
  assign_lost_pupils(rules, graph, students.batch, report);
}

std::string responsible_text(const std::vector<Responsible>& who) {
  std::string s;
  for (const Responsible& r : who) {
    if (!s.empty()) s += "; ";
    s += (r.role_alias.empty() ? r.role : r.role_alias) + " " + (r.person.empty() ? "(none)" : r.person);
    if (!r.jurisdiction.empty()) s += " (" + r.jurisdiction + ")";
  }
  return s;
}

}  // namespace kcbx
