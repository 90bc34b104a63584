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
//
// BM_Ingest_Columns is the Python module's conversion without Python: a
// million generated students held as a pandas DataFrame holds them (Arrow
// large strings, datetime64[s] dates with NaT, float64 grades with NaN, a
// categorical registry, numpy bools), converted and checked by
// batch_from_columns as Engine.classify converts them. BM_Columns_Classify
// adds the engine's every-table evaluation of the same rows: the C++ batch
// speed the module's classify is compared with, and the part of that call
// spent in C++ before its result table is built.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "generate/generate.h"
#include "io/csv.h"
#include "kcbx/columns.h"
#include "kcbx/kcbx.h"
#include "pack/checked_pack.h"

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

// ---- typed columns, as the Python module receives a DataFrame's -------------

// One column's buffers, in the layout ColumnChunk describes.
struct TypedColumn {
  std::string name;
  kcbx::ArrayType type = kcbx::ArrayType::kNull;
  std::vector<int64_t> offsets{0};  // large strings
  std::string text;                 // their data, and a dictionary's
  std::vector<int64_t> i64;         // timestamps in seconds (NaT: INT64_MIN)
  std::vector<double> f64;          // whole numbers, NaN for missing
  std::vector<uint8_t> bytes;       // bools; dictionary indices
  std::vector<int64_t> dict_offsets{0};
  std::vector<std::string> labels;  // a dictionary's values, in code order
  kcbx::ColumnChunk dictionary;
};

struct TypedTable {
  std::vector<TypedColumn> columns;
  std::vector<kcbx::ColumnView> views;
  size_t rows = 0;
};

const kcbx::Date kColumnsAsOf = kcbx::Date::from_ymd(2019, 11, 15);

// A million generated students (the Python benchmark's table), read once.
const TypedTable& typed_students() {
  static const TypedTable table = [] {
    using kcbx::ArrayType;
    using kcbx::detail::TypeKind;
    kcbx::detail::GenerateOptions o;
    o.students = 1000000;
    o.seed = 1;
    o.as_of = kColumnsAsOf;
    std::ostringstream out;
    kcbx::detail::GenerateSinks sinks;
    sinks.students = &out;
    kcbx::detail::generate(o, sinks);
    std::istringstream in(out.str());
    kcbx::detail::CsvReader reader(in);
    kcbx::detail::CsvRecord rec;
    const kcbx::RulePack pack = kcbx::default_rules();
    const auto& cp = pack.checked();
    TypedTable t;
    std::vector<TypeKind> kinds;
    reader.next(rec);
    for (std::string_view h : rec.fields) {
      TypedColumn c;
      c.name = std::string(h);
      const int f = cp.field_index(c.name);
      const TypeKind k = f >= 0 ? cp.fields[static_cast<size_t>(f)].type.kind : TypeKind::kString;
      kinds.push_back(k);
      c.type = k == TypeKind::kDate    ? ArrayType::kTimestampS
               : k == TypeKind::kBool  ? ArrayType::kBoolBytes
               : k == TypeKind::kInt   ? ArrayType::kFloat64
               : k == TypeKind::kEnum  ? ArrayType::kDictionary
                                       : ArrayType::kLargeString;
      t.columns.push_back(std::move(c));
    }
    while (reader.next(rec)) {
      if (!rec.error.empty() || rec.fields.size() != t.columns.size()) continue;
      for (size_t j = 0; j < rec.fields.size(); ++j) {
        TypedColumn& c = t.columns[j];
        const std::string_view v = rec.fields[j];
        switch (c.type) {
          case ArrayType::kTimestampS: {
            const int32_t d = v.empty() ? 0 : parse_date(v);
            c.i64.push_back(v.empty() || d == INT32_MIN ? std::numeric_limits<int64_t>::min()
                                                         : int64_t{d} * 86400);
            break;
          }
          case ArrayType::kBoolBytes: c.bytes.push_back(v == "1" || v == "true"); break;
          case ArrayType::kFloat64:
            c.f64.push_back(v.empty() ? std::nan("") : std::strtod(std::string(v).c_str(), nullptr));
            break;
          case ArrayType::kDictionary: {
            auto it = std::find(c.labels.begin(), c.labels.end(), v);
            if (it == c.labels.end()) it = c.labels.insert(it, std::string(v));
            c.bytes.push_back(static_cast<uint8_t>(it - c.labels.begin()));
            break;
          }
          default:
            c.text.append(v);
            c.offsets.push_back(static_cast<int64_t>(c.text.size()));
        }
      }
      ++t.rows;
    }
    for (TypedColumn& c : t.columns) {
      kcbx::ColumnChunk ch;
      ch.type = c.type;
      ch.length = static_cast<int64_t>(t.rows);
      switch (c.type) {
        case ArrayType::kTimestampS: ch.values = c.i64.data(); break;
        case ArrayType::kBoolBytes: ch.values = c.bytes.data(); break;
        case ArrayType::kFloat64: ch.values = c.f64.data(); break;
        case ArrayType::kDictionary:
          for (const std::string& l : c.labels) {
            c.text += l;
            c.dict_offsets.push_back(static_cast<int64_t>(c.text.size()));
          }
          c.dictionary.type = ArrayType::kLargeString;
          c.dictionary.length = static_cast<int64_t>(c.labels.size());
          c.dictionary.values = c.text.data();
          c.dictionary.offsets = c.dict_offsets.data();
          ch.values = c.bytes.data();
          ch.index_type = ArrayType::kInt8;  // pandas' categorical codes
          ch.dictionary = &c.dictionary;
          break;
        default:
          ch.values = c.text.data();
          ch.offsets = c.offsets.data();
      }
      t.views.push_back({c.name, {ch}});
    }
    return t;
  }();
  return table;
}

