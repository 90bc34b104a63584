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

inline int age_on(int32_t birth, int32_t on) {
  const kcbx::YearMonthDay b = kcbx::civil_from_days(birth);
  const kcbx::YearMonthDay o = kcbx::civil_from_days(on);
  return o.year - b.year - ((o.month * 32 + o.day) < (b.month * 32 + b.day));
}

// The Guizhou default decision order (SPEC.md), hand-written.
void classify_baseline(const Columns& c, size_t n, int32_t as_of, int32_t* status) {
  enum { kInSchool, kSuspected, kDropout, kOut, kNotCounted, kCompleted, kNa };
  for (size_t i = 0; i < n; ++i) {
    const int reg = c.registry[i];
    const int age = age_on(c.birth[i], as_of);
    const bool has_abs = c.last[i] != kNull && !c.excused[i];
    const int32_t suspected_since = c.last[i] + 8;
    const bool absent_long = has_abs && as_of >= suspected_since;
    const bool dropout_reached =
        has_abs && as_of >= kcbx::add_months(kcbx::Date::from_days(suspected_since), 1).days() + 1;
    int s;
    if (reg == 6) s = kCompleted;
    else if (age < 6) s = kNa;
    else if ((reg == 1 || reg == 2) && !absent_long) s = kInSchool;
    else if (reg == 3 || reg == 4) s = kNotCounted;
    else if (age > 16 && !(c.poor[i] && reg == 1)) s = kNa;
    else if (reg == 0 && age <= 7) s = kNotCounted;
    else if (reg == 0) s = kOut;
    else if (reg == 5 || dropout_reached) s = kDropout;
    else s = kSuspected;
    status[i] = s;
  }
}

void BM_Baseline_HandWritten(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  Data& d = data(n);
  std::vector<int32_t> out(n);
  for (auto _ : state) {
    classify_baseline(d.cols, n, kAsOf.days(), out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_Baseline_HandWritten)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

void BM_Engine_Classify(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  Data& d = data(n);
  kcbx::EngineOptions o;
  o.threads = static_cast<int>(state.range(1));
  kcbx::Engine engine(d.pack, o);
  kcbx::ClassifyOptions lean;
  lean.flags = lean.cases = lean.all_tables = false;
  for (auto _ : state) {
    kcbx::BatchResult r = engine.classify(d.batch, kAsOf, lean);
    benchmark::DoNotOptimize(r.codes(0));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_Engine_Classify)->Args({1 << 20, 1})->Args({1 << 20, 2})->Unit(benchmark::kMillisecond);

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
