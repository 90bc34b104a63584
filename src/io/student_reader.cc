// CSV → Batch for a pack's fields, streaming.
#include <fstream>
#include <iostream>

#include "io/csv.h"
#include "kcbx/csv.h"

namespace kcbx {

struct StudentReader::Impl {
  ReadOptions options;
  std::unique_ptr<detail::CsvReader> csv;
  BatchBuilder builder;
  std::vector<Reject> rejects;
  ReadCounts counts;
  size_t width = 0;
  bool done = false;
  detail::CsvRecord record;

  Impl(const RulePack& rules, ReadOptions o) : options(std::move(o)), builder(rules) {}
};

StudentReader::StudentReader(const RulePack& rules, std::istream& in, ReadOptions options)
    : impl_(std::make_unique<Impl>(rules, std::move(options))) {
  Impl& m = *impl_;
  if (!detail::is_known_encoding(m.options.encoding) ||
      !detail::is_ascii_compatible_encoding(m.options.encoding))
    throw Error({{Severity::kError, {m.options.file, 0, 0}, "unknown-encoding",
                  "unknown or unsupported encoding '" + m.options.encoding +
                      "' (use utf-8, gb18030 or gbk)"}});
  detail::CsvOptions co;
  co.encoding = m.options.encoding;
  m.csv = std::make_unique<detail::CsvReader>(in, co);
  if (!m.csv->next(m.record))
    throw Error({{Severity::kError, {m.options.file, 1, 1}, "empty-file",
                  "the file is empty: it needs a header line naming the columns"}});
  if (!m.record.error.empty())
    throw Error({{Severity::kError, {m.options.file, static_cast<int>(m.record.line), 1}, "bad-header",
                  "the header line cannot be read: " + m.record.error}});
  std::vector<std::string> header(m.record.fields.begin(), m.record.fields.end());
  m.width = header.size();
  auto diags = m.builder.set_columns(std::span<const std::string>(header), m.options.file);
  if (has_errors(diags)) throw Error(std::move(diags));
}

StudentReader::~StudentReader() = default;

bool StudentReader::next(Batch& batch) {
  Impl& m = *impl_;
  if (m.done) return false;
  while (m.builder.size() < m.options.batch_rows) {
    if (!m.csv->next(m.record)) {
      m.done = true;
      break;
    }
    ++m.counts.read;
    if (!m.record.error.empty()) {
      Reject r;
      r.row = m.record.line;
      r.reason = m.record.error;
      m.rejects.push_back(std::move(r));
      ++m.counts.rejected;
      continue;
    }
    if (auto reject = m.builder.add_row(
            std::span<const std::string_view>(m.record.fields), m.record.line)) {
      m.rejects.push_back(std::move(*reject));
      ++m.counts.rejected;
      continue;
    }
    ++m.counts.accepted;
  }
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
