// ReportWriter: the run's tables as CSV (UTF-8 with BOM, English headers),
// one xlsx workbook (libxlsxwriter, a sheet per table, Chinese headers) and
// JSON (nlohmann::json, one array of objects per table, plus summary.json).
//
// Every file goes through OutputFile (a temporary beside the target, renamed
// on commit). libxlsxwriter writes to a file name of its own, so the
// workbook is written to a partial file and copied into its OutputFile.
// Rows are streamed: the workbook is in constant_memory mode (one row per
// sheet in memory) and JSON rows are serialised one by one. The workbook is
// built on a thread of its own (rows handed over in blocks), so that its XML
// and the deflate at the end overlap with the CSV and JSON the caller's
// thread writes.
#include <unistd.h>

#include <xlsxwriter.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <exception>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <unordered_map>

#include "io/output_file.h"
#include "kcbx/date.h"
#include "kcbx/report.h"
#include "util/decimals.h"

namespace kcbx {

namespace {

using Json = nlohmann::ordered_json;

constexpr lxw_row_t kSheetRows = 1048576;  // Excel's limit, header included
constexpr size_t kCellChars = 32767;       // Excel's limit per cell

// U+FFFE and U+FFFF are valid UTF-8 but no XML character, and
// libxlsxwriter writes them as they are (it escapes the C0 controls only):
// one such cell made a worksheet no XML reader opens, and Excel offered to
// "repair" the workbook. Each becomes U+FFFD, the replacement character.
void replace_non_xml_characters(std::string& s) {
  for (size_t at = s.find("\xEF\xBF"); at != std::string::npos; at = s.find("\xEF\xBF", at + 1))
    if (at + 2 < s.size() && (s[at + 2] == '\xBE' || s[at + 2] == '\xBF')) s[at + 2] = '\xBD';
}

Error write_error(const std::string& path, const std::string& why) {
  Diagnostic d;
  d.where.file = path;
  d.code = "cannot-write";
  d.message = why;
  return Error({d});
}

// A sheet name Excel accepts: no []:*?/\, at most 31 characters (code
// points), unique ignoring ASCII case.
std::string sheet_name(const std::string& title, std::set<std::string>& used) {
  std::string base;
  for (char c : title) base += std::string_view("[]:*?/\\").find(c) == std::string_view::npos ? c : '_';
  if (base.empty()) base = "Sheet";
  auto cut = [](const std::string& s, size_t chars) {
    size_t n = 0, i = 0;
    for (; i < s.size(); ++i) {
      if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
        if (n == chars) break;
        ++n;
      }
    }
    return s.substr(0, i);
  };
  auto lower = [](std::string s) {
    for (char& c : s)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
  };
  std::string name = cut(base, 31);
  for (int k = 2; used.count(lower(name)); ++k) {
    const std::string suffix = "(" + std::to_string(k) + ")";
    name = cut(base, 31 - suffix.size()) + suffix;
  }
  used.insert(lower(name));
  return name;
}

// The workbook text of a cell: labels applied value by value.
std::string labelled(const std::string& v, const std::unordered_map<std::string, std::string>& labels) {
  if (labels.empty() || v.empty()) return v;
  auto it = labels.find(v);
  if (it != labels.end()) return it->second;
  if (v.find(';') == std::string::npos) return v;
  std::string out;
  size_t start = 0;
  while (start <= v.size()) {
    size_t end = v.find(';', start);
    if (end == std::string::npos) end = v.size();
    const std::string part = v.substr(start, end - start);
    auto p = labels.find(part);
    if (!out.empty()) out += "、";
    out += p == labels.end() ? part : p->second;
    start = end + 1;
  }
  return out;
}

bool parse_number(const std::string& s, double& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end && *end == '\0';
}

// True when `v` is a JSON number as RFC 8259 writes it (strtod accepts
// more: "inf", "0x1A", " 5").
bool json_number(const std::string& v) {
  size_t i = 0;
  const size_t n = v.size();
  if (i < n && v[i] == '-') ++i;
  if (i >= n) return false;
  if (v[i] == '0') ++i;
  else if (v[i] >= '1' && v[i] <= '9') while (i < n && v[i] >= '0' && v[i] <= '9') ++i;
  else return false;
  if (i < n && v[i] == '.') {
    const size_t start = ++i;
    while (i < n && v[i] >= '0' && v[i] <= '9') ++i;
    if (i == start) return false;
  }
  if (i < n && (v[i] == 'e' || v[i] == 'E')) {
    ++i;
    if (i < n && (v[i] == '+' || v[i] == '-')) ++i;
    const size_t start = i;
    while (i < n && v[i] >= '0' && v[i] <= '9') ++i;
    if (i == start) return false;
  }
  return i == n;
}

// Serialises one row as a JSON object into `line`. Keys were escaped once
// by nlohmann::json when the table was opened; string values are escaped by
// nlohmann's serializer through one reused string value, so a row costs no
// JSON tree.
class JsonRows {
 public:
  explicit JsonRows(const std::vector<Column>& columns) {
    for (const auto& c : columns) keys_.push_back(Json(c.name).dump() + ":");
  }
  void row(const std::vector<Column>& columns, std::span<const std::string> cells, std::string& line) {
    line += '{';
    for (size_t c = 0; c < cells.size() && c < columns.size(); ++c) {
      if (c) line += ',';
      line += keys_[c];
      const std::string& v = cells[c];
      const ColumnType t = columns[c].type;
      if (v.empty()) {
        line += "null";
      } else if ((t == ColumnType::kInteger || t == ColumnType::kNumber) && json_number(v)) {
        line += v;
      } else if (t == ColumnType::kBool && (v == "1" || v == "true")) {
        line += "true";
      } else if (t == ColumnType::kBool && (v == "0" || v == "false")) {
        line += "false";
      } else {
        text_.get_ref<std::string&>().assign(v);
        serializer_.dump(text_, false, false, 0);
        line += out_;
        out_.clear();
      }
    }
    line += '}';
  }

