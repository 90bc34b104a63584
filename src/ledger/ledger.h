// Building blocks of the run (src/ledger/run.cc): jurisdiction keys read off
// records, a store for the few records the lists need, and cell formatting.
// Private to the library.
#ifndef KCBX_LEDGER_LEDGER_H_
#define KCBX_LEDGER_LEDGER_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/plan.h"
#include "kcbx/batch.h"
#include "pack/checked_pack.h"

namespace kcbx::detail {

// Heterogeneous string hashing: look a std::string key up by string_view.
struct ViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
template <class V>
using ViewMap = std::unordered_map<std::string, V, ViewHash, std::equal_to<>>;

// How a level's key is read off a record: its fields' values joined by '/',
// or the first `prefix` characters of its one field (SPEC: the 12-digit
// division code's prefixes).
struct LevelKey {
  std::vector<int> fields;
  size_t prefix = 0;

  static LevelKey of(const CheckedPack& pack, int level);
  // False when a field is null or empty, or shorter than the prefix; `key`
  // points into the batch's strings or into `buf`.
  bool read(const BatchData& d, size_t i, std::string& buf, std::string_view& key) const;
};

// Copies chosen records out of streamed batches into one batch, so that the
// chunk they came in can be freed.
class RowStore {
 public:
  explicit RowStore(std::shared_ptr<const CheckedPack> pack);
  void add(const BatchData& src, size_t i);
  size_t size() const { return data_->rows; }
  // The records added, as one Batch; the store is empty afterwards.
  Batch finish();

 private:
  std::shared_ptr<const CheckedPack> pack_;
  std::shared_ptr<BatchData> data_;
};

// Records [begin, end) of `b` as a Batch of their own, sharing its strings.
Batch slice_rows(const Batch& b, size_t begin, size_t end);

// The text of field `f` of record i ("" for null); ID numbers masked unless
// `mask` is false.
std::string field_text(const BatchData& d, int f, size_t i, bool mask);

}  // namespace kcbx::detail

#endif  // KCBX_LEDGER_LEDGER_H_
