#include "util/buffer_cache.h"

#include "kcbx/memory.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string_view>
#include <unordered_map>

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define KCBX_BYPASS_BUFFER_CACHE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define KCBX_BYPASS_BUFFER_CACHE 1
#endif
#endif

namespace kcbx::detail {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kPage = size_t{4} << 10;
constexpr size_t kHuge = size_t{2} << 20;
// Kept buffers unused this long go back to the kernel.
constexpr auto kIdle = std::chrono::seconds(5);

size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

// How many bytes a buffer of `bytes` maps: whole huge pages from 4 MiB up
// (so that the kernel can back all of it with them), whole pages below.
size_t capacity_for(size_t bytes) {
  return bytes >= 2 * kHuge ? round_up(bytes, kHuge) : round_up(bytes, kPage);
}

void* map_block(size_t capacity) {
#if defined(__linux__)
  const bool huge = capacity >= 2 * kHuge;
  const size_t span = huge ? capacity + kHuge : capacity;
  void* p = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  if (!huge) return p;
  // Trim the mapping to a 2 MiB boundary: a huge page needs one.
  const auto begin = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = round_up(begin, kHuge);
  if (aligned > begin) munmap(p, aligned - begin);
  const uintptr_t end = aligned + capacity;
  if (begin + span > end) munmap(reinterpret_cast<void*>(end), begin + span - end);
#if defined(MADV_HUGEPAGE)
  // Only advice: without THP support the buffer works the same.
  (void)madvise(reinterpret_cast<void*>(aligned), capacity, MADV_HUGEPAGE);
#endif
  return reinterpret_cast<void*>(aligned);
#else
  return ::operator new(capacity, std::align_val_t{kPage});
#endif
}

void unmap_block(void* p, size_t capacity) noexcept {
#if defined(__linux__)
  munmap(p, capacity);
#else
  ::operator delete(p, std::align_val_t{kPage});
  (void)capacity;
#endif
}

size_t limit_from_environment() {
  constexpr size_t kDefaultMiB = 256;
  const char* text = std::getenv("KCBX_BUFFER_CACHE_MB");
  if (text == nullptr || *text == '\0') return kDefaultMiB << 20;
  const std::string_view s(text);
  size_t mib = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), mib);
  if (ec != std::errc() || end != s.data() + s.size() || mib > (size_t{1} << 30)) {
    return kDefaultMiB << 20;  // unreadable: the default, not a crash
  }
  return mib << 20;
}

struct Kept {
  void* p;
  size_t capacity;
  Clock::time_point freed;
};

class Cache {
 public:
  static Cache& instance() {
    // Never destroyed: buffers may be freed by other static destructors
    // (a Python result released at interpreter exit) after this one's.
    static Cache* cache = new Cache();
    return *cache;
  }

  void* allocate(size_t bytes) {
    std::vector<Kept> expired;
    void* found = nullptr;
    size_t capacity = capacity_for(bytes);
    {
      std::lock_guard lock(mu_);
      take_expired(Clock::now(), &expired);
      // The smallest kept buffer that fits and wastes at most half.
      auto best = kept_.end();
      for (auto it = kept_.begin(); it != kept_.end(); ++it) {
        if (it->capacity >= bytes && it->capacity / 2 <= bytes &&
            (best == kept_.end() || it->capacity < best->capacity)) {
          best = it;
        }
      }
      if (best != kept_.end()) {
        live_.emplace(best->p, best->capacity);  // may throw: kept_ unchanged then
        found = best->p;
        capacity = best->capacity;
        kept_bytes_ -= capacity;
        *best = kept_.back();
        kept_.pop_back();
        ++stats_.reused;
        live_bytes_ += capacity;
      }
    }
    for (const Kept& k : expired) unmap_block(k.p, k.capacity);
    if (found != nullptr) return found;
    void* p = map_block(capacity);
    try {
      std::lock_guard lock(mu_);
      live_.emplace(p, capacity);
      ++stats_.mapped;
      live_bytes_ += capacity;
    } catch (...) {
      unmap_block(p, capacity);
      throw;
    }
    return p;
  }

  // Never throws (it runs in destructors): when keeping the buffer would
  // need memory that is not there, the buffer goes back to the kernel.
  void free(void* p) noexcept {
    std::vector<Kept> drop;
    size_t capacity = 0;
    bool kept = false;
    {
      std::lock_guard lock(mu_);
      const auto it = live_.find(p);
      // Not ours: cannot happen through CachedAllocator (its sizes match).
      assert(it != live_.end() && "cached_free of a buffer the cache did not hand out");
      if (it == live_.end()) return;
      capacity = it->second;
      live_.erase(it);
      live_bytes_ -= capacity;
      try {
        const auto now = Clock::now();
        take_expired(now, &drop);
        if (capacity <= limit_) {
          // Over the limit: the buffers kept longest go first.
          while (kept_bytes_ + capacity > limit_ && !kept_.empty()) {
            auto oldest = std::min_element(kept_.begin(), kept_.end(),
                                           [](const Kept& a, const Kept& b) { return a.freed < b.freed; });
            drop.push_back(*oldest);
            kept_bytes_ -= oldest->capacity;
            *oldest = kept_.back();
            kept_.pop_back();
          }
          kept_.push_back({p, capacity, now});
          kept_bytes_ += capacity;
          kept = true;
        }
      } catch (...) {  // std::bad_alloc growing drop or kept_: keep less
      }
    }
    for (const Kept& k : drop) unmap_block(k.p, k.capacity);
    if (!kept) unmap_block(p, capacity);
  }

