// The main job (kcbx run): one streamed pass over the students that fills
// the dates the pack's workflow takes from the events (event_dates: a
// return to school), classifies each chunk, counts it into every jurisdiction of every ledger
// level, streams the per-child aid list, and keeps only the records the
// lists need (a case, a ledger row, an event). After the pass those few
// records are classified again, their cases walked with the events and the
// responsibility graph, and the ledgers, lists, indicators, calendar and
// summary written.
//
// Two threads: one parses CSV into batches (the slowest stage), the other
// classifies and counts; a queue of two chunks bounds the memory between.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "engine/plan.h"
#include "io/id_number.h"
#include "io/input_file.h"
#include "io/rejects_order.h"
#include "kcbx/memory.h"
#include "kcbx/report.h"
#include "ledger/ledger.h"
#include "pack/checked_pack.h"
#include "util/decimals.h"
#include "workflow/event_dates.h"
#include "workflow/rejected_students.h"

namespace kcbx {

using detail::BatchData;
using detail::CheckedPack;
using detail::LevelKey;
using detail::TypeKind;
using detail::ViewMap;

namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;
using Row = std::vector<std::string>;

// ---- Pack-derived configuration ----------------------------------------------

Labels domain_labels(const detail::Pack& p, int domain) {
  Labels out;
  if (domain < 0) return out;
  for (const auto& v : p.domains[static_cast<size_t>(domain)].values)
    out.emplace_back(v.name.value, v.alias.empty() ? v.name.value : v.alias.value);
  return out;
}

int table_domain(const CheckedPack& cp, int t) {
  if (t < 0) return -1;
  const auto& def = cp.pack->tables[static_cast<size_t>(t)];
  if (def.domain >= 0) return def.domain;
  const int f = cp.field_index(def.values_from.value);
  return f < 0 ? -1 : cp.fields[static_cast<size_t>(f)].type.domain;
}

// An aid_gaps list: a collect table's values against a set field's.
struct AidList {
  size_t list = 0;  // index in Pack::lists
  int table = -1;
  int field = -1;
  int domain = -1;           // of the table
  std::vector<int> to_field; // table value -> field value bit, -1 none
};

struct Config {
  const CheckedPack& cp;
  const detail::Pack& p;
  int key_field = -1;
  std::vector<int> levels;  // ledger levels, finest first
  std::vector<LevelKey> keys;
  int status_table = -1;
  size_t n_status = 0;
  size_t n_flags = 0;
  std::vector<Date> alt_dates;
  std::vector<int> indicator_alt;  // per indicator: -1 main date, else alt_dates index
  // Per indicator: its own date when that is after the run's (not due yet).
  std::vector<std::optional<Date>> indicator_due;
  std::vector<AidList> aid;
  uint64_t keep_mask = 0;          // include flag and special flags
  // The rates judged on the run's date: (indicator, numerator flag,
  // denominator flag), for the records counted on top but not below.
  struct RatePair {
    size_t indicator;
    int numerator, denominator;
  };
  std::vector<RatePair> rates;
  // Counter layout per jurisdiction.
  static constexpr size_t kRecords = 0, kLedger = 1, kOpen = 2, kClosed = 3, kOverdue = 4, kStatus = 5;
  size_t c_flags = 0, c_alt = 0, c_aid = 0, width = 0;

  explicit Config(const CheckedPack& pack) : cp(pack), p(*pack.pack) {}
};

Config configure(const CheckedPack& cp, Date as_of) {
  Config c(cp);
  c.key_field = cp.field_index(cp.key_field());
  if (cp.ledgers.present) {
    for (int l : cp.ledgers.levels)
      if (l >= 0) {
        c.levels.push_back(l);
        c.keys.push_back(LevelKey::of(cp, l));
      }
    c.status_table = cp.ledgers.totals_table;
    if (cp.ledgers.include_flag >= 0) c.keep_mask |= uint64_t{1} << cp.ledgers.include_flag;
    for (int f : cp.ledgers.special_flags)
      if (f >= 0) c.keep_mask |= uint64_t{1} << f;
  }
  // Without `totals_by` (or without a ledgers section at all) the statuses
  // counted are the main decision's: the first table with one value per
  // record. A run that counted nothing would print an empty status table.
  for (size_t t = 0; c.status_table < 0 && t < c.p.tables.size(); ++t)
    if (c.p.tables[t].hit_policy != detail::HitPolicy::kCollect && (!cp.ledgers.present || c.p.ledgers.totals_by.empty()))
      c.status_table = static_cast<int>(t);
  const int dom = table_domain(cp, c.status_table);
  c.n_status = dom < 0 ? 0 : c.p.domains[static_cast<size_t>(dom)].values.size();
  c.n_flags = cp.flags.size();
  for (const auto& ind : cp.indicators) {
    int alt = -1;
    std::optional<Date> due;
    if (ind.as_of.set()) {
      // A target judged on a later date (T1 on 2019-09-15, run on 08-01) is
      // not due yet: counting records classified on that date would judge
      // the future from today's data. It is counted on the run's date and
      // shown as pending.
      if (auto d = cp.date_on(ind.as_of, as_of); d && *d > as_of) {
        due = d;
      } else if (d && *d != as_of) {
        auto it = std::find(c.alt_dates.begin(), c.alt_dates.end(), *d);
        alt = static_cast<int>(it - c.alt_dates.begin());
        if (it == c.alt_dates.end()) c.alt_dates.push_back(*d);
      }
    }
    c.indicator_alt.push_back(alt);
    c.indicator_due.push_back(due);
    if (alt < 0 && ind.numerator_flag >= 0 && ind.denominator_flag >= 0)
      c.rates.push_back({c.indicator_alt.size() - 1, ind.numerator_flag, ind.denominator_flag});
  }
  for (size_t l = 0; l < c.p.lists.size(); ++l) {
    const auto& def = c.p.lists[l];
    if (def.kind.value != "aid_gaps") continue;
    AidList a;
    a.list = l;
    a.table = cp.table_index(def.eligible.value);
    a.field = cp.field_index(def.receiving.value);
    if (a.table < 0 || a.field < 0) continue;
    a.domain = table_domain(cp, a.table);
    const int fdom = cp.fields[static_cast<size_t>(a.field)].type.domain;
    if (a.domain < 0 || fdom < 0) continue;
    const auto& tv = c.p.domains[static_cast<size_t>(a.domain)].values;
    const auto& fv = c.p.domains[static_cast<size_t>(fdom)].values;
    for (const auto& v : tv) {
      int bit = -1;
      for (size_t k = 0; k < fv.size() && k < 64; ++k)
        if (fv[k].name.value == v.name.value) bit = static_cast<int>(k);
      a.to_field.push_back(bit);
    }
    c.aid.push_back(std::move(a));
  }
  c.c_flags = Config::kStatus + c.n_status;
  c.c_alt = c.c_flags + c.n_flags;
  c.c_aid = c.c_alt + c.n_flags * c.alt_dates.size();
  c.width = c.c_aid + c.aid.size();
  return c;
}

// ---- Counting per jurisdiction ---------------------------------------------------

class LevelCounts {
 public:
  explicit LevelCounts(size_t width) : width_(width) {}

  int64_t* at(std::string_view key) {
    if (cached_ >= 0 && key == keys_[static_cast<size_t>(cached_)]) return mutable_row(cached_);
    auto it = index_.find(key);
    if (it == index_.end()) {
      it = index_.emplace(std::string(key), static_cast<uint32_t>(keys_.size())).first;
      keys_.emplace_back(key);
      cells_.resize(cells_.size() + width_, 0);
    }
    cached_ = it->second;
    return mutable_row(cached_);
  }
  // Null when the key was never counted.
  int64_t* find(std::string_view key) {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : mutable_row(it->second);
  }
  // Keys in sorted order.
  std::vector<size_t> order() const {
    std::vector<size_t> o(keys_.size());
    for (size_t i = 0; i < o.size(); ++i) o[i] = i;
    std::sort(o.begin(), o.end(), [&](size_t a, size_t b) { return keys_[a] < keys_[b]; });
    return o;
  }
  const std::string& key(size_t i) const { return keys_[i]; }
  const int64_t* row(size_t i) const { return cells_.data() + i * width_; }

 private:
  int64_t* mutable_row(int64_t i) { return cells_.data() + static_cast<size_t>(i) * width_; }
  size_t width_;
  ViewMap<uint32_t> index_;
  std::vector<std::string> keys_;
  std::vector<int64_t> cells_;
  int64_t cached_ = -1;
};

// ---- Where schools are: what the responsibility graph reads off students --------

// For each pair of adjacent levels on a line whose containment the codes do
// not show (a school's county), counts the upper keys per lower key, so
// that a small batch of one record per lower key can stand for the
// province when the graph is built (ResponsibilityGraph reads the majority).
class Placement {
 public:
  explicit Placement(const CheckedPack& cp) {
    const auto& p = *cp.pack;
    for (const auto& chain : cp.line_roles)
      for (size_t k = 0; k + 1 < chain.size(); ++k) {
        if (chain[k] < 0 || chain[k + 1] < 0) continue;
        if (p.roles[static_cast<size_t>(chain[k])].from_record || p.roles[static_cast<size_t>(chain[k + 1])].from_record)
          continue;
        const int a = cp.role_level[static_cast<size_t>(chain[k])];
        const int b = cp.role_level[static_cast<size_t>(chain[k + 1])];
        if (a < 0 || b < 0 || a == b) continue;
        const LevelKey la = LevelKey::of(cp, a), lb = LevelKey::of(cp, b);
        if (structural(la, lb)) continue;
        if (std::any_of(pairs_.begin(), pairs_.end(), [&](const Pair& q) { return q.a == a && q.b == b; }))
          continue;
        pairs_.push_back({a, b, la, lb, {}});
      }
  }

