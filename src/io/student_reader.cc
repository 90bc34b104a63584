// CSV → Batch for a pack's fields, streaming.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "io/csv.h"
#include "kcbx/csv.h"

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

// Records split by the CSV thread, copied out of the reader's buffers: the
// bytes of every field back to back, each field's end offset, and per
// record its line, error and first field.
struct RecordBlock {
  std::string bytes;
  std::vector<uint32_t> ends;
  struct Meta {
    int64_t line;
    uint32_t first_field, fields;
    std::string error;
  };
  std::vector<Meta> records;
  bool last = false;  // the input ends after this block

  void add(const detail::CsvRecord& r) {
    records.push_back({r.line, static_cast<uint32_t>(ends.size()),
                       static_cast<uint32_t>(r.fields.size()), r.error});
    for (std::string_view f : r.fields) {
      bytes.append(f);
      ends.push_back(static_cast<uint32_t>(bytes.size()));
    }
  }
  // The fields of record k as views into `bytes`.
  void fields(size_t k, std::vector<std::string_view>& out) const {
    const Meta& m = records[k];
    out.clear();
    for (uint32_t f = m.first_field; f < m.first_field + m.fields; ++f) {
      const uint32_t begin = f == 0 ? 0 : ends[f - 1];
      out.emplace_back(bytes.data() + begin, ends[f] - begin);
    }
  }
};

// Up to this many records or bytes per block, and blocks in flight: the
// CSV thread stays a few blocks ahead, memory stays bounded (a record is at
// most 16 MiB, CsvReader's limit, so a block is too).
constexpr size_t kBlockRecords = 2048;
constexpr size_t kBlockBytes = 2u << 20;
constexpr size_t kBlocksAhead = 4;

// The second thread's side of two-thread reading. Shared with the thread,
// so that a reader destroyed while the thread waits for input from a pipe
// that stays open (stdin) can let it go instead of waiting for it.
struct Splitter {
  std::unique_ptr<detail::CsvReader> csv;
  std::istream* in = nullptr;
  detail::CsvRecord record;
  std::mutex mu;
  std::condition_variable changed;
  std::deque<RecordBlock> queue;
  std::atomic<bool> stop{false};  // the reader is going away
  std::atomic<int64_t> bytes{-1};
  std::exception_ptr failure;

