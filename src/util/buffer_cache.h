// A process-wide cache of large buffers, and an allocator that uses it.
// Private to the library and its bindings.
//
// Why: a classification allocates its column, result and output buffers
// (hundreds of megabytes for a million records) fresh on every call, and
// glibc hands buffers this large back to the kernel on free. The next call
// then pays a page fault and the kernel's zeroing of every page again:
// measured as a third of a million-row call from Python, and a cost per
// chunk for `kcbx run`. Keeping freed buffers for the next allocation of a
// similar size is what jemalloc and mimalloc do (with decay); glibc's own
// knobs for it (M_MMAP_THRESHOLD, M_TRIM_THRESHOLD) are process-wide, and a
// library must not change how the rest of its host process allocates.
//
// Policy: buffers of at least kCachedBufferMin bytes are mapped directly
// (2 MiB aligned, advised onto transparent huge pages when large enough).
// On free they are kept, up to a limit (KCBX_BUFFER_CACHE_MB, default 256:
// a million-row call from Python keeps about 165 MiB; 0 turns the cache
// off), and a buffer left unused for 5 seconds is
// returned to the kernel at the next allocation or free. An allocation
// takes the smallest kept buffer that fits it and is at most twice its
// size. release_cached_buffers() (kcbx::release_memory() in the public API)
// returns everything kept now. Sanitizer builds bypass the cache so that
// ASan still sees every out-of-bounds access and use after free.
#ifndef KCBX_UTIL_BUFFER_CACHE_H_
#define KCBX_UTIL_BUFFER_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <vector>

namespace kcbx::detail {

// 256 KiB: a million-row column of bytes (a validity column, int8 codes:
// 977 KiB) is one of many a call allocates; at 1 MiB they all missed the
// cache and cost 4,400 page faults a call from Python. Smaller buffers are
// few and glibc's to manage.
inline constexpr size_t kCachedBufferMin = size_t{256} << 10;

// `bytes` >= kCachedBufferMin. Throws std::bad_alloc when memory runs out.
void* cached_allocate(size_t bytes);
// `p` from cached_allocate(bytes), with the same `bytes`.
void cached_free(void* p, size_t bytes) noexcept;
// Returns every kept buffer to the kernel.
void release_cached_buffers() noexcept;
// Sets the limit (0: keep nothing), returning what is kept beyond it.
void set_buffer_cache_limit(size_t bytes) noexcept;

struct BufferCacheStats {
  size_t kept_bytes = 0;   // freed and kept for reuse
  size_t live_bytes = 0;   // handed out and not freed yet
  uint64_t reused = 0;     // allocations served from the cache
  uint64_t mapped = 0;     // allocations that mapped new memory
};
BufferCacheStats buffer_cache_stats();
// false in sanitizer builds and with KCBX_BUFFER_CACHE_MB=0: every large
// buffer is then mapped on allocation and unmapped on free.
bool buffer_cache_active();
// The limit in force (bytes).
size_t buffer_cache_limit();

// std::allocator for small sizes, the cache above for large ones.
template <typename T>
class CachedAllocator {
 public:
  using value_type = T;
  CachedAllocator() noexcept = default;
  template <typename U>
  CachedAllocator(const CachedAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)

  T* allocate(size_t n) {
    if (n > std::numeric_limits<size_t>::max() / sizeof(T)) throw std::bad_array_new_length();
    const size_t bytes = n * sizeof(T);
    if (bytes >= kCachedBufferMin) return static_cast<T*>(cached_allocate(bytes));
    return std::allocator<T>{}.allocate(n);
  }
  void deallocate(T* p, size_t n) noexcept {
    const size_t bytes = n * sizeof(T);
    if (bytes >= kCachedBufferMin) {
      cached_free(p, bytes);
    } else {
      std::allocator<T>{}.deallocate(p, n);
    }
  }
  template <typename U>
  bool operator==(const CachedAllocator<U>&) const noexcept { return true; }
};

template <typename T>
using CachedVector = std::vector<T, CachedAllocator<T>>;

}  // namespace kcbx::detail

#endif  // KCBX_UTIL_BUFFER_CACHE_H_
