// The responsibility graph at province size: 90 counties, 1,500 townships,
// 17,000 villages, 10,000 schools, 60,000 classes (about 88,700 posts) and
// 240,000 students placing every school in its county. Inputs are built once,
// outside the timed loops.
//
//   BM_Graph_Build     ResponsibilityGraph construction (posts/s)
//   BM_Graph_Resolve   teacher, principal, village director and township head
//                      of 1M cases (cases/s)
//   BM_Graph_Escalate  the teacher's escalation chain of 1M cases (cases/s)
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "kcbx/batch.h"
#include "kcbx/responsibility.h"
#include "kcbx/rule_pack.h"

namespace {

constexpr int kCounties = 90;
constexpr int kTownships = 1500;
constexpr int kVillages = 17000;
constexpr int kSchools = 10000;
constexpr int kClassesPerSchool = 6;  // 60,000 classes
constexpr int kStudentsPerClass = 4;
constexpr int64_t kCases = 1'000'000;

std::string digits(int64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld", width, static_cast<long long>(v));
  return buf;
}

// Spreads `total` items over `groups` as evenly as possible: the first
// item index of group g.
int64_t first_of(int64_t g, int64_t total, int64_t groups) { return g * total / groups; }

struct Province {
  kcbx::RulePack pack = kcbx::default_rules();
  kcbx::Roster roster;
  kcbx::Batch students;
  std::vector<size_t> cases;  // record index of each case

  Province() {
    auto post = [&](const char* role, const std::string& key) {
      kcbx::Post p;
      p.role = role;
      p.person = "官员" + std::to_string(roster.posts.size());
      p.jurisdiction = key;
      p.phone = "13800000000";
      p.row = static_cast<int64_t>(roster.posts.size()) + 2;
      roster.posts.push_back(std::move(p));
    };
    kcbx::BatchBuilder b(pack);
    b.set_columns({"student_id", "registry", "division_code", "school_id", "class_id", "guardian"});
    int64_t row = 1;
    for (int c = 0; c < kCounties; ++c) {
      const int64_t county = 520100 + (c / 10) * 100 + c % 10 + 1;  // 5201xx..5209xx
      const std::string ck = digits(county, 6);
      post("county_head", ck);
      post("bureau_director", ck);
      for (int64_t t = first_of(c, kTownships, kCounties); t < first_of(c + 1, kTownships, kCounties); ++t) {
        const int64_t township = county * 1000 + (t - first_of(c, kTownships, kCounties)) + 1;
        post("township_head", digits(township, 9));
        const int64_t v0 = first_of(t, kVillages, kTownships), v1 = first_of(t + 1, kVillages, kTownships);
        for (int64_t v = v0; v < v1; ++v) post("village_director", digits(township * 1000 + 201 + (v - v0), 12));
        const int64_t s0 = first_of(t, kSchools, kTownships), s1 = first_of(t + 1, kSchools, kTownships);
        int64_t next_village = 0;
        for (int64_t s = s0; s < s1; ++s) {
          const std::string school = "S" + digits(township * 100 + (s - s0) + 1, 11);
          post("principal", school);
          for (int k = 1; k <= kClassesPerSchool; ++k) {
            const std::string cls = std::to_string(k) + "-1";
            post("teacher", school + "/" + cls);
            for (int i = 0; i < kStudentsPerClass; ++i) {
              const std::string village = digits(township * 1000 + 201 + next_village++ % (v1 - v0), 12);
              const std::string id = "G" + std::to_string(row);
              const std::string guardian = "家长" + std::to_string(row);
              b.add_row({id, "enrolled", village, school, cls, guardian}, ++row);
            }
          }
        }
      }
    }
    students = b.finish();
    // Cases in a scattered order, so lookups do not walk memory in step.
    cases.resize(kCases);
    uint64_t x = 88172645463325252ULL;
    for (auto& c : cases) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      c = static_cast<size_t>(x % students.size());
    }
  }
};

const Province& province() {
  static const Province* p = new Province();
  return *p;
}

void BM_Graph_Build(benchmark::State& state) {
  const Province& p = province();
  size_t edges = 0;
  for (auto _ : state) {
    kcbx::ResponsibilityGraph g(p.pack, p.roster, p.students);
    edges = g.edge_count();
    benchmark::DoNotOptimize(edges);
  }
  state.counters["posts"] = static_cast<double>(p.roster.posts.size());
  state.counters["edges"] = static_cast<double>(edges);
  state.counters["students"] = static_cast<double>(p.students.size());
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(p.roster.posts.size()));
}
BENCHMARK(BM_Graph_Build)->Unit(benchmark::kMillisecond);

std::unique_ptr<kcbx::ResponsibilityGraph> graph() {
  const Province& p = province();
  return std::make_unique<kcbx::ResponsibilityGraph>(p.pack, p.roster, p.students);
}

void BM_Graph_Resolve(benchmark::State& state) {
  const Province& p = province();
  const auto g = graph();
  int64_t vacant = 0;
  for (auto _ : state) {
    for (size_t i : p.cases) {
      for (const char* role : {"township_head", "village_director", "principal", "teacher"}) {
        kcbx::Responsible r = g->responsible(p.students, i, role);
        vacant += r.person.empty();
        benchmark::DoNotOptimize(r);
      }
    }
  }
  if (vacant != 0) state.SkipWithError("a case without a responsible person");
  state.SetItemsProcessed(state.iterations() * kCases);
}
BENCHMARK(BM_Graph_Resolve)->Unit(benchmark::kMillisecond);

void BM_Graph_Escalate(benchmark::State& state) {
  const Province& p = province();
  const auto g = graph();
  size_t length = 0;
  for (auto _ : state) {
    for (size_t i : p.cases) {
      auto chain = g->escalation(p.students, i, "teacher");
      length += chain.size();
      benchmark::DoNotOptimize(chain);
    }
  }
  if (length != static_cast<size_t>(state.iterations()) * kCases * 4) state.SkipWithError("short chain");
  state.SetItemsProcessed(state.iterations() * kCases);
}
BENCHMARK(BM_Graph_Escalate)->Unit(benchmark::kMillisecond);

}  // namespace