  void release() noexcept {
    std::vector<Kept> drop;
    {
      std::lock_guard lock(mu_);
      drop.swap(kept_);
      kept_bytes_ = 0;
    }
    for (const Kept& k : drop) unmap_block(k.p, k.capacity);
  }

  BufferCacheStats stats() {
    std::lock_guard lock(mu_);
    BufferCacheStats s = stats_;
    s.kept_bytes = kept_bytes_;
    s.live_bytes = live_bytes_;
    return s;
  }

  std::mutex& mutex() { return mu_; }
  size_t limit() {
    std::lock_guard lock(mu_);
    return limit_;
  }

  void set_limit(size_t bytes) noexcept {
    std::vector<Kept> drop;
    {
      std::lock_guard lock(mu_);
      limit_ = bytes;
      try {
        while (kept_bytes_ > limit_ && !kept_.empty()) {
          drop.push_back(kept_.back());
          kept_bytes_ -= kept_.back().capacity;
          kept_.pop_back();
        }
      } catch (...) {  // no memory for the list: the rest goes at the next free
      }
    }
    for (const Kept& k : drop) unmap_block(k.p, k.capacity);
  }

 private:
  Cache() : limit_(limit_from_environment()) {}

  // Moves buffers idle for kIdle out of kept_ (to be unmapped after the
  // lock is released: unmapping hundreds of megabytes takes milliseconds).
  // Without memory for the list, what is not moved stays kept.
  void take_expired(Clock::time_point now, std::vector<Kept>* out) noexcept {
    for (size_t i = 0; i < kept_.size();) {
      if (now - kept_[i].freed >= kIdle) {
        try {
          out->push_back(kept_[i]);
        } catch (...) {  // no memory for the list: the rest stays kept for now
          return;
        }
        kept_bytes_ -= kept_[i].capacity;
        kept_[i] = kept_.back();
        kept_.pop_back();
      } else {
        ++i;
      }
    }
  }

  std::mutex mu_;
  size_t limit_;
  std::vector<Kept> kept_;
  std::unordered_map<void*, size_t> live_;
  size_t kept_bytes_ = 0, live_bytes_ = 0;
  BufferCacheStats stats_;
};

#if (defined(__unix__) || defined(__APPLE__)) && !defined(KCBX_BYPASS_BUFFER_CACHE)
// A fork while another thread holds the lock would leave it held forever in
// the child (Spark forks its Python workers): hold it across the fork.
[[maybe_unused]] const int kForkHandlers = [] {
  return pthread_atfork([] { Cache::instance().mutex().lock(); },
                        [] { Cache::instance().mutex().unlock(); },
                        [] { Cache::instance().mutex().unlock(); });
}();
#endif

}  // namespace

#if defined(KCBX_BYPASS_BUFFER_CACHE)

void* cached_allocate(size_t bytes) { return ::operator new(bytes); }
void cached_free(void* p, size_t) noexcept { ::operator delete(p); }
void release_cached_buffers() noexcept {}
void set_buffer_cache_limit(size_t) noexcept {}
BufferCacheStats buffer_cache_stats() { return {}; }
bool buffer_cache_active() { return false; }
size_t buffer_cache_limit() { return 0; }

#else

void* cached_allocate(size_t bytes) { return Cache::instance().allocate(bytes); }
void cached_free(void* p, size_t) noexcept { Cache::instance().free(p); }
void release_cached_buffers() noexcept { Cache::instance().release(); }
void set_buffer_cache_limit(size_t bytes) noexcept { Cache::instance().set_limit(bytes); }
BufferCacheStats buffer_cache_stats() { return Cache::instance().stats(); }
bool buffer_cache_active() { return Cache::instance().limit() > 0; }
size_t buffer_cache_limit() { return Cache::instance().limit(); }

#endif

}  // namespace kcbx::detail

namespace kcbx {

void release_memory() noexcept { detail::release_cached_buffers(); }

void set_kept_memory_limit(size_t bytes) noexcept { detail::set_buffer_cache_limit(bytes); }

size_t kept_memory_bytes() noexcept {
  try {
    return detail::buffer_cache_stats().kept_bytes;
  } catch (...) {  // a lock that cannot be taken: report nothing kept
    return 0;
  }
}

}  // namespace kcbx
