// Large result and column buffers are advised onto huge pages before their
// first touch (util/huge_pages.h). The advice changes speed only: contents,
// sizes and small or odd buffers must be as without it.
#include "util/huge_pages.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace {

using kcbx::detail::advise_huge_pages;
using kcbx::detail::assign_large;
using kcbx::detail::reserve_large;

TEST(HugePages, AssignLargeFillsLikeAssign) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{1000}, size_t{3} << 20, (size_t{5} << 20) + 13}) {
    std::vector<int32_t> v;
    assign_large(v, n, int32_t{-1});
    ASSERT_EQ(v.size(), n);
    for (size_t i = 0; i < n; i += 4099) ASSERT_EQ(v[i], -1) << n;
    if (n > 0) EXPECT_EQ(v.back(), -1);
    // Assigning again reuses the storage.
    const int32_t* before = v.data();
    assign_large(v, n, int32_t{7});
    EXPECT_EQ(v.data(), before);
    if (n > 0) EXPECT_EQ(v.front(), 7);
  }
}

TEST(HugePages, ReserveLargeKeepsContentsAndNeverShrinks) {
  std::vector<uint8_t> v = {1, 2, 3};
  reserve_large(v, size_t{9} << 20);
  EXPECT_GE(v.capacity(), size_t{9} << 20);
  EXPECT_EQ(v, (std::vector<uint8_t>{1, 2, 3}));
  const size_t cap = v.capacity();
  reserve_large(v, 10);
  EXPECT_EQ(v.capacity(), cap);
}

TEST(HugePages, AdviceOnAnyRangeIsHarmless) {
  std::vector<char> buf(size_t{7} << 20, 'x');
  advise_huge_pages(nullptr, size_t{1} << 30);
  advise_huge_pages(buf.data(), 0);
  advise_huge_pages(buf.data() + 1, 100);
  advise_huge_pages(buf.data() + 3, buf.size() - 3);  // unaligned both ends
  for (size_t i = 0; i < buf.size(); i += 4096) ASSERT_EQ(buf[i], 'x');
}

TEST(HugePages, ResizeUninitializedSizesAndKeepsWhatWasThere) {
  kcbx::detail::RawVector<int32_t> v = {1, 2, 3};
  kcbx::detail::resize_uninitialized(v, (size_t{3} << 20) + 5);
  ASSERT_EQ(v.size(), (size_t{3} << 20) + 5);
  EXPECT_EQ(v[0], 1);
  EXPECT_EQ(v[2], 3);
  for (size_t i = 3; i < v.size(); i += 1021) v[i] = static_cast<int32_t>(i);  // writable
  EXPECT_EQ(v[1024], 1024);
  kcbx::detail::resize_uninitialized(v, 2);
  EXPECT_EQ(v, (kcbx::detail::RawVector<int32_t>{1, 2}));
}

}  // namespace
