// The pack's workflow `event_dates`: date fields of the student records that
// the events file fills (the day a child came back to school), so that the
// status table, ledgers and indicators see what the events say. Private to
// the library.
#ifndef KCBX_WORKFLOW_EVENT_DATES_H_
#define KCBX_WORKFLOW_EVENT_DATES_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kcbx/batch.h"
#include "kcbx/cases.h"
#include "pack/checked_pack.h"

namespace kcbx::detail {

// The record key: the first unique field, else the first field (as
// BatchBuilder names records in rejects). -1 for a pack without fields.
int key_field_index(const CheckedPack& cp);

class EventDates {
 public:
  EventDates(const CheckedPack& cp, const EventLog& log);

  // True when the pack fills no field or no event fills one.
  bool empty() const { return by_key_.empty(); }

  // A copy of `students` in which each event_dates field of each record
  // holds the date of the record's latest event of its types on or before
  // `on`, where that is later than the record's own value (or it has none);
  // nullopt when no value changes. `maybe`, when given, is asked first
  // whether a key can have events at all (a cheap filter).
  std::optional<Batch> apply(const Batch& students, Date on,
                             const std::function<bool(std::string_view)>& maybe = {}) const;

 private:
  const CheckedPack& cp_;
  int key_field_ = -1;
  // Per key: per event_dates entry, the event dates in increasing order.
  std::unordered_map<std::string, std::vector<std::vector<Date>>> by_key_;
};

}  // namespace kcbx::detail

#endif  // KCBX_WORKFLOW_EVENT_DATES_H_
