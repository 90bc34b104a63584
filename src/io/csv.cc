#include "io/csv.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <istream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "io/encoding.h"
#include "kcbx/diagnostic.h"

namespace kcbx::detail {

namespace {

constexpr char kUtf8Bom[] = "\xEF\xBB\xBF";
constexpr char kGb18030Bom[] = "\x84\x31\x95\x33";

// First byte in [p, end) equal to a, b, c or d, or end. Fields are split on
// raw bytes (see is_ascii_compatible_encoding), so this is the whole hot
// loop; SSE2 tests 16 bytes per step, which keeps long fields cheap.
inline const char* find_any_of4(const char* p, const char* end, char a, char b,
                                char c, char d) {
#if defined(__SSE2__)
  const __m128i va = _mm_set1_epi8(a);
  const __m128i vb = _mm_set1_epi8(b);
  const __m128i vc = _mm_set1_epi8(c);
  const __m128i vd = _mm_set1_epi8(d);
  while (end - p >= 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i hit = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(x, va), _mm_cmpeq_epi8(x, vb)),
        _mm_or_si128(_mm_cmpeq_epi8(x, vc), _mm_cmpeq_epi8(x, vd)));
    const int mask = _mm_movemask_epi8(hit);
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  for (; p < end; ++p) {
    const char x = *p;
    if (x == a || x == b || x == c || x == d) return p;
  }
  return end;
}

bool is_ascii(std::string_view s) {
  const char* p = s.data();
  const char* end = p + s.size();
  for (; end - p >= 8; p += 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    if ((word & 0x8080808080808080ULL) != 0) return false;
  }
  for (; p < end; ++p) {
    if (static_cast<unsigned char>(*p) >= 0x80) return false;
  }
  return true;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

void set_error(CsvRecord& record, std::string message) {
  if (record.error.empty()) record.error = std::move(message);
}

}  // namespace

CsvReader::CsvReader(std::istream& in, CsvOptions options)
    : in_(in), options_(std::move(options)) {
  encoding_name_ = lower_ascii(options_.encoding);
  if (!is_known_encoding(options_.encoding)) {
    throw std::invalid_argument("unknown encoding '" + options_.encoding + "'");
  }
  if (!is_ascii_compatible_encoding(options_.encoding)) {
    throw std::invalid_argument("encoding '" + options_.encoding +
                                "' is not supported for CSV input (it is not "
                                "ASCII-compatible)");
  }
  if (options_.chunk_bytes == 0 || options_.max_fields == 0 ||
      options_.max_field_bytes == 0 || options_.max_record_bytes == 0) {
    throw std::invalid_argument("CSV limits and chunk size must be positive");
  }
  utf8_ = encoding_name_ == "utf-8" || encoding_name_ == "utf8";
  converter_ = std::make_unique<Utf8Converter>(options_.encoding);
  // At least 4 bytes so that start() can look for a BOM in one read.
  chunk_capacity_ = std::max<size_t>(options_.chunk_bytes, 4);
  chunk_ = std::make_unique<char[]>(chunk_capacity_);
}

CsvReader::~CsvReader() = default;

void CsvReader::start() {
  started_ = true;
  // istream::read keeps reading until it has 4 bytes or the input ends, so a
  // pipe delivering one byte at a time still shows the whole BOM.
  in_.read(chunk_.get(), 4);
  end_ = static_cast<size_t>(in_.gcount());
  throw_if_unreadable();
  pos_ = 0;
  if (end_ < 4) eof_ = true;
  const std::string_view head(chunk_.get(), end_);
  if (utf8_ && head.starts_with(kUtf8Bom)) {
    pos_ = 3;
    bom_seen_ = true;
  } else if (encoding_name_ == "gb18030" && head.starts_with(kGb18030Bom)) {
    pos_ = 4;
    bom_seen_ = true;
  } else if (head.starts_with(kUtf8Bom)) {
    foreign_bom_ = "UTF-8";
  }
  if (head.starts_with("\xFF\xFE") || head.starts_with("\xFE\xFF")) foreign_bom_ = "UTF-16";
}

// A stream that failed to read (an I/O error of a disk, a network share or
// a decompressing stream: its buffer threw, or badbit is set) is not the end
// of the input: the rows after it would be lost with read == accepted +
// rejected still holding over what was read. The caller is told instead.
void CsvReader::throw_if_unreadable() const {
  if (in_.bad())
    throw Error("read-error", "the input could not be read after line " + std::to_string(line_) +
                                  " (an input/output error): the rows after it were not read");
}

// Called only when the buffer is used up: the parser copies what it keeps
// into raw_, so a new chunk simply overwrites the old one.
bool CsvReader::fill() {
  if (capturing_) {
    replay_.append(chunk_.get() + capture_from_, end_ - capture_from_);
    capture_from_ = end_;
  }
  if (eof_) return false;
  in_.read(chunk_.get(), static_cast<std::streamsize>(options_.chunk_bytes));
  const auto n = static_cast<size_t>(in_.gcount());
  throw_if_unreadable();
  pos_ = 0;
  end_ = n;
  capture_from_ = 0;
  // read() comes back short only at end of input or on an error; either way
  // there is nothing more to wait for (and no second Ctrl-D on a terminal).
  if (n < options_.chunk_bytes) eof_ = true;
  return n > 0;
}

// After a CR: swallows the LF of a CRLF pair, even across chunks.
void CsvReader::skip_lf() {
  if (pos_ == end_ && !fill()) return;
  if (chunk_[pos_] == '\n') ++pos_;
}

bool CsvReader::next(CsvRecord& record) {
  if (!started_) start();
  // Blank lines are not records, but they count for line numbers.
  for (;;) {
    if (pos_ == end_ && !fill()) return false;
    const char c = chunk_[pos_];
    if (c != '\n' && c != '\r') break;
    ++pos_;
    ++line_;
    if (c == '\r') skip_lf();
  }
  record.line = line_;
  record.index = index_++;
  record.fields.clear();
  record.error.clear();
  if (split_simple_line(record)) {
    if (record.index == 0) header_fields_ = record.fields.size();
    return true;
  }
  raw_.clear();
  utf8_buf_.clear();
  spans_.clear();
  field_begin_ = 0;
  record_bytes_ = 0;
  storing_field_ = true;
  field_cut_ = false;
  parse_record(record);
  convert_fields(record);
  if (record.index == 0) header_fields_ = record.fields.size();
  return true;
}

// Whether the text [p, q) of a quoted field's later line brings that line's
// commas to a whole record's: as many as the header has separators. A cell
// written over lines (an address typed with Alt+Enter) has a comma or two
// on a line, a record every one; a header of fewer than three cells cannot
// tell them apart, and the rule is off.
bool CsvReader::swallows_a_record(const char* p, const char* q) {
  if (header_fields_ < 3) return false;
  for (; p < q; ++p) quoted_line_commas_ += *p == ',';
  return quoted_line_commas_ >= header_fields_ - 1;
}

// A record on one line of the chunk that leaves the parser below nothing
// to do — no quote, CR or NUL, text that needs no conversion, within every
// limit — is split where it is: its fields are views into the chunk, which
// the next fill() overwrites only in a later call. Most lines of a
// students file are such, and copying them field by field into raw_ and
// checking each field's encoding apart was a third of the reading.
bool CsvReader::split_simple_line(CsvRecord& record) {
  const char* p = chunk_.get() + pos_;
  const size_t avail = end_ - pos_;
  const size_t limit = std::min(options_.max_field_bytes, options_.max_record_bytes);
  const auto* nl = static_cast<const char*>(std::memchr(p, '\n', limit < avail ? limit + 1 : avail));
  if (!nl) return false;  // across the chunk's end, or long: the parser's
  // One pass over the line finds the commas and anything the parser must
  // see to (a quote, CR or NUL; bytes past ASCII are checked after).
  const char* field = p;
  bool high = false;
  auto give_up = [&] {  // to the parser, from the line's start
    record.fields.clear();
    return false;
  };
  auto cut = [&](const char* comma) {
    if (record.fields.size() == options_.max_fields) return false;  // the parser's error
    record.fields.emplace_back(field, static_cast<size_t>(comma - field));
    field = comma + 1;
    return true;
  };
  const char* q = p;
#if defined(__SSE2__)
  const __m128i comma = _mm_set1_epi8(','), quote = _mm_set1_epi8('"'), cr = _mm_set1_epi8('\r');
  const __m128i nul = _mm_setzero_si128();
  for (; nl - q >= 16; q += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
    const __m128i odd = _mm_or_si128(_mm_cmpeq_epi8(x, quote),
                                     _mm_or_si128(_mm_cmpeq_epi8(x, cr), _mm_cmpeq_epi8(x, nul)));
    if (_mm_movemask_epi8(odd) != 0) return give_up();
    high |= _mm_movemask_epi8(x) != 0;
    for (auto commas = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, comma))); commas != 0;
         commas &= commas - 1)
      if (!cut(q + __builtin_ctz(commas))) return give_up();
  }
