// Does an fd's buffered reading mostly hit the page cache? Even with
// RWF_NOWAIT, a read that misses starts its readahead inside io_submit, on the
// event loop, and that can block for milliseconds (measured: p99 0.9 ms, max
// 61 ms per io_submit on a cold file). Once an fd's reads mostly miss, they go
// to a helper thread instead; the helper tries the page cache first
// (preadv2 with RWF_NOWAIT) and reports hits, so a file that warms up comes
// back to the inline path. Keyed by fd number only: a reused number at worst
// takes the slower path for a while.
#pragma once

#include "fd_table.h"

namespace laio {

class ReadHeat {
 public:
  bool cold(int fd) const;
  void hit(int fd);   // served from the page cache
  void miss(int fd);  // would have blocked

 private:
  // A miss weighs four hits: below about 80% hits the fd goes to the helpers.
  static constexpr int kMiss = 8, kHit = 2, kCold = 32, kMax = 64;
  FdTable<int, 32> scores_;  // fd -> 0..kMax; cold at kCold and above
};

}  // namespace laio