 private:
  std::vector<std::string> keys_;
  Json text_ = Json(std::string());
  std::string out_;
  nlohmann::detail::serializer<Json> serializer_{nlohmann::detail::output_adapter<char>(out_), ' ',
                                                 nlohmann::json::error_handler_t::replace};
};

}  // namespace

struct ReportWriter::Impl {
  std::string dir;
  WriterOptions options;
  struct Table {
    TableSpec spec;
    std::vector<std::unordered_map<std::string, std::string>> labels;
    // The caller's thread.
    std::unique_ptr<detail::OutputFile> csv, json;
    std::unique_ptr<JsonRows> json_rows;
    bool json_first = true;
    std::string line;  // reused
    // The workbook's thread.
    std::vector<lxw_worksheet*> sheets;
    std::string sheet;  // its name, for continuation sheets
    lxw_row_t row = 0;  // next row of the current sheet
    std::vector<double> sums;  // of each integer column, for the total row
  };
  std::vector<std::unique_ptr<Table>> tables;
  bool committed = false;

  // ---- The workbook, built on its own thread.
  lxw_workbook* workbook = nullptr;
  lxw_format* bold = nullptr;
  lxw_format* date_format = nullptr;
  // 0.00% to 0.000000%: percent_formats[d - 2] shows d decimals.
  std::array<lxw_format*, 5> percent_formats{};
  std::string partial;  // the workbook's own file
  std::set<std::string> sheet_names;
  struct Job {
    Table* table = nullptr;  // null: close the workbook
    bool open = false;       // add the table's sheet
    std::vector<std::string> cells;
  };
  static constexpr size_t kBlock = 1024;  // rows handed over at once
  static constexpr size_t kQueued = 64;   // blocks in flight at most
  std::vector<Job> pending;
  std::deque<std::vector<Job>> queue;
  std::mutex mutex;
  std::condition_variable can_push, can_pop;
  std::thread thread;
  std::exception_ptr xlsx_error;
  bool closed = false;

  std::string path(const std::string& name) const { return (std::filesystem::path(dir) / name).string(); }
  // path(name) for an output, refused when it is one of the run's inputs
  // (a students.csv kept in the --out folder, or a list named `students`):
  // the rename would replace the file the run reads.
  std::string output(const std::string& name) const {
    std::string p = path(name);
    for (const std::string& in : options.inputs)
      if (detail::same_file(p, in))
        throw write_error(p, "the output '" + p + "' is the input file '" + in +
                                 "': writing it would replace that input; write the outputs to another folder");
    return p;
  }
  bool is_input(const std::string& p) const {
    return std::any_of(options.inputs.begin(), options.inputs.end(),
                       [&](const std::string& in) { return detail::same_file(p, in); });
  }