#endif
  for (; q < nl; ++q) {
    const char c = *q;
    if (c == '"' || c == '\r' || c == '\0') return give_up();
    high |= static_cast<unsigned char>(c) >= 0x80;
    if (c == ',' && !cut(q)) return give_up();
  }
  if (!cut(nl)) return give_up();
  // A field's bytes are valid UTF-8 when the line's are: a comma is never
  // part of a multi-byte character. Other encodings are converted.
  const std::string_view line(p, static_cast<size_t>(nl - p));
  if (high && !(utf8_ && is_valid_utf8(line))) return give_up();
  pos_ += line.size() + 1;
  ++line_;
  return true;
}

void CsvReader::append(const char* p, size_t n, CsvRecord& record) {
  if (!storing_field_ || n == 0) return;
  const size_t have = raw_.size() - field_begin_;
  if (have + n > options_.max_field_bytes) {
    if (!field_cut_) {
      field_cut_ = true;
      set_error(record, "field " + std::to_string(spans_.size() + 1) +
                            " is longer than " +
                            std::to_string(options_.max_field_bytes) +
                            " bytes");
    }
    n = options_.max_field_bytes - std::min(have, options_.max_field_bytes);
  }
  raw_.append(p, n);
}

void CsvReader::finish_field(bool more, CsvRecord& record) {
  if (storing_field_) {
    spans_.push_back({field_begin_, raw_.size() - field_begin_, false});
  }
  field_begin_ = raw_.size();
  field_cut_ = false;
  if (more && storing_field_ && spans_.size() >= options_.max_fields) {
    storing_field_ = false;
    set_error(record, "record has more than " +
                          std::to_string(options_.max_fields) + " fields");
  }
}

