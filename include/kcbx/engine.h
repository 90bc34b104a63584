// The engine: a rule pack compiled for evaluation. Immutable and thread-safe;
// copies share one compiled plan. It never reads the clock: the evaluation
// date is always an argument.
//
//   kcbx::Engine engine(kcbx::default_rules());
//   kcbx::Record r;
//   r.set("student_id", "G1").set("registry", "enrolled")
//    .set("birth_date", "2010-03-01").set("last_attended", "2019-09-01");
//   kcbx::Explanation e = engine.explain(r, *kcbx::Date::parse("2019-10-10"));
//   e.decisions[0].value;   // "dropout", rule and clause beside it
//
// For many records, build a Batch (kcbx/batch.h) and call classify().
#ifndef KCBX_ENGINE_H_
#define KCBX_ENGINE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kcbx/batch.h"
#include "kcbx/date.h"
#include "kcbx/rule_pack.h"

namespace kcbx {

namespace detail {
struct Plan;
}

struct EngineOptions {
  // Worker threads for classify(); 0 = one per core.
  int threads = 0;
  // Rows per evaluation batch: small enough for the working set to stay in
  // L1/L2 cache. 0 means the default, 1024.
  size_t batch_rows = 1024;
};

// One record as text cells, keyed by field name or Chinese alias, parsed
// exactly as CSV cells are.
class Record {
 public:
  Record& set(std::string field, std::string value) {
    cells_.emplace_back(std::move(field), std::move(value));
    return *this;
  }
  const std::vector<std::pair<std::string, std::string>>& cells() const {
    return cells_;
  }

 private:
  std::vector<std::pair<std::string, std::string>> cells_;
};

// The outcome of one decision table for one record.
struct Decision {
  std::string table;
  std::string value;        // e.g. "suspected_dropout"; "" when no row matched
  std::string value_alias;  // e.g. "疑似辍学"
  std::string rule;         // id of the row that matched
  std::string clause;       // its clause id, e.g. "D3"
  std::string clause_text;  // the clause's text from the pack
};

// A value an explanation shows: a field, parameter or derived value.
struct TracedValue {
  std::string name;
  std::string kind;   // "field", "parameter", "derived", "table", "as_of"
  std::string value;  // formatted; "" for null
  // For parameters: the date the value took effect ("" = always) and the
  // pack file and line that set it.
  std::string effective_from;
  std::string source;
};

// A table row tried while deciding.
struct RowTrial {
  std::string table;
  std::string rule;
  std::string clause;
  std::string when;    // the condition as written
  std::string result;  // "true", "false" or "null"
};

struct Explanation {
  std::string pack_id;
  Date as_of;
  bool accepted = true;
  std::vector<Reject> rejects;  // why the record was refused
  std::vector<Decision> decisions;
  std::vector<RowTrial> tried;   // in order, up to and including the match
  std::vector<TracedValue> values;  // what the matched rows and outputs read
  std::vector<std::pair<std::string, std::string>> outputs;

  // A readable multi-line trace. ID numbers in it are always masked.
  std::string format() const;
  // Versioned JSON ({"format": "kcbx.explanation/1", ...}).
  std::string to_json() const;
};

// What classify() computes beyond statuses, rules, clauses and outputs.
struct ClassifyOptions {
  bool flags = true;  // the pack's ledger and indicator conditions
  bool cases = true;  // whether each record has a case, and since when
  // Every table; false: only the first (the pack's main decision), for
  // the fastest status-only classification.
  bool all_tables = true;
  // The pack's `outputs` columns. With all three above false as well, only
  // the main decision is computed, by a program that computes nothing
  // else (an age compared with a constant becomes a birth-date comparison,
  // the deadlines only for records that reach the rows reading them).
  bool outputs = true;
};

class Engine {
 public:
  // Compiles `rules`. Does not throw for a valid RulePack.
  explicit Engine(RulePack rules, EngineOptions options = {});
  // Copies share the compiled program; a move copies too, so that an
  // engine moved from still classifies (as RulePack).
  Engine(const Engine&) = default;
  Engine& operator=(const Engine&) = default;

  const RulePack& rules() const { return rules_; }
  const EngineOptions& options() const { return options_; }

  // Evaluates every record of `batch` on `as_of`, in parallel over
  // options().threads. Never throws over bad data: records failing a pack
  // check are marked rejected in the result. Throws kcbx::Error when a
  // parameter the pack uses has no value in force on `as_of`, and
  // std::invalid_argument for a batch this engine cannot read: built for
  // another pack, or keeping fewer fields than `what` reads (fields_read).
  BatchResult classify(const Batch& batch, Date as_of,
                       const ClassifyOptions& what = {}) const;

  // Evaluates one record with a full trace. A record the pack's checks
  // refuse is not accepted, with its reject in `rejects` (row 1): a
  // required field it leaves out is a missing value, as a blank cell is.
  // Throws kcbx::Error when a parameter the pack uses has no value in
  // force on `as_of`.
  Explanation explain(const Record& record, Date as_of) const;
  // Evaluates record `i` of `batch` with a full trace (for --explain over a
  // file: no re-parsing). Throws std::out_of_range for a bad index, and as
  // classify() does.
  Explanation explain(const Batch& batch, size_t i, Date as_of) const;

  // What bit k of BatchResult::flags() means: "ledger" (on the ledgers),
  // each special ledger's and key group's name, each indicator's
  // "<name>.numerator", "<name>.denominator" or "<name>" (a count), and
  // "stage:<id>" for a workflow stage's `when`.
  const std::vector<std::string>& flag_names() const;

  // The fields classify(…, what) reads: a Batch needs to keep these only
  // (BatchBuilder::keep_only, ReadOptions::keep, ColumnOptions::keep).
  std::vector<std::string> fields_read(const ClassifyOptions& what = {}) const;

  // The names of the per-record output columns, in order: for each table
  // (or only the first) its value, rule and clause, then the pack's
  // `outputs` — less any output that names a table already listed (its
  // value is that table's column; see output_listed).
  std::vector<std::string> output_columns(bool all_tables = true) const;

  // Whether output `o` (an index into the pack's `outputs`) has a column
  // of its own in output_columns(all_tables).
  bool output_listed(size_t o, bool all_tables = true) const;

  const detail::Plan& plan() const { return *plan_; }

 private:
  RulePack rules_;
  EngineOptions options_;
  std::shared_ptr<const detail::Plan> plan_;
};

}  // namespace kcbx

#endif  // KCBX_ENGINE_H_
