// CSV → Batch for a pack's fields, streaming.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "engine/columns_stream.h"
#include "engine/plan.h"
#include "io/csv.h"
#include "io/input_file.h"
#include "kcbx/columns.h"
#include "kcbx/csv.h"
#include "util/huge_pages.h"

namespace kcbx {

namespace {

// The stream's position, -1 when it cannot tell (a pipe). tellg() fails
// once end of file is reached, so there the flag is lifted for the query
// and set again: the whole file's size, not -1, after the last record.
int64_t stream_position(std::istream& in) {
  if (!in.eof()) return static_cast<int64_t>(in.tellg());
  const std::ios::iostate state = in.rdstate();
  in.clear();
  const auto at = static_cast<int64_t>(in.tellg());
  in.setstate(state);
  return at;
}

// One column of text cells back to back, as an Arrow utf8 array. Cells
// are short (a date, a code, a name), and a memcpy call for each was most
// of the cost of filling the columns: one of up to 16 bytes is copied as
// two overlapping words, inline, reading nothing past it.
struct TextColumn {
  detail::RawVector<char> bytes;  // [0, size) used; the rest is room
  size_t size = 0;
  std::vector<int32_t> offsets{0};

  void put(std::string_view s) {
    const size_t n = s.size();
    if (bytes.size() - size < n) detail::resize_uninitialized(bytes, std::max(2 * bytes.size(), size + n + 4096));
    char* dst = bytes.data() + size;
    const char* src = s.data();
    if (n >= 8 && n <= 16) {
      uint64_t a, b;
      std::memcpy(&a, src, 8);
      std::memcpy(&b, src + n - 8, 8);
      std::memcpy(dst, &a, 8);
      std::memcpy(dst + n - 8, &b, 8);
    } else if (n >= 4 && n < 8) {
      uint32_t a, b;
      std::memcpy(&a, src, 4);
      std::memcpy(&b, src + n - 4, 4);
      std::memcpy(dst, &a, 4);
      std::memcpy(dst + n - 4, &b, 4);
    } else if (n < 4) {
      for (size_t i = 0; i < n; ++i) dst[i] = src[i];
    } else {
      std::memcpy(dst, src, n);
    }
    size += n;
    offsets.push_back(static_cast<int32_t>(size));
  }
};

// Records split from the CSV, column by column, for batch_from_columns:
// the regular records (a cell for every header column, no CSV error) as
// text columns, and the others apart, with how many regular records came
// before each. Validating whole columns is several times faster than
// record by record through BatchBuilder::add_row (each field one tight
// loop), and the rejects are the same: batch_from_columns validates a
// text cell with add_row's own code.
struct ColumnBlock {
  std::vector<TextColumn> columns;
  std::vector<int64_t> lines;  // per regular record: its line
  struct Odd {
    int64_t line;
    size_t before;  // regular records of the block before it
    std::string error;
    std::vector<std::string> cells;
  };
  std::vector<Odd> odd;
  size_t bytes = 0;
  bool last = false;  // the input ends after this block

  explicit ColumnBlock(size_t width = 0) : columns(width) {}
  size_t rows() const { return lines.size(); }

  void add(const detail::CsvRecord& r) {
    if (r.error.empty() && r.fields.size() == columns.size()) {
      for (size_t c = 0; c < columns.size(); ++c) {
        columns[c].put(r.fields[c]);
        bytes += r.fields[c].size();
      }
      lines.push_back(r.line);
      return;
    }
    Odd o{r.line, rows(), r.error, {}};
    for (std::string_view f : r.fields) {
      o.cells.emplace_back(f);
      bytes += f.size();
    }
    odd.push_back(std::move(o));
  }
};

// Records validated in one call of batch_from_columns: few enough that
// the text of a call stays a few megabytes, and that the second thread's
// first call starts soon (it waits for a call's records: with 65,536, for
// a third of a 200,000-record file). A batch larger than this joins the
// calls' results.
constexpr size_t kCallRecords = 16384;
// A batch of more records than this is a file loaded whole (read_students
// asks for every record in one), kept compact (ColumnsStream::compact); a
// stream's batches (65,536 records by default) are not.
constexpr size_t kLoadedWhole = size_t{1} << 20;
// Up to this many records or bytes per block (a record is at most 16 MiB
// raw, CsvReader's limit, 64 MiB as UTF-8: a column's offsets fit in 32
// bits), and blocks in flight: the CSV thread splits the next call's
// records while this one's are validated (with fewer blocks ahead than a
// call takes, it waited for the validation, and two threads read no
// faster than one), and memory stays bounded.
constexpr size_t kBlockRecords = 8192;
constexpr size_t kBlockBytes = 2u << 20;
constexpr size_t kBlocksAhead = 2 * kCallRecords / kBlockRecords;

// Fills `block` from `csv` until it is full or the input ends.
void fill(detail::CsvReader& csv, detail::CsvRecord& record, ColumnBlock& block) {
  while (block.rows() + block.odd.size() < kBlockRecords && block.bytes < kBlockBytes) {
    if (!csv.next(record)) {
      block.last = true;
      return;
    }
    block.add(record);
  }
}

// The second thread's side of two-thread reading. Shared with the thread,
// so that a reader destroyed while the thread waits for input from a pipe
// that stays open (stdin) can let it go instead of waiting for it.
struct Splitter {
  std::unique_ptr<detail::CsvReader> csv;
  std::istream* in = nullptr;
  size_t width = 0;
  detail::CsvRecord record;
  std::mutex mu;
  std::condition_variable changed;
  std::deque<ColumnBlock> queue;
  std::atomic<bool> stop{false};  // the reader is going away
  std::atomic<int64_t> bytes{-1};
  std::exception_ptr failure;