void CsvReader::parse_record(CsvRecord& record) {
  enum class State { kFieldStart, kUnquoted, kQuoted, kAfterQuote };
  State state = State::kFieldStart;
  int64_t quote_line = 0;
  size_t bytes_before_quote = 0;
  const size_t max_bytes = options_.max_record_bytes;
  capturing_ = false;
  replay_.clear();
  for (;;) {
    if (record_bytes_ > max_bytes) {
      capturing_ = false;
      replay_.clear();
      if (state == State::kQuoted) {
        // An open quote explains whatever else went wrong after it (a
        // field too long, too many fields), so it replaces those errors.
        record.error = "quoted field opened on line " +
                       std::to_string(quote_line) + " is not closed within " +
                       std::to_string(max_bytes) + " bytes";
      } else {
        set_error(record, "record is longer than " + std::to_string(max_bytes) +
                              " bytes");
      }
      finish_field(false, record);
      if (!skip_to_next_line())
        record.error += "; no line break follows in another " + std::to_string(max_bytes) +
                        " bytes either: the rest of the input is not read (is it a CSV file?)";
      return;
    }
    if (pos_ == end_ && !fill()) {
      if (state == State::kAfterQuote) {  // a quote closed at the end of the input: a cell's
        capturing_ = false;
        replay_.clear();
      }
      if (state == State::kQuoted && capturing_) {
        // A quote opened and never closed (a stray '"' typed before a
        // name) would make every line after it this one field.
        read_again_after_quote(record, quote_line, bytes_before_quote, "is never closed");
        state = State::kUnquoted;
        continue;
      }
      finish_field(false, record);
      return;
    }
    const char* p = chunk_.get() + pos_;
    // Scan no further than one byte past the record budget, so that an
    // unclosed quote costs at most max_record_bytes of memory.
    // (Written without pos_ + remaining, which wraps for SIZE_MAX limits.)
    const size_t remaining = max_bytes - record_bytes_;
    const size_t avail = end_ - pos_;
    const char* lim = p + (remaining < avail ? remaining + 1 : avail);
    switch (state) {
      case State::kFieldStart:
        if (*p == '"') {
          state = State::kQuoted;
          quote_line = line_;
          quoted_line_commas_ = 0;
          bytes_before_quote = record_bytes_;
          // The input from here is kept until the quote closes, to be read
          // again should it never close (see the end of input above).
          capturing_ = true;
          capture_from_ = pos_;
          replay_.clear();
          ++pos_;
          ++record_bytes_;
          break;
        }
        state = State::kUnquoted;
        [[fallthrough]];
      case State::kUnquoted: {
        // A '"' here is data: lenient, as Excel reads a"b.
        const char* q = find_any_of4(p, lim, ',', '\n', '\r', '\0');
        const auto n = static_cast<size_t>(q - p);
        append(p, n, record);
        pos_ += n;
        record_bytes_ += n;
        if (q == lim) break;
        const char c = *q;
        ++pos_;
        if (c == ',') {
          ++record_bytes_;
          finish_field(true, record);
          state = State::kFieldStart;
          break;
        }
        if (c == '\0') {
          ++record_bytes_;
          set_error(record, "NUL byte in record");
          break;
        }
        ++line_;
        if (c == '\r') skip_lf();
        finish_field(false, record);
        return;
      }
      case State::kQuoted: {
        const char* q = find_any_of4(p, lim, '"', '\n', '\r', '\0');
        const auto n = static_cast<size_t>(q - p);
        append(p, n, record);
        pos_ += n;
        record_bytes_ += n;
        if (line_ > quote_line && swallows_a_record(p, q) && capturing_) {
          // A stray '"' typed before a name, closed (if ever) by the next
          // quote however far on: the lines it took in are records, with
          // a whole record's commas, not a cell's text. Its line is read
          // again with the quote as text and the records after it are
          // read as records; closed where it closes, every record between
          // would be lost in one name.
          read_again_after_quote(record, quote_line, bytes_before_quote,
                                 "runs on into a line that holds a whole record");
          state = State::kUnquoted;
          break;
        }
        if (q == lim) break;
        const char c = *q;
        ++pos_;
        ++record_bytes_;
        if (c == '"') {
          if (pos_ == end_ && !fill()) {
            state = State::kAfterQuote;
          } else if (chunk_[pos_] == '"') {
            append("\"", 1, record);
            ++pos_;
            ++record_bytes_;
          } else {
            state = State::kAfterQuote;
          }
          // A quote that closes on its own line is a cell's. One that
          // closes lines later is kept read until what follows shows
          // whether it closed a cell written over lines (a comma or the
          // line's end) or a stray quote (kAfterQuote below).
          if (state == State::kAfterQuote && line_ == quote_line) {
            capturing_ = false;
            replay_.clear();
          }
          break;
        }
        if (c == '\0') {
          set_error(record, "NUL byte in record");
          break;
        }
        // A line break inside quotes is data, and still a physical line.
        append(q, 1, record);
        ++line_;
        quoted_line_commas_ = 0;
        if (c == '\r') {
          if (pos_ < end_ || fill()) {
            if (chunk_[pos_] == '\n') {
              append("\n", 1, record);
              ++pos_;
              ++record_bytes_;
            }
          }
        }
        break;
      }
      case State::kAfterQuote: {
        const char c = *p;
        const bool cell_ends = c == ',' || c == '\n' || c == '\r';
        if (capturing_ && (c == ' ' || c == '\t')) {
          // Spaces after the quote ("…12组" ,): the cell's own (trimmed
          // later), and not yet text that tells a stray quote.
          append(p, 1, record);
          ++pos_;
          ++record_bytes_;
          break;
        }
        if (capturing_ && !cell_ends) {
          // Text right after a quote that closed lines after it opened
          // (`G1,"Zhang,…⏎G2,"Li,…`): two stray quotes typed before names,
          // not a cell. Read as a cell, the second line's record would be
          // lost inside the first's, whose other cells it would then give.
          read_again_after_quote(record, quote_line, bytes_before_quote,
                                 "closes on a later line with text after it");
          state = State::kUnquoted;
          break;
        }
        capturing_ = false;
        replay_.clear();
        if (c == ',') {
          ++pos_;
          ++record_bytes_;
          finish_field(true, record);
          state = State::kFieldStart;
        } else if (c == '\n' || c == '\r') {
          ++pos_;
          ++line_;
          if (c == '\r') skip_lf();
          finish_field(false, record);
          return;
        } else {
          // Text after the closing quote ("ab"c) joins the field, as in Excel.
          state = State::kUnquoted;
        }
        break;
      }
    }
  }
}