  void start_workbook() {
    partial = path(options.workbook + ".partial-" + std::to_string(::getpid()));
    lxw_workbook_options wo{};
    wo.constant_memory = LXW_TRUE;
    wo.use_zip64 = LXW_TRUE;
    workbook = workbook_new_opt(partial.c_str(), &wo);
    if (!workbook) throw write_error(path(options.workbook), "cannot start the workbook");
    bold = workbook_add_format(workbook);
    format_set_bold(bold);
    // Dates are Excel dates (numbers shown as 2019-10-10), so that an
    // official can sort, filter and subtract them; as text they could not.
    date_format = workbook_add_format(workbook);
    format_set_num_format(date_format, "yyyy-mm-dd");
    for (size_t i = 0; i < percent_formats.size(); ++i) {
      percent_formats[i] = workbook_add_format(workbook);
      format_set_num_format(percent_formats[i], ("0." + std::string(i + 2, '0') + "%").c_str());
    }
    thread = std::thread([this] { work(); });
  }

  void submit(Job job) {
    pending.push_back(std::move(job));
    if (pending.size() >= kBlock || !pending.back().table) flush();
  }
  void flush() {
    if (pending.empty()) return;
    std::unique_lock lock(mutex);
    can_push.wait(lock, [&] { return queue.size() < kQueued; });
    queue.push_back(std::move(pending));
    pending.clear();
    can_pop.notify_one();
  }
  // Closes the workbook (or drops it) and waits for the thread.
  void finish_workbook() {
    if (!thread.joinable()) return;
    submit(Job{});
    thread.join();
  }

  void work() {
    for (;;) {
      std::vector<Job> block;
      {
        std::unique_lock lock(mutex);
        can_pop.wait(lock, [&] { return !queue.empty(); });
        block = std::move(queue.front());
        queue.pop_front();
        can_push.notify_one();
      }
      for (Job& job : block) {
        if (!job.table) {
          close_workbook();
          return;
        }
        if (xlsx_error) continue;  // drain, then report at commit
        try {
          if (job.open) add_sheet(*job.table);
          else xlsx_row(*job.table, job.cells);
        } catch (...) {
          xlsx_error = std::current_exception();
        }
      }
    }
  }

  void close_workbook() {
    if (!workbook) return;
    if (!xlsx_error && !committed) {
      try {
        for (auto& t : tables) {
          if (!t || t->sheets.empty()) continue;
          // Filters over the header and the rows (not the total row): an
          // official sorts and filters a ledger by village, status, school.
          const auto last_col = static_cast<lxw_col_t>(t->spec.columns.size() - 1);
          for (size_t k = 0; k < t->sheets.size(); ++k)
            worksheet_autofilter(t->sheets[k], 0, 0, k + 1 < t->sheets.size() ? kSheetRows - 1 : std::max<lxw_row_t>(t->row, 1) - 1,
                                 last_col);
          if (!t->spec.total_label.empty()) total_row(*t);
        }
      } catch (...) {
        xlsx_error = std::current_exception();
      }
    }
    if (xlsx_error || committed) {
      lxw_workbook_free(workbook);
      workbook = nullptr;
      return;
    }
    const lxw_error err = workbook_close(workbook);
    workbook = nullptr;
    if (err != LXW_NO_ERROR)
      xlsx_error = std::make_exception_ptr(
          write_error(path(options.workbook), std::string("cannot write the workbook: ") + lxw_strerror(err)));
    closed = true;
  }