  void run() {
    ColumnBlock block(width);
    try {
      while (!block.last) {
        if (stop) return;
        fill(*csv, record, block);
        bytes = stream_position(*in);
        std::unique_lock lock(mu);
        changed.wait(lock, [&] { return stop || queue.size() < kBlocksAhead; });
        if (stop) return;
        const bool last = block.last;
        queue.push_back(std::move(block));
        changed.notify_all();
        if (last) return;
        block = ColumnBlock(width);
      }
    } catch (...) {
      // The records split before the failure are handed over first, as one
      // thread would have; the failure surfaces after them.
      std::lock_guard lock(mu);
      failure = std::current_exception();
      block.last = true;
      queue.push_back(std::move(block));
      changed.notify_all();
    }
  }
};

}  // namespace

struct StudentReader::Impl {
  ReadOptions options;
  std::unique_ptr<detail::CsvReader> csv;  // one-thread reading
  std::istream* in = nullptr;
  RulePack rules;  // a copy: callers pass temporaries (default_rules())
  // The header's checks and notes, and the rejects of odd records: the
  // same words as a record-by-record reader's.
  BatchBuilder builder;
  std::vector<std::string> header;
  detail::ColumnsStream stream;  // unique values across calls
  std::vector<Reject> rejects;
  ReadCounts counts;
  bool done = false;
  detail::CsvRecord record;
  int64_t bytes = -1;  // one-thread reading: the stream position

  // The block being taken, and how much of it was.
  ColumnBlock block;
  size_t taken = 0, odd_taken = 0;
  bool have_block = false;

  // Two-thread reading (options.threads != 1).
  std::shared_ptr<Splitter> split;
  std::thread splitter;

  Impl(const RulePack& r, ReadOptions o) : options(std::move(o)), rules(r), builder(r) {}

  ~Impl() {
    if (!splitter.joinable()) return;
    {
      std::lock_guard lock(split->mu);
      split->stop = true;
    }
    split->changed.notify_all();
    // The thread may be blocked reading a pipe that is still open: for
    // stdin, which outlives everything, it is let go (it holds its own
    // state) so that an error is reported now, not when the pipe closes.
    if (in == &std::cin) splitter.detach();
    else splitter.join();
  }

  // The next block into `block`; false at the end of the input.
  bool next_block() {
    if (have_block && block.last) {
      if (split && split->failure) std::rethrow_exception(split->failure);
      return false;
    }
    taken = odd_taken = 0;
    have_block = true;
    if (!split) {
      block = ColumnBlock(header.size());
      fill(*csv, record, block);
      bytes = stream_position(*in);
      return true;
    }
    std::unique_lock lock(split->mu);
    split->changed.wait(lock, [&] { return !split->queue.empty(); });
    block = std::move(split->queue.front());
    split->queue.pop_front();
    split->changed.notify_all();
    return true;
  }

