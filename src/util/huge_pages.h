// Large buffers that are written once, right after they are allocated.
// Private to the library and its bindings.
#ifndef KCBX_UTIL_HUGE_PAGES_H_
#define KCBX_UTIL_HUGE_PAGES_H_

#include <cstddef>
#include <vector>

namespace kcbx::detail {

// Asks the kernel to back [p, p + bytes) with transparent huge pages where
// whole 2 MiB pages fit. A classification allocates its result and column
// buffers (megabytes each for a million records) fresh on every call, and
// with transparent huge pages in "madvise" mode (Debian's default) every
// 4 KiB page of them costs a page fault on first touch: measured as a
// sixth of a million-row call from Python. One fault per 2 MiB instead.
// Does nothing for small buffers, on other systems, or when the kernel
// refuses (the advice is only advice).
void advise_huge_pages(const void* p, size_t bytes);

// v.reserve(n) for a vector about to be filled, with the advice above
// given before any page is touched.
template <typename T, typename A>
void reserve_large(std::vector<T, A>& v, size_t n) {
  if (v.capacity() >= n) return;
  v.reserve(n);
  advise_huge_pages(v.data(), n * sizeof(T));
}

// v.assign(n, value) into freshly advised storage.
template <typename T, typename A>
void assign_large(std::vector<T, A>& v, size_t n, const T& value) {
  reserve_large(v, n);
  v.assign(n, value);
}

}  // namespace kcbx::detail

#endif  // KCBX_UTIL_HUGE_PAGES_H_
