// Fills the date fields the pack's workflow `event_dates` names from the
// events file.
#include "workflow/event_dates.h"

#include <algorithm>
#include <cstring>

#include "engine/plan.h"

namespace kcbx {

namespace detail {

int key_field_index(const CheckedPack& cp) {
  const auto& fields = cp.pack->fields;
  for (size_t f = 0; f < fields.size(); ++f)
    if (fields[f].unique) return static_cast<int>(f);
  return fields.empty() ? -1 : 0;
}

EventDates::EventDates(const CheckedPack& cp, const EventLog& log) : cp_(cp), key_field_(key_field_index(cp)) {
  const auto& entries = cp.workflow.event_dates;
  if (entries.empty() || key_field_ < 0) return;
  for (const Event& e : log.events)
    for (size_t k = 0; k < entries.size(); ++k) {
      if (entries[k].field < 0) continue;
      const auto& types = entries[k].events;
      if (std::find(types.begin(), types.end(), e.type) == types.end()) continue;
      auto& per_entry = by_key_[e.student_id];
      per_entry.resize(entries.size());
      per_entry[k].push_back(e.date);
    }
  for (auto& [key, per_entry] : by_key_)
    for (auto& dates : per_entry) std::sort(dates.begin(), dates.end());
}

std::optional<Batch> EventDates::apply(const Batch& students, Date on,
                                       const std::function<bool(std::string_view)>& maybe) const {
  if (by_key_.empty()) return std::nullopt;
  const BatchData& d = students.data();
  const ColumnData& keys = d.columns[static_cast<size_t>(key_field_)];
  if (keys.type.kind != TypeKind::kString) return std::nullopt;
  const auto& entries = cp_.workflow.event_dates;
  struct Change {
    size_t record;
    int field;
    Date date;
  };
  std::vector<Change> changes;
  for (size_t i = 0; i < d.rows; ++i) {
    if (!keys.present(i)) continue;
    std::string_view key;
    std::memcpy(&key, keys.at(i), sizeof key);
    if (maybe && !maybe(key)) continue;
    auto it = by_key_.find(std::string(key));
    if (it == by_key_.end()) continue;
    for (size_t k = 0; k < entries.size(); ++k) {
      const std::vector<Date>& dates = it->second[k];
      // The latest on or before `on`.
      auto last = std::upper_bound(dates.begin(), dates.end(), on);
      if (last == dates.begin()) continue;
      const Date date = *(last - 1);
      const ColumnData& c = d.columns[static_cast<size_t>(entries[k].field)];
      if (c.present(i)) {
        int32_t own;
        std::memcpy(&own, c.at(i), sizeof own);
        if (own >= date.days()) continue;
      }
      changes.push_back({i, entries[k].field, date});
    }
  }
  if (changes.empty()) return std::nullopt;
  auto out = std::make_shared<BatchData>(d);  // shares the string arena
  for (const Change& ch : changes) {
    ColumnData& c = out->columns[static_cast<size_t>(ch.field)];
    const int32_t days = ch.date.days();
    std::memcpy(c.bytes.data() + ch.record * sizeof days, &days, sizeof days);
    if (!c.valid.empty()) c.valid[ch.record] = 1;
  }
  return Batch(std::move(out));
}

}  // namespace detail

Batch with_event_dates(const RulePack& rules, const Batch& students, const EventLog& events, Date as_of) {
  const detail::EventDates dates(rules.checked(), events);
  std::optional<Batch> filled = dates.apply(students, as_of);
  return filled ? std::move(*filled) : students;
}

}  // namespace kcbx
