// Large buffers that are written once, right after they are allocated.
// Private to the library and its bindings.
#ifndef KCBX_UTIL_HUGE_PAGES_H_
#define KCBX_UTIL_HUGE_PAGES_H_

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "util/buffer_cache.h"

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
// given before the new storage's pages are touched (for an empty vector,
// before any is: reserve copies existing elements first).
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

// An allocator whose resize() leaves new elements uninitialised (for
// trivial types), for buffers the code fills completely afterwards: the
// engine's result columns, which its worker threads write batch by batch.
// Zero-filling them first cost a serial pass over fresh pages (a page fault
// every 4 KiB on the calling thread) before any work began.
template <typename T, typename A = std::allocator<T>>
class DefaultInitAllocator : public A {
 public:
  using A::A;
  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U, typename std::allocator_traits<A>::template rebind_alloc<U>>;
  };
  template <typename U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    std::allocator_traits<A>::construct(static_cast<A&>(*this), p, std::forward<Args>(args)...);
  }
};

// A vector for buffers filled after they are sized (see above).
// Large ones come from the buffer cache (util/buffer_cache.h).
template <typename T>
using RawVector = std::vector<T, DefaultInitAllocator<T, CachedAllocator<T>>>;

// Sizes `v` to n elements without writing them, advised onto huge pages:
// the caller writes every element before any is read.
template <typename T>
void resize_uninitialized(RawVector<T>& v, size_t n) {
  const size_t old = v.size();
  reserve_large(v, n);
  v.resize(n);
#if !defined(NDEBUG) || defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // Debug and sanitizer builds (CI runs every test under ASan) fill with
  // garbage, not the kernel's zeros: an element the evaluation forgot to
  // write then fails a test instead of reading as 0.
  if (n > old) std::memset(static_cast<void*>(v.data() + old), 0xA5, (n - old) * sizeof(T));
#else
  (void)old;
#endif
}

}  // namespace kcbx::detail

#endif  // KCBX_UTIL_HUGE_PAGES_H_
