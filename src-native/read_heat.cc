#include "read_heat.h"

#include <algorithm>

namespace laio {

ReadHeat::Entry* ReadHeat::find(int fd) {
  for (Entry& e : entries_)
    if (e.fd == fd) return &e;
  return nullptr;
}

bool ReadHeat::cold(int fd) const {
  for (const Entry& e : entries_)
    if (e.fd == fd) return e.score >= kCold;
  return false;
}

void ReadHeat::hit(int fd) {
  if (Entry* e = find(fd)) e->score = std::max(0, e->score - kHit);
}

void ReadHeat::miss(int fd) {
  if (Entry* e = find(fd)) {
    e->score = std::min(kMax, e->score + kMiss);
    return;
  }
  Entry entry = {fd, kMiss};
  if (entries_.size() < kEntries) {
    entries_.push_back(entry);
  } else {
    entries_[next_] = entry;
    next_ = (next_ + 1) % kEntries;
  }
}

}  // namespace laio
