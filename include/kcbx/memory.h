// Memory kcbx keeps between calls.
//
// Classifying allocates its column, result and output buffers afresh on
// every call: hundreds of megabytes for a million records. kcbx keeps large
// buffers (256 KiB and up) when they are freed and reuses them for the next
// call, which spares the kernel's page faults and zeroing (a third of a
// million-row classification from Python). Kept buffers unused for 5
// seconds are returned at the next allocation or free; at most
// KCBX_BUFFER_CACHE_MB megabytes (environment, read once; default 256,
// 0 keeps nothing) are kept at any time. `kcbx run` returns them all
// before its end phase.
//
//   kcbx::release_memory();  // e.g. before a long pause in a service
#ifndef KCBX_MEMORY_H_
#define KCBX_MEMORY_H_

#include <cstddef>

namespace kcbx {

// Returns every kept buffer to the operating system now. Buffers in use
// (a result still alive) are not affected.
void release_memory() noexcept;

// Keeps at most `bytes` from now on (0: nothing), returning what is kept
// beyond it; overrides KCBX_BUFFER_CACHE_MB. A program that streams chunks
// needs only a few chunks' buffers kept: `kcbx run` and `kcbx classify`
// keep 64 MiB unless KCBX_BUFFER_CACHE_MB says otherwise.
void set_kept_memory_limit(size_t bytes) noexcept;

// Bytes kept for reuse now (0 when the cache is off: sanitizer builds,
// KCBX_BUFFER_CACHE_MB=0).
size_t kept_memory_bytes() noexcept;

}  // namespace kcbx

#endif  // KCBX_MEMORY_H_