  // Reads up to `limit` regular records, and the odd ones among them, and
  // validates them in one call. Sets `done` at the end of the input.
  Batch validate(size_t limit) {
    // Pieces of blocks: the blocks are moved here as they are taken.
    std::vector<ColumnBlock> blocks;
    struct Piece {
      size_t block, begin, length;
    };
    std::vector<Piece> pieces;
    std::vector<int64_t> lines;
    std::vector<Reject> odd;
    size_t rows = 0;
    while (rows < limit) {
      if (!have_block || (taken == block.rows() && odd_taken == block.odd.size())) {
        if (!next_block()) {
          done = true;
          break;
        }
      }
      const size_t n = std::min(block.rows() - taken, limit - rows);
      // The odd records before the last regular one taken, or all that are
      // left when the block is taken to its end.
      const size_t end = taken + n;
      while (odd_taken < block.odd.size() &&
             (block.odd[odd_taken].before < end || end == block.rows())) {
        odd.push_back(odd_reject(block.odd[odd_taken]));
        ++odd_taken;
      }
      if (n > 0) {
        lines.insert(lines.end(), block.lines.begin() + static_cast<ptrdiff_t>(taken),
                     block.lines.begin() + static_cast<ptrdiff_t>(end));
        pieces.push_back({blocks.size(), taken, n});
        rows += n;
        taken = end;
      }
      // A block taken to its end is moved, with its text, to the call
      // (or dropped when the call takes none of its records: a file of odd
      // records only must not pile up in one call); else it stays for the
      // next call.
      if (taken == block.rows() && odd_taken == block.odd.size()) {
        const bool last = block.last;
        if (n > 0) blocks.push_back(std::move(block));
        block = ColumnBlock();
        block.last = last;
        taken = odd_taken = 0;
      } else if (n > 0) {
        pieces.back().block = SIZE_MAX;  // in `block`, not in `blocks`
      }
    }
    std::vector<ColumnView> columns(header.size());
    for (size_t c = 0; c < header.size(); ++c) {
      columns[c].name = header[c];
      for (const Piece& p : pieces) {
        const ColumnBlock& b = p.block == SIZE_MAX ? block : blocks[p.block];
        ColumnChunk& chunk = columns[c].chunks.emplace_back();
        chunk.type = ArrayType::kString;
        chunk.length = static_cast<int64_t>(p.length);
        chunk.offset = static_cast<int64_t>(p.begin);
        chunk.values = b.columns[c].bytes.data();
        chunk.offsets = b.columns[c].offsets.data();
      }
    }
    ColumnOptions co;
    co.source = options.file;
    co.threads = 1;
    co.keep = options.keep;
    stream.row_numbers = lines;
    ColumnsBatch out = detail::batch_from_columns(rules, columns, co, stream);
    stream.row_numbers = {};
    counts.read += out.read + static_cast<int64_t>(odd.size());
    counts.accepted += static_cast<int64_t>(out.batch.size());
    counts.rejected += static_cast<int64_t>(out.rejects.size() + odd.size());
    // Both are in line order: merged, they are in the order of the input.
    const size_t before = rejects.size();
    std::move(out.rejects.begin(), out.rejects.end(), std::back_inserter(rejects));
    std::move(odd.begin(), odd.end(), std::back_inserter(rejects));
    std::inplace_merge(rejects.begin() + static_cast<ptrdiff_t>(before),
                       rejects.end() - static_cast<ptrdiff_t>(odd.size()), rejects.end(),
                       [](const Reject& a, const Reject& b) { return a.row < b.row; });
    return std::move(out.batch);
  }

