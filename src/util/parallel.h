// A loop over task indices shared by the threads of one call: the caller's
// thread and up to threads - 1 more take the next index until none is left.
// Private to the library and its bindings.
#ifndef KCBX_UTIL_PARALLEL_H_
#define KCBX_UTIL_PARALLEL_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace kcbx::detail {

// Runs task(0) .. task(count - 1) on up to `threads` threads (0: one per
// core). Tasks are handed out in index order. The first exception a task
// throws is rethrown once every thread has stopped; the other tasks still
// run, so that nothing is left half-done behind the caller's back.
template <typename F>
void parallel_for(size_t count, size_t threads, F&& task) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, count);
  if (threads <= 1) {
    for (size_t i = 0; i < count; ++i) task(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mu;
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < count;) {
      try {
        task(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mu);
        if (!failure) failure = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace kcbx::detail

#endif  // KCBX_UTIL_PARALLEL_H_
