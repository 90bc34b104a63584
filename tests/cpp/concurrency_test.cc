// Concurrency (issue 8): the Engine is an immutable value shared between
// threads (STYLE.md §0.2). These tests share one engine between many
// threads, run the engine's own thread pool, and read files in parallel,
// and compare every result with a single-threaded reference. They are the
// tests the TSan build runs (scripts/sanitize.sh, gtest filter
// Concurrency*): a data race fails them there even when the results agree.
#include <gtest/gtest.h>
#include <iconv.h>

#include <atomic>
#include <cstdint>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "generate/generate.h"
#include "kcbx/cases.h"
#include "kcbx/kcbx.h"
#include "util/buffer_cache.h"

namespace {

const kcbx::Date kAsOf = *kcbx::Date::parse("2019-11-15");

std::string generated_students(int64_t n, uint64_t seed = 7) {
  kcbx::detail::GenerateOptions o;
  o.students = n;
  o.seed = seed;
  o.as_of = kAsOf;
  std::ostringstream students;
  kcbx::detail::generate(o, {&students, nullptr, nullptr});
  return students.str();
}

// UTF-8 -> GB18030 with glibc iconv (not the library's own converter, which
// would make the comparison circular).
std::string to_gb18030(const std::string& utf8) {
  iconv_t cd = iconv_open("GB18030", "UTF-8");
  EXPECT_NE(cd, reinterpret_cast<iconv_t>(-1));
  std::string out(utf8.size() * 2 + 16, '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t in_left = utf8.size();
  char* o = out.data();
  size_t out_left = out.size();
  EXPECT_NE(iconv(cd, &in, &in_left, &o, &out_left), static_cast<size_t>(-1));
  iconv_close(cd);
  out.resize(out.size() - out_left);
  return out;
}

const kcbx::RulePack& pack() {
  static const kcbx::RulePack p = kcbx::default_rules();
  return p;
}

kcbx::Batch read_batch(const std::string& csv) {
  std::istringstream in(csv);
  kcbx::ReadOptions o;
  o.batch_rows = SIZE_MAX;
  kcbx::StudentReader reader(pack(), in, o);
  kcbx::Batch batch;
  reader.next(batch);
  EXPECT_EQ(reader.counts().rejected, 0);
  return batch;
}

// Everything classify() decides for a batch, as text, record by record.
std::vector<std::string> fingerprint(const kcbx::BatchResult& r) {
  std::vector<std::string> out(r.size());
  for (size_t i = 0; i < r.size(); ++i) {
    std::string& s = out[i];
    s = r.rejected(i) ? "rejected:" + std::string(r.reject_reason(i)) : "ok";
    for (size_t t = 0; t < r.table_count(); ++t)
      s += "|" + std::to_string(r.code(t, i)) + "," + r.value(t, i) + "," + r.rule(t, i) + "," +
           r.clause(t, i);
    for (size_t o = 0; o < r.output_count(); ++o) s += "|" + r.output(o, i);
    s += "|" + std::to_string(r.flags(i)) + "|" + std::to_string(r.case_open(i));
    if (auto d = r.case_opened_on(i)) s += d->format();
  }
  return out;
}

void expect_same(const std::vector<std::string>& want, const std::vector<std::string>& got,
                 const std::string& who) {
  ASSERT_EQ(want.size(), got.size()) << who;
  size_t differences = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i] != got[i] && ++differences <= 3)
      ADD_FAILURE() << who << ": record " << i << "\n  want " << want[i] << "\n  got  " << got[i];
  }
  EXPECT_EQ(differences, 0u) << who;
}

TEST(Concurrency, OneEngineClassifiedFromEightThreadsAtOnce) {
  const kcbx::Batch batch = read_batch(generated_students(20000));
  // One worker per call: the eight callers are the concurrency.
  const kcbx::Engine engine(pack(), kcbx::EngineOptions{.threads = 1, .batch_rows = 512});
  const std::vector<std::string> want = fingerprint(engine.classify(batch, kAsOf));
  std::vector<std::vector<std::string>> got(8);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      ++ready;
      while (ready.load() < 8) std::this_thread::yield();  // start together
      // Half share the engine itself, half a copy (the copies share the plan).
      const kcbx::Engine copy = engine;
      const kcbx::Engine& e = t % 2 ? copy : engine;
      got[static_cast<size_t>(t)] = fingerprint(e.classify(batch, kAsOf));
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 8; ++t) expect_same(want, got[static_cast<size_t>(t)], "thread " + std::to_string(t));
}

TEST(Concurrency, EightThreadsWithTheirOwnPoolsAndOptions) {
  const kcbx::Batch batch = read_batch(generated_students(5000, 11));
  const kcbx::Engine engine(pack(), kcbx::EngineOptions{.threads = 2, .batch_rows = 100});
  kcbx::ClassifyOptions lean;
  lean.flags = lean.cases = lean.all_tables = false;
  const std::vector<std::string> want_all = fingerprint(engine.classify(batch, kAsOf));
  const std::vector<std::string> want_lean = fingerprint(engine.classify(batch, kAsOf, lean));
  std::vector<std::vector<std::string>> got(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      got[static_cast<size_t>(t)] = fingerprint(t % 2 ? engine.classify(batch, kAsOf, lean)
                                                      : engine.classify(batch, kAsOf));
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 8; ++t)
    expect_same(t % 2 ? want_lean : want_all, got[static_cast<size_t>(t)],
                "thread " + std::to_string(t));
}

