#include "engine/seen_values.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace kcbx::detail {

namespace {

// Hashes of an int field are its raw bits: mixed before they pick filter
// blocks and bits (murmur3's finaliser).
uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

// The split-block Bloom filter of Apache Parquet's specification: a value
// sets one bit in each of the 8 words of one 32-byte block.
constexpr uint32_t kSalt[8] = {0x47b6137bU, 0x44974d91U, 0x8824ad5bU, 0xa2b7289dU,
                               0x705495c7U, 0x2df1424bU, 0x9efc4947U, 0x5c6bfb31U};
constexpr size_t kWords = 8;
constexpr size_t kValuesPerBlock = 16;  // 256 bits a block: 16 bits a value

size_t block_of(uint64_t g, size_t blocks) {
  return static_cast<size_t>(((g >> 32) * static_cast<uint64_t>(blocks)) >> 32);
}

[[noreturn]] void fail(const std::string& what, const std::string& dir) {
  throw std::runtime_error("duplicate check: cannot " + what + " its temporary file in " + dir + ": " +
                           std::strerror(errno));
}

}  // namespace

SeenValues::Slot SeenValues::Slot::of(uint64_t h, int64_t row) {
  const auto r = static_cast<uint32_t>(std::clamp<int64_t>(row, 0, UINT32_MAX));
  return {static_cast<uint32_t>(h), static_cast<uint32_t>(h >> 32), r};
}

bool SeenValues::Run::may_hold(uint64_t h) const {
  const uint64_t g = mix(h);
  const uint32_t* block = filter.data() + block_of(g, filter.size() / kWords) * kWords;
  const auto key = static_cast<uint32_t>(g);
  for (size_t i = 0; i < kWords; ++i)
    if (!(block[i] & (1u << ((key * kSalt[i]) >> 27)))) return false;
  return true;
}

void SeenValues::Run::add(uint64_t h) {
  const uint64_t g = mix(h);
  uint32_t* block = filter.data() + block_of(g, filter.size() / kWords) * kWords;
  const auto key = static_cast<uint32_t>(g);
  for (size_t i = 0; i < kWords; ++i) block[i] |= 1u << ((key * kSalt[i]) >> 27);
}

SeenValues::SeenValues(size_t memory) : limit_(memory) {}

SeenValues::~SeenValues() {
  if (fd_ >= 0) ::close(fd_);
}

int64_t SeenValues::find(uint64_t h) const {
  if (h == 0) return zero_row_;
  const int64_t row = find_in_table(h);
  if (row >= 0) return row;
  for (const Run& r : runs_)
    if (const int64_t in_run = find_in_run(r, h); in_run >= 0) return in_run;
  return -1;
}

int64_t SeenValues::find_in_table(uint64_t h) const {
  const Part& p = parts_[part_of(h)];
  if (p.slots.empty()) return -1;
  for (size_t i = h & p.mask;; i = (i + 1) & p.mask) {
    const uint64_t k = p.slots[i].key();
    if (k == h) return p.slots[i].row;
    if (k == 0) return -1;
  }
}

