// Overlapping rows of `hit_policy: unique` tables. A unique table promises
// that at most one row matches any record; when two rows can match together
// the engine gives no value for such a record, so validation looks for one.
// Private to src/pack.
#ifndef KCBX_PACK_OVERLAP_H_
#define KCBX_PACK_OVERLAP_H_

#include <vector>

#include "kcbx/diagnostic.h"

namespace kcbx::detail {

struct CheckedPack;

// For each unique table, searches for a record that matches two of its rows
// and reports each such pair as a warning ("overlapping-rows") at the later
// row, with an example: the values the two rows' conditions read (fields,
// derived values, other tables), e.g. "age=17, poor=true".
//
// The search is bounded: each name a condition reads takes the values the
// conditions compare it with, one either side and one between each two
// (plus null when it may be null, and for enums one value no row names);
// every combination is tried up to 65,536 per table or row pair, and beyond
// that a fixed sample. Derived values are treated as free, so an example may
// combine values no real record produces; hence a warning, not an error.
// Parameters take their values at each date one of them changes.
// Called by check_pack() once the pack has no errors.
void check_unique_overlaps(const CheckedPack& pack, std::vector<Diagnostic>& diags);

// For each table, rows no record can reach: a condition never true ("age <
// 6 and age > 16"), or in a first-hit table one whose every record an
// earlier row takes ("registry = none and poor" after "registry = none"): a warning
// ("row-never-matches") at the row. Made only where the search above is
// exhaustive (every name compared directly with constants, no list cut,
// every combination within the bound), so it never warns of a row a record
// can reach; a table beyond that is not judged.
void check_unreachable_rows(const CheckedPack& pack, std::vector<Diagnostic>& diags);

}  // namespace kcbx::detail

#endif  // KCBX_PACK_OVERLAP_H_