TEST(Concurrency, ClassifyWithTwoThreadsOnAHundredThousandRecords) {
  const kcbx::Batch batch = read_batch(generated_students(100000, 3));
  ASSERT_EQ(batch.size(), 100000u);
  const kcbx::Engine serial(pack(), kcbx::EngineOptions{.threads = 1});
  const kcbx::Engine parallel(pack(), kcbx::EngineOptions{.threads = 2, .batch_rows = 1024});
  expect_same(fingerprint(serial.classify(batch, kAsOf)), fingerprint(parallel.classify(batch, kAsOf)),
              "threads=2");
  // The default (one worker per core) and a batch size that does not divide
  // the record count.
  const kcbx::Engine odd(pack(), kcbx::EngineOptions{.threads = 0, .batch_rows = 999});
  expect_same(fingerprint(serial.classify(batch, kAsOf)), fingerprint(odd.classify(batch, kAsOf)),
              "threads=0, batch_rows=999");
}

TEST(Concurrency, ExplainFromManyThreads) {
  const kcbx::Batch batch = read_batch(generated_students(400, 5));
  const kcbx::Engine engine(pack(), kcbx::EngineOptions{.threads = 1});
  std::vector<std::string> want(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) want[i] = engine.explain(batch, i, kAsOf).to_json();
  kcbx::Record record;
  record.set("student_id", "G1").set("registry", "enrolled").set("birth_date", "2010-03-01")
      .set("last_attended", "2019-09-01");
  const std::string want_record = engine.explain(record, kAsOf).format();
  constexpr int kThreads = 8;
  std::vector<std::vector<std::string>> got(kThreads);
  std::vector<int> record_mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      auto& mine = got[static_cast<size_t>(t)];
      mine.resize(batch.size());
      // Every thread explains every record, starting at a different place.
      for (size_t k = 0; k < batch.size(); ++k) {
        const size_t i = (k + static_cast<size_t>(t) * 50) % batch.size();
        mine[i] = engine.explain(batch, i, kAsOf).to_json();
        if (k % 40 == 0 && engine.explain(record, kAsOf).format() != want_record)
          ++record_mismatches[static_cast<size_t>(t)];
      }
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    expect_same(want, got[static_cast<size_t>(t)], "explain thread " + std::to_string(t));
    EXPECT_EQ(record_mismatches[static_cast<size_t>(t)], 0);
  }
}

TEST(Concurrency, ReadersAndEnginesInParallel) {
  // Each thread reads its own stream (UTF-8 or GB18030: the iconv state is
  // per thread), builds its own batches and classifies them on one shared
  // engine; packs are loaded in parallel too.
  const std::string utf8 = generated_students(3000, 9);
  const kcbx::Engine engine(pack(), kcbx::EngineOptions{.threads = 1});
  const std::vector<std::string> want = fingerprint(engine.classify(read_batch(utf8), kAsOf));
  const std::string gb = to_gb18030(utf8);
  std::vector<std::vector<std::string>> got(8);
  std::vector<int64_t> read(8, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      const kcbx::RulePack own = kcbx::default_rules();  // parse in parallel
      (void)own.id();
      std::istringstream in(t % 2 ? gb : utf8);
      kcbx::ReadOptions o;
      o.encoding = t % 2 ? "gb18030" : "utf-8";
      o.batch_rows = 700;
      kcbx::StudentReader reader(pack(), in, o);
      kcbx::Batch batch;
      auto& mine = got[static_cast<size_t>(t)];
      while (reader.next(batch)) {
        auto part = fingerprint(engine.classify(batch, kAsOf));
        mine.insert(mine.end(), part.begin(), part.end());
      }
      read[static_cast<size_t>(t)] = reader.counts().read;
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 8; ++t) {
    EXPECT_EQ(read[static_cast<size_t>(t)], 3000);
    expect_same(want, got[static_cast<size_t>(t)], "reader thread " + std::to_string(t));
  }
}

TEST(Concurrency, CasesFromManyThreads) {
  kcbx::detail::GenerateOptions o;
  o.students = 3000;
  o.seed = 4;
  o.as_of = kAsOf;
  std::ostringstream students, events;
  kcbx::detail::generate(o, {&students, &events, nullptr});
  const kcbx::Batch batch = read_batch(students.str());
  std::istringstream ev(events.str());
  const kcbx::EventLog log = kcbx::read_events(pack(), ev);
  const kcbx::Engine engine(pack(), kcbx::EngineOptions{.threads = 1});
  const kcbx::BatchResult result = engine.classify(batch, kAsOf);
  auto summary = [&] {
    const kcbx::CaseReport r = kcbx::evaluate_cases(engine, batch, result, log, nullptr, kAsOf);
    std::string s = std::to_string(r.events_applied);
    for (const auto& c : r.cases)
      s += "|" + c.student_id + "," + c.stage + "," + (c.due ? c.due->format() : "") + "," +
           std::to_string(c.days_overdue);
    return s;
  };
  const std::string want = summary();
  std::vector<std::string> got(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) threads.emplace_back([&, t] { got[static_cast<size_t>(t)] = summary(); });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 8; ++t) EXPECT_EQ(got[static_cast<size_t>(t)], want) << "thread " << t;
}

// The buffer cache hands each kept buffer to one thread only: every thread
// fills its buffers with its own byte and finds it intact before freeing.
TEST(Concurrency, BufferCacheUnderFourThreads) {
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  std::vector<int> broken(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &broken] {
      for (int round = 0; round < 40; ++round) {
        const size_t bytes = (size_t{1} << 20) * static_cast<size_t>(1 + (round + t) % 6) + 4096 * t;
        kcbx::detail::CachedVector<unsigned char> v(bytes, static_cast<unsigned char>(t + 1));
        for (size_t i = 0; i < bytes; i += 4096) broken[static_cast<size_t>(t)] += v[i] != t + 1;
        broken[static_cast<size_t>(t)] += v.back() != t + 1;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(broken[static_cast<size_t>(t)], 0) << "thread " << t;
}

}  // namespace
