#include "nowait_cache.h"

#include <sys/stat.h>

namespace laio {

bool NowaitCache::refused(int fd, bool write) {
  if (entries_.empty()) return false;
  for (size_t i = 0; i < entries_.size(); i++) {
    Entry& e = entries_[i];
    if (e.fd != fd || e.write != write) continue;
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_dev == e.dev && st.st_ino == e.ino) return true;
    entries_[i] = entries_.back();  // the fd now names another file
    entries_.pop_back();
    return false;
  }
  return false;
}

void NowaitCache::remember(int fd, bool write) {
  struct stat st;
  if (fstat(fd, &st) != 0) return;
  for (Entry& e : entries_) {
    if (e.fd == fd && e.write == write) {
      e.dev = st.st_dev;
      e.ino = st.st_ino;
      return;
    }
  }
  Entry entry = {fd, write, st.st_dev, st.st_ino};
  if (entries_.size() < kMax) {
    entries_.push_back(entry);
  } else {
    entries_[next_] = entry;
    next_ = (next_ + 1) % kMax;
  }
}

}  // namespace laio