  lxw_worksheet* add_sheet(Table& t) {
    std::string name = t.sheets.empty() ? sheet_name(t.sheet, sheet_names)
                                        : sheet_name(t.sheet + " " + std::to_string(t.sheets.size() + 1), sheet_names);
    lxw_worksheet* ws = workbook_add_worksheet(workbook, name.c_str());
    if (!ws) throw write_error(path(options.workbook), "cannot add the sheet '" + name + "'");
    for (size_t c = 0; c < t.spec.columns.size(); ++c) {
      const Column& col = t.spec.columns[c];
      const std::string& h = col.header.empty() ? col.name : col.header;
      worksheet_write_string(ws, 0, static_cast<lxw_col_t>(c), h.c_str(), bold);
      // A date needs 12 (Excel shows ##### in a column too narrow for it).
      // A Chinese character is two columns wide (three bytes of UTF-8); the
      // filter's button takes about two more.
      const double least = col.type == ColumnType::kDate ? 12 : 10;
      double shown = 0;
      for (const char ch : h) {
        const auto b = static_cast<unsigned char>(ch);
        shown += b < 0x80 ? 1.1 : (b & 0xC0) == 0xC0 ? 2.1 : 0;
      }
      const double width = std::max<double>(least, std::min<double>(50, shown + 4));
      worksheet_set_column(ws, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c), width, nullptr);
    }
    worksheet_freeze_panes(ws, 1, 0);
    t.sheets.push_back(ws);
    t.row = 1;
    return ws;
  }

  void xlsx_row(Table& t, std::span<const std::string> cells) {
    if (t.row >= kSheetRows) add_sheet(t);
    lxw_worksheet* ws = t.sheets.back();
    for (size_t c = 0; c < cells.size() && c < t.spec.columns.size(); ++c) {
      const std::string& v = cells[c];
      if (v.empty()) continue;
      const Column& col = t.spec.columns[c];
      const auto cc = static_cast<lxw_col_t>(c);
      if (col.type == ColumnType::kInteger || col.type == ColumnType::kNumber) {
        double d;
        if (parse_number(v, d)) {
          const bool percent = col.percent_if >= 0 && static_cast<size_t>(col.percent_if) < cells.size() &&
                               !cells[static_cast<size_t>(col.percent_if)].empty();
          lxw_format* format = nullptr;
          if (percent) {
            // Beside its target, enough decimals for a missed rate not to
            // read as the target (99.995% against 100%).
            int decimals = 2;
            double other;
            if (col.percent_against >= 0 && static_cast<size_t>(col.percent_against) < cells.size() &&
                parse_number(cells[static_cast<size_t>(col.percent_against)], other))
              decimals = detail::decimals_to_tell_apart(d, other, 4, 8) - 2;
            format = percent_formats[static_cast<size_t>(decimals - 2)];
          }
          worksheet_write_number(ws, t.row, cc, d, format);
          if (col.type == ColumnType::kInteger) {
            if (t.sums.size() <= c) t.sums.resize(t.spec.columns.size());
            t.sums[c] += d;
          }
          continue;
        }
      }
      if (col.type == ColumnType::kDate) {
        // Excel's calendar starts in 1900; an earlier date stays text.
        if (const auto date = Date::parse(v); date && date->ymd().year >= 1900) {
          const YearMonthDay ymd = date->ymd();
          lxw_datetime dt{ymd.year, ymd.month, ymd.day, 0, 0, 0.0};
          worksheet_write_datetime(ws, t.row, cc, &dt, date_format);
          continue;
        }
      }
      if (col.type == ColumnType::kBool && t.labels[c].empty()) {
        worksheet_write_boolean(ws, t.row, cc, v == "1" || v == "true", nullptr);
        continue;
      }
      std::string s = labelled(v, t.labels[c]);
      if (s.size() > kCellChars) {
        size_t cut = kCellChars;  // on a UTF-8 character boundary
        while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
        s.resize(cut);
      }
      replace_non_xml_characters(s);
      worksheet_write_string(ws, t.row, cc, s.c_str(), nullptr);
    }
    ++t.row;
  }

  // The table's last row: its label, and the sum of each integer column. On
  // one sheet a formula (with the sum as its cached value, which readers
  // that do not calculate show); a table continued over several sheets
  // gets the number.
  void total_row(Table& t) {
    if (t.row >= kSheetRows) add_sheet(t);
    lxw_worksheet* ws = t.sheets.back();
    worksheet_write_string(ws, t.row, 0, t.spec.total_label.c_str(), bold);
    for (size_t c = 1; c < t.spec.columns.size(); ++c) {
      if (t.spec.columns[c].type != ColumnType::kInteger) continue;
      const auto cc = static_cast<lxw_col_t>(c);
      const double sum = c < t.sums.size() ? t.sums[c] : 0;
      if (t.sheets.size() == 1 && t.row > 1) {
        char range[LXW_MAX_CELL_RANGE_LENGTH];
        lxw_rowcol_to_range(range, 1, cc, t.row - 1, cc);
        const std::string formula = std::string("=SUM(") + range + ")";
        worksheet_write_formula_num(ws, t.row, cc, formula.c_str(), bold, sum);
      } else {
        worksheet_write_number(ws, t.row, cc, sum, bold);
      }
    }
    ++t.row;
  }

  // The files of an earlier run into this folder that this run did not
  // write again (another --format, a pack with other levels or lists) are
  // removed: an official opening the folder would take an old report.xlsx
  // beside new CSV files for this run's. Only names the earlier run listed
  // in kOutputList are touched, never other files in the folder; then this
  // run's names are listed. Best effort: the outputs are already in place.
  static constexpr const char* kOutputList = ".kcbx-outputs";
  void replace_earlier_outputs(const std::vector<std::string>& written) {
    namespace fs = std::filesystem;
    std::set<std::string> now;
    for (const auto& w : written) now.insert(fs::path(w).filename().string());
    std::ifstream earlier(path(kOutputList));
    for (std::string name; std::getline(earlier, name);) {
      if (name.empty() || now.count(name) || name.find('/') != std::string::npos || name[0] == '.') continue;
      std::error_code ec;
      const fs::path old = fs::path(dir) / name;
      if (fs::is_regular_file(fs::symlink_status(old, ec)) && !is_input(old.string())) fs::remove(old, ec);
    }
    earlier.close();
    try {
      detail::OutputFile list(output(kOutputList));
      for (const auto& n : now) list.stream() << n << "\n";
      list.commit();
    } catch (const Error&) {
      // A folder that takes the outputs but not the list: nothing to tidy next time.
    }
  }

  // Drops everything not yet committed.
  void discard() {
    committed = true;  // tells the workbook thread to drop the workbook
    finish_workbook();
    if (workbook) {
      lxw_workbook_free(workbook);
      workbook = nullptr;
    }
    if (!partial.empty()) std::remove(partial.c_str());
  }
};

