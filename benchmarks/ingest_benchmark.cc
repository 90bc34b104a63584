// Ingest throughput (issue 7): reading and validating a students CSV, in
// MB/s, against a hand-written parse of the same bytes.
//
// BM_Ingest_PlainParse is the speed limit: a loop that splits the generated
// file on commas and line breaks (no quotes, no encodings, no rejects) and
// converts the 7 columns the status table needs (student_id, id_number,
// birth_date, registry, last_attended, absence_excused, poor) into plain
// arrays. BM_Ingest_StudentReader is kcbx's reader on the same bytes: every
// one of the 24 columns validated against the Guizhou pack (RFC 4180
// quoting, UTF-8 check, ID-number structure and MOD 11-2 check digit, the
// birth date inside it, enum labels, unique student numbers), into column
// batches. Both read from memory, so the disk is not measured.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "generate/generate.h"
#include "kcbx/kcbx.h"

namespace {

const std::string& students_csv() {
  static const std::string text = [] {
    kcbx::detail::GenerateOptions o;
    o.students = 200000;
    o.seed = 11;
    o.as_of = kcbx::Date::from_ymd(2019, 11, 15);
    std::ostringstream out;
    kcbx::detail::GenerateSinks sinks;
    sinks.students = &out;
    kcbx::detail::generate(o, sinks);
    return out.str();
  }();
  return text;
}

inline int32_t parse_date(std::string_view s) {
  if (s.size() != 10) return INT32_MIN;
  auto num = [&](size_t at, size_t n) {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  return kcbx::days_from_civil(num(0, 4), num(5, 2), num(8, 2));
}

struct PlainColumns {
  std::vector<std::string_view> student_id, id_number;
  std::vector<int32_t> birth, last;
  std::vector<int8_t> registry;
  std::vector<uint8_t> excused, poor;
};

// The hand-written parse. Column positions are those of the generated file
// (a real program would look them up in the header once, as here).
void plain_parse(std::string_view text, PlainColumns& c) {
  size_t pos = text.find('\n') + 1;  // header
  std::string_view cells[32];
  while (pos < text.size()) {
    size_t k = 0, start = pos;
    for (; pos < text.size(); ++pos) {
      const char ch = text[pos];
      if (ch == ',' || ch == '\n') {
        if (k < 32) cells[k++] = text.substr(start, pos - start);
        start = pos + 1;
        if (ch == '\n') break;
      }
    }
    ++pos;
    if (k < 13) continue;
    c.student_id.push_back(cells[0]);
    c.id_number.push_back(cells[2]);
    c.birth.push_back(parse_date(cells[3]));
    const std::string_view reg = cells[9];
    c.registry.push_back(reg == "enrolled" ? 1 : reg == "none" ? 0 : reg == "home_teaching" ? 2
                         : reg == "suspended" ? 3 : reg == "deferred" ? 4 : reg == "left" ? 5 : 6);
    c.last.push_back(cells[10].empty() ? INT32_MIN : parse_date(cells[10]));
    c.excused.push_back(cells[11] == "1");
    c.poor.push_back(cells[12] == "1");
  }
}

void BM_Ingest_PlainParse(benchmark::State& state) {
  const std::string& text = students_csv();
  for (auto _ : state) {
    PlainColumns c;
    plain_parse(text, c);
    benchmark::DoNotOptimize(c.birth.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_Ingest_PlainParse)->Unit(benchmark::kMillisecond);

void BM_Ingest_StudentReader(benchmark::State& state) {
  const std::string& text = students_csv();
  const kcbx::RulePack pack = kcbx::default_rules();
  int64_t accepted = 0;
  for (auto _ : state) {
    std::istringstream in(text);
    kcbx::ReadOptions o;
    o.threads = static_cast<int>(state.range(0));
    kcbx::StudentReader reader(pack, in, o);
    kcbx::Batch batch;
    while (reader.next(batch)) benchmark::DoNotOptimize(batch.size());
    accepted = reader.counts().accepted;
  }
  if (accepted != 200000) state.SkipWithError("the reader rejected generated rows");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
// Arg: reader threads (1: the caller's only; 2: records split on a second).
BENCHMARK(BM_Ingest_StudentReader)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
