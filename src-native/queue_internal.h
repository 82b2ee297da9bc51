// Small helpers shared by the queue_*.cc files (not part of Queue's interface).
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>

#include "protocol.h"

namespace laio {

inline void bump(std::atomic<uint64_t>& c, uint64_t n = 1) { c.fetch_add(n, std::memory_order_relaxed); }

inline bool is_write(int32_t op) { return op == kWrite || op == kWritev; }
inline bool is_data(int32_t op) { return op <= kWritev; }

inline int32_t clamp_res(long long res) {
  if (res > INT32_MAX) return INT32_MAX;  // the kernel caps a transfer at MAX_RW_COUNT
  if (res < -4095) return -EIO;
  return static_cast<int32_t>(res);
}

}  // namespace laio