  bool empty() const { return pairs_.empty(); }

  void count(const BatchData& d) {
    std::string ba, bb;
    std::string_view ka, kb;
    for (Pair& q : pairs_) {
      std::string last_a, last_b;
      int64_t* last = nullptr;
      for (size_t i = 0; i < d.rows; ++i) {
        if (!q.la.read(d, i, ba, ka) || !q.lb.read(d, i, bb, kb)) continue;
        if (last && ka == last_a && kb == last_b) {
          ++*last;
          continue;
        }
        auto it = q.counts.find(ka);
        if (it == q.counts.end()) it = q.counts.emplace(std::string(ka), Cands{}).first;
        auto& cands = it->second;
        auto hit = std::find_if(cands.begin(), cands.end(), [&](const auto& c) { return c.first == kb; });
        if (hit == cands.end()) {
          cands.emplace_back(std::string(kb), 0);
          hit = cands.end() - 1;
        }
        ++hit->second;
        last = &hit->second;
        last_a.assign(ka);
        last_b.assign(kb);
      }
    }
  }

  // One record per lower key, holding its fields and those of the upper key
  // most of its students have (smallest on a tie); every other field null.
  Batch batch(const std::shared_ptr<const CheckedPack>& pack) const {
    auto d = std::make_shared<BatchData>();
    d->pack = pack;
    for (const auto& info : pack->fields) {
      detail::ColumnData c;
      c.type = info.type;
      c.width = detail::width_of(info.type.kind);
      d->columns.push_back(std::move(c));
    }
    std::vector<std::string_view> row(pack->fields.size());
    std::vector<uint8_t> set(pack->fields.size());
    for (const Pair& q : pairs_) {
      std::vector<const std::string*> lower;
      for (const auto& [k, v] : q.counts) lower.push_back(&k);
      std::sort(lower.begin(), lower.end(), [](auto* x, auto* y) { return *x < *y; });
      for (const std::string* k : lower) {
        const auto& cands = q.counts.find(*k)->second;
        const auto best = std::min_element(cands.begin(), cands.end(), [](const auto& x, const auto& y) {
          return x.second != y.second ? x.second > y.second : x.first < y.first;
        });
        std::fill(set.begin(), set.end(), 0);
        put(q.la, *k, *d, row, set);
        put(q.lb, best->first, *d, row, set);
        append(*d, row, set);
      }
    }
    return Batch(std::move(d));
  }

 private:
  using Cands = std::vector<std::pair<std::string, int64_t>>;
  struct Pair {
    int a, b;
    LevelKey la, lb;
    ViewMap<Cands> counts;
  };

  // The upper key follows from the lower one alone (as the graph decides).
  static bool structural(const LevelKey& sub, const LevelKey& sup) {
    if (sup.fields.empty() || sup.fields.size() > sub.fields.size()) return false;
    for (size_t j = 0; j < sup.fields.size(); ++j)
      if (sup.fields[j] != sub.fields[j] || sup.fields[j] < 0) return false;
    if (sup.prefix == 0) return sub.prefix == 0;
    return sub.prefix == 0 || sub.prefix >= sup.prefix;
  }

  // Sets a level's fields from its key (parts split at '/').
  static void put(const LevelKey& l, std::string_view key, BatchData& d, std::vector<std::string_view>& row,
                  std::vector<uint8_t>& set) {
    if (l.fields.size() == 1) {
      const auto f = static_cast<size_t>(l.fields[0]);
      row[f] = d.strings->keep(key);
      set[f] = 1;
      return;
    }
    size_t start = 0;
    for (size_t j = 0; j < l.fields.size(); ++j) {
      size_t end = j + 1 == l.fields.size() ? key.size() : key.find('/', start);
      if (end == std::string_view::npos) end = key.size();
      const auto f = static_cast<size_t>(l.fields[j]);
      row[f] = d.strings->keep(key.substr(start, end - start));
      set[f] = 1;
      start = std::min(key.size(), end + 1);
    }
  }

  static void append(BatchData& d, const std::vector<std::string_view>& row, const std::vector<uint8_t>& set) {
    const size_t i = d.rows;
    for (size_t f = 0; f < d.columns.size(); ++f) {
      detail::ColumnData& c = d.columns[f];
      const size_t w = static_cast<size_t>(c.width);
      c.bytes.resize((i + 1) * w, 0);
      if (set[f] && c.type.kind == TypeKind::kString) {
        std::memcpy(c.bytes.data() + i * w, &row[f], sizeof row[f]);
        if (!c.valid.empty()) c.valid.push_back(1);
      } else {
        if (c.valid.empty()) c.valid.assign(i, 1);
        c.valid.push_back(0);
      }
    }
    d.row_numbers.push_back(0);
    d.rows = i + 1;
  }

  std::vector<Pair> pairs_;
};

// ---- The reading thread ----------------------------------------------------------

struct Chunk {
  Batch batch;
  std::vector<Reject> rejects;
  int64_t read = 0;
  int64_t bytes = 0;
  bool end = false;
};

class ChunkQueue {
 public:
  // False when the consumer stopped: the producer should stop reading.
  bool push(Chunk c) {
    std::unique_lock lock(m_);
    not_full_.wait(lock, [&] { return q_.size() < kCapacity || stop_; });
    if (stop_) return false;
    q_.push_back(std::move(c));
    not_empty_.notify_one();
    return true;
  }
  // False when the producer failed (`error` is then set) or stopped.
  bool pop(Chunk& c) {
    std::unique_lock lock(m_);
    not_empty_.wait(lock, [&] { return !q_.empty() || error_; });
    if (q_.empty()) return false;
    c = std::move(q_.front());
    q_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void fail(std::exception_ptr e) {
    std::lock_guard lock(m_);
    error_ = e;
    not_empty_.notify_all();
  }
  void stop() {
    std::lock_guard lock(m_);
    stop_ = true;
    not_full_.notify_all();
  }
  std::exception_ptr error() {
    std::lock_guard lock(m_);
    return error_;
  }

 private:
  static constexpr size_t kCapacity = 2;
  std::mutex m_;
  std::condition_variable not_full_, not_empty_;
  std::deque<Chunk> q_;
  std::exception_ptr error_;
  bool stop_ = false;
};

// ---- Tables ------------------------------------------------------------------------

class Emitter {
 public:
  explicit Emitter(ReportSink* sink) : sink_(sink) {}
  size_t open(TableSpec spec) {
    const size_t id = widths_.size();
    widths_.push_back(spec.columns.size());
    if (sink_) sink_->open_table(id, spec);
    return id;
  }
  void row(size_t t, Row& cells) {
    cells.resize(widths_[t]);
    if (sink_) sink_->add_row(t, cells);
  }

