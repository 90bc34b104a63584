// The duplicate check's memory bound (issue 7: a national stream in flat
// memory): past its table limit, SeenValues moves the values seen to runs in
// a temporary file and keeps a Bloom filter of each. Every lookup must still
// answer exactly: the first row of a value seen, -1 for a value not seen,
// whether the value is in the table, in any run, or nowhere.
#include "engine/seen_values.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <stdexcept>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "generated_students.h"
#include "kcbx/kcbx.h"

namespace {

using kcbx::detail::SeenValues;

TEST(SeenValues, ExactAcrossTheTableAndManyRuns) {
  SeenValues seen(32 << 10);  // 32 KiB: a run every ~2,000 values
  std::mt19937_64 rng(42);
  std::unordered_map<uint64_t, int64_t> truth;
  std::vector<uint64_t> order;
  for (int64_t row = 0; row < 120000; ++row) {
    uint64_t h = rng();
    if (row % 1000 == 0) h = static_cast<uint64_t>(row / 1000 + 1);  // small ints: raw bits of an int field
    if (truth.count(h)) continue;
    ASSERT_EQ(seen.find(h), -1) << row;
    seen.prefetch(h);
    seen.insert(h, row);
    truth.emplace(h, row);
    order.push_back(h);
  }
  EXPECT_GT(seen.runs(), 20u);
  EXPECT_EQ(seen.size(), truth.size());
  EXPECT_GT(seen.spilled(), truth.size() / 2);
  for (uint64_t h : order) ASSERT_EQ(seen.find(h), truth[h]) << h;
  std::mt19937_64 other(7);
  int false_hits = 0;
  for (int i = 0; i < 200000; ++i) {
    const uint64_t h = other();
    if (truth.count(h)) continue;
    false_hits += seen.find(h) != -1;
  }
  EXPECT_EQ(false_hits, 0);
  // The value 0 (an int field's 0) is kept beside the table.
  EXPECT_EQ(seen.find(0), -1);
  seen.insert(0, 5);
  EXPECT_EQ(seen.find(0), 5);
}

TEST(SeenValues, MemoryStaysNearTheLimitPlusTwoBytesAValue) {
  const size_t limit = 1 << 20;
  SeenValues seen(limit);
  std::mt19937_64 rng(3);
  const size_t n = 2000000;
  for (size_t row = 0; row < n; ++row) seen.insert(rng() | 1, static_cast<int64_t>(row));
  EXPECT_GT(seen.runs(), 10u);
  // The table within its limit, the filters 2 bytes a value, the block
  // index 8 bytes per 512 values: well under the ~20 bytes a value of a
  // table of them all.
  EXPECT_LE(seen.memory_bytes(), limit + n * 2 + n / 512 * 8 + 64 * 1024);
}

TEST(SeenValues, BelowTheLimitNothingIsWritten) {
  SeenValues seen;
  for (int64_t row = 1; row <= 100000; ++row) seen.insert(static_cast<uint64_t>(row) * 0x9E3779B97F4A7C15ull, row);
  EXPECT_EQ(seen.runs(), 0u);
  EXPECT_EQ(seen.spilled(), 0u);
}

// Through StudentReader: a small limit gives the same rejects, reasons and
// first rows as the default one.
std::string students_with_repeats(int64_t n) {
  std::istringstream in(kcbx::testing::generated_students_csv(n, 21));
  std::string line, csv;
  std::vector<std::string> keys;
  for (int64_t row = 0; std::getline(in, line); ++row) {
    const size_t comma = line.find(',');
    if (row > 0) keys.push_back(line.substr(0, comma));
    // Every 37th record repeats a key from far back (an earlier run).
    if (row > 2000 && row % 37 == 0) line = keys[static_cast<size_t>(row * 7919 % (row - 1000))] + line.substr(comma);
    csv += line + "\n";
  }
  return csv;
}

std::vector<kcbx::Reject> rejects_with(const std::string& csv, size_t memory, int64_t* accepted) {
  std::istringstream in(csv);
  kcbx::ReadOptions o;
  o.unique_memory = memory;
  o.batch_rows = 5000;
  kcbx::StudentReader reader(kcbx::default_rules(), in, o);
  for (kcbx::Batch b; reader.next(b);) {
  }
  *accepted = reader.counts().accepted;
  EXPECT_EQ(reader.counts().read, reader.counts().accepted + reader.counts().rejected);
  return reader.take_rejects();
}

TEST(SeenValues, StudentReaderRejectsTheSameWithASmallLimit) {
  const std::string csv = students_with_repeats(40000);
  int64_t accepted_default = 0, accepted_small = 0;
  const auto want = rejects_with(csv, size_t{256} << 20, &accepted_default);
  const auto got = rejects_with(csv, 16 << 10, &accepted_small);
  EXPECT_EQ(accepted_small, accepted_default);
  int duplicates = 0;
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].row, want[i].row);
    EXPECT_EQ(got[i].reason, want[i].reason) << "row " << want[i].row;
    duplicates += want[i].reason.rfind("duplicate student_id (first on row ", 0) == 0;
  }
  EXPECT_GT(duplicates, 900);
}

// A temporary directory that cannot be written: a clear error naming it,
// not a crash or a silent miss.
TEST(SeenValues, UnwritableTemporaryDirectoryIsAClearError) {
  const char* old = std::getenv("TMPDIR");
  const std::string saved = old ? old : "";
  ::setenv("TMPDIR", "/nonexistent-kcbx-dir", 1);
  SeenValues seen(16 << 10);
  std::string message;
  try {
    for (int64_t row = 1; row < 100000; ++row) seen.insert(static_cast<uint64_t>(row) * 0x9E3779B97F4A7C15ull, row);
  } catch (const std::runtime_error& e) {
    message = e.what();
  }
  if (old) ::setenv("TMPDIR", saved.c_str(), 1);
  else ::unsetenv("TMPDIR");
  EXPECT_NE(message.find("/nonexistent-kcbx-dir"), std::string::npos) << message;
  EXPECT_NE(message.find("duplicate check"), std::string::npos) << message;
}

TEST(SeenValues, LimitCannotChangeAfterRecords) {
  kcbx::BatchBuilder b(kcbx::default_rules());
  b.set_unique_memory(1 << 20);
  const auto diags = b.set_columns({"student_id", "name", "birth_date", "registry"});
  ASSERT_TRUE(diags.empty());
  EXPECT_FALSE(b.add_row({"S1", "a", "2010-01-01", "enrolled"}, 2).has_value());
  EXPECT_THROW(b.set_unique_memory(1 << 10), std::logic_error);
}

}  // namespace
