// Engine throughput against a hand-written baseline on the same columns.
//
// BM_Baseline_HandWritten is the speed limit: the default Guizhou status
// table as an if-chain over plain arrays (what a programmer would write in
// C++ for this one policy). BM_Engine_Classify runs the embedded pack over
// the same records through kcbx's batch VM. Their items/s give the ratio
// the performance issue asks for; both run in one process on one input.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "kcbx/kcbx.h"

namespace {

constexpr int32_t kNull = INT32_MIN;

// Plain columns, as a hand-written program would hold them.
struct Columns {
  std::vector<int32_t> registry;  // 0 none 1 enrolled 2 home 3 suspended 4 deferred 5 left 6 completed
  std::vector<int32_t> birth;
  std::vector<int32_t> last;      // kNull: no absence recorded
  std::vector<uint8_t> excused;
  std::vector<uint8_t> poor;
};

const char* kRegistry[] = {"none", "enrolled", "home_teaching", "suspended",
                           "deferred", "left", "completed"};

struct Data {
  Columns cols;
  kcbx::RulePack pack = kcbx::default_rules();
  kcbx::Batch batch;
};

const kcbx::Date kAsOf = kcbx::Date::from_ymd(2019, 11, 15);

// Seeded, realistic mix: most children at school, a few absent, some out.
Data& data(size_t n) {
  static std::map<size_t, std::unique_ptr<Data>> cache;
  auto& slot = cache[n];
  if (slot) return *slot;
  slot = std::make_unique<Data>();
  Data& d = *slot;
  std::mt19937_64 rng(42);
  kcbx::BatchBuilder b(d.pack);
  b.set_columns({"student_id", "registry", "birth_date", "last_attended", "absence_excused", "poor"});
  for (size_t i = 0; i < n; ++i) {
    const uint64_t r = rng();
    int reg = 1;
    const int pick = static_cast<int>(r % 1000);
    if (pick < 3) reg = 0;
    else if (pick < 6) reg = 2;
    else if (pick < 8) reg = 3;
    else if (pick < 10) reg = 4;
    else if (pick < 15) reg = 5;
    else if (pick < 25) reg = 6;
    const int32_t birth = kAsOf.days() - 365 * 4 - static_cast<int32_t>((r >> 10) % (365 * 14));
    int32_t last = kNull;
    if (((r >> 30) % 100) < 5) last = kAsOf.days() - static_cast<int32_t>((r >> 40) % 90);
    const uint8_t excused = ((r >> 50) % 10) == 0;
    const uint8_t poor = ((r >> 54) % 12) == 0;
    d.cols.registry.push_back(reg);
    d.cols.birth.push_back(birth);
    d.cols.last.push_back(last);
    d.cols.excused.push_back(excused);
    d.cols.poor.push_back(poor);
    const std::string id = "G" + std::to_string(i);
    const std::string bd = kcbx::Date::from_days(birth).format();
    const std::string la = last == kNull ? "" : kcbx::Date::from_days(last).format();
    b.add_row({id, kRegistry[reg], bd, la, excused ? "1" : "0", poor ? "1" : "0"},
              static_cast<int64_t>(i + 2));
  }
  d.batch = b.finish();
  return d;
}

// The Guizhou default decision order (SPEC.md), hand-written as a careful
// programmer would for speed: the evaluation date is split once, an age
// threshold becomes a birth-date cutoff (age >= k exactly when the birth
// date is on or before the k-th birthday cutoff; 29 February birthdays fall
// on 1 March in common years, as age_on counts them), and the month-long
// dropout deadline is only computed for the few absent children who reach
// the last rows.
struct BaselineCutoffs {
  int32_t born_by_age6;   // age >= 6  <=> birth <= born_by_age6
  int32_t born_by_age17;  // age >= 17 <=> birth <= born_by_age17  (age > 16)
  int32_t born_by_age8;   // age >= 8  <=> birth <= born_by_age8   (age > 7)
};

// Latest birth date whose age on `on` is at least `years` (full years).
int32_t latest_birth_for_age(int32_t on, int years) {
  const kcbx::YearMonthDay o = kcbx::civil_from_days(on);
  const int y = o.year - years;
  // Born on (y, o.month, o.day) turns `years` that day; 29 February in a
  // common year y has no such day: the latest such birth is 28 February.
  const int dim = kcbx::days_in_month(y, o.month);
  return kcbx::days_from_civil(y, o.month, o.day <= dim ? o.day : dim);
}

void classify_baseline(const Columns& c, size_t n, int32_t as_of, int32_t* status) {
  enum { kInSchool, kSuspected, kDropout, kOut, kNotCounted, kCompleted, kNa };
  const BaselineCutoffs cut{latest_birth_for_age(as_of, 6), latest_birth_for_age(as_of, 17),
                            latest_birth_for_age(as_of, 8)};
  for (size_t i = 0; i < n; ++i) {
    const int reg = c.registry[i];
    const int32_t birth = c.birth[i];
    const bool has_abs = c.last[i] != kNull && !c.excused[i];
    const int32_t suspected_since = c.last[i] + 8;
    const bool absent_long = has_abs && as_of >= suspected_since;
    int s;
    if (reg == 6) s = kCompleted;
    else if (birth > cut.born_by_age6) s = kNa;
    else if ((reg == 1 || reg == 2) && !absent_long) s = kInSchool;
    else if (reg == 3 || reg == 4) s = kNotCounted;
    else if (birth <= cut.born_by_age17 && !(c.poor[i] && reg == 1)) s = kNa;
    else if (reg == 0 && birth > cut.born_by_age8) s = kNotCounted;
    else if (reg == 0) s = kOut;
    else if (reg == 5) s = kDropout;
    else if (has_abs &&
             as_of >= kcbx::add_months(kcbx::Date::from_days(suspected_since), 1).days() + 1)
      s = kDropout;
    else s = kSuspected;
    status[i] = s;
  }
}

void BM_Baseline_HandWritten(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  Data& d = data(n);
  std::vector<int32_t> out(n);
  // The two sides must compute the same thing, or the ratio means nothing.
  classify_baseline(d.cols, n, kAsOf.days(), out.data());
  kcbx::ClassifyOptions status_only;
  status_only.flags = status_only.cases = status_only.all_tables = status_only.outputs = false;
  const kcbx::BatchResult check = kcbx::Engine(d.pack).classify(d.batch, kAsOf, status_only);
  for (size_t i = 0; i < n; ++i)
    if (check.rejected(i) || check.codes(0)[i] != out[i]) {
      state.SkipWithError(("baseline and engine disagree on record " + std::to_string(i)).c_str());
      return;
    }
  for (auto _ : state) {
    classify_baseline(d.cols, n, kAsOf.days(), out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_Baseline_HandWritten)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

// range(2): 1 computes the pack's outputs too (age and the two deadlines:
// what `kcbx classify` writes), 0 the status alone, as the baseline does,
// 2 every table and the outputs (what the Python module's classify returns:
// its speed against the module's is the cost of tables in and out).
void BM_Engine_Classify(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  Data& d = data(n);
  kcbx::EngineOptions o;
  o.threads = static_cast<int>(state.range(1));
  kcbx::Engine engine(d.pack, o);
  kcbx::ClassifyOptions lean;
  lean.flags = lean.cases = false;
  lean.all_tables = state.range(2) == 2;
  lean.outputs = state.range(2) != 0;
  for (auto _ : state) {
    kcbx::BatchResult r = engine.classify(d.batch, kAsOf, lean);
    benchmark::DoNotOptimize(r.codes(0));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_Engine_Classify)
    ->ArgNames({"n", "threads", "outputs"})
    ->Args({1 << 16, 1, 0})
    ->Args({1 << 20, 1, 0})
    ->Args({1 << 20, 2, 0})
    ->Args({1 << 20, 1, 1})
    ->Args({1 << 20, 2, 1})
    ->Args({1 << 20, 1, 2})
    ->Args({1 << 20, 2, 2})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_Engine_ClassifyBatchSizes(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  Data& d = data(n);
  kcbx::EngineOptions o;
  o.threads = 1;
  kcbx::Engine engine(d.pack, o);
  for (auto _ : state) {
    kcbx::BatchResult r = engine.classify(d.batch, kAsOf);
    benchmark::DoNotOptimize(r.codes(0));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_Engine_ClassifyBatchSizes)->RangeMultiplier(4)->Range(1, 1 << 16);

void BM_Engine_SharedAcrossThreads(benchmark::State& state) {
  static kcbx::Engine* engine = nullptr;
  Data& d = data(1 << 16);
  if (state.thread_index() == 0) {
    kcbx::EngineOptions o;
    o.threads = 1;
    engine = new kcbx::Engine(d.pack, o);
  }
  for (auto _ : state) {
    kcbx::BatchResult r = engine->classify(d.batch, kAsOf);
    benchmark::DoNotOptimize(r.codes(0));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * (1 << 16)));
  if (state.thread_index() == 0) {
    delete engine;
    engine = nullptr;
  }
}
BENCHMARK(BM_Engine_SharedAcrossThreads)->ThreadRange(1, 2)->UseRealTime();

kcbx::Record sample_record() {
  kcbx::Record r;
  r.set("student_id", "G1").set("registry", "enrolled").set("birth_date", "2008-03-01")
      .set("last_attended", "2019-09-01");
  return r;
}

void BM_Engine_ExplainOne(benchmark::State& state) {
  kcbx::Engine engine(kcbx::default_rules());
  const kcbx::Record r = sample_record();
  for (auto _ : state) {
    kcbx::Explanation e = engine.explain(r, kAsOf);
    benchmark::DoNotOptimize(e.decisions.data());
  }
}
BENCHMARK(BM_Engine_ExplainOne)->Unit(benchmark::kMicrosecond);

void BM_Engine_EvaluateOneNoExplain(benchmark::State& state) {
  kcbx::RulePack pack = kcbx::default_rules();
  kcbx::EngineOptions o;
  o.threads = 1;
  kcbx::Engine engine(pack, o);
  kcbx::BatchBuilder b(pack);
  b.set_columns({"student_id", "registry", "birth_date", "last_attended"});
  (void)b.add_row({"G1", "enrolled", "2008-03-01", "2019-09-01"}, 2);
  kcbx::Batch batch = b.finish();
  for (auto _ : state) {
    kcbx::BatchResult r = engine.classify(batch, kAsOf);
    benchmark::DoNotOptimize(r.codes(0));
  }
}
BENCHMARK(BM_Engine_EvaluateOneNoExplain)->Unit(benchmark::kMicrosecond);

void BM_Pack_LoadCompile(benchmark::State& state) {
  const std::string text = kcbx::default_rules().source();
  for (auto _ : state) {
    kcbx::Engine engine(kcbx::parse_rules(text, "guizhou.yaml"));
    benchmark::DoNotOptimize(&engine);
  }
}
BENCHMARK(BM_Pack_LoadCompile)->Unit(benchmark::kMillisecond);

}  // namespace
