// The values of one unique field seen so far in one input — a file or a
// stream of any length — with the row each was first seen on: the
// duplicate check of BatchBuilder::add_row (batch.cc).
//
// Values are 64-bit hashes. Recent ones are held in memory in an open
// addressing table. When it reaches its memory limit, its values are sorted
// and written to a temporary file as a run, and the table starts empty. In
// memory, each run keeps a Bloom filter (2 bytes a value) and the first hash
// of every block of 512 values; a lookup reads one block of a run from the
// file only when the run's filter says the value may be in it (about 1 in
// 1,000 for a value that is not). So memory stays near the limit plus 2
// bytes a value however long the input is: 160 million students need
// about 320 MB of filters, not the 3.2 GB a table of them all would.
//
// No library does this: a key-value store (LevelDB, RocksDB) would bring
// its own write-ahead log, compaction threads and a dependency for one
// set of integers that is only ever appended to and probed.
#ifndef KCBX_ENGINE_SEEN_VALUES_H_
#define KCBX_ENGINE_SEEN_VALUES_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kcbx::detail {

class SeenValues {
 public:
  // The default in-memory table limit: about 13 million values (a large
  // province) before anything is written to disk.
  static constexpr size_t kDefaultMemory = size_t{256} << 20;

  // `memory`: bytes the in-memory table may take before its values move to
  // the temporary file (created in $TMPDIR, else /tmp, and deleted at once,
  // so nothing is left behind however the process ends).
  explicit SeenValues(size_t memory = kDefaultMemory);
  ~SeenValues();
  SeenValues(const SeenValues&) = delete;
  SeenValues& operator=(const SeenValues&) = delete;

  // The row `h` was first seen on, or -1. Throws std::runtime_error when the
  // temporary file cannot be read.
  int64_t find(uint64_t h) const;
  // Remembers `h` at `row` (callers insert a value only after find() said
  // it is new). Throws std::runtime_error when the temporary file cannot be
  // written (a full disk): the message names the directory.
  void insert(uint64_t h, int64_t row);
  // Start fetching what find(h) will read: one lookup is a cache miss per
  // run and one for the table, which add_row overlaps with parsing the
  // record's other cells.
  void prefetch(uint64_t h) const;

  size_t size() const { return size_ + spilled_; }
  size_t spilled() const { return spilled_; }  // values in the temporary file
  size_t runs() const { return runs_.size(); }
  size_t memory_bytes() const;                  // the table and the runs' filters and indexes

 private:
  struct Slot {
    uint32_t lo, hi;  // the hash; 0: empty (the value 0 itself is zero_row_)
    uint32_t row;     // first row, saturated at 2^32 - 1
    uint64_t key() const { return static_cast<uint64_t>(hi) << 32 | lo; }
    static Slot of(uint64_t h, int64_t row);
  };
  static_assert(sizeof(Slot) == 12, "runs are written as packed 12-byte slots");
  struct Part {
    std::vector<Slot> slots;
    size_t size = 0, mask = 0;
  };
  struct Run {
    uint64_t offset = 0;            // in the file, bytes
    size_t count = 0;               // values
    std::vector<uint64_t> firsts;   // first hash of each block
    std::vector<uint32_t> filter;   // split-block Bloom filter: 8 words a block
    bool may_hold(uint64_t h) const;
    void add(uint64_t h);
  };
  static constexpr size_t kBlock = 512;  // values a run reads at a time

  static size_t part_of(uint64_t h) { return static_cast<size_t>(h >> 56); }
  static void grow(Part& p);
  int64_t find_in_table(uint64_t h) const;
  int64_t find_in_run(const Run& r, uint64_t h) const;
  void spill();
  void open_file();

  size_t limit_;
  std::array<Part, 256> parts_;
  size_t size_ = 0;      // values in the table
  size_t table_bytes_ = 0;
  int64_t zero_row_ = -1;
  std::vector<Run> runs_;
  size_t spilled_ = 0;
  int fd_ = -1;
  std::string dir_;
  uint64_t file_end_ = 0;
  mutable std::vector<Slot> block_;  // find_in_run's read buffer
};

}  // namespace kcbx::detail

#endif  // KCBX_ENGINE_SEEN_VALUES_H_