 private:
  ReportSink* sink_;
  std::vector<size_t> widths_;
};

Column col(std::string name, std::string header, ColumnType type = ColumnType::kText, Labels labels = {}) {
  return Column{std::move(name), std::move(header), type, std::move(labels)};
}

ColumnType column_type(TypeKind k) {
  switch (k) {
    case TypeKind::kInt: return ColumnType::kInteger;
    case TypeKind::kNumber: return ColumnType::kNumber;
    case TypeKind::kBool: return ColumnType::kBool;
    case TypeKind::kDate: return ColumnType::kDate;
    default: return ColumnType::kText;
  }
}

const Labels& bool_labels() {
  static const Labels l = {{"1", "是"}, {"0", "否"}};
  return l;
}

std::string level_alias(const detail::Pack& p, int level) {
  const auto& l = p.levels[static_cast<size_t>(level)];
  return l.alias.empty() ? l.name.value : l.alias.value;
}

std::string date_text(const std::optional<Date>& d) { return d ? d->format() : ""; }

std::string number_text(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// A pack's threshold as written (0.95, 0.3333334): the shortest text that
// reads back as the same number, so that a rate beside it compares with it.
std::string threshold_text(double v) {
  char buf[40];
  for (int digits = 6; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

// Six decimals, or more where six would show a rate as its target when
// the two differ (a province's 0.9499996 against 0.95: util/decimals.h).
std::string rate_text(double v, std::optional<double> threshold = std::nullopt) {
  const int decimals = threshold ? detail::decimals_to_tell_apart(v, *threshold, 6, 15) : 6;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  while (s.size() > 1 && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

// ---- Cases, compactly -----------------------------------------------------------

// Texts stored once: the stages, actions, roles and persons of millions of
// cases are a few hundred distinct strings.
class TextPool {
 public:
  TextPool() { id(""); }
  uint32_t id(std::string_view s) {
    if (auto it = ids_.find(s); it != ids_.end()) return it->second;
    texts_.emplace_back(s);
    const auto n = static_cast<uint32_t>(texts_.size() - 1);
    ids_.emplace(texts_.back(), n);
    return n;
  }
  const std::string& at(uint32_t i) const { return texts_[i]; }

 private:
  std::deque<std::string> texts_;  // stable addresses for the views in ids_
  std::unordered_map<std::string_view, uint32_t> ids_;
};

// What the ledgers and lists read of a Case, its texts in a TextPool. A
// Case holds a dozen strings, about 700 bytes with them, and a national run
// has millions of cases open at once; a CaseRow is 80 bytes.
struct CaseRow {
  size_t record = 0;  // in the kept records
  bool closed = false;
  std::optional<Date> opened, closed_on, due;
  int64_t days_overdue = 0;
  uint32_t stage = 0, clause = 0, next_action = 0, role = 0, person = 0, phone = 0;
  uint32_t persuasion = 0, responsible = 0;  // the ledgers' texts of them
  // The responsible post's jurisdiction is known (the record has a class,
  // a school...) but no one holds the post.
  bool unstaffed = false;
};

struct CaseSummary {
  std::vector<CaseRow> rows;  // in record order, as CaseReport::cases
  std::vector<Accountability> accountability;
  std::vector<Reject> event_rejects;
  int64_t events_applied = 0;
};

// ---- The whole job -------------------------------------------------------------------

class Job {
 public:
  Job(const Engine& engine, const EventLog* events, const Roster* roster, const RunOptions& options,
      ReportSink* sink, const ProgressCallback& progress)
      : engine_(engine),
        cp_(engine.rules().checked()),
        p_(*cp_.pack),
        events_(events),
        roster_(roster),
        o_(options),
        out_(sink),
        progress_(progress),
        cfg_(configure(cp_, options.as_of)),
        whole_(cfg_.width, 0),
        store_(engine.rules().shared()),
        placement_(cp_) {
    for (size_t l = 0; l < cfg_.levels.size(); ++l) counts_.emplace_back(cfg_.width);
  }

  RunReport run(std::istream& in) {
    const auto t0 = std::chrono::steady_clock::now();
    report_.pack_id = engine_.rules().id();
    report_.as_of = o_.as_of;
    if (events_) {
      for (const Event& e : events_->events) with_events_.insert(e.student_id);
      // A bit per hash in front of the set: most records have no event, and
      // a bit test is far cheaper than hashing into a large table.
      size_t bits = size_t{1} << 16;
      while (bits < 16 * with_events_.size()) bits <<= 1;
      event_bits_.assign(bits / 64, 0);
      event_mask_ = bits - 1;
      for (std::string_view id : with_events_) {
        const size_t b = quick_hash(id) & event_mask_;
        event_bits_[b / 64] |= uint64_t{1} << (b % 64);
      }
      // Dates the pack's workflow takes from the events (a return to
      // school) go into the records before they are classified.
      dates_ = std::make_unique<detail::EventDates>(cp_, *events_);
    }
    // Opening the reader checks the header: an unusable file throws here.
    ReadOptions ro;
    ro.file = o_.file;
    ro.encoding = o_.encoding;
    ro.batch_rows = std::max<size_t>(1, o_.batch_rows);
    ro.unique_memory = o_.unique_memory;
    // Optional so that it can go before the end phase: its duplicate check
    // (hundreds of MB for a national stream) is no longer needed there.
    std::optional<StudentReader> open_reader(std::in_place, engine_.rules(), in, ro);
    StudentReader& reader = *open_reader;
    for (const auto& n : reader.notes()) report_.notes.push_back(o_.file + ": " + n);
    open_tables();

    ChunkQueue queue;
    const bool track_bytes = o_.total_bytes > 0;
    std::thread producer([&] {
      try {
        for (;;) {
          Chunk c;
          const bool more = reader.next(c.batch);
          c.rejects = reader.take_rejects();
          c.read = reader.counts().read;
          if (track_bytes) {
            // Not in.tellg(): the reader's own thread may be reading it.
            const int64_t pos = reader.bytes_read();
            c.bytes = pos < 0 ? o_.total_bytes : pos;
          }
          c.end = !more;
          if (!queue.push(std::move(c)) || !more) break;
        }
      } catch (...) {
        queue.fail(std::current_exception());
      }
    });
    try {
      Chunk c;
      while (queue.pop(c)) {
        // A chunk's rejects in row order: the reader's (a bad cell) and the
        // pack checks' (found when the chunk is classified) interleave.
        chunk_rejects_ = std::move(c.rejects);
        if (c.batch.size() > 0) process(c.batch);
        detail::sort_by_row(chunk_rejects_);
        for (const Reject& r : chunk_rejects_) {
          reject("students", r);
          remember_if_evented(r);
        }
        if (progress_) progress_({c.read, c.bytes, o_.total_bytes, false});
        if (c.end) break;
      }
    } catch (...) {
      queue.stop();
      producer.join();
      throw;
    }
    producer.join();
    if (auto e = queue.error()) std::rethrow_exception(e);
    const ReadCounts& rc = reader.counts();
    report_.students.read = rc.read;
    report_.students.accepted = rc.accepted - check_rejected_;
    report_.students.rejected = rc.rejected + check_rejected_;
    if (progress_) progress_({rc.read, o_.total_bytes, o_.total_bytes, true});
    open_reader.reset();
    // The pass's chunk buffers were kept for the next chunk (the buffer
    // cache); the end phase allocates other things, so kept they would only
    // add to its peak.
    release_memory();

    finish();
    report_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return std::move(report_);
  }

 private:
  // -- Tables opened up front, so that the workbook's sheets come in this order.
  void open_tables() {
    const std::string key_name = cfg_.key_field >= 0 ? p_.fields[static_cast<size_t>(cfg_.key_field)].name.value : "id";
    const std::string key_alias = cfg_.key_field >= 0 ? p_.fields[static_cast<size_t>(cfg_.key_field)].alias.value : "";
    key_col_ = col(key_name, key_alias);
    Labels level_labels = {{"all", "全部"}};
    for (int l : cfg_.levels) level_labels.emplace_back(p_.levels[static_cast<size_t>(l)].name.value, level_alias(p_, l));
    level_col_ = col("level", "层级", ColumnType::kText, level_labels);
    if (!cfg_.levels.empty()) finest_col_ = col("jurisdiction", level_alias(p_, cfg_.levels[0]) + "代码");
    else finest_col_ = col("jurisdiction", "辖区代码");
    status_labels_ = domain_labels(p_, table_domain(cp_, cfg_.status_table));
    for (size_t s = 0; s < p_.workflow.stages.size(); ++s) {
      const auto& st = p_.workflow.stages[s];
      stage_labels_.emplace_back(st.id.value, st.alias.empty() ? st.id.value : st.alias.value);
    }
    for (const auto& r : p_.roles) role_labels_.emplace_back(r.name.value, r.alias.empty() ? r.name.value : r.alias.value);

    t_summary_ = out_.open({"summary", "摘要",
                            {col("section", "类别"), col("item", "项目"), col("alias", "名称"), level_col_,
                             col("value", "数值", ColumnType::kNumber)}});
    std::vector<Column> indicator_cols = {
        col("indicator", "指标"), col("alias", "名称"), col("clause", "条款"), level_col_,
        col("jurisdiction", "辖区代码"), col("judged_on", "评价日期", ColumnType::kDate),
        col("numerator", "分子", ColumnType::kInteger), col("denominator", "分母", ColumnType::kInteger),
        col("value", "值", ColumnType::kNumber),
        col("comparison", "比较", ColumnType::kText, {{"at_least", "不低于"}, {"at_most", "不高于"}}),
        col("threshold", "目标值", ColumnType::kNumber),
        col("result", "结果", ColumnType::kText,
            {{"met", "达标"}, {"missed", "未达标"}, {"pending", "未到期"}, {"no_data", "无数据"}}),
        col("due_on", "到期日期", ColumnType::kDate)};
    // A rate's value and target as percentages in the workbook (95.00%),
    // a count's as numbers: by the row's denominator (empty for a count).
    indicator_cols[8].percent_if = indicator_cols[10].percent_if = 7;
    indicator_cols[8].percent_against = 10;
    indicator_cols[10].percent_against = 8;
    t_indicators_ = out_.open({"indicators", "目标指标", std::move(indicator_cols)});

    // Ledger columns, shared by every level and the special ledgers.
    ledger_cols_.clear();
    for (const auto& c : p_.ledgers.columns) {
      LedgerCol lc;
      lc.from_case = c.from_case;
      lc.name = c.name.value;
      Column out = col(c.name.value, c.alias.empty() ? c.name.value : c.alias.value);
      if (!c.from_case) {
        if ((lc.field = cp_.field_index(c.name.value)) >= 0) {
          const auto& info = cp_.fields[static_cast<size_t>(lc.field)];
          out.type = column_type(info.type.kind);
          if (info.type.kind == TypeKind::kEnum || info.type.kind == TypeKind::kSet)
            out.labels = domain_labels(p_, info.type.domain);
          if (info.type.kind == TypeKind::kBool) out.labels = bool_labels();
        } else if ((lc.table = cp_.table_index(c.name.value)) >= 0) {
          out.labels = domain_labels(p_, table_domain(cp_, lc.table));
        } else if ((lc.rule_of = cp_.table_rule_column(c.name.value, &lc.clause)) >= 0) {
          // The rule or clause that decided the table's value: which of the
          // statuses' grounds put the child on the ledger (DESIGN: outputs
          // carry the rule id and clause behind each decision).
        } else {
          for (size_t o = 0; o < p_.outputs.size(); ++o)
            if (p_.outputs[o].value == c.name.value) lc.output = static_cast<int>(o);
          const int d = cp_.derive_index(c.name.value);
          if (d >= 0) out.type = column_type(cp_.derive_types[static_cast<size_t>(d)].kind);
          if (out.type == ColumnType::kBool) out.labels = bool_labels();
          if (lc.output < 0)
            report_.notes.push_back("ledger column '" + c.name.value +
                                    "' is a derived value the engine does not output; add it to the pack's "
                                    "'outputs' to fill it");
        }
      } else if (c.name.value == "stage") {
        out.labels = stage_labels_;
      } else if (c.name.value == "due" || c.name.value == "opened") {
        out.type = ColumnType::kDate;
      } else if (c.name.value == "days_overdue") {
        out.type = ColumnType::kInteger;
      }
      ledger_cols_.push_back(lc);
      ledger_spec_.push_back(std::move(out));
    }

    for (size_t l = 0; l < cfg_.levels.size(); ++l) {
      const int level = cfg_.levels[l];
      const std::string& name = p_.levels[static_cast<size_t>(level)].name.value;
      TableSpec ledger{"ledger_" + name, level_alias(p_, level) + "台账", {}};
      ledger.columns.push_back(col("jurisdiction", level_alias(p_, level) + "代码"));
      ledger.columns.push_back(key_col_);
      for (const auto& c : ledger_spec_) ledger.columns.push_back(c);
      t_ledger_.push_back(out_.open(std::move(ledger)));
      TableSpec totals{"totals_" + name, level_alias(p_, level) + "汇总", totals_columns(level), "合计"};
      t_totals_.push_back(out_.open(std::move(totals)));
    }
    for (size_t s = 0; s < p_.ledgers.special.size(); ++s) {
      const auto& g = p_.ledgers.special[s];
      TableSpec t{"ledger_" + g.name.value, g.alias.empty() ? g.name.value : g.alias.value, {}};
      t.columns.push_back(finest_col_);
      t.columns.push_back(key_col_);
      for (const auto& c : ledger_spec_) t.columns.push_back(c);
      t_special_.push_back(out_.open(std::move(t)));
    }
    for (size_t l = 0; l < p_.lists.size(); ++l) t_lists_.push_back(out_.open(list_spec(l)));
    t_calendar_ = out_.open({"calendar", "报送日历",
                             {col("date", "报送日期", ColumnType::kDate), col("id", "编号"), col("alias", "名称"),
                              col("reporter", "报送人", ColumnType::kText, role_labels_),
                              col("reporter_alias", "报送人(中文)"), col("recipient", "接收单位"),
                              col("data_as_of", "数据截至", ColumnType::kDate), col("clause", "条款")}});
    t_rejects_ = out_.open({"rejects", "拒收记录",
                            {col("file", "文件"), col("row", "行号", ColumnType::kInteger), key_col_,
                             col("column", "字段"), col("reason", "原因")}});
  }

  std::vector<Column> totals_columns(int level) {
    std::vector<Column> cols;
    cols.push_back(col("jurisdiction", level_alias(p_, level) + "代码"));
    cols.push_back(col("records", "学生数", ColumnType::kInteger));
    cols.push_back(col("on_ledger", "台账人数", ColumnType::kInteger));
    for (const auto& [v, alias] : status_labels_) cols.push_back(col(v, alias, ColumnType::kInteger));
    for (const auto& g : p_.ledgers.special)
      cols.push_back(col(g.name.value, g.alias.empty() ? g.name.value : g.alias.value, ColumnType::kInteger));
    for (const auto& g : p_.ledgers.key_groups)
      cols.push_back(col(g.name.value, g.alias.empty() ? g.name.value : g.alias.value, ColumnType::kInteger));
    for (const auto& a : cfg_.aid) {
      const auto& def = p_.lists[a.list];
      cols.push_back(col(def.name.value, def.alias.empty() ? def.name.value : def.alias.value, ColumnType::kInteger));
    }
    cols.push_back(col("cases_open", "在办案件", ColumnType::kInteger));
    cols.push_back(col("cases_closed", "已关闭案件", ColumnType::kInteger));
    cols.push_back(col("cases_overdue", "逾期案件", ColumnType::kInteger));
    // Column names unique (a status and a group may share a name).
    for (size_t i = 0; i < cols.size(); ++i)
      for (size_t j = 0; j < i; ++j)
        if (cols[j].name == cols[i].name) {
          cols[i].name += "_" + std::to_string(i);
          break;
        }
    return cols;
  }

  TableSpec list_spec(size_t l) {
    const auto& def = p_.lists[l];
    TableSpec t{def.name.value, def.alias.empty() ? def.name.value : def.alias.value, {}};
    const std::string& kind = def.kind.value;
    const Column stage = col("stage", "阶段", ColumnType::kText, stage_labels_);
    const Column status = col("status", "状态", ColumnType::kText, status_labels_);
    const Column role = col("role", "角色", ColumnType::kText, role_labels_);
    if (kind == "problem") {
      const int f = cp_.field_index(def.group_by.value);
      const std::string alias = f >= 0 ? p_.fields[static_cast<size_t>(f)].alias.value : "";
      t.columns = {col(def.group_by.empty() ? "group" : def.group_by.value, alias.empty() ? "分组" : alias),
                   key_col_, finest_col_, status, col("opened", "立案日期", ColumnType::kDate), stage,
                   col("next_action", "下一步措施"), role, col("person", "责任人"), col("phone", "电话"),
                   col("due", "完成时限", ColumnType::kDate), col("days_overdue", "逾期天数", ColumnType::kInteger),
                   col("clause", "条款")};
    } else if (kind == "responsibility") {
      t.columns = {key_col_, finest_col_, status, stage};
      for (const auto& r : def.roles) {
        const int ri = cp_.role_index(r.value);
        const std::string alias = ri >= 0 ? p_.roles[static_cast<size_t>(ri)].alias.value : "";
        t.columns.push_back(col(r.value, alias.empty() ? r.value : alias));
      }
    } else if (kind == "closure") {
      // "Closed on" is named after the pack's closing event (e.g. its alias + 日期).
      std::string closing = "关闭";
      if (p_.workflow.event_domain >= 0 && cp_.workflow.closes_on >= 0) {
        const auto& v = p_.domains[static_cast<size_t>(p_.workflow.event_domain)]
                            .values[static_cast<size_t>(cp_.workflow.closes_on)];
        closing = v.alias.empty() ? v.name.value : v.alias.value;
      }
      t.columns = {key_col_, finest_col_, status, col("opened", "立案日期", ColumnType::kDate),
                   col("closed_on", closing + "日期", ColumnType::kDate),
                   col("days_open", "历时天数", ColumnType::kInteger)};
    } else if (kind == "accountability") {
      t.columns = {key_col_, finest_col_, stage, col("clause", "条款"), col("due", "完成时限", ColumnType::kDate),
                   col("done_on", "完成日期", ColumnType::kDate), col("days_late", "逾期天数", ColumnType::kInteger),
                   role, col("person", "责任人"), col("post", "责任辖区"), col("supervisors", "上级责任人")};
    } else if (kind == "aid_gaps") {
      Labels labels;
      for (const auto& a : cfg_.aid)
        if (a.list == l) labels = domain_labels(p_, a.domain);
      t.columns = {key_col_};
      for (int lv : cfg_.levels)
        t.columns.push_back(col(p_.levels[static_cast<size_t>(lv)].name.value, level_alias(p_, lv) + "代码"));
      if (cfg_.levels.empty()) t.columns.push_back(finest_col_);
      const int rf = cp_.field_index(def.receiving.value);
      const std::string receiving = rf >= 0 ? p_.fields[static_cast<size_t>(rf)].alias.value : "";
      t.columns.push_back(col("eligible", "符合条件", ColumnType::kText, labels));
      t.columns.push_back(col("receiving", receiving.empty() ? "已有" : receiving, ColumnType::kText, labels));
      t.columns.push_back(col("missing", "缺少", ColumnType::kText, labels));
    }
    return t;
  }

  void reject(const char* file, const Reject& r) {
    Row row = {file, std::to_string(r.row), r.student_id, r.column, r.reason};
    out_.row(t_rejects_, row);
  }

  // -- One chunk.
  // The chunk with the fields the events fill, as of `on` (nullopt: as read).
  std::optional<Batch> with_event_dates(const Batch& batch, Date on) const {
    if (!dates_ || dates_->empty()) return std::nullopt;
    return dates_->apply(batch, on, [this](std::string_view id) { return has_events(id); });
  }

  void process(const Batch& read) {
    const std::optional<Batch> filled = with_event_dates(read, o_.as_of);
    const Batch& batch = filled ? *filled : read;
    const BatchData& d = batch.data();
    const BatchResult result = engine_.classify(batch, o_.as_of);
    std::vector<BatchResult> alt;
    for (size_t a = 0; a < cfg_.alt_dates.size(); ++a) {
      if (alt_failed_.size() <= a) alt_failed_.push_back(false);
      if (alt_failed_[a]) {
        alt.emplace_back();
        continue;
      }
      try {
        ClassifyOptions flags_only;
        flags_only.cases = false;
        const std::optional<Batch> then = with_event_dates(read, cfg_.alt_dates[a]);
        alt.push_back(engine_.classify(then ? *then : read, cfg_.alt_dates[a], flags_only));
      } catch (const Error& e) {
        alt_failed_[a] = true;
        report_.notes.push_back("indicators judged on " + cfg_.alt_dates[a].format() +
                                " could not be evaluated: " + e.what());
        alt.emplace_back();
      }
    }
    if (!placement_.empty()) placement_.count(d);

    const auto& rd = result.data();
    const int32_t* status = cfg_.status_table >= 0 && !rd.codes[static_cast<size_t>(cfg_.status_table)].empty()
                                ? rd.codes[static_cast<size_t>(cfg_.status_table)].data()
                                : nullptr;
    const int include = cp_.ledgers.include_flag;
    std::vector<uint16_t> inc;
    inc.reserve(cfg_.width);
    std::vector<int64_t*> rows(cfg_.levels.size() + 1);
    std::string buf;
    std::string_view key;
    std::vector<uint64_t> gaps(cfg_.aid.size());
    for (size_t i = 0; i < d.rows; ++i) {
      const std::string_view id = key_of(d, i);
      const bool evented = has_events(id);
      if (result.rejected(i)) {
        ++check_rejected_;
        chunk_rejects_.push_back({d.row_numbers[i], detail::masked_key(id), std::string(result.reject_column(i)),
                                  std::string(result.reject_reason(i))});
        if (evented) store_.add(d, i);
        continue;
      }
      const uint64_t flags = result.flags(i);
      inc.clear();
      inc.push_back(Config::kRecords);
      if (include >= 0 && ((flags >> include) & 1)) inc.push_back(Config::kLedger);
      if (status && status[i] >= 0 && static_cast<size_t>(status[i]) < cfg_.n_status)
        inc.push_back(static_cast<uint16_t>(Config::kStatus + static_cast<size_t>(status[i])));
      for (uint64_t f = flags; f; f &= f - 1)
        inc.push_back(static_cast<uint16_t>(cfg_.c_flags + static_cast<size_t>(__builtin_ctzll(f))));
      for (const auto& r : cfg_.rates)
        if (((flags >> r.numerator) & 1) && !((flags >> r.denominator) & 1)) ++outside_rate_[r.indicator];
      for (size_t a = 0; a < alt.size(); ++a) {
        if (alt[a].size() == 0) continue;
        const size_t base = cfg_.c_alt + a * cfg_.n_flags;
        for (uint64_t f = alt[a].flags(i); f; f &= f - 1)
          inc.push_back(static_cast<uint16_t>(base + static_cast<size_t>(__builtin_ctzll(f))));
      }
      bool gap = false;
      for (size_t a = 0; a < cfg_.aid.size(); ++a) {
        gaps[a] = aid_gap(cfg_.aid[a], rd, d, i);
        if (gaps[a]) {
          inc.push_back(static_cast<uint16_t>(cfg_.c_aid + a));
          gap = true;
        }
      }
      for (size_t l = 0; l < cfg_.levels.size(); ++l) {
        if (!cfg_.keys[l].read(d, i, buf, key)) key = {};
        rows[l] = counts_[l].at(key);
      }
      rows.back() = whole_.data();
      for (int64_t* r : rows)
        for (uint16_t k : inc) ++r[k];
      if (gap) write_gaps(d, rd, i, gaps);
      if (evented || result.case_open(i) || (flags & cfg_.keep_mask)) store_.add(d, i);
    }
  }

  static size_t quick_hash(std::string_view s) {
    uint64_t a = 0, b = 0;
    std::memcpy(&a, s.data(), std::min<size_t>(8, s.size()));
    if (s.size() > 8) std::memcpy(&b, s.data() + s.size() - 8, 8);
    const uint64_t h = (a * 0x9E3779B97F4A7C15ull) ^ (b * 0xC2B2AE3D27D4EB4Full) ^ s.size();
    return static_cast<size_t>(h ^ (h >> 29));
  }

  // A students-file reject whose student has events: the workflow rejects
  // those events as of a student it does not know, and the clerk is better
  // told which row of the students file was refused
  // (detail::name_rejected_students, after the cases). Only those are
  // kept: the stream's other rejects are written and gone.
  void remember_if_evented(const Reject& r) {
    if (!with_events_.empty() && detail::key_shown_whole(r) && has_events(r.student_id))
      evented_rejects_.push_back(r);
  }

  bool has_events(std::string_view id) const {
    if (with_events_.empty()) return false;
    const size_t b = quick_hash(id) & event_mask_;
    if (!((event_bits_[b / 64] >> (b % 64)) & 1)) return false;
    return with_events_.count(id) > 0;
  }

  std::string_view key_of(const BatchData& d, size_t i) const {
    if (cfg_.key_field < 0) return {};
    const auto& c = d.columns[static_cast<size_t>(cfg_.key_field)];
    if (c.type.kind != TypeKind::kString || !c.present(i)) return {};
    std::string_view v;
    std::memcpy(&v, c.at(i), sizeof v);
    return v;
  }
  // A key as the outputs show it: an ID number in it ("G" + the ID number
  // is a common student number) masked unless --no-mask.
  std::string shown(std::string_view key) const {
    return o_.mask_id_numbers ? detail::mask_embedded_id_numbers(key) : std::string(key);
  }
  std::string shown_key(const BatchData& d, size_t i) const { return shown(key_of(d, i)); }

  // Eligible values of `a` that record i does not receive, as bits of the
  // table's domain.
  static uint64_t aid_gap(const AidList& a, const detail::ResultData& rd, const BatchData& d, size_t i) {
    const auto& sets = rd.sets[static_cast<size_t>(a.table)];
    if (sets.empty()) return 0;
    const uint64_t eligible = sets[i];
    if (!eligible) return 0;
    const auto& c = d.columns[static_cast<size_t>(a.field)];
    uint64_t receiving = 0;
    if (c.present(i)) std::memcpy(&receiving, c.at(i), sizeof receiving);
    uint64_t missing = 0;
    for (uint64_t e = eligible; e; e &= e - 1) {
      const int v = __builtin_ctzll(e);
      const int bit = static_cast<size_t>(v) < a.to_field.size() ? a.to_field[static_cast<size_t>(v)] : -1;
      if (bit < 0 || !((receiving >> bit) & 1)) missing |= uint64_t{1} << v;
    }
    return missing;
  }

  std::string set_text(int domain, uint64_t bits) const {
    std::string s;
    if (domain < 0) return s;
    const auto& values = p_.domains[static_cast<size_t>(domain)].values;
    for (size_t v = 0; v < values.size() && v < 64; ++v)
      if ((bits >> v) & 1) {
        if (!s.empty()) s += ';';
        s += values[v].name.value;
      }
    return s;
  }

  void write_gaps(const BatchData& d, const detail::ResultData& rd, size_t i, const std::vector<uint64_t>& gaps) {
    std::string buf;
    std::string_view key;
    for (size_t a = 0; a < cfg_.aid.size(); ++a) {
      if (!gaps[a]) continue;
      const AidList& al = cfg_.aid[a];
      Row row;
      row.push_back(shown_key(d, i));
      for (size_t l = 0; l < cfg_.levels.size(); ++l)
        row.emplace_back(cfg_.keys[l].read(d, i, buf, key) ? std::string(key) : std::string());
      if (cfg_.levels.empty()) row.emplace_back();
      row.push_back(set_text(al.domain, rd.sets[static_cast<size_t>(al.table)][i]));
      row.push_back(detail::field_text(d, al.field, i, o_.mask_id_numbers));
      row.push_back(set_text(al.domain, gaps[a]));
      out_.row(t_lists_[al.list], row);
      ++list_rows_[al.list];
    }
  }

  // -- After the pass.
  void finish() {
    Batch kept = store_.finish();
    const BatchResult kr = engine_.classify(kept, o_.as_of);
    std::unique_ptr<ResponsibilityGraph> graph;
    if (roster_) {
      report_.officials_read = roster_->read;
      report_.officials_posts = static_cast<int64_t>(roster_->posts.size());
      report_.officials_rejected = static_cast<int64_t>(roster_->rejects.size());
      graph = std::make_unique<ResponsibilityGraph>(engine_.rules(), *roster_,
                                                    placement_.batch(engine_.rules().shared()));
    } else {
      report_.notes.push_back("no officials roster: lists name roles, not persons");
    }
    static const EventLog kNoEvents;
    const EventLog& events = events_ ? *events_ : kNoEvents;
    CaseSummary cases = evaluate_case_rows(kept, events, graph.get());
    if (graph) note_unstaffed(cases);
    report_.events_read = events.read;
    report_.events_applied = cases.events_applied;
    report_.events_rejected = static_cast<int64_t>(events.rejects.size() + cases.event_rejects.size());
    report_.accountability = static_cast<int64_t>(cases.accountability.size());

    const BatchData& kd = kept.data();
    std::vector<int> case_of(kd.rows, -1);
    for (size_t c = 0; c < cases.rows.size(); ++c) case_of[cases.rows[c].record] = static_cast<int>(c);
    // Cases per jurisdiction.
    {
      std::string buf;
      std::string_view key;
      for (const CaseRow& c : cases.rows) {
        const size_t slot = c.closed ? Config::kClosed : Config::kOpen;
        std::vector<int64_t*> rows;
        for (size_t l = 0; l < cfg_.levels.size(); ++l) {
          if (!cfg_.keys[l].read(kd, c.record, buf, key)) key = {};
          if (int64_t* r = counts_[l].find(key)) rows.push_back(r);
        }
        rows.push_back(whole_.data());
        for (int64_t* r : rows) {
          ++r[slot];
          if (!c.closed && c.days_overdue > 0) ++r[Config::kOverdue];
        }
        if (c.closed) ++report_.cases_closed;
        else ++report_.cases_open;
        if (!c.closed && c.days_overdue > 0) ++report_.cases_overdue;
      }
    }

    write_ledgers(kept, kr, cases, case_of);
    write_lists(kept, kr, cases, case_of, graph.get());
    collect_totals();
    write_indicators();
    report_.calendar =
        calendar_due(engine_.rules(), o_.as_of,
                     // At most 100 years: a larger window (INT_MAX) would overflow the day number.
                     Date::from_days(o_.as_of.days() + std::clamp(o_.calendar_days, 0, 36600)));
    for (const auto& e : report_.calendar) {
      Row row = {e.date.format(), e.id, e.alias, e.reporter, e.reporter_alias, e.recipient, e.data_as_of.format(),
                 e.clause};
      out_.row(t_calendar_, row);
    }
    // The events' rejects: the reader's and the workflow's.
    detail::name_rejected_students(cases.event_rejects, evented_rejects_);
    for (const Reject& r : detail::merged_by_row(events.rejects, cases.event_rejects)) reject("events", r);
    if (roster_)
      for (const Reject& r : roster_->rejects) reject("officials", r);
    write_summary();
  }

  // The ledger's persuasion_status of a case: the closing event and day, or
  // the current stage with its events done.
  std::string persuasion_text(const Case& c) const {
    if (c.closed) {
      const int dom = p_.workflow.event_domain;
      const int code = cp_.workflow.closes_on;
      std::string ev = "closed";
      if (dom >= 0 && code >= 0) {
        const auto& v = p_.domains[static_cast<size_t>(dom)].values[static_cast<size_t>(code)];
        ev = v.alias.empty() ? v.name.value : v.alias.value;
      }
      return ev + " " + date_text(c.closed_on);
    }
    if (c.stages.empty()) return "";
    const StageProgress& s = c.stages.back();
    size_t si = 0;
    for (size_t k = 0; k < p_.workflow.stages.size(); ++k)
      if (p_.workflow.stages[k].id.value == s.stage) si = k;
    const auto& def = p_.workflow.stages[si];
    return (def.alias.empty() ? def.id.value : def.alias.value) + " " + std::to_string(s.done) + "/" +
           std::to_string(s.needed);
  }

  // Open cases whose responsible post the roster does not fill (a role the
  // pack added, a village without a director): their lists show the role
  // and no person, which a reader would otherwise take for a gap in kcbx.
  void note_unstaffed(const CaseSummary& cases) {
    std::map<std::string, int64_t> by_role;
    for (const CaseRow& c : cases.rows) {
      if (c.closed || !c.unstaffed) continue;
      const std::string& role = texts_.at(c.role);
      const int r = cp_.role_index(role);
      if (r < 0 || p_.roles[static_cast<size_t>(r)].from_record) continue;  // a parent is read off the record
      ++by_role[role];
    }
    for (const auto& [role, n] : by_role) {
      const auto& def = p_.roles[static_cast<size_t>(cp_.role_index(role))];
      report_.notes.push_back(std::to_string(n) + (n == 1 ? " open case has" : " open cases have") + " no " +
                              (def.alias.empty() ? role : def.alias.value + " (" + role + ")") +
                              " in the officials roster for " + (n == 1 ? "its jurisdiction" : "their jurisdictions") +
                              ": the lists name the role, not a person (kcbx graph --officials F --students F "
                              "lists the jurisdictions)");
    }
  }

  static std::string responsible_text(const Responsible& r) {
    std::string s = r.role_alias.empty() ? r.role : r.role_alias;
    if (!r.person.empty()) s += " " + r.person;
    return s;
  }

  CaseRow compact(const Case& c, size_t first_record) {
    CaseRow r;
    r.record = first_record + c.record;
    r.closed = c.closed;
    r.opened = c.opened;
    r.closed_on = c.closed_on;
    r.due = c.due;
    r.days_overdue = c.days_overdue;
    r.stage = texts_.id(c.stage);
    r.clause = texts_.id(c.clause);
    r.next_action = texts_.id(c.next_action);
    r.role = texts_.id(c.responsible.role);
    r.person = texts_.id(c.responsible.person);
    r.phone = texts_.id(c.responsible.phone);
    r.unstaffed = c.responsible.person.empty() && !c.responsible.jurisdiction.empty();
    r.persuasion = texts_.id(persuasion_text(c));
    r.responsible = texts_.id(responsible_text(c.responsible));
    return r;
  }

  // The cases of the kept records, evaluated a slice of records at a time
  // and kept as CaseRows, so that millions of full Case objects never exist
  // at once. Each event goes to the slice holding its student's record; the
  // events of unknown students go to the first slice, which rejects them
  // first, so the rejects come in the order one whole evaluation gives.
  CaseSummary evaluate_case_rows(const Batch& kept, const EventLog& events, const ResponsibilityGraph* graph) {
    const size_t kSlice = std::max<size_t>(1, o_.case_slice_rows);
    const BatchData& kd = kept.data();
    CaseSummary out;
    std::vector<EventLog> logs(std::max<size_t>(1, (kd.rows + kSlice - 1) / kSlice));
    if (!events.events.empty()) {
      std::unordered_map<std::string_view, size_t> record_of;  // of the students with events only
      for (size_t i = 0; i < kd.rows; ++i)
        if (const std::string_view id = key_of(kd, i); !id.empty() && has_events(id)) record_of.emplace(id, i);
      for (const Event& e : events.events) {
        const auto it = record_of.find(e.student_id);
        logs[it == record_of.end() ? 0 : it->second / kSlice].events.push_back(e);
      }
    }
    for (size_t s = 0; s < logs.size(); ++s) {
      const size_t begin = s * kSlice;
      const Batch part = detail::slice_rows(kept, begin, begin + kSlice);
      // Classified again rather than slicing every column of the result
      // (statuses, flags, cases, outputs): the kept records are few, about
      // 0.2 s for 2 million.
      const BatchResult pr = engine_.classify(part, o_.as_of);
      CaseReport cr = evaluate_cases(engine_, part, pr, logs[s], graph, o_.as_of);
      for (const Case& c : cr.cases) out.rows.push_back(compact(c, begin));
      for (Accountability& a : cr.accountability) out.accountability.push_back(std::move(a));
      for (Reject& r : cr.event_rejects) out.event_rejects.push_back(std::move(r));
      out.events_applied += cr.events_applied;
      logs[s] = {};
    }
    return out;
  }

  std::string case_value(const std::string& name, const CaseRow* c) const {
    if (!c) return "";
    if (name == "persuasion_status") return texts_.at(c->persuasion);
    if (name == "stage") return texts_.at(c->stage);
    if (name == "next_action") return texts_.at(c->next_action);
    if (name == "due") return date_text(c->due);
    if (name == "days_overdue") return std::to_string(c->days_overdue);
    if (name == "opened") return date_text(c->opened);
    if (name == "responsible") return texts_.at(c->responsible);
    return "";
  }

  void ledger_row(const BatchData& kd, const BatchResult& kr, size_t i, const CaseRow* c, Row& row) const {
    for (const LedgerCol& lc : ledger_cols_) {
      if (lc.from_case) row.push_back(case_value(lc.name, c));
      else if (lc.field >= 0) row.push_back(detail::field_text(kd, lc.field, i, o_.mask_id_numbers));
      else if (lc.table >= 0) row.emplace_back(kr.value(static_cast<size_t>(lc.table), i));
      else if (lc.rule_of >= 0)
        row.emplace_back(lc.clause ? kr.clause(static_cast<size_t>(lc.rule_of), i)
                                   : kr.rule(static_cast<size_t>(lc.rule_of), i));
      else if (lc.output >= 0) row.push_back(kr.output(static_cast<size_t>(lc.output), i));
      else row.emplace_back();
    }
  }

  // Records of `kept` with flag `flag`, sorted by the key of level l, then
  // by input row.
  std::vector<std::pair<std::string, size_t>> sorted_by(const Batch& kept, const BatchResult& kr, int flag,
                                                        const LevelKey* lk) const {
    const BatchData& kd = kept.data();
    std::vector<std::pair<std::string, size_t>> rows;
    std::string buf;
    std::string_view key;
    for (size_t i = 0; i < kd.rows; ++i) {
      if (kr.rejected(i) || flag < 0 || !((kr.flags(i) >> flag) & 1)) continue;
      if (!lk || !lk->read(kd, i, buf, key)) key = {};
      rows.emplace_back(std::string(key), i);
    }
    std::sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : kd.row_numbers[a.second] < kd.row_numbers[b.second];
    });
    return rows;
  }

  void write_ledgers(const Batch& kept, const BatchResult& kr, const CaseSummary& cases,
                     const std::vector<int>& case_of) {
    const BatchData& kd = kept.data();
    auto case_at = [&](size_t i) -> const CaseRow* {
      return case_of[i] < 0 ? nullptr : &cases.rows[static_cast<size_t>(case_of[i])];
    };
    for (size_t l = 0; l < cfg_.levels.size(); ++l) {
      for (const auto& [key, i] : sorted_by(kept, kr, cp_.ledgers.include_flag, &cfg_.keys[l])) {
        Row row = {key, shown_key(kd, i)};
        ledger_row(kd, kr, i, case_at(i), row);
        out_.row(t_ledger_[l], row);
      }
    }
    for (size_t s = 0; s < t_special_.size(); ++s) {
      const int flag = s < cp_.ledgers.special_flags.size() ? cp_.ledgers.special_flags[s] : -1;
      for (const auto& [key, i] : sorted_by(kept, kr, flag, cfg_.keys.empty() ? nullptr : &cfg_.keys[0])) {
        Row row = {key, shown_key(kd, i)};
        ledger_row(kd, kr, i, case_at(i), row);
        out_.row(t_special_[s], row);
      }
    }
  }

  std::string finest_key(const BatchData& d, size_t i) const {
    if (cfg_.keys.empty()) return "";
    std::string buf;
    std::string_view key;
    return cfg_.keys[0].read(d, i, buf, key) ? std::string(key) : std::string();
  }

  static std::string chain_text(const std::vector<Responsible>& chain) {
    std::string s;
    for (const auto& r : chain) {
      if (!s.empty()) s += " > ";
      s += r.role_alias.empty() ? r.role : r.role_alias;
      if (!r.person.empty()) s += " " + r.person;
    }
    return s;
  }

  void write_lists(const Batch& kept, const BatchResult& kr, const CaseSummary& cases, const std::vector<int>&,
                   const ResponsibilityGraph* graph) {
    const BatchData& kd = kept.data();
    list_rows_.resize(p_.lists.size());
    for (size_t l = 0; l < p_.lists.size(); ++l) {
      const auto& def = p_.lists[l];
      const std::string& kind = def.kind.value;
      const size_t t = t_lists_[l];
      if (kind == "problem") {
        const int gf = cp_.field_index(def.group_by.value);
        std::vector<std::pair<std::string, const CaseRow*>> rows;
        for (const CaseRow& c : cases.rows)
          if (!c.closed) rows.emplace_back(gf >= 0 ? detail::field_text(kd, gf, c.record, o_.mask_id_numbers) : "", &c);
        std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
          if (a.first != b.first) return a.first < b.first;
          const auto& da = a.second->due;
          const auto& db = b.second->due;
          if (da.has_value() != db.has_value()) return da.has_value();
          return da && *da < *db;
        });
        std::map<std::string, int64_t> groups;
        for (const auto& [g, c] : rows) {
          ++groups[g];
          Row row = {g,
                     shown_key(kd, c->record),
                     finest_key(kd, c->record),
                     status_of(kr, c->record),
                     date_text(c->opened),
                     texts_.at(c->stage),
                     texts_.at(c->next_action),
                     texts_.at(c->role),
                     shown(texts_.at(c->person)),
                     shown(texts_.at(c->phone)),  // a roster's cells are masked as a record's
                     date_text(c->due),
                     std::to_string(c->days_overdue),
                     texts_.at(c->clause)};
          out_.row(t, row);
          ++list_rows_[l];
        }
        for (const auto& [g, n] : groups) problem_groups_.push_back({def.name.value, g, n});
      } else if (kind == "responsibility") {
        for (const CaseRow& c : cases.rows) {
          if (c.closed) continue;
          Row row = {shown_key(kd, c.record), finest_key(kd, c.record), status_of(kr, c.record),
                     texts_.at(c.stage)};
          for (const auto& r : def.roles) {
            std::string person;
            if (graph) person = graph->responsible(kept, c.record, r.value).person;
            row.push_back(shown(person));
          }
          out_.row(t, row);
          ++list_rows_[l];
        }
      } else if (kind == "closure") {
        for (const CaseRow& c : cases.rows) {
          if (!c.closed) continue;
          std::string days;
          if (c.opened && c.closed_on) days = std::to_string(c.closed_on->days() - c.opened->days());
          Row row = {shown_key(kd, c.record), finest_key(kd, c.record), status_of(kr, c.record), date_text(c.opened),
                     date_text(c.closed_on), days};
          out_.row(t, row);
          ++list_rows_[l];
        }
      } else if (kind == "accountability") {
        std::unordered_map<std::string_view, size_t> by_id;
        for (const CaseRow& c : cases.rows) by_id.emplace(key_of(kd, c.record), c.record);
        for (const Accountability& a : cases.accountability) {
          auto it = by_id.find(a.student_id);
          Row row = {shown(a.student_id),
                     it == by_id.end() ? "" : finest_key(kd, it->second),
                     a.stage,
                     a.clause,
                     a.due.format(),
                     date_text(a.done_on),
                     std::to_string(a.days_late),
                     a.lapsed.role,
                     // A roster cell holding an ID number (a school code
                     // or a name typed as one) is masked as a record's.
                     shown(a.lapsed.person),
                     shown(a.lapsed.jurisdiction),
                     shown(chain_text(a.supervisors))};
          out_.row(t, row);
          ++list_rows_[l];
        }
      }
    }
    for (size_t l = 0; l < p_.lists.size(); ++l) {
      const auto& def = p_.lists[l];
      report_.lists.push_back({def.name.value, def.alias.value, list_rows_[l]});
    }
  }

  std::string status_of(const BatchResult& kr, size_t i) const {
    if (cfg_.status_table >= 0) return std::string(kr.value(static_cast<size_t>(cfg_.status_table), i));
    return kr.table_count() > 0 ? std::string(kr.value(0, i)) : "";
  }

  JurisdictionTotals totals_of(const std::string& level, const std::string& key, const int64_t* r) const {
    JurisdictionTotals t;
    t.level = level;
    t.jurisdiction = key;
    t.records = r[Config::kRecords];
    t.on_ledger = r[Config::kLedger];
    for (size_t s = 0; s < cfg_.n_status; ++s) t.by_status.push_back(r[Config::kStatus + s]);
    for (int f : cp_.ledgers.special_flags) t.special.push_back(f < 0 ? 0 : r[cfg_.c_flags + static_cast<size_t>(f)]);
    for (int f : cp_.ledgers.group_flags) t.key_groups.push_back(f < 0 ? 0 : r[cfg_.c_flags + static_cast<size_t>(f)]);
    for (size_t a = 0; a < cfg_.aid.size(); ++a) t.aid_gaps.push_back(r[cfg_.c_aid + a]);
    t.cases_open = r[Config::kOpen];
    t.cases_closed = r[Config::kClosed];
    t.cases_overdue = r[Config::kOverdue];
    return t;
  }

  // Records whose division code lies outside the pack's jurisdiction (a
  // Yunnan pack run on Guizhou data): their totals still count under the
  // pack's code, so the report says so. Read off the finest level keyed by
  // a code prefix, after the pass (nothing per record).
  void note_outside_jurisdiction() {
    std::string_view own = p_.meta.jurisdiction.value;
    // "520000" is the province 52: trailing groups of zeros (GB/T 2260's
    // 2, 2, 2, 3, 3 digits) name no smaller division.
    for (size_t cut : {9, 6, 4, 2})
      if (own.size() > cut && own.find_first_not_of('0', cut) == std::string_view::npos) own = own.substr(0, cut);
    int finest = -1;
    for (size_t l = 0; l < cfg_.levels.size(); ++l)
      if (cfg_.keys[l].prefix > 0 && (finest < 0 || cfg_.keys[l].prefix > cfg_.keys[static_cast<size_t>(finest)].prefix))
        finest = static_cast<int>(l);
    if (own.empty() || finest < 0) return;
    const LevelCounts& counts = counts_[static_cast<size_t>(finest)];
    const size_t n = std::min(own.size(), cfg_.keys[static_cast<size_t>(finest)].prefix);
    int64_t outside = 0;
    std::string example;
    for (size_t k : counts.order()) {
      const std::string& key = counts.key(k);
      if (key.empty() || std::string_view(key).substr(0, n) == own.substr(0, n)) continue;
      outside += counts.row(k)[Config::kRecords];
      if (example.empty()) example = key;
    }
    if (outside > 0)
      report_.notes.push_back(std::to_string(outside) + " records have a division code outside the pack's jurisdiction " +
                              p_.meta.jurisdiction.value + " (such as " + example +
                              "); they are counted in its totals all the same");
  }

  void collect_totals() {
    note_outside_jurisdiction();
    for (size_t l = 0; l < cfg_.levels.size(); ++l) {
      const std::string& level = p_.levels[static_cast<size_t>(cfg_.levels[l])].name.value;
      for (size_t k : counts_[l].order()) {
        JurisdictionTotals t = totals_of(level, counts_[l].key(k), counts_[l].row(k));
        Row row = {t.jurisdiction, std::to_string(t.records), std::to_string(t.on_ledger)};
        for (int64_t v : t.by_status) row.push_back(std::to_string(v));
        for (int64_t v : t.special) row.push_back(std::to_string(v));
        for (int64_t v : t.key_groups) row.push_back(std::to_string(v));
        for (int64_t v : t.aid_gaps) row.push_back(std::to_string(v));
        row.push_back(std::to_string(t.cases_open));
        row.push_back(std::to_string(t.cases_closed));
        row.push_back(std::to_string(t.cases_overdue));
        out_.row(t_totals_[l], row);
        report_.totals.push_back(std::move(t));
      }
    }
    report_.totals.push_back(totals_of("", p_.meta.jurisdiction.value, whole_.data()));
    const JurisdictionTotals& all = report_.totals.back();
    report_.on_ledger = all.on_ledger;
    report_.levels.clear();
    for (int l : cfg_.levels) report_.levels.push_back(p_.levels[static_cast<size_t>(l)].name.value);
    for (size_t s = 0; s < status_labels_.size() && s < all.by_status.size(); ++s)
      report_.statuses.push_back({status_labels_[s].first, status_labels_[s].second, all.by_status[s]});
    for (size_t s = 0; s < p_.ledgers.special.size() && s < all.special.size(); ++s)
      report_.special.push_back({p_.ledgers.special[s].name.value, p_.ledgers.special[s].alias.value, all.special[s]});
    for (size_t g = 0; g < p_.ledgers.key_groups.size() && g < all.key_groups.size(); ++g)
      report_.key_groups.push_back(
          {p_.ledgers.key_groups[g].name.value, p_.ledgers.key_groups[g].alias.value, all.key_groups[g]});
    for (size_t a = 0; a < cfg_.aid.size(); ++a) {
      const auto& def = p_.lists[cfg_.aid[a].list];
      report_.aid_lists.push_back({def.name.value, def.alias.value, all.aid_gaps[a]});
    }
  }

  IndicatorResult judge(size_t k, const std::string& level, const std::string& key, const int64_t* r) const {
    const auto& def = p_.indicators[k];
    const auto& ci = cp_.indicators[k];
    IndicatorResult x;
    x.indicator = def.name.value;
    x.alias = def.alias.value;
    x.clause = def.clause.value;
    x.level = level;
    x.jurisdiction = key;
    const int alt = cfg_.indicator_alt[k];
    x.judged_on = alt < 0 ? o_.as_of : cfg_.alt_dates[static_cast<size_t>(alt)];
    x.due_on = cfg_.indicator_due[k];
    const bool missing = alt >= 0 && alt_failed_.size() > static_cast<size_t>(alt) && alt_failed_[static_cast<size_t>(alt)];
    const size_t base = alt < 0 ? cfg_.c_flags : cfg_.c_alt + static_cast<size_t>(alt) * cfg_.n_flags;
    auto flag = [&](int f) -> int64_t { return f < 0 ? 0 : r[base + static_cast<size_t>(f)]; };
    if (ci.count_flag >= 0) {
      x.is_rate = false;
      x.numerator = flag(ci.count_flag);
      // No records accepted here (every row rejected): a count of 0 says
      // nothing, and would read as a target met (T1's zero dropouts).
      if (!missing && r[Config::kRecords] > 0) x.value = static_cast<double>(x.numerator);
    } else {
      x.numerator = flag(ci.numerator_flag);
      x.denominator = ci.denominator_flag >= 0 ? flag(ci.denominator_flag) : r[Config::kRecords];
      if (!missing && x.denominator > 0)
        x.value = static_cast<double>(x.numerator) / static_cast<double>(x.denominator);
    }
    const auto least = cp_.number_on(ci.at_least, x.judged_on);
    const auto most = cp_.number_on(ci.at_most, x.judged_on);
    if (least) {
      x.threshold = least;
      x.comparison = "at_least";
    } else if (most) {
      x.threshold = most;
      x.comparison = "at_most";
    }
    if (x.value && (least || most) && !x.due_on) {
      bool ok = true;
      // Rates compare as numerator >= threshold * denominator, with room for
      // the rounding of thresholds such as 0.95.
      const double n = static_cast<double>(x.numerator);
      const double d = x.is_rate ? static_cast<double>(x.denominator) : 1.0;
      if (least) ok = ok && n >= *least * d - 1e-9;
      if (most) ok = ok && n <= *most * d + 1e-9;
      x.met = ok;
    }
    return x;
  }

  void write_indicators() {
    // A rate is usually a share of its denominator: a numerator written
    // without the denominator's scope (`status = in_school` over
    // `in_scope`) counts children outside it, and the rate can pass 1.
    // Said, not changed: a cohort formula (SPEC T) may mean it.
    for (const auto& [k, n] : outside_rate_)
      if (n > 0)
        report_.notes.push_back("indicator '" + p_.indicators[k].name.value + "': " + std::to_string(n) +
                                (n == 1 ? " record is" : " records are") +
                                " counted in its numerator but not in its denominator; a share of the "
                                "denominator needs its condition in the numerator too");
    for (size_t k = 0; k < p_.indicators.size(); ++k)
      if (const auto& due = cfg_.indicator_due[k])
        report_.notes.push_back("indicator '" + p_.indicators[k].name.value + "' is judged on " + due->format() +
                                ", after the evaluation date: counted as of " + o_.as_of.format() +
                                ", result pending");
    for (size_t k = 0; k < p_.indicators.size(); ++k) {
      TargetSummary ts;
      ts.indicator = p_.indicators[k].name.value;
      ts.alias = p_.indicators[k].alias.value;
      ts.clause = p_.indicators[k].clause.value;
      auto emit = [&](IndicatorResult x) {
        Row row = {x.indicator,
                   x.alias,
                   x.clause,
                   x.level.empty() ? "all" : x.level,
                   x.jurisdiction,
                   x.judged_on.format(),
                   std::to_string(x.numerator),
                   x.is_rate ? std::to_string(x.denominator) : "",
                   x.value ? (x.is_rate ? rate_text(*x.value, x.threshold) : number_text(*x.value)) : "",
                   x.comparison,
                   x.threshold ? threshold_text(*x.threshold) : "",
                   x.met ? (*x.met ? "met" : "missed") : x.due_on ? "pending" : x.threshold ? "no_data" : "",
                   x.due_on ? x.due_on->format() : ""};
        out_.row(t_indicators_, row);
        report_.indicators.push_back(std::move(x));
      };
      for (size_t l = 0; l < cfg_.levels.size(); ++l) {
        TargetSummary::Level sl;
        sl.level = p_.levels[static_cast<size_t>(cfg_.levels[l])].name.value;
        for (size_t j : counts_[l].order()) {
          IndicatorResult x = judge(k, sl.level, counts_[l].key(j), counts_[l].row(j));
          if (x.due_on) ++sl.pending;
          else if (!x.met) ++sl.no_data;
          else if (*x.met) ++sl.met;
          else ++sl.missed;
          emit(std::move(x));
        }
        ts.levels.push_back(sl);
      }
      ts.overall = judge(k, "", p_.meta.jurisdiction.value, whole_.data());
      emit(ts.overall);
      report_.targets.push_back(std::move(ts));
    }
  }

  void write_summary() {
    auto put = [&](const std::string& section, const std::string& item, const std::string& alias,
                   const std::string& level, const std::string& value) {
      Row row = {section, item, alias, level, value};
      out_.row(t_summary_, row);
    };
    auto num = [](int64_t v) { return std::to_string(v); };
    put("run", "as_of", "评价日期", "", report_.as_of.format());
    put("run", "pack", "规则包", "", report_.pack_id);
    put("students", "read", "读取", "", num(report_.students.read));
    put("students", "accepted", "接收", "", num(report_.students.accepted));
    put("students", "rejected", "拒收", "", num(report_.students.rejected));
    put("events", "read", "读取", "", num(report_.events_read));
    put("events", "applied", "采用", "", num(report_.events_applied));
    put("events", "rejected", "拒收", "", num(report_.events_rejected));
    if (roster_) {
      put("officials", "read", "读取", "", num(report_.officials_read));
      put("officials", "posts", "岗位", "", num(report_.officials_posts));
      put("officials", "rejected", "拒收", "", num(report_.officials_rejected));
    }
    // Counts by status: children, then at each level the jurisdictions
    // that have any.
    for (size_t s = 0; s < report_.statuses.size(); ++s) {
      const auto& st = report_.statuses[s];
      put("status", st.name, st.alias, "all", num(st.count));
      for (size_t l = 0; l < cfg_.levels.size(); ++l) {
        int64_t with = 0;
        for (size_t j : counts_[l].order())
          if (counts_[l].row(j)[Config::kStatus + s] > 0) ++with;
        put("status", st.name, st.alias, report_.levels[l], num(with));
      }
    }
    for (size_t l = 0; l < cfg_.levels.size(); ++l)
      put("jurisdictions", "count", level_alias(p_, cfg_.levels[l]), report_.levels[l],
          num(static_cast<int64_t>(counts_[l].order().size())));
    put("ledger", "on_ledger", "台账人数", "all", num(report_.on_ledger));
    for (const auto& s : report_.special) put("special", s.name, s.alias, "all", num(s.count));
    for (const auto& g : report_.key_groups) put("key_group", g.name, g.alias, "all", num(g.count));
    put("cases", "open", "在办", "all", num(report_.cases_open));
    put("cases", "closed", "已关闭", "all", num(report_.cases_closed));
    put("cases", "overdue", "逾期", "all", num(report_.cases_overdue));
    put("cases", "accountability", "逾期职责", "all", num(report_.accountability));
    for (const auto& l : report_.lists) put("list", l.name, l.alias, "all", num(l.count));
    for (const auto& g : problem_groups_) put("problem_group", g.name + ":" + g.alias, g.alias, "all", num(g.count));
    for (const auto& t : report_.targets) {
      const auto& o = t.overall;
      put("target", t.indicator, t.alias, "all",
          o.value ? (o.is_rate ? rate_text(*o.value, o.threshold) : number_text(*o.value)) : "");
      put("target_result", t.indicator, t.alias, "all",
          o.met ? (*o.met ? "met" : "missed") : o.due_on ? "pending" : "");
      for (const auto& l : t.levels) {
        put("target_met", t.indicator, t.alias, l.level, num(l.met));
        put("target_missed", t.indicator, t.alias, l.level, num(l.missed));
        put("target_no_data", t.indicator, t.alias, l.level, num(l.no_data));
        if (l.pending) put("target_pending", t.indicator, t.alias, l.level, num(l.pending));
      }
    }
    put("calendar", "due", "近期报送", "", num(static_cast<int64_t>(report_.calendar.size())));
    for (const auto& n : report_.notes) put("note", "", n, "", "");
  }

  std::vector<Reject> chunk_rejects_;  // the students' of the chunk in hand
  struct LedgerCol {
    std::string name;
    bool from_case = false;
    int field = -1, table = -1, output = -1;
    int rule_of = -1;     // a table whose rule (or clause) this column shows
    bool clause = false;  // with rule_of: the clause, not the rule
  };
  struct GroupCount {
    std::string name;   // list
    std::string alias;  // group value
    int64_t count;
  };

  const Engine& engine_;
  const CheckedPack& cp_;
  const detail::Pack& p_;
  const EventLog* events_;
  const Roster* roster_;
  const RunOptions& o_;
  Emitter out_;
  const ProgressCallback& progress_;
  RunReport report_;
  Config cfg_;
  std::vector<LevelCounts> counts_;
  std::vector<int64_t> whole_;
  detail::RowStore store_;
  Placement placement_;
  std::unordered_set<std::string_view> with_events_;
  std::vector<Reject> evented_rejects_;  // see remember_if_evented
  std::vector<uint64_t> event_bits_;
  std::unique_ptr<detail::EventDates> dates_;
  size_t event_mask_ = 0;
  std::vector<bool> alt_failed_;
  int64_t check_rejected_ = 0;
  // Per indicator: records its numerator counts and its denominator does
  // not (rates judged on the run's date).
  std::map<size_t, int64_t> outside_rate_;
  std::vector<int64_t> list_rows_ = std::vector<int64_t>(p_.lists.size(), 0);
  std::vector<GroupCount> problem_groups_;
  TextPool texts_;

  Column key_col_, level_col_, finest_col_;
  Labels status_labels_, stage_labels_, role_labels_;
  std::vector<LedgerCol> ledger_cols_;
  std::vector<Column> ledger_spec_;
  size_t t_summary_ = 0, t_indicators_ = 0, t_calendar_ = 0, t_rejects_ = 0;
  std::vector<size_t> t_ledger_, t_totals_, t_special_, t_lists_;
};

}  // namespace

RunReport run(const Engine& engine, std::istream& students, const EventLog* events, const Roster* roster,
              const RunOptions& options, ReportSink* sink, const ProgressCallback& progress) {
  Job job(engine, events, roster, options, sink, progress);
  return job.run(students);
}

RunReport run(const Engine& engine, const std::string& students_path, const EventLog* events,
              const Roster* roster, const RunOptions& options, ReportSink* sink,
              const ProgressCallback& progress) {
  RunOptions o = options;
  if (o.file == "<students>") o.file = students_path == "-" ? "<stdin>" : students_path;
  if (students_path == "-") return run(engine, std::cin, events, roster, o, sink, progress);
  std::ifstream in;
  detail::open_input(in, students_path, "students file");
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (o.total_bytes == 0 && size > 0) o.total_bytes = static_cast<int64_t>(size);
  return run(engine, in, events, roster, o, sink, progress);
}

}  // namespace kcbx
