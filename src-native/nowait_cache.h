// Files that refused RWF_NOWAIT (EOPNOTSUPP: tmpfs, or ext4 buffered writes)
// would bounce every request; remembering them sends their requests straight
// to a helper thread. An entry is trusted only while its fd still names the
// same file (file_id.h), so a reused fd number never inherits another file's
// answer.
#pragma once

#include <cstdint>

#include "fd_table.h"

namespace laio {

class NowaitCache {
 public:
  // Does this fd (for this direction) refuse RWF_NOWAIT? Costs one statx, and
  // only when some fd is remembered at all.
  bool refused(int fd, bool write);
  void remember(int fd, bool write);

 private:
  FdTable<uint64_t, 32> files_;  // (fd, write) -> the file that refused
};

}  // namespace laio
