#include "read_heat.h"

#include <algorithm>

namespace laio {

ReadHeat::Heat* ReadHeat::find(int fd, uint64_t file) {
  Heat* h = scores_.find(fd);
  if (h != nullptr && h->file != file) *h = {file, 0, false};  // the number names another file now
  return h;
}

ReadHeat::Temp ReadHeat::temp(int fd, uint64_t file) const {
  const Heat* h = scores_.find(fd);
  if (h == nullptr || h->file != file || h->score == 0) return Temp::Warm;
  return h->slept || h->score >= kCold ? Temp::Cold : Temp::Missing;
}

void ReadHeat::hit(int fd, uint64_t file) {
  Heat* h = find(fd, file);
  if (h == nullptr) return;
  h->score = std::max(0, h->score - (h->slept ? kSleptHit : kHit));
  if (h->score == 0) h->slept = false;
}

void ReadHeat::miss(int fd, uint64_t file) {
  Heat* h = find(fd, file);
  if (h == nullptr) scores_.put(fd, 0, {file, kMiss, false});
  else h->score = h->slept ? std::min(kSleptMax, h->score + kSleptMiss) : std::min(kMax, h->score + kMiss);
}

void ReadHeat::slept(int fd, uint64_t file) { scores_.put(fd, 0, {file, kSleptMax, true}); }

}  // namespace laio