  // The reject of a record with a CSV error or another number of cells
  // than the header, as BatchBuilder::add_row words it.
  Reject odd_reject(const ColumnBlock::Odd& o) {
    std::vector<std::string_view> cells(o.cells.begin(), o.cells.end());
    if (o.error.empty())
      if (auto r = builder.add_row(cells, o.line)) return std::move(*r);
    Reject r;
    r.row = o.line;
    r.student_id = builder.record_key(cells);
    r.reason = o.error;
    return r;
  }
};

StudentReader::StudentReader(const RulePack& rules, std::istream& in, ReadOptions options)
    : impl_(std::make_unique<Impl>(rules, std::move(options))) {
  Impl& m = *impl_;
  // 0 records a batch would be a reader that reads nothing: the default, as
  // EngineOptions reads its 0.
  if (m.options.batch_rows == 0) m.options.batch_rows = ReadOptions{}.batch_rows;
  if (!detail::is_ascii_compatible_encoding(m.options.encoding))  // unknown ones are not
    throw Error({{Severity::kError, {m.options.file, 0, 0}, "unknown-encoding",
                  "unknown or unsupported encoding '" + m.options.encoding +
                      "' (use utf-8, gb18030 or gbk)"}});
  detail::CsvOptions co;
  co.encoding = m.options.encoding;
  m.csv = std::make_unique<detail::CsvReader>(in, co);
  const bool any = m.csv->next(m.record);
  auto bad_header = [&](std::string message) {
    throw Error({{Severity::kError, {m.options.file, static_cast<int>(m.record.line), 1}, "bad-header",
                  std::move(message)}});
  };
  // What the file is, where the header would only come out garbled: the
  // spreadsheet's other "save as" choices.
  if (m.csv->foreign_bom() == "UTF-16")
    bad_header("the file is UTF-16 (Excel's \"Unicode text\"); save it as \"CSV UTF-8 (comma delimited)\" and read that");
  if (m.csv->foreign_bom() == "UTF-8")
    bad_header("the file starts with a UTF-8 byte order mark, so it is UTF-8, not " + m.options.encoding +
               ": read it without --encoding " + m.options.encoding);
  if (!any)
    throw Error({{Severity::kError, {m.options.file, 1, 1}, "empty-file",
                  "the file is empty: it needs a header line naming the columns"}});
  if (!m.record.error.empty()) {
    std::string message = "the header line cannot be read: " + m.record.error;
    // The usual cause: a CSV saved by Excel or WPS on Chinese Windows.
    if (m.record.error.starts_with("invalid UTF-8"))
      message += "; if the file is GB18030 or GBK (Excel on Chinese Windows), read it with --encoding gb18030";
    else if (m.record.error.starts_with("NUL byte"))
      message += "; a UTF-16 file (Excel's \"Unicode text\") has one in every other byte: save it as \"CSV UTF-8\"";
    bad_header(std::move(message));
  }
  // One heading holding tabs or semicolons and no comma: text separated
  // by those ("Text (Tab delimited)", a CSV of a European Excel).
  if (m.record.fields.size() == 1)
    for (const auto& [c, what] : {std::pair{'\t', "tab"}, std::pair{';', "semicolon"}})
      if (m.record.fields[0].find(c) != std::string_view::npos)
        bad_header(std::string("the header line has no comma but ") + what +
                   "s: the file is " + what + "-separated text; save it as \"CSV (comma delimited)\"");
  m.header.assign(m.record.fields.begin(), m.record.fields.end());
  auto diags = m.builder.set_columns(std::span<const std::string>(m.header), m.options.file);
  if (has_errors(diags)) throw Error(std::move(diags));
  m.stream.unique_memory = m.options.unique_memory;
  // A file loaded whole is held at 64 bytes a student or less (issue 7);
  // a stream's batches are gone after they are classified.
  m.stream.compact = m.options.batch_rows > kLoadedWhole;
  const int threads = m.options.threads > 0 ? m.options.threads
                                            : std::thread::hardware_concurrency() >= 2 ? 2 : 1;
  m.in = &in;
  if (threads >= 2) {
    m.split = std::make_shared<Splitter>();
    m.split->csv = std::move(m.csv);
    m.split->in = &in;
    m.split->width = m.header.size();
    m.splitter = std::thread([split = m.split] { split->run(); });
  }
}

StudentReader::~StudentReader() = default;

bool StudentReader::next(Batch& batch) {
  Impl& m = *impl_;
  // Calls of kCallRecords records at most, until batch_rows records are
  // accepted (or the input ends); more than one call's are joined.
  std::shared_ptr<detail::BatchData> joined;
  size_t accepted = 0;
  while (!m.done && accepted < m.options.batch_rows) {
    Batch part = m.validate(std::min(kCallRecords, m.options.batch_rows - accepted));
    if (part.size() == 0) continue;
    accepted += part.size();
    if (!joined && (m.done || accepted >= m.options.batch_rows)) {
      batch = std::move(part);  // one call's: as it is
      return true;
    }
    if (!joined) joined = std::make_shared<detail::BatchData>();
    // A stream's batch has room for batch_rows records from the start; a
    // file loaded whole grows, and is cut to its size at the end.
    detail::append_rows(*joined, std::move(part), m.stream.compact ? 0 : m.options.batch_rows);
  }
  if (!joined) return false;  // only at the end of input
  if (m.stream.compact) detail::shrink_to_fit(*joined);
  batch = Batch(std::move(joined));
  return true;
}

std::vector<Reject> StudentReader::take_rejects() {
  std::vector<Reject> out;
  out.swap(impl_->rejects);
  return out;
}
const ReadCounts& StudentReader::counts() const { return impl_->counts; }
int64_t StudentReader::bytes_read() const {
  return impl_->split ? impl_->split->bytes.load() : impl_->bytes;
}
const std::vector<std::string>& StudentReader::notes() const { return impl_->builder.notes(); }

StudentFile read_students(const RulePack& rules, const std::string& path,
                          const ReadOptions& options) {
  ReadOptions o = options;
  if (o.file == "<input>") o.file = path;
  if (path == "-") return read_students(rules, std::cin, o);
  std::ifstream file;
  detail::open_input(file, path, "file");
  return read_students(rules, file, o);
}

StudentFile read_students(const RulePack& rules, std::istream& in, const ReadOptions& options) {
  ReadOptions o = options;
  o.batch_rows = SIZE_MAX;
  StudentReader reader(rules, in, o);
  StudentFile out;
  reader.next(out.batch);
  out.rejects = reader.take_rejects();
  out.counts = reader.counts();
  out.notes = reader.notes();
  return out;
}

}  // namespace kcbx