// The input from the opening quote of the current field on was kept (within
// max_record_bytes: the record limit ends longer ones); it is read again
// from just after that quote, with the quote as text: this record is
// rejected, and the lines after it are records again. Each replay starts
// at least a line later, so another stray quote further on ends too.
void CsvReader::read_again_after_quote(CsvRecord& record, int64_t quote_line, size_t bytes_before_quote,
                                       std::string_view why) {
  capturing_ = false;
  // Kept: the earlier chunks' part in replay_, then this chunk's from
  // capture_from_ to its end. The new buffer also takes the chunks read
  // after it (fill), so it is at least a chunk long.
  replay_.append(chunk_.get() + capture_from_, end_ - capture_from_);
  const size_t n = replay_.size() - 1;  // without the quote
  const size_t capacity = std::max(n, chunk_capacity_);
  auto buffer = std::make_unique<char[]>(capacity);
  std::memcpy(buffer.get(), replay_.data() + 1, n);
  chunk_ = std::move(buffer);
  chunk_capacity_ = capacity;
  pos_ = 0;
  end_ = n;
  replay_.clear();
  raw_.resize(field_begin_);
  field_cut_ = false;
  line_ = quote_line;
  record_bytes_ = bytes_before_quote;
  // It explains whatever went wrong inside the quote (a field too long),
  // which is read again anyway.
  record.error = "a quote opened in field " + std::to_string(spans_.size() + 1) + " " + std::string(why) +
                 "; the line is read with the quote as text";
  append("\"", 1, record);
  ++record_bytes_;
}

