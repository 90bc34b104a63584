// Walks each case through the pack's workflow stages with its events, and
// derives due dates, overdue days and accountability from the stage
// deadlines in force on the evaluation date.
#include <algorithm>
#include <span>
#include <unordered_map>

#include "engine/plan.h"
#include "expr/ast.h"
#include "kcbx/cases.h"
#include "io/id_number.h"
#include "io/rejects_order.h"
#include "pack/checked_pack.h"
#include "workflow/event_dates.h"
#include "workflow/rejected_students.h"

namespace kcbx {

namespace {

using detail::CheckedPack;
using detail::CheckedStage;

Responsible role_only(const CheckedPack& cp, int role) {
  Responsible r;
  if (role < 0) return r;
  const auto& def = cp.pack->roles[static_cast<size_t>(role)];
  r.role = def.name.value;
  r.role_alias = def.alias.value;
  r.line = def.line.value;
  return r;
}

// A note of the pack (WorkflowDef::progress_note, continuing_note) as added
// to a next action, or `fallback` when the pack gives none: after a space,
// unless it starts with one or with a character that is not ASCII (a
// Chinese pack's full-width bracket "（" needs none).
std::string note_text(const detail::Text& note, std::string_view fallback) {
  if (note.empty()) return std::string(fallback);
  const auto first = static_cast<unsigned char>(note.value.front());
  return (first < 0x80 && first != ' ' ? " " : "") + note.value;
}

// The progress of a stage that needs several events: "{done} of {needed}"
// in the pack's words.
std::string progress_text(const detail::Text& note, int done, int needed) {
  std::string out = note_text(note, " ({done} of {needed} done)");
  for (auto [name, value] : {std::pair{std::string_view("{done}"), done}, {std::string_view("{needed}"), needed}})
    for (size_t at = out.find(name); at != std::string::npos; at = out.find(name, at))
      out.replace(at, name.size(), std::to_string(value));
  return out;
}

}  // namespace

CaseReport evaluate_cases(const Engine& engine, const Batch& students, const BatchResult& given,
                          const EventLog& log, const ResponsibilityGraph* graph, Date as_of) {
  const CheckedPack& cp = engine.rules().checked();
  const auto& wf = cp.workflow;
  const auto& wdef = cp.pack->workflow;
  CaseReport report;
  if (!wf.present) return report;
  if (given.size() != students.size())
    throw std::invalid_argument("the result does not belong to the students batch");

  // Statuses as the events make them: when the pack fills fields from the
  // events and `students` does not hold them yet, classify the filled copy.
  std::optional<BatchResult> refilled;
  if (!wf.event_dates.empty()) {
    const detail::EventDates dates(cp, log);
    if (std::optional<Batch> filled = dates.apply(students, as_of))
      refilled = engine.classify(*filled, as_of);
  }
  // Stages with a `when` read the records' flags: a result classified
  // without them (a status-only call) is classified again with them.
  const bool stage_conditions =
      std::any_of(wf.stages.begin(), wf.stages.end(), [](const CheckedStage& s) { return s.when_flag >= 0; });
  if (stage_conditions && !refilled && !given.has_flags()) refilled = engine.classify(students, as_of);
  const BatchResult& result = refilled ? *refilled : given;

  // Record index by key (student_id).
  const int key_field = detail::key_field_index(cp);
  const std::string key = key_field >= 0 ? cp.pack->fields[static_cast<size_t>(key_field)].name.value : "";
  std::unordered_map<std::string_view, size_t> by_key;
  const detail::ColumnData* key_col =
      key_field >= 0 ? &students.data().columns[static_cast<size_t>(key_field)] : nullptr;
  auto key_of = [&](size_t i) -> std::string {
    if (!key_col || key_col->type.kind != detail::TypeKind::kString || !key_col->present(i)) return "";
    return std::string(*static_cast<const std::string_view*>(key_col->at(i)));
  };
  if (key_col && key_col->type.kind == detail::TypeKind::kString)
    for (size_t i = 0; i < students.size(); ++i)
      if (key_col->present(i)) by_key.emplace(*static_cast<const std::string_view*>(key_col->at(i)), i);

  // Records refused by a pack check.
  for (size_t i = 0; i < students.size(); ++i)
    if (result.rejected(i))
      report.student_rejects.push_back(
          {students.row_number(i), detail::masked_key(key_of(i)), std::string(result.reject_column(i)),
           std::string(result.reject_reason(i))});

  std::vector<std::vector<const Event*>> per_record(students.size());
  for (const Event& e : log.events) {
    auto it = by_key.find(e.student_id);
    if (it == by_key.end()) {
      report.event_rejects.push_back({e.row, detail::masked_key(e.student_id), key,
                                      std::string(detail::kUnknownStudent) + ": no record with this " + key});
      continue;
    }
    per_record[it->second].push_back(&e);
  }

  // Stage of each event type: the first stage listing it.
  const size_t n_stages = wf.stages.size();
  auto stages_of = [&](int type) {
    std::vector<size_t> out;
    for (size_t s = 0; s < n_stages; ++s)
      for (int t : wf.stages[s].events)
        if (t == type) out.push_back(s);
    return out;
  };
  auto reject = [&](const Event& e, std::string why) {
    report.event_rejects.push_back({e.row, detail::masked_key(e.student_id), "", std::move(why)});
  };
  auto responsible = [&](size_t i, int role) {
    if (graph && role >= 0) return graph->responsible(students, i, cp.pack->roles[static_cast<size_t>(role)].name.value);
    return role_only(cp, role);
  };

  // One case of record i from its events (in date order): applies them
  // through the stages and derives due dates and lapses. `opened`: the
  // case's opening date, if known; events before it are rejected, except
  // those after `early_after` (the pack's events_after: the last day at
  // school), which count from the opening day.
  auto walk = [&](size_t i, const std::string& status, std::span<const Event* const> events,
                  std::optional<Date> opened, std::optional<Date> early_after = std::nullopt) {
    Case c;
    c.student_id = key_of(i);
    c.record = i;
    c.status = status;
    c.opened = opened;

    std::vector<int> done(n_stages, 0);
    std::vector<std::optional<Date>> completed(n_stages);
    // Stages whose `when` is false for this child do not apply (a child
    // never registered has no school to visit): passed over as done the
    // day the stage before them was, with no deadline to lapse.
    const uint64_t flags = result.flags(i);
    std::vector<uint8_t> skipped(n_stages, 0);
    for (size_t s = 0; s < n_stages; ++s)
      skipped[s] = wf.stages[s].when_flag >= 0 && !((flags >> wf.stages[s].when_flag) & 1);
    // count_by: day: the days already counted, per stage (a joint visit
    // logged by each visitor is one visit).
    std::vector<std::vector<Date>> days_counted(n_stages);
    size_t current = 0;
    struct Seen { Date date; int type; std::string_view person; int64_t row; };
    std::vector<Seen> applied;
    // Whether event e belongs to a stage after the current one, which is
    // not complete: it would be rejected as early.
    auto ahead = [&](const Event& e) {
      const std::vector<size_t> stages = stages_of(e.type);
      auto at_or_after = std::find_if(stages.begin(), stages.end(), [&](size_t s) { return s >= current; });
      return at_or_after != stages.end() && *at_or_after > current;
    };
    // How many events complete stage s: its count, or its count
    // parameter's value in force on the day it started (the case's opening,
    // else its first event, for the first stage).
    auto needed = [&](size_t s, Date first_event) {
      const Date start = s > 0 && completed[s - 1] ? *completed[s - 1]
                         : c.opened                ? *c.opened
                         : !applied.empty()        ? applied.front().date
                                                   : first_event;
      return cp.stage_count(wf.stages[s], start);
    };
    // Past the stages that do not apply, from `current` on.
    auto pass_skipped = [&] {
      while (current < n_stages && skipped[current]) {
        completed[current] = current > 0 ? completed[current - 1] : c.opened;
        ++current;
      }
    };
    pass_skipped();
    // An event of a stage that never began: rejected, naming the stage
    // that did not complete.
    auto reject_early = [&](const Event& e) {
      const size_t at = std::min(current, n_stages - 1);
      const auto& need = wdef.stages[at];
      reject(e, "'" + e.type_name + "' before stage '" + need.id.value + "' is complete (" +
                    std::to_string(done[at]) + " of " + std::to_string(needed(at, e.date)) + " " +
                    (need.events.empty() ? std::string() : need.events.front().value) + ")");
    };
    auto apply = [&](const Event* e) {
      if (c.opened && e->date < *c.opened &&
          (e->type == wf.closes_on || !early_after || e->date <= *early_after)) {
        reject(*e, "dated " + e->date.format() + ", before the case opened on " + c.opened->format() +
                       (early_after && e->type != wf.closes_on
                            ? " and not after " + cp.pack->fields[static_cast<size_t>(wf.events_after)].name.value +
                                  " (" + early_after->format() + ")"
                            : ""));
        return;
      }
      if (c.closed) {
        reject(*e, "after the case was closed on " + c.closed_on->format());
        return;
      }
      auto dup = std::find_if(applied.begin(), applied.end(), [&](const Seen& s) {
        return s.date == e->date && s.type == e->type && s.person == e->person;
      });
      if (dup != applied.end()) {
        reject(*e, "repeats the event on row " + std::to_string(dup->row));
        return;
      }
      if (e->type == wf.closes_on) {
        c.closed = true;
        c.closed_on = e->date;
      } else {
        const std::vector<size_t> stages = stages_of(e->type);
        if (stages.empty()) {
          reject(*e, "event type '" + e->type_name + "' belongs to no workflow stage");
          return;
        }
        if (std::all_of(stages.begin(), stages.end(), [&](size_t s) { return skipped[s] != 0; })) {
          const auto& st = wdef.stages[stages.front()];
          reject(*e, "stage '" + st.id.value + "' does not apply to this child (when: " + st.when.value + ")");
          return;
        }
        auto at_or_after = std::find_if(stages.begin(), stages.end(), [&](size_t s) { return s >= current; });
        if (at_or_after == stages.end()) {
          // A further event of a stage already complete (a third home
          // visit): recorded, changes nothing.
        } else if (*at_or_after > current) {
          reject_early(*e);  // walk() holds these back; here only if the case closed first
          return;
        } else {
          std::vector<Date>& days = days_counted[current];
          const bool counts =
              !wf.stages[current].count_days || std::find(days.begin(), days.end(), e->date) == days.end();
          if (counts) days.push_back(e->date);
          if (counts && ++done[current] >= needed(current, e->date)) {
            // An event held back (done before its stage began: a report
            // made before the second visit) completes the stage the day
            // it began, not before.
            // A duty done during the absence before the case opened (a home
            // visit on its third day) completes its stage the day it opened.
            Date began = current > 0 && completed[current - 1] ? *completed[current - 1] : e->date;
            if (c.opened) began = std::max(began, *c.opened);
            completed[current] = std::max(e->date, began);
            ++current;
            pass_skipped();
          }
        }
      }
      applied.push_back({e->date, e->type, e->person, e->row});
      ++report.events_applied;
    };
    // Day by day (events come in date order, a day's closing events last).
    // A log is dated, not ordered within a day, and a duty done early is
    // done: an event of a later stage (a report made before the second
    // visit, a township persuasion before the school's report) waits until
    // the stages before it complete, the same day or later, and then
    // counts from the day its stage began. Only an event whose stage never
    // begins before the case closes or the evaluation date is rejected as
    // early. Which line of a day comes first never decides whether a duty
    // was done in time.
    std::vector<const Event*> waiting;
    auto settle = [&] {
      for (bool progress = true; progress && !waiting.empty();) {
        progress = false;
        std::vector<const Event*> later;
        for (const Event* e : waiting) {
          if (!c.closed && ahead(*e)) {
            later.push_back(e);
          } else {
            apply(e);
            progress = true;
          }
        }
        waiting.swap(later);
      }
    };
    for (size_t k = 0; k < events.size();) {
      size_t end = k;
      while (end < events.size() && events[end]->date == events[k]->date) ++end;
      std::vector<const Event*> closing;
      for (size_t j = k; j < end; ++j) (events[j]->type == wf.closes_on ? closing : waiting).push_back(events[j]);
      settle();
      if (!closing.empty()) {
        // The case closes: what still waits never had its stage.
        for (const Event* e : waiting) reject_early(*e);
        waiting.clear();
      }
      for (const Event* e : closing) apply(e);
      k = end;
    }
    for (const Event* e : waiting) reject_early(*e);

    // The case's start: the pack's opened_on, else its first event, else
    // the day it was found (as_of), which is then its opening date too: a
    // list showing no opening date beside a due date counted from one
    // would not say where the deadline comes from.
    const Date start0 = c.opened ? *c.opened : !applied.empty() ? applied.front().date : as_of;
    c.opened = start0;
    // Stages passed over before the opening date was known began then.
    for (size_t s = 0; s < n_stages && skipped[s] && !completed[s]; ++s) completed[s] = start0;
    for (size_t s = 0; s < n_stages && s <= current; ++s) {
      if (skipped[s]) continue;  // not this child's: no progress, no deadline
      const CheckedStage& st = wf.stages[s];
      StageProgress p;
      p.stage = wdef.stages[s].id.value;
      p.started = s == 0 ? start0 : *completed[s - 1];
      p.needed = cp.stage_count(st, *p.started);
      p.done = std::min(done[s], p.needed);
      p.completed = completed[s];
      // The deadline in force on the day the duty arose: a value that
      // comes into force later does not reach back to duties already
      // running (a parameter's `from` is its first day in force).
      const Date clock = st.from_case_opened ? start0 : *p.started;
      if (const auto due = cp.deadline_after(st.due_param, clock)) p.due = *due;
      const bool stage_open = !p.completed && !c.closed;
      if (p.due) {
        // Late: done after its due date, or not done by then. A duty left
        // undone when the child came back lapsed all the same (SPEC R2,
        // M3.4): it is counted to the day the case closed, not forgotten.
        const std::optional<Date> end = p.completed ? p.completed : c.closed ? c.closed_on : as_of;
        if (*end > *p.due) p.days_late = end->days() - p.due->days();
      }
      if (p.days_late > 0) {
        Accountability a;
        a.student_id = c.student_id;
        a.stage = p.stage;
        a.clause = wdef.stages[s].clause.value;
        a.due = *p.due;
        a.done_on = p.completed;
        a.days_late = p.days_late;
        if (graph && st.role >= 0) {
          std::vector<Responsible> chain =
              graph->escalation(students, i, cp.pack->roles[static_cast<size_t>(st.role)].name.value);
          if (!chain.empty()) {
            a.lapsed = chain.front();
            a.supervisors.assign(chain.begin() + 1, chain.end());
          }
        } else {
          a.lapsed = role_only(cp, st.role);
        }
        report.accountability.push_back(std::move(a));
      }
      if (s == current && stage_open) {
        c.stage = p.stage;
        c.stage_alias = wdef.stages[s].alias.value;
        c.clause = wdef.stages[s].clause.value;
        c.next_action = wdef.stages[s].action.value;
        if (p.needed > 1) c.next_action += progress_text(wdef.progress_note, p.done, p.needed);
        c.responsible = responsible(i, st.role);
        c.due = p.due;
        c.days_overdue = p.days_late;
      }
      c.stages.push_back(std::move(p));
    }
    // Every stage done and the child not back: the case stays open with
    // the last stage's role (SPEC M3.1: every problem has an owner and a
    // measure), its action continuing, and no deadline left to lapse.
    if (!c.closed && n_stages > 0 && current >= n_stages) {
      const size_t last = n_stages - 1;
      c.stage = wdef.stages[last].id.value;
      c.stage_alias = wdef.stages[last].alias.value;
      c.clause = wdef.stages[last].clause.value;
      c.next_action = wdef.stages[last].action.value +
                      note_text(wdef.continuing_note, " (every stage done; until the child returns)");
      c.responsible = responsible(i, wf.stages[last].role);
    }
    report.cases.push_back(std::move(c));
  };

  // Reserved up front: a case is hundreds of bytes, and a vector doubling
  // past a million of them would briefly hold both copies.
  size_t expected = 0;
  for (size_t i = 0; i < students.size(); ++i) expected += result.case_open(i) || !per_record[i].empty();
  report.cases.reserve(expected);
  for (size_t i = 0; i < students.size(); ++i) {
    auto& events = per_record[i];
    const bool open = result.case_open(i);
    if (!open && events.empty()) continue;
    if (result.rejected(i)) {
      for (const Event* e : events) reject(*e, "the student's record was rejected");
      continue;
    }
    // Date order, a day's closing events last (the return ends the day's
    // work: a visit on the day of the return counts), then file order;
    // walk() settles the order of a day's other events.
    std::stable_sort(events.begin(), events.end(), [&](const Event* a, const Event* b) {
      if (a->date != b->date) return a->date < b->date;
      const bool ca = a->type == wf.closes_on, cb = b->type == wf.closes_on;
      return ca != cb ? cb : a->row < b->row;
    });
    const std::string status = result.table_count() > 0 ? std::string(result.value(0, i)) : "";
    std::vector<const Event*> usable;
    for (const Event* e : events) {
      if (e->date > as_of) reject(*e, "dated " + e->date.format() + ", after the evaluation date " + as_of.format());
      else usable.push_back(e);
    }
    // The current case opens on opened_on, never after the evaluation date.
    std::optional<Date> opened = open ? result.case_opened_on(i) : std::nullopt;
    if (opened && *opened > as_of) opened = as_of;
    // Events after the last day at school (the pack's events_after) count
    // from the opening day.
    std::optional<Date> early_after;
    if (wf.events_after >= 0) {
      const detail::ColumnData& col = students.data().columns[static_cast<size_t>(wf.events_after)];
      if (col.kept && col.present(i)) early_after = Date::from_days(*static_cast<const int32_t*>(col.at(i)));
    }
    // Earlier cases: runs of events each ended by a closing event, when the
    // child has no current case or the closing event comes before it opened.
    const std::optional<Date> opened_on = result.case_opened_on(i);
    size_t start = 0;
    std::optional<Date> last_closed;
    for (size_t k = 0; k < usable.size(); ++k) {
      if (usable[k]->type != wf.closes_on) continue;
      if (open && !(opened && usable[k]->date < *opened)) break;  // closes the current case
      if (last_closed && k == start) {
        // A second closing event with nothing since the last one closes
        // nothing: a repeat, not a case of its own.
        reject(*usable[k], "after the case was closed on " + last_closed->format());
        start = k + 1;
        continue;
      }
      const Date first = usable[start]->date;
      // opened_on within this run of events (by its closing date): the
      // case opened then, and events before it are rejected as they would
      // be in the current case.
      const bool within =
          opened_on && *opened_on <= usable[k]->date && (!last_closed || *opened_on > *last_closed);
      walk(i, status, std::span<const Event* const>(usable.data() + start, k + 1 - start),
           within ? *opened_on : first, early_after);
      last_closed = usable[k]->date;
      start = k + 1;
    }
    const std::span<const Event* const> rest(usable.data() + start, usable.size() - start);
    if (open) {
      walk(i, status, rest, opened, early_after);
    } else {
      for (const Event* e : rest)
        reject(*e, last_closed ? "after the case was closed on " + last_closed->format()
                               : "no open case: the student's status is " + status);
    }
  }
  detail::sort_by_row(report.event_rejects);  // events are walked per child
  return report;
}

}  // namespace kcbx
