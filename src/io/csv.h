// A streaming RFC 4180 CSV tokenizer for student-record files: reads a
// std::istream (stdin included) in chunks and yields one record at a time,
// with its physical line number, converted to UTF-8. Malformed records are
// returned with an error instead of stopping the run, so that the caller can
// write them to a rejects file with their row number and reason.
//
//   kcbx::detail::CsvReader reader(std::cin, {.encoding = "gb18030"});
//   kcbx::detail::CsvRecord record;
//   while (reader.next(record)) {
//     if (!record.error.empty()) reject(record.line, record.error);
//     else use(record.fields);
//   }
#ifndef KCBX_IO_CSV_H_
#define KCBX_IO_CSV_H_

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "io/encoding.h"

namespace kcbx::detail {

struct CsvRecord {
  // Physical line (1-based) where the record starts. Line breaks inside
  // quoted fields and skipped blank lines are counted.
  int64_t line = 0;
  // Record number: 0 is the first record (the header). Records with errors
  // are numbered too; blank lines are not records.
  int64_t index = 0;
  // UTF-8 (invalid input replaced by U+FFFD), quotes removed and ""
  // unescaped; surrounding whitespace is kept. The views stay valid until the
  // next call to next() or the reader's destruction.
  std::vector<std::string_view> fields;
  // Non-empty when the record is malformed: the first problem found, except
  // that an unclosed quote, which garbles everything after it, is always the
  // one reported ("quoted field opened on line 7 is never closed"). Fields
  // may then be partial. Never contains field contents.
  std::string error;
};

struct CsvOptions {
  // Input encoding; fields are converted to UTF-8. Must satisfy
  // is_ascii_compatible_encoding() (utf-8, gb18030, gbk, big5, ...).
  std::string encoding = "utf-8";
  // Raw (pre-conversion) bytes per field; a longer field is cut there and
  // the record gets "field N is longer than M bytes".
  size_t max_field_bytes = 1 << 20;
  // More fields than this: the rest are dropped and the record gets an error.
  size_t max_fields = 4096;
  // Raw bytes per record (e.g. an unclosed quote swallowing the file): the
  // record gets an error and reading resumes at the next line break.
  size_t max_record_bytes = 16 << 20;
  // Bytes per read from the stream. Only tests change it, to put chunk
  // boundaries everywhere.
  size_t chunk_bytes = 1 << 20;
};

// Not thread-safe; one reader per stream. Memory is bounded by the options:
// about chunk_bytes + 4 * max_record_bytes (invalid bytes
// become 3-byte U+FFFD).
class CsvReader {
 public:
  // Throws std::invalid_argument when options.encoding is unknown or cannot
  // be split on raw bytes (UTF-16, ISO-2022-JP, ...) or a limit is zero.
  explicit CsvReader(std::istream& in, CsvOptions options = {});
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Reads the next record into `record`; false at end of input. A stream
  // read error ends the input like end of file. Does not throw on bad data.
  bool next(CsvRecord& record);

  // True when the input started with a byte order mark (UTF-8 EF BB BF, or
  // GB18030 84 31 95 33 when reading gb18030), which was skipped. Known once
  // next() has been called.
  bool bom_seen() const { return bom_seen_; }

  // The encoding a byte order mark at the start names when it is not the
  // one being read ("UTF-8" when reading GB18030, "UTF-16" when reading
  // anything: Excel's "Unicode text"), or "": the caller can then say what
  // the file is instead of reporting the garbled header. Known once next()
  // has been called.
  std::string_view foreign_bom() const { return foreign_bom_; }

 private:
  // A field's bytes: in raw_ before conversion, in utf8_ after.
  struct Span {
    size_t begin = 0;
    size_t size = 0;
    bool converted = false;
  };

  void start();
  bool fill();
  void throw_if_unreadable() const;
  void skip_lf();
  bool split_simple_line(CsvRecord& record);
  void parse_record(CsvRecord& record);
  void append(const char* p, size_t n, CsvRecord& record);
  void finish_field(bool more, CsvRecord& record);
  // False when no line break came within another max_record_bytes: the
  // input is then ended.
  bool skip_to_next_line();
  bool swallows_a_record(const char* p, const char* q);
  // A stray quote (parse_record): the current field is read again from
  // after its opening quote, with the quote as text; `why` says what the
  // quote did wrong, in the record's error.
  void read_again_after_quote(CsvRecord& record, int64_t quote_line, size_t bytes_before_quote,
                              std::string_view why);
  void convert_fields(CsvRecord& record);

  std::istream& in_;
  const CsvOptions options_;
  std::string encoding_name_;  // lower case, for messages
  bool utf8_ = true;
  std::unique_ptr<Utf8Converter> converter_;

  std::unique_ptr<char[]> chunk_;
  size_t chunk_capacity_ = 0;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  bool started_ = false;
  bool bom_seen_ = false;
  std::string_view foreign_bom_;
  int64_t line_ = 1;
  int64_t index_ = 0;

  // Per-record state, reused so that a record costs no allocation once the
  // buffers have grown to the largest record seen.
  std::string raw_;
  std::string utf8_buf_;
  std::vector<Span> spans_;
  size_t field_begin_ = 0;
  size_t record_bytes_ = 0;
  bool storing_field_ = true;
  bool field_cut_ = false;
  // The input since a quote opened (from chunk_[capture_from_] in the
  // current chunk, earlier chunks in replay_), while it is open: read again
  // with the quote as text when it turns out to be a stray one.
  bool capturing_ = false;
  size_t capture_from_ = 0;
  std::string replay_;
  // The first record's (the header's) cells, and the commas so far on the
  // current line of an open quoted field after its first: a line of it
  // with a whole record's commas is a stray quote's (swallows_a_record).
  size_t header_fields_ = 0;
  size_t quoted_line_commas_ = 0;
};

}  // namespace kcbx::detail

#endif  // KCBX_IO_CSV_H_
