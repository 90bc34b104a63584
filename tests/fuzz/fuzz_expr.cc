// Expression parser and checker: the input is one expression, wrapped into a
// tiny pack (as a derived output, a table condition or a check, chosen by
// the first byte) over fields of every type. A pack that loads is compiled
// and evaluated over a small batch whose cells include nulls and extremes,
// which exercises the batch kernels (date and integer overflow) too.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "fuzz_common.h"

namespace {

const char kHead[] = R"(meta: {name: fuzz, version: "1"}
fields:
  student_id: {type: string, required: true, unique: true}
  i: {type: int}
  n: {type: number}
  d: {type: date}
  u: {type: duration}
  s: {type: string}
  b: {type: bool}
  e: {type: enum, values: [x, y, z]}
  t: {type: set, values: [p, q, r]}
  id: {type: string, format: id_number}
parameters:
  k: {type: int, value: 3}
  w: {type: duration, value: 7 days}
  since: {type: date, values: [{from: 2019-01-01, value: 2019-09-01}]}
)";

// The expression as a literal block scalar: every line indented, so the
// text after the indentation is the expression, whatever it holds.
std::string block(std::string_view expr, int indent) {
  std::string out = "|-\n";
  std::string pad(static_cast<size_t>(indent), ' ');
  out += pad;
  for (char c : expr) {
    if (c == '\n') {
      out += '\n';
      out += pad;
    } else if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
      out += ' ';  // YAML refuses control characters; the lexer sees a space
    } else {
      out += c;
    }
  }
  return out + "\n";
}

std::string make_pack(unsigned char where, std::string_view expr) {
  std::string yaml = kHead;
  switch (where % 3) {
    case 0:  // a derived value, shown as an output
      yaml += "derive:\n  v: " + block(expr, 4);
      yaml += "tables:\n  out:\n    values: [yes, no]\n    rows:\n"
              "      - {id: r1, then: yes}\n";
      yaml += "outputs: [v]\n";
      break;
    case 1:  // a table condition
      yaml += "tables:\n  out:\n    values: [yes, no]\n    rows:\n"
              "      - id: r1\n        then: yes\n        when: " + block(expr, 10);
      yaml += "      - {id: r2, then: no}\n";
      break;
    default:  // a check
      yaml += "checks:\n  - id: c\n    message: refused\n    require: " + block(expr, 6);
      yaml += "tables:\n  out:\n    values: [yes, no]\n    rows:\n"
              "      - {id: r1, then: yes}\n";
      break;
  }
  return yaml;
}

void evaluate(const kcbx::RulePack& pack) {
  const kcbx::Engine engine(pack, kcbx::EngineOptions{.threads = 1, .batch_rows = 4});
  kcbx::BatchBuilder b(pack);
  const std::vector<std::string> header = {"student_id", "i", "n", "d", "u", "s",
                                           "b", "e", "t", "id"};
  b.set_columns(std::span<const std::string>(header));
  const std::vector<std::vector<std::string_view>> rows = {
      {"A", "1", "1.5", "2019-11-15", "7 days", "abc", "true", "x", "p;q", "520102201003151236"},
      {"B", "", "", "", "", "", "", "", "", ""},
      {"C", "9223372036854775807", "1e308", "9999-12-31", "1200 months", "\xE4\xB8\xAD",
       "false", "z", "p;q;r", "52010220100315123X"},
      {"D", "-9223372036854775808", "-1e308", "0001-01-01", "0 days", "", "false", "y", "",
       "000000000000000000"},
      {"E", "0", "0", "2000-02-29", "1 month", "     ", "true", "x", "r", "5201"},
  };
  for (size_t r = 0; r < rows.size(); ++r)
    (void)b.add_row(std::span<const std::string_view>(rows[r]), static_cast<int64_t>(r + 2));
  const kcbx::Batch batch = b.finish();
  const kcbx::Date dates[] = {kcbx::fuzz::as_of(), kcbx::Date::from_days(kcbx::Date::kMaxDays),
                              kcbx::Date::from_days(kcbx::Date::kMinDays)};
  for (kcbx::Date as_of : dates) {
    try {
      const kcbx::BatchResult result = engine.classify(batch, as_of);
      KCBX_FUZZ_CHECK(result.size() == batch.size());
      for (size_t i = 0; i < result.size(); ++i) {
        for (size_t t = 0; t < result.table_count(); ++t) (void)result.value(t, i);
        for (size_t o = 0; o < result.output_count(); ++o) (void)result.output(o, i);
      }
      for (size_t i = 0; i < batch.size(); ++i) (void)engine.explain(batch, i, as_of).to_json();
    } catch (const kcbx::Error&) {
      // A parameter with no value in force on that date.
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string yaml = make_pack(data[0], kcbx::fuzz::as_text(data + 1, size - 1));
  const std::vector<kcbx::Diagnostic> diags = kcbx::check_rules(yaml, "<fuzz-expr>");
  for (const auto& d : diags) (void)d.format();
  std::optional<kcbx::RulePack> pack;
  try {
    pack = kcbx::parse_rules(yaml, "<fuzz-expr>");
  } catch (const kcbx::Error&) {
  }
  KCBX_FUZZ_CHECK(pack.has_value() == !kcbx::has_errors(diags));
  if (pack) evaluate(*pack);
  return 0;
}