ReportWriter::ReportWriter(std::string dir, WriterOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->dir = std::move(dir);
  impl_->options = std::move(options);
  std::error_code ec;
  std::filesystem::create_directories(impl_->dir, ec);
  if (ec || !std::filesystem::is_directory(impl_->dir))
    throw write_error(impl_->dir, "cannot create the output folder: " + ec.message());
  if (impl_->options.xlsx) impl_->start_workbook();
}

ReportWriter::~ReportWriter() {
  if (!impl_->committed) impl_->discard();
}

void ReportWriter::open_table(size_t table, const TableSpec& spec) {
  Impl& m = *impl_;
  if (table >= m.tables.size()) m.tables.resize(table + 1);
  if (m.tables[table]) throw std::invalid_argument("table " + std::to_string(table) + " opened twice");
  auto t = std::make_unique<Impl::Table>();
  t->spec = spec;
  for (const auto& c : spec.columns) t->labels.emplace_back(c.labels.begin(), c.labels.end());
  if (m.options.csv) {
    t->csv = std::make_unique<detail::OutputFile>(m.output(spec.name + ".csv"));
    std::ostream& out = t->csv->stream();
    out << "\xEF\xBB\xBF";
    for (size_t c = 0; c < spec.columns.size(); ++c) out << (c ? "," : "") << detail::csv_field(spec.columns[c].name);
    out << "\r\n";
  }
  // The summary table's JSON is summary.json, written whole by commit().
  if (m.options.json && spec.name != "summary") {
    t->json = std::make_unique<detail::OutputFile>(m.output(spec.name + ".json"));
    t->json->stream() << "[";
    t->json_rows = std::make_unique<JsonRows>(spec.columns);
  }
  Impl::Table* raw = t.get();
  m.tables[table] = std::move(t);
  if (m.workbook) {
    raw->sheet = spec.title.empty() ? spec.name : spec.title;
    m.submit({raw, true, {}});
  }
}

void ReportWriter::add_row(size_t table, std::span<const std::string> cells) {
  Impl& m = *impl_;
  if (table >= m.tables.size() || !m.tables[table]) throw std::invalid_argument("table " + std::to_string(table) + " is not open");
  Impl::Table& t = *m.tables[table];
  if (t.csv) {
    std::string& line = t.line;
    line.clear();
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c) line += ',';
      line += detail::csv_field(cells[c]);
    }
    line += "\r\n";
    t.csv->stream() << line;
  }
  if (t.json) {
    std::string& line = t.line;
    line.assign(t.json_first ? "\n" : ",\n");
    t.json_rows->row(t.spec.columns, cells, line);
    t.json->stream() << line;
    t.json_first = false;
  }
  if (m.workbook) m.submit({&t, false, std::vector<std::string>(cells.begin(), cells.end())});
}

