#include "owned_memory.h"

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

}  // namespace

Block* block_new(size_t size, size_t alignment, bool is_registered) {
  if (alignment < sizeof(void*)) alignment = sizeof(void*);
  void* mem = nullptr;
  if (posix_memalign(&mem, alignment, size == 0 ? 1 : size) != 0) return nullptr;
  // JavaScript sees registered blocks (allocAligned): zeroed. Scratch is only
  // ever read where a write copied bytes in or the kernel read bytes into it.
  if (is_registered) std::memset(mem, 0, size);
  Block* b = new Block{static_cast<uint8_t*>(mem), size, {1}};
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
  std::free(b->base);
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
