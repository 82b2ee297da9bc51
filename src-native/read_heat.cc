#include "read_heat.h"

#include <algorithm>

namespace laio {

ReadHeat::Temp ReadHeat::temp(int fd) const {
  const Heat* h = scores_.find(fd);
  if (h == nullptr || h->score == 0) return Temp::Warm;
  return h->slept || h->score >= kCold ? Temp::Cold : Temp::Missing;
}

void ReadHeat::hit(int fd) {
  Heat* h = scores_.find(fd);
  if (h == nullptr) return;
  h->score = std::max(0, h->score - (h->slept ? kSleptHit : kHit));
  if (h->score == 0) h->slept = false;
}

void ReadHeat::miss(int fd) {
  Heat* h = scores_.find(fd);
  if (h == nullptr) scores_.put(fd, 0, {kMiss, false});
  else h->score = h->slept ? std::min(kSleptMax, h->score + kSleptMiss) : std::min(kMax, h->score + kMiss);
}

void ReadHeat::slept(int fd) { scores_.put(fd, 0, {kSleptMax, true}); }

}  // namespace laio
