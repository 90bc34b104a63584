// Large buffers are kept after free and handed to the next allocation of a
// similar size (util/buffer_cache.h): a repeated classification then reuses
// pages instead of faulting in fresh ones. What users rely on: contents
// behave as with std::allocator, a kept buffer is reused only when it fits
// without wasting more than half, and release returns everything.
#include "util/buffer_cache.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <numeric>

#include "kcbx/memory.h"
#include "util/huge_pages.h"

namespace {

using kcbx::detail::buffer_cache_active;
using kcbx::detail::buffer_cache_stats;
using kcbx::detail::cached_allocate;
using kcbx::detail::cached_free;
using kcbx::detail::CachedVector;
using kcbx::detail::release_cached_buffers;

constexpr size_t kMiB = size_t{1} << 20;

TEST(BufferCache, VectorsBehaveAsWithTheStandardAllocator) {
  constexpr size_t kBoundary = kcbx::detail::kCachedBufferMin / sizeof(int32_t);  // elements
  for (size_t n : {size_t{0}, size_t{5}, kBoundary - 1, kBoundary, 3 * kMiB + 7}) {
    CachedVector<int32_t> v(n, -1);
    ASSERT_EQ(v.size(), n);
    std::iota(v.begin(), v.end(), 0);
    v.push_back(42);  // grows across the small/large boundary for kBoundary - 1
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(v[i], static_cast<int32_t>(i)) << n;
    EXPECT_EQ(v.back(), 42);
    CachedVector<int32_t> copy = v;
    EXPECT_EQ(copy, v);
  }
}

TEST(BufferCache, AFreedBufferServesTheNextAllocationThatFitsIt) {
  if (!buffer_cache_active()) GTEST_SKIP() << "the cache is off in sanitizer builds";
  release_cached_buffers();
  void* a = cached_allocate(8 * kMiB);
  std::memset(a, 0x5A, 8 * kMiB);
  cached_free(a, 8 * kMiB);
  EXPECT_GE(buffer_cache_stats().kept_bytes, 8 * kMiB);

  // Too small a request for it: more than half would be wasted.
  const auto before = buffer_cache_stats();
  void* small = cached_allocate(3 * kMiB);
  EXPECT_NE(small, a);
  EXPECT_EQ(buffer_cache_stats().mapped, before.mapped + 1);

  // A similar size takes it, contents and all (nothing is zeroed).
  void* b = cached_allocate(7 * kMiB);
  EXPECT_EQ(b, a);
  EXPECT_EQ(buffer_cache_stats().reused, before.reused + 1);
  EXPECT_EQ(static_cast<unsigned char*>(b)[7 * kMiB - 1], 0x5A);
  cached_free(b, 7 * kMiB);
  cached_free(small, 3 * kMiB);

  release_cached_buffers();
  EXPECT_EQ(buffer_cache_stats().kept_bytes, 0u);
}

TEST(BufferCache, RepeatedWorkReusesInsteadOfMapping) {
  if (!buffer_cache_active()) GTEST_SKIP() << "the cache is off in sanitizer builds";
  release_cached_buffers();
  const auto before = buffer_cache_stats();
  for (int round = 0; round < 5; ++round) {
    kcbx::detail::RawVector<int32_t> codes;
    kcbx::detail::resize_uninitialized(codes, 1'000'000);
    CachedVector<uint8_t> valid(2'000'000, 1);
    codes[999'999] = round;
    EXPECT_EQ(valid[1'999'999], 1);
  }
  const auto after = buffer_cache_stats();
  EXPECT_EQ(after.mapped - before.mapped, 2u);  // the first round's two buffers
  EXPECT_EQ(after.reused - before.reused, 8u);
  EXPECT_EQ(after.live_bytes, before.live_bytes);
  release_cached_buffers();
}

TEST(BufferCache, ALimitReturnsWhatIsKeptBeyondIt) {
  if (!buffer_cache_active()) GTEST_SKIP() << "the cache is off in sanitizer builds";
  const size_t before = kcbx::detail::buffer_cache_limit();
  if (before < 16 * kMiB) GTEST_SKIP() << "KCBX_BUFFER_CACHE_MB below 16";
  kcbx::release_memory();
  void* a = cached_allocate(8 * kMiB);
  void* b = cached_allocate(8 * kMiB);
  cached_free(a, 8 * kMiB);
  cached_free(b, 8 * kMiB);
  EXPECT_EQ(kcbx::kept_memory_bytes(), 16 * kMiB);
  kcbx::set_kept_memory_limit(10 * kMiB);  // one of the two goes
  EXPECT_EQ(kcbx::kept_memory_bytes(), 8 * kMiB);
  void* c = cached_allocate(8 * kMiB);  // the one kept
  void* d = cached_allocate(8 * kMiB);
  cached_free(c, 8 * kMiB);
  cached_free(d, 8 * kMiB);  // over the limit: the older one goes
  EXPECT_EQ(kcbx::kept_memory_bytes(), 8 * kMiB);
  kcbx::set_kept_memory_limit(0);  // keep nothing
  EXPECT_EQ(kcbx::kept_memory_bytes(), 0u);
  void* e = cached_allocate(2 * kMiB);
  cached_free(e, 2 * kMiB);
  EXPECT_EQ(kcbx::kept_memory_bytes(), 0u);
  kcbx::set_kept_memory_limit(before);  // for the other tests
}

}  // namespace
