#include "owned_memory.h"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <mutex>

namespace laio {
namespace {

// Registered blocks by base address. Heap-allocated and never destroyed:
// finalizers may run during static destruction.
struct Registry {
  std::mutex mu;
  std::map<uintptr_t, Block*> by_base;
};

Registry& registry() {
  static Registry* r = new Registry();
  return *r;
}

constexpr size_t kPage = 4096;

// size bytes (whole pages) of fresh, zeroed memory on a max(alignment, 2 MiB)
// boundary, huge pages asked for: the head and tail of a larger mapping are
// cut off. The end stays in 4 KiB pages, so at most a page is wasted.
uint8_t* map_huge(size_t size, size_t alignment, size_t* mapped) {
  const size_t align = alignment > kHugeBlock ? alignment : kHugeBlock;
  const size_t len = (size + kPage - 1) & ~(kPage - 1);
  void* raw = mmap(nullptr, len + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t base = (start + align - 1) & ~(align - 1);
  if (base > start) munmap(raw, base - start);
  const size_t tail = start + len + align - (base + len);
  if (tail > 0) munmap(reinterpret_cast<void*>(base + len), tail);
  madvise(reinterpret_cast<void*>(base), len, MADV_HUGEPAGE);  // advice: failure is harmless
  *mapped = len;
  return reinterpret_cast<uint8_t*>(base);
}

}  // namespace

Block* block_new(size_t size, size_t alignment, bool is_registered) {
  if (alignment < sizeof(void*)) alignment = sizeof(void*);
  size_t mapped = 0;
  void* mem = nullptr;
  if (size >= kHugeBlock) {
    mem = map_huge(size, alignment, &mapped);
    if (mem == nullptr) return nullptr;
  } else {
    if (posix_memalign(&mem, alignment, size == 0 ? 1 : size) != 0) return nullptr;
    // JavaScript sees registered blocks (allocAligned): zeroed (a fresh
    // mapping already is). Scratch is only ever read where a write copied
    // bytes in or the kernel read bytes into it.
    if (is_registered) std::memset(mem, 0, size);
  }
  Block* b = new Block{static_cast<uint8_t*>(mem), size, {1}, mapped};
  if (is_registered) {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mu);
    r.by_base[reinterpret_cast<uintptr_t>(mem)] = b;
  }
  return b;
}

void block_ref(Block* b) { b->refs.fetch_add(1, std::memory_order_relaxed); }

void block_unref(Block* b) {
  if (b->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  {
    // Unregistered before the memory is freed: a lookup under the lock never
    // sees a block whose count reached zero (pin() refuses those anyway).
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mu);
    auto it = r.by_base.find(reinterpret_cast<uintptr_t>(b->base));
    if (it != r.by_base.end() && it->second == b) r.by_base.erase(it);
  }
  if (b->mapped != 0) munmap(b->base, b->mapped);
  else std::free(b->base);
  delete b;
}

Block* block_pin(const void* p, size_t len) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto& m = r.by_base;
  if (m.empty()) return nullptr;
  const auto a = reinterpret_cast<uintptr_t>(p);
  auto it = m.upper_bound(a);
  if (it == m.begin()) return nullptr;
  Block* b = std::prev(it)->second;
  const auto base = reinterpret_cast<uintptr_t>(b->base);
  if (a - base > b->size || len > b->size - (a - base)) return nullptr;
  // A count already at zero is being freed on another thread: not ours to use.
  int n = b->refs.load(std::memory_order_relaxed);
  do {
    if (n == 0) return nullptr;
  } while (!b->refs.compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
  return b;
}

}  // namespace laio