int64_t SeenValues::find_in_run(const Run& r, uint64_t h) const {
  if (!r.may_hold(h)) return -1;
  const auto it = std::upper_bound(r.firsts.begin(), r.firsts.end(), h);
  if (it == r.firsts.begin()) return -1;
  const size_t b = static_cast<size_t>(it - r.firsts.begin()) - 1;
  const size_t n = std::min(kBlock, r.count - b * kBlock);
  block_.resize(n);
  auto* dst = reinterpret_cast<char*>(block_.data());
  size_t done = 0;
  const auto at = static_cast<off_t>(r.offset + b * kBlock * sizeof(Slot));
  while (done < n * sizeof(Slot)) {
    const ssize_t got = ::pread(fd_, dst + done, n * sizeof(Slot) - done, at + static_cast<off_t>(done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) fail("read", dir_);
    done += static_cast<size_t>(got);
  }
  const auto hit = std::lower_bound(block_.begin(), block_.end(), h,
                                    [](const Slot& s, uint64_t v) { return s.key() < v; });
  return hit != block_.end() && hit->key() == h ? static_cast<int64_t>(hit->row) : int64_t{-1};
}

void SeenValues::insert(uint64_t h, int64_t row) {
  if (h == 0) {
    zero_row_ = row;
    return;
  }
  Part* p = &parts_[part_of(h)];
  if ((p->size + 1) * 5 > p->slots.size() * 4) {
    // Growing would pass the limit: the table's values go to a run
    // instead, and the emptied table keeps its slots.
    const size_t growth = (p->slots.empty() ? 64 : p->slots.size()) * sizeof(Slot);
    if (size_ > 0 && table_bytes_ + growth > limit_) spill();
    if ((p->size + 1) * 5 > p->slots.size() * 4) {
      table_bytes_ += growth;
      grow(*p);
    }
  }
  size_t i = h & p->mask;
  while (p->slots[i].key() != 0 && p->slots[i].key() != h) i = (i + 1) & p->mask;
  if (p->slots[i].key() == 0) {
    ++p->size;
    ++size_;
  }
  p->slots[i] = Slot::of(h, row);
}

void SeenValues::prefetch(uint64_t h) const {
  const Part& p = parts_[part_of(h)];
  if (!p.slots.empty()) __builtin_prefetch(&p.slots[h & p.mask]);
  if (runs_.empty()) return;
  const uint64_t g = mix(h);
  for (const Run& r : runs_) __builtin_prefetch(r.filter.data() + block_of(g, r.filter.size() / kWords) * kWords);
}

void SeenValues::grow(Part& p) {
  std::vector<Slot> old = std::move(p.slots);
  const size_t n = old.empty() ? 64 : old.size() * 2;
  p.slots.assign(n, Slot{0, 0, 0});
  p.mask = n - 1;
  for (const Slot& x : old) {
    if (x.key() == 0) continue;
    size_t i = x.key() & p.mask;
    while (p.slots[i].key() != 0) i = (i + 1) & p.mask;
    p.slots[i] = x;
  }
}

void SeenValues::open_file() {
  const char* tmp = std::getenv("TMPDIR");
  dir_ = tmp && *tmp ? tmp : "/tmp";
  std::string name = dir_ + "/kcbx-seen-XXXXXX";
  fd_ = ::mkstemp(name.data());
  if (fd_ < 0) fail("create", dir_);
  ::unlink(name.c_str());  // gone when closed, however the process ends
}

void SeenValues::spill() {
  if (fd_ < 0) open_file();
  std::vector<Slot> all;
  all.reserve(size_);
  for (Part& p : parts_) {
    for (const Slot& s : p.slots)
      if (s.key() != 0) all.push_back(s);
    std::fill(p.slots.begin(), p.slots.end(), Slot{0, 0, 0});
    p.size = 0;
  }
  std::sort(all.begin(), all.end(), [](const Slot& a, const Slot& b) { return a.key() < b.key(); });

  Run r;
  r.offset = file_end_;
  r.count = all.size();
  const auto* src = reinterpret_cast<const char*>(all.data());
  const size_t bytes = all.size() * sizeof(Slot);
  for (size_t done = 0; done < bytes;) {
    const ssize_t put =
        ::pwrite(fd_, src + done, bytes - done, static_cast<off_t>(file_end_ + done));
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) fail("write", dir_);
    done += static_cast<size_t>(put);
  }
  file_end_ += bytes;
  r.firsts.reserve((all.size() + kBlock - 1) / kBlock);
  for (size_t i = 0; i < all.size(); i += kBlock) r.firsts.push_back(all[i].key());
  r.filter.assign(std::max<size_t>(1, (all.size() + kValuesPerBlock - 1) / kValuesPerBlock) * kWords, 0);
  for (const Slot& s : all) r.add(s.key());
  spilled_ += all.size();
  size_ = 0;
  runs_.push_back(std::move(r));
}

size_t SeenValues::memory_bytes() const {
  size_t total = table_bytes_;
  for (const Run& r : runs_) total += r.filter.size() * sizeof(uint32_t) + r.firsts.size() * sizeof(uint64_t);
  return total;
}

}  // namespace kcbx::detail