std::vector<std::string> ReportWriter::commit(const RunReport& report) {
  Impl& m = *impl_;
  if (m.committed) throw std::logic_error("ReportWriter::commit called twice");
  std::vector<std::string> written;
  try {
    // While the workbook thread finishes its sheets and deflates them.
    std::string summary;
    if (m.options.json) summary = report_json(report);
    for (auto& t : m.tables)
      if (t && t->json) t->json->stream() << (t->json_first ? "]\n" : "\n]\n");
    std::unique_ptr<detail::OutputFile> workbook;
    if (m.thread.joinable()) {
      m.finish_workbook();
      if (m.xlsx_error) std::rethrow_exception(m.xlsx_error);
      workbook = std::make_unique<detail::OutputFile>(m.output(m.options.workbook));
      std::ifstream in(m.partial, std::ios::binary);
      if (!in) throw write_error(workbook->path(), "cannot read the workbook back");
      workbook->stream() << in.rdbuf();
    }
    // Everything is written; move it into place.
    for (auto& t : m.tables) {
      if (!t) continue;
      if (t->csv) {
        t->csv->commit();
        written.push_back(t->csv->path());
      }
      if (t->json) {
        t->json->commit();
        written.push_back(t->json->path());
      }
    }
    if (m.options.json) {
      detail::OutputFile f(m.output("summary.json"));
      f.stream() << summary << "\n";
      f.commit();
      written.push_back(f.path());
    }
    if (workbook) {
      workbook->commit();
      written.push_back(workbook->path());
      std::remove(m.partial.c_str());
      m.partial.clear();
    }
  } catch (...) {
    m.discard();
    throw;
  }
  m.committed = true;
  if (m.options.replace_earlier) m.replace_earlier_outputs(written);
  return written;
}

// ---- summary.json --------------------------------------------------------------

namespace {

Json opt(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

Json named(const std::vector<NamedCount>& v) {
  Json a = Json::array();
  for (const auto& n : v) a.push_back({{"name", n.name}, {"alias", n.alias}, {"count", n.count}});
  return a;
}

Json indicator(const IndicatorResult& x) {
  return {{"level", x.level.empty() ? "all" : x.level},
          {"jurisdiction", x.jurisdiction},
          {"judged_on", x.judged_on.format()},
          {"is_rate", x.is_rate},
          {"numerator", x.numerator},
          {"denominator", x.is_rate ? Json(x.denominator) : Json(nullptr)},
          {"value", opt(x.value)},
          {"comparison", x.comparison},
          {"threshold", opt(x.threshold)},
          {"met", x.met ? Json(*x.met) : Json(nullptr)},
          {"due_on", x.due_on ? Json(x.due_on->format()) : Json(nullptr)}};
}

}  // namespace

std::string report_json(const RunReport& r) {
  Json j;
  j["format"] = "kcbx.run/1";
  j["pack"] = r.pack_id;
  j["as_of"] = r.as_of.format();
  j["students"] = {{"read", r.students.read}, {"accepted", r.students.accepted}, {"rejected", r.students.rejected}};
  j["events"] = {{"read", r.events_read}, {"applied", r.events_applied}, {"rejected", r.events_rejected}};
  j["officials"] = {{"read", r.officials_read}, {"posts", r.officials_posts}, {"rejected", r.officials_rejected}};
  j["levels"] = r.levels;
  j["statuses"] = named(r.statuses);
  j["on_ledger"] = r.on_ledger;
  j["special"] = named(r.special);
  j["key_groups"] = named(r.key_groups);
  j["aid_gaps"] = named(r.aid_lists);
  j["cases"] = {{"open", r.cases_open}, {"closed", r.cases_closed}, {"overdue", r.cases_overdue},
                {"accountability", r.accountability}};
  j["lists"] = named(r.lists);
  Json jur = Json::object();
  for (const auto& lv : r.levels) {
    int64_t n = 0;
    for (const auto& t : r.totals) n += t.level == lv;
    jur[lv] = n;
  }
  j["jurisdictions"] = jur;
  Json targets = Json::array();
  for (const auto& t : r.targets) {
    Json levels = Json::array();
    for (const auto& l : t.levels)
      levels.push_back(
          {{"level", l.level}, {"met", l.met}, {"missed", l.missed}, {"no_data", l.no_data}, {"pending", l.pending}});
    targets.push_back({{"indicator", t.indicator},
                       {"alias", t.alias},
                       {"clause", t.clause},
                       {"overall", indicator(t.overall)},
                       {"levels", levels}});
  }
  j["targets"] = targets;
  Json cal = Json::array();
  for (const auto& c : r.calendar)
    cal.push_back({{"date", c.date.format()},
                   {"id", c.id},
                   {"alias", c.alias},
                   {"reporter", c.reporter},
                   {"reporter_alias", c.reporter_alias},
                   {"recipient", c.recipient},
                   {"data_as_of", c.data_as_of.format()},
                   {"clause", c.clause}});
  j["calendar"] = cal;
  j["notes"] = r.notes;
  j["seconds"] = r.seconds;
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace kcbx