// After an over-long record: discards input up to and including the next
// line break, ignoring quotes, and counts that line.
bool CsvReader::skip_to_next_line() {
  // An input without line breaks (/dev/zero, a binary file, one endless
  // line on a pipe) would be skipped for ever: after another
  // max_record_bytes without one the reader stops, and says so.
  // (The bound is on bytes, not on chunks, so that where reads end
  // changes nothing.)
  size_t skipped = 0;
  for (;;) {
    if (pos_ == end_ && !fill()) return true;
    const char* p = chunk_.get() + pos_;
    const size_t left = options_.max_record_bytes - skipped, avail = end_ - pos_;
    const char* e = p + (left < avail ? left + 1 : avail);  // (no + 1 that wraps for SIZE_MAX limits)
    const char* q = find_any_of4(p, e, '\n', '\r', '\n', '\r');
    pos_ += static_cast<size_t>(q - p);
    skipped += static_cast<size_t>(q - p);
    if (q == e) {
      if (skipped > options_.max_record_bytes) {
        pos_ = end_;
        eof_ = true;
        return false;
      }
      continue;
    }
    ++pos_;
    ++line_;
    if (*q == '\r') skip_lf();
    return true;
  }
}

void CsvReader::convert_fields(CsvRecord& record) {
  for (size_t i = 0; i < spans_.size(); ++i) {
    Span& span = spans_[i];
    const std::string_view bytes(raw_.data() + span.begin, span.size);
    if (is_ascii(bytes) || (utf8_ && is_valid_utf8(bytes))) continue;
    const size_t begin = utf8_buf_.size();
    if (!converter_->append(bytes, utf8_buf_)) {
      // Text that fails another encoding but is UTF-8: a UTF-8 file read
      // with --encoding gb18030, said so on the row.
      set_error(record,
                utf8_ ? "invalid UTF-8 in field " + std::to_string(i + 1)
                      : "invalid " + encoding_name_ + " byte sequence in field " + std::to_string(i + 1) +
                            (is_valid_utf8(bytes) ? " (the text is UTF-8: read the file without --encoding)" : ""));
    }
    span = {begin, utf8_buf_.size() - begin, true};
  }
  // Views are made last: utf8_buf_ may move while it grows.
  record.fields.reserve(spans_.size());
  for (const Span& span : spans_) {
    const std::string& base = span.converted ? utf8_buf_ : raw_;
    record.fields.emplace_back(base.data() + span.begin, span.size);
  }
}

}  // namespace kcbx::detail
