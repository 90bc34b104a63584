// Reading student records from CSV files into Batches, streaming: memory
// stays bounded by the batch size however large the file.
//
//   std::ifstream in("students.csv", std::ios::binary);
//   kcbx::StudentReader reader(pack, in, {.file = "students.csv"});
//   kcbx::Batch batch;
//   while (reader.next(batch)) { auto r = engine.classify(batch, as_of); ... }
//   for (const kcbx::Reject& r : reader.rejects()) ...;   // never lost
//
// Columns are matched to the pack's fields by name or Chinese alias. A bad
// record never stops the read: it becomes a Reject with its row number and
// reason, and `read == accepted + rejected` always holds. A stream that
// fails (an I/O error: badbit) is not taken for the end of the input:
// next() and read_students throw kcbx::Error ("read-error") instead.
#ifndef KCBX_CSV_H_
#define KCBX_CSV_H_

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "kcbx/batch.h"
#include "kcbx/rule_pack.h"

namespace kcbx {

struct ReadOptions {
  std::string file = "<input>";   // names the input in diagnostics
  std::string encoding = "utf-8"; // or gb18030/gbk for Chinese Excel files
  size_t batch_rows = 65536;      // records per Batch from next(); 0: this default
  // 2 or more: a second thread splits the CSV into records (quotes,
  // encoding) while the caller's thread validates them into batches. The
  // results are identical; 1 reads on the caller's thread only; 0 uses two
  // threads when the machine has two cores.
  int threads = 0;
  // Fields to store in each Batch (BatchBuilder::keep_only); empty: all.
  std::vector<std::string> keep;
  // Memory for the duplicate check's table before the values seen move to
  // a temporary file (BatchBuilder::set_unique_memory); 256 MiB holds
  // about 13 million students.
  size_t unique_memory = size_t{256} << 20;
};

struct ReadCounts {
  int64_t read = 0;      // data records (the header and blank lines excluded)
  int64_t accepted = 0;
  int64_t rejected = 0;
};

class StudentReader {
 public:
  // Reads the header. Throws kcbx::Error when the input cannot be used at
  // all: unknown encoding, empty input, a required field without a column,
  // two columns for one field.
  StudentReader(const RulePack& rules, std::istream& in, ReadOptions options = {});
  ~StudentReader();

  // Fills `batch` with the next accepted records (up to batch_rows); false
  // when the input is exhausted and no record is left. Throws kcbx::Error
  // when the stream fails to read (the records before it were returned).
  bool next(Batch& batch);

  // Rejects since the last take_rejects() (all of them if never taken).
  std::vector<Reject> take_rejects();
  const ReadCounts& counts() const;
  // Bytes of the input read so far (read-ahead included), or -1 when the
  // stream cannot tell (a pipe). Safe to call while the reader's own thread
  // reads; the caller must not touch the stream itself while the reader is
  // alive (with two threads it is read on the second).
  int64_t bytes_read() const;
  // Notes about the header (ignored columns), for the summary.
  const std::vector<std::string>& notes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads a whole file (or stdin for "-"); throws kcbx::Error when it cannot be
// opened or used at all.
struct StudentFile {
  Batch batch;
  std::vector<Reject> rejects;
  ReadCounts counts;
  std::vector<std::string> notes;
};
StudentFile read_students(const RulePack& rules, const std::string& path,
                          const ReadOptions& options = {});
// The same from a stream (options.file names it in rejects and messages).
StudentFile read_students(const RulePack& rules, std::istream& in, const ReadOptions& options = {});

}  // namespace kcbx

#endif  // KCBX_CSV_H_
