#include "nowait_cache.h"

#include "file_id.h"

namespace laio {

bool NowaitCache::refused(int fd, bool write) {
  if (files_.empty()) return false;
  const uint64_t* file = files_.find(fd, write);
  if (file == nullptr) return false;
  if (fd_file_id(fd) == *file) return true;
  files_.erase(fd, write);  // the fd now names another file
  return false;
}

void NowaitCache::remember(int fd, bool write) {
  const uint64_t file = fd_file_id(fd);
  if (file != kNoFile) files_.put(fd, write, file);
}

}  // namespace laio
