// Does an fd's buffered reading mostly hit the page cache? Even with
// RWF_NOWAIT, a read that misses starts its readahead inside io_submit, on the
// event loop, and that can block for milliseconds (measured: p99 0.9 ms, max
// 61 ms per io_submit on a cold file). Once an fd's reads mostly miss, they go
// to a helper thread instead; the helper tries the page cache first
// (preadv2 with RWF_NOWAIT) and reports hits, so a file that warms up comes
// back to the inline path. Keyed by fd number, and the file it named (file_id.h):
// a number closed and reused for another file starts afresh.
#pragma once

#include <cstdint>

#include "fd_table.h"

namespace laio {

class ReadHeat {
 public:
  // Cold: the fd's reads go to the helpers. Missing: it missed lately but not
  // enough for that; its inline reads are watched for sleeping.
  enum class Temp { Warm, Missing, Cold };
  Temp temp(int fd, uint64_t file) const;
  void hit(int fd, uint64_t file);    // served from the page cache
  void miss(int fd, uint64_t file);   // would have blocked
  void slept(int fd, uint64_t file);  // its inline miss put the loop to sleep in io_submit

  // A read a helper tried in the page cache, reported to the loop.
  struct Seen {
    int fd;
    uint64_t file;
    bool hit;
  };

 private:
  struct Heat {
    uint64_t file;  // the file the fd named
    int score;      // 0..kMax, or 0..kSleptMax once slept
    bool slept;     // cold until fewer than 1 read in 33 misses
  };
  Heat* find(int fd, uint64_t file);  // nullptr, or the fd's heat (reset if it names another file now)
  // A miss weighs four hits: below about 80% hits the fd goes to the helpers.
  static constexpr int kMiss = 8, kHit = 2, kCold = 32, kMax = 64;
  // An fd whose inline misses made the loop sleep (readahead waiting for a
  // free disk request tag, while a file warms up and its readahead fills the
  // disk's queue) stays with the helpers until nearly all its reads hit: a
  // miss weighs 32 hits. The others keep the inline path's speed: with a tenth
  // of a file out of the cache, its reads on the helpers took 1.7x the CPU.
  static constexpr int kSleptMiss = 32, kSleptHit = 1, kSleptMax = 256;
  FdTable<Heat, 32> scores_;
};

}  // namespace laio