  void run() {
    RecordBlock block;
    try {
      bool more = true;
      while (more) {
        while (block.records.size() < kBlockRecords && block.bytes.size() < kBlockBytes) {
          if (stop) return;
          if (!csv->next(record)) {
            more = false;
            block.last = true;
            break;
          }
          block.add(record);
        }
        bytes = stream_position(*in);
        std::unique_lock lock(mu);
        changed.wait(lock, [&] { return stop || queue.size() < kBlocksAhead; });
        if (stop) return;
        queue.push_back(std::move(block));
        block = RecordBlock();
        changed.notify_all();
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
  BatchBuilder builder;
  std::vector<Reject> rejects;
  ReadCounts counts;
  size_t width = 0;
  bool done = false;
  detail::CsvRecord record;
  int64_t bytes = -1;  // one-thread reading: the stream position

  // Two-thread reading (options.threads != 1).
  std::shared_ptr<Splitter> split;
  std::thread splitter;
  RecordBlock current;  // the block being validated
  size_t next_record = 0;
  std::vector<std::string_view> cells;

  Impl(const RulePack& rules, ReadOptions o) : options(std::move(o)), builder(rules) {}

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

  // The next record from the splitter, or false at the end of the input.
  bool take(int64_t& line, std::string& error) {
    while (next_record >= current.records.size()) {
      if (current.last) {
        if (split->failure) std::rethrow_exception(split->failure);
        return false;
      }
      std::unique_lock lock(split->mu);
      split->changed.wait(lock, [&] { return !split->queue.empty(); });
      current = std::move(split->queue.front());
      split->queue.pop_front();
      split->changed.notify_all();
      next_record = 0;
    }
    current.fields(next_record, cells);
    line = current.records[next_record].line;
    error = std::move(current.records[next_record].error);
    ++next_record;
    return true;
  }
};

StudentReader::StudentReader(const RulePack& rules, std::istream& in, ReadOptions options)
    : impl_(std::make_unique<Impl>(rules, std::move(options))) {
  Impl& m = *impl_;
  if (!detail::is_ascii_compatible_encoding(m.options.encoding))  // unknown ones are not
    throw Error({{Severity::kError, {m.options.file, 0, 0}, "unknown-encoding",
                  "unknown or unsupported encoding '" + m.options.encoding +
                      "' (use utf-8, gb18030 or gbk)"}});
  detail::CsvOptions co;
  co.encoding = m.options.encoding;
  m.csv = std::make_unique<detail::CsvReader>(in, co);
  if (!m.csv->next(m.record))
    throw Error({{Severity::kError, {m.options.file, 1, 1}, "empty-file",
                  "the file is empty: it needs a header line naming the columns"}});
  if (!m.record.error.empty()) {
    std::string message = "the header line cannot be read: " + m.record.error;
    // The usual cause: a CSV saved by Excel or WPS on Chinese Windows.
    if (m.record.error.starts_with("invalid UTF-8"))
      message += "; if the file is GB18030 or GBK (Excel on Chinese Windows), read it with --encoding gb18030";
    throw Error({{Severity::kError, {m.options.file, static_cast<int>(m.record.line), 1}, "bad-header",
                  std::move(message)}});
  }
  std::vector<std::string> header(m.record.fields.begin(), m.record.fields.end());
  m.width = header.size();
  m.builder.keep_only(m.options.keep);
  m.builder.set_unique_memory(m.options.unique_memory);
  auto diags = m.builder.set_columns(std::span<const std::string>(header), m.options.file);
  if (has_errors(diags)) throw Error(std::move(diags));
  const int threads = m.options.threads > 0 ? m.options.threads
                                            : std::thread::hardware_concurrency() >= 2 ? 2 : 1;
  m.in = &in;
  if (threads >= 2) {
    m.split = std::make_shared<Splitter>();
    m.split->csv = std::move(m.csv);
    m.split->in = &in;
    m.splitter = std::thread([split = m.split] { split->run(); });
  }
}

StudentReader::~StudentReader() = default;

bool StudentReader::next(Batch& batch) {
  Impl& m = *impl_;
  if (m.done) return false;
  const bool split = m.split != nullptr;
  int64_t line = 0;
  std::string error;
  while (m.builder.size() < m.options.batch_rows) {
    if (split) {
      if (!m.take(line, error)) {
        m.done = true;
        break;
      }
    } else {
      if (!m.csv->next(m.record)) {
        m.done = true;
        break;
      }
      line = m.record.line;
      error = m.record.error;
    }
    const std::span<const std::string_view> cells(split ? m.cells : m.record.fields);
    ++m.counts.read;
    if (!error.empty()) {
      Reject r;
      r.row = line;
      r.student_id = m.builder.record_key(cells);
      r.reason = error;
      m.rejects.push_back(std::move(r));
      ++m.counts.rejected;
      continue;
    }
    if (auto reject = m.builder.add_row(cells, line)) {
      m.rejects.push_back(std::move(*reject));
      ++m.counts.rejected;
      continue;
    }
    ++m.counts.accepted;
  }
  if (!split) m.bytes = stream_position(*m.in);
  if (m.builder.size() == 0) return false;  // only at the end of input
  batch = m.builder.finish();
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
  o.batch_rows = SIZE_MAX;
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file)
      throw Error({{Severity::kError, {path, 0, 0}, "cannot-read", "cannot open the file"}});
    in = &file;
  }
  StudentReader reader(rules, *in, o);
  StudentFile out;
  reader.next(out.batch);
  out.rejects = reader.take_rejects();
  out.counts = reader.counts();
  out.notes = reader.notes();
  return out;
}

}  // namespace kcbx
