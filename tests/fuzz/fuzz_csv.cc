// CSV tokenizer (src/io/csv.h): the first byte picks the encoding (utf-8,
// gb18030, gbk) and the second the limits; the rest is the file. Checks that
// every field is valid UTF-8, that line and record numbers only grow, that
// errors never quote a field, and that reading in 1-to-16-byte chunks gives
// exactly the records that reading in one chunk gives.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "io/csv.h"
#include "io/encoding.h"

namespace {

struct Parsed {
  int64_t line;
  int64_t index;
  std::vector<std::string> fields;
  std::string error;
  bool operator==(const Parsed&) const = default;
};

std::vector<Parsed> read_all(std::string_view text, kcbx::detail::CsvOptions o) {
  std::istringstream in{std::string(text)};
  kcbx::detail::CsvReader reader(in, o);
  kcbx::detail::CsvRecord record;
  std::vector<Parsed> out;
  int64_t last_line = 0;
  while (reader.next(record)) {
    KCBX_FUZZ_CHECK(record.line > last_line);
    KCBX_FUZZ_CHECK(record.index == static_cast<int64_t>(out.size()));
    KCBX_FUZZ_CHECK(record.fields.size() <= o.max_fields);
    last_line = record.line;
    Parsed p{record.line, record.index, {}, record.error};
    for (std::string_view f : record.fields) {
      KCBX_FUZZ_CHECK(kcbx::detail::is_valid_utf8(f));
      p.fields.emplace_back(f);
    }
    out.push_back(std::move(p));
    if (out.size() > text.size() + 1) break;  // cannot happen: one byte per record at least
  }
  KCBX_FUZZ_CHECK(out.size() <= text.size() + 1);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  kcbx::detail::CsvOptions o;
  o.encoding = kcbx::fuzz::encoding_for(data[0]);
  const unsigned char limits = data[1];
  if (limits & 0x80) {  // small limits, so the fuzzer reaches them
    o.max_field_bytes = 1 + (limits & 0x0f);
    o.max_fields = 1 + ((limits >> 4) & 0x07);
    o.max_record_bytes = 8 + (limits & 0x1f) * 2;
  }
  const std::string_view text = kcbx::fuzz::as_text(data + 2, size - 2);
  const std::vector<Parsed> whole = read_all(text, o);
  o.chunk_bytes = 1 + (data[0] >> 4);
  const std::vector<Parsed> chunked = read_all(text, o);
  KCBX_FUZZ_CHECK(whole == chunked);
  return 0;
}