// What Engine.classify (every table and the outputs) evaluates.
kcbx::ClassifyOptions every_table() {
  kcbx::ClassifyOptions what;
  what.flags = what.cases = false;
  return what;
}

// An engine on `threads` threads and the options the module converts
// with: strings borrowed, only what the rules and the key read kept (the
// rest checked), keys searched for ID numbers (the result shows them
// masked).
struct ModuleCall {
  kcbx::Engine engine;
  kcbx::ColumnOptions options;

  explicit ModuleCall(int threads) : engine(kcbx::default_rules(), engine_options(threads)) {
    options.borrow_strings = true;
    options.find_key_id_numbers = true;
    options.threads = threads;
    options.keep = engine.fields_read(every_table());
    options.keep.push_back(engine.rules().checked().key_field());
  }
  static kcbx::EngineOptions engine_options(int threads) {
    kcbx::EngineOptions eo;
    eo.threads = threads;
    return eo;
  }
  kcbx::ColumnsBatch convert(const TypedTable& t) const {
    return kcbx::batch_from_columns(engine.rules(), t.views, options);
  }
};

// Arg: threads.
void BM_Ingest_Columns(benchmark::State& state) {
  const TypedTable& t = typed_students();
  const ModuleCall call(static_cast<int>(state.range(0)));
  int64_t read = 0;
  for (auto _ : state) {
    kcbx::ColumnsBatch b = call.convert(t);
    read = b.read;
    benchmark::DoNotOptimize(b.batch.size());
  }
  if (read != static_cast<int64_t>(t.rows)) state.SkipWithError("rows went missing");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * t.rows));
}
BENCHMARK(BM_Ingest_Columns)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// The C++ batch on the Python benchmark's rows. Arg: threads; range(1) 1
// converts the columns too (the C++ part of the module's call), 0
// evaluates a batch converted beforehand.
void BM_Columns_Classify(benchmark::State& state) {
  const TypedTable& t = typed_students();
  const ModuleCall call(static_cast<int>(state.range(0)));
  const bool convert = state.range(1) != 0;
  kcbx::ColumnsBatch ready;
  if (!convert) ready = call.convert(t);
  for (auto _ : state) {
    const kcbx::ColumnsBatch b = convert ? call.convert(t) : kcbx::ColumnsBatch{};
    kcbx::BatchResult r = call.engine.classify(convert ? b.batch : ready.batch, kColumnsAsOf, every_table());
    benchmark::DoNotOptimize(r.codes(0));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * t.rows));
}
BENCHMARK(BM_Columns_Classify)
    ->ArgNames({"threads", "convert"})
    ->Args({1, 0})
    ->Args({2, 0})
    ->Args({2, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
