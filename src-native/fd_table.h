// A small table of facts about fds, keyed by fd and a tag (e.g. read or write),
// bounded at N entries: when full, a new entry replaces the next one in turn.
// Linear search: N is small and the table is asked once per fd per batch.
// Used by NowaitCache and ReadHeat. Loop thread only.
#pragma once

#include <cstddef>
#include <vector>

namespace laio {

template <typename V, size_t N>
class FdTable {
 public:
  bool empty() const { return entries_.empty(); }

  V* find(int fd, int tag = 0) {
    for (Entry& e : entries_)
      if (e.fd == fd && e.tag == tag) return &e.value;
    return nullptr;
  }
  const V* find(int fd, int tag = 0) const { return const_cast<FdTable*>(this)->find(fd, tag); }

  // Sets the value of (fd, tag), adding the entry if needed.
  void put(int fd, int tag, const V& value) {
    if (V* v = find(fd, tag)) {
      *v = value;
      return;
    }
    if (entries_.size() < N) {
      entries_.push_back({fd, tag, value});
    } else {
      entries_[next_] = {fd, tag, value};
      next_ = (next_ + 1) % N;
    }
  }

  void erase(int fd, int tag = 0) {
    for (size_t i = 0; i < entries_.size(); i++) {
      if (entries_[i].fd != fd || entries_[i].tag != tag) continue;
      entries_[i] = entries_.back();
      entries_.pop_back();
      if (next_ >= entries_.size()) next_ = 0;
      return;
    }
  }

 private:
  struct Entry {
    int fd;
    int tag;
    V value;
  };
  std::vector<Entry> entries_;
  size_t next_ = 0;
};

}  // namespace laio
