// Files that refused RWF_NOWAIT (EOPNOTSUPP: tmpfs, or ext4 buffered writes)
// would bounce every request; remembering them sends their requests straight
// to a helper thread. An entry is trusted only while its fd still names the
// same inode, so a reused fd number never inherits another file's answer.
#pragma once

#include <sys/types.h>

#include <vector>

namespace laio {

class NowaitCache {
 public:
  // Does this fd (for this direction) refuse RWF_NOWAIT? Costs one fstat, and
  // only when some fd is remembered at all.
  bool refused(int fd, bool write);
  void remember(int fd, bool write);

 private:
  struct Entry {
    int fd;
    bool write;
    dev_t dev;
    ino_t ino;
  };
  static constexpr size_t kMax = 32;
  std::vector<Entry> entries_;
  size_t next_ = 0;  // replaced in turn when full
};

}  // namespace laio
